//! Notification targets (where governance events are sent) and the outbox (what was sent).
//!
//! Reading needs the read permission; adding, enabling, disabling and testing a target need
//! the admin permission (the CISO and the CTO). A webhook's signing secret is write-only: it
//! is never returned, logged or audited. Webhook URLs can be credentials themselves (Slack's
//! are), so only admins see them whole; everyone else sees the scheme and host.

use rhythm_domain::{FieldError, Invalid, Permission, Secret};
use rhythm_store::{
    Channel, Event, Format, NewNotificationTarget, NotificationTarget, OutboxEntry, OutboxStatus, masked_target,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// A notification target, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetBody {
    pub id: Uuid,
    /// `webhook` or `email`.
    pub channel: String,
    /// The webhook URL (only scheme and host unless you administer the workspace) or the
    /// e-mail address.
    pub target: String,
    /// Whether webhook bodies are signed (`X-Rhythm-Signature`). The secret is never returned.
    pub has_secret: bool,
    /// `json` or `slack`.
    pub format: String,
    /// The events sent to it; empty means every event.
    pub events: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub disabled: bool,
}

impl TargetBody {
    pub fn of(t: NotificationTarget, p: &Principal) -> TargetBody {
        let target = if p.can(Permission::Admin) { t.target } else { masked_target(t.channel, &t.target) };
        TargetBody {
            id: t.id,
            channel: t.channel.as_str().to_owned(),
            target,
            has_secret: t.has_secret,
            format: t.format.as_str().to_owned(),
            events: t.events.iter().map(|e| e.as_str().to_owned()).collect(),
            created_at: t.created_at,
            disabled: t.disabled,
        }
    }
}

/// A target to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTargetBody {
    /// `webhook` or `email`.
    pub channel: String,
    /// An `http(s)://` URL (webhook) or an e-mail address.
    pub target: String,
    /// The webhook signing secret, 16 to 256 characters (HMAC-SHA256 key). Write-only.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub secret: Option<Secret<String>>,
    /// `json` (default) or `slack` (webhooks only).
    #[serde(default)]
    pub format: Option<String>,
    /// Events to send: `signature.requested`, `exception.expiring`, `exception.expired`,
    /// `launch_gate.stop`, `escalation.opened`. Empty or absent: every event.
    #[serde(default)]
    pub events: Vec<String>,
}

impl NewTargetBody {
    /// The store's input, or field errors naming each bad value (`channel`, `format`,
    /// `events[2]`).
    pub fn parse(self) -> Result<NewNotificationTarget, Invalid> {
        let mut errors = Vec::new();
        let mut fail = |field: String, message: String| errors.push(FieldError { field, message });
        let channel = self.channel.trim().parse::<Channel>().map_err(|m| fail("channel".into(), m)).ok();
        let format = match self.format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => Some(Format::Json),
            Some(f) => f.parse::<Format>().map_err(|m| fail("format".into(), m)).ok(),
        };
        let mut events = Vec::new();
        for (i, e) in self.events.iter().enumerate() {
            match e.trim().parse::<Event>() {
                Ok(ev) => events.push(ev),
                Err(m) => fail(format!("events[{i}]"), m),
            }
        }
        match (channel, format) {
            (Some(channel), Some(format)) if errors.is_empty() => {
                Ok(NewNotificationTarget { channel, target: self.target, secret: self.secret, format, events })
            }
            _ => Err(Invalid(errors)),
        }
    }
}

/// One delivery in the outbox, without secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEntryBody {
    pub id: Uuid,
    pub target_id: Uuid,
    /// `webhook` or `email`.
    pub channel: String,
    /// As in the target list: webhook URLs whole only for admins.
    pub target: String,
    pub event: String,
    /// `pending` (will be tried at `next_attempt_at`), `delivered` or `dead` (every attempt
    /// failed).
    pub status: String,
    /// Failed attempts so far.
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// Why the last attempt failed. Admins read the receiver's answer too; everyone else only
    /// the status (an answer can be anything the receiver holds).
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub failed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The event's summary, as people read it.
    pub summary: Option<String>,
    /// The event's payload (what a JSON webhook receives as `data`).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// A failed attempt's reason without the receiver's answer: `HTTP 500 Internal Server Error:
/// <answer>` becomes `HTTP 500 Internal Server Error`; transport errors carry no answer.
fn status_only(error: &str) -> String {
    match error.strip_prefix("HTTP ") {
        Some(rest) => format!("HTTP {}", rest.split_once(": ").map_or(rest, |(status, _)| status)),
        None => error.to_owned(),
    }
}

pub fn status_name(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Pending => "pending",
        OutboxStatus::Delivered => "delivered",
        OutboxStatus::Failed => "dead",
    }
}

impl OutboxEntryBody {
    /// `public_url` makes the links, as in what is delivered.
    pub fn of(e: OutboxEntry, p: &Principal, public_url: Option<&str>) -> OutboxEntryBody {
        let payload = crate::notify::render::data(e.event, &e.payload, public_url);
        let target = if p.can(Permission::Admin) { e.target } else { masked_target(e.channel, &e.target) };
        OutboxEntryBody {
            id: e.id,
            target_id: e.target_id,
            channel: e.channel.as_str().to_owned(),
            target,
            event: e.event.as_str().to_owned(),
            status: status_name(e.status).to_owned(),
            attempts: e.attempts,
            next_attempt_at: e.next_attempt_at,
            last_error: if p.can(Permission::Admin) { e.last_error } else { e.last_error.map(|m| status_only(&m)) },
            delivered_at: e.delivered_at,
            failed_at: e.failed_at,
            created_at: e.created_at,
            summary: payload.get("summary").and_then(serde_json::Value::as_str).map(str::to_owned),
            payload,
        }
    }
}

/// The workspace's targets, oldest first, as `p` may see them.
pub async fn targets(st: &AppState, p: &Principal) -> Result<Vec<TargetBody>, AppError> {
    p.require(Permission::Read)?;
    let list = st.store.list_notification_targets(p.workspace_id()).await?;
    Ok(list.into_iter().map(|t| TargetBody::of(t, p)).collect())
}

/// Adds a target (admin): its channel, format and events checked, a webhook's URL against
/// where webhooks may connect.
pub async fn add_target(st: &AppState, p: &Principal, body: NewTargetBody) -> Result<TargetBody, AppError> {
    p.require(Permission::Admin)?;
    let input = body.parse()?;
    if input.channel == Channel::Webhook
        && let Err(why) = st.config.webhook_reach.check_url(input.target.trim())
    {
        return Err(Invalid::one("target", why).into());
    }
    let t = st.store.add_notification_target(&p.actor(), input, st.now()).await?;
    Ok(TargetBody::of(t, p))
}

/// Stops or resumes sending to a target (admin).
pub async fn set_disabled(st: &AppState, p: &Principal, id: Uuid, disabled: bool) -> Result<TargetBody, AppError> {
    p.require(Permission::Admin)?;
    let t = st.store.set_notification_target_disabled(&p.actor(), id, disabled, st.now()).await?;
    Ok(TargetBody::of(t, p))
}

/// Queues a test notification for one enabled target (admin).
pub async fn queue_test(st: &AppState, p: &Principal, id: Uuid) -> Result<OutboxEntryBody, AppError> {
    p.require(Permission::Admin)?;
    let out = st.store.enqueue_test_notification(&p.actor(), id, st.now()).await?;
    Ok(OutboxEntryBody::of(st.store.outbox_entry(p.workspace_id(), out).await?, p, st.config.public_url.as_deref()))
}

/// `pending`, `delivered` or `dead`; empty or absent: any.
pub fn parse_status(status: Option<&str>) -> Result<Option<OutboxStatus>, Invalid> {
    match status {
        None | Some("") => Ok(None),
        Some("pending") => Ok(Some(OutboxStatus::Pending)),
        Some("delivered") => Ok(Some(OutboxStatus::Delivered)),
        Some("dead") => Ok(Some(OutboxStatus::Failed)),
        Some(other) => Err(Invalid::one("status", format!("'{other}' is not a status: pending, delivered, dead"))),
    }
}

/// The newest deliveries first (1 to 1000), of one status or any, as `p` may see them.
pub async fn outbox(
    st: &AppState,
    p: &Principal,
    status: Option<OutboxStatus>,
    limit: u32,
) -> Result<Vec<OutboxEntryBody>, AppError> {
    p.require(Permission::Read)?;
    if !(1..=1000).contains(&limit) {
        return Err(Invalid::one("limit", format!("must be between 1 and 1000; got {limit}")).into());
    }
    let rows = st.store.outbox_entries(p.workspace_id(), status, limit).await?;
    let public_url = st.config.public_url.as_deref();
    Ok(rows.into_iter().map(|e| OutboxEntryBody::of(e, p, public_url)).collect())
}

#[cfg(test)]
mod tests {
    use super::NewTargetBody;

    #[test]
    fn a_new_target_is_shown_without_its_secret() {
        let body: NewTargetBody = serde_json::from_value(serde_json::json!({
            "channel": "webhook", "target": "https://hooks.example/x", "secret": "whsec-do-not-show-me-0123"
        }))
        .unwrap();
        let shown = format!("{body:?} {body:#?}");
        assert!(!shown.contains("do-not-show") && shown.contains("https://hooks.example/x"), "{shown}");
        let input = body.parse().unwrap();
        let shown = format!("{input:?}");
        assert!(!shown.contains("do-not-show") && shown.contains("Webhook"), "{shown}");
        assert_eq!(input.secret.as_ref().map(|s| s.expose().as_str()), Some("whsec-do-not-show-me-0123"));
    }
}
