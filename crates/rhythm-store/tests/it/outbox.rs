//! The notification outbox: fan-out, claims, backoff, dead letters, secrets.

use std::collections::HashSet;

use rhythm_store::{
    AttemptOutcome, Channel, Event, Format, MAX_ATTEMPTS, NewNotificationTarget, OutboxStatus, StoreError, backoff,
};
use serde_json::json;
use time::Duration;
use uuid::Uuid;

use crate::{Fixture, both};

const SECRET: &str = "whsec-0123456789abcdef-do-not-leak";

fn webhook(url: &str, events: Vec<Event>) -> NewNotificationTarget {
    NewNotificationTarget {
        channel: Channel::Webhook,
        target: url.into(),
        secret: Some(SECRET.into()),
        format: Format::Json,
        events,
    }
}

fn email(addr: &str, events: Vec<Event>) -> NewNotificationTarget {
    NewNotificationTarget { channel: Channel::Email, target: addr.into(), secret: None, format: Format::Json, events }
}

fn payload(summary: &str) -> serde_json::Value {
    json!({ "summary": summary, "exception": "EXC-3" })
}

async fn enqueue_fans_out_to_matching_enabled_targets_only(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let all = s.add_notification_target(&f.actor, webhook("https://hooks.example/all", vec![]), f.now).await.unwrap();
    let expired = s
        .add_notification_target(&f.actor, email("CISO@Acme.example", vec![Event::ExceptionExpired]), f.now)
        .await
        .unwrap();
    assert_eq!(expired.target, "ciso@acme.example", "addresses are normalized");
    let stop = s
        .add_notification_target(&f.actor, webhook("https://hooks.example/stop", vec![Event::LaunchGateStop]), f.now)
        .await
        .unwrap();
    let off = s.add_notification_target(&f.actor, webhook("https://hooks.example/off", vec![]), f.now).await.unwrap();
    s.set_notification_target_disabled(&f.actor, off.id, true, f.now).await.unwrap();
    // Another workspace's target never hears about this one's events.
    let other = f.other_workspace().await;
    s.add_notification_target(&other, webhook("https://hooks.example/other", vec![]), f.now).await.unwrap();

    let ids = s.enqueue_legacy_payload(ws, Event::ExceptionExpired, &payload("EXC-3 expired"), f.now).await.unwrap();
    assert_eq!(ids.len(), 2, "the catch-all and the exception.expired target");
    let entries = s.outbox_entries(ws, None, 100).await.unwrap();
    let targets: HashSet<Uuid> = entries.iter().map(|e| e.target_id).collect();
    assert_eq!(targets, HashSet::from([all.id, expired.id]));
    for e in &entries {
        assert_eq!((e.event, e.status, e.attempts), (Event::ExceptionExpired, OutboxStatus::Pending, 0));
        assert_eq!(e.next_attempt_at, f.now, "due at once");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&e.payload).unwrap(), payload("EXC-3 expired"));
    }
    let email_entry = entries.iter().find(|e| e.target_id == expired.id).unwrap();
    assert_eq!((email_entry.channel, email_entry.target.as_str()), (Channel::Email, "ciso@acme.example"));

    let ids = s.enqueue_legacy_payload(ws, Event::LaunchGateStop, &json!({"summary": "STOP"}), f.now).await.unwrap();
    assert_eq!(ids.len(), 2, "the catch-all and the launch_gate.stop target");
    assert!(s.outbox_entries(ws, None, 100).await.unwrap().iter().any(|e| e.target_id == stop.id));
    assert!(s.outbox_entries(other.workspace_id, None, 100).await.unwrap().is_empty());

    // No target wants it: nothing is written, and that is not an error.
    s.set_notification_target_disabled(&f.actor, all.id, true, f.now).await.unwrap();
    assert!(s.enqueue_legacy_payload(ws, Event::EscalationOpened, &json!({}), f.now).await.unwrap().is_empty());

    // Payloads are JSON objects of bounded size.
    let err = s.enqueue_legacy_payload(ws, Event::ExceptionExpired, &json!("text"), f.now).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let big = json!({ "summary": "x".repeat(70 * 1024) });
    assert!(matches!(
        s.enqueue_legacy_payload(ws, Event::ExceptionExpired, &big, f.now).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.enqueue_legacy_payload(Uuid::new_v4(), Event::ExceptionExpired, &json!({}), f.now).await,
        Err(StoreError::NotFound { .. })
    ));
}
both!(enqueue_fans_out_to_matching_enabled_targets_only, super::enqueue_fans_out_to_matching_enabled_targets_only);

async fn targets_are_validated_and_audited_without_secrets(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let bad = [
        webhook("ftp://hooks.example/x", vec![]),
        webhook("https://hooks.example/a b", vec![]),
        NewNotificationTarget { secret: Some("short".into()), ..webhook("https://hooks.example/x", vec![]) },
        email("not-an-address", vec![]),
        NewNotificationTarget { secret: Some(SECRET.into()), ..email("a@b.example", vec![]) },
        NewNotificationTarget { format: Format::Slack, ..email("a@b.example", vec![]) },
        webhook("https://hooks.example/x", vec![Event::ExceptionExpired, Event::ExceptionExpired]),
    ];
    for input in bad {
        let shown = format!("{input:?}");
        assert!(
            matches!(s.add_notification_target(&f.actor, input, f.now).await, Err(StoreError::Invalid(_))),
            "{shown} was accepted"
        );
    }
    let audit_before = s.audit_log(ws, None, 1000, None).await.unwrap().len();
    let t = s.add_notification_target(&f.actor, webhook("https://hooks.example/x", vec![]), f.now).await.unwrap();
    let slack = s
        .add_notification_target(
            &f.actor,
            NewNotificationTarget {
                secret: None,
                format: Format::Slack,
                ..webhook("https://hooks.slack.example/services/T/B/X", vec![Event::LaunchGateStop])
            },
            f.now,
        )
        .await
        .unwrap();
    assert!(t.has_secret && !slack.has_secret);

    let listed = s.list_notification_targets(ws).await.unwrap();
    assert_eq!(listed, vec![t.clone(), slack.clone()]);
    let listed_json = serde_json::to_string(&listed).unwrap();
    assert!(!listed_json.contains(SECRET), "a list never carries the secret: {listed_json}");
    assert!(listed_json.contains("\"has_secret\":true"));

    let audit = s.audit_log(ws, None, 1000, None).await.unwrap();
    assert_eq!(audit.len(), audit_before + 2, "adding a target is audited");
    assert!(audit.iter().all(|e| !e.after.as_deref().unwrap_or("").contains(SECRET)), "the audit log has no secret");
    assert!(s.verify_audit_chain(ws).await.unwrap().valid);

    // Disabling is audited once; disabling again changes nothing.
    let off = s.set_notification_target_disabled(&f.actor, t.id, true, f.now).await.unwrap();
    assert!(off.disabled);
    s.set_notification_target_disabled(&f.actor, t.id, true, f.now).await.unwrap();
    assert_eq!(s.audit_log(ws, None, 1000, None).await.unwrap().len(), audit_before + 3);
    // Targets of another workspace are not found.
    let other = f.other_workspace().await;
    assert!(matches!(
        s.set_notification_target_disabled(&other, t.id, false, f.now).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.list_notification_targets(other.workspace_id).await.unwrap().is_empty());

    // The claimed item carries the secret for signing, but its Debug output does not.
    s.set_notification_target_disabled(&f.actor, t.id, false, f.now).await.unwrap();
    s.enqueue_legacy_payload(ws, Event::SignatureRequested, &json!({}), f.now).await.unwrap();
    let items = s.claim_due(f.now, 10, Duration::minutes(1)).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].secret.as_ref().map(|s| s.expose().as_str()), Some(SECRET));
    assert!(!format!("{:?}", items[0]).contains(SECRET));
    // An error that quotes the secret is stored without it.
    s.mark_failed_attempt(items[0].id, &format!("receiver echoed {SECRET} back"), f.now, 0.0).await.unwrap();
    let e = s.outbox_entry(ws, items[0].id).await.unwrap();
    assert_eq!(e.last_error.as_deref(), Some("receiver echoed *** back"));
}
both!(targets_are_validated_and_audited_without_secrets, super::targets_are_validated_and_audited_without_secrets);

async fn claims_respect_due_times_and_leases(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    s.add_notification_target(&f.actor, webhook("https://hooks.example/x", vec![]), f.now).await.unwrap();
    let later = f.now + Duration::minutes(5);
    let first = s.enqueue_legacy_payload(ws, Event::ExceptionExpiring, &json!({"n": 1}), f.now).await.unwrap()[0];
    let second = s.enqueue_legacy_payload(ws, Event::ExceptionExpiring, &json!({"n": 2}), later).await.unwrap()[0];
    let lease = Duration::seconds(60);

    // Before anything is due: nothing.
    assert!(s.claim_due(f.now - Duration::seconds(1), 10, lease).await.unwrap().is_empty());
    // At f.now only the first is due; it is leased until now + lease.
    let got = s.claim_due(f.now, 10, lease).await.unwrap();
    assert_eq!(got.iter().map(|i| i.id).collect::<Vec<_>>(), vec![first]);
    assert_eq!(got[0].locked_until, f.now + lease);
    assert_eq!((got[0].event, got[0].attempts, got[0].payload.as_str()), (Event::ExceptionExpiring, 0, r#"{"n":1}"#));
    // Leased: a second claim does not get it again.
    assert!(s.claim_due(f.now + Duration::seconds(30), 10, lease).await.unwrap().is_empty());
    // The lease ran out (the worker died): it can be claimed again, with the second now due too,
    // oldest due first.
    let got = s.claim_due(later, 10, lease).await.unwrap();
    assert_eq!(got.iter().map(|i| i.id).collect::<Vec<_>>(), vec![first, second]);
    // A limit is honoured.
    s.enqueue_legacy_payload(ws, Event::ExceptionExpiring, &json!({"n": 3}), later).await.unwrap();
    s.enqueue_legacy_payload(ws, Event::ExceptionExpiring, &json!({"n": 4}), later).await.unwrap();
    assert_eq!(s.claim_due(later, 1, lease).await.unwrap().len(), 1);

    // Delivered items are never claimed again, and cannot be marked twice.
    s.mark_delivered(first, later).await.unwrap();
    let e = s.outbox_entry(ws, first).await.unwrap();
    assert_eq!((e.status, e.delivered_at, e.locked_until), (OutboxStatus::Delivered, Some(later), None));
    let far = later + Duration::days(1);
    assert!(s.claim_due(far, 10, lease).await.unwrap().iter().all(|i| i.id != first));
    assert!(matches!(s.mark_delivered(first, far).await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.mark_failed_attempt(first, "x", far, 0.0).await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.mark_delivered(Uuid::new_v4(), far).await, Err(StoreError::NotFound { .. })));
    // Items of a disabled target wait; enabling it again resumes them.
    let target = s.list_notification_targets(ws).await.unwrap()[0].id;
    s.set_notification_target_disabled(&f.actor, target, true, far).await.unwrap();
    assert!(s.claim_due(far + Duration::hours(1), 10, lease).await.unwrap().is_empty());
    s.set_notification_target_disabled(&f.actor, target, false, far).await.unwrap();
    assert_eq!(s.claim_due(far + Duration::hours(1), 10, lease).await.unwrap().len(), 3);
}
both!(claims_respect_due_times_and_leases, super::claims_respect_due_times_and_leases);

async fn failed_attempts_back_off_then_dead_letter(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    s.add_notification_target(&f.actor, webhook("https://hooks.example/x", vec![]), f.now).await.unwrap();
    let id = s.enqueue_legacy_payload(ws, Event::EscalationOpened, &json!({}), f.now).await.unwrap()[0];
    let lease = Duration::seconds(60);
    let expected_waits = [
        Duration::seconds(30),
        Duration::minutes(2),
        Duration::minutes(8),
        Duration::minutes(32),
        Duration::minutes(128),
        Duration::hours(6),
        Duration::hours(6),
    ];
    let mut now = f.now;
    for (i, wait) in expected_waits.iter().enumerate() {
        let attempt = i as i64 + 1;
        assert_eq!(backoff(attempt), *wait);
        let got = s.claim_due(now, 10, lease).await.unwrap();
        assert_eq!(got.iter().map(|i| (i.id, i.attempts)).collect::<Vec<_>>(), vec![(id, attempt - 1)]);
        let outcome = s.mark_failed_attempt(id, &format!("HTTP 503 (attempt {attempt})"), now, 0.0).await.unwrap();
        assert_eq!(outcome, AttemptOutcome::RetryAt(now + *wait), "attempt {attempt}");
        let e = s.outbox_entry(ws, id).await.unwrap();
        assert_eq!((e.attempts, e.next_attempt_at, e.locked_until), (attempt, now + *wait, None));
        assert_eq!(e.last_error, Some(format!("HTTP 503 (attempt {attempt})")));
        // Not due a microsecond before its time, due exactly at it.
        assert!(s.claim_due(now + *wait - Duration::microseconds(1), 10, lease).await.unwrap().is_empty());
        now += *wait;
    }
    // The eighth failure is the last: a dead letter, kept with its error, never claimed again.
    assert_eq!(MAX_ATTEMPTS, 8);
    assert_eq!(s.claim_due(now, 10, lease).await.unwrap().len(), 1);
    assert_eq!(s.mark_failed_attempt(id, "HTTP 410 Gone", now, 0.0).await.unwrap(), AttemptOutcome::Dead);
    let dead = s.outbox_entries(ws, Some(OutboxStatus::Failed), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].id, dead[0].attempts, dead[0].failed_at), (id, 8, Some(now)));
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 410 Gone"));
    assert!(s.claim_due(now + Duration::days(30), 10, lease).await.unwrap().is_empty());
    assert!(s.outbox_entries(ws, Some(OutboxStatus::Pending), 10).await.unwrap().is_empty());
    assert!(matches!(s.mark_failed_attempt(id, "again", now, 0.0).await, Err(StoreError::Conflict(_))));

    // Jitter stretches or shrinks the wait by at most 10 %, whatever the caller passes.
    let id = s.enqueue_legacy_payload(ws, Event::EscalationOpened, &json!({}), f.now).await.unwrap()[0];
    s.claim_due(f.now, 10, lease).await.unwrap();
    let outcome = s.mark_failed_attempt(id, "timeout", f.now, 0.5).await.unwrap();
    assert_eq!(outcome, AttemptOutcome::RetryAt(f.now + Duration::seconds(33)));
    s.claim_due(f.now + Duration::seconds(33), 10, lease).await.unwrap();
    let outcome = s.mark_failed_attempt(id, "timeout", f.now, -0.05).await.unwrap();
    assert_eq!(outcome, AttemptOutcome::RetryAt(f.now + Duration::seconds(114)));
}
both!(failed_attempts_back_off_then_dead_letter, super::failed_attempts_back_off_then_dead_letter);

/// Several workers claiming at once (separate tasks, separate connections) never get the same
/// item, and together they get every item.
async fn concurrent_claims_never_share_an_item(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    s.add_notification_target(&f.actor, webhook("https://hooks.example/x", vec![]), f.now).await.unwrap();
    let mut all = HashSet::new();
    for n in 0..60 {
        all.extend(s.enqueue_legacy_payload(ws, Event::SignatureRequested, &json!({ "n": n }), f.now).await.unwrap());
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(4));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (store, now, barrier) = (s.clone(), f.now, barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut mine = Vec::new();
            loop {
                let got = store.claim_due(now, 3, Duration::minutes(5)).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|i| i.id));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut per_task = Vec::new();
    for t in tasks {
        let mine = t.await.unwrap();
        per_task.push(mine.len());
        for id in mine {
            assert!(seen.insert(id), "item {id} was claimed twice");
        }
    }
    assert_eq!(seen, all, "every item was claimed once; per task: {per_task:?}");
}
both!(concurrent_claims_never_share_an_item, super::concurrent_claims_never_share_an_item);
