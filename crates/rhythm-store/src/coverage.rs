//! Which approved exceptions cover which findings, in SQL: the store's form of the domain's
//! one definition, [`Exception::covers_finding_on`] (active that day, and naming the finding,
//! or its system with the rule in the signed scope, ASCII case folded). The silent-exception
//! filter and count, and the findings' `accepted` / `expired` history use it; the launch gate
//! uses the domain function itself. `tests/it/coverage.rs` checks that the three agree with the
//! domain on generated cases, on both backends.
//!
//! Both backends must answer alike: SQLite's `lower` folds only ASCII letters, so on
//! PostgreSQL (whose `lower` folds every script) the folding is an explicit ASCII `translate`;
//! and the rule is found with `instr` / `strpos`, never `LIKE`, in which the `_` and `%` of a
//! rule id would be wildcards.

use rhythm_domain::history::HistoryEvent;
use rhythm_domain::{Exception, Kind};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::StoreError;
use crate::db::{Tx, Val};

/// `text` with ASCII letters folded to lower case, on either backend.
fn fold(pg: bool, text: &str) -> String {
    if pg {
        format!("translate({text}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
    } else {
        format!("lower({text})")
    }
}

/// Whether `needle` occurs in `haystack` (both SQL expressions).
fn contains(pg: bool, haystack: &str, needle: &str) -> String {
    if pg { format!("strpos({haystack}, {needle}) > 0") } else { format!("instr({haystack}, {needle}) > 0") }
}

/// The condition (over exception `e` and `findings`) that `e` names the finding: in its
/// findings, or its system plus the rule in the scope — [`Exception::names_finding`].
fn names_finding(pg: bool) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM links l WHERE l.rel = 'exception_finding' AND l.src_id = e.id AND l.dst_id = findings.id) \
         OR (findings.system_id IS NOT NULL \
         AND EXISTS (SELECT 1 FROM links l WHERE l.rel = 'exception_system' AND l.src_id = e.id AND l.dst_id = findings.system_id) \
         AND findings.rule <> '' AND {}))",
        contains(pg, &fold(pg, "e.scope"), &fold(pg, "findings.rule"))
    )
}

/// The condition (over `findings`) that an approved exception of the finding's workspace
/// covers it on the date bound at `$today` — [`Exception::covers_finding_on`].
pub(crate) fn covered_sql(pg: bool, today: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM exceptions e WHERE e.workspace_id = findings.workspace_id AND e.status = 'approved' \
         AND e.starts_on <= ${today} AND e.expires_on >= ${today} AND {})",
        names_finding(pg)
    )
}

/// The condition (over `findings`) of a **silent exception** on the date bound at `$today`:
/// an open finding the scanner reports as suppressed that no exception covers that day.
pub(crate) fn silent_sql(pg: bool, today: usize) -> String {
    format!("suppression IS NOT NULL AND status = 'open' AND NOT {}", covered_sql(pg, today))
}

/// The open findings `e` names (by id, or by system and rule), whether or not it is active:
/// what its approval accepts and its expiry gives back.
pub(crate) async fn named_open_findings(tx: &mut Tx, e: &Exception) -> Result<Vec<Uuid>, StoreError> {
    let pg = tx.is_postgres();
    let sql = format!(
        "SELECT findings.id FROM findings, exceptions e WHERE e.id = $1 AND findings.workspace_id = e.workspace_id \
         AND findings.status = 'open' AND {} ORDER BY findings.id",
        names_finding(pg)
    );
    let rows = tx.all(&sql, &[e.id.into()]).await?;
    rows.iter().map(|r| r.uuid("id")).collect()
}

/// Of `ids`, those no approved exception other than `except` covers on `today`: the ones
/// whose history changes when `except` starts or stops covering them.
pub(crate) async fn covered_by_no_other(
    tx: &mut Tx,
    ids: &[Uuid],
    except: Uuid,
    today: Date,
) -> Result<Vec<Uuid>, StoreError> {
    let pg = tx.is_postgres();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(crate::db::IDS_PER_STATEMENT) {
        let mut args = vec![Val::from(today), Val::from(except)];
        args.extend(chunk.iter().map(|id| Val::from(*id)));
        let sql = format!(
            "SELECT id FROM findings WHERE id IN ({}) AND NOT EXISTS (SELECT 1 FROM exceptions e \
             WHERE e.workspace_id = findings.workspace_id AND e.id <> $2 AND e.status = 'approved' \
             AND e.starts_on <= $1 AND e.expires_on >= $1 AND {}) ORDER BY id",
            crate::db::placeholders(3, chunk.len()),
            names_finding(pg)
        );
        for row in tx.all(&sql, &args).await? {
            out.push(row.uuid("id")?);
        }
    }
    Ok(out)
}

/// Of `ids`, those an approved exception covers on `today` (for findings an import opens or
/// reopens: they are accepted from the moment they appear). One cheap look first: with no
/// exception active that day in the workspace, nothing is covered.
pub(crate) async fn covered_among(tx: &mut Tx, ws: Uuid, ids: &[Uuid], today: Date) -> Result<Vec<Uuid>, StoreError> {
    let active = tx
        .opt(
            "SELECT id FROM exceptions WHERE workspace_id = $1 AND status = 'approved' \
             AND starts_on <= $2 AND expires_on >= $2 LIMIT 1",
            &[ws.into(), today.into()],
        )
        .await?;
    if active.is_none() || ids.is_empty() {
        return Ok(Vec::new());
    }
    let covered = covered_sql(tx.is_postgres(), 1);
    let mut out = Vec::new();
    for chunk in ids.chunks(crate::db::IDS_PER_STATEMENT) {
        let mut args = vec![Val::from(today)];
        args.extend(chunk.iter().map(|id| Val::from(*id)));
        let sql = format!(
            "SELECT id FROM findings WHERE id IN ({}) AND {covered} ORDER BY id",
            crate::db::placeholders(2, chunk.len())
        );
        for row in tx.all(&sql, &args).await? {
            out.push(row.uuid("id")?);
        }
    }
    Ok(out)
}

/// A finding written at `at` that opened or reopened is accepted then if an exception covers
/// it that day.
pub(crate) async fn accept_if_covered(tx: &mut Tx, ws: Uuid, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
    if !covered_among(tx, ws, &[id], at.date()).await?.is_empty() {
        crate::history::record_steps(tx, ws, Kind::Finding, id, vec![(HistoryEvent::Accepted, at)]).await?;
    }
    Ok(())
}

/// `e` starts covering at `now`: the open findings it names that no other exception covered
/// are `accepted`, and the exception's own history says `started`.
pub(crate) async fn start_covering(tx: &mut Tx, e: &Exception, now: OffsetDateTime) -> Result<(), StoreError> {
    let named = named_open_findings(tx, e).await?;
    let newly = covered_by_no_other(tx, &named, e.id, now.date()).await?;
    crate::history::record_findings(tx, e.workspace_id, &newly, HistoryEvent::Accepted, now).await?;
    crate::history::record_steps(tx, e.workspace_id, Kind::Exception, e.id, vec![(HistoryEvent::Started, now)]).await
}

/// Whether another approved exception than `except` covers risk `id` on `day`.
pub(crate) async fn risk_covered_by_other(
    tx: &mut Tx,
    ws: Uuid,
    id: Uuid,
    except: Uuid,
    day: Date,
) -> Result<bool, StoreError> {
    let n = tx
        .int(
            "SELECT COUNT(*) FROM exceptions e WHERE e.workspace_id = $1 AND e.id <> $2 AND e.status = 'approved' \
             AND e.starts_on <= $3 AND e.expires_on >= $3 \
             AND EXISTS (SELECT 1 FROM links l WHERE l.rel = 'exception_risk' AND l.src_id = e.id AND l.dst_id = $4)",
            &[ws.into(), except.into(), day.into(), id.into()],
        )
        .await?;
    Ok(n > 0)
}

/// `e` stops covering at `now` (it expired, or an edit sent it back for signatures): the open
/// findings it named that no other exception covers are `expired`, open again.
pub(crate) async fn stop_covering(tx: &mut Tx, e: &Exception, now: OffsetDateTime) -> Result<(), StoreError> {
    let named = named_open_findings(tx, e).await?;
    let bare = covered_by_no_other(tx, &named, e.id, now.date()).await?;
    crate::history::record_findings(tx, e.workspace_id, &bare, HistoryEvent::Expired, now).await
}
