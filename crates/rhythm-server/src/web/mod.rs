//! The server-rendered web UI. Pages are HTML from maud (escaped by default); forms post
//! back with a per-session CSRF token; the basics work without JavaScript.

pub mod api_docs;
pub mod auth;
mod decisions;
mod exceptions;
mod forms;
mod gate;
mod home;
mod imports;
pub mod layout;
mod links;
mod notifications;
mod pages;
mod policy;
mod registers;
mod reviews;
mod spec;
mod tokens;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rhythm_domain::Kind;

use crate::AppState;
use crate::auth::{Principal, same_secret};
use crate::error::AppError;

/// The signed-in user of a page. Without a session the browser is sent to sign in.
pub struct WebUser(pub Principal);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Authenticated once per request: a `CsrfForm` of the same handler reuses it.
        if let Some(SignedIn(p)) = parts.extensions.get::<SignedIn>() {
            return Ok(WebUser(p.clone()));
        }
        match crate::auth::authenticate(state, &parts.headers).await {
            Ok(Some(p)) if matches!(p.method, crate::auth::AuthMethod::Session { .. }) => {
                parts.extensions.insert(SignedIn(p.clone()));
                Ok(WebUser(p))
            }
            Ok(_) | Err(AppError::Unauthenticated) => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let target = if next == "/" { "/login".to_owned() } else { format!("/login?next={}", urlencode(next)) };
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(layout::error_page(e.status(), &e.public_detail())),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_owned()).unwrap_or_default()
}

/// A posted form: every (name, value) pair, in order, with the CSRF token already checked.
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// The principal [`WebUser`] authenticated, kept in the request for [`CsrfForm`].
#[derive(Clone)]
struct SignedIn(Principal);

/// Reads a urlencoded form without a session check: only the sign-in form, which carries its
/// own pre-session CSRF cookie. Every other form is a [`CsrfForm`].
pub struct RawForm(pub Vec<(String, String)>);

impl FromRequest<AppState> for RawForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(layout::error_page(StatusCode::UNSUPPORTED_MEDIA_TYPE, "This page takes a form."));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| layout::error_page(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| layout::error_page(StatusCode::BAD_REQUEST, "The form could not be read."))?;
        Ok(RawForm(pairs))
    }
}

/// A form posted by the signed-in user, its `_csrf` already checked against the session's
/// token: the handler runs only when it matches, so no handler can forget the check. Without
/// a session the browser is sent to sign in, as for [`WebUser`].
pub struct CsrfForm(pub Form);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let WebUser(user) = WebUser::from_request_parts(&mut parts, state).await?;
        let RawForm(pairs) = RawForm::from_request(Request::from_parts(parts, body), state).await?;
        let sent = pairs.iter().find(|(k, _)| k == "_csrf").map_or("", |(_, v)| v.as_str());
        match user.csrf_token() {
            Some(expected) if same_secret(sent, expected) => Ok(CsrfForm(Form(pairs))),
            _ => Err(layout::error_page(
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from Rhythm. Go back, reload the page and try again.",
            )),
        }
    }
}

/// A form the signed-in user posted to one entry's page (`…/{id}/…`): [`WebUser`], the path's
/// id and the [`CsrfForm`], extracted in that order.
pub struct EntryPost<I = String> {
    pub p: Principal,
    pub id: I,
    pub form: Form,
}

impl<I: serde::de::DeserializeOwned + Send + 'static> FromRequest<AppState> for EntryPost<I> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let WebUser(p) = WebUser::from_request_parts(&mut parts, state).await?;
        let Path(id) = Path::<I>::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let CsrfForm(form) = CsrfForm::from_request(Request::from_parts(parts, body), state).await?;
        Ok(EntryPost { p, id, form })
    }
}

/// An error on a page, answered with [`error_response`]: page handlers return
/// `Result<Response, WebError>` and use `?`. A database error is a 500 page, never an empty
/// table.
pub struct WebError(pub AppError);

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        error_response(&self.0)
    }
}

/// What a page handler answers.
pub type Page = Result<Response, WebError>;

/// The one error page of the web UI: the error's status and public detail, the internal
/// cause logged as the API's error logs it, and `Retry-After` where the error has one.
pub fn error_response(e: &AppError) -> Response {
    if let AppError::Internal(cause) = e {
        tracing::error!(%cause, "internal error on a page");
    }
    let mut resp = layout::error_page(e.status(), &e.public_detail());
    if let Some(v) = e.retry_after() {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

async fn stylesheet() -> Response {
    static_asset("text/css; charset=utf-8", include_str!("../../static/app.css"))
}

async fn script() -> Response {
    static_asset("text/javascript; charset=utf-8", include_str!("../../static/app.js"))
}

async fn docs_script() -> Response {
    static_asset("text/javascript; charset=utf-8", include_str!("../../static/api-docs.js"))
}

async fn favicon() -> Response {
    static_asset("image/svg+xml", include_str!("../../static/favicon.svg"))
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// The pages; `max_import_bytes` sizes the upload form's body limit (the app's default is
/// smaller).
pub fn routes(max_import_bytes: usize) -> Router<AppState> {
    let upload_limit = max_import_bytes.saturating_add(imports::FORM_SLACK_BYTES);
    let mut r = Router::new()
        .route("/", get(home::overview))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .route("/static/api-docs.js", get(docs_script))
        .route("/favicon.svg", get(favicon))
        .route("/settings/tokens", get(tokens::tokens_page).post(tokens::create))
        .route("/settings/tokens/{id}/revoke", post(tokens::revoke))
        .route("/settings/notifications", get(notifications::notifications_page).post(notifications::create))
        .route("/settings/notifications/{id}/disable", post(notifications::disable))
        .route("/settings/notifications/{id}/enable", post(notifications::enable))
        .route("/settings/notifications/{id}/test", post(notifications::test))
        .route("/audit", get(pages::audit_page))
        .route("/risks/{id}/updates", post(registers::add_risk_update))
        .route("/design-reviews/{id}/spike", post(reviews::spike))
        .route("/design-reviews/{id}/decision", post(reviews::decision))
        .route("/vendors/{id}/onboarding", post(reviews::onboarding))
        .route("/gate", get(gate::overview))
        .route("/releases/{id}/gate", get(gate::release_page))
        .route("/releases/{id}/gate/override", post(gate::request_override))
        .route("/decisions", get(decisions::list_page).post(decisions::create))
        .route("/decisions/new", get(decisions::new_page))
        .route("/decisions/{id}", get(decisions::detail_page))
        .route("/decisions/{id}/decide", post(decisions::decide))
        .route("/decisions/{id}/concur", post(decisions::concur))
        .route("/decisions/{id}/position", post(decisions::position))
        .route("/decisions/{id}/withdraw", post(decisions::withdraw))
        .route("/policy", get(policy::page_get).post(policy::propose))
        .route("/policy/versions/{n}", get(policy::version_page))
        .route(
            "/imports",
            get(imports::page_get).merge(post(imports::upload).layer(DefaultBodyLimit::max(upload_limit))),
        )
        .route("/imports/{id}", get(imports::detail_page))
        .route("/export/{file}", get(imports::export))
        .merge(exceptions::routes());
    for kind in Kind::REGISTERS.iter().copied() {
        let base = format!("/{}", kind.plural());
        r = r
            .route(
                &base,
                get(move |st, u, q| registers::list_page(kind, st, u, q))
                    .post(move |st, u, f| registers::create(kind, st, u, f)),
            )
            .route(&format!("{base}/new"), get(move |st, u| registers::new_page(kind, st, u)))
            .route(
                &format!("{base}/{{id}}"),
                get(move |st, u, id, q| registers::detail_page(kind, st, u, id, q))
                    .post(move |st, u, id, f| registers::update(kind, st, u, id, f)),
            )
            .route(&format!("{base}/{{id}}/edit"), get(move |st, u, id| registers::edit_page(kind, st, u, id)))
            .route(&format!("{base}/{{id}}/close"), post(move |st, post| registers::close(kind, st, post)));
    }
    r
}
