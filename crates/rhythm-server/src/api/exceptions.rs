//! Exceptions: time-boxed, two-signature acceptances of risks and findings, and the inbox of
//! requests waiting for the caller's signature.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use rhythm_domain::{Exception, ExceptionInput, ExceptionPatch, ExceptionSide};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ApiJson, PageBody};
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service::exceptions as svc;
use crate::{AppState, service};

/// A signature: the caller signs one side with their own role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    /// `engineering` (CTO or engineering lead) or `security` (CISO or security lead).
    pub side: ExceptionSide,
    pub approve: bool,
    /// Why; required with a rejection, so an escalation keeps both positions.
    #[serde(default)]
    pub note: String,
}

/// Settles an escalated exception with a decided escalation decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveEscalationBody {
    pub approve: bool,
    /// The decided escalation decision (a decision of this workspace).
    pub decision_id: Uuid,
}

/// A request waiting for the caller's signature.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxEntry {
    /// The side the caller signs.
    pub awaiting_side: ExceptionSide,
    #[serde(flatten)]
    pub exception: Exception,
}

const REFUSED_403: &str = "Read-only role or token, or a rule about who may act (`rule`: wrong_role, not_the_named_owner, same_person_both_sides, not_requester, not_requester_or_owner)";
const REFUSED_409: &str = "Not possible in its state (`rule`: not_signable_in_state, already_signed, expired, not_withdrawable_in_state, not_editable_in_state, not_escalated, stale_version)";

/// List exceptions, filtered, sorted and paged.
#[utoipa::path(get, path = "/api/v1/exceptions", tag = "Exceptions",
    params(
        ("q" = Option<String>, Query, description = "Search in title, business reason and scope"),
        ("sort" = Option<String>, Query, description = "Sort by one of: expires_on (default), number, created_at, review_on, updated_at; prefix with - for descending"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 500 (default 50)"),
        ("offset" = Option<u64>, Query, description = "Entries to skip"),
        ("status" = Option<String>, Query, description = "requested, approved, rejected, escalated, withdrawn or expired"),
        ("system" = Option<Uuid>, Query, description = "Covers this system"),
        ("risk" = Option<Uuid>, Query, description = "Covers this risk"),
        ("finding" = Option<Uuid>, Query, description = "Covers this finding"),
        ("owner" = Option<Uuid>, Query, description = "This user owns either side"),
        ("requester" = Option<Uuid>, Query, description = "Requested by this user"),
        ("awaiting_signature" = Option<Uuid>, Query, description = "Requested, and this user owns a side that is not signed yet"),
        ("supersedes" = Option<Uuid>, Query, description = "Extends this exception"),
        ("expires_before" = Option<time::Date>, Query, description = "Last valid day on or before this date (YYYY-MM-DD)"),
    ),
    responses(
        (status = 200, description = "One page", body = PageBody<Exception>),
        (status = 400, description = "Unknown filter or sort, bad value", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    RawQuery(q): RawQuery,
) -> Result<Json<PageBody<Exception>>, AppError> {
    let q = service::list_query(q.as_deref())?;
    Ok(Json(svc::list(&st, &p, &q).await?.into()))
}

/// Get one exception by id or reference (EXC-7).
#[utoipa::path(get, path = "/api/v1/exceptions/{id}", tag = "Exceptions",
    params(("id" = String, Path, description = "UUID or reference")),
    responses(
        (status = 200, description = "The exception", body = Exception),
        (status = 404, description = "No such exception in this workspace", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Exception>, AppError> {
    Ok(Json(svc::resolve(&st, &p, &id).await?))
}

/// Request an exception. The caller is the requester; both named owners are asked to sign.
/// An extension names the exception it `supersedes`.
#[utoipa::path(post, path = "/api/v1/exceptions", tag = "Exceptions", request_body = ExceptionInput,
    responses(
        (status = 201, description = "Requested", body = Exception),
        (status = 400, description = "Malformed JSON or unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Read-only role or token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field broke a rule (including the policy's exception rules)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<ExceptionInput>,
) -> Result<(StatusCode, Json<Exception>), AppError> {
    Ok((StatusCode::CREATED, Json(svc::request(&st, &p, input).await?)))
}

/// Change an exception (the requester or an owner). Changing anything but the title voids
/// its signatures and sends it back to `requested`.
#[utoipa::path(patch, path = "/api/v1/exceptions/{id}", tag = "Exceptions", request_body = ExceptionPatch,
    params(("id" = String, Path, description = "UUID or reference")),
    responses(
        (status = 200, description = "Changed", body = Exception),
        (status = 403, description = REFUSED_403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such exception in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = REFUSED_409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field broke a rule", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ExceptionPatch>,
) -> Result<Json<Exception>, AppError> {
    Ok(Json(svc::edit(&st, &p, &id, patch).await?))
}

/// Sign one side as its named owner. Both approve: approved (and a review item is added to
/// the backlog); one rejects: rejected; they disagree: escalated.
#[utoipa::path(post, path = "/api/v1/exceptions/{id}/sign", tag = "Exceptions", request_body = SignBody,
    params(("id" = String, Path, description = "UUID or reference")),
    responses(
        (status = 200, description = "Signed", body = Exception),
        (status = 403, description = REFUSED_403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such exception in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = REFUSED_409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rejection without a note", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignBody>,
) -> Result<Json<Exception>, AppError> {
    Ok(Json(svc::sign(&st, &p, &id, body.side, body.approve, body.note).await?))
}

/// Withdraw a requested or escalated exception (the requester).
#[utoipa::path(post, path = "/api/v1/exceptions/{id}/withdraw", tag = "Exceptions",
    params(("id" = String, Path, description = "UUID or reference")),
    responses(
        (status = 200, description = "Withdrawn", body = Exception),
        (status = 403, description = REFUSED_403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such exception in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = REFUSED_409, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Exception>, AppError> {
    Ok(Json(svc::withdraw(&st, &p, &id).await?))
}

/// Settle an escalated exception with a decided escalation decision.
#[utoipa::path(post, path = "/api/v1/exceptions/{id}/resolve-escalation", tag = "Exceptions", request_body = ResolveEscalationBody,
    params(("id" = String, Path, description = "UUID or reference")),
    responses(
        (status = 200, description = "Approved or rejected", body = Exception),
        (status = 403, description = "Read-only role or token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such exception in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = REFUSED_409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The decision is unknown or not decided", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resolve_escalation(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResolveEscalationBody>,
) -> Result<Json<Exception>, AppError> {
    Ok(Json(svc::resolve_escalation(&st, &p, &id, body.approve, body.decision_id).await?))
}

/// Waiting for my signature: requested exceptions where the caller is a named owner whose side
/// is not signed yet, soonest expiry first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "Exceptions",
    responses(
        (status = 200, description = "What waits for the caller", body = Vec<InboxEntry>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn inbox(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<InboxEntry>>, AppError> {
    let items = svc::inbox(&st, &p).await?;
    Ok(Json(items.into_iter().map(|(exception, awaiting_side)| InboxEntry { awaiting_side, exception }).collect()))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(sign))
        .routes(routes!(withdraw))
        .routes(routes!(resolve_escalation))
        .routes(routes!(inbox))
}
