//! Delivery of notifications: the worker that empties the store's outbox over webhooks and
//! e-mail.
//!
//! # Design
//!
//! Events are written to the outbox by the store, in the transaction of what caused them
//! (`rhythm_store::outbox`), one row per interested target. Nothing here keeps state between
//! runs: every instance may run a worker, and the database decides who delivers what.
//!
//! * [`Notifier::run_once`] claims up to [`NotifyConfig::concurrency`] due items (a lease of
//!   [`NotifyConfig::lease`], taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
//!   instances never deliver one item at once), delivers them concurrently and records each
//!   outcome: delivered, or a failed attempt with its error and the next try after an
//!   exponential backoff with ±10 % jitter (30 s, 2 min, 8 min, … at most 6 h; after 8 failed
//!   attempts the item is a dead letter, kept for the UI). Time is a parameter, so tests drive
//!   retries by passing a later `now`.
//! * [`spawn_worker`] calls `run_once` every [`NotifyConfig::interval`] with the server's clock
//!   (at once again when a run found a full batch) and stops when its shutdown future resolves,
//!   after the run in progress.
//! * Delivery is at least once: an instance that dies after sending but before recording loses
//!   its lease, and the item is sent again. Receivers deduplicate on `X-Rhythm-Delivery`.
//!
//! # Channels
//!
//! * **Webhook** ([`webhook`]): an HTTPS POST of JSON, signed with the target's secret
//!   (HMAC-SHA256 over `"{timestamp}.{body}"`); a 2xx answer within
//!   [`NotifyConfig::webhook_timeout`] is a delivery, anything else a failed attempt. The
//!   `slack` format posts a Slack incoming-webhook body. The module documentation has the wire
//!   format and how a receiver verifies it.
//! * **E-mail** ([`email`]): plain-text mail through the SMTP relay of [`SmtpConfig`] (plain,
//!   STARTTLS or implicit TLS). Without an SMTP configuration, e-mail items fail (and so show
//!   up in the UI) rather than vanish.
//!
//! # Secrets
//!
//! A webhook secret is used only to sign; it is never logged, and any occurrence of it in an
//! error is replaced by `***` before the error is logged or stored. The SMTP password is hidden
//! from `Debug`. Logs name the outbox id and target id, never a webhook URL (Slack-style URLs
//! are credentials themselves).

pub mod email;
pub mod render;
pub mod webhook;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use rhythm_store::{AttemptOutcome, Channel, OutboxItem, Store, StoreError};
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use email::{Mailer, SmtpConfig, SmtpTls};

use crate::AppState;

/// How the worker runs and sends.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The SMTP relay for e-mail targets; without one, e-mail items fail.
    pub smtp: Option<SmtpConfig>,
    /// How often the worker looks for due items.
    pub interval: StdDuration,
    /// Items claimed per run, all delivered at once.
    pub concurrency: u32,
    /// A webhook that has not answered by then has failed this attempt.
    pub webhook_timeout: StdDuration,
    /// The SMTP command timeout.
    pub smtp_timeout: StdDuration,
    /// How long a claim holds an item. Longer than any delivery can take (the timeouts above),
    /// so a live worker never loses an item it is still sending.
    pub lease: time::Duration,
    /// Where webhooks may connect: public addresses and these networks.
    pub webhook_reach: webhook::Reach,
    /// The server's address (`--public-url`), for the links in what is sent.
    pub public_url: Option<String>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            smtp: None,
            interval: StdDuration::from_secs(5),
            concurrency: 8,
            webhook_timeout: StdDuration::from_secs(10),
            smtp_timeout: StdDuration::from_secs(30),
            lease: time::Duration::minutes(5),
            webhook_reach: webhook::Reach::default(),
            public_url: None,
        }
    }
}

/// The notifier could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A setting is unusable (SMTP host, sender address, HTTP client).
    #[error("notifications: {0}")]
    Config(String),
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Items claimed (and so attempted).
    pub claimed: usize,
    pub delivered: usize,
    /// Failed attempts that will be retried.
    pub retrying: usize,
    /// Failed attempts that were the last one (dead letters).
    pub dead: usize,
    /// The failed attempts: outbox id and the error recorded.
    pub failures: Vec<(Uuid, String)>,
    /// Outcomes that could not be recorded (the database failed); the lease expires and the
    /// item is tried again.
    pub unrecorded: usize,
}

/// Picks the jitter of a backoff, in −0.1..=0.1.
pub type Jitter = fn() -> f64;

fn random_jitter() -> f64 {
    use rand::Rng;
    rand::thread_rng().gen_range(-rhythm_store::MAX_JITTER..=rhythm_store::MAX_JITTER)
}

/// Delivers due outbox items. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifier {
    store: Store,
    http: reqwest::Client,
    mailer: Option<Arc<Mailer>>,
    config: Arc<NotifyConfig>,
    jitter: Jitter,
}

impl Notifier {
    pub fn new(store: Store, config: NotifyConfig) -> Result<Notifier, NotifyError> {
        let http = webhook::client(config.webhook_timeout, &config.webhook_reach)?;
        let mailer = config.smtp.as_ref().map(|smtp| Mailer::new(smtp, config.smtp_timeout)).transpose()?.map(Arc::new);
        Ok(Notifier { store, http, mailer, config: Arc::new(config), jitter: random_jitter })
    }

    /// Replaces the random backoff jitter (tests pass `|| 0.0` for exact retry times).
    #[must_use]
    pub fn with_jitter(mut self, jitter: Jitter) -> Notifier {
        self.jitter = jitter;
        self
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// Claims the items due at `now`, delivers them concurrently and records each outcome at
    /// `now`. Fails only when the claim itself fails.
    pub async fn run_once(&self, now: OffsetDateTime) -> Result<DeliveryReport, StoreError> {
        let items = self.store.claim_due(now, self.config.concurrency.max(1), self.config.lease).await?;
        let mut report = DeliveryReport { claimed: items.len(), ..DeliveryReport::default() };
        let mut tasks = tokio::task::JoinSet::new();
        for item in items {
            let this = self.clone();
            tasks.spawn(async move {
                let result = this.deliver(&item, now).await.map_err(|e| scrub(&e, &item));
                let outcome = match &result {
                    Ok(()) => Ok(()),
                    Err(e) => Err(e.as_str()),
                };
                let recorded = this.record(&item, outcome, now).await;
                (item.id, result, recorded)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let Ok((id, result, recorded)) = joined else {
                // A delivery task panicked: its lease runs out and the item is tried again.
                report.unrecorded += 1;
                continue;
            };
            match (result, recorded) {
                (_, Err(())) => report.unrecorded += 1,
                (Ok(()), Ok(_)) => report.delivered += 1,
                (Err(e), Ok(outcome)) => {
                    match outcome {
                        Some(AttemptOutcome::Dead) => report.dead += 1,
                        _ => report.retrying += 1,
                    }
                    report.failures.push((id, e));
                }
            }
        }
        Ok(report)
    }

    /// Sends one item; the error says why it was not delivered (never with the secret).
    pub async fn deliver(&self, item: &OutboxItem, now: OffsetDateTime) -> Result<(), String> {
        let public_url = self.config.public_url.as_deref();
        match item.channel {
            Channel::Webhook => webhook::send(&self.http, &self.config.webhook_reach, item, public_url, now).await,
            Channel::Email => match &self.mailer {
                Some(m) => m.send(item, public_url).await,
                None => Err("e-mail is not configured on this server (no SMTP relay)".to_owned()),
            },
        }
    }

    async fn record(
        &self,
        item: &OutboxItem,
        result: Result<(), &str>,
        now: OffsetDateTime,
    ) -> Result<Option<AttemptOutcome>, ()> {
        let (id, event, channel, target_id) = (item.id, item.event.as_str(), item.channel.as_str(), item.target_id);
        let recorded = match result {
            Ok(()) => {
                tracing::info!(%id, event, channel, %target_id, "notification delivered");
                self.store.mark_delivered(id, now).await.map(|()| None)
            }
            Err(error) => {
                let outcome = self.store.mark_failed_attempt(id, error, now, (self.jitter)()).await;
                match &outcome {
                    Ok(AttemptOutcome::Dead) => {
                        tracing::warn!(%id, event, channel, %target_id, error, "notification failed for good (dead letter)");
                    }
                    Ok(AttemptOutcome::RetryAt(at)) => {
                        tracing::info!(%id, event, channel, %target_id, error, retry_at = %at, "notification attempt failed");
                    }
                    Err(_) => {}
                }
                outcome.map(Some)
            }
        };
        recorded.map_err(|e| tracing::error!(%id, error = %e, "could not record a notification outcome"))
    }
}

/// The error without the target's secret.
fn scrub(error: &str, item: &OutboxItem) -> String {
    match item.secret.as_ref().map(|s| s.expose().as_str()).filter(|s| !s.is_empty()) {
        Some(secret) => error.replace(secret, "***"),
        None => error.to_owned(),
    }
}

/// Runs a [`Notifier`] over the state's store and clock every `config.interval` until
/// `shutdown` resolves; the run in progress finishes first.
pub fn spawn_worker(
    state: AppState,
    config: NotifyConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<JoinHandle<()>, NotifyError> {
    let notifier = Notifier::new(state.store.clone(), config)?;
    Ok(tokio::spawn(async move {
        let mut interval = tokio::time::interval(notifier.config.interval);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                _ = interval.tick() => {}
            }
            match notifier.run_once(state.now()).await {
                Ok(r) if r.claimed as u32 >= notifier.config.concurrency => interval.reset_immediately(),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not claim notifications"),
            }
        }
        tracing::info!("notification worker stopped");
    }))
}
