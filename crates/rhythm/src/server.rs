//! `rhythm serve` and `rhythm demo`.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
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

#[allow(clippy::disallowed_methods)]
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
        run_server(store, Config::default(), a.listen).await
    })
}
