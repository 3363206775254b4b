//! Design reviews end in a spike or a decision; a vendor's onboarding is a joint decision.
//! Through the HTTP API, on both backends.

use reqwest::StatusCode;
use rhythm_domain::Role;
use serde_json::json;

use crate::{TestServer, both};

async fn design_reviews_end_in_a_spike_or_a_decision(s: TestServer) {
    let (st, sys) = s
        .post("/api/v1/systems", Role::Cto, json!({"name": "edge", "owner_team": "Platform", "tier": "confidential"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let body = json!({"title": "Session tokens at the edge", "system_id": sys["id"], "review_date": "2026-12-03",
                      "golden_paths": ["identity_access"], "data": "Session ids; confidential"});
    let (st, r) = s.post("/api/v1/design-reviews", Role::Engineer, body.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "open");

    // Unanswered questions are named, and nothing is written.
    let before = s.audit_len().await;
    let (st, p) = s
        .post(
            "/api/v1/design-reviews/DR-1/spike",
            Role::Engineer,
            json!({"title": "Measure", "due_date": "2036-12-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<_> =
        p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["auth", "secrets", "logging", "abuse"]);
    let (st, p) = s.post("/api/v1/design-reviews/DR-1/close", Role::Engineer, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(s.audit_len().await, before);

    let answers = json!({"auth": "OIDC at the edge", "secrets": "KMS, monthly rotation", "logging": "Every token issued or refused", "abuse": "Replay: device binding"});
    let (st, _) = s.patch("/api/v1/design-reviews/DR-1", Role::Engineer, answers.clone()).await;
    assert_eq!(st, StatusCode::OK);
    let (st, p) =
        s.post("/api/v1/design-reviews/DR-1/spike", Role::Engineer, json!({"title": "Measure edge latency"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "a spike needs a deadline: {p}");
    assert_eq!(p["errors"][0]["field"], "due_date");
    let (st, p) = s
        .post(
            "/api/v1/design-reviews/DR-1/spike",
            Role::Engineer,
            json!({"title": "Measure", "due_date": "0120-02-03"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "a deadline in the past: {p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("past"), "{p}");
    let (st, p) = s
        .post("/api/v1/design-reviews/DR-1/spike", Role::Viewer, json!({"title": "x", "due_date": "2036-12-20"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    let (st, done) = s
        .post(
            "/api/v1/design-reviews/DR-1/spike",
            Role::Engineer,
            json!({"title": "Measure edge latency", "due_date": "2036-12-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{done}");
    assert_eq!(done["review"]["status"], "spike");
    assert_eq!(done["backlog_item"]["due_date"], "2036-12-20");
    assert_eq!(done["backlog_item"]["system_id"], sys["id"]);
    assert_eq!(done["review"]["spike_item_id"], done["backlog_item"]["id"]);
    let (st, _) =
        s.post("/api/v1/design-reviews/DR-1/decision", Role::Cto, json!({"title": "x", "options": ["a", "b"]})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "an ended review does not end twice");

    // A second review ends in a (joint) decision request.
    let mut second = body;
    second.as_object_mut().unwrap().extend(answers.as_object().unwrap().clone());
    let (_, _) = s.post("/api/v1/design-reviews", Role::Engineer, second).await;
    let (st, done) = s
        .post(
            "/api/v1/design-reviews/DR-2/decision",
            Role::EngineeringLead,
            json!({"title": "Adopt edge sessions", "options": ["Adopt", "Keep central sessions"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{done}");
    assert_eq!(
        (done["decision"]["category"].as_str(), done["decision"]["decider"].as_str()),
        (Some("new_core_patterns"), Some("joint"))
    );
    assert_eq!(done["review"]["decision_id"], done["decision"]["id"]);
    let (_, list) = s.get("/api/v1/design-reviews?status=decided", Role::Board).await;
    assert_eq!(list["total"], 1);
}
both!(design_reviews_end_in_a_spike_or_a_decision, super::design_reviews_end_in_a_spike_or_a_decision);

async fn vendor_onboarding_is_a_joint_decision_on_the_record(s: TestServer) {
    let (st, v) = s
        .post(
            "/api/v1/vendors",
            Role::Cto,
            json!({"name": "Acme Mail", "purpose": "Transactional e-mail", "data_tier": "confidential"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let before = s.audit_len().await;
    let (st, p) = s.post("/api/v1/vendors/VEN-1/onboarding", Role::Cto, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<_> =
        p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["data_flows", "breach_clause", "access_model"]);
    assert_eq!(s.audit_len().await, before);

    let (st, _) = s
        .patch("/api/v1/vendors/VEN-1", Role::Cto, json!({"data_flows": "Customer e-mail addresses and invoice PDFs", "breach_clause": "Notify within 48 hours", "breach_notification_hours": 48, "access_model": "API key scoped to sending"}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, p) = s.post("/api/v1/vendors/VEN-1/onboarding", Role::Viewer, json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    let (st, o) = s.post("/api/v1/vendors/VEN-1/onboarding", Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    assert_eq!(
        (o["decision"]["category"].as_str(), o["decision"]["decider"].as_str()),
        (Some("major_third_party_integrations"), Some("joint"))
    );
    let context = o["decision"]["context"].as_str().unwrap();
    assert!(
        context.contains("invoice PDFs") && context.contains("48 hours") && context.contains("API key"),
        "{context}"
    );
    assert_eq!(o["vendor"]["onboarding_decision_id"], o["decision"]["id"]);
    let (st, p) = s.post("/api/v1/vendors/VEN-1/onboarding", Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT, "one open onboarding at a time: {p}");
}
both!(vendor_onboarding_is_a_joint_decision_on_the_record, super::vendor_onboarding_is_a_joint_decision_on_the_record);
