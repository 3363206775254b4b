//! The launch gate: a release's verdict (GO, GO WITH EXCEPTIONS, STOP) with each stop-ship
//! criterion's evidence, the overview of upcoming releases, and the escalation that can
//! override a STOP.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rhythm_domain::decision::Decision;
use rhythm_domain::gate::{GateReport, Verdict};
use rhythm_domain::{Permission, Release};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service;

/// The gate's verdict for a release, judged now against live data. A read: it writes nothing
/// (a STOP is told by the governance job, [`crate::jobs::run_governance_once`]).
pub async fn report(st: &AppState, p: &Principal, id: &str) -> Result<GateReport, AppError> {
    let release = service::resolve::<Release>(st, p, id).await?;
    Ok(st.store.gate(p.workspace_id(), release.id, st.now().date()).await?)
}

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
    Ok(Json(report(&st, &p, &id).await?))
}

/// The verdicts of every release that has not shipped yet, soonest first.
#[utoipa::path(get, path = "/api/v1/gate", tag = "Launch gate",
    responses((status = 200, description = "One report per upcoming release", body = Vec<GateReport>)))]
pub async fn upcoming(State(st): State<AppState>, p: Principal) -> Result<Json<Vec<GateReport>>, AppError> {
    p.require(Permission::Read)?;
    Ok(Json(st.store.gate_upcoming(p.workspace_id(), st.now().date()).await?))
}

/// A request to override a release's STOP.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// What is asked, e.g. "Ship Payments 2026.12 despite the STOP".
    pub title: String,
    /// Why, and what the STOP found.
    #[serde(default)]
    pub context: String,
    /// The options considered (at least two).
    pub options: Vec<String>,
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
    Ok((StatusCode::CREATED, Json(override_for(&st, &p, &id, body).await?)))
}

/// Records an override request for a release whose criteria say STOP (API and web form).
pub async fn override_for(st: &AppState, p: &Principal, id: &str, body: OverrideRequest) -> Result<Decision, AppError> {
    p.require(Permission::Write)?;
    let gate = report(st, p, id).await?;
    if gate.criteria_verdict != Verdict::Stop {
        return Err(AppError::Conflict(format!(
            "{} is {} by its criteria; only a STOP can be overridden",
            gate.release,
            gate.criteria_verdict.label()
        )));
    }
    let input = rhythm_domain::decision::DecisionInput {
        title: body.title,
        category: None,
        context: body.context,
        options: body.options,
        ..Default::default()
    };
    Ok(st.store.request_gate_override(&p.actor(), gate.release_id, input, st.now()).await?)
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(release_gate)).routes(routes!(upcoming)).routes(routes!(request_override))
}
