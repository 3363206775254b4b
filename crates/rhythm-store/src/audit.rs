//! The audit log: one append-only hash chain per workspace. Each entry's hash covers the
//! previous entry's hash and every field of the entry, so editing, deleting or reordering
//! any row breaks the chain at that row. Triggers also refuse UPDATE and DELETE.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::db::{QueuedAudit, Row, Tx, Val};
use crate::{Actor, Store, StoreError};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    /// The entry before the change (JSON), when it existed.
    pub before: Option<String>,
    /// The entry after the change (JSON), when it still exists.
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What a verification of the chain found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: i64,
    pub valid: bool,
    /// The first entry that does not verify, and why.
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
    /// The hash of the last entry: publish it to detect a rewrite of the whole chain.
    pub head: String,
    /// The sequence number of the last entry (0 for an empty chain).
    pub head_seq: i64,
}

/// The newest entry of a workspace's chain, as `audit_heads` records it: publish it (the
/// quarterly pack, a ticket, a chat message) and check a later chain against it
/// ([`Store::verify_audit_chain_against`]) to detect a rewrite or a truncation of the chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

#[derive(Serialize)]
struct Hashed<'a> {
    workspace_id: Uuid,
    seq: i64,
    at: String,
    actor_id: Option<Uuid>,
    actor: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: Option<Uuid>,
    before: Option<&'a str>,
    after: Option<&'a str>,
    prev_hash: &'a str,
}

fn hash_of(ws: Uuid, e: &AuditEntry) -> String {
    let h = Hashed {
        workspace_id: ws,
        seq: e.seq,
        at: e.at.format(&Rfc3339).unwrap_or_default(),
        actor_id: e.actor_id,
        actor: &e.actor,
        action: &e.action,
        entity: &e.entity,
        entity_id: e.entity_id,
        before: e.before.as_deref(),
        after: e.after.as_deref(),
        prev_hash: &e.prev_hash,
    };
    let bytes = serde_json::to_vec(&h).expect("audit fields serialize");
    hex::encode(Sha256::digest(bytes))
}

/// Times are kept to the microsecond, the precision both databases store.
pub(crate) fn micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).expect("a truncated nanosecond is valid")
}

/// Appends one entry to the workspace's chain when the caller's transaction commits
/// ([`flush`]): the entry is built now, from what the write saw; its place in the chain is
/// taken at the commit, under the workspace's lock.
#[allow(clippy::too_many_arguments)]
pub(crate) fn append<B: Serialize, A: Serialize>(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    action: &str,
    entity: &str,
    entity_id: Option<Uuid>,
    before: Option<&B>,
    after: Option<&A>,
) {
    tx.audit.push(QueuedAudit {
        workspace_id: actor.workspace_id,
        at: micros(now),
        actor_id: actor.user_id,
        actor: actor.label.clone(),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id,
        before: before.map(json),
        after: after.map(json),
    });
}

/// Writes the transaction's queued entries, the last step before its commit. Per workspace
/// (in id order, so two transactions that touch the same two workspaces cannot wait on each
/// other): take the workspace's row lock (PostgreSQL; SQLite's write transaction already
/// holds the database), read the chain's last entry, number and hash each queued entry after
/// it, and move the head. This lock is the only one a write holds on the whole workspace, and
/// it is taken last and held for the moment of the commit, so a long import blocks no other
/// writer until its own last statement, and no lock is ever awaited while it is held.
pub(crate) async fn flush(tx: &mut Tx) -> Result<(), StoreError> {
    let mut pending = std::mem::take(&mut tx.audit);
    if pending.is_empty() {
        return Ok(());
    }
    // Stable: entries of one workspace keep the order of their writes.
    pending.sort_by_key(|p| p.workspace_id);
    let mut i = 0;
    while i < pending.len() {
        let ws = pending[i].workspace_id;
        if tx.is_postgres() {
            // NO KEY UPDATE: writers queue on it, but it does not wait for the KEY SHARE locks
            // that every insert referencing the workspace takes (a long import holds many).
            tx.opt("SELECT id FROM workspaces WHERE id = $1 FOR NO KEY UPDATE", &[ws.into()]).await?;
        }
        let last = tx
            .opt("SELECT seq, hash FROM audit_log WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1", &[ws.into()])
            .await?;
        let (mut seq, mut prev_hash) = match last {
            Some(r) => (r.int("seq")?, r.text("hash")?),
            None => (0, GENESIS.to_owned()),
        };
        while i < pending.len() && pending[i].workspace_id == ws {
            let q = &mut pending[i];
            seq += 1;
            let mut e = AuditEntry {
                seq,
                at: q.at,
                actor_id: q.actor_id,
                actor: std::mem::take(&mut q.actor),
                action: std::mem::take(&mut q.action),
                entity: std::mem::take(&mut q.entity),
                entity_id: q.entity_id,
                before: q.before.take(),
                after: q.after.take(),
                prev_hash: std::mem::take(&mut prev_hash),
                hash: String::new(),
            };
            e.hash = hash_of(ws, &e);
            insert(tx, ws, &e).await?;
            prev_hash = e.hash;
            i += 1;
        }
        // The head moves in the same transaction: deleting the newest entries later leaves a
        // chain that still links but no longer reaches its recorded head.
        tx.exec(
            "INSERT INTO audit_heads (workspace_id, seq, hash) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            &[ws.into(), seq.into(), prev_hash.into()],
        )
        .await?;
    }
    Ok(())
}

impl Tx {
    /// Commits: first the audit entries the transaction queued ([`flush`]), then the rest.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        flush(&mut self).await?;
        self.commit_queued_first().await
    }
}

async fn insert(tx: &mut Tx, ws: Uuid, e: &AuditEntry) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO audit_log (workspace_id, seq, at, actor_id, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            ws.into(),
            e.seq.into(),
            e.at.into(),
            e.actor_id.into(),
            e.actor.clone().into(),
            e.action.clone().into(),
            e.entity.clone().into(),
            e.entity_id.into(),
            e.before.clone().into(),
            e.after.clone().into(),
            e.prev_hash.clone().into(),
            e.hash.clone().into(),
        ],
    )
    .await?;
    Ok(())
}

/// Marks the report invalid at `seq`, unless an earlier problem was found first.
fn fail(report: &mut ChainReport, seq: i64, problem: String) {
    if report.valid {
        report.valid = false;
        report.first_bad_seq = Some(seq);
        report.problem = Some(problem);
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("entities serialize")
}

fn entry(r: &Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: r.int("seq")?,
        at: r.ts("at")?,
        actor_id: r.opt_uuid("actor_id")?,
        actor: r.text("actor")?,
        action: r.text("action")?,
        entity: r.text("entity")?,
        entity_id: r.opt_uuid("entity_id")?,
        before: r.opt_text("before_json")?,
        after: r.opt_text("after_json")?,
        prev_hash: r.text("prev_hash")?,
        hash: r.text("hash")?,
    })
}

impl Store {
    /// The newest audit entries of a workspace, optionally of one entity.
    pub async fn audit_log(
        &self,
        workspace_id: Uuid,
        entity_id: Option<Uuid>,
        limit: u32,
        before_seq: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut args = vec![Val::from(workspace_id)];
        let mut sql = "SELECT * FROM audit_log WHERE workspace_id = $1".to_owned();
        if let Some(id) = entity_id {
            args.push(id.into());
            sql.push_str(&format!(" AND entity_id = ${}", args.len()));
        }
        if let Some(s) = before_seq {
            args.push(s.into());
            sql.push_str(&format!(" AND seq < ${}", args.len()));
        }
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", limit.clamp(1, 1000)));
        let rows = self.pool.read_all(&sql, &args).await?;
        rows.iter().map(entry).collect()
    }

    /// The head the database records for the workspace's chain (`None` before the first entry).
    pub async fn audit_head(&self, workspace_id: Uuid) -> Result<Option<AuditHead>, StoreError> {
        let row = self
            .pool
            .read_opt("SELECT seq, hash FROM audit_heads WHERE workspace_id = $1", &[workspace_id.into()])
            .await?;
        row.map(|r| Ok(AuditHead { seq: r.int("seq")?, hash: r.text("hash")? })).transpose()
    }

    /// Recomputes the workspace's whole chain and reports the first entry that does not verify,
    /// and whether the chain still reaches the head recorded in `audit_heads`.
    pub async fn verify_audit_chain(&self, workspace_id: Uuid) -> Result<ChainReport, StoreError> {
        self.verify_audit_chain_against(workspace_id, None).await
    }

    /// [`Store::verify_audit_chain`], and also that the chain still holds `published`, a head
    /// read earlier (from the API or `rhythm admin verify-audit`) and kept outside the database:
    /// a chain rewritten from some entry on, or cut short together with its head record, no
    /// longer holds it.
    pub async fn verify_audit_chain_against(
        &self,
        workspace_id: Uuid,
        published: Option<&AuditHead>,
    ) -> Result<ChainReport, StoreError> {
        let mut tx = self.pool.read().await?;
        let rows =
            tx.all("SELECT * FROM audit_log WHERE workspace_id = $1 ORDER BY seq", &[workspace_id.into()]).await?;
        let recorded =
            tx.opt("SELECT seq, hash FROM audit_heads WHERE workspace_id = $1", &[workspace_id.into()]).await?;
        tx.commit().await?;
        let recorded = recorded.map(|r| Ok::<_, StoreError>(AuditHead { seq: r.int("seq")?, hash: r.text("hash")? }));
        let recorded = recorded.transpose()?;
        let mut prev = GENESIS.to_owned();
        let mut expected_seq = 1;
        let mut report = ChainReport {
            entries: 0,
            valid: true,
            first_bad_seq: None,
            problem: None,
            head: prev.clone(),
            head_seq: 0,
        };
        let mut published_seen = false;
        for r in &rows {
            let e = entry(r)?;
            report.entries += 1;
            let problem = if e.seq != expected_seq {
                Some(format!("entry {expected_seq} is missing (found {} next)", e.seq))
            } else if e.prev_hash != prev {
                Some("does not link to the entry before it".to_owned())
            } else if hash_of(workspace_id, &e) != e.hash {
                Some("its content does not match its hash: the row was changed".to_owned())
            } else {
                None
            };
            if let Some(p) = problem {
                fail(&mut report, e.seq, p);
            }
            if let Some(p) = published.filter(|p| p.seq == e.seq) {
                published_seen = true;
                if p.hash != e.hash {
                    fail(
                        &mut report,
                        e.seq,
                        format!("entry {} is not the published head {}: the chain was rewritten", e.seq, p.hash),
                    );
                }
            }
            prev.clone_from(&e.hash);
            expected_seq = e.seq + 1;
            report.head_seq = e.seq;
        }
        report.head.clone_from(&prev);
        let last = report.head_seq;
        match recorded {
            Some(h) if h.seq > last => fail(
                &mut report,
                last + 1,
                format!("entries {} to {} are missing: the chain ends before its recorded head", last + 1, h.seq),
            ),
            Some(h) if h.seq != last || h.hash != report.head => fail(
                &mut report,
                last,
                format!("the recorded head (entry {}, {}) is not the last entry of the chain", h.seq, h.hash),
            ),
            None if last > 0 => fail(&mut report, last, "the chain's head record is missing".to_owned()),
            _ => {}
        }
        if let Some(p) = published
            && p.seq > 0
            && !published_seen
        {
            fail(
                &mut report,
                last + 1,
                format!("the chain ends at entry {last}, before the published head (entry {})", p.seq),
            );
        }
        Ok(report)
    }
}
