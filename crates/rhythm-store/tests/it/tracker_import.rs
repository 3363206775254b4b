//! Tracker backlog import: the real GitHub and Jira fixtures into the backlog, idempotent by
//! external key, in one transaction.

use rhythm_domain::{BacklogItem, BacklogItemInput, ItemStatus, WorkKind};
use rhythm_ingest::tracker::{TrackerItem, TrackerMapping, github, jira};
use rhythm_store::imports::ImportCounts;
use rhythm_store::{ListQuery, StoreError};
use time::Duration;

use rhythm_store::testing::fixture;

use crate::{Fixture, both};

/// Every backlog fixture plus the example CSV export: 13 + 2 GitHub issues, 3 + 1 + 1 Jira
/// issues and 5 CSV rows (the octocat list holds only a pull request).
fn all_items() -> Vec<TrackerItem> {
    let m = TrackerMapping::from_toml("jira_base_url = \"https://acme.atlassian.net\"").unwrap();
    let mut items = Vec::new();
    for f in [
        "backlog/github/issues_list_octocat_go_scm.json",
        "backlog/github/octokit_paginate_issues_recording.json",
        "backlog/github/octokit_search_issues_recording.json",
    ] {
        items.extend(github::parse(&fixture(f), &m).unwrap());
    }
    for f in ["backlog/jira/jira_cli_search_v3.json", "backlog/jira/go_jira_sprint_issues_with_changelog.json"] {
        items.extend(jira::parse_json(&fixture(f), &m).unwrap());
    }
    let csv = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/jira-export.csv")).unwrap();
    items.extend(jira::parse_csv(&csv, &m).unwrap());
    items
}

async fn backlog(f: &Fixture) -> Vec<BacklogItem> {
    let q = ListQuery { limit: 500, sort: Some("rank".into()), ..ListQuery::default() };
    f.store().list::<BacklogItem>(f.actor.workspace_id, &q).await.unwrap().items
}

fn by_key<'a>(items: &'a [BacklogItem], key: &str) -> &'a BacklogItem {
    items.iter().find(|i| i.external_key.as_deref() == Some(key)).unwrap_or_else(|| panic!("no item {key}"))
}

async fn import_then_reimport_changes_nothing(f: Fixture) {
    let s = f.store();
    let items = all_items();
    assert_eq!(items.len(), 24);
    let first = s.import_backlog(&f.actor, f.now, &items).await.unwrap();
    assert_eq!(first, ImportCounts { total: 24, created: 24, ..ImportCounts::default() });

    let stored = backlog(&f).await;
    assert_eq!(stored.len(), 24);
    let gh = by_key(&stored, "octokit-fixture-org/paginate-issues#13");
    assert_eq!(gh.external_url.as_deref(), Some("https://github.com/octokit-fixture-org/paginate-issues/issues/13"));
    assert_eq!((gh.title.as_str(), gh.kind, gh.status), ("Test issue 13", WorkKind::Feature, ItemStatus::Todo));
    let jira = by_key(&stored, "AR-86");
    assert_eq!(jira.external_url.as_deref(), Some("https://example.atlassian.net/browse/AR-86"));
    let pay = by_key(&stored, "PAY-142");
    assert_eq!((pay.kind, pay.status), (WorkKind::Security, ItemStatus::InProgress));
    assert_eq!(pay.external_url.as_deref(), Some("https://acme.atlassian.net/browse/PAY-142"));
    assert_eq!(pay.due_date, Some(time::macros::date!(2026 - 12 - 15)));
    let done = by_key(&stored, "TEST-3");
    assert_eq!((done.status, done.done_at), (ItemStatus::Done, Some(f.now)));
    // Ranks follow the file order, at the end of the backlog.
    let keys: Vec<_> = stored.iter().map(|i| i.external_key.clone().unwrap()).collect();
    let expected: Vec<_> = items.iter().map(|i| i.external_key.clone()).collect();
    assert_eq!(keys, expected);

    let audit_before = s.audit_log(f.actor.workspace_id, None, 1000, None).await.unwrap().len();
    let later = f.now + Duration::hours(1);
    let again = s.import_backlog(&f.actor, later, &items).await.unwrap();
    assert_eq!(again, ImportCounts { total: 24, unchanged: 24, ..ImportCounts::default() });
    let after = backlog(&f).await;
    assert_eq!(after, stored, "no duplicates, no new versions");
    assert_eq!(s.audit_log(f.actor.workspace_id, None, 1000, None).await.unwrap().len(), audit_before, "no audit rows");
    assert!(s.verify_audit_chain(f.actor.workspace_id).await.unwrap().valid);
}
both!(import_then_reimport_changes_nothing, super::import_then_reimport_changes_nothing);

async fn a_changed_issue_is_updated_in_place(f: Fixture) {
    let s = f.store();
    let m = TrackerMapping::default();
    let mut items = github::parse(&fixture("backlog/github/octokit_paginate_issues_recording.json"), &m).unwrap();
    s.import_backlog(&f.actor, f.now, &items).await.unwrap();
    let before = by_key(&backlog(&f).await, "octokit-fixture-org/paginate-issues#5").clone();

    // Someone picked #4 up in Rhythm: GitHub's "open" does not move it back to todo.
    let four = by_key(&backlog(&f).await, "octokit-fixture-org/paginate-issues#4").id;
    s.update::<BacklogItem>(&f.actor, four, f.now, "update", None, |i| {
        i.apply(rhythm_domain::BacklogItemPatch { status: Some(ItemStatus::InProgress), ..Default::default() }, f.now)
    })
    .await
    .unwrap();

    // #5 is closed and relabelled on GitHub.
    let later = f.now + Duration::days(2);
    let five = items.iter_mut().find(|i| i.external_key.ends_with("#5")).unwrap();
    five.status = ItemStatus::Done;
    five.kind = WorkKind::Security;
    five.title = "Test issue 5 (fixed)".into();
    let counts = s.import_backlog(&f.actor, later, &items).await.unwrap();
    assert_eq!(counts, ImportCounts { total: 13, updated: 1, unchanged: 12, ..ImportCounts::default() });
    let stored = backlog(&f).await;
    assert_eq!(stored.len(), 13);
    let after = by_key(&stored, "octokit-fixture-org/paginate-issues#5");
    assert_eq!((after.id, after.number, after.rank), (before.id, before.number, before.rank), "the same item");
    assert_eq!((after.status, after.done_at, after.kind), (ItemStatus::Done, Some(later), WorkKind::Security));
    assert_eq!((after.title.as_str(), after.version), ("Test issue 5 (fixed)", 2));
    assert_eq!(by_key(&stored, "octokit-fixture-org/paginate-issues#4").status, ItemStatus::InProgress);
    let log = s.audit_log(f.actor.workspace_id, Some(after.id), 10, None).await.unwrap();
    assert_eq!(log[0].action, "import");

    // Reopened on GitHub.
    let five = items.iter_mut().find(|i| i.external_key.ends_with("#5")).unwrap();
    five.status = ItemStatus::Todo;
    let counts = s.import_backlog(&f.actor, later, &items).await.unwrap();
    assert_eq!((counts.reopened, counts.updated, counts.unchanged), (1, 0, 12));
    let after = by_key(&backlog(&f).await, "octokit-fixture-org/paginate-issues#5").clone();
    assert_eq!((after.status, after.done_at), (ItemStatus::Todo, None));
}
both!(a_changed_issue_is_updated_in_place, super::a_changed_issue_is_updated_in_place);

async fn new_items_go_to_the_end_and_a_bad_item_changes_nothing(f: Fixture) {
    let s = f.store();
    let mine = s
        .create(&f.actor, f.now, |n| {
            BacklogItem::create(
                BacklogItemInput {
                    title: "Ours".into(),
                    kind: WorkKind::Reliability,
                    rank: Some(77_000),
                    ..Default::default()
                },
                n,
            )
        })
        .await
        .unwrap();
    let m = TrackerMapping::default();
    let mut items = jira::parse_json(&fixture("backlog/jira/jira_cli_search_v3.json"), &m).unwrap();

    // A bad item last: the whole import is refused and nothing is written.
    let mut bad = items[0].clone();
    bad.external_key = "TEST-99".into();
    bad.external_url = Some("javascript:alert(1)".into());
    let mut with_bad = items.clone();
    with_bad.push(bad);
    let err = s.import_backlog(&f.actor, f.now, &with_bad).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(inv) if inv.0[0].field == "external_url"), "{err}");
    assert_eq!(backlog(&f).await.len(), 1, "nothing imported");

    let counts = s.import_backlog(&f.actor, f.now, &items).await.unwrap();
    assert_eq!(counts.created, 3);
    let stored = backlog(&f).await;
    let ranks: Vec<_> = stored.iter().map(|i| (i.title.as_str(), i.rank)).collect();
    assert_eq!(ranks, [("Ours", 77_000), ("Bug summary", 78_000), ("Story summary", 79_000), ("Task summary", 80_000)]);
    assert_eq!(stored[0].id, mine.id);

    // The same key twice in one batch: created once, then unchanged.
    items.truncate(1);
    items[0].external_key = "TEST-50".into();
    items.push(items[0].clone());
    let counts = s.import_backlog(&f.actor, f.now, &items).await.unwrap();
    assert_eq!((counts.total, counts.created, counts.unchanged), (2, 1, 1));

    // Another workspace keeps its own copy of a key.
    let other = f.other_workspace().await;
    let counts = s.import_backlog(&other, f.now, &items[..1]).await.unwrap();
    assert_eq!(counts.created, 1);
}
both!(
    new_items_go_to_the_end_and_a_bad_item_changes_nothing,
    super::new_items_go_to_the_end_and_a_bad_item_changes_nothing
);
