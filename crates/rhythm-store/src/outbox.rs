//! Notifications: targets (where a workspace wants to hear about governance events) and the
//! outbox (deliveries still to make), kept in the database so instances stay stateless.
//!
//! # How an event travels
//!
//! 1. **Enqueue in the cause's transaction.** Store code that changes something worth telling
//!    (an exception needs a signature, expires, a launch gate says STOP, …) calls [`notify_in`]
//!    with its own [`Tx`] and a typed [`Notification`] (facts only: the server renders the
//!    words and links when it delivers). It writes one outbox row per enabled target of the
//!    workspace whose `events` list is empty (= every event) or names the event, the
//!    notification as JSON in `payload`. The rows commit or roll back with their cause: an
//!    event is recorded exactly when what caused it is. Code outside the store uses
//!    [`Store::enqueue_event`] (its own transaction).
//! 2. **Claim.** A delivery worker (any instance) calls [`Store::claim_due`]: due, undelivered,
//!    not dead, not leased rows of enabled targets get `locked_until = now + lease`. On
//!    PostgreSQL the rows are picked with `SELECT … FOR UPDATE SKIP LOCKED`, so two instances
//!    claiming at once never get the same row; on SQLite the write transaction
//!    (`BEGIN IMMEDIATE`) serializes claims. A worker that dies mid-delivery loses its lease when
//!    `locked_until` passes and the row is claimed again (at-least-once delivery: receivers
//!    deduplicate on the outbox id, sent as `X-Rhythm-Delivery`).
//! 3. **Record the outcome.** [`Store::mark_delivered`], or [`Store::mark_failed_attempt`]:
//!    `attempts + 1`, `next_attempt_at = now + backoff(attempts)` where [`backoff`] is
//!    30 s · 4^(attempts − 1) — 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then capped at 6 h — times
//!    `1 + jitter`, the jitter (±10 % at most) chosen by the caller so the store stays
//!    deterministic. After [`MAX_ATTEMPTS`] failed attempts `failed_at` is set: a dead letter,
//!    kept (with its last error) for the UI via [`Store::outbox_entries`].
//!
//! # Secrets
//!
//! A webhook target's secret (the HMAC key) is stored, because delivery needs it, and leaves
//! the store only inside a claimed [`OutboxItem`] (whose `Debug` hides it). Lists return
//! `has_secret`, the audit row of a new target is the public [`NotificationTarget`], and a
//! recorded error has any occurrence of the secret replaced by `***`.
//!
//! # Audit
//!
//! Adding, enabling or disabling a target is a configuration change and is audited like any
//! other write. Outbox rows are delivery bookkeeping, like sessions: they are not audited (the
//! cause of an event is, in its own audit row).

use rhythm_domain::validate::Check;
use rhythm_domain::{Invalid, Secret};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, AuditEntry, micros};
use crate::db::{Row, Tx, Val, placeholders};
pub use crate::notification::Event;
use crate::notification::{FailingCriterion, GateStop, Notification, StopVerdict, TestNotification};
use crate::registers::{Lane, lock_workspace, take_lane};
use crate::{Actor, Store, StoreError, new_id};

/// Failed attempts after which an item becomes a dead letter.
pub const MAX_ATTEMPTS: i64 = 8;
/// The first retry waits this long; each next one four times longer.
pub const BACKOFF_BASE: Duration = Duration::seconds(30);
/// No retry waits longer than this.
pub const BACKOFF_CAP: Duration = Duration::hours(6);
/// The largest jitter a caller may add to a backoff (±10 %).
pub const MAX_JITTER: f64 = 0.1;
/// The largest event payload, as JSON text.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// The longest error text kept per item.
const MAX_ERROR_CHARS: usize = 1000;

rhythm_domain::text_enum!(
    /// How a notification is sent.
    Channel {
        /// An HTTP POST to a URL.
        Webhook = "webhook" / "Webhook (HTTPS POST)",
        /// An e-mail to an address.
        Email = "email" / "E-mail",
    }
);

rhythm_domain::text_enum!(
    /// The shape of a webhook body.
    #[derive(Default)]
    Format {
        /// Rhythm's JSON envelope (`id`, `event`, `workspace_id`, `created_at`, `data`).
        #[default]
        Json = "json" / "JSON",
        /// A Slack incoming-webhook body (`text` and `blocks`).
        Slack = "slack" / "Slack incoming webhook",
    }
);

/// A target to add.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNotificationTarget {
    pub channel: Channel,
    /// An `http(s)://` URL (webhook) or an e-mail address.
    pub target: String,
    /// The webhook signing secret (16 to 256 characters); none for e-mail.
    #[serde(default)]
    pub secret: Option<Secret<String>>,
    /// `slack` only for webhooks.
    #[serde(default)]
    pub format: Format,
    /// The events to send; empty means every event.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// A target as listed: never with its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationTarget {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub channel: Channel,
    pub target: String,
    /// Whether webhook bodies are signed (the secret itself is never returned).
    pub has_secret: bool,
    pub format: Format,
    /// Empty means every event.
    pub events: Vec<Event>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub disabled: bool,
}

impl NotificationTarget {
    /// Whether this target wants `event`.
    pub fn wants(&self, event: Event) -> bool {
        !self.disabled && (self.events.is_empty() || self.events.contains(&event))
    }

    /// The target as the audit log keeps it: a webhook URL only as its scheme and host (the
    /// rest, Slack's path for one, is a credential that every reader of the log would see), with
    /// the SHA-256 of the whole URL so an auditor can still tell which URL it was.
    fn audited(&self) -> AuditedTarget<'_> {
        let webhook = self.channel == Channel::Webhook;
        AuditedTarget {
            id: self.id,
            workspace_id: self.workspace_id,
            channel: self.channel,
            target: masked_target(self.channel, &self.target),
            target_sha256: webhook.then(|| hex::encode(sha2::Sha256::digest(self.target.as_bytes()))),
            has_secret: self.has_secret,
            format: self.format,
            events: &self.events,
            created_at: self.created_at,
            disabled: self.disabled,
        }
    }
}

/// [`NotificationTarget::audited`].
#[derive(Serialize)]
struct AuditedTarget<'a> {
    id: Uuid,
    workspace_id: Uuid,
    channel: Channel,
    target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_sha256: Option<String>,
    has_secret: bool,
    format: Format,
    events: &'a [Event],
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    disabled: bool,
}

impl AuditEntry {
    /// The entry with any webhook URL of a notification target reduced to its scheme and host,
    /// for readers who may not see it whole. Entries written since migration 0010 hold only
    /// the masked URL; older ones hold it whole, and the chain's hashes cover them as written.
    #[must_use]
    pub fn without_webhook_urls(mut self) -> AuditEntry {
        if self.entity != "notification_target" {
            return self;
        }
        let mask = |text: &mut Option<String>| {
            let Some(mut v) = text.as_deref().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) else {
                return;
            };
            let webhook = v.get("channel").and_then(serde_json::Value::as_str) == Some("webhook");
            if let (true, Some(t)) = (webhook, v.get_mut("target")) {
                let masked = masked_target(Channel::Webhook, t.as_str().unwrap_or(""));
                *t = serde_json::Value::String(masked);
                *text = Some(v.to_string());
            }
        };
        mask(&mut self.before);
        mask(&mut self.after);
        self
    }
}

/// A target as people without the admin permission see it: a webhook URL only as its scheme
/// and host (`https://hooks.slack.com/…`); an e-mail address whole.
pub fn masked_target(channel: Channel, target: &str) -> String {
    if channel != Channel::Webhook {
        return target.to_owned();
    }
    match target.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit('@').next().unwrap_or(host);
            format!("{scheme}://{host}/…")
        }
        None => "…".to_owned(),
    }
}

/// A claimed delivery, with what the sender needs. Not serializable (nor is its [`Secret`]),
/// and its `Debug` hides the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub target_id: Uuid,
    pub channel: Channel,
    /// The URL or address.
    pub target: String,
    pub format: Format,
    /// The webhook signing secret.
    pub secret: Option<Secret<String>>,
    pub event: Event,
    /// The event's JSON payload, exactly as enqueued: a [`Notification`], or in rows written
    /// before notifications were typed, an untyped object (see [`Notification::parse`]).
    pub payload: String,
    /// Failed attempts so far.
    pub attempts: i64,
    pub created_at: OffsetDateTime,
    /// The lease: another claim may take the item after this.
    pub locked_until: OffsetDateTime,
}

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Not delivered yet; will be tried at `next_attempt_at`.
    Pending,
    Delivered,
    /// Every attempt failed (dead letter).
    Failed,
}

/// An outbox item as listed (for the UI): no secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub target_id: Uuid,
    pub channel: Channel,
    pub target: String,
    pub event: Event,
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub failed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
}

/// What became of an item after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// It will be tried again at this time.
    RetryAt(OffsetDateTime),
    /// That was the last attempt: it is a dead letter now.
    Dead,
}

/// The wait after the `attempts`-th failed attempt (1-based): 30 s · 4^(attempts − 1), at most
/// 6 h. Attempts 0 and 1 both wait 30 s.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let secs = BACKOFF_BASE.whole_seconds().saturating_mul(4i64.saturating_pow(exp));
    Duration::seconds(secs).min(BACKOFF_CAP)
}

/// [`backoff`] stretched by `1 + jitter`, with `jitter` clamped to ±[`MAX_JITTER`]
/// (a NaN counts as 0), to the microsecond.
pub fn backoff_with_jitter(attempts: i64, jitter: f64) -> Duration {
    let j = if jitter.is_nan() { 0.0 } else { jitter.clamp(-MAX_JITTER, MAX_JITTER) };
    let base = backoff(attempts).whole_microseconds() as f64;
    Duration::microseconds((base * (1.0 + j)).round() as i64)
}

fn check_target(t: &NewNotificationTarget) -> Result<(String, Option<String>), Invalid> {
    let mut c = Check::new();
    let mut target = t.target.trim().to_owned();
    match t.channel {
        Channel::Webhook => {
            c.required_text("target", &target, 2000);
            c.url("target", Some(&target));
            if target.chars().any(char::is_whitespace) {
                c.fail("target", "must not contain spaces");
            }
            let host = target.split_once("://").map_or("", |(_, rest)| rest);
            let host = host.split(['/', '?', '#']).next().unwrap_or("");
            if (target.starts_with("http://") || target.starts_with("https://")) && host.is_empty() {
                c.fail("target", "names no host");
            }
        }
        Channel::Email => match rhythm_domain::account::normalize_email(&target) {
            Ok(e) => target = e,
            Err(_) => c.fail("target", format!("'{target}' is not an e-mail address")),
        },
    }
    let secret = t.secret.as_ref().map(|s| s.expose().trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(s) = &secret {
        if t.channel == Channel::Email {
            c.fail("secret", "only webhooks are signed; an e-mail target takes no secret");
        }
        let n = s.chars().count();
        if !(16..=256).contains(&n) {
            c.fail("secret", format!("must be 16 to 256 characters long; it is {n}"));
        }
        if s.chars().any(char::is_control) {
            c.fail("secret", "contains control characters");
        }
    }
    if t.format == Format::Slack && t.channel != Channel::Webhook {
        c.fail("format", "the slack format is for webhooks only");
    }
    for (i, e) in t.events.iter().enumerate() {
        if *e == Event::Test {
            c.fail(format!("events[{i}]"), "notification.test is sent only when someone tests a target");
        } else if t.events[..i].contains(e) {
            c.fail(format!("events[{i}]"), format!("{e} is listed twice"));
        }
    }
    c.finish()?;
    Ok((target, secret))
}

fn target_row(r: &Row) -> Result<NotificationTarget, StoreError> {
    Ok(NotificationTarget {
        id: r.uuid("id")?,
        workspace_id: r.uuid("workspace_id")?,
        channel: r.parsed("channel")?,
        target: r.text("target")?,
        has_secret: r.opt_text("secret")?.is_some(),
        format: r.parsed("format")?,
        events: r.json("events")?,
        created_at: r.ts("created_at")?,
        disabled: r.bool("disabled")?,
    })
}

fn entry_row(r: &Row) -> Result<OutboxEntry, StoreError> {
    let delivered_at = r.opt_ts("delivered_at")?;
    let failed_at = r.opt_ts("failed_at")?;
    let status = match (delivered_at, failed_at) {
        (Some(_), _) => OutboxStatus::Delivered,
        (None, Some(_)) => OutboxStatus::Failed,
        (None, None) => OutboxStatus::Pending,
    };
    Ok(OutboxEntry {
        id: r.uuid("id")?,
        workspace_id: r.uuid("workspace_id")?,
        target_id: r.uuid("target_id")?,
        channel: r.parsed("channel")?,
        target: r.text("target")?,
        event: r.parsed("event")?,
        payload: r.text("payload")?,
        status,
        attempts: r.int("attempts")?,
        next_attempt_at: r.ts("next_attempt_at")?,
        last_error: r.opt_text("last_error")?,
        delivered_at,
        failed_at,
        created_at: r.ts("created_at")?,
        locked_until: r.opt_ts("locked_until")?,
    })
}

/// Records `notification` for every enabled target of the workspace that wants its event, in
/// the caller's transaction, due at once. Returns the ids of the outbox rows written (none when
/// no target wants the event).
pub(crate) async fn notify_in(
    tx: &mut Tx,
    workspace_id: Uuid,
    notification: &Notification,
    now: OffsetDateTime,
) -> Result<Vec<Uuid>, StoreError> {
    let payload = serde_json::to_value(notification).map_err(|e| StoreError::Corrupt(format!("notification: {e}")))?;
    enqueue_in(tx, workspace_id, notification.event(), &payload, now).await
}

/// Writes `payload` (a JSON object of at most [`MAX_PAYLOAD_BYTES`]) as `event` for every
/// enabled target that wants it: [`notify_in`]'s step, and the tests' way to write the untyped
/// rows of earlier versions.
async fn enqueue_in(
    tx: &mut Tx,
    workspace_id: Uuid,
    event: Event,
    payload: &serde_json::Value,
    now: OffsetDateTime,
) -> Result<Vec<Uuid>, StoreError> {
    let now = micros(now);
    if !payload.is_object() {
        return Err(Invalid::one("payload", "must be a JSON object").into());
    }
    let body = serde_json::to_string(payload).map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?;
    if body.len() > MAX_PAYLOAD_BYTES {
        return Err(Invalid::one(
            "payload",
            format!("is {} bytes of JSON; the limit is {MAX_PAYLOAD_BYTES}", body.len()),
        )
        .into());
    }
    let rows = tx
        .all(
            "SELECT * FROM notification_targets WHERE workspace_id = $1 AND disabled = $2 ORDER BY created_at, id",
            &[workspace_id.into(), false.into()],
        )
        .await?;
    let mut ids = Vec::new();
    for r in &rows {
        let t = target_row(r)?;
        if !t.wants(event) {
            continue;
        }
        ids.push(queue(tx, workspace_id, &t, event, &body, now).await?);
    }
    Ok(ids)
}

/// Queues one delivery of `body` to a target, due now; its id.
async fn queue(
    tx: &mut Tx,
    workspace_id: Uuid,
    t: &NotificationTarget,
    event: Event,
    body: &str,
    now: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    let id = new_id();
    tx.exec(
        "INSERT INTO outbox (id, workspace_id, target_id, channel, target, event, payload, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            id.into(),
            workspace_id.into(),
            t.id.into(),
            t.channel.as_str().into(),
            t.target.clone().into(),
            event.as_str().into(),
            body.into(),
            0i64.into(),
            now.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Adds a notification target to the actor's workspace (audited, without its secret).
    pub async fn add_notification_target(
        &self,
        actor: &Actor,
        input: NewNotificationTarget,
        now: OffsetDateTime,
    ) -> Result<NotificationTarget, StoreError> {
        let (target, secret) = check_target(&input)?;
        let t = NotificationTarget {
            id: new_id(),
            workspace_id: actor.workspace_id,
            channel: input.channel,
            target,
            has_secret: secret.is_some(),
            format: input.format,
            events: input.events,
            created_at: micros(now),
            disabled: false,
        };
        let events = serde_json::to_string(&t.events).map_err(|e| StoreError::Corrupt(format!("events: {e}")))?;
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, actor.workspace_id).await?;
        tx.exec(
            "INSERT INTO notification_targets (id, workspace_id, channel, target, secret, format, events, created_at, disabled) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                t.id.into(),
                t.workspace_id.into(),
                t.channel.as_str().into(),
                t.target.clone().into(),
                secret.into(),
                t.format.as_str().into(),
                events.into(),
                t.created_at.into(),
                false.into(),
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            actor,
            now,
            "create",
            "notification_target",
            Some(t.id),
            None::<&()>,
            Some(&t.audited()),
        );
        tx.commit().await?;
        Ok(t)
    }

    /// Enables or disables a target (audited). Items of a disabled target stay pending and are
    /// not claimed until it is enabled again; no new items are made for it meanwhile.
    pub async fn set_notification_target_disabled(
        &self,
        actor: &Actor,
        id: Uuid,
        disabled: bool,
        now: OffsetDateTime,
    ) -> Result<NotificationTarget, StoreError> {
        let mut tx = self.pool.write().await?;
        lock_workspace(&mut tx, actor.workspace_id).await?;
        let before = tx
            .opt(
                "SELECT * FROM notification_targets WHERE workspace_id = $1 AND id = $2",
                &[actor.workspace_id.into(), id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("notification target", id))?;
        let before = target_row(&before)?;
        if before.disabled == disabled {
            tx.commit().await?;
            return Ok(before);
        }
        tx.exec(
            "UPDATE notification_targets SET disabled = $1 WHERE workspace_id = $2 AND id = $3",
            &[disabled.into(), actor.workspace_id.into(), id.into()],
        )
        .await?;
        let after = NotificationTarget { disabled, ..before.clone() };
        let action = if disabled { "disable" } else { "enable" };
        let (b, a) = (before.audited(), after.audited());
        audit::append(&mut tx, actor, now, action, "notification_target", Some(id), Some(&b), Some(&a));
        tx.commit().await?;
        Ok(after)
    }

    /// The workspace's targets, oldest first, without their secrets.
    pub async fn list_notification_targets(&self, workspace_id: Uuid) -> Result<Vec<NotificationTarget>, StoreError> {
        let rows = self
            .pool
            .read_all(
                "SELECT * FROM notification_targets WHERE workspace_id = $1 ORDER BY created_at, id",
                &[workspace_id.into()],
            )
            .await?;
        rows.iter().map(target_row).collect()
    }

    /// Records `notification` for every enabled target that wants its event, in a transaction
    /// of its own (for callers outside the store; store code uses `notify_in` inside its own
    /// transaction). Returns the outbox ids written.
    pub async fn enqueue_event(
        &self,
        workspace_id: Uuid,
        notification: &Notification,
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>, StoreError> {
        let payload =
            serde_json::to_value(notification).map_err(|e| StoreError::Corrupt(format!("notification: {e}")))?;
        self.enqueue_payload(workspace_id, notification.event(), &payload, now).await
    }

    /// Writes an outbox row with an untyped `payload`, as versions before typed notifications
    /// did: how the tests put such rows in a database to show they still deliver.
    #[cfg(feature = "testing")]
    pub async fn enqueue_legacy_payload(
        &self,
        workspace_id: Uuid,
        event: Event,
        payload: &serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>, StoreError> {
        self.enqueue_payload(workspace_id, event, payload, now).await
    }

    async fn enqueue_payload(
        &self,
        workspace_id: Uuid,
        event: Event,
        payload: &serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut tx = self.pool.write().await?;
        if tx.int("SELECT COUNT(*) FROM workspaces WHERE id = $1", &[workspace_id.into()]).await? == 0 {
            return Err(StoreError::not_found("workspace", workspace_id));
        }
        let ids = enqueue_in(&mut tx, workspace_id, event, payload, now).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Claims up to `limit` due items (of every workspace) for delivery: undelivered, not dead,
    /// `next_attempt_at <= now`, not leased by another claim, of an enabled target. Each gets
    /// `locked_until = now + lease`. Oldest due first. Two claims, on any instances, never
    /// return the same item while its lease runs.
    pub async fn claim_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let now = micros(now);
        let until = micros(now + lease);
        let limit = limit.clamp(1, 500);
        let mut tx = self.pool.write().await?;
        // FOR UPDATE OF o SKIP LOCKED: a row another claim holds is passed over, and a row it
        // has just leased and committed is re-checked against the WHERE clause and dropped.
        let lock = if tx.is_postgres() { " FOR UPDATE OF o SKIP LOCKED" } else { "" };
        let sql = format!(
            "SELECT o.id, o.workspace_id, o.target_id, o.channel, o.target, o.event, o.payload, o.attempts, o.created_at, \
             t.format, t.secret FROM outbox o JOIN notification_targets t ON t.id = o.target_id \
             WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= $1 \
             AND (o.locked_until IS NULL OR o.locked_until <= $1) AND t.disabled = $2 \
             ORDER BY o.next_attempt_at, o.id LIMIT {limit}{lock}"
        );
        let rows = tx.all(&sql, &[now.into(), false.into()]).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            items.push(OutboxItem {
                id: r.uuid("id")?,
                workspace_id: r.uuid("workspace_id")?,
                target_id: r.uuid("target_id")?,
                channel: r.parsed("channel")?,
                target: r.text("target")?,
                format: r.parsed("format")?,
                secret: r.opt_text("secret")?.map(Secret::new),
                event: r.parsed("event")?,
                payload: r.text("payload")?,
                attempts: r.int("attempts")?,
                created_at: r.ts("created_at")?,
                locked_until: until,
            });
        }
        if !items.is_empty() {
            let mut args = vec![Val::from(until)];
            args.extend(items.iter().map(|i| Val::from(i.id)));
            let sql = format!("UPDATE outbox SET locked_until = $1 WHERE id IN ({})", placeholders(2, items.len()));
            tx.exec(&sql, &args).await?;
        }
        tx.commit().await?;
        Ok(items)
    }

    /// Records a successful delivery and releases the lease.
    pub async fn mark_delivered(&self, id: Uuid, now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.pool.write().await?;
        let n = tx
            .exec(
                "UPDATE outbox SET delivered_at = $1, locked_until = NULL WHERE id = $2 AND delivered_at IS NULL AND failed_at IS NULL",
                &[micros(now).into(), id.into()],
            )
            .await?;
        if n == 0 {
            return Err(finished_or_missing(&mut tx, id).await);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: the error (without the target's secret, at most 1000
    /// characters), `attempts + 1`, and either the next attempt after [`backoff_with_jitter`]
    /// or, at [`MAX_ATTEMPTS`], the dead letter. Releases the lease.
    pub async fn mark_failed_attempt(
        &self,
        id: Uuid,
        error: &str,
        now: OffsetDateTime,
        jitter: f64,
    ) -> Result<AttemptOutcome, StoreError> {
        let now = micros(now);
        let mut tx = self.pool.write().await?;
        let lock = if tx.is_postgres() { " FOR UPDATE OF o" } else { "" };
        let row = tx
            .opt(
                &format!(
                    "SELECT o.attempts, o.delivered_at, o.failed_at, t.secret FROM outbox o \
                     JOIN notification_targets t ON t.id = o.target_id WHERE o.id = $1{lock}"
                ),
                &[id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("outbox item", id))?;
        if row.opt_ts("delivered_at")?.is_some() || row.opt_ts("failed_at")?.is_some() {
            return Err(StoreError::Conflict(format!("outbox item {id} is already delivered or dead")));
        }
        let attempts = row.int("attempts")? + 1;
        let mut error = error.to_owned();
        if let Some(secret) = row.opt_text("secret")?.filter(|s| !s.is_empty()) {
            error = error.replace(&secret, "***");
        }
        let error: String = error.chars().filter(|c| !c.is_control() || *c == '\n').take(MAX_ERROR_CHARS).collect();
        let (outcome, next, failed_at) = if attempts >= MAX_ATTEMPTS {
            (AttemptOutcome::Dead, now, Some(now))
        } else {
            let next = micros(now + backoff_with_jitter(attempts, jitter));
            (AttemptOutcome::RetryAt(next), next, None)
        };
        tx.exec(
            "UPDATE outbox SET attempts = $1, last_error = $2, next_attempt_at = $3, failed_at = $4, locked_until = NULL WHERE id = $5",
            &[attempts.into(), error.into(), next.into(), failed_at.into(), id.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The workspace's outbox, newest first, optionally of one status (dead letters:
    /// [`OutboxStatus::Failed`]). Never with secrets.
    pub async fn outbox_entries(
        &self,
        workspace_id: Uuid,
        status: Option<OutboxStatus>,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let filter = match status {
            None => "",
            Some(OutboxStatus::Pending) => " AND delivered_at IS NULL AND failed_at IS NULL",
            Some(OutboxStatus::Delivered) => " AND delivered_at IS NOT NULL",
            Some(OutboxStatus::Failed) => " AND delivered_at IS NULL AND failed_at IS NOT NULL",
        };
        let sql = format!(
            "SELECT * FROM outbox WHERE workspace_id = $1{filter} ORDER BY created_at DESC, id DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let rows = self.pool.read_all(&sql, &[workspace_id.into()]).await?;
        rows.iter().map(entry_row).collect()
    }

    /// One outbox item of the workspace.
    pub async fn outbox_entry(&self, workspace_id: Uuid, id: Uuid) -> Result<OutboxEntry, StoreError> {
        let row = self
            .pool
            .read_opt("SELECT * FROM outbox WHERE workspace_id = $1 AND id = $2", &[workspace_id.into(), id.into()])
            .await?
            .ok_or_else(|| StoreError::not_found("outbox item", id))?;
        entry_row(&row)
    }
}

/// A launch gate STOP for the same release with the same summary is not told again for this
/// long.
pub const GATE_STOP_QUIET: Duration = Duration::hours(24);

/// What was told already about `subject` (see the `notification_marks` migration): its digest
/// and when.
pub(crate) async fn mark_of(
    tx: &mut Tx,
    workspace_id: Uuid,
    event: Event,
    subject: &str,
) -> Result<Option<(String, OffsetDateTime)>, StoreError> {
    let row = tx
        .opt(
            "SELECT digest, marked_at FROM notification_marks WHERE workspace_id = $1 AND event = $2 AND subject = $3",
            &[workspace_id.into(), event.as_str().into(), subject.into()],
        )
        .await?;
    row.map(|r| Ok((r.text("digest")?, r.ts("marked_at")?))).transpose()
}

/// Records that `subject` was told about (with `digest`) at `now`, in the caller's transaction.
pub(crate) async fn set_mark(
    tx: &mut Tx,
    workspace_id: Uuid,
    event: Event,
    subject: &str,
    digest: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO notification_marks (workspace_id, event, subject, digest, marked_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (workspace_id, event, subject) DO UPDATE SET digest = excluded.digest, marked_at = excluded.marked_at",
        &[workspace_id.into(), event.as_str().into(), subject.into(), digest.into(), micros(now).into()],
    )
    .await?;
    Ok(())
}

/// The one line the marks of `launch_gate.stop` hash: the release and each failing criterion
/// with its evidence. Marks written before notifications were typed hashed the same line (then
/// the notification's summary), so they still match after an upgrade.
fn stop_digest(release: &str, release_name: &str, failing: &[FailingCriterion]) -> String {
    use sha2::{Digest, Sha256};
    let failing: Vec<String> = failing.iter().map(|c| format!("{} ({})", c.criterion, c.evidence.join(", "))).collect();
    let line = format!("{release} {release_name}: STOP. Failing: {}.", failing.join("; "));
    hex::encode(Sha256::digest(line.trim().as_bytes()))
}

impl Store {
    /// Tells the workspace's targets that the launch gate says STOP for a release
    /// (`launch_gate.stop`), unless the same verdict was told within [`GATE_STOP_QUIET`]: the
    /// same release reference with the same failing criteria and evidence. Other evidence is
    /// told at once.
    ///
    /// Returns the outbox ids written (empty when no target wants the event), or `None` when
    /// the verdict was told already. Safe with several instances: the check and the mark are
    /// made in the marks lane.
    pub async fn notify_gate_stop(
        &self,
        workspace_id: Uuid,
        release_ref: &str,
        release_name: &str,
        failing: Vec<FailingCriterion>,
        now: OffsetDateTime,
    ) -> Result<Option<Vec<Uuid>>, StoreError> {
        let now = micros(now);
        let release_ref = release_ref.trim();
        let mut c = Check::new();
        c.required_text("release_ref", release_ref, 200);
        c.text("release_name", release_name, 200);
        if failing.is_empty() {
            c.fail("failing", "a STOP names at least one failing criterion");
        }
        c.finish()?;
        let digest = stop_digest(release_ref, release_name.trim(), &failing);
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, workspace_id, Lane::Marks).await?;
        if let Some((told, at)) = mark_of(&mut tx, workspace_id, Event::LaunchGateStop, release_ref).await?
            && told == digest
            && now < at + GATE_STOP_QUIET
        {
            tx.commit().await?;
            return Ok(None);
        }
        set_mark(&mut tx, workspace_id, Event::LaunchGateStop, release_ref, &digest, now).await?;
        let stop = GateStop {
            release: release_ref.to_owned(),
            release_name: release_name.trim().to_owned(),
            verdict: StopVerdict::Stop,
            decided_at: now,
            failing,
        };
        let ids = notify_in(&mut tx, workspace_id, &Notification::LaunchGateStop(stop), now).await?;
        tx.commit().await?;
        Ok(Some(ids))
    }

    /// Queues a test notification (`notification.test`) for one enabled target of the actor's
    /// workspace, whatever events it asked for; the delivery worker sends it like any other.
    /// Not audited (outbox rows never are). Returns the outbox id.
    pub async fn enqueue_test_notification(
        &self,
        actor: &Actor,
        target_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let now = micros(now);
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        let row = tx
            .opt(
                "SELECT * FROM notification_targets WHERE workspace_id = $1 AND id = $2",
                &[ws.into(), target_id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("notification target", target_id))?;
        let t = target_row(&row)?;
        if t.disabled {
            return Err(StoreError::Conflict(
                "this target is disabled; enable it first, or nothing will be sent".to_owned(),
            ));
        }
        let test = Notification::Test(TestNotification { target_id: t.id, asked_by: actor.label.clone() });
        let body = serde_json::to_string(&test).map_err(|e| StoreError::Corrupt(format!("notification: {e}")))?;
        let id = queue(&mut tx, ws, &t, Event::Test, &body, now).await?;
        tx.commit().await?;
        Ok(id)
    }
}

async fn finished_or_missing(tx: &mut Tx, id: Uuid) -> StoreError {
    match tx.int("SELECT COUNT(*) FROM outbox WHERE id = $1", &[id.into()]).await {
        Ok(0) => StoreError::not_found("outbox item", id),
        Ok(_) => StoreError::Conflict(format!("outbox item {id} is already delivered or dead")),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_fourfold_from_30_seconds_and_stops_at_6_hours() {
        let mins = |m| Duration::minutes(m);
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), mins(2));
        assert_eq!(backoff(3), mins(8));
        assert_eq!(backoff(4), mins(32));
        assert_eq!(backoff(5), mins(128));
        assert_eq!(backoff(6), Duration::hours(6));
        assert_eq!(backoff(60), Duration::hours(6));
        assert_eq!(backoff(0), Duration::seconds(30));
    }

    #[test]
    fn jitter_is_bounded_to_ten_percent() {
        assert_eq!(backoff_with_jitter(1, 0.1), Duration::seconds(33));
        assert_eq!(backoff_with_jitter(1, -0.5), Duration::seconds(27));
        assert_eq!(backoff_with_jitter(2, f64::NAN), Duration::minutes(2));
        assert_eq!(backoff_with_jitter(9, 1.0), Duration::minutes(396));
    }

    #[test]
    fn events_round_trip_through_their_names() {
        for e in Event::ALL {
            assert_eq!(e.as_str().parse::<Event>(), Ok(e));
            assert_eq!(serde_json::to_value(e).unwrap(), serde_json::json!(e.as_str()));
        }
        assert!("nope".parse::<Event>().is_err());
    }

    #[test]
    fn channels_and_formats_are_the_same_text_in_json_and_in_the_database() {
        for c in Channel::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(c.as_str()));
            assert_eq!(c.as_str().parse::<Channel>(), Ok(*c));
        }
        for f in Format::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), serde_json::json!(f.as_str()));
            assert_eq!(f.as_str().parse::<Format>(), Ok(*f));
        }
        assert_eq!((Channel::Webhook.as_str(), Channel::Email.as_str()), ("webhook", "email"));
        assert_eq!((Format::default().as_str(), Format::Slack.as_str()), ("json", "slack"));
        assert!("pigeon".parse::<Channel>().is_err() && "xml".parse::<Format>().is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let t = NewNotificationTarget {
            channel: Channel::Webhook,
            target: "https://hooks.example/x".into(),
            secret: Some("super-secret-signing-key".into()),
            format: Format::Json,
            events: vec![],
        };
        assert!(!format!("{t:?}").contains("super-secret"));
        let now = OffsetDateTime::UNIX_EPOCH;
        let item = OutboxItem {
            id: Uuid::nil(),
            workspace_id: Uuid::nil(),
            target_id: Uuid::nil(),
            channel: t.channel,
            target: t.target.clone(),
            format: t.format,
            secret: t.secret.clone(),
            event: Event::Test,
            payload: "{}".into(),
            attempts: 0,
            created_at: now,
            locked_until: now,
        };
        let shown = format!("{item:?} {item:#?}");
        assert!(!shown.contains("super-secret") && shown.contains("https://hooks.example/x"), "{shown}");
    }
}
