//! Background jobs of a server instance: the outbox delivery worker ([`crate::notify`]) and the
//! governance loop, which expires due exceptions (each expiry enqueues `exception.expired` in
//! its own transaction), tells about exceptions that expire within the policy's review lead
//! time (`exception.expiring`, once per exception and expiry date) and tells about upcoming
//! releases whose launch gate says STOP (`launch_gate.stop`, again only when the evidence
//! changes or a day has passed). Reads of the gate write nothing: telling is this job's.
//!
//! Any number of instances may run them at once: every step is claimed in the database
//! (workspace lock, `FOR UPDATE SKIP LOCKED` on PostgreSQL, durable marks), so nothing is done
//! twice. A web-only instance runs none (`Config::jobs = None`, `rhythm serve --no-jobs`).
//! Each loop sleeps its interval stretched by ±10 % jitter, so instances drift apart, and stops
//! when the server shuts down, after the run in progress.

use std::future::Future;
use std::time::Duration as StdDuration;

use rhythm_domain::gate::{CriterionStatus, GateReport, Verdict};
use rhythm_store::notification::FailingCriterion;
use rhythm_store::{Store, StoreError};
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::AppState;
use crate::notify::{self, NotifyConfig, NotifyError};

/// What the background jobs do and how often.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// The outbox worker (SMTP relay, poll interval, timeouts).
    pub notify: NotifyConfig,
    /// How often the governance loop runs (expiry, expiring soon). Default 60 s.
    pub governance_interval: StdDuration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig { notify: NotifyConfig::default(), governance_interval: StdDuration::from_mins(1) }
    }
}

/// What one governance run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GovernanceReport {
    /// Exceptions expired (each with its `exception.expired` event).
    pub expired: usize,
    /// Exceptions told about as expiring soon.
    pub expiring: usize,
    /// Releases whose STOP was told in this run.
    pub gate_stops: usize,
    /// Exceptions approved ahead of their first day that started covering in this run.
    pub started: usize,
}

/// One governance run at `now`: expire what is due, start what was approved ahead of its first
/// day, then tell about what expires soon and about the releases whose gate says STOP.
pub async fn run_governance_once(store: &Store, now: OffsetDateTime) -> Result<GovernanceReport, StoreError> {
    let expired = store.expire_due_exceptions(now).await?.len();
    let started = store.start_due_exceptions(now).await?;
    let expiring = store.notify_expiring_exceptions(now).await?.len();
    let gate_stops = tell_gate_stops(store, now).await?;
    Ok(GovernanceReport { expired, expiring, gate_stops, started })
}

/// Tells every workspace's targets about each upcoming release whose gate says STOP today
/// (`launch_gate.stop`); the store keeps quiet about the same verdict with the same evidence
/// for a day ([`Store::notify_gate_stop`]). Returns how many were told in this run.
async fn tell_gate_stops(store: &Store, now: OffsetDateTime) -> Result<usize, StoreError> {
    let mut told = 0;
    for ws in store.workspaces().await? {
        for r in store.gate_upcoming(ws.id, now.date()).await? {
            if r.verdict != Verdict::Stop {
                continue;
            }
            if store.notify_gate_stop(ws.id, &r.release, &r.release_name, failing(&r), now).await?.is_some() {
                told += 1;
            }
        }
    }
    Ok(told)
}

/// What a STOP is told with: each failing criterion with the evidence nothing covers.
fn failing(r: &GateReport) -> Vec<FailingCriterion> {
    r.criteria
        .iter()
        .filter(|c| c.status == CriterionStatus::Fail)
        .map(|c| FailingCriterion {
            criterion: c.id.clone(),
            evidence: c.evidence.iter().filter(|e| e.covered_by.is_none()).map(|e| e.reference.clone()).collect(),
        })
        .collect()
}

/// `interval` stretched by a random factor in 0.9..=1.1.
fn jittered(interval: StdDuration) -> StdDuration {
    use rand::Rng;
    interval.mul_f64(1.0 + rand::thread_rng().gen_range(-0.1..=0.1))
}

/// Runs [`run_governance_once`] with the state's clock now (after a short random delay) and
/// then every `interval` (±10 %), until `shutdown` resolves.
pub fn spawn_governance(
    state: AppState,
    interval: StdDuration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> JoinHandle<()> {
    let interval = interval.max(StdDuration::from_millis(10));
    tokio::spawn(async move {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut wait = jittered(interval / 10).min(StdDuration::from_secs(5));
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = tokio::time::sleep(wait) => {}
            }
            match run_governance_once(&state.store, state.now()).await {
                Ok(r) if r != GovernanceReport::default() => {
                    tracing::info!(
                        expired = r.expired,
                        expiring = r.expiring,
                        gate_stops = r.gate_stops,
                        "governance jobs ran"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "governance jobs failed; trying again next time"),
            }
            wait = jittered(interval);
        }
        tracing::info!("governance jobs stopped");
    })
}

/// Starts every background job of `config` on the state; each stops when `shutdown` says
/// `true` (or its sender is dropped). The handles end after the run in progress.
pub fn start(
    state: &AppState,
    config: &JobsConfig,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, NotifyError> {
    let stop = |rx: &tokio::sync::watch::Receiver<bool>| {
        let mut rx = rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    // The server's one reach setting governs both adding targets and delivering to them, and
    // its one public URL makes every link.
    let notify = NotifyConfig {
        webhook_reach: state.config.webhook_reach.clone(),
        public_url: state.config.public_url.clone(),
        ..config.notify.clone()
    };
    let worker = notify::spawn_worker(state.clone(), notify, stop(shutdown))?;
    let governance = spawn_governance(state.clone(), config.governance_interval, stop(shutdown));
    tracing::info!(
        governance_interval_secs = config.governance_interval.as_secs(),
        smtp = config.notify.smtp.is_some(),
        "background jobs started"
    );
    Ok(vec![worker, governance])
}
