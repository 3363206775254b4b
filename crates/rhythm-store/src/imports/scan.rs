//! Scanner imports into the findings register, with re-import semantics per scope.
//!
//! A scope is (system, tool, environment). Within it a finding is known by its `scan_key`:
//! the first 16 bytes of SHA-256 over the workspace, the scope and the scanner's fingerprint,
//! under one unique index. An import of a scope, in one transaction:
//!
//! * a fingerprint not seen before **opens** a finding (event `opened`);
//! * one that is open already is **unchanged** (only `last_seen` moves) — or **updated** when
//!   the scanner now reports another severity or suppression;
//! * one that was fixed **reopens** (event `reopened`);
//! * an open finding of the scope the file no longer holds is **closed as fixed** at the
//!   import's time (event `fixed`) — the basis of MTTR.
//!
//! Seen ones are not rewritten: the scope's row in `scan_scopes` records the import's time,
//! and every read of the register gives an open scanner finding its scope's last import as
//! `last_seen` (a closed one keeps the time of the last import that still held it).
//!
//! Findings are written in multi-row statements, not one register `create` per finding; the
//! import's own audit row (file hash, counts) stands for them, and `finding_events` keeps each
//! finding's history. Peak memory is the parsed file plus the scope's open findings (id, key,
//! severity, suppression): it does not grow with the rest of the database.

use std::collections::{BTreeMap, HashMap, HashSet};

use rhythm_domain::history::HistoryEvent;
use rhythm_domain::{Finding, FindingInput, Invalid, Kind, New, Severity};
use rhythm_ingest::{Scan, ScannedFinding};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::record::{ImportCounts, ScanTarget, one_line};
use crate::db::{IDS_PER_STATEMENT, ROWS_PER_INSERT, Row, Tx, Val, placeholders, row_markers, values_list};
use crate::registers::{lock_workspace, take_numbers};
use crate::tables::Table;
use crate::{Actor, StoreError, new_id};

/// The scope key of a scanner fingerprint.
fn scan_key(ws: Uuid, target: &ScanTarget, tool: &str, fingerprint: &str) -> Uuid {
    let mut h = Sha256::new();
    for part in [
        ws.as_bytes().as_slice(),
        target.system_id.unwrap_or(Uuid::nil()).as_bytes(),
        target.environment.as_str().as_bytes(),
        tool.as_bytes(),
        fingerprint.as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let digest = h.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(key)
}

fn opt_text(s: Option<&String>, max: usize) -> Option<String> {
    s.map(|s| one_line(s, max)).filter(|s| !s.is_empty())
}

fn suppression_text(f: &ScannedFinding) -> Option<String> {
    f.suppression.as_ref().map(|s| match &s.justification {
        Some(j) if !j.trim().is_empty() => one_line(&format!("{}: {}", s.kind, j), 2000),
        _ => one_line(&s.kind, 2000),
    })
}

/// The scope's tool name, as the register keeps it.
fn tool_name(tool: &str) -> String {
    let t = one_line(tool, 60).to_ascii_lowercase();
    if t.is_empty() { "unknown".to_owned() } else { t }
}

/// Where the finding is: the location, else the component for dependency findings.
fn new_finding(
    ws: Uuid,
    number: i64,
    now: OffsetDateTime,
    target: &ScanTarget,
    tool: &str,
    key: Uuid,
    f: &ScannedFinding,
) -> Result<Finding, Invalid> {
    let rule = one_line(&f.rule, 300);
    let title = match one_line(&f.title, 300) {
        t if t.is_empty() => rule.clone(),
        t => t,
    };
    let mut finding = Finding::create(
        FindingInput {
            system_id: target.system_id,
            tool: tool.to_owned(),
            rule,
            title,
            severity: f.severity,
            environment: target.environment,
            component: f.component.as_deref().map(|c| one_line(c, 300)).unwrap_or_default(),
            kev: false,
            first_seen: Some(now),
            external_id: None,
        },
        New { id: new_id(), workspace_id: ws, number, now },
    )?;
    finding.last_seen = Some(now);
    finding.location = opt_text(f.location.as_ref(), 2000);
    finding.installed_version = opt_text(f.version.as_ref(), 2000);
    finding.fixed_version = opt_text(f.fixed_version.as_ref(), 2000);
    finding.suppression = suppression_text(f);
    finding.scan_key = Some(key);
    finding.check()?;
    Ok(finding)
}

/// What the database holds of an open finding of the scope (kept small: a re-import holds
/// a million of them).
struct Known {
    id: Uuid,
    severity: Severity,
}

/// A map by scan key. The keys are SHA-256 prefixes, so a fast seeded hash is as good as
/// SipHash here, at a fraction of its cost over a million keys.
type KeyMap<V> = HashMap<Uuid, V, foldhash::fast::RandomState>;

/// The scope's open scanner findings, by scan key.
struct Open {
    known: KeyMap<Known>,
    /// What the scanner said of the suppressed ones (usually few).
    suppression: KeyMap<String>,
}

/// Open findings read per statement on SQLite (one packed row each).
const OPEN_PER_STATEMENT: i64 = 10_000;

/// The scope's open scanner findings, for a re-import of up to a million of them.
async fn read_open(
    tx: &mut Tx,
    ws: Uuid,
    target: &ScanTarget,
    args: &[Val],
    expected: usize,
) -> Result<Open, StoreError> {
    let mut open = Open {
        known: KeyMap::with_capacity_and_hasher(expected, foldhash::fast::RandomState::default()),
        suppression: KeyMap::default(),
    };
    let scope = scope_sql(target);
    if tx.is_postgres() {
        tx.for_each_row(
            &format!(
                "SELECT id, scan_key, severity, suppression FROM findings WHERE {scope} AND status = 'open' AND scan_key IS NOT NULL"
            ),
            args,
            |r| {
                let key = r.uuid("scan_key")?;
                open.known.insert(key, Known { id: r.uuid("id")?, severity: r.parsed("severity")? });
                if let Some(text) = r.opt_text("suppression")? {
                    open.suppression.insert(key, text);
                }
                Ok(())
            },
        )
        .await?;
        return Ok(open);
    }
    // SQLite hands each row from its worker thread to this one, which costs several times
    // what SQLite itself spends on a row. So each statement packs 10,000 rows into one:
    // `scan_key || id` concatenated (32 bytes a row; `||` copies blob bytes as they are) and
    // the severities joined by commas, `*` marking a suppressed one; both aggregates are fed
    // the same rows in the same order. Pages follow `findings_system_open`, whose entries end
    // in the rowid, and each page is taken apart while SQLite reads the next.
    let sql = format!(
        "SELECT COUNT(*) AS n, MAX(rowid) AS last, CAST(group_concat(scan_key || id, '') AS BLOB) AS keys, \
         group_concat(severity || CASE WHEN suppression IS NULL THEN '' ELSE '*' END, ',') AS severities \
         FROM (SELECT rowid, scan_key, id, severity, suppression FROM findings \
         WHERE {scope} AND status = 'open' AND scan_key IS NOT NULL AND rowid > ${} ORDER BY rowid LIMIT {OPEN_PER_STATEMENT})",
        args.len() + 1
    );
    let mut suppressed: Vec<Uuid> = Vec::new();
    let mut page = open_page(tx, &sql, args, 0).await?;
    loop {
        let n = page.int("n")?;
        if n == 0 {
            break;
        }
        let last = page.int("last")?;
        let next =
            async { if n < OPEN_PER_STATEMENT { Ok(None) } else { open_page(tx, &sql, args, last).await.map(Some) } };
        let read = async { read_open_page(&page, n, &mut open.known, &mut suppressed) };
        let (next, read) = tokio::join!(biased; next, read);
        read?;
        match next? {
            Some(p) => page = p,
            None => break,
        }
    }
    for chunk in suppressed.chunks(IDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT scan_key, suppression FROM findings WHERE workspace_id = $1 AND scan_key IN ({})",
            placeholders(2, chunk.len())
        );
        let mut a = vec![Val::from(ws)];
        a.extend(chunk.iter().map(|k| Val::from(*k)));
        for r in tx.all(&sql, &a).await? {
            if let Some(text) = r.opt_text("suppression")? {
                open.suppression.insert(r.uuid("scan_key")?, text);
            }
        }
    }
    Ok(open)
}

/// One packed page of [`read_open`] on SQLite: `n`, `last`, `keys`, `severities`.
async fn open_page(tx: &mut Tx, sql: &str, args: &[Val], after: i64) -> Result<Row, StoreError> {
    let mut page_args = args.to_vec();
    page_args.push(Val::Int(Some(after)));
    tx.opt(sql, &page_args).await?.ok_or_else(|| StoreError::Corrupt("no row from an aggregate".into()))
}

/// Takes one packed page apart into `known`; the keys of suppressed ones go to `suppressed`.
fn read_open_page(page: &Row, n: i64, known: &mut KeyMap<Known>, suppressed: &mut Vec<Uuid>) -> Result<(), StoreError> {
    let keys = page.opt_blob("keys")?.unwrap_or_default();
    if keys.len() as i64 != 32 * n {
        return Err(StoreError::Corrupt(format!("open findings: {} key bytes for {n} rows", keys.len())));
    }
    let mut severities = page.opt_str("severities")?.unwrap_or_default().split(',');
    for pair in keys.chunks_exact(32) {
        let severity = severities
            .next()
            .ok_or_else(|| StoreError::Corrupt(format!("open findings: fewer severities than {n} rows")))?;
        let (severity, is_suppressed) = match severity.strip_suffix('*') {
            Some(s) => (s, true),
            None => (severity, false),
        };
        let severity = severity.parse().map_err(|e| StoreError::Corrupt(format!("column severity: {e}")))?;
        let key = Uuid::from_slice(&pair[..16]).map_err(|e| StoreError::Corrupt(format!("scan_key: {e}")))?;
        let id = Uuid::from_slice(&pair[16..]).map_err(|e| StoreError::Corrupt(format!("id: {e}")))?;
        if is_suppressed {
            suppressed.push(key);
        }
        known.insert(key, Known { id, severity });
    }
    if severities.next().is_some() {
        return Err(StoreError::Corrupt(format!("open findings: more severities than {n} rows")));
    }
    Ok(())
}

/// The scope's arguments: `$1` workspace, `$2` tool, `$3` environment, `$4` system if any.
fn scope_args(ws: Uuid, target: &ScanTarget, tool: &str) -> Vec<Val> {
    let mut args = vec![Val::from(ws), Val::from(tool), Val::from(target.environment.as_str())];
    if let Some(s) = target.system_id {
        args.push(Val::from(s));
    }
    args
}

/// The condition over `findings` for the scope of [`scope_args`].
fn scope_sql(target: &ScanTarget) -> &'static str {
    if target.system_id.is_some() {
        "workspace_id = $1 AND tool = $2 AND environment = $3 AND system_id = $4"
    } else {
        "workspace_id = $1 AND tool = $2 AND environment = $3 AND system_id IS NULL"
    }
}

/// The columns of [`Finding::COLUMNS`] that hold the same value on every finding one scope's
/// import opens (its workspace, system, tool, environment, time, and a new finding's state):
/// on SQLite they are bound once per statement instead of once per row.
const SHARED_COLUMNS: &[&str] = &[
    "workspace_id",
    "system_id",
    "tool",
    "environment",
    "kev",
    "status",
    "first_seen",
    "fixed_at",
    "external_id",
    "last_seen",
    "version",
    "created_at",
    "updated_at",
];

/// How the rows of one multi-row findings INSERT are written.
struct FindingRows {
    /// Per column of [`Finding::COLUMNS`]: shared by every row (see [`SHARED_COLUMNS`]).
    shared: Vec<bool>,
    /// On SQLite: bind the shared columns once per statement.
    share: bool,
}

impl FindingRows {
    fn new(tx: &Tx) -> FindingRows {
        FindingRows {
            shared: Finding::COLUMNS.iter().map(|c| SHARED_COLUMNS.contains(c)).collect(),
            share: !tx.is_postgres(),
        }
    }

    /// Markers per row.
    fn per_row(&self) -> usize {
        if self.share { Finding::COLUMNS.len() - SHARED_COLUMNS.len() } else { Finding::COLUMNS.len() }
    }

    /// Appends one finding's values: all of them, or (sharing) the shared ones only for the
    /// statement's first row — the others must equal them.
    fn push(&self, args: &mut Vec<Val>, shared: &mut Vec<Val>, finding: &Finding) -> Result<(), StoreError> {
        let values = finding.values();
        if !self.share {
            args.extend(values);
            return Ok(());
        }
        let first = shared.is_empty();
        let mut s = 0;
        for (value, is_shared) in values.into_iter().zip(&self.shared) {
            if !*is_shared {
                args.push(value);
            } else if first {
                shared.push(value);
            } else {
                if shared[s] != value {
                    return Err(StoreError::Corrupt(format!(
                        "scanner import: column {} differs between the findings of one scope",
                        SHARED_COLUMNS[s]
                    )));
                }
                s += 1;
            }
        }
        Ok(())
    }

    /// The statement for `rows` rows, and its arguments in marker order.
    fn statement(&self, tx: &Tx, shared: &[Val], args: Vec<Val>) -> (String, Vec<Val>) {
        let cols = Finding::COLUMNS;
        let rows = args.len() / self.per_row();
        if !self.share {
            let sql =
                format!("INSERT INTO findings ({}) VALUES {}", cols.join(", "), values_list(tx, rows, cols.len()));
            return (sql, args);
        }
        // WITH c(workspace_id, …) AS (VALUES (?, …)) INSERT INTO findings (…)
        //   SELECT v.column1, c.workspace_id, v.column2, … FROM c, (VALUES (?, …), …) AS v
        let mut select = Vec::with_capacity(cols.len());
        let mut k = 0;
        for (col, shared) in cols.iter().zip(&self.shared) {
            if *shared {
                select.push(format!("c.{col}"));
            } else {
                k += 1;
                select.push(format!("v.column{k}"));
            }
        }
        let sql = format!(
            "WITH c ({}) AS (VALUES ({})) INSERT INTO findings ({}) SELECT {} FROM c, (VALUES {}) AS v",
            SHARED_COLUMNS.join(", "),
            row_markers(tx, 1, SHARED_COLUMNS.len()),
            cols.join(", "),
            select.join(", "),
            values_list(tx, rows, self.per_row()),
        );
        let mut all = Vec::with_capacity(shared.len() + args.len());
        all.extend_from_slice(shared);
        all.extend(args);
        (sql, all)
    }
}

/// Opens a finding for each of `new` (numbered from `next_number`), in multi-row INSERTs, and
/// answers their ids in order. While SQLite (or PostgreSQL) executes one statement, this
/// thread builds the next one's rows: the two overlap on two cores.
async fn insert_new_findings(
    tx: &mut Tx,
    ws: Uuid,
    now: OffsetDateTime,
    target: &ScanTarget,
    tool: &str,
    new: &[(Uuid, &ScannedFinding)],
    next_number: &mut i64,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = FindingRows::new(tx);
    let mut ids = Vec::with_capacity(new.len());
    let mut shared = Vec::new();
    let mut build = |chunk: &[(Uuid, &ScannedFinding)], shared: &mut Vec<Val>| -> Result<Vec<Val>, StoreError> {
        let mut args = Vec::with_capacity(chunk.len() * rows.per_row());
        for (key, f) in chunk {
            let finding = new_finding(ws, *next_number, now, target, tool, *key, f)?;
            *next_number += 1;
            ids.push(finding.id);
            rows.push(&mut args, shared, &finding)?;
        }
        Ok(args)
    };
    let mut chunks = new.chunks(ROWS_PER_INSERT);
    let Some(first) = chunks.next() else { return Ok(ids) };
    let mut current = build(first, &mut shared)?;
    for chunk in chunks {
        let (sql, args) = rows.statement(tx, &shared, current);
        // `biased`: the statement is bound and handed to the database first, then the next
        // rows are built while it runs.
        let (done, next) = tokio::join!(biased; tx.exec(&sql, &args), async { build(chunk, &mut shared) });
        done?;
        current = next?;
    }
    let (sql, args) = rows.statement(tx, &shared, current);
    tx.exec(&sql, &args).await?;
    Ok(ids)
}

/// Runs `sql_head` + ` IN (…)` over `ids` in chunks; `$1` is `now`.
async fn update_ids(tx: &mut Tx, sql_head: &str, now: OffsetDateTime, ids: &[Uuid]) -> Result<(), StoreError> {
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let sql = format!("{sql_head} IN ({})", placeholders(2, chunk.len()));
        let mut args = vec![Val::from(now)];
        args.extend(chunk.iter().map(|id| Val::from(*id)));
        tx.exec(&sql, &args).await?;
    }
    Ok(())
}

/// Keeps each (tool, rule)'s advisory text once: title, aliases, CVSS, fixed version.
async fn upsert_advisories(tx: &mut Tx, ws: Uuid, scan: &Scan, now: OffsetDateTime) -> Result<(), StoreError> {
    // Each (tool, rule) as the file spells it, at its first finding; then cleaned up, where
    // two spellings may become one (the first in the file's order wins, as for a finding).
    let mut first: HashMap<(&str, &str), usize, foldhash::fast::RandomState> = HashMap::default();
    for (i, f) in scan.findings.iter().enumerate() {
        first.entry((&f.tool, &f.rule)).or_insert(i);
    }
    let mut firsts: Vec<usize> = first.into_values().collect();
    firsts.sort_unstable();
    let mut by_rule: BTreeMap<(String, String), &ScannedFinding> = BTreeMap::new();
    for f in firsts.into_iter().map(|i| &scan.findings[i]) {
        by_rule.entry((tool_name(&f.tool), one_line(&f.rule, 300))).or_insert(f);
    }
    let rows: Vec<Vec<Val>> = by_rule
        .into_iter()
        .map(|((tool, rule), f)| {
            let mut aliases: Vec<String> = f.aliases.iter().map(|a| one_line(a, 300)).collect();
            aliases.truncate(50);
            vec![
                Val::from(ws),
                Val::from(tool),
                Val::from(rule),
                Val::from(one_line(&f.title, 2000)),
                Val::from(serde_json::to_string(&aliases).unwrap_or_else(|_| "[]".into())),
                Val::from(opt_text(f.cvss_vector.as_ref(), 300)),
                Val::Int(f.cvss_score.filter(|s| s.is_finite()).map(|s| (s * 10.0).round().clamp(0.0, 100.0) as i64)),
                Val::from(opt_text(f.fixed_version.as_ref(), 2000)),
                Val::from(now),
            ]
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = format!(
            "INSERT INTO advisories (workspace_id, tool, rule, title, aliases, cvss_vector, cvss_score_tenths, \
             fixed_version, updated_at) VALUES {}",
            values_list(tx, chunk.len(), 9)
        );
        let args: Vec<Val> = chunk.iter().flatten().cloned().collect();
        sql.push_str(
            " ON CONFLICT (workspace_id, tool, rule) DO UPDATE SET title = excluded.title, aliases = excluded.aliases, \
             cvss_vector = excluded.cvss_vector, cvss_score_tenths = excluded.cvss_score_tenths, \
             fixed_version = excluded.fixed_version, updated_at = excluded.updated_at \
             WHERE advisories.title <> excluded.title OR advisories.aliases <> excluded.aliases \
             OR advisories.cvss_vector IS DISTINCT FROM excluded.cvss_vector \
             OR advisories.cvss_score_tenths IS DISTINCT FROM excluded.cvss_score_tenths \
             OR advisories.fixed_version IS DISTINCT FROM excluded.fixed_version",
        );
        tx.exec(&sql, &args).await?;
    }
    Ok(())
}

/// Imports one scanner file's findings into `target`, in the caller's transaction.
pub(crate) async fn import_scan_in(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    target: &ScanTarget,
    scan: &Scan,
) -> Result<ImportCounts, StoreError> {
    let ws = actor.workspace_id;
    lock_workspace(tx, ws).await?;
    if let Some(system) = target.system_id
        && tx
            .opt("SELECT id FROM systems WHERE id = $1 AND workspace_id = $2", &[system.into(), ws.into()])
            .await?
            .is_none()
    {
        return Err(Invalid::one("system", "no such system in this workspace").into());
    }
    upsert_advisories(tx, ws, scan, now).await?;
    // Findings by scope tool, each spelling of a tool cleaned up once.
    let mut by_tool: BTreeMap<String, Vec<&ScannedFinding>> = BTreeMap::new();
    let mut names: HashMap<&str, String> = HashMap::new();
    for f in &scan.findings {
        let name = names.entry(&f.tool).or_insert_with(|| tool_name(&f.tool));
        match by_tool.get_mut(name.as_str()) {
            Some(list) => list.push(f),
            None => {
                by_tool.insert(name.clone(), vec![f]);
            }
        }
    }
    // How many findings are new is known only scope by scope: read the next number (which
    // locks the counter on PostgreSQL), number them in turn, then take what was used.
    let first = take_numbers(tx, ws, Kind::Finding, 0).await?;
    let mut next_number = first;
    let mut counts = ImportCounts::default();
    for (tool, findings) in by_tool {
        counts.add(import_scope(tx, ws, now, target, &tool, &findings, &mut next_number).await?);
    }
    take_numbers(tx, ws, Kind::Finding, next_number - first).await?;
    Ok(counts)
}

async fn import_scope(
    tx: &mut Tx,
    ws: Uuid,
    now: OffsetDateTime,
    target: &ScanTarget,
    tool: &str,
    findings: &[&ScannedFinding],
    next_number: &mut i64,
) -> Result<ImportCounts, StoreError> {
    let mut counts = ImportCounts::default();
    // The file, de-duplicated by key (a scanner may report the same thing twice).
    let mut keys = HashSet::with_capacity_and_hasher(findings.len(), foldhash::fast::RandomState::default());
    // A SHA-256 each: a million of them on all cores.
    let computed = rhythm_ingest::parallel::map_parts(findings, |_, part| {
        part.iter().map(|f| scan_key(ws, target, tool, &f.fingerprint)).collect::<Vec<_>>()
    });
    let items: Vec<(Uuid, &ScannedFinding)> =
        computed.into_iter().flatten().zip(findings.iter().copied()).filter(|(k, _)| keys.insert(*k)).collect();
    counts.total = items.len() as u64;

    let args = scope_args(ws, target, tool);
    let mut open = read_open(tx, ws, target, &args, items.len()).await?;
    let any_fixed = tx
        .opt(
            &format!(
                "SELECT id FROM findings WHERE {} AND status = 'fixed' AND scan_key IS NOT NULL LIMIT 1",
                scope_sql(target)
            ),
            &args,
        )
        .await?
        .is_some();

    let mut changed: Vec<(Uuid, &ScannedFinding)> = Vec::new();
    let mut candidates: Vec<(Uuid, &ScannedFinding)> = Vec::new();
    // The file's suppressed findings: the only ones that can be silent exceptions.
    let mut suppressed: Vec<Uuid> = Vec::new();
    for (key, f) in items {
        match open.known.remove(&key) {
            Some(known) => {
                if f.suppression.is_some() {
                    suppressed.push(known.id);
                }
                if known.severity != f.severity || open.suppression.get(&key) != suppression_text(f).as_ref() {
                    changed.push((known.id, f));
                } else {
                    counts.unchanged += 1;
                }
            }
            None => candidates.push((key, f)),
        }
    }

    // Returning fingerprints: fixed findings of the scope with the same key.
    let mut returning: HashMap<Uuid, Uuid> = HashMap::new();
    if any_fixed {
        for chunk in candidates.chunks(IDS_PER_STATEMENT) {
            let sql = format!(
                "SELECT id, scan_key FROM findings WHERE workspace_id = $1 AND scan_key IN ({})",
                placeholders(2, chunk.len())
            );
            let mut a = vec![Val::from(ws)];
            a.extend(chunk.iter().map(|(k, _)| Val::from(*k)));
            for r in tx.all(&sql, &a).await? {
                returning.insert(r.uuid("scan_key")?, r.uuid("id")?);
            }
        }
    }

    // Gone from the file: fixed now. They were last seen at the scope's previous import.
    let missing: Vec<Uuid> = open.known.into_values().map(|k| k.id).collect();
    if !missing.is_empty() {
        let previous = tx
            .opt(
                "SELECT last_seen FROM scan_scopes WHERE workspace_id = $1 AND system_key = $2 AND tool = $3 AND environment = $4",
                &[ws.into(), target.system_id.unwrap_or(Uuid::nil()).into(), tool.into(), target.environment.as_str().into()],
            )
            .await?
            .map(|r| r.ts("last_seen"))
            .transpose()?;
        if let Some(previous) = previous {
            update_ids(tx, "UPDATE findings SET last_seen = $1 WHERE id", previous, &missing).await?;
        }
    }
    update_ids(
        tx,
        "UPDATE findings SET status = 'fixed', fixed_at = $1, updated_at = $1, version = version + 1 WHERE id",
        now,
        &missing,
    )
    .await?;
    counts.closed = missing.len() as u64;
    let mut events: Vec<(Uuid, HistoryEvent)> = missing.iter().map(|id| (*id, HistoryEvent::Fixed)).collect();

    // Changed severity or suppression; returning ones reopen with what the scanner says now.
    let reopen_sql = "UPDATE findings SET status = 'open', fixed_at = NULL, severity = $1, suppression = $2, \
                      last_seen = $3, updated_at = $3, version = version + 1 WHERE id = $4";
    let change_sql = "UPDATE findings SET severity = $1, suppression = $2, last_seen = $3, updated_at = $3, \
                      version = version + 1 WHERE id = $4";
    for (id, f) in &changed {
        tx.exec(change_sql, &[f.severity.as_str().into(), suppression_text(f).into(), now.into(), (*id).into()])
            .await?;
    }
    counts.updated = changed.len() as u64;

    let mut new = Vec::with_capacity(candidates.len());
    for (key, f) in candidates {
        if let Some(id) = returning.get(&key) {
            tx.exec(reopen_sql, &[f.severity.as_str().into(), suppression_text(f).into(), now.into(), (*id).into()])
                .await?;
            events.push((*id, HistoryEvent::Reopened));
            counts.reopened += 1;
            if f.suppression.is_some() {
                suppressed.push(*id);
            }
        } else {
            new.push((key, f));
        }
    }
    // In key order: each statement then touches a few neighbouring pages of the `scan_key`
    // index instead of one random page per row (which SQLite must also copy to its statement
    // journal, once per statement that touches it again).
    new.sort_unstable_by_key(|(key, _)| *key);
    let first_number = *next_number;
    let created = insert_new_findings(tx, ws, now, target, tool, &new, next_number).await?;
    counts.created = created.len() as u64;
    for (id, (_, f)) in created.iter().zip(&new) {
        if f.suppression.is_some() {
            suppressed.push(*id);
        }
    }
    // Their `opened` events, from the rows just written (numbers are the workspace's, and
    // the counter handed the range to this import alone): nothing to send per row.
    if !created.is_empty() {
        crate::history::opened_by_numbers(tx, ws, first_number, *next_number, now).await?;
    }
    crate::history::record_many(tx, ws, Kind::Finding, &events, now).await?;
    // What appears while an exception covers it is accepted from the start.
    let appeared: Vec<Uuid> = created
        .iter()
        .copied()
        .chain(events.iter().filter(|(_, e)| *e == HistoryEvent::Reopened).map(|(id, _)| *id))
        .collect();
    let accepted = crate::coverage::covered_among(tx, ws, &appeared, now.date()).await?;
    crate::history::record_findings(tx, ws, &accepted, HistoryEvent::Accepted, now).await?;

    // Everything the file still holds was seen now: one row for the scope.
    tx.exec(
        "INSERT INTO scan_scopes (workspace_id, system_key, tool, environment, last_seen) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (workspace_id, system_key, tool, environment) DO UPDATE SET last_seen = excluded.last_seen",
        &[
            ws.into(),
            target.system_id.unwrap_or(Uuid::nil()).into(),
            tool.into(),
            target.environment.as_str().into(),
            now.into(),
        ],
    )
    .await?;
    // Silent as of the import's day: the same definition as the findings list's filter.
    let silent = crate::coverage::silent_sql(tx.is_postgres(), 1);
    for chunk in suppressed.chunks(IDS_PER_STATEMENT) {
        let sql =
            format!("SELECT COUNT(*) FROM findings WHERE id IN ({}) AND ({silent})", placeholders(2, chunk.len()));
        let mut args = vec![Val::from(now.date())];
        args.extend(chunk.iter().map(|id| Val::from(*id)));
        counts.silent += u64::try_from(tx.int(&sql, &args).await?).unwrap_or(0);
    }
    Ok(counts)
}
