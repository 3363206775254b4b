//! `rhythm serve` and `rhythm demo`.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use rhythm_server::jobs::JobsConfig;
use rhythm_server::notify::{Mailer, NotifyConfig, SmtpConfig};
use rhythm_server::{AppState, Config};
use rhythm_store::{Create, Store};
use time::Duration;
use tracing_subscriber::EnvFilter;

use crate::Failure;
use crate::args::{DemoArgs, ServeArgs};

fn init_logs(json: bool) {
    let filter =
        EnvFilter::try_from_env("RHYTHM_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::error(format!("cannot start the runtime: {e}")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn run_server(store: Store, config: Config, listen: std::net::SocketAddr) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::error(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| Failure::error(e.to_string()))?;
    tracing::info!(address = %bound, backend = ?store.backend(), "Rhythm is serving");
    // Each workspace's audit head goes into the log at every start: a copy outside the
    // database that a later `rhythm admin verify-audit --expect-head` can check against.
    for ws in store.workspaces().await.unwrap_or_default() {
        if let Ok(Some(head)) = store.audit_head(ws.id).await {
            tracing::info!(workspace = %ws.id, seq = head.seq, hash = %head.hash, "audit chain head");
        }
    }
    let state = AppState::new(store.clone(), config);
    rhythm_server::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| Failure::error(format!("server error: {e}")))?;
    store.close().await;
    Ok(())
}

pub fn serve(a: ServeArgs) -> Result<(), Failure> {
    init_logs(a.log_json);
    if a.session_idle_minutes < 1 || a.session_hours < 1 {
        return Err(Failure::error("session timeouts must be at least one minute and one hour"));
    }
    let config = Config {
        secure_cookies: a.secure_cookies,
        session_idle: Duration::minutes(a.session_idle_minutes),
        session_absolute: Duration::hours(a.session_hours),
        public_url: a.public_url.as_deref().map(public_url).transpose()?,
        jobs: jobs_config(&a)?,
        max_import_bytes: a.max_import_mb as usize * 1024 * 1024,
        tracker_mapping: tracker_mapping(a.tracker_mapping.as_deref())?,
        webhook_reach: rhythm_server::notify::webhook::Reach::new(a.webhook_allow.clone()),
        trust_forwarded_for: a.trust_forwarded_for,
        ..Config::default()
    };
    if !a.secure_cookies && !a.listen.ip().is_loopback() {
        tracing::warn!(
            "serving on a non-loopback address without --secure-cookies: put Rhythm behind HTTPS and set it"
        );
    }
    runtime()?.block_on(async move {
        let store = Store::open(&a.db, Create::MustExist).await.map_err(|e| Failure::error(e.to_string()))?;
        run_server(store, config, a.listen).await
    })
}

/// `--public-url`: an http(s) address with a host, kept without a trailing slash.
/// The tracker mapping from a TOML file, checked at start-up (errors name the line).
fn tracker_mapping(path: Option<&std::path::Path>) -> Result<rhythm_ingest::tracker::TrackerMapping, Failure> {
    let Some(path) = path else { return Ok(rhythm_ingest::tracker::TrackerMapping::default()) };
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure::error(format!("cannot read {}: {e}", path.display())))?;
    rhythm_ingest::tracker::TrackerMapping::from_toml(&text)
        .map_err(|e| Failure::error(format!("{}: {e}", path.display())))
}

fn public_url(url: &str) -> Result<String, Failure> {
    let trimmed = url.trim().trim_end_matches('/');
    let host = trimmed.split_once("://").map_or("", |(_, rest)| rest);
    if !(trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        || host.is_empty()
        || host.contains(['?', '#'])
    {
        return Err(Failure::error(format!(
            "--public-url must be the http:// or https:// address people open Rhythm at; got '{}'",
            rhythm_store::redact_url(url)
        )));
    }
    Ok(trimmed.to_owned())
}

/// The background jobs of `rhythm serve`, or none with `--no-jobs`. An SMTP setting that cannot
/// work is refused here, before anything is served; the password never appears in a message.
fn jobs_config(a: &ServeArgs) -> Result<Option<JobsConfig>, Failure> {
    let smtp = match (&a.smtp_url, &a.mail_from) {
        (Some(url), from) => {
            let smtp = SmtpConfig::from_url(&url.0, from.as_deref().unwrap_or("")).map_err(Failure::error)?;
            let defaults = NotifyConfig::default();
            Mailer::new(&smtp, defaults.smtp_timeout).map_err(|e| Failure::error(e.to_string()))?;
            Some(smtp)
        }
        (None, Some(_)) => return Err(Failure::error("--mail-from needs --smtp-url (RHYTHM_SMTP_URL)")),
        (None, None) => None,
    };
    if !(1..=86_400).contains(&a.jobs_interval_secs) {
        return Err(Failure::error("--jobs-interval-secs must be between 1 and 86400"));
    }
    if a.no_jobs {
        return Ok(None);
    }
    if let Some(s) = &smtp {
        tracing::info!(host = %s.host, port = s.port, tls = ?s.tls, "e-mail notifications go through this SMTP relay");
    } else {
        tracing::info!("no SMTP relay (--smtp-url): e-mail notifications will fail and show in the outbox");
    }
    Ok(Some(JobsConfig {
        notify: NotifyConfig { smtp, ..NotifyConfig::default() },
        governance_interval: std::time::Duration::from_secs(a.jobs_interval_secs),
    }))
}

/// Makes a password a person can type: four groups of five letters and digits.
fn demo_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..4)
        .map(|_| (0..5).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[expect(clippy::disallowed_methods, reason = "the demo company is generated around today")]
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub fn demo(a: DemoArgs) -> Result<(), Failure> {
    init_logs(false);
    std::fs::create_dir_all(&a.data_dir).with_context(|| format!("cannot create {}", a.data_dir.display()))?;
    let db_path = a.data_dir.join("rhythm.db");
    if a.reset {
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{}{suffix}", db_path.display());
            if Path::new(&p).exists() {
                std::fs::remove_file(&p).with_context(|| format!("cannot remove {p}"))?;
            }
        }
    }
    let url = format!("sqlite://{}", db_path.display());
    runtime()?.block_on(async move {
        let store = Store::open(&url, Create::IfMissing).await.map_err(|e| Failure::error(e.to_string()))?;
        let existing = store.workspaces().await.map_err(|e| Failure::error(e.to_string()))?;
        let base = format!("http://{}", a.listen);
        if existing.is_empty() {
            let started = Instant::now();
            let password = demo_password();
            let hash = rhythm_server::auth::hash_password(password.clone()).await.map_err(|e| Failure::error(e.to_string()))?;
            let seeded = rhythm::seed::seed(&store, a.seed, today(), &hash).await.map_err(|e| Failure::error(format!("seeding the demo failed: {e}")))?;
            let mut counts: Vec<_> = seeded.counts.iter().collect();
            counts.sort();
            println!("\nCreated the demo workspace in {} ms ({}).", started.elapsed().as_millis(), counts.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", "));
            println!("\n  Open      {base}");
            println!("  Password  {password}   (the same for every demo account; shown only now)\n");
            for acc in seeded.accounts.iter().take(11) {
                println!("  {:<34} {}", acc.email, acc.role.label());
            }
            if let Some(r) = &seeded.stopped {
                println!(
                    "\n  Launch gate  {r} is STOP: an open critical finding, and an exception request waiting for the\n               engineering lead's and the security lead's signatures. See {base}/releases/{r}/gate"
                );
            }
            println!("\n  Database  {url}\n  Start over with: rhythm demo --reset\n");
        } else {
            println!("\nUsing the existing demo database {url}.");
            println!("  Open {base} and sign in with the password printed when it was created (or run `rhythm demo --reset`).\n");
        }
        if a.no_serve {
            store.close().await;
            return Ok(());
        }
        // The demo runs the jobs too (without SMTP), so expiries and webhooks work as in production.
        let config = Config { public_url: Some(base), jobs: Some(JobsConfig::default()), ..Config::default() };
        run_server(store, config, a.listen).await
    })
}
