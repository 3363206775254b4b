//! Sign-in and sign-out. A new session id is issued at every sign-in (no fixation), failed
//! attempts are throttled per address, and unknown e-mails cost the same time as wrong
//! passwords.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::html;
use serde::Deserialize;

use super::layout::{bare, error_page};
use super::{RawForm, WebUser, check_csrf};
use crate::AppState;
use crate::auth::{
    self, LOGIN_CSRF_COOKIE, random_secret, same_secret, secret_hash, session_cookie, session_cookie_name,
};

/// Failed sign-ins allowed per e-mail address in [`WINDOW`].
const MAX_FAILURES: u32 = 10;
const WINDOW: Duration = Duration::from_mins(15);

/// Counts failed sign-ins per address (per instance; a determined attacker spread over many
/// instances still pays Argon2id for every guess).
#[derive(Default)]
pub struct LoginLimiter(Mutex<HashMap<String, (u32, Instant)>>);

impl LoginLimiter {
    fn blocked(&self, key: &str) -> bool {
        let map = self.0.lock().expect("limiter lock");
        map.get(key).is_some_and(|(n, since)| *n >= MAX_FAILURES && since.elapsed() < WINDOW)
    }
    fn failed(&self, key: &str) {
        let mut map = self.0.lock().expect("limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let e = map.entry(key.to_owned()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }
    fn succeeded(&self, key: &str) {
        self.0.lock().expect("limiter lock").remove(key);
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

/// Only same-site paths: never `//evil.example` or `https://…`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
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

fn login_csrf_cookie(st: &AppState, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(LOGIN_CSRF_COOKIE, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_secure(st.config.secure_cookies);
    c.set_path("/login");
    c
}

pub async fn login(State(st): State<AppState>, jar: CookieJar, RawForm(form): RawForm) -> Response {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (email, password, sent_csrf) = (get("email"), get("password"), get("_csrf"));
    let next = safe_next(Some(&get("next")));
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !same_secret(&sent_csrf, &expected) {
        return error_page(StatusCode::FORBIDDEN, "The sign-in form expired. Reload the page and sign in again.");
    }
    let key = email.trim().to_ascii_lowercase();
    let again = |msg: &str, status: StatusCode| {
        let csrf = random_secret();
        let jar = jar.clone().add(login_csrf_cookie(&st, csrf.clone()));
        (status, jar, Html(login_form(&csrf, &next, email.trim(), Some(msg)))).into_response()
    };
    if st.login_limiter.blocked(&key) {
        tracing::warn!("sign-in throttled");
        return again(
            "Too many failed attempts for this address. Wait 15 minutes and try again.",
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let found = match st.store.user_credentials(&email).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "sign-in lookup failed");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Signing in failed on our side. Try again shortly.");
        }
    };
    let (user, hash) = match found {
        Some((u, Some(h))) if !u.disabled => (Some(u), h),
        _ => (None, dummy_hash().to_owned()),
    };
    let ok = auth::verify_password(password, hash).await;
    let Some(user) = user.filter(|_| ok) else {
        st.login_limiter.failed(&key);
        tracing::info!("sign-in refused");
        return again("That e-mail and password do not match an account.", StatusCode::UNAUTHORIZED);
    };
    st.login_limiter.succeeded(&key);
    // Rotate: the old session (if any) ends; a fresh id is issued.
    let cookie_name = session_cookie_name(st.config.secure_cookies);
    if let Some(old) = jar.get(cookie_name) {
        let _ = st.store.delete_session(&secret_hash(old.value())).await;
    }
    let sid = random_secret();
    let now = st.now();
    if let Err(e) =
        st.store.create_session(&user, &secret_hash(&sid), &random_secret(), now, st.config.session_absolute).await
    {
        tracing::error!(error = %e, "session create failed");
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Signing in failed on our side. Try again shortly.");
    }
    tracing::info!(user = %user.id, "signed in");
    let jar =
        jar.remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login")).add(session_cookie(st.config.secure_cookies, sid));
    (jar, Redirect::to(&next)).into_response()
}

pub async fn logout(State(st): State<AppState>, WebUser(user): WebUser, jar: CookieJar, form: RawForm) -> Response {
    if let Err(r) = check_csrf(&user, form) {
        return r;
    }
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
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }

    #[test]
    fn the_limiter_blocks_after_ten_failures_and_forgets_on_success() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(!l.blocked("a@b.c"));
            l.failed("a@b.c");
        }
        assert!(l.blocked("a@b.c"));
        assert!(!l.blocked("other@b.c"));
        l.succeeded("a@b.c");
        assert!(!l.blocked("a@b.c"));
    }
}
