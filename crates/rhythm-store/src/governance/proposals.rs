//! Policy proposals: "applying a new version is itself recorded as a joint decision".
//!
//! [`Store::propose_policy`] checks the document, records a `policy_change` decision request
//! (whoever the policy in force names decides it; by default both chiefs) and keeps the
//! document beside it. When that decision becomes decided, [`apply_pending`] applies the
//! document as the next version inside the same transaction as the decisive step, with its
//! own audit row. A withdrawn decision applies nothing.

use rhythm_domain::decision::{Decision, DecisionInput};
use rhythm_domain::policy::{DecisionCategory, Policy};
use rhythm_domain::{Invalid, New};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PolicyVersion, check_decision_refs, policy_in, refused};
use crate::audit::{self, micros};
use crate::db::{Row, Tx};
use crate::registers::{Lane, take_lane};
use crate::registers::{insert_row, next_number};
use crate::tables::Table;
use crate::{Actor, Store, StoreError, new_id};

/// A policy document waiting for (or applied by) its `policy_change` decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyProposal {
    pub decision_id: Uuid,
    pub workspace_id: Uuid,
    /// The TOML as proposed.
    pub document: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: Option<Uuid>,
    /// The version in force when it was proposed.
    pub base_version: i64,
    /// The version it became, once its decision was decided.
    pub applied_version: Option<i64>,
}

impl PolicyProposal {
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(PolicyProposal {
            decision_id: r.uuid("decision_id")?,
            workspace_id: r.uuid("workspace_id")?,
            document: r.text("document")?,
            created_at: r.ts("created_at")?,
            created_by: r.opt_uuid("created_by")?,
            base_version: r.int("base_version")?,
            applied_version: r.opt_int("applied_version")?,
        })
    }
}

/// What to propose: the document, and optionally the decision's title and the proposer's own
/// words (the summary of changes is always added to the context).
#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    pub document: String,
    pub title: Option<String>,
    pub context: Option<String>,
}

async fn proposal_in(tx: &mut Tx, ws: Uuid, decision_id: Uuid) -> Result<Option<PolicyProposal>, StoreError> {
    let row = tx
        .opt(
            "SELECT * FROM policy_proposals WHERE workspace_id = $1 AND decision_id = $2",
            &[ws.into(), decision_id.into()],
        )
        .await?;
    row.as_ref().map(PolicyProposal::from_row).transpose()
}

/// Applies the proposal of a just-decided `policy_change` decision, if it has one that is not
/// applied yet. Runs inside the decisive step's transaction, in its policy lane.
pub(super) async fn apply_pending(
    tx: &mut Tx,
    actor: &Actor,
    decision: &Decision,
    now: OffsetDateTime,
) -> Result<Option<PolicyVersion>, StoreError> {
    let ws = decision.workspace_id;
    let Some(proposal) = proposal_in(tx, ws, decision.id).await? else { return Ok(None) };
    if proposal.applied_version.is_some() {
        return Ok(None);
    }
    let before = policy_in(tx, ws).await?;
    if before.version != proposal.base_version {
        return Err(refused(
            false,
            super::rule::POLICY_PROPOSAL_STALE,
            format!(
                "{} proposed a change to policy version {}, but version {} is in force now: withdraw it and propose \
                 the change again against the current policy",
                decision.reference(),
                proposal.base_version,
                before.version
            ),
        ));
    }
    let policy = Policy::from_toml(&proposal.document)
        .map_err(|e| StoreError::Corrupt(format!("the proposal of {} no longer reads: {e}", decision.reference())))?;
    let next = PolicyVersion {
        version: before.version + 1,
        policy,
        document: proposal.document.clone(),
        created_at: Some(now),
        created_by: actor.user_id,
        decision_id: Some(decision.id),
    };
    super::policy::insert_version(tx, ws, &next, now).await?;
    tx.exec(
        "UPDATE policy_proposals SET applied_version = $1 WHERE workspace_id = $2 AND decision_id = $3",
        &[next.version.into(), ws.into(), decision.id.into()],
    )
    .await?;
    audit::append(tx, actor, now, "apply", "policy", Some(ws), Some(&before), Some(&next));
    Ok(Some(next))
}

impl Store {
    /// Proposes a policy document. The file must read (each problem is a field error naming
    /// its line); then a `policy_change` decision is requested, whose context says what
    /// changes against the version in force, and the document waits for it. Returns the
    /// decision. Nothing is written when the file is refused.
    pub async fn propose_policy(
        &self,
        actor: &Actor,
        input: ProposalInput,
        now: OffsetDateTime,
    ) -> Result<(Decision, PolicyProposal), StoreError> {
        let now = micros(now);
        let proposed = Policy::from_toml(&input.document).map_err(Invalid::from)?;
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        let before = policy_in(&mut tx, ws).await?;
        let summary = rhythm_domain::policy_diff::summary(before.version, &before.policy, &proposed);
        let next_version = before.version + 1;
        let title = input
            .title
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("Apply policy version {next_version}"));
        let context = match input.context.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(own) => format!("{own}\n\n{summary}"),
            None => summary,
        };
        let decision_input = DecisionInput {
            title,
            category: Some(DecisionCategory::PolicyChange),
            context,
            options: vec![
                format!("Apply the proposed policy as version {next_version}"),
                format!("Keep policy version {}", before.version),
            ],
            ..Default::default()
        };
        let policy = before.policy;
        let number = next_number::<Decision>(&mut tx, ws).await?;
        let new = New { id: new_id(), workspace_id: ws, number, now };
        let d = Decision::request(decision_input, new, |c| policy.decider_for(c), actor.user_id)?;
        check_decision_refs(&mut tx, ws, &d).await?;
        insert_row(&mut tx, ws, &d).await?;
        audit::append(&mut tx, actor, now, "create", Decision::KIND.as_str(), Some(d.id), None::<&Decision>, Some(&d));
        let proposal = PolicyProposal {
            decision_id: d.id,
            workspace_id: ws,
            document: input.document,
            created_at: now,
            created_by: actor.user_id,
            base_version: before.version,
            applied_version: None,
        };
        tx.exec(
            "INSERT INTO policy_proposals (decision_id, workspace_id, document, created_at, created_by, base_version) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                d.id.into(),
                ws.into(),
                proposal.document.clone().into(),
                now.into(),
                proposal.created_by.into(),
                proposal.base_version.into(),
            ],
        )
        .await?;
        audit::append(&mut tx, actor, now, "propose", "policy", Some(ws), None::<&PolicyProposal>, Some(&proposal));
        tx.commit().await?;
        Ok((d, proposal))
    }

    /// The policy proposal a decision carries, if any.
    pub async fn policy_proposal(
        &self,
        workspace_id: Uuid,
        decision_id: Uuid,
    ) -> Result<Option<PolicyProposal>, StoreError> {
        let mut tx = self.pool.read().await?;
        let p = proposal_in(&mut tx, workspace_id, decision_id).await?;
        tx.commit().await?;
        Ok(p)
    }
}
