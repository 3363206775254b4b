//! The launch gate, findings and design reviews in a real browser: the STOP page with its
//! evidence, the override request through its form, a design review ended in a spike, and
//! axe-core on every one of these pages (serious or critical fails).

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_store::Backend;
use serde_json::json;

use crate::TestServer;
use crate::browser::{Axe, Browser, expect_app_page};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_gate_findings_and_design_reviews_in_the_browser() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (st, sys) = s
        .post("/api/v1/systems", Role::Cto, json!({"name": "ssh-gateway", "owner_team": "Platform", "tier": "restricted", "golden_paths": ["logging_monitoring"]}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let (st, _) = s
        .post(
            "/api/v1/releases",
            Role::Cto,
            json!({"name": "ssh-gateway 2.4", "system_id": sys["id"], "planned_date": "2030-01-15"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = s
        .post(
            "/api/v1/findings",
            Role::Engineer,
            json!({"system_id": sys["id"], "tool": "trivy", "rule": "CVE-2024-45337", "title": "x/crypto authorization bypass",
                   "severity": "critical", "environment": "production", "component": "golang.org/x/crypto 0.29.0"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);

    let mut axe = Axe::load();
    let b = Browser::start(&s.url, "gate").await;
    b.sign_in(&s.emails[&Role::Ciso]).await;

    // The overview and the release's gate: STOP, the finding as evidence, what turns it green.
    b.goto("/gate").await;
    expect_app_page(&b, "/gate").await;
    assert!(b.text("main").await.contains("REL-1"), "the overview lists the upcoming release");
    axe.check(&b, "gate-overview").await;
    b.goto("/releases/REL-1/gate").await;
    expect_app_page(&b, "/releases/REL-1/gate").await;
    let page = b.text("main").await;
    assert!(page.contains("STOP") && page.contains("FND-1") && page.contains("To turn it green"), "{page}");
    axe.check(&b, "gate-release").await;

    // Ask for the override through the form: it becomes a stop-ship decision request.
    b.click("form[action='/releases/REL-1/gate/override'] button[type=submit]").await;
    b.wait_location("the override decision", |l| l.starts_with("/decisions/DEC-1")).await;
    expect_app_page(&b, "/decisions/DEC-1").await;
    assert!(b.text("main").await.contains("Stop-ship"), "{}", b.text("main").await);

    // Findings pages.
    for (label, path) in
        [("findings-list", "/findings"), ("findings-new", "/findings/new"), ("findings-detail", "/findings/FND-1")]
    {
        b.goto(path).await;
        expect_app_page(&b, path).await;
        axe.check(&b, label).await;
    }

    // A design review: the form, then ended in a spike from its page.
    b.goto("/design-reviews/new").await;
    expect_app_page(&b, "/design-reviews/new").await;
    axe.check(&b, "design-reviews-new").await;
    b.type_into("#f-title", "Session tokens at the edge").await;
    // Date inputs take their value in the browser's locale when typed; set it as the form sends it.
    b.js("document.getElementById('f-review_date').value = '2030-01-10'").await;
    for (id, answer) in [
        ("#f-data", "Session ids and user ids; confidential"),
        ("#f-auth", "OIDC at the edge, scopes per route"),
        ("#f-secrets", "Signing keys in KMS, rotated monthly"),
        ("#f-logging", "Every token issued or refused, with client and route"),
        ("#f-abuse", "Replay: tokens bound to the device"),
    ] {
        b.type_into(id, answer).await;
    }
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the new design review", |l| l.starts_with("/design-reviews/DR-1")).await;
    axe.check(&b, "design-reviews-detail").await;
    b.type_into("#spike-title", "Measure the latency of edge validation").await;
    b.js("document.getElementById('spike-due').value = '2030-01-20'").await;
    b.click("form[action='/design-reviews/DR-1/spike'] button[type=submit]").await;
    b.wait_location("the review again", |l| l.starts_with("/design-reviews/DR-1")).await;
    assert!(b.text("main").await.contains("Ended in a spike"), "{}", b.text("main").await);
    let (_, items) = s.get("/api/v1/backlog-items?q=edge%20validation", Role::Viewer).await;
    assert_eq!(items["items"][0]["due_date"], "2030-01-20", "{items}");
    b.goto("/design-reviews").await;
    axe.check(&b, "design-reviews-list").await;

    let report = b.shots.join("axe-gate-report.json");
    b.close().await;
    std::fs::write(&report, serde_json::to_string_pretty(&axe.report).unwrap_or_default()).unwrap();
    assert!(
        axe.failures.is_empty(),
        "{} serious or critical accessibility violation(s):\n  {}",
        axe.failures.len(),
        axe.failures.join("\n  ")
    );
}
