//! Decisions and the versioned policy through the HTTP API, on both backends: decision rights,
//! joint concurrence, escalations, supersedes, latency, policy proposals that apply only once
//! both chiefs signed, read-only roles and workspace isolation.

use reqwest::{Method, StatusCode};
use rhythm_domain::Role;
use rhythm_domain::decision::DecisionInput;
use rhythm_domain::policy::DecisionCategory;
use rhythm_store::Actor;
use serde_json::{Value, json};

use crate::{TestServer, both};

async fn request(s: &TestServer, role: Role, title: &str, category: &str) -> Value {
    let (st, d) = s
        .post(
            "/api/v1/decisions",
            role,
            json!({"title": title, "category": category, "context": "Why now.", "options": ["A", "B"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    d
}

fn choice() -> Value {
    json!({"choice": "A", "cost": "Two weeks of the platform team"})
}

fn rule_of(p: &Value) -> &str {
    p["rule"].as_str().unwrap_or("")
}

async fn decision_count(s: &TestServer) -> i64 {
    s.get("/api/v1/decisions", Role::Viewer).await.1["total"].as_i64().unwrap()
}

/// A refused step leaves the decision and the audit log exactly as they were.
async fn refused_unchanged(
    s: &TestServer,
    path: &str,
    role: Role,
    body: Value,
    status: StatusCode,
    expected_rule: &str,
) {
    let id = path.split('/').nth(4).unwrap();
    let before = s.get(&format!("/api/v1/decisions/{id}"), Role::Viewer).await.1;
    let audit = s.audit_len().await;
    let (st, p) = s.post(path, role, body).await;
    assert_eq!(st, status, "{role} {path}: {p}");
    assert_eq!(rule_of(&p), expected_rule, "{p}");
    assert_eq!(s.get(&format!("/api/v1/decisions/{id}"), Role::Viewer).await.1, before, "the decision did not change");
    assert_eq!(s.audit_len().await, audit, "a refusal leaves no audit row");
}

async fn decision_rights_decide_who_decides(s: TestServer) {
    // CTO category: the engineer may ask, only the CTO decides.
    let d = request(&s, Role::Engineer, "Ship billing before search", "delivery_sequencing").await;
    assert_eq!(
        (d["decider"].as_str(), d["status"].as_str(), d["number"].as_i64()),
        (Some("cto"), Some("requested"), Some(1))
    );
    let decide = "/api/v1/decisions/DEC-1/decide";
    for role in [Role::Ciso, Role::EngineeringLead, Role::Engineer] {
        refused_unchanged(&s, decide, role, choice(), StatusCode::FORBIDDEN, "no_decision_right").await;
    }
    let (st, done) = s.post(decide, Role::Cto, choice()).await;
    assert_eq!((st, done["status"].as_str()), (StatusCode::OK, Some("decided")), "{done}");
    assert!(done["decided_by"].is_string(), "{done}");
    let requested = time::OffsetDateTime::parse(
        done["requested_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let decided = time::OffsetDateTime::parse(
        done["decided_at"].as_str().expect("latency is recorded"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(decided >= requested, "latency is requested → decided");
    // Decided records do not change.
    refused_unchanged(&s, decide, Role::Cto, choice(), StatusCode::CONFLICT, "decision_wrong_state").await;
    refused_unchanged(
        &s,
        "/api/v1/decisions/DEC-1/withdraw",
        Role::Cto,
        json!({}),
        StatusCode::CONFLICT,
        "decision_wrong_state",
    )
    .await;

    // CISO category.
    let d = request(&s, Role::SecurityLead, "Require MFA for support tools", "control_requirements").await;
    let path = format!("/api/v1/decisions/{}/decide", d["id"].as_str().unwrap());
    refused_unchanged(&s, &path, Role::Cto, choice(), StatusCode::FORBIDDEN, "no_decision_right").await;
    let (st, done) = s.post(&path, Role::Ciso, choice()).await;
    assert_eq!((st, done["status"].as_str()), (StatusCode::OK, Some("decided")), "{done}");

    // Joint: one chief decides, the other concurs; not the same chief twice.
    let d = request(&s, Role::Delivery, "Launch 2026.12 with the limiter flagged off", "launch_readiness").await;
    assert_eq!(d["decider"], "joint");
    let r = d["number"].as_i64().unwrap();
    refused_unchanged(
        &s,
        &format!("/api/v1/decisions/DEC-{r}/concur"),
        Role::Cto,
        json!({}),
        StatusCode::CONFLICT,
        "decision_wrong_state",
    )
    .await;
    let (st, first) = s.post(&format!("/api/v1/decisions/DEC-{r}/decide"), Role::Cto, choice()).await;
    assert_eq!((st, first["status"].as_str()), (StatusCode::OK, Some("awaiting_concurrence")), "{first}");
    assert!(first["decided_at"].is_null());
    refused_unchanged(
        &s,
        &format!("/api/v1/decisions/DEC-{r}/concur"),
        Role::Cto,
        json!({}),
        StatusCode::FORBIDDEN,
        "no_decision_right",
    )
    .await;
    refused_unchanged(
        &s,
        &format!("/api/v1/decisions/DEC-{r}/concur"),
        Role::SecurityLead,
        json!({}),
        StatusCode::FORBIDDEN,
        "no_decision_right",
    )
    .await;
    let (st, both) = s.post(&format!("/api/v1/decisions/dec-{r}/concur"), Role::Ciso, json!({})).await;
    assert_eq!((st, both["status"].as_str()), (StatusCode::OK, Some("decided")), "{both}");
    assert!(both["concurred_by"].is_string() && both["decided_by"] != both["concurred_by"], "{both}");

    // Escalation: both chiefs' positions go on record, then the escalation authority decides.
    let d = request(&s, Role::Ciso, "Stop the 2026.12 release", "stop_ship").await;
    assert_eq!(d["decider"], "escalate");
    let id = d["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/decisions/{id}/decide");
    let position = format!("/api/v1/decisions/{id}/position");
    for role in [Role::Engineer, Role::Cto, Role::Ciso] {
        refused_unchanged(&s, &path, role, choice(), StatusCode::FORBIDDEN, "no_decision_right").await;
    }
    refused_unchanged(&s, &path, Role::Executive, choice(), StatusCode::CONFLICT, "decision_wrong_state").await;
    let stated = json!({"position": "Ship: the flag limits exposure"});
    refused_unchanged(&s, &position, Role::EngineeringLead, stated.clone(), StatusCode::FORBIDDEN, "no_decision_right")
        .await;
    let (st, p) = s.post(&position, Role::Executive, stated.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "the executive writes no position: {p}");
    let (st, p) = s.post(&position, Role::Cto, json!({"position": "  "})).await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("position")), "{p}");
    let (st, p) = s.post(&position, Role::Cto, stated).await;
    assert_eq!((st, p["cto_position"].as_str()), (StatusCode::OK, Some("Ship: the flag limits exposure")), "{p}");
    refused_unchanged(&s, &path, Role::Executive, choice(), StatusCode::CONFLICT, "decision_wrong_state").await;
    let (st, p) = s.post(&position, Role::Ciso, json!({"position": "Stop: card data reaches the logs"})).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let audit = s.audit_len().await;
    let (st, done) = s
        .post(&path, Role::Executive, json!({"choice": "Stop", "cost": "Two weeks", "escalated_to": "Exec meeting"}))
        .await;
    assert_eq!((st, done["decided_as"].as_str()), (StatusCode::OK, Some("executive")), "{done}");
    assert_eq!(done["escalated_to"], "Exec meeting");
    assert_eq!(s.audit_len().await, audit + 1);

    // Filters.
    let (_, page) = s.get("/api/v1/decisions?category=launch_readiness", Role::Board).await;
    assert_eq!(page["total"], 1, "{page}");
    let (_, page) = s.get("/api/v1/decisions?status=decided&decider=cto", Role::Viewer).await;
    assert_eq!(page["total"], 1, "{page}");
    let (st, p) = s.get("/api/v1/decisions?colour=red", Role::Viewer).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{p}");
}
both!(decision_rights_decide_who_decides, super::decision_rights_decide_who_decides);

async fn read_only_roles_and_other_workspaces(s: TestServer) {
    let d = request(&s, Role::Cto, "Adopt a feature-flag vendor", "major_third_party_integrations").await;
    let id = d["id"].as_str().unwrap().to_owned();
    let audit = s.audit_len().await;
    for role in [Role::Viewer, Role::Board] {
        let (st, p) =
            s.post("/api/v1/decisions", role, json!({"title": "x", "category": "engineering_approach"})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
        for step in ["decide", "concur", "withdraw"] {
            let (st, p) = s.post(&format!("/api/v1/decisions/{id}/{step}"), role, choice()).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{role} {step}: {p}");
        }
        let (st, p) = s
            .raw(
                Method::POST,
                "/api/v1/policy/proposals",
                s.token(role),
                "application/toml",
                b"[sla_days]\nhigh = 20\n".to_vec(),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
        assert_eq!(s.get("/api/v1/decisions/DEC-1", role).await.0, StatusCode::OK);
        assert_eq!(s.get("/api/v1/policy", role).await.0, StatusCode::OK);
    }
    // A CISO's read-scoped token cannot decide either.
    let (st, _) = s
        .call(Method::POST, &format!("/api/v1/decisions/{id}/decide"), Some(&s.read_token.clone()), Some(choice()))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(s.audit_len().await, audit);

    // Another workspace's decision is not found, whatever the step.
    let store = &s.db.store;
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let other = store.create_workspace("Elsewhere", now).await.unwrap();
    let theirs = store
        .create_decision(
            &Actor::system(other.id),
            DecisionInput {
                title: "Theirs".into(),
                category: Some(DecisionCategory::EngineeringApproach),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    for (method, path) in [
        (Method::GET, format!("/api/v1/decisions/{}", theirs.id)),
        (Method::POST, format!("/api/v1/decisions/{}/decide", theirs.id)),
        (Method::POST, format!("/api/v1/decisions/{}/withdraw", theirs.id)),
        (Method::POST, format!("/api/v1/decisions/{}/concur", theirs.id)),
    ] {
        let (st, p) = s.call(method, &path, Some(s.token(Role::Cto)), Some(choice())).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}: {p}");
    }
    // Nor can it be superseded or linked from here.
    let (st, p) = s
        .post(
            "/api/v1/decisions",
            Role::Cto,
            json!({"title": "Replace theirs", "category": "engineering_approach", "supersedes": theirs.id}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "supersedes", "{p}");
    assert_eq!(store.decision(other.id, theirs.id).await.unwrap(), theirs, "their decision is untouched");
    assert_eq!(decision_count(&s).await, 1);
}
both!(read_only_roles_and_other_workspaces, super::read_only_roles_and_other_workspaces);

async fn a_superseding_decision_leaves_the_old_one_as_it_was(s: TestServer) {
    request(&s, Role::Cto, "Use REST for the partner API", "engineering_approach").await;
    let (_, old) = s.post("/api/v1/decisions/DEC-1/decide", Role::Cto, choice()).await;
    let (st, new) = s
        .post(
            "/api/v1/decisions",
            Role::EngineeringLead,
            json!({"title": "Use gRPC for the partner API", "category": "engineering_approach", "supersedes": old["id"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{new}");
    assert_eq!(new["supersedes"], old["id"]);
    let (_, again) = s.get("/api/v1/decisions/DEC-1", Role::Viewer).await;
    assert_eq!(again, old, "the superseded record is immutable");
    let (_, page) = s.get(&format!("/api/v1/decisions?supersedes={}", old["id"].as_str().unwrap()), Role::Viewer).await;
    assert_eq!((page["total"].as_i64(), &page["items"][0]["id"]), (Some(1), &new["id"]), "{page}");
    // A missing decision cannot be superseded.
    let (st, p) = s.post("/api/v1/decisions", Role::Cto, json!({"title": "x", "category": "engineering_approach", "supersedes": "0190f0f0-0000-7000-8000-000000000000"})).await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("supersedes")), "{p}");
    // The requester withdraws the new one; that does not touch the old one either.
    let (st, w) = s.post("/api/v1/decisions/DEC-2/withdraw", Role::EngineeringLead, json!({})).await;
    assert_eq!((st, w["status"].as_str()), (StatusCode::OK, Some("withdrawn")), "{w}");
    assert_eq!(s.get("/api/v1/decisions/DEC-1", Role::Viewer).await.1, old);
}
both!(a_superseding_decision_leaves_the_old_one_as_it_was, super::a_superseding_decision_leaves_the_old_one_as_it_was);

async fn propose_toml(s: &TestServer, role: Role, doc: &str) -> (StatusCode, Value) {
    s.raw(Method::POST, "/api/v1/policy/proposals", s.token(role), "application/toml", doc.as_bytes().to_vec()).await
}

async fn bad_policy_files_are_refused_by_line_and_store_nothing(s: TestServer) {
    let audit = s.audit_len().await;
    for (doc, path, line) in [
        ("# rights\n[decision_rights]\nvibes_check = \"cto\"\n", "decision_rights.vibes_check", 3),
        ("[sla_days]\ncritical = 7\nhigh = -5\n", "sla_days.high", 3),
        (
            "[golden_paths.secrets]\ndescription = \"Secrets in the vault\"\n\n[[stop_ship]]\nid = \"no-logs\"\nkind = \"golden_path\"\npath = \"logging_monitoring\"\n",
            "stop_ship[0].path",
            7,
        ),
        ("[sla_days\nhigh = 3\n", "", 1),
    ] {
        let (st, p) = propose_toml(&s, Role::Ciso, doc).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{doc}: {p}");
        let problems = p["problems"].as_array().unwrap_or_else(|| panic!("problems: {p}"));
        assert!(
            problems.iter().any(|x| x["path"] == path
                && x["line"] == line
                && x["column"].as_u64() > Some(0)
                && x["message"].is_string()),
            "{doc}: {p}"
        );
        assert!(!p["errors"].as_array().unwrap().is_empty(), "{p}");
    }
    // The same through JSON.
    let (st, p) = s
        .post("/api/v1/policy/proposals", Role::Cto, json!({"document": "[sla_days]\nlow = 0\n", "title": "Zero"}))
        .await;
    assert_eq!((st, p["problems"][0]["line"].as_i64()), (StatusCode::UNPROCESSABLE_ENTITY, Some(2)), "{p}");
    let (st, p) = s.raw(Method::POST, "/api/v1/policy/proposals", s.token(Role::Cto), "image/png", vec![1, 2]).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{p}");
    assert_eq!(s.audit_len().await, audit, "nothing stored");
    assert_eq!(decision_count(&s).await, 0);
    assert_eq!(s.get("/api/v1/policy/versions", Role::Viewer).await.1, json!([]));
}
both!(
    bad_policy_files_are_refused_by_line_and_store_nothing,
    super::bad_policy_files_are_refused_by_line_and_store_nothing
);

async fn a_policy_proposal_applies_when_both_chiefs_signed(s: TestServer) {
    let (st, v0) = s.get("/api/v1/policy", Role::Board).await;
    assert_eq!((st, v0["version"].as_i64()), (StatusCode::OK, Some(0)), "{v0}");
    let rights = v0["decision_rights"].as_array().unwrap();
    assert!(rights.iter().any(|r| r["category"] == "policy_change" && r["decider"] == "joint"), "{v0}");
    assert!(v0["document"].as_str().unwrap().contains("[sla_days]"));

    let doc1 = "# Faster fixes for high findings\n[sla_days]\nhigh = 21\n";
    let (st, d) = propose_toml(&s, Role::SecurityLead, doc1).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    assert_eq!((d["category"].as_str(), d["decider"].as_str()), (Some("policy_change"), Some("joint")), "{d}");
    assert!(d["context"].as_str().unwrap().contains("high findings 30 → 21 days"), "{d}");
    let id = d["id"].as_str().unwrap().to_owned();

    let (st, p) = s.post(&format!("/api/v1/decisions/{id}/decide"), Role::SecurityLead, choice()).await;
    assert_eq!((st, rule_of(&p)), (StatusCode::FORBIDDEN, "no_decision_right"), "{p}");
    let (st, first) = s.post(&format!("/api/v1/decisions/{id}/decide"), Role::Cto, choice()).await;
    assert_eq!((st, first["status"].as_str()), (StatusCode::OK, Some("awaiting_concurrence")), "{first}");
    assert_eq!(s.get("/api/v1/policy", Role::Viewer).await.1["version"], 0, "one signature applies nothing");
    let (st, _) = s.post(&format!("/api/v1/decisions/{id}/concur"), Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::OK);
    let (_, v1) = s.get("/api/v1/policy", Role::Viewer).await;
    assert_eq!(
        (v1["version"].as_i64(), v1["decision_id"].as_str(), v1["document"].as_str()),
        (Some(1), Some(id.as_str()), Some(doc1)),
        "{v1}"
    );
    assert_eq!(v1["policy"]["sla_days"]["high"], 21);

    // A second proposal, as JSON, changes decision rights: version 2.
    let doc2 = "[decision_rights]\ndelivery_sequencing = \"joint\"\n";
    let (st, d2) = s
        .post(
            "/api/v1/policy/proposals",
            Role::Cto,
            json!({"document": doc2, "title": "Sequencing is joint", "context": "Too many surprises."}),
        )
        .await;
    assert_eq!((st, d2["title"].as_str()), (StatusCode::CREATED, Some("Sequencing is joint")), "{d2}");
    let ctx = d2["context"].as_str().unwrap();
    assert!(
        ctx.starts_with("Too many surprises.") && ctx.contains("Delivery sequencing moves from CTO to Joint"),
        "{ctx}"
    );
    let r2 = format!("DEC-{}", d2["number"]);
    s.post(&format!("/api/v1/decisions/{r2}/decide"), Role::Ciso, choice()).await;
    s.post(&format!("/api/v1/decisions/{r2}/concur"), Role::Cto, json!({})).await;
    let (_, versions) = s.get("/api/v1/policy/versions", Role::Viewer).await;
    let numbers: Vec<i64> = versions.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [2, 1], "all versions kept");
    let (_, v1_again) = s.get("/api/v1/policy/versions/1", Role::Viewer).await;
    assert_eq!(v1_again["document"], doc1);
    assert_eq!(s.get("/api/v1/policy/versions/0", Role::Viewer).await.1["version"], 0);
    assert_eq!(s.get("/api/v1/policy/versions/9", Role::Viewer).await.0, StatusCode::NOT_FOUND);
    // Requests now follow version 2.
    let d = request(&s, Role::Engineer, "Billing first", "delivery_sequencing").await;
    assert_eq!(d["decider"], "joint");

    // A withdrawn proposal applies nothing.
    let (_, d3) = propose_toml(&s, Role::Engineer, "[sla_days]\nlow = 120\n").await;
    let (st, _) =
        s.post(&format!("/api/v1/decisions/{}/withdraw", d3["id"].as_str().unwrap()), Role::Engineer, json!({})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s.get("/api/v1/policy", Role::Viewer).await.1["version"], 2);
    let (_, chain) = s.get("/api/v1/audit-log/verify", Role::Viewer).await;
    assert_eq!(chain["valid"], true, "{chain}");
}
both!(a_policy_proposal_applies_when_both_chiefs_signed, super::a_policy_proposal_applies_when_both_chiefs_signed);
