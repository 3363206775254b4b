//! The versioned policy: one row per applied version, each tied to the decided
//! `policy_change` decision that applied it; version 0 is the built-in default.

use rhythm_domain::Invalid;
use rhythm_domain::decision::{Decision, DecisionStatus};
use rhythm_domain::policy::{DecisionCategory, Policy};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, micros};
use crate::db::{Row, Tx};
use crate::registers::{Lane, take_lane};
use crate::tables::Table;
use crate::{Actor, Store, StoreError};

/// One version of a workspace's policy. Version 0 is the built-in default, in force until a
/// policy is applied; it is never stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyVersion {
    pub version: i64,
    pub policy: Policy,
    /// The TOML as it was applied (comments kept); for version 0, the default written out.
    pub document: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    /// The decided `policy_change` decision that applied it.
    pub decision_id: Option<Uuid>,
}

impl PolicyVersion {
    /// The built-in default (version 0).
    pub fn default_version() -> Self {
        let policy = Policy::default();
        PolicyVersion {
            version: 0,
            document: policy.to_toml(),
            policy,
            created_at: None,
            created_by: None,
            decision_id: None,
        }
    }

    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let version = r.int("version")?;
        let document = r.text("document")?;
        let policy = Policy::from_toml(&document)
            .map_err(|e| StoreError::Corrupt(format!("policy version {version} no longer reads: {e}")))?;
        Ok(PolicyVersion {
            version,
            policy,
            document,
            created_at: Some(r.ts("created_at")?),
            created_by: r.opt_uuid("created_by")?,
            decision_id: r.opt_uuid("decision_id")?,
        })
    }
}

pub(crate) async fn policy_in(tx: &mut Tx, ws: Uuid) -> Result<PolicyVersion, StoreError> {
    let row =
        tx.opt("SELECT * FROM policies WHERE workspace_id = $1 ORDER BY version DESC LIMIT 1", &[ws.into()]).await?;
    row.as_ref().map_or_else(|| Ok(PolicyVersion::default_version()), PolicyVersion::from_row)
}

/// Stores `v` as the workspace's next policy version (applied at `now`).
pub(crate) async fn insert_version(
    tx: &mut Tx,
    ws: Uuid,
    v: &PolicyVersion,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO policies (workspace_id, version, document, created_at, created_by, decision_id) VALUES ($1, $2, $3, $4, $5, $6)",
        &[ws.into(), v.version.into(), v.document.clone().into(), now.into(), v.created_by.into(), v.decision_id.into()],
    )
    .await?;
    Ok(())
}

impl Store {
    /// The policy in force: the latest applied version, or the built-in default (version 0).
    pub async fn policy(&self, workspace_id: Uuid) -> Result<PolicyVersion, StoreError> {
        let mut tx = self.pool.read().await?;
        let p = policy_in(&mut tx, workspace_id).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Every applied version, newest first (the built-in default is not listed).
    pub async fn policy_versions(&self, workspace_id: Uuid) -> Result<Vec<PolicyVersion>, StoreError> {
        let mut tx = self.pool.read().await?;
        let rows = tx
            .all("SELECT * FROM policies WHERE workspace_id = $1 ORDER BY version DESC", &[workspace_id.into()])
            .await?;
        tx.commit().await?;
        rows.iter().map(PolicyVersion::from_row).collect()
    }

    /// Applies a policy file as the next version. The file must read (every problem is a field
    /// error naming its line), and `decision_id` must be a decided `policy_change` decision of
    /// this workspace that has not applied a version already.
    pub async fn apply_policy(
        &self,
        actor: &Actor,
        document: &str,
        decision_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<PolicyVersion, StoreError> {
        let now = micros(now);
        let policy = Policy::from_toml(document).map_err(Invalid::from)?;
        let ws = actor.workspace_id;
        let mut tx = self.pool.write().await?;
        take_lane(&mut tx, ws, Lane::Policy).await?;
        let Some(row) = tx
            .opt("SELECT * FROM decisions WHERE workspace_id = $1 AND id = $2", &[ws.into(), decision_id.into()])
            .await?
        else {
            return Err(StoreError::Conflict(format!(
                "no decision with id {decision_id} in this workspace: a policy change needs a decided policy_change decision"
            )));
        };
        let d = Decision::from_row(&row)?;
        if d.category != DecisionCategory::PolicyChange {
            return Err(StoreError::Conflict(format!(
                "{} is a {} decision; a policy change needs a decided decision of category policy_change",
                d.reference(),
                d.category.label().to_lowercase()
            )));
        }
        if d.status != DecisionStatus::Decided {
            return Err(StoreError::Conflict(format!(
                "{} is {}; the policy changes only once its policy_change decision is decided",
                d.reference(),
                d.status.label().to_lowercase()
            )));
        }
        if let Some(v) = tx
            .opt(
                "SELECT version FROM policies WHERE workspace_id = $1 AND decision_id = $2",
                &[ws.into(), decision_id.into()],
            )
            .await?
        {
            return Err(StoreError::Conflict(format!(
                "{} already applied policy version {}; a further change needs a decision of its own",
                d.reference(),
                v.int("version")?
            )));
        }
        let before = policy_in(&mut tx, ws).await?;
        let next = PolicyVersion {
            version: before.version + 1,
            policy,
            document: document.to_owned(),
            created_at: Some(now),
            created_by: actor.user_id,
            decision_id: Some(decision_id),
        };
        insert_version(&mut tx, ws, &next, now).await?;
        // The policy is the workspace's: its audit rows carry the workspace id.
        audit::append(&mut tx, actor, now, "apply", "policy", Some(ws), Some(&before), Some(&next));
        tx.commit().await?;
        Ok(next)
    }
}
