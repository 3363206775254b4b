//! Signing in and out with a password. Failed attempts are throttled in the database, per
//! account and per client address, and a browser that signed in before carries a device
//! cookie that exempts it from the per-account limit, so nobody can lock a person out by
//! failing on purpose; unknown e-mails cost the same time as wrong passwords; concurrent
//! hashing is bounded (`AppState::hashing`). Sign-ins and refused sign-ins of an account are
//! audited, after the answer. The page (`web/auth.rs`) holds the cookies and the form.

use std::net::IpAddr;
use std::sync::OnceLock;

use rhythm_store::{Actor, ThrottleKey};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::AppState;
use crate::auth::{Principal, random_secret, secret_hash};
use crate::error::AppError;

/// Failed sign-ins per account (from browsers without its device cookie) in [`WINDOW`].
pub const ACCOUNT_MAX_FAILURES: u32 = 10;
/// Failed sign-ins per device cookie in [`WINDOW`].
pub const DEVICE_MAX_FAILURES: u32 = 10;
/// Failed sign-ins per client address, whatever the account, in [`WINDOW`].
pub const ADDRESS_MAX_FAILURES: u32 = 100;
/// The throttle window: a blocked key is free again when its window ends.
pub const WINDOW: Duration = Duration::minutes(15);
/// Longest e-mail address (RFC 5321) and password a sign-in reads; longer input is refused
/// before anything is hashed or stored.
pub const MAX_EMAIL_BYTES: usize = 254;
const MAX_PASSWORD_BYTES: usize = 4096;

/// One sign-in attempt as the browser sent it.
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: String,
    pub address: Option<IpAddr>,
    /// The device cookie's value, if the browser sent one.
    pub device_cookie: Option<&'a str>,
    /// The session cookie's value, if the browser still had one: that session ends.
    pub old_session: Option<&'a str>,
}

/// How an attempt ended.
pub enum Outcome {
    /// Signed in: the new session's id and the device cookie's value to set.
    SignedIn { session_id: String, device_cookie: String },
    /// The e-mail and password do not match an account (or the input cannot be one).
    Refused,
    /// Too many failures: free again in this many seconds.
    Throttled { wait_secs: i64 },
    /// Every hashing slot is busy (the message says so); try again shortly.
    Busy(String),
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

/// A failure on our side, logged with what failed.
fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "{what} failed");
    AppError::Internal(format!("{what} failed"))
}

/// Checks an attempt against the throttle and the password, and on success starts a session
/// (a fresh id: no fixation). An `Err` is a failure on our side, already logged.
pub async fn sign_in(st: &AppState, a: Attempt<'_>) -> Result<Outcome, AppError> {
    let now = st.now();
    let address = a.address.map(address_key);
    // Input no account can have is refused before anything is hashed, looked up or stored
    // under its own name; it still counts against the address.
    if a.email.len() > MAX_EMAIL_BYTES || a.password.len() > MAX_PASSWORD_BYTES {
        if let Some(key) = &address
            && let Err(e) = st.store.sign_in_failed(&[key.as_str()], WINDOW, now).await
        {
            tracing::error!(error = %e, "sign-in throttle failed");
        }
        tracing::info!("sign-in refused: input too long");
        return Ok(Outcome::Refused);
    }
    let normalized = a.email.trim().to_ascii_lowercase();
    let found = st.store.user_credentials(a.email).await.map_err(|e| internal("sign-in lookup", e))?;
    // The cookie is looked up whether or not the account exists, so the time taken does not
    // tell one from the other.
    let device_cookie = a.device_cookie.filter(|v| v.len() <= 200);
    let mut device = None;
    if let Some(cookie) = device_cookie {
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
    if let Some(until) = st
        .store
        .sign_in_blocked(&keys.limits(), WINDOW, now)
        .await
        .map_err(|e| internal("sign-in throttle lookup", e))?
    {
        tracing::warn!("sign-in throttled");
        return Ok(Outcome::Throttled { wait_secs: (until - now).whole_seconds() });
    }
    let account = found.as_ref().map(|(u, _)| u.clone());
    let (user, hash) = match found {
        Some((u, Some(h))) if !u.disabled => (Some(u), h),
        _ => (None, dummy_hash().to_owned()),
    };
    let ok = match st.hashing.verify(a.password, hash).await {
        Ok(ok) => ok,
        Err(AppError::Busy(m)) => {
            tracing::warn!("sign-in refused: every hashing slot is busy");
            return Ok(Outcome::Busy(m));
        }
        Err(e) => return Err(internal("password check", e)),
    };
    let Some(user) = user.filter(|_| ok) else {
        if let Err(e) = st.store.sign_in_failed(&keys.counted(), WINDOW, now).await {
            tracing::error!(error = %e, "sign-in throttle failed");
        }
        if let Some(u) = &account {
            audit_sign_in(st, u, a.address, now, false);
        }
        tracing::info!("sign-in refused");
        return Ok(Outcome::Refused);
    };
    let cleared = if keys.device.is_some() { keys.device.as_deref() } else { Some(keys.account.as_str()) };
    if let Err(e) = st.store.sign_in_cleared(&cleared.into_iter().collect::<Vec<_>>()).await {
        tracing::error!(error = %e, "sign-in throttle reset failed");
    }
    // Rotate: the old session (if any) ends; a fresh id is issued.
    if let Some(old) = a.old_session {
        let _ = st.store.delete_session(&secret_hash(old)).await;
    }
    let session_id = random_secret();
    st.store
        .create_session(&user, &secret_hash(&session_id), &random_secret(), now, st.config.session_absolute)
        .await
        .map_err(|e| internal("session create", e))?;
    // The device cookie: kept when it is this person's, otherwise a new one.
    let device_cookie = match (&keys.device, device_cookie) {
        (Some(_), Some(v)) => v.to_owned(),
        _ => random_secret(),
    };
    if let Err(e) = st.store.remember_sign_in_device(user.id, &secret_hash(&device_cookie), now).await {
        tracing::error!(error = %e, "sign-in device record failed");
    }
    audit_sign_in(st, &user, a.address, now, true);
    tracing::info!(user = %user.id, "signed in");
    Ok(Outcome::SignedIn { session_id, device_cookie })
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

/// Ends the session the person signed in with (a token has none to end).
pub async fn sign_out(st: &AppState, p: &Principal) {
    if let crate::auth::AuthMethod::Session { id_hash, .. } = &p.method {
        let _ = st.store.delete_session(id_hash).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
