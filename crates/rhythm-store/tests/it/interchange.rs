//! CSV interchange: import the examples, re-import, change, refuse, export and round-trip.

use rhythm_domain::{
    AuditFinding, DataTier, Environment, Finding, FindingInput, FindingStatus, Incident, Release, ReleaseStatus, Risk,
    RiskStatus, Severity, System, SystemInput,
};
use rhythm_ingest::csv::parse;
use rhythm_store::imports::ImportCounts;
use rhythm_store::{CsvKind, ListQuery, StoreError, Table};
use time::macros::datetime;

use crate::{Fixture, both};

const EXAMPLES: [(CsvKind, &str); 5] = [
    (CsvKind::Findings, include_str!("../../../../docs/examples/findings.csv")),
    (CsvKind::Releases, include_str!("../../../../docs/examples/releases.csv")),
    (CsvKind::Incidents, include_str!("../../../../docs/examples/incidents.csv")),
    (CsvKind::AuditFindings, include_str!("../../../../docs/examples/audit-findings.csv")),
    (CsvKind::Risks, include_str!("../../../../docs/examples/risks.csv")),
];

async fn systems(f: &Fixture) {
    for name in ["payments-api", "web-app"] {
        let input = SystemInput {
            name: name.into(),
            description: String::new(),
            owner_team: "Platform".into(),
            tier: DataTier::Confidential,
            golden_paths: vec![],
        };
        f.store().create(&f.actor, f.now, |n| System::create(input, n)).await.unwrap();
    }
}

async fn import(f: &Fixture, kind: CsvKind, text: &str) -> Result<ImportCounts, StoreError> {
    let rows = parse(kind, text.as_bytes()).map_err(|e| StoreError::BadQuery(e.to_string()))?;
    f.store().import_csv(&f.actor, f.now, rows).await
}

async fn total<T: Table>(f: &Fixture) -> i64 {
    f.store().list::<T>(f.actor.workspace_id, &ListQuery::default()).await.unwrap().total
}

/// Entries of every register and audit entries: what "nothing changed" compares.
async fn snapshot(f: &Fixture) -> [i64; 6] {
    let audit = f.store().audit_log(f.actor.workspace_id, None, 1000, None).await.unwrap().len() as i64;
    [
        total::<Finding>(f).await,
        total::<Release>(f).await,
        total::<Incident>(f).await,
        total::<AuditFinding>(f).await,
        total::<Risk>(f).await,
        audit,
    ]
}

fn created(n: u64) -> ImportCounts {
    ImportCounts { total: n, created: n, ..ImportCounts::default() }
}

fn unchanged(n: u64) -> ImportCounts {
    ImportCounts { total: n, unchanged: n, ..ImportCounts::default() }
}

async fn examples_import_and_reimport_changes_nothing(f: Fixture) {
    systems(&f).await;
    let expected = [5, 3, 3, 3, 3];
    for ((kind, text), n) in EXAMPLES.into_iter().zip(expected) {
        assert_eq!(import(&f, kind, text).await.unwrap(), created(n), "{kind}");
    }
    let before = snapshot(&f).await;
    assert_eq!(before[..5], [5, 3, 3, 3, 3]);
    for ((kind, text), n) in EXAMPLES.into_iter().zip(expected) {
        assert_eq!(import(&f, kind, text).await.unwrap(), unchanged(n), "{kind} again");
    }
    assert_eq!(snapshot(&f).await, before, "no new entries, no audit rows");

    // What the examples became.
    let ws = f.actor.workspace_id;
    let fixed = f.store().list::<Finding>(ws, &ListQuery::default()).await.unwrap();
    let xz = fixed.items.iter().find(|x| x.external_id.as_deref() == Some("SEC-101")).unwrap();
    assert_eq!((xz.status, xz.kev, xz.version), (FindingStatus::Fixed, true, 1));
    assert_eq!(xz.fixed_at, Some(datetime!(2026-02-11 16:40 UTC)));
    let csp = fixed.items.iter().find(|x| x.external_id.as_deref() == Some("SEC-103")).unwrap();
    assert_eq!(csp.first_seen, datetime!(2026-02-20 09:00 UTC), "stored in UTC");
    assert_eq!(csp.environment, Environment::Staging);
    let releases = f.store().list::<Release>(ws, &ListQuery::default()).await.unwrap().items;
    let slipped = releases.iter().find(|r| r.external_id.as_deref() == Some("PAY-2026.2")).unwrap();
    assert_eq!((slipped.status, slipped.shipped_items), (ReleaseStatus::Shipped, Some(10)));
    let audits = f.store().list::<AuditFinding>(ws, &ListQuery::default()).await.unwrap().items;
    let first = audits.iter().find(|a| a.external_id.as_deref() == Some("SOC2-2025-04")).unwrap();
    let again = audits.iter().find(|a| a.external_id.as_deref() == Some("SOC2-2026-02")).unwrap();
    assert_eq!(again.repeat_of, Some(first.id));
    let risks = f.store().list::<Risk>(ws, &ListQuery::default()).await.unwrap().items;
    let r1 = risks.iter().find(|r| r.external_id.as_deref() == Some("R-01")).unwrap();
    assert_eq!((r1.owner_id, r1.status, r1.score), (f.actor.user_id, RiskStatus::Mitigating, 12));
}
both!(examples_import_and_reimport_changes_nothing, super::examples_import_and_reimport_changes_nothing);

async fn one_changed_row_is_one_update(f: Fixture) {
    systems(&f).await;
    let text = EXAMPLES[0].1;
    import(&f, CsvKind::Findings, text).await.unwrap();
    let audit_before = snapshot(&f).await[5];
    let changed =
        text.replace("Raw SQL built from request parameters,High", "Raw SQL built from request parameters,Critical");
    assert_ne!(changed, text);
    let counts = import(&f, CsvKind::Findings, &changed).await.unwrap();
    assert_eq!(counts, ImportCounts { total: 5, updated: 1, unchanged: 4, ..ImportCounts::default() });
    let after = snapshot(&f).await;
    assert_eq!((after[0], after[5]), (5, audit_before + 1), "no duplicate; one audit row");
    let page = f
        .store()
        .list::<Finding>(
            f.actor.workspace_id,
            &ListQuery { filters: vec![("external_id".into(), "SEC-102".into())], ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!((page.items[0].severity, page.items[0].version), (Severity::Critical, 2));

    // Emptying fixed_at reopens; a later first_seen is taken as given.
    let reopened = text.replace("2026-02-11T16:40:00Z,yes", ",yes");
    let counts = import(&f, CsvKind::Findings, &reopened).await.unwrap();
    assert_eq!((counts.updated, counts.unchanged), (2, 3), "SEC-101 reopened, SEC-102 back to high");
}
both!(one_changed_row_is_one_update, super::one_changed_row_is_one_update);

/// Asserts the import is refused as a field error at `field` whose message has `why`, and that
/// nothing was stored.
async fn refused(f: &Fixture, kind: CsvKind, text: &str, field: &str, why: &str) {
    let before = snapshot(f).await;
    let err = import(f, kind, text).await.unwrap_err();
    let StoreError::Invalid(inv) = &err else { panic!("expected a located field error, got {err}") };
    assert_eq!(inv.0[0].field, field, "{err}");
    assert!(inv.0[0].message.contains(why), "{err}");
    assert_eq!(snapshot(f).await, before, "nothing stored: {err}");
}

async fn a_bad_row_refuses_the_whole_file(f: Fixture) {
    systems(&f).await;
    import(&f, CsvKind::Findings, "external_id,system,tool,rule,title,severity,environment,component,first_seen,fixed_at,kev\nOLD-1,,t,r,Kept as it is,low,production,,,,\n").await.unwrap();
    let header = "external_id,system,tool,rule,title,severity,environment,component,first_seen,fixed_at,kev\n";
    // Row 2 would be created and OLD-1 changed before row 4 fails: all of it rolls back.
    let text = format!(
        "{header}NEW-1,payments-api,trivy,CVE-1,First,high,production,,,,\nOLD-1,,t,r,Changed,low,production,,,,\nNEW-2,billing,trivy,CVE-2,Third,high,production,,,,\nNEW-3,,trivy,CVE-3,Fourth,high,production,,,,\n"
    );
    refused(&f, CsvKind::Findings, &text, "line 4, column system", "no system named 'billing'").await;
    let old = f.store().get_by_number::<Finding>(f.actor.workspace_id, 1).await.unwrap();
    assert_eq!((old.title.as_str(), old.version), ("Kept as it is", 1));

    // Unknown owner; rules only the domain knows, named by the CSV's column.
    let risks = "external_id,statement,impact,likelihood,owner,mitigation,due_date,status,found_stage\n";
    refused(
        &f,
        CsvKind::Risks,
        &format!("{risks}R-1,Ok,1,1,,,,,\nR-2,Who owns it,2,2,nobody@acme.example,,,,\n"),
        "line 3, column owner",
        "no user with e-mail 'nobody@acme.example'",
    )
    .await;
    let releases = "external_id,system,name,planned_date,shipped_date,planned_items,shipped_items,slip_reason\n";
    refused(
        &f,
        CsvKind::Releases,
        &format!("{releases}P-1,web-app,Late,2026-02-01,2026-02-09,3,3,\n"),
        "line 2, column slip_reason",
        "say why it slipped",
    )
    .await;
    let incidents = "external_id,title,severity,started_at,detected_at,contained_at,resolved_at,customer_impact\n";
    refused(
        &f,
        CsvKind::Incidents,
        &format!("{incidents}I-1,Contained unseen,low,2026-02-01,,2026-02-02,,\n"),
        "line 2, column detected_at",
        "detected before it is contained",
    )
    .await;
    let audits = "external_id,framework,control,title,severity,opened_at,closed_at,repeat_of\n";
    refused(
        &f,
        CsvKind::AuditFindings,
        &format!("{audits}A-1,SOC 2,CC1.1,Repeats nothing known,low,2026-02-01,,A-404\n"),
        "line 2, column repeat_of",
        "'A-404'",
    )
    .await;

    // Parse errors (duplicates, bad cells) never reach the database.
    let before = snapshot(&f).await;
    let dup = format!("{header}D-1,,t,r,One,low,production,,,,\nD-1,,t,r,Two,low,production,,,,\n");
    let e = parse(CsvKind::Findings, dup.as_bytes()).unwrap_err();
    assert_eq!(e.path, "line 3, column external_id");
    assert!(e.message.contains("also on line 2"), "{e}");
    assert_eq!(snapshot(&f).await, before);
}
both!(a_bad_row_refuses_the_whole_file, super::a_bad_row_refuses_the_whole_file);

async fn export_then_import_changes_nothing(f: Fixture) {
    systems(&f).await;
    for (kind, text) in EXAMPLES {
        import(&f, kind, text).await.unwrap();
    }
    // An entry made in Rhythm, without an external_id: exported under its reference.
    let input = FindingInput {
        system_id: None,
        tool: "manual".into(),
        rule: "review-1".into(),
        title: "Found in review, \"quoted\"".into(),
        severity: Severity::Medium,
        environment: Environment::Production,
        component: "src/a.rs:1\nsrc/b.rs:2".into(),
        kev: false,
        first_seen: Some(datetime!(2026-02-01 10:00:00.5 +01:00)),
        external_id: None,
    };
    let manual = f.store().create(&f.actor, f.now, |n| Finding::create(input, n)).await.unwrap();
    let before = snapshot(&f).await;
    for kind in CsvKind::ALL {
        let text = f.store().export_csv(f.actor.workspace_id, kind).await.unwrap();
        assert!(text.starts_with(&kind.header().join(",")), "{text}");
        let rows = parse(kind, text.as_bytes()).unwrap_or_else(|e| panic!("{kind}: {e}\n{text}"));
        let n = rows.len() as u64;
        let counts = f.store().import_csv(&f.actor, f.now, rows).await.unwrap();
        assert_eq!(counts, unchanged(n), "{kind}:\n{text}");
    }
    assert_eq!(snapshot(&f).await, before);
    let text = f.store().export_csv(f.actor.workspace_id, CsvKind::Findings).await.unwrap();
    assert!(text.contains(&format!("FND-{},,manual", manual.number)), "{text}");
    assert!(text.contains("SEC-101,payments-api,trivy"), "{text}");
    let audits = f.store().export_csv(f.actor.workspace_id, CsvKind::AuditFindings).await.unwrap();
    assert!(audits.contains(",SOC2-2025-04,AUD-2"), "repeat_of by external_id: {audits}");

    // Into an empty workspace: the same entries again, names resolved there.
    let other = f.other_workspace().await;
    for name in ["payments-api", "web-app"] {
        let input = SystemInput {
            name: name.into(),
            description: String::new(),
            owner_team: "Platform".into(),
            tier: DataTier::Internal,
            golden_paths: vec![],
        };
        f.store().create(&other, f.now, |n| System::create(input, n)).await.unwrap();
    }
    for kind in [CsvKind::Findings, CsvKind::Releases, CsvKind::Incidents, CsvKind::AuditFindings] {
        let text = f.store().export_csv(f.actor.workspace_id, kind).await.unwrap();
        let rows = parse(kind, text.as_bytes()).unwrap();
        let n = rows.len() as u64;
        assert_eq!(f.store().import_csv(&other, f.now, rows).await.unwrap(), created(n), "{kind}");
        let again = f.store().export_csv(other.workspace_id, kind).await.unwrap();
        assert_eq!(again, text, "{kind}: the copy exports the same file");
    }
}
both!(export_then_import_changes_nothing, super::export_then_import_changes_nothing);

async fn repeat_of_may_point_further_down_the_file(f: Fixture) {
    let text = "external_id,framework,control,title,severity,opened_at,closed_at,repeat_of\n\
        A-2,SOC 2,CC6.2,Second time,high,2026-01-20,,A-1\n\
        A-1,SOC 2,CC6.2,First time,high,2025-07-01,2025-10-15,\n\
        A-3,SOC 2,CC6.2,Third time,high,2026-06-01,,AUD-2\n";
    assert_eq!(import(&f, CsvKind::AuditFindings, text).await.unwrap(), created(3));
    let ws = f.actor.workspace_id;
    let a2 = f.store().get_by_number::<AuditFinding>(ws, 1).await.unwrap();
    let a1 = f.store().get_by_number::<AuditFinding>(ws, 2).await.unwrap();
    let a3 = f.store().get_by_number::<AuditFinding>(ws, 3).await.unwrap();
    assert_eq!((a2.repeat_of, a3.repeat_of), (Some(a1.id), Some(a1.id)));
    assert_eq!(import(&f, CsvKind::AuditFindings, text).await.unwrap(), unchanged(3));
}
both!(repeat_of_may_point_further_down_the_file, super::repeat_of_may_point_further_down_the_file);
