//! `rhythm exception …` against a real `rhythm serve`: request with flags (owners by e-mail),
//! the inbox, both signatures, refusals with exit 1, errors with exit 2.

use rhythm_store::Backend;
use rhythm_store::testing::TestDb;
use serde_json::Value;

use crate::cli::{Served, rhythm, text, token};

#[expect(clippy::disallowed_methods, reason = "dates relative to today, as a live server judges them")]
fn date_in(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

fn json_of(o: &std::process::Output) -> Value {
    let (out, err) = text(o);
    assert!(o.status.success(), "{out}\n{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn exception_cycle(db: &str) {
    for (email, role) in [("ciso@acme.example", "ciso"), ("cto@acme.example", "cto"), ("dev@acme.example", "engineer")]
    {
        let o = rhythm(
            &["admin", "create-user", "--db", db, "--email", email, "--role", role, "--password-stdin"],
            &[],
            Some("a long enough passphrase\n"),
        );
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let (ciso, cto, dev) = (
        token(db, "ciso@acme.example", "write"),
        token(db, "cto@acme.example", "write"),
        token(db, "dev@acme.example", "write"),
    );
    let server = Served::start(db);
    let as_ = |t: &str| [("RHYTHM_SERVER", server.url.clone()), ("RHYTHM_TOKEN", t.to_owned())];
    let run = |t: &str, args: &[&str]| {
        let env = as_(t);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        rhythm(args, &env, None)
    };

    let sys = json_of(&run(
        &ciso,
        &[
            "system",
            "add",
            "--set",
            "name=payments-api",
            "--set",
            "owner_team=Payments",
            "--set",
            "tier=restricted",
            "--format",
            "json",
        ],
    ));
    let risk = json_of(&run(
        &ciso,
        &[
            "risk",
            "add",
            "--set",
            "statement=Legacy TLS 1.0 endpoint still serves the old app.",
            "--set",
            "impact=3",
            "--set",
            "likelihood=2",
            "--set",
            "found_stage=production",
            "--format",
            "json",
        ],
    ));
    let (starts, expires) = (date_in(0), date_in(30));
    let request = |t: &str, reason: &str| {
        run(
            t,
            &[
                "exception",
                "request",
                "--title",
                "Keep TLS 1.0 for the legacy app",
                "--reason",
                reason,
                "--scope",
                "api-legacy only",
                "--system",
                sys["id"].as_str().unwrap(),
                "--users-impacted",
                "Field staff",
                "--starts",
                &starts,
                "--expires",
                &expires,
                "--control",
                "WAF rule",
                "--control",
                "Alerting",
                "--risk",
                risk["id"].as_str().unwrap(),
                "--engineering-owner",
                "cto@acme.example",
                "--security-owner",
                "ciso@acme.example",
                "--format",
                "json",
            ],
        )
    };
    // A reason that is no business reason: refused (exit 1), naming the field.
    let o = request(&dev, "Too much work");
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("business_reason"), "{:?}", text(&o));

    let e = json_of(&request(&dev, "Two enterprise customers ship the old app to field staff until January."));
    assert_eq!((e["number"].as_i64(), e["status"].as_str()), (Some(1), Some("requested")), "{e}");
    assert_eq!(e["compensating_controls"], serde_json::json!(["WAF rule", "Alerting"]));

    let o = run(&cto, &["exception", "inbox", "--format", "csv"]);
    let (out, _) = text(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("ref,awaiting_side,status,starts_on,expires_on,review_on,title,id"), "{out}");
    assert!(lines.next().unwrap().starts_with("EXC-1,engineering,requested,"), "{out}");
    assert_eq!(lines.next(), None);
    let o = run(&dev, &["exception", "inbox", "--format", "json"]);
    assert_eq!(json_of(&o), serde_json::json!([]));

    // The CTO owns the engineering side: signing the security side is refused (403 → exit 1).
    let o = run(&cto, &["exception", "sign", "EXC-1", "--side", "security", "--approve"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("different person"), "{:?}", text(&o));
    let o = run(&cto, &["exception", "sign", "EXC-1", "--side", "engineering", "--approve", "--note", "Short box"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).1.contains("EXC-1 is requested"), "{:?}", text(&o));
    let v =
        json_of(&run(&ciso, &["exception", "sign", "EXC-1", "--side", "security", "--approve", "--format", "json"]));
    assert_eq!(v["status"], "approved", "{v}");
    assert!(v["review_item_id"].is_string());

    let o = run(&dev, &["exception", "list", "--status", "approved", "--format", "csv"]);
    assert!(text(&o).0.lines().nth(1).unwrap_or("").starts_with("EXC-1,approved,"), "{:?}", text(&o));
    let o = run(&dev, &["exception", "show", "EXC-99"]);
    assert_eq!(o.status.code(), Some(1), "not found is exit 1");
    let o = run(&dev, &["exception", "list", "--filter", "colour=red"]);
    assert_eq!(o.status.code(), Some(2), "a bad request is an error");

    // An edit of the dates voids the signatures; the requester can then withdraw it.
    let v = json_of(&run(&dev, &["exception", "edit", "EXC-1", "--expires", &date_in(20), "--format", "json"]));
    assert_eq!(v["status"], "requested", "{v}");
    assert!(v["signatures"]["engineering"].is_null());
    let o = run(&cto, &["exception", "withdraw", "EXC-1"]);
    assert_eq!(o.status.code(), Some(1), "only the requester withdraws");
    let v = json_of(&run(&dev, &["exception", "withdraw", "EXC-1", "--format", "json"]));
    assert_eq!(v["status"], "withdrawn");

    // An extension from a file, superseding the first.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("request.json");
    let body = serde_json::json!({
        "title": "Extend TLS 1.0", "business_reason": "The January rollout slipped to February for one customer.",
        "scope": "api-legacy only", "starts_on": date_in(1), "expires_on": date_in(40),
        "compensating_controls": ["WAF rule"], "risk_ids": [risk["id"]],
        "users_impacted": "Field staff of one customer",
    });
    std::fs::write(&file, body.to_string()).unwrap();
    let v = json_of(&run(
        &dev,
        &[
            "exception",
            "request",
            "--file",
            file.to_str().unwrap(),
            "--supersedes",
            "EXC-1",
            "--organization-wide",
            "--engineering-owner",
            "cto@acme.example",
            "--security-owner",
            "ciso@acme.example",
            "--format",
            "json",
        ],
    ));
    assert_eq!((v["number"].as_i64(), &v["supersedes"]), (Some(2), &e["id"]), "{v}");
    assert_eq!(v["organization_wide"], true, "{v}");
    let o = run(
        &dev,
        &["exception", "request", "--file", file.to_str().unwrap(), "--engineering-owner", "nobody@acme.example"],
    );
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("nobody@acme.example"), "{:?}", text(&o));
}

#[test]
fn exceptions_from_the_cli_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("rhythm.db").display());
    exception_cycle(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceptions_from_the_cli_on_postgres() {
    let test_db = TestDb::new(Backend::Postgres).await;
    let url = test_db.url.clone();
    tokio::task::spawn_blocking(move || exception_cycle(&url)).await.unwrap();
}
