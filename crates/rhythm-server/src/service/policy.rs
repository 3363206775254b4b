//! The versioned policy: read the version in force and its history, and propose a change,
//! which becomes a `policy_change` decision and applies once that decision is decided.

use rhythm_domain::Permission;
use rhythm_domain::decision::Decision;
use rhythm_domain::policy::{Decider, DecisionCategory, Policy, PolicyError};
use rhythm_store::{PolicyVersion, ProposalInput};
use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// One row of the decision-rights table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionRight {
    pub category: DecisionCategory,
    pub category_label: String,
    pub decider: Decider,
    pub decider_label: String,
}

/// Category → who decides, in the policy's order.
pub fn decision_rights(policy: &Policy) -> Vec<DecisionRight> {
    DecisionCategory::ALL
        .iter()
        .map(|c| {
            let d = policy.decider_for(*c);
            DecisionRight {
                category: *c,
                category_label: c.label().to_owned(),
                decider: d,
                decider_label: d.label().to_owned(),
            }
        })
        .collect()
}

/// The policy in force.
pub async fn current(st: &AppState, p: &Principal) -> Result<PolicyVersion, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.policy(p.workspace_id()).await?)
}

/// Every applied version, newest first.
pub async fn versions(st: &AppState, p: &Principal) -> Result<Vec<PolicyVersion>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.policy_versions(p.workspace_id()).await?)
}

/// One version; 0 is the built-in default.
pub async fn version(st: &AppState, p: &Principal, n: i64) -> Result<PolicyVersion, AppError> {
    p.require(Permission::Read)?;
    if n == 0 {
        return Ok(PolicyVersion::default_version());
    }
    versions(st, p)
        .await?
        .into_iter()
        .find(|v| v.version == n)
        .ok_or_else(|| AppError::NotFound(format!("policy version {n} does not exist in this workspace")))
}

/// Why a proposal was not recorded.
#[derive(Debug)]
pub enum ProposeError {
    /// The document does not read: every problem with its line and column (422).
    Document(PolicyError),
    Other(AppError),
}

impl From<AppError> for ProposeError {
    fn from(e: AppError) -> Self {
        ProposeError::Other(e)
    }
}

/// Proposes a policy document: checked first (each problem with its line), then recorded as a
/// `policy_change` decision request that applies the document once decided.
pub async fn propose(
    st: &AppState,
    p: &Principal,
    document: String,
    title: Option<String>,
    context: Option<String>,
) -> Result<(Decision, Uuid), ProposeError> {
    p.require(Permission::Write)?;
    if document.trim().is_empty() {
        return Err(ProposeError::Other(AppError::Invalid(rhythm_domain::Invalid::one(
            "document",
            "is empty: send the whole policy file (TOML)",
        ))));
    }
    Policy::from_toml(&document).map_err(ProposeError::Document)?;
    let input = ProposalInput { document, title, context };
    let (d, proposal) = st.store.propose_policy(&p.actor(), input, st.now()).await.map_err(AppError::from)?;
    Ok((d, proposal.decision_id))
}

/// The proposed document a `policy_change` decision applies once decided, if it carries one.
pub async fn proposal(
    st: &AppState,
    p: &Principal,
    decision_id: Uuid,
) -> Result<Option<rhythm_store::PolicyProposal>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.policy_proposal(p.workspace_id(), decision_id).await?)
}
