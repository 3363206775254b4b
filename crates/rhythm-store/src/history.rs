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

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rhythm_domain::history::{HistoryEvent, Steps};
use rhythm_domain::{Environment, Kind, Severity};
use serde::Serialize;
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
/// Returns when it opened or reopened (the latest such step), if it did: a finding that
/// appears while an exception covers it is also accepted then (`registers.rs` asks
/// `coverage.rs`).
pub(crate) async fn record<T: Table>(
    tx: &mut Tx,
    ws: Uuid,
    before: Option<&T>,
    after: &T,
) -> Result<Option<OffsetDateTime>, StoreError> {
    let steps = T::lifecycle(before, after);
    let appeared = steps
        .iter()
        .filter(|(e, _)| matches!(e, HistoryEvent::Opened | HistoryEvent::Reopened))
        .map(|(_, at)| *at)
        .max();
    record_steps(tx, ws, T::KIND, after.id(), steps).await?;
    Ok(appeared)
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
    /// A finding's state changes, oldest first.
    pub async fn finding_history(&self, workspace_id: Uuid, finding_id: Uuid) -> Result<Vec<FindingEvent>, StoreError> {
        let mut tx = self.pool.read().await?;
        let steps = crate::history::steps_of(&mut tx, workspace_id, Kind::Finding, finding_id).await?;
        tx.commit().await?;
        Ok(steps.into_iter().map(|s| FindingEvent { at: s.at, event: s.event }).collect())
    }

    /// The findings as they stood at `at`, computed from the event history alone: a finding
    /// counts as its latest event at or before `at` says.
    pub async fn findings_as_of(&self, workspace_id: Uuid, at: OffsetDateTime) -> Result<FindingsAsOf, StoreError> {
        let mut tx = self.pool.read().await?;
        let rank = crate::history::rank_sql("e.event");
        let rows = tx
            .all(
                &format!(
                    "SELECT f.severity, f.environment, x.event, COUNT(*) AS n FROM (\
                       SELECT e.finding_id, e.event, ROW_NUMBER() OVER (PARTITION BY e.finding_id \
                         ORDER BY e.at DESC, {rank} DESC) AS rn \
                       FROM finding_events e WHERE e.workspace_id = $1 AND e.at <= $2) x \
                     JOIN findings f ON f.id = x.finding_id WHERE x.rn = 1 \
                     GROUP BY f.severity, f.environment, x.event ORDER BY f.severity, f.environment, x.event"
                ),
                &[workspace_id.into(), micros(at).into()],
            )
            .await?;
        tx.commit().await?;
        let mut out = FindingsAsOf::default();
        let mut open: BTreeMap<(Severity, Environment), u64> = BTreeMap::new();
        for r in rows {
            let n = u64::try_from(r.int("n")?).unwrap_or(0);
            match r.text("event")?.as_str() {
                "fixed" => out.fixed += n,
                event => {
                    if event == "accepted" {
                        out.accepted += n;
                    }
                    *open.entry((r.parsed("severity")?, r.parsed("environment")?)).or_default() += n;
                }
            }
        }
        out.open =
            open.into_iter().map(|((severity, environment), open)| AsOfCount { severity, environment, open }).collect();
        Ok(out)
    }

    /// The life-cycle steps of one entry of `kind` (a finding's included), oldest first.
    /// Another workspace's entry has none.
    pub async fn history(&self, workspace_id: Uuid, kind: Kind, id: Uuid) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut tx = self.pool.read().await?;
        let steps = steps_of(&mut tx, workspace_id, kind, id).await?;
        tx.commit().await?;
        Ok(steps)
    }
}

/// One state change of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FindingEvent {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `opened`, `fixed`, `reopened`, `accepted`, `expired`.
    pub event: HistoryEvent,
}

/// The findings as they stood at a moment, from the event history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FindingsAsOf {
    /// Open findings per severity (`critical`, …) and environment, accepted ones included.
    pub open: Vec<AsOfCount>,
    /// Of the open ones, those an approved exception had accepted.
    pub accepted: u64,
    /// Findings fixed by then (and not reopened since).
    pub fixed: u64,
}

/// A count of open findings of one severity in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AsOfCount {
    pub severity: Severity,
    pub environment: Environment,
    pub open: u64,
}

/// Records `event` at `at` for each finding of the workspace (the governance steps:
/// `accepted`, `expired`), through the one history writer.
pub(crate) async fn record_findings(
    tx: &mut Tx,
    ws: Uuid,
    ids: &[Uuid],
    event: HistoryEvent,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let steps: Vec<(Uuid, HistoryEvent)> = ids.iter().map(|id| (*id, event)).collect();
    record_many(tx, ws, Kind::Finding, &steps, at).await
}
