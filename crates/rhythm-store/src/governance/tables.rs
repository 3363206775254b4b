//! Decisions and exceptions as [`Table`]s: columns, links, filters and sorts, so the generic
//! register machinery (`registers.rs`) reads, lists and writes them like every other entry.

use rhythm_domain::decision::{Decision, DecisionStatus};
use rhythm_domain::policy::{Decider, DecisionCategory};
use rhythm_domain::{Exception, ExceptionSignature, ExceptionSignatures, ExceptionStatus, Kind, SignatureDecision};
use uuid::Uuid;

use crate::StoreError;
use crate::db::{Row, Val};
use crate::tables::FilterSql::{Eq, Expr, Link, Lte};
use crate::tables::SortDir;
use crate::tables::{Filter, Table, columns, entry_accessors, p_date, p_enum, p_uuid};

/// The sorts of the decision log: (name in `?sort=`, column).
pub const DECISION_SORTS: &[(&str, &str)] =
    &[("requested_at", "requested_at"), ("decided_at", "decided_at"), ("number", "number")];
/// The sorts of the exception list: (name in `?sort=`, column).
pub const EXCEPTION_SORTS: &[(&str, &str)] = &[
    ("expires_on", "expires_on"),
    ("number", "number"),
    ("created_at", "created_at"),
    ("review_on", "review_on"),
    ("updated_at", "updated_at"),
];

impl Table for Decision {
    const KIND: Kind = Kind::Decision;
    const TABLE: &'static str = "decisions";
    columns! {
        id,
        workspace_id,
        number,
        title,
        category: enum,
        decider: enum,
        context,
        options: json,
        choice,
        cost,
        escalated_to,
        cto_position,
        ciso_position,
        decided_as: opt_enum,
        concurred_as: opt_enum,
        status: enum,
        supersedes,
        requested_by,
        requested_at,
        decided_by,
        concurred_by,
        decided_at,
        version,
        created_at,
        updated_at,
        risk_ids: link,
        exception_ids: link,
        release_ids: link,
        backlog_item_ids: link,
    }
    const LINKS: &'static [&'static str] =
        &["decision_risk", "decision_exception", "decision_release", "decision_backlog_item"];
    const SORTS: &'static [(&'static str, &'static str)] = DECISION_SORTS;
    const DEFAULT_SORT: (&'static str, SortDir) = ("requested_at", SortDir::Desc);
    const FILTERS: &'static [Filter] = &[
        Filter { name: "category", sql: Eq("category"), parse: p_enum::<DecisionCategory> },
        Filter { name: "status", sql: Eq("status"), parse: p_enum::<DecisionStatus> },
        Filter { name: "decider", sql: Eq("decider"), parse: p_enum::<Decider> },
        Filter { name: "risk", sql: Link("decision_risk"), parse: p_uuid },
        Filter { name: "release", sql: Link("decision_release"), parse: p_uuid },
        Filter { name: "exception", sql: Link("decision_exception"), parse: p_uuid },
        Filter { name: "backlog_item", sql: Link("decision_backlog_item"), parse: p_uuid },
        Filter { name: "supersedes", sql: Eq("supersedes"), parse: p_uuid },
        Filter { name: "requested_by", sql: Eq("requested_by"), parse: p_uuid },
        Filter { name: "decided_by", sql: Expr("(decided_by = {v} OR concurred_by = {v})"), parse: p_uuid },
    ];
    const SEARCH: &'static [&'static str] = &["title", "context", "choice", "cost"];

    entry_accessors!();
    fn link_ids(&self, rel: &str) -> Vec<Uuid> {
        match rel {
            "decision_risk" => self.risk_ids.clone(),
            "decision_exception" => self.exception_ids.clone(),
            "decision_release" => self.release_ids.clone(),
            "decision_backlog_item" => self.backlog_item_ids.clone(),
            _ => Vec::new(),
        }
    }
    fn set_link_ids(&mut self, rel: &str, ids: Vec<Uuid>) {
        match rel {
            "decision_risk" => self.risk_ids = ids,
            "decision_exception" => self.exception_ids = ids,
            "decision_release" => self.release_ids = ids,
            "decision_backlog_item" => self.backlog_item_ids = ids,
            _ => {}
        }
    }
}

/// The eight signature columns, engineering's four then security's: signer, decision, note, time.
fn signatures_values(s: &ExceptionSignatures) -> impl Iterator<Item = Val> {
    [s.engineering.as_ref(), s.security.as_ref()].into_iter().flat_map(|s| {
        [
            s.map(|s| s.user_id).into(),
            s.map(|s| s.decision.as_str().to_owned()).into(),
            s.map(|s| s.note.clone()).into(),
            s.map(|s| s.at).into(),
        ]
    })
}

fn signatures_of(r: &Row) -> Result<ExceptionSignatures, StoreError> {
    Ok(ExceptionSignatures { engineering: signature_of(r, "engineering")?, security: signature_of(r, "security")? })
}

fn signature_of(r: &Row, side: &str) -> Result<Option<ExceptionSignature>, StoreError> {
    let Some(user_id) = r.opt_uuid(&format!("{side}_signer_id"))? else {
        return Ok(None);
    };
    let decision: SignatureDecision = r.parsed(&format!("{side}_decision"))?;
    let at = r.ts(&format!("{side}_signed_at"))?;
    let note = r.opt_text(&format!("{side}_note"))?.unwrap_or_default();
    Ok(Some(ExceptionSignature { user_id, decision, note, at }))
}

impl Table for Exception {
    const KIND: Kind = Kind::Exception;
    const TABLE: &'static str = "exceptions";
    columns! {
        id,
        workspace_id,
        number,
        title,
        business_reason,
        scope,
        organization_wide,
        users_impacted,
        starts_on,
        expires_on,
        compensating_controls: json,
        requester_id,
        engineering_owner_id,
        security_owner_id,
        review_on,
        status: enum,
        signatures: via(signatures_values, signatures_of, [
            engineering_signer_id,
            engineering_decision,
            engineering_note,
            engineering_signed_at,
            security_signer_id,
            security_decision,
            security_note,
            security_signed_at,
        ]),
        escalation_decision_id,
        supersedes,
        version,
        created_at,
        updated_at,
        decided_at,
        expired_at,
        review_item_id,
        system_ids: link,
        risk_ids: link,
        finding_ids: link,
    }
    const LINKS: &'static [&'static str] = &["exception_system", "exception_risk", "exception_finding"];
    const SORTS: &'static [(&'static str, &'static str)] = EXCEPTION_SORTS;
    const DEFAULT_SORT: (&'static str, SortDir) = ("expires_on", SortDir::Asc);
    const FILTERS: &'static [Filter] = &[
        Filter { name: "status", sql: Eq("status"), parse: p_enum::<ExceptionStatus> },
        Filter { name: "system", sql: Link("exception_system"), parse: p_uuid },
        Filter { name: "risk", sql: Link("exception_risk"), parse: p_uuid },
        Filter { name: "finding", sql: Link("exception_finding"), parse: p_uuid },
        // Either named owner.
        Filter { name: "owner", sql: Expr("(engineering_owner_id = {v} OR security_owner_id = {v})"), parse: p_uuid },
        Filter { name: "requester", sql: Eq("requester_id"), parse: p_uuid },
        // Waiting for this person's signature: requested, and they own a side not yet signed.
        Filter {
            name: "awaiting_signature",
            sql: Expr(
                "(status = 'requested' AND ((engineering_owner_id = {v} AND engineering_signer_id IS NULL) \
                  OR (security_owner_id = {v} AND security_signer_id IS NULL)))",
            ),
            parse: p_uuid,
        },
        Filter { name: "supersedes", sql: Eq("supersedes"), parse: p_uuid },
        Filter { name: "expires_before", sql: Lte("expires_on"), parse: p_date },
    ];
    const SEARCH: &'static [&'static str] = &["title", "business_reason", "scope"];

    entry_accessors!();
    fn link_ids(&self, rel: &str) -> Vec<Uuid> {
        match rel {
            "exception_system" => self.system_ids.clone(),
            "exception_risk" => self.risk_ids.clone(),
            "exception_finding" => self.finding_ids.clone(),
            _ => Vec::new(),
        }
    }
    fn set_link_ids(&mut self, rel: &str, ids: Vec<Uuid>) {
        match rel {
            "exception_system" => self.system_ids = ids,
            "exception_risk" => self.risk_ids = ids,
            "exception_finding" => self.finding_ids = ids,
            _ => {}
        }
    }
}
