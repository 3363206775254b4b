//! Sign-in protection kept in the database, so every instance sees the same counts and a
//! restart forgets nothing (migration 0010): failed attempts per key in a fixed window, and the
//! device cookies that exempt a known browser from the per-account limit.
//!
//! Keys are built by the caller from bounded text only (a SHA-256, an IP address): nothing an
//! anonymous client sends is stored as it came. The table is capped at [`MAX_THROTTLE_ROWS`]
//! rows; ended windows are deleted on the way, then the oldest ones.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::micros;
use crate::db::Val;
use crate::{Store, StoreError};

/// The most rows `login_throttle` holds. A key is at most a few dozen bytes, so this is a few
/// MiB at worst; reaching it takes that many failed sign-ins within one window, each of which
/// paid for an Argon2id hash.
pub const MAX_THROTTLE_ROWS: i64 = 100_000;
/// Device cookies kept per person (the newest).
pub const MAX_DEVICES_PER_USER: i64 = 20;

/// One throttle key and the failures it may reach within the window before it is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleKey<'a> {
    pub key: &'a str,
    pub max_failures: u32,
}

impl Store {
    /// When the first of `keys` that has reached its limit in the current window is free again,
    /// or `None` when none is blocked at `now`.
    pub async fn sign_in_blocked(
        &self,
        keys: &[ThrottleKey<'_>],
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        if keys.is_empty() {
            return Ok(None);
        }
        let now = micros(now);
        let marks = (1..=keys.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let args: Vec<Val> = keys.iter().map(|k| Val::from(k.key)).collect();
        let rows = self
            .pool
            .read_all(&format!("SELECT key, failures, window_start FROM login_throttle WHERE key IN ({marks})"), &args)
            .await?;
        let mut until: Option<OffsetDateTime> = None;
        for r in &rows {
            let key = r.text("key")?;
            let ends = r.ts("window_start")? + window;
            let limit = keys.iter().find(|k| k.key == key).map_or(u32::MAX, |k| k.max_failures);
            if ends > now && r.int("failures")? >= i64::from(limit) {
                until = Some(until.map_or(ends, |u| u.max(ends)));
            }
        }
        Ok(until)
    }

    /// Counts one failed sign-in against each key: a key whose window has ended starts a new
    /// one at `now`. Ended windows are deleted, and the table is kept under its cap.
    pub async fn sign_in_failed(&self, keys: &[&str], window: Duration, now: OffsetDateTime) -> Result<(), StoreError> {
        let now = micros(now);
        let cutoff = now - window;
        let mut tx = self.pool.write().await?;
        for key in keys {
            tx.exec(
                "INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, $2) \
                 ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END, \
                 window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END",
                &[Val::from(*key), now.into(), cutoff.into()],
            )
            .await?;
        }
        tx.exec("DELETE FROM login_throttle WHERE window_start <= $1", &[cutoff.into()]).await?;
        let rows = tx.int("SELECT COUNT(*) FROM login_throttle", &[]).await?;
        if rows > MAX_THROTTLE_ROWS {
            tx.exec(
                "DELETE FROM login_throttle WHERE key IN \
                 (SELECT key FROM login_throttle ORDER BY window_start, key LIMIT $1)",
                &[(rows - MAX_THROTTLE_ROWS).into()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the failures of `keys` (after a successful sign-in).
    pub async fn sign_in_cleared(&self, keys: &[&str]) -> Result<(), StoreError> {
        let mut tx = self.pool.write().await?;
        for key in keys {
            tx.exec("DELETE FROM login_throttle WHERE key = $1", &[Val::from(*key)]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rows in `login_throttle` (for tests and metrics).
    pub async fn sign_in_throttle_rows(&self) -> Result<i64, StoreError> {
        let mut tx = self.pool.read().await?;
        let n = tx.int("SELECT COUNT(*) FROM login_throttle", &[]).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The person a device cookie (by its SHA-256) was issued to, if it is known.
    pub async fn sign_in_device(&self, token_hash: &str) -> Result<Option<Uuid>, StoreError> {
        let row =
            self.pool.read_opt("SELECT user_id FROM login_devices WHERE token_hash = $1", &[token_hash.into()]).await?;
        row.map(|r| r.uuid("user_id")).transpose()
    }

    /// Remembers a device cookie issued at a successful sign-in (or marks a known one used),
    /// keeping the person's newest [`MAX_DEVICES_PER_USER`].
    pub async fn remember_sign_in_device(
        &self,
        user_id: Uuid,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let now = micros(now);
        let mut tx = self.pool.write().await?;
        tx.exec(
            "INSERT INTO login_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (token_hash) DO UPDATE SET last_used_at = $3",
            &[token_hash.into(), user_id.into(), now.into()],
        )
        .await?;
        tx.exec(
            "DELETE FROM login_devices WHERE user_id = $1 AND token_hash NOT IN \
             (SELECT token_hash FROM login_devices WHERE user_id = $1 ORDER BY last_used_at DESC, token_hash LIMIT $2)",
            &[user_id.into(), MAX_DEVICES_PER_USER.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
