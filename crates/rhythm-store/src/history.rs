//! The one writer of history. Every life-cycle step of every entry (a register write, a
//! governance step, a scanner import) is written here, in the transaction of its cause (the
//! same step of the same entry at the same instant is one fact, written once):
//! findings' steps into `finding_events`, every other kind's into `entry_events`, each row with
//! its workspace. Which change is which step is the domain's
//! ([`rhythm_domain::history::Lifecycle`]); the steps are typed ([`HistoryEvent`]), and their
//! precedence at one instant is the enum's order ([`rank_sql`] is generated from it).
//!
//! This is the seam for rollups: a counter maintained on every write is added in
//! [`record_steps`] and [`record_many`] (and the bulk [`opened_by_numbers`]), which every
//! history row passes through.

use rhythm_domain::Kind;
use std::fmt::Write as _;

use rhythm_domain::history::{HistoryEvent, Steps};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::audit::micros;
use crate::db::{ROWS_PER_INSERT, Tx, Val, values_list};
use crate::tables::Table;

/// The precedence of the step in column `col` (the later step of a life cycle is higher), for
/// `ORDER BY`: generated from [`HistoryEvent::ALL`], so the SQL and the enum cannot disagree.
pub(crate) fn rank_sql(col: &str) -> String {
    let mut sql = format!("CASE {col}");
    for e in HistoryEvent::ALL {
        let _ = write!(sql, " WHEN '{}' THEN {}", e.as_str(), e.rank());
    }
    let _ = write!(sql, " ELSE {} END", HistoryEvent::ALL.len());
    sql
}

/// Records what a write of `after` (over `before`, `None` when created) is in its history.
/// A finding that opens or reopens while an exception covers it is also `accepted`, then.
pub(crate) async fn record<T: Table>(tx: &mut Tx, ws: Uuid, before: Option<&T>, after: &T) -> Result<(), StoreError> {
    let steps = T::lifecycle(before, after);
    let appeared = steps
        .iter()
        .filter(|(e, _)| matches!(e, HistoryEvent::Opened | HistoryEvent::Reopened))
        .map(|(_, at)| *at)
        .max();
    record_steps(tx, ws, T::KIND, after.id(), steps).await?;
    if T::KIND == Kind::Finding
        && let Some(at) = appeared
        && !crate::coverage::covered_among(tx, ws, &[after.id()], at.date()).await?.is_empty()
    {
        record_steps(tx, ws, Kind::Finding, after.id(), vec![(HistoryEvent::Accepted, at)]).await?;
    }
    Ok(())
}

/// Records `steps` of one entry.
pub(crate) async fn record_steps(tx: &mut Tx, ws: Uuid, kind: Kind, id: Uuid, steps: Steps) -> Result<(), StoreError> {
    for (event, at) in steps {
        let (sql, mut args) = insert_head(kind);
        args.extend([ws.into(), id.into(), micros(at).into(), event.as_str().into()]);
        let more = if kind == Kind::Finding { "" } else { ", $5" };
        tx.exec(&format!("{sql} VALUES ($1, $2, $3, $4{more}) ON CONFLICT DO NOTHING"), &args).await?;
    }
    Ok(())
}

/// The INSERT head for `kind`'s history and, for `entry_events`, its leading `kind` value.
fn insert_head(kind: Kind) -> (&'static str, Vec<Val>) {
    if kind == Kind::Finding {
        ("INSERT INTO finding_events (workspace_id, finding_id, at, event)", Vec::new())
    } else {
        ("INSERT INTO entry_events (kind, workspace_id, entry_id, at, event)", vec![kind.as_str().into()])
    }
}

/// Records one step per `(entry, step)` of `kind`, all at `at`, in multi-row INSERTs (the
/// scanner import's closes and reopens, governance's acceptances and expiries).
pub(crate) async fn record_many(
    tx: &mut Tx,
    ws: Uuid,
    kind: Kind,
    steps: &[(Uuid, HistoryEvent)],
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let at = micros(at);
    for chunk in steps.chunks(ROWS_PER_INSERT * 4) {
        let (head, lead) = insert_head(kind);
        let cols = 4 + lead.len();
        let mut args = Vec::with_capacity(chunk.len() * cols);
        for (id, event) in chunk {
            args.extend(lead.iter().cloned());
            args.extend([Val::from(ws), Val::from(*id), Val::from(at), Val::from(event.as_str())]);
        }
        tx.exec(&format!("{head} VALUES {} ON CONFLICT DO NOTHING", values_list(tx, chunk.len(), cols)), &args).await?;
    }
    Ok(())
}

/// `opened` at `at` for the findings of the workspace numbered `first..next` (the ones an
/// import just wrote: the range came from the counter, so no other writer has those numbers):
/// one INSERT … SELECT, nothing per row.
pub(crate) async fn opened_by_numbers(
    tx: &mut Tx,
    ws: Uuid,
    first: i64,
    next: i64,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO finding_events (workspace_id, finding_id, at, event) SELECT workspace_id, id, $1, $2 FROM findings \
         WHERE workspace_id = $3 AND number >= $4 AND number < $5 ON CONFLICT DO NOTHING",
        &[micros(at).into(), HistoryEvent::Opened.as_str().into(), ws.into(), first.into(), next.into()],
    )
    .await?;
    Ok(())
}

/// One recorded step of an entry's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    pub at: OffsetDateTime,
    pub event: HistoryEvent,
}

/// An entry's steps, oldest first (steps at one instant in life-cycle order).
pub(crate) async fn steps_of(tx: &mut Tx, ws: Uuid, kind: Kind, id: Uuid) -> Result<Vec<HistoryEntry>, StoreError> {
    let sql = if kind == Kind::Finding {
        format!(
            "SELECT at, event FROM finding_events WHERE workspace_id = $1 AND finding_id = $2 ORDER BY at, {}",
            rank_sql("event")
        )
    } else {
        format!(
            "SELECT at, event FROM entry_events WHERE workspace_id = $1 AND entry_id = $2 AND kind = $3 ORDER BY at, {}",
            rank_sql("event")
        )
    };
    let mut args = vec![Val::from(ws), Val::from(id)];
    if kind != Kind::Finding {
        args.push(Val::from(kind.as_str()));
    }
    let rows = tx.all(&sql, &args).await?;
    rows.iter().map(|r| Ok(HistoryEntry { at: r.ts("at")?, event: r.parsed("event")? })).collect()
}

impl crate::Store {
    /// The life-cycle steps of one entry of `kind` (a finding's included), oldest first.
    /// Another workspace's entry has none.
    pub async fn history(&self, workspace_id: Uuid, kind: Kind, id: Uuid) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut tx = self.pool.read().await?;
        let steps = steps_of(&mut tx, workspace_id, kind, id).await?;
        tx.commit().await?;
        Ok(steps)
    }
}
