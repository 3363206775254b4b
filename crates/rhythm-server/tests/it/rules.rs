//! One rule, one answer on every surface: where the API and the web UI both offer a step,
//! they follow the same rule, checked here case by case on both.

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_store::{Actor, NewToken, TokenScope};
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
