//! Life-cycle history: the steps an entry goes through (a finding opens, is fixed, reopens; a
//! release ships; an incident is detected, contained, resolved; an exception is approved and
//! expires …), each with the instant it happened. The joint metrics are computed from these
//! rows, so which change is which step is decided here, once, from the entry before and after
//! a write ([`Lifecycle::lifecycle`]); the store writes what this returns in the transaction of
//! the write itself.

use time::OffsetDateTime;

use crate::decision::{Decision, DecisionStatus};
use crate::exception::{Exception, ExceptionStatus};
use crate::{
    AuditFinding, BacklogItem, DesignReview, Epic, Finding, FindingStatus, Incident, Initiative, Release,
    ReleaseStatus, Risk, RiskStatus, System, Vendor,
};

crate::text_enum!(
    /// One step of an entry's life. The order is the precedence of steps recorded at the same
    /// instant: the later in this list is the later step (a finding opened and fixed by the
    /// same write ends fixed).
    HistoryEvent {
        Opened = "opened" / "Opened",
        Reopened = "reopened" / "Reopened",
        Accepted = "accepted" / "Accepted",
        Expired = "expired" / "Expired",
        Fixed = "fixed" / "Fixed",
        Requested = "requested" / "Requested",
        Escalated = "escalated" / "Escalated",
        Approved = "approved" / "Approved",
        Started = "started" / "Started covering",
        Rejected = "rejected" / "Rejected",
        Decided = "decided" / "Decided",
        Withdrawn = "withdrawn" / "Withdrawn",
        Mitigating = "mitigating" / "Mitigating",
        Detected = "detected" / "Detected",
        Contained = "contained" / "Contained",
        Resolved = "resolved" / "Resolved",
        Shipped = "shipped" / "Shipped",
        Cancelled = "cancelled" / "Cancelled",
        Closed = "closed" / "Closed",
    }
);

impl HistoryEvent {
    /// Its precedence among steps at the same instant (its place in [`HistoryEvent::ALL`]).
    pub fn rank(self) -> usize {
        Self::ALL.iter().position(|e| *e == self).unwrap_or(Self::ALL.len())
    }
}

/// The steps one write records: `(step, when it happened)`.
pub type Steps = Vec<(HistoryEvent, OffsetDateTime)>;

/// What a write of an entry records in its history, from the entry before (`None` when it is
/// created) and after.
pub trait Lifecycle {
    fn lifecycle(_before: Option<&Self>, _after: &Self) -> Steps {
        Vec::new()
    }
}

/// Entries whose life the metrics do not follow (their current row is enough).
impl Lifecycle for System {}
impl Lifecycle for BacklogItem {}
impl Lifecycle for Initiative {}
impl Lifecycle for Epic {}
impl Lifecycle for Vendor {}
impl Lifecycle for DesignReview {}

/// Opened when created; then each change of status (and a created entry's first status) is the
/// step `step` names, given the status before (`None` when created) and after; `None` for a
/// status that is no step (a new entry's initial one).
fn by_status<S: PartialEq + Copy>(
    before: Option<S>,
    after: S,
    created: OffsetDateTime,
    now: OffsetDateTime,
    step: impl Fn(Option<S>, S) -> Option<HistoryEvent>,
) -> Steps {
    let mut out = Vec::new();
    if before.is_none() {
        out.push((HistoryEvent::Opened, created));
    }
    if before != Some(after)
        && let Some(e) = step(before, after)
    {
        out.push((e, now));
    }
    out
}

impl Lifecycle for Finding {
    /// Created open (at `first_seen`), fixed (at `fixed_at`), reopened.
    fn lifecycle(before: Option<&Self>, after: &Self) -> Steps {
        let fixed = || (HistoryEvent::Fixed, after.fixed_at.unwrap_or(after.updated_at));
        match (before.map(|b| b.status), after.status) {
            (None, FindingStatus::Open) => vec![(HistoryEvent::Opened, after.first_seen)],
            (None, FindingStatus::Fixed) => vec![(HistoryEvent::Opened, after.first_seen), fixed()],
            (Some(FindingStatus::Open), FindingStatus::Fixed) => vec![fixed()],
            (Some(FindingStatus::Fixed), FindingStatus::Open) => vec![(HistoryEvent::Reopened, after.updated_at)],
            _ => Vec::new(),
        }
    }
}

impl Lifecycle for Release {
    /// Opened (planned) when created; shipped, cancelled, or back to planned (reopened).
    fn lifecycle(before: Option<&Self>, after: &Self) -> Steps {
        by_status(before.map(|b| b.status), after.status, after.created_at, after.updated_at, |b, s| match s {
            ReleaseStatus::Shipped => Some(HistoryEvent::Shipped),
            ReleaseStatus::Cancelled => Some(HistoryEvent::Cancelled),
            ReleaseStatus::Planned => b.map(|_| HistoryEvent::Reopened),
        })
    }
}

impl Lifecycle for Risk {
    /// Opened when created; then mitigating, accepted, closed, or open again (reopened).
    fn lifecycle(before: Option<&Self>, after: &Self) -> Steps {
        by_status(before.map(|b| b.status), after.status, after.created_at, after.updated_at, |b, s| match s {
            RiskStatus::Open => b.map(|_| HistoryEvent::Reopened),
            RiskStatus::Mitigating => Some(HistoryEvent::Mitigating),
            RiskStatus::Accepted => Some(HistoryEvent::Accepted),
            RiskStatus::Closed => Some(HistoryEvent::Closed),
        })
    }
}

impl Lifecycle for AuditFinding {
    /// Opened when created; closed when it gets a closing day, reopened when it loses it.
    fn lifecycle(before: Option<&Self>, after: &Self) -> Steps {
        let closed = |a: &Self| a.closed_on.is_some();
        by_status(before.map(closed), closed(after), after.created_at, after.updated_at, |b, c| {
            if c { Some(HistoryEvent::Closed) } else { b.map(|_| HistoryEvent::Reopened) }
        })
    }
}

impl Lifecycle for Incident {
    /// Opened at `started_at`; detected, contained and resolved at the instants those fields
    /// are given (each once, when first set); reopened when its resolution is cleared.
    fn lifecycle(before: Option<&Self>, after: &Self) -> Steps {
        let mut out = Vec::new();
        if before.is_none() {
            out.push((HistoryEvent::Opened, after.started_at));
        }
        let steps = [
            (HistoryEvent::Detected, before.and_then(|b| b.detected_at), after.detected_at),
            (HistoryEvent::Contained, before.and_then(|b| b.contained_at), after.contained_at),
            (HistoryEvent::Resolved, before.and_then(|b| b.resolved_at), after.resolved_at),
        ];
        for (step, was, is) in steps {
            if let (None, Some(at)) = (was, is) {
                out.push((step, at));
            }
        }
        if before.is_some_and(|b| b.resolved_at.is_some()) && after.resolved_at.is_none() {
            out.push((HistoryEvent::Reopened, after.updated_at));
        }
        out
    }
}

impl Lifecycle for Decision {
    /// Requested when created; decided (at `decided_at`) or withdrawn.
    fn lifecycle(before: Option<&Self>, after: &Self) -> Steps {
        let mut out = Vec::new();
        if before.is_none() {
            out.push((HistoryEvent::Requested, after.created_at));
        }
        if before.map(|b| b.status) != Some(after.status) {
            match after.status {
                DecisionStatus::Decided => {
                    out.push((HistoryEvent::Decided, after.decided_at.unwrap_or(after.updated_at)));
                }
                DecisionStatus::Withdrawn => out.push((HistoryEvent::Withdrawn, after.updated_at)),
                DecisionStatus::Requested | DecisionStatus::AwaitingConcurrence => {}
            }
        }
        out
    }
}

impl Lifecycle for Exception {
    /// Requested when created, then approved,
    /// rejected, escalated, withdrawn or expired. When it starts covering is `started`, which
    /// the store records on approval or, for one approved ahead of its first day, on that day.
    fn lifecycle(before: Option<&Self>, after: &Self) -> Steps {
        let mut out = Vec::new();
        if before.is_none() {
            out.push((HistoryEvent::Requested, after.created_at));
        }
        let Some(was) = before.map(|b| b.status) else { return out };
        if was != after.status {
            let decided = after.decided_at.unwrap_or(after.updated_at);
            let step = match after.status {
                ExceptionStatus::Requested => (HistoryEvent::Requested, after.updated_at),
                ExceptionStatus::Approved => (HistoryEvent::Approved, decided),
                ExceptionStatus::Rejected => (HistoryEvent::Rejected, decided),
                ExceptionStatus::Escalated => (HistoryEvent::Escalated, after.updated_at),
                ExceptionStatus::Withdrawn => (HistoryEvent::Withdrawn, after.updated_at),
                ExceptionStatus::Expired => (HistoryEvent::Expired, after.expired_at.unwrap_or(after.updated_at)),
            };
            out.push(step);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_entry_opens_in_its_first_state_and_nothing_else() {
        let t = time::macros::datetime!(2026-03-02 09:30 UTC);
        let new = crate::New { id: uuid::Uuid::nil(), workspace_id: uuid::Uuid::nil(), number: 1, now: t };
        let planned = crate::ReleaseInput { name: "api".into(), planned_date: t.date(), ..Default::default() };
        let r = Release::create(planned, new).unwrap();
        assert_eq!(Release::lifecycle(None, &r), vec![(HistoryEvent::Opened, t)]);
        let shipped = crate::ReleaseInput {
            name: "api".into(),
            planned_date: t.date(),
            shipped_date: Some(t.date()),
            ..Default::default()
        };
        let r = Release::create(shipped, new).unwrap();
        assert_eq!(Release::lifecycle(None, &r), vec![(HistoryEvent::Opened, t), (HistoryEvent::Shipped, t)]);
        assert!(Release::lifecycle(Some(&r), &r).is_empty(), "no change, no step");
    }

    #[test]
    fn precedence_keeps_the_finding_order_the_history_always_had() {
        use HistoryEvent::*;
        let ranks: Vec<usize> = [Opened, Reopened, Accepted, Expired, Fixed].iter().map(|e| e.rank()).collect();
        assert_eq!(ranks, vec![0, 1, 2, 3, 4]);
        assert!(Closed.rank() > Opened.rank());
        assert_eq!("started".parse::<HistoryEvent>(), Ok(Started));
    }
}
