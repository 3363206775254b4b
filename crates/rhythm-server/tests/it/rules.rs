//! One rule, one answer on every surface: where the API and the web UI both offer a step,
//! they follow the same rule, checked here case by case on both.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_store::{Actor, NewToken, TokenScope};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::web_imports::session;
use crate::{TestServer, both};

/// A fresh write token of `role`'s person.
async fn token_of(s: &TestServer, role: Role) -> Uuid {
    let users = s.db.store.users(s.workspace_id).await.unwrap();
    let u = users.into_iter().find(|u| u.email == s.emails[&role]).unwrap();
    let (_, prefix, token_hash) = rhythm_server::auth::new_api_token();
    let actor = Actor { workspace_id: s.workspace_id, user_id: Some(u.id), label: u.email.clone() };
    let t =
        NewToken { user_id: u.id, name: "ci".into(), prefix, token_hash, scope: TokenScope::Write, expires_at: None };
    s.db.store.create_token(&actor, t, crate::harness::now()).await.unwrap().id
}

async fn revoke_by_api(s: &TestServer, role: Role, id: Uuid) -> StatusCode {
    s.post(&format!("/api/v1/tokens/{id}/revoke"), role, serde_json::json!({})).await.0
}

async fn revoke_by_ui(s: &TestServer, role: Role, id: Uuid) -> StatusCode {
    let (cookie, csrf) = session(s, role).await;
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/settings/tokens/{id}/revoke", s.url))
        .header("cookie", cookie)
        .form(&[("_csrf", csrf)])
        .send()
        .await
        .unwrap()
        .status()
}

/// Token revocation: your own, or anyone's in the workspace as an admin (CTO, CISO); another
/// person's token is not found to everyone else; a revoked token cannot be revoked again.
async fn token_revocation_is_one_rule(s: TestServer) {
    // (who revokes, whose token, API answer, UI answer)
    let cases = [
        (Role::Engineer, Role::Engineer, StatusCode::OK, StatusCode::SEE_OTHER),
        (Role::Engineer, Role::Ciso, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
        (Role::SecurityLead, Role::Engineer, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
        (Role::Ciso, Role::Engineer, StatusCode::OK, StatusCode::SEE_OTHER),
        (Role::Cto, Role::SecurityLead, StatusCode::OK, StatusCode::SEE_OTHER),
    ];
    for (who, whose, api, ui) in cases {
        let by_api = revoke_by_api(&s, who, token_of(&s, whose).await).await;
        let by_ui = revoke_by_ui(&s, who, token_of(&s, whose).await).await;
        assert_eq!((by_api, by_ui), (api, ui), "{who:?} revoking a token of {whose:?}");
    }
    let id = token_of(&s, Role::Engineer).await;
    assert_eq!(revoke_by_ui(&s, Role::Engineer, id).await, StatusCode::SEE_OTHER);
    assert_eq!(revoke_by_api(&s, Role::Engineer, id).await, StatusCode::CONFLICT, "already revoked");
    assert_eq!(revoke_by_ui(&s, Role::Engineer, id).await, StatusCode::CONFLICT, "already revoked, on the page too");
}
both!(token_revocation_is_one_rule, super::token_revocation_is_one_rule);

/// Posts a form as `role`'s session (CSRF included): the status and the page.
async fn post_page(s: &TestServer, role: Role, path: &str, fields: &[(&str, String)]) -> (StatusCode, String) {
    let (cookie, csrf) = session(s, role).await;
    let mut form: Vec<(&str, String)> = vec![("_csrf", csrf)];
    form.extend(fields.iter().cloned());
    let resp = s.http.post(format!("{}{path}", s.url)).header("cookie", cookie).form(&form).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// The fields a refused exception form marks (`<p class="error" id="f-NAME-error">`).
fn marked_fields(page: &str) -> BTreeSet<String> {
    page.match_indices("id=\"f-")
        .filter_map(|(i, m)| page[i + m.len()..].split_once('"').map(|(id, _)| id))
        .filter_map(|id| id.strip_suffix("-error"))
        .map(str::to_owned)
        .collect()
}

/// The fields an API refusal names.
fn refused_fields(problem: &Value) -> BTreeSet<String> {
    problem["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).map(str::to_owned).collect()
}

async fn user_id(s: &TestServer, role: Role) -> String {
    let users = s.db.store.users(s.workspace_id).await.unwrap();
    users.into_iter().find(|u| u.email == s.emails[&role]).unwrap().id.to_string()
}

fn day(offset: i64) -> String {
    (crate::harness::now().date() + time::Duration::days(offset)).to_string()
}

/// An exception request, as JSON for the API and as the form's fields for the page; `None`
/// leaves a part out (the API always gets every part).
struct Request {
    reason: &'static str,
    starts_on: Option<String>,
    expires_on: Option<String>,
    engineering: Option<String>,
    security: Option<String>,
}

impl Request {
    fn json(&self, risk: &str, fallback: &Request) -> Value {
        json!({
            "title": "Keep TLS 1.0 for the legacy mobile app",
            "business_reason": self.reason,
            "scope": "api-legacy.example.com only",
            "starts_on": self.starts_on.clone().or_else(|| fallback.starts_on.clone()),
            "expires_on": self.expires_on.clone().or_else(|| fallback.expires_on.clone()),
            "compensating_controls": ["WAF rule limits the legacy host"],
            "risk_ids": [risk],
            "engineering_owner_id": self.engineering.clone().or_else(|| fallback.engineering.clone()),
            "security_owner_id": self.security.clone().or_else(|| fallback.security.clone()),
        })
    }

    fn form(&self, risk: &str) -> Vec<(&'static str, String)> {
        vec![
            ("title", "Keep TLS 1.0 for the legacy mobile app".into()),
            ("business_reason", self.reason.into()),
            ("scope", "api-legacy.example.com only".into()),
            ("starts_on", self.starts_on.clone().unwrap_or_default()),
            ("expires_on", self.expires_on.clone().unwrap_or_default()),
            ("compensating_controls", "WAF rule limits the legacy host".into()),
            ("risk_ids", risk.into()),
            ("engineering_owner_id", self.engineering.clone().unwrap_or_default()),
            ("security_owner_id", self.security.clone().unwrap_or_default()),
        ]
    }
}

/// The exception request form and `POST /api/v1/exceptions` judge by the domain's one set of
/// rules: the same bad request is refused for the same fields on both, and a form whose dates
/// or owners are missing is refused for exactly those parts on top of what the API refuses of
/// the rest (nothing stands in for the missing parts). Neither writes anything.
async fn a_bad_exception_request_is_refused_alike(s: TestServer) {
    let (st, risk) = s
        .post(
            "/api/v1/risks",
            Role::SecurityLead,
            json!({"statement": "Legacy TLS 1.0 endpoint", "impact": 3, "likelihood": 2, "found_stage": "production"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{risk}");
    let risk = risk["id"].as_str().unwrap().to_owned();
    let (cto, ciso) = (user_id(&s, Role::Cto).await, user_id(&s, Role::Ciso).await);
    let good = Request {
        reason: "Two enterprise customers ship the old app to field staff until January.",
        starts_on: Some(day(0)),
        expires_on: Some(day(30)),
        engineering: Some(cto.clone()),
        security: Some(ciso.clone()),
    };
    let missing = ["starts_on", "expires_on", "engineering_owner_id", "security_owner_id"];
    // (the request, the parts the form leaves out)
    let cases = [
        // Too short a reason, one person on both sides, longer than the policy's 90 days.
        (
            Request {
                reason: "Too much work",
                starts_on: Some(day(0)),
                expires_on: Some(day(200)),
                engineering: Some(cto.clone()),
                security: Some(cto.clone()),
            },
            &[][..],
        ),
        // The same short reason, nothing else given: the form also marks the missing parts.
        (
            Request { reason: "Too much work", starts_on: None, expires_on: None, engineering: None, security: None },
            &missing[..],
        ),
        // One person on both sides is judged without the dates.
        (
            Request {
                reason: good.reason,
                starts_on: None,
                expires_on: None,
                engineering: Some(cto.clone()),
                security: Some(cto.clone()),
            },
            &missing[..2],
        ),
    ];
    for (req, left_out) in cases {
        let (st, problem) = s.post("/api/v1/exceptions", Role::Engineer, req.json(&risk, &good)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let by_api = refused_fields(&problem);
        let (st, page) = post_page(&s, Role::Engineer, "/exceptions", &req.form(&risk)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        let by_page = marked_fields(&page);
        let mut expected = by_api.clone();
        expected.extend(left_out.iter().map(|f| (*f).to_owned()));
        assert_eq!(by_page, expected, "the page marks what the API refuses, and the parts it left out");
    }
    let (_, list) = s.get("/api/v1/exceptions", Role::Viewer).await;
    assert_eq!(list["total"], 0, "a refused request writes nothing, on either surface");
}
both!(a_bad_exception_request_is_refused_alike, super::a_bad_exception_request_is_refused_alike);

/// A database error while a page reads is the error page (500, the cause logged), as the API
/// answers it: never the page with an empty table standing in for what could not be read.
async fn a_database_error_is_an_error_page(s: TestServer) {
    let (st, risk) = s
        .post(
            "/api/v1/risks",
            Role::SecurityLead,
            json!({"statement": "Legacy TLS 1.0 endpoint", "impact": 3, "likelihood": 2, "found_stage": "production"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{risk}");
    let (cookie, _) = session(&s, Role::Engineer).await;
    let page = || s.http.get(format!("{}/risks/RISK-1", s.url)).header("cookie", cookie.clone()).send();
    assert_eq!(page().await.unwrap().status(), StatusCode::OK);
    s.db.execute_raw("DROP TABLE risk_updates").await;
    let (st, _) = s.get("/api/v1/risks/RISK-1/updates", Role::Engineer).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR, "the API");
    let resp = page().await.unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR, "the risk's page, whose updates cannot be read");
    let text = resp.text().await.unwrap();
    assert!(text.contains("something went wrong on our side"), "the error page: {text}");
    assert!(!text.contains("No updates yet"), "not the page with an empty list: {text}");
    assert!(!text.contains("risk_updates"), "the cause is logged, not shown: {text}");
}
both!(a_database_error_is_an_error_page, super::a_database_error_is_an_error_page);
