//! Incidents: when they started, were detected, contained and resolved.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{New, Ref, Target, check_unique_ids, refs_of};
use crate::Kind;
use crate::enums::Severity;
use crate::patch::{set, some};
use crate::validate::{Check, Invalid};

/// A security or reliability incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Incident {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    pub title: String,
    pub severity: Severity,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub detected_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub contained_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
    /// Customers were affected.
    pub customer_impact: bool,
    pub impact_summary: String,
    pub learnings: String,
    pub system_ids: Vec<Uuid>,
    pub external_id: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new incident.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    pub title: String,
    pub severity: Severity,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub detected_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub contained_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub customer_impact: bool,
    #[serde(default)]
    pub impact_summary: String,
    #[serde(default)]
    pub learnings: String,
    #[serde(default)]
    pub system_ids: Vec<Uuid>,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// Changes to an incident.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "opt_ts")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub detected_at: Option<Option<OffsetDateTime>>,
    #[serde(default, deserialize_with = "opt_ts")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub contained_at: Option<Option<OffsetDateTime>>,
    #[serde(default, deserialize_with = "opt_ts")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Option<OffsetDateTime>>,
    #[serde(default)]
    pub customer_impact: Option<bool>,
    #[serde(default)]
    pub impact_summary: Option<String>,
    #[serde(default)]
    pub learnings: Option<String>,
    #[serde(default)]
    pub system_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

pub(crate) fn opt_ts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<OffsetDateTime>>, D::Error> {
    time::serde::rfc3339::option::deserialize(d).map(Some)
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
    pub const KIND: Kind = Kind::Incident;

    pub fn create(i: IncidentInput, new: New) -> Result<Self, Invalid> {
        let v = Incident {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            title: i.title.trim().to_owned(),
            severity: i.severity,
            started_at: utc(i.started_at),
            detected_at: i.detected_at.map(utc),
            contained_at: i.contained_at.map(utc),
            resolved_at: i.resolved_at.map(utc),
            customer_impact: i.customer_impact,
            impact_summary: i.impact_summary.trim().to_owned(),
            learnings: i.learnings.trim().to_owned(),
            system_ids: i.system_ids,
            external_id: i.external_id.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: IncidentPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.title, p.title.map(|s| s.trim().to_owned()));
        set(&mut v.severity, p.severity);
        set(&mut v.started_at, p.started_at.map(utc));
        set(&mut v.detected_at, p.detected_at.map(|t| t.map(utc)));
        set(&mut v.contained_at, p.contained_at.map(|t| t.map(utc)));
        set(&mut v.resolved_at, p.resolved_at.map(|t| t.map(utc)));
        set(&mut v.customer_impact, p.customer_impact);
        set(&mut v.impact_summary, p.impact_summary.map(|s| s.trim().to_owned()));
        set(&mut v.learnings, p.learnings.map(|s| s.trim().to_owned()));
        set(&mut v.system_ids, p.system_ids);
        set(&mut v.external_id, p.external_id.map(|e| e.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())));
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

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

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
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
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        refs_of("system_ids", Target::Entry(Kind::System), &self.system_ids)
    }
}

/// Stored in UTC, to the microsecond (the precision both databases keep).
fn utc(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
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
