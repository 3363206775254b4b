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
        // Every body is a JSON object: serde would also read a struct from an array of its
        // fields in order (`[null, null]`), which no client means.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(AppError::BadRequest("the body must be a JSON object ({ … })".into()));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON with an error that says where: `at impact (line 1, column 31): invalid type…`.
/// A whole number written with a fraction (`3.0`) is a JSON Schema integer, so a body that
/// fails only on that is read again with such numbers as integers.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let e = match serde_path_to_error::deserialize(de) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    if e.inner().to_string().starts_with("invalid type: floating point")
        && let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(bytes)
        && integral_floats_to_integers(&mut v)
        && let Ok(t) = serde_path_to_error::deserialize(v)
    {
        return Ok(t);
    }
    let path = e.path().to_string();
    let inner = e.into_inner();
    let at = format!("line {}, column {}", inner.line(), inner.column());
    Err(if path == "." || path.is_empty() {
        AppError::BadRequest(format!("the body is not valid JSON for this request ({at}): {inner}"))
    } else {
        AppError::BadRequest(format!("at {path} ({at}): {inner}"))
    })
}

/// Turns every number with a zero fraction (`3.0`) into an integer; whether any was changed.
fn integral_floats_to_integers(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                *v = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => {
            let mut changed = false;
            for x in items {
                changed |= integral_floats_to_integers(x);
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for x in map.values_mut() {
                changed |= integral_floats_to_integers(x);
            }
            changed
        }
        _ => false,
    }
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
    (router, document_common_answers(doc))
}

/// A list operation: its empty filters are ignored.
fn list_filter(path: &str, method: &str) -> bool {
    method == "get" && matches!(path, "/api/v1/exceptions" | "/api/v1/decisions")
}

/// The values the exception, decision and outbox lists take for their enumerated filters and
/// sorts (empty: none), from the domain's enumerations and the store's sort lists.
fn enumerated_param_values(path: &str, name: &str) -> Option<Vec<String>> {
    use rhythm_domain::ExceptionStatus;
    use rhythm_domain::decision::DecisionStatus;
    use rhythm_domain::policy::{Decider, DecisionCategory};
    let texts = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
    let values: Vec<String> = match (path, name) {
        ("/api/v1/exceptions", "status") => texts(ExceptionStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("/api/v1/decisions", "status") => texts(DecisionStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("/api/v1/decisions", "category") => texts(DecisionCategory::ALL.iter().map(|s| s.as_str()).collect()),
        ("/api/v1/decisions", "decider") => texts(Decider::ALL.iter().map(|s| s.as_str()).collect()),
        ("/api/v1/outbox", "status") => texts(vec!["pending", "delivered", "dead"]),
        ("/api/v1/imports", "format") => std::iter::once("auto")
            .chain(rhythm_ingest::format::Format::ALL.iter().map(|f| f.as_str()))
            .map(str::to_owned)
            .collect(),
        ("/api/v1/imports", "environment") => {
            texts(rhythm_domain::Environment::ALL.iter().map(|e| e.as_str()).collect())
        }
        ("/api/v1/exceptions" | "/api/v1/decisions", "sort") => {
            let sorts =
                if path == "/api/v1/exceptions" { rhythm_store::EXCEPTION_SORTS } else { rhythm_store::DECISION_SORTS };
            // These lists take no empty sort.
            return Some(sorts.iter().flat_map(|(n, _)| [(*n).to_owned(), format!("-{n}")]).collect());
        }
        _ => return None,
    };
    Some(std::iter::once(String::new()).chain(values).collect())
}

/// Every answer any operation can give, written into the document once instead of on each
/// handler (where they drift): 400 (a query or path that does not parse), 401 (no or a bad
/// token), 403 (the role or the token's scope), 404 where the path names an entry, 413, 415 and
/// 422 where there is a body, 409 and 422 for changes, 422 for filtered reads, 503 where a
/// password is hashed; and the bounds of `limit` and `offset`, which the handlers enforce.
fn document_common_answers(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use serde_json::{Value, json};
    let mut v = serde_json::to_value(&doc).expect("the OpenAPI document serializes");
    let problem = |why: &str| json!({"description": why, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
    if let Some(paths) = v.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                let Some(op) = op.as_object_mut() else { continue };
                let has_body = op.contains_key("requestBody");
                let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
                let has_query = params.iter().any(|p| p["in"] == "query");
                let mut add: Vec<(&str, &str)> = vec![
                    ("400", "The query, path or body does not parse"),
                    ("401", "Not signed in, or the token is unknown, expired or revoked"),
                    ("403", "The role or the token's scope does not allow this"),
                ];
                if path.contains('{') {
                    add.push(("404", "No such entry in this workspace"));
                }
                if has_body {
                    add.push(("413", "The body is larger than this server accepts"));
                    add.push(("415", "The body is not of a type this operation takes"));
                }
                if has_body || has_query || method != "get" {
                    add.push(("422", "A value is refused; each field says why"));
                }
                if method != "get" {
                    add.push(("409", "The change conflicts with the entry's state or version"));
                }
                if path == "/api/v1/users" && method == "post" {
                    add.push(("503", "Too many passwords are being hashed at once; retry after Retry-After"));
                }
                let responses = op.entry("responses").or_insert_with(|| json!({}));
                if let Some(responses) = responses.as_object_mut() {
                    for (code, why) in add {
                        responses.entry(code).or_insert_with(|| problem(why));
                    }
                }
                if let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    let max_limit =
                        if matches!(path.as_str(), "/api/v1/audit-log" | "/api/v1/imports") { 1000 } else { 500 };
                    for p in list.iter_mut().filter(|p| p["in"] == "query") {
                        let name = p["name"].as_str().unwrap_or("").to_owned();
                        match name.as_str() {
                            "limit" => {
                                p["schema"] =
                                    json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": max_limit});
                            }
                            "offset" => p["schema"] = json!({"type": "integer", "format": "int64", "minimum": 0}),
                            _ => {}
                        }
                        if let Some(values) = enumerated_param_values(path, &name) {
                            p["schema"] = json!({"type": "string", "enum": values});
                        } else if let Some(format @ ("uuid" | "date")) = p["schema"]["format"].as_str()
                            && list_filter(path, method)
                        {
                            // A list's empty filter is no filter (what a browser form sends).
                            let format = format.to_owned();
                            p["schema"] = json!({"anyOf": [{"type": "string", "format": format}, {"type": "string", "maxLength": 0}]});
                        }
                    }
                }
            }
        }
    }
    serde_json::from_value(v).expect("the amended OpenAPI document reads back")
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
    #[expect(clippy::disallowed_methods, reason = "RHYTHM_UPDATE_OPENAPI=1 refreshes the committed file")]
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
        // Enumerated filters list their values, read off the filters' own parsers.
        let status = params.iter().find(|p| p["name"] == "status").unwrap();
        assert_eq!(status["schema"]["enum"], serde_json::json!(["", "open", "mitigating", "accepted", "closed"]));
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                // A path parameter is in the path: a query struct without `parameter_in` is not.
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["in"] == "path" {
                        let name = p["name"].as_str().unwrap();
                        assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: '{name}' is not in the path");
                    }
                }
                // Every operation documents the refusals every request can meet.
                for code in ["400", "401", "403"] {
                    assert!(op["responses"].get(code).is_some(), "{method} {path} does not document {code}");
                }
            }
        }
    }
}
