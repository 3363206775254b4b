//! Imports: what one file did to the workspace. Every importer (scanner files, register
//! CSVs, tracker backlogs) runs inside one transaction and answers an [`ImportCounts`];
//! the import itself is recorded (who, when, file hash, counts) in that same transaction.

use serde::Serialize;

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

/// What a parsed file holds, ready to import.
#[derive(Debug)]
pub enum ImportData<'a> {
    /// Scanner findings for one re-import target (system, environment; the tool comes from
    /// each run).
    Scan { scan: &'a rhythm_ingest::Scan, target: crate::ScanTarget },
    /// Register rows, upserted by `external_id`.
    Csv(rhythm_ingest::csv::CsvRows),
    /// Tracker issues, upserted into the backlog by external key.
    Backlog(&'a [rhythm_ingest::tracker::TrackerItem]),
}

impl crate::Store {
    /// Imports one parsed file and records the import (`IMP-n`: who, when, file hash,
    /// counts) — all in one transaction: on any error nothing is stored, not even the record.
    pub async fn import(
        &self,
        actor: &crate::Actor,
        now: time::OffsetDateTime,
        file: &crate::ImportFile,
        data: ImportData<'_>,
    ) -> Result<crate::ImportRecord, crate::StoreError> {
        let now = crate::audit::micros(now);
        let mut tx = self.pool.write().await?;
        // Imports of a workspace run one at a time (and not while an exception starts or stops
        // covering): other writes go on beside them.
        crate::registers::take_lane(&mut tx, actor.workspace_id, crate::registers::Lane::Coverage).await?;
        let (counts, target) = match data {
            ImportData::Scan { scan, target } => {
                (crate::scan_import::import_scan_in(&mut tx, actor, now, &target, scan).await?, Some(target))
            }
            ImportData::Csv(rows) => (crate::interchange::import_csv_in(&mut tx, actor, now, rows).await?, None),
            ImportData::Backlog(items) => {
                (crate::tracker_import::import_backlog_in(&mut tx, actor, now, items).await?, None)
            }
        };
        let record = crate::scan_import::record_import(&mut tx, actor, now, file, target.as_ref(), counts).await?;
        tx.commit().await?;
        Ok(record)
    }
}
