//! "Waiting for me": everything a person must act on, in one place — exception signatures,
//! decisions to decide, concur with or state a position on, escalated exceptions to take up or
//! settle, and releases stopped by their gate. Each list follows the same rules the steps
//! themselves apply (the domain's), so nothing shows that the person could not then do.

use rhythm_domain::decision::{Decision, DecisionStatus};
use rhythm_domain::gate::{GateReport, Verdict};
use rhythm_domain::{Exception, ExceptionSide, ExceptionStatus, Permission, Role};
use rhythm_store::ListQuery;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::{decisions, exceptions, gate};

/// The largest number of open decisions or escalated exceptions looked at.
const LIMIT: u32 = 500;

/// What a person is asked to do with a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStep {
    /// Record the choice: the person holds the decision right.
    Decide,
    /// Concur as the other chief with a joint decision.
    Concur,
    /// State a written position on an escalation (not on record yet).
    Position,
}

/// A decision and what waits for the person on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingDecision {
    pub step: DecisionStep,
    pub decision: Decision,
}

/// An escalated exception and the escalation decisions that name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingEscalation {
    pub exception: Exception,
    /// `DEC-n` of the escalations about it (any state); empty when none was requested yet.
    pub decisions: Vec<String>,
    /// The person decided one of them and records what it settled.
    pub to_settle: bool,
}

/// A signature the person owes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingSignature {
    pub side: ExceptionSide,
    pub exception: Exception,
}

/// Everything waiting for the person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Waiting {
    pub signatures: Vec<WaitingSignature>,
    pub decisions: Vec<WaitingDecision>,
    pub escalations: Vec<WaitingEscalation>,
    /// Releases not shipped whose gate says STOP, for the people who answer for releases (the
    /// two chiefs and delivery planners), soonest first.
    pub stopped_releases: Vec<GateReport>,
}

impl Waiting {
    pub fn count(&self) -> usize {
        self.signatures.len() + self.decisions.len() + self.escalations.len() + self.stopped_releases.len()
    }
}

/// What waits for the person now.
pub async fn waiting(st: &AppState, p: &Principal) -> Result<Waiting, AppError> {
    p.require(Permission::Read)?;
    let signatures = exceptions::inbox(st, p)
        .await?
        .into_iter()
        .map(|(exception, side)| WaitingSignature { side, exception })
        .collect();

    let open = |status: DecisionStatus| ListQuery {
        filters: vec![("status".into(), status.as_str().into())],
        limit: LIMIT,
        sort: Some("requested_at".into()),
        dir: Some(rhythm_store::SortDir::Asc),
        ..ListQuery::default()
    };
    let mut open_decisions = decisions::list(st, p, &open(DecisionStatus::Requested)).await?.items;
    open_decisions.extend(decisions::list(st, p, &open(DecisionStatus::AwaitingConcurrence)).await?.items);
    let mine = |d: &Decision| match p.user.role {
        Role::Cto => d.cto_position.is_empty(),
        Role::Ciso => d.ciso_position.is_empty(),
        _ => false,
    };
    let decisions = open_decisions
        .into_iter()
        .filter_map(|d| {
            let steps = decisions::next_steps(p, &d);
            let step = if steps.decide {
                DecisionStep::Decide
            } else if steps.concur {
                DecisionStep::Concur
            } else if steps.position && mine(&d) {
                DecisionStep::Position
            } else {
                return None;
            };
            Some(WaitingDecision { step, decision: d })
        })
        .collect();

    let mut escalations = Vec::new();
    if matches!(p.user.role, Role::Cto | Role::Ciso | Role::Executive) {
        let q = ListQuery {
            filters: vec![("status".into(), ExceptionStatus::Escalated.as_str().into())],
            limit: LIMIT,
            ..ListQuery::default()
        };
        let escalated = exceptions::list(st, p, &q).await?.items;
        if !escalated.is_empty() {
            // One read of the escalation decisions, matched to the exceptions they name.
            let q = ListQuery {
                filters: vec![("decider".into(), "escalate".into())],
                limit: LIMIT,
                ..ListQuery::default()
            };
            let all = decisions::list(st, p, &q).await?.items;
            for exception in escalated {
                let named: Vec<&Decision> = all.iter().filter(|d| d.exception_ids.contains(&exception.id)).collect();
                let to_settle = named.iter().any(|d| d.may_settle(exception.id, "", p.user.id).is_ok());
                let decisions = named.iter().map(|d| d.reference()).collect();
                escalations.push(WaitingEscalation { exception, decisions, to_settle });
            }
        }
    }

    let stopped_releases = if matches!(p.user.role, Role::Cto | Role::Ciso | Role::Delivery) {
        gate::upcoming(st, p).await?.into_iter().filter(|r| r.verdict == Verdict::Stop).collect()
    } else {
        Vec::new()
    };
    Ok(Waiting { signatures, decisions, escalations, stopped_releases })
}
