//! The launch gate: a release's verdict (GO, GO WITH EXCEPTIONS, STOP) with each stop-ship
//! criterion's evidence, the overview of upcoming releases, and the escalation that can
//! override a STOP.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rhythm_domain::decision::Decision;
use rhythm_domain::gate::GateReport;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service::gate::{self, OverrideRequest};

/// The launch gate of a release: GO, GO WITH EXCEPTIONS or STOP, with every criterion's
/// evidence and what would turn it green.
#[utoipa::path(get, path = "/api/v1/releases/{id}/gate", tag = "Launch gate",
    params(("id" = String, Path, description = "UUID or reference (REL-12)")),
    responses(
        (status = 200, description = "The verdict", body = GateReport),
        (status = 404, description = "No such release", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn release_gate(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<GateReport>, AppError> {
    Ok(Json(gate::report(&st, &p, &id).await?))
}

/// The verdicts of every release that has not shipped yet, soonest first.
#[utoipa::path(get, path = "/api/v1/gate", tag = "Launch gate",
    responses((status = 200, description = "One report per upcoming release", body = Vec<GateReport>)))]
pub async fn upcoming(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<GateReport>>, AppError> {
    Ok(Json(gate::upcoming(&st, &p).await?))
}

/// Asks the escalation path to override a STOP: records a `stop_ship` decision request
/// linked to the release. The gate counts it once it is decided.
#[utoipa::path(post, path = "/api/v1/releases/{id}/gate/override", tag = "Launch gate", request_body = OverrideRequest,
    params(("id" = String, Path, description = "UUID or reference (REL-12)")),
    responses(
        (status = 201, description = "The escalation decision request", body = Decision),
        (status = 409, description = "The gate does not say STOP", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_override(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OverrideRequest>,
) -> Result<(StatusCode, Json<Decision>), AppError> {
    Ok((StatusCode::CREATED, Json(gate::request_override(&st, &p, &id, body).await?)))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(release_gate)).routes(routes!(upcoming)).routes(routes!(request_override))
}
