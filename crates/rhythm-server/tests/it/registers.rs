//! Every register through the REST API, on both backends: the full life of an entry, workspace
//! isolation, refused input, API tokens, people and the audit log.

use reqwest::{Method, StatusCode};
use rhythm_domain::Role;
use rhythm_store::{Actor, NewToken, TokenScope};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{TestServer, both};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

#[expect(clippy::disallowed_methods, reason = "the real time, to compare with what a live server stamps")]
fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// The fields a 422 problem names, in order.
fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn detail(p: &Value) -> &str {
    p["detail"].as_str().unwrap_or_else(|| panic!("no detail in {p}"))
}

/// The `number`s of a page's items, in order.
fn numbers(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|i| i["number"].as_i64().unwrap())
        .collect()
}

/// `base` with the keys of `extra` set (a `null` in `extra` sets `null`).
fn with(base: &Value, extra: &Value) -> Value {
    let mut out = base.clone();
    for (k, v) in extra.as_object().unwrap() {
        out[k] = v.clone();
    }
    out
}

fn without(base: &Value, key: &str) -> Value {
    let mut out = base.clone();
    out.as_object_mut().unwrap().remove(key);
    out
}

/// Every field that was sent comes back as sent.
fn assert_echo(sent: &Value, got: &Value) {
    for (k, v) in sent.as_object().unwrap() {
        assert_eq!(&got[k], v, "field {k} was not echoed: {got}");
    }
}

/// A second workspace with its own CISO and write token, made in the store directly.
struct Other {
    workspace_id: Uuid,
    user_id: Uuid,
    token: String,
    token_id: Uuid,
}

async fn other_workspace(s: &TestServer) -> Other {
    let store = &s.db.store;
    let ws = store.create_workspace("Contoso Test", now()).await.unwrap();
    let system = Actor::system(ws.id);
    let user = store.create_user(&system, "ciso@contoso.test", "Contoso CISO", Role::Ciso, None, now()).await.unwrap();
    let (token, prefix, token_hash) = rhythm_server::auth::new_api_token();
    let t = store
        .create_token(
            &system,
            NewToken {
                user_id: user.id,
                name: "contoso".into(),
                prefix,
                token_hash,
                scope: TokenScope::Write,
                expires_at: None,
            },
            now(),
        )
        .await
        .unwrap();
    Other { workspace_id: ws.id, user_id: user.id, token, token_id: t.id }
}

async fn audit_len_of(s: &TestServer, workspace_id: Uuid) -> usize {
    s.db.store.audit_log(workspace_id, None, 1000, None).await.unwrap().len()
}

// ---------------------------------------------------------------------------------------------
// 1. The life of an entry, for every register
// ---------------------------------------------------------------------------------------------

/// What the generic life-cycle needs to know about a register.
struct Lifecycle {
    plural: &'static str,
    prefix: &'static str,
    role: Role,
    first: Value,
    second: Value,
    /// A query string that matches the first entry and not the second.
    filter: String,
    /// A sort on which the second entry comes before the first in ascending order.
    sort: &'static str,
    /// A change of one field of the first entry.
    patch: Value,
    /// A nullable field set in `first`, cleared with `null`.
    clear: Option<&'static str>,
}

/// Creates two entries and takes the first through get, list, sort, page, patch and clear.
/// Returns the first (as last patched) and the second.
async fn lifecycle(s: &TestServer, c: &Lifecycle) -> (Value, Value) {
    let base = format!("/api/v1/{}", c.plural);
    let before = s.audit_len().await;

    let (st, first) = s.post(&base, c.role, c.first.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{first}");
    assert_echo(&c.first, &first);
    assert_eq!((&first["number"], &first["version"]), (&json!(1), &json!(1)), "{first}");
    assert_eq!(first["workspace_id"], json!(s.workspace_id), "{first}");
    let (st, second) = s.post(&base, c.role, c.second.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{second}");
    assert_echo(&c.second, &second);
    assert_eq!((&second["number"], &second["version"]), (&json!(2), &json!(1)), "{second}");
    assert_ne!(first["id"], second["id"]);
    assert_eq!(s.audit_len().await, before + 2, "one audit entry per create");

    // Get by UUID and by reference (any case): exactly what the create returned.
    let (st, got) = s.get(&format!("{base}/{}", id_of(&first)), Role::Viewer).await;
    assert_eq!((st, &got), (StatusCode::OK, &first));
    let (st, got) = s.get(&format!("{base}/{}-1", c.prefix), Role::Board).await;
    assert_eq!((st, &got), (StatusCode::OK, &first));
    let (st, got) = s.get(&format!("{base}/{}-2", c.prefix.to_lowercase()), Role::Viewer).await;
    assert_eq!((st, &got), (StatusCode::OK, &second));
    let (st, p) = s.get(&format!("{base}/{}-3", c.prefix), Role::Viewer).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{p}");
    let wrong_kind = if c.prefix == "RISK" { "SYS-1" } else { "RISK-1" };
    let (st, p) = s.get(&format!("{base}/{wrong_kind}"), Role::Viewer).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{p}");
    let (st, p) = s.get(&format!("{base}/{}", Uuid::new_v4()), Role::Viewer).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{p}");

    // A filter of the register.
    let (st, page) = s.get(&format!("{base}?{}", c.filter), Role::Viewer).await;
    assert_eq!(st, StatusCode::OK, "{}: {page}", c.filter);
    assert_eq!((numbers(&page), &page["total"]), (vec![1], &json!(1)), "{}: {page}", c.filter);
    assert_eq!(page["items"][0], first);

    // A sort, both ways (`sort=field` alone is covered by `a_sort_without_a_minus_is_ascending`).
    let (st, page) = s.get(&format!("{base}?sort={}&dir=asc", c.sort), Role::Viewer).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert_eq!(numbers(&page), [2, 1], "sort={}&dir=asc: {page}", c.sort);
    let (_, page) = s.get(&format!("{base}?sort=-{}", c.sort), Role::Viewer).await;
    assert_eq!(numbers(&page), [1, 2], "sort=-{}: {page}", c.sort);
    let (_, page) = s.get(&format!("{base}?sort={}&dir=desc", c.sort), Role::Viewer).await;
    assert_eq!(numbers(&page), [1, 2], "sort={}&dir=desc: {page}", c.sort);

    // Pages.
    for (offset, want) in [(0, vec![1]), (1, vec![2]), (2, vec![])] {
        let (st, page) = s.get(&format!("{base}?sort=number&dir=asc&limit=1&offset={offset}"), Role::Viewer).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert_eq!(numbers(&page), want, "offset {offset}: {page}");
        assert_eq!((&page["total"], &page["limit"], &page["offset"]), (&json!(2), &json!(1), &json!(offset)), "{page}");
    }
    let (_, page) = s.get(&base, Role::Viewer).await;
    assert_eq!(
        (&page["total"], &page["limit"], &page["offset"]),
        (&json!(2), &json!(50), &json!(0)),
        "defaults: {page}"
    );

    // Change one field, by reference, at the expected version.
    let (st, patched) =
        s.patch(&format!("{base}/{}-1", c.prefix), c.role, with(&c.patch, &json!({"expected_version": 1}))).await;
    assert_eq!(st, StatusCode::OK, "{patched}");
    assert_echo(&c.patch, &patched);
    assert_eq!(patched["version"], 2, "{patched}");
    for (k, v) in c.first.as_object().unwrap() {
        if c.patch.get(k).is_none() {
            assert_eq!(&patched[k], v, "{k} changed by a patch that did not name it");
        }
    }
    assert_eq!(
        (&patched["id"], &patched["number"], &patched["created_at"]),
        (&first["id"], &first["number"], &first["created_at"])
    );
    let (_, got) = s.get(&format!("{base}/{}", id_of(&first)), Role::Viewer).await;
    assert_eq!(got, patched, "the change is stored");
    let (st, stale) =
        s.patch(&format!("{base}/{}-1", c.prefix), c.role, with(&c.patch, &json!({"expected_version": 1}))).await;
    assert_eq!(st, StatusCode::CONFLICT, "{stale}");

    // Clear a nullable field with null, by UUID.
    let mut last = patched;
    let mut writes = 3;
    if let Some(field) = c.clear {
        assert!(!last[field].is_null(), "{field} should start set: {last}");
        let (st, cleared) = s.patch(&format!("{base}/{}", id_of(&first)), c.role, json!({ field: null })).await;
        assert_eq!(st, StatusCode::OK, "{cleared}");
        assert!(cleared[field].is_null(), "{field} not cleared: {cleared}");
        assert_eq!(cleared["version"], 3, "{cleared}");
        for (k, v) in last.as_object().unwrap() {
            if k != field && k != "version" && k != "updated_at" {
                assert_eq!(&cleared[k], v, "{k} changed by clearing {field}");
            }
        }
        let (_, got) = s.get(&format!("{base}/{}-1", c.prefix), Role::Viewer).await;
        assert_eq!(got, cleared, "the clear is stored");
        last = cleared;
        writes += 1;
    }
    assert_eq!(s.audit_len().await, before + writes, "one audit entry per write, none for refusals");
    (last, second)
}

async fn systems_lifecycle(s: TestServer) {
    let c = Lifecycle {
        plural: "systems",
        prefix: "SYS",
        role: Role::Cto,
        first: json!({"name": "payments-api", "description": "Card payments, refunds and payouts for merchants.", "owner_team": "Payments",
                      "tier": "restricted", "golden_paths": ["logging_monitoring", "secrets"]}),
        second: json!({"name": "marketing-site", "owner_team": "Web", "tier": "public"}),
        filter: "tier=restricted".into(),
        sort: "name",
        patch: json!({"owner_team": "Payments Platform"}),
        clear: None,
    };
    let (first, second) = lifecycle(&s, &c).await;
    assert_eq!(
        (&first["status"], &second["golden_paths"], &second["description"]),
        (&json!("active"), &json!([]), &json!(""))
    );
    let (_, page) = s.get("/api/v1/systems?golden_path=secrets", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");

    let (st, closed) = s.post("/api/v1/systems/SYS-1/close", Role::Cto, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{closed}");
    assert_eq!(
        (&closed["status"], &closed["version"], &closed["name"]),
        (&json!("retired"), &json!(3), &json!("payments-api"))
    );
    let (_, page) = s.get("/api/v1/systems?status=retired", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");
    let (_, page) = s.get("/api/v1/systems?status=active", Role::Viewer).await;
    assert_eq!(numbers(&page), [2], "{page}");
}
both!(systems_lifecycle, super::systems_lifecycle);

async fn risks_lifecycle(s: TestServer) {
    let (st, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let (_, me) = s.get("/api/v1/me", Role::SecurityLead).await;
    let c = Lifecycle {
        plural: "risks",
        prefix: "RISK",
        role: Role::SecurityLead,
        first: json!({"statement": "Refund endpoint lacks rate limiting; abuse could drain merchant balances.", "impact": 4, "likelihood": 3,
                      "found_stage": "pre_release", "owner_id": me["id"], "mitigation": "Token-bucket limiter per merchant at the gateway.",
                      "due_date": "2099-01-31", "tags": ["customer-harm", "payments"], "system_ids": [sys["id"]], "external_id": "GRC-1042"}),
        second: json!({"statement": "Staging database snapshots are shared with a contractor account.", "impact": 2, "likelihood": 2,
                       "found_stage": "production", "status": "open"}),
        filter: format!("system={}", id_of(&sys)),
        sort: "score",
        patch: json!({"likelihood": 5}),
        clear: Some("owner_id"),
    };
    let (first, second) = lifecycle(&s, &c).await;
    assert_eq!(
        (&first["score"], &first["status"], &first["closed_at"]),
        (&json!(20), &json!("open"), &Value::Null),
        "{first}"
    );
    assert_eq!(
        (&second["score"], &second["backlog_item_ids"], &second["owner_id"]),
        (&json!(4), &json!([]), &Value::Null)
    );
    let (_, page) = s.get("/api/v1/risks?tag=customer-harm&min_score=15", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");

    let (st, closed) = s.post("/api/v1/risks/RISK-1/close", Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{closed}");
    assert_eq!(
        (&closed["status"], &closed["version"], &closed["score"]),
        (&json!("closed"), &json!(4), &json!(20)),
        "{closed}"
    );
    assert!(closed["closed_at"].is_string(), "{closed}");
    let (_, page) = s.get("/api/v1/risks?active=true", Role::Viewer).await;
    assert_eq!(numbers(&page), [2], "{page}");
    let (_, page) = s.get("/api/v1/risks?status=closed", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");
}
both!(risks_lifecycle, super::risks_lifecycle);

async fn backlog_items_lifecycle(s: TestServer) {
    let (_, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted"}),
        )
        .await;
    let (st, epic) = s.post("/api/v1/epics", Role::Delivery, json!({"name": "Refund abuse controls"})).await;
    assert_eq!(st, StatusCode::CREATED, "{epic}");
    let c = Lifecycle {
        plural: "backlog-items",
        prefix: "ITEM",
        role: Role::Delivery,
        first: json!({"title": "Add a per-merchant rate limit to the refund endpoint", "description": "Token bucket, 20 refunds a minute, alert on hits.",
                      "kind": "security", "points": 5, "epic_id": epic["id"], "system_id": sys["id"], "due_date": "2099-02-15",
                      "external_key": "PAY-142", "external_url": "https://tracker.northwind.test/browse/PAY-142"}),
        second: json!({"title": "Dark mode for the merchant dashboard", "kind": "feature", "points": 3, "rank": 500, "status": "in_progress"}),
        filter: "kind=security".into(),
        sort: "rank",
        patch: json!({"points": 8}),
        clear: Some("due_date"),
    };
    let (first, second) = lifecycle(&s, &c).await;
    assert_eq!(
        (&first["rank"], &first["status"], &first["done_at"]),
        (&json!(1000), &json!("todo"), &Value::Null),
        "default rank: {first}"
    );
    assert_eq!(second["assignee_id"], Value::Null);
    let (_, page) = s.get(&format!("/api/v1/backlog-items?epic={}&unassigned=true", id_of(&epic)), Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");

    let (st, done) = s.post(&format!("/api/v1/backlog-items/{}/close", id_of(&first)), Role::Engineer, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!((&done["status"], &done["version"]), (&json!("done"), &json!(4)), "{done}");
    assert!(done["done_at"].is_string(), "{done}");
    assert_eq!(done["done_at"], done["updated_at"], "done when closed");
    let (_, page) = s.get("/api/v1/backlog-items?status=done", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");
}
both!(backlog_items_lifecycle, super::backlog_items_lifecycle);

async fn initiatives_lifecycle(s: TestServer) {
    let c = Lifecycle {
        plural: "initiatives",
        prefix: "INIT",
        role: Role::Cto,
        first: json!({"name": "Passwordless sign-in for merchants", "business_goal": "Halve account-takeover support tickets",
                      "reduces_or_enables": "Reduces credential-stuffing risk; enables enterprise SSO deals", "status": "active",
                      "target_quarter": "2026-Q3"}),
        second: json!({"name": "Retire the legacy VPN", "business_goal": "Cut remote-access cost and attack surface", "target_quarter": "2026-Q1"}),
        filter: "status=active".into(),
        sort: "target_quarter",
        patch: json!({"reduces_or_enables": "Reduces credential stuffing; enables SSO for the top 20 merchants"}),
        clear: Some("target_quarter"),
    };
    let (first, second) = lifecycle(&s, &c).await;
    assert_eq!((&first["status"], &second["status"]), (&json!("active"), &json!("proposed")));
    let (_, page) = s.get("/api/v1/initiatives?target_quarter=2026-Q1", Role::Viewer).await;
    assert_eq!(numbers(&page), [2], "{page}");

    let (st, done) = s.post("/api/v1/initiatives/INIT-1/close", Role::Cto, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!((&done["status"], &done["version"]), (&json!("done"), &json!(4)), "{done}");
    let (_, page) = s.get("/api/v1/initiatives?status=done", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");
}
both!(initiatives_lifecycle, super::initiatives_lifecycle);

async fn epics_lifecycle(s: TestServer) {
    let (st, init) = s
        .post(
            "/api/v1/initiatives",
            Role::Cto,
            json!({"name": "Enterprise readiness", "business_goal": "Close the three largest enterprise deals"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{init}");
    let c = Lifecycle {
        plural: "epics",
        prefix: "EPIC",
        role: Role::EngineeringLead,
        first: json!({"name": "Merchant SSO", "description": "SAML and OIDC sign-in for merchant admins", "initiative_id": init["id"]}),
        second: json!({"name": "Audit logging v2", "description": "Structured, tamper-evident audit events"}),
        filter: format!("initiative={}", id_of(&init)),
        sort: "name",
        patch: json!({"description": "SAML, OIDC and SCIM provisioning for merchant admins"}),
        clear: Some("initiative_id"),
    };
    let (first, _) = lifecycle(&s, &c).await;
    assert_eq!(first["status"], "open");

    let (st, done) = s.post("/api/v1/epics/EPIC-1/close", Role::EngineeringLead, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!((&done["status"], &done["version"]), (&json!("done"), &json!(4)), "{done}");
    let (_, page) = s.get("/api/v1/epics?status=open", Role::Viewer).await;
    assert_eq!(numbers(&page), [2], "{page}");
}
both!(epics_lifecycle, super::epics_lifecycle);

async fn releases_lifecycle(s: TestServer) {
    let (_, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted"}),
        )
        .await;
    let c = Lifecycle {
        plural: "releases",
        prefix: "REL",
        role: Role::Delivery,
        first: json!({"name": "payments 2026.3", "system_id": sys["id"], "planned_date": "2026-03-10", "planned_scope": "Refund limits; SCA exemptions",
                      "planned_items": 12, "external_id": "JIRA-REL-203"}),
        second: json!({"name": "payments 2026.2", "planned_date": "2026-02-10", "shipped_date": "2026-02-10", "planned_scope": "Payout retries",
                       "shipped_scope": "Payout retries", "planned_items": 8, "shipped_items": 8}),
        filter: "status=planned".into(),
        sort: "planned_date",
        patch: json!({"planned_items": 14}),
        clear: Some("system_id"),
    };
    let (first, second) = lifecycle(&s, &c).await;
    assert_eq!((&first["status"], &first["shipped_date"]), (&json!("planned"), &Value::Null));
    assert_eq!(
        (&second["status"], &second["slip_reason"]),
        (&json!("shipped"), &Value::Null),
        "a ship date ships it: {second}"
    );
    let (_, page) = s.get("/api/v1/releases?planned_after=2026-03-01&planned_before=2026-03-31", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");

    let (st, cancelled) = s.post("/api/v1/releases/REL-1/close", Role::Delivery, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{cancelled}");
    assert_eq!(
        (&cancelled["status"], &cancelled["version"], &cancelled["shipped_date"]),
        (&json!("cancelled"), &json!(4), &Value::Null)
    );

    let before = s.audit_len().await;
    let (st, p) = s.post("/api/v1/releases/REL-2/close", Role::Delivery, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "a shipped release cannot be cancelled: {p}");
    assert_eq!(fields(&p), ["status"]);
    let (_, got) = s.get("/api/v1/releases/REL-2", Role::Viewer).await;
    assert_eq!(got, second, "unchanged");
    assert_eq!(s.audit_len().await, before);
}
both!(releases_lifecycle, super::releases_lifecycle);

async fn incidents_lifecycle(s: TestServer) {
    let (_, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "ci-runners", "owner_team": "Platform", "tier": "confidential"}),
        )
        .await;
    let c = Lifecycle {
        plural: "incidents",
        prefix: "INC",
        role: Role::SecurityLead,
        first: json!({"title": "Leaked CI token used to read build artifacts", "severity": "high", "started_at": "2026-01-05T08:00:00Z",
                      "detected_at": "2026-01-05T09:30:00Z", "customer_impact": false,
                      "impact_summary": "Build artifacts of three services were downloaded", "system_ids": [sys["id"]], "external_id": "PD-4411"}),
        second: json!({"title": "Checkout latency spike after cache eviction", "severity": "medium", "started_at": "2026-02-01T12:00:00Z",
                       "customer_impact": true}),
        filter: "severity=high".into(),
        sort: "severity",
        patch: json!({"learnings": "Scope CI tokens to one repository and expire them after a day."}),
        clear: Some("detected_at"),
    };
    let (first, _) = lifecycle(&s, &c).await;
    assert_eq!((&first["contained_at"], &first["resolved_at"]), (&Value::Null, &Value::Null));
    let (_, page) =
        s.get(&format!("/api/v1/incidents?system={}&customer_impact=false", id_of(&sys)), Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");

    // Not resolvable until detection and containment are on record.
    let before = s.audit_len().await;
    let (st, p) = s.post("/api/v1/incidents/INC-1/close", Role::SecurityLead, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["detected_at", "contained_at"]);
    let (st, upd) =
        s.patch("/api/v1/incidents/INC-1", Role::SecurityLead, json!({"detected_at": "2026-01-05T09:30:00Z"})).await;
    assert_eq!(st, StatusCode::OK, "{upd}");
    let (st, p) = s.post("/api/v1/incidents/INC-1/close", Role::SecurityLead, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["contained_at"]);
    let (st, upd) =
        s.patch("/api/v1/incidents/INC-1", Role::SecurityLead, json!({"contained_at": "2026-01-05T11:15:00Z"})).await;
    assert_eq!((st, &upd["resolved_at"]), (StatusCode::OK, &Value::Null), "{upd}");
    assert_eq!(s.audit_len().await, before + 2, "refused closes wrote nothing");

    let (st, resolved) =
        s.post(&format!("/api/v1/incidents/{}/close", id_of(&first)), Role::SecurityLead, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{resolved}");
    assert!(resolved["resolved_at"].is_string(), "{resolved}");
    assert_eq!(resolved["resolved_at"], resolved["updated_at"], "resolved when closed");
    assert_eq!((&resolved["version"], &resolved["contained_at"]), (&json!(6), &json!("2026-01-05T11:15:00Z")));
    let (_, page) = s.get("/api/v1/incidents?open=true", Role::Viewer).await;
    assert_eq!(numbers(&page), [2], "{page}");
    let (st, p) = s.post("/api/v1/incidents/INC-1/close", Role::SecurityLead, json!({})).await;
    assert_eq!((st, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["resolved_at".to_owned()]), "{p}");
}
both!(incidents_lifecycle, super::incidents_lifecycle);

async fn audit_findings_lifecycle(s: TestServer) {
    let c = Lifecycle {
        plural: "audit-findings",
        prefix: "AUD",
        role: Role::Ciso,
        first: json!({"framework": "SOC 2", "control_ref": "CC6.1", "title": "Quarterly access reviews not evidenced for production databases",
                      "severity": "high", "opened_on": "2025-11-03", "external_id": "DRATA-311"}),
        second: json!({"framework": "ISO 27001", "control_ref": "A.8.15", "title": "Application log retention shorter than policy",
                       "severity": "medium", "opened_on": "2025-10-01", "closed_on": "2025-12-01"}),
        filter: "open=true".into(),
        sort: "opened_on",
        patch: json!({"severity": "critical"}),
        clear: Some("external_id"),
    };
    let (first, second) = lifecycle(&s, &c).await;
    let (_, page) = s.get("/api/v1/audit-findings?framework=SOC%202", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");

    // A repeat finding links to the earlier one, and the link clears with null.
    let (st, rep) = s.patch("/api/v1/audit-findings/AUD-1", Role::Ciso, json!({"repeat_of": second["id"]})).await;
    assert_eq!((st, &rep["repeat_of"]), (StatusCode::OK, &second["id"]), "{rep}");
    let (_, page) = s.get(&format!("/api/v1/audit-findings?repeat_of={}", id_of(&second)), Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");
    let (st, rep) = s.patch("/api/v1/audit-findings/AUD-1", Role::Ciso, json!({"repeat_of": null})).await;
    assert_eq!((st, &rep["repeat_of"]), (StatusCode::OK, &Value::Null), "{rep}");

    let (st, closed) = s.post(&format!("/api/v1/audit-findings/{}/close", id_of(&first)), Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{closed}");
    let today = &closed["updated_at"].as_str().unwrap()[..10];
    assert_eq!((&closed["closed_on"], &closed["version"]), (&json!(today), &json!(6)), "closed today: {closed}");
    let (_, page) = s.get("/api/v1/audit-findings?open=true", Role::Viewer).await;
    assert_eq!(page["total"], 0, "{page}");
    let before = s.audit_len().await;
    let (st, p) = s.post("/api/v1/audit-findings/AUD-1/close", Role::Ciso, json!({})).await;
    assert_eq!((st, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["closed_on".to_owned()]), "{p}");
    assert_eq!(s.audit_len().await, before);
}
both!(audit_findings_lifecycle, super::audit_findings_lifecycle);

async fn vendors_lifecycle(s: TestServer) {
    let c = Lifecycle {
        plural: "vendors",
        prefix: "VEN",
        role: Role::SecurityLead,
        first: json!({"name": "Stripe", "purpose": "Card processing and payouts", "data_tier": "restricted",
                      "data_flows": "Card tokens, payout instructions, merchant KYC status", "breach_clause": "Notify within 72 hours of discovery",
                      "breach_notification_hours": 72, "access_model": "Restricted API keys from the vault; dashboard via SSO",
                      "questionnaire": "SIG Lite 2025 reviewed; SOC 2 Type II on file", "status": "approved"}),
        second: json!({"name": "Calendly", "purpose": "Booking sales demos", "data_tier": "internal"}),
        filter: "data_tier=restricted".into(),
        sort: "name",
        patch: json!({"breach_notification_hours": 48}),
        clear: Some("breach_notification_hours"),
    };
    let (_, second) = lifecycle(&s, &c).await;
    assert_eq!((&second["status"], &second["breach_notification_hours"]), (&json!("proposed"), &Value::Null));

    let (st, off) = s.post("/api/v1/vendors/VEN-1/close", Role::SecurityLead, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{off}");
    assert_eq!((&off["status"], &off["version"]), (&json!("offboarded"), &json!(4)), "{off}");
    let (_, page) = s.get("/api/v1/vendors?status=offboarded", Role::Viewer).await;
    assert_eq!(numbers(&page), [1], "{page}");
}
both!(vendors_lifecycle, super::vendors_lifecycle);

/// `sort=field` sorts ascending, as documented ("prefix with - for descending"), whatever
/// the register's default direction.
async fn a_sort_without_a_minus_is_ascending(s: TestServer) {
    let cases: [(&str, &str, Value, Value); 6] = [
        (
            "risks",
            "score",
            json!({"statement": "Payroll export is emailed as a plain CSV.", "impact": 5, "likelihood": 4, "found_stage": "production"}),
            json!({"statement": "Old feature flags are never removed.", "impact": 1, "likelihood": 2, "found_stage": "development"}),
        ),
        (
            "releases",
            "planned_date",
            json!({"name": "mobile 5.1", "planned_date": "2026-09-15"}),
            json!({"name": "mobile 5.0", "planned_date": "2026-08-01"}),
        ),
        (
            "incidents",
            "started_at",
            json!({"title": "Expired SSO signing certificate", "severity": "critical", "started_at": "2026-05-02T06:00:00Z"}),
            json!({"title": "Queue backlog in payouts", "severity": "low", "started_at": "2026-04-20T14:30:00Z"}),
        ),
        (
            "audit-findings",
            "opened_on",
            json!({"framework": "ISO 27001", "control_ref": "A.5.15", "title": "Shared admin accounts", "severity": "high", "opened_on": "2026-06-10"}),
            json!({"framework": "ISO 27001", "control_ref": "A.8.13", "title": "Restore tests not run", "severity": "medium", "opened_on": "2026-03-03"}),
        ),
        (
            "systems",
            "name",
            json!({"name": "warehouse", "owner_team": "Data", "tier": "confidential"}),
            json!({"name": "auth-service", "owner_team": "Identity", "tier": "restricted"}),
        ),
        (
            "vendors",
            "name",
            json!({"name": "Zendesk", "purpose": "Customer support tickets", "data_tier": "confidential"}),
            json!({"name": "Atlassian", "purpose": "Issue tracking", "data_tier": "internal"}),
        ),
    ];
    for (plural, sort, first, second) in cases {
        for body in [first, second] {
            let (st, e) = s.post(&format!("/api/v1/{plural}"), Role::Ciso, body).await;
            assert_eq!(st, StatusCode::CREATED, "{e}");
        }
        let (_, page) = s.get(&format!("/api/v1/{plural}?sort={sort}"), Role::Viewer).await;
        assert_eq!(numbers(&page), [2, 1], "{plural}?sort={sort} is ascending: {page}");
        let (_, page) = s.get(&format!("/api/v1/{plural}?sort=-{sort}"), Role::Viewer).await;
        assert_eq!(numbers(&page), [1, 2], "{plural}?sort=-{sort} is descending: {page}");
    }
}
both!(a_sort_without_a_minus_is_ascending, super::a_sort_without_a_minus_is_ascending);

/// Times sort by time, not by their text: `08:00:00Z` is before `08:00:00.250Z`.
async fn timestamps_sort_chronologically(s: TestServer) {
    for (title, started) in [
        ("Expired TLS certificate on the status page", "2026-01-05T08:00:00Z"),
        ("Status page DNS outage", "2026-01-05T08:00:00.25Z"),
    ] {
        let (st, inc) = s
            .post(
                "/api/v1/incidents",
                Role::SecurityLead,
                json!({"title": title, "severity": "low", "started_at": started}),
            )
            .await;
        assert_eq!((st, &inc["started_at"]), (StatusCode::CREATED, &json!(started)), "{inc}");
    }
    let (_, page) = s.get("/api/v1/incidents?sort=started_at&dir=asc", Role::Viewer).await;
    assert_eq!(numbers(&page), [1, 2], "ascending start: {page}");
    let (_, page) = s.get("/api/v1/incidents", Role::Viewer).await;
    assert_eq!(numbers(&page), [2, 1], "default sort, newest start first: {page}");
}
both!(timestamps_sort_chronologically, super::timestamps_sort_chronologically);

// ---------------------------------------------------------------------------------------------
// 2. Workspace isolation
// ---------------------------------------------------------------------------------------------

async fn other_workspaces_are_invisible_and_unlinkable(s: TestServer) {
    let o = other_workspace(&s).await;
    let tok2 = o.token.clone();
    let post2 = async |path: &str, body: Value| {
        let (st, v) = s.call(Method::POST, path, Some(&tok2), Some(body)).await;
        assert_eq!(st, StatusCode::CREATED, "{path} in the other workspace: {v}");
        v
    };
    // The other workspace's entries (one of each register).
    let sys2 =
        post2("/api/v1/systems", json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted"})).await;
    let init2 =
        post2("/api/v1/initiatives", json!({"name": "SOC 2 Type II", "business_goal": "Unblock enterprise sales"}))
            .await;
    let epic2 = post2("/api/v1/epics", json!({"name": "Evidence automation", "initiative_id": init2["id"]})).await;
    let item2 = post2(
        "/api/v1/backlog-items",
        json!({"title": "Export access reviews nightly", "kind": "security", "epic_id": epic2["id"]}),
    )
    .await;
    let risk2 = post2(
        "/api/v1/risks",
        json!({"statement": "Contoso admin panel has no MFA.", "impact": 5, "likelihood": 3, "found_stage": "production", "system_ids": [sys2["id"]]}),
    )
    .await;
    let rel2 = post2("/api/v1/releases", json!({"name": "contoso 1.0", "planned_date": "2026-06-01"})).await;
    let inc2 = post2(
        "/api/v1/incidents",
        json!({"title": "Contoso phishing wave", "severity": "medium", "started_at": "2026-03-01T10:00:00Z"}),
    )
    .await;
    let aud2 = post2(
        "/api/v1/audit-findings",
        json!({"framework": "SOC 2", "control_ref": "CC7.2", "title": "Alert triage not documented", "severity": "low", "opened_on": "2026-02-02"}),
    )
    .await;
    let ven2 =
        post2("/api/v1/vendors", json!({"name": "Okta", "purpose": "Workforce identity", "data_tier": "confidential"}))
            .await;
    let foreign: [(&str, &str, &Value, Value); 9] = [
        ("systems", "SYS", &sys2, json!({"owner_team": "Hijacked"})),
        ("risks", "RISK", &risk2, json!({"impact": 1})),
        ("backlog-items", "ITEM", &item2, json!({"title": "Hijacked"})),
        ("initiatives", "INIT", &init2, json!({"name": "Hijacked"})),
        ("epics", "EPIC", &epic2, json!({"name": "Hijacked"})),
        ("releases", "REL", &rel2, json!({"name": "Hijacked"})),
        ("incidents", "INC", &inc2, json!({"title": "Hijacked"})),
        ("audit-findings", "AUD", &aud2, json!({"title": "Hijacked"})),
        ("vendors", "VEN", &ven2, json!({"name": "Hijacked"})),
    ];

    let before = s.audit_len().await;
    let before2 = audit_len_of(&s, o.workspace_id).await;

    for (plural, prefix, entry, patch) in &foreign {
        let id = id_of(entry);
        for path in [format!("/api/v1/{plural}/{id}"), format!("/api/v1/{plural}/{prefix}-{}", entry["number"])] {
            let (st, p) = s.get(&path, Role::Ciso).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "GET {path}: {p}");
            assert!(!p.to_string().contains("Contoso"), "nothing of the other workspace leaks: {p}");
        }
        let (st, p) = s.patch(&format!("/api/v1/{plural}/{id}"), Role::Ciso, patch.clone()).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "PATCH {plural}/{id}: {p}");
        let (st, p) = s.post(&format!("/api/v1/{plural}/{id}/close"), Role::Ciso, json!({})).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "close {plural}/{id}: {p}");
        let (st, page) = s.get(&format!("/api/v1/{plural}?limit=500"), Role::Ciso).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["id"] != entry["id"] && i["workspace_id"] == json!(s.workspace_id)),
            "{plural}: {page}"
        );
        let (_, page) = s.get(&format!("/api/v1/{plural}?q=Contoso"), Role::Ciso).await;
        assert_eq!(page["total"], 0, "{plural} search: {page}");
        let (st, log) = s.get(&format!("/api/v1/audit-log?entity_id={id}"), Role::Ciso).await;
        assert_eq!((st, &log), (StatusCode::OK, &json!([])), "the other workspace's audit trail of {plural}");
    }
    let (_, page) = s.get(&format!("/api/v1/risks?system={}", id_of(&sys2)), Role::Ciso).await;
    assert_eq!(page["total"], 0, "{page}");
    let (st, p) = s.get(&format!("/api/v1/risks/{}/updates", id_of(&risk2)), Role::Ciso).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{p}");
    let (st, p) = s
        .post(
            &format!("/api/v1/risks/{}/updates", id_of(&risk2)),
            Role::Ciso,
            json!({"what": "x", "why": "y", "doing": "z", "closes": "Q3"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{p}");
    let (_, users) = s.get("/api/v1/users", Role::Ciso).await;
    assert!(users.as_array().unwrap().iter().all(|u| u["id"] != json!(o.user_id)), "{users}");
    let (st, p) = s.post(&format!("/api/v1/tokens/{}/revoke", o.token_id), Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "an admin cannot revoke another workspace's token: {p}");

    assert_eq!(s.audit_len().await, before, "reaching into the other workspace leaves no trace");

    // This workspace's own entries to link from; same system name as the other workspace's.
    let (st, sys1) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted"}),
        )
        .await;
    assert_eq!((st, &sys1["number"]), (StatusCode::CREATED, &json!(1)), "names are unique per workspace only: {sys1}");
    let (_, risk1) = s
        .post("/api/v1/risks", Role::Ciso, json!({"statement": "Refund endpoint lacks rate limiting.", "impact": 4, "likelihood": 3, "found_stage": "production"}))
        .await;
    assert_eq!(risk1["number"], 1, "{risk1}");
    let (_, item1) =
        s.post("/api/v1/backlog-items", Role::Ciso, json!({"title": "Rate-limit refunds", "kind": "security"})).await;
    let (_, aud1) = s
        .post(
            "/api/v1/audit-findings",
            Role::Ciso,
            json!({"framework": "SOC 2", "control_ref": "CC6.1", "title": "Access reviews late", "severity": "high", "opened_on": "2026-01-10"}),
        )
        .await;

    let before = s.audit_len().await;
    // Links to the other workspace are refused like links to nothing, naming the field.
    let links: [(&str, Value, &str); 9] = [
        (
            "/api/v1/risks",
            json!({"statement": "Linked to a foreign system.", "impact": 2, "likelihood": 2, "found_stage": "production",
                                  "system_ids": [sys2["id"]]}),
            "system_ids[0]",
        ),
        (
            "/api/v1/risks",
            json!({"statement": "Linked to ours, then a foreign one.", "impact": 2, "likelihood": 2, "found_stage": "production",
                                  "system_ids": [sys1["id"], sys2["id"]]}),
            "system_ids[1]",
        ),
        (
            "/api/v1/risks",
            json!({"statement": "Owned by a foreign user.", "impact": 2, "likelihood": 2, "found_stage": "production",
                                  "owner_id": o.user_id}),
            "owner_id",
        ),
        (
            "/api/v1/risks",
            json!({"statement": "Tracked by a foreign item.", "impact": 2, "likelihood": 2, "found_stage": "production",
                                  "backlog_item_ids": [item2["id"]]}),
            "backlog_item_ids[0]",
        ),
        (
            "/api/v1/backlog-items",
            json!({"title": "In a foreign epic", "kind": "feature", "epic_id": epic2["id"]}),
            "epic_id",
        ),
        (
            "/api/v1/backlog-items",
            json!({"title": "For a foreign user", "kind": "feature", "assignee_id": o.user_id}),
            "assignee_id",
        ),
        ("/api/v1/epics", json!({"name": "Under a foreign initiative", "initiative_id": init2["id"]}), "initiative_id"),
        (
            "/api/v1/audit-findings",
            json!({"framework": "SOC 2", "control_ref": "CC7.2", "title": "Repeat of a foreign finding", "severity": "low",
                                           "opened_on": "2026-02-03", "repeat_of": aud2["id"]}),
            "repeat_of",
        ),
        (
            "/api/v1/incidents",
            json!({"title": "On a foreign system", "severity": "low", "started_at": "2026-03-01T10:00:00Z",
                                      "system_ids": [sys2["id"]]}),
            "system_ids[0]",
        ),
    ];
    for (path, body, field) in links {
        let (st, p) = s.post(path, Role::Ciso, body).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{path} → {field}: {p}");
        assert_eq!(fields(&p), [field], "{p}");
    }
    let (st, p) = s
        .post(
            "/api/v1/releases",
            Role::Ciso,
            json!({"name": "ours 1.0", "planned_date": "2026-06-01", "system_id": sys2["id"]}),
        )
        .await;
    assert_eq!((st, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["system_id".to_owned()]), "{p}");
    // … and through a change of one of ours.
    let patches = [
        (format!("/api/v1/risks/{}", id_of(&risk1)), json!({"system_ids": [sys2["id"]]}), "system_ids[0]"),
        (format!("/api/v1/risks/{}", id_of(&risk1)), json!({"owner_id": o.user_id}), "owner_id"),
        (format!("/api/v1/backlog-items/{}", id_of(&item1)), json!({"epic_id": epic2["id"]}), "epic_id"),
        (format!("/api/v1/audit-findings/{}", id_of(&aud1)), json!({"repeat_of": aud2["id"]}), "repeat_of"),
    ];
    for (path, body, field) in patches {
        let (st, p) = s.patch(&path, Role::Ciso, body).await;
        assert_eq!((st, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_owned()]), "PATCH {path}: {p}");
    }
    let (_, r) = s.get("/api/v1/risks/RISK-1", Role::Ciso).await;
    assert_eq!((&r["version"], &r["system_ids"], &r["owner_id"]), (&json!(1), &json!([]), &Value::Null), "{r}");
    let (_, page) = s.get("/api/v1/risks", Role::Ciso).await;
    assert_eq!(page["total"], 1, "{page}");

    assert_eq!(s.audit_len().await, before, "refusals leave no trace in this workspace");
    assert_eq!(audit_len_of(&s, o.workspace_id).await, before2, "nor in the other");
    // The other workspace's entries are untouched.
    for (plural, _, entry, _) in &foreign {
        let (st, got) = s.call(Method::GET, &format!("/api/v1/{plural}/{}", id_of(entry)), Some(&o.token), None).await;
        assert_eq!((st, &got), (StatusCode::OK, *entry), "{plural}");
    }
    let (st, me) = s.call(Method::GET, "/api/v1/me", Some(&o.token), None).await;
    assert_eq!((st, &me["workspace_id"]), (StatusCode::OK, &json!(o.workspace_id)));
}
both!(other_workspaces_are_invisible_and_unlinkable, super::other_workspaces_are_invisible_and_unlinkable);

// ---------------------------------------------------------------------------------------------
// 3. Refused input
// ---------------------------------------------------------------------------------------------

/// Shapes of refused input for one register.
struct BadInput {
    plural: &'static str,
    valid: Value,
    /// A required text field: absent is a 400, blank is a 422.
    required: &'static str,
    /// A field and a value of the wrong type, and the path the error names.
    wrong_type: (&'static str, Value, &'static str),
    /// An enum field of the input, a bad value, and an allowed value the error lists.
    bad_enum: Option<(&'static str, &'static str)>,
    /// An enum field of the patch, and an allowed value the error lists.
    patch_enum: (&'static str, &'static str),
}

fn bad_inputs() -> Vec<BadInput> {
    vec![
        BadInput {
            plural: "systems",
            valid: json!({"name": "ledger", "owner_team": "Finance Eng", "tier": "confidential"}),
            required: "owner_team",
            wrong_type: ("golden_paths", json!(["secrets", 7]), "golden_paths[1]"),
            bad_enum: Some(("tier", "`restricted`")),
            patch_enum: ("status", "`retired`"),
        },
        BadInput {
            plural: "risks",
            valid: json!({"statement": "Ledger backups are not encrypted at rest.", "impact": 4, "likelihood": 2, "found_stage": "production"}),
            required: "statement",
            wrong_type: ("system_ids", json!(["not-a-uuid"]), "system_ids[0]"),
            bad_enum: Some(("found_stage", "`pre_release`")),
            patch_enum: ("status", "`mitigating`"),
        },
        BadInput {
            plural: "backlog-items",
            valid: json!({"title": "Encrypt ledger backups", "kind": "security"}),
            required: "title",
            wrong_type: ("points", json!("five"), "points"),
            bad_enum: Some(("kind", "`tech_debt`")),
            patch_enum: ("status", "`wont_do`"),
        },
        BadInput {
            plural: "initiatives",
            valid: json!({"name": "Zero standing access", "business_goal": "Pass the PCI DSS audit without exceptions"}),
            required: "business_goal",
            wrong_type: ("target_quarter", json!(2026), "target_quarter"),
            bad_enum: Some(("status", "`proposed`")),
            patch_enum: ("status", "`dropped`"),
        },
        BadInput {
            plural: "epics",
            valid: json!({"name": "Just-in-time production access"}),
            required: "name",
            wrong_type: ("initiative_id", json!("INIT-1"), "initiative_id"),
            bad_enum: None,
            patch_enum: ("status", "`done`"),
        },
        BadInput {
            plural: "releases",
            valid: json!({"name": "ledger 4.2", "planned_date": "2026-12-01"}),
            required: "name",
            wrong_type: ("planned_items", json!("12"), "planned_items"),
            bad_enum: Some(("status", "`cancelled`")),
            patch_enum: ("status", "`shipped`"),
        },
        BadInput {
            plural: "incidents",
            valid: json!({"title": "Ledger replica lag", "severity": "low", "started_at": "2026-04-01T03:00:00Z"}),
            required: "title",
            wrong_type: ("customer_impact", json!("yes"), "customer_impact"),
            bad_enum: Some(("severity", "`critical`")),
            patch_enum: ("severity", "`info`"),
        },
        BadInput {
            plural: "audit-findings",
            valid: json!({"framework": "PCI DSS", "control_ref": "3.5.1", "title": "Backups not encrypted", "severity": "high", "opened_on": "2026-04-02"}),
            required: "control_ref",
            wrong_type: ("opened_on", json!(20_260_402), "opened_on"),
            bad_enum: Some(("severity", "`medium`")),
            patch_enum: ("severity", "`low`"),
        },
        BadInput {
            plural: "vendors",
            valid: json!({"name": "Backblaze", "purpose": "Off-site backup storage", "data_tier": "confidential"}),
            required: "purpose",
            wrong_type: ("breach_notification_hours", json!("72h"), "breach_notification_hours"),
            bad_enum: Some(("data_tier", "`public`")),
            patch_enum: ("status", "`offboarded`"),
        },
    ]
}

async fn malformed_input_is_refused_for_every_register(s: TestServer) {
    let cases = bad_inputs();
    // One valid entry per register, to patch.
    let mut entries = Vec::new();
    for c in &cases {
        let (st, e) = s.post(&format!("/api/v1/{}", c.plural), Role::Ciso, c.valid.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{}: {e}", c.plural);
        entries.push(e);
    }
    let before = s.audit_len().await;
    for (c, entry) in cases.iter().zip(&entries) {
        let base = format!("/api/v1/{}", c.plural);
        let one = format!("{base}/{}", id_of(entry));
        let r = c.plural;

        let (st, p) = s.post(&base, Role::Ciso, with(&c.valid, &json!({"colour": "red"}))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r} unknown field: {p}");
        assert!(detail(&p).contains("unknown field `colour`"), "{r}: {p}");
        let (st, p) = s.patch(&one, Role::Ciso, json!({"colour": "red"})).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r} PATCH unknown field: {p}");
        assert!(detail(&p).contains("colour"), "{r}: {p}");

        let (field, value, path) = &c.wrong_type;
        let (st, p) = s.post(&base, Role::Ciso, with(&c.valid, &json!({ *field: value }))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r} wrong type: {p}");
        assert!(detail(&p).starts_with(&format!("at {path} ")), "{r}: the path {path}: {p}");
        let (st, p) = s.patch(&one, Role::Ciso, json!({ *field: value })).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r} PATCH wrong type: {p}");
        assert!(detail(&p).starts_with(&format!("at {path} ")), "{r}: the path {path}: {p}");

        let (st, p) = s.post(&base, Role::Ciso, without(&c.valid, c.required)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r} missing {}: {p}", c.required);
        assert!(detail(&p).contains(&format!("missing field `{}`", c.required)), "{r}: {p}");
        let (st, p) = s.post(&base, Role::Ciso, with(&c.valid, &json!({ c.required: "   " }))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{r} blank {}: {p}", c.required);
        assert_eq!(fields(&p), [c.required], "{r}: {p}");
        let (st, p) = s.patch(&one, Role::Ciso, json!({ c.required: "" })).await;
        assert_eq!(
            (st, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![c.required.to_owned()]),
            "{r} PATCH blank: {p}"
        );

        if let Some((field, allowed)) = c.bad_enum {
            let (st, p) = s.post(&base, Role::Ciso, with(&c.valid, &json!({ field: "sideways" }))).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{r} bad {field}: {p}");
            let d = detail(&p);
            assert!(
                d.starts_with(&format!("at {field} "))
                    && d.contains("unknown variant `sideways`")
                    && d.contains(allowed),
                "{r}: {p}"
            );
        }
        let (field, allowed) = c.patch_enum;
        let (st, p) = s.patch(&one, Role::Ciso, json!({ field: "sideways" })).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r} PATCH bad {field}: {p}");
        let d = detail(&p);
        assert!(
            d.starts_with(&format!("at {field} ")) && d.contains("unknown variant `sideways`") && d.contains(allowed),
            "{r}: {p}"
        );

        // Not an object at all; a PATCH of a non-number version.
        let (st, p) = s.post(&base, Role::Ciso, json!([c.valid.clone()])).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r} array body: {p}");
        let (st, p) = s.patch(&one, Role::Ciso, json!({"expected_version": "1"})).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r}: {p}");
        assert!(detail(&p).starts_with("at expected_version "), "{r}: {p}");

        let (_, got) = s.get(&one, Role::Ciso).await;
        assert_eq!(&got, entry, "{r}: unchanged");
        let (_, page) = s.get(&base, Role::Ciso).await;
        assert_eq!(page["total"], 1, "{r}: nothing created: {page}");
    }
    assert_eq!(s.audit_len().await, before, "refused input leaves no trace");
}
both!(malformed_input_is_refused_for_every_register, super::malformed_input_is_refused_for_every_register);

async fn domain_rules_are_enforced_on_create_and_change(s: TestServer) {
    let (_, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted"}),
        )
        .await;
    let (_, other_sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "ledger", "owner_team": "Finance Eng", "tier": "confidential"}),
        )
        .await;
    let (_, rel) = s
        .post("/api/v1/releases", Role::Delivery, json!({"name": "payments 2026.4", "planned_date": "2026-04-01"}))
        .await;
    let (_, aud) = s
        .post("/api/v1/audit-findings", Role::Ciso, json!({"framework": "SOC 2", "control_ref": "CC8.1", "title": "Change approvals missing", "severity": "medium", "opened_on": "2026-03-01"}))
        .await;
    let (_, init) = s
        .post(
            "/api/v1/initiatives",
            Role::Cto,
            json!({"name": "Vendor risk program", "business_goal": "Fewer surprise vendor breaches"}),
        )
        .await;
    let (_, item) = s
        .post(
            "/api/v1/backlog-items",
            Role::Delivery,
            json!({"title": "Link PAY-142 from the tracker", "kind": "feature"}),
        )
        .await;
    for e in [&sys, &other_sys, &rel, &aud, &init, &item] {
        assert_eq!(e["version"], 1, "setup: {e}");
    }
    let before = s.audit_len().await;

    let refused: Vec<(Method, String, Value, Vec<&str>)> = vec![
        // A release that shipped after its planned date must say why.
        (
            Method::POST,
            "/api/v1/releases".into(),
            json!({"name": "payments 2026.5", "planned_date": "2026-05-01", "shipped_date": "2026-05-09"}),
            vec!["slip_reason"],
        ),
        (
            Method::POST,
            "/api/v1/releases".into(),
            json!({"name": "payments 2026.5", "planned_date": "2026-05-01", "shipped_date": "2026-05-09", "slip_reason": "  "}),
            vec!["slip_reason"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/releases/{}", id_of(&rel)),
            json!({"shipped_date": "2026-04-03"}),
            vec!["slip_reason"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/releases/{}", id_of(&rel)),
            json!({"status": "shipped"}),
            vec!["shipped_date"],
        ),
        (
            Method::POST,
            "/api/v1/releases".into(),
            json!({"name": "payments 2026.6", "planned_date": "2026-06-01", "shipped_date": "2026-06-01", "status": "planned"}),
            vec!["status"],
        ),
        // An audit finding cannot close before it opened, or repeat itself.
        (
            Method::POST,
            "/api/v1/audit-findings".into(),
            json!({"framework": "SOC 2", "control_ref": "CC8.1", "title": "Change approvals missing", "severity": "medium", "opened_on": "2026-03-01", "closed_on": "2026-02-28"}),
            vec!["closed_on"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/audit-findings/{}", id_of(&aud)),
            json!({"closed_on": "2026-02-28"}),
            vec!["closed_on"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/audit-findings/{}", id_of(&aud)),
            json!({"repeat_of": aud["id"]}),
            vec!["repeat_of"],
        ),
        // Quarters are quarters.
        (
            Method::POST,
            "/api/v1/initiatives".into(),
            json!({"name": "Vendor risk program", "business_goal": "Fewer surprise vendor breaches", "target_quarter": "2026-Q5"}),
            vec!["target_quarter"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/initiatives/{}", id_of(&init)),
            json!({"target_quarter": "Q3 2026"}),
            vec!["target_quarter"],
        ),
        // Links are http(s) only.
        (
            Method::POST,
            "/api/v1/backlog-items".into(),
            json!({"title": "Link PAY-143", "kind": "feature", "external_url": "javascript:alert(1)"}),
            vec!["external_url"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/backlog-items/{}", id_of(&item)),
            json!({"external_url": "javascript:alert(document.cookie)"}),
            vec!["external_url"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/backlog-items/{}", id_of(&item)),
            json!({"external_url": "data:text/html,<script>alert(1)</script>"}),
            vec!["external_url"],
        ),
        // System names are unique in a workspace (after trimming).
        (
            Method::POST,
            "/api/v1/systems".into(),
            json!({"name": "payments-api", "owner_team": "Risk", "tier": "internal"}),
            vec!["name"],
        ),
        (
            Method::POST,
            "/api/v1/systems".into(),
            json!({"name": "  payments-api ", "owner_team": "Risk", "tier": "internal"}),
            vec!["name"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/systems/{}", id_of(&other_sys)),
            json!({"name": "payments-api"}),
            vec!["name"],
        ),
        // Ranges, and every refused field at once.
        (
            Method::POST,
            "/api/v1/vendors".into(),
            json!({"name": "", "purpose": "", "data_tier": "public", "breach_notification_hours": -1}),
            vec!["name", "purpose", "breach_notification_hours"],
        ),
        (
            Method::POST,
            "/api/v1/backlog-items".into(),
            json!({"title": "Estimate it", "kind": "feature", "points": 101}),
            vec!["points"],
        ),
        (
            Method::POST,
            "/api/v1/systems".into(),
            json!({"name": "search", "owner_team": "Search", "tier": "internal", "golden_paths": ["secrets", "secrets"]}),
            vec!["golden_paths[1]"],
        ),
        (
            Method::POST,
            "/api/v1/risks".into(),
            json!({"statement": "Duplicate links.", "impact": 2, "likelihood": 2, "found_stage": "production", "system_ids": [sys["id"], sys["id"]], "tags": ["Legal"]}),
            vec!["tags[0]", "system_ids[1]"],
        ),
    ];
    for (method, path, body, want) in refused {
        let (st, p) = s.call(method.clone(), &path, Some(s.token(Role::Ciso)), Some(body.clone())).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path} {body}: {p}");
        assert_eq!(fields(&p), want, "{method} {path} {body}: {p}");
        assert_eq!(p["status"], 422, "{p}");
        for f in &want {
            assert!(detail(&p).contains(f), "the detail names {f}: {p}");
        }
    }
    assert_eq!(s.audit_len().await, before, "refused rules leave no trace");
    for (plural, e) in [
        ("systems", &sys),
        ("systems", &other_sys),
        ("releases", &rel),
        ("audit-findings", &aud),
        ("initiatives", &init),
        ("backlog-items", &item),
    ] {
        let (_, got) = s.get(&format!("/api/v1/{plural}/{}", id_of(e)), Role::Viewer).await;
        assert_eq!(&got, e, "{plural} unchanged");
    }

    // The same changes, done right, go through.
    let (st, shipped) = s
        .patch(
            &format!("/api/v1/releases/{}", id_of(&rel)),
            Role::Delivery,
            json!({"shipped_date": "2026-04-03", "slip_reason": "Waited on the pen-test fix"}),
        )
        .await;
    assert_eq!((st, &shipped["status"]), (StatusCode::OK, &json!("shipped")), "{shipped}");
    // Keeping its own name is not a duplicate, and a change that changes nothing is not a new
    // version (no audit entry either).
    let (st, renamed) =
        s.patch(&format!("/api/v1/systems/{}", id_of(&sys)), Role::Cto, json!({"name": "payments-api"})).await;
    assert_eq!(
        (st, &renamed["version"]),
        (StatusCode::OK, &json!(1)),
        "keeping its own name is not a duplicate: {renamed}"
    );
}
both!(domain_rules_are_enforced_on_create_and_change, super::domain_rules_are_enforced_on_create_and_change);

// ---------------------------------------------------------------------------------------------
// 4. Tokens and people
// ---------------------------------------------------------------------------------------------

async fn api_tokens_cannot_mint_tokens_and_revoked_tokens_stop_working(s: TestServer) {
    let before = s.audit_len().await;
    for (role, scope) in [(Role::Ciso, "read"), (Role::Engineer, "write"), (Role::Cto, "write")] {
        let (st, p) =
            s.post("/api/v1/tokens", role, json!({"name": "ci-pipeline", "scope": scope, "expires_in_days": 30})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role}: {p}");
        assert!(detail(&p).contains("tokens cannot create tokens"), "{p}");
    }
    let (st, p) =
        s.call(Method::POST, "/api/v1/tokens", Some(&s.read_token.clone()), Some(json!({"name": "ci-pipeline"}))).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    assert_eq!(s.audit_len().await, before, "no token was made");

    // The list shows the caller's tokens, never a secret.
    let (_, ciso) = s.get("/api/v1/me", Role::Ciso).await;
    let (st, list) = s.get("/api/v1/tokens", Role::Ciso).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap().clone();
    let mut names: Vec<&str> = list.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["read", "test"]);
    let text = serde_json::to_string(&list).unwrap();
    for secret in [s.token(Role::Ciso), s.read_token.as_str()] {
        assert!(!text.contains(secret), "a secret is listed: {text}");
        assert!(!text.contains(&rhythm_server::auth::secret_hash(secret)), "a secret's hash is listed: {text}");
        let prefix = &list
            .iter()
            .find(|t| secret.starts_with(t["prefix"].as_str().unwrap()))
            .expect("a prefix of each token")["prefix"];
        assert!(prefix.as_str().unwrap().len() < 16, "{prefix}");
    }
    for t in &list {
        assert_eq!(t["user_id"], ciso["id"], "only the caller's: {t}");
        assert!(t.get("token").is_none() && t.get("token_hash").is_none(), "{t}");
        let mut keys: Vec<&String> = t.as_object().unwrap().keys().collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["created_at", "expires_at", "id", "last_used_at", "name", "prefix", "revoked_at", "scope", "user_id"],
            "{t}"
        );
    }
    let (_, mine) = s.get("/api/v1/tokens", Role::Engineer).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let (_, engineer) = s.get("/api/v1/me", Role::Engineer).await;
    assert_eq!(mine[0]["user_id"], engineer["id"]);

    // A second token of the engineer, used, then revoked by itself.
    let (ci, prefix, token_hash) = rhythm_server::auth::new_api_token();
    let ci_tok =
        s.db.store
            .create_token(
                &Actor::system(s.workspace_id),
                NewToken {
                    user_id: engineer["id"].as_str().unwrap().parse().unwrap(),
                    name: "ci-pipeline".into(),
                    prefix,
                    token_hash,
                    scope: TokenScope::Write,
                    expires_at: None,
                },
                now(),
            )
            .await
            .unwrap();
    let (st, who) = s.call(Method::GET, "/api/v1/me", Some(&ci), None).await;
    assert_eq!((st, &who["id"]), (StatusCode::OK, &engineer["id"]));
    let ciso_token_id = list[0]["id"].as_str().unwrap().to_owned();
    let before = s.audit_len().await;
    let (st, p) = s.post(&format!("/api/v1/tokens/{ciso_token_id}/revoke"), Role::Engineer, json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "an engineer cannot revoke someone else's token: {p}");
    let (st, p) = s.post(&format!("/api/v1/tokens/{}/revoke", Uuid::new_v4()), Role::Engineer, json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{p}");
    assert_eq!(s.audit_len().await, before);

    let (st, revoked) =
        s.call(Method::POST, &format!("/api/v1/tokens/{}/revoke", ci_tok.id), Some(&ci), Some(json!({}))).await;
    assert_eq!(st, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    assert_eq!((&revoked["id"], &revoked["name"]), (&json!(ci_tok.id), &json!("ci-pipeline")));
    assert!(!revoked.to_string().contains(&ci), "{revoked}");
    for (m, path) in [(Method::GET, "/api/v1/me"), (Method::GET, "/api/v1/systems"), (Method::POST, "/api/v1/systems")]
    {
        let (st, p) =
            s.call(m.clone(), path, Some(&ci), Some(json!({"name": "x", "owner_team": "y", "tier": "public"}))).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{m} {path} with a revoked token: {p}");
    }
    let (st, p) = s.post(&format!("/api/v1/tokens/{}/revoke", ci_tok.id), Role::Engineer, json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT, "already revoked: {p}");
    let (_, mine) = s.get("/api/v1/tokens", Role::Engineer).await;
    let listed = mine.as_array().unwrap().iter().find(|t| t["id"] == json!(ci_tok.id)).expect("still listed");
    assert_eq!(listed["revoked_at"], revoked["revoked_at"]);

    // An administrator may revoke another person's token.
    let engineer_token_id =
        mine.as_array().unwrap().iter().find(|t| t["name"] == "test").unwrap()["id"].as_str().unwrap().to_owned();
    let (st, p) = s.post(&format!("/api/v1/tokens/{engineer_token_id}/revoke"), Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let (st, _) = s.get("/api/v1/me", Role::Engineer).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(s.audit_len().await, before + 2, "each revocation is audited");
    let (_, log) = s.get(&format!("/api/v1/audit-log?entity_id={}", ci_tok.id), Role::Ciso).await;
    assert_eq!(log[0]["action"], "revoke", "{log}");
}
both!(
    api_tokens_cannot_mint_tokens_and_revoked_tokens_stop_working,
    super::api_tokens_cannot_mint_tokens_and_revoked_tokens_stop_working
);

/// A read-scoped token changes nothing, and revoking a token is a change: a leaked dashboard
/// token must not be able to cut off its owner's CI pipeline.
async fn a_read_scoped_token_cannot_revoke_tokens(s: TestServer) {
    let (_, list) = s.get("/api/v1/tokens", Role::Ciso).await;
    let write_id =
        list.as_array().unwrap().iter().find(|t| t["scope"] == "write").expect("the CISO's write token")["id"].clone();
    let before = s.audit_len().await;
    let read = s.read_token.clone();
    let (st, p) = s
        .call(
            Method::POST,
            &format!("/api/v1/tokens/{}/revoke", write_id.as_str().unwrap()),
            Some(&read),
            Some(json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a read token revoked a write token: {p}");
    assert!(detail(&p).contains("read scope"), "{p}");
    assert_eq!(s.audit_len().await, before, "nothing was revoked");
    let (st, _) = s.get("/api/v1/me", Role::Ciso).await;
    assert_eq!(st, StatusCode::OK, "the write token still works");
}
both!(a_read_scoped_token_cannot_revoke_tokens, super::a_read_scoped_token_cannot_revoke_tokens);

async fn only_administrators_add_people(s: TestServer) {
    let before = s.audit_len().await;
    let dana = json!({"email": " Dana.Reyes@Northwind.TEST ", "name": "Dana Reyes", "role": "engineer", "password": "a long enough passphrase"});
    for role in [Role::Engineer, Role::Delivery, Role::SecurityLead, Role::Viewer] {
        let (st, p) = s.post("/api/v1/users", role, dana.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role}: {p}");
        assert!(detail(&p).contains("CISO or CTO"), "{p}");
    }
    let (st, p) = s.call(Method::POST, "/api/v1/users", Some(&s.read_token.clone()), Some(dana.clone())).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "the CISO's read token: {p}");
    assert_eq!(s.audit_len().await, before);

    let (st, user) = s.post("/api/v1/users", Role::Ciso, dana.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{user}");
    assert_eq!(
        (&user["email"], &user["name"], &user["role"]),
        (&json!("dana.reyes@northwind.test"), &json!("Dana Reyes"), &json!("engineer"))
    );
    assert_eq!((&user["workspace_id"], &user["disabled"]), (&json!(s.workspace_id), &json!(false)));
    assert!(!user.to_string().contains("passphrase") && user.get("password_hash").is_none(), "{user}");
    assert_eq!(s.audit_len().await, before + 1);
    let (_, users) = s.get("/api/v1/users", Role::Viewer).await;
    assert!(users.as_array().unwrap().iter().any(|u| u["id"] == user["id"]), "{users}");
    // No chief adds a voice to a side: the CTO, CISO and executive roles come from the operator.
    let before = s.audit_len().await;
    for (by, role) in [(Role::Cto, "cto"), (Role::Cto, "ciso"), (Role::Ciso, "ciso"), (Role::Ciso, "executive")] {
        let second = json!({"email": format!("second-{role}@northwind.test"), "name": "Second", "role": role, "password": "a long enough passphrase"});
        let (st, p) = s.post("/api/v1/users", by, second).await;
        assert_eq!((st, p["rule"].as_str()), (StatusCode::FORBIDDEN, Some("authority_grant")), "{by} → {role}: {p}");
        assert!(detail(&p).contains("rhythm admin"), "says what to do instead: {p}");
    }
    assert_eq!(s.audit_len().await, before);

    let before = s.audit_len().await;
    let twice = [
        with(&dana, &json!({"name": "Dana R."})),
        with(&dana, &json!({"email": "dana.reyes@northwind.test", "role": "viewer"})),
        with(&dana, &json!({"email": "engineer@northwind.test"})),
    ];
    for body in twice {
        let (st, p) = s.post("/api/v1/users", Role::Cto, body.clone()).await;
        assert_eq!((st, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["email".to_owned()]), "{body}: {p}");
    }
    let (st, p) = s
        .post(
            "/api/v1/users",
            Role::Ciso,
            json!({"email": "eli@northwind.test", "name": "Eli", "role": "engineer", "password": "hunter2"}),
        )
        .await;
    assert_eq!((st, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["password".to_owned()]), "{p}");
    let (st, p) = s.post("/api/v1/users", Role::Ciso, json!({"email": "not-an-address", "name": "Eli", "role": "engineer", "password": "a long enough passphrase"})).await;
    assert_eq!((st, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["email".to_owned()]), "{p}");
    let (st, p) = s.post("/api/v1/users", Role::Ciso, json!({"email": "eli@northwind.test", "name": "Eli", "role": "superuser", "password": "a long enough passphrase"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{p}");
    assert!(detail(&p).contains("unknown variant `superuser`") && detail(&p).contains("`ciso`"), "{p}");
    let (st, p) = s.post("/api/v1/users", Role::Ciso, json!({"email": "eli@northwind.test", "name": "Eli", "role": "engineer", "password": "a long enough passphrase", "is_admin": true})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{p}");
    assert!(detail(&p).contains("is_admin"), "{p}");
    assert_eq!(s.audit_len().await, before, "refused people leave no trace");
}
both!(only_administrators_add_people, super::only_administrators_add_people);

// ---------------------------------------------------------------------------------------------
// 5. The audit log
// ---------------------------------------------------------------------------------------------

fn parsed(v: &Value) -> Value {
    serde_json::from_str(v.as_str().unwrap_or_else(|| panic!("not a JSON string: {v}"))).unwrap()
}

async fn the_audit_log_records_each_change_with_before_and_after(s: TestServer) {
    let (_, ciso) = s.get("/api/v1/me", Role::Ciso).await;
    let (st, created) = s
        .post("/api/v1/vendors", Role::Ciso, json!({"name": "Datadog", "purpose": "Metrics and logs", "data_tier": "confidential", "breach_notification_hours": 72}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    let (st, updated) = s
        .patch("/api/v1/vendors/VEN-1", Role::Ciso, json!({"status": "approved", "breach_notification_hours": 24}))
        .await;
    assert_eq!(st, StatusCode::OK, "{updated}");
    // Entries about something else do not show up.
    let (_, _) = s
        .post(
            "/api/v1/vendors",
            Role::Ciso,
            json!({"name": "PagerDuty", "purpose": "On-call paging", "data_tier": "internal"}),
        )
        .await;

    let id = id_of(&created);
    let (st, log) = s.get(&format!("/api/v1/audit-log?entity_id={id}"), Role::Viewer).await;
    assert_eq!(st, StatusCode::OK, "{log}");
    let log = log.as_array().unwrap().clone();
    assert_eq!(log.len(), 2, "{log:?}");
    let (upd, cre) = (&log[0], &log[1]);
    assert_eq!((&upd["action"], &cre["action"]), (&json!("update"), &json!("create")), "newest first");
    assert!(upd["seq"].as_i64() > cre["seq"].as_i64(), "{log:?}");
    for e in &log {
        assert_eq!((&e["entity"], &e["entity_id"]), (&json!("vendor"), &json!(id)), "{e}");
        assert_eq!(e["actor"], "ciso@northwind.test (token test)", "{e}");
        assert_eq!(e["hash"].as_str().unwrap().len(), 64, "{e}");
    }
    assert!(cre["before"].is_null(), "{cre}");
    assert_eq!(parsed(&cre["after"]), created, "the create's after is the entry as created");
    assert_eq!(parsed(&upd["before"]), created, "the update's before is the entry as it was");
    assert_eq!(parsed(&upd["after"]), updated, "the update's after is the entry as changed");
    assert_eq!(upd["prev_hash"], cre["hash"], "chained: nothing was written in between");
    assert_eq!(upd["at"], updated["updated_at"]);
    assert_eq!(ciso["email"], "ciso@northwind.test");

    // Closing adds a third entry on top; paging walks back.
    let (_, closed) = s.post(&format!("/api/v1/vendors/{id}/close"), Role::Ciso, json!({})).await;
    let (_, log) = s.get(&format!("/api/v1/audit-log?entity_id={id}"), Role::Viewer).await;
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["close", "update", "create"]);
    assert_eq!((parsed(&log[0]["before"]), parsed(&log[0]["after"])), (updated.clone(), closed));
    let (_, newest) = s.get(&format!("/api/v1/audit-log?entity_id={id}&limit=1"), Role::Viewer).await;
    assert_eq!(newest.as_array().unwrap().len(), 1);
    assert_eq!(newest[0]["action"], "close");
    let (_, older) =
        s.get(&format!("/api/v1/audit-log?entity_id={id}&limit=1&before_seq={}", newest[0]["seq"]), Role::Viewer).await;
    assert_eq!(older[0]["action"], "update", "{older}");

    let (st, chain) = s.get("/api/v1/audit-log/verify", Role::Board).await;
    assert_eq!(st, StatusCode::OK, "{chain}");
    assert_eq!(
        (&chain["valid"], &chain["first_bad_seq"], &chain["problem"]),
        (&json!(true), &Value::Null, &Value::Null),
        "{chain}"
    );
    assert_eq!(chain["entries"], s.audit_len().await, "{chain}");
    let (_, head) = s.get("/api/v1/audit-log?limit=1", Role::Viewer).await;
    assert_eq!(chain["head"], head[0]["hash"], "the head is the newest entry's hash");
}
both!(
    the_audit_log_records_each_change_with_before_and_after,
    super::the_audit_log_records_each_change_with_before_and_after
);
