//! Written decisions: the decision log, requests, deciding, concurring, withdrawing.
//! Decided records never change; a change of mind is a new decision with `supersedes`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use rhythm_domain::decision::{DecideInput, Decision, DecisionInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, PageBody};
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service::decisions as svc;
use crate::{AppState, service};

/// The decision log, filtered, sorted and paged.
#[utoipa::path(get, path = "/api/v1/decisions", tag = "Decisions",
    params(
        ("q" = Option<String>, Query, description = "Search title, context, choice and cost"),
        ("sort" = Option<String>, Query, description = "requested_at (default, newest first), decided_at or number; prefix with - for descending"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 500 (default 50)"),
        ("offset" = Option<u64>, Query, description = "Entries to skip"),
        ("category" = Option<String>, Query, description = "Filter on category (e.g. launch_readiness)"),
        ("status" = Option<String>, Query, description = "requested, awaiting_concurrence, decided or withdrawn"),
        ("decider" = Option<String>, Query, description = "cto, ciso, joint or escalate"),
        ("risk" = Option<Uuid>, Query, description = "Linked risk id"),
        ("release" = Option<Uuid>, Query, description = "Linked release id"),
        ("exception" = Option<Uuid>, Query, description = "Linked exception id"),
        ("backlog_item" = Option<Uuid>, Query, description = "Linked backlog item id"),
        ("supersedes" = Option<Uuid>, Query, description = "Decisions that supersede this decision id"),
        ("requested_by" = Option<Uuid>, Query, description = "Requester user id"),
        ("decided_by" = Option<Uuid>, Query, description = "User id of either chief who decided or concurred"),
    ),
    responses(
        (status = 200, description = "One page", body = PageBody<Decision>),
        (status = 400, description = "Unknown filter or sort, bad value", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    RawQuery(q): RawQuery,
) -> Result<Json<PageBody<Decision>>, AppError> {
    let q = service::list_query(q.as_deref())?;
    Ok(Json(svc::list(&st, &p, &q).await?.into()))
}

/// Record a decision request. Who decides comes from the policy in force; `supersedes` names
/// the earlier decision this one replaces.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "Decisions", request_body = DecisionInput,
    responses(
        (status = 201, description = "Requested", body = Decision),
        (status = 403, description = "Read-only role or token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field broke a rule, or a link is not in this workspace", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    p: Principal,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<(StatusCode, Json<Decision>), AppError> {
    Ok((StatusCode::CREATED, Json(svc::create(&st, &p, input).await?)))
}

/// One decision by id or reference (DEC-12).
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "Decisions",
    params(("id" = String, Path, description = "UUID or reference (DEC-12)")),
    responses(
        (status = 200, description = "The decision", body = Decision),
        (status = 404, description = "No such decision in this workspace", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(State(st): State<AppState>, p: Principal, Path(id): Path<String>) -> Result<Json<Decision>, AppError> {
    Ok(Json(svc::resolve(&st, &p, &id).await?))
}

/// Decide: the choice and its cost. Only whoever the policy names may (403 `no_decision_right`):
/// a joint decision is recorded by one chief and then waits for the *other* chief to concur; an
/// escalation is decided by the escalation authority (the executive role) once both chiefs'
/// positions are on record (409 `decision_wrong_state` before).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/decide", tag = "Decisions", request_body = DecideInput,
    params(("id" = String, Path, description = "UUID or reference (DEC-12)")),
    responses(
        (status = 200, description = "Decided, or awaiting the other chief", body = Decision),
        (status = 403, description = "No decision right (rule no_decision_right) or read-only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such decision in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not requested any more (rule decision_wrong_state), or a policy proposal overtaken by another change (policy_proposal_stale)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "choice or cost missing, or escalated_to too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecideInput>,
) -> Result<Json<Decision>, AppError> {
    Ok(Json(svc::decide(&st, &p, &id, input).await?))
}

/// Concur with a joint decision: the other chief's signature. A policy_change decision applies
/// its proposed policy in the same step.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/concur", tag = "Decisions",
    params(("id" = String, Path, description = "UUID or reference (DEC-12)")),
    responses(
        (status = 200, description = "Decided", body = Decision),
        (status = 403, description = "Not the other chief: the chief of the other side from the one who recorded it (rule no_decision_right)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting concurrence", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn concur(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Decision>, AppError> {
    Ok(Json(svc::concur(&st, &p, &id).await?))
}

/// A chief's written position on an escalation.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    /// What this chief wants decided and why (up to 4000 characters).
    pub position: String,
}

/// State (or restate) your position on an escalation, as the CTO or the CISO. The escalation
/// authority decides only once both chiefs' positions are on record.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/position", tag = "Decisions", request_body = PositionBody,
    params(("id" = String, Path, description = "UUID or reference (DEC-12)")),
    responses(
        (status = 200, description = "The position is on record", body = Decision),
        (status = 403, description = "Not the CTO or the CISO (rule no_decision_right), or read-only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such decision in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not an escalation, or decided already (rule decision_wrong_state)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "position missing or too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn position(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PositionBody>,
) -> Result<Json<Decision>, AppError> {
    Ok(Json(svc::state_position(&st, &p, &id, &body.position).await?))
}

/// Withdraw a request that is not decided (its requester or a chief).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/withdraw", tag = "Decisions",
    params(("id" = String, Path, description = "UUID or reference (DEC-12)")),
    responses(
        (status = 200, description = "Withdrawn", body = Decision),
        (status = 403, description = "Neither the requester nor a chief", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided or withdrawn", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Decision>, AppError> {
    Ok(Json(svc::withdraw(&st, &p, &id).await?))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(decide))
        .routes(routes!(concur))
        .routes(routes!(position))
        .routes(routes!(withdraw))
}
