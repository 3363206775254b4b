use rhythm_domain::Role;
use rhythm_store::{NewToken, StoreError, TokenScope};
use time::Duration;

use crate::{Fixture, both};

async fn sessions_end_when_idle_or_past_their_lifetime(f: Fixture) {
    let s = f.store();
    let user = s.get_user(f.actor.workspace_id, f.actor.user_id.unwrap()).await.unwrap();
    let idle = Duration::minutes(30);
    s.create_session(&user, "hash-a", "csrf-a", f.now, Duration::hours(8)).await.unwrap();
    // Used within the idle window: alive, and the use is recorded.
    let (sess, u) = s.session("hash-a", f.now + Duration::minutes(20), idle).await.unwrap().unwrap();
    assert_eq!((u.id, sess.csrf_token.as_str()), (user.id, "csrf-a"));
    assert!(
        s.session("hash-a", f.now + Duration::minutes(45), idle).await.unwrap().is_some(),
        "20 + 25 minutes: still alive"
    );
    // Idle for longer than the window: gone, and gone for good.
    assert!(s.session("hash-a", f.now + Duration::minutes(80), idle).await.unwrap().is_none());
    assert!(s.session("hash-a", f.now + Duration::minutes(81), idle).await.unwrap().is_none());
    // Past the absolute lifetime even when used all along.
    s.create_session(&user, "hash-b", "csrf-b", f.now, Duration::hours(1)).await.unwrap();
    for m in [20, 40, 59] {
        assert!(s.session("hash-b", f.now + Duration::minutes(m), idle).await.unwrap().is_some());
    }
    assert!(s.session("hash-b", f.now + Duration::minutes(61), idle).await.unwrap().is_none());
    assert!(s.session("unknown", f.now, idle).await.unwrap().is_none());
}
both!(sessions_end_when_idle_or_past_their_lifetime, super::sessions_end_when_idle_or_past_their_lifetime);

async fn tokens_expire_and_revoke(f: Fixture) {
    let s = f.store();
    let t = NewToken {
        user_id: f.actor.user_id.unwrap(),
        name: "ci".into(),
        prefix: "rhy_abc".into(),
        token_hash: "h1".into(),
        scope: TokenScope::Write,
        expires_at: Some(f.now + Duration::days(1)),
    };
    let tok = s.create_token(&f.actor, t, f.now).await.unwrap();
    assert!(s.token_by_hash("h1", f.now).await.unwrap().is_some());
    assert!(s.token_by_hash("h1", f.now + Duration::days(2)).await.unwrap().is_none(), "expired");
    s.revoke_token(&f.actor, tok.id, f.now).await.unwrap();
    assert!(s.token_by_hash("h1", f.now).await.unwrap().is_none(), "revoked");
    assert!(matches!(s.revoke_token(&f.actor, tok.id, f.now).await, Err(StoreError::Conflict(_))));
    // Tokens never list their hash.
    let listed = serde_json::to_string(&s.tokens(f.actor.workspace_id, None).await.unwrap()).unwrap();
    assert!(!listed.contains("\"h1\""));
    // A token for a user of another workspace is refused.
    let other = f.other_workspace().await;
    let t = NewToken {
        user_id: f.actor.user_id.unwrap(),
        name: "x".into(),
        prefix: "p".into(),
        token_hash: "h2".into(),
        scope: TokenScope::Read,
        expires_at: None,
    };
    assert!(matches!(s.create_token(&other, t, f.now).await, Err(StoreError::NotFound { .. })));
}
both!(tokens_expire_and_revoke, super::tokens_expire_and_revoke);

async fn emails_are_unique_and_normalized(f: Fixture) {
    let s = f.store();
    let err = s.create_user(&f.actor, " CISO@Acme.Example ", "Dup", Role::Engineer, None, f.now).await.unwrap_err();
    let StoreError::Invalid(inv) = err else { panic!("expected a field error, got {err}") };
    assert_eq!(inv.0[0].field, "email");
    let (u, hash) = s.user_credentials("Ciso@ACME.example").await.unwrap().unwrap();
    assert_eq!((u.role, hash), (Role::Ciso, None));
}
both!(emails_are_unique_and_normalized, super::emails_are_unique_and_normalized);
