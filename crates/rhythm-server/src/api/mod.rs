//! The REST API under `/api/v1`. Routes and the OpenAPI document come from the same handler
//! annotations (utoipa-axum), so the document cannot drift from the code.

pub mod account;
pub mod decisions;
mod exceptions;
pub mod gate;
pub mod imports;
pub mod notifications;
pub mod policy;
mod registers;
pub mod reviews;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::{AppError, Problem};

/// A JSON body: `application/json` only, unknown fields refused, errors that name the path.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" && !(mime.starts_with("application/") && mime.ends_with("+json")) {
            return Err(AppError::UnsupportedMediaType(format!(
                "send the body as application/json (got '{}')",
                if ct.is_empty() { "no content type" } else { ct }
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge("the body is larger than this server accepts".into())
            } else {
                AppError::BadRequest(format!("could not read the body: {e}"))
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON with an error that says where: `at impact (line 1, column 31): invalid type…`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = format!("line {}, column {}", inner.line(), inner.column());
        if path == "." || path.is_empty() {
            AppError::BadRequest(format!("the body is not valid JSON for this request ({at}): {inner}"))
        } else {
            AppError::BadRequest(format!("at {path} ({at}): {inner}"))
        }
    })
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    /// Entries that match, over all pages.
    pub total: i64,
    pub limit: u32,
    pub offset: u64,
}

impl<T> From<rhythm_store::Page<T>> for PageBody<T> {
    fn from(p: rhythm_store::Page<T>) -> Self {
        PageBody { items: p.items, total: p.total, limit: p.limit, offset: p.offset }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rhythm API",
        description = "The security and delivery operating rhythm: risk register, shared backlog, releases, incidents, audit findings and vendors.\n\nAuthenticate with `Authorization: Bearer rhy_…` (create a token with `rhythm token create` or on the Tokens page). Errors are RFC 9457 problem+json documents; validation errors list each refused field.\n\nLists take `q` (search), `sort` (a field, `-field` for descending), `limit` (1–500), `offset`, and the register's filters as query parameters.",
        version = "1"
    ),
    modifiers(&Security),
    components(schemas(Problem)),
    security(("bearer" = []), ("session" = []))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("rhy_…").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Browser session; unsafe methods also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// The API's routes and its OpenAPI document, built together.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let r = OpenApiRouter::with_openapi(ApiDoc::openapi());
    let r = registers::routes(r);
    let r = account::routes(r);
    let r = gate::routes(r);
    let r = imports::routes(r);
    let r = reviews::routes(r);
    let r = decisions::routes(r);
    let r = policy::routes(r);
    let r = notifications::routes(r);
    let r = exceptions::routes(r);
    let (router, mut doc) = r.split_for_parts();
    registers::document_filters(&mut doc);
    (router, doc)
}

/// The OpenAPI document as committed in `openapi.json`.
pub fn openapi_json() -> String {
    let (_, doc) = router();
    let mut s = doc.to_pretty_json().expect("the OpenAPI document serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    /// The committed `openapi.json` is what the handlers generate. To refresh it after an API
    /// change: `RHYTHM_UPDATE_OPENAPI=1 cargo test -p rhythm-server openapi_document`.
    #[test]
    fn openapi_document_is_committed_and_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
        let generated = super::openapi_json();
        if std::env::var_os("RHYTHM_UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).expect("write openapi.json");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "openapi.json is out of date: run RHYTHM_UPDATE_OPENAPI=1 cargo test -p rhythm-server openapi_document"
        );
        let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        // Every list documents its register's filters.
        let params = doc["paths"]["/api/v1/risks"]["get"]["parameters"].as_array().unwrap();
        assert!(params.iter().any(|p| p["name"] == "owner"));
    }
}
