//! Rhythm's storage. One [`Store`] over SQLite or PostgreSQL, picked from the URL.
//!
//! Every public method is one unit of work in one transaction, and every write appends its
//! audit row (who, when, what, before/after) to the workspace's hash chain in that same
//! transaction. Only this crate knows SQL.

mod accounts;
mod audit;
mod checkpoint;
mod coverage;
mod db;
mod gate;
mod governance;
mod history;
pub mod imports;
mod migrate;
pub mod notification;
mod outbox;
mod registers;
mod reviews;
mod sign_in;
mod tables;
#[cfg(feature = "testing")]
pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

pub use accounts::{ApiToken, NewToken, Session, TokenScope};
pub use audit::{AuditEntry, AuditHead, ChainReport, GENESIS as AUDIT_GENESIS};
pub use checkpoint::Checkpoint;
pub use db::{Row, Val};
pub use governance::{
    DECISION_SORTS, EXCEPTION_SORTS, PolicyProposal, PolicyVersion, ProposalInput, rule as refusal_rule,
};
pub use history::{AsOfCount, FindingEvent, FindingsAsOf, HistoryEntry};
pub use imports::{ImportData, ImportFile, ImportRecord, ScanTarget};
pub use notification::Notification;
pub use outbox::{
    AttemptOutcome, BACKOFF_BASE, BACKOFF_CAP, Channel, Event, Format, GATE_STOP_QUIET, MAX_ATTEMPTS, MAX_JITTER,
    MAX_PAYLOAD_BYTES, NewNotificationTarget, NotificationTarget, OutboxEntry, OutboxItem, OutboxStatus, backoff,
    backoff_with_jitter, masked_target,
};
pub use registers::{ListQuery, Page, SortDir};
pub use rhythm_ingest::csv::{CsvKind, CsvRows};
pub use sign_in::{MAX_DEVICES_PER_USER, MAX_THROTTLE_ROWS, ThrottleKey};
pub use tables::Table;

use db::Pool;
use rhythm_domain::Invalid;

/// What went wrong in the store, in terms the server can map to a status code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input broke a rule; each field says why (422).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Nothing with that id in this workspace (404). Entries of other workspaces are
    /// reported exactly like missing ones.
    #[error("no {} with id {id} in this workspace", kind)]
    NotFound { kind: String, id: String },
    /// The change conflicts with the current state (409): stale version, duplicate key.
    #[error("{0}")]
    Conflict(String),
    /// A rule refused the step: who may take it (`forbidden`: 403) or the state the entry is
    /// in (409). `rule` is a stable code (the exception state machine's rule names, or
    /// [`refusal_rule`]'s for decisions); `message` says why in words a user understands.
    #[error("{message}")]
    Refused { forbidden: bool, rule: String, message: String },
    /// A list query names a filter or sort the register does not have (400).
    #[error("{0}")]
    BadQuery(String),
    /// The database holds something this code cannot read back (500).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The URL or the database file is not usable (start-up).
    #[error("{0}")]
    Config(String),
    /// The database failed (500).
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    pub(crate) fn not_found(kind: impl std::fmt::Display, id: impl std::fmt::Display) -> Self {
        StoreError::NotFound { kind: kind.to_string(), id: id.to_string() }
    }
}

/// Who is making a change, for authorization upstream and the audit row here.
#[derive(Debug, Clone)]
pub struct Actor {
    pub workspace_id: Uuid,
    /// The person, when a person (or a person's token) acts.
    pub user_id: Option<Uuid>,
    /// How the audit log names the actor: an e-mail, `token:ci-pipeline`, `system`.
    pub label: String,
}

impl Actor {
    /// The system itself (bootstrap commands, background jobs).
    pub fn system(workspace_id: Uuid) -> Self {
        Actor { workspace_id, user_id: None, label: "system".to_owned() }
    }
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: a pool on one backend. Cheap to clone.
///
/// Its methods, by area and the file that holds them:
///
/// | Area | File | Methods |
/// |---|---|---|
/// | Opening | `lib.rs` | [`open`](Store::open), [`backend`](Store::backend), [`ping`](Store::ping), [`checkpoint`](Store::checkpoint), [`close`](Store::close) |
/// | Registers, generic over [`Table`] | `registers.rs` | [`list`](Store::list), [`get`](Store::get), [`get_by_number`](Store::get_by_number), [`create`](Store::create), [`update`](Store::update), [`existing_ids`](Store::existing_ids), [`add_risk_update`](Store::add_risk_update), [`risk_updates`](Store::risk_updates), [`risk_heatmap`](Store::risk_heatmap) |
/// | Policy | `governance/policy.rs`, `governance/proposals.rs` | [`policy`](Store::policy), [`policy_versions`](Store::policy_versions), [`apply_policy`](Store::apply_policy), [`propose_policy`](Store::propose_policy), [`policy_proposal`](Store::policy_proposal) |
/// | Decisions | `governance/decisions.rs` | [`create_decision`](Store::create_decision), [`decision`](Store::decision), [`list_decisions`](Store::list_decisions), [`decide`](Store::decide), [`concur`](Store::concur), [`withdraw_decision`](Store::withdraw_decision), [`update_decision`](Store::update_decision), [`request_gate_override`](Store::request_gate_override) |
/// | Exceptions | `governance/exceptions.rs` | [`request_exception`](Store::request_exception), [`exception`](Store::exception), [`list_exceptions`](Store::list_exceptions), [`transition_exception`](Store::transition_exception), [`expire_due_exceptions`](Store::expire_due_exceptions), [`notify_expiring_exceptions`](Store::notify_expiring_exceptions) |
/// | Launch gate | `gate.rs` | [`gate`](Store::gate), [`gate_upcoming`](Store::gate_upcoming) |
/// | History and coverage | `history.rs`, `coverage.rs` | [`history`](Store::history), [`start_due_exceptions`](Store::start_due_exceptions) |
/// | Reviews | `reviews.rs` | [`end_design_review_in_spike`](Store::end_design_review_in_spike), [`end_design_review_in_decision`](Store::end_design_review_in_decision), [`request_vendor_onboarding`](Store::request_vendor_onboarding) |
/// | Imports | `imports/` (`mod.rs`, `record.rs`, `scan.rs`, `csv.rs`, `tracker.rs`); history reads in `history.rs` | [`import`](Store::import), [`import_scan`](Store::import_scan), [`imports`](Store::imports), [`import_record`](Store::import_record), [`finding_history`](Store::finding_history), [`findings_as_of`](Store::findings_as_of), [`import_csv`](Store::import_csv), [`export_csv`](Store::export_csv), [`import_backlog`](Store::import_backlog) |
/// | Notifications | `outbox.rs` | [`add_notification_target`](Store::add_notification_target), [`set_notification_target_disabled`](Store::set_notification_target_disabled), [`list_notification_targets`](Store::list_notification_targets), [`enqueue_event`](Store::enqueue_event), [`claim_due`](Store::claim_due), [`mark_delivered`](Store::mark_delivered), [`mark_failed_attempt`](Store::mark_failed_attempt), [`outbox_entries`](Store::outbox_entries), [`outbox_entry`](Store::outbox_entry), [`notify_gate_stop`](Store::notify_gate_stop), [`enqueue_test_notification`](Store::enqueue_test_notification) |
/// | People, sessions, tokens | `accounts.rs`, `sign_in.rs` | [`create_workspace`](Store::create_workspace), [`workspaces`](Store::workspaces), [`create_user`](Store::create_user), [`set_user_role`](Store::set_user_role), [`users`](Store::users), [`create_session`](Store::create_session), [`create_token`](Store::create_token), [`revoke_token`](Store::revoke_token), [`sign_in_failed`](Store::sign_in_failed), … |
/// | Audit | `audit.rs` | [`audit_log`](Store::audit_log), [`audit_event`](Store::audit_event), [`audit_head`](Store::audit_head), [`verify_audit_chain`](Store::verify_audit_chain), [`verify_audit_chain_against`](Store::verify_audit_chain_against) |
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// SQLite: the background WAL checkpoints, stopped when the last clone is dropped.
    _checkpoints: Option<std::sync::Arc<checkpoint::Task>>,
}

/// How to open a SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// Create the file if it does not exist (`rhythm demo`, tests, `?mode=rwc` URLs).
    IfMissing,
    /// The file must exist: a typo in a path never silently starts an empty database.
    MustExist,
}

impl Store {
    /// Opens the database named by `url` and applies pending migrations.
    ///
    /// * `sqlite://path/to/rhythm.db` (add `?mode=rwc` to create it) or `sqlite::memory:` is not
    ///   accepted: Rhythm's data lives in a file.
    /// * `postgres://user@host/db` or `postgresql://…`.
    pub async fn open(url: &str, create: Create) -> Result<Store, StoreError> {
        let store = if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::Config("a SQLite URL needs a file path: sqlite://rhythm.db".into()));
            }
            let create = create == Create::IfMissing || query.split('&').any(|p| p == "mode=rwc");
            if !create && !std::path::Path::new(path).exists() {
                return Err(StoreError::Config(format!(
                    "the SQLite database {path} does not exist; check the path, or add ?mode=rwc to create it"
                )));
            }
            let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
                .map_err(|e| StoreError::Config(format!("bad SQLite URL: {e}")))?
                .create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // 64 MiB of page cache per connection (SQLite's default is 2 MiB), allocated as
                // pages are used: a large import's random-key index inserts stay in memory.
                .pragma("cache_size", "-65536")
                // Statement journals (a multi-row INSERT that may fail half-way keeps the pages
                // it changes until it ends) and temporary tables in memory, not temp files: an
                // import's every statement would otherwise write and free one.
                .pragma("temp_store", "memory")
                // The log is copied back by a background task, not inside a large commit.
                .pragma("wal_autocheckpoint", checkpoint::AUTOCHECKPOINT_PAGES)
                .pragma("journal_size_limit", checkpoint::LOG_KEEP_BYTES)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(15))
                .connect_with(opts)
                .await?;
            Store { _checkpoints: Some(checkpoint::spawn(pool.clone(), path)), pool: Pool::Sqlite(pool) }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts =
                PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(15))
                .connect_with(opts)
                .await?;
            Store { pool: Pool::Postgres(pool), _checkpoints: None }
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL '{}': use sqlite://path/to/rhythm.db or postgres://user@host/db",
                redact_url(url)
            )));
        };
        migrate::run(&store.pool).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Answers when the database does (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.read().await?;
        tx.int("SELECT CAST(1 AS BIGINT)", &[]).await?;
        Ok(())
    }

    /// Copies SQLite's write-ahead log back into the database file now (a background task
    /// does it within a second once the log holds 4 MiB; see `checkpoint.rs`). `None` on
    /// PostgreSQL.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => checkpoint::passive(p).await.map(Some),
            Pool::Postgres(_) => Ok(None),
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// A database URL with any password replaced, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The one place the store makes ids: UUID v7, so new rows sort by time in indexes.
#[expect(clippy::disallowed_methods, reason = "the store's one source of ids")]
pub(crate) fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(super::redact_url("postgres://app:s3cret@db/rhythm"), "postgres://app:***@db/rhythm");
        assert_eq!(super::redact_url("postgres://app@db/rhythm"), "postgres://app@db/rhythm");
        assert_eq!(super::redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
