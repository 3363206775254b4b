//! Exceptions with two signatures, through the HTTP API, on both backends: who may sign what,
//! what a refusal leaves behind (nothing), the review item an approval adds to the backlog,
//! the notifications it enqueues and the inbox of what waits for each person.

use reqwest::{Method, StatusCode};
use rhythm_domain::{ExceptionInput, Role};
use rhythm_server::notify::render;
use rhythm_store::{Actor, Channel, Event, Format, NewNotificationTarget};
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{TestServer, both};

#[expect(clippy::disallowed_methods, reason = "dates relative to today, as a live server judges them")]
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn today() -> Date {
    now().date()
}

fn days(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

async fn user_id(s: &TestServer, role: Role) -> String {
    let (st, me) = s.get("/api/v1/me", role).await;
    assert_eq!(st, StatusCode::OK, "{me}");
    me["id"].as_str().unwrap().to_owned()
}

/// A system and a risk to cover, and a webhook that wants every event.
pub(crate) async fn setup(s: &TestServer) -> (String, String) {
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
            json!({"statement": "Legacy TLS 1.0 endpoint still serves the old mobile app.", "impact": 3, "likelihood": 2, "found_stage": "production",
                   "system_ids": [sys["id"]], "due_date": days(120)}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{risk}");
    let actor = Actor::system(s.workspace_id);
    s.db.store
        .add_notification_target(
            &actor,
            NewNotificationTarget {
                channel: Channel::Webhook,
                target: "https://hooks.example.test/rhythm".into(),
                secret: Some("a-webhook-secret-of-enough-length".into()),
                format: Format::default(),
                events: Vec::new(),
            },
            now(),
        )
        .await
        .unwrap();
    (sys["id"].as_str().unwrap().to_owned(), risk["id"].as_str().unwrap().to_owned())
}

pub(crate) async fn request_body(s: &TestServer, system: &str, risk: &str) -> Value {
    json!({
        "title": "Keep TLS 1.0 for the legacy mobile app",
        "business_reason": "Two enterprise customers ship the old app to field staff until their January rollout.",
        "scope": "api-legacy.example.com only; no other host accepts TLS 1.0.",
        "system_ids": [system],
        "users_impacted": "About 1,200 field staff of two customers",
        "starts_on": days(0),
        "expires_on": days(60),
        "compensating_controls": ["WAF rule limits the legacy host to the mobile API paths", "Alert on any non-mobile user agent"],
        "risk_ids": [risk],
        "engineering_owner_id": user_id(s, Role::Cto).await,
        "security_owner_id": user_id(s, Role::Ciso).await,
    })
}

async fn request(s: &TestServer, body: Value) -> Value {
    let (st, e) = s.post("/api/v1/exceptions", Role::Engineer, body).await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    e
}

async fn sign(s: &TestServer, id: &str, role: Role, side: &str, approve: bool, note: &str) -> (StatusCode, Value) {
    s.post(&format!("/api/v1/exceptions/{id}/sign"), role, json!({"side": side, "approve": approve, "note": note}))
        .await
}

/// What the event's deliveries carry as `data` (the server renders the store's facts).
async fn events(s: &TestServer, event: Event) -> Vec<Value> {
    let all = s.db.store.outbox_entries(s.workspace_id, None, 1000).await.unwrap();
    // The test server has no public URL (`Config::default()`).
    all.into_iter().filter(|e| e.event == event).map(|e| render::data(e.event, &e.payload, None)).collect()
}

async fn inbox_refs(s: &TestServer, role: Role) -> Vec<(String, String)> {
    let (st, inbox) = s.get("/api/v1/inbox", role).await;
    assert_eq!(st, StatusCode::OK, "{inbox}");
    inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (format!("EXC-{}", e["number"]), e["awaiting_side"].as_str().unwrap().to_owned()))
        .collect()
}

/// The exception's row and the audit log's length: a refusal must leave both as they were.
async fn snapshot(s: &TestServer, id: &str) -> (Value, usize) {
    let (st, e) = s.get(&format!("/api/v1/exceptions/{id}"), Role::Viewer).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    (e, s.audit_len().await)
}

async fn approved_only_after_both_named_owners_sign(s: TestServer) {
    let (system, risk) = setup(&s).await;
    let e = request(&s, request_body(&s, &system, &risk).await).await;
    assert_eq!((e["number"].as_i64(), e["status"].as_str()), (Some(1), Some("requested")), "{e}");
    assert_eq!(e["requester_id"].as_str().unwrap(), user_id(&s, Role::Engineer).await);
    assert!(e["review_item_id"].is_null());
    let asked = events(&s, Event::SignatureRequested).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["reference"], "EXC-1");
    assert_eq!(asked[0]["url"], "/exceptions/EXC-1");

    // The inbox lists exactly what awaits each person, with the side they sign.
    assert_eq!(inbox_refs(&s, Role::Cto).await, vec![("EXC-1".into(), "engineering".into())]);
    assert_eq!(inbox_refs(&s, Role::Ciso).await, vec![("EXC-1".into(), "security".into())]);
    for role in [Role::Engineer, Role::SecurityLead, Role::EngineeringLead, Role::Viewer] {
        assert!(inbox_refs(&s, role).await.is_empty(), "{role}");
    }

    let (st, one) =
        sign(&s, "EXC-1", Role::Cto, "engineering", true, "Time box is short and the WAF rule is live").await;
    assert_eq!((st, one["status"].as_str()), (StatusCode::OK, Some("requested")), "{one}");
    assert_eq!(one["signatures"]["engineering"]["user_id"].as_str().unwrap(), user_id(&s, Role::Cto).await);
    assert!(one["signatures"]["security"].is_null());
    assert!(one["review_item_id"].is_null(), "no review item before approval");
    assert!(inbox_refs(&s, Role::Cto).await.is_empty());
    assert_eq!(inbox_refs(&s, Role::Ciso).await, vec![("EXC-1".into(), "security".into())]);

    // A signed side cannot be signed again.
    let before = snapshot(&s, "EXC-1").await;
    let (st, again) = sign(&s, "EXC-1", Role::Cto, "engineering", true, "").await;
    assert_eq!((st, again["rule"].as_str()), (StatusCode::CONFLICT, Some("already_signed")), "{again}");
    assert_eq!(snapshot(&s, "EXC-1").await, before);

    let (st, two) = sign(&s, &e["id"].as_str().unwrap().to_lowercase(), Role::Ciso, "security", true, "").await;
    assert_eq!((st, two["status"].as_str()), (StatusCode::OK, Some("approved")), "{two}");
    assert!(two["decided_at"].is_string());
    assert!(inbox_refs(&s, Role::Ciso).await.is_empty());

    // Approval adds the review to the backlog, due on the review date.
    let item_id = two["review_item_id"].as_str().expect("a review item on approval");
    let (st, item) = s.get(&format!("/api/v1/backlog-items/{item_id}"), Role::Viewer).await;
    assert_eq!(st, StatusCode::OK, "{item}");
    assert_eq!(item["kind"], "security");
    assert_eq!(item["due_date"], two["review_on"]);
    assert_eq!(item["system_id"].as_str(), Some(system.as_str()));
    assert_eq!(item["assignee_id"].as_str().unwrap(), user_id(&s, Role::Ciso).await);
    let title = item["title"].as_str().unwrap();
    assert!(title.starts_with(&format!("Review EXC-1 before it expires on {}", days(60))), "{title}");
    // Review on = expiry minus the default policy's 14 days of lead time.
    assert_eq!(two["review_on"].as_str(), Some(days(46).as_str()));

    let (st, list) = s.get("/api/v1/exceptions?status=approved", Role::Board).await;
    assert_eq!((st, list["total"].as_i64()), (StatusCode::OK, Some(1)), "{list}");
    let (st, list) = s.get(&format!("/api/v1/exceptions?system={system}&q=tls"), Role::Board).await;
    assert_eq!((st, list["total"].as_i64()), (StatusCode::OK, Some(1)), "{list}");
    let (st, bad) = s.get("/api/v1/exceptions?colour=red", Role::Board).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");

    let (st, chain) = s.get("/api/v1/audit-log/verify", Role::Viewer).await;
    assert_eq!((st, &chain["valid"]), (StatusCode::OK, &json!(true)), "{chain}");
}
both!(approved_only_after_both_named_owners_sign, super::approved_only_after_both_named_owners_sign);

async fn who_may_sign_is_enforced_and_refusals_change_nothing(s: TestServer) {
    let (system, risk) = setup(&s).await;
    request(&s, request_body(&s, &system, &risk).await).await;

    // Each refusal: its status and rule, and the exception and the audit log untouched.
    let cases: [(Role, &str, StatusCode, &str); 4] = [
        // The CTO owns the engineering side: signing the security side too is refused.
        (Role::Cto, "security", StatusCode::FORBIDDEN, "same_person_both_sides"),
        // A security lead who is not the named security owner.
        (Role::SecurityLead, "security", StatusCode::FORBIDDEN, "not_the_named_owner"),
        // An engineer cannot sign the engineering side for the named owner.
        (Role::Engineer, "engineering", StatusCode::FORBIDDEN, "not_the_named_owner"),
        (Role::Ciso, "engineering", StatusCode::FORBIDDEN, "same_person_both_sides"),
    ];
    for (role, side, status, rule) in cases {
        let before = snapshot(&s, "EXC-1").await;
        let (st, p) = sign(&s, "EXC-1", role, side, true, "").await;
        assert_eq!((st, p["rule"].as_str()), (status, Some(rule)), "{role} {side}: {p}");
        assert_eq!(p["type"], "/problems/refused");
        assert_eq!(snapshot(&s, "EXC-1").await, before, "{role} {side}");
    }

    // The named owner's role is checked again when they sign: a CTO who became an engineer
    // after being named can no longer sign the engineering side.
    let cto: Uuid = user_id(&s, Role::Cto).await.parse().unwrap();
    s.db.store.set_user_role(&Actor::system(s.workspace_id), cto, Role::Engineer, now()).await.unwrap();
    let before = snapshot(&s, "EXC-1").await;
    let (st, p) = sign(&s, "EXC-1", Role::Cto, "engineering", true, "").await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::FORBIDDEN, Some("wrong_role")), "{p}");
    assert_eq!(snapshot(&s, "EXC-1").await, before);
    s.db.store.set_user_role(&Actor::system(s.workspace_id), cto, Role::Cto, now()).await.unwrap();

    // Naming an owner whose role cannot sign that side is refused when requesting.
    let mut body = request_body(&s, &system, &risk).await;
    body["engineering_owner_id"] = json!(user_id(&s, Role::SecurityLead).await);
    let audit = s.audit_len().await;
    let (st, p) = s.post("/api/v1/exceptions", Role::Engineer, body).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "engineering_owner_id", "{p}");
    assert_eq!(s.audit_len().await, audit);

    // A rejection needs a note; the refusal names the field.
    let before = snapshot(&s, "EXC-1").await;
    let (st, p) = sign(&s, "EXC-1", Role::Ciso, "security", false, "  ").await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("note")), "{p}");
    assert_eq!(snapshot(&s, "EXC-1").await, before);

    // Viewers (and the board) read, and every write is refused.
    let id = before.0["id"].as_str().unwrap().to_owned();
    let decision = Uuid::new_v4();
    let writes: Vec<(Method, String, Value)> = vec![
        (Method::POST, "/api/v1/exceptions".into(), request_body(&s, &system, &risk).await),
        (Method::PATCH, format!("/api/v1/exceptions/{id}"), json!({"title": "Renamed"})),
        (Method::POST, format!("/api/v1/exceptions/{id}/sign"), json!({"side": "security", "approve": true})),
        (Method::POST, format!("/api/v1/exceptions/{id}/withdraw"), json!({})),
        (
            Method::POST,
            format!("/api/v1/exceptions/{id}/resolve-escalation"),
            json!({"approve": true, "decision_id": decision}),
        ),
    ];
    for role in [Role::Viewer, Role::Board] {
        for (method, path, body) in &writes {
            let before = snapshot(&s, "EXC-1").await;
            let (st, p) = s.call(method.clone(), path, Some(s.token(role)), Some(body.clone())).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{role} {method} {path}: {p}");
            assert_eq!(snapshot(&s, "EXC-1").await, before, "{role} {method} {path}");
        }
        let (st, _) = s.get(&format!("/api/v1/exceptions/{id}"), role).await;
        assert_eq!(st, StatusCode::OK);
    }
    // A read-scoped token of the CISO cannot sign either.
    let before = snapshot(&s, "EXC-1").await;
    let (st, p) = s
        .call(
            Method::POST,
            "/api/v1/exceptions/EXC-1/sign",
            Some(&s.read_token),
            Some(json!({"side": "security", "approve": true})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    assert_eq!(snapshot(&s, "EXC-1").await, before);

    // Only the requester withdraws.
    let (st, p) = s.post("/api/v1/exceptions/EXC-1/withdraw", Role::Cto, json!({})).await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::FORBIDDEN, Some("not_requester")), "{p}");
    assert_eq!(snapshot(&s, "EXC-1").await, before);
}
both!(
    who_may_sign_is_enforced_and_refusals_change_nothing,
    super::who_may_sign_is_enforced_and_refusals_change_nothing
);

async fn expired_and_withdrawn_requests_cannot_be_signed(s: TestServer) {
    let (system, risk) = setup(&s).await;
    // A request made in the spring whose time box ended in the summer, straight through the
    // store (the API only accepts requests from today on).
    let engineer = s.db.store.user_by_email(s.workspace_id, &s.emails[&Role::Engineer]).await.unwrap();
    let actor = Actor { workspace_id: s.workspace_id, user_id: Some(engineer.id), label: engineer.email.clone() };
    let mut body = request_body(&s, &system, &risk).await;
    let spring = today() - Duration::days(120);
    body["starts_on"] = json!(spring.to_string());
    body["expires_on"] = json!((spring + Duration::days(30)).to_string());
    let input: ExceptionInput = serde_json::from_value(body).unwrap();
    let old = s.db.store.request_exception(&actor, input, now() - Duration::days(120)).await.unwrap();

    let before = snapshot(&s, &old.reference()).await;
    let (st, p) = sign(&s, &old.reference(), Role::Cto, "engineering", true, "").await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::CONFLICT, Some("expired")), "{p}");
    assert_eq!(snapshot(&s, &old.reference()).await, before);
    let (st, p) = s.patch(&format!("/api/v1/exceptions/{}", old.id), Role::Engineer, json!({"scope": "More"})).await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::CONFLICT, Some("expired")), "{p}");
    assert_eq!(snapshot(&s, &old.reference()).await, before);

    // Withdrawn by the requester; then nobody can sign it.
    let fresh = request(&s, request_body(&s, &system, &risk).await).await;
    let r = format!("EXC-{}", fresh["number"]);
    let (st, w) = s.post(&format!("/api/v1/exceptions/{r}/withdraw"), Role::Engineer, json!({})).await;
    assert_eq!((st, w["status"].as_str()), (StatusCode::OK, Some("withdrawn")), "{w}");
    assert!(!inbox_refs(&s, Role::Cto).await.iter().any(|(x, _)| *x == r));
    let before = snapshot(&s, &r).await;
    for (role, side) in [(Role::Cto, "engineering"), (Role::Ciso, "security")] {
        let (st, p) = sign(&s, &r, role, side, true, "").await;
        assert_eq!((st, p["rule"].as_str()), (StatusCode::CONFLICT, Some("not_signable_in_state")), "{p}");
    }
    let (st, p) = s.post(&format!("/api/v1/exceptions/{r}/withdraw"), Role::Engineer, json!({})).await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::CONFLICT, Some("not_withdrawable_in_state")), "{p}");
    assert_eq!(snapshot(&s, &r).await, before);
}
both!(expired_and_withdrawn_requests_cannot_be_signed, super::expired_and_withdrawn_requests_cannot_be_signed);

async fn editing_an_approved_exception_voids_its_signatures(s: TestServer) {
    let (system, risk) = setup(&s).await;
    request(&s, request_body(&s, &system, &risk).await).await;
    sign(&s, "EXC-1", Role::Cto, "engineering", true, "").await;
    let (_, approved) = sign(&s, "EXC-1", Role::Ciso, "security", true, "").await;
    assert_eq!(approved["status"], "approved", "{approved}");
    let item = approved["review_item_id"].as_str().unwrap().to_owned();

    // A title-only edit keeps it approved.
    let (st, t) =
        s.patch("/api/v1/exceptions/EXC-1", Role::Engineer, json!({"title": "TLS 1.0 for legacy mobile"})).await;
    assert_eq!((st, t["status"].as_str()), (StatusCode::OK, Some("approved")), "{t}");
    assert_eq!(events(&s, Event::SignatureRequested).await.len(), 1);

    // A stale version is refused and changes nothing.
    let before = snapshot(&s, "EXC-1").await;
    let (st, p) = s
        .patch("/api/v1/exceptions/EXC-1", Role::Engineer, json!({"expires_on": days(40), "expected_version": 1}))
        .await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::CONFLICT, Some("stale_version")), "{p}");
    assert_eq!(snapshot(&s, "EXC-1").await, before);
    // Dates beyond the policy's 90 days are refused, naming the field.
    let (st, p) = s.patch("/api/v1/exceptions/EXC-1", Role::Engineer, json!({"expires_on": days(200)})).await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("expires_on")), "{p}");
    assert_eq!(snapshot(&s, "EXC-1").await, before);

    let (st, e) = s.patch("/api/v1/exceptions/EXC-1", Role::Engineer, json!({"expires_on": days(40)})).await;
    assert_eq!((st, e["status"].as_str()), (StatusCode::OK, Some("requested")), "{e}");
    assert!(e["signatures"]["engineering"].is_null() && e["signatures"]["security"].is_null(), "{e}");
    assert!(e["decided_at"].is_null());
    assert_eq!(e["review_on"].as_str(), Some(days(26).as_str()));
    // Both owners are asked again, and it is back in both inboxes.
    let asked = events(&s, Event::SignatureRequested).await;
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(inbox_refs(&s, Role::Cto).await, vec![("EXC-1".into(), "engineering".into())]);
    assert_eq!(inbox_refs(&s, Role::Ciso).await, vec![("EXC-1".into(), "security".into())]);

    // Approved again: the same review item moves to the new review date.
    sign(&s, "EXC-1", Role::Cto, "engineering", true, "").await;
    let (_, again) = sign(&s, "EXC-1", Role::Ciso, "security", true, "").await;
    assert_eq!(again["status"], "approved", "{again}");
    assert_eq!(again["review_item_id"].as_str(), Some(item.as_str()));
    let (_, it) = s.get(&format!("/api/v1/backlog-items/{item}"), Role::Viewer).await;
    assert_eq!(it["due_date"].as_str(), Some(days(26).as_str()), "{it}");
    let (_, items) = s.get("/api/v1/backlog-items?kind=security", Role::Viewer).await;
    assert_eq!(items["total"], 1, "{items}");
}
both!(editing_an_approved_exception_voids_its_signatures, super::editing_an_approved_exception_voids_its_signatures);

async fn a_split_vote_escalates_with_both_positions(s: TestServer) {
    let (system, risk) = setup(&s).await;
    request(&s, request_body(&s, &system, &risk).await).await;
    sign(&s, "EXC-1", Role::Cto, "engineering", true, "The customers' rollout is contractual").await;
    let (st, e) =
        sign(&s, "EXC-1", Role::Ciso, "security", false, "TLS 1.0 on a payments host is over our appetite").await;
    assert_eq!((st, e["status"].as_str()), (StatusCode::OK, Some("escalated")), "{e}");
    assert_eq!(e["signatures"]["engineering"]["decision"], "approve");
    assert_eq!(e["signatures"]["security"]["decision"], "reject");
    assert_eq!(e["signatures"]["security"]["note"], "TLS 1.0 on a payments host is over our appetite");
    assert!(e["review_item_id"].is_null());
    let opened = events(&s, Event::EscalationOpened).await;
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0]["engineering"]["decision"], "approve");
    assert_eq!(opened[0]["security"]["note"], "TLS 1.0 on a payments host is over our appetite");

    // Resolving needs a decided decision of this workspace.
    let before = snapshot(&s, "EXC-1").await;
    let (st, p) = s
        .post(
            "/api/v1/exceptions/EXC-1/resolve-escalation",
            Role::Cto,
            json!({"approve": true, "decision_id": Uuid::new_v4()}),
        )
        .await;
    assert_eq!(
        (st, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("escalation_decision_id")),
        "{p}"
    );
    assert_eq!(snapshot(&s, "EXC-1").await, before);

    // The escalation that names it, with both chiefs' positions, decided by the executive,
    // settles it: approved, with its review item.
    let (st, decision) = s
        .post(
            "/api/v1/decisions",
            Role::Engineer,
            json!({
                "title": "Accept TLS 1.0 on the legacy host until January",
                "category": "risks_over_threshold",
                "context": "Engineering approves, security rejects EXC-1.",
                "options": ["Accept until January", "Cut the legacy app off now"],
                "exception_ids": [before.0["id"]],
            }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{decision}");
    let dec = decision["id"].as_str().unwrap().to_owned();
    let decide = json!({"choice": "Accept until January", "cost": "Two months of exposure on one host"});
    let (st, p) = s.post(&format!("/api/v1/decisions/{dec}/decide"), Role::Executive, decide.clone()).await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::CONFLICT, Some("decision_wrong_state")), "{p}");
    for (role, position) in [(Role::Cto, "The customers' rollout is contractual"), (Role::Ciso, "Over our appetite")] {
        let (st, p) = s.post(&format!("/api/v1/decisions/{dec}/position"), role, json!({ "position": position })).await;
        assert_eq!(st, StatusCode::OK, "{p}");
    }
    let (st, p) = s.post(&format!("/api/v1/decisions/{dec}/decide"), Role::Cto, decide.clone()).await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::FORBIDDEN, Some("no_decision_right")), "{p}");
    let (st, decision) = s.post(&format!("/api/v1/decisions/{dec}/decide"), Role::Executive, decide).await;
    assert_eq!((st, decision["status"].as_str()), (StatusCode::OK, Some("decided")), "{decision}");
    assert_eq!(decision["ciso_position"], "Over our appetite");
    let decision_id = decision["id"].clone();
    let (st, p) = s
        .post(
            "/api/v1/exceptions/EXC-1/resolve-escalation",
            Role::Viewer,
            json!({"approve": true, "decision_id": decision_id}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    let (st, p) = s
        .post(
            "/api/v1/exceptions/EXC-1/resolve-escalation",
            Role::Cto,
            json!({"approve": true, "decision_id": decision_id}),
        )
        .await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::FORBIDDEN, Some("no_decision_right")), "{p}");
    assert_eq!(snapshot(&s, "EXC-1").await.0, before.0, "only its decider records the settlement");
    let (st, settled) = s
        .post(
            "/api/v1/exceptions/EXC-1/resolve-escalation",
            Role::Executive,
            json!({"approve": true, "decision_id": decision_id}),
        )
        .await;
    assert_eq!((st, settled["status"].as_str()), (StatusCode::OK, Some("approved")), "{settled}");
    assert_eq!(settled["escalation_decision_id"], decision_id);
    assert!(settled["review_item_id"].is_string(), "{settled}");
    // Both positions stay on the record.
    assert_eq!(settled["signatures"]["security"]["decision"], "reject");
    let (st, p) = s
        .post(
            "/api/v1/exceptions/EXC-1/resolve-escalation",
            Role::Executive,
            json!({"approve": false, "decision_id": decision_id}),
        )
        .await;
    assert_eq!((st, p["rule"].as_str()), (StatusCode::CONFLICT, Some("not_escalated")), "{p}");

    // Both rejecting is a rejection, not an escalation.
    request(&s, request_body(&s, &system, &risk).await).await;
    let (_, r) = sign(&s, "EXC-2", Role::Ciso, "security", false, "Not without a fix date").await;
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(events(&s, Event::EscalationOpened).await.len(), 1);
}
both!(a_split_vote_escalates_with_both_positions, super::a_split_vote_escalates_with_both_positions);

async fn another_workspaces_exception_is_not_found(s: TestServer) {
    let (system, risk) = setup(&s).await;
    request(&s, request_body(&s, &system, &risk).await).await;
    // A second workspace with its own people and exception.
    let store = &s.db.store;
    let other = store.create_workspace("Contoso", now()).await.unwrap();
    let sys = Actor::system(other.id);
    let mut people = Vec::new();
    for (email, role) in
        [("req@contoso.test", Role::Engineer), ("cto@contoso.test", Role::Cto), ("ciso@contoso.test", Role::Ciso)]
    {
        people.push(store.create_user(&sys, email, "Contoso person", role, None, now()).await.unwrap());
    }
    let their_risk = store
        .create(&sys, now(), |n| {
            rhythm_domain::Risk::create(
                serde_json::from_value(
                    json!({"statement": "Their own risk of something.", "impact": 2, "likelihood": 2, "found_stage": "production"}),
                )
                .unwrap(),
                n,
            )
        })
        .await
        .unwrap();
    let input: ExceptionInput = serde_json::from_value(json!({
        "title": "Theirs", "business_reason": "A business reason long enough to pass the rule.", "scope": "Theirs only",
        "starts_on": days(0), "expires_on": days(10), "compensating_controls": ["Monitoring"], "risk_ids": [their_risk.id],
        "engineering_owner_id": people[1].id, "security_owner_id": people[2].id,
        "organization_wide": true, "users_impacted": "Their staff",
    }))
    .unwrap();
    let actor = Actor { workspace_id: other.id, user_id: Some(people[0].id), label: "req@contoso.test".into() };
    let theirs = store.request_exception(&actor, input, now()).await.unwrap();
    assert_eq!(theirs.number, 1);

    let audit = s.audit_len().await;
    let id = theirs.id.to_string();
    let (st, p) = s.get(&format!("/api/v1/exceptions/{id}"), Role::Ciso).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{p}");
    for (method, path, body) in [
        (Method::POST, format!("/api/v1/exceptions/{id}/sign"), json!({"side": "security", "approve": true})),
        (Method::PATCH, format!("/api/v1/exceptions/{id}"), json!({"title": "Mine now"})),
        (Method::POST, format!("/api/v1/exceptions/{id}/withdraw"), json!({})),
    ] {
        let (st, p) = s.call(method, &path, Some(s.token(Role::Ciso)), Some(body)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}: {p}");
    }
    // Their EXC-1 is not ours: ours is the one we get.
    let (_, ours) = s.get("/api/v1/exceptions/EXC-1", Role::Ciso).await;
    assert_ne!(ours["id"].as_str(), Some(id.as_str()));
    // Our requests cannot cover their risk or supersede their exception.
    let mut body = request_body(&s, &system, &risk).await;
    body["risk_ids"] = json!([their_risk.id]);
    body["supersedes"] = json!(theirs.id);
    let (st, p) = s.post("/api/v1/exceptions", Role::Engineer, body).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(fields.contains(&"supersedes") && fields.iter().any(|f| f.starts_with("risk_ids")), "{p}");
    let (_, list) = s.get("/api/v1/exceptions", Role::Ciso).await;
    assert_eq!(list["total"], 1);
    assert_eq!(s.audit_len().await, audit);
    // And their side is untouched.
    assert_eq!(store.exception(other.id, theirs.id).await.unwrap(), theirs);
}
both!(another_workspaces_exception_is_not_found, super::another_workspaces_exception_is_not_found);

async fn an_extension_supersedes_the_old_exception(s: TestServer) {
    let (system, risk) = setup(&s).await;
    let old = request(&s, request_body(&s, &system, &risk).await).await;
    let mut body = request_body(&s, &system, &risk).await;
    body["supersedes"] = old["id"].clone();
    body["starts_on"] = json!(days(50));
    body["expires_on"] = json!(days(90));
    let new = request(&s, body).await;
    assert_eq!(new["supersedes"], old["id"]);
    let (st, list) =
        s.get(&format!("/api/v1/exceptions?supersedes={}", old["id"].as_str().unwrap()), Role::Viewer).await;
    assert_eq!((st, list["total"].as_i64()), (StatusCode::OK, Some(1)), "{list}");
    assert_eq!(list["items"][0]["number"], 2);
}
both!(an_extension_supersedes_the_old_exception, super::an_extension_supersedes_the_old_exception);
