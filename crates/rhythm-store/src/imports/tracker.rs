//! Tracker backlogs (GitHub issues, Jira) into the shared backlog: an upsert by
//! `(workspace, external_key)` through the registers' own create and update steps, so every
//! change is checked by the domain and writes its audit row. See `docs/tracker-import.md`.
//!
//! * a key the workspace does not have → a new item ranked after the current last item (in
//!   the order given): `created`;
//! * a known key → the tracker's title, description, kind, status, due date and link applied;
//!   `unchanged` when that changes nothing (no new version, no audit row), `reopened` when a
//!   done or won't-do item comes back open, else `updated`. Rank, points, epic, system and
//!   assignee are Rhythm's own and are kept. When the tracker only tells open from closed
//!   (`exact_status == false`, GitHub), an open issue leaves an item in progress in progress.
//!
//! The same key twice in one batch is counted twice: the second sees the first's result.

use rhythm_domain::{BacklogItem, BacklogItemInput, BacklogItemPatch, ItemStatus};
use rhythm_ingest::tracker::TrackerItem;
use time::OffsetDateTime;

use super::record::ImportCounts;
use crate::audit::micros;
use crate::db::Tx;
use crate::registers::{create_in, lock_workspace, update_in};
use crate::{Actor, Store, StoreError};

/// Rank distance between imported items, as the backlog's default ranks (number × 1000).
const RANK_STEP: i64 = 1000;

fn closed(s: ItemStatus) -> bool {
    matches!(s, ItemStatus::Done | ItemStatus::WontDo)
}

/// Upserts `items` into the actor's workspace inside the caller's transaction.
pub(crate) async fn import_backlog_in(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    items: &[TrackerItem],
) -> Result<ImportCounts, StoreError> {
    let now = micros(now);
    let ws = actor.workspace_id;
    lock_workspace(tx, ws).await?;
    let mut last_rank =
        tx.int("SELECT COALESCE(MAX(rank), 0) FROM backlog_items WHERE workspace_id = $1", &[ws.into()]).await?;
    let mut counts = ImportCounts::default();
    for item in items {
        counts.total += 1;
        let found = tx
            .opt(
                "SELECT id, version FROM backlog_items WHERE workspace_id = $1 AND external_key = $2",
                &[ws.into(), item.external_key.as_str().into()],
            )
            .await?;
        let Some(row) = found else {
            last_rank = last_rank.saturating_add(RANK_STEP);
            let input = BacklogItemInput {
                title: item.title.clone(),
                description: item.description.clone(),
                kind: item.kind,
                status: Some(item.status),
                rank: Some(last_rank),
                due_date: item.due_date,
                external_key: Some(item.external_key.clone()),
                external_url: item.external_url.clone(),
                ..BacklogItemInput::default()
            };
            create_in::<BacklogItem>(tx, actor, now, |new| BacklogItem::create(input, new)).await?;
            counts.created += 1;
            continue;
        };
        let (id, version) = (row.uuid("id")?, row.int("version")?);
        let mut reopened = false;
        let next = update_in::<BacklogItem>(tx, actor, id, now, "import", None, |current| {
            let status = if !item.exact_status && item.status == ItemStatus::Todo && !closed(current.status) {
                // "Open" in a tracker without finer states: keep to-do or in-progress as it is.
                current.status
            } else {
                item.status
            };
            reopened = closed(current.status) && !closed(status);
            let patch = BacklogItemPatch {
                title: Some(item.title.clone()),
                description: Some(item.description.clone()),
                kind: Some(item.kind),
                status: Some(status),
                due_date: Some(item.due_date),
                external_url: Some(item.external_url.clone()),
                ..BacklogItemPatch::default()
            };
            current.apply(patch, now)
        })
        .await?;
        if next.version == version {
            counts.unchanged += 1;
        } else if reopened {
            counts.reopened += 1;
        } else {
            counts.updated += 1;
        }
    }
    Ok(counts)
}

impl Store {
    /// Imports tracker issues (parsed by `rhythm_ingest::tracker`) into the actor's backlog
    /// in one write transaction: upserted by external key, so importing the same file again
    /// changes nothing, and a refused item (a backlog rule) rolls the whole import back.
    pub async fn import_backlog(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        items: &[TrackerItem],
    ) -> Result<ImportCounts, StoreError> {
        let mut tx = self.pool.write().await?;
        let counts = import_backlog_in(&mut tx, actor, now, items).await?;
        tx.commit().await?;
        Ok(counts)
    }
}
