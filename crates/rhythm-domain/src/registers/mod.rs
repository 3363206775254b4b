//! The shared registers. Each register has three shapes:
//!
//! * the entity (`Risk`) as stored and returned,
//! * the input (`RiskInput`) a create takes — unknown fields are refused,
//! * the patch (`RiskPatch`) an update takes — absent fields are kept.
//!
//! `X::create(input, new)`, `x.apply(patch, now)` and `x.close(now)` are the only ways to make
//! or change an entity, and each ends in the same `check`, so a rule is enforced once.

mod audit_finding;
mod backlog;
mod design_review;
mod finding;
mod incident;
mod release;
mod risk;
mod system;
mod vendor;

pub use audit_finding::*;
pub use backlog::*;
pub use design_review::{DesignReview, DesignReviewInput, DesignReviewPatch, QUESTIONS as DESIGN_REVIEW_QUESTIONS};
pub use finding::*;
pub use incident::*;
pub use release::*;
pub use risk::*;
pub use system::*;
pub use vendor::*;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What the store hands the domain when it makes a new entity.
#[derive(Debug, Clone, Copy)]
pub struct New {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Per-workspace, per-register sequence number (RISK-12).
    pub number: i64,
    pub now: OffsetDateTime,
}

/// Every register, for routing, audit rows and human references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    System,
    Risk,
    BacklogItem,
    Initiative,
    Epic,
    Release,
    Incident,
    AuditFinding,
    Vendor,
    Finding,
    DesignReview,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::System,
        Kind::Risk,
        Kind::BacklogItem,
        Kind::Initiative,
        Kind::Epic,
        Kind::Release,
        Kind::Incident,
        Kind::AuditFinding,
        Kind::Vendor,
        Kind::Finding,
        Kind::DesignReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::System => "system",
            Kind::Risk => "risk",
            Kind::BacklogItem => "backlog_item",
            Kind::Initiative => "initiative",
            Kind::Epic => "epic",
            Kind::Release => "release",
            Kind::Incident => "incident",
            Kind::AuditFinding => "audit_finding",
            Kind::Vendor => "vendor",
            Kind::Finding => "finding",
            Kind::DesignReview => "design_review",
        }
    }

    /// The prefix of human references: `RISK-12`.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::System => "SYS",
            Kind::Risk => "RISK",
            Kind::BacklogItem => "ITEM",
            Kind::Initiative => "INIT",
            Kind::Epic => "EPIC",
            Kind::Release => "REL",
            Kind::Incident => "INC",
            Kind::AuditFinding => "AUD",
            Kind::Vendor => "VEN",
            Kind::Finding => "FND",
            Kind::DesignReview => "DR",
        }
    }

    /// Plural path segment used by the API, UI and CLI (`/api/v1/backlog-items`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::System => "systems",
            Kind::Risk => "risks",
            Kind::BacklogItem => "backlog-items",
            Kind::Initiative => "initiatives",
            Kind::Epic => "epics",
            Kind::Release => "releases",
            Kind::Incident => "incidents",
            Kind::AuditFinding => "audit-findings",
            Kind::Vendor => "vendors",
            Kind::Finding => "findings",
            Kind::DesignReview => "design-reviews",
        }
    }

    /// How people name it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::System => "System",
            Kind::Risk => "Risk",
            Kind::BacklogItem => "Backlog item",
            Kind::Initiative => "Initiative",
            Kind::Epic => "Epic",
            Kind::Release => "Release",
            Kind::Incident => "Incident",
            Kind::AuditFinding => "Audit finding",
            Kind::Vendor => "Vendor",
            Kind::Finding => "Finding",
            Kind::DesignReview => "Design review",
        }
    }

    pub fn from_plural(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.plural() == s)
    }

    /// Parses a human reference such as `RISK-12` (any case) into its kind and number.
    pub fn parse_reference(s: &str) -> Option<(Kind, i64)> {
        let (prefix, n) = s.trim().split_once('-')?;
        let kind = Kind::ALL.iter().copied().find(|k| k.prefix().eq_ignore_ascii_case(prefix))?;
        let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
        Some((kind, n))
    }

    pub fn reference(self, number: i64) -> String {
        format!("{}-{number}", self.prefix())
    }
}

/// A reference from one entity to another that must exist in the same workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// The field that holds it, for the error message (`system_ids[1]`).
    pub field: String,
    pub target: Target,
    pub id: Uuid,
}

/// What a reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Register(Kind),
    User,
    /// A written decision (`DEC-n`).
    Decision,
}

pub(crate) fn refs_of(field: &str, target: Target, ids: &[Uuid]) -> Vec<Ref> {
    ids.iter().enumerate().map(|(i, id)| Ref { field: format!("{field}[{i}]"), target, id: *id }).collect()
}

pub(crate) fn ref_of(field: &str, target: Target, id: Option<Uuid>) -> Vec<Ref> {
    id.map(|id| Ref { field: field.to_owned(), target, id }).into_iter().collect()
}

/// Ids in a link list must be unique.
pub(crate) fn check_unique_ids(check: &mut crate::validate::Check, field: &str, ids: &[Uuid]) {
    if ids.len() > 200 {
        check.fail(field, "at most 200 links");
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            check.fail(format!("{field}[{i}]"), "listed twice");
        }
    }
}

/// Dates on the wire are `YYYY-MM-DD`.
pub mod date_format {
    time::serde::format_description!(pub date, Date, "[year]-[month]-[day]");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_back() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse_reference(&k.reference(42)), Some((*k, 42)));
            assert_eq!(Kind::from_plural(k.plural()), Some(*k));
        }
        assert_eq!(Kind::parse_reference("risk-7"), Some((Kind::Risk, 7)));
        assert_eq!(Kind::parse_reference("RISK-0"), None);
        assert_eq!(Kind::parse_reference("NOPE-3"), None);
    }
}
