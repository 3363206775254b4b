//! The REST API end to end, on both backends.

use reqwest::{Method, StatusCode};
use rhythm_domain::Role;
use serde_json::{Value, json};

use crate::{TestServer, both};

async fn risk_lifecycle_through_the_api(s: TestServer) {
    let (st, sys) = s.post("/api/v1/systems", Role::Cto, json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted", "golden_paths": ["logging_monitoring"]})).await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let (st, risk) = s
        .post(
            "/api/v1/risks",
            Role::SecurityLead,
            json!({"statement": "Refund endpoint lacks rate limiting; abuse could drain merchant balances.", "impact": 4, "likelihood": 3,
                   "found_stage": "pre_release", "system_ids": [sys["id"]], "tags": ["customer-harm"], "due_date": "2099-01-31"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{risk}");
    assert_eq!(risk["score"], 12);
    assert_eq!(risk["number"], 1);

    let (st, got) = s.get("/api/v1/risks/RISK-1", Role::Viewer).await;
    assert_eq!((st, &got["id"]), (StatusCode::OK, &risk["id"]));

    let (st, page) =
        s.get(&format!("/api/v1/risks?system={}&sort=-score&limit=10", sys["id"].as_str().unwrap()), Role::Board).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1);

    let (st, upd) = s
        .patch(
            &format!("/api/v1/risks/{}", risk["id"].as_str().unwrap()),
            Role::Cto,
            json!({"likelihood": 5, "expected_version": 1}),
        )
        .await;
    assert_eq!((st, &upd["score"], &upd["version"]), (StatusCode::OK, &json!(20), &json!(2)), "{upd}");

    let (st, stale) = s.patch("/api/v1/risks/RISK-1", Role::Cto, json!({"likelihood": 1, "expected_version": 1})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{stale}");

    let (st, u) = s
        .post("/api/v1/risks/RISK-1/updates", Role::Engineer, json!({"what": "Limiter in review", "why": "Abuse path is open", "doing": "Token bucket per merchant", "closes": "Sprint 42"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    let (_, ups) = s.get("/api/v1/risks/RISK-1/updates", Role::Viewer).await;
    assert_eq!(ups.as_array().unwrap().len(), 1);

    let (st, closed) = s.post("/api/v1/risks/RISK-1/close", Role::Ciso, json!({})).await;
    assert_eq!((st, &closed["status"]), (StatusCode::OK, &json!("closed")), "{closed}");

    let (st, chain) = s.get("/api/v1/audit-log/verify", Role::Viewer).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(chain["valid"], true, "{chain}");
}
both!(risk_lifecycle_through_the_api, super::risk_lifecycle_through_the_api);

async fn every_api_route_needs_authentication(s: TestServer) {
    // The API document itself is for signed-in users and tokens too.
    assert_eq!(s.call(Method::GET, "/api/openapi.json", None, None).await.0, StatusCode::UNAUTHORIZED);
    let (_, doc) = s.get("/api/openapi.json", Role::Viewer).await;
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() > 30, "{} paths", paths.len());
    for (path, item) in paths {
        let concrete = path.replace("{id}", "RISK-1");
        for method in item.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (st, body) = s.call(m.clone(), &concrete, None, Some(json!({}))).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {concrete} answered {st} without a token");
            assert_eq!(body["status"], 401, "{m} {concrete}: problem+json body");
            let (st, _) = s.call(m.clone(), &concrete, Some("rhy_not-a-real-token"), Some(json!({}))).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {concrete} with a bad token");
        }
    }
    // Deliberately public.
    assert_eq!(s.call(Method::GET, "/healthz", None, None).await.0, StatusCode::OK);
    assert_eq!(s.call(Method::GET, "/readyz", None, None).await.0, StatusCode::OK);
}
both!(every_api_route_needs_authentication, super::every_api_route_needs_authentication);

async fn read_only_roles_and_tokens_cannot_write(s: TestServer) {
    let before = s.audit_len().await;
    let body = json!({"name": "x-svc", "owner_team": "X", "tier": "internal"});
    for role in [Role::Viewer, Role::Board] {
        let (st, p) = s.post("/api/v1/systems", role, body.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role}: {p}");
        assert!(p["detail"].as_str().unwrap().contains("cannot change"), "{p}");
    }
    let (st, p) = s.call(Method::POST, "/api/v1/systems", Some(&s.read_token.clone()), Some(body)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("read scope"), "{p}");
    assert_eq!(s.audit_len().await, before, "refused writes leave no trace in the data");
    let (st, _) = s.get("/api/v1/systems", Role::Viewer).await;
    assert_eq!(st, StatusCode::OK);
}
both!(read_only_roles_and_tokens_cannot_write, super::read_only_roles_and_tokens_cannot_write);

fn field_of(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

async fn bad_input_is_refused_with_a_clear_problem_and_changes_nothing(s: TestServer) {
    let before = s.audit_len().await;
    let tok = s.token(Role::Ciso).to_owned();
    // Malformed JSON.
    let (st, p) = s.raw(Method::POST, "/api/v1/risks", &tok, "application/json", b"{\"statement\": ".to_vec()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("line 1"), "{p}");
    // Wrong content type.
    let (st, _) = s.raw(Method::POST, "/api/v1/risks", &tok, "text/plain", b"{}".to_vec()).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Unknown field.
    let (st, p) = s
        .post(
            "/api/v1/risks",
            Role::Ciso,
            json!({"statement": "x", "impact": 1, "likelihood": 1, "found_stage": "production", "colour": "red"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().unwrap().contains("colour"), "{p}");
    // Wrong type, with the path.
    let (st, p) = s
        .post(
            "/api/v1/risks",
            Role::Ciso,
            json!({"statement": "x", "impact": "high", "likelihood": 1, "found_stage": "production"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().unwrap().contains("impact"), "{p}");
    // Out of range and rule breaks: 422 with every field.
    let (st, p) = s.post("/api/v1/risks", Role::Ciso, json!({"statement": "a\nb\nc", "impact": 7, "likelihood": 0, "found_stage": "production", "due_date": "2001-01-01"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(field_of(&p), ["statement", "impact", "likelihood", "due_date"]);
    // A bad date.
    let (st, p) = s.post("/api/v1/releases", Role::Ciso, json!({"name": "r1", "planned_date": "31/12/2026"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("planned_date"), "{p}");
    // Incident times out of order.
    let (st, p) = s
        .post("/api/v1/incidents", Role::Ciso, json!({"title": "t", "severity": "high", "started_at": "2026-01-02T10:00:00Z", "detected_at": "2026-01-01T10:00:00Z"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(field_of(&p), ["detected_at"]);
    // Oversized body.
    let big = format!("{{\"statement\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (st, _) = s.raw(Method::POST, "/api/v1/risks", &tok, "application/json", big.into_bytes()).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    // Unknown filter, bad sort, bad limit.
    for q in ["colour=red", "sort=statement;drop", "limit=0", "limit=9999", "status=sleeping"] {
        let (st, p) = s.get(&format!("/api/v1/risks?{q}"), Role::Ciso).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}: {p}");
    }
    assert_eq!(s.audit_len().await, before, "nothing was written");
}
both!(
    bad_input_is_refused_with_a_clear_problem_and_changes_nothing,
    super::bad_input_is_refused_with_a_clear_problem_and_changes_nothing
);
