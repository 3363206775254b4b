//! Written decisions: a tradeoff with its options, the choice and its cost, decided by whoever
//! the policy's decision rights name. Decided records are immutable; a change of mind is a
//! new decision that supersedes the old one.
//!
//! Who decides is held to the sides, not to "any two people":
//! * a **joint** decision is recorded by one chief and concurred with by the *other* chief —
//!   a CTO and a CISO, never two people of one side;
//! * an **escalation** goes up with both chiefs' written positions, and only the escalation
//!   authority (the executive role, named in the policy) decides it, after both are on record.

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
    /// For escalations: the forum the authority decided in, if it was named (the executive
    /// who decided is `decided_by`).
    pub escalated_to: Option<String>,
    /// For escalations: the CTO's written position, on record before the authority decides.
    pub cto_position: String,
    /// For escalations: the CISO's written position, on record before the authority decides.
    pub ciso_position: String,
    /// The role `decided_by` held when deciding: a joint decision's concurrence must come from
    /// the other chief's role.
    pub decided_as: Option<Role>,
    /// The role `concurred_by` held when concurring.
    pub concurred_as: Option<Role>,
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
    /// For escalations: the forum it was decided in (optional; the executive deciding is
    /// recorded as `decided_by`).
    #[serde(default)]
    pub escalated_to: Option<String>,
}

/// What a step did. Callers act on it (a decided `policy_change` applies its proposal), not on
/// a comparison of the states before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionEvent {
    /// A chief put their written position on an escalation on record.
    PositionStated,
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

/// Who may record decisions for a decider: a joint decision is recorded by either chief (the
/// other concurs), an escalation only by the escalation authority.
pub fn may_decide(decider: Decider, role: Role) -> bool {
    match decider {
        Decider::Cto => role == Role::Cto,
        Decider::Ciso => role == Role::Ciso,
        Decider::Joint => matches!(role, Role::Cto | Role::Ciso),
        Decider::Escalate => role == Role::Executive,
    }
}

/// Who may concur with a joint decision recorded by someone holding `first`: the other chief.
pub fn may_concur(first: Option<Role>, role: Role) -> bool {
    match first.and_then(Role::other_chief) {
        Some(other) => role == other,
        // Recorded before roles were kept with the record: either chief.
        None => first.is_none() && matches!(role, Role::Cto | Role::Ciso),
    }
}

fn right_text(category: DecisionCategory, decider: Decider) -> String {
    match decider {
        Decider::Cto => format!("{} decisions are the CTO's", category.label()),
        Decider::Ciso => format!("{} decisions are the CISO's", category.label()),
        Decider::Joint => format!("{} decisions are taken jointly by the CTO and the CISO", category.label()),
        Decider::Escalate => format!(
            "{} decisions escalate: both chiefs state their positions and the escalation authority (the executive role) \
             decides",
            category.label()
        ),
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
            cto_position: String::new(),
            ciso_position: String::new(),
            decided_as: None,
            concurred_as: None,
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
        if self.decider == Decider::Escalate {
            let missing: Vec<&str> = [("the CTO's", &self.cto_position), ("the CISO's", &self.ciso_position)]
                .into_iter()
                .filter(|(_, p)| p.is_empty())
                .map(|(who, _)| who)
                .collect();
            if !missing.is_empty() {
                return Err(DecisionRefusal::WrongState(format!(
                    "{} waits for both chiefs' written positions before it is decided; {} is not on record yet",
                    self.reference(),
                    missing.join(" and ")
                )));
            }
        }
        let mut c = Check::new();
        c.required_text("choice", &input.choice, 4000);
        c.required_text("cost", &input.cost, 4000);
        if let Some(e) = input.escalated_to.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            c.name("escalated_to", e, 200);
        }
        c.finish()?;
        let mut d = self.clone();
        input.choice.trim().clone_into(&mut d.choice);
        input.cost.trim().clone_into(&mut d.cost);
        d.escalated_to = input.escalated_to.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        d.decided_by = Some(user);
        d.decided_as = Some(role);
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

    /// A chief puts their written position on an escalation on record (and may restate it
    /// until it is decided). The authority decides only once both chiefs' are on record, so an
    /// escalation always carries both sides of the disagreement.
    pub fn state_position(
        &self,
        position: &str,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<(Self, DecisionEvent), DecisionRefusal> {
        if self.decider != Decider::Escalate {
            return Err(DecisionRefusal::WrongState(format!(
                "{} is not an escalation: {}",
                self.reference(),
                right_text(self.category, self.decider)
            )));
        }
        if self.status != DecisionStatus::Requested {
            return Err(DecisionRefusal::WrongState(format!(
                "{} is {}; positions are stated before it is decided",
                self.reference(),
                self.status.label().to_lowercase()
            )));
        }
        let mut d = self.clone();
        let slot = match role {
            Role::Cto => &mut d.cto_position,
            Role::Ciso => &mut d.ciso_position,
            _ => {
                return Err(DecisionRefusal::NoRight(format!(
                    "an escalation carries the positions of the CTO and the CISO; the {} role states none",
                    role.label()
                )));
            }
        };
        let mut c = Check::new();
        c.required_text("position", position, 4000);
        c.finish()?;
        position.trim().clone_into(slot);
        Ok((d.touched(now), DecisionEvent::PositionStated))
    }

    /// The other chief agrees to a joint decision: the chief of the other side from the one
    /// who recorded it.
    pub fn concur(
        &self,
        user: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<(Self, DecisionEvent), DecisionRefusal> {
        if self.status != DecisionStatus::AwaitingConcurrence {
            return Err(DecisionRefusal::WrongState(format!("{} is not waiting for a second chief", self.reference())));
        }
        if self.decided_by == Some(user) {
            return Err(DecisionRefusal::NoRight(
                "a joint decision needs both chiefs: the one who recorded it cannot also concur".into(),
            ));
        }
        if !may_concur(self.decided_as, role) {
            let needed = self.decided_as.and_then(Role::other_chief).map_or("the other chief", |r| r.label());
            return Err(DecisionRefusal::NoRight(format!(
                "{}: it was recorded by the {}, so only the {needed} concurs; the {} role cannot",
                right_text(self.category, self.decider),
                self.decided_as.map_or("first chief", |r| r.label()),
                role.label()
            )));
        }
        let mut d = self.clone();
        d.concurred_by = Some(user);
        d.concurred_as = Some(role);
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

    /// Whether this decision settles the escalated exception `exception` (its reference for the
    /// message), recorded by `user`: it must be a decided escalation — decided by the escalation
    /// authority — that names the exception, and the person recording the settlement must be
    /// the one who decided it. Anything else ("some decided decision") settles nothing.
    pub fn may_settle(&self, exception_id: Uuid, exception: &str, user: Uuid) -> Result<(), DecisionRefusal> {
        if self.decider != Decider::Escalate
            || self.status != DecisionStatus::Decided
            || self.decided_as != Some(Role::Executive)
        {
            return Err(DecisionRefusal::WrongState(format!(
                "{} is not a decided escalation: an escalated exception is settled only by an escalation decision \
                 decided by the escalation authority. Request one that names {exception}",
                self.reference()
            )));
        }
        if !self.exception_ids.contains(&exception_id) {
            return Err(DecisionRefusal::WrongState(format!(
                "{} does not name {exception}: an escalated exception is settled by the escalation decision about it",
                self.reference()
            )));
        }
        if self.decided_by != Some(user) {
            return Err(DecisionRefusal::NoRight(format!(
                "only the person who decided {} records what it settled",
                self.reference()
            )));
        }
        Ok(())
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
        c.text("cto_position", &self.cto_position, 4000);
        c.text("ciso_position", &self.ciso_position, 4000);
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
    fn joint_means_one_chief_of_each_side() {
        let t = datetime!(2026-03-02 09:00 UTC);
        let d = request(DecisionCategory::PolicyChange);
        let (first, _) = d.decide(choice(), Uuid::from_u128(2), Role::Cto, t).unwrap();
        assert_eq!(first.decided_as, Some(Role::Cto));
        // A second CTO account is still the engineering side.
        let err = first.concur(Uuid::from_u128(4), Role::Cto, t).unwrap_err();
        assert!(matches!(err, DecisionRefusal::NoRight(ref m) if m.contains("only the CISO concurs")), "{err}");
        let (both, _) = first.concur(Uuid::from_u128(3), Role::Ciso, t).unwrap();
        assert_eq!((both.decided_as, both.concurred_as), (Some(Role::Cto), Some(Role::Ciso)));
        let (first, _) = d.decide(choice(), Uuid::from_u128(3), Role::Ciso, t).unwrap();
        assert!(first.concur(Uuid::from_u128(5), Role::Ciso, t).is_err());
        assert!(first.concur(Uuid::from_u128(5), Role::Executive, t).is_err());
        assert!(first.concur(Uuid::from_u128(2), Role::Cto, t).is_ok());
    }

    #[test]
    fn escalations_carry_both_positions_and_only_the_authority_decides() {
        let d = request(DecisionCategory::StopShip);
        let t = datetime!(2026-03-02 09:00 UTC);
        for chief in [Role::Cto, Role::Ciso] {
            let err = d.decide(choice(), Uuid::from_u128(3), chief, t).unwrap_err();
            assert!(matches!(err, DecisionRefusal::NoRight(ref m) if m.contains("escalation authority")), "{err}");
        }
        let err = d.decide(choice(), Uuid::from_u128(7), Role::Executive, t).unwrap_err();
        assert!(matches!(err, DecisionRefusal::WrongState(ref m) if m.contains("the CTO's and the CISO's")), "{err}");
        assert!(matches!(d.state_position("Ship it", Role::Executive, t), Err(DecisionRefusal::NoRight(_))));
        assert!(matches!(d.state_position("  ", Role::Cto, t), Err(DecisionRefusal::Invalid(_))));
        let (d, event) = d.state_position(" Ship: the flag limits exposure ", Role::Cto, t).unwrap();
        assert_eq!((d.cto_position.as_str(), event), ("Ship: the flag limits exposure", DecisionEvent::PositionStated));
        let err = d.decide(choice(), Uuid::from_u128(7), Role::Executive, t).unwrap_err();
        assert!(matches!(err, DecisionRefusal::WrongState(ref m) if m.contains("the CISO's is not")), "{err}");
        let (d, _) = d.state_position("Stop: card data reaches the logs", Role::Ciso, t).unwrap();
        let input = DecideInput { escalated_to: Some("Exec team, 2 March".into()), ..choice() };
        let (ok, event) = d.decide(input, Uuid::from_u128(7), Role::Executive, t).unwrap();
        assert_eq!(
            (ok.status, event, ok.decided_as),
            (DecisionStatus::Decided, DecisionEvent::Decided, Some(Role::Executive))
        );
        assert_eq!(ok.escalated_to.as_deref(), Some("Exec team, 2 March"));
        assert!(matches!(ok.state_position("Changed my mind", Role::Cto, t), Err(DecisionRefusal::WrongState(_))));
        // Positions belong to escalations only.
        let joint = request(DecisionCategory::LaunchReadiness);
        assert!(matches!(joint.state_position("x", Role::Cto, t), Err(DecisionRefusal::WrongState(_))));
    }

    #[test]
    fn only_the_escalation_that_names_an_exception_settles_it() {
        let t = datetime!(2026-03-02 09:00 UTC);
        let (exception, exec) = (Uuid::from_u128(40), Uuid::from_u128(7));
        let cto_alone =
            request(DecisionCategory::DeliverySequencing).decide(choice(), Uuid::from_u128(2), Role::Cto, t);
        let cto_alone = cto_alone.unwrap().0;
        let err = cto_alone.may_settle(exception, "EXC-4", Uuid::from_u128(2)).unwrap_err();
        assert!(matches!(err, DecisionRefusal::WrongState(ref m) if m.contains("not a decided escalation")), "{err}");
        let mut esc = request(DecisionCategory::RisksOverThreshold);
        esc = esc.state_position("Accept for one quarter", Role::Cto, t).unwrap().0;
        esc = esc.state_position("Too much exposure", Role::Ciso, t).unwrap().0;
        let decided = esc.decide(choice(), exec, Role::Executive, t).unwrap().0;
        let err = decided.may_settle(exception, "EXC-4", exec).unwrap_err();
        assert!(matches!(err, DecisionRefusal::WrongState(ref m) if m.contains("does not name EXC-4")), "{err}");
        let names = Decision { exception_ids: vec![exception], ..decided };
        assert!(matches!(names.may_settle(exception, "EXC-4", Uuid::from_u128(9)), Err(DecisionRefusal::NoRight(_))));
        assert!(names.may_settle(exception, "EXC-4", exec).is_ok());
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
