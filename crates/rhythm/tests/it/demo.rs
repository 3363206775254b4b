use rhythm::seed::seed;
use rhythm_domain::{Kind, Release, Risk, RiskStatus, Stage};
use rhythm_store::testing::TestDb;
use rhythm_store::{Backend, ListQuery};
use time::macros::date;

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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seeds_on_sqlite() {
    seeds(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seeds_on_postgres() {
    seeds(Backend::Postgres).await;
}
