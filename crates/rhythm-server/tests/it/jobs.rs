//! Background jobs wired into the server: exception expiry and expiring-soon notices, the
//! outbox worker delivering them to a real HTTP receiver and a real SMTP server, the
//! notification targets API, and graceful shutdown. Both backends.

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use reqwest::StatusCode;
use rhythm_domain::{Exception, ExceptionCommand, ExceptionInput, ExceptionSide, ExceptionStatus, Role};
use rhythm_server::clock::Clock;
use rhythm_server::jobs::{self, GovernanceReport, JobsConfig};
use rhythm_server::notify::{Notifier, NotifyConfig};
use rhythm_server::{AppState, Config};
use rhythm_store::{Actor, Create, Store};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::notify::{Receiver, SECRET, SmtpServer, header, hmac_hex};
use crate::{TestServer, both};

const PUBLIC_URL: &str = "https://rhythm.example";

/// A clock the test moves.
struct TestClock(Mutex<OffsetDateTime>);

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

#[expect(clippy::disallowed_methods, reason = "the real time, to run jobs against a live server")]
fn real_now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

async fn wait_until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + StdDuration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(StdDuration::from_millis(25)).await;
    }
}

/// The person with `role` of the test server's workspace, acting as themselves.
async fn person(s: &TestServer, role: Role) -> Actor {
    let users = s.db.store.users(s.workspace_id).await.unwrap();
    let u = users.into_iter().find(|u| u.role == role).unwrap();
    Actor { workspace_id: s.workspace_id, user_id: Some(u.id), label: u.email }
}

/// An approved exception over a new risk, requested and signed at `at`, valid through
/// `expires_on`.
async fn approved_exception(s: &TestServer, at: OffsetDateTime, days: i64) -> Exception {
    let (st, risk) = s
        .post(
            "/api/v1/risks",
            Role::SecurityLead,
            json!({"statement": "Legacy TLS on the partner endpoint.", "impact": 3, "likelihood": 3, "found_stage": "production"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{risk}");
    let eng = person(s, Role::EngineeringLead).await;
    let sec = person(s, Role::SecurityLead).await;
    let requester = person(s, Role::Engineer).await;
    let input = ExceptionInput {
        title: "Legacy TLS on the partner SFTP endpoint".into(),
        business_reason: "Two partners cannot upgrade before their Q2 release; cutting them off stops payroll.".into(),
        scope: "sftp.partner.example only".into(),
        system_ids: vec![],
        organization_wide: true,
        users_impacted: "Two partner integrations".into(),
        starts_on: at.date(),
        expires_on: at.date() + Duration::days(days),
        compensating_controls: vec!["IP allow-list for the two partners".into()],
        risk_ids: vec![risk["id"].as_str().unwrap().parse().unwrap()],
        finding_ids: vec![],
        engineering_owner_id: eng.user_id.unwrap(),
        security_owner_id: sec.user_id.unwrap(),
        supersedes: None,
    };
    let store = &s.db.store;
    let e = store.request_exception(&requester, input, at).await.unwrap();
    for (who, side, role) in
        [(&eng, ExceptionSide::Engineering, Role::EngineeringLead), (&sec, ExceptionSide::Security, Role::SecurityLead)]
    {
        let cmd = ExceptionCommand::Sign {
            side,
            user_id: who.user_id.unwrap(),
            user_role: role,
            approve: true,
            note: String::new(),
        };
        store.transition_exception(who, e.id, cmd, at).await.unwrap();
    }
    let e = store.exception(s.workspace_id, e.id).await.unwrap();
    assert_eq!(e.status, ExceptionStatus::Approved);
    e
}

/// A second instance over the same database, with background jobs and its own clock.
struct JobInstance {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl JobInstance {
    async fn start(store: Store, clock: Arc<TestClock>, notify: NotifyConfig) -> JobInstance {
        let config = Config {
            public_url: Some(PUBLIC_URL.into()),
            jobs: Some(JobsConfig {
                notify: NotifyConfig { interval: StdDuration::from_millis(50), ..notify },
                governance_interval: StdDuration::from_millis(100),
            }),
            webhook_reach: crate::harness::loopback_reach(),
            ..Config::default()
        };
        let state = AppState::with_clock(store, config, clock);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(rhythm_server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        JobInstance { stop: Some(stop), handle }
    }

    /// Graceful shutdown: the server and its jobs stop, and `serve` returns Ok.
    async fn shut_down(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        let served = tokio::time::timeout(StdDuration::from_secs(15), &mut self.handle)
            .await
            .expect("the server and its jobs stop after the shutdown signal");
        served.unwrap().unwrap();
    }
}

async fn jobs_expire_an_exception_and_deliver_signed_webhook_and_email(s: TestServer) {
    let rx = Receiver::start(vec![]).await;
    let smtp = SmtpServer::start(false).await;
    // Targets through the API, as the CISO.
    let (st, hook) = s
        .post(
            "/api/v1/notification-targets",
            Role::Ciso,
            json!({"channel": "webhook", "target": format!("{}/hooks/rhythm", rx.url), "secret": SECRET,
                   "events": ["exception.expired", "exception.expiring"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{hook}");
    assert!(!hook.to_string().contains(SECRET), "{hook}");
    assert_eq!(hook["has_secret"], true);
    let (st, mail) = s
        .post(
            "/api/v1/notification-targets",
            Role::Cto,
            json!({"channel": "email", "target": "ciso@northwind.test", "events": ["exception.expired"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{mail}");

    let t0 = real_now();
    let e = approved_exception(&s, t0, 10).await;
    // The job instance's clock is 11 days on: the exception's last day has passed.
    let run_at = t0 + Duration::days(11);
    let clock = Arc::new(TestClock(Mutex::new(run_at)));
    let jobs_store = Store::open(&s.db.url, Create::MustExist).await.unwrap();
    let instance = JobInstance::start(jobs_store.clone(), clock, smtp.config()).await;

    wait_until("the webhook and the e-mail arrive", || {
        let (got, mails) = (rx.got().len(), smtp.mails().len());
        async move { got >= 1 && mails >= 1 }
    })
    .await;

    // The covered state is visible: the exception is expired, by the system, in the audit log.
    let now_e = s.db.store.exception(s.workspace_id, e.id).await.unwrap();
    assert_eq!((now_e.status, now_e.expired_at), (ExceptionStatus::Expired, Some(run_at)));
    let (st, log) = s.get(&format!("/api/v1/audit-log?entity_id={}", e.id), Role::Viewer).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!((log[0]["action"].as_str(), log[0]["actor"].as_str()), (Some("expire"), Some("system")), "{log}");

    // The webhook: signed with the secret over "{timestamp}.{body}", about EXC-1.
    let got = rx.got();
    assert_eq!(got.len(), 1, "one event for the webhook (it was not expiring-soon any more)");
    let r = &got[0];
    assert_eq!(r.path, "/hooks/rhythm");
    assert_eq!(header(r, "x-rhythm-event"), "exception.expired");
    let ts = header(r, "x-rhythm-timestamp");
    assert_eq!(ts, run_at.unix_timestamp().to_string());
    assert_eq!(header(r, "x-rhythm-signature"), format!("sha256={}", hmac_hex(SECRET, ts, &r.body)));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["event"], "exception.expired");
    assert_eq!(body["data"]["exception"], "EXC-1");
    assert_eq!(body["data"]["exception_id"], e.id.to_string());
    assert_eq!(body["data"]["url"], format!("{PUBLIC_URL}/exceptions/EXC-1"));
    assert_eq!(body["data"]["expires_on"], e.expires_on.to_string());
    assert_eq!(body["data"]["risks"], json!(["RISK-1"]));

    // The e-mail: to the target, with the subject and the link.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].rcpt, vec!["<ciso@northwind.test>"]);
    let unfolded = mails[0].data.replace("\r\n ", " ");
    assert!(unfolded.contains("Subject: [Rhythm] EXC-1 expired: Legacy TLS"), "{unfolded}");
    assert!(unfolded.contains(&format!("Open in Rhythm: {PUBLIC_URL}/exceptions/EXC-1")), "{unfolded}");

    // The outbox API shows both as delivered (the web-only instance reads what the job instance did).
    wait_until("both deliveries are recorded", || async {
        let (_, out) = s.get("/api/v1/outbox?status=delivered", Role::Ciso).await;
        out.as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    let (_, out) = s.get("/api/v1/outbox", Role::Viewer).await;
    for entry in out.as_array().unwrap() {
        assert_eq!((entry["status"].as_str(), entry["attempts"].as_i64()), (Some("delivered"), Some(0)), "{entry}");
        assert_eq!(entry["event"], "exception.expired");
        if entry["channel"] == "webhook" {
            // A viewer sees only the scheme and host of a webhook URL.
            assert_eq!(entry["target"], format!("{}/…", rx.url));
        }
    }
    assert!(!out.to_string().contains(SECRET));

    instance.shut_down().await;
    jobs_store.close().await;
}
both!(
    jobs_expire_an_exception_and_deliver_signed_webhook_and_email,
    super::jobs_expire_an_exception_and_deliver_signed_webhook_and_email
);

async fn jobs_tell_an_expiring_exception_once_even_with_two_runners(s: TestServer) {
    let rx = Receiver::start(vec![]).await;
    let (st, _) = s
        .post(
            "/api/v1/notification-targets",
            Role::Ciso,
            json!({"channel": "webhook", "target": rx.url, "secret": SECRET, "events": ["exception.expiring"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let t0 = real_now();
    // Valid for 10 more days: within the default 14-day review lead time.
    let e = approved_exception(&s, t0, 10).await;
    let one = s.db.store.clone();
    let two = Store::open(&s.db.url, Create::MustExist).await.unwrap();

    // Two runners (two stores: two instances) at once, twice each.
    let (r1, r2, r3, r4) = tokio::join!(
        jobs::run_governance_once(&one, t0),
        jobs::run_governance_once(&two, t0),
        jobs::run_governance_once(&one, t0),
        jobs::run_governance_once(&two, t0),
    );
    let told: usize = [r1, r2, r3, r4].into_iter().map(|r| r.unwrap().expiring).sum();
    assert_eq!(told, 1, "told by exactly one runner");
    // And again later, by either: nothing new.
    assert_eq!(jobs::run_governance_once(&one, t0 + Duration::hours(1)).await.unwrap(), GovernanceReport::default());
    assert_eq!(jobs::run_governance_once(&two, t0 + Duration::days(2)).await.unwrap(), GovernanceReport::default());

    let n = Notifier::new(
        one.clone(),
        NotifyConfig {
            webhook_reach: crate::harness::loopback_reach(),
            public_url: Some(PUBLIC_URL.into()),
            ..NotifyConfig::default()
        },
    )
    .unwrap();
    assert_eq!(n.run_once(t0).await.unwrap().delivered, 1);
    assert_eq!(n.run_once(t0 + Duration::days(3)).await.unwrap().claimed, 0);
    let got = rx.got();
    assert_eq!(got.len(), 1);
    assert_eq!(header(&got[0], "x-rhythm-event"), "exception.expiring");
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["data"]["exception_id"], e.id.to_string());
    assert_eq!(body["data"]["url"], format!("{PUBLIC_URL}/exceptions/EXC-1"));
    assert!(body["data"]["summary"].as_str().unwrap().contains(&format!("expires after {}", e.expires_on)));
    two.close().await;
}
both!(
    jobs_tell_an_expiring_exception_once_even_with_two_runners,
    super::jobs_tell_an_expiring_exception_once_even_with_two_runners
);

async fn notify_targets_api_keeps_secrets_and_refuses_non_admins_and_bad_input(s: TestServer) {
    let audit_before = s.audit_len().await;
    let good =
        json!({"channel": "webhook", "target": "https://hooks.example/T0/B0/xyz", "secret": SECRET, "format": "slack"});
    // Not an admin: 403, for every write, nothing written.
    for role in [Role::SecurityLead, Role::Engineer, Role::Viewer] {
        let (st, p) = s.post("/api/v1/notification-targets", role, good.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{role}: {p}");
    }
    // Bad input: 422 naming each field.
    let cases = [
        (json!({"channel": "webhook", "target": "ftp://hooks.example/x"}), vec!["target"]),
        (json!({"channel": "webhook", "target": "http://"}), vec!["target"]),
        (
            json!({"channel": "webhook", "target": "https://h.example/x", "events": ["exception.expired", "exception.exploded"]}),
            vec!["events[1]"],
        ),
        (json!({"channel": "pigeon", "target": "https://h.example/x"}), vec!["channel"]),
        (json!({"channel": "webhook", "target": "https://h.example/x", "format": "xml"}), vec!["format"]),
        (json!({"channel": "webhook", "target": "https://h.example/x", "secret": "short"}), vec!["secret"]),
        (json!({"channel": "email", "target": "not-an-address"}), vec!["target"]),
        (
            json!({"channel": "webhook", "target": "https://h.example/x", "events": ["notification.test"]}),
            vec!["events[0]"],
        ),
    ];
    for (body, fields) in cases {
        let (st, p) = s.post("/api/v1/notification-targets", Role::Ciso, body.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
        let named: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(named, fields, "{body}: {p}");
    }
    assert_eq!(s.audit_len().await, audit_before, "refusals write nothing");
    let (_, list) = s.get("/api/v1/notification-targets", Role::Ciso).await;
    assert_eq!(list, json!([]));

    // Added by the CTO: the secret is never returned, listed or audited.
    let (st, t) = s.post("/api/v1/notification-targets", Role::Cto, good.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    assert_eq!(
        (t["has_secret"].as_bool(), t["format"].as_str(), t["events"].clone()),
        (Some(true), Some("slack"), json!([]))
    );
    assert!(t.get("secret").is_none() && !t.to_string().contains(SECRET), "{t}");
    let id = t["id"].as_str().unwrap().to_owned();
    let (_, list) = s.get("/api/v1/notification-targets", Role::Cto).await;
    assert_eq!(list[0]["target"], "https://hooks.example/T0/B0/xyz");
    let (_, viewer_list) = s.get("/api/v1/notification-targets", Role::Viewer).await;
    assert_eq!(viewer_list[0]["target"], "https://hooks.example/…", "a viewer does not see the URL's path");
    assert!(!list.to_string().contains(SECRET) && !viewer_list.to_string().contains(SECRET));
    let (_, log) = s.get(&format!("/api/v1/audit-log?entity_id={id}"), Role::Ciso).await;
    assert_eq!(log[0]["action"], "create");
    assert!(!log.to_string().contains(SECRET), "{log}");
    assert!(log[0]["after"].as_str().unwrap().contains("\"has_secret\":true"));

    // Disable, enable and test: admins only.
    let path = |what: &str| format!("/api/v1/notification-targets/{id}/{what}");
    let (st, _) = s.post(&path("disable"), Role::Engineer, json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s.post(&path("test"), Role::Delivery, json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, d) = s.post(&path("disable"), Role::Ciso, json!({})).await;
    assert_eq!((st, d["disabled"].as_bool()), (StatusCode::OK, Some(true)), "{d}");
    let (st, p) = s.post(&path("test"), Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT, "a disabled target is not tested: {p}");
    let (st, d) = s.post(&path("enable"), Role::Cto, json!({})).await;
    assert_eq!((st, d["disabled"].as_bool()), (StatusCode::OK, Some(false)));
    let (st, queued) = s.post(&path("test"), Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{queued}");
    assert_eq!((queued["event"].as_str(), queued["status"].as_str()), (Some("notification.test"), Some("pending")));
    let (_, out) = s.get("/api/v1/outbox?status=pending", Role::Ciso).await;
    assert_eq!(out.as_array().unwrap().len(), 1);
    let (st, p) = s.get("/api/v1/outbox?status=lost", Role::Ciso).await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    let (st, _) =
        s.post(&format!("/api/v1/notification-targets/{}/test", uuid::Uuid::nil()), Role::Ciso, json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let actions: Vec<String> =
        s.db.store
            .audit_log(s.workspace_id, None, 100, None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.entity == "notification_target")
            .map(|e| e.action)
            .collect();
    assert_eq!(actions, ["enable", "disable", "create"]);
}
both!(
    notify_targets_api_keeps_secrets_and_refuses_non_admins_and_bad_input,
    super::notify_targets_api_keeps_secrets_and_refuses_non_admins_and_bad_input
);

/// A browser-like client signed in as `role` (cookies kept), and the page's CSRF token.
async fn signed_in(s: &TestServer, role: Role) -> reqwest::Client {
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = c.get(format!("{}/login", s.url)).send().await.unwrap().text().await.unwrap();
    let form = [
        ("_csrf", csrf_of(&page)),
        ("next", "/settings/notifications".to_owned()),
        ("email", s.emails[&role].clone()),
        ("password", crate::harness::PASSWORD.to_owned()),
    ];
    let r = c.post(format!("{}/login", s.url)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed in");
    c
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + "name=\"_csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

async fn notify_settings_page_adds_tests_and_lists_targets(s: TestServer) {
    let c = signed_in(&s, Role::Cto).await;
    let page_url = format!("{}/settings/notifications", s.url);
    let page = c.get(&page_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Add a target") && html.contains("No targets yet"), "{html}");
    assert!(html.contains("aria-current=\"page\""));
    let csrf = csrf_of(&html);

    // A bad URL: 422, the form again with the field's error, nothing added.
    let bad = [("_csrf", csrf.as_str()), ("channel", "webhook"), ("target", "gopher://x"), ("secret", SECRET)];
    let r = c.post(&page_url).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"n-target-error\"") && html.contains("gopher://x"), "{html}");
    assert!(!html.contains(SECRET), "the secret is not echoed back");
    // Without the CSRF token: refused.
    let r = c.post(&page_url).form(&[("channel", "webhook"), ("target", "https://h.example/x")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(s.db.store.list_notification_targets(s.workspace_id).await.unwrap().is_empty());

    // A good one, with two events ticked.
    let good = [
        ("_csrf", csrf.as_str()),
        ("channel", "webhook"),
        ("target", "https://hooks.example/T0/B0/xyz"),
        ("secret", SECRET),
        ("format", "slack"),
        ("events", "exception.expired"),
        ("events", "launch_gate.stop"),
    ];
    let r = c.post(&page_url).form(&good).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Added the webhook target") && html.contains("exception.expired, launch_gate.stop"),
        "{html}"
    );
    assert!(!html.contains(SECRET));
    let targets = s.db.store.list_notification_targets(s.workspace_id).await.unwrap();
    assert_eq!(targets.len(), 1);
    assert!(targets[0].has_secret);

    // Test it: queued, and listed under the recent deliveries.
    let id = targets[0].id;
    let r = c.post(format!("{page_url}/{id}/test")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("A test notification is queued") && html.contains("notification.test"), "{html}");
    // Disable it.
    let r = c.post(format!("{page_url}/{id}/disable")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(s.db.store.list_notification_targets(s.workspace_id).await.unwrap()[0].disabled);

    // An engineer sees the list (URL masked) but no form, and cannot add.
    let e = signed_in(&s, Role::Engineer).await;
    let html = e.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Add a target") && html.contains("https://hooks.example/…"), "{html}");
    assert!(!html.contains("T0/B0/xyz"));
    let r = e
        .post(&page_url)
        .form(&[("_csrf", csrf_of(&html).as_str()), ("channel", "email"), ("target", "x@y.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.db.store.list_notification_targets(s.workspace_id).await.unwrap().len(), 1);
}
both!(notify_settings_page_adds_tests_and_lists_targets, super::notify_settings_page_adds_tests_and_lists_targets);

/// Reading the launch gate writes nothing; the governance job tells a STOP, once per verdict
/// and evidence, whoever (or nobody) looked at it.
async fn a_gate_stop_is_told_by_the_job_and_reads_write_nothing(s: TestServer) {
    let rx = Receiver::start(vec![]).await;
    let (st, _) = s
        .post(
            "/api/v1/notification-targets",
            Role::Ciso,
            json!({"channel": "webhook", "target": rx.url, "secret": SECRET, "events": ["launch_gate.stop"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, sys) = s
        .post(
            "/api/v1/systems",
            Role::Cto,
            json!({"name": "ssh-gateway", "owner_team": "Platform", "tier": "restricted"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    let (st, _) = s
        .post(
            "/api/v1/releases",
            Role::Cto,
            json!({"name": "ssh-gateway 2.4", "system_id": sys["id"], "planned_date": "2030-01-15"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = s
        .post(
            "/api/v1/findings",
            Role::Engineer,
            json!({"system_id": sys["id"], "tool": "trivy", "rule": "CVE-2024-45337", "title": "x/crypto authorization bypass",
                   "severity": "critical", "environment": "production", "component": "golang.org/x/crypto 0.29.0"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);

    for path in ["/api/v1/releases/REL-1/gate", "/api/v1/gate", "/api/v1/releases/REL-1/gate"] {
        let (st, body) = s.get(path, Role::Viewer).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let verdicts = if body.is_array() { body.as_array().unwrap().clone() } else { vec![body.clone()] };
        assert!(verdicts.iter().all(|r| r["verdict"] == "stop"), "{path}: {body}");
    }
    let outbox = || async { s.db.store.outbox_entries(s.workspace_id, None, 100).await.unwrap() };
    assert!(outbox().await.is_empty(), "a read of the gate enqueued nothing");

    let t0 = real_now();
    let url = Some(PUBLIC_URL);
    let first = jobs::run_governance_once(&s.db.store, t0).await.unwrap();
    assert_eq!(first.gate_stops, 1, "{first:?}");
    assert_eq!(
        jobs::run_governance_once(&s.db.store, t0 + Duration::hours(1)).await.unwrap(),
        GovernanceReport::default()
    );
    let told = outbox().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].event.as_str(), "launch_gate.stop");
    // What is delivered, with the server's public URL.
    let payload = rhythm_server::notify::render::data(told[0].event, &told[0].payload, url);
    assert_eq!(payload["release"], "REL-1");
    assert_eq!(payload["url"], format!("{PUBLIC_URL}/releases/REL-1/gate"));
    assert!(payload["summary"].as_str().unwrap().contains("FND-1"), "{payload}");
}
both!(
    a_gate_stop_is_told_by_the_job_and_reads_write_nothing,
    super::a_gate_stop_is_told_by_the_job_and_reads_write_nothing
);
