//! The audit log as a person may read it: webhook URLs whole only for admins (they can be
//! credentials, and the target list shows them whole only to admins too).

use rhythm_domain::{Invalid, Permission};
use rhythm_store::{AuditEntry, AuditHead, ChainReport};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// The newest entries first (1 to 1000 of them), of one entity or of all, before a sequence
/// number when paging back.
pub async fn log(
    st: &AppState,
    p: &Principal,
    entity_id: Option<Uuid>,
    limit: u32,
    before_seq: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    p.require(Permission::Read)?;
    if !(1..=1000).contains(&limit) {
        return Err(Invalid::one("limit", format!("must be between 1 and 1000; got {limit}")).into());
    }
    let rows = st.store.audit_log(p.workspace_id(), entity_id, limit, before_seq).await?;
    Ok(rows.into_iter().map(|e| readable(p, e)).collect())
}

/// An audit entry as `p` may read it.
fn readable(p: &Principal, e: AuditEntry) -> AuditEntry {
    if p.can(Permission::Admin) { e } else { e.without_webhook_urls() }
}

/// The chain's newest entry, to publish; `None` while the chain is empty.
pub async fn head(st: &AppState, p: &Principal) -> Result<Option<AuditHead>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.audit_head(p.workspace_id()).await?)
}

/// Recomputes the workspace's hash chain.
pub async fn verify(st: &AppState, p: &Principal) -> Result<ChainReport, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.verify_audit_chain(p.workspace_id()).await?)
}
