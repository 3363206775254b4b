use rhythm_domain::{
    BacklogItem, BacklogItemInput, DataTier, GoldenPath, Incident, IncidentInput, Kind, Risk, RiskInput, RiskPatch,
    RiskStatus, Severity, Stage, System, SystemInput, WorkKind,
};
use rhythm_store::{ListQuery, SortDir, StoreError};
use time::Duration;
use time::macros::date;

use crate::{Fixture, both};

fn system_input(name: &str) -> SystemInput {
    SystemInput {
        name: name.into(),
        description: "Takes card payments".into(),
        owner_team: "Payments".into(),
        tier: DataTier::Restricted,
        golden_paths: vec![GoldenPath::IdentityAccess, GoldenPath::LoggingMonitoring],
    }
}

fn risk_input(statement: &str, impact: i64, likelihood: i64) -> RiskInput {
    RiskInput {
        statement: statement.into(),
        impact,
        likelihood,
        found_stage: Stage::Production,
        ..RiskInput::default()
    }
}

async fn create_read_update_round_trip(f: Fixture) {
    let s = f.store();
    let sys = s.create(&f.actor, f.now, |n| System::create(system_input("payments-api"), n)).await.unwrap();
    let mut input = risk_input("Card data could leak through verbose error logs.", 4, 3);
    input.system_ids = vec![sys.id];
    input.tags = vec!["customer-harm".into(), "regulatory".into()];
    input.due_date = Some(date!(2026 - 04 - 30));
    input.owner_id = f.actor.user_id;
    let created = s.create(&f.actor, f.now, |n| Risk::create(input, n)).await.unwrap();
    assert_eq!((created.number, created.score, created.version), (1, 12, 1));

    let read: Risk = s.get(f.actor.workspace_id, created.id).await.unwrap();
    assert_eq!(read, created, "what is read back equals what was written, to the microsecond");
    let by_number: Risk = s.get_by_number(f.actor.workspace_id, 1).await.unwrap();
    assert_eq!(by_number.id, created.id);

    let later = f.now + Duration::days(3);
    let plan = rhythm_domain::RiskUpdateInput {
        what: "Backups are untested".into(),
        why: "A restore could fail".into(),
        doing: "Monthly restore drill".into(),
        closes: "After the first drill".into(),
    };
    s.add_risk_update(&f.actor, created.id, later, plan).await.unwrap();
    let mitigation = Some("Monthly restore drill".to_owned());
    let patch =
        RiskPatch { likelihood: Some(5), status: Some(RiskStatus::Mitigating), mitigation, ..Default::default() };
    let updated =
        s.update::<Risk>(&f.actor, created.id, later, "update", Some(1), |r| r.apply(patch, later)).await.unwrap();
    assert_eq!((updated.score, updated.version, updated.status), (20, 2, RiskStatus::Mitigating));
    assert_eq!(updated.system_ids, vec![sys.id]);

    // A stale version is refused and changes nothing.
    let err = s
        .update::<Risk>(&f.actor, created.id, later, "update", Some(1), |r| r.apply(RiskPatch::default(), later))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("version 1")), "{err}");
    let closed = s.update::<Risk>(&f.actor, created.id, later, "close", None, |r| r.close(later)).await.unwrap();
    assert_eq!(closed.status, RiskStatus::Closed);
    let again: Risk = s.get(f.actor.workspace_id, created.id).await.unwrap();
    assert_eq!(again, closed);
}
both!(create_read_update_round_trip, super::create_read_update_round_trip);

async fn invalid_input_is_refused_and_nothing_is_written(f: Fixture) {
    let s = f.store();
    let err = s.create(&f.actor, f.now, |n| Risk::create(risk_input("one\ntwo\nthree", 9, 1), n)).await.unwrap_err();
    let StoreError::Invalid(inv) = err else { panic!("expected a field error, got {err}") };
    let fields: Vec<_> = inv.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["statement", "impact"]);
    let page = s.list::<Risk>(f.actor.workspace_id, &ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(s.audit_log(f.actor.workspace_id, None, 100, None).await.unwrap().len(), 2, "workspace + user only");
}
both!(invalid_input_is_refused_and_nothing_is_written, super::invalid_input_is_refused_and_nothing_is_written);

async fn workspaces_are_isolated(f: Fixture) {
    let s = f.store();
    let other = f.other_workspace().await;
    let foreign_sys = s.create(&other, f.now, |n| System::create(system_input("their-api"), n)).await.unwrap();
    let mine = s.create(&f.actor, f.now, |n| Risk::create(risk_input("Mine.", 2, 2), n)).await.unwrap();

    // Reading or changing another workspace's entry is "not found".
    assert!(matches!(s.get::<System>(f.actor.workspace_id, foreign_sys.id).await, Err(StoreError::NotFound { .. })));
    let err = s.update::<Risk>(&other, mine.id, f.now, "close", None, |r| r.close(f.now)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    // Linking to another workspace's entry is refused with the field named.
    let mut input = risk_input("Links across tenants.", 3, 3);
    input.system_ids = vec![foreign_sys.id];
    let err = s.create(&f.actor, f.now, |n| Risk::create(input, n)).await.unwrap_err();
    let StoreError::Invalid(inv) = err else { panic!("expected a field error, got {err}") };
    assert_eq!(inv.0[0].field, "system_ids[0]");
    // Lists only show the workspace's own rows, and numbers count per workspace.
    assert_eq!(s.list::<System>(f.actor.workspace_id, &ListQuery::default()).await.unwrap().total, 0);
    let theirs = s.create(&other, f.now, |n| Risk::create(risk_input("Theirs.", 1, 1), n)).await.unwrap();
    assert_eq!(theirs.number, 1);
}
both!(workspaces_are_isolated, super::workspaces_are_isolated);

async fn lists_filter_sort_search_and_page(f: Fixture) {
    let s = f.store();
    let sys = s.create(&f.actor, f.now, |n| System::create(system_input("billing"), n)).await.unwrap();
    for (i, (imp, lik)) in [(1, 1), (5, 5), (3, 4), (2, 5), (4, 4)].into_iter().enumerate() {
        let mut input = risk_input(&format!("Risk number {i} about invoices_{i}"), imp, lik);
        if i % 2 == 0 {
            input.system_ids = vec![sys.id];
            input.tags = vec!["legal".into()];
        }
        s.create(&f.actor, f.now, |n| Risk::create(input, n)).await.unwrap();
    }
    let ws = f.actor.workspace_id;
    let page = s.list::<Risk>(ws, &ListQuery::default()).await.unwrap();
    let scores: Vec<i64> = page.items.iter().map(|r| r.score).collect();
    assert_eq!(scores, [25, 16, 12, 10, 1], "default sort is score, highest first");

    let q =
        ListQuery { sort: Some("score".into()), dir: Some(SortDir::Asc), limit: 2, offset: 2, ..Default::default() };
    let page = s.list::<Risk>(ws, &q).await.unwrap();
    assert_eq!((page.total, page.items.iter().map(|r| r.score).collect::<Vec<_>>()), (5, vec![12, 16]));

    let q = ListQuery { filters: vec![("system".into(), sys.id.to_string())], ..Default::default() };
    let page = s.list::<Risk>(ws, &q).await.unwrap();
    assert_eq!(page.total, 3);
    assert!(page.items.iter().all(|r| r.system_ids == vec![sys.id]));

    let q = ListQuery {
        filters: vec![("tag".into(), "legal".into()), ("min_score".into(), "12".into())],
        ..Default::default()
    };
    assert_eq!(s.list::<Risk>(ws, &q).await.unwrap().total, 2);

    // `_` in a search is a character, not a wildcard.
    let q = ListQuery { q: Some("INVOICES_3".into()), ..Default::default() };
    assert_eq!(s.list::<Risk>(ws, &q).await.unwrap().total, 1);

    for bad in [
        ListQuery { filters: vec![("colour".into(), "red".into())], ..Default::default() },
        ListQuery { filters: vec![("status".into(), "sleeping".into())], ..Default::default() },
        ListQuery { sort: Some("statement; DROP TABLE risks".into()), ..Default::default() },
        ListQuery { limit: 100_000, ..Default::default() },
    ] {
        assert!(matches!(s.list::<Risk>(ws, &bad).await, Err(StoreError::BadQuery(_))), "{bad:?}");
    }
}
both!(lists_filter_sort_search_and_page, super::lists_filter_sort_search_and_page);

async fn unique_names_and_other_registers(f: Fixture) {
    let s = f.store();
    s.create(&f.actor, f.now, |n| System::create(system_input("identity"), n)).await.unwrap();
    let err = s.create(&f.actor, f.now, |n| System::create(system_input("identity"), n)).await.unwrap_err();
    let StoreError::Invalid(inv) = err else { panic!("expected a field error, got {err}") };
    assert_eq!(inv.0[0].field, "name");

    let item = s
        .create(&f.actor, f.now, |n| {
            BacklogItem::create(
                BacklogItemInput {
                    title: "Rotate signing keys".into(),
                    kind: WorkKind::Security,
                    ..Default::default()
                },
                n,
            )
        })
        .await
        .unwrap();
    assert_eq!(item.rank, 1000);
    let inc = IncidentInput {
        title: "Credential stuffing on login".into(),
        severity: Severity::High,
        started_at: f.now - Duration::hours(5),
        detected_at: Some(f.now - Duration::hours(4)),
        contained_at: None,
        resolved_at: None,
        customer_impact: true,
        impact_summary: "120 accounts locked".into(),
        learnings: String::new(),
        system_ids: vec![],
        external_id: Some("INC-2026-007".into()),
    };
    let created = s.create(&f.actor, f.now, |n| Incident::create(inc, n)).await.unwrap();
    let q = ListQuery { filters: vec![("open".into(), "true".into())], ..Default::default() };
    assert_eq!(s.list::<Incident>(f.actor.workspace_id, &q).await.unwrap().items[0].id, created.id);
    let ids = s.existing_ids(f.actor.workspace_id, Kind::Incident, &[created.id, item.id]).await.unwrap();
    assert_eq!(ids, vec![created.id]);
}
both!(unique_names_and_other_registers, super::unique_names_and_other_registers);
