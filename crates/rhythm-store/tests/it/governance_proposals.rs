//! Policy proposals: a proposed document applies as the next version only when its
//! policy_change decision is decided (jointly, by default), in the same transaction.

use rhythm_domain::Role;
use rhythm_domain::decision::{DecideInput, DecisionStatus};
use rhythm_domain::policy::{Decider, DecisionCategory};
use rhythm_store::{Actor, ListQuery, ProposalInput, StoreError};
use time::Duration;
use uuid::Uuid;

use crate::{Fixture, both};

async fn person(f: &Fixture, email: &str, role: Role) -> Actor {
    let ws = f.actor.workspace_id;
    let u = f.store().create_user(&Actor::system(ws), email, email, role, None, f.now).await.unwrap();
    Actor { workspace_id: ws, user_id: Some(u.id), label: u.email }
}

async fn audit_actions(f: &Fixture) -> Vec<String> {
    f.store().audit_log(f.actor.workspace_id, None, 1000, None).await.unwrap().into_iter().map(|e| e.action).collect()
}

async fn decision_count(f: &Fixture) -> i64 {
    f.store().list_decisions(f.actor.workspace_id, &ListQuery::default()).await.unwrap().total
}

fn choice() -> DecideInput {
    DecideInput { choice: "Apply it".into(), cost: "Teams re-plan two SLAs".into(), escalated_to: None }
}

fn proposal(doc: &str) -> ProposalInput {
    ProposalInput { document: doc.into(), title: None, context: Some("Findings age too long.".into()) }
}

async fn a_proposal_applies_once_both_chiefs_signed(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let cto = person(&f, "cto@acme.example", Role::Cto).await;
    let doc1 = "# Faster fixes\n[sla_days]\nhigh = 21\n\n[decision_rights]\ndelivery_sequencing = \"joint\"\n";

    let (d, prop) = s.propose_policy(&cto, proposal(doc1), f.now).await.unwrap();
    assert_eq!(
        (d.category, d.decider, d.status),
        (DecisionCategory::PolicyChange, Decider::Joint, DecisionStatus::Requested)
    );
    assert_eq!(d.title, "Apply policy version 1");
    assert!(d.context.starts_with("Findings age too long."), "{}", d.context);
    assert!(d.context.contains("SLA: high findings 30 → 21 days."), "{}", d.context);
    assert!(d.context.contains("Delivery sequencing moves from CTO to Joint"), "{}", d.context);
    assert_eq!((prop.base_version, prop.applied_version, prop.document.as_str()), (0, None, doc1));
    assert_eq!(s.policy_proposal(ws, d.id).await.unwrap(), Some(prop));

    // One chief is not enough.
    let first = s.decide(&cto, d.id, Role::Cto, choice(), f.now).await.unwrap();
    assert_eq!(first.status, DecisionStatus::AwaitingConcurrence);
    assert_eq!(s.policy(ws).await.unwrap().version, 0);
    assert!(s.policy_versions(ws).await.unwrap().is_empty());

    let later = f.now + Duration::hours(3);
    let done = s.concur(&f.actor, d.id, Role::Ciso, later).await.unwrap();
    assert_eq!(done.status, DecisionStatus::Decided);
    let v1 = s.policy(ws).await.unwrap();
    assert_eq!((v1.version, v1.decision_id, v1.created_by), (1, Some(d.id), f.actor.user_id));
    assert_eq!(v1.document, doc1);
    assert_eq!(v1.policy.sla_days.high, 21);
    assert_eq!(s.policy_proposal(ws, d.id).await.unwrap().unwrap().applied_version, Some(1));
    assert_eq!(done.latency(), Some(Duration::hours(3)));

    // The next proposal is compared with version 1, and needs its own two signatures.
    let doc2 = "[sla_days]\nhigh = 14\n";
    let (d2, p2) = s.propose_policy(&f.actor, proposal(doc2), later).await.unwrap();
    assert_eq!(p2.base_version, 1);
    assert!(d2.context.contains("Compared with version 1"), "{}", d2.context);
    assert!(d2.context.contains("Delivery sequencing moves from Joint (CTO and CISO) to CTO"), "{}", d2.context);
    s.decide(&f.actor, d2.id, Role::Ciso, choice(), later).await.unwrap();
    s.concur(&cto, d2.id, Role::Cto, later).await.unwrap();
    let versions: Vec<(i64, Option<Uuid>)> =
        s.policy_versions(ws).await.unwrap().iter().map(|v| (v.version, v.decision_id)).collect();
    assert_eq!(versions, [(2, Some(d2.id)), (1, Some(d.id))], "every version is kept");

    // The decision already applied its version; applying it again by hand is refused.
    let err = s.apply_policy(&f.actor, doc2, d2.id, later).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("already applied policy version 2")), "{err}");

    let actions = audit_actions(&f).await;
    assert_eq!(actions.iter().filter(|a| *a == "apply").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "propose").count(), 2, "{actions:?}");
    assert!(s.verify_audit_chain(ws).await.unwrap().valid);
}
both!(a_proposal_applies_once_both_chiefs_signed, super::a_proposal_applies_once_both_chiefs_signed);

async fn a_bad_proposal_stores_nothing(f: Fixture) {
    let s = f.store();
    let before = (audit_actions(&f).await.len(), decision_count(&f).await);
    for (doc, field, line) in [
        ("[decision_rights]\nvibes = \"cto\"\n", "decision_rights.vibes", 2),
        ("[sla_days]\nhigh = 21\nlow = -3\n", "sla_days.low", 3),
        (
            "[golden_paths.secrets]\ndescription = \"Vault\"\n\n[[stop_ship]]\nkind = \"golden_path\"\npath = \"logging_monitoring\"\n",
            "stop_ship[0].path",
            6,
        ),
    ] {
        let err = s.propose_policy(&f.actor, proposal(doc), f.now).await.unwrap_err();
        let StoreError::Invalid(inv) = &err else { panic!("expected field errors, got {err:?}") };
        assert!(
            inv.0.iter().any(|e| e.field == field && e.message.starts_with(&format!("line {line}: "))),
            "{doc}: {inv:?}"
        );
    }
    assert_eq!((audit_actions(&f).await.len(), decision_count(&f).await), before);
}
both!(a_bad_proposal_stores_nothing, super::a_bad_proposal_stores_nothing);

async fn a_withdrawn_or_overtaken_proposal_applies_nothing(f: Fixture) {
    let s = f.store();
    let ws = f.actor.workspace_id;
    let cto = person(&f, "cto@acme.example", Role::Cto).await;
    let engineer = person(&f, "eng@acme.example", Role::Engineer).await;

    // An engineer may propose, but not decide.
    let (d, _) = s.propose_policy(&engineer, proposal("[sla_days]\nhigh = 20\n"), f.now).await.unwrap();
    let err = s.decide(&engineer, d.id, Role::Engineer, choice(), f.now).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Refused { forbidden: true, ref rule, .. } if rule == "no_decision_right"),
        "{err}"
    );
    s.withdraw_decision(&engineer, d.id, Role::Engineer, f.now).await.unwrap();
    assert_eq!(s.policy(ws).await.unwrap().version, 0);
    assert_eq!(s.policy_proposal(ws, d.id).await.unwrap().unwrap().applied_version, None);

    // Two proposals against version 0: the first applied makes the second stale.
    let (first, _) = s.propose_policy(&cto, proposal("[sla_days]\nhigh = 25\n"), f.now).await.unwrap();
    let (second, _) = s.propose_policy(&cto, proposal("[sla_days]\nhigh = 15\n"), f.now).await.unwrap();
    s.decide(&cto, first.id, Role::Cto, choice(), f.now).await.unwrap();
    s.decide(&cto, second.id, Role::Cto, choice(), f.now).await.unwrap();
    s.concur(&f.actor, first.id, Role::Ciso, f.now).await.unwrap();
    let before = audit_actions(&f).await.len();
    let err = s.concur(&f.actor, second.id, Role::Ciso, f.now).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Refused { forbidden: false, ref rule, .. } if rule == "policy_proposal_stale"),
        "{err}"
    );
    // The refused concurrence rolled back with it: still awaiting, version 1 in force.
    assert_eq!(s.decision(ws, second.id).await.unwrap().status, DecisionStatus::AwaitingConcurrence);
    let in_force = s.policy(ws).await.unwrap();
    assert_eq!((in_force.version, in_force.policy.sla_days.high), (1, 25));
    assert_eq!(audit_actions(&f).await.len(), before);
}
both!(a_withdrawn_or_overtaken_proposal_applies_nothing, super::a_withdrawn_or_overtaken_proposal_applies_nothing);
