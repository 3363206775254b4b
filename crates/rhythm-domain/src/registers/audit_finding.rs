//! Findings from external audits (SOC 2, ISO 27001, ...), with repeat-of links.

use time::OffsetDateTime;
use uuid::Uuid;

use super::shape::register;
use super::{Ref, Target, ref_of};
use crate::Kind;
use crate::enums::Severity;
use crate::validate::Invalid;

register! {
    /// A finding of an external or internal audit.
    pub struct AuditFinding {
        number,
        /// `SOC 2`, `ISO 27001`, ...
        framework: text,
        /// The control reference, e.g. `CC6.1` or `A.8.15`.
        control_ref: text,
        title: text,
        severity: Severity,
        opened_on: date,
        closed_on: opt_date,
        /// The earlier finding this one repeats.
        repeat_of: Option<Uuid>,
        external_id: opt_text,
        version,
    }
    /// A new audit finding.
    pub struct AuditFindingInput;
    /// Changes to an audit finding.
    pub struct AuditFindingPatch;
    const KIND: Kind = Kind::AuditFinding;
    fn check(self, c) {
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
    }
}

impl AuditFinding {
    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        if self.closed_on.is_some() {
            return Err(Invalid::one("closed_on", "the finding is already closed"));
        }
        self.apply(AuditFindingPatch { closed_on: Some(Some(now.date())), ..Default::default() }, now)
    }

    pub fn refs(&self) -> Vec<Ref> {
        ref_of("repeat_of", Target::Entry(Kind::AuditFinding), self.repeat_of)
    }
}
