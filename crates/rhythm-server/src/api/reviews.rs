//! How a design review ends (in a spike with a deadline, or in a decision) and a vendor's
//! onboarding decision.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rhythm_domain::decision::{Decision, DecisionInput};
use rhythm_domain::policy::DecisionCategory;
use rhythm_domain::{BacklogItem, DesignReview, Permission, Vendor};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service;

/// A spike: what to find out, and by when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpikeRequest {
    pub title: String,
    #[serde(default, with = "rhythm_domain::registers::date_format::date::option")]
    #[schema(value_type = String, format = Date)]
    pub due_date: Option<Date>,
}

/// The review, ended, and its spike.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndedInSpike {
    pub review: DesignReview,
    pub backlog_item: BacklogItem,
}

/// The decision a review ends in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecisionRequest {
    pub title: String,
    /// Defaults to `new_core_patterns` (decided jointly by the default policy).
    #[serde(default)]
    pub category: Option<DecisionCategory>,
    #[serde(default)]
    pub context: String,
    pub options: Vec<String>,
}

/// The review, ended, and its decision request.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndedInDecision {
    pub review: DesignReview,
    pub decision: Decision,
}

/// The vendor and its onboarding decision request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Onboarding {
    pub vendor: Vendor,
    pub decision: Decision,
}

pub async fn spike(st: &AppState, p: &Principal, id: &str, body: SpikeRequest) -> Result<EndedInSpike, AppError> {
    p.require(Permission::Write)?;
    let review = service::resolve::<DesignReview>(st, p, id).await?;
    let (review, backlog_item) =
        st.store.end_design_review_in_spike(&p.actor(), review.id, &body.title, body.due_date, st.now()).await?;
    Ok(EndedInSpike { review, backlog_item })
}

pub async fn decision(
    st: &AppState,
    p: &Principal,
    id: &str,
    body: ReviewDecisionRequest,
) -> Result<EndedInDecision, AppError> {
    p.require(Permission::Write)?;
    let review = service::resolve::<DesignReview>(st, p, id).await?;
    let input = DecisionInput {
        title: body.title,
        category: body.category,
        context: body.context,
        options: body.options,
        ..Default::default()
    };
    let (review, decision) = st.store.end_design_review_in_decision(&p.actor(), review.id, input, st.now()).await?;
    Ok(EndedInDecision { review, decision })
}

pub async fn onboarding(st: &AppState, p: &Principal, id: &str) -> Result<Onboarding, AppError> {
    p.require(Permission::Write)?;
    let vendor = service::resolve::<Vendor>(st, p, id).await?;
    let (vendor, decision) = st.store.request_vendor_onboarding(&p.actor(), vendor.id, st.now()).await?;
    Ok(Onboarding { vendor, decision })
}

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
    Ok((StatusCode::CREATED, Json(spike(&st, &p, &id, body).await?)))
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
    Ok((StatusCode::CREATED, Json(decision(&st, &p, &id, body).await?)))
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
    Ok((StatusCode::CREATED, Json(onboarding(&st, &p, &id).await?)))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(post_spike)).routes(routes!(post_decision)).routes(routes!(post_onboarding))
}
