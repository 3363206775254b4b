//! Written decisions: a tradeoff with its options, the choice and its cost, decided by whoever
//! the policy's decision rights name. Decided records are immutable; a change of mind is a
//! new decision that supersedes the old one.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::policy::{Decider, DecisionCategory};
use crate::registers::{New, Ref, Target, check_unique_ids, ref_of, refs_of};
use crate::validate::{Check, Invalid};
use crate::{Kind, Role};

crate::text_enum!(
    /// Where a decision is.
    DecisionStatus {
        Requested = "requested" / "Requested",
        AwaitingConcurrence = "awaiting_concurrence" / "Awaiting the other chief",
        Decided = "decided" / "Decided",
        Withdrawn = "withdrawn" / "Withdrawn",
    }
);

/// A written tradeoff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// `DEC-{number}`.
    pub number: i64,
    pub title: String,
    pub category: DecisionCategory,
    /// Who decides, from the policy in force when it was requested.
    pub decider: Decider,
    /// The question and why it needs deciding now.
    pub context: String,
    /// The options considered, one per entry.
    pub options: Vec<String>,
    /// What was chosen (empty until decided).
    pub choice: String,
    /// What the choice costs: delay, money, residual risk.
    pub cost: String,
    /// For escalations: who decided (the forum or person above the CTO and CISO).
    pub escalated_to: Option<String>,
    pub status: DecisionStatus,
    pub risk_ids: Vec<Uuid>,
    pub exception_ids: Vec<Uuid>,
    pub release_ids: Vec<Uuid>,
    pub backlog_item_ids: Vec<Uuid>,
    /// The earlier decision this one replaces.
    pub supersedes: Option<Uuid>,
    pub requested_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Who decided: one chief, or for joint decisions the first of the two.
    pub decided_by: Option<Uuid>,
    /// For joint decisions: the other chief, who concurred.
    pub concurred_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A decision to request (and optionally decide at once).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub title: String,
    pub category: Option<DecisionCategory>,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub risk_ids: Vec<Uuid>,
    #[serde(default)]
    pub exception_ids: Vec<Uuid>,
    #[serde(default)]
    pub release_ids: Vec<Uuid>,
    #[serde(default)]
    pub backlog_item_ids: Vec<Uuid>,
    #[serde(default)]
    pub supersedes: Option<Uuid>,
}

/// Deciding: the choice and its cost.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    pub choice: String,
    pub cost: String,
    /// Required for escalations: who decided above the chiefs.
    #[serde(default)]
    pub escalated_to: Option<String>,
}

/// What a step did. Callers act on it (a decided `policy_change` applies its proposal), not on
/// a comparison of the states before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionEvent {
    /// The first chief recorded a joint decision; it waits for the other's concurrence.
    AwaitingConcurrence,
    /// It is decided (by its decider, or by the second chief's concurrence): immutable from now.
    Decided,
    /// The request was taken back.
    Withdrawn,
}

/// Why a decision step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefusal {
    /// The person does not hold the decision right (403).
    #[error("{0}")]
    NoRight(String),
    /// The decision is not in a state that allows this (409).
    #[error("{0}")]
    WrongState(String),
    /// A field is missing or wrong (422).
    #[error(transparent)]
    Invalid(#[from] Invalid),
}

/// Who may record decisions for a decider.
pub fn may_decide(decider: Decider, role: Role) -> bool {
    match decider {
        Decider::Cto => role == Role::Cto,
        Decider::Ciso => role == Role::Ciso,
        Decider::Joint | Decider::Escalate => matches!(role, Role::Cto | Role::Ciso),
    }
}

fn right_text(category: DecisionCategory, decider: Decider) -> String {
    match decider {
        Decider::Cto => format!("{} decisions are the CTO's", category.label()),
        Decider::Ciso => format!("{} decisions are the CISO's", category.label()),
        Decider::Joint => format!("{} decisions are taken jointly by the CTO and the CISO", category.label()),
        Decider::Escalate => {
            format!("{} decisions escalate; the CTO or the CISO records what the escalation decided", category.label())
        }
    }
}

impl Decision {
    /// A new request. `decider` comes from the policy in force.
    pub fn request(
        input: DecisionInput,
        new: New,
        decider_for: impl Fn(DecisionCategory) -> Decider,
        requested_by: Option<Uuid>,
    ) -> Result<Self, Invalid> {
        let Some(category) = input.category else {
            return Err(Invalid::one("category", "is required: it decides who decides"));
        };
        let d = Decision {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            title: input.title.trim().to_owned(),
            category,
            decider: decider_for(category),
            context: input.context.trim().to_owned(),
            options: input.options.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect(),
            choice: String::new(),
            cost: String::new(),
            escalated_to: None,
            status: DecisionStatus::Requested,
            risk_ids: input.risk_ids,
            exception_ids: input.exception_ids,
            release_ids: input.release_ids,
            backlog_item_ids: input.backlog_item_ids,
            supersedes: input.supersedes,
            requested_by,
            requested_at: new.now,
            decided_by: None,
            concurred_by: None,
            decided_at: None,
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        d.check()?;
        Ok(d)
    }

    /// Records the decision by `user` holding `role`. A joint decision needs both chiefs: the
    /// first records the choice, the other concurs with [`Decision::concur`].
    pub fn decide(
        &self,
        input: DecideInput,
        user: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<(Self, DecisionEvent), DecisionRefusal> {
        if self.status != DecisionStatus::Requested {
            return Err(DecisionRefusal::WrongState(format!(
                "{} is {}; only a requested decision can be decided",
                self.reference(),
                self.status.label().to_lowercase()
            )));
        }
        if !may_decide(self.decider, role) {
            return Err(DecisionRefusal::NoRight(format!(
                "{}; the {} role cannot record it",
                right_text(self.category, self.decider),
                role.label()
            )));
        }
        let mut c = Check::new();
        c.required_text("choice", &input.choice, 4000);
        c.required_text("cost", &input.cost, 4000);
        if self.decider == Decider::Escalate {
            match input.escalated_to.as_deref().map(str::trim) {
                Some(e) if !e.is_empty() => c.name("escalated_to", e, 200),
                _ => c.fail("escalated_to", "say who decided the escalation (e.g. the CEO, the exec team)"),
            }
        }
        c.finish()?;
        let mut d = self.clone();
        input.choice.trim().clone_into(&mut d.choice);
        input.cost.trim().clone_into(&mut d.cost);
        d.escalated_to = input.escalated_to.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        d.decided_by = Some(user);
        let event = if self.decider == Decider::Joint {
            d.status = DecisionStatus::AwaitingConcurrence;
            DecisionEvent::AwaitingConcurrence
        } else {
            d.status = DecisionStatus::Decided;
            d.decided_at = Some(now);
            DecisionEvent::Decided
        };
        Ok((d.touched(now), event))
    }

    /// The other chief agrees to a joint decision.
    pub fn concur(
        &self,
        user: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<(Self, DecisionEvent), DecisionRefusal> {
        if self.status != DecisionStatus::AwaitingConcurrence {
            return Err(DecisionRefusal::WrongState(format!("{} is not waiting for a second chief", self.reference())));
        }
        if !matches!(role, Role::Cto | Role::Ciso) {
            return Err(DecisionRefusal::NoRight(format!(
                "{}; the {} role cannot concur",
                right_text(self.category, self.decider),
                role.label()
            )));
        }
        if self.decided_by == Some(user) {
            return Err(DecisionRefusal::NoRight(
                "a joint decision needs both chiefs: the one who recorded it cannot also concur".into(),
            ));
        }
        let mut d = self.clone();
        d.concurred_by = Some(user);
        d.status = DecisionStatus::Decided;
        d.decided_at = Some(now);
        Ok((d.touched(now), DecisionEvent::Decided))
    }

    /// The requester (or a chief) withdraws a request that is not decided.
    pub fn withdraw(
        &self,
        user: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<(Self, DecisionEvent), DecisionRefusal> {
        if matches!(self.status, DecisionStatus::Decided | DecisionStatus::Withdrawn) {
            return Err(DecisionRefusal::WrongState(format!(
                "{} is {}: decided records do not change; supersede it with a new decision",
                self.reference(),
                self.status.label().to_lowercase()
            )));
        }
        if self.requested_by != Some(user) && !matches!(role, Role::Cto | Role::Ciso) {
            return Err(DecisionRefusal::NoRight(
                "only the requester or a chief can withdraw a decision request".into(),
            ));
        }
        let mut d = self.clone();
        d.status = DecisionStatus::Withdrawn;
        Ok((d.touched(now), DecisionEvent::Withdrawn))
    }

    fn touched(mut self, now: OffsetDateTime) -> Self {
        self.version += 1;
        self.updated_at = now;
        self
    }

    /// Requested → decided, for the decision-latency metric.
    pub fn latency(&self) -> Option<time::Duration> {
        self.decided_at.map(|d| d - self.requested_at)
    }

    pub fn reference(&self) -> String {
        Kind::Decision.reference(self.number)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("title", &self.title, 200);
        c.text("context", &self.context, 20_000);
        if self.options.len() > 20 {
            c.fail("options", "at most 20 options");
        }
        for (i, o) in self.options.iter().enumerate() {
            c.text(&format!("options[{i}]"), o, 2000);
        }
        check_unique_ids(&mut c, "risk_ids", &self.risk_ids);
        check_unique_ids(&mut c, "exception_ids", &self.exception_ids);
        check_unique_ids(&mut c, "release_ids", &self.release_ids);
        check_unique_ids(&mut c, "backlog_item_ids", &self.backlog_item_ids);
        if self.supersedes == Some(self.id) {
            c.fail("supersedes", "a decision cannot supersede itself");
        }
        c.finish()
    }

    /// References to entries that must be in the same workspace.
    pub fn refs(&self) -> Vec<Ref> {
        let mut v = refs_of("risk_ids", Target::Entry(Kind::Risk), &self.risk_ids);
        v.extend(refs_of("exception_ids", Target::Entry(Kind::Exception), &self.exception_ids));
        v.extend(refs_of("release_ids", Target::Entry(Kind::Release), &self.release_ids));
        v.extend(refs_of("backlog_item_ids", Target::Entry(Kind::BacklogItem), &self.backlog_item_ids));
        v.extend(ref_of("supersedes", Target::Entry(Kind::Decision), self.supersedes));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use time::macros::datetime;

    fn new() -> New {
        New { id: Uuid::from_u128(1), workspace_id: Uuid::nil(), number: 3, now: datetime!(2026-03-01 09:00 UTC) }
    }

    fn request(category: DecisionCategory) -> Decision {
        let p = Policy::default();
        let input = DecisionInput {
            title: "Ship 2026.4 with the refund limiter behind a flag".into(),
            category: Some(category),
            options: vec!["Ship now".into(), "Slip two weeks".into()],
            ..Default::default()
        };
        Decision::request(input, new(), |c| p.decider_for(c), Some(Uuid::from_u128(9))).unwrap()
    }

    fn choice() -> DecideInput {
        DecideInput {
            choice: "Ship now, flag off".into(),
            cost: "Refunds stay manual for 2 weeks".into(),
            escalated_to: None,
        }
    }

    #[test]
    fn the_policy_routes_each_category_to_its_decider() {
        let cto_call = request(DecisionCategory::DeliverySequencing);
        assert_eq!(cto_call.decider, Decider::Cto);
        let later = datetime!(2026-03-03 09:00 UTC);
        let err = cto_call.decide(choice(), Uuid::from_u128(2), Role::Ciso, later).unwrap_err();
        assert!(matches!(err, DecisionRefusal::NoRight(ref m) if m.contains("CTO's")), "{err}");
        let (ok, event) = cto_call.decide(choice(), Uuid::from_u128(2), Role::Cto, later).unwrap();
        assert_eq!((ok.status, event), (DecisionStatus::Decided, DecisionEvent::Decided));
        assert_eq!(ok.latency(), Some(time::Duration::days(2)));
        // Decided records do not change.
        assert!(matches!(
            ok.decide(choice(), Uuid::from_u128(2), Role::Cto, later),
            Err(DecisionRefusal::WrongState(_))
        ));
        assert!(matches!(ok.withdraw(Uuid::from_u128(9), Role::Engineer, later), Err(DecisionRefusal::WrongState(_))));
    }

    #[test]
    fn joint_decisions_need_both_chiefs() {
        let d = request(DecisionCategory::LaunchReadiness);
        assert_eq!(d.decider, Decider::Joint);
        let t = datetime!(2026-03-02 09:00 UTC);
        assert!(matches!(
            d.decide(choice(), Uuid::from_u128(5), Role::EngineeringLead, t),
            Err(DecisionRefusal::NoRight(_))
        ));
        let (first, event) = d.decide(choice(), Uuid::from_u128(2), Role::Cto, t).unwrap();
        assert_eq!((first.status, first.decided_at), (DecisionStatus::AwaitingConcurrence, None));
        assert_eq!(event, DecisionEvent::AwaitingConcurrence);
        assert!(
            matches!(first.concur(Uuid::from_u128(2), Role::Cto, t), Err(DecisionRefusal::NoRight(_))),
            "not twice by one chief"
        );
        let (both, event) = first.concur(Uuid::from_u128(3), Role::Ciso, t).unwrap();
        assert_eq!((both.status, both.concurred_by), (DecisionStatus::Decided, Some(Uuid::from_u128(3))));
        assert_eq!(event, DecisionEvent::Decided);
    }

    #[test]
    fn escalations_name_who_decided() {
        let d = request(DecisionCategory::StopShip);
        let t = datetime!(2026-03-02 09:00 UTC);
        let err = d.decide(choice(), Uuid::from_u128(3), Role::Ciso, t).unwrap_err();
        assert!(matches!(err, DecisionRefusal::Invalid(ref i) if i.0[0].field == "escalated_to"), "{err}");
        let ok = d
            .decide(DecideInput { escalated_to: Some("CEO".into()), ..choice() }, Uuid::from_u128(3), Role::Ciso, t)
            .unwrap()
            .0;
        assert_eq!(ok.escalated_to.as_deref(), Some("CEO"));
    }

    #[test]
    fn a_category_is_required() {
        let p = Policy::default();
        let err = Decision::request(
            DecisionInput { title: "x".into(), ..Default::default() },
            new(),
            |c| p.decider_for(c),
            None,
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "category");
    }
}
