//! Deterministic demo data: "Northwind Ledger", a 200-person B2B SaaS company selling
//! payments and invoicing software, with 18 months of history up to an anchor date.
//!
//! Pure: no IO, no clock, no database. [`generate`] takes a seed and the anchor ("today") and
//! returns domain *inputs* with the creation time the store should use as "now" for each row.
//! The same seed and anchor always give identical data.
//!
//! Ids are assigned later by the store, so every link is an index into the vectors of
//! [`DemoData`]: `DemoRisk::owner` indexes `users`, `DemoRisk::systems` indexes `systems`,
//! `DemoRisk::backlog_items` indexes `items`, and so on. The id fields inside the inputs
//! (`owner_id`, `system_ids`, `epic_id`, `repeat_of`, ...) are always left empty; the seeder fills
//! them from the indexes once the linked rows exist.
//!
//! Every vector is ordered by creation time where that matters for human references (items,
//! risks, releases, incidents and audit findings are in chronological order, so `ITEM-1` is the
//! oldest item), and every link points at a row that is created no later than the row linking
//! to it, except risk → backlog item and incident → follow-up item links, which the seeder
//! should write once both rows exist.
//!
//! All timestamps are in UTC and strictly before the anchor date (midnight UTC).
//!
//! What the company is made of is data: the TOML files in `crates/rhythm/demo/`, read once by
//! `catalogue`. The code decides only how the seed turns it into history: `work` makes the
//! systems, the roadmap, the backlog and the incidents, `registers` the risks, releases, audit
//! findings, vendors and scanner findings.

mod catalogue;
mod registers;
mod work;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rhythm_domain::{
    AuditFindingInput, BacklogItemInput, EpicInput, FindingInput, IncidentInput, InitiativeInput, ReleaseInput,
    RiskInput, RiskUpdateInput, Role, SystemInput, VendorInput,
};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use catalogue::catalogue;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// A person to create in the workspace.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// A risk with its links and history.
#[derive(Debug, Clone)]
pub struct DemoRisk {
    /// The risk in its *current* state; `owner_id`, `system_ids`, `backlog_item_ids` are empty.
    pub input: RiskInput,
    /// Index into [`DemoData::users`].
    pub owner: Option<usize>,
    /// Indexes into [`DemoData::systems`].
    pub systems: Vec<usize>,
    /// Indexes into [`DemoData::items`].
    pub backlog_items: Vec<usize>,
    /// When the risk was registered. `input.due_date` is never before this date.
    pub created: OffsetDateTime,
    /// When the risk was closed, for risks whose status is `closed` (after `created`, before
    /// the anchor). A seeder that wants a true `closed_at` creates the risk with another status
    /// and closes it at this time.
    pub closed: Option<OffsetDateTime>,
    /// Four-line updates in time order, each strictly after `created`, written by `owner`.
    pub updates: Vec<(OffsetDateTime, RiskUpdateInput)>,
}

/// An epic of the roadmap.
#[derive(Debug, Clone)]
pub struct DemoEpic {
    /// `initiative_id` is empty.
    pub input: EpicInput,
    /// Index into [`DemoData::initiatives`].
    pub initiative: Option<usize>,
    /// Not before the initiative's creation.
    pub created: OffsetDateTime,
}

/// An item of the shared backlog.
#[derive(Debug, Clone)]
pub struct DemoItem {
    /// `epic_id`, `system_id`, `assignee_id` are empty; `rank` is left to the store.
    pub input: BacklogItemInput,
    /// Index into [`DemoData::epics`]; `None` for unplanned work such as incident follow-ups.
    pub epic: Option<usize>,
    /// Index into [`DemoData::systems`].
    pub system: Option<usize>,
    /// Index into [`DemoData::users`].
    pub assignee: Option<usize>,
    /// Not before the epic's creation.
    pub created: OffsetDateTime,
    /// When it was finished, for items whose status is `done` (after `created`).
    pub done: Option<OffsetDateTime>,
}

/// A release of one system.
#[derive(Debug, Clone)]
pub struct DemoRelease {
    /// `system_id` is empty.
    pub input: ReleaseInput,
    /// Index into [`DemoData::systems`].
    pub system: Option<usize>,
    /// Before the planned date (and before the anchor).
    pub created: OffsetDateTime,
}

/// An incident.
#[derive(Debug, Clone)]
pub struct DemoIncident {
    /// `system_ids` is empty.
    pub input: IncidentInput,
    /// Indexes into [`DemoData::systems`].
    pub systems: Vec<usize>,
    /// When it was declared: shortly after `detected_at`.
    pub created: OffsetDateTime,
    /// The backlog actions the post-incident review created: indexes into [`DemoData::items`].
    pub follow_ups: Vec<usize>,
}

/// A finding of an external audit.
#[derive(Debug, Clone)]
pub struct DemoAuditFinding {
    /// `repeat_of` is empty.
    pub input: AuditFindingInput,
    /// Index of the earlier finding (in [`DemoData::audit_findings`]) this one repeats; always
    /// smaller than the finding's own index.
    pub repeat_of: Option<usize>,
    /// On or shortly after `opened_on`.
    pub created: OffsetDateTime,
}

/// A security finding: its system, when it was found and, if so, when it was fixed.
#[derive(Debug, Clone)]
pub struct DemoFinding {
    pub input: FindingInput,
    /// Index into [`DemoData::systems`].
    pub system: usize,
    pub created: OffsetDateTime,
    pub fixed: Option<OffsetDateTime>,
}

/// Everything [`generate`] makes.
#[derive(Debug, Clone)]
pub struct DemoData {
    pub workspace_name: String,
    /// When the workspace was set up: before every other `created` time.
    pub workspace_created: OffsetDateTime,
    /// Exactly one CISO (index 0) and one CTO (index 1).
    pub users: Vec<DemoUser>,
    pub systems: Vec<(SystemInput, OffsetDateTime)>,
    pub initiatives: Vec<(InitiativeInput, OffsetDateTime)>,
    pub epics: Vec<DemoEpic>,
    pub items: Vec<DemoItem>,
    pub risks: Vec<DemoRisk>,
    pub releases: Vec<DemoRelease>,
    pub incidents: Vec<DemoIncident>,
    pub audit_findings: Vec<DemoAuditFinding>,
    pub vendors: Vec<(VendorInput, OffsetDateTime)>,
    pub findings: Vec<DemoFinding>,
}

/// Generates the demo company from `seed`, with `anchor` as "today": history runs about
/// 18 months back, a few releases are planned up to two months ahead.
pub fn generate(seed: u64, anchor: Date) -> DemoData {
    let mut g = Gen { rng: ChaCha8Rng::seed_from_u64(seed), anchor };
    let jitter = g.rng.gen_range(0..10);
    let start = g.day(-620 - jitter);
    let workspace_created = g.at_work(start);
    let users = users();
    let systems = g.systems(workspace_created);
    let initiatives = g.initiatives(workspace_created);
    let epics = g.epics(&initiatives);
    let mut items = g.epic_items(&epics);
    let mut incidents = g.incidents(&mut items);
    let items = g.order_items(items, &mut incidents);
    let risks = g.risks(workspace_created, &items);
    let releases = g.releases(&systems, &items);
    let audit_findings = g.audit_findings();
    let vendors = g.vendors();
    let findings = g.findings();
    DemoData {
        workspace_name: catalogue().name.clone(),
        workspace_created,
        users,
        systems,
        initiatives,
        epics,
        items,
        risks,
        releases,
        incidents,
        audit_findings,
        vendors,
        findings,
    }
}

/// The finding the demo seeds to stop one upcoming release: a real critical advisory. It stays
/// in code, not in the catalogue, because the seeder's exception request is written about it.
pub const STOP_FINDING: (&str, &str, &str, &str) = (
    "trivy",
    "CVE-2024-45337",
    "golang.org/x/crypto: misuse of ServerConfig.PublicKeyCallback may cause authorization bypass",
    "golang.org/x/crypto 0.29.0",
);

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

struct Gen {
    rng: ChaCha8Rng,
    anchor: Date,
}

fn users() -> Vec<DemoUser> {
    catalogue().users.iter().map(|u| DemoUser { email: u.email.clone(), name: u.name.clone(), role: u.role }).collect()
}

fn ts(d: Date, hour: u8, minute: u8) -> OffsetDateTime {
    PrimitiveDateTime::new(d, Time::from_hms(hour, minute, 0).expect("valid time")).assume_utc()
}

fn quarter(d: Date) -> String {
    format!("{}-Q{}", d.year(), (u8::from(d.month()) - 1) / 3 + 1)
}

fn skip_weekend(d: Date) -> Date {
    match d.weekday() {
        time::Weekday::Saturday => d + Duration::days(2),
        time::Weekday::Sunday => d + Duration::days(1),
        _ => d,
    }
}

impl Gen {
    fn day(&self, offset: i64) -> Date {
        self.anchor + Duration::days(offset)
    }

    /// The latest moment any generated time may take: the evening before the anchor.
    fn last_moment(&self) -> OffsetDateTime {
        ts(self.day(-1), 18, 0)
    }

    /// A time during working hours on `d`.
    fn at_work(&mut self, d: Date) -> OffsetDateTime {
        let hour = self.rng.gen_range(8..18);
        let minute = self.rng.gen_range(0..60);
        ts(d, hour, minute)
    }

    /// A working-hours time on a day between `from` and `from + days`, never after the
    /// evening before the anchor and never before `from`.
    fn after(&mut self, from: OffsetDateTime, min_days: i64, max_days: i64) -> OffsetDateTime {
        let days = self.rng.gen_range(min_days..=max_days);
        let t = self.at_work(from.date() + Duration::days(days));
        let (lo, hi) = (from + Duration::minutes(1), self.last_moment());
        if lo >= hi { lo } else { t.clamp(lo, hi) }
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        xs.choose(&mut self.rng).expect("non-empty vocabulary")
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use rhythm_domain::GoldenPath as G;
    use rhythm_domain::{
        AuditFinding, BacklogItem, Environment, Epic, Finding, FindingPatch, Incident, Initiative, ItemStatus, New,
        Release, ReleaseStatus, Risk, RiskStatus, RiskUpdate, Severity, Stage, System, Vendor, WorkKind,
    };
    use time::macros::date;
    use uuid::Uuid;

    const ANCHOR: Date = date!(2026 - 11 - 26);

    fn id(n: usize) -> Uuid {
        Uuid::from_u128(n as u128 + 1)
    }

    fn new(n: usize, now: OffsetDateTime) -> New {
        New { id: id(n), workspace_id: Uuid::nil(), number: n as i64 + 1, now }
    }

    fn midnight(d: Date) -> OffsetDateTime {
        ts(d, 0, 0)
    }

    /// Builds every entity through the domain, with ids filled from the indexes.
    fn assert_valid(d: &DemoData) {
        for (i, (s, at)) in d.systems.iter().enumerate() {
            System::create(s.clone(), new(i, *at)).unwrap_or_else(|e| panic!("system {i}: {e}"));
        }
        for (i, (s, at)) in d.initiatives.iter().enumerate() {
            Initiative::create(s.clone(), new(i, *at)).unwrap_or_else(|e| panic!("initiative {i}: {e}"));
        }
        for (i, e) in d.epics.iter().enumerate() {
            let input = EpicInput { initiative_id: e.initiative.map(id), ..e.input.clone() };
            Epic::create(input, new(i, e.created)).unwrap_or_else(|err| panic!("epic {i}: {err}"));
        }
        for (i, it) in d.items.iter().enumerate() {
            let input = BacklogItemInput {
                epic_id: it.epic.map(id),
                system_id: it.system.map(id),
                assignee_id: it.assignee.map(id),
                ..it.input.clone()
            };
            let item = BacklogItem::create(input, new(i, it.created)).unwrap_or_else(|e| panic!("item {i}: {e}"));
            assert_eq!(item.status == ItemStatus::Done, it.done.is_some(), "item {i}");
        }
        for (i, r) in d.risks.iter().enumerate() {
            // Accepted ones are registered open and accepted by an exception (as the seeder does).
            let status = r.input.status.map(|s| if s == RiskStatus::Accepted { RiskStatus::Open } else { s });
            let input = RiskInput {
                status,
                owner_id: r.owner.map(id),
                system_ids: r.systems.iter().copied().map(id).collect(),
                backlog_item_ids: r.backlog_items.iter().copied().map(id).collect(),
                ..r.input.clone()
            };
            let risk = Risk::create(input, new(i, r.created)).unwrap_or_else(|e| panic!("risk {i}: {e}"));
            assert_eq!(risk.status == RiskStatus::Closed, r.closed.is_some(), "risk {i}");
            for (k, (at, u)) in r.updates.iter().enumerate() {
                RiskUpdate::create(u.clone(), id(k), risk.id, risk.owner_id, *at)
                    .unwrap_or_else(|e| panic!("risk {i} update {k}: {e}"));
            }
        }
        for (i, r) in d.releases.iter().enumerate() {
            let input = ReleaseInput { system_id: r.system.map(id), ..r.input.clone() };
            Release::create(input, new(i, r.created)).unwrap_or_else(|e| panic!("release {i}: {e}"));
        }
        for (i, inc) in d.incidents.iter().enumerate() {
            let input =
                IncidentInput { system_ids: inc.systems.iter().copied().map(id).collect(), ..inc.input.clone() };
            Incident::create(input, new(i, inc.created)).unwrap_or_else(|e| panic!("incident {i}: {e}"));
        }
        for (i, f) in d.audit_findings.iter().enumerate() {
            let input = AuditFindingInput { repeat_of: f.repeat_of.map(id), ..f.input.clone() };
            AuditFinding::create(input, new(i, f.created)).unwrap_or_else(|e| panic!("audit finding {i}: {e}"));
        }
        for (i, (v, at)) in d.vendors.iter().enumerate() {
            Vendor::create(v.clone(), new(i, *at)).unwrap_or_else(|e| panic!("vendor {i}: {e}"));
        }
        for (i, f) in d.findings.iter().enumerate() {
            let found =
                Finding::create(f.input.clone(), new(i, f.created)).unwrap_or_else(|e| panic!("finding {i}: {e}"));
            if let Some(at) = f.fixed {
                assert!(at > f.created, "finding {i} is fixed before it was found");
                let patch = FindingPatch {
                    status: Some(rhythm_domain::FindingStatus::Fixed),
                    fixed_at: Some(Some(at)),
                    ..Default::default()
                };
                found.apply(patch, at).unwrap_or_else(|e| panic!("fixing finding {i}: {e}"));
            } else if matches!(f.input.severity, Severity::Critical | Severity::High) {
                assert_ne!(
                    f.input.environment,
                    Environment::Production,
                    "finding {i}: only the seeded STOP is open and serious in production"
                );
            }
        }
        for u in &d.users {
            assert_eq!(rhythm_domain::account::normalize_email(&u.email).unwrap(), u.email);
            rhythm_domain::account::check_user_name(&u.name).unwrap();
        }
    }

    /// Every creation time is after the workspace's and before the anchor, and consistent with
    /// the row's own dates and the rows it links to.
    fn assert_times(d: &DemoData, anchor: Date) {
        let today = midnight(anchor);
        let w = d.workspace_created;
        let in_past = |t: OffsetDateTime, what: &str| {
            assert!(t > w && t < today, "{what}: {t} not between {w} and {today}");
        };
        for (i, (_, t)) in d.systems.iter().enumerate() {
            in_past(*t, &format!("system {i}"));
        }
        for (i, f) in d.findings.iter().enumerate() {
            in_past(f.created, &format!("finding {i}"));
            if let Some(t) = f.fixed {
                in_past(t, &format!("finding {i} fixed"));
            }
        }
        for (i, (_, t)) in d.initiatives.iter().enumerate() {
            in_past(*t, &format!("initiative {i}"));
        }
        for (i, e) in d.epics.iter().enumerate() {
            in_past(e.created, &format!("epic {i}"));
            assert!(e.created >= d.initiatives[e.initiative.unwrap()].1, "epic {i} before its initiative");
        }
        for (i, it) in d.items.iter().enumerate() {
            in_past(it.created, &format!("item {i}"));
            if let Some(e) = it.epic {
                assert!(it.created >= d.epics[e].created, "item {i} before its epic");
            }
            if let Some(done) = it.done {
                in_past(done, &format!("item {i} done"));
                assert!(done > it.created, "item {i} done before created");
            }
            if i > 0 {
                assert!(d.items[i - 1].created <= it.created, "items in creation order");
            }
        }
        for (i, r) in d.risks.iter().enumerate() {
            in_past(r.created, &format!("risk {i}"));
            if let Some(due) = r.input.due_date {
                assert!(due >= r.created.date(), "risk {i} due before created");
            }
            if let Some(c) = r.closed {
                in_past(c, &format!("risk {i} closed"));
                assert!(c > r.created);
            }
            let mut prev = r.created;
            for (at, _) in &r.updates {
                in_past(*at, &format!("risk {i} update"));
                assert!(*at > prev, "risk {i} updates in order after creation");
                prev = *at;
            }
            if let (Some(c), Some((last, _))) = (r.closed, r.updates.last()) {
                assert!(*last <= c, "risk {i} updated after it closed");
            }
        }
        for (i, r) in d.releases.iter().enumerate() {
            in_past(r.created, &format!("release {i}"));
            assert!(r.created.date() < r.input.planned_date, "release {i} created after its planned date");
            assert!(r.created > d.systems[r.system.unwrap()].1, "release {i} before its system");
            if let Some(s) = r.input.shipped_date {
                assert!(s < anchor, "release {i} shipped in the future");
            }
        }
        for (i, inc) in d.incidents.iter().enumerate() {
            in_past(inc.created, &format!("incident {i}"));
            let x = &inc.input;
            let times = [Some(x.started_at), x.detected_at, x.contained_at, x.resolved_at];
            let present: Vec<_> = times.iter().flatten().collect();
            assert!(present.windows(2).all(|p| p[0] < p[1]), "incident {i} times strictly ordered");
            assert!(present.iter().all(|t| **t < today), "incident {i} in the future");
            assert!(inc.created > x.detected_at.unwrap(), "incident {i} declared before detection");
            if i > 0 {
                assert!(d.incidents[i - 1].input.started_at <= x.started_at, "incidents in time order");
            }
        }
        for (i, f) in d.audit_findings.iter().enumerate() {
            in_past(f.created, &format!("audit finding {i}"));
            assert!(f.created.date() >= f.input.opened_on);
            if let Some(c) = f.input.closed_on {
                assert!(c >= f.input.opened_on && c < anchor, "audit finding {i} closed_on");
            }
        }
        for (i, (_, t)) in d.vendors.iter().enumerate() {
            in_past(*t, &format!("vendor {i}"));
        }
    }

    #[test]
    fn every_entity_passes_domain_validation_for_many_seeds_and_anchors() {
        for seed in 0..25 {
            for anchor in [ANCHOR, date!(2025 - 01 - 01), date!(2028 - 02 - 29)] {
                let d = generate(seed, anchor);
                assert_valid(&d);
                assert_times(&d, anchor);
            }
        }
    }

    #[test]
    fn counts_are_in_range() {
        for seed in [0, 1, 42, 4242] {
            let d = generate(seed, ANCHOR);
            assert_eq!(d.workspace_name, "Northwind Ledger");
            assert!((9..=12).contains(&d.users.len()));
            assert!((10..=14).contains(&d.systems.len()));
            assert!((4..=7).contains(&d.initiatives.len()));
            assert!((18..=24).contains(&d.epics.len()));
            assert!((250..=370).contains(&d.items.len()), "{} items", d.items.len());
            assert!((50..=70).contains(&d.risks.len()), "{} risks", d.risks.len());
            assert!((36..=90).contains(&d.releases.len()), "{} releases", d.releases.len());
            assert!((20..=30).contains(&d.incidents.len()), "{} incidents", d.incidents.len());
            assert!((12..=30).contains(&d.audit_findings.len()));
            assert!((5..=8).contains(&d.vendors.len()));
            for r in &d.risks {
                assert!(r.updates.len() <= 4);
            }
        }
    }

    #[test]
    fn every_link_index_is_in_range() {
        let d = generate(42, ANCHOR);
        let (users, systems, items) = (d.users.len(), d.systems.len(), d.items.len());
        for e in &d.epics {
            assert!(e.initiative.is_some_and(|i| i < d.initiatives.len()));
        }
        for it in &d.items {
            assert!(it.epic.is_none_or(|e| e < d.epics.len()));
            assert!(it.system.is_none_or(|s| s < systems));
            assert!(it.assignee.is_none_or(|u| u < users && d.users[u].role.allows(rhythm_domain::Permission::Write)));
        }
        for r in &d.risks {
            assert!(r.owner.is_none_or(|u| u < users && d.users[u].role.allows(rhythm_domain::Permission::Write)));
            assert!(r.systems.iter().all(|s| *s < systems));
            assert!(r.backlog_items.iter().all(|i| *i < items));
        }
        for r in &d.releases {
            assert!(r.system.is_some_and(|s| s < systems));
        }
        for inc in &d.incidents {
            assert!(inc.systems.iter().all(|s| *s < systems));
            assert!(inc.follow_ups.iter().all(|i| *i < items && d.items[*i].epic.is_none()));
        }
        for (i, f) in d.audit_findings.iter().enumerate() {
            assert!(f.repeat_of.is_none_or(|r| r < i));
        }
    }

    #[test]
    fn generation_is_deterministic_and_depends_on_seed_and_anchor() {
        let a = format!("{:?}", generate(42, ANCHOR));
        assert_eq!(a, format!("{:?}", generate(42, ANCHOR)));
        assert_ne!(a, format!("{:?}", generate(43, ANCHOR)));
        assert_ne!(a, format!("{:?}", generate(42, date!(2026 - 11 - 27))));
    }

    #[test]
    fn the_demo_shows_every_state_the_product_cares_about() {
        for seed in [0, 7, 42, 99] {
            let d = generate(seed, ANCHOR);
            for s in RiskStatus::ALL {
                assert!(d.risks.iter().any(|r| r.input.status == Some(*s)), "risk status {s}");
            }
            for s in Stage::ALL {
                assert!(d.risks.iter().any(|r| r.input.found_stage == *s), "stage {s}");
            }
            for k in WorkKind::ALL {
                assert!(d.items.iter().any(|i| i.input.kind == *k), "kind {k}");
            }
            for s in ItemStatus::ALL {
                assert!(d.items.iter().any(|i| i.input.status == Some(*s)), "item status {s}");
            }
            assert!(d.items.iter().any(|i| { i.input.external_key.as_deref().is_some_and(|k| k.starts_with("PAY-")) }));
            assert!(d.items.iter().any(|i| {
                i.input
                    .external_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("https://northwind.atlassian.example/browse/"))
            }));
            assert!(d.items.iter().any(|i| i.input.external_key.is_none()));
            assert!(d.risks.iter().any(|r| r.updates.len() == 4));
            assert!(d.risks.iter().any(|r| r.updates.is_empty()));
            assert!(d.risks.iter().any(|r| r.input.tags.iter().any(|t| t == "customer-harm")));
            assert!(d.risks.iter().any(|r| !r.backlog_items.is_empty()));
            assert!(
                d.releases.iter().any(|r| r.input.shipped_date.is_some_and(|s| s > r.input.planned_date)),
                "slipped"
            );
            assert!(
                d.releases
                    .iter()
                    .any(|r| r.input.planned_date > ANCHOR && r.input.status == Some(ReleaseStatus::Planned))
            );
            assert!(
                d.releases.iter().any(|r| r.input.shipped_date.is_some_and(|s| s <= r.input.planned_date)),
                "on time"
            );
            assert!(d.incidents.iter().any(|i| i.input.resolved_at.is_none()), "open incident");
            assert!(d.incidents.iter().filter(|i| i.input.resolved_at.is_none()).count() <= 2);
            assert!(d.incidents.iter().any(|i| i.input.customer_impact));
            assert!(d.audit_findings.iter().any(|f| f.repeat_of.is_some()), "repeat finding");
            assert!(d.audit_findings.iter().any(|f| f.input.closed_on.is_some()));
            assert!(d.audit_findings.iter().any(|f| f.input.closed_on.is_none()));
            assert!(d.audit_findings.iter().any(|f| f.input.framework == "ISO 27001"));
            assert!(d.systems.iter().any(|(s, _)| !s.golden_paths.contains(&G::LoggingMonitoring)));
            assert!(d.initiatives.iter().all(|(i, _)| i.target_quarter.is_some()));
            let roles: Vec<Role> = d.users.iter().map(|u| u.role).collect();
            for r in Role::ALL {
                assert!(roles.contains(r), "role {r}");
            }
            assert_eq!(roles.iter().filter(|r| **r == Role::Ciso).count(), 1);
            assert_eq!(roles.iter().filter(|r| **r == Role::Cto).count(), 1);
        }
    }

    #[test]
    fn names_are_unique_and_statements_short() {
        let d = generate(42, ANCHOR);
        let unique = |v: Vec<&str>, what: &str| {
            let set: BTreeSet<&str> = v.iter().copied().collect();
            assert_eq!(set.len(), v.len(), "duplicate {what}");
        };
        unique(d.items.iter().map(|i| i.input.title.as_str()).collect(), "item titles");
        unique(d.items.iter().filter_map(|i| i.input.external_key.as_deref()).collect(), "external keys");
        unique(d.risks.iter().map(|r| r.input.statement.as_str()).collect(), "risk statements");
        unique(d.releases.iter().map(|r| r.input.name.as_str()).collect(), "release names");
        unique(d.systems.iter().map(|(s, _)| s.name.as_str()).collect(), "system names");
        unique(d.users.iter().map(|u| u.email.as_str()).collect(), "emails");
        for r in &catalogue().risks {
            assert!(r.statement.chars().count() <= rhythm_domain::STATEMENT_MAX_CHARS, "{}", r.statement);
            assert!(!r.statement.contains('\n'));
        }
    }
}
