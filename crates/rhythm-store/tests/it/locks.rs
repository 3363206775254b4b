//! Several writers at once (several instances on one PostgreSQL): the audit chain never forks,
//! and a long import holds up only what must wait for it (another import), not every other
//! write of the workspace — the workspace's own lock is taken at commit, to append the audit
//! entries, and held only for that moment.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rhythm_domain::{DataTier, Environment, GoldenPath, Risk, RiskInput, Stage, System, SystemInput};
use rhythm_store::{Backend, ImportFile, ScanTarget};
use time::Duration;

use crate::{Fixture, both};

fn risk(statement: &str) -> RiskInput {
    RiskInput {
        statement: statement.into(),
        impact: 3,
        likelihood: 3,
        found_stage: Stage::Development,
        ..Default::default()
    }
}

/// A SARIF file of `n` distinct results.
fn sarif(n: usize) -> Vec<u8> {
    let mut s = String::from(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"results":["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"ruleId":"js/rule-{}","level":"error","message":{{"text":"Untrusted data reaches a sink in handler {i}."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/file{i}.js"}},"region":{{"startLine":{}}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{i:016x}:1"}}}}"#,
            i % 40,
            i % 900 + 1
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

async fn parallel_writers_keep_one_chain(f: Fixture) {
    let ws = f.actor.workspace_id;
    let before = f.store().verify_audit_chain(ws).await.unwrap().entries;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (s, actor, now) = (f.store().clone(), f.actor.clone(), f.now + Duration::seconds(i));
        tasks.push(tokio::spawn(async move {
            s.create(&actor, now, |n| Risk::create(risk(&format!("Risk written at once, number {i}")), n)).await
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap().number);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=12).collect::<Vec<_>>(), "each number once");
    let report = f.store().verify_audit_chain(ws).await.unwrap();
    assert!(report.valid, "{:?}", report.problem);
    assert_eq!(report.entries, before + 12);
    let head = f.store().audit_head(ws).await.unwrap().unwrap();
    assert_eq!((head.seq, head.hash), (report.head_seq, report.head));
}
both!(parallel_writers_keep_one_chain, super::parallel_writers_keep_one_chain);

/// PostgreSQL only: on SQLite one write transaction holds the whole database by design.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_import_holds_up_no_other_write() {
    use sqlx::Connection as _;
    let f = Fixture::new(Backend::Postgres).await;
    let s = f.store().clone();
    let ws = f.actor.workspace_id;
    let input = SystemInput {
        name: "web".into(),
        owner_team: "Web".into(),
        tier: DataTier::Internal,
        golden_paths: GoldenPath::ALL.to_vec(),
        ..Default::default()
    };
    let system = s.create(&f.actor, f.now, |n| System::create(input, n)).await.unwrap();
    let bytes = sarif(40_000);
    let scan = rhythm_ingest::sarif::parse(&bytes).unwrap();
    let file = ImportFile { format: "sarif".into(), file_name: "big.sarif".into(), sha256: "0".repeat(64), bytes: 1 };
    let target = ScanTarget { system_id: Some(system.id), environment: Environment::Production };

    let done = Arc::new(AtomicBool::new(false));
    let import = {
        let (s, actor, now, done) = (s.clone(), f.actor.clone(), f.now, done.clone());
        tokio::spawn(async move {
            let r = s.import_scan(&actor, now, &file, &target, &scan).await;
            done.store(true, Ordering::SeqCst);
            r
        })
    };
    // Wait until the import is inside its transaction: it holds its lane's advisory lock.
    let mut c = sqlx::PgConnection::connect(&f.db.url).await.unwrap();
    let mut waited = 0;
    loop {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            .fetch_one(&mut c)
            .await
            .unwrap();
        if n > 0 {
            break;
        }
        assert!(waited < 3000, "the import never started");
        assert!(!done.load(Ordering::SeqCst), "the import ended before it could be watched: make the file bigger");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    // A risk is written (number, row, audit entry) while the import is still running.
    let r = s.create(&f.actor, f.now, |n| Risk::create(risk("Written during a long import"), n)).await.unwrap();
    assert!(!done.load(Ordering::SeqCst), "the risk waited for the import");
    let record = import.await.unwrap().unwrap();
    assert_eq!(record.counts.created, 40_000);
    let report = s.verify_audit_chain(ws).await.unwrap();
    assert!(report.valid, "{:?}", report.problem);
    let first: Vec<_> = s.audit_log(ws, Some(r.id), 5, None).await.unwrap();
    assert_eq!(first.len(), 1, "the risk's entry is in the chain");
}
