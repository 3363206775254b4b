//! The launch gate's read: everything the stop-ship criteria look at, gathered in one read
//! transaction so a verdict is judged against one consistent moment, then judged by the pure
//! [`rhythm_domain::gate::evaluate`].

use rhythm_domain::gate::{GateInput, GateReport, evaluate};
use rhythm_domain::policy::StopShipRule;
use rhythm_domain::{Finding, FindingStatus, Release, ReleaseStatus, Risk, RiskStatus, Severity, System};
use time::Date;
use uuid::Uuid;

use crate::db::{Tx, Val};
use crate::governance::{gate_exceptions, gate_overrides, policy_for_gate};
use crate::registers::{fetch, select_in};
use crate::{Store, StoreError};

/// The workspace-wide part of the gate's inputs.
struct Shared {
    policy: rhythm_domain::policy::Policy,
    policy_version: i64,
    systems: Vec<System>,
    findings: Vec<Finding>,
    risks: Vec<Risk>,
    exceptions: Vec<rhythm_domain::Exception>,
}

/// Reads the workspace-wide inputs for judging `releases`. Findings are the only set that can
/// be large (scanner imports), so only the open ones that a criterion could count are read:
/// of the releases' systems (all systems when one names none), at or above the lowest
/// severity any `open_findings` criterion asks for.
async fn shared(tx: &mut Tx, ws: Uuid, releases: &[Release]) -> Result<Shared, StoreError> {
    let policy = policy_for_gate(tx, ws).await?;
    let systems = select_in::<System>(tx, ws, "1 = 1", &[]).await?;
    let lowest = policy
        .policy
        .stop_ship
        .iter()
        .filter_map(|c| match &c.rule {
            StopShipRule::OpenFindings { min_severity, .. } => Some(*min_severity),
            _ => None,
        })
        .max();
    let findings = match lowest {
        None => Vec::new(),
        Some(lowest) => {
            let mut args = vec![Val::from(FindingStatus::Open.as_str())];
            let severities: Vec<String> = Severity::ALL
                .iter()
                .filter(|s| **s <= lowest)
                .map(|s| {
                    args.push(Val::from(s.as_str()));
                    format!("${}", args.len() + 1)
                })
                .collect();
            let mut condition = format!("status = $2 AND severity IN ({})", severities.join(", "));
            if releases.iter().all(|r| r.system_id.is_some()) {
                let mut ids: Vec<Uuid> = releases.iter().filter_map(|r| r.system_id).collect();
                ids.sort_unstable();
                ids.dedup();
                if ids.is_empty() {
                    condition.push_str(" AND 1 = 0");
                } else {
                    let marks: Vec<String> = ids
                        .iter()
                        .map(|id| {
                            args.push(Val::from(*id));
                            format!("${}", args.len() + 1)
                        })
                        .collect();
                    condition.push_str(&format!(" AND system_id IN ({})", marks.join(", ")));
                }
            }
            select_in::<Finding>(tx, ws, &condition, &args).await?
        }
    };
    let risks = select_in::<Risk>(
        tx,
        ws,
        "status IN ($2, $3)",
        &[Val::from(RiskStatus::Open.as_str()), Val::from(RiskStatus::Mitigating.as_str())],
    )
    .await?;
    let exceptions = gate_exceptions(tx, ws).await?;
    Ok(Shared { policy: policy.policy, policy_version: policy.version, systems, findings, risks, exceptions })
}

async fn judge(tx: &mut Tx, ws: Uuid, s: &Shared, release: &Release, today: Date) -> Result<GateReport, StoreError> {
    let overrides = gate_overrides(tx, ws, release.id).await?;
    Ok(evaluate(&GateInput {
        policy: &s.policy,
        policy_version: s.policy_version,
        release,
        systems: &s.systems,
        findings: &s.findings,
        risks: &s.risks,
        exceptions: &s.exceptions,
        overrides: &overrides,
        today,
    }))
}

impl Store {
    /// The launch gate's verdict for one release on `today`, with each criterion's evidence.
    pub async fn gate(&self, workspace_id: Uuid, release_id: Uuid, today: Date) -> Result<GateReport, StoreError> {
        let mut tx = self.pool.read().await?;
        let release = fetch::<Release>(&mut tx, workspace_id, release_id).await?;
        let s = shared(&mut tx, workspace_id, std::slice::from_ref(&release)).await?;
        let report = judge(&mut tx, workspace_id, &s, &release, today).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The verdicts of every release that has not shipped (planned or in progress), soonest
    /// first: the launch-gate overview.
    pub async fn gate_upcoming(&self, workspace_id: Uuid, today: Date) -> Result<Vec<GateReport>, StoreError> {
        let mut tx = self.pool.read().await?;
        let mut releases = select_in::<Release>(
            &mut tx,
            workspace_id,
            "shipped_date IS NULL AND status <> $2",
            &[Val::from(ReleaseStatus::Cancelled.as_str())],
        )
        .await?;
        releases.sort_by_key(|r| (r.planned_date, r.number));
        let s = shared(&mut tx, workspace_id, &releases).await?;
        let mut out = Vec::with_capacity(releases.len());
        for r in &releases {
            out.push(judge(&mut tx, workspace_id, &s, r, today).await?);
        }
        tx.commit().await?;
        Ok(out)
    }
}
