//! How a design review ends (in a spike with a deadline, or in a decision) and a vendor's
//! onboarding decision: each one store write with both entries and both audit rows.

use rhythm_domain::decision::{Decision, DecisionInput};
use rhythm_domain::policy::DecisionCategory;
use rhythm_domain::{BacklogItem, DesignReview, Permission, Vendor};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
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

/// Ends a design review (UUID or `DR-n`) in a spike: a security backlog item with a deadline.
pub async fn spike(st: &AppState, p: &Principal, id: &str, body: SpikeRequest) -> Result<EndedInSpike, AppError> {
    p.require(Permission::Write)?;
    let review = service::resolve::<DesignReview>(st, p, id).await?;
    let (review, backlog_item) =
        st.store.end_design_review_in_spike(&p.actor(), review.id, &body.title, body.due_date, st.now()).await?;
    Ok(EndedInSpike { review, backlog_item })
}

/// Ends a design review in a decision request, routed by the policy.
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

/// Asks for the joint decision that adopting a vendor (UUID or `VEN-n`) is.
pub async fn onboarding(st: &AppState, p: &Principal, id: &str) -> Result<Onboarding, AppError> {
    p.require(Permission::Write)?;
    let vendor = service::resolve::<Vendor>(st, p, id).await?;
    let (vendor, decision) = st.store.request_vendor_onboarding(&p.actor(), vendor.id, st.now()).await?;
    Ok(Onboarding { vendor, decision })
}
