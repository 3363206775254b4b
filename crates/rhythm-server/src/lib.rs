//! Rhythm's HTTP server: the REST API (with its OpenAPI document), the server-rendered web
//! UI, sign-in and sessions. Only this crate knows HTTP, JSON wire types and HTML.

pub mod api;
pub mod auth;
pub mod clock;
pub mod error;
pub mod jobs;
pub mod notify;
pub mod service;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rhythm_store::Store;
use time::{Duration, OffsetDateTime};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::clock::{Clock, SystemClock};

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` and use the `__Host-` cookie name (set when served over HTTPS).
    pub secure_cookies: bool,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_absolute: Duration,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Where people reach this server (`https://rhythm.example.com`, no trailing slash): the
    /// base of the links in notifications. Without it, notifications carry no links.
    pub public_url: Option<String>,
    /// The background jobs [`serve`] starts with the server (outbox delivery, exception
    /// expiry); `None` for a web-only instance.
    pub jobs: Option<jobs::JobsConfig>,
    /// Largest file `POST /api/v1/imports` and the upload form accept.
    pub max_import_bytes: usize,
    /// How tracker labels and issue types map to work kinds (`--tracker-mapping FILE`).
    pub tracker_mapping: rhythm_ingest::tracker::TrackerMapping,
    /// Password hashes (Argon2id, 19 MiB each) computed at once; more sign-ins wait.
    pub hash_slots: usize,
    /// How long a sign-in waits for a hashing slot before it is answered 503.
    pub hash_wait: std::time::Duration,
    /// Take the client's address from the last `X-Forwarded-For` entry (set only behind a
    /// proxy that writes it); otherwise the address of the connection. Sign-in throttling is
    /// per address.
    pub trust_forwarded_for: bool,
    /// Where webhook targets may point: public addresses, and networks allowed although they
    /// are private, loopback or link-local (an internal relay). Checked when a target is added;
    /// the background jobs [`serve`] starts deliver with it too.
    pub webhook_reach: notify::webhook::Reach,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_idle: Duration::hours(2),
            session_absolute: Duration::hours(12),
            max_body_bytes: 1024 * 1024,
            public_url: None,
            jobs: None,
            max_import_bytes: service::imports::DEFAULT_MAX_IMPORT_BYTES,
            tracker_mapping: rhythm_ingest::tracker::TrackerMapping::default(),
            hash_slots: 4,
            hash_wait: std::time::Duration::from_secs(2),
            trust_forwarded_for: false,
            webhook_reach: notify::webhook::Reach::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// Bounds concurrent password hashing ([`Config::hash_slots`]).
    pub hashing: Arc<auth::HashLimiter>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        Self::with_clock(store, config, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Store, config: Config, clock: Arc<dyn Clock>) -> Self {
        let hashing = Arc::new(auth::HashLimiter::new(config.hash_slots, config.hash_wait));
        AppState { store, config: Arc::new(config), clock, hashing }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api::router();
    let doc_json = Arc::new(doc.to_pretty_json().expect("the OpenAPI document serializes"));
    let max_body = state.config.max_body_bytes;
    let max_import = state.config.max_import_bytes;
    let app = Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move |_: auth::Principal| {
                let doc = doc_json.clone();
                async move { openapi(&doc) }
            }),
        )
        .route("/api/docs", get(web::api_docs::page))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(web::routes(max_import))
        .fallback(not_found)
        .with_state(state);
    app.merge(swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: "/api/docs/assets",
        api_definition: swagger_ui_dist::OpenApiSource::Uri("/api/openapi.json"),
        title: Some("Rhythm API"),
    }))
    .layer(DefaultBodyLimit::max(max_body))
    .layer(middleware::from_fn(api_problems))
    .layer(middleware::from_fn(security_headers))
    .layer(middleware::from_fn(close_after_refused_body))
    .layer(PropagateRequestIdLayer::new(REQUEST_ID))
    .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
    }))
    .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

fn openapi(doc: &str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], doc.to_owned()).into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(st): State<AppState>) -> Response {
    match st.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        error::AppError::NotFound(format!("no API route {} {}", req.method(), req.uri().path())).into_response()
    } else {
        web::layout::error_page(StatusCode::NOT_FOUND, "This page does not exist.")
    }
}

/// A request with a body that is refused (4xx/5xx) may be answered before its body was read —
/// an upload over the limit, of the wrong type, or by someone who may not write. The server
/// then stops reading and drops the connection, so it must not look reusable: the answer says
/// `Connection: close`, and a client's next request opens a fresh connection instead of
/// failing on the dropped one.
async fn close_after_refused_body(req: Request, next: Next) -> Response {
    let has_body =
        req.headers().contains_key(header::CONTENT_LENGTH) || req.headers().contains_key(header::TRANSFER_ENCODING);
    let mut resp = next.run(req).await;
    if has_body && (resp.status().is_client_error() || resp.status().is_server_error()) {
        resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// Every refusal under `/api/` is an RFC 9457 problem document, as the OpenAPI document says:
/// the few that axum's own extractors answer in plain text (a path or query that does not
/// parse, a body over the limit) are rewritten, their text kept as the detail.
async fn api_problems(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/v1/");
    let resp = next.run(req).await;
    let status = resp.status();
    let plain = !resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json") || ct.starts_with("application/json"));
    if !api || !plain || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_owned();
    let err = match status {
        StatusCode::PAYLOAD_TOO_LARGE => error::AppError::PayloadTooLarge(detail),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => error::AppError::UnsupportedMediaType(detail),
        StatusCode::NOT_FOUND => error::AppError::NotFound(detail),
        StatusCode::METHOD_NOT_ALLOWED => {
            let mut r = (
                status,
                axum::Json(serde_json::json!({
                    "type": "/problems/method-not-allowed", "title": "Method Not Allowed", "status": 405,
                    "detail": "this path does not take that method"
                })),
            )
                .into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
            if let Some(allow) = parts.headers.get(header::ALLOW) {
                r.headers_mut().insert(header::ALLOW, allow.clone());
            }
            return r;
        }
        s if s.is_server_error() => error::AppError::Internal(detail),
        _ => error::AppError::BadRequest(if detail.is_empty() { "the request was refused".into() } else { detail }),
    };
    let mut r = err.into_response();
    if let Some(c) = parts.headers.get(header::CONNECTION) {
        r.headers_mut().insert(header::CONNECTION, c.clone());
    }
    r
}

/// CSP without inline scripts, no framing, no sniffing, no referrer leaks.
async fn security_headers(req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // Swagger UI sets inline styles; only its pages allow them.
    let style = if docs { "style-src 'self' 'unsafe-inline'" } else { "style-src 'self'" };
    let csp = format!(
        "default-src 'self'; script-src 'self'; {style}; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("valid header"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Serves the app on a bound listener, with the background jobs of `state.config.jobs`, until
/// `shutdown` resolves: in-flight requests finish, and each job finishes its run in progress,
/// before this returns. A job that cannot start (an unusable SMTP setting) is an error before
/// anything is served.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let jobs = match &state.config.jobs {
        Some(config) => jobs::start(&state, config, &stopped).map_err(std::io::Error::other)?,
        None => Vec::new(),
    };
    // The sender lives in the shutdown future: when it resolves, or when serving fails and the
    // future is dropped, the jobs are told to stop.
    let signal = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    let served = axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(signal)
        .await;
    for job in jobs {
        if let Err(e) = job.await {
            tracing::error!(error = %e, "a background job ended abnormally");
        }
    }
    served
}
