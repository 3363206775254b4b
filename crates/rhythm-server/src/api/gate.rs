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

/// The gate's verdict for a release, judged now against live data.
pub async fn report(st: &AppState, p: &Principal, id: &str) -> Result<GateReport, AppError> {
    let release = service::resolve::<Release>(st, p, id).await?;
    let report = st.store.gate(p.workspace_id(), release.id, st.now().date()).await?;
    if report.verdict == Verdict::Stop {
        tell_stop(st, p, &report).await;
    }
    Ok(report)
}

/// Tells the workspace's notification targets about a STOP (`launch_gate.stop`). The store
/// keeps quiet about the same verdict with the same evidence for a day, so CI runs and page
/// views do not repeat it. A failure to enqueue is logged; the verdict is still answered.
async fn tell_stop(st: &AppState, p: &Principal, r: &GateReport) {
    let failing: Vec<String> = r
        .criteria
        .iter()
        .filter(|c| c.status == rhythm_domain::gate::CriterionStatus::Fail)
        .map(|c| {
            let refs: Vec<&str> =
                c.evidence.iter().filter(|e| e.covered_by.is_none()).map(|e| e.reference.as_str()).collect();
            format!("{} ({})", c.id, refs.join(", "))
        })
        .collect();
    let summary = format!("{} {}: STOP. Failing: {}.", r.release, r.release_name, failing.join("; "));
    let url = st
        .config
        .public_url
        .as_deref()
        .map(|base| format!("{}/releases/{}/gate", base.trim_end_matches('/'), r.release));
    if let Err(e) = st.store.notify_gate_stop(p.workspace_id(), &r.release, &summary, url.as_deref(), st.now()).await {
        tracing::warn!(release = %r.release, error = %e, "could not enqueue the launch_gate.stop notification");
    }
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
