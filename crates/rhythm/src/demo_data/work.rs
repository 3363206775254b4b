//! The company's systems, its roadmap (initiatives, epics), the backlog and the incidents,
//! whose follow-ups are backlog items too.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rhythm_domain::{
    BacklogItemInput, EpicInput, IncidentInput, InitiativeInput, InitiativeStatus, ItemStatus, SystemInput, WorkKind,
};
use time::{Duration, OffsetDateTime};

use super::catalogue::{MIN_INCIDENTS, catalogue};
use super::{DemoEpic, DemoIncident, DemoItem, Gen, quarter, ts};

impl Gen {
    pub(super) fn systems(&mut self, workspace_created: OffsetDateTime) -> Vec<(SystemInput, OffsetDateTime)> {
        catalogue()
            .systems
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let created =
                    workspace_created + Duration::hours(2) + Duration::minutes(7 * i as i64 + self.rng.gen_range(0..5));
                let input = SystemInput {
                    name: s.name.clone(),
                    description: s.description.clone(),
                    owner_team: s.owner_team.clone(),
                    tier: s.tier,
                    golden_paths: s.golden_paths.clone(),
                };
                (input, created)
            })
            .collect()
    }

    pub(super) fn initiatives(&mut self, workspace_created: OffsetDateTime) -> Vec<(InitiativeInput, OffsetDateTime)> {
        catalogue()
            .initiatives
            .iter()
            .map(|s| {
                let jitter = self.rng.gen_range(0..5);
                let d = self.day(-s.created_days_ago + jitter);
                let created = self.at_work(d).max(workspace_created + Duration::days(1));
                let target = quarter(self.day(s.target_in_days));
                let input = InitiativeInput {
                    name: s.name.clone(),
                    business_goal: s.business_goal.clone(),
                    reduces_or_enables: s.reduces_or_enables.clone(),
                    status: Some(s.status),
                    target_quarter: Some(target),
                };
                (input, created)
            })
            .collect()
    }

    pub(super) fn epics(&mut self, initiatives: &[(InitiativeInput, OffsetDateTime)]) -> Vec<DemoEpic> {
        catalogue()
            .epics
            .iter()
            .map(|s| {
                let created = self.after(initiatives[s.initiative].1, 3, 45);
                DemoEpic {
                    input: EpicInput { name: s.name.clone(), description: s.description.clone(), initiative_id: None },
                    initiative: Some(s.initiative),
                    created,
                }
            })
            .collect()
    }

    /// Status and done time of an item created at `created`; older items are more often done.
    fn item_status(
        &mut self,
        created: OffsetDateTime,
        finished_initiative: bool,
    ) -> (ItemStatus, Option<OffsetDateTime>) {
        let age = (self.last_moment() - created).whole_days();
        let roll = self.rng.gen_range(0..100);
        let status = if finished_initiative {
            match roll {
                0..90 => ItemStatus::Done,
                90..95 => ItemStatus::WontDo,
                _ => ItemStatus::Todo,
            }
        } else if age > 150 {
            match roll {
                0..72 => ItemStatus::Done,
                72..80 => ItemStatus::WontDo,
                80..87 => ItemStatus::InProgress,
                _ => ItemStatus::Todo,
            }
        } else if age > 40 {
            match roll {
                0..40 => ItemStatus::Done,
                40..45 => ItemStatus::WontDo,
                45..70 => ItemStatus::InProgress,
                _ => ItemStatus::Todo,
            }
        } else {
            match roll {
                0..10 => ItemStatus::Done,
                10..40 => ItemStatus::InProgress,
                _ => ItemStatus::Todo,
            }
        };
        if status != ItemStatus::Done {
            return (status, None);
        }
        if age < 2 {
            return (ItemStatus::InProgress, None);
        }
        let max = (age - 1).min(75);
        let done = self.after(created, 1.min(max), max);
        (ItemStatus::Done, Some(done))
    }

    fn item(
        &mut self,
        title: String,
        kind: WorkKind,
        epic: Option<usize>,
        system: Option<usize>,
        created: OffsetDateTime,
        finished_initiative: bool,
    ) -> DemoItem {
        let c = catalogue();
        let (status, done) = self.item_status(created, finished_initiative);
        let why = self.pick(&c.backlog.why[&kind]).as_str();
        let done_when = self.pick(&c.backlog.done_when[&kind]).as_str();
        let description = match epic {
            Some(e) => format!("Part of \"{}\". Why: {why}.\n\nDone when {done_when}.", c.epics[e].name),
            None => format!("Why: {why}.\n\nDone when {done_when}."),
        };
        let assignee = if status == ItemStatus::Todo && self.rng.gen_bool(0.4) {
            None
        } else if kind == WorkKind::Security && self.rng.gen_bool(0.3) {
            Some(c.roles.security_lead)
        } else if self.rng.gen_bool(0.08) {
            Some(c.roles.engineering_lead)
        } else {
            Some(*self.pick(&c.roles.engineers))
        };
        let due_chance = if kind == WorkKind::Security { 0.45 } else { 0.12 };
        let due_date =
            self.rng.gen_bool(due_chance).then(|| created.date() + Duration::days(self.rng.gen_range(21..=120)));
        let points = self.rng.gen_bool(0.85).then(|| *self.pick(&[1, 2, 3, 3, 5, 5, 8, 13]));
        DemoItem {
            input: BacklogItemInput {
                title,
                description,
                kind,
                status: Some(status),
                rank: None,
                points,
                epic_id: None,
                system_id: None,
                assignee_id: None,
                due_date,
                external_key: None,
                external_url: None,
            },
            epic,
            system,
            assignee,
            created,
            done,
        }
    }

    pub(super) fn epic_items(&mut self, epics: &[DemoEpic]) -> Vec<DemoItem> {
        let c = catalogue();
        let mut seen = BTreeSet::new();
        for s in &c.epics {
            for w in &s.items {
                seen.insert(w.title.clone());
            }
        }
        let mut items = Vec::new();
        for (e, spec) in c.epics.iter().enumerate() {
            let epic_created = epics[e].created;
            let initiative = &c.initiatives[spec.initiative];
            let finished = initiative.status == InitiativeStatus::Done;
            // Finished initiatives stopped getting new work when they ended.
            let window = if finished {
                (self.day(initiative.target_in_days) - epic_created.date()).whole_days().max(10)
            } else {
                (self.last_moment() - epic_created).whole_days().max(1)
            };
            let system_of = |title: &str, rng: &mut ChaCha8Rng| {
                c.systems.iter().position(|s| title.contains(&s.name)).or_else(|| spec.systems.choose(rng).copied())
            };
            let first = items.len();
            for w in &spec.items {
                let created = self.after(epic_created, 0, (window * 2 / 3).max(1));
                let system = system_of(&w.title, &mut self.rng);
                let item = self.item(w.title.clone(), w.kind, Some(e), system, created, finished);
                items.push(item);
            }
            let target = self.rng.gen_range(11..=16);
            let mut attempts = 0;
            while items.len() - first < target && attempts < 50 {
                attempts += 1;
                let (title, kind, system, created) = if self.rng.gen_bool(0.45) {
                    let parent = self.rng.gen_range(first..first + spec.items.len());
                    let sub = self.pick(&c.backlog.subtasks);
                    let p = &items[parent];
                    let (title, kind, system, from) =
                        (format!("{}: {sub}", p.input.title), p.input.kind, p.system, p.created);
                    (title, kind, system, self.after(from, 1, 20))
                } else if spec.systems.is_empty() {
                    let w = self.pick(&c.backlog.generic_no_system);
                    (w.title.clone(), w.kind, None, self.after(epic_created, 0, window))
                } else {
                    let sys = *self.pick(&spec.systems);
                    let w = self.pick(&c.backlog.generic);
                    (
                        w.title.replace("{sys}", &c.systems[sys].name),
                        w.kind,
                        Some(sys),
                        self.after(epic_created, 0, window),
                    )
                };
                if seen.insert(title.clone()) {
                    let item = self.item(title, kind, Some(e), system, created, finished);
                    items.push(item);
                }
            }
        }
        items
    }

    /// Incidents in time order, the last one or two still open; each resolved incident adds a
    /// follow-up item (outside any epic) to `items`.
    pub(super) fn incidents(&mut self, items: &mut Vec<DemoItem>) -> Vec<DemoIncident> {
        let specs = &catalogue().incidents;
        let mut order: Vec<usize> = (0..specs.len()).collect();
        order.shuffle(&mut self.rng);
        order.truncate(self.rng.gen_range(MIN_INCIDENTS..=specs.len()));
        let open = self.rng.gen_range(1..=2);
        let closed_count = order.len() - open;
        let mut starts: Vec<i64> = (0..closed_count).map(|_| self.rng.gen_range(-540..=-25)).collect();
        starts.sort_unstable();
        let mut open_starts: Vec<i64> = vec![-self.rng.gen_range(6..=12), -self.rng.gen_range(2..=4)];
        open_starts.drain(..2 - open);
        starts.extend(open_starts);

        let mut out = Vec::new();
        for (n, (&spec_ix, &start_day)) in order.iter().zip(&starts).enumerate() {
            let spec = &specs[spec_ix];
            let still_open = n >= closed_count;
            let hour = self.rng.gen_range(0..24);
            let minute = self.rng.gen_range(0..60);
            let started = ts(self.day(start_day), hour, minute);
            let (detect, contain, resolve) = if still_open {
                ((3, 45), (20, 240), (1, 1))
            } else {
                (spec.detect_minutes, spec.contain_minutes, spec.resolve_minutes)
            };
            let detected = started + Duration::minutes(self.rng.gen_range(detect.0..=detect.1).max(1));
            let contained = detected + Duration::minutes(self.rng.gen_range(contain.0..=contain.1).max(1));
            let resolved = contained + Duration::minutes(self.rng.gen_range(resolve.0..=resolve.1).max(1));
            // The most recent open incident is not contained yet; an earlier open one is.
            let is_latest = n + 1 == order.len();
            let (contained_at, resolved_at) = match (still_open, is_latest) {
                (false, _) => (Some(contained), Some(resolved)),
                (true, true) => (None, None),
                (true, false) => (Some(contained), None),
            };
            let learnings = if still_open {
                "Investigation ongoing; learnings follow the post-incident review.".to_owned()
            } else {
                spec.learnings.clone()
            };
            let external_id =
                self.rng.gen_bool(0.6).then(|| format!("PD-{}", 41_000 + n * 173 + self.rng.gen_range(0..100)));
            let created = detected + Duration::minutes(self.rng.gen_range(5..=45));
            let mut follow_ups = Vec::new();
            if !still_open {
                let at = self.after(resolved, 1, 3);
                let system = spec.systems.first().copied();
                let f = &spec.follow_up;
                let item = self.item(f.title.clone(), f.kind, None, system, at, false);
                follow_ups.push(items.len());
                items.push(item);
            }
            out.push(DemoIncident {
                input: IncidentInput {
                    title: spec.title.clone(),
                    severity: spec.severity,
                    started_at: started,
                    detected_at: Some(detected),
                    contained_at,
                    resolved_at,
                    customer_impact: spec.customer_impact,
                    impact_summary: spec.impact_summary.clone(),
                    learnings,
                    system_ids: Vec::new(),
                    external_id,
                },
                systems: spec.systems.clone(),
                created,
                follow_ups,
            });
        }
        // Two incidents can start on the same day; the open ones are days after the others.
        out.sort_by_key(|i| i.input.started_at);
        out
    }

    /// Puts items in creation order (so `ITEM-1` is the oldest), fixes the incident links, and
    /// gives most of them a tracker key (or, on a system whose issues are on GitHub, an issue).
    pub(super) fn order_items(&mut self, items: Vec<DemoItem>, incidents: &mut [DemoIncident]) -> Vec<DemoItem> {
        let c = catalogue();
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&i| (items[i].created, i));
        let mut new_index = vec![0; items.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        for inc in incidents.iter_mut() {
            for f in &mut inc.follow_ups {
                *f = new_index[*f];
            }
        }
        let mut slots: Vec<Option<DemoItem>> = items.into_iter().map(Some).collect();
        let mut sorted: Vec<DemoItem> = order.iter().map(|&i| slots[i].take().expect("each item once")).collect();

        let mut counters: BTreeMap<&str, i64> = BTreeMap::new();
        let mut github = 310 + self.rng.gen_range(0..40);
        for item in &mut sorted {
            if let Some(repo) = item.system.and_then(|s| c.systems[s].github.as_deref()) {
                if self.rng.gen_bool(0.7) {
                    github += self.rng.gen_range(1..=6);
                    item.input.external_key = Some(format!("{repo}#{github}"));
                    item.input.external_url = Some(format!("https://github.example/{repo}/issues/{github}"));
                }
                continue;
            }
            if !self.rng.gen_bool(0.65) {
                continue;
            }
            let project = match (item.epic, item.system) {
                (Some(e), _) => c.epics[e].project.as_str(),
                (None, Some(s)) => c.systems[s].project.as_str(),
                (None, None) => "SEC",
            };
            let start = 40 + self.rng.gen_range(0..80);
            let n = counters.entry(project).or_insert(start);
            *n += self.rng.gen_range(1..=5);
            let key = format!("{project}-{n}");
            item.input.external_url = Some(format!("https://northwind.atlassian.example/browse/{key}"));
            item.input.external_key = Some(key);
        }
        sorted
    }
}
