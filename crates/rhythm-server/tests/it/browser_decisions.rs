//! The decision log and the policy page in a real browser: record a decision through the
//! form, decide it, find it in the filtered log, propose a broken policy file and see the
//! problem with its line, propose a good one; axe-core on every page (serious and critical
//! violations fail).

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_store::Backend;
use serde_json::json;

use crate::TestServer;
use crate::browser::{Axe, Browser, expect_app_page};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_and_policy_in_the_browser() {
    let server = TestServer::start(Backend::Sqlite).await;
    let (st, risk) = server
        .post(
            "/api/v1/risks",
            Role::Ciso,
            json!({"statement": "Partner API tokens never expire.", "impact": 4, "likelihood": 3, "found_stage": "design_review"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{risk}");
    let risk_id = risk["id"].as_str().unwrap().to_owned();
    let mut axe = Axe::load();
    let b = Browser::start(&server.url, "decisions").await;
    b.sign_in(&server.emails[&Role::Cto]).await;

    // An empty log, then the new-decision form, refused without a title and category.
    b.goto("/decisions").await;
    expect_app_page(&b, "/decisions").await;
    axe.check(&b, "decisions-empty").await;
    b.goto("/decisions/new").await;
    expect_app_page(&b, "/decisions/new").await;
    axe.check(&b, "decisions-new").await;
    b.click("main form.form button[type=submit]").await;
    b.find(".field.has-error #d-title").await;
    axe.check(&b, "decisions-new-errors").await;

    // Recorded through the form, linked to the risk.
    b.type_into("#d-title", "Short-lived tokens for the partner API").await;
    b.choose("#d-category", "engineering_approach").await;
    b.type_into("#d-context", "Partners keep tokens forever; a leak is permanent.").await;
    b.type_into("#d-options", "Rotate every 90 days\nShort-lived tokens with refresh").await;
    b.choose("#d-risks", &risk_id).await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the new decision", |l| l.starts_with("/decisions/DEC-1")).await;
    expect_app_page(&b, "DEC-1").await;
    assert!(b.text("main").await.contains("Requested"));
    axe.check(&b, "decisions-detail-requested").await;

    // The CTO decides it (an engineering approach is the CTO's call).
    b.type_into("#dc-choice", "Short-lived tokens with refresh").await;
    b.type_into("#dc-cost", "Partners change their clients; two weeks of support").await;
    b.click("form[action='/decisions/DEC-1/decide'] button[type=submit]").await;
    b.wait_location("the decided decision", |l| l.contains("flash=decided")).await;
    assert_eq!(b.text("#d-choice").await, "Short-lived tokens with refresh");
    axe.check(&b, "decisions-detail-decided").await;

    // The filtered log shows it; another category does not.
    b.goto(&format!("/decisions?category=engineering_approach&risk={risk_id}")).await;
    let log = b.text("#decision-log").await;
    assert!(log.contains("DEC-1") && log.contains("Short-lived tokens"), "{log}");
    assert!(log.contains("Decided") && log.contains("CTO"), "{log}");
    axe.check(&b, "decisions-list-filtered").await;
    b.goto("/decisions?category=stop_ship").await;
    assert!(b.text("main").await.contains("No decisions match these filters"));

    // The policy page: a broken file comes back with its line next to the editor.
    b.goto("/policy").await;
    expect_app_page(&b, "/policy").await;
    assert!(b.text("#decision-rights").await.contains("Joint"));
    axe.check(&b, "policy").await;
    b.type_into("#pol-doc", "[sla_days]\ncritical = 7\nhigh = -5\n").await;
    b.click("form.policy-form button[type=submit]").await;
    let problems = b.text("#policy-problems").await;
    assert!(problems.contains("Line 3") && problems.contains("sla_days.high"), "{problems}");
    assert_eq!(b.attr("#pol-doc", "aria-invalid").await.as_deref(), Some("true"));
    axe.check(&b, "policy-errors").await;
    assert_eq!(server.get("/api/v1/policy", Role::Viewer).await.1["version"], 0);

    // A good file becomes a policy-change decision that waits for both chiefs.
    b.type_into("#pol-doc", "[sla_days]\nhigh = 21\n").await;
    b.click("form.policy-form button[type=submit]").await;
    b.wait_location("the proposal's decision", |l| l.starts_with("/decisions/DEC-2")).await;
    let main = b.text("main").await;
    assert!(main.contains("high findings 30 → 21 days") && main.contains("Proposed policy"), "{main}");
    b.type_into("#dc-choice", "Apply it").await;
    b.type_into("#dc-cost", "Teams re-plan high findings").await;
    b.click("form[action='/decisions/DEC-2/decide'] button[type=submit]").await;
    b.wait_location("awaiting the CISO", |l| l.contains("flash=awaiting")).await;
    assert_eq!(server.get("/api/v1/policy", Role::Viewer).await.1["version"], 0, "one chief is not enough");
    b.goto("/policy").await;
    assert!(b.text("main").await.contains("DEC-2 — Apply policy version 1 (awaiting the other chief)"));

    // The CISO concurs in their own session; the policy becomes version 1.
    b.click("form[action='/logout'] button[type=submit]").await;
    b.wait_location("the sign-in page", |l| l.starts_with("/login")).await;
    b.sign_in(&server.emails[&Role::Ciso]).await;
    b.goto("/decisions/DEC-2").await;
    assert!(b.find_all("form[action='/decisions/DEC-2/decide']").await.is_empty(), "no second decide form");
    axe.check(&b, "decisions-detail-concur").await;
    b.click("form[action='/decisions/DEC-2/concur'] button[type=submit]").await;
    b.wait_location("the concurred decision", |l| l.contains("flash=concurred")).await;
    assert!(b.text("main").await.contains("Applied as policy version 1"));
    b.goto("/policy").await;
    assert!(b.text("main").await.contains("Version 1 is in force"));
    let history = b.text("#policy-versions").await;
    assert!(history.contains("Version 1") && history.contains("DEC-2"), "{history}");
    b.goto("/policy/versions/1").await;
    expect_app_page(&b, "/policy/versions/1").await;
    assert!(b.text("pre.policy-doc").await.contains("high = 21"));
    axe.check(&b, "policy-version").await;
    assert_eq!(server.get("/api/v1/policy", Role::Viewer).await.1["version"], 1);
    b.close().await;

    let report = axe.failures.join("\n  ");
    if !axe.notes.is_empty() {
        eprintln!("axe: {} moderate or minor violation(s):\n  {}", axe.notes.len(), axe.notes.join("\n  "));
    }
    assert!(axe.failures.is_empty(), "serious or critical accessibility violations:\n  {report}");
}
