//! Embedded migrations, one folder per backend with the same file names.
//! On PostgreSQL the run holds an advisory lock, so several instances starting at once
//! apply each migration exactly once.

use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::db::{Pool, Val};

/// (version, name, sqlite sql, postgres sql)
pub(crate) const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "governance",
        include_str!("../migrations/sqlite/0002_governance.sql"),
        include_str!("../migrations/postgres/0002_governance.sql"),
    ),
    (
        3,
        "outbox",
        include_str!("../migrations/sqlite/0003_outbox.sql"),
        include_str!("../migrations/postgres/0003_outbox.sql"),
    ),
    (
        4,
        "exception_review",
        include_str!("../migrations/sqlite/0004_exception_review.sql"),
        include_str!("../migrations/postgres/0004_exception_review.sql"),
    ),
    (
        5,
        "policy_proposals",
        include_str!("../migrations/sqlite/0005_policy_proposals.sql"),
        include_str!("../migrations/postgres/0005_policy_proposals.sql"),
    ),
    (
        6,
        "notify_marks",
        include_str!("../migrations/sqlite/0006_notify_marks.sql"),
        include_str!("../migrations/postgres/0006_notify_marks.sql"),
    ),
    (
        7,
        "findings",
        include_str!("../migrations/sqlite/0007_findings.sql"),
        include_str!("../migrations/postgres/0007_findings.sql"),
    ),
    (
        8,
        "design_reviews",
        include_str!("../migrations/sqlite/0008_design_reviews.sql"),
        include_str!("../migrations/postgres/0008_design_reviews.sql"),
    ),
    (
        9,
        "ingest",
        include_str!("../migrations/sqlite/0009_ingest.sql"),
        include_str!("../migrations/postgres/0009_ingest.sql"),
    ),
    (
        10,
        "sign_in",
        include_str!("../migrations/sqlite/0010_sign_in.sql"),
        include_str!("../migrations/postgres/0010_sign_in.sql"),
    ),
    (
        11,
        "counters",
        include_str!("../migrations/sqlite/0011_counters.sql"),
        include_str!("../migrations/postgres/0011_counters.sql"),
    ),
];

const LOCK_KEY: i64 = 0x7268_7974_686d; // "rhythm"

pub(crate) async fn run(pool: &Pool) -> Result<(), StoreError> {
    if let Pool::Postgres(p) = pool {
        // The lock is per connection: hold one connection for the whole run.
        let mut conn = p.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(LOCK_KEY).execute(&mut *conn).await?;
        let result = apply(pool).await;
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(LOCK_KEY).execute(&mut *conn).await?;
        return result;
    }
    apply(pool).await
}

async fn apply(pool: &Pool) -> Result<(), StoreError> {
    let mut tx = pool.write().await?;
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL)",
        &[],
    )
    .await?;
    let applied = tx.all("SELECT version, checksum FROM schema_migrations ORDER BY version", &[]).await?;
    tx.commit().await?;
    let mut done = Vec::new();
    for row in applied {
        done.push((row.int("version")?, row.text("checksum")?));
    }
    if let Some((v, _)) = done.iter().find(|(v, _)| !MIGRATIONS.iter().any(|m| m.0 == *v)) {
        return Err(StoreError::Config(format!(
            "the database has migration {v}, which this build of Rhythm does not know: it was written by a newer version"
        )));
    }
    for (version, name, sqlite_sql, pg_sql) in MIGRATIONS {
        let mut tx = pool.write().await?;
        let sql = if tx.is_postgres() { pg_sql } else { sqlite_sql };
        let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
        if let Some((_, sum)) = done.iter().find(|(v, _)| v == version) {
            if *sum != checksum {
                return Err(StoreError::Config(format!(
                    "migration {version} ({name}) was changed after it was applied; migrations are append-only"
                )));
            }
            continue;
        }
        for statement in split_statements(sql) {
            tx.exec(&statement, &[]).await?;
        }
        tx.exec(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            &[Val::from(*version), Val::from(*name), Val::from(checksum)],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}

/// Splits a migration into statements on `;` at line ends, keeping `BEGIN … END;` trigger
/// bodies and `$$ … $$` function bodies whole.
pub(crate) fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut in_dollar = false;
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if trimmed.matches("$$").count() % 2 == 1 {
            in_dollar = !in_dollar;
        }
        if in_dollar {
            continue;
        }
        let upper = trimmed.to_ascii_uppercase();
        if upper == "BEGIN" || upper.ends_with(" BEGIN") {
            depth += 1;
        }
        if trimmed.ends_with(';') {
            if upper.starts_with("END") && depth > 0 {
                depth -= 1;
            }
            if depth == 0 {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_define_the_same_tables_and_columns() {
        for (v, name, sqlite, pg) in MIGRATIONS {
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
            if *v == 1 {
                assert!(cols(sqlite).len() > 50);
            }
        }
    }

    #[test]
    fn splitting_keeps_trigger_and_function_bodies_whole() {
        let (_, _, sqlite, pg) = MIGRATIONS[0];
        let s = split_statements(sqlite);
        assert!(s.iter().any(|x| x.contains("RAISE(ABORT") && x.trim_end().ends_with("END;")));
        let p = split_statements(pg);
        assert!(p.iter().any(|x| x.contains("RAISE EXCEPTION") && x.contains("$$;")));
        assert!(s.iter().all(|x| x.trim_end().ends_with(';')));
    }
}
