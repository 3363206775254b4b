//! Sign-in and sign-out. A new session id is issued at every sign-in (no fixation); failed
//! attempts are throttled in the database, per account and per client address, and a browser
//! that signed in before carries a device cookie that exempts it from the per-account limit,
//! so nobody can lock a person out by failing on purpose; unknown e-mails cost the same time
//! as wrong passwords; concurrent hashing is bounded (`AppState::hashing`). Sign-ins and
//! refused sign-ins of an account are audited.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::html;
use rhythm_store::{Actor, ThrottleKey};
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::layout::{bare, error_page};
use super::{CsrfForm, RawForm, WebUser};
use crate::AppState;
use crate::auth::{
    self, LOGIN_CSRF_COOKIE, random_secret, same_secret, secret_hash, session_cookie, session_cookie_name,
};
use crate::error::AppError;

/// Failed sign-ins per account (from browsers without its device cookie) in [`WINDOW`].
pub const ACCOUNT_MAX_FAILURES: u32 = 10;
/// Failed sign-ins per device cookie in [`WINDOW`].
pub const DEVICE_MAX_FAILURES: u32 = 10;
/// Failed sign-ins per client address, whatever the account, in [`WINDOW`].
pub const ADDRESS_MAX_FAILURES: u32 = 100;
/// The throttle window: a blocked key is free again when its window ends.
pub const WINDOW: Duration = Duration::minutes(15);
/// The device cookie: set at a successful sign-in, sent back only to `/login`.
pub const DEVICE_COOKIE: &str = "rhythm_device";
/// Longest e-mail address (RFC 5321) and password a sign-in reads; longer input is refused
/// before anything is hashed or stored.
const MAX_EMAIL_BYTES: usize = 254;
const MAX_PASSWORD_BYTES: usize = 4096;

/// The client's address: the connection's peer, or the last `X-Forwarded-For` entry when
/// [`crate::Config::trust_forwarded_for`] is set. `None` when neither is known (a server
/// started without connect info).
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        if st.config.trust_forwarded_for {
            let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).next_back();
            if let Some(ip) = forwarded.and_then(|v| v.rsplit(',').next()).and_then(|v| v.trim().parse().ok()) {
                return Ok(ClientAddr(Some(ip)));
            }
        }
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// The address's throttle key: IPv4 as it is, IPv6 by its /64 (one host usually holds a whole
/// /64, so per-address limits on single IPv6 addresses would not limit anyone).
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("addr:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("addr:{v4}"),
            None => {
                let s = v6.segments();
                format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        argon2::Argon2::default()
            .hash_password(b"not a real password", &SaltString::generate(&mut OsRng))
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Where to go after signing in: only a path of this site, as a browser would resolve it.
/// Browsers drop tabs and newlines from URLs and read `\\` as `/`, so the raw text is not
/// what they follow: the path is resolved by the WHATWG URL parser against this origin and kept
/// only if it stays here, and what it resolved to is what the redirect sends.
fn safe_next(next: Option<&str>) -> String {
    let home = || "/".to_owned();
    let Some(n) = next else { return home() };
    if !n.starts_with('/') || n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return home();
    }
    let Ok(base) = url::Url::parse("http://rhythm.invalid/") else { return home() };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() && u.username().is_empty() && u.password().is_none() => {
            let path = &u[url::Position::BeforePath..];
            // A path that resolved to `//host` would leave the site.
            if path.starts_with("//") { home() } else { path.to_owned() }
        }
        _ => home(),
    }
}

fn login_form(csrf: &str, next: &str, email: &str, error: Option<&str>) -> String {
    bare(
        "Sign in",
        html! {
            main class="auth-card" {
                a class="brand" href="/" { span class="brand-mark" aria-hidden="true" {} "Rhythm" }
                h1 { "Sign in" }
                p class="muted" { "The security and delivery rhythm of your team." }
                @if let Some(e) = error {
                    div class="flash flash-error" role="alert" id="login-error" { (e) }
                }
                form class="form" method="post" action="/login" {
                    input type="hidden" name="_csrf" value=(csrf);
                    input type="hidden" name="next" value=(next);
                    div class="field" {
                        label for="email" { "E-mail" }
                        input id="email" name="email" type="email" autocomplete="username" required value=(email)
                            aria-describedby=[error.map(|_| "login-error")];
                    }
                    div class="field" {
                        label for="password" { "Password" }
                        input id="password" name="password" type="password" autocomplete="current-password" required;
                    }
                    div class="form-actions" { button class="btn primary" type="submit" { "Sign in" } }
                }
            }
        },
    )
    .into_string()
}

pub async fn login_page(
    State(st): State<AppState>,
    jar: CookieJar,
    Query(q): Query<Next>,
    headers: axum::http::HeaderMap,
) -> Response {
    // Already signed in: go on.
    if let Ok(Some(_)) = auth::authenticate(&st, &headers).await {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let csrf = random_secret();
    let jar = jar.add(login_csrf_cookie(&st, csrf.clone()));
    (jar, Html(login_form(&csrf, &safe_next(q.next.as_deref()), "", None))).into_response()
}

/// A cookie only the sign-in page reads: HttpOnly, SameSite=Strict, path `/login`.
fn login_cookie(st: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_secure(st.config.secure_cookies);
    c.set_path("/login");
    c
}

fn login_csrf_cookie(st: &AppState, value: String) -> Cookie<'static> {
    login_cookie(st, LOGIN_CSRF_COOKIE, value)
}

/// The device cookie, kept a year.
fn new_device_cookie(st: &AppState, value: String) -> Cookie<'static> {
    let mut c = login_cookie(st, DEVICE_COOKIE, value);
    c.set_max_age(time::Duration::days(365));
    c
}

/// Which throttle keys a sign-in attempt counts against.
struct Keys {
    account: String,
    address: Option<String>,
    /// The device cookie's key, when the browser sent a cookie issued for this account.
    device: Option<String>,
}

impl Keys {
    /// A browser with this account's device cookie is limited per device only; any other is
    /// limited per account and per address.
    fn limits(&self) -> Vec<ThrottleKey<'_>> {
        match &self.device {
            Some(d) => vec![ThrottleKey { key: d, max_failures: DEVICE_MAX_FAILURES }],
            None => {
                let mut v = vec![ThrottleKey { key: &self.account, max_failures: ACCOUNT_MAX_FAILURES }];
                if let Some(a) = &self.address {
                    v.push(ThrottleKey { key: a, max_failures: ADDRESS_MAX_FAILURES });
                }
                v
            }
        }
    }

    fn counted(&self) -> Vec<&str> {
        self.limits().into_iter().map(|k| k.key).collect()
    }
}

pub async fn login(
    State(st): State<AppState>,
    jar: CookieJar,
    ClientAddr(addr): ClientAddr,
    RawForm(form): RawForm,
) -> Response {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (email, password, sent_csrf) = (get("email"), get("password"), get("_csrf"));
    let next = safe_next(Some(&get("next")));
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !same_secret(&sent_csrf, &expected) {
        return error_page(StatusCode::FORBIDDEN, "The sign-in form expired. Reload the page and sign in again.");
    }
    let shown_email: String = email.trim().chars().take(MAX_EMAIL_BYTES).collect();
    let again = |msg: &str, status: StatusCode, retry_after: Option<i64>| {
        let csrf = random_secret();
        let jar = jar.clone().add(login_csrf_cookie(&st, csrf.clone()));
        let mut resp = (status, jar, Html(login_form(&csrf, &next, &shown_email, Some(msg)))).into_response();
        if let Some(secs) = retry_after.and_then(|s| HeaderValue::from_str(&s.max(1).to_string()).ok()) {
            resp.headers_mut().insert(header::RETRY_AFTER, secs);
        }
        resp
    };
    let refused = "That e-mail and password do not match an account.";
    let now = st.now();
    let address = addr.map(address_key);
    // Input no account can have is refused before anything is hashed, looked up or stored
    // under its own name; it still counts against the address.
    if email.len() > MAX_EMAIL_BYTES || password.len() > MAX_PASSWORD_BYTES {
        if let Some(a) = &address
            && let Err(e) = st.store.sign_in_failed(&[a.as_str()], WINDOW, now).await
        {
            tracing::error!(error = %e, "sign-in throttle failed");
        }
        tracing::info!("sign-in refused: input too long");
        return again(refused, StatusCode::UNAUTHORIZED, None);
    }
    let normalized = email.trim().to_ascii_lowercase();
    let found = match st.store.user_credentials(&email).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "sign-in lookup failed");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Signing in failed on our side. Try again shortly.");
        }
    };
    // The cookie is looked up whether or not the account exists, so the time taken does not
    // tell one from the other.
    let device_cookie = jar.get(DEVICE_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() <= 200);
    let mut device = None;
    if let Some(cookie) = &device_cookie {
        let hash = secret_hash(cookie);
        match st.store.sign_in_device(&hash).await {
            Ok(Some(owner)) if found.as_ref().is_some_and(|(u, _)| u.id == owner) => {
                device = Some(format!("device:{hash}"));
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sign-in device lookup failed"),
        }
    }
    let keys = Keys { account: format!("account:{}", secret_hash(&normalized)), address, device };
    match st.store.sign_in_blocked(&keys.limits(), WINDOW, now).await {
        Ok(Some(until)) => {
            tracing::warn!("sign-in throttled");
            let wait = (until - now).whole_seconds();
            let minutes = (wait + 59) / 60;
            return again(
                &format!(
                    "Too many failed sign-ins. Try again in {minutes} minute{}, or from a browser you signed in with before.",
                    if minutes == 1 { "" } else { "s" }
                ),
                StatusCode::TOO_MANY_REQUESTS,
                Some(wait),
            );
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "sign-in throttle lookup failed");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Signing in failed on our side. Try again shortly.");
        }
    }
    let account = found.as_ref().map(|(u, _)| u.clone());
    let (user, hash) = match found {
        Some((u, Some(h))) if !u.disabled => (Some(u), h),
        _ => (None, dummy_hash().to_owned()),
    };
    let ok = match st.hashing.verify(password, hash).await {
        Ok(ok) => ok,
        Err(AppError::Busy(m)) => {
            tracing::warn!("sign-in refused: every hashing slot is busy");
            return again(&format!("Rhythm is busy: {m}."), StatusCode::SERVICE_UNAVAILABLE, Some(2));
        }
        Err(e) => {
            tracing::error!(error = %e, "password check failed");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Signing in failed on our side. Try again shortly.");
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        if let Err(e) = st.store.sign_in_failed(&keys.counted(), WINDOW, now).await {
            tracing::error!(error = %e, "sign-in throttle failed");
        }
        if let Some(u) = &account {
            audit_sign_in(&st, u, addr, now, false);
        }
        tracing::info!("sign-in refused");
        return again(refused, StatusCode::UNAUTHORIZED, None);
    };
    let cleared = if keys.device.is_some() { keys.device.as_deref() } else { Some(keys.account.as_str()) };
    if let Err(e) = st.store.sign_in_cleared(&cleared.into_iter().collect::<Vec<_>>()).await {
        tracing::error!(error = %e, "sign-in throttle reset failed");
    }
    // Rotate: the old session (if any) ends; a fresh id is issued.
    let cookie_name = session_cookie_name(st.config.secure_cookies);
    if let Some(old) = jar.get(cookie_name) {
        let _ = st.store.delete_session(&secret_hash(old.value())).await;
    }
    let sid = random_secret();
    if let Err(e) =
        st.store.create_session(&user, &secret_hash(&sid), &random_secret(), now, st.config.session_absolute).await
    {
        tracing::error!(error = %e, "session create failed");
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Signing in failed on our side. Try again shortly.");
    }
    // The device cookie: kept when it is this person's, otherwise a new one.
    let device_value = match (&keys.device, device_cookie) {
        (Some(_), Some(v)) => v,
        _ => random_secret(),
    };
    if let Err(e) = st.store.remember_sign_in_device(user.id, &secret_hash(&device_value), now).await {
        tracing::error!(error = %e, "sign-in device record failed");
    }
    audit_sign_in(&st, &user, addr, now, true);
    tracing::info!(user = %user.id, "signed in");
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(session_cookie(st.config.secure_cookies, sid))
        .add(new_device_cookie(&st, device_value));
    (jar, Redirect::to(&next)).into_response()
}

/// Audits a sign-in (`sign_in`) or a refused one (`sign_in_failed`) of an account, after the
/// answer: the audit write takes the workspace's lock, and a refused sign-in must not answer
/// later than one for an unknown address (which has no workspace to audit in).
fn audit_sign_in(st: &AppState, user: &rhythm_domain::User, addr: Option<IpAddr>, now: OffsetDateTime, ok: bool) {
    let store = st.store.clone();
    let (ws, id, email) = (user.workspace_id, user.id, user.email.clone());
    tokio::spawn(async move {
        let (actor, action) = if ok {
            (Actor { workspace_id: ws, user_id: Some(id), label: email.clone() }, "sign_in")
        } else {
            let from = addr.map_or_else(|| "an unknown address".to_owned(), |a| a.to_string());
            (Actor { workspace_id: ws, user_id: None, label: format!("sign-in attempt from {from}") }, "sign_in_failed")
        };
        let detail = json!({ "email": email, "address": addr.map(|a| a.to_string()), "method": "password" });
        if let Err(e) = store.audit_event(&actor, now, action, "user", Some(id), &detail).await {
            tracing::error!(error = %e, action, "could not audit a sign-in");
        }
    });
}

pub async fn logout(
    State(st): State<AppState>,
    WebUser(user): WebUser,
    jar: CookieJar,
    _checked: CsrfForm,
) -> Response {
    if let auth::AuthMethod::Session { id_hash, .. } = &user.method {
        let _ = st.store.delete_session(id_hash).await;
    }
    let jar = jar.remove(Cookie::build(session_cookie_name(st.config.secure_cookies)).path("/"));
    (jar, Redirect::to("/login")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_only_goes_to_our_own_pages() {
        assert_eq!(safe_next(Some("/risks?status=open")), "/risks?status=open");
        assert_eq!(safe_next(Some("/risks/../findings#x")), "/findings#x");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/.//evil.example",
            "/%2e//evil.example",
            "\u{0}/evil",
        ] {
            let got = safe_next(Some(bad));
            assert!(!got.starts_with("//") && got.starts_with('/'), "{bad:?} -> {got}");
            assert!(!got.contains("evil.example") || got == "/", "{bad:?} -> {got}");
        }
    }

    #[test]
    fn ipv6_addresses_are_throttled_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        assert_eq!(address_key("::ffff:192.0.2.7".parse().unwrap()), "addr:192.0.2.7");
    }
}
