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
mod shape;
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

pub use crate::kind::{Kind, Reference};

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
    /// A numbered entry of any kind: a register's, a decision, an exception.
    Entry(Kind),
    User,
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
