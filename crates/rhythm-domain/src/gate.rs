//! The launch gate: a release's readiness, judged by the policy's stop-ship criteria against
//! live data. Pure: the store gathers the inputs, this module decides.
//!
//! Each criterion passes, is **waived** (everything it would stop for is covered by an
//! approved exception active today), or **fails**. Any failure is a STOP; otherwise any waiver
//! is GO WITH EXCEPTIONS; otherwise GO. A STOP stands until an escalation decides otherwise:
//! a decided `stop_ship` decision recorded as the release's override turns it into GO WITH
//! EXCEPTIONS, and the report names that decision.
//!
//! What is in scope: the release's system, or every active system when the release names
//! none; the open findings of those systems; the open and mitigating risks linked to them (all
//! such risks for a release without a system). A risk is *unmitigated* while it is `open`:
//! nobody is treating it yet. A `mitigating` risk has a treatment under way, and stops a
//! release only when that treatment is overdue. Accepted and closed risks do not stop a
//! release. A golden-path deviation is waived by an approved exception that lists the system
//! and covers a risk recorded against that system (the risk is where the deviation is written).

use serde::Serialize;
use time::Date;
use uuid::Uuid;

use crate::decision::{Decision, DecisionStatus};
use crate::exception::Exception;
use crate::policy::{Policy, StopShipCriterion, StopShipRule};
use crate::{Finding, Kind, Release, Risk, RiskStatus, System, SystemStatus};

crate::text_enum!(
    /// The gate's answer for a release.
    Verdict { Go = "go" / "GO", GoWithExceptions = "go_with_exceptions" / "GO WITH EXCEPTIONS", Stop = "stop" / "STOP" }
);

crate::text_enum!(
    /// How one criterion came out.
    CriterionStatus { Pass = "pass" / "Pass", Waived = "waived" / "Waived by exception", Fail = "fail" / "Fail" }
);

/// One thing a criterion found: a finding, risk or system, and the exception that covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub kind: Kind,
    pub id: Uuid,
    /// `FND-12`, `RISK-4`, `SYS-2`.
    pub reference: String,
    pub title: String,
    /// Why it counts, in words: `critical in production, open since 2026-10-02`.
    pub detail: String,
    /// The approved exception that covers it on the day the release is judged for (`EXC-3`).
    pub covered_by: Option<String>,
    /// An approved exception that covers it now but lapses before the release's planned date,
    /// so it covers nothing for this release (`EXC-2 lapses on 2027-01-01`).
    pub lapses: Option<String>,
    /// Requests waiting for signatures that would cover it once approved (`EXC-5`).
    pub pending: Vec<String>,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CriterionResult {
    pub id: String,
    /// `open_findings`, `unmitigated_risks`, `golden_path`, `overdue_risks`.
    pub kind: String,
    /// What the criterion stops a release for.
    pub summary: String,
    pub description: Option<String>,
    pub status: CriterionStatus,
    pub evidence: Vec<Evidence>,
    /// What would turn it green; empty when it passes.
    pub to_turn_green: String,
}

/// The gate's report for one release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GateReport {
    pub release_id: Uuid,
    /// `REL-14`.
    pub release: String,
    pub release_name: String,
    #[serde(with = "crate::registers::date_format::date")]
    #[schema(value_type = String, format = Date)]
    pub planned_date: Date,
    /// The verdict that counts (after an override).
    pub verdict: Verdict,
    /// The verdict of the criteria alone.
    pub criteria_verdict: Verdict,
    /// The decided escalation that overrode a STOP (`DEC-9`).
    pub overridden_by: Option<String>,
    pub override_choice: Option<String>,
    /// Systems in scope: `SYS-2 Payments API`.
    pub systems: Vec<String>,
    /// The policy version the criteria came from.
    pub policy_version: i64,
    #[serde(with = "crate::registers::date_format::date")]
    #[schema(value_type = String, format = Date)]
    pub evaluated_on: Date,
    pub criteria: Vec<CriterionResult>,
}

/// Everything the gate looks at, gathered by the store in one read transaction.
pub struct GateInput<'a> {
    pub policy: &'a Policy,
    pub policy_version: i64,
    pub release: &'a Release,
    /// Every system of the workspace (the gate picks the ones in scope).
    pub systems: &'a [System],
    /// Findings of the systems in scope (others are ignored).
    pub findings: &'a [Finding],
    /// Risks of the workspace (the gate picks the ones in scope).
    pub risks: &'a [Risk],
    /// Exceptions of the workspace: approved ones active on the day the release is judged for
    /// cover; requested ones are shown as pending on what they would cover.
    pub exceptions: &'a [Exception],
    /// Decisions recorded as overrides of this release's gate.
    pub overrides: &'a [Decision],
    pub today: Date,
}

/// The day a release is judged for: its planned date, or today once that has come (and for a
/// shipped release). An exception that lapses before the release ships covers nothing for it.
pub fn judged_on(release: &Release, today: Date) -> Date {
    if release.shipped_date.is_some() { today } else { today.max(release.planned_date) }
}

fn system_ref(s: &System) -> String {
    format!("{} {}", Kind::System.reference(s.number), s.name)
}

/// Evaluates the gate.
pub fn evaluate(input: &GateInput<'_>) -> GateReport {
    let scope: Vec<&System> = match input.release.system_id {
        Some(id) => input.systems.iter().filter(|s| s.id == id).collect(),
        None => input.systems.iter().filter(|s| s.status == SystemStatus::Active).collect(),
    };
    let in_scope = |id: &Uuid| scope.iter().any(|s| s.id == *id);
    let on = judged_on(input.release, input.today);
    let active: Vec<&Exception> = input.exceptions.iter().filter(|e| e.is_active_on(on)).collect();
    let covering = |id: Uuid| active.iter().find(|e| e.covers(id)).map(|e| e.reference());
    let covering_finding = |f: &Finding| active.iter().find(|e| e.covers_finding_on(f, on)).map(|e| e.reference());
    // What does not cover it for this release but might be taken for cover: an approval that
    // lapses before the day, a request still waiting for signatures.
    let lapsing = |names: &dyn Fn(&Exception) -> bool| {
        input
            .exceptions
            .iter()
            .find(|e| e.is_active_on(input.today) && !e.is_active_on(on) && names(e))
            .map(|e| format!("{} lapses on {}, before the release on {on}", e.reference(), e.expires_on))
    };
    let pending = |names: &dyn Fn(&Exception) -> bool| {
        let mut v: Vec<String> = input
            .exceptions
            .iter()
            .filter(|e| e.status == crate::ExceptionStatus::Requested && e.expires_on >= on && names(e))
            .map(Exception::reference)
            .collect();
        v.sort();
        v
    };
    // A golden-path gap is waived by an exception that lists the system and covers a risk
    // recorded against that system (the risk is where the deviation is written down).
    let system_exception = |id: Uuid| {
        active
            .iter()
            .find(|e| {
                e.system_ids.contains(&id)
                    && input.risks.iter().any(|r| r.system_ids.contains(&id) && e.risk_ids.contains(&r.id))
            })
            .map(|e| e.reference())
    };
    let risks: Vec<&Risk> = input
        .risks
        .iter()
        .filter(|r| matches!(r.status, RiskStatus::Open | RiskStatus::Mitigating))
        .filter(|r| input.release.system_id.is_none() || r.system_ids.iter().any(in_scope))
        .collect();

    let mut criteria = Vec::new();
    for c in &input.policy.stop_ship {
        let evidence: Vec<Evidence> = match &c.rule {
            StopShipRule::OpenFindings { min_severity, environment } => {
                let mut found: Vec<&Finding> = input
                    .findings
                    .iter()
                    .filter(|f| f.system_id.as_ref().is_some_and(in_scope))
                    .filter(|f| f.blocks(*min_severity, environment))
                    .collect();
                found.sort_by_key(|f| (f.severity, f.first_seen, f.number));
                found
                    .into_iter()
                    .map(|f| Evidence {
                        kind: Kind::Finding,
                        id: f.id,
                        reference: Kind::Finding.reference(f.number),
                        title: f.title.clone(),
                        detail: format!(
                            "{} in {}{}, {} ({}), open since {}",
                            f.severity.as_str(),
                            f.environment.as_str(),
                            if f.kev { ", known exploited" } else { "" },
                            f.rule,
                            f.tool,
                            f.first_seen.date()
                        ),
                        covered_by: covering_finding(f),
                        lapses: lapsing(&|e| e.names_finding(f)),
                        pending: pending(&|e| e.names_finding(f)),
                    })
                    .collect()
            }
            StopShipRule::UnmitigatedRisks { tags, min_score } => {
                let mut found: Vec<&&Risk> = risks
                    .iter()
                    .filter(|r| r.status == RiskStatus::Open)
                    .filter(|r| r.score >= *min_score)
                    .filter(|r| tags.is_empty() || r.tags.iter().any(|t| tags.contains(t)))
                    .collect();
                found.sort_by_key(|r| (-r.score, r.number));
                found
                    .into_iter()
                    .map(|r| Evidence {
                        kind: Kind::Risk,
                        id: r.id,
                        reference: Kind::Risk.reference(r.number),
                        title: r.statement.clone(),
                        detail: format!(
                            "score {} ({} × {}), {}, tagged {}",
                            r.score,
                            r.impact,
                            r.likelihood,
                            r.status.as_str(),
                            r.tags.join(", ")
                        ),
                        covered_by: covering(r.id),
                        lapses: lapsing(&|e| e.covers(r.id)),
                        pending: pending(&|e| e.covers(r.id)),
                    })
                    .collect()
            }
            StopShipRule::GoldenPath { path } => {
                let spec = input.policy.golden_path(*path);
                scope
                    .iter()
                    .filter(|s| spec.is_none_or(|spec| spec.required_for(s.tier)))
                    .filter(|s| !s.golden_paths.contains(path))
                    .map(|s| Evidence {
                        kind: Kind::System,
                        id: s.id,
                        reference: Kind::System.reference(s.number),
                        title: s.name.clone(),
                        detail: format!(
                            "{} data, owned by {}, does not follow the {} golden path",
                            s.tier.as_str(),
                            s.owner_team,
                            path.label().to_lowercase()
                        ),
                        covered_by: system_exception(s.id),
                        lapses: None,
                        pending: Vec::new(),
                    })
                    .collect()
            }
            StopShipRule::OverdueRisks { min_score } => {
                let mut found: Vec<&&Risk> = risks
                    .iter()
                    .filter(|r| r.score >= *min_score)
                    .filter(|r| r.due_date.is_some_and(|d| d < on))
                    .collect();
                found.sort_by_key(|r| (r.due_date, r.number));
                found
                    .into_iter()
                    .map(|r| Evidence {
                        kind: Kind::Risk,
                        id: r.id,
                        reference: Kind::Risk.reference(r.number),
                        title: r.statement.clone(),
                        detail: format!(
                            "score {}, due {}, {} days past due on {on}",
                            r.score,
                            r.due_date.map_or_else(String::new, |d| d.to_string()),
                            r.due_date.map_or(0, |d| (on - d).whole_days())
                        ),
                        covered_by: covering(r.id),
                        lapses: lapsing(&|e| e.covers(r.id)),
                        pending: pending(&|e| e.covers(r.id)),
                    })
                    .collect()
            }
        };
        criteria.push(result(c, evidence));
    }

    let criteria_verdict = if criteria.iter().any(|c| c.status == CriterionStatus::Fail) {
        Verdict::Stop
    } else if criteria.iter().any(|c| c.status == CriterionStatus::Waived) {
        Verdict::GoWithExceptions
    } else {
        Verdict::Go
    };
    let mut decided: Vec<&Decision> = input.overrides.iter().filter(|d| overrides(d, input.release.id)).collect();
    decided.sort_by_key(|d| (d.decided_at, d.number));
    let over = decided.last().filter(|_| criteria_verdict == Verdict::Stop);
    GateReport {
        release_id: input.release.id,
        release: Kind::Release.reference(input.release.number),
        release_name: input.release.name.clone(),
        planned_date: input.release.planned_date,
        verdict: if over.is_some() { Verdict::GoWithExceptions } else { criteria_verdict },
        criteria_verdict,
        overridden_by: over.map(|d| d.reference()),
        override_choice: over.map(|d| d.choice.clone()),
        systems: scope.iter().map(|s| system_ref(s)).collect(),
        policy_version: input.policy_version,
        evaluated_on: on,
        criteria,
    }
}

fn result(c: &StopShipCriterion, evidence: Vec<Evidence>) -> CriterionResult {
    let open: Vec<&Evidence> = evidence.iter().filter(|e| e.covered_by.is_none()).collect();
    let status = if evidence.is_empty() {
        CriterionStatus::Pass
    } else if open.is_empty() {
        CriterionStatus::Waived
    } else {
        CriterionStatus::Fail
    };
    let refs = open.iter().map(|e| e.reference.as_str()).collect::<Vec<_>>().join(", ");
    let to_turn_green = match (&c.rule, status) {
        (_, CriterionStatus::Pass) => String::new(),
        (_, CriterionStatus::Waived) => {
            let mut by: Vec<&str> = evidence.iter().filter_map(|e| e.covered_by.as_deref()).collect();
            by.dedup();
            format!(
                "Passes while {} stays approved; fix what it covers before it expires, or extend it with a new request.",
                by.join(", ")
            )
        }
        (StopShipRule::OpenFindings { .. }, _) => format!(
            "Fix {refs} and re-scan (a fix closes the finding), or have an exception covering them signed by both the engineering and the security owner."
        ),
        (StopShipRule::UnmitigatedRisks { .. }, _) => format!(
            "Mitigate and close {refs}, lower the score below the threshold with a recorded update, or cover them with an exception signed by both owners."
        ),
        (StopShipRule::GoldenPath { path }, _) => format!(
            "Bring {refs} onto the {} golden path and record it on the system, or record the gap as a risk on the system and cover it with an exception signed by both owners.",
            path.label().to_lowercase()
        ),
        (StopShipRule::OverdueRisks { .. }, _) => format!(
            "Treat {refs}: close them, agree a new due date with an update, or cover them with an exception signed by both owners."
        ),
    };
    CriterionResult {
        id: c.id.clone(),
        kind: c.rule.kind().to_owned(),
        summary: c.summary(),
        description: c.description.clone(),
        status,
        evidence,
        to_turn_green,
    }
}

/// Whether a decision overrides this release's STOP: a decided `stop_ship` escalation — decided
/// by the escalation authority over both chiefs' written positions — that names the release.
/// A decision decided any other way (one chief, under a policy that routed it elsewhere) does not.
pub fn overrides(d: &Decision, release_id: uuid::Uuid) -> bool {
    d.status == DecisionStatus::Decided
        && d.category == crate::policy::DecisionCategory::StopShip
        && d.decider == crate::policy::Decider::Escalate
        && d.decided_as == Some(crate::Role::Executive)
        && d.release_ids.contains(&release_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{DecideInput, DecisionInput};
    use crate::exception::{Command, Ctx, ExceptionInput, Side};
    use crate::policy::DecisionCategory;
    use crate::{
        DataTier, Environment, FindingInput, GoldenPath, New, ReleaseInput, RiskInput, Role, Severity, Stage,
        SystemInput,
    };
    use time::macros::{date, datetime};

    const WS: Uuid = Uuid::from_u128(0xAA);
    const ENG: Uuid = Uuid::from_u128(0xE1);
    const SEC: Uuid = Uuid::from_u128(0x5E);

    fn new(id: u128, number: i64) -> New {
        New { id: Uuid::from_u128(id), workspace_id: WS, number, now: datetime!(2026-11-01 09:00 UTC) }
    }

    struct World {
        policy: Policy,
        systems: Vec<System>,
        release: Release,
        findings: Vec<Finding>,
        risks: Vec<Risk>,
        exceptions: Vec<Exception>,
        overrides: Vec<Decision>,
    }

    impl World {
        /// One confidential system on every golden path, one release of it, nothing open.
        fn new() -> World {
            let system = System::create(
                SystemInput {
                    name: "Payments API".into(),
                    owner_team: "Payments".into(),
                    tier: DataTier::Confidential,
                    golden_paths: GoldenPath::ALL.to_vec(),
                    ..Default::default()
                },
                new(1, 1),
            )
            .unwrap();
            let release = Release::create(
                ReleaseInput {
                    name: "Payments 2026.12".into(),
                    system_id: Some(system.id),
                    planned_date: date!(2026 - 12 - 01),
                    ..Default::default()
                },
                new(2, 1),
            )
            .unwrap();
            World {
                policy: Policy::default(),
                systems: vec![system],
                release,
                findings: vec![],
                risks: vec![],
                exceptions: vec![],
                overrides: vec![],
            }
        }

        fn eval(&self, today: Date) -> GateReport {
            evaluate(&GateInput {
                policy: &self.policy,
                policy_version: 0,
                release: &self.release,
                systems: &self.systems,
                findings: &self.findings,
                risks: &self.risks,
                exceptions: &self.exceptions,
                overrides: &self.overrides,
                today,
            })
        }

        fn finding(&mut self, severity: Severity, environment: Environment) -> Uuid {
            let n = self.findings.len() as i64 + 1;
            let f = Finding::create(
                FindingInput {
                    system_id: Some(self.systems[0].id),
                    tool: "trivy".into(),
                    rule: format!("CVE-2026-{n:04}"),
                    title: "openssl: buffer overflow".into(),
                    severity,
                    environment,
                    component: "openssl 3.0.1".into(),
                    kev: false,
                    first_seen: None,
                    external_id: None,
                },
                new(100 + n as u128, n),
            )
            .unwrap();
            let id = f.id;
            self.findings.push(f);
            id
        }

        /// An exception covering `finding_ids`, signed by both owners (approved) or not.
        fn exception(&mut self, finding_ids: Vec<Uuid>, expires_on: Date, signed: bool) {
            self.exception_for(finding_ids, vec![], expires_on, signed);
        }

        fn exception_for(&mut self, finding_ids: Vec<Uuid>, risk_ids: Vec<Uuid>, expires_on: Date, signed: bool) {
            let rules = self.policy.exceptions.clone();
            let n = self.exceptions.len() as i64 + 1;
            let mut e = Exception::request(
                ExceptionInput {
                    title: "Ship with the openssl upgrade pending".into(),
                    business_reason: "The upgrade needs a vendor library release due in two weeks.".into(),
                    scope: "Payments API in production".into(),
                    system_ids: vec![self.systems[0].id],
                    organization_wide: false,
                    users_impacted: "All card payers".into(),
                    starts_on: date!(2026 - 11 - 01),
                    expires_on,
                    compensating_controls: vec!["WAF rule blocks the exploit pattern".into()],
                    risk_ids,
                    finding_ids,
                    engineering_owner_id: ENG,
                    security_owner_id: SEC,
                    supersedes: None,
                },
                new(200 + n as u128, n),
                Uuid::from_u128(0x77),
                &rules,
            )
            .unwrap();
            if signed {
                let ctx = Ctx { rules, now: datetime!(2026-11-01 10:00 UTC), over_appetite: None };
                for (side, user, role) in [(Side::Engineering, ENG, Role::Cto), (Side::Security, SEC, Role::Ciso)] {
                    let cmd =
                        Command::Sign { side, user_id: user, user_role: role, approve: true, note: String::new() };
                    e = e.transition(cmd, &ctx).unwrap().0;
                }
                assert_eq!(e.status, crate::ExceptionStatus::Approved);
            }
            self.exceptions.push(e);
        }
    }

    #[test]
    fn a_clean_release_is_go() {
        let report = World::new().eval(date!(2026 - 11 - 10));
        assert_eq!(report.verdict, Verdict::Go);
        assert_eq!(report.criteria.len(), 4);
        assert!(report.criteria.iter().all(|c| c.status == CriterionStatus::Pass && c.to_turn_green.is_empty()));
        assert_eq!(report.systems, ["SYS-1 Payments API"]);
    }

    #[test]
    fn an_open_high_finding_in_production_stops_until_an_approved_exception_covers_it() {
        let mut w = World::new();
        w.finding(Severity::Medium, Environment::Production); // below the bar
        w.finding(Severity::Critical, Environment::Staging); // not production
        let blocking = w.finding(Severity::High, Environment::Production);
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!(r.verdict, Verdict::Stop);
        let c = &r.criteria[0];
        assert_eq!((c.kind.as_str(), c.status), ("open_findings", CriterionStatus::Fail));
        assert_eq!(c.evidence.iter().map(|e| e.reference.as_str()).collect::<Vec<_>>(), ["FND-3"]);
        assert!(c.to_turn_green.contains("Fix FND-3"), "{}", c.to_turn_green);

        // A request signed by one side or none covers nothing.
        w.exception(vec![blocking], date!(2026 - 12 - 15), false);
        assert_eq!(w.eval(date!(2026 - 11 - 10)).verdict, Verdict::Stop);
        // Signed by both owners: waived, GO WITH EXCEPTIONS, naming the exception.
        w.exception(vec![blocking], date!(2026 - 12 - 15), true);
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!(r.verdict, Verdict::GoWithExceptions);
        assert_eq!(r.criteria[0].status, CriterionStatus::Waived);
        assert_eq!(r.criteria[0].evidence[0].covered_by.as_deref(), Some("EXC-2"));
        // After its last day it covers nothing, even before the expiry job has run.
        assert_eq!(w.eval(date!(2026 - 12 - 16)).verdict, Verdict::Stop);
        // Fixed: GO.
        w.findings[2].status = crate::FindingStatus::Fixed;
        assert_eq!(w.eval(date!(2026 - 12 - 16)).verdict, Verdict::Go);
    }

    #[test]
    fn the_gate_judges_a_release_for_its_planned_date_and_shows_what_waits() {
        let mut w = World::new(); // planned for 2026-12-01
        let blocking = w.finding(Severity::Critical, Environment::Production);
        // The bypass that was found: an approval that lapses before the release ships.
        w.exception(vec![blocking], date!(2026 - 11 - 20), true);
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!((r.verdict, r.evaluated_on), (Verdict::Stop, date!(2026 - 12 - 01)));
        let e = &r.criteria[0].evidence[0];
        assert_eq!(e.covered_by, None);
        assert_eq!(e.lapses.as_deref(), Some("EXC-1 lapses on 2026-11-20, before the release on 2026-12-01"));
        assert!(e.pending.is_empty());
        // A request waiting for signatures shows on what it would cover, and covers nothing.
        w.exception(vec![blocking], date!(2026 - 12 - 31), false);
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!((r.verdict, r.criteria[0].evidence[0].pending.clone()), (Verdict::Stop, vec!["EXC-2".to_owned()]));
        // Once the planned date has passed, the gate judges today.
        w.exception(vec![blocking], date!(2026 - 12 - 20), true);
        let r = w.eval(date!(2026 - 12 - 10));
        assert_eq!((r.verdict, r.evaluated_on), (Verdict::GoWithExceptions, date!(2026 - 12 - 10)));
        assert_eq!(r.criteria[0].evidence[0].covered_by.as_deref(), Some("EXC-3"));
    }

    #[test]
    fn tagged_and_overdue_risks_and_golden_path_gaps_stop() {
        let mut w = World::new();
        let mut risk = |statement: &str, impact, likelihood, tags: &[&str], due| {
            let n = w.risks.len() as i64 + 1;
            let input: RiskInput = serde_json::from_value(serde_json::json!({
                "statement": statement, "impact": impact, "likelihood": likelihood,
                "tags": tags, "system_ids": [w.systems[0].id], "found_stage": Stage::Development,
            }))
            .unwrap();
            let mut r = Risk::create(input, new(300 + n as u128, n)).unwrap();
            r.due_date = due;
            w.risks.push(r);
        };
        risk("Refunds can be replayed", 4, 4, &["customer-harm"], None);
        risk("Card data in debug logs", 5, 2, &["regulatory"], None); // 10: under 12
        risk("Weak TLS on the admin host", 5, 3, &[], Some(date!(2026 - 11 - 05)));
        w.systems[0].golden_paths.retain(|p| *p != GoldenPath::LoggingMonitoring);
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!(r.verdict, Verdict::Stop);
        let by_kind = |k: &str| r.criteria.iter().find(|c| c.kind == k).unwrap();
        assert_eq!(by_kind("unmitigated_risks").evidence.len(), 1);
        assert_eq!(by_kind("unmitigated_risks").evidence[0].reference, "RISK-1");
        assert_eq!(by_kind("overdue_risks").evidence[0].reference, "RISK-3");
        // Judged for the release's planned date, 1 December: 26 days past due by then.
        assert!(by_kind("overdue_risks").evidence[0].detail.contains("26 days past due on 2026-12-01"));
        assert_eq!(by_kind("golden_path").evidence[0].reference, "SYS-1");
        assert!(by_kind("golden_path").to_turn_green.contains("logging and monitoring"));
        // A treatment under way is not "unmitigated"; it stops a release only once overdue.
        w.risks[0].status = RiskStatus::Mitigating;
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!(r.criteria.iter().find(|c| c.kind == "unmitigated_risks").unwrap().status, CriterionStatus::Pass);
        w.risks[0].due_date = Some(date!(2026 - 11 - 01));
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!(r.criteria.iter().find(|c| c.kind == "overdue_risks").unwrap().evidence.len(), 2);
        w.risks[0].due_date = None;
        // Accepted risks do not stop a release.
        for r in &mut w.risks {
            r.status = RiskStatus::Accepted;
        }
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!(r.criteria.iter().filter(|c| c.status == CriterionStatus::Fail).count(), 1);
        // An exception for an unrelated finding does not waive the golden-path gap…
        let other = w.finding(Severity::Low, Environment::Production);
        w.exception(vec![other], date!(2026 - 12 - 15), true);
        assert_eq!(w.eval(date!(2026 - 11 - 10)).verdict, Verdict::Stop);
        // …one covering a risk recorded against the system does.
        let gap = w.risks[2].id;
        w.exception_for(vec![], vec![gap], date!(2026 - 12 - 15), true);
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!(r.verdict, Verdict::GoWithExceptions);
        assert_eq!(
            r.criteria.iter().find(|c| c.kind == "golden_path").unwrap().evidence[0].covered_by.as_deref(),
            Some("EXC-2")
        );
    }

    #[test]
    fn only_a_decided_escalation_overrides_a_stop() {
        let mut w = World::new();
        w.finding(Severity::Critical, Environment::Production);
        let p = Policy::default();
        let input = DecisionInput {
            title: "Ship Payments 2026.12 despite the STOP".into(),
            category: Some(DecisionCategory::StopShip),
            options: vec!["Ship".into(), "Hold".into()],
            release_ids: vec![w.release.id],
            ..Default::default()
        };
        let d = Decision::request(input, new(400, 1), |c| p.decider_for(c), Some(ENG)).unwrap();
        w.overrides.push(d.clone());
        assert_eq!(w.eval(date!(2026 - 11 - 10)).verdict, Verdict::Stop);
        let at = datetime!(2026-11-09 10:00 UTC);
        let d = d.state_position("Ship: the exploit needs an internal foothold", Role::Cto, at).unwrap().0;
        let d = d.state_position("Hold: it is reachable from the partner VPN", Role::Ciso, at).unwrap().0;
        let choice = DecideInput {
            choice: "Ship; the exploit needs an internal foothold".into(),
            cost: "Two weeks of exposure".into(),
            escalated_to: Some("Exec meeting".into()),
        };
        let decided = d.decide(choice, Uuid::from_u128(77), Role::Executive, at).unwrap().0;
        // The same record decided by a chief (as the old free-text path allowed) overrides nothing.
        let forged = Decision { decided_as: Some(Role::Cto), ..decided.clone() };
        w.overrides = vec![forged];
        assert_eq!(w.eval(date!(2026 - 11 - 10)).verdict, Verdict::Stop);
        let elsewhere = Decision { release_ids: vec![Uuid::from_u128(999)], ..decided.clone() };
        w.overrides = vec![elsewhere];
        assert_eq!(w.eval(date!(2026 - 11 - 10)).verdict, Verdict::Stop);
        w.overrides = vec![decided];
        let r = w.eval(date!(2026 - 11 - 10));
        assert_eq!((r.verdict, r.criteria_verdict), (Verdict::GoWithExceptions, Verdict::Stop));
        assert_eq!(r.overridden_by.as_deref(), Some("DEC-1"));
    }
}
