//! A typical CI upload, end to end: `POST /api/v1/imports` of a 10,000-finding SARIF file to
//! a real server on a random port (over a real SQLite file, and PostgreSQL), measured from
//! the client: the first upload (all new), then repeated uploads of the next build's file
//! (1 % fixed, 1 % new, the rest unchanged), reporting p50 / p95 / max. Baseline in the same
//! process: parsing the same bytes alone (`rhythm_ingest::sarif::parse`), so the ratio
//! compares across noisy machines.
//!
//! `cargo bench -p rhythm-server --bench upload`
//! (`RHYTHM_BENCH_FINDINGS=10000`, `RHYTHM_BENCH_UPLOADS=40`, `RHYTHM_BENCH_BACKENDS=sqlite,postgres`;
//! PostgreSQL from `RHYTHM_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres).
#![expect(
    clippy::disallowed_methods,
    reason = "a benchmark reads its settings from the environment and stamps real times"
)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rhythm_domain::{DataTier, Role, System, SystemInput};
use rhythm_server::{AppState, Config};
use rhythm_store::testing::TestDb;
use rhythm_store::{Actor, Backend, NewToken, TokenScope};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A CodeQL-like SARIF log of `n` results; `build` shifts 1 % of the fingerprints per build
/// (those are fixed in this build, and as many new ones appear).
fn sarif(n: usize, build: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 420);
    s.push_str(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL","rules":["#);
    for r in 0..200 {
        if r > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"id":"js/rule-{r}","shortDescription":{{"text":"Rule {r} found untrusted data in a sensitive sink"}},"properties":{{"security-severity":"{}.{}"}}}}"#,
            r % 10,
            r % 7
        );
    }
    s.push_str(r#"]}},"results":["#);
    let churn = n / 100;
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        // The first `churn` results are renumbered every build: fixed, and new ones appear.
        let id = if i < churn { (build + 1) * 10_000_000 + i } else { i };
        let _ = write!(
            s,
            r#"{{"ruleId":"js/rule-{}","level":"{}","message":{{"text":"Untrusted data reaches a sink in handler {id}."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/m{}/f{}.js"}},"region":{{"startLine":{}}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{:016x}:1"}}}}"#,
            i % 200,
            ["error", "warning", "note"][i % 3],
            i % 50,
            i % 3000,
            i % 900 + 1,
            (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run(backend: Backend, n: usize, uploads: usize) {
    let db = TestDb::new(backend).await;
    let store = db.store.clone();
    let now = time::OffsetDateTime::now_utc();
    let ws = store.create_workspace("Bench", now).await.unwrap();
    let system = Actor::system(ws.id);
    let user = store.create_user(&system, "ci@bench.example", "CI", Role::SecurityLead, None, now).await.unwrap();
    let (token, prefix, token_hash) = rhythm_server::auth::new_api_token();
    store
        .create_token(
            &system,
            NewToken {
                user_id: user.id,
                name: "ci".into(),
                prefix,
                token_hash,
                scope: TokenScope::Write,
                expires_at: None,
            },
            now,
        )
        .await
        .unwrap();
    let actor = Actor { workspace_id: ws.id, user_id: Some(user.id), label: user.email.clone() };
    let input = SystemInput {
        name: "payments-api".into(),
        owner_team: "Payments".into(),
        tier: DataTier::Internal,
        ..Default::default()
    };
    store.create(&actor, now, |new| System::create(input, new)).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/api/v1/imports?format=sarif&system=payments-api&file_name=codeql.sarif",
        listener.local_addr().unwrap()
    );
    let state = AppState::new(store, Config::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        rhythm_server::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    let http = reqwest::Client::new();
    let files: Vec<Vec<u8>> = (0..=uploads).map(|b| sarif(n, b)).collect();

    // Baseline: the parse alone, best of 5, on the same bytes.
    let parse = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(rhythm_ingest::sarif::parse(&files[0]).unwrap());
            t.elapsed()
        })
        .min()
        .unwrap();

    let post = |body: Vec<u8>| {
        let req = http.post(&url).bearer_auth(&token).header("content-type", "application/json").body(body);
        async move {
            let t = Instant::now();
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let v: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(status, reqwest::StatusCode::CREATED, "{v}");
            (t.elapsed(), v)
        }
    };
    let (first, v) = post(files[0].clone()).await;
    assert_eq!(v["counts"]["created"].as_u64(), Some(n as u64), "{v}");
    let mut times = Vec::with_capacity(uploads);
    for body in files.iter().skip(1) {
        let (d, v) = post(body.clone()).await;
        let churn = (n / 100) as u64;
        assert_eq!(
            (v["counts"]["created"].as_u64(), v["counts"]["closed"].as_u64()),
            (Some(churn), Some(churn)),
            "{v}"
        );
        times.push(d);
    }
    times.sort();
    let p95 = pct(&times, 0.95);
    println!(
        "{:<8} upload of {n} findings: first {:.0} ms; next builds ({uploads} uploads, 1% churn) p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms \
         | parse alone {:.0} ms, p95 = {:.1}× parse | {:.1} MiB per file",
        format!("{backend:?}").to_lowercase(),
        ms(first),
        ms(pct(&times, 0.5)),
        ms(p95),
        ms(*times.last().unwrap()),
        ms(parse),
        p95.as_secs_f64() / parse.as_secs_f64(),
        files[0].len() as f64 / (1024.0 * 1024.0),
    );
    let _ = stop.send(());
    server.await.unwrap();
}

fn main() {
    let n = env_usize("RHYTHM_BENCH_FINDINGS", 10_000);
    let uploads = env_usize("RHYTHM_BENCH_UPLOADS", 40);
    let backends = std::env::var("RHYTHM_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for b in backends.split(',').map(str::trim) {
        let backend = match b {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("unknown backend '{other}' in RHYTHM_BENCH_BACKENDS"),
        };
        rt.block_on(run(backend, n, uploads));
    }
}
