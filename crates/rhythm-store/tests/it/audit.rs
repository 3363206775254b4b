use rhythm_domain::{Risk, RiskInput, Stage};
use rhythm_store::Backend;

use crate::{Fixture, both};

async fn every_write_is_chained_and_the_chain_verifies(f: Fixture) {
    let s = f.store();
    let input = RiskInput {
        statement: "Audit me.".into(),
        impact: 2,
        likelihood: 2,
        found_stage: Stage::Development,
        ..Default::default()
    };
    let r = s.create(&f.actor, f.now, |n| Risk::create(input, n)).await.unwrap();
    s.update::<Risk>(&f.actor, r.id, f.now, "close", None, |x| x.close(f.now)).await.unwrap();

    let log = s.audit_log(f.actor.workspace_id, Some(r.id), 10, None).await.unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["close", "create"]);
    assert_eq!(log[0].actor, "ciso@acme.example");
    assert!(log[0].before.as_deref().unwrap().contains("\"status\":\"open\""));
    assert!(log[0].after.as_deref().unwrap().contains("\"status\":\"closed\""));
    assert_eq!(log[0].prev_hash, log[1].hash);

    let report = s.verify_audit_chain(f.actor.workspace_id).await.unwrap();
    assert!(report.valid, "{report:?}");
    assert_eq!(report.entries, 4);
    assert_eq!(report.head, log[0].hash);
}
both!(every_write_is_chained_and_the_chain_verifies, super::every_write_is_chained_and_the_chain_verifies);

/// The database itself refuses to rewrite or delete audit rows.
async fn the_database_refuses_to_rewrite_history(f: Fixture) {
    let url = f.db.url.clone();
    let ws = f.actor.workspace_id;
    let backend = f.store().backend();
    let (update_err, delete_err) = match backend {
        Backend::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let u = sqlx::query("UPDATE audit_log SET actor = 'mallory'").execute(&mut c).await.unwrap_err();
            let d = sqlx::query("DELETE FROM audit_log").execute(&mut c).await.unwrap_err();
            (u.to_string(), d.to_string())
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            let u = sqlx::query("UPDATE audit_log SET actor = 'mallory'").execute(&mut c).await.unwrap_err();
            let d = sqlx::query("DELETE FROM audit_log").execute(&mut c).await.unwrap_err();
            (u.to_string(), d.to_string())
        }
    };
    assert!(update_err.contains("append-only"), "{update_err}");
    assert!(delete_err.contains("append-only"), "{delete_err}");
    assert!(f.store().verify_audit_chain(ws).await.unwrap().valid);
}
both!(the_database_refuses_to_rewrite_history, super::the_database_refuses_to_rewrite_history);

/// Someone with raw access who drops the triggers and edits a row is caught by verification.
async fn tampering_is_detected(f: Fixture) {
    let url = f.db.url.clone();
    let ws = f.actor.workspace_id;
    match f.store().backend() {
        Backend::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut c).await.unwrap();
            sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").execute(&mut c).await.unwrap();
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&mut c).await.unwrap();
            sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").execute(&mut c).await.unwrap();
        }
    }
    let report = f.store().verify_audit_chain(ws).await.unwrap();
    assert!(!report.valid);
    assert_eq!(report.first_bad_seq, Some(2));
}
both!(tampering_is_detected, super::tampering_is_detected);
