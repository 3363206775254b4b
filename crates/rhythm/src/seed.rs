//! Writes the generated demo company into a store, through the same units of work the API
//! uses (so every demo row is validated and audited like a real one).

use std::collections::HashMap;

use rhythm_domain::gate::Verdict;
use rhythm_domain::{
    AuditFinding, BacklogItem, BacklogItemPatch, Environment, Epic, ExceptionInput, Finding, FindingInput,
    FindingPatch, FindingStatus, Incident, Initiative, ItemStatus, Release, Risk, RiskPatch, RiskStatus, Role,
    Severity, System, Vendor,
};
use rhythm_store::{Actor, Store, StoreError};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

use crate::demo_data::{self, DemoData};

/// Who can sign in to the demo.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// What the seeding made.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub workspace_id: Uuid,
    pub accounts: Vec<DemoAccount>,
    pub counts: HashMap<&'static str, usize>,
    /// The upcoming release the demo stops with an open critical finding (`REL-57`).
    pub stopped: Option<String>,
}

/// Creates the demo workspace. `password_hash` is set on every demo account.
pub async fn seed(store: &Store, seed: u64, anchor: Date, password_hash: &str) -> Result<Seeded, StoreError> {
    let d: DemoData = demo_data::generate(seed, anchor);
    let ws = store.create_workspace(&d.workspace_name, d.workspace_created).await?;
    let system = Actor::system(ws.id);
    let mut users = Vec::new();
    let mut actors = Vec::new();
    for u in &d.users {
        let user = store
            .create_user(&system, &u.email, &u.name, u.role, Some(password_hash.to_owned()), d.workspace_created)
            .await?;
        actors.push(Actor { workspace_id: ws.id, user_id: Some(user.id), label: user.email.clone() });
        users.push(user);
    }
    let ciso = actors[0].clone();
    let cto = actors[1].clone();
    let actor_of =
        |i: Option<usize>, default: &Actor| i.and_then(|i| actors.get(i)).cloned().unwrap_or_else(|| default.clone());

    let mut systems = Vec::new();
    for (input, at) in &d.systems {
        let input = input.clone();
        systems.push(store.create(&cto, *at, |n| System::create(input, n)).await?.id);
    }
    let mut initiatives = Vec::new();
    for (input, at) in &d.initiatives {
        let input = input.clone();
        initiatives.push(store.create(&cto, *at, |n| Initiative::create(input, n)).await?.id);
    }
    let mut epics = Vec::new();
    for e in &d.epics {
        let mut input = e.input.clone();
        input.initiative_id = e.initiative.map(|i| initiatives[i]);
        epics.push(store.create(&cto, e.created, |n| Epic::create(input, n)).await?.id);
    }
    let mut items = Vec::new();
    for it in &d.items {
        let mut input = it.input.clone();
        input.epic_id = it.epic.map(|i| epics[i]);
        input.system_id = it.system.map(|i| systems[i]);
        input.assignee_id = it.assignee.map(|i| users[i].id);
        let done = it.done.filter(|_| input.status == Some(ItemStatus::Done));
        if done.is_some() {
            input.status = Some(ItemStatus::InProgress);
        }
        let actor = actor_of(it.assignee, &cto);
        let created = store.create(&actor, it.created, |n| BacklogItem::create(input, n)).await?;
        if let Some(at) = done {
            let patch = BacklogItemPatch { status: Some(ItemStatus::Done), ..Default::default() };
            store.update::<BacklogItem>(&actor, created.id, at, "update", None, |x| x.apply(patch, at)).await?;
        }
        items.push(created.id);
    }
    let signers = crate::demo_governance::Signers::of(&actors, &users);
    let mut accepted = 0;
    for r in &d.risks {
        let mut input = r.input.clone();
        input.owner_id = r.owner.map(|i| users[i].id);
        input.system_ids = r.systems.iter().map(|i| systems[*i]).collect();
        input.backlog_item_ids = r.backlog_items.iter().map(|i| items[*i]).collect();
        let closed = r.closed.filter(|_| input.status == Some(RiskStatus::Closed));
        if closed.is_some() {
            input.status = Some(RiskStatus::Mitigating);
        }
        // Acceptance is an exception, not a status: registered open, accepted below.
        let accept = input.status == Some(RiskStatus::Accepted);
        if accept {
            input.status = Some(RiskStatus::Open);
        }
        let actor = actor_of(r.owner, &ciso);
        let risk = store.create(&actor, r.created, |n| Risk::create(input, n)).await?;
        for (at, u) in &r.updates {
            store.add_risk_update(&actor, risk.id, *at, u.clone()).await?;
        }
        if accept && let Some(s) = &signers {
            crate::demo_governance::accept_risk(store, s, &risk, anchor).await?;
            accepted += 1;
        }
        if let Some(at) = closed {
            let patch = RiskPatch { status: Some(RiskStatus::Closed), ..Default::default() };
            store.update::<Risk>(&actor, risk.id, at, "close", None, |x| x.apply(patch, at)).await?;
        }
    }
    for rel in &d.releases {
        let mut input = rel.input.clone();
        input.system_id = rel.system.map(|i| systems[i]);
        store.create(&cto, rel.created, |n| Release::create(input, n)).await?;
    }
    for inc in &d.incidents {
        let mut input = inc.input.clone();
        input.system_ids = inc.systems.iter().map(|i| systems[*i]).collect();
        store.create(&ciso, inc.created, |n| Incident::create(input, n)).await?;
    }
    let mut findings = Vec::new();
    for af in &d.audit_findings {
        let mut input = af.input.clone();
        input.repeat_of = af.repeat_of.map(|i| findings[i]);
        findings.push(store.create(&ciso, af.created, |n| AuditFinding::create(input, n)).await?.id);
    }
    for (input, at) in &d.vendors {
        let input = input.clone();
        store.create(&cto, *at, |n| Vendor::create(input, n)).await?;
    }
    let mut open_findings = 0;
    for f in &d.findings {
        let mut input = f.input.clone();
        input.system_id = Some(systems[f.system]);
        let created = store.create(&ciso, f.created, |n| Finding::create(input, n)).await?;
        match f.fixed {
            Some(at) => {
                let patch =
                    FindingPatch { status: Some(FindingStatus::Fixed), fixed_at: Some(Some(at)), ..Default::default() };
                store.update::<Finding>(&ciso, created.id, at, "update", None, |x| x.apply(patch, at)).await?;
            }
            None => open_findings += 1,
        }
    }
    let governance = crate::demo_governance::seed(store, anchor, &actors, &users, &systems).await?;
    let stopped = seed_stop(store, ws.id, anchor, &actors, &users).await?;
    let scanned = seed_scan(store, ws.id, anchor, &actors, &users).await?;

    let counts = HashMap::from([
        ("users", d.users.len()),
        ("systems", d.systems.len()),
        ("initiatives", d.initiatives.len()),
        ("epics", d.epics.len()),
        ("backlog items", d.items.len()),
        ("risks", d.risks.len()),
        ("releases", d.releases.len()),
        ("incidents", d.incidents.len()),
        ("audit findings", d.audit_findings.len()),
        ("vendors", d.vendors.len()),
        ("findings", d.findings.len() + usize::from(stopped.is_some()) + scanned),
        ("open findings", open_findings + usize::from(stopped.is_some()) + scanned),
        ("exceptions", usize::from(stopped.is_some()) + accepted),
        ("decisions", governance.decisions),
        ("design reviews", governance.design_reviews),
    ]);
    let accounts =
        d.users.iter().map(|u| DemoAccount { email: u.email.clone(), name: u.name.clone(), role: u.role }).collect();
    Ok(Seeded { workspace_id: ws.id, accounts, counts, stopped })
}

fn at(d: Date, hour: u8, minute: u8) -> OffsetDateTime {
    PrimitiveDateTime::new(d, Time::from_hms(hour, minute, 0).unwrap_or(Time::MIDNIGHT)).assume_utc()
}

/// A Semgrep SARIF file as the demo's CI uploaded it yesterday: `IMP-1`, medium and low
/// findings in the web front end (below the gate's threshold), two of them suppressed in the
/// source without an exception — the silent exceptions the imports page and the findings list
/// point at. Goes through the real parser and the real import. Returns the findings created.
async fn seed_scan(
    store: &Store,
    ws: Uuid,
    anchor: Date,
    actors: &[Actor],
    users: &[rhythm_domain::User],
) -> Result<usize, StoreError> {
    let Some(sec) = users.iter().position(|u| u.role == Role::SecurityLead) else { return Ok(0) };
    let page =
        store.list::<rhythm_domain::System>(ws, &rhythm_store::ListQuery { limit: 500, ..Default::default() }).await?;
    let Some(system) = page.items.iter().find(|s| s.name == "billing-web").or(page.items.first()) else {
        return Ok(0);
    };
    let rules = [
        ("javascript.browser.security.insecure-document-method", "User input reaches innerHTML", "warning"),
        ("javascript.lang.security.audit.detect-non-literal-regexp", "RegExp built from a variable", "note"),
        ("javascript.express.security.audit.express-cookie-settings", "Session cookie without SameSite", "warning"),
    ];
    let mut results = Vec::new();
    for i in 0..9 {
        let (rule, _, level) = rules[i % rules.len()];
        let suppressed = if i == 4 {
            r#","suppressions":[{"kind":"inSource","justification":"reviewed in 2025, input is escaped upstream"}]"#
        } else if i == 7 {
            r#","suppressions":[{"kind":"inSource"}]"#
        } else {
            ""
        };
        results.push(format!(
            r#"{{"ruleId":"{rule}","level":"{level}","message":{{"text":"Finding {i} in the billing front end"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"web/src/billing/view{i}.ts"}},"region":{{"startLine":{}}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"demo{i:04}:1"}}{suppressed}}}"#,
            10 + i * 7
        ));
    }
    let rule_defs: Vec<String> = rules
        .iter()
        .map(|(id, text, _)| format!(r#"{{"id":"{id}","shortDescription":{{"text":"{text}"}}}}"#))
        .collect();
    let file = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"Semgrep","rules":[{}]}}}},"results":[{}]}}]}}"#,
        rule_defs.join(","),
        results.join(",")
    );
    let scan = rhythm_ingest::sarif::parse(file.as_bytes())
        .map_err(|e| StoreError::Corrupt(format!("the demo's SARIF file does not parse: {e}")))?;
    let target =
        rhythm_store::ScanTarget { system_id: Some(system.id), environment: rhythm_domain::Environment::Production };
    let record = store
        .import(
            &actors[sec],
            at(anchor - Duration::days(1), 6, 30),
            &rhythm_store::ImportFile::of("sarif", "semgrep.sarif", file.as_bytes()),
            rhythm_store::ImportData::Scan { scan: &scan, target },
        )
        .await?;
    Ok(usize::try_from(record.counts.created).unwrap_or(0))
}

/// Stops the first upcoming release that the gate would let through: a critical advisory
/// open in production in its system, and an exception request for it that nobody has signed
/// yet. Signing it as the engineering lead and the security lead turns the gate green.
/// Returns the release's reference.
async fn seed_stop(
    store: &Store,
    ws: Uuid,
    anchor: Date,
    actors: &[Actor],
    users: &[rhythm_domain::User],
) -> Result<Option<String>, StoreError> {
    let by_role = |role: Role| users.iter().position(|u| u.role == role);
    let (Some(eng), Some(sec), Some(engineer)) =
        (by_role(Role::EngineeringLead), by_role(Role::SecurityLead), by_role(Role::Engineer))
    else {
        return Ok(None);
    };
    let gates = store.gate_upcoming(ws, anchor).await?;
    let mut target = None;
    for g in gates.iter().filter(|g| g.verdict == Verdict::Go) {
        let release = store.get::<Release>(ws, g.release_id).await?;
        if let Some(system) = release.system_id {
            target = Some((g.release.clone(), release, system));
            break;
        }
    }
    let Some((reference, release, system)) = target else { return Ok(None) };
    let yesterday = anchor - Duration::days(1);
    let (tool, rule, title, component) = demo_data::STOP_FINDING;
    let input = FindingInput {
        system_id: Some(system),
        tool: tool.to_owned(),
        rule: rule.to_owned(),
        title: title.to_owned(),
        severity: Severity::Critical,
        environment: Environment::Production,
        component: component.to_owned(),
        kev: false,
        first_seen: Some(at(yesterday, 9, 12)),
        external_id: None,
    };
    let scanner = &actors[engineer];
    let finding = store.create(scanner, at(yesterday, 9, 12), |n| Finding::create(input, n)).await?;
    let request = ExceptionInput {
        title: format!("Ship {} before the x/crypto upgrade lands", release.name),
        business_reason: format!(
            "{} carries the quarter-end invoicing fixes customers are waiting for; the x/crypto upgrade needs the SSH gateway's key callback rewritten, which takes two sprints.",
            release.name
        ),
        scope: format!("{rule} in {component}, production only, until the upgrade ships"),
        system_ids: vec![system],
        organization_wide: false,
        users_impacted: "Operators using the SSH bastion; no customer-facing path uses the callback".to_owned(),
        starts_on: yesterday,
        expires_on: anchor + Duration::days(30),
        compensating_controls: vec![
            "SSH bastion reachable only from the corporate VPN".to_owned(),
            "Public-key callback wrapped to reject a key that was not the last one offered".to_owned(),
            "Alert on any SSH login that is not followed by an audit event within a minute".to_owned(),
        ],
        risk_ids: vec![],
        finding_ids: vec![finding.id],
        engineering_owner_id: users[eng].id,
        security_owner_id: users[sec].id,
        supersedes: None,
    };
    store.request_exception(scanner, request, at(yesterday, 16, 40)).await?;
    Ok(Some(reference))
}
