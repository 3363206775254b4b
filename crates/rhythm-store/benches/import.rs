//! Scanner-import throughput, database size and peak memory on generated SARIF, on SQLite and
//! PostgreSQL — the figures the ingest issue asks for, printed as findings per second and as
//! ratios against baselines run on the same machine in the same bench run (these machines are
//! noisy): the typed SARIF parse of the same bytes (same process as the import) and a raw
//! `sqlx` insert of N narrow rows (16-byte id + 32-byte key under a unique index, multi-row
//! VALUES, one transaction) into a scratch database of the same backend.
//!
//! `cargo bench -p rhythm-store --bench import` (200,000 findings; `RHYTHM_BENCH_FINDINGS=1000000`
//! for the issue's size; `RHYTHM_BENCH_BACKENDS=sqlite` or `postgres` for one backend — a
//! PostgreSQL that cannot be reached is an error, see `rhythm_store::testing`;
//! `RHYTHM_BENCH_PHASES=first` runs only the first import, for quick iteration).
//!
//! Each import runs in a child process (this binary re-executed with `RHYTHM_BENCH_CHILD`), so
//! its peak RSS (`VmHWM`, reset through `/proc/self/clear_refs` once the file is parsed and its
//! bytes dropped) is its own: the peak of `import_scan` with the parsed scan held. Phases, each
//! asserting its counts: first import into an empty database; re-import of the same file;
//! re-import with 1 % gone and 1 % new; first imports of the same size into other scopes of a
//! database that already holds N and 2N findings (memory must not grow with the database).
#![expect(
    clippy::disallowed_methods,
    reason = "a benchmark reads its settings from the environment and makes its own ids"
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::{Duration, Instant};

use rhythm_domain::{DataTier, Environment, GoldenPath, Role, System, SystemInput};
use rhythm_store::testing::TestDb;
use rhythm_store::{Actor, Backend, Create, ImportFile, ScanTarget, Store};
use sha2::{Digest, Sha256};
use sqlx::Connection as _;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// Distinct rules (a large CodeQL / Semgrep ruleset).
const RULES: usize = 3000;

/// A SARIF log with the results `from..to`: `RULES` rules with short descriptions and
/// security-severity, unique partialFingerprints, locations over 20,000 files, three levels.
/// Result `i` is the same in every file that holds it, so files over overlapping ranges are
/// re-scans of one code base.
fn sarif(from: usize, to: usize) -> Vec<u8> {
    let mut s = String::with_capacity((to - from) * 480 + RULES * 220);
    s.push_str(r#"{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"CodeQL","version":"2.19.0","rules":["#);
    for r in 0..RULES {
        if r > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"id":"js/rule-{r}","name":"Rule{r}","shortDescription":{{"text":"Rule {r}: untrusted data flows to a sensitive sink"}},"fullDescription":{{"text":"Data from a remote source reaches a sink where it can change the program's behaviour (rule {r})."}},"properties":{{"security-severity":"{}.{}","tags":["security","external/cwe/cwe-{}"]}}}}"#,
            r % 10,
            r % 7,
            r % 900
        );
    }
    s.push_str(r#"]}},"results":["#);
    for i in from..to {
        if i > from {
            s.push(',');
        }
        // Spread results over rules unevenly, as real rulesets do.
        let rule = (i.wrapping_mul(2_654_435_761) >> 7) % RULES;
        let level = ["error", "warning", "note"][i % 3];
        let _ = write!(
            s,
            r#"{{"ruleId":"js/rule-{rule}","ruleIndex":{rule},"level":"{level}","message":{{"text":"Untrusted data reaches a sensitive sink in handler {i}."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/module{}/file{}.js","uriBaseId":"%SRCROOT%"}},"region":{{"startLine":{},"startColumn":7}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{:016x}:1"}}}}"#,
            i % 200,
            i % 20_000,
            (i % 900) + 1,
            (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.replace(['_', ','], "").parse().ok()).unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

// ---------------------------------------------------------------------------------------------
// The child: one import phase, its figures printed as one `RESULT key=value …` line.

fn child() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is set by the parent"));
    let url = var("RHYTHM_BENCH_URL");
    let from: usize = var("RHYTHM_BENCH_FROM").parse().expect("from");
    let to: usize = var("RHYTHM_BENCH_TO").parse().expect("to");
    let actor = Actor {
        workspace_id: var("RHYTHM_BENCH_WS").parse().expect("workspace id"),
        user_id: Some(var("RHYTHM_BENCH_USER").parse().expect("user id")),
        label: "ciso@bench.example".into(),
    };
    let system: Uuid = var("RHYTHM_BENCH_SYSTEM").parse().expect("system id");
    let now = OffsetDateTime::from_unix_timestamp(var("RHYTHM_BENCH_NOW").parse().expect("now")).expect("now");
    let rt = runtime();
    rt.block_on(async {
        let store = Store::open(&url, Create::MustExist).await.expect("open the bench database");
        let bytes = sarif(from, to);
        let file = ImportFile::of("sarif", "bench.sarif", &bytes);
        let t = Instant::now();
        let scan = rhythm_ingest::sarif::parse(&bytes).expect("generated SARIF parses");
        let parse = t.elapsed();
        assert_eq!(scan.findings.len(), to - from, "every generated result is a finding");
        let file_mb = bytes.len() as f64 / 1e6;
        drop(bytes);
        let (rss_scan, _) = memory_kib();
        // Reset the high-water mark: from here on it is the import's peak (the scan held).
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let target = ScanTarget { system_id: Some(system), environment: Environment::Production };
        let t = Instant::now();
        let record = store.import_scan(&actor, now, &file, &target, &scan).await.expect("import_scan");
        let import = t.elapsed();
        let (_, hwm) = memory_kib();
        // What the server's background task does next (SQLite; see checkpoint.rs): timed apart,
        // as no request waits for it.
        let t = Instant::now();
        store.checkpoint().await.expect("checkpoint");
        let checkpoint = t.elapsed();
        let c = record.counts;
        println!(
            "RESULT file_mb={file_mb:.1} parse_s={:.4} import_s={:.4} checkpoint_s={:.4} total={} created={} updated={} unchanged={} closed={} reopened={} rss_scan_kib={rss_scan} hwm_kib={hwm} hwm_reset={reset}",
            parse.as_secs_f64(),
            import.as_secs_f64(),
            checkpoint.as_secs_f64(),
            c.total,
            c.created,
            c.updated,
            c.unchanged,
            c.closed,
            c.reopened
        );
        store.close().await;
    });
}

/// What a child reported.
struct Phase(BTreeMap<String, String>);

impl Phase {
    fn f(&self, k: &str) -> f64 {
        self.0.get(k).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("child reported no {k}"))
    }
    fn n(&self, k: &str) -> u64 {
        self.f(k) as u64
    }
}

struct Ctx {
    url: String,
    ws: Uuid,
    user: Uuid,
}

fn run_child(ctx: &Ctx, system: Uuid, from: usize, to: usize, now: OffsetDateTime) -> Phase {
    // Start each phase with the previous phases' writes on disk, not still being written back.
    let _ = std::process::Command::new("sync").status();
    let out = std::process::Command::new(std::env::current_exe().expect("current exe"))
        .env("RHYTHM_BENCH_CHILD", "1")
        .env("RHYTHM_BENCH_URL", &ctx.url)
        .env("RHYTHM_BENCH_WS", ctx.ws.to_string())
        .env("RHYTHM_BENCH_USER", ctx.user.to_string())
        .env("RHYTHM_BENCH_SYSTEM", system.to_string())
        .env("RHYTHM_BENCH_FROM", from.to_string())
        .env("RHYTHM_BENCH_TO", to.to_string())
        .env("RHYTHM_BENCH_NOW", now.unix_timestamp().to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run the import child");
    assert!(out.status.success(), "import child failed: {}", out.status);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).expect("the child prints RESULT");
    Phase(
        line.split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Baselines and sizes, through sqlx directly.

fn narrow_key(i: usize) -> Vec<u8> {
    Sha256::digest((i as u64).to_le_bytes()).to_vec()
}

/// N narrow rows (16-byte id, 32-byte key under a unique index) in one transaction, 500 rows
/// per multi-row INSERT: the floor an import of N findings could reach. With SQLite's
/// checkpoint after it, timed apart as for an import.
async fn narrow_rows(backend: Backend, url: &str, n: usize) -> (Duration, Duration) {
    const ROWS: usize = 500;
    let values =
        |rows: usize| (0..rows).map(|r| format!("(${}, ${})", 2 * r + 1, 2 * r + 2)).collect::<Vec<_>>().join(", ");
    match backend {
        Backend::Sqlite => {
            // The store's own settings (see `Store::open`).
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .expect("SQLite URL")
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", "262144");
            let mut c = sqlx::SqliteConnection::connect_with(&opts).await.expect("scratch SQLite");
            sqlx::query("CREATE TABLE bench_narrow (id BLOB NOT NULL, key BLOB NOT NULL)")
                .execute(&mut c)
                .await
                .expect("create");
            sqlx::query("CREATE UNIQUE INDEX bench_narrow_key ON bench_narrow(key)")
                .execute(&mut c)
                .await
                .expect("index");
            let t = Instant::now();
            let mut tx = c.begin().await.expect("begin");
            for start in (0..n).step_by(ROWS) {
                let rows = ROWS.min(n - start);
                // Plain `?` markers: sqlx resolves numbered SQLite markers in O(markers) each.
                let sql = format!("INSERT INTO bench_narrow (id, key) VALUES {}", vec!["(?, ?)"; rows].join(", "));
                let mut q = sqlx::query(&sql);
                for i in start..start + rows {
                    q = q.bind(Uuid::now_v7()).bind(narrow_key(i));
                }
                q.execute(&mut *tx).await.expect("insert");
            }
            tx.commit().await.expect("commit");
            let insert = t.elapsed();
            let t = Instant::now();
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut c).await.expect("checkpoint");
            (insert, t.elapsed())
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("scratch PostgreSQL");
            sqlx::query("CREATE TABLE bench_narrow (id UUID NOT NULL, key BYTEA NOT NULL)")
                .execute(&mut c)
                .await
                .expect("create");
            sqlx::query("CREATE UNIQUE INDEX bench_narrow_key ON bench_narrow(key)")
                .execute(&mut c)
                .await
                .expect("index");
            let t = Instant::now();
            let mut tx = c.begin().await.expect("begin");
            for start in (0..n).step_by(ROWS) {
                let rows = ROWS.min(n - start);
                let sql = format!("INSERT INTO bench_narrow (id, key) VALUES {}", values(rows));
                let mut q = sqlx::query(&sql);
                for i in start..start + rows {
                    q = q.bind(Uuid::now_v7()).bind(narrow_key(i));
                }
                q.execute(&mut *tx).await.expect("insert");
            }
            tx.commit().await.expect("commit");
            (t.elapsed(), Duration::ZERO)
        }
    }
}

/// The database's size in bytes and its largest tables / indexes.
struct Size {
    total: u64,
    parts: Vec<(String, u64)>,
}

async fn size(backend: Backend, url: &str) -> Size {
    match backend {
        Backend::Sqlite => {
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).expect("SQLite URL");
            let mut c = sqlx::SqliteConnection::connect_with(&opts).await.expect("SQLite");
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut c).await.expect("checkpoint");
            let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&mut c).await.expect("page_count");
            let page: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&mut c).await.expect("page_size");
            let parts: Vec<(String, i64)> =
                sqlx::query_as("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 10")
                    .fetch_all(&mut c)
                    .await
                    .unwrap_or_else(|e| vec![(format!("(dbstat unavailable: {e})"), 0)]);
            c.close().await.ok();
            Size { total: (pages * page) as u64, parts: parts.into_iter().map(|(n, s)| (n, s as u64)).collect() }
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("PostgreSQL");
            let total: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(&mut c)
                .await
                .expect("pg_database_size");
            let mut parts: Vec<(String, i64)> = sqlx::query_as(
                "SELECT c.relname::text || CASE c.relkind WHEN 'i' THEN ' (index)' ELSE ' (heap+toast)' END, \
                 CASE c.relkind WHEN 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END \
                 FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace \
                 WHERE s.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 2 DESC LIMIT 10",
            )
            .fetch_all(&mut c)
            .await
            .expect("relation sizes");
            let ingest: i64 = sqlx::query_scalar(
                "SELECT (pg_total_relation_size('findings') + pg_total_relation_size('finding_events') \
                 + pg_total_relation_size('advisories'))::bigint",
            )
            .fetch_one(&mut c)
            .await
            .expect("pg_total_relation_size");
            parts.insert(0, ("findings + finding_events + advisories (total relation size)".into(), ingest));
            c.close().await.ok();
            Size { total: total as u64, parts: parts.into_iter().map(|(n, s)| (n, s as u64)).collect() }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The parent: one backend.

fn rate(n: u64, secs: f64) -> String {
    let r = (n as f64 / secs).round() as u64;
    let s = r.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn bench_backend(backend: Backend, n: usize, lines: &mut Vec<String>) {
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let rt = runtime();
    let (db, ctx, systems) = rt.block_on(async {
        let db = TestDb::new(backend).await;
        let now = datetime!(2026-03-02 09:30:00 UTC);
        let ws = db.store.create_workspace("Bench", now).await.expect("workspace");
        let system_actor = Actor::system(ws.id);
        let ciso = db
            .store
            .create_user(&system_actor, "ciso@bench.example", "Casey Ciso", Role::Ciso, None, now)
            .await
            .expect("user");
        let actor = Actor { workspace_id: ws.id, user_id: Some(ciso.id), label: ciso.email.clone() };
        let mut systems = Vec::new();
        for s in ["payments-api", "ledger", "checkout-web"] {
            let input = SystemInput {
                name: s.into(),
                owner_team: "Platform".into(),
                tier: DataTier::Internal,
                golden_paths: GoldenPath::ALL.to_vec(),
                ..Default::default()
            };
            systems.push(db.store.create(&actor, now, |x| System::create(input, x)).await.expect("system").id);
        }
        let ctx = Ctx { url: db.url.clone(), ws: ws.id, user: ciso.id };
        (db, ctx, systems)
    });
    let t0 = datetime!(2026-03-02 10:00:00 UTC);
    let hour = time::Duration::hours(1);
    let empty = rt.block_on(size(backend, &ctx.url));

    let narrow = rt.block_on(async {
        let scratch = TestDb::new(backend).await;
        narrow_rows(backend, &scratch.url, n).await
    });
    let (narrow_s, narrow_checkpoint_s) = (narrow.0.as_secs_f64(), narrow.1.as_secs_f64());
    let nn = n as u64;
    let pct = n / 100;

    // 1. First import into the empty database.
    eprintln!("[{name}] first import of {n} findings …");
    let first = run_child(&ctx, systems[0], 0, n, t0);
    assert_eq!((first.n("total"), first.n("created")), (nn, nn), "first import creates every finding");
    let after_first = rt.block_on(size(backend, &ctx.url));
    lines.push(format!(
        "{name:8} baseline: {n} narrow rows (16 B id + 32 B key, unique index, one transaction) {:.2} s = {} rows/s (then checkpoint {:.2} s)",
        narrow_s,
        rate(nn, narrow_s),
        narrow_checkpoint_s,
    ));
    // The issue's targets are for a machine whose narrow floor is 270,000 rows/s: as ratios to
    // the floor they hold on any machine (first import 20 s = 5.4x, stretch 8 s = 2.2x,
    // re-import 10 s = 2.7x, all for 1M findings).
    let floor_s = 1_000_000.0 / 270_000.0;
    let vs_floor = |p: &Phase| (p.f("parse_s") + p.f("import_s")) / narrow_s;
    lines.push(format!(
        "{name:8} first import / narrow floor: {:.1}x (target {:.1}x, stretch {:.1}x)",
        vs_floor(&first),
        20.0 / floor_s,
        8.0 / floor_s
    ));

    if std::env::var("RHYTHM_BENCH_PHASES").is_ok_and(|p| p.trim() == "first") {
        drop(db);
        lines.push(format!(
            "{name:8} first import {n} findings (parse + import) {:.2} s = {} findings/s (import_scan {:.2} s = {:.1}x narrow rows; parse {:.2} s; then checkpoint {:.2} s); {:.0} bytes/finding; peak RSS {}",
            first.f("parse_s") + first.f("import_s"),
            rate(nn, first.f("parse_s") + first.f("import_s")),
            first.f("import_s"),
            first.f("import_s") / narrow_s,
            first.f("parse_s"),
            first.f("checkpoint_s"),
            (after_first.total.saturating_sub(empty.total)) as f64 / n as f64,
            mib(first.n("hwm_kib")),
        ));
        return;
    }

    // 2. The same file again.
    eprintln!("[{name}] re-import unchanged …");
    let again = run_child(&ctx, systems[0], 0, n, t0 + hour);
    assert_eq!(
        (again.n("unchanged"), again.n("created"), again.n("updated"), again.n("closed")),
        (nn, 0, 0, 0),
        "re-import of the same file: all unchanged"
    );

    // 3. 1 % fixed, 1 % new.
    eprintln!("[{name}] re-import with 1 % gone and 1 % new …");
    let changed = run_child(&ctx, systems[0], pct, n + pct, t0 + hour * 2);
    assert_eq!(
        (changed.n("unchanged"), changed.n("created"), changed.n("closed"), changed.n("reopened")),
        ((n - pct) as u64, pct as u64, pct as u64, 0),
        "re-import with 1 % changed"
    );

    // 4. Other scopes, with N and then 2N findings already in the database.
    eprintln!("[{name}] first import into a second scope (database holds {n}) …");
    let second = run_child(&ctx, systems[1], 0, n, t0 + hour * 3);
    assert_eq!(second.n("created"), nn);
    eprintln!("[{name}] first import into a third scope (database holds {}) …", 2 * n);
    let third = run_child(&ctx, systems[2], 0, n, t0 + hour * 4);
    assert_eq!(third.n("created"), nn);
    let after_all = rt.block_on(size(backend, &ctx.url));
    drop(db);

    let fs = |p: &Phase| p.f("parse_s") + p.f("import_s");
    let row = |label: &str, p: &Phase, total: bool| {
        let secs = if total { fs(p) } else { p.f("import_s") };
        format!(
            "{name:8} {label:<44} {:>6.2} s {:>9} findings/s   (import_scan {:.2} s; parse alone {:.2} s: import_scan/parse {:.1}x; import_scan/narrow rows {:.1}x; then checkpoint {:.2} s)",
            secs,
            rate(nn, secs),
            p.f("import_s"),
            p.f("parse_s"),
            p.f("import_s") / p.f("parse_s"),
            p.f("import_s") / narrow_s,
            p.f("checkpoint_s"),
        )
    };
    lines.push(format!(
        "{name:8} baseline: typed SARIF parse of {n} results ({:.0} MB) {:.2} s = {} results/s (first-import child)",
        first.f("file_mb"),
        first.f("parse_s"),
        rate(nn, first.f("parse_s"))
    ));
    lines.push(row(&format!("first import {n} findings (parse + import)"), &first, true));
    lines.push(row(&format!("re-import {n} unchanged (parse + import)"), &again, true));
    lines.push(format!(
        "{name:8} re-import unchanged / narrow floor: {:.1}x (target {:.1}x)",
        vs_floor(&again),
        10.0 / floor_s
    ));
    lines.push(format!(
        "{}   counts: unchanged {} created {} closed {}",
        row("re-import 1% gone + 1% new (parse + import)", &changed, true),
        changed.n("unchanged"),
        changed.n("created"),
        changed.n("closed")
    ));
    lines.push(row(&format!("first import, 2nd scope (db holds {n})"), &second, true));
    lines.push(row(&format!("first import, 3rd scope (db holds {})", 2 * n), &third, true));
    let per = |s: &Size, findings: usize| (s.total.saturating_sub(empty.total)) as f64 / findings as f64;
    lines.push(format!(
        "{name:8} size: empty migrated db {:.1} MB; after first import {:.1} MB = {:.0} bytes/finding; after all phases ({} findings, {} events) {:.1} MB = {:.0} bytes/finding",
        empty.total as f64 / 1e6,
        after_first.total as f64 / 1e6,
        per(&after_first, n),
        3 * n + pct,
        4 * n + 3 * pct,
        after_all.total as f64 / 1e6,
        per(&after_all, 3 * n + pct),
    ));
    for (label, s, findings) in [("after first import", &after_first, n), ("after all phases", &after_all, 3 * n + pct)]
    {
        lines.push(format!("{name:8} size breakdown {label}:"));
        for (part, bytes) in &s.parts {
            lines.push(format!(
                "{name:8}     {part:<64} {:>9.1} MB {:>6.0} bytes/finding",
                *bytes as f64 / 1e6,
                *bytes as f64 / findings as f64
            ));
        }
    }
    let reset = first.0.get("hwm_reset").is_some_and(|v| v == "true");
    for (label, p) in [
        ("first import, empty db", &first),
        ("re-import unchanged", &again),
        ("re-import 1% changed", &changed),
        (&*format!("first import, db holds {n}"), &second),
        (&*format!("first import, db holds {}", 2 * n), &third),
    ] {
        lines.push(format!(
            "{name:8} peak RSS {label:<32} {:>9} (parsed scan held before import: {}; import's own: {}){}",
            mib(p.n("hwm_kib")),
            mib(p.n("rss_scan_kib")),
            mib(p.n("hwm_kib").saturating_sub(p.n("rss_scan_kib"))),
            if reset { "" } else { " [VmHWM not reset: includes generation and parse]" }
        ));
    }
}

fn main() {
    if std::env::var_os("RHYTHM_BENCH_CHILD").is_some() {
        child();
        return;
    }
    let n = env_usize("RHYTHM_BENCH_FINDINGS", 200_000).max(100);
    let backends = std::env::var("RHYTHM_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut lines = Vec::new();
    for b in backends.split(',').map(str::trim).filter(|b| !b.is_empty()) {
        let backend = match b {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            other => panic!("RHYTHM_BENCH_BACKENDS: unknown backend {other:?} (sqlite, postgres)"),
        };
        bench_backend(backend, n, &mut lines);
    }
    println!();
    println!(
        "import bench: {n} generated SARIF findings, {RULES} rules (targets at 1M: first import <= 20 s (stretch 8 s) = 50,000 (125,000) findings/s; re-import <= 10 s = 100,000 findings/s; <= 600 bytes/finding)"
    );
    for l in lines {
        println!("{l}");
    }
}
