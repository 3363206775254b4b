//! The versioned policy: the version in force, its history, and proposals. A proposal is a
//! `policy_change` decision; the document applies as the next version once it is decided.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rhythm_domain::decision::Decision;
use rhythm_domain::policy::{Policy, PolicyError, PolicyProblem};
use rhythm_domain::{Invalid, Permission};
use rhythm_store::PolicyVersion;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::parse_json;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service::policy::{self as svc, DecisionRight, ProposeError};

/// One policy version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyBody {
    /// 0 is the built-in default, in force until a version is applied.
    pub version: i64,
    /// The TOML as applied, comments kept.
    pub document: String,
    pub policy: Policy,
    /// Category → who decides.
    pub decision_rights: Vec<DecisionRight>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<time::OffsetDateTime>,
    pub created_by: Option<Uuid>,
    /// The decided policy_change decision that applied it.
    pub decision_id: Option<Uuid>,
}

impl From<PolicyVersion> for PolicyBody {
    fn from(v: PolicyVersion) -> Self {
        PolicyBody {
            version: v.version,
            decision_rights: svc::decision_rights(&v.policy),
            document: v.document,
            policy: v.policy,
            created_at: v.created_at,
            created_by: v.created_by,
            decision_id: v.decision_id,
        }
    }
}

/// A proposal sent as JSON. The document may also be sent alone as `application/toml`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    /// The whole policy file (TOML).
    pub document: String,
    /// The decision's title (default "Apply policy version N").
    #[serde(default)]
    pub title: Option<String>,
    /// Why; the summary of what changes is added after it.
    #[serde(default)]
    pub context: Option<String>,
}

/// A refused policy file: the usual `errors` (field = path) plus each problem's line and column.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyProblemBody {
    #[serde(flatten)]
    pub problem: Problem,
    /// Each problem of the file with its line and column; absent when the request itself was
    /// refused (an empty document, a field of the JSON body).
    #[schema(required = false)]
    pub problems: Vec<PolicyProblem>,
}

/// The 422 answer for a policy file that does not read.
pub fn policy_problem(e: &PolicyError) -> Response {
    let problem = AppError::Invalid(Invalid::from(e.clone())).problem();
    let body = PolicyProblemBody { problem, problems: e.problems.clone() };
    let mut resp = (StatusCode::UNPROCESSABLE_ENTITY, serde_json::to_vec(&body).unwrap_or_default()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    resp
}

/// The policy in force.
#[utoipa::path(get, path = "/api/v1/policy", tag = "Policy",
    responses((status = 200, description = "The version in force (0 = built-in default)", body = PolicyBody)))]
pub async fn current(State(st): State<AppState>, p: Principal) -> Result<Json<PolicyBody>, AppError> {
    Ok(Json(svc::current(&st, &p).await?.into()))
}

/// Every applied version, newest first (the built-in default, version 0, is not listed).
#[utoipa::path(get, path = "/api/v1/policy/versions", tag = "Policy",
    responses((status = 200, description = "Versions", body = Vec<PolicyBody>)))]
pub async fn versions(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<PolicyBody>>, AppError> {
    Ok(Json(svc::versions(&st, &p).await?.into_iter().map(PolicyBody::from).collect()))
}

/// One version (0 = the built-in default).
#[utoipa::path(get, path = "/api/v1/policy/versions/{version}", tag = "Policy",
    params(("version" = i64, Path, description = "Version number")),
    responses(
        (status = 200, description = "The version", body = PolicyBody),
        (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn version(
    State(st): State<AppState>,
    p: Principal,
    Path(version): Path<String>,
) -> Result<Json<PolicyBody>, AppError> {
    let n: i64 =
        version.parse().map_err(|_| AppError::NotFound(format!("'{version}' is not a policy version number")))?;
    Ok(Json(svc::version(&st, &p, n).await?.into()))
}

/// Propose a policy change. Send the whole file as `application/toml`, or JSON
/// `{document, title?, context?}`. The file is checked first: 422 lists each problem with its
/// line, column and path. Otherwise a `policy_change` decision request is recorded (its context
/// says what changes) and returned; the document applies as the next version when that
/// decision is decided — by default jointly: one chief decides, the other concurs.
#[utoipa::path(post, path = "/api/v1/policy/proposals", tag = "Policy",
    request_body(content(
        (ProposalBody = "application/json"),
        (String = "application/toml"),
    )),
    responses(
        (status = 201, description = "The policy_change decision request", body = Decision),
        (status = 403, description = "Read-only role or token", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither TOML nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file does not read; each problem with its line", body = PolicyProblemBody, content_type = "application/problem+json"),
    ))]
pub async fn propose(State(st): State<AppState>, p: Principal, headers: HeaderMap, body: Bytes) -> Response {
    match propose_inner(&st, &p, &headers, &body).await {
        Ok(d) => (StatusCode::CREATED, Json(d)).into_response(),
        Err(ProposeError::Document(e)) => policy_problem(&e),
        Err(ProposeError::Other(e)) => e.into_response(),
    }
}

async fn propose_inner(
    st: &AppState,
    p: &Principal,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Decision, ProposeError> {
    // Permission first, so a read-only caller learns nothing from parsing.
    p.require(Permission::Write)?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (document, title, context) = match mime.as_str() {
        "application/toml" | "text/toml" | "text/plain" => {
            let doc = String::from_utf8(body.to_vec())
                .map_err(|_| AppError::BadRequest("the policy file is not UTF-8 text".into()))?;
            (doc, None, None)
        }
        "application/json" => {
            let b: ProposalBody = parse_json(body)?;
            (b.document, b.title, b.context)
        }
        _ => {
            return Err(AppError::UnsupportedMediaType(format!(
                "send the policy as application/toml, or JSON {{document, title, context}} (got '{}')",
                if ct.is_empty() { "no content type" } else { ct }
            ))
            .into());
        }
    };
    Ok(svc::propose(st, p, document, title, context).await?.0)
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(current)).routes(routes!(versions)).routes(routes!(version)).routes(routes!(propose))
}
