use rhythm::seed::seed;
use rhythm_domain::gate::{CriterionStatus, Verdict};
use rhythm_domain::{ExceptionCommand, ExceptionSide, Kind, Release, Risk, RiskStatus, Stage};
use rhythm_store::testing::TestDb;
use rhythm_store::{Actor, Backend, ListQuery};
use time::macros::{date, datetime};

/// The demo company seeds through the real units of work on both backends, is the same for
/// the same seed, and looks like the brief: ~12 systems, ~60 risks in every status and stage,
/// ~300 backlog items, 18 months of releases.
async fn seeds(backend: Backend) {
    let db = TestDb::new(backend).await;
    let s = seed(&db.store, 42, date!(2026 - 11 - 26), "not-a-real-hash").await.unwrap();
    let ws = s.workspace_id;
    let all = |filters: Vec<(&str, &str)>| ListQuery {
        filters: filters.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        limit: 500,
        ..Default::default()
    };
    let risks = db.store.list::<Risk>(ws, &all(vec![])).await.unwrap();
    assert!((50..=70).contains(&risks.total), "{} risks", risks.total);
    for st in RiskStatus::ALL {
        assert!(risks.items.iter().any(|r| r.status == *st), "a {st} risk");
    }
    for stage in Stage::ALL {
        assert!(risks.items.iter().any(|r| r.found_stage == *stage), "a risk found at {stage}");
    }
    assert!(risks.items.iter().any(|r| !r.system_ids.is_empty()));
    let releases = db.store.list::<Release>(ws, &all(vec![])).await.unwrap();
    assert!(releases.total >= 36, "{} releases", releases.total);
    assert!(releases.items.iter().any(Release::slipped));
    assert!(s.counts["backlog items"] >= 250 && s.counts["systems"] >= 10);
    assert!(db.store.verify_audit_chain(ws).await.unwrap().valid);
    let first = db.store.get_by_number::<Risk>(ws, 1).await.unwrap();
    assert_eq!(Kind::Risk.reference(first.number), "RISK-1");
    seeded_stop_turns_green_when_both_owners_sign(&db, &s).await;
}

/// The demo stops one upcoming release on an open critical finding only, and its pending
/// exception, once the engineering lead and the security lead sign it, lets it go.
async fn seeded_stop_turns_green_when_both_owners_sign(db: &TestDb, s: &rhythm::seed::Seeded) {
    let ws = s.workspace_id;
    let today = date!(2026 - 11 - 26);
    let gates = db.store.gate_upcoming(ws, today).await.unwrap();
    assert!(gates.iter().any(|g| g.verdict == Verdict::Go), "not every upcoming release is stopped");
    let reference = s.stopped.clone().expect("the demo stops a release");
    let stopped = gates.iter().find(|g| g.release == reference).expect("the stopped release is upcoming");
    assert_eq!(stopped.verdict, Verdict::Stop);
    let failing: Vec<_> = stopped.criteria.iter().filter(|c| c.status == CriterionStatus::Fail).collect();
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert_eq!(failing[0].kind, "open_findings");
    assert!(failing[0].evidence[0].detail.contains("critical in production"), "{:?}", failing[0].evidence);

    let waiting = ListQuery { filters: vec![("status".into(), "requested".into())], ..ListQuery::default() };
    let pending = db.store.list_exceptions(ws, &waiting).await.unwrap();
    assert_eq!(pending.total, 1, "one request waits for signatures; the accepted risks' exceptions are approved");
    let e = &pending.items[0];
    assert_eq!(e.finding_ids, vec![failing[0].evidence[0].id]);
    let users = db.store.users(ws).await.unwrap();
    let now = datetime!(2026-11-26 10:00 UTC);
    for (side, id) in
        [(ExceptionSide::Engineering, e.engineering_owner_id), (ExceptionSide::Security, e.security_owner_id)]
    {
        let u = users.iter().find(|u| u.id == id).unwrap();
        let actor = Actor { workspace_id: ws, user_id: Some(u.id), label: u.email.clone() };
        let cmd = ExceptionCommand::Sign { side, user_id: u.id, user_role: u.role, approve: true, note: String::new() };
        db.store.transition_exception(&actor, e.id, cmd, now).await.unwrap();
    }
    let after = db.store.gate(ws, stopped.release_id, today).await.unwrap();
    assert_eq!(after.verdict, Verdict::GoWithExceptions);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seeds_on_sqlite() {
    seeds(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seeds_on_postgres() {
    seeds(Backend::Postgres).await;
}
