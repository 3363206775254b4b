//! Typed notifications: what the store tells the outbox, one variant per [`Event`].
//!
//! A notification holds facts only — ids, references, titles, dates, signers' positions,
//! verdicts and evidence — never prose and never a URL: the store does not know the server's
//! address, nor how a message reads. The server renders subject, summary and links from these
//! facts when it delivers (`rhythm-server/src/notify/render.rs`), and documents the webhook body
//! it makes of them (`docs/webhooks.md`).
//!
//! The outbox keeps a notification as its JSON, tagged with its event
//! (`{"event": "exception.expired", "exception": "EXC-3", …}`). Rows written before
//! notifications were typed hold an untyped payload instead; [`Notification::parse`] tells the
//! two apart, and the server delivers an untyped payload as it was written.

use rhythm_domain::{ExceptionStatus, SignatureDecision};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

/// One notification, tagged in JSON by its event name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum Notification {
    /// An exception needs its two signatures: it was requested, or a change voided them.
    #[serde(rename = "signature.requested")]
    SignatureRequested(SignatureRequested),
    /// An exception expires within the policy's review lead time.
    #[serde(rename = "exception.expiring")]
    ExceptionExpiring(ExceptionFacts),
    /// An exception expired; what it covered is open again.
    #[serde(rename = "exception.expired")]
    ExceptionExpired(ExceptionFacts),
    /// A release's launch gate says STOP.
    #[serde(rename = "launch_gate.stop")]
    LaunchGateStop(GateStop),
    /// An exception's signers disagree, or a release's STOP asks for an override.
    #[serde(rename = "escalation.opened")]
    EscalationOpened(EscalationOpened),
    /// Someone tests a target.
    #[serde(rename = "notification.test")]
    Test(TestNotification),
}

impl Notification {
    /// The outbox event it is sent as.
    pub fn event(&self) -> Event {
        match self {
            Notification::SignatureRequested(_) => Event::SignatureRequested,
            Notification::ExceptionExpiring(_) => Event::ExceptionExpiring,
            Notification::ExceptionExpired(_) => Event::ExceptionExpired,
            Notification::LaunchGateStop(_) => Event::LaunchGateStop,
            Notification::EscalationOpened(_) => Event::EscalationOpened,
            Notification::Test(_) => Event::Test,
        }
    }

    /// The notification an outbox row of `event` holds, or `None` when the row holds an
    /// untyped payload (written before notifications were typed, or not of this event).
    pub fn parse(event: Event, payload: &str) -> Option<Notification> {
        serde_json::from_str::<Notification>(payload).ok().filter(|n| n.event() == event)
    }
}

/// Why an exception asks for signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureReason {
    /// It was just requested.
    Requested,
    /// A change to what the signers agreed to voided their signatures.
    SignaturesVoided,
}

/// `signature.requested`: both owners of an exception are asked to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignatureRequested {
    pub exception_id: Uuid,
    /// `EXC-7`.
    pub reference: String,
    pub title: String,
    pub engineering_owner_id: Uuid,
    pub security_owner_id: Uuid,
    #[serde(with = "rhythm_domain::registers::date_format::date")]
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[serde(with = "rhythm_domain::registers::date_format::date")]
    #[schema(value_type = String, format = Date)]
    pub expires_on: Date,
    pub reason: SignatureReason,
}

/// `exception.expiring` and `exception.expired`: an exception, its dates and what it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExceptionFacts {
    /// `EXC-7`.
    pub exception: String,
    pub exception_id: Uuid,
    pub title: String,
    pub status: ExceptionStatus,
    #[serde(with = "rhythm_domain::registers::date_format::date")]
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    /// Its last valid day.
    #[serde(with = "rhythm_domain::registers::date_format::date")]
    #[schema(value_type = String, format = Date)]
    pub expires_on: Date,
    #[serde(with = "rhythm_domain::registers::date_format::date")]
    #[schema(value_type = String, format = Date)]
    pub review_on: Date,
    /// The risks it covers, by reference (`RISK-4`).
    pub risks: Vec<String>,
    pub finding_ids: Vec<Uuid>,
    pub system_ids: Vec<Uuid>,
    pub engineering_owner_id: Uuid,
    pub security_owner_id: Uuid,
    /// When it expired (`exception.expired` only).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime, required = false)]
    pub expired_at: Option<OffsetDateTime>,
}

/// The verdict a `launch_gate.stop` tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum StopVerdict {
    #[serde(rename = "STOP")]
    Stop,
}

/// A stop-ship criterion that fails, with the evidence nothing covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FailingCriterion {
    /// The criterion's id in the policy (`no_open_critical`).
    pub criterion: String,
    /// What it found that no exception covers, by reference (`FND-12`).
    pub evidence: Vec<String>,
}

/// `launch_gate.stop`: a release's gate says STOP, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateStop {
    /// `REL-4`.
    pub release: String,
    pub release_name: String,
    pub verdict: StopVerdict,
    /// When the verdict was told.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: OffsetDateTime,
    pub failing: Vec<FailingCriterion>,
}

/// One signer's position in an escalated exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Position {
    pub user_id: Uuid,
    pub decision: SignatureDecision,
    pub note: String,
}

/// `escalation.opened`: what needs an escalation decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EscalationOpened {
    /// An exception's engineering and security owners disagree; both positions go with it.
    Exception {
        exception_id: Uuid,
        /// `EXC-7`.
        reference: String,
        title: String,
        engineering: Option<Position>,
        security: Option<Position>,
    },
    /// A release's STOP asks for an override: a `stop_ship` decision request.
    GateOverride {
        /// `DEC-4`.
        decision: String,
        decision_id: Uuid,
        title: String,
        release_id: Uuid,
    },
}

/// `notification.test`: a test someone asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestNotification {
    pub target_id: Uuid,
    /// Who asked (their e-mail address, or the token's name).
    pub asked_by: String,
}

/// A governance event that can be notified. Stored and sent by its [`Event::as_str`] name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    /// A person is asked to sign an exception or decision.
    #[serde(rename = "signature.requested")]
    SignatureRequested,
    /// An exception expires within the policy's review lead time.
    #[serde(rename = "exception.expiring")]
    ExceptionExpiring,
    /// An exception has expired; what it covered is open again.
    #[serde(rename = "exception.expired")]
    ExceptionExpired,
    /// A launch gate's verdict is STOP.
    #[serde(rename = "launch_gate.stop")]
    LaunchGateStop,
    /// An escalation was opened.
    #[serde(rename = "escalation.opened")]
    EscalationOpened,
    /// A test someone asked for, sent to one target whatever its events.
    #[serde(rename = "notification.test")]
    Test,
}

impl Event {
    /// Every event, the test included (what can be stored and read back).
    pub const ALL: [Event; 6] = [
        Event::SignatureRequested,
        Event::ExceptionExpiring,
        Event::ExceptionExpired,
        Event::LaunchGateStop,
        Event::EscalationOpened,
        Event::Test,
    ];

    /// The events a target can ask for (every one but the test).
    pub const SUBSCRIBABLE: [Event; 5] = [
        Event::SignatureRequested,
        Event::ExceptionExpiring,
        Event::ExceptionExpired,
        Event::LaunchGateStop,
        Event::EscalationOpened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::SignatureRequested => "signature.requested",
            Event::ExceptionExpiring => "exception.expiring",
            Event::ExceptionExpired => "exception.expired",
            Event::LaunchGateStop => "launch_gate.stop",
            Event::EscalationOpened => "escalation.opened",
            Event::Test => "notification.test",
        }
    }

    /// A short human title (e-mail subjects, Slack headings).
    pub fn label(self) -> &'static str {
        match self {
            Event::SignatureRequested => "Signature requested",
            Event::ExceptionExpiring => "Exception expiring soon",
            Event::ExceptionExpired => "Exception expired",
            Event::LaunchGateStop => "Launch gate: STOP",
            Event::EscalationOpened => "Escalation opened",
            Event::Test => "Test notification",
        }
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Event {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Event::ALL.into_iter().find(|e| e.as_str() == s).ok_or_else(|| {
            format!(
                "'{s}' is not an event: {}",
                Event::SUBSCRIBABLE.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn all() -> Vec<Notification> {
        let facts = ExceptionFacts {
            exception: "EXC-3".into(),
            exception_id: Uuid::from_u128(3),
            title: "Legacy TLS".into(),
            status: ExceptionStatus::Expired,
            starts_on: date!(2026 - 03 - 01),
            expires_on: date!(2026 - 03 - 31),
            review_on: date!(2026 - 03 - 17),
            risks: vec!["RISK-1".into()],
            finding_ids: vec![Uuid::from_u128(7)],
            system_ids: vec![],
            engineering_owner_id: Uuid::from_u128(1),
            security_owner_id: Uuid::from_u128(2),
            expired_at: Some(datetime!(2026-04-01 00:05:00.25 UTC)),
        };
        vec![
            Notification::SignatureRequested(SignatureRequested {
                exception_id: Uuid::from_u128(3),
                reference: "EXC-3".into(),
                title: "Legacy TLS".into(),
                engineering_owner_id: Uuid::from_u128(1),
                security_owner_id: Uuid::from_u128(2),
                starts_on: date!(2026 - 03 - 01),
                expires_on: date!(2026 - 03 - 31),
                reason: SignatureReason::SignaturesVoided,
            }),
            Notification::ExceptionExpiring(ExceptionFacts { expired_at: None, ..facts.clone() }),
            Notification::ExceptionExpired(facts),
            Notification::LaunchGateStop(GateStop {
                release: "REL-4".into(),
                release_name: "Payments 2.4".into(),
                verdict: StopVerdict::Stop,
                decided_at: datetime!(2026-03-02 09:30 UTC),
                failing: vec![FailingCriterion {
                    criterion: "no_open_critical".into(),
                    evidence: vec!["FND-1".into()],
                }],
            }),
            Notification::EscalationOpened(EscalationOpened::Exception {
                exception_id: Uuid::from_u128(3),
                reference: "EXC-3".into(),
                title: "Legacy TLS".into(),
                engineering: Some(Position {
                    user_id: Uuid::from_u128(1),
                    decision: SignatureDecision::Approve,
                    note: String::new(),
                }),
                security: None,
            }),
            Notification::EscalationOpened(EscalationOpened::GateOverride {
                decision: "DEC-4".into(),
                decision_id: Uuid::from_u128(4),
                title: "Ship anyway".into(),
                release_id: Uuid::from_u128(5),
            }),
            Notification::Test(TestNotification {
                target_id: Uuid::from_u128(9),
                asked_by: "ciso@acme.example".into(),
            }),
        ]
    }

    #[test]
    fn every_notification_reads_back_as_itself_and_only_under_its_event() {
        for n in all() {
            let text = serde_json::to_string(&n).unwrap();
            assert_eq!(Notification::parse(n.event(), &text).as_ref(), Some(&n), "{text}");
            let other = Event::ALL.into_iter().find(|e| *e != n.event()).unwrap();
            assert_eq!(Notification::parse(other, &text), None, "{text}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["event"], n.event().as_str());
            for prose in ["summary", "subject", "url", "path"] {
                assert!(v.get(prose).is_none(), "no {prose} in the facts: {text}");
            }
        }
    }

    #[test]
    fn untyped_payloads_of_earlier_versions_are_not_notifications() {
        for old in [
            r#"{"summary":"EXC-3 expired","exception":"EXC-3"}"#,
            r#"{"subject":"Escalation: DEC-1 asks to override a STOP","summary":"x","decision":"DEC-1"}"#,
            "{}",
            "not json",
        ] {
            for e in Event::ALL {
                assert_eq!(Notification::parse(e, old), None, "{old}");
            }
        }
    }
}
