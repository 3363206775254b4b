//! Written decisions: list, read, request, decide, concur, withdraw. Decision rights are the
//! domain's and the store's; this layer checks the role may write at all, and resolves ids.

use rhythm_domain::Permission;
use rhythm_domain::decision::{DecideInput, Decision, DecisionInput};
use rhythm_store::{ListQuery, Page};

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// A decision by UUID or reference (`DEC-4`). Other workspaces' decisions are not found.
pub async fn resolve(st: &AppState, p: &Principal, id: &str) -> Result<Decision, AppError> {
    crate::service::resolve::<Decision>(st, p, id).await
}

pub async fn list(st: &AppState, p: &Principal, q: &ListQuery) -> Result<Page<Decision>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.list_decisions(p.workspace_id(), q).await?)
}

/// Records a decision request. Who decides follows the policy in force.
pub async fn create(st: &AppState, p: &Principal, input: DecisionInput) -> Result<Decision, AppError> {
    p.require(Permission::Write)?;
    Ok(st.store.create_decision(&p.actor(), input, st.now()).await?)
}

/// Records the choice. Refused with `no_decision_right` (403) when the person's role does not
/// hold the category's decision right. The caller needs [`Permission::Decide`], not `Write`:
/// the executive who decides escalations writes nothing else, and the decision right (the
/// domain's) is what admits or refuses them.
pub async fn decide(st: &AppState, p: &Principal, id: &str, input: DecideInput) -> Result<Decision, AppError> {
    p.require(Permission::Decide)?;
    let d = resolve(st, p, id).await?;
    Ok(st.store.decide(&p.actor(), d.id, p.user.role, input, st.now()).await?)
}

/// A chief states their written position on an escalation.
pub async fn state_position(st: &AppState, p: &Principal, id: &str, position: &str) -> Result<Decision, AppError> {
    p.require(Permission::Write)?;
    let d = resolve(st, p, id).await?;
    Ok(st.store.state_position(&p.actor(), d.id, p.user.role, position, st.now()).await?)
}

/// The other chief concurs with a joint decision.
pub async fn concur(st: &AppState, p: &Principal, id: &str) -> Result<Decision, AppError> {
    p.require(Permission::Write)?;
    let d = resolve(st, p, id).await?;
    Ok(st.store.concur(&p.actor(), d.id, p.user.role, st.now()).await?)
}

/// The requester or a chief withdraws an undecided request.
pub async fn withdraw(st: &AppState, p: &Principal, id: &str) -> Result<Decision, AppError> {
    p.require(Permission::Write)?;
    let d = resolve(st, p, id).await?;
    Ok(st.store.withdraw_decision(&p.actor(), d.id, p.user.role, st.now()).await?)
}

/// Decisions that supersede this one (newest first).
pub async fn superseded_by(st: &AppState, p: &Principal, d: &Decision) -> Result<Vec<Decision>, AppError> {
    let q = ListQuery { filters: vec![("supersedes".into(), d.id.to_string())], limit: 100, ..Default::default() };
    Ok(list(st, p, &q).await?.items)
}

/// The steps this person could take on a decision now, so a page offers only those.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Steps {
    pub decide: bool,
    pub concur: bool,
    pub withdraw: bool,
    /// A chief may state (or restate) their position on an escalation.
    pub position: bool,
}

/// What this person could do with `d` now: the same rules the domain applies when they try.
pub fn next_steps(p: &Principal, d: &Decision) -> Steps {
    use rhythm_domain::decision::{DecisionStatus as S, may_concur, may_decide};
    use rhythm_domain::{Role, policy::Decider};
    let write = p.can(Permission::Write);
    let role = p.user.role;
    let chief = matches!(role, Role::Cto | Role::Ciso);
    let positions_in = !d.cto_position.is_empty() && !d.ciso_position.is_empty();
    Steps {
        decide: p.can(Permission::Decide)
            && d.status == S::Requested
            && may_decide(d.decider, role)
            && (d.decider != Decider::Escalate || positions_in),
        concur: write
            && d.status == S::AwaitingConcurrence
            && d.decider == Decider::Joint
            && may_concur(d.decided_as, role)
            && d.decided_by != Some(p.user.id),
        withdraw: write
            && matches!(d.status, S::Requested | S::AwaitingConcurrence)
            && (chief || d.requested_by == Some(p.user.id)),
        position: write && chief && d.status == S::Requested && d.decider == Decider::Escalate,
    }
}
