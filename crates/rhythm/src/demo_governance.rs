//! The demo's governance, written the way the real flow writes it: decisions taken by who the
//! policy names (a joint one with both chiefs, escalations with both positions decided by the
//! executive, some still waiting for someone), and design reviews that ended in a spike or a
//! decision. Every step goes through the store's units of work, so the rules of the product
//! hold for the demo too: nothing here is a status typed in.

use rhythm_domain::decision::{DecideInput, Decision, DecisionInput};
use rhythm_domain::policy::DecisionCategory;
use rhythm_domain::{DesignReview, DesignReviewInput, GoldenPath, Role, User};
use rhythm_store::{Actor, Store, StoreError};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

/// What the governance seeding made.
#[derive(Debug, Default)]
pub struct Made {
    pub decisions: usize,
    pub design_reviews: usize,
}

fn at(anchor: Date, days_ago: i64, hour: u8) -> OffsetDateTime {
    let time = Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT);
    PrimitiveDateTime::new(anchor - Duration::days(days_ago), time).assume_utc()
}

fn ask(title: &str, category: DecisionCategory, context: &str, options: &[&str]) -> DecisionInput {
    DecisionInput {
        title: title.to_owned(),
        category: Some(category),
        context: context.to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        ..DecisionInput::default()
    }
}

fn choose(choice: &str, cost: &str) -> DecideInput {
    DecideInput { choice: choice.to_owned(), cost: cost.to_owned(), escalated_to: None }
}

/// A decision request by the asker, and the choice the chief records on it: decided, or, for
/// a joint decision, waiting for the other chief.
async fn chosen(
    store: &Store,
    (asker, requested_at): (&Actor, OffsetDateTime),
    input: DecisionInput,
    (chief, role, at): (&Actor, Role, OffsetDateTime),
    choice: DecideInput,
) -> Result<Decision, StoreError> {
    let d = store.create_decision(asker, input, requested_at).await?;
    store.decide(chief, d.id, role, choice, at).await
}

/// Seeds decisions and design reviews. `systems` are the demo's systems in catalogue order.
pub async fn seed(
    store: &Store,
    anchor: Date,
    actors: &[Actor],
    users: &[User],
    systems: &[Uuid],
) -> Result<Made, StoreError> {
    let who = |role: Role| users.iter().position(|u| u.role == role).map(|i| actors[i].clone());
    let (Some(ciso), Some(cto), Some(exec), Some(eng), Some(sec), Some(delivery)) = (
        who(Role::Ciso),
        who(Role::Cto),
        who(Role::Executive),
        who(Role::EngineeringLead),
        who(Role::SecurityLead),
        who(Role::Delivery),
    ) else {
        return Ok(Made::default());
    };

    // One chief's call each.
    chosen(
        store,
        (&eng, at(anchor, 40, 10)),
        ask(
            "Adopt OpenTelemetry as the one tracing library",
            DecisionCategory::EngineeringApproach,
            "Three services trace with three libraries; incidents lose the thread at each hop.",
            &["OpenTelemetry everywhere", "Keep per-team libraries"],
        ),
        (&cto, Role::Cto, at(anchor, 38, 15)),
        choose("OpenTelemetry everywhere", "Two sprints of migration"),
    )
    .await?;
    chosen(
        store,
        (&sec, at(anchor, 35, 9)),
        ask(
            "Require phishing-resistant MFA for production access",
            DecisionCategory::ControlRequirements,
            "Two phishing attempts in October targeted on-call engineers' TOTP codes.",
            &["Security keys for production", "Keep TOTP"],
        ),
        (&ciso, Role::Ciso, at(anchor, 33, 11)),
        choose("Security keys for production", "Forty keys and a week of rollout"),
    )
    .await?;

    // Joint: the CTO records it, the CISO concurs.
    let d = chosen(
        store,
        (&delivery, at(anchor, 20, 10)),
        ask(
            "Launch the customer portal v3 with rate limits on",
            DecisionCategory::LaunchReadiness,
            "The portal's API had no per-tenant limits in the load test.",
            &["Launch with limits on", "Slip two weeks"],
        ),
        (&cto, Role::Cto, at(anchor, 19, 16)),
        choose("Launch with limits on", "Support tickets from heavy tenants"),
    )
    .await?;
    store.concur(&ciso, d.id, Role::Ciso, at(anchor, 18, 9)).await?;

    // An escalation: both positions on record, decided by the executive.
    let d = store
        .create_decision(
            &eng,
            ask(
                "Keep the legacy partner SFTP endpoint through Q1",
                DecisionCategory::RisksOverThreshold,
                "Two payroll partners cannot move to the API before their Q2 releases; the endpoint only offers old ciphers.",
                &["Keep it with an allow-list", "Cut the partners off on 1 January"],
            ),
            at(anchor, 12, 10),
        )
        .await?;
    store
        .state_position(
            &cto,
            d.id,
            Role::Cto,
            "Keep it: cutting the partners off stops two customers' payroll files.",
            at(anchor, 11, 9),
        )
        .await?;
    store
        .state_position(
            &ciso,
            d.id,
            Role::Ciso,
            "Cut it off: the ciphers are broken and the allow-list is the only control.",
            at(anchor, 11, 14),
        )
        .await?;
    let decide = DecideInput {
        escalated_to: Some("Executive meeting".into()),
        ..choose(
            "Keep it with an allow-list until 31 March",
            "A quarter of exposure on one endpoint; a partner-funded migration",
        )
    };
    store.decide(&exec, d.id, Role::Executive, decide, at(anchor, 9, 17)).await?;

    // Still waiting: a joint decision for the CISO's concurrence, an escalation for the
    // executive.
    chosen(
        store,
        (&eng, at(anchor, 4, 10)),
        ask(
            "Make the event bus the default for cross-service writes",
            DecisionCategory::NewCorePatterns,
            "Four services write into each other's databases; two incidents this year came from it.",
            &["Event bus by default", "Keep direct writes, add contracts"],
        ),
        (&cto, Role::Cto, at(anchor, 2, 15)),
        choose("Event bus by default", "A platform team quarter"),
    )
    .await?;
    let d = store
        .create_decision(
            &delivery,
            ask(
                "Store EU invoices in the US region during the ledger migration",
                DecisionCategory::MaterialLegalExposure,
                "The migration needs both copies for six weeks; EU data would leave the EU region.",
                &["Copy to the US for six weeks", "Migrate region by region, a month later"],
            ),
            at(anchor, 3, 11),
        )
        .await?;
    store
        .state_position(&cto, d.id, Role::Cto, "Copy: the month costs the quarter-end close.", at(anchor, 2, 10))
        .await?;
    store
        .state_position(
            &ciso,
            d.id,
            Role::Ciso,
            "Region by region: counsel says the transfer needs new contracts.",
            at(anchor, 1, 16),
        )
        .await?;

    // Design reviews: one ended in a spike, one in a decision request, one open.
    let system = |i: usize| systems.get(i).copied();
    let answered = |title: &str, system_id, days_ago| DesignReviewInput {
        title: title.to_owned(),
        system_id,
        golden_paths: vec![GoldenPath::IdentityAccess, GoldenPath::Secrets],
        review_date: anchor - Duration::days(days_ago),
        data: "Partner identifiers and invoice totals; confidential tier.".to_owned(),
        auth: "Partner keys scoped per tenant; staff through SSO.".to_owned(),
        secrets: "Keys in the secrets manager, rotated every 90 days.".to_owned(),
        logging: "Every call logged with tenant and key id; alerts on failures per tenant.".to_owned(),
        abuse: "Replay of a signed webhook; a partner key used from an unknown network.".to_owned(),
    };
    let r = store
        .create(&eng, at(anchor, 26, 10), |n| {
            DesignReview::create(answered("Webhook signatures for partners", system(0), 25), n)
        })
        .await?;
    store
        .end_design_review_in_spike(
            &eng,
            r.id,
            "Spike: replay protection for partner webhooks",
            Some(anchor + Duration::days(10)),
            at(anchor, 25, 16),
        )
        .await?;
    let r = store
        .create(&eng, at(anchor, 15, 10), |n| {
            DesignReview::create(answered("Session storage on the managed Redis", system(1), 14), n)
        })
        .await?;
    let input = ask(
        "Move session storage to the managed Redis",
        DecisionCategory::EngineeringApproach,
        "From design review: sessions live in each node's memory today.",
        &["Managed Redis", "Sticky sessions"],
    );
    store.end_design_review_in_decision(&eng, r.id, input, at(anchor, 14, 16)).await?;
    let open = DesignReviewInput {
        review_date: anchor + Duration::days(5),
        logging: String::new(),
        abuse: String::new(),
        ..answered("Customer data export API", system(2), 0)
    };
    store.create(&sec, at(anchor, 2, 10), |n| DesignReview::create(open, n)).await?;
    // Six decisions above and the one the second review asked for.
    Ok(Made { decisions: 7, design_reviews: 3 })
}

/// The people who sign and decide a demo acceptance.
pub struct Signers {
    pub eng: Actor,
    pub sec: Actor,
    pub cto: Actor,
    pub ciso: Actor,
    pub exec: Actor,
}

impl Signers {
    pub fn of(actors: &[Actor], users: &[User]) -> Option<Signers> {
        let who = |role: Role| users.iter().position(|u| u.role == role).map(|i| actors[i].clone());
        Some(Signers {
            eng: who(Role::EngineeringLead)?,
            sec: who(Role::SecurityLead)?,
            cto: who(Role::Cto)?,
            ciso: who(Role::Ciso)?,
            exec: who(Role::Executive)?,
        })
    }
}

/// Accepts a demo risk the way the product does: an exception covering it, signed by both
/// owners; beyond the risk appetite it escalates, and the executive's escalation decision
/// settles it. `risk` was registered open; it ends up accepted by the exception starting.
pub async fn accept_risk(
    store: &Store,
    s: &Signers,
    risk: &rhythm_domain::Risk,
    anchor: Date,
) -> Result<(), StoreError> {
    use rhythm_domain::{ExceptionCommand, ExceptionInput, ExceptionSide, ExceptionStatus};
    let user = |a: &Actor| a.user_id.unwrap_or_default();
    let requested = at(anchor, 30, 10);
    let input = ExceptionInput {
        title: format!("Accept {} until the next review", risk.reference()),
        business_reason: "The fix is planned for next quarter; the exposure is limited and watched in the meantime."
            .to_owned(),
        scope: format!("{} as registered; nothing beyond it", risk.reference()),
        system_ids: risk.system_ids.clone(),
        organization_wide: risk.system_ids.is_empty(),
        users_impacted: "Customers of the affected systems; no new exposure beyond what the risk describes".to_owned(),
        starts_on: anchor - Duration::days(30),
        expires_on: anchor + Duration::days(45),
        compensating_controls: vec!["Weekly review of the risk's indicators in the security sync".to_owned()],
        risk_ids: vec![risk.id],
        finding_ids: vec![],
        engineering_owner_id: user(&s.eng),
        security_owner_id: user(&s.sec),
        supersedes: None,
    };
    let e = store.request_exception(&s.eng, input, requested).await?;
    let sign = |side, who: &Actor, role| ExceptionCommand::Sign {
        side,
        user_id: user(who),
        user_role: role,
        approve: true,
        note: String::new(),
    };
    let signed = at(anchor, 29, 15);
    store
        .transition_exception(&s.eng, e.id, sign(ExceptionSide::Engineering, &s.eng, Role::EngineeringLead), signed)
        .await?;
    let e = store
        .transition_exception(&s.sec, e.id, sign(ExceptionSide::Security, &s.sec, Role::SecurityLead), signed)
        .await?;
    if e.status == ExceptionStatus::Escalated {
        let mut ask = ask(
            &format!("Accept {} beyond the risk appetite", risk.reference()),
            DecisionCategory::RisksOverThreshold,
            &format!("{} scores {}, above what the policy accepts without escalation.", risk.reference(), risk.score),
            &["Accept for one quarter", "Fix before accepting"],
        );
        ask.exception_ids = vec![e.id];
        ask.risk_ids = vec![risk.id];
        let d = store.create_decision(&s.eng, ask, at(anchor, 29, 16)).await?;
        let t = at(anchor, 28, 10);
        store
            .state_position(&s.cto, d.id, Role::Cto, "Accept: the fix needs the platform rewrite next quarter.", t)
            .await?;
        store.state_position(&s.ciso, d.id, Role::Ciso, "Accept only with the weekly review in place.", t).await?;
        let choice = choose("Accept for one quarter with the weekly review", "A quarter of residual exposure");
        store.decide(&s.exec, d.id, Role::Executive, choice, at(anchor, 28, 16)).await?;
        let settle = ExceptionCommand::ResolveEscalation { approve: true, decision_id: d.id };
        store.transition_exception(&s.exec, e.id, settle, at(anchor, 28, 17)).await?;
    }
    Ok(())
}
