use rhythm_domain::{Risk, RiskInput, Stage};
use rhythm_store::Backend;

use crate::{Fixture, both, raw};

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

async fn three_risks(f: &Fixture) {
    for n in 0..3 {
        let input = RiskInput {
            statement: format!("Risk {n} of the truncation test."),
            impact: 2,
            likelihood: 2,
            found_stage: Stage::Development,
            ..Default::default()
        };
        f.store().create(&f.actor, f.now, |no| Risk::create(input, no)).await.unwrap();
    }
}

/// Deleting the newest entries leaves a chain that links from the start: the recorded head
/// catches it, and a head published earlier catches it even when the head record is forged too.
async fn deleting_the_newest_entries_is_detected(f: Fixture) {
    let ws = f.actor.workspace_id;
    three_risks(&f).await;
    let before = f.store().verify_audit_chain(ws).await.unwrap();
    assert!(before.valid, "{before:?}");
    let head = f.store().audit_head(ws).await.unwrap().expect("a head");
    assert_eq!((head.seq, head.hash.as_str()), (before.head_seq, before.head.as_str()));
    assert_eq!(before.entries, head.seq);
    // A published head that is in the chain verifies.
    assert!(f.store().verify_audit_chain_against(ws, Some(&head)).await.unwrap().valid);

    let (drop_log_trigger, drop_head_triggers): (&[&str], &[&str]) = match f.store().backend() {
        Backend::Sqlite => (&["DROP TRIGGER audit_log_no_delete"], &["DROP TRIGGER audit_heads_forward"]),
        Backend::Postgres => (
            &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"],
            &["ALTER TABLE audit_heads DISABLE TRIGGER audit_heads_forward"],
        ),
    };
    let cut = format!("DELETE FROM audit_log WHERE seq > {}", head.seq - 2);
    raw(&f, drop_log_trigger).await;
    raw(&f, &[cut.as_str()]).await;
    let report = f.store().verify_audit_chain(ws).await.unwrap();
    assert!(!report.valid, "{report:?}");
    assert_eq!(report.first_bad_seq, Some(head.seq - 1), "{report:?}");
    assert!(report.problem.as_deref().unwrap().contains("ends before its recorded head"), "{report:?}");

    // The head record is moved back too (its trigger refuses that, so it goes first): the
    // database alone now looks whole, and only the published head tells.
    raw(&f, drop_head_triggers).await;
    let (last, hash): (i64, String) = {
        let log = f.store().audit_log(ws, None, 1, None).await.unwrap();
        (log[0].seq, log[0].hash.clone())
    };
    raw(&f, &[format!("UPDATE audit_heads SET seq = {last}, hash = '{hash}'").as_str()]).await;
    assert!(f.store().verify_audit_chain(ws).await.unwrap().valid);
    let report = f.store().verify_audit_chain_against(ws, Some(&head)).await.unwrap();
    assert!(!report.valid, "{report:?}");
    assert!(report.problem.as_deref().unwrap().contains("before the published head"), "{report:?}");
}
both!(deleting_the_newest_entries_is_detected, super::deleting_the_newest_entries_is_detected);

/// The head record only moves forward: it cannot be set back or removed without disabling
/// its trigger first.
async fn the_head_record_only_moves_forward(f: Fixture) {
    use sqlx::Connection;
    three_risks(&f).await;
    let errors = match f.store().backend() {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&f.db.url).await.unwrap();
            let u = sqlx::query("UPDATE audit_heads SET seq = 1").execute(&mut c).await.unwrap_err();
            let d = sqlx::query("DELETE FROM audit_heads").execute(&mut c).await.unwrap_err();
            (u.to_string(), d.to_string())
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&f.db.url).await.unwrap();
            let u = sqlx::query("UPDATE audit_heads SET seq = 1").execute(&mut c).await.unwrap_err();
            let d = sqlx::query("DELETE FROM audit_heads").execute(&mut c).await.unwrap_err();
            (u.to_string(), d.to_string())
        }
    };
    assert!(errors.0.contains("only moves forward") && errors.1.contains("only moves forward"), "{errors:?}");
}
both!(the_head_record_only_moves_forward, super::the_head_record_only_moves_forward);
