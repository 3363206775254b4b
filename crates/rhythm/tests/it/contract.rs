//! The API against its own OpenAPI document: Schemathesis (from PyPI, installed by
//! `scripts/test.sh`; its path in `RHYTHM_TEST_SCHEMATHESIS`) generates requests from the
//! served document — valid ones, invalid ones, every documented and undocumented method — with
//! a write token of the demo company's CISO, and checks every answer: no 5xx, only documented
//! statuses and content types, bodies that match their schemas, invalid input refused, valid
//! input accepted (or refused with 422 for a rule a schema cannot state; see
//! `tests/schemathesis/schemathesis.toml`).
//!
//! Bounded here (`-n 10`, three phases); `RHYTHM_CONTRACT_LONG=1` runs 200 examples per
//! operation and the stateful phase too.

use std::path::PathBuf;
use std::process::Command;

use rhythm_domain::Role;
use rhythm_server::{AppState, Config};
use rhythm_store::testing::TestDb;
use rhythm_store::{Actor, Backend, NewToken, TokenScope};
use time::macros::date;

#[expect(clippy::disallowed_methods, reason = "the test harness's own setting (scripts/test.sh exports it)")]
fn schemathesis() -> PathBuf {
    let path = std::env::var_os("RHYTHM_TEST_SCHEMATHESIS").filter(|v| !v.is_empty()).map(PathBuf::from);
    let path = path.unwrap_or_else(|| {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/schemathesis/bin/schemathesis"))
    });
    assert!(
        path.is_file(),
        "the contract test needs Schemathesis, but {} does not exist. Set RHYTHM_TEST_SCHEMATHESIS, or install it \
         with `RHYTHM_TEST_SETUP_ONLY=1 bash scripts/test.sh`.",
        path.display()
    );
    path
}

#[expect(clippy::disallowed_methods, reason = "the test harness's own settings: the long run and the artifacts folder")]
async fn contract(backend: Backend) {
    let st = schemathesis();
    let db = TestDb::new(backend).await;
    let seeded = rhythm::seed::seed(&db.store, 42, date!(2026 - 11 - 26), "not-a-real-hash").await.unwrap();
    let ws = seeded.workspace_id;
    let ciso = db.store.users(ws).await.unwrap().into_iter().find(|u| u.role == Role::Ciso).unwrap();
    let (token, prefix, token_hash) = rhythm_server::auth::new_api_token();
    let now = rhythm_server::clock::Clock::now(&rhythm_server::clock::SystemClock);
    db.store
        .create_token(
            &Actor::system(ws),
            NewToken {
                user_id: ciso.id,
                name: "contract".into(),
                prefix,
                token_hash,
                scope: TokenScope::Write,
                expires_at: None,
            },
            now,
        )
        .await
        .unwrap();
    let state = AppState::new(db.store.clone(), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rhythm_server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let long = std::env::var_os("RHYTHM_CONTRACT_LONG").is_some_and(|v| v == "1");
    let (examples, phases) =
        if long { ("200", "examples,coverage,fuzzing,stateful") } else { ("10", "examples,coverage,fuzzing") };
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/schemathesis/schemathesis.toml");
    let artifacts = std::env::var("RHYTHM_TEST_ARTIFACTS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../artifacts").to_owned());
    let report = format!("{artifacts}/schemathesis-{backend:?}");
    std::fs::create_dir_all(&artifacts).unwrap();
    let run = tokio::task::spawn_blocking({
        let (st, base, artifacts) = (st.clone(), base.clone(), artifacts.clone());
        move || {
            Command::new(st)
                .args(["--config-file", config, "run", &format!("{base}/api/openapi.json")])
                .args(["--header", &format!("Authorization: Bearer {token}")])
                .args(["--max-examples", examples, "--phases", phases, "--workers", "1", "--seed", "20261203"])
                .args(["--generation-database", "none", "--no-color", "--request-timeout", "30"])
                // One worker: with two, CPython 3.11's parser sometimes fails inside Hypothesis
                // ("AST constructor recursion depth mismatch"), an error of the tool, not of the
                // API. Revoking its own token would end the run's authentication (revocation has
                // its own tests).
                .args(["--exclude-path-regex", "/revoke$"])
                .args(["--report", "junit", "--report-dir", &report])
                // Its cache (`.schemathesis/`) goes beside the report, not into the source tree.
                .current_dir(&artifacts)
                .output()
                .expect("run schemathesis")
        }
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    let summary = out.lines().rev().find(|l| l.contains(" in ") && l.starts_with('=')).unwrap_or("");
    assert!(
        run.status.success() && !out.contains("❌"),
        "Schemathesis found disagreements between the API and its document ({summary}):\n{out}\n{err}"
    );
    let generated = out
        .lines()
        .find(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains(" generated"))
        .unwrap_or("");
    println!("schemathesis on {backend:?}: {} {summary}", generated.trim());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_to_its_openapi_document_on_sqlite() {
    contract(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_to_its_openapi_document_on_postgres() {
    contract(Backend::Postgres).await;
}
