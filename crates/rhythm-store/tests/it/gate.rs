//! The launch gate against live data, on both backends: a STOP with its evidence, GO WITH
//! EXCEPTIONS once both owners sign the exception that covers it, and an override that only
//! counts once the escalation is decided.

use rhythm_domain::decision::{DecideInput, DecisionInput};
use rhythm_domain::gate::{CriterionStatus, Verdict};
use rhythm_domain::{
    DataTier, Environment, ExceptionCommand, ExceptionInput, ExceptionSide, Finding, FindingInput, FindingPatch,
    FindingStatus, GoldenPath, Release, ReleaseInput, Role, Severity, System, SystemInput,
};
use rhythm_store::{Actor, StoreError};
use time::Duration;

use crate::{Fixture, both};

async fn person(f: &Fixture, email: &str, role: Role) -> Actor {
    let ws = f.actor.workspace_id;
    let u = f.store().create_user(&Actor::system(ws), email, email, role, None, f.now).await.unwrap();
    Actor { workspace_id: ws, user_id: Some(u.id), label: u.email }
}

fn finding(system: &System, severity: Severity, environment: Environment) -> FindingInput {
    FindingInput {
        system_id: Some(system.id),
        tool: "trivy".into(),
        rule: "CVE-2024-45337".into(),
        title: "x/crypto: authorization bypass".into(),
        severity,
        environment,
        component: "golang.org/x/crypto 0.29.0".into(),
        kev: false,
        first_seen: None,
        external_id: None,
    }
}

async fn gate_reads_live_data(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let today = f.now.date();
    let system_input = SystemInput {
        name: "ssh-gateway".into(),
        owner_team: "Platform".into(),
        tier: DataTier::Restricted,
        golden_paths: GoldenPath::ALL.to_vec(),
        ..Default::default()
    };
    let system = s.create(&f.actor, f.now, |n| System::create(system_input, n)).await.unwrap();
    let release_input = ReleaseInput {
        name: "ssh-gateway 2.4".into(),
        system_id: Some(system.id),
        planned_date: today + Duration::days(7),
        ..Default::default()
    };
    let release = s.create(&f.actor, f.now, |n| Release::create(release_input, n)).await.unwrap();
    assert_eq!(s.gate(ws, release.id, today).await.unwrap().verdict, Verdict::Go);

    // Another system's critical finding stops that system's release, not this one.
    let other_input = SystemInput {
        name: "billing".into(),
        owner_team: "Billing".into(),
        tier: DataTier::Internal,
        golden_paths: GoldenPath::ALL.to_vec(),
        ..Default::default()
    };
    let other = s.create(&f.actor, f.now, |n| System::create(other_input, n)).await.unwrap();
    s.create(&f.actor, f.now, |n| Finding::create(finding(&other, Severity::Critical, Environment::Production), n))
        .await
        .unwrap();
    assert_eq!(s.gate(ws, release.id, today).await.unwrap().verdict, Verdict::Go, "another system's finding");
    let billing_input = ReleaseInput {
        name: "billing 7".into(),
        system_id: Some(other.id),
        planned_date: today + Duration::days(9),
        ..Default::default()
    };
    let billing = s.create(&f.actor, f.now, |n| Release::create(billing_input, n)).await.unwrap();
    let upcoming = s.gate_upcoming(ws, today).await.unwrap();
    let verdicts: Vec<_> = upcoming.iter().map(|g| (g.release_id, g.verdict)).collect();
    assert_eq!(verdicts, [(release.id, Verdict::Go), (billing.id, Verdict::Stop)]);

    // A critical finding in production stops it; one in staging does not.
    s.create(&f.actor, f.now, |n| Finding::create(finding(&system, Severity::Critical, Environment::Staging), n))
        .await
        .unwrap();
    let critical = s
        .create(&f.actor, f.now, |n| Finding::create(finding(&system, Severity::Critical, Environment::Production), n))
        .await
        .unwrap();
    let report = s.gate(ws, release.id, today).await.unwrap();
    assert_eq!(report.verdict, Verdict::Stop);
    let c = report.criteria.iter().find(|c| c.kind == "open_findings").unwrap();
    assert_eq!((c.status, c.evidence.len()), (CriterionStatus::Fail, 1));
    assert_eq!(c.evidence[0].reference, "FND-3");
    assert!(c.to_turn_green.contains("FND-3"));
    assert_eq!(s.gate_upcoming(ws, today).await.unwrap().len(), 2);

    // The exception that covers it: requested, then signed by both owners.
    let eng = person(&f, "eng@acme.example", Role::EngineeringLead).await;
    let sec = person(&f, "sec@acme.example", Role::SecurityLead).await;
    let dev = person(&f, "dev@acme.example", Role::Engineer).await;
    let input = ExceptionInput {
        title: "Ship before the x/crypto upgrade".into(),
        business_reason: "The upgrade needs the key callback rewritten; two sprints of work.".into(),
        scope: "ssh-gateway production".into(),
        system_ids: vec![system.id],
        organization_wide: false,
        users_impacted: "Operators".into(),
        starts_on: today,
        expires_on: today + Duration::days(20),
        compensating_controls: vec!["VPN-only access".into()],
        risk_ids: vec![],
        finding_ids: vec![critical.id],
        engineering_owner_id: eng.user_id.unwrap(),
        security_owner_id: sec.user_id.unwrap(),
        supersedes: None,
    };
    let e = s.request_exception(&dev, input, f.now).await.unwrap();
    assert_eq!(s.gate(ws, release.id, today).await.unwrap().verdict, Verdict::Stop, "a request covers nothing");
    for (who, side, role) in
        [(&eng, ExceptionSide::Engineering, Role::EngineeringLead), (&sec, ExceptionSide::Security, Role::SecurityLead)]
    {
        let cmd = ExceptionCommand::Sign {
            side,
            user_id: who.user_id.unwrap(),
            user_role: role,
            approve: true,
            note: String::new(),
        };
        s.transition_exception(who, e.id, cmd, f.now).await.unwrap();
    }
    let report = s.gate(ws, release.id, today).await.unwrap();
    assert_eq!(report.verdict, Verdict::GoWithExceptions);
    let c = report.criteria.iter().find(|c| c.kind == "open_findings").unwrap();
    assert_eq!(c.evidence[0].covered_by.as_deref(), Some("EXC-1"));
    // The day after its last day it covers nothing, before any job has run.
    assert_eq!(s.gate(ws, release.id, today + Duration::days(21)).await.unwrap().verdict, Verdict::Stop);

    // Fixed: GO, even after the exception.
    let at = f.now + Duration::hours(2);
    s.update::<Finding>(&f.actor, critical.id, at, "update", None, |x| {
        x.apply(FindingPatch { status: Some(FindingStatus::Fixed), ..Default::default() }, at)
    })
    .await
    .unwrap();
    assert_eq!(s.gate(ws, release.id, today + Duration::days(21)).await.unwrap().verdict, Verdict::Go);

    // Other workspaces' releases are not found.
    let them = f.other_workspace().await;
    assert!(matches!(s.gate(them.workspace_id, release.id, today).await, Err(StoreError::NotFound { .. })));
}
both!(gate_reads_live_data, super::gate_reads_live_data);

async fn only_a_decided_escalation_overrides_a_stop(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let today = f.now.date();
    let system_input = SystemInput {
        name: "ledger".into(),
        owner_team: "Ledger".into(),
        tier: DataTier::Restricted,
        ..Default::default()
    };
    // Off every golden path: the logging criterion stops it.
    let system = s.create(&f.actor, f.now, |n| System::create(system_input, n)).await.unwrap();
    let release_input =
        ReleaseInput { name: "ledger 9".into(), system_id: Some(system.id), planned_date: today, ..Default::default() };
    let release = s.create(&f.actor, f.now, |n| Release::create(release_input, n)).await.unwrap();
    let report = s.gate(ws, release.id, today).await.unwrap();
    assert_eq!(report.verdict, Verdict::Stop);
    assert_eq!(report.criteria.iter().find(|c| c.kind == "golden_path").unwrap().evidence[0].reference, "SYS-1");

    let input = DecisionInput {
        title: "Ship ledger 9 without central logging".into(),
        context: "Logging lands in ledger 10".into(),
        options: vec!["Ship".into(), "Hold".into()],
        ..Default::default()
    };
    let before = s.audit_log(ws, None, 1000, None).await.unwrap().len();
    let d = s.request_gate_override(&f.actor, release.id, input, f.now).await.unwrap();
    assert_eq!(s.audit_log(ws, None, 1000, None).await.unwrap().len(), before + 1);
    assert_eq!(d.release_ids, vec![release.id]);
    assert_eq!(d.category, rhythm_domain::policy::DecisionCategory::StopShip);
    assert_eq!(s.gate(ws, release.id, today).await.unwrap().verdict, Verdict::Stop, "requested is not decided");
    let decide = || DecideInput {
        choice: "Ship; logging in 10".into(),
        cost: "Blind for 3 weeks".into(),
        escalated_to: Some("CEO".into()),
    };
    // The bypass that was found: one chief deciding the override with "CEO" typed in.
    let err = s.decide(&f.actor, d.id, Role::Ciso, decide(), f.now).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Refused { forbidden: true, ref rule, .. } if rule == "no_decision_right"),
        "{err}"
    );
    assert_eq!(s.gate(ws, release.id, today).await.unwrap().verdict, Verdict::Stop, "a refused step changes nothing");
    let system_actor = rhythm_store::Actor::system(ws);
    let cto = s.create_user(&system_actor, "cto@gate.example", "Cleo CTO", Role::Cto, None, f.now).await.unwrap();
    let cto = rhythm_store::Actor { workspace_id: ws, user_id: Some(cto.id), label: cto.email };
    let ceo = s.create_user(&system_actor, "ceo@gate.example", "Cam CEO", Role::Executive, None, f.now).await.unwrap();
    let ceo = rhythm_store::Actor { workspace_id: ws, user_id: Some(ceo.id), label: ceo.email };
    s.state_position(&cto, d.id, Role::Cto, "Ship: logging lands in 10, three weeks later", f.now).await.unwrap();
    s.state_position(&f.actor, d.id, Role::Ciso, "Hold: we would not see an intrusion", f.now).await.unwrap();
    s.decide(&ceo, d.id, Role::Executive, decide(), f.now).await.unwrap();
    let report = s.gate(ws, release.id, today).await.unwrap();
    assert_eq!((report.verdict, report.criteria_verdict), (Verdict::GoWithExceptions, Verdict::Stop));
    assert_eq!(report.overridden_by.as_deref(), Some(d.reference().as_str()));

    // An override for a release of another workspace is refused and writes nothing.
    let them = f.other_workspace().await;
    let n = s.audit_log(ws, None, 1000, None).await.unwrap().len();
    let err = s
        .request_gate_override(&them, release.id, DecisionInput { title: "x".into(), ..Default::default() }, f.now)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert_eq!(s.audit_log(ws, None, 1000, None).await.unwrap().len(), n);
}
both!(only_a_decided_escalation_overrides_a_stop, super::only_a_decided_escalation_overrides_a_stop);
