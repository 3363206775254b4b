//! Who is asking: sessions (browser) and API tokens (scripts, CI). Passwords are hashed with
//! Argon2id off the async threads; session ids and tokens are random 256-bit secrets stored
//! only as SHA-256 hashes.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rhythm_domain::{Permission, User};
use rhythm_store::{Actor, TokenScope};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;

/// Prefix of every API token, so scanners and people recognise a leaked one.
pub const TOKEN_PREFIX: &str = "rhy_";
/// Name of the session cookie when served over plain HTTP (development, demo).
pub const SESSION_COOKIE: &str = "rhythm_session";
/// Name of the session cookie over HTTPS: the `__Host-` prefix pins it to this host and path.
pub const SECURE_SESSION_COOKIE: &str = "__Host-rhythm_session";
/// Double-submit cookie protecting the sign-in form.
pub const LOGIN_CSRF_COOKIE: &str = "rhythm_login_csrf";
/// Header the API expects on unsafe requests authenticated by a session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A random secret, URL-safe.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a session id or token: what the database stores.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new API token: (the token to show once, its display prefix, its hash).
pub fn new_api_token() -> (String, String, String) {
    let token = format!("{TOKEN_PREFIX}{}", random_secret());
    let prefix = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let hash = secret_hash(&token);
    (token, prefix, hash)
}

/// What a client is told to wait (`Retry-After`, seconds) when every hashing slot is taken.
pub const BUSY_RETRY_AFTER_SECS: &str = "2";

/// Bounds the Argon2id work in flight: each hash holds 19 MiB for tens of milliseconds, so
/// unbounded parallel sign-ins would let anyone who can reach the sign-in page grow the
/// process by 19 MiB per request. A request waits up to `wait` for a slot, then is answered
/// 503 with `Retry-After`. The slot is held by the blocking task itself, so a client that
/// hangs up does not free it before the hash is done.
#[derive(Debug)]
pub struct HashLimiter {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
}

impl HashLimiter {
    pub fn new(slots: usize, wait: std::time::Duration) -> HashLimiter {
        HashLimiter { slots: std::sync::Arc::new(tokio::sync::Semaphore::new(slots.max(1))), wait }
    }

    async fn permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy("too many sign-ins are being checked at once; try again in a few seconds".into())),
        }
    }

    /// Slots free now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.slots.available_permits()
    }

    /// [`verify_password`] in a slot.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AppError> {
        let permit = self.permit().await?;
        Ok(tokio::task::spawn_blocking(move || {
            let _slot = permit;
            check_password_hash(&password, &hash)
        })
        .await
        .unwrap_or(false))
    }

    /// [`hash_password`] in a slot.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            new_password_hash(&password)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }
}

fn new_password_hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
}

fn check_password_hash(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Argon2id with the library's defaults (OWASP's 19 MiB, 2 passes, 1 lane).
/// Off the async threads and outside any [`HashLimiter`]: for the CLI and tests. The server
/// hashes through `AppState::hashing`.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || new_password_hash(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash, off the async threads (outside any
/// [`HashLimiter`], like [`hash_password`]).
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || check_password_hash(&password, &hash)).await.unwrap_or(false)
}

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    Session { id_hash: String, csrf_token: String },
    Token { id: Uuid, name: String, scope: TokenScope },
}

/// The signed-in person (or their token) behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub method: AuthMethod,
}

impl Principal {
    pub fn workspace_id(&self) -> Uuid {
        self.user.workspace_id
    }

    /// How the audit log names this actor.
    pub fn actor(&self) -> Actor {
        let label = match &self.method {
            AuthMethod::Session { .. } => self.user.email.clone(),
            AuthMethod::Token { name, .. } => format!("{} (token {name})", self.user.email),
        };
        Actor { workspace_id: self.user.workspace_id, user_id: Some(self.user.id), label }
    }

    pub fn can(&self, p: Permission) -> bool {
        let scope_ok = match &self.method {
            AuthMethod::Session { .. } => true,
            AuthMethod::Token { scope, .. } => p == Permission::Read || *scope == TokenScope::Write,
        };
        scope_ok && self.user.role.allows(p)
    }

    /// Refuses with a 403 that names the rule.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.can(p) {
            return Ok(());
        }
        let what = match p {
            Permission::Read => "read this workspace",
            Permission::Write => "change the registers",
            Permission::Admin => "manage people, tokens and notifications (CISO or CTO only)",
        };
        Err(match &self.method {
            AuthMethod::Token { scope: TokenScope::Read, .. } if self.user.role.allows(p) => {
                AppError::Forbidden(format!("this token has the read scope; it cannot {what}"))
            }
            _ => AppError::Forbidden(format!("the {} role cannot {what}", self.user.role.label())),
        })
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.method {
            AuthMethod::Session { csrf_token, .. } => Some(csrf_token),
            AuthMethod::Token { .. } => None,
        }
    }
}

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, no Max-Age (the server
/// enforces idle and absolute timeouts; the browser forgets it when closed).
pub fn session_cookie(secure: bool, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(session_cookie_name(secure), value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    c.set_path("/");
    c
}

/// Finds the principal from a bearer token or the session cookie.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, AppError> {
    let now = state.now();
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let value = auth.to_str().map_err(|_| AppError::Unauthenticated)?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or(AppError::Unauthenticated)?
            .trim();
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Err(AppError::Unauthenticated);
        }
        let found = state.store.token_by_hash(&secret_hash(token), now).await?;
        let Some((tok, user)) = found else { return Err(AppError::Unauthenticated) };
        return Ok(Some(Principal {
            user,
            method: AuthMethod::Token { id: tok.id, name: tok.name, scope: tok.scope },
        }));
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(session_cookie_name(state.config.secure_cookies)) else { return Ok(None) };
    let id_hash = secret_hash(cookie.value());
    let found = state.store.session(&id_hash, now, state.config.session_idle).await?;
    Ok(found.map(|(s, user)| Principal { user, method: AuthMethod::Session { id_hash, csrf_token: s.csrf_token } }))
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let p = authenticate(state, &parts.headers).await?.ok_or(AppError::Unauthenticated)?;
        // A browser session calling the API must prove the call comes from our own pages.
        if let AuthMethod::Session { csrf_token, .. } = &p.method {
            let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if unsafe_method {
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                if !same_secret(sent, csrf_token) {
                    return Err(AppError::Forbidden(format!(
                        "a browser session must send the {CSRF_HEADER} header on changes; scripts should use an API token"
                    )));
                }
            }
        }
        parts.extensions.insert(p.clone());
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery".into(), h.clone()).await);
        assert!(!verify_password("wrong horse battery".into(), h).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn tokens_are_prefixed_random_and_stored_hashed() {
        let (a, prefix, hash) = new_api_token();
        let (b, _, _) = new_api_token();
        assert!(a.starts_with("rhy_") && a.len() > 40 && a != b);
        assert!(a.starts_with(&prefix));
        assert_eq!(hash, secret_hash(&a));
        assert!(!hash.contains(&a));
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b));
    }
}
