//! Incidents: when they started, were detected, contained and resolved.

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::shape::register;
use super::{New, Ref, Target, check_unique_ids, refs_of};
use crate::Kind;
use crate::enums::Severity;
use crate::validate::{Check, Invalid};

register! {
    /// A security or reliability incident.
    pub struct Incident {
        number,
        title: text,
        severity: Severity,
        started_at: utc,
        detected_at: opt_utc,
        contained_at: opt_utc,
        resolved_at: opt_utc,
        /// Customers were affected.
        customer_impact: bool [default],
        impact_summary: text [default],
        learnings: text [default],
        system_ids: Vec<Uuid> [default],
        external_id: opt_text,
        version,
    }
    /// A new incident.
    pub struct IncidentInput;
    /// Changes to an incident.
    pub struct IncidentPatch;
    const KIND: Kind = Kind::Incident;
    fn create(i, new: New);
    fn check(self, c) {
        c.name("title", &self.title, 300);
        c.text("impact_summary", &self.impact_summary, 4000);
        c.text("learnings", &self.learnings, 20_000);
        c.ordered_times(&[
            ("started_at", Some(self.started_at)),
            ("detected_at", self.detected_at),
            ("contained_at", self.contained_at),
            ("resolved_at", self.resolved_at),
        ]);
        if self.contained_at.is_some() && self.detected_at.is_none() {
            c.fail("detected_at", "an incident is detected before it is contained");
        }
        if self.resolved_at.is_some() && self.contained_at.is_none() {
            c.fail("contained_at", "an incident is contained before it is resolved");
        }
        check_unique_ids(&mut c, "system_ids", &self.system_ids);
        if let Some(e) = &self.external_id {
            c.name("external_id", e, 200);
        }
    }
}

/// Where an incident is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentPhase {
    Undetected,
    Open,
    Contained,
    Resolved,
}

impl Incident {
    /// Resolves the incident now. Detection and containment must be on record first:
    /// Rhythm does not invent the times the metrics are computed from.
    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut c = Check::new();
        if self.resolved_at.is_some() {
            c.fail("resolved_at", "the incident is already resolved");
        }
        if self.detected_at.is_none() {
            c.fail("detected_at", "record when it was detected before resolving it");
        }
        if self.contained_at.is_none() {
            c.fail("contained_at", "record when it was contained before resolving it");
        }
        c.finish()?;
        self.apply(IncidentPatch { resolved_at: Some(Some(now)), ..Default::default() }, now)
    }

    pub fn phase(&self) -> IncidentPhase {
        if self.resolved_at.is_some() {
            IncidentPhase::Resolved
        } else if self.contained_at.is_some() {
            IncidentPhase::Contained
        } else if self.detected_at.is_some() {
            IncidentPhase::Open
        } else {
            IncidentPhase::Undetected
        }
    }

    pub fn refs(&self) -> Vec<Ref> {
        refs_of("system_ids", Target::Entry(Kind::System), &self.system_ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_must_run_forward_and_are_stored_in_utc() {
        let new = New { id: Uuid::nil(), workspace_id: Uuid::nil(), number: 1, now: datetime!(2026-03-01 10:00 UTC) };
        let input = IncidentInput {
            title: "Token leak".into(),
            severity: Severity::High,
            started_at: datetime!(2026-02-01 10:00 +02:00),
            detected_at: Some(datetime!(2026-02-01 07:00 UTC)),
            contained_at: None,
            resolved_at: None,
            customer_impact: false,
            impact_summary: String::new(),
            learnings: String::new(),
            system_ids: vec![],
            external_id: None,
        };
        let err = Incident::create(input.clone(), new).unwrap_err();
        assert_eq!(err.0[0].field, "detected_at");
        let ok = Incident::create(IncidentInput { detected_at: Some(datetime!(2026-02-01 09:00 UTC)), ..input }, new)
            .unwrap();
        assert_eq!(ok.started_at.offset(), time::UtcOffset::UTC);
        assert_eq!(ok.phase(), IncidentPhase::Open);
        let err = ok.close(new.now).unwrap_err();
        assert_eq!(err.0[0].field, "contained_at");
    }
}
