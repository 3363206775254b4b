//! The imports wing: what one file did to the workspace. Every importer (scanner files, register
//! CSVs, tracker backlogs) runs inside one transaction and answers an [`ImportCounts`];
//! the import itself is recorded (who, when, file hash, counts) in that same transaction.

pub(crate) mod csv;
pub(crate) mod record;
pub(crate) mod scan;
pub(crate) mod tracker;

pub use record::{ImportCounts, ImportFile, ImportRecord, ScanTarget};

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
    /// Imports one parsed scanner file into `target` and records the import (one
    /// transaction): [`crate::Store::import`] with [`ImportData::Scan`].
    pub async fn import_scan(
        &self,
        actor: &crate::Actor,
        now: time::OffsetDateTime,
        file: &crate::ImportFile,
        target: &crate::ScanTarget,
        scan: &rhythm_ingest::Scan,
    ) -> Result<crate::ImportRecord, crate::StoreError> {
        self.import(actor, now, file, ImportData::Scan { scan, target: *target }).await
    }

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
                (crate::imports::scan::import_scan_in(&mut tx, actor, now, &target, scan).await?, Some(target))
            }
            ImportData::Csv(rows) => (crate::imports::csv::import_csv_in(&mut tx, actor, now, rows).await?, None),
            ImportData::Backlog(items) => {
                (crate::imports::tracker::import_backlog_in(&mut tx, actor, now, items).await?, None)
            }
        };
        let record = record::record_import(&mut tx, actor, now, file, target.as_ref(), counts).await?;
        tx.commit().await?;
        Ok(record)
    }
}
