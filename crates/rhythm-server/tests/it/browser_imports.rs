//! Imports in a real browser: a real SARIF file through the upload form into a system, the
//! import's page with its counts, the silent exceptions it found, a finding's history, a
//! malformed file refused with an error summary naming it, and axe-core on each page.

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_store::Backend;
use serde_json::{Value, json};

use crate::TestServer;
use crate::browser::{Axe, Browser, expect_app_page};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanner_file_through_the_upload_form() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (st, sys) = s
        .post("/api/v1/systems", Role::Cto, json!({"name": "uptime-watcher", "owner_team": "SRE", "tier": "internal"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let sys_id = sys["id"].as_str().unwrap().to_owned();
    let path = rhythm_store::testing::fixtures_dir()
        .join("sarif/eslint_uptime_watcher.sarif")
        .canonicalize()
        .expect("the fixture exists");
    let scan = rhythm_ingest::sarif::parse(&std::fs::read(&path).unwrap()).unwrap();
    let total = scan.findings.len();
    let silent = scan.findings.iter().filter(|f| f.suppression.is_some()).count();
    assert!(silent > 0 && total > silent, "the fixture has suppressed and unsuppressed results");

    let mut axe = Axe::load();
    let b = Browser::start(&s.url, "imports").await;
    b.sign_in(&s.emails[&Role::Engineer]).await;

    // The page, reached from the navigation.
    b.click("nav.sidebar a.nav-link[href='/imports']").await;
    b.wait_location("the imports page", |l| l == "/imports").await;
    expect_app_page(&b, "/imports").await;
    assert_eq!(b.attr("nav.sidebar a[href='/imports']", "aria-current").await.as_deref(), Some("page"));
    assert!(b.text("main").await.contains("Nothing imported yet."));
    axe.check(&b, "imports").await;

    // Choose the file and the system; the format is told from the file.
    b.find("#imp-file").await.send_keys(&path.to_string_lossy()).await.expect("choose the file");
    b.choose("#imp-system", &sys_id).await;
    b.choose("#imp-environment", "staging").await;
    b.shot("imports-01-form").await;
    b.click("form[action='/imports'] button[type=submit]").await;
    b.wait_location("the import's page", |l| l == "/imports/IMP-1").await;
    expect_app_page(&b, "/imports/IMP-1").await;

    let stats = b
        .js("return Array.from(document.querySelectorAll('dl.stats .stat')).map(d => [d.querySelector('dt').textContent.trim(), d.querySelector('dd').textContent.trim()])")
        .await;
    let stat = |label: &str| -> String {
        stats
            .as_array()
            .and_then(|a| a.iter().find(|p| p[0] == label))
            .and_then(|p| p[1].as_str())
            .unwrap_or_else(|| panic!("no {label:?} among {stats}"))
            .to_owned()
    };
    assert_eq!(stat("Read from the file"), total.to_string());
    assert_eq!(stat("Created"), total.to_string());
    assert_eq!(stat("Silent exceptions"), silent.to_string());
    assert_eq!(stat("Closed as fixed"), "0");
    let main = b.text("main").await;
    assert!(main.contains("eslint_uptime_watcher.sarif") && main.contains("uptime-watcher"), "{main}");
    let record = &s.db.store.imports(s.workspace_id, 1).await.unwrap()[0];
    assert!(main.contains(&record.sha256), "the page shows the file's hash");
    b.shot("imports-02-detail").await;
    axe.check(&b, "import-detail").await;

    // The list of imports has it.
    b.goto("/imports").await;
    let row = b.text("table.data tbody tr:has(a.row-link[href='/imports/IMP-1'])").await;
    assert!(row.contains("eslint_uptime_watcher.sarif") && row.contains("Engineer"), "{row}");
    assert!(b.text("main .page-head").await.contains(&format!("Silent exceptions ({silent})")));

    // Its silent exceptions.
    b.goto("/imports/IMP-1").await;
    b.click("a.silent-link").await;
    b.wait_location("the silent exceptions", |l| l.starts_with("/findings?") && l.contains("silent=true")).await;
    expect_app_page(&b, "silent exceptions").await;
    assert!(b.text("main").await.contains("no approved exception covers them"));
    let rows = b.find_all("table.data tbody tr").await;
    assert_eq!(rows.len(), silent, "one row per suppressed result");
    b.shot("imports-03-silent").await;
    axe.check(&b, "silent-list").await;

    // One of them: its scanner fields and its history.
    b.click("table.data tbody tr a.row-link").await;
    b.wait_location("a finding", |l| l.starts_with("/findings/FND-")).await;
    expect_app_page(&b, "a finding").await;
    let details = b.text("dl.kv").await;
    assert!(details.contains("Suppressed by the scanner") && details.contains("Last seen"), "{details}");
    let history = b.text("section:has(#events-title)").await;
    assert!(history.contains("opened"), "{history}");
    let request = b.attr("section:has(#events-title) a[href^='/exceptions/new?finding=']", "href").await;
    assert!(request.is_some());
    b.shot("imports-04-finding").await;
    axe.check(&b, "finding-detail").await;
    b.click("section:has(#events-title) a[href^='/exceptions/new?finding=']").await;
    b.wait_location("the exception request", |l| l.starts_with("/exceptions/new")).await;
    let chosen = b.js("return document.querySelectorAll('#f-finding_ids option:checked').length").await;
    assert_eq!(chosen, Value::from(1), "the request starts with the finding chosen");

    // A malformed file: the form again, with an error summary naming the file; nothing stored.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.sarif");
    std::fs::write(&broken, br#"{"version": "2.1.0", "runs": [{"tool": {"driver": 7}, "results": []}]}"#).unwrap();
    b.goto("/imports").await;
    b.find("#imp-file").await.send_keys(&broken.to_string_lossy()).await.expect("choose the broken file");
    b.choose("#imp-format", "sarif").await;
    b.click("form[action='/imports'] button[type=submit]").await;
    let summary = b.text("#import-errors[role=alert]").await;
    assert!(summary.contains("broken.sarif"), "the error names the file: {summary}");
    assert_eq!(b.location().await, "/imports");
    assert_eq!(b.value("#imp-format").await, "sarif", "the chosen format is kept");
    b.shot("imports-05-error").await;
    axe.check(&b, "imports-error").await;
    assert_eq!(s.db.store.imports(s.workspace_id, 10).await.unwrap().len(), 1, "the broken file stored nothing");

    let report = b.shots.join("axe-imports-report.json");
    b.close().await;
    std::fs::write(&report, serde_json::to_string_pretty(&axe.report).unwrap_or_default()).unwrap();
    assert!(
        axe.failures.is_empty(),
        "{} serious or critical accessibility violation(s):\n  {}",
        axe.failures.len(),
        axe.failures.join("\n  ")
    );
}
