//! Every kind the metrics follow has a life-cycle history, written by the store with each
//! write and read back typed, on both backends: releases ship, incidents are detected,
//! contained and resolved, audit findings close and reopen, risks move through their states,
//! findings are fixed and reopen. A write that changes nothing records nothing, and another
//! workspace reads none of it.

use rhythm_domain::history::HistoryEvent::{self, *};
use rhythm_domain::{
    AuditFinding, AuditFindingInput, AuditFindingPatch, Incident, IncidentInput, IncidentPatch, Kind, Release,
    ReleaseInput, ReleasePatch, ReleaseStatus, Risk, RiskInput, RiskPatch, RiskStatus, Severity, Stage,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{Fixture, both};

async fn steps(f: &Fixture, kind: Kind, id: Uuid) -> Vec<(HistoryEvent, OffsetDateTime)> {
    f.store().history(f.actor.workspace_id, kind, id).await.unwrap().into_iter().map(|h| (h.event, h.at)).collect()
}

async fn every_kind_keeps_its_life(f: Fixture) {
    let s = f.store();
    let t0 = f.now;
    let t1 = t0 + Duration::hours(1);
    let t2 = t0 + Duration::hours(2);

    let input =
        ReleaseInput { name: "api 2.0".into(), planned_date: t0.date() + Duration::days(3), ..Default::default() };
    let release = s.create(&f.actor, t0, |n| Release::create(input, n)).await.unwrap();
    let shipped = s
        .update::<Release>(&f.actor, release.id, t1, "update", None, |r| {
            r.apply(ReleasePatch { shipped_date: Some(Some(t1.date())), ..Default::default() }, t1)
        })
        .await
        .unwrap();
    assert_eq!(shipped.status, ReleaseStatus::Shipped);
    assert_eq!(steps(&f, Kind::Release, release.id).await, [(Opened, t0), (Shipped, t1)]);

    let input = IncidentInput {
        title: "Card data in a debug log".into(),
        severity: Severity::High,
        started_at: t0 - Duration::hours(5),
        detected_at: Some(t0 - Duration::hours(1)),
        contained_at: None,
        resolved_at: None,
        customer_impact: false,
        impact_summary: String::new(),
        learnings: String::new(),
        system_ids: vec![],
        external_id: None,
    };
    let incident = s.create(&f.actor, t0, |n| Incident::create(input, n)).await.unwrap();
    s.update::<Incident>(&f.actor, incident.id, t2, "update", None, |i| {
        let patch = IncidentPatch { contained_at: Some(Some(t1)), resolved_at: Some(Some(t2)), ..Default::default() };
        i.apply(patch, t2)
    })
    .await
    .unwrap();
    assert_eq!(
        steps(&f, Kind::Incident, incident.id).await,
        [(Opened, t0 - Duration::hours(5)), (Detected, t0 - Duration::hours(1)), (Contained, t1), (Resolved, t2)]
    );

    let input = AuditFindingInput {
        framework: "SOC 2".into(),
        control_ref: "CC6.1".into(),
        title: "Access reviews not evidenced".into(),
        severity: Severity::Medium,
        opened_on: t0.date(),
        closed_on: None,
        repeat_of: None,
        external_id: None,
    };
    let audit = s.create(&f.actor, t0, |n| AuditFinding::create(input, n)).await.unwrap();
    for (at, closed_on) in [(t1, Some(t1.date())), (t2, None)] {
        s.update::<AuditFinding>(&f.actor, audit.id, at, "update", None, |a| {
            a.apply(AuditFindingPatch { closed_on: Some(closed_on), ..Default::default() }, at)
        })
        .await
        .unwrap();
    }
    assert_eq!(steps(&f, Kind::AuditFinding, audit.id).await, [(Opened, t0), (Closed, t1), (Reopened, t2)]);

    let input = RiskInput {
        statement: "A leaked deploy key lets anyone push to production".into(),
        impact: 5,
        likelihood: 2,
        found_stage: Stage::Production,
        owner_id: f.actor.user_id,
        mitigation: "Rotate the key and move deploys to OIDC".into(),
        due_date: Some(t0.date() + time::Duration::days(30)),
        ..RiskInput::default()
    };
    let risk = s.create(&f.actor, t0, |n| Risk::create(input, n)).await.unwrap();
    let plan = rhythm_domain::RiskUpdateInput {
        what: "A leaked deploy key".into(),
        why: "Anyone could push to production".into(),
        doing: "Rotating it; deploys move to OIDC".into(),
        closes: "In two weeks".into(),
    };
    s.add_risk_update(&f.actor, risk.id, t1, plan).await.unwrap();
    for (at, status) in [(t1, RiskStatus::Mitigating), (t2, RiskStatus::Closed)] {
        s.update::<Risk>(&f.actor, risk.id, at, "update", None, |r| {
            r.apply(RiskPatch { status: Some(status), ..Default::default() }, at)
        })
        .await
        .unwrap();
    }
    // A write that changes nothing is no step.
    s.update::<Risk>(&f.actor, risk.id, t2, "update", None, |r| r.apply(RiskPatch::default(), t2)).await.unwrap();
    assert_eq!(steps(&f, Kind::Risk, risk.id).await, [(Opened, t0), (Mitigating, t1), (Closed, t2)]);

    // Another workspace sees no step of these entries.
    let other = f.other_workspace().await;
    for (kind, id) in [(Kind::Release, release.id), (Kind::Risk, risk.id), (Kind::Incident, incident.id)] {
        assert!(s.history(other.workspace_id, kind, id).await.unwrap().is_empty(), "{kind:?} leaked");
    }
}
both!(every_kind_keeps_its_life, super::every_kind_keeps_its_life);
