//! Per-workspace numbers (RISK-n, DEC-n, IMP-n) come from the `counters` table, and a database
//! written before the counters existed upgrades with every kind's count carried over.

use rhythm_domain::{DataTier, Risk, RiskInput, Stage, System, SystemInput};
use rhythm_store::{Create, Store};

use crate::{Fixture, both};

fn risk(statement: &str) -> RiskInput {
    RiskInput {
        statement: statement.into(),
        impact: 3,
        likelihood: 3,
        found_stage: Stage::DesignReview,
        ..RiskInput::default()
    }
}

fn system(name: &str) -> SystemInput {
    SystemInput {
        name: name.into(),
        description: "d".into(),
        owner_team: "t".into(),
        tier: DataTier::Internal,
        golden_paths: vec![],
    }
}

async fn numbers_survive_an_upgrade(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    for i in 1..=3 {
        let r =
            s.create(&f.actor, f.now, |n| Risk::create(risk(&format!("Risk number {i} of three")), n)).await.unwrap();
        assert_eq!(r.number, i);
    }
    let first = s.create(&f.actor, f.now, |n| System::create(system("one"), n)).await.unwrap();
    assert_eq!(first.number, 1, "each kind counts on its own");
    // Another workspace counts from 1.
    let other = f.other_workspace().await;
    let elsewhere = s.create(&other, f.now, |n| Risk::create(risk("A risk of another workspace"), n)).await.unwrap();
    assert_eq!(elsewhere.number, 1);

    // The database as the build before the counters left it: no table, migration 11 not applied.
    let (migrations, version_column) = crate::migration_table();
    crate::raw(&f, &["DROP TABLE counters", &format!("DELETE FROM {migrations} WHERE {version_column} = 11")]).await;
    let reopened = Store::open(&f.db.url, Create::MustExist).await.unwrap();
    let r = reopened
        .create(&f.actor, f.now, |n| Risk::create(risk("The fourth risk, after the upgrade"), n))
        .await
        .unwrap();
    assert_eq!(r.number, 4, "the upgrade carries each workspace's count over");
    let second = reopened.create(&f.actor, f.now, |n| System::create(system("two"), n)).await.unwrap();
    assert_eq!(second.number, 2);
    let elsewhere = reopened.create(&other, f.now, |n| Risk::create(risk("Second risk elsewhere"), n)).await.unwrap();
    assert_eq!(elsewhere.number, 2);
    let read: Risk = reopened.get_by_number(ws, 4).await.unwrap();
    assert_eq!(read.id, r.id);
    reopened.close().await;
}
both!(numbers_come_from_counters_and_survive_an_upgrade, super::numbers_survive_an_upgrade);

async fn a_refused_create_takes_no_number(f: Fixture) {
    let s = f.store();
    s.create(&f.actor, f.now, |n| System::create(system("payments"), n)).await.unwrap();
    // Same name: refused after the number was taken, in the same transaction.
    s.create(&f.actor, f.now, |n| System::create(system("payments"), n)).await.unwrap_err();
    let next = s.create(&f.actor, f.now, |n| System::create(system("ledger"), n)).await.unwrap();
    assert_eq!(next.number, 2, "the refused write rolled its number back");
}
both!(a_refused_create_takes_no_number, super::a_refused_create_takes_no_number);
