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

/// Failed sign-ins are counted in the database per key, block at the key's limit until the
/// window ends (never longer), and a success clears them.
async fn sign_in_failures_block_until_their_window_ends(f: Fixture) {
    use rhythm_store::ThrottleKey;
    let s = f.store();
    let window = Duration::minutes(15);
    let keys =
        [ThrottleKey { key: "account:abc", max_failures: 3 }, ThrottleKey { key: "addr:192.0.2.1", max_failures: 5 }];
    for i in 0..3 {
        assert_eq!(s.sign_in_blocked(&keys, window, f.now).await.unwrap(), None, "after {i} failures");
        s.sign_in_failed(&["account:abc", "addr:192.0.2.1"], window, f.now + Duration::seconds(i)).await.unwrap();
    }
    // The account's third failure blocks it until the window that began at the first ends.
    assert_eq!(s.sign_in_blocked(&keys, window, f.now + Duration::minutes(1)).await.unwrap(), Some(f.now + window));
    // Another account from the same address is not blocked (the address has 3 of its 5).
    let other = [ThrottleKey { key: "account:other", max_failures: 3 }, keys[1]];
    assert_eq!(s.sign_in_blocked(&other, window, f.now).await.unwrap(), None);
    // Not forever: free once the window has ended; the next failure starts a new window.
    assert_eq!(s.sign_in_blocked(&keys, window, f.now + window).await.unwrap(), None);
    s.sign_in_failed(&["account:abc"], window, f.now + window).await.unwrap();
    assert_eq!(s.sign_in_blocked(&keys, window, f.now + window).await.unwrap(), None, "one failure in the new window");
    // A success clears the key.
    s.sign_in_failed(&["account:x"], window, f.now).await.unwrap();
    s.sign_in_cleared(&["account:x"]).await.unwrap();
    let x = [ThrottleKey { key: "account:x", max_failures: 1 }];
    assert_eq!(s.sign_in_blocked(&x, window, f.now).await.unwrap(), None);
}
both!(sign_in_failures_block_until_their_window_ends, super::sign_in_failures_block_until_their_window_ends);

/// The throttle table never grows past its cap, and ended windows are removed.
async fn the_sign_in_throttle_table_is_capped(f: Fixture) {
    use rhythm_store::MAX_THROTTLE_ROWS;
    use sqlx::Connection;
    let s = f.store();
    let window = Duration::minutes(15);
    let n = MAX_THROTTLE_ROWS + 50;
    let ts = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    match s.backend() {
        rhythm_store::Backend::Sqlite => {
            // As the store writes timestamps: text that sorts in time order.
            let stored: String = {
                let mut c = sqlx::SqliteConnection::connect(&f.db.url).await.unwrap();
                s.sign_in_failed(&["probe"], window, f.now).await.unwrap();
                sqlx::query_scalar("SELECT window_start FROM login_throttle WHERE key = 'probe'")
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            };
            let mut c = sqlx::SqliteConnection::connect(&f.db.url).await.unwrap();
            sqlx::query(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
                 INSERT INTO login_throttle (key, failures, window_start) SELECT 'k' || i, 1, '{stored}' FROM n"
            ))
            .execute(&mut c)
            .await
            .unwrap();
        }
        rhythm_store::Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&f.db.url).await.unwrap();
            sqlx::query(&format!(
                "INSERT INTO login_throttle (key, failures, window_start) \
                 SELECT 'k' || i, 1, '{}'::timestamptz FROM generate_series(1, {n}) i",
                ts(f.now)
            ))
            .execute(&mut c)
            .await
            .unwrap();
        }
    }
    assert!(s.sign_in_throttle_rows().await.unwrap() > MAX_THROTTLE_ROWS);
    s.sign_in_failed(&["account:new"], window, f.now + Duration::seconds(1)).await.unwrap();
    assert_eq!(s.sign_in_throttle_rows().await.unwrap(), MAX_THROTTLE_ROWS);
    // The newest key stayed; the oldest went.
    let newest = [rhythm_store::ThrottleKey { key: "account:new", max_failures: 1 }];
    assert!(s.sign_in_blocked(&newest, window, f.now + Duration::seconds(2)).await.unwrap().is_some());
    // Once every window has ended, the next failure leaves only itself.
    s.sign_in_failed(&["account:late"], window, f.now + Duration::hours(1)).await.unwrap();
    assert_eq!(s.sign_in_throttle_rows().await.unwrap(), 1);
}
both!(the_sign_in_throttle_table_is_capped, super::the_sign_in_throttle_table_is_capped);
