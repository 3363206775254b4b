//! Findings and the launch gate through the HTTP API, on both backends.

use reqwest::StatusCode;
use rhythm_domain::Role;
use serde_json::json;

use crate::{TestServer, both};

async fn the_gate_answers_from_live_findings(s: TestServer) {
    let (st, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "ssh-gateway", "owner_team": "Platform", "tier": "restricted",
                   "golden_paths": ["identity_access", "secrets", "logging_monitoring", "api_standards", "data_storage", "third_party", "ci_cd"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let system = sys["id"].as_str().unwrap();
    let (st, rel) = s
        .post(
            "/api/v1/releases",
            Role::Delivery,
            json!({"name": "ssh-gateway 2.4", "system_id": system, "planned_date": "2030-01-15"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{rel}");
    let (st, gate) = s.get("/api/v1/releases/REL-1/gate", Role::Board).await;
    assert_eq!((st, gate["verdict"].as_str()), (StatusCode::OK, Some("go")), "{gate}");

    // Findings are a register: bad input is refused by field, and changes nothing.
    let before = s.audit_len().await;
    let (st, p) = s
        .post(
            "/api/v1/findings",
            Role::Engineer,
            json!({"system_id": system, "tool": "trivy", "rule": "CVE-2024-45337", "title": "x/crypto bypass",
                   "severity": "severe", "environment": "production"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("severity"), "{p}");
    let (st, p) = s
        .post(
            "/api/v1/findings",
            Role::Engineer,
            json!({"system_id": system, "tool": " ", "rule": "CVE-2024-45337", "title": "x/crypto bypass",
                   "severity": "critical", "environment": "production"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "tool");
    assert_eq!(s.audit_len().await, before);

    let (st, f) = s
        .post(
            "/api/v1/findings",
            Role::Engineer,
            json!({"system_id": system, "tool": "trivy", "rule": "CVE-2024-45337", "title": "x/crypto bypass",
                   "severity": "critical", "environment": "production", "component": "golang.org/x/crypto 0.29.0",
                   "first_seen": "2026-11-01T10:00:00+02:00"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{f}");
    assert_eq!(f["first_seen"], "2026-11-01T08:00:00Z");
    let (st, p) = s.patch("/api/v1/findings/FND-1", Role::Engineer, json!({"fixed_at": "2026-10-01T00:00:00Z"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "fixed_at");

    let (_, gate) = s.get("/api/v1/releases/REL-1/gate", Role::Viewer).await;
    assert_eq!(gate["verdict"], "stop", "{gate}");
    let failing = gate["criteria"].as_array().unwrap().iter().find(|c| c["status"] == "fail").unwrap();
    assert_eq!(failing["kind"], "open_findings");
    assert_eq!(failing["evidence"][0]["reference"], "FND-1");
    assert!(failing["to_turn_green"].as_str().unwrap().contains("FND-1"));
    let (st, all) = s.get("/api/v1/gate", Role::Viewer).await;
    assert_eq!((st, all.as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    let (st, _) = s.get("/api/v1/releases/REL-99/gate", Role::Viewer).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // An override is a write, and only for a STOP.
    let body = json!({"title": "Ship ssh-gateway 2.4 despite the STOP", "options": ["Ship", "Hold"]});
    let (st, _) = s.post("/api/v1/releases/REL-1/gate/override", Role::Viewer, body.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, d) = s.post("/api/v1/releases/REL-1/gate/override", Role::EngineeringLead, body.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    assert_eq!(
        (d["category"].as_str(), d["decider"].as_str(), d["status"].as_str()),
        (Some("stop_ship"), Some("escalate"), Some("requested"))
    );

    // Fixed: GO again, and nothing left to override.
    let (st, fixed) = s.post("/api/v1/findings/FND-1/close", Role::Engineer, json!({})).await;
    assert_eq!((st, fixed["status"].as_str()), (StatusCode::OK, Some("fixed")), "{fixed}");
    let (_, gate) = s.get("/api/v1/releases/REL-1/gate", Role::Viewer).await;
    assert_eq!(gate["verdict"], "go", "{gate}");
    let (st, p) = s.post("/api/v1/releases/REL-1/gate/override", Role::EngineeringLead, body).await;
    assert_eq!(st, StatusCode::CONFLICT, "{p}");
}
both!(the_gate_answers_from_live_findings, super::the_gate_answers_from_live_findings);
