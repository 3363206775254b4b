use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rhythm_store::Backend;
use rhythm_store::testing::TestDb;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rhythm");

pub(crate) fn rhythm(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("RHYTHM_SERVER").env_remove("RHYTHM_TOKEN").env_remove("RHYTHM_DB").env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run rhythm");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// `rhythm serve` in the background, stopped on drop.
pub(crate) struct Served {
    child: Child,
    pub(crate) url: String,
}

impl Served {
    pub(crate) fn start(db: &str) -> Served {
        Served::start_with(db, &[])
    }

    pub(crate) fn start_with(db: &str, extra: &[&str]) -> Served {
        let mut child = Command::new(BIN)
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0", "--log-json"])
            .args(extra)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rhythm serve");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && v["fields"]["message"] == "Rhythm is serving"
                {
                    let _ = tx.send(v["fields"]["address"].as_str().unwrap_or("").to_owned());
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(30)).expect("rhythm serve did not report its address");
        Served { child, url: format!("http://{addr}") }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn token(db: &str, email: &str, scope: &str) -> String {
    let o = rhythm(&["token", "create", "--db", db, "--user", email, "--scope", scope, "--format", "json"], &[], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "token create failed: {err}");
    let v: Value = serde_json::from_str(&out).expect("token create --format json prints JSON");
    assert_eq!(v["scope"], scope);
    let t = v["token"].as_str().unwrap().to_owned();
    assert!(t.starts_with("rhy_"));
    t
}

fn full_cycle(db: &str) {
    // Bootstrap: the first admin, password from stdin; a short one is refused with exit 1.
    let o = rhythm(
        &["admin", "create-user", "--db", db, "--email", "ciso@acme.example", "--role", "ciso", "--password-stdin"],
        &[],
        Some("too short\n"),
    );
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("at least 12"), "{:?}", text(&o));
    let o = rhythm(
        &["admin", "create-user", "--db", db, "--email", "ciso@acme.example", "--role", "ciso", "--password-stdin"],
        &[],
        Some("a long enough passphrase\n"),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = rhythm(
        &["admin", "create-user", "--db", db, "--email", "viewer@acme.example", "--role", "viewer", "--password-stdin"],
        &[],
        Some("another long passphrase\n"),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    // A viewer cannot hold a write token.
    let o = rhythm(&["token", "create", "--db", db, "--user", "viewer@acme.example", "--scope", "write"], &[], None);
    assert_eq!(o.status.code(), Some(1));
    let write = token(db, "ciso@acme.example", "write");
    let read = token(db, "viewer@acme.example", "read");

    let server = Served::start(db);
    let env = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", write.as_str())];
    let o = rhythm(
        &[
            "risk",
            "add",
            "--set",
            "statement=Backups of the ledger are not restore-tested.",
            "--set",
            "impact=4",
            "--set",
            "likelihood=3",
            "--set",
            "found_stage=production",
            "--set",
            "tags=[\"customer-harm\"]",
        ],
        &env,
        None,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("Created RISK-1"), "{err}");
    assert!(out.contains("score") && out.contains("12"), "{out}");

    let o = rhythm(&["risk", "list", "--format", "csv"], &env, None);
    let (out, _) = text(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("ref,score,status,due_date,statement,id"));
    assert!(lines.next().unwrap().starts_with("RISK-1,12,open,,Backups"), "{out}");

    let o = rhythm(&["risk", "update", "RISK-1", "--set", "likelihood=5", "--format", "json"], &env, None);
    let v: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(v["score"], 20);
    // Acceptance is not a status anyone sets: refused with what to do instead, exit 1.
    let o = rhythm(&["risk", "update", "RISK-1", "--set", "status=accepted"], &env, None);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("approved exception"), "{:?}", text(&o));
    let o = rhythm(&["risk", "update", "RISK-1", "--set", "status=mitigating"], &env, None);
    assert_eq!(o.status.code(), Some(1), "mitigating needs an owner, a mitigation and a date: {:?}", text(&o));

    let o = rhythm(&["risk", "list", "--filter", "min_score=15", "--format", "json"], &env, None);
    let v: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);

    // Refusals exit 1 with the reason; errors exit 2.
    let o = rhythm(&["risk", "show", "RISK-99"], &env, None);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let o = rhythm(
        &[
            "risk",
            "add",
            "--set",
            "statement=x",
            "--set",
            "impact=9",
            "--set",
            "likelihood=1",
            "--set",
            "found_stage=production",
        ],
        &env,
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("impact: must be between 1 and 5"), "{:?}", text(&o));
    let o = rhythm(&["risk", "list", "--filter", "colour=red"], &env, None);
    assert_eq!(o.status.code(), Some(2), "a bad request is an error");
    let viewer = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", read.as_str())];
    let o =
        rhythm(&["system", "add", "--set", "name=x", "--set", "owner_team=y", "--set", "tier=internal"], &viewer, None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("read scope") || text(&o).1.contains("cannot change"), "{:?}", text(&o));
    let o = rhythm(&["risk", "list"], &[("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", "rhy_wrong")], None);
    assert_eq!(o.status.code(), Some(2));
    let o = rhythm(&["risk", "list"], &[("RHYTHM_TOKEN", write.as_str())], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("RHYTHM_SERVER"));

    let o = rhythm(&["risk", "close", "RISK-1", "--format", "json"], &env, None);
    let v: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(v["status"], "closed");

    drop(server);
    let o = rhythm(&["admin", "verify-audit", "--db", db], &[], None);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("entries verify"), "{:?}", text(&o));
    // The head it prints (SEQ:HASH) is what a later check holds the chain to.
    let out = text(&o).0;
    let head = out.rsplit("head ").next().unwrap().trim().to_owned();
    let (seq, hash) = head.split_once(':').expect("SEQ:HASH");
    assert_eq!(hash.len(), 64, "{out}");
    let o = rhythm(&["admin", "verify-audit", "--db", db, "--expect-head", &head], &[], None);
    assert!(o.status.success(), "{:?}", text(&o));
    // Another hash at that entry: the chain was rewritten since the head was published.
    let forged = format!("{seq}:{}", "0".repeat(64));
    let o = rhythm(&["admin", "verify-audit", "--db", db, "--expect-head", &forged], &[], None);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).0.contains("is not the published head"), "{:?}", text(&o));
    // A head past the chain's end: entries published since were cut off.
    let later = format!("{}:{hash}", seq.parse::<i64>().unwrap() + 3);
    let o = rhythm(&["admin", "verify-audit", "--db", db, "--expect-head", &later], &[], None);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).0.contains("before the published head"), "{:?}", text(&o));
    let o = rhythm(&["admin", "verify-audit", "--db", db, "--expect-head", "12:nothex"], &[], None);
    assert_eq!(o.status.code(), Some(2), "a malformed head is a usage error: {:?}", text(&o));
}

#[test]
fn the_cli_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("rhythm.db").display());
    full_cycle(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_on_postgres() {
    let test_db = TestDb::new(Backend::Postgres).await;
    let url = test_db.url.clone();
    tokio::task::spawn_blocking(move || full_cycle(&url)).await.unwrap();
}

#[test]
fn a_mistyped_database_path_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("typo.db").display());
    let started = Instant::now();
    let o = rhythm(&["serve", "--db", &db, "--listen", "127.0.0.1:0"], &[], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("does not exist"), "{:?}", text(&o));
    assert!(!dir.path().join("typo.db").exists());
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn help_and_completions() {
    let o = rhythm(&["--help"], &[], None);
    let (out, _) = text(&o);
    assert!(o.status.success());
    for word in ["serve", "demo", "admin", "token", "risk", "release", "Exit codes"] {
        assert!(out.contains(word), "--help mentions {word}");
    }
    let o = rhythm(&["completions", "bash"], &[], None);
    assert!(o.status.success() && text(&o).0.contains("rhythm"));
}

/// `rhythm gate` as a CI pipeline runs it, on the demo: STOP exits 1 with readable evidence,
/// JSON is the API's report, and a gate that cannot be judged exits 2, never 1.
#[test]
fn the_gate_for_ci_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let o = rhythm(&["demo", "--no-serve", "--data-dir", dir.path().to_str().unwrap()], &[], None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "demo: {err}");
    let stopped = out
        .lines()
        .find_map(|l| {
            l.trim().strip_prefix("Launch gate").map(|r| r.split_whitespace().next().unwrap_or("").to_owned())
        })
        .expect("the demo names the release it stops");
    assert!(stopped.starts_with("REL-"), "{stopped}");
    let db = format!("sqlite://{}", dir.path().join("rhythm.db").display());
    let server = Served::start(&db);
    let tok = token(&db, "olivia.chen@northwind.example", "read");
    let env = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", tok.as_str())];

    let o = rhythm(&["gate", "--release", &stopped], &env, None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "STOP exits 1: {out}{err}");
    assert!(out.contains(&format!("{stopped} ")) && out.contains(": STOP"), "{out}");
    assert!(out.contains("FAIL   open_findings") && out.contains("CVE-2024-45337"), "{out}");
    assert!(out.contains("To turn it green: Fix FND-"), "{out}");

    let o = rhythm(&["gate", "--release", &stopped, "--format", "json"], &env, None);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&text(&o).0).expect("--format json prints JSON");
    assert_eq!(v["verdict"], "stop");
    assert_eq!(v["release"], stopped.as_str());

    // A release that passes exits 0.
    let all = rhythm(&["release", "list", "--all", "--format", "json"], &env, None);
    let releases: Value = serde_json::from_str(&text(&all).0).unwrap();
    let mut saw_go = false;
    for r in releases.as_array().unwrap().iter().filter(|r| r["shipped_date"].is_null() && r["status"] == "planned") {
        let reference = format!("REL-{}", r["number"]);
        let o = rhythm(&["gate", "--release", &reference, "--format", "json"], &env, None);
        let v: Value = serde_json::from_str(&text(&o).0).unwrap();
        let expected = i32::from(v["verdict"] == "stop");
        assert_eq!(o.status.code(), Some(expected), "{reference}: {v}");
        saw_go |= expected == 0;
    }
    assert!(saw_go, "some upcoming demo release is GO");

    // Errors are 2: an unknown release, a bad token, no server.
    let o = rhythm(&["gate", "--release", "REL-9999"], &env, None);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("REL-9999"), "{:?}", text(&o));
    let o = rhythm(
        &["gate", "--release", &stopped],
        &[("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", "rhy_nope")],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let o = rhythm(
        &["gate", "--release", &stopped],
        &[("RHYTHM_SERVER", "http://127.0.0.1:9"), ("RHYTHM_TOKEN", &tok)],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));

    // The engineering lead and the security lead find the request in their inbox and sign it:
    // the same gate now lets the release go, naming the exception.
    let mut signed = String::new();
    for (email, side) in
        [("lucas.brennan@northwind.example", "engineering"), ("mei.tanaka@northwind.example", "security")]
    {
        let t = token(&db, email, "write");
        let env = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", t.as_str())];
        let o = rhythm(&["exception", "inbox", "--format", "json"], &env, None);
        let inbox: Value = serde_json::from_str(&text(&o).0).unwrap_or(Value::Null);
        assert_eq!(inbox.as_array().map(Vec::len), Some(1), "{email}'s inbox: {inbox}");
        assert!(inbox[0]["title"].as_str().unwrap_or("").starts_with("Ship "), "the stop's request: {inbox}");
        let exc = format!("EXC-{}", inbox[0]["number"]);
        let o = rhythm(&["exception", "sign", &exc, "--side", side, "--approve"], &env, None);
        assert!(o.status.success(), "{email} signs: {:?}", text(&o));
        signed = exc;
    }
    let o = rhythm(&["gate", "--release", &stopped], &env, None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "GO WITH EXCEPTIONS exits 0: {out}{err}");
    assert!(out.contains(": GO WITH EXCEPTIONS") && out.contains(&format!("[covered by {signed}]")), "{out}");
}

#[test]
fn the_notify_cli_manages_targets_and_shows_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("rhythm.db").display());
    for (email, role) in [("cto@acme.example", "cto"), ("eng@acme.example", "engineer")] {
        let o = rhythm(
            &["admin", "create-user", "--db", &db, "--email", email, "--role", role, "--password-stdin"],
            &[],
            Some("a long enough passphrase\n"),
        );
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let cto = token(&db, "cto@acme.example", "write");
    let eng = token(&db, "eng@acme.example", "write");

    // An SMTP URL that cannot work is refused before serving, without showing the password.
    let o = rhythm(
        &[
            "serve",
            "--db",
            &db,
            "--listen",
            "127.0.0.1:0",
            "--smtp-url",
            "smtp://ops:hunter2-pw@mail.example?tls=ssl",
            "--mail-from",
            "r@acme.example",
        ],
        &[],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("tls") && !text(&o).1.contains("hunter2"), "{:?}", text(&o));
    let o = rhythm(&["serve", "--db", &db, "--smtp-url", "smtp://mail.example"], &[], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--mail-from"), "{:?}", text(&o));

    let server = Served::start_with(
        &db,
        &[
            "--public-url",
            "https://rhythm.acme.example/",
            "--jobs-interval-secs",
            "5",
            "--webhook-allow",
            "127.0.0.0/8",
        ],
    );
    let env = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", cto.as_str())];
    let secret = "whsec-cli-0123456789abcdef";
    let o = rhythm(
        &[
            "notify",
            "targets",
            "add",
            "--webhook",
            "http://127.0.0.1:9/hook",
            "--secret-stdin",
            "--event",
            "exception.expired",
            "--event",
            "launch_gate.stop",
            "--format",
            "json",
        ],
        &env,
        Some(&format!("{secret}\n")),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!out.contains(secret) && !err.contains(secret));
    let added: Value = serde_json::from_str(&out).unwrap();
    let id = added[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(added[0]["has_secret"], true);

    let o = rhythm(&["notify", "targets", "add", "--email", "ciso@acme.example"], &env, None);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = rhythm(&["notify", "targets", "list", "--format", "csv"], &env, None);
    let (out, _) = text(&o);
    assert!(out.starts_with("id,channel,target,events,format,signed,status\n"), "{out}");
    assert!(
        out.contains("webhook,http://127.0.0.1:9/hook,\"exception.expired, launch_gate.stop\",json,yes,enabled"),
        "{out}"
    );
    assert!(out.contains("email,ciso@acme.example,every event,json,no,enabled"), "{out}");

    // Refusals exit 1 and name the field; a non-admin is refused.
    let o = rhythm(
        &["notify", "targets", "add", "--webhook", "https://h.example/x", "--event", "exception.exploded"],
        &env,
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("events[0]"), "{:?}", text(&o));
    let o = rhythm(
        &["notify", "targets", "add", "--email", "x@acme.example"],
        &[env[0], ("RHYTHM_TOKEN", eng.as_str())],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("CISO or CTO"), "{:?}", text(&o));
    let o = rhythm(&["notify", "targets", "disable", "not-an-id"], &env, None);
    assert_eq!(o.status.code(), Some(2));

    let o = rhythm(&["notify", "targets", "test", &id], &env, None);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = rhythm(&["notify", "outbox", "--format", "json"], &env, None);
    let v: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(v[0]["event"], "notification.test");
    assert_eq!(v[0]["payload"]["url"], "https://rhythm.acme.example/settings/notifications");
    let o = rhythm(&["notify", "targets", "disable", &id, "--format", "json"], &env, None);
    let v: Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(v[0]["disabled"], true);
    let o = rhythm(&["notify", "outbox", "--status", "lost"], &env, None);
    assert_eq!(o.status.code(), Some(1));
}
