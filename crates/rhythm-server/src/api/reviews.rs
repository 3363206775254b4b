//! How a design review ends (in a spike with a deadline, or in a decision) and a vendor's
//! onboarding decision.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service::reviews::{self, EndedInDecision, EndedInSpike, Onboarding, ReviewDecisionRequest, SpikeRequest};

/// End a design review in a spike: a security backlog item on the review's system with a
/// deadline.
#[utoipa::path(post, path = "/api/v1/design-reviews/{id}/spike", tag = "Design reviews", request_body = SpikeRequest,
    params(("id" = String, Path, description = "UUID or reference (DR-3)")),
    responses(
        (status = 201, description = "Ended in a spike", body = EndedInSpike),
        (status = 422, description = "A question is unanswered, the review already ended, or no deadline", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_spike(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SpikeRequest>,
) -> Result<(StatusCode, Json<EndedInSpike>), AppError> {
    Ok((StatusCode::CREATED, Json(reviews::spike(&st, &p, &id, body).await?)))
}

/// End a design review in a decision request, routed by the policy (new core patterns are
/// decided jointly by default).
#[utoipa::path(post, path = "/api/v1/design-reviews/{id}/decision", tag = "Design reviews", request_body = ReviewDecisionRequest,
    params(("id" = String, Path, description = "UUID or reference (DR-3)")),
    responses(
        (status = 201, description = "Ended in a decision", body = EndedInDecision),
        (status = 422, description = "A question is unanswered or the review already ended", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_decision(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewDecisionRequest>,
) -> Result<(StatusCode, Json<EndedInDecision>), AppError> {
    Ok((StatusCode::CREATED, Json(reviews::decision(&st, &p, &id, body).await?)))
}

/// Ask for the joint decision that adopting a vendor is, with its data flows, breach clause
/// and access model on the record.
#[utoipa::path(post, path = "/api/v1/vendors/{id}/onboarding", tag = "Vendors",
    params(("id" = String, Path, description = "UUID or reference (VEN-2)")),
    responses(
        (status = 201, description = "The onboarding decision request", body = Onboarding),
        (status = 409, description = "An onboarding decision is already open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Data flows, breach clause or access model not recorded", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn post_onboarding(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Onboarding>), AppError> {
    Ok((StatusCode::CREATED, Json(reviews::onboarding(&st, &p, &id).await?)))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(post_spike)).routes(routes!(post_decision)).routes(routes!(post_onboarding))
}
