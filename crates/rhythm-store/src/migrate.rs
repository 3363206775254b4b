//! Embedded migrations, one folder per backend with the same file names (`0001_foundation.sql`
//! is version 1), run by sqlx's migrator: each migration in its own transaction, recorded
//! with its SHA-384 in `_sqlx_migrations`, a changed or unknown applied migration refused. On
//! PostgreSQL the whole run also holds Rhythm's advisory lock, so several instances starting
//! at once apply each migration exactly once.
//!
//! The files are embedded with `include_str!` and handed to sqlx through its public
//! `MigrationSource` trait rather than the `sqlx::migrate!` macro: the macro needs sqlx's
//! `macros` feature, whose proc-macro builds the SQLite driver and its C library a second
//! time for the host, for a list of eleven files. The checksums are the macro's (sqlx's
//! `Migration::new`), so switching to it later changes nothing in a database.
//!
//! Databases made before Rhythm used sqlx's migrator recorded their migrations in
//! `schema_migrations` (version, name, SHA-256 of the file). The first start of this build
//! adopts them: each recorded migration is checked against the file of the same version (a
//! changed file is refused, as always), written into `_sqlx_migrations` with sqlx's checksum,
//! and the old table dropped, in one transaction; the migrator then applies what is new.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationSource, MigrationType, Migrator};

use crate::StoreError;
use crate::db::Pool;

/// Each migration file of one backend, by version: (version, file name, SQL).
type Files = &'static [(i64, &'static str, &'static str)];

macro_rules! files {
    ($backend:literal: $($version:literal $file:literal),+ $(,)?) => {
        &[$(($version, $file, include_str!(concat!("../migrations/", $backend, "/", $file)))),+]
    };
}

const SQLITE: Files = files!("sqlite":
    1 "0001_foundation.sql", 2 "0002_governance.sql", 3 "0003_outbox.sql", 4 "0004_exception_review.sql",
    5 "0005_policy_proposals.sql", 6 "0006_notify_marks.sql", 7 "0007_findings.sql", 8 "0008_design_reviews.sql",
    9 "0009_ingest.sql", 10 "0010_sign_in.sql", 11 "0011_counters.sql", 12 "0012_history.sql",
    13 "0013_sides.sql",
);
const POSTGRES: Files = files!("postgres":
    1 "0001_foundation.sql", 2 "0002_governance.sql", 3 "0003_outbox.sql", 4 "0004_exception_review.sql",
    5 "0005_policy_proposals.sql", 6 "0006_notify_marks.sql", 7 "0007_findings.sql", 8 "0008_design_reviews.sql",
    9 "0009_ingest.sql", 10 "0010_sign_in.sql", 11 "0011_counters.sql", 12 "0012_history.sql",
    13 "0013_sides.sql",
);

/// The embedded files as sqlx migrations (the description as sqlx writes it: the file name
/// after the version, `_` as spaces).
#[derive(Debug)]
struct Embedded(Files);

impl Embedded {
    fn migrations(&self) -> Vec<Migration> {
        self.0
            .iter()
            .map(|(version, file, sql)| {
                let name = file.trim_end_matches(".sql").split_once('_').map_or("", |(_, n)| n).replace('_', " ");
                Migration::new(*version, Cow::Owned(name), MigrationType::Simple, Cow::Borrowed(*sql), false)
            })
            .collect()
    }
}

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { Ok(self.migrations()) })
    }
}

async fn migrator(files: Files) -> Result<Migrator, StoreError> {
    Migrator::new(Embedded(files)).await.map_err(refused)
}

const LOCK_KEY: i64 = 0x7268_7974_686d; // "rhythm"

pub(crate) async fn run(pool: &Pool) -> Result<(), StoreError> {
    match pool {
        Pool::Sqlite(p) => {
            // SQLite has one writer; the connection's transactions serialize the run.
            let migrator = migrator(SQLITE).await?;
            let mut conn = p.acquire().await?;
            adopt_sqlite(&mut conn, &migrator).await?;
            migrator.run_direct(&mut *conn).await.map_err(refused)
        }
        Pool::Postgres(p) => {
            // The lock is per connection: hold one connection for the whole run.
            let migrator = migrator(POSTGRES).await?;
            let mut conn = p.acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)").bind(LOCK_KEY).execute(&mut *conn).await?;
            let result = match adopt_postgres(&mut conn, &migrator).await {
                Ok(()) => migrator.run_direct(&mut *conn).await.map_err(refused),
                Err(e) => Err(e),
            };
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(LOCK_KEY).execute(&mut *conn).await?;
            result
        }
    }
}

/// What a refused migration run says, in the words an operator acts on.
fn refused(e: MigrateError) -> StoreError {
    match e {
        MigrateError::VersionMissing(v) => StoreError::Config(format!(
            "the database has migration {v}, which this build of Rhythm does not know: it was written by a newer version"
        )),
        MigrateError::VersionMismatch(v) => {
            StoreError::Config(format!("migration {v} was changed after it was applied; migrations are append-only"))
        }
        MigrateError::Dirty(v) => StoreError::Config(format!(
            "migration {v} failed part-way on an earlier start; restore the database from a backup taken before it"
        )),
        MigrateError::Execute(e) => StoreError::Db(e),
        other => StoreError::Config(format!("the database could not be migrated: {other}")),
    }
}

/// The `schema_migrations` rows of a database made before sqlx's migrator, checked against
/// `migrator`'s files: (version, sqlx checksum, description) to record.
fn adopted(migrator: &Migrator, rows: Vec<(i64, String)>) -> Result<Vec<(i64, Vec<u8>, String)>, StoreError> {
    let mut out = Vec::new();
    for (version, checksum) in rows {
        let Some(m) = migrator.iter().find(|m| m.version == version) else {
            return Err(refused(MigrateError::VersionMissing(version)));
        };
        if hex::encode(Sha256::digest(m.sql.as_bytes())) != checksum {
            return Err(refused(MigrateError::VersionMismatch(version)));
        }
        out.push((version, m.checksum.to_vec(), m.description.to_string()));
    }
    Ok(out)
}

/// Adopts a database's `schema_migrations` (see the module doc), on either backend's
/// connection: `$exists` answers one row with the table's name when it is there.
macro_rules! adopt {
    ($conn:expr, $migrator:expr, $exists:expr) => {{
        let conn = $conn;
        let old: Option<Option<String>> = sqlx::query_scalar($exists).fetch_optional(&mut *conn).await?;
        if old.flatten().is_some() {
            conn.ensure_migrations_table().await.map_err(refused)?;
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            let rows: Vec<(i64, String)> =
                sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version")
                    .fetch_all(&mut *tx)
                    .await?;
            for (version, checksum, description) in adopted($migrator, rows)? {
                sqlx::query(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                     VALUES ($1, $2, TRUE, $3, 0) ON CONFLICT (version) DO NOTHING",
                )
                .bind(version)
                .bind(description)
                .bind(checksum)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DROP TABLE schema_migrations").execute(&mut *tx).await?;
            tx.commit().await?;
            tracing::info!("adopted the migrations recorded in schema_migrations");
        }
        Ok::<(), StoreError>(())
    }};
}

async fn adopt_sqlite(conn: &mut sqlx::SqliteConnection, migrator: &Migrator) -> Result<(), StoreError> {
    adopt!(conn, migrator, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
}

async fn adopt_postgres(conn: &mut sqlx::PgConnection, migrator: &Migrator) -> Result<(), StoreError> {
    adopt!(conn, migrator, "SELECT to_regclass('schema_migrations')::text")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of each migrations folder is embedded, under the version its name gives.
    #[test]
    fn every_file_is_embedded_in_order() {
        for (backend, files) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let embedded: Vec<String> = files.iter().map(|(_, f, _)| (*f).to_owned()).collect();
            assert_eq!(embedded, on_disk, "{backend}: a migration file is not in the list of migrate.rs");
            for (version, file, _) in files {
                let from_name: i64 = file.split('_').next().unwrap().parse().unwrap();
                assert_eq!(*version, from_name, "{file}");
            }
        }
    }

    #[test]
    fn both_backends_define_the_same_tables_and_columns() {
        let (sqlite, pg) = (Embedded(SQLITE).migrations(), Embedded(POSTGRES).migrations());
        assert_eq!(sqlite.len(), pg.len(), "both backends have the same migrations");
        for (s, p) in sqlite.iter().zip(pg.iter()) {
            assert_eq!((s.version, &s.description), (p.version, &p.description), "same versions and names");
            let (v, name, sqlite, pg) = (s.version, &s.description, &s.sql, &p.sql);
            let cols = |sql: &str| {
                let mut v: Vec<String> = Vec::new();
                let mut table = String::new();
                for line in sql.lines() {
                    let t = line.trim();
                    if let Some(rest) = t.strip_prefix("CREATE TABLE ") {
                        table = rest.split_whitespace().next().unwrap_or("").to_owned();
                    } else if let Some(rest) = t.strip_prefix("ALTER TABLE ") {
                        // `ALTER TABLE t ADD COLUMN c …;` adds one column to an existing table.
                        let words: Vec<&str> = rest.split_whitespace().collect();
                        if let [t, "ADD", "COLUMN", c, ..] = words.as_slice() {
                            v.push(format!("{t}.{c}"));
                        }
                    } else if !table.is_empty() && !t.is_empty() && !t.starts_with("--") && !t.starts_with(')') {
                        let first = t.split_whitespace().next().unwrap_or("");
                        if first.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                            v.push(format!("{table}.{first}"));
                        }
                    }
                    if t.starts_with(");") {
                        table.clear();
                    }
                }
                v
            };
            assert_eq!(cols(sqlite), cols(pg), "migration {v} {name} differs between backends");
            // The parser found the tables (the foundation alone has far more than 50 columns).
            assert!(!cols(sqlite).is_empty(), "migration {v} {name} defines no columns the test can read");
            if v == 1 {
                assert!(cols(sqlite).len() > 50);
            }
        }
    }
}
