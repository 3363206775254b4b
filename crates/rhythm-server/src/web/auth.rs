//! The sign-in page and sign-out: the form, its pre-session CSRF cookie, the session and
//! device cookies, and the redirect target resolved as a browser would. What an attempt is
//! judged by (throttle, password, session) is [`crate::service::sign_in`].

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::html;
use serde::Deserialize;

use super::layout::{bare, error_page};
use super::{CsrfForm, RawForm, WebUser};
use crate::AppState;
use crate::auth::{self, LOGIN_CSRF_COOKIE, random_secret, same_secret, session_cookie, session_cookie_name};
use crate::service::sign_in::{self, MAX_EMAIL_BYTES, Outcome};

/// The device cookie: set at a successful sign-in, sent back only to `/login`.
pub const DEVICE_COOKIE: &str = "rhythm_device";
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
    let attempt = sign_in::Attempt {
        email: &email,
        password,
        address: addr,
        device_cookie: jar.get(DEVICE_COOKIE).map(Cookie::value),
        old_session: jar.get(session_cookie_name(st.config.secure_cookies)).map(Cookie::value),
    };
    let (session_id, device_value) = match sign_in::sign_in(&st, attempt).await {
        Ok(Outcome::SignedIn { session_id, device_cookie }) => (session_id, device_cookie),
        Ok(Outcome::Refused) => return again(refused, StatusCode::UNAUTHORIZED, None),
        Ok(Outcome::Throttled { wait_secs }) => {
            let minutes = (wait_secs + 59) / 60;
            return again(
                &format!(
                    "Too many failed sign-ins. Try again in {minutes} minute{}, or from a browser you signed in with before.",
                    if minutes == 1 { "" } else { "s" }
                ),
                StatusCode::TOO_MANY_REQUESTS,
                Some(wait_secs),
            );
        }
        Ok(Outcome::Busy(m)) => {
            return again(&format!("Rhythm is busy: {m}."), StatusCode::SERVICE_UNAVAILABLE, Some(2));
        }
        // Already logged by the service, with what failed.
        Err(_) => {
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Signing in failed on our side. Try again shortly.");
        }
    };
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(session_cookie(st.config.secure_cookies, session_id))
        .add(new_device_cookie(&st, device_value));
    (jar, Redirect::to(&next)).into_response()
}

pub async fn logout(
    State(st): State<AppState>,
    WebUser(user): WebUser,
    jar: CookieJar,
    _checked: CsrfForm,
) -> Response {
    sign_in::sign_out(&st, &user).await;
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
}
