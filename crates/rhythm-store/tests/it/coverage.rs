//! "An exception covers a finding" has one definition (`Exception::covers_finding_on`), and
//! every surface that asks the question answers it the same way, on both backends: the launch
//! gate's evidence, the silent-exception list and the findings' `accepted` history. The cases
//! are the ones where the three used to disagree: a scope that names the rule (not the
//! finding), a rule with `_` (a `LIKE` wildcard), letters outside ASCII (which PostgreSQL's
//! `lower` folds and SQLite's does not), an exception approved ahead of its first day, one past
//! its last day, and a request nobody signed.

use rhythm_domain::gate::GateReport;
use rhythm_domain::history::HistoryEvent;
use rhythm_domain::{
    DataTier, Environment, Exception, ExceptionCommand, ExceptionInput, ExceptionSide, Finding, FindingInput,
    GoldenPath, Kind, Release, ReleaseInput, Risk, RiskInput, Role, Severity, Stage, System, SystemInput,
};
use rhythm_store::{Actor, ListQuery};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{Fixture, both};

struct Team {
    dev: Actor,
    eng: Actor,
    sec: Actor,
    /// The risk every exception also lists (an exception lists at least one risk or finding).
    risk: Uuid,
}

async fn person(f: &Fixture, email: &str, role: Role) -> Actor {
    let ws = f.actor.workspace_id;
    let u = f.store().create_user(&Actor::system(ws), email, email, role, None, f.now).await.unwrap();
    Actor { workspace_id: ws, user_id: Some(u.id), label: u.email }
}

async fn system(f: &Fixture, name: &str) -> System {
    let input = SystemInput {
        name: name.into(),
        owner_team: "Platform".into(),
        tier: DataTier::Restricted,
        golden_paths: GoldenPath::ALL.to_vec(),
        ..Default::default()
    };
    f.store().create(&f.actor, f.now, |n| System::create(input, n)).await.unwrap()
}

async fn finding(f: &Fixture, system: &System, rule: &str) -> Finding {
    let input = finding_input(system, rule);
    f.store().create(&f.actor, f.now, |n| Finding::create(input, n)).await.unwrap()
}

fn finding_input(system: &System, rule: &str) -> FindingInput {
    FindingInput {
        system_id: Some(system.id),
        tool: "trivy".into(),
        rule: rule.into(),
        title: format!("{rule} in a dependency"),
        severity: Severity::Critical,
        environment: Environment::Production,
        component: "libexample 1.0".into(),
        kev: false,
        first_seen: None,
        external_id: None,
    }
}

/// Requests an exception at `at` and, when `sign`, has both owners approve it then.
#[allow(clippy::too_many_arguments)]
async fn exception(
    f: &Fixture,
    t: &Team,
    at: OffsetDateTime,
    scope: &str,
    system_ids: Vec<Uuid>,
    finding_ids: Vec<Uuid>,
    days: (i64, i64),
    sign: bool,
) -> Exception {
    let s = f.store();
    let day = at.date();
    let input = ExceptionInput {
        title: format!("Accepted for now: {scope}"),
        business_reason: "The fix needs a vendor release that is due next quarter; the exposure is small.".into(),
        scope: scope.into(),
        system_ids,
        // Coverage follows what it lists, whatever the flag says.
        organization_wide: true,
        users_impacted: "Operators".into(),
        starts_on: day + Duration::days(days.0),
        expires_on: day + Duration::days(days.1),
        compensating_controls: vec!["VPN-only access".into()],
        risk_ids: vec![t.risk],
        finding_ids,
        engineering_owner_id: t.eng.user_id.unwrap(),
        security_owner_id: t.sec.user_id.unwrap(),
        supersedes: None,
    };
    let mut e = s.request_exception(&t.dev, input, at).await.unwrap();
    if sign {
        for (who, side, role) in [
            (&t.eng, ExceptionSide::Engineering, Role::EngineeringLead),
            (&t.sec, ExceptionSide::Security, Role::SecurityLead),
        ] {
            let cmd = ExceptionCommand::Sign {
                side,
                user_id: who.user_id.unwrap(),
                user_role: role,
                approve: true,
                note: String::new(),
            };
            e = s.transition_exception(who, e.id, cmd, at).await.unwrap();
        }
    }
    e
}

/// What each surface says about each finding on `day`, beside what the domain says.
async fn check_agreement(f: &Fixture, release: &Release, findings: &[Finding], day: Date, when: &str) -> Vec<bool> {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let q = ListQuery { limit: 500, ..Default::default() };
    let exceptions = s.list_exceptions(ws, &q).await.unwrap().items;
    let domain: Vec<bool> = findings.iter().map(|x| exceptions.iter().any(|e| e.covers_finding_on(x, day))).collect();

    let gate: GateReport = s.gate(ws, release.id, day).await.unwrap();
    let evidence = gate.criteria.iter().find(|c| c.kind == "open_findings").unwrap();
    let silent_q = ListQuery {
        filters: vec![("silent".into(), "true".into())],
        limit: 500,
        today: Some(day),
        ..Default::default()
    };
    let silent: Vec<Uuid> = s.list::<Finding>(ws, &silent_q).await.unwrap().items.iter().map(|x| x.id).collect();
    for (x, covered) in findings.iter().zip(&domain) {
        let by_gate = evidence.evidence.iter().find(|ev| ev.id == x.id).unwrap().covered_by.is_some();
        assert_eq!(by_gate, *covered, "{when}: the gate and the domain disagree on {} ({})", x.rule, x.id);
        assert_eq!(!silent.contains(&x.id), *covered, "{when}: the silent list and the domain disagree on {}", x.rule);
        let history = s.history(ws, Kind::Finding, x.id).await.unwrap();
        let accepted = history
            .iter()
            .rev()
            .find(|h| matches!(h.event, HistoryEvent::Accepted | HistoryEvent::Expired))
            .is_some_and(|h| h.event == HistoryEvent::Accepted);
        assert_eq!(accepted, *covered, "{when}: the history and the domain disagree on {}: {history:?}", x.rule);
    }
    domain
}

async fn one_definition_of_covered(f: Fixture) {
    let s = f.store();
    let today = f.now.date();
    let risk = RiskInput {
        statement: "A known vulnerability in a payments dependency can be exploited".into(),
        impact: 3,
        likelihood: 2,
        found_stage: Stage::Production,
        ..RiskInput::default()
    };
    let risk = s.create(&f.actor, f.now, |n| Risk::create(risk, n)).await.unwrap();
    let t = Team {
        dev: person(&f, "dev@acme.example", Role::Engineer).await,
        eng: person(&f, "eng@acme.example", Role::EngineeringLead).await,
        sec: person(&f, "sec@acme.example", Role::SecurityLead).await,
        risk: risk.id,
    };
    let payments = system(&f, "payments").await;
    let other = system(&f, "ledger").await;
    let input = ReleaseInput {
        name: "payments 3.1".into(),
        system_id: Some(payments.id),
        // Due today: the gate judges a release for its planned date, or for the day it is
        // asked once that has come, which is the day compared here.
        planned_date: today,
        ..Default::default()
    };
    let release = s.create(&f.actor, f.now, |n| Release::create(input, n)).await.unwrap();
    let rules = [
        "CVE-2024-0001",  // 0: its rule is in a signed scope naming its system
        "CVE_2024_9999",  // 1: the scope says CVE-2024-9999: `_` is no wildcard
        "ÄRGER-1",        // 2: the scope says ärger-1: Ä is not ASCII, so not the same letter
        "GHSA-abcd-0002", // 3: named by id in an exception approved ahead of its first day
        "CVE-2024-0003",  // 4: in the scope of one whose last day has passed
        "CVE-2024-0004",  // 5: named by id in a request nobody signed
        "cve-2024-0005",  // 6: scope says CVE-2024-0005 (ASCII case folds), but names another system
        "CVE-2024-0006",  // 7: scope says cve-2024-0006, system named: covered
    ];
    let mut findings = Vec::new();
    for rule in rules {
        findings.push(finding(&f, &payments, rule).await);
    }
    // Every one of them is suppressed by the scanner, so each is silent unless covered.
    crate::raw(&f, &["UPDATE findings SET suppression = 'inSource'"]).await;
    let findings: Vec<Finding> = {
        let mut out = Vec::new();
        for x in &findings {
            out.push(s.get::<Finding>(f.actor.workspace_id, x.id).await.unwrap());
        }
        out
    };

    let scope = "CVE-2024-0001, CVE-2024-9999, ärger-1 and cve-2024-0006 in payments";
    exception(&f, &t, f.now, scope, vec![payments.id], vec![], (0, 20), true).await;
    exception(&f, &t, f.now, "GHSA-abcd-0002 from tomorrow", vec![], vec![findings[3].id], (1, 20), true).await;
    let long_ago = f.now - Duration::days(40);
    exception(&f, &t, long_ago, "CVE-2024-0003 in payments", vec![payments.id], vec![], (0, 10), true).await;
    exception(&f, &t, f.now, "CVE-2024-0004", vec![], vec![findings[5].id], (0, 20), false).await;
    exception(&f, &t, f.now, "CVE-2024-0005 in the ledger", vec![other.id], vec![], (0, 20), true).await;

    // The governance job has run for the day: what is past its last day has expired.
    s.expire_due_exceptions(f.now).await.unwrap();
    s.start_due_exceptions(f.now).await.unwrap();
    // A finding that appears while a signed scope names its rule is accepted from the start,
    // even one recorded as first seen before the exception began (a CSV of older findings).
    let mut input =
        FindingInput { first_seen: Some(f.now - Duration::days(30)), ..finding_input(&payments, "CVE-2024-0006") };
    input.title = "Found a month ago, recorded today".into();
    let late = s.create(&f.actor, f.now, |n| Finding::create(input, n)).await.unwrap();
    crate::raw(&f, &["UPDATE findings SET suppression = 'inSource'"]).await;
    let mut findings = findings;
    findings.push(s.get::<Finding>(f.actor.workspace_id, late.id).await.unwrap());
    let covered = check_agreement(&f, &release, &findings, today, "today").await;
    assert_eq!(covered, [true, false, false, false, false, false, false, true, true]);

    // Tomorrow the one approved ahead starts covering, once the job says so.
    let tomorrow = f.now + Duration::days(1);
    assert_eq!(s.start_due_exceptions(tomorrow).await.unwrap(), 1);
    assert_eq!(s.start_due_exceptions(tomorrow).await.unwrap(), 0, "started once");
    let covered = check_agreement(&f, &release, &findings, tomorrow.date(), "tomorrow").await;
    assert_eq!(covered, [true, false, false, true, false, false, false, true, true]);

    // After the last day of the first two, nothing is covered, once the job has run.
    let later = f.now + Duration::days(21);
    s.expire_due_exceptions(later).await.unwrap();
    let covered = check_agreement(&f, &release, &findings, later.date(), "after expiry").await;
    assert_eq!(covered, [false; 9]);
}
both!(one_definition_of_covered, super::one_definition_of_covered);
