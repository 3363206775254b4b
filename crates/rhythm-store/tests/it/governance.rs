use std::collections::HashSet;

use rhythm_domain::decision::{DecideInput, Decision, DecisionInput, DecisionStatus};
use rhythm_domain::policy::{Decider, DecisionCategory, Policy};
use rhythm_domain::{
    Exception, ExceptionCommand, ExceptionInput, ExceptionSide, ExceptionStatus, Risk, RiskInput, RiskPatch,
    RiskStatus, Role, Stage,
};
use rhythm_store::{Actor, ListQuery, StoreError};
use time::{Date, Duration};
use uuid::Uuid;

use crate::{Fixture, both};

/// A person with `role` in the actor's workspace, acting as themselves.
async fn person(f: &Fixture, on: &Actor, email: &str, role: Role) -> Actor {
    let u = f.store().create_user(&Actor::system(on.workspace_id), email, email, role, None, f.now).await.unwrap();
    Actor { workspace_id: on.workspace_id, user_id: Some(u.id), label: u.email }
}

async fn audit_len(f: &Fixture, ws: Uuid) -> usize {
    f.store().audit_log(ws, None, 1000, None).await.unwrap().len()
}

fn decision_input(title: &str, category: DecisionCategory) -> DecisionInput {
    DecisionInput {
        title: title.into(),
        category: Some(category),
        context: "Why it needs deciding now.".into(),
        options: vec!["Do it".into(), "Do not".into()],
        ..Default::default()
    }
}

fn choice() -> DecideInput {
    DecideInput { choice: "Do it".into(), cost: "Two weeks of the platform team".into(), escalated_to: None }
}

#[track_caller]
fn refused(err: &StoreError) -> (bool, String) {
    match err {
        StoreError::Refused { forbidden, rule, .. } => (*forbidden, rule.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[track_caller]
fn fields(err: &StoreError) -> Vec<String> {
    match err {
        StoreError::Invalid(inv) => inv.0.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// A decided policy_change decision: the CTO records it, the CISO (the fixture's actor) concurs.
async fn decided_policy_change(f: &Fixture, cto: &Actor) -> Decision {
    let s = f.store();
    let d =
        s.create_decision(cto, decision_input("Tighten the SLA", DecisionCategory::PolicyChange), f.now).await.unwrap();
    assert_eq!(d.decider, Decider::Joint);
    s.decide(cto, d.id, Role::Cto, choice(), f.now).await.unwrap();
    let d = s.concur(&f.actor, d.id, Role::Ciso, f.now).await.unwrap();
    assert_eq!(d.status, DecisionStatus::Decided);
    d
}

async fn policy_is_the_default_until_one_is_applied(f: Fixture) {
    let s = f.store();
    let p = s.policy(f.actor.workspace_id).await.unwrap();
    assert_eq!((p.version, p.created_at, p.decision_id), (0, None, None));
    assert_eq!(p.policy, Policy::default());
    assert_eq!(Policy::from_toml(&p.document).unwrap(), Policy::default());
    assert!(s.policy_versions(f.actor.workspace_id).await.unwrap().is_empty());
}
both!(policy_is_the_default_until_one_is_applied, super::policy_is_the_default_until_one_is_applied);

async fn applying_a_policy_needs_a_decided_policy_change(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;
    let doc = "[sla_days]\nhigh = 21\n";
    let before = audit_len(&f, ws).await;

    let err = s.apply_policy(&f.actor, doc, Uuid::new_v4(), f.now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("policy_change")), "{err}");

    // Requested, not decided.
    let pending =
        s.create_decision(&cto, decision_input("Change SLAs", DecisionCategory::PolicyChange), f.now).await.unwrap();
    let err = s.apply_policy(&f.actor, doc, pending.id, f.now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("DEC-1 is requested")), "{err}");

    // Decided, but not about the policy.
    let other = s
        .create_decision(&cto, decision_input("Use gRPC internally", DecisionCategory::EngineeringApproach), f.now)
        .await
        .unwrap();
    s.decide(&cto, other.id, Role::Cto, choice(), f.now).await.unwrap();
    let err = s.apply_policy(&f.actor, doc, other.id, f.now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("category policy_change")), "{err}");

    // A decision of another workspace is not one of this workspace.
    let them = f.other_workspace().await;
    let their_cto = person(&f, &them, "cto@other.example", Role::Cto).await;
    let their_ciso = person(&f, &them, "ciso@other.example", Role::Ciso).await;
    let theirs = s
        .create_decision(&their_cto, decision_input("Their policy", DecisionCategory::PolicyChange), f.now)
        .await
        .unwrap();
    s.decide(&their_cto, theirs.id, Role::Cto, choice(), f.now).await.unwrap();
    s.concur(&their_ciso, theirs.id, Role::Ciso, f.now).await.unwrap();
    let err = s.apply_policy(&f.actor, doc, theirs.id, f.now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("no decision")), "{err}");

    assert_eq!(s.policy(ws).await.unwrap().version, 0);
    // Only the decision writes were audited: the refused applications left nothing.
    let actions: Vec<String> = s.audit_log(ws, None, 1000, None).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(audit_len(&f, ws).await, before + 3, "{actions:?}");
    assert!(!actions.iter().any(|a| a == "apply"));
}
both!(applying_a_policy_needs_a_decided_policy_change, super::applying_a_policy_needs_a_decided_policy_change);

async fn applied_policies_are_numbered_versions(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;

    let first = decided_policy_change(&f, &cto).await;
    let doc1 = "# Faster fixes for high findings\n[sla_days]\nhigh = 21\n";
    let v1 = s.apply_policy(&f.actor, doc1, first.id, f.now).await.unwrap();
    assert_eq!((v1.version, v1.decision_id, v1.created_by), (1, Some(first.id), f.actor.user_id));
    assert_eq!(v1.policy.sla_days.high, 21);
    let read = s.policy(ws).await.unwrap();
    assert_eq!(read, v1, "what is read back equals what was applied, comments and all");
    assert_eq!(read.document, doc1);

    // One decision applies one version.
    let err = s.apply_policy(&f.actor, doc1, first.id, f.now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("already applied policy version 1")), "{err}");

    let second = decided_policy_change(&f, &cto).await;
    let later = f.now + Duration::days(1);
    let doc2 = "[decision_rights]\ndelivery_sequencing = \"ciso\"\n";
    let v2 = s.apply_policy(&cto, doc2, second.id, later).await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.policy.sla_days.high, Policy::default().sla_days.high, "each version is a whole file");
    let versions: Vec<i64> = s.policy_versions(ws).await.unwrap().iter().map(|v| v.version).collect();
    assert_eq!(versions, [2, 1]);

    // New requests follow the policy in force.
    let d = s
        .create_decision(&cto, decision_input("Ship billing first", DecisionCategory::DeliverySequencing), later)
        .await
        .unwrap();
    assert_eq!(d.decider, Decider::Ciso);

    let log = s.audit_log(ws, Some(ws), 10, None).await.unwrap();
    let applies: Vec<_> = log.iter().filter(|e| e.entity == "policy").collect();
    assert_eq!(applies.len(), 2);
    assert_eq!(applies[0].action, "apply");
    assert!(applies[0].before.as_deref().unwrap().contains("\"version\":1"));
    assert!(applies[0].after.as_deref().unwrap().contains("\"version\":2"));
    assert!(s.verify_audit_chain(ws).await.unwrap().valid);
}
both!(applied_policies_are_numbered_versions, super::applied_policies_are_numbered_versions);

async fn a_bad_policy_file_is_refused_on_its_line(f: Fixture) {
    let s = f.store();
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;
    let d = decided_policy_change(&f, &cto).await;
    let before = audit_len(&f, f.actor.workspace_id).await;

    let err = s.apply_policy(&f.actor, "[sla_days]\nhigh = 21\ncritical = \"soon\"\n", d.id, f.now).await.unwrap_err();
    let StoreError::Invalid(inv) = &err else { panic!("expected field errors, got {err:?}") };
    assert_eq!(inv.0[0].field, "sla_days.critical", "{inv:?}");
    assert!(inv.0[0].message.starts_with("line 3: "), "{inv:?}");

    let err = s.apply_policy(&f.actor, "[sla_days\nhigh = 21\n", d.id, f.now).await.unwrap_err();
    let StoreError::Invalid(inv) = &err else { panic!("expected field errors, got {err:?}") };
    assert!(inv.0[0].message.starts_with("line 1: "), "{inv:?}");

    assert_eq!(s.policy(f.actor.workspace_id).await.unwrap().version, 0);
    assert_eq!(audit_len(&f, f.actor.workspace_id).await, before);
}
both!(a_bad_policy_file_is_refused_on_its_line, super::a_bad_policy_file_is_refused_on_its_line);

async fn decisions_are_taken_by_who_the_policy_names(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;
    let planner = person(&f, &f.actor, "planner@acme.example", Role::Delivery).await;

    let d = s
        .create_decision(&planner, decision_input("Billing before search", DecisionCategory::DeliverySequencing), f.now)
        .await
        .unwrap();
    assert_eq!(
        (d.number, d.decider, d.status, d.requested_by),
        (1, Decider::Cto, DecisionStatus::Requested, planner.user_id)
    );
    assert_eq!(s.decision(ws, d.id).await.unwrap(), d, "read back equals written, to the microsecond");

    // The CISO holds no right over delivery sequencing: refused as forbidden, nothing written.
    let before = audit_len(&f, ws).await;
    let err = s.decide(&f.actor, d.id, Role::Ciso, choice(), f.now).await.unwrap_err();
    assert_eq!(refused(&err), (true, "no_decision_right".to_owned()), "{err}");
    assert!(err.to_string().contains("CTO's"), "{err}");
    assert_eq!(audit_len(&f, ws).await, before);
    assert_eq!(s.decision(ws, d.id).await.unwrap(), d);

    // Field rules of the domain come through as field errors.
    let err = s.decide(&cto, d.id, Role::Cto, DecideInput::default(), f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["choice", "cost"]);

    let later = f.now + Duration::hours(5);
    let decided = s.decide(&cto, d.id, Role::Cto, choice(), later).await.unwrap();
    assert_eq!(
        (decided.status, decided.decided_by, decided.decided_at),
        (DecisionStatus::Decided, cto.user_id, Some(later))
    );
    assert_eq!(s.decision_by_number(ws, 1).await.unwrap(), decided);

    // Decided records do not change.
    let err = s.decide(&cto, d.id, Role::Cto, choice(), later).await.unwrap_err();
    assert!(!refused(&err).0, "{err}");
    let err = s.withdraw_decision(&planner, d.id, Role::Delivery, later).await.unwrap_err();
    assert_eq!(refused(&err), (false, "decision_wrong_state".to_owned()), "{err}");

    // A system actor is not a person and decides nothing.
    let err = s.decide(&Actor::system(ws), d.id, Role::Cto, choice(), later).await.unwrap_err();
    assert_eq!(refused(&err), (true, "person_required".to_owned()));

    let log = s.audit_log(ws, Some(d.id), 10, None).await.unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["decide", "create"]);
    assert!(log[0].before.as_deref().unwrap().contains("\"status\":\"requested\""));
    assert!(log[0].after.as_deref().unwrap().contains("\"status\":\"decided\""));
}
both!(decisions_are_taken_by_who_the_policy_names, super::decisions_are_taken_by_who_the_policy_names);

async fn joint_decisions_need_the_other_chief(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;
    let joint = s
        .create_decision(&cto, decision_input("Launch 2026.4", DecisionCategory::LaunchReadiness), f.now)
        .await
        .unwrap();
    assert_eq!(joint.decider, Decider::Joint);
    let first = s.decide(&cto, joint.id, Role::Cto, choice(), f.now).await.unwrap();
    assert_eq!((first.status, first.decided_at), (DecisionStatus::AwaitingConcurrence, None));

    let err = s.concur(&cto, joint.id, Role::Cto, f.now).await.unwrap_err();
    assert!(refused(&err).0, "the chief who recorded it cannot also concur: {err}");

    let both = s.concur(&f.actor, joint.id, Role::Ciso, f.now).await.unwrap();
    assert_eq!(
        (both.status, both.decided_by, both.concurred_by),
        (DecisionStatus::Decided, cto.user_id, f.actor.user_id)
    );
    let log = s.audit_log(ws, Some(joint.id), 10, None).await.unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["concur", "decide", "create"]);
    assert_eq!(log[0].actor, "ciso@acme.example");

    // The generic step takes any closure whose error the store can carry.
    let pending =
        s.create_decision(&cto, decision_input("Drop IE11", DecisionCategory::LaunchReadiness), f.now).await.unwrap();
    let err = s
        .update_decision(&cto, pending.id, f.now, "withdraw", Some(7), |d| {
            d.withdraw(cto.user_id.unwrap(), Role::Cto, f.now)
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("version 7")), "{err}");
    let withdrawn = s.withdraw_decision(&cto, pending.id, Role::Cto, f.now).await.unwrap();
    assert_eq!(withdrawn.status, DecisionStatus::Withdrawn);
}
both!(joint_decisions_need_the_other_chief, super::joint_decisions_need_the_other_chief);

async fn joint_means_one_chief_of_each_side_and_no_chief_mints_another(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;
    // The bypass that was found: the CTO creates a second CTO account...
    let before = audit_len(&f, ws).await;
    for role in [Role::Cto, Role::Ciso, Role::Executive] {
        let err = s.create_user(&cto, "cto2@acme.example", "Second CTO", role, None, f.now).await.unwrap_err();
        assert_eq!(refused(&err), (true, "authority_grant".to_owned()), "{err}");
    }
    let eng = s.create_user(&cto, "eng@acme.example", "Eng", Role::EngineeringLead, None, f.now).await.unwrap();
    let err = s.set_user_role(&cto, eng.id, Role::Cto, f.now).await.unwrap_err();
    assert_eq!(refused(&err).1, "authority_grant", "nor promotes one: {err}");
    let err = s.set_user_role(&cto, f.actor.user_id.unwrap(), Role::Viewer, f.now).await.unwrap_err();
    assert_eq!(refused(&err).1, "authority_grant", "nor demotes the other chief: {err}");
    assert_eq!(audit_len(&f, ws).await, before + 1, "only the engineering lead was added");
    // ...and had the operator made one, two CTOs are still one side.
    let operator = Actor { workspace_id: ws, user_id: None, label: "rhythm admin".into() };
    let cto2 = s.create_user(&operator, "cto2@acme.example", "Second CTO", Role::Cto, None, f.now).await.unwrap();
    let cto2 = Actor { workspace_id: ws, user_id: Some(cto2.id), label: cto2.email };
    let d = s.create_decision(&cto, decision_input("Move control requirements", DecisionCategory::PolicyChange), f.now);
    let d = d.await.unwrap();
    s.decide(&cto, d.id, Role::Cto, choice(), f.now).await.unwrap();
    let err = s.concur(&cto2, d.id, Role::Cto, f.now).await.unwrap_err();
    assert_eq!(refused(&err), (true, "no_decision_right".to_owned()), "{err}");
    assert!(err.to_string().contains("only the CISO concurs"), "{err}");
    assert_eq!(s.decision(ws, d.id).await.unwrap().status, DecisionStatus::AwaitingConcurrence);
    let both = s.concur(&f.actor, d.id, Role::Ciso, f.now).await.unwrap();
    assert_eq!((both.decided_as, both.concurred_as), (Some(Role::Cto), Some(Role::Ciso)));
    let log = s.audit_log(ws, Some(cto2.user_id.unwrap()), 1, None).await.unwrap();
    assert_eq!(log[0].actor, "rhythm admin", "the operator's grant is on the record");
}
both!(
    joint_means_one_chief_of_each_side_and_no_chief_mints_another,
    super::joint_means_one_chief_of_each_side_and_no_chief_mints_another
);

fn risk_input(statement: &str) -> RiskInput {
    RiskInput {
        statement: statement.into(),
        impact: 3,
        likelihood: 3,
        found_stage: Stage::Production,
        ..Default::default()
    }
}

async fn decision_links_must_exist_in_the_workspace(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let risk = s.create(&f.actor, f.now, |n| Risk::create(risk_input("Ours."), n)).await.unwrap();

    let mut input = decision_input("Replace the old decision", DecisionCategory::ControlRequirements);
    input.supersedes = Some(Uuid::new_v4());
    let err = s.create_decision(&f.actor, input, f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["supersedes"]);

    let old = s
        .create_decision(&f.actor, decision_input("MFA for admins", DecisionCategory::ControlRequirements), f.now)
        .await
        .unwrap();
    let mut input = decision_input("MFA for everyone", DecisionCategory::ControlRequirements);
    input.supersedes = Some(old.id);
    input.risk_ids = vec![risk.id];
    let new = s.create_decision(&f.actor, input, f.now).await.unwrap();
    assert_eq!((new.supersedes, new.risk_ids.clone()), (Some(old.id), vec![risk.id]));

    // Ids of another workspace are refused like missing ones, with the field named.
    let them = f.other_workspace().await;
    let their_risk = s.create(&them, f.now, |n| Risk::create(risk_input("Theirs."), n)).await.unwrap();
    let theirs =
        s.create_decision(&them, decision_input("Theirs", DecisionCategory::ControlRequirements), f.now).await.unwrap();
    let their_cto = person(&f, &them, "cto@other.example", Role::Cto).await;
    let their_ciso = person(&f, &them, "ciso@other.example", Role::Ciso).await;
    let their_exc = s
        .request_exception(
            &their_cto,
            exception_input(&f, their_cto.user_id.unwrap(), their_ciso.user_id.unwrap(), their_risk.id),
            f.now,
        )
        .await
        .unwrap();
    let mut input = decision_input("Cross-tenant", DecisionCategory::ControlRequirements);
    input.supersedes = Some(theirs.id);
    input.risk_ids = vec![risk.id, their_risk.id];
    input.exception_ids = vec![their_exc.id];
    let before = audit_len(&f, ws).await;
    let err = s.create_decision(&f.actor, input, f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["risk_ids[1]", "exception_ids[0]", "supersedes"]);
    assert_eq!(audit_len(&f, ws).await, before);

    // Reading or deciding another workspace's decision is "not found".
    assert!(matches!(s.decision(ws, theirs.id).await, Err(StoreError::NotFound { .. })));
    let err = s.decide(&f.actor, theirs.id, Role::Ciso, choice(), f.now).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

    // Lists filter by the links and by supersedes.
    let filter = |k: &str, v: String| ListQuery { filters: vec![(k.to_owned(), v)], ..Default::default() };
    let by_risk = s.list_decisions(ws, &filter("risk", risk.id.to_string())).await.unwrap();
    assert_eq!(by_risk.items.iter().map(|d| d.id).collect::<Vec<_>>(), [new.id]);
    assert_eq!(s.list_decisions(ws, &filter("supersedes", old.id.to_string())).await.unwrap().total, 1);
    assert_eq!(s.list_decisions(ws, &filter("release", Uuid::new_v4().to_string())).await.unwrap().total, 0);
    assert_eq!(s.list_decisions(ws, &filter("category", "control_requirements".into())).await.unwrap().total, 2);
    assert_eq!(s.list_decisions(ws, &filter("decider", "ciso".into())).await.unwrap().total, 2);
    assert_eq!(s.list_decisions(ws, &filter("status", "requested".into())).await.unwrap().total, 2);
    let sorted = ListQuery { sort: Some("number".into()), ..Default::default() };
    let numbers: Vec<i64> = s.list_decisions(ws, &sorted).await.unwrap().items.iter().map(|d| d.number).collect();
    assert_eq!(numbers, [1, 2]);
    for bad in [
        filter("colour", "red".into()),
        filter("status", "pondering".into()),
        ListQuery { sort: Some("title; --".into()), ..Default::default() },
    ] {
        assert!(matches!(s.list_decisions(ws, &bad).await, Err(StoreError::BadQuery(_))), "{bad:?}");
    }
}
both!(decision_links_must_exist_in_the_workspace, super::decision_links_must_exist_in_the_workspace);

pub(crate) fn exception_input(f: &Fixture, eng: Uuid, sec: Uuid, risk: Uuid) -> ExceptionInput {
    let today = f.now.date();
    ExceptionInput {
        title: "Legacy TLS on the partner SFTP endpoint".into(),
        business_reason: "Two partners cannot upgrade before their Q2 release; cutting them off stops payroll.".into(),
        scope: "sftp.partner.example only".into(),
        system_ids: vec![],
        organization_wide: true,
        users_impacted: "Two partner integrations".into(),
        starts_on: today,
        expires_on: today + Duration::days(10),
        compensating_controls: vec!["IP allow-list for the two partners".into()],
        risk_ids: vec![risk],
        finding_ids: vec![],
        engineering_owner_id: eng,
        security_owner_id: sec,
        supersedes: None,
    }
}

fn sign(side: ExceptionSide, who: &Actor, role: Role, approve: bool) -> ExceptionCommand {
    let note = if approve { String::new() } else { "The allow-list is not enough".into() };
    ExceptionCommand::Sign { side, user_id: who.user_id.unwrap(), user_role: role, approve, note }
}

pub(crate) struct People {
    pub eng: Actor,
    pub sec: Actor,
    pub requester: Actor,
    pub risk: Risk,
}

pub(crate) async fn people(f: &Fixture, on: &Actor, tag: &str) -> People {
    let eng = person(f, on, &format!("eng-lead@{tag}.example"), Role::EngineeringLead).await;
    let sec = person(f, on, &format!("sec-lead@{tag}.example"), Role::SecurityLead).await;
    let requester = person(f, on, &format!("dev@{tag}.example"), Role::Engineer).await;
    let risk = f.store().create(on, f.now, |n| Risk::create(risk_input("Old TLS ciphers."), n)).await.unwrap();
    People { eng, sec, requester, risk }
}

pub(crate) async fn request(f: &Fixture, team: &People, expires_on: Date) -> Exception {
    let mut input = exception_input(f, team.eng.user_id.unwrap(), team.sec.user_id.unwrap(), team.risk.id);
    input.expires_on = expires_on;
    f.store().request_exception(&team.requester, input, f.now).await.unwrap()
}

pub(crate) async fn approve(f: &Fixture, team: &People, e: &Exception) -> Exception {
    let s = f.store();
    s.transition_exception(
        &team.eng,
        e.id,
        sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true),
        f.now,
    )
    .await
    .unwrap();
    s.transition_exception(&team.sec, e.id, sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, true), f.now)
        .await
        .unwrap()
}

async fn exceptions_are_signed_by_both_named_owners(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let e = request(&f, &team, f.now.date() + Duration::days(10)).await;
    assert_eq!((e.number, e.status, e.requester_id), (1, ExceptionStatus::Requested, team.requester.user_id.unwrap()));
    assert_eq!(s.exception(ws, e.id).await.unwrap(), e, "read back equals written");

    let awaiting = |u: &Actor| ListQuery {
        filters: vec![("awaiting_signature".into(), u.user_id.unwrap().to_string())],
        ..Default::default()
    };
    assert_eq!(s.list_exceptions(ws, &awaiting(&team.eng)).await.unwrap().total, 1);
    assert_eq!(s.list_exceptions(ws, &awaiting(&team.sec)).await.unwrap().total, 1);

    let later = f.now + Duration::hours(1);
    let half = s
        .transition_exception(
            &team.eng,
            e.id,
            sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true),
            later,
        )
        .await
        .unwrap();
    assert_eq!((half.status, half.version), (ExceptionStatus::Requested, 2));
    assert_eq!(s.list_exceptions(ws, &awaiting(&team.eng)).await.unwrap().total, 0, "signed already");
    assert_eq!(s.list_exceptions(ws, &awaiting(&team.sec)).await.unwrap().total, 1);

    let done = s
        .transition_exception(
            &team.sec,
            e.id,
            sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, true),
            later,
        )
        .await
        .unwrap();
    assert_eq!((done.status, done.decided_at), (ExceptionStatus::Approved, Some(later)));
    let read = s.exception_by_number(ws, 1).await.unwrap();
    assert_eq!(read, done, "signatures round-trip, to the microsecond");
    assert_eq!(read.signatures.security.as_ref().unwrap().user_id, team.sec.user_id.unwrap());
    assert_eq!(s.list_exceptions(ws, &awaiting(&team.sec)).await.unwrap().total, 0);

    let log = s.audit_log(ws, Some(e.id), 10, None).await.unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["sign", "sign", "create"]);
    assert_eq!(log[0].actor, "sec-lead@acme.example");

    // Filters and sorts.
    let filter = |k: &str, v: String| ListQuery { filters: vec![(k.to_owned(), v)], ..Default::default() };
    assert_eq!(s.list_exceptions(ws, &filter("owner", team.sec.user_id.unwrap().to_string())).await.unwrap().total, 1);
    assert_eq!(
        s.list_exceptions(ws, &filter("owner", team.requester.user_id.unwrap().to_string())).await.unwrap().total,
        0
    );
    assert_eq!(
        s.list_exceptions(ws, &filter("risk", team.risk.id.to_string())).await.unwrap().items[0].risk_ids,
        [team.risk.id]
    );
    assert_eq!(s.list_exceptions(ws, &filter("status", "approved".into())).await.unwrap().total, 1);
    assert_eq!(s.list_exceptions(ws, &filter("system", Uuid::new_v4().to_string())).await.unwrap().total, 0);
    let second = request(&f, &team, f.now.date() + Duration::days(5)).await;
    let by_expiry: Vec<Uuid> =
        s.list_exceptions(ws, &ListQuery::default()).await.unwrap().items.iter().map(|e| e.id).collect();
    assert_eq!(by_expiry, [second.id, e.id], "soonest expiry first");
    let q = ListQuery { sort: Some("number".into()), ..Default::default() };
    let by_number: Vec<i64> = s.list_exceptions(ws, &q).await.unwrap().items.iter().map(|e| e.number).collect();
    assert_eq!(by_number, [1, 2]);
    assert!(matches!(
        s.list_exceptions(ws, &ListQuery { sort: Some("title".into()), ..Default::default() }).await,
        Err(StoreError::BadQuery(_))
    ));
}
both!(exceptions_are_signed_by_both_named_owners, super::exceptions_are_signed_by_both_named_owners);

async fn exception_refusals_write_nothing(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let e = request(&f, &team, f.now.date() + Duration::days(10)).await;
    let before = audit_len(&f, ws).await;

    // The engineering owner cannot also sign the security side.
    let err = s
        .transition_exception(
            &team.eng,
            e.id,
            sign(ExceptionSide::Security, &team.eng, Role::EngineeringLead, true),
            f.now,
        )
        .await
        .unwrap_err();
    assert_eq!(refused(&err), (true, "same_person_both_sides".to_owned()), "{err}");
    // Nobody signs for someone else.
    let err = s
        .transition_exception(
            &team.eng,
            e.id,
            sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, true),
            f.now,
        )
        .await
        .unwrap_err();
    assert_eq!(refused(&err), (true, "not_the_actor".to_owned()), "{err}");
    // A rejection needs a reason: a field error.
    let cmd = ExceptionCommand::Sign {
        side: ExceptionSide::Security,
        user_id: team.sec.user_id.unwrap(),
        user_role: Role::SecurityLead,
        approve: false,
        note: " ".into(),
    };
    let err = s.transition_exception(&team.sec, e.id, cmd, f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["note"]);
    assert_eq!(audit_len(&f, ws).await, before);
    assert_eq!(s.exception(ws, e.id).await.unwrap(), e);

    // Withdrawn by the requester, it can no longer be signed: a refusal of state.
    let w = s
        .transition_exception(
            &team.requester,
            e.id,
            ExceptionCommand::Withdraw { user_id: team.requester.user_id.unwrap() },
            f.now,
        )
        .await
        .unwrap();
    assert_eq!(w.status, ExceptionStatus::Withdrawn);
    let err = s
        .transition_exception(
            &team.eng,
            e.id,
            sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true),
            f.now,
        )
        .await
        .unwrap_err();
    assert_eq!(refused(&err), (false, "not_signable_in_state".to_owned()), "{err}");
    assert_eq!(audit_len(&f, ws).await, before + 1);

    // Owners are named with a role that can sign their side; links stay in the workspace.
    let mut input = exception_input(&f, team.requester.user_id.unwrap(), team.sec.user_id.unwrap(), team.risk.id);
    let them = f.other_workspace().await;
    let their_risk = s.create(&them, f.now, |n| Risk::create(risk_input("Theirs."), n)).await.unwrap();
    input.risk_ids.push(their_risk.id);
    input.finding_ids = vec![Uuid::new_v4()];
    let err = s.request_exception(&team.requester, input, f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["risk_ids[1]", "finding_ids[0]", "engineering_owner_id"]);
    // The domain's own field rules come through too.
    let input = exception_input(&f, team.eng.user_id.unwrap(), team.eng.user_id.unwrap(), team.risk.id);
    let err = s.request_exception(&team.requester, input, f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["security_owner_id"]);
    assert_eq!(audit_len(&f, ws).await, before + 1);
    assert_eq!(s.list_exceptions(ws, &ListQuery::default()).await.unwrap().total, 1);
}
both!(exception_refusals_write_nothing, super::exception_refusals_write_nothing);

async fn escalations_are_settled_only_by_the_escalation_that_names_them(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let e = request(&f, &team, f.now.date() + Duration::days(10)).await;
    s.transition_exception(
        &team.eng,
        e.id,
        sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true),
        f.now,
    )
    .await
    .unwrap();
    let esc = s
        .transition_exception(
            &team.sec,
            e.id,
            sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, false),
            f.now,
        )
        .await
        .unwrap();
    assert_eq!(esc.status, ExceptionStatus::Escalated);
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;
    let ceo = person(&f, &f.actor, "ceo@acme.example", Role::Executive).await;
    let before = audit_len(&f, ws).await;

    // The bypass that was found: the requester settles it by citing a decision the CTO
    // decided alone, about something else.
    let unrelated = s
        .create_decision(
            &cto,
            decision_input("Ship search before billing", DecisionCategory::DeliverySequencing),
            f.now,
        )
        .await
        .unwrap();
    s.decide(&cto, unrelated.id, Role::Cto, choice(), f.now).await.unwrap();
    let resolve = |d: &rhythm_domain::decision::Decision| ExceptionCommand::ResolveEscalation {
        approve: true,
        decision_id: d.id,
    };
    let err = s.transition_exception(&team.requester, e.id, resolve(&unrelated), f.now).await.unwrap_err();
    assert_eq!(refused(&err), (false, "decision_wrong_state".to_owned()), "{err}");
    assert!(err.to_string().contains("not a decided escalation"), "{err}");
    // A joint decision that names it is still two chiefs, not the escalation authority.
    let mut joint = decision_input("Accept legacy TLS until Q2", DecisionCategory::ExceptionApproval);
    joint.exception_ids = vec![e.id];
    let joint = s.create_decision(&cto, joint, f.now).await.unwrap();
    s.decide(&cto, joint.id, Role::Cto, choice(), f.now).await.unwrap();
    s.concur(&f.actor, joint.id, Role::Ciso, f.now).await.unwrap();
    let err = s.transition_exception(&cto, e.id, resolve(&joint), f.now).await.unwrap_err();
    assert_eq!(refused(&err).1, "decision_wrong_state", "{err}");
    // An escalation about another exception does not settle this one.
    let mut other = decision_input("Accept the old VPN", DecisionCategory::RisksOverThreshold);
    other.risk_ids = vec![team.risk.id];
    let other = s.create_decision(&cto, other, f.now).await.unwrap();
    s.state_position(&cto, other.id, Role::Cto, "Accept it for a quarter", f.now).await.unwrap();
    s.state_position(&f.actor, other.id, Role::Ciso, "Replace it first", f.now).await.unwrap();
    s.decide(&ceo, other.id, Role::Executive, choice(), f.now).await.unwrap();
    let err = s.transition_exception(&ceo, e.id, resolve(&other), f.now).await.unwrap_err();
    assert!(err.to_string().contains(&format!("does not name {}", e.reference())), "{err}");
    assert_eq!(s.exception(ws, e.id).await.unwrap().status, ExceptionStatus::Escalated, "nothing settled it");

    // The escalation that names it, with both positions, decided by the executive.
    let mut input = decision_input("Accept legacy TLS until Q2", DecisionCategory::RisksOverThreshold);
    input.exception_ids = vec![e.id];
    let d = s.create_decision(&team.requester, input, f.now).await.unwrap();
    let err = s.decide(&cto, d.id, Role::Cto, choice(), f.now).await.unwrap_err();
    assert_eq!(refused(&err), (true, "no_decision_right".to_owned()), "a chief does not decide an escalation");
    let err = s.decide(&ceo, d.id, Role::Executive, choice(), f.now).await.unwrap_err();
    assert_eq!(refused(&err), (false, "decision_wrong_state".to_owned()), "not before both positions: {err}");
    s.state_position(&cto, d.id, Role::Cto, "Accept: two partners need until Q2", f.now).await.unwrap();
    s.state_position(&f.actor, d.id, Role::Ciso, "Reject: the allow-list is not enough", f.now).await.unwrap();
    let d = s.decide(&ceo, d.id, Role::Executive, choice(), f.now).await.unwrap();
    assert_eq!((d.decided_as, d.cto_position.as_str()), (Some(Role::Executive), "Accept: two partners need until Q2"));
    let err = s.transition_exception(&team.requester, e.id, resolve(&d), f.now).await.unwrap_err();
    assert_eq!(refused(&err), (true, "no_decision_right".to_owned()), "only its decider records the settlement");
    let settled = s.transition_exception(&ceo, e.id, resolve(&d), f.now).await.unwrap();
    assert_eq!((settled.status, settled.escalation_decision_id), (ExceptionStatus::Approved, Some(d.id)));
    let by_exception = ListQuery { filters: vec![("exception".into(), e.id.to_string())], ..Default::default() };
    assert!(s.list_decisions(ws, &by_exception).await.unwrap().items.iter().any(|x| x.id == d.id));
    assert!(audit_len(&f, ws).await > before);
}
both!(
    escalations_are_settled_only_by_the_escalation_that_names_them,
    super::escalations_are_settled_only_by_the_escalation_that_names_them
);

async fn two_approvals_beyond_the_risk_appetite_escalate(f: Fixture) {
    let s = f.store();
    let team = people(&f, &f.actor, "acme").await;
    // A score-16 regulatory risk: above the default acceptance limit of 12.
    let big =
        RiskInput { impact: 4, likelihood: 4, tags: vec!["regulatory".into()], ..risk_input("Card data in logs.") };
    let big = s.create(&f.actor, f.now, |n| Risk::create(big, n)).await.unwrap();
    let mut input = exception_input(&f, team.eng.user_id.unwrap(), team.sec.user_id.unwrap(), big.id);
    input.expires_on = f.now.date() + Duration::days(10);
    let e = s.request_exception(&team.requester, input, f.now).await.unwrap();
    let e = approve_or_escalate(&f, &team, &e).await;
    assert_eq!(e.status, ExceptionStatus::Escalated, "two leads do not accept a score-16 risk");
    assert!(e.decided_at.is_none());
    // Within the appetite two signatures approve, as before.
    let e = request(&f, &team, f.now.date() + Duration::days(10)).await;
    assert_eq!(approve_or_escalate(&f, &team, &e).await.status, ExceptionStatus::Approved);
}
both!(two_approvals_beyond_the_risk_appetite_escalate, super::two_approvals_beyond_the_risk_appetite_escalate);

async fn approve_or_escalate(f: &Fixture, team: &People, e: &Exception) -> Exception {
    let s = f.store();
    let eng = sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true);
    s.transition_exception(&team.eng, e.id, eng, f.now).await.unwrap();
    let sec = sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, true);
    s.transition_exception(&team.sec, e.id, sec, f.now).await.unwrap()
}

async fn an_approved_exception_accepts_its_risks_and_their_lapse_reopens_them(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let e = request(&f, &team, f.now.date() + Duration::days(10)).await;
    assert_eq!(s.get::<Risk>(ws, team.risk.id).await.unwrap().status, RiskStatus::Open, "a request accepts nothing");
    approve(&f, &team, &e).await;
    let risk = s.get::<Risk>(ws, team.risk.id).await.unwrap();
    assert_eq!(risk.status, RiskStatus::Accepted);
    let log = s.audit_log(ws, Some(risk.id), 1, None).await.unwrap();
    assert_eq!((log[0].action.as_str(), log[0].actor.as_str()), ("accept", "system (EXC-1)"));
    // The lapse opens it again.
    s.expire_due_exceptions(f.now + Duration::days(11)).await.unwrap();
    assert_eq!(s.get::<Risk>(ws, team.risk.id).await.unwrap().status, RiskStatus::Open);
    // Nobody sets it by hand, not even the CISO.
    let patch = RiskPatch { status: Some(RiskStatus::Accepted), ..Default::default() };
    let err = s.update::<Risk>(&f.actor, risk.id, f.now, "update", None, |r| r.apply(patch, f.now)).await.unwrap_err();
    assert_eq!(fields(&err), ["status"]);
}
both!(
    an_approved_exception_accepts_its_risks_and_their_lapse_reopens_them,
    super::an_approved_exception_accepts_its_risks_and_their_lapse_reopens_them
);

async fn due_exceptions_expire_once(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let last_day = f.now.date() + Duration::days(10);
    let e = request(&f, &team, last_day).await;
    let e = approve(&f, &team, &e).await;
    let later = request(&f, &team, last_day + Duration::days(30)).await;

    // Valid through its last day.
    assert!(s.expire_due_exceptions(f.now + Duration::days(10)).await.unwrap().is_empty());
    let before = audit_len(&f, ws).await;
    let run = f.now + Duration::days(11);
    let expired = s.expire_due_exceptions(run).await.unwrap();
    assert_eq!(expired.iter().map(|e| e.id).collect::<Vec<_>>(), [e.id]);
    assert_eq!((expired[0].status, expired[0].expired_at), (ExceptionStatus::Expired, Some(run)));
    assert_eq!(s.exception(ws, e.id).await.unwrap(), expired[0]);
    assert_eq!(s.exception(ws, later.id).await.unwrap().status, ExceptionStatus::Requested);
    let log = s.audit_log(ws, Some(e.id), 1, None).await.unwrap();
    assert_eq!((log[0].action.as_str(), log[0].actor.as_str()), ("expire", "system"));
    // The expiry and the risk it had accepted, open again.
    assert_eq!(audit_len(&f, ws).await, before + 2);

    // Nothing is due any more.
    assert!(s.expire_due_exceptions(run).await.unwrap().is_empty());
    assert_eq!(audit_len(&f, ws).await, before + 2, "a second run writes nothing");
    assert!(s.verify_audit_chain(ws).await.unwrap().valid);
}
both!(due_exceptions_expire_once, super::due_exceptions_expire_once);

async fn concurrent_expiry_runs_expire_each_exception_once(f: Fixture) {
    let s = f.store();
    let them = f.other_workspace().await;
    let mine = people(&f, &f.actor, "acme").await;
    let theirs = people(&f, &them, "other").await;
    let last_day = f.now.date() + Duration::days(3);
    let mut due = HashSet::new();
    for i in 0..8 {
        let team = if i % 3 == 0 { &theirs } else { &mine };
        let e = request(&f, team, last_day).await;
        let e = if i % 2 == 0 { approve(&f, team, &e).await } else { e };
        due.insert(e.id);
    }
    let run = f.now + Duration::days(4);
    let (a, b) = (s.clone(), s.clone());
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { a.expire_due_exceptions(run).await }),
        tokio::spawn(async move { b.expire_due_exceptions(run).await })
    );
    let (ra, rb) = (ra.unwrap().unwrap(), rb.unwrap().unwrap());
    let ids: Vec<Uuid> = ra.iter().chain(&rb).map(|e| e.id).collect();
    assert_eq!(ids.len(), due.len(), "each exception expired by exactly one run");
    assert_eq!(ids.iter().copied().collect::<HashSet<_>>(), due);

    let mut expire_rows = 0;
    for ws in [f.actor.workspace_id, them.workspace_id] {
        let log = s.audit_log(ws, None, 1000, None).await.unwrap();
        expire_rows += log.iter().filter(|e| e.action == "expire").count();
        assert!(s.verify_audit_chain(ws).await.unwrap().valid, "the chain never forks");
    }
    assert_eq!(expire_rows, due.len());
}
both!(concurrent_expiry_runs_expire_each_exception_once, super::concurrent_expiry_runs_expire_each_exception_once);

// ---------------------------------------------------------------------------------------------
// Notifications of the expiry job.

async fn add_target(f: &Fixture, on: &Actor) {
    let t = rhythm_store::NewNotificationTarget {
        channel: rhythm_store::Channel::Webhook,
        target: "https://hooks.example/rhythm".into(),
        secret: None,
        format: rhythm_store::Format::Json,
        events: vec![],
    };
    f.store().add_notification_target(on, t, f.now).await.unwrap();
}

async fn outbox_of(f: &Fixture, ws: Uuid, event: rhythm_store::Event) -> Vec<serde_json::Value> {
    let all = f.store().outbox_entries(ws, None, 100).await.unwrap();
    all.iter().filter(|e| e.event == event).map(|e| serde_json::from_str(&e.payload).unwrap()).collect()
}

async fn governance_expiry_enqueues_exception_expired_in_its_transaction(f: Fixture) {
    use rhythm_store::Event;
    let s = f.store();
    let ws = f.actor.workspace_id;
    add_target(&f, &f.actor).await;
    let team = people(&f, &f.actor, "acme").await;
    let last_day = f.now.date() + Duration::days(10);
    let e = approve(&f, &team, &request(&f, &team, last_day).await).await;
    // Not due: nothing is told.
    s.expire_due_exceptions(f.now + Duration::days(10)).await.unwrap();
    assert!(outbox_of(&f, ws, Event::ExceptionExpired).await.is_empty());

    let run = f.now + Duration::days(11);
    let expired = s.expire_due_exceptions(run).await.unwrap();
    assert_eq!(expired.len(), 1);
    let told = outbox_of(&f, ws, Event::ExceptionExpired).await;
    assert_eq!(told.len(), 1, "{told:?}");
    let p = &told[0];
    assert_eq!(p["exception"], "EXC-1");
    assert_eq!(p["exception_id"], e.id.to_string());
    assert_eq!(p["status"], "expired");
    assert_eq!(p["expires_on"], last_day.to_string());
    assert_eq!(p["risks"], serde_json::json!([team.risk.reference()]));
    // Facts only: the words and links are the server's (its tests check them).
    assert!(p.get("summary").is_none() && p.get("subject").is_none() && p.get("url").is_none(), "{p}");
    // A second run expires nothing and tells nothing.
    s.expire_due_exceptions(run).await.unwrap();
    assert_eq!(outbox_of(&f, ws, Event::ExceptionExpired).await.len(), 1);
}
both!(
    governance_expiry_enqueues_exception_expired_in_its_transaction,
    super::governance_expiry_enqueues_exception_expired_in_its_transaction
);

async fn governance_expiring_exceptions_are_told_once_per_expiry_date(f: Fixture) {
    use rhythm_store::Event;
    let s = f.store();
    let ws = f.actor.workspace_id;
    add_target(&f, &f.actor).await;
    let them = f.other_workspace().await;
    let team = people(&f, &f.actor, "acme").await;
    let theirs = people(&f, &them, "other").await;
    // The default lead time is 14 days: 10 days out is within it, 30 days out is not.
    let soon = approve(&f, &team, &request(&f, &team, f.now.date() + Duration::days(10)).await).await;
    let _later = request(&f, &team, f.now.date() + Duration::days(30)).await;
    let _other_ws = request(&f, &theirs, f.now.date() + Duration::days(5)).await;

    let told = s.notify_expiring_exceptions(f.now).await.unwrap();
    assert_eq!(told.iter().map(|e| e.id).collect::<Vec<_>>().len(), 2, "one per workspace");
    let mine = outbox_of(&f, ws, Event::ExceptionExpiring).await;
    assert_eq!(mine.len(), 1, "the other workspace has no target: {mine:?}");
    assert_eq!(mine[0]["exception_id"], soon.id.to_string());
    assert_eq!(mine[0]["exception"], "EXC-1");
    assert!(mine[0].get("url").is_none() && mine[0].get("path").is_none(), "facts only: {}", mine[0]);

    // Again, and again the next day: nothing new.
    assert!(s.notify_expiring_exceptions(f.now).await.unwrap().is_empty());
    assert!(s.notify_expiring_exceptions(f.now + Duration::days(1)).await.unwrap().is_empty());
    assert_eq!(outbox_of(&f, ws, Event::ExceptionExpiring).await.len(), 1);

    // 17 days on, the 30-day one is within 14 days of its expiry: told once.
    let told = s.notify_expiring_exceptions(f.now + Duration::days(17)).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(outbox_of(&f, ws, Event::ExceptionExpiring).await.len(), 2);

    // Two runs at once (two instances) tell a new one once.
    let new = request(&f, &team, f.now.date() + Duration::days(12)).await;
    let (a, b) = (s.clone(), s.clone());
    let at = f.now + Duration::days(1);
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { a.notify_expiring_exceptions(at).await }),
        tokio::spawn(async move { b.notify_expiring_exceptions(at).await })
    );
    let ids: Vec<Uuid> = ra.unwrap().unwrap().iter().chain(&rb.unwrap().unwrap()).map(|e| e.id).collect();
    assert_eq!(ids, [new.id]);
    assert_eq!(outbox_of(&f, ws, Event::ExceptionExpiring).await.len(), 3);
}
both!(
    governance_expiring_exceptions_are_told_once_per_expiry_date,
    super::governance_expiring_exceptions_are_told_once_per_expiry_date
);

async fn governance_gate_stop_is_not_repeated_within_a_day(f: Fixture) {
    use rhythm_store::Event;
    use rhythm_store::notification::FailingCriterion;
    let s = f.store();
    let ws = f.actor.workspace_id;
    add_target(&f, &f.actor).await;
    let open = |n: usize| {
        vec![FailingCriterion {
            criterion: "no_open_critical".into(),
            evidence: (1..=n).map(|i| format!("FND-{i}")).collect(),
        }]
    };
    let first = s.notify_gate_stop(ws, "REL-4", "Payments 2.4", open(2), f.now).await.unwrap();
    assert_eq!(first.map(|ids| ids.len()), Some(1));
    let p = &outbox_of(&f, ws, Event::LaunchGateStop).await[0];
    assert_eq!((p["release"].as_str(), p["verdict"].as_str()), (Some("REL-4"), Some("STOP")));
    assert_eq!(p["failing"], serde_json::json!([{"criterion": "no_open_critical", "evidence": ["FND-1", "FND-2"]}]));
    assert!(p.get("url").is_none() && p.get("summary").is_none(), "facts only: {p}");
    // The same verdict within 24 h: not again. Another release, or another verdict: told.
    assert_eq!(
        s.notify_gate_stop(ws, "REL-4", "Payments 2.4", open(2), f.now + Duration::hours(23)).await.unwrap(),
        None
    );
    assert!(s.notify_gate_stop(ws, "REL-5", "Payments 2.4", open(2), f.now).await.unwrap().is_some());
    assert!(s.notify_gate_stop(ws, "REL-4", "Payments 2.4", open(3), f.now).await.unwrap().is_some());
    let at = f.now + Duration::hours(25);
    assert!(s.notify_gate_stop(ws, "REL-4", "Payments 2.4", open(3), at).await.unwrap().is_some());
    assert_eq!(outbox_of(&f, ws, Event::LaunchGateStop).await.len(), 4);
    // Bad input names the fields and changes nothing.
    let err = s.notify_gate_stop(ws, " ", "", vec![], f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["release_ref", "failing"]);
    assert_eq!(outbox_of(&f, ws, Event::LaunchGateStop).await.len(), 4);
    assert!(matches!(
        s.notify_gate_stop(Uuid::new_v4(), "REL-4", "x", open(1), f.now).await,
        Err(StoreError::NotFound { .. })
    ));
}
both!(governance_gate_stop_is_not_repeated_within_a_day, super::governance_gate_stop_is_not_repeated_within_a_day);

async fn approval_adds_a_review_item_and_events_go_in_the_same_transaction(f: Fixture) {
    use rhythm_domain::{BacklogItem, DataTier, System, SystemInput, WorkKind};
    use rhythm_store::{Channel, Event, Format, NewNotificationTarget};
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let target = NewNotificationTarget {
        channel: Channel::Email,
        target: "security@acme.example".into(),
        secret: None,
        format: Format::default(),
        events: vec![Event::SignatureRequested, Event::EscalationOpened],
    };
    s.add_notification_target(&f.actor, target, f.now).await.unwrap();
    let events = |want: Event| async move {
        s.outbox_entries(ws, None, 100).await.unwrap().into_iter().filter(|e| e.event == want).count()
    };
    let system = s
        .create(&f.actor, f.now, |n| {
            System::create(
                SystemInput {
                    name: "sftp-gateway".into(),
                    description: String::new(),
                    owner_team: "Platform".into(),
                    tier: DataTier::Confidential,
                    golden_paths: vec![],
                },
                n,
            )
        })
        .await
        .unwrap();
    let mut input = exception_input(&f, team.eng.user_id.unwrap(), team.sec.user_id.unwrap(), team.risk.id);
    input.system_ids = vec![system.id];
    input.expires_on = f.now.date() + Duration::days(60);
    let e = s.request_exception(&team.requester, input, f.now).await.unwrap();
    assert_eq!(events(Event::SignatureRequested).await, 1, "the request asks both owners");
    assert_eq!(e.review_item_id, None);

    let approved = approve(&f, &team, &e).await;
    assert_eq!(approved.status, ExceptionStatus::Approved);
    let item_id = approved.review_item_id.expect("approval adds the review item");
    assert_eq!(s.exception(ws, e.id).await.unwrap(), approved, "review_item_id round-trips");
    let item: BacklogItem = s.get(ws, item_id).await.unwrap();
    assert_eq!(item.kind, WorkKind::Security);
    assert_eq!(item.due_date, Some(approved.review_on));
    assert_eq!(approved.review_on, approved.expires_on - Duration::days(14));
    assert_eq!(item.system_id, Some(system.id));
    assert_eq!(item.assignee_id, team.sec.user_id);
    assert!(
        item.title.starts_with(&format!("Review EXC-1 before it expires on {}", approved.expires_on)),
        "{}",
        item.title
    );
    // The item's creation is audited, by the person whose signature approved it.
    let rows = s.audit_log(ws, Some(item_id), 10, None).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].action.as_str(), rows[0].actor_id), ("create", team.sec.user_id));
    assert_eq!(events(Event::SignatureRequested).await, 1, "approval asks nobody");

    // An edit of the dates voids the signatures and asks again; approving again moves the
    // same item instead of adding another.
    let edit = ExceptionCommand::Edit {
        patch: rhythm_domain::ExceptionPatch {
            expires_on: Some(f.now.date() + Duration::days(30)),
            ..Default::default()
        },
        user_id: team.requester.user_id.unwrap(),
    };
    let edited = s.transition_exception(&team.requester, e.id, edit, f.now).await.unwrap();
    assert_eq!((edited.status, edited.review_item_id), (ExceptionStatus::Requested, Some(item_id)));
    assert_eq!(events(Event::SignatureRequested).await, 2);
    let again = approve(&f, &team, &edited).await;
    assert_eq!(again.review_item_id, Some(item_id));
    let moved: BacklogItem = s.get(ws, item_id).await.unwrap();
    assert_eq!(moved.due_date, Some(again.review_on));
    assert_eq!(moved.version, 2);
    let security_items = ListQuery { filters: vec![("kind".into(), "security".into())], ..Default::default() };
    assert_eq!(s.list::<BacklogItem>(ws, &security_items).await.unwrap().total, 1);

    // A split vote opens an escalation and adds no review item.
    let split = request(&f, &team, f.now.date() + Duration::days(10)).await;
    s.transition_exception(
        &team.eng,
        split.id,
        sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true),
        f.now,
    )
    .await
    .unwrap();
    let esc = s
        .transition_exception(
            &team.sec,
            split.id,
            sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, false),
            f.now,
        )
        .await
        .unwrap();
    assert_eq!((esc.status, esc.review_item_id), (ExceptionStatus::Escalated, None));
    assert_eq!(events(Event::EscalationOpened).await, 1);

    // A refused signature writes no item, no event, no audit row.
    let (audit, outbox) = (audit_len(&f, ws).await, s.outbox_entries(ws, None, 100).await.unwrap().len());
    let third = request(&f, &team, f.now.date() + Duration::days(10)).await;
    let (audit, outbox) = (audit + 1, outbox + 1);
    let refused = s
        .transition_exception(
            &team.eng,
            third.id,
            sign(ExceptionSide::Security, &team.eng, Role::EngineeringLead, true),
            f.now,
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::Refused { forbidden: true, .. }), "{refused:?}");
    assert_eq!(audit_len(&f, ws).await, audit);
    assert_eq!(s.outbox_entries(ws, None, 100).await.unwrap().len(), outbox);
    assert_eq!(s.list::<BacklogItem>(ws, &security_items).await.unwrap().total, 1);
    assert!(s.verify_audit_chain(ws).await.unwrap().valid);
}
both!(
    approval_adds_a_review_item_and_events_go_in_the_same_transaction,
    super::approval_adds_a_review_item_and_events_go_in_the_same_transaction
);

/// "Awaiting my signature" has one definition, the domain's `Exception::awaiting_side`; the
/// store's `awaiting_signature` filter (the API's `?awaiting_signature=`, the inbox) must
/// select exactly the exceptions it names, in every state and for every person.
async fn the_awaiting_signature_filter_is_the_domains_rule(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let due = f.now.date() + Duration::days(10);
    let later = f.now + Duration::hours(1);
    let _untouched = request(&f, &team, due).await;
    let half = request(&f, &team, due).await;
    s.transition_exception(
        &team.eng,
        half.id,
        sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true),
        later,
    )
    .await
    .unwrap();
    let other_half = request(&f, &team, due).await;
    s.transition_exception(
        &team.sec,
        other_half.id,
        sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, true),
        later,
    )
    .await
    .unwrap();
    let approved = request(&f, &team, due).await;
    approve(&f, &team, &approved).await;
    let split = request(&f, &team, due).await;
    s.transition_exception(
        &team.eng,
        split.id,
        sign(ExceptionSide::Engineering, &team.eng, Role::EngineeringLead, true),
        later,
    )
    .await
    .unwrap();
    s.transition_exception(
        &team.sec,
        split.id,
        sign(ExceptionSide::Security, &team.sec, Role::SecurityLead, false),
        later,
    )
    .await
    .unwrap();
    let withdrawn = request(&f, &team, due).await;
    let by = team.requester.user_id.unwrap();
    s.transition_exception(&team.requester, withdrawn.id, ExceptionCommand::Withdraw { user_id: by }, later)
        .await
        .unwrap();

    let all = s.list_exceptions(ws, &ListQuery { limit: 500, ..Default::default() }).await.unwrap().items;
    assert_eq!(all.len(), 6);
    let statuses: std::collections::BTreeSet<_> = all.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(statuses.len(), 4, "requested, approved, escalated and withdrawn are all there: {statuses:?}");
    for who in [&team.eng, &team.sec, &team.requester, &f.actor] {
        let user = who.user_id.unwrap();
        let q = ListQuery { filters: vec![("awaiting_signature".into(), user.to_string())], ..Default::default() };
        let mut by_store: Vec<i64> = s.list_exceptions(ws, &q).await.unwrap().items.iter().map(|e| e.number).collect();
        let mut by_domain: Vec<i64> =
            all.iter().filter(|e| e.awaiting_side(user).is_some()).map(|e| e.number).collect();
        by_store.sort_unstable();
        by_domain.sort_unstable();
        assert_eq!(by_store, by_domain, "awaiting the signature of {}", who.label);
    }
    // The two leads each wait on exactly what the other has signed, and the untouched one.
    assert_eq!(all.iter().filter(|e| e.awaiting_side(team.eng.user_id.unwrap()).is_some()).count(), 2);
}
both!(the_awaiting_signature_filter_is_the_domains_rule, super::the_awaiting_signature_filter_is_the_domains_rule);

/// The exception rules a write checks are the policy's in force when it commits, read in its
/// own transaction: a policy read before the write (what the server once passed in) cannot let
/// through what the version in force refuses.
async fn exception_writes_follow_the_policy_in_force_at_commit(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let team = people(&f, &f.actor, "acme").await;
    let cto = person(&f, &f.actor, "cto@acme.example", Role::Cto).await;
    // A request valid for 5 days, made under the default policy (at most 90 days).
    let short = request(&f, &team, f.now.date() + Duration::days(5)).await;

    // A caller reads the policy in force, then the policy changes before its write.
    let read_before = s.policy(ws).await.unwrap();
    assert_eq!(read_before.policy.exceptions.max_days, 90);
    let change = decided_policy_change(&f, &cto).await;
    s.apply_policy(&f.actor, "[exceptions]\nmax_days = 7\nreview_lead_days = 3\n", change.id, f.now).await.unwrap();

    // The rules read before would accept a 10-day request; the write refuses it.
    let input = exception_input(&f, team.eng.user_id.unwrap(), team.sec.user_id.unwrap(), team.risk.id);
    let new = rhythm_domain::New { id: Uuid::new_v4(), workspace_id: ws, number: 9, now: f.now };
    let requester = team.requester.user_id.unwrap();
    assert!(Exception::request(input.clone(), new, requester, &read_before.policy.exceptions).is_ok());
    let before = audit_len(&f, ws).await;
    let err = s.request_exception(&team.requester, input, f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["expires_on"]);
    assert!(err.to_string().contains("at most 7 days"), "{err}");

    // An edit is checked the same way: moving the 5-day one to 10 days breaks the new box.
    let patch =
        rhythm_domain::ExceptionPatch { expires_on: Some(f.now.date() + Duration::days(10)), ..Default::default() };
    let edit = ExceptionCommand::Edit { patch, user_id: requester };
    let err = s.transition_exception(&team.requester, short.id, edit, f.now).await.unwrap_err();
    assert_eq!(fields(&err), ["expires_on"]);
    assert!(err.to_string().contains("at most 7 days"), "{err}");
    assert_eq!(audit_len(&f, ws).await, before, "refused writes leave nothing");
    // Within the new box both go through, and the review date follows the new lead time.
    let ok = request(&f, &team, f.now.date() + Duration::days(7)).await;
    assert_eq!(ok.review_on, f.now.date() + Duration::days(4));
}
both!(
    exception_writes_follow_the_policy_in_force_at_commit,
    super::exception_writes_follow_the_policy_in_force_at_commit
);
