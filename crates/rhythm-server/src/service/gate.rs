//! The launch gate: a release's verdict judged now against live data, every upcoming
//! release's, and the escalation that can override a STOP. Reads write nothing (a STOP is told
//! by the governance job, [`crate::jobs::run_governance_once`]).

use rhythm_domain::decision::{Decision, DecisionInput};
use rhythm_domain::gate::{GateReport, Verdict};
use rhythm_domain::{Permission, Release};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service;

/// The gate's verdict for a release (UUID or `REL-n`).
pub async fn report(st: &AppState, p: &Principal, id: &str) -> Result<GateReport, AppError> {
    let release = service::resolve::<Release>(st, p, id).await?;
    Ok(st.store.gate(p.workspace_id(), release.id, st.now().date()).await?)
}

/// The verdicts of every release that has not shipped yet, soonest first.
pub async fn upcoming(st: &AppState, p: &Principal) -> Result<Vec<GateReport>, AppError> {
    p.require(Permission::Read)?;
    Ok(st.store.gate_upcoming(p.workspace_id(), st.now().date()).await?)
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

/// Records an override request (a `stop_ship` decision request linked to the release) for a
/// release whose criteria say STOP; anything else is a conflict.
pub async fn request_override(
    st: &AppState,
    p: &Principal,
    id: &str,
    body: OverrideRequest,
) -> Result<Decision, AppError> {
    p.require(Permission::Write)?;
    let gate = report(st, p, id).await?;
    if gate.criteria_verdict != Verdict::Stop {
        return Err(AppError::Conflict(format!(
            "{} is {} by its criteria; only a STOP can be overridden",
            gate.release,
            gate.criteria_verdict.label()
        )));
    }
    let input = DecisionInput {
        title: body.title,
        category: None,
        context: body.context,
        options: body.options,
        ..Default::default()
    };
    Ok(st.store.request_gate_override(&p.actor(), gate.release_id, input, st.now()).await?)
}
