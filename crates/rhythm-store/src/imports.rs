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
