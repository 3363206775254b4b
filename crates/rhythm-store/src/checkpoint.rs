//! SQLite's write-ahead log checkpointed off the request path.
//!
//! SQLite copies the log back into the database file (a checkpoint) inside the commit that
//! leaves more than `wal_autocheckpoint` pages in the log. After a large import that copy is
//! the import's size again: 4 to 5.6 s of a million-finding first import on the 2-core bench
//! machine, spent before the import could answer. So connections checkpoint by themselves only
//! past a safety net of 1 GiB ([`AUTOCHECKPOINT_PAGES`]), and a background task does it once a
//! second whenever the log changed since its last complete checkpoint and holds at least
//! [`LOG_BYTES`]. `PASSIVE` checkpoints never block readers or writers; frames a reader still
//! needs are left for the next round. The log file is cut back to [`LOG_KEEP_BYTES`] when SQLite
//! next starts it over, so a large import does not keep its size on disk.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sqlx::SqlitePool;
use tokio::sync::oneshot;

use crate::StoreError;

/// `PRAGMA wal_autocheckpoint` of every connection: 1 GiB of 4 KiB pages, a safety net.
pub(crate) const AUTOCHECKPOINT_PAGES: &str = "262144";
/// `PRAGMA journal_size_limit`: the log file is truncated to this when it is started over.
pub(crate) const LOG_KEEP_BYTES: &str = "67108864";
/// A log this large is checkpointed (SQLite's own default threshold: 1,000 pages of 4 KiB).
const LOG_BYTES: u64 = 4 * 1024 * 1024;
/// How often the task looks at the log file.
const INTERVAL: Duration = Duration::from_secs(1);

/// What one checkpoint did, in log frames (pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Frames in the log.
    pub log_frames: i64,
    /// Frames now copied into the database file (all of them unless a reader held some back).
    pub checkpointed_frames: i64,
}

impl Checkpoint {
    pub fn complete(&self) -> bool {
        self.checkpointed_frames >= self.log_frames
    }
}

/// `PRAGMA wal_checkpoint(PASSIVE)` on one of the pool's connections.
pub(crate) async fn passive(pool: &SqlitePool) -> Result<Checkpoint, StoreError> {
    let (busy, log_frames, checkpointed_frames): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
    // `busy` is 1 when another checkpoint held the lock: nothing was done this time.
    Ok(if busy != 0 {
        Checkpoint { log_frames, checkpointed_frames: 0 }
    } else {
        Checkpoint { log_frames, checkpointed_frames }
    })
}

/// Stops the task when the last clone of the store that started it is dropped.
#[derive(Debug)]
pub(crate) struct Task {
    _stop: oneshot::Sender<()>,
}

/// Starts the background checkpoints of the SQLite database at `db_path`.
pub(crate) fn spawn(pool: SqlitePool, db_path: &str) -> Arc<Task> {
    let log = PathBuf::from(format!("{db_path}-wal"));
    let (stop_tx, mut stop) = oneshot::channel::<()>();
    tokio::spawn(async move {
        // The log's modification time at the last complete checkpoint.
        let mut done_at: Option<SystemTime> = None;
        loop {
            tokio::select! {
                _ = &mut stop => break,
                () = tokio::time::sleep(INTERVAL) => {}
            }
            if pool.is_closed() {
                break;
            }
            let Ok(meta) = std::fs::metadata(&log) else { continue };
            let modified = meta.modified().ok();
            if meta.len() < LOG_BYTES || (modified.is_some() && modified == done_at) {
                continue;
            }
            match passive(&pool).await {
                Ok(c) if c.complete() => done_at = modified,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "background WAL checkpoint failed; retrying in a second"),
            }
        }
    });
    Arc::new(Task { _stop: stop_tx })
}
