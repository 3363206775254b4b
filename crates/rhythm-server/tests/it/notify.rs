//! Notification delivery against real receivers: an HTTP server (axum on 127.0.0.1:0) that
//! records what it gets, and a minimal SMTP server written here on a tokio TcpListener.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use rhythm_domain::Role;
use rhythm_server::clock::Clock;
use rhythm_server::notify::{self, DeliveryReport, Notifier, NotifyConfig, SmtpConfig, SmtpTls};
use rhythm_server::{AppState, Config};
use rhythm_store::testing::TestDb;
use rhythm_store::{Actor, Backend, Channel, Event, Format, NewNotificationTarget, OutboxStatus, Store};
use serde_json::{Value, json};
use sha2::Sha256;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub(crate) const SECRET: &str = "whsec_test_0123456789abcdef";

/// Runs one async test body on both backends.
macro_rules! on_both {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body(super::Fx::new(rhythm_store::Backend::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body(super::Fx::new(rhythm_store::Backend::Postgres).await).await;
            }
        }
    };
}

/// A fresh database with one workspace and its CISO, at a fixed time.
struct Fx {
    db: TestDb,
    actor: Actor,
    now: OffsetDateTime,
}

impl Fx {
    async fn new(backend: Backend) -> Fx {
        let db = TestDb::new(backend).await;
        let now = datetime!(2026-03-02 09:30:00.123456 UTC);
        let ws = db.store.create_workspace("Notify Test", now).await.unwrap();
        let ciso = db
            .store
            .create_user(&Actor::system(ws.id), "ciso@notify.test", "Casey Ciso", Role::Ciso, None, now)
            .await
            .unwrap();
        let actor = Actor { workspace_id: ws.id, user_id: Some(ciso.id), label: ciso.email };
        Fx { db, actor, now }
    }

    fn store(&self) -> &Store {
        &self.db.store
    }

    /// A notifier that may reach the loopback receivers of these tests.
    fn notifier(&self, config: NotifyConfig) -> Notifier {
        let config = NotifyConfig { webhook_reach: crate::harness::loopback_reach(), ..config };
        Notifier::new(self.store().clone(), config).unwrap().with_jitter(|| 0.0)
    }

    async fn target(&self, t: NewNotificationTarget) {
        self.store().add_notification_target(&self.actor, t, self.now).await.unwrap();
    }

    async fn only_entry(&self) -> rhythm_store::OutboxEntry {
        let mut all = self.store().outbox_entries(self.actor.workspace_id, None, 10).await.unwrap();
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }
}

fn webhook(url: &str, secret: Option<&str>, format: Format) -> NewNotificationTarget {
    NewNotificationTarget {
        channel: Channel::Webhook,
        target: url.into(),
        secret: secret.map(Into::into),
        format,
        events: vec![],
    }
}

fn email(addr: &str) -> NewNotificationTarget {
    NewNotificationTarget {
        channel: Channel::Email,
        target: addr.into(),
        secret: None,
        format: Format::Json,
        events: vec![],
    }
}

// ---------------------------------------------------------------------------------------------
// A real HTTP receiver.

#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Answers to give, in order (status, delay); 200 at once when none are left.
    script: Arc<Mutex<VecDeque<(StatusCode, StdDuration)>>>,
    pub(crate) url: String,
}

impl Receiver {
    pub(crate) async fn start(script: Vec<(StatusCode, StdDuration)>) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let r = Receiver { url: format!("http://{}", listener.local_addr().unwrap()), ..Receiver::default() };
        r.script.lock().unwrap().extend(script);
        let state = r.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                state.got.lock().unwrap().push(Received { path: uri.path().to_owned(), headers, body });
                let (status, delay) =
                    state.script.lock().unwrap().pop_front().unwrap_or((StatusCode::OK, StdDuration::ZERO));
                tokio::time::sleep(delay).await;
                (status, if status.is_success() { "thanks" } else { "receiver is having a bad day" })
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        r
    }

    pub(crate) fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

pub(crate) fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers.get(name).unwrap_or_else(|| panic!("no {name} header")).to_str().unwrap()
}

/// The receiver's check, written from the documented recipe (not with the server's helper).
pub(crate) fn hmac_hex(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn a_webhook_is_posted_signed_and_marked_delivered(f: Fx) {
    let rx = Receiver::start(vec![]).await;
    f.target(webhook(&format!("{}/hooks/rhythm", rx.url), Some(SECRET), Format::Json)).await;
    let payload = json!({ "summary": "EXC-3 expired: risk RISK-7 is open again", "exception": "EXC-3" });
    let ids =
        f.store().enqueue_legacy_payload(f.actor.workspace_id, Event::ExceptionExpired, &payload, f.now).await.unwrap();

    let report = f.notifier(NotifyConfig::default()).run_once(f.now).await.unwrap();
    assert_eq!(report, DeliveryReport { claimed: 1, delivered: 1, ..DeliveryReport::default() });

    let got = rx.got();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.path, "/hooks/rhythm");
    assert_eq!(header(r, "content-type"), "application/json");
    assert_eq!(header(r, "x-rhythm-event"), "exception.expired");
    assert_eq!(header(r, "x-rhythm-delivery"), ids[0].to_string());
    assert_eq!(header(r, "x-rhythm-timestamp"), f.now.unix_timestamp().to_string());
    assert!(header(r, "user-agent").starts_with("Rhythm-Webhooks/"));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({
            "id": ids[0].to_string(),
            "event": "exception.expired",
            "workspace_id": f.actor.workspace_id.to_string(),
            "created_at": "2026-03-02T09:30:00.123456Z",
            "data": payload,
        })
    );
    // The signature verifies with the secret over "{timestamp}.{body}", and not otherwise.
    let sig = header(r, "x-rhythm-signature");
    let ts = header(r, "x-rhythm-timestamp");
    assert_eq!(sig, format!("sha256={}", hmac_hex(SECRET, ts, &r.body)));
    assert_ne!(sig, format!("sha256={}", hmac_hex("another-secret-entirely", ts, &r.body)));
    let now_unix = f.now.unix_timestamp();
    assert!(notify::webhook::verify(SECRET, ts, &r.body, sig, now_unix + 60, 300));
    assert!(!notify::webhook::verify(SECRET, ts, b"{\"tampered\":true}", sig, now_unix, 300));
    assert!(!notify::webhook::verify(SECRET, ts, &r.body, sig, now_unix + 301, 300), "a replay after 5 min");
    assert!(!String::from_utf8_lossy(&r.body).contains(SECRET));

    let e = f.only_entry().await;
    assert_eq!((e.status, e.delivered_at, e.attempts, e.last_error), (OutboxStatus::Delivered, Some(f.now), 0, None));
    // Nothing is left to do.
    let again = f.notifier(NotifyConfig::default()).run_once(f.now + Duration::days(1)).await.unwrap();
    assert_eq!(again.claimed, 0);
    assert_eq!(rx.got().len(), 1);
}
on_both!(a_webhook_is_posted_signed_and_marked_delivered, super::a_webhook_is_posted_signed_and_marked_delivered);

async fn a_failing_receiver_is_retried_after_the_backoff(f: Fx) {
    let rx = Receiver::start(vec![
        (StatusCode::INTERNAL_SERVER_ERROR, StdDuration::ZERO),
        (StatusCode::INTERNAL_SERVER_ERROR, StdDuration::ZERO),
    ])
    .await;
    f.target(webhook(&rx.url, Some(SECRET), Format::Json)).await;
    let ids = f
        .store()
        .enqueue_legacy_payload(
            f.actor.workspace_id,
            Event::LaunchGateStop,
            &json!({"summary": "STOP: payments 2.4"}),
            f.now,
        )
        .await
        .unwrap();
    let n = f.notifier(NotifyConfig::default());

    // First attempt: 500, recorded with the status and the start of the answer.
    let r1 = n.run_once(f.now).await.unwrap();
    assert_eq!((r1.claimed, r1.delivered, r1.retrying, r1.dead), (1, 0, 1, 0));
    let e = f.only_entry().await;
    assert_eq!((e.status, e.attempts, e.next_attempt_at), (OutboxStatus::Pending, 1, f.now + Duration::seconds(30)));
    assert_eq!(e.last_error.as_deref(), Some("HTTP 500 Internal Server Error: receiver is having a bad day"));
    assert_eq!(r1.failures, vec![(ids[0], e.last_error.clone().unwrap())]);
    // Not due yet: nothing is sent.
    assert_eq!(n.run_once(f.now + Duration::seconds(29)).await.unwrap().claimed, 0);
    assert_eq!(rx.got().len(), 1);

    // Second attempt after 30 s: 500 again, next in 2 minutes.
    let t2 = f.now + Duration::seconds(30);
    assert_eq!(n.run_once(t2).await.unwrap().retrying, 1);
    let e = f.only_entry().await;
    assert_eq!((e.attempts, e.next_attempt_at), (2, t2 + Duration::minutes(2)));

    // Third attempt: 200, delivered.
    let t3 = t2 + Duration::minutes(2);
    let r3 = n.run_once(t3).await.unwrap();
    assert_eq!((r3.claimed, r3.delivered), (1, 1));
    let e = f.only_entry().await;
    assert_eq!((e.status, e.attempts, e.delivered_at), (OutboxStatus::Delivered, 2, Some(t3)));

    // Every attempt carried the same delivery id and body, each with its own timestamp and
    // a signature that verifies.
    let got = rx.got();
    assert_eq!(got.len(), 3);
    for (r, t) in got.iter().zip([f.now, t2, t3]) {
        assert_eq!(header(r, "x-rhythm-delivery"), ids[0].to_string());
        assert_eq!(r.body, got[0].body);
        assert_eq!(header(r, "x-rhythm-timestamp"), t.unix_timestamp().to_string());
        let sig = format!("sha256={}", hmac_hex(SECRET, header(r, "x-rhythm-timestamp"), &r.body));
        assert_eq!(header(r, "x-rhythm-signature"), sig);
    }
}
on_both!(a_failing_receiver_is_retried_after_the_backoff, super::a_failing_receiver_is_retried_after_the_backoff);

async fn slack_targets_get_text_and_blocks(f: Fx) {
    let rx = Receiver::start(vec![]).await;
    f.target(webhook(&format!("{}/services/T0/B0/xyz", rx.url), None, Format::Slack)).await;
    let payload = json!({
        "summary": "EXC-4 needs your signature <by Friday> & before release",
        "url": "https://rhythm.example/exceptions/4",
    });
    f.store().enqueue_legacy_payload(f.actor.workspace_id, Event::SignatureRequested, &payload, f.now).await.unwrap();
    assert_eq!(f.notifier(NotifyConfig::default()).run_once(f.now).await.unwrap().delivered, 1);
    let got = rx.got();
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["text"], "[Rhythm] Signature requested: EXC-4 needs your signature <by Friday> & before release");
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "section");
    let section = blocks[0]["text"]["text"].as_str().unwrap();
    assert!(section.starts_with("*Signature requested*\n"), "{section}");
    assert!(section.contains("&lt;by Friday&gt; &amp; before"), "mrkdwn is escaped: {section}");
    assert!(section.contains("<https://rhythm.example/exceptions/4|Open in Rhythm>"), "{section}");
    assert_eq!(blocks[1]["type"], "context");
    // Without a secret there is no signature header; the other headers are there.
    assert!(got[0].headers.get("x-rhythm-signature").is_none());
    assert_eq!(header(&got[0], "x-rhythm-event"), "signature.requested");
}
on_both!(slack_targets_get_text_and_blocks, super::slack_targets_get_text_and_blocks);

async fn timeouts_and_unreachable_receivers_are_failed_attempts(f: Fx) {
    let slow = Receiver::start(vec![(StatusCode::OK, StdDuration::from_secs(3))]).await;
    f.target(webhook(&slow.url, Some(SECRET), Format::Json)).await;
    // A port nobody listens on: bind one, then free it.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    f.target(webhook(&format!("http://{closed}/hook"), None, Format::Json)).await;
    f.store().enqueue_legacy_payload(f.actor.workspace_id, Event::EscalationOpened, &json!({}), f.now).await.unwrap();

    let config = NotifyConfig { webhook_timeout: StdDuration::from_millis(500), ..NotifyConfig::default() };
    let started = std::time::Instant::now();
    let report = f.notifier(config).run_once(f.now).await.unwrap();
    assert!(started.elapsed() < StdDuration::from_secs(3), "the timeout cut the slow receiver off");
    assert_eq!((report.claimed, report.delivered, report.retrying), (2, 0, 2));
    let entries = f.store().outbox_entries(f.actor.workspace_id, Some(OutboxStatus::Pending), 10).await.unwrap();
    let error_of = |target: &str| {
        entries.iter().find(|e| e.target.starts_with(target)).unwrap().last_error.clone().unwrap_or_default()
    };
    assert_eq!(error_of(&slow.url), "no answer within the timeout");
    let refused = error_of(&format!("http://{closed}"));
    assert!(refused.contains("onnect"), "{refused}");
    assert!(!refused.contains(&closed.port().to_string()), "no URL in the error: {refused}");
    for e in &entries {
        assert_eq!((e.attempts, e.next_attempt_at), (1, f.now + Duration::seconds(30)));
    }
}
on_both!(
    timeouts_and_unreachable_receivers_are_failed_attempts,
    super::timeouts_and_unreachable_receivers_are_failed_attempts
);

async fn eight_failures_make_a_dead_letter(f: Fx) {
    let rx = Receiver::start(vec![(StatusCode::GONE, StdDuration::ZERO); 8]).await;
    f.target(webhook(&rx.url, Some(SECRET), Format::Json)).await;
    f.store().enqueue_legacy_payload(f.actor.workspace_id, Event::ExceptionExpiring, &json!({}), f.now).await.unwrap();
    let n = f.notifier(NotifyConfig::default());
    let mut now = f.now;
    for attempt in 1..=8 {
        let r = n.run_once(now).await.unwrap();
        assert_eq!(r.claimed, 1, "attempt {attempt}");
        assert_eq!((r.retrying, r.dead), if attempt < 8 { (1, 0) } else { (0, 1) });
        now += rhythm_store::backoff(attempt);
    }
    let e = f.only_entry().await;
    assert_eq!((e.status, e.attempts), (OutboxStatus::Failed, 8));
    assert!(e.last_error.unwrap().starts_with("HTTP 410 Gone"));
    assert_eq!(n.run_once(now + Duration::days(7)).await.unwrap().claimed, 0);
    assert_eq!(rx.got().len(), 8);
}
on_both!(eight_failures_make_a_dead_letter, super::eight_failures_make_a_dead_letter);

// ---------------------------------------------------------------------------------------------
// A real SMTP server: just enough of RFC 5321 for one client.

#[derive(Debug, Clone, Default)]
pub(crate) struct Mail {
    pub(crate) from: String,
    pub(crate) rcpt: Vec<String>,
    pub(crate) data: String,
}

#[derive(Clone, Default)]
pub(crate) struct SmtpServer {
    mails: Arc<Mutex<Vec<Mail>>>,
    /// Every command line received, for the refusal test.
    log: Arc<Mutex<Vec<String>>>,
    port: u16,
}

impl SmtpServer {
    /// `refuse_rcpt`: answer `550` to every `RCPT TO`.
    pub(crate) async fn start(refuse_rcpt: bool) -> SmtpServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = SmtpServer { port: listener.local_addr().unwrap().port(), ..SmtpServer::default() };
        let s = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let s = s.clone();
                tokio::spawn(async move { s.session(socket, refuse_rcpt).await });
            }
        });
        server
    }

    async fn session(&self, socket: tokio::net::TcpStream, refuse_rcpt: bool) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 smtp.test ESMTP ready\r\n").await.unwrap();
        let mut mail = Mail::default();
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.trim_end().to_owned();
            self.log.lock().unwrap().push(cmd.clone());
            let upper = cmd.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250 smtp.test greets you\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                mail = Mail { from: cmd[10..].trim().to_owned(), ..Mail::default() };
                b"250 2.1.0 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                if refuse_rcpt {
                    b"550 5.1.1 mailbox unavailable\r\n"
                } else {
                    mail.rcpt.push(cmd[8..].trim().to_owned());
                    b"250 2.1.5 OK\r\n"
                }
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.unwrap();
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if lines.read_line(&mut l).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    // Undo dot-stuffing.
                    data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
                }
                mail.data = data;
                self.mails.lock().unwrap().push(std::mem::take(&mut mail));
                b"250 2.0.0 queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 2.0.0 bye\r\n").await.unwrap();
                return;
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 OK\r\n"
            } else {
                b"502 5.5.2 command not implemented\r\n"
            };
            write.write_all(reply).await.unwrap();
        }
    }

    pub(crate) fn config(&self) -> NotifyConfig {
        NotifyConfig {
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: self.port,
                tls: SmtpTls::None,
                username: None,
                password: None,
                from: "Rhythm <rhythm@notify.test>".into(),
            }),
            smtp_timeout: StdDuration::from_secs(5),
            ..NotifyConfig::default()
        }
    }

    pub(crate) fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

async fn an_email_reaches_the_smtp_server(f: Fx) {
    let smtp = SmtpServer::start(false).await;
    f.target(email("CFO@Notify.test")).await;
    let payload = json!({
        "summary": "EXC-9 expires on 2026-03-09: review it before then",
        "url": "https://rhythm.example/exceptions/9",
        "exception": "EXC-9",
    });
    let ids = f
        .store()
        .enqueue_legacy_payload(f.actor.workspace_id, Event::ExceptionExpiring, &payload, f.now)
        .await
        .unwrap();
    let report = f.notifier(smtp.config()).run_once(f.now).await.unwrap();
    assert_eq!((report.claimed, report.delivered), (1, 1), "{report:?}");

    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.from, "<rhythm@notify.test>");
    assert_eq!(m.rcpt, vec!["<cfo@notify.test>"]);
    // Unfold long header lines (RFC 5322: a CRLF before white space is not a line end).
    let headers = m.data.split("\r\n\r\n").next().unwrap().replace("\r\n ", " ").replace("\r\n\t", " ");
    assert!(headers.contains("To: cfo@notify.test\r\n"), "{headers}");
    assert!(headers.contains("From: Rhythm <rhythm@notify.test>\r\n"), "{headers}");
    assert!(
        headers.contains(
            "Subject: [Rhythm] Exception expiring soon: EXC-9 expires on 2026-03-09: review it before then\r\n"
        ),
        "{headers}"
    );
    assert!(headers.contains("Content-Type: text/plain; charset=utf-8"), "{headers}");
    assert!(m.data.contains("\r\n\r\nEXC-9 expires on 2026-03-09: review it before then\r\n"), "{}", m.data);
    assert!(m.data.contains("Open in Rhythm: https://rhythm.example/exceptions/9"), "{}", m.data);
    assert!(m.data.contains(&format!("Delivery: {}", ids[0])), "{}", m.data);
    assert!(m.data.contains("\"exception\": \"EXC-9\""), "{}", m.data);
    assert_eq!(f.only_entry().await.status, OutboxStatus::Delivered);
}
on_both!(an_email_reaches_the_smtp_server, super::an_email_reaches_the_smtp_server);

async fn a_refused_recipient_is_a_failed_attempt(f: Fx) {
    let smtp = SmtpServer::start(true).await;
    f.target(email("nobody@notify.test")).await;
    f.store()
        .enqueue_legacy_payload(
            f.actor.workspace_id,
            Event::EscalationOpened,
            &json!({"summary": "ESC-1 opened"}),
            f.now,
        )
        .await
        .unwrap();
    let report = f.notifier(smtp.config()).run_once(f.now).await.unwrap();
    assert_eq!((report.claimed, report.delivered, report.retrying), (1, 0, 1));
    let e = f.only_entry().await;
    assert_eq!((e.status, e.attempts), (OutboxStatus::Pending, 1));
    let error = e.last_error.unwrap();
    assert!(error.contains("550") && error.contains("mailbox unavailable"), "{error}");
    assert!(smtp.mails().is_empty());
    assert!(smtp.log.lock().unwrap().iter().any(|l| l.starts_with("RCPT TO:<nobody@notify.test>")));

    // Without an SMTP relay, e-mail items fail visibly instead of vanishing.
    let report = f.notifier(NotifyConfig::default()).run_once(f.now + Duration::minutes(1)).await.unwrap();
    assert_eq!(report.retrying, 1);
    assert!(f.only_entry().await.last_error.unwrap().contains("not configured"));
}
on_both!(a_refused_recipient_is_a_failed_attempt, super::a_refused_recipient_is_a_failed_attempt);

// ---------------------------------------------------------------------------------------------
// The background worker.

struct FixedClock(OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

async fn the_worker_delivers_on_its_own_and_stops_on_shutdown(f: Fx) {
    let rx = Receiver::start(vec![]).await;
    f.target(webhook(&rx.url, Some(SECRET), Format::Json)).await;
    let state = AppState::with_clock(f.store().clone(), Config::default(), Arc::new(FixedClock(f.now)));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = NotifyConfig {
        interval: StdDuration::from_millis(50),
        webhook_reach: crate::harness::loopback_reach(),
        ..NotifyConfig::default()
    };
    let handle = notify::spawn_worker(state, config, async {
        let _ = stopped.await;
    })
    .unwrap();

    f.store()
        .enqueue_legacy_payload(f.actor.workspace_id, Event::LaunchGateStop, &json!({"summary": "STOP"}), f.now)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + StdDuration::from_secs(10);
    while f.only_entry().await.status != OutboxStatus::Delivered {
        assert!(std::time::Instant::now() < deadline, "the worker did not deliver within 10 s");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    assert_eq!(rx.got().len(), 1);

    stop.send(()).unwrap();
    tokio::time::timeout(StdDuration::from_secs(5), handle).await.expect("the worker stops").unwrap();
    // Stopped: a new event stays in the outbox.
    f.store().enqueue_legacy_payload(f.actor.workspace_id, Event::LaunchGateStop, &json!({}), f.now).await.unwrap();
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(rx.got().len(), 1);
}
on_both!(
    the_worker_delivers_on_its_own_and_stops_on_shutdown,
    super::the_worker_delivers_on_its_own_and_stops_on_shutdown
);

#[tokio::test]
async fn a_notifier_is_shown_without_the_smtp_password() {
    let f = Fx::new(Backend::Sqlite).await;
    let smtp = SmtpConfig::from_url("smtp://ops:hunter2-smtp@mail.example.com", "rhythm@notify.test").unwrap();
    let n = f.notifier(NotifyConfig { smtp: Some(smtp), ..NotifyConfig::default() });
    let shown = format!("{n:?} {n:#?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("mail.example.com"), "{shown}");
}

// ---------------------------------------------------------------------------------------------
// Typed notifications: what the store writes is facts; what is delivered is rendered here, and
// matches the committed webhook schema (docs/webhooks.json).

/// One notification of every event (both kinds of escalation), as the store writes them.
fn one_of_each(target_id: uuid::Uuid) -> Vec<rhythm_store::Notification> {
    use rhythm_domain::{ExceptionStatus, SignatureDecision};
    use rhythm_store::Notification as N;
    use rhythm_store::notification::*;
    use time::macros::date;
    let id = |n: u128| uuid::Uuid::from_u128(n);
    let expired = ExceptionFacts {
        exception: "EXC-1".into(),
        exception_id: id(1),
        title: "Legacy TLS on the partner SFTP endpoint".into(),
        status: ExceptionStatus::Expired,
        starts_on: date!(2026 - 02 - 01),
        expires_on: date!(2026 - 03 - 01),
        review_on: date!(2026 - 02 - 15),
        risks: vec!["RISK-1".into()],
        finding_ids: vec![id(7)],
        system_ids: vec![id(8)],
        engineering_owner_id: id(2),
        security_owner_id: id(3),
        expired_at: Some(datetime!(2026-03-02 09:30:00.123456 UTC)),
    };
    vec![
        N::SignatureRequested(SignatureRequested {
            exception_id: id(1),
            reference: "EXC-1".into(),
            title: "Legacy TLS on the partner SFTP endpoint".into(),
            engineering_owner_id: id(2),
            security_owner_id: id(3),
            starts_on: date!(2026 - 03 - 02),
            expires_on: date!(2026 - 04 - 30),
            reason: SignatureReason::Requested,
        }),
        N::ExceptionExpiring(ExceptionFacts {
            status: ExceptionStatus::Approved,
            expires_on: date!(2026 - 03 - 10),
            expired_at: None,
            ..expired.clone()
        }),
        N::ExceptionExpired(expired),
        N::LaunchGateStop(GateStop {
            release: "REL-1".into(),
            release_name: "ssh-gateway 2.4".into(),
            verdict: StopVerdict::Stop,
            decided_at: datetime!(2026-03-02 09:30 UTC),
            failing: vec![FailingCriterion { criterion: "no_open_critical".into(), evidence: vec!["FND-1".into()] }],
        }),
        N::EscalationOpened(EscalationOpened::Exception {
            exception_id: id(1),
            reference: "EXC-1".into(),
            title: "Legacy TLS on the partner SFTP endpoint".into(),
            engineering: Some(Position { user_id: id(2), decision: SignatureDecision::Approve, note: String::new() }),
            security: Some(Position {
                user_id: id(3),
                decision: SignatureDecision::Reject,
                note: "The allow-list is not enough".into(),
            }),
        }),
        N::EscalationOpened(EscalationOpened::GateOverride {
            decision: "DEC-2".into(),
            decision_id: id(4),
            title: "Ship ssh-gateway 2.4 despite the STOP".into(),
            release_id: id(5),
        }),
        N::Test(TestNotification { target_id, asked_by: "ciso@notify.test".into() }),
    ]
}

/// Checks `v` against the part of JSON Schema the committed document uses: `$ref`, `allOf`,
/// `oneOf`, `type`, `const`, `enum`, `required`, `properties`, `items`. The errors name paths.
fn check_schema(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("a local reference");
        return check_schema(root, &root["$defs"][name], v, at, errors);
    }
    for s in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        check_schema(root, s, v, at, errors);
    }
    if let Some(any) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = any
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                check_schema(root, s, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{at}: matches {matching} of the oneOf schemas, not 1"));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let is = |t: &str| match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        };
        if !types.iter().any(|t| is(t)) {
            errors.push(format!("{at}: {v} is not of type {t}"));
        }
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        errors.push(format!("{at}: {v} is not {c}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!("{at}: {v} is not one of {e:?}"));
    }
    for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        let key = key.as_str().unwrap();
        if v.get(key).is_none() {
            errors.push(format!("{at}: no {key}"));
        }
    }
    if let (Some(props), Some(obj)) = (schema.get("properties").and_then(Value::as_object), v.as_object()) {
        for (k, s) in props {
            if let Some(x) = obj.get(k) {
                check_schema(root, s, x, &format!("{at}.{k}"), errors);
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check_schema(root, items, x, &format!("{at}[{i}]"), errors);
        }
    }
}

fn committed_webhook_schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/webhooks.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn every_event_is_delivered_as_the_webhook_schema_says(f: Fx) {
    let schema = committed_webhook_schema();
    let rx = Receiver::start(vec![]).await;
    f.target(webhook(&rx.url, Some(SECRET), Format::Json)).await;
    let target = f.store().list_notification_targets(f.actor.workspace_id).await.unwrap()[0].id;
    let all = one_of_each(target);
    for n in &all {
        f.store().enqueue_event(f.actor.workspace_id, n, f.now).await.unwrap();
    }
    // Without a public URL first, then with one: both shapes must match the schema.
    let bare = f.notifier(NotifyConfig::default()).run_once(f.now).await.unwrap();
    assert_eq!(bare.delivered, all.len(), "{bare:?}");
    for n in &all {
        f.store().enqueue_event(f.actor.workspace_id, n, f.now).await.unwrap();
    }
    let linked = NotifyConfig { public_url: Some("https://rhythm.example/".into()), ..NotifyConfig::default() };
    assert_eq!(f.notifier(linked).run_once(f.now).await.unwrap().delivered, all.len());

    let got = rx.got();
    assert_eq!(got.len(), 2 * all.len());
    let mut seen = std::collections::BTreeSet::new();
    for r in &got {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let mut errors = Vec::new();
        check_schema(&schema, &schema, &body, "body", &mut errors);
        assert!(errors.is_empty(), "{errors:#?}\n{body:#}");
        assert_eq!(body["event"], header(r, "x-rhythm-event"));
        assert!(body["data"].get("event").is_none(), "the event is the envelope's: {body}");
        seen.insert(body["event"].as_str().unwrap().to_owned());
    }
    let every: std::collections::BTreeSet<String> = Event::ALL.iter().map(|e| e.as_str().to_owned()).collect();
    assert_eq!(seen, every, "every event was sent");

    // The check can fail: a body without its summary does not match.
    let mut broken: Value = serde_json::from_slice(&got[0].body).unwrap();
    broken["data"].as_object_mut().unwrap().remove("summary");
    let mut errors = Vec::new();
    check_schema(&schema, &schema, &broken, "body", &mut errors);
    assert!(!errors.is_empty());
}
on_both!(
    every_event_is_delivered_as_the_webhook_schema_says,
    super::every_event_is_delivered_as_the_webhook_schema_says
);

/// The words and links of typed notifications, as the store once wrote them into its rows:
/// these assertions were the store's before the server rendered them.
#[test]
fn typed_notifications_read_as_before() {
    let data_of = |n: &rhythm_store::Notification, url: Option<&str>| {
        rhythm_server::notify::render::data(n.event(), &serde_json::to_string(n).unwrap(), url)
    };
    let target = uuid::Uuid::from_u128(9);
    let all = one_of_each(target);
    let base = Some("https://rhythm.example/");

    let asked = data_of(&all[0], base);
    assert_eq!(asked["reference"], "EXC-1");
    assert_eq!(asked["url"], "/exceptions/EXC-1");
    assert_eq!(asked["subject"], "[Rhythm] Signature requested: EXC-1 Legacy TLS on the partner SFTP endpoint");
    assert_eq!(
        asked["summary"],
        "EXC-1 \"Legacy TLS on the partner SFTP endpoint\" was requested: it needs the signatures of its engineering \
         and security owners before 2026-04-30."
    );

    let expiring = data_of(&all[1], None);
    assert!(expiring.get("url").is_none(), "no public URL, no url");
    assert_eq!(expiring["path"], "/exceptions/EXC-1");
    assert_eq!(expiring["exception_id"], uuid::Uuid::from_u128(1).to_string());
    let summary = expiring["summary"].as_str().unwrap();
    assert!(
        summary.contains("expires after 2026-03-10 (approved)") && summary.ends_with("it covers RISK-1, 1 finding(s)."),
        "{summary}"
    );

    let expired = data_of(&all[2], base);
    assert_eq!(expired["url"], "https://rhythm.example/exceptions/EXC-1");
    assert_eq!(expired["status"], "expired");
    assert_eq!(expired["expired_at"], "2026-03-02T09:30:00.123456Z");
    let summary = expired["summary"].as_str().unwrap();
    assert!(summary.starts_with("EXC-1 \"Legacy TLS") && summary.contains("open again: RISK-1"), "{summary}");
    assert!(expired["subject"].as_str().unwrap().starts_with("[Rhythm] EXC-1 expired"));

    let stop = data_of(&all[3], base);
    assert_eq!((stop["release"].as_str(), stop["verdict"].as_str()), (Some("REL-1"), Some("STOP")));
    assert_eq!(stop["url"], "https://rhythm.example/releases/REL-1/gate");
    assert_eq!(stop["summary"], "STOP: REL-1: REL-1 ssh-gateway 2.4: STOP. Failing: no_open_critical (FND-1).");
    assert_eq!(stop["subject"], "[Rhythm] Launch gate STOP: REL-1");
    assert!(data_of(&all[3], None).get("url").is_none());

    let split = data_of(&all[4], base);
    assert_eq!(split["security"]["note"], "The allow-list is not enough");
    assert_eq!(split["engineering"]["decision"], "approve");
    assert_eq!(split["url"], "/exceptions/EXC-1");
    let over = data_of(&all[5], base);
    assert_eq!(over["decision"], "DEC-2");
    assert_eq!(over["subject"], "Escalation: DEC-2 asks to override a STOP");
    assert!(over.get("url").is_none());

    let test = data_of(&all[6], base);
    assert_eq!(test["target_id"], target.to_string());
    assert_eq!(test["url"], "https://rhythm.example/settings/notifications");
    assert_eq!(
        test["summary"],
        "A test notification from Rhythm, asked for by ciso@notify.test. If you can read this, the target works."
    );
}

/// A row written before notifications were typed (its payload has the words in it) still
/// delivers, byte for byte the data it was written with, and its e-mail reads from it.
async fn an_untyped_row_of_an_earlier_version_still_delivers(f: Fx) {
    let rx = Receiver::start(vec![]).await;
    f.target(webhook(&rx.url, None, Format::Json)).await;
    // What the store of the previous version wrote for a request.
    let old = json!({
        "summary": "EXC-1 \"Legacy TLS\" was requested: it needs the signatures of its engineering and security owners before 2026-04-30.",
        "subject": "[Rhythm] Signature requested: EXC-1 Legacy TLS",
        "url": "/exceptions/EXC-1",
        "exception_id": uuid::Uuid::from_u128(1),
        "reference": "EXC-1",
        "title": "Legacy TLS",
        "engineering_owner_id": uuid::Uuid::from_u128(2),
        "security_owner_id": uuid::Uuid::from_u128(3),
        "starts_on": "2026-03-02",
        "expires_on": "2026-04-30",
    });
    f.store().enqueue_legacy_payload(f.actor.workspace_id, Event::SignatureRequested, &old, f.now).await.unwrap();
    let linked = NotifyConfig { public_url: Some("https://rhythm.example".into()), ..NotifyConfig::default() };
    assert_eq!(f.notifier(linked).run_once(f.now).await.unwrap().delivered, 1);
    let body: Value = serde_json::from_slice(&rx.got()[0].body).unwrap();
    assert_eq!(body["data"], old);
    let item = f.only_entry().await;
    let item = rhythm_store::OutboxItem {
        id: item.id,
        workspace_id: item.workspace_id,
        target_id: item.target_id,
        channel: Channel::Email,
        target: "cfo@notify.test".into(),
        format: Format::Json,
        secret: None,
        event: item.event,
        payload: item.payload,
        attempts: 0,
        created_at: item.created_at,
        locked_until: item.created_at,
    };
    let (subject, text) = notify::email::message_text(&item, Some("https://rhythm.example"));
    assert_eq!(subject, "[Rhythm] Signature requested: EXC-1 Legacy TLS");
    assert!(
        text.starts_with("EXC-1 \"Legacy TLS\" was requested") && text.contains("Open in Rhythm: /exceptions/EXC-1"),
        "{text}"
    );
}
on_both!(
    an_untyped_row_of_an_earlier_version_still_delivers,
    super::an_untyped_row_of_an_earlier_version_still_delivers
);
