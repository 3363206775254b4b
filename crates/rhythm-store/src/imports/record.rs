//! What an import was: the file it read, what it did (`ImportCounts`), and its record
//! (`IMP-n`: who, when, file name, SHA-256, size, counts), written with its audit row in the
//! import's own transaction and read back for the imports list and page.

use rhythm_domain::{Environment, Kind};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit;
use crate::db::{Tx, Val};
use crate::registers::{lock_workspace, take_numbers};
use crate::{Actor, Store, StoreError, new_id};

/// Where a scanner file's findings belong: its re-import scope, with the tool of each run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanTarget {
    pub system_id: Option<Uuid>,
    pub environment: Environment,
}

/// One line of at most `max` characters without control characters (scanner text is
/// untrusted and the register keeps titles to one line).
pub(super) fn one_line(s: &str, max: usize) -> String {
    // Almost every scanner string is already one tidy line: copy it as it is.
    let tidy = s.len() <= max
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && !s.chars().any(|c| c.is_control() || (c.is_whitespace() && c != ' '));
    if tidy {
        return s.to_owned();
    }
    let mut cleaned = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        cleaned.extend(word.chars().filter(|c| !c.is_control()));
    }
    truncate(cleaned, max)
}

fn truncate(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        return s;
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What one import did, de-duplicated: every input row or finding is counted exactly once
/// in `created`, `updated`, `unchanged` or `reopened`; `closed` counts entries the file no
/// longer holds (scanner re-imports only) and `silent` the scanner-suppressed findings
/// without a matching approved exception.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportCounts {
    /// Rows or findings read from the file.
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub closed: u64,
    pub reopened: u64,
    pub silent: u64,
}

impl ImportCounts {
    /// Adds another file's (or scope's) counts.
    pub fn add(&mut self, o: ImportCounts) {
        self.total += o.total;
        self.created += o.created;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.closed += o.closed;
        self.reopened += o.reopened;
        self.silent += o.silent;
    }
}

/// The file an import read.
#[derive(Debug, Clone)]
pub struct ImportFile {
    /// The importer: `sarif`, `trivy`, `findings-csv`, `github-issues`, …
    pub format: String,
    pub file_name: String,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub bytes: u64,
}

impl ImportFile {
    /// Describes `bytes` read from `file_name` by the `format` importer.
    pub fn of(format: &str, file_name: &str, bytes: &[u8]) -> ImportFile {
        ImportFile {
            format: format.to_owned(),
            file_name: file_name.to_owned(),
            sha256: hex::encode(Sha256::digest(bytes)),
            bytes: bytes.len() as u64,
        }
    }
}

/// One recorded import (`IMP-n`): who, when, which file, what it did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportRecord {
    pub id: Uuid,
    pub number: i64,
    /// `IMP-12`.
    pub reference: String,
    pub format: String,
    pub file_name: String,
    pub sha256: String,
    pub bytes: u64,
    pub system_id: Option<Uuid>,
    pub environment: Option<String>,
    /// Who imported it, as the audit log names them.
    pub actor: String,
    pub user_id: Option<Uuid>,
    pub counts: ImportCounts,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Writes the record of an import and its audit row, in the caller's transaction.
pub(crate) async fn record_import(
    tx: &mut Tx,
    actor: &Actor,
    now: OffsetDateTime,
    file: &ImportFile,
    target: Option<&ScanTarget>,
    counts: ImportCounts,
) -> Result<ImportRecord, StoreError> {
    let ws = actor.workspace_id;
    lock_workspace(tx, ws).await?;
    let number = take_numbers(tx, ws, Kind::Import, 1).await?;
    let record = ImportRecord {
        id: new_id(),
        number,
        reference: Kind::Import.reference(number),
        format: file.format.clone(),
        file_name: one_line(&file.file_name, 300),
        sha256: file.sha256.clone(),
        bytes: file.bytes,
        system_id: target.and_then(|t| t.system_id),
        environment: target.map(|t| t.environment.as_str().to_owned()),
        actor: actor.label.clone(),
        user_id: actor.user_id,
        counts,
        at: now,
    };
    let c = &record.counts;
    let as_int = |v: u64| Val::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)));
    tx.exec(
        "INSERT INTO imports (id, workspace_id, number, format, file_name, sha256, bytes, system_id, environment, \
         actor, user_id, total, created, updated, unchanged, closed, reopened, silent, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        &[
            record.id.into(),
            ws.into(),
            number.into(),
            record.format.clone().into(),
            record.file_name.clone().into(),
            record.sha256.clone().into(),
            as_int(record.bytes),
            record.system_id.into(),
            record.environment.clone().into(),
            record.actor.clone().into(),
            record.user_id.into(),
            as_int(c.total),
            as_int(c.created),
            as_int(c.updated),
            as_int(c.unchanged),
            as_int(c.closed),
            as_int(c.reopened),
            as_int(c.silent),
            now.into(),
        ],
    )
    .await?;
    audit::append(tx, actor, now, "import", "import", Some(record.id), None::<&ImportRecord>, Some(&record));
    Ok(record)
}

fn record_from_row(r: &crate::db::Row) -> Result<ImportRecord, StoreError> {
    let n = |c: &str| r.int(c).map(|v| u64::try_from(v).unwrap_or(0));
    let number = r.int("number")?;
    Ok(ImportRecord {
        id: r.uuid("id")?,
        number,
        reference: Kind::Import.reference(number),
        format: r.text("format")?,
        file_name: r.text("file_name")?,
        sha256: r.text("sha256")?,
        bytes: n("bytes")?,
        system_id: r.opt_uuid("system_id")?,
        environment: r.opt_text("environment")?,
        actor: r.text("actor")?,
        user_id: r.opt_uuid("user_id")?,
        counts: ImportCounts {
            total: n("total")?,
            created: n("created")?,
            updated: n("updated")?,
            unchanged: n("unchanged")?,
            closed: n("closed")?,
            reopened: n("reopened")?,
            silent: n("silent")?,
        },
        at: r.ts("at")?,
    })
}

impl Store {
    /// The workspace's imports, newest first.
    pub async fn imports(&self, workspace_id: Uuid, limit: i64) -> Result<Vec<ImportRecord>, StoreError> {
        let rows = self
            .pool
            .read_all(
                "SELECT * FROM imports WHERE workspace_id = $1 ORDER BY number DESC LIMIT $2",
                &[workspace_id.into(), limit.clamp(1, 1000).into()],
            )
            .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// One import by number (`IMP-n`).
    pub async fn import_record(&self, workspace_id: Uuid, number: i64) -> Result<ImportRecord, StoreError> {
        let row = self
            .pool
            .read_opt(
                "SELECT * FROM imports WHERE workspace_id = $1 AND number = $2",
                &[workspace_id.into(), number.into()],
            )
            .await?;
        row.as_ref()
            .map(record_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::not_found("import", Kind::Import.reference(number)))
    }
}
