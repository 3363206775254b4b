//! An exception through the web UI in a real browser: requested through the form (refused
//! fields first), signed by its two named owners each signed in as themselves, approved; and
//! axe-core on the list, request form, detail and inbox pages (serious or critical fails).

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_store::Backend;
use serde_json::{Value, json};

use crate::TestServer;
use crate::browser::{Axe, Browser, expect_app_page};

#[expect(clippy::disallowed_methods, reason = "dates relative to today, as a person types them")]
fn date_in(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

async fn sign_out(b: &Browser) {
    b.click("form[action='/logout'] button[type=submit]").await;
    b.wait_location("the sign-in page after signing out", |l| l.starts_with("/login")).await;
}

async fn id_of(s: &TestServer, role: Role) -> String {
    let (_, me) = s.get("/api/v1/me", role).await;
    me["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exception_signed_by_two_owners_in_the_browser() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (st, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let (st, risk) = s
        .post(
            "/api/v1/risks",
            Role::SecurityLead,
            json!({"statement": "Legacy TLS 1.0 endpoint still serves the old mobile app.", "impact": 3, "likelihood": 2,
                   "found_stage": "production", "system_ids": [sys["id"]]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{risk}");
    let (cto, ciso) = (id_of(&s, Role::Cto).await, id_of(&s, Role::Ciso).await);

    let mut axe = Axe::load();
    let b = Browser::start(&s.url, "exceptions").await;

    // The requester: an engineer.
    b.sign_in(&s.emails[&Role::Engineer]).await;
    b.goto("/exceptions").await;
    expect_app_page(&b, "the empty exception list").await;
    assert_eq!(b.text("main h1").await, "Exceptions");
    b.goto("/exceptions/new").await;
    expect_app_page(&b, "the request form").await;
    assert_eq!(b.text("main h1").await, "Request an exception");
    // Only people who can sign a side are offered for it.
    let eng_options = b.text("#f-engineering_owner_id").await;
    assert!(eng_options.contains("CTO") && !eng_options.contains("CISO"), "{eng_options}");
    axe.check(&b, "exceptions-new").await;

    // A short reason and no dates: refused next to the fields, and what was typed stays.
    b.type_into("#f-title", "Keep TLS 1.0 for the legacy mobile app").await;
    b.type_into("#f-business_reason", "Too much work").await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the refused request form", |l| l == "/exceptions").await;
    let refused: Vec<String> = {
        let mut v = Vec::new();
        for e in b.find_all(".field.has-error label").await {
            v.push(e.attr("for").await.unwrap().unwrap_or_default());
        }
        v
    };
    for f in ["f-business_reason", "f-starts_on", "f-expires_on", "f-engineering_owner_id", "f-security_owner_id"] {
        assert!(refused.iter().any(|r| r == f), "{f} is marked: {refused:?}");
    }
    assert_eq!(b.attr("#f-business_reason", "aria-invalid").await.as_deref(), Some("true"));
    assert!(b.text("#f-business_reason-error").await.contains("20"), "the reason error names the minimum");
    assert_eq!(b.value("#f-title").await, "Keep TLS 1.0 for the legacy mobile app");
    axe.check(&b, "exceptions-new-refused").await;
    let (_, none) = s.get("/api/v1/exceptions", Role::Viewer).await;
    assert_eq!(none["total"], 0, "a refused form writes nothing");

    b.type_into("#f-business_reason", "Two enterprise customers ship the old app to field staff until January.").await;
    b.type_into("#f-scope", "api-legacy.example.com only").await;
    b.choose("#f-system_ids", sys["id"].as_str().unwrap()).await;
    b.type_into("#f-users_impacted", "About 1,200 field staff").await;
    b.js(&format!(
        "document.getElementById('f-starts_on').value = '{}'; document.getElementById('f-expires_on').value = '{}';",
        date_in(0),
        date_in(45)
    ))
    .await;
    b.type_into("#f-compensating_controls", "WAF rule limits the legacy host\nAlert on non-mobile user agents").await;
    b.choose("#f-risk_ids", risk["id"].as_str().unwrap()).await;
    b.choose("#f-engineering_owner_id", &cto).await;
    b.choose("#f-security_owner_id", &ciso).await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the new exception", |l| l.starts_with("/exceptions/EXC-1")).await;
    expect_app_page(&b, "the requested exception").await;
    assert!(b.text("main").await.contains("Requested"));
    assert!(b.text("#sig-engineering").await.contains("Engineering signature"));
    assert!(b.find_all("form.sign-form").await.is_empty(), "the requester signs nothing");
    axe.check(&b, "exception-detail-requested").await;
    b.goto("/exceptions").await;
    assert!(b.text("table.data").await.contains("EXC-1"));
    axe.check(&b, "exceptions-list").await;
    sign_out(&b).await;

    // The engineering owner finds it in their inbox and approves.
    b.sign_in(&s.emails[&Role::Cto]).await;
    b.goto("/inbox").await;
    expect_app_page(&b, "the CTO's inbox").await;
    assert_eq!(b.text("main h1").await, "Waiting for me");
    let row = b.text("table.data tbody").await;
    assert!(row.contains("EXC-1") && row.contains("Engineering"), "{row}");
    axe.check(&b, "inbox").await;
    b.click("table.data a.row-link").await;
    b.wait_location("the exception from the inbox", |l| l.starts_with("/exceptions/EXC-1")).await;
    assert_eq!(b.find_all("form.sign-form").await.len(), 1, "only the CTO's own side can be signed");
    assert_eq!(b.attr("form.sign-form input[name=side]", "value").await.as_deref(), Some("engineering"));
    axe.check(&b, "exception-detail-sign").await;
    b.type_into("form.sign-form textarea[name=note]", "Short time box; the WAF rule is live").await;
    b.click("form.sign-form button[value=approve]").await;
    b.wait_location("the exception after signing", |l| l.contains("flash=signed")).await;
    assert!(b.text("section[aria-labelledby=sig-engineering]").await.contains("Short time box; the WAF rule is live"));
    b.goto("/inbox").await;
    assert!(b.find_all("#w-signatures").await.is_empty(), "no signature waits for the CTO any more");
    sign_out(&b).await;

    // The security owner approves: approved, with a review item in the backlog.
    b.sign_in(&s.emails[&Role::Ciso]).await;
    b.goto("/exceptions/EXC-1").await;
    // A rejection without a reason is refused on the page, and nothing is signed.
    b.click("form.sign-form button[value=reject]").await;
    b.wait_location("the refused signature", |l| l == "/exceptions/EXC-1/sign").await;
    let alert = b.text("main .flash-error[role=alert]").await;
    assert!(alert.contains("Say why you reject it"), "{alert}");
    let (_, still) = s.get("/api/v1/exceptions/EXC-1", Role::Viewer).await;
    assert!(still["signatures"]["security"].is_null(), "{still}");
    axe.check(&b, "exception-detail-refused").await;
    b.click("form.sign-form button[value=approve]").await;
    b.wait_location("the exception after the second signature", |l| l.contains("flash=signed")).await;
    let status = b.text("main .badge").await;
    assert_eq!(status, "Approved");
    assert!(b.find_all("form.sign-form").await.is_empty());
    assert!(b.text("main").await.contains("review item in the backlog"));
    axe.check(&b, "exception-detail-approved").await;
    b.goto("/exceptions?status=approved").await;
    assert!(b.text("table.data").await.contains("EXC-1"));

    let (_, e) = s.get("/api/v1/exceptions/EXC-1", Role::Viewer).await;
    assert_eq!(e["status"], "approved", "{e}");
    assert_eq!(e["signatures"]["engineering"]["note"], "Short time box; the WAF rule is live");
    assert!(e["review_item_id"].is_string(), "{e}");
    assert_eq!(
        e["compensating_controls"],
        json!(["WAF rule limits the legacy host", "Alert on non-mobile user agents"])
    );

    // Editing the approved exception's dates through its edit page voids both signatures.
    b.goto("/exceptions/EXC-1/edit").await;
    expect_app_page(&b, "the edit page").await;
    axe.check(&b, "exception-edit").await;
    let expires = date_in(30);
    b.js(&format!("document.getElementById('f-expires_on').value = '{expires}'")).await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the exception after the edit", |l| l.contains("flash=edited")).await;
    assert_eq!(b.text("main .badge").await, "Requested");
    let (_, e) = s.get("/api/v1/exceptions/EXC-1", Role::Viewer).await;
    assert_eq!((e["status"].as_str(), e["expires_on"].as_str()), (Some("requested"), Some(expires.as_str())), "{e}");
    assert!(e["signatures"]["engineering"].is_null() && e["signatures"]["security"].is_null(), "{e}");

    let report = b.shots.join("axe-exceptions-report.json");
    b.close().await;
    std::fs::write(&report, serde_json::to_string_pretty(&Value::Array(axe.report.clone())).unwrap_or_default())
        .unwrap_or_else(|e| panic!("write {}: {e}", report.display()));
    if !axe.notes.is_empty() {
        eprintln!(
            "axe: {} moderate or minor violation(s) (not failing):\n  {}",
            axe.notes.len(),
            axe.notes.join("\n  ")
        );
    }
    assert!(
        axe.failures.is_empty(),
        "{} serious or critical accessibility violation(s):\n  {}",
        axe.failures.len(),
        axe.failures.join("\n  ")
    );
}
