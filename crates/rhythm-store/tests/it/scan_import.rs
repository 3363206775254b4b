//! Scanner imports: re-import semantics per (system, tool, environment), the event history
//! and as-of counts, silent exceptions, import records, and all-or-nothing failure — on real
//! scanner files from the shared fixtures.

use rhythm_domain::{DataTier, Environment, Finding, FindingStatus, GoldenPath, Severity, System, SystemInput};
use rhythm_ingest::{Scan, ScannedFinding};
use rhythm_store::{ImportFile, ListQuery, ScanTarget, StoreError};
use time::Duration;
use uuid::Uuid;

use rhythm_store::testing::fixture;

use crate::governance::{approve, exception_input, people};
use crate::{Fixture, both};

async fn system(f: &Fixture, name: &str) -> System {
    let input = SystemInput {
        name: name.into(),
        owner_team: "Platform".into(),
        tier: DataTier::Internal,
        golden_paths: GoldenPath::ALL.to_vec(),
        ..Default::default()
    };
    f.store().create(&f.actor, f.now, |n| System::create(input, n)).await.unwrap()
}

async fn findings(f: &Fixture, filters: &[(&str, &str)]) -> Vec<Finding> {
    let q = ListQuery {
        filters: filters.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        limit: 500,
        today: Some(f.now.date()),
        ..Default::default()
    };
    f.store().list::<Finding>(f.actor.workspace_id, &q).await.unwrap().items
}

async fn count_rows(f: &Fixture) -> (usize, usize, usize) {
    let ws = f.actor.workspace_id;
    let all = findings(f, &[]).await.len();
    let imports = f.store().imports(ws, 1000).await.unwrap().len();
    let audit = f.store().audit_log(ws, None, 1000, None).await.unwrap().len();
    (all, imports, audit)
}

fn file(name: &str, bytes: &[u8]) -> ImportFile {
    ImportFile::of("trivy", name, bytes)
}

async fn reimport_opens_closes_and_reopens(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let sys = system(&f, "payments-api").await;
    let target = ScanTarget { system_id: Some(sys.id), environment: Environment::Production };
    let bytes = fixture("trivy/alpine-310.json");
    let scan = rhythm_ingest::trivy::parse(&bytes).unwrap();
    let total = scan.findings.len() as u64;
    assert!(total > 3, "the fixture has findings");

    let first = s.import_scan(&f.actor, f.now, &file("npm.json", &bytes), &target, &scan).await.unwrap();
    assert_eq!(first.reference, "IMP-1");
    assert_eq!((first.counts.total, first.counts.created, first.counts.closed), (total, total, 0));
    let open = findings(&f, &[("status", "open")]).await;
    assert_eq!(open.len() as u64, total);
    assert!(open.iter().all(|x| x.system_id == Some(sys.id) && x.tool == "trivy" && x.last_seen == Some(x.first_seen)));
    assert!(open.iter().any(|x| x.fixed_version.is_some()), "Trivy reports fixed versions");

    // The same file again changes nothing but last-seen.
    let later = f.now + Duration::hours(1);
    let before: Vec<Finding> = findings(&f, &[]).await;
    let again = s.import_scan(&f.actor, later, &file("npm.json", &bytes), &target, &scan).await.unwrap();
    assert_eq!(again.counts.unchanged, total);
    assert_eq!(again.counts.created + again.counts.updated + again.counts.closed + again.counts.reopened, 0);
    let after: Vec<Finding> = findings(&f, &[]).await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((b.id, b.version, b.status, b.fixed_at), (a.id, a.version, a.status, a.fixed_at));
        assert_eq!(a.last_seen.map(time::OffsetDateTime::unix_timestamp), Some(later.unix_timestamp()));
    }

    // Two fixed upstream, one new one: 2 closed, 1 created.
    let mut smaller = scan.clone();
    let gone: Vec<ScannedFinding> = smaller.findings.drain(..2).collect();
    let mut extra = smaller.findings[0].clone();
    extra.rule = "CVE-2099-0001".into();
    extra.fingerprint = rhythm_ingest::fingerprint(&["new", "one"]);
    smaller.findings.push(extra);
    let t2 = f.now + Duration::days(3);
    let r = s.import_scan(&f.actor, t2, &file("npm.json", b"v2"), &target, &smaller).await.unwrap();
    assert_eq!((r.counts.created, r.counts.closed, r.counts.unchanged, r.counts.reopened), (1, 2, total - 2, 0));
    let fixed = findings(&f, &[("status", "fixed")]).await;
    assert_eq!(fixed.len(), 2);
    assert!(fixed.iter().all(|x| x.fixed_at.map(time::OffsetDateTime::unix_timestamp) == Some(t2.unix_timestamp())));
    // A closed one was last seen by the import before (the scope's previous import).
    assert!(
        fixed.iter().all(|x| x.last_seen.map(time::OffsetDateTime::unix_timestamp) == Some(later.unix_timestamp()))
    );
    let open_now = findings(&f, &[("status", "open")]).await;
    assert!(
        open_now.iter().all(|x| x.last_seen.map(time::OffsetDateTime::unix_timestamp) == Some(t2.unix_timestamp()))
    );
    let gone_rules: Vec<&str> = gone.iter().map(|g| g.rule.as_str()).collect();
    assert!(fixed.iter().all(|x| gone_rules.contains(&x.rule.as_str())));

    // They come back: reopened (not duplicated), and the extra one is fixed.
    let t3 = f.now + Duration::days(10);
    let r = s.import_scan(&f.actor, t3, &file("npm.json", &bytes), &target, &scan).await.unwrap();
    assert_eq!((r.counts.created, r.counts.closed, r.counts.reopened), (0, 1, 2));
    assert_eq!(findings(&f, &[]).await.len() as u64, total + 1);
    let history = s.finding_history(ws, fixed[0].id).await.unwrap();
    let events: Vec<&str> = history.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["opened", "fixed", "reopened"]);

    // As of any moment, from the history alone.
    let open_at = |a: &rhythm_store::FindingsAsOf| a.open.iter().map(|c| c.open).sum::<u64>();
    let at = |d| s.findings_as_of(ws, d);
    assert_eq!(open_at(&at(f.now - Duration::seconds(1)).await.unwrap()), 0);
    let mid = at(t2 + Duration::hours(1)).await.unwrap();
    assert_eq!((open_at(&mid), mid.fixed), (total - 1, 2));
    let end = at(t3).await.unwrap();
    assert_eq!((open_at(&end), end.fixed), (total, 1));

    let records = s.imports(ws, 10).await.unwrap();
    assert_eq!(records.iter().map(|r| r.number).collect::<Vec<_>>(), [4, 3, 2, 1]);
    assert_eq!(records[3].sha256.len(), 64);
    assert_eq!(records[3].environment.as_deref(), Some("production"));
    assert_eq!(records[3].actor, f.actor.label);
    assert_eq!(s.import_record(ws, 1).await.unwrap(), records[3]);
}
both!(reimport_opens_closes_and_reopens, super::reimport_opens_closes_and_reopens);

async fn scopes_are_independent(f: Fixture) {
    let s = f.store();
    let sys = system(&f, "web").await;
    let prod = ScanTarget { system_id: Some(sys.id), environment: Environment::Production };
    let staging = ScanTarget { environment: Environment::Staging, ..prod };
    let bytes = fixture("trivy/alpine-310.json");
    let trivy = rhythm_ingest::trivy::parse(&bytes).unwrap();
    let n = trivy.findings.len() as u64;
    s.import_scan(&f.actor, f.now, &file("a", &bytes), &prod, &trivy).await.unwrap();
    let r = s.import_scan(&f.actor, f.now, &file("a", &bytes), &staging, &trivy).await.unwrap();
    assert_eq!(r.counts.created, n, "another environment is another scope");
    // Another tool's file for the same system leaves Trivy's findings alone.
    let sarif_bytes = fixture("sarif/gosec_smithy.sarif");
    let gosec = rhythm_ingest::sarif::parse(&sarif_bytes).unwrap();
    let r = s
        .import_scan(&f.actor, f.now, &ImportFile::of("sarif", "gosec.sarif", &sarif_bytes), &prod, &gosec)
        .await
        .unwrap();
    assert_eq!((r.counts.created, r.counts.closed), (gosec.findings.len() as u64, 0));
    // An empty Trivy file for production closes Trivy's production findings only.
    let empty = Scan { format: "trivy", findings: vec![] };
    let r = s.import_scan(&f.actor, f.now, &file("empty", b"{}"), &prod, &empty).await.unwrap();
    assert_eq!(r.counts.closed, 0, "a file without findings names no tool, so it closes nothing");
    let mut one = trivy.clone();
    one.findings.truncate(1);
    let r = s.import_scan(&f.actor, f.now, &file("one", b"1"), &prod, &one).await.unwrap();
    assert_eq!(r.counts.closed, n - 1);
    let open_staging = findings(&f, &[("environment", "staging"), ("status", "open")]).await;
    assert_eq!(open_staging.len() as u64, n);
}
both!(scopes_are_independent, super::scopes_are_independent);

async fn suppressed_findings_without_an_exception_are_silent(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let sys = system(&f, "uptime-watcher").await;
    let target = ScanTarget { system_id: Some(sys.id), environment: Environment::Production };
    let bytes = fixture("sarif/eslint_uptime_watcher.sarif");
    let scan = rhythm_ingest::sarif::parse(&bytes).unwrap();
    let suppressed = scan.findings.iter().filter(|x| x.suppression.is_some()).count();
    assert!(suppressed > 0 && suppressed < scan.findings.len(), "the fixture mixes suppressed and not");
    let r =
        s.import_scan(&f.actor, f.now, &ImportFile::of("sarif", "eslint.sarif", &bytes), &target, &scan).await.unwrap();
    assert_eq!(r.counts.silent, suppressed as u64);
    let silent = findings(&f, &[("silent", "true")]).await;
    assert_eq!(silent.len(), suppressed);
    assert!(silent.iter().all(|x| x.suppression.as_deref().is_some_and(|k| k.starts_with("inSource"))));
    assert_eq!(findings(&f, &[("suppressed", "true")]).await.len(), suppressed);

    // An approved exception naming one of them makes it a visible, accepted exception.
    let team = people(&f, &f.actor, "acme").await;
    let mut input = exception_input(&f, team.eng.user_id.unwrap(), team.sec.user_id.unwrap(), team.risk.id);
    input.finding_ids = vec![silent[0].id];
    let e = s.request_exception(&team.requester, input, f.now).await.unwrap();
    let e = approve(&f, &team, &e).await;
    assert_eq!(findings(&f, &[("silent", "true")]).await.len(), suppressed - 1);
    let history = s.finding_history(ws, silent[0].id).await.unwrap();
    assert_eq!(history.iter().map(|h| h.event.as_str()).collect::<Vec<_>>(), ["opened", "accepted"]);
    assert_eq!(s.findings_as_of(ws, f.now).await.unwrap().accepted, 1);

    // One naming the system and, in its signed scope, the rule covers the rest of that rule.
    // (A title naming the rule covers nothing: the title can change without new signatures.)
    let rule = silent[1].rule.clone();
    let same_rule = silent.iter().filter(|x| x.rule == rule && x.id != silent[0].id).count();
    let mut input = exception_input(&f, team.eng.user_id.unwrap(), team.sec.user_id.unwrap(), team.risk.id);
    input.title = format!("Accept {rule} in uptime-watcher until the rewrite");
    input.scope = format!("{rule} in uptime-watcher until the rewrite");
    input.system_ids = vec![sys.id];
    let e2 = s.request_exception(&team.requester, input, f.now).await.unwrap();
    approve(&f, &team, &e2).await;
    assert_eq!(findings(&f, &[("silent", "true")]).await.len(), suppressed - 1 - same_rule);
    // The re-import counts what is still silent.
    let r =
        s.import_scan(&f.actor, f.now, &ImportFile::of("sarif", "eslint.sarif", &bytes), &target, &scan).await.unwrap();
    assert_eq!(r.counts.silent as usize, suppressed - 1 - same_rule);
    assert_eq!(r.counts.unchanged as usize, scan.findings.len());
    let _ = e;
}
both!(suppressed_findings_without_an_exception_are_silent, super::suppressed_findings_without_an_exception_are_silent);

async fn a_failed_import_stores_nothing(f: Fixture) {
    let s = f.store();
    let sys = system(&f, "core").await;
    let target = ScanTarget { system_id: Some(sys.id), environment: Environment::Production };
    let bytes = fixture("trivy/alpine-310.json");
    let mut scan = rhythm_ingest::trivy::parse(&bytes).unwrap();
    s.import_scan(&f.actor, f.now, &file("npm.json", &bytes), &target, &scan).await.unwrap();
    let before = count_rows(&f).await;
    let versions: Vec<i64> = findings(&f, &[]).await.iter().map(|x| x.version).collect();
    // The last finding of the next file is unusable (no rule): the whole file is refused,
    // including the closing of what it no longer holds.
    scan.findings.drain(..2);
    let mut bad = scan.findings[0].clone();
    bad.rule = "   ".into();
    bad.fingerprint = rhythm_ingest::fingerprint(&["bad"]);
    scan.findings.push(bad);
    let err = s.import_scan(&f.actor, f.now, &file("bad.json", b"bad"), &target, &scan).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("rule"), "{err}");
    assert_eq!(count_rows(&f).await, before);
    assert_eq!(findings(&f, &[]).await.iter().map(|x| x.version).collect::<Vec<_>>(), versions);
    // A system of another workspace is not a target.
    let other = f.other_workspace().await;
    let theirs = ScanTarget { system_id: Some(Uuid::new_v4()), environment: Environment::Production };
    let err = s.import_scan(&other, f.now, &file("x", b"x"), &theirs, &scan).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let err = s.import_scan(&other, f.now, &file("x", b"x"), &target, &scan).await.unwrap_err();
    assert!(err.to_string().contains("system"), "{err}");
    assert_eq!(count_rows(&f).await, before);
}
both!(a_failed_import_stores_nothing, super::a_failed_import_stores_nothing);

async fn register_writes_keep_the_history_too(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let input = rhythm_domain::FindingInput {
        system_id: None,
        tool: "pentest".into(),
        rule: "IDOR on /invoices".into(),
        title: "Invoices readable across tenants".into(),
        severity: Severity::High,
        environment: Environment::Production,
        component: String::new(),
        kev: false,
        first_seen: Some(f.now - Duration::days(5)),
        external_id: None,
    };
    let x = s.create(&f.actor, f.now, |n| Finding::create(input, n)).await.unwrap();
    let later = f.now + Duration::days(2);
    let fixed = s.update::<Finding>(&f.actor, x.id, later, "close", None, |v| v.close(later)).await.unwrap();
    assert_eq!(fixed.status, FindingStatus::Fixed);
    let h = s.finding_history(ws, x.id).await.unwrap();
    assert_eq!(h.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["opened", "fixed"]);
    assert_eq!(h[0].at, f.now - Duration::days(5) - Duration::nanoseconds(i64::from(f.now.nanosecond()) % 1000));
    let as_of = s.findings_as_of(ws, f.now).await.unwrap();
    assert_eq!((as_of.open.len(), as_of.open[0].open, as_of.open[0].severity), (1, 1, Severity::High));
}
both!(register_writes_keep_the_history_too, super::register_writes_keep_the_history_too);

/// A scan of `n` generated findings; every 1,000th one suppressed.
fn generated_scan(n: usize) -> Scan {
    let findings = (0..n)
        .map(|i| ScannedFinding {
            tool: "GenScan".into(),
            rule: format!("RULE-{}", i % 50),
            aliases: vec![],
            title: format!("Generated finding {i}"),
            severity: [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info][i % 5],
            component: Some(format!("pkg-{}", i % 300)),
            version: None,
            fixed_version: None,
            location: Some(format!("src/file{}.rs:{}", i % 97, i)),
            cvss_score: None,
            cvss_vector: None,
            suppression: (i % 1000 == 7).then(|| rhythm_ingest::model::Suppression {
                kind: "inSource".into(),
                justification: Some(format!("reviewed {i}")),
            }),
            baseline_state: None,
            fingerprint: rhythm_ingest::fingerprint(&["gen", &i.to_string()]),
        })
        .collect();
    Scan { format: "sarif", findings }
}

/// A scope with more open findings than one page of the SQLite open-set read (10,000 a
/// statement): every one is matched, severity and suppression changes are seen, and the one
/// left out is closed.
async fn a_large_scope_reimports_across_pages(f: Fixture) {
    let s = f.store();
    let sys = system(&f, "big-monolith").await;
    let target = ScanTarget { system_id: Some(sys.id), environment: Environment::Production };
    let total = 25_001;
    let scan = generated_scan(total);
    let suppressed = scan.findings.iter().filter(|x| x.suppression.is_some()).count() as u64;
    let sarif = |name: &str| ImportFile::of("sarif", name, name.as_bytes());
    let r = s.import_scan(&f.actor, f.now, &sarif("gen-1.sarif"), &target, &scan).await.unwrap();
    assert_eq!((r.counts.created, r.counts.silent), (total as u64, suppressed));

    let later = f.now + Duration::hours(1);
    let r = s.import_scan(&f.actor, later, &sarif("gen-2.sarif"), &target, &scan).await.unwrap();
    assert_eq!((r.counts.unchanged, r.counts.created, r.counts.updated, r.counts.closed), (total as u64, 0, 0, 0));
    assert_eq!(r.counts.silent, suppressed, "suppressed ones on every page are still silent");

    // One in each page changes severity, one suppressed one's justification changes, the last
    // one is gone.
    let mut next = scan.clone();
    for i in [3, 10_003, 20_003] {
        next.findings[i].severity = Severity::Critical;
        next.findings[i].suppression = None;
    }
    next.findings[20_007].suppression.as_mut().unwrap().justification = Some("re-reviewed".into());
    let gone = next.findings.pop().unwrap();
    let t2 = f.now + Duration::hours(2);
    let r = s.import_scan(&f.actor, t2, &sarif("gen-3.sarif"), &target, &next).await.unwrap();
    assert_eq!(
        (r.counts.updated, r.counts.closed, r.counts.unchanged, r.counts.created),
        (4, 1, total as u64 - 5, 0),
        "3 severity changes, 1 suppression change, 1 gone"
    );
    let fixed = findings(&f, &[("status", "fixed")]).await;
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].location, gone.location);
    let query = ListQuery { q: Some("Generated finding 10003".into()), limit: 10, ..Default::default() };
    let changed = s.list::<Finding>(f.actor.workspace_id, &query).await.unwrap().items;
    assert_eq!(changed.len(), 1);
    assert_eq!((changed[0].severity, changed[0].status), (Severity::Critical, FindingStatus::Open));
    assert_eq!(changed[0].suppression, None);
}
both!(a_large_scope_reimports_across_pages, super::a_large_scope_reimports_across_pages);

/// SQLite: a large import's commit does not copy its write-ahead log into the database file
/// (that would keep the answer waiting); the background task does, within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_commit_leaves_its_checkpoint_to_the_background() {
    let f = Fixture::new(rhythm_store::Backend::Sqlite).await;
    let s = f.store();
    let path = f.db.url.trim_start_matches("sqlite://").split('?').next().unwrap().to_owned();
    let db_bytes = || std::fs::metadata(&path).unwrap().len();
    let sys = system(&f, "big-monolith").await;
    // Everything committed so far is in the database file; only the import is in the log.
    s.checkpoint().await.unwrap().expect("SQLite checkpoints");
    let before = db_bytes();
    let target = ScanTarget { system_id: Some(sys.id), environment: Environment::Production };
    let scan = generated_scan(20_000);
    s.import_scan(&f.actor, f.now, &ImportFile::of("sarif", "gen.sarif", b"gen"), &target, &scan).await.unwrap();
    let wal = std::fs::metadata(format!("{path}-wal")).unwrap().len();
    assert!(wal > 8 << 20, "the import's {wal} bytes of log are past SQLite's own 4 MiB checkpoint threshold");
    assert_eq!(db_bytes(), before, "the commit left the database file as it was");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while db_bytes() < before + (8 << 20) {
        assert!(std::time::Instant::now() < deadline, "no background checkpoint within 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let c = s.checkpoint().await.unwrap().unwrap();
    assert!(c.complete(), "everything is in the database file: {c:?}");
}
