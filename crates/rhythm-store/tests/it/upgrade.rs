//! A database made by an earlier build upgrades on the first start of this one: the migrations
//! it recorded in `schema_migrations` are adopted by sqlx's migrator, what is new is applied,
//! and its data keeps working (numbers, audit chain). A recorded migration whose file changed
//! is refused.

use rhythm_domain::history::HistoryEvent;
use rhythm_domain::{Kind, Risk, RiskInput, Stage};
use rhythm_store::{Backend, Create, Store};
use sha2::{Digest, Sha256};

use crate::{Fixture, both};

fn risk(statement: &str) -> RiskInput {
    RiskInput {
        statement: statement.into(),
        impact: 3,
        likelihood: 3,
        found_stage: Stage::Development,
        ..RiskInput::default()
    }
}

/// Turns the test database back into what the build before sqlx's migrator and before the
/// counters (migration 11), the history of every kind (12) and the sides (13) left: its own
/// `schema_migrations` table (version, name, SHA-256 of each file) listing migrations 1 to 10,
/// no `_sqlx_migrations`, no `counters`, no `entry_events`, no `finding_events.workspace_id`.
async fn make_it_an_older_database(f: &Fixture, tamper: Option<i64>) {
    let folder = match f.store().backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    // Migration 12 (history) undone: no `entry_events`, `finding_events` without its workspace.
    let history_undone: &[&str] = match f.store().backend() {
        Backend::Sqlite => &[
            "DROP TABLE entry_events",
            "CREATE TABLE fe0 (finding_id BLOB NOT NULL REFERENCES findings(id), at TEXT NOT NULL, \
             event TEXT NOT NULL, PRIMARY KEY (finding_id, at, event)) WITHOUT ROWID",
            "INSERT INTO fe0 (finding_id, at, event) SELECT finding_id, at, event FROM finding_events",
            "DROP TABLE finding_events",
            "ALTER TABLE fe0 RENAME TO finding_events",
        ],
        Backend::Postgres => &["DROP TABLE entry_events", "ALTER TABLE finding_events DROP COLUMN workspace_id"],
    };
    let mut sql = vec![
        "DROP TABLE _sqlx_migrations".to_owned(),
        "DROP TABLE counters".to_owned(),
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL)"
            .to_owned(),
    ];
    sql.extend(history_undone.iter().map(|s| (*s).to_owned()));
    // Migration 13 (the sides) undone: no positions, roles or organization-wide flag.
    for (table, column) in [
        ("decisions", "cto_position"),
        ("decisions", "ciso_position"),
        ("decisions", "decided_as"),
        ("decisions", "concurred_as"),
        ("exceptions", "organization_wide"),
    ] {
        sql.push(format!("ALTER TABLE {table} DROP COLUMN {column}"));
    }
    for f in files {
        let file = f.file_name().unwrap().to_string_lossy().into_owned();
        let (number, name) = file.trim_end_matches(".sql").split_once('_').unwrap();
        let version: i64 = number.parse().unwrap();
        if version > 10 {
            continue;
        }
        let mut checksum = hex::encode(Sha256::digest(std::fs::read(&f).unwrap()));
        if tamper == Some(version) {
            checksum = hex::encode(Sha256::digest(b"a different file"));
        }
        sql.push(format!(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES ({version}, '{name}', '{checksum}')"
        ));
    }
    crate::raw(f, &sql).await;
}

async fn an_older_database_upgrades(f: Fixture) {
    let ws = f.actor.workspace_id;
    let mut before = Vec::new();
    for i in 1..=3 {
        let r = f
            .store()
            .create(&f.actor, f.now, |n| Risk::create(risk(&format!("Risk {i} before the upgrade")), n))
            .await
            .unwrap();
        assert_eq!(r.number, i);
        before.push(r);
    }
    let head_before = f.store().audit_head(ws).await.unwrap();
    make_it_an_older_database(&f, None).await;

    let upgraded = Store::open(&f.db.url, Create::MustExist).await.expect("the older database upgrades");
    let r =
        upgraded.create(&f.actor, f.now, |n| Risk::create(risk("The first risk after the upgrade"), n)).await.unwrap();
    assert_eq!(r.number, 4, "the counters start where the entries left off");
    let read: Risk = upgraded.get_by_number(ws, 2).await.unwrap();
    assert_eq!(read.number, 2, "what was there is still read");
    // The history of what was there is rebuilt from its fields; what comes after writes its own.
    let history = upgraded.history(ws, Kind::Risk, before[0].id).await.unwrap();
    let steps: Vec<_> = history.iter().map(|h| (h.event, h.at)).collect();
    assert_eq!(steps, vec![(HistoryEvent::Opened, before[0].created_at)]);
    let history = upgraded.history(ws, Kind::Risk, r.id).await.unwrap();
    assert_eq!(history.iter().map(|h| h.event).collect::<Vec<_>>(), vec![HistoryEvent::Opened]);
    let report = upgraded.verify_audit_chain(ws).await.unwrap();
    assert!(report.valid, "the audit chain still verifies after the upgrade: {:?}", report.problem);
    let head_after = upgraded.audit_head(ws).await.unwrap().unwrap();
    assert!(head_after.seq > head_before.map_or(0, |h| h.seq), "the chain went on from where it was");
    upgraded.close().await;

    // A second start finds nothing to do.
    let again = Store::open(&f.db.url, Create::MustExist).await.expect("a second start");
    let r =
        again.create(&f.actor, f.now, |n| Risk::create(risk("The second risk after the upgrade"), n)).await.unwrap();
    assert_eq!(r.number, 5);
    again.close().await;
}
both!(an_older_database_upgrades, super::an_older_database_upgrades);

async fn a_changed_migration_is_refused(f: Fixture) {
    make_it_an_older_database(&f, Some(4)).await;
    let err = Store::open(&f.db.url, Create::MustExist).await.unwrap_err().to_string();
    assert!(err.contains("migration 4") && err.contains("changed after it was applied"), "{err}");
}
both!(a_changed_migration_is_refused, super::a_changed_migration_is_refused);
