//! Who is asking: sessions (browser) and API tokens (scripts, CI). Passwords are hashed with
//! Argon2id off the async threads; session ids and tokens are random 256-bit secrets stored
//! only as SHA-256 hashes.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
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

/// Bounds the Argon2id work in flight: each hash holds 19 MiB for tens of milliseconds, so
/// unbounded parallel sign-ins would let anyone who can reach the sign-in page grow the
/// process by 19 MiB per request. A request waits up to `wait` for a slot, then is answered
/// 503 with `Retry-After`.
///
/// The hashes run on `slots` threads of their own, each with one Argon2 memory buffer it keeps
/// and reuses ([`pooled_verify`], [`pooled_hash`]): a fresh 19 MiB buffer per hash is, after
/// the first, served from the heap by glibc (its mmap threshold rises to the size of a freed
/// block) and the heap fragments, so the semaphore alone still left 450–600 MiB resident after
/// 32–64 parallel sign-ins; with the buffers reused it stays at `slots` buffers. A slot is freed
/// when its hash is done, even if the client hung up.
pub struct HashLimiter {
    slots: Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
    jobs: std::sync::mpsc::Sender<HashJob>,
}

type HashJob = Box<dyn FnOnce() + Send>;

impl std::fmt::Debug for HashLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashLimiter")
            .field("available", &self.available())
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl HashLimiter {
    /// Starts `slots` hashing threads; they end when the limiter is dropped.
    pub fn new(slots: usize, wait: std::time::Duration) -> HashLimiter {
        let slots = slots.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<HashJob>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..slots {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("rhythm-hash-{n}")).spawn(move || {
                loop {
                    // The lock is held only while taking a job, not while running it.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password-hashing thread");
            }
        }
        HashLimiter { slots: Arc::new(tokio::sync::Semaphore::new(slots)), wait, jobs }
    }

    /// Runs `f` on a hashing thread once a slot is free (or refuses with 503 after `wait`).
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let Ok(Ok(permit)) = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await else {
            return Err(AppError::Busy(
                "too many sign-ins are being checked at once; try again in a few seconds".into(),
            ));
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move || {
            let out = f();
            // The slot is free before the caller hears back.
            drop(permit);
            let _ = done.send(out);
        });
        self.jobs.send(job).map_err(|_| AppError::Internal("the password-hashing threads are gone".into()))?;
        result.await.map_err(|_| AppError::Internal("a password-hashing thread stopped".into()))
    }

    /// Slots free now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.slots.available_permits()
    }

    /// [`verify_password`] in a slot.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AppError> {
        self.run(move || pooled_verify(&password, &hash)).await
    }

    /// [`hash_password`] in a slot.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || pooled_hash(&password)).await?
    }
}

/// The most memory a stored hash may ask for (KiB): 64 MiB, three times the default.
const MAX_M_COST: u32 = 64 * 1024;

thread_local! {
    /// This thread's Argon2 memory, reused by every hash it runs.
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_argon2_memory<T>(blocks: usize, f: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
    ARGON2_MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < blocks {
            m.resize(blocks, argon2::Block::default());
        }
        f(&mut m[..blocks])
    })
}

/// Checks `password` against a PHC string (`$argon2id$v=19$m=…`) in this thread's memory
/// (the one Argon2 implementation here: the CLI's [`verify_password`] and the server's
/// [`HashLimiter`] both run it).
fn pooled_verify(password: &str, phc: &str) -> bool {
    let check = || -> Option<bool> {
        let h = PasswordHash::new(phc).ok()?;
        let expected = h.hash?;
        let params = argon2::Params::try_from(&h).ok()?;
        if params.m_cost() > MAX_M_COST {
            return None;
        }
        let algorithm = argon2::Algorithm::try_from(h.algorithm).ok()?;
        let version = h.version.map_or(Some(argon2::Version::V0x13), |v| argon2::Version::try_from(v).ok())?;
        let mut salt = [0u8; 64];
        let salt = h.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        let blocks = params.block_count();
        let argon = Argon2::new(algorithm, version, params);
        with_argon2_memory(blocks, |mem| {
            argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, mem)
        })
        .ok()?;
        Some(bool::from(expected.as_bytes().ct_eq(&out)))
    };
    check().unwrap_or(false)
}

/// A new Argon2id PHC string with the library's defaults, in this thread's memory.
fn pooled_hash(password: &str) -> Result<String, AppError> {
    let fail = |e: argon2::password_hash::Error| AppError::Internal(format!("hashing failed: {e}"));
    let params = argon2::Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(fail)?;
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    let blocks = params.block_count();
    let argon = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params.clone());
    with_argon2_memory(blocks, |mem| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, mem)
    })
    .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))?;
    let phc = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params).map_err(fail)?,
        salt: Some(salt.as_salt()),
        hash: Some(argon2::password_hash::Output::new(&out).map_err(fail)?),
    };
    Ok(phc.to_string())
}

/// Argon2id with the library's defaults (OWASP's 19 MiB, 2 passes, 1 lane).
/// Off the async threads and outside any [`HashLimiter`]: for the CLI and tests. The server
/// hashes through `AppState::hashing`.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || pooled_hash(&password)).await.map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash, off the async threads (outside any
/// [`HashLimiter`], like [`hash_password`]).
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || pooled_verify(&password, &hash)).await.unwrap_or(false)
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
            Permission::Decide => "take governance steps",
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

    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    /// The argon2 crate's own hash, as the reference the reused-memory hashing must match.
    fn library_hash(password: &str) -> String {
        Argon2::default().hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng)).unwrap().to_string()
    }

    fn library_verify(password: &str, hash: &str) -> bool {
        PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    }

    #[tokio::test]
    async fn the_hashing_threads_agree_with_the_library() {
        let limiter = HashLimiter::new(2, std::time::Duration::from_secs(5));
        // A hash made the usual way verifies on the threads, and one made there verifies the
        // usual way: the same PHC strings, only the memory is reused.
        let usual = library_hash("correct horse battery");
        assert!(limiter.verify("correct horse battery".into(), usual.clone()).await.unwrap());
        assert!(!limiter.verify("wrong horse battery".into(), usual).await.unwrap());
        let pooled = limiter.hash("violet tractor sings".into()).await.unwrap();
        assert!(pooled.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{pooled}");
        assert!(library_verify("violet tractor sings", &pooled));
        assert!(limiter.verify("violet tractor sings".into(), pooled.clone()).await.unwrap());
        assert!(!limiter.verify("violet tractor sang".into(), pooled).await.unwrap());
        assert!(!limiter.verify("x".into(), "not a hash".into()).await.unwrap());
        // A stored hash that asks for more memory than the bound is refused, not computed.
        let greedy = "$argon2id$v=19$m=1048576,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert!(!limiter.verify("x".into(), greedy.into()).await.unwrap());
        assert_eq!(limiter.available(), 2);
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
