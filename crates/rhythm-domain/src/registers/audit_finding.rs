//! Findings from external audits (SOC 2, ISO 27001, ...), with repeat-of links.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::date_format::date;
use super::risk::opt_date;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::Severity;
use crate::patch::{set, some};
use crate::validate::{Check, Invalid};

/// A finding of an external or internal audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditFinding {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    /// `SOC 2`, `ISO 27001`, ...
    pub framework: String,
    /// The control reference, e.g. `CC6.1` or `A.8.15`.
    pub control_ref: String,
    pub title: String,
    pub severity: Severity,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    #[serde(with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    /// The earlier finding this one repeats.
    pub repeat_of: Option<Uuid>,
    pub external_id: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new audit finding.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFindingInput {
    pub framework: String,
    pub control_ref: String,
    pub title: String,
    pub severity: Severity,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    #[serde(default, with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    #[serde(default)]
    pub repeat_of: Option<Uuid>,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// Changes to an audit finding.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFindingPatch {
    #[serde(default)]
    pub framework: Option<String>,
    #[serde(default)]
    pub control_ref: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default, with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub opened_on: Option<Date>,
    #[serde(default, deserialize_with = "opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub repeat_of: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl AuditFinding {
    pub const KIND: Kind = Kind::AuditFinding;

    pub fn create(i: AuditFindingInput, new: New) -> Result<Self, Invalid> {
        let v = AuditFinding {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            framework: i.framework.trim().to_owned(),
            control_ref: i.control_ref.trim().to_owned(),
            title: i.title.trim().to_owned(),
            severity: i.severity,
            opened_on: i.opened_on,
            closed_on: i.closed_on,
            repeat_of: i.repeat_of,
            external_id: i.external_id.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: AuditFindingPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.framework, p.framework.map(|s| s.trim().to_owned()));
        set(&mut v.control_ref, p.control_ref.map(|s| s.trim().to_owned()));
        set(&mut v.title, p.title.map(|s| s.trim().to_owned()));
        set(&mut v.severity, p.severity);
        set(&mut v.opened_on, p.opened_on);
        set(&mut v.closed_on, p.closed_on);
        set(&mut v.repeat_of, p.repeat_of);
        set(&mut v.external_id, p.external_id.map(|e| e.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())));
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        if self.closed_on.is_some() {
            return Err(Invalid::one("closed_on", "the finding is already closed"));
        }
        self.apply(AuditFindingPatch { closed_on: Some(Some(now.date())), ..Default::default() }, now)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("framework", &self.framework, 80);
        c.name("control_ref", &self.control_ref, 80);
        c.name("title", &self.title, 300);
        c.date_not_before("closed_on", self.closed_on, self.opened_on, "opened_on");
        if self.repeat_of == Some(self.id) {
            c.fail("repeat_of", "a finding cannot repeat itself");
        }
        if let Some(e) = &self.external_id {
            c.name("external_id", e, 200);
        }
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        ref_of("repeat_of", Target::Entry(Kind::AuditFinding), self.repeat_of)
    }
}
