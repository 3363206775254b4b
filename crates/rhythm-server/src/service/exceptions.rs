//! Exceptions as the API and the web UI see them: every operation checks the caller's
//! permission here and lets the store (and through it the domain's state machine, under the
//! policy in force when the write commits) decide the rest. Signing, withdrawing and editing
//! always act as the caller: nobody signs for someone else.

use rhythm_domain::{
    Exception, ExceptionCommand, ExceptionDraft, ExceptionInput, ExceptionPatch, ExceptionSide, Permission,
};
use rhythm_store::{ListQuery, Page};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// The largest page of the inbox.
const INBOX_LIMIT: u32 = 500;

/// An exception by id (a UUID) or reference (`EXC-7`); another workspace's is "not found".
pub async fn resolve(st: &AppState, p: &Principal, id: &str) -> Result<Exception, AppError> {
    crate::service::resolve::<Exception>(st, p, id).await
}

/// One page of the workspace's exceptions (filters and sorts: see [`rhythm_store::Store::list_exceptions`]).
pub async fn list(st: &AppState, p: &Principal, q: &ListQuery) -> Result<Page<Exception>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.list_exceptions(p.workspace_id(), q).await?)
}

/// Requests an exception as the caller, checked against the policy in force.
pub async fn request(st: &AppState, p: &Principal, input: ExceptionInput) -> Result<Exception, AppError> {
    p.require(Permission::Write)?;
    Ok(st.store.request_exception(&p.actor(), input, st.now()).await?)
}

async fn transition(
    st: &AppState,
    p: &Principal,
    id: &str,
    command: impl FnOnce(Uuid) -> ExceptionCommand,
) -> Result<Exception, AppError> {
    p.require(Permission::Write)?;
    transition_as(st, p, id, command).await
}

async fn transition_as(
    st: &AppState,
    p: &Principal,
    id: &str,
    command: impl FnOnce(Uuid) -> ExceptionCommand,
) -> Result<Exception, AppError> {
    let current = resolve(st, p, id).await?;
    Ok(st.store.transition_exception(&p.actor(), current.id, command(p.user.id), st.now()).await?)
}

/// Changes an exception as the caller (the requester or an owner). Changing anything but the
/// title voids its signatures and returns it to `requested`.
pub async fn edit(st: &AppState, p: &Principal, id: &str, patch: ExceptionPatch) -> Result<Exception, AppError> {
    transition(st, p, id, |user_id| ExceptionCommand::Edit { patch, user_id }).await
}

/// The caller signs `side` with their current role.
pub async fn sign(
    st: &AppState,
    p: &Principal,
    id: &str,
    side: ExceptionSide,
    approve: bool,
    note: String,
) -> Result<Exception, AppError> {
    let user_role = p.user.role;
    transition(st, p, id, |user_id| ExceptionCommand::Sign { side, user_id, user_role, approve, note }).await
}

/// The requester withdraws a requested or escalated exception.
pub async fn withdraw(st: &AppState, p: &Principal, id: &str) -> Result<Exception, AppError> {
    transition(st, p, id, |user_id| ExceptionCommand::Withdraw { user_id }).await
}

/// Settles an escalated exception with the decided escalation decision that names it,
/// recorded by the person who decided that decision (the executive, who has no other write
/// access: the decision right is what admits them, checked by the store).
pub async fn resolve_escalation(
    st: &AppState,
    p: &Principal,
    id: &str,
    approve: bool,
    decision_id: Uuid,
) -> Result<Exception, AppError> {
    p.require(Permission::Decide)?;
    transition_as(st, p, id, |_| ExceptionCommand::ResolveEscalation { approve, decision_id }).await
}

/// Requested exceptions waiting for the caller's signature, soonest expiry first, each with
/// the side the caller signs.
pub async fn inbox(st: &AppState, p: &Principal) -> Result<Vec<(Exception, ExceptionSide)>, AppError> {
    p.require(Permission::Read)?;
    let q = ListQuery {
        filters: vec![("awaiting_signature".to_owned(), p.user.id.to_string())],
        limit: INBOX_LIMIT,
        ..ListQuery::default()
    };
    let page = st.store.list_exceptions(p.workspace_id(), &q).await?;
    Ok(page.items.into_iter().filter_map(|e| e.awaiting_side(p.user.id).map(|side| (e, side))).collect())
}

/// What a request that is not complete yet (a form whose dates or owners are missing) breaks,
/// by the rules [`request`] applies, under the policy in force today. Nothing is written.
pub async fn problems_of_draft(
    st: &AppState,
    p: &Principal,
    draft: &ExceptionDraft,
) -> Result<Vec<rhythm_domain::FieldError>, AppError> {
    p.require(Permission::Read)?;
    let rules = st.store.policy(p.workspace_id()).await?.policy.exceptions;
    Ok(draft.problems(&rules, st.now().date()))
}
