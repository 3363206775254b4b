//! The registers around the work: risks with their updates, releases, audit findings, vendors
//! and scanner findings.

use rand::Rng;
use rand::seq::SliceRandom;
use rhythm_domain::{
    AuditFindingInput, Environment, FindingInput, ItemStatus, ReleaseInput, ReleaseStatus, RiskInput, RiskStatus,
    RiskUpdateInput, Severity, Stage, SystemInput, VendorInput, WorkKind,
};
use time::{Date, Duration, Month, OffsetDateTime};

use super::catalogue::{MIN_RISKS, Risk, catalogue};
use super::{DemoAuditFinding, DemoFinding, DemoItem, DemoRelease, DemoRisk, Gen, skip_weekend, ts};

impl Gen {
    pub(super) fn risks(&mut self, workspace_created: OffsetDateTime, items: &[DemoItem]) -> Vec<DemoRisk> {
        let c = catalogue();
        let mut specs: Vec<&Risk> = c.risks.iter().collect();
        specs.shuffle(&mut self.rng);
        specs.truncate(self.rng.gen_range(MIN_RISKS..=c.risks.len()));
        let n = specs.len();

        let mut statuses: Vec<RiskStatus> = RiskStatus::ALL.to_vec();
        let mut stages: Vec<Stage> = Stage::ALL.to_vec();
        while statuses.len() < n {
            let s = [
                (RiskStatus::Open, 30),
                (RiskStatus::Mitigating, 30),
                (RiskStatus::Accepted, 12),
                (RiskStatus::Closed, 28),
            ]
            .choose_weighted(&mut self.rng, |w| w.1)
            .expect("weights")
            .0;
            statuses.push(s);
        }
        while stages.len() < n {
            let s =
                [(Stage::DesignReview, 25), (Stage::Development, 30), (Stage::PreRelease, 20), (Stage::Production, 25)]
                    .choose_weighted(&mut self.rng, |w| w.1)
                    .expect("weights")
                    .0;
            stages.push(s);
        }
        statuses.shuffle(&mut self.rng);
        stages.shuffle(&mut self.rng);

        // The first ten came from the old spreadsheet on the day the workspace was set up.
        let imported = 10;
        let mut created: Vec<OffsetDateTime> = (0..n)
            .map(|i| {
                if i < imported {
                    workspace_created + Duration::days(1) + Duration::minutes(3 * i as i64)
                } else {
                    let offset = self.rng.gen_range(-570..=-4);
                    let d = self.day(offset);
                    self.at_work(d)
                }
            })
            .collect();
        created.sort();

        // Who owns risks, and how often: leads more than engineers.
        let r = &c.roles;
        let mut owners: Vec<(usize, u32)> =
            vec![(r.ciso, 3), (r.cto, 3), (r.security_lead, 6), (r.engineering_lead, 5), (r.delivery, 1)];
        owners.extend(r.engineers.iter().map(|&e| (e, 2)));

        let mut risks = Vec::with_capacity(n);
        for (i, spec) in specs.iter().enumerate() {
            let created = created[i];
            let status = statuses[i];
            let stage = stages[i];
            let mut likelihood = spec.likelihood;
            if self.rng.gen_bool(0.3) {
                let delta: i64 = *self.pick(&[-1, 1]);
                likelihood = (likelihood + delta).clamp(1, 5);
            }
            // A serious risk of customer harm, legal or regulatory exposure is not left
            // untreated for long at a company that runs this rhythm: it is being mitigated.
            let stop_tagged =
                spec.tags.iter().any(|t| rhythm_domain::policy::DEFAULT_STOP_SHIP_TAGS.contains(&t.as_str()));
            let status = if status == RiskStatus::Open && stop_tagged && spec.impact * likelihood >= 12 {
                RiskStatus::Mitigating
            } else {
                status
            };
            let (due_min, due_max) = match status {
                RiskStatus::Open => (30, 180),
                RiskStatus::Mitigating => (30, 200),
                RiskStatus::Accepted => (90, 365),
                RiskStatus::Closed => (20, 120),
            };
            let live = matches!(status, RiskStatus::Open | RiskStatus::Mitigating);
            let due_date = if status != RiskStatus::Accepted && self.rng.gen_bool(0.1) {
                None
            } else if live && self.rng.gen_bool(0.6) {
                // Re-planned: due in the coming months.
                let ahead = self.rng.gen_range(7..=120);
                Some(self.day(ahead).max(created.date()))
            } else {
                // As first planned: older ones are overdue now.
                Some(created.date() + Duration::days(self.rng.gen_range(due_min..=due_max)))
            };
            let closed = (status == RiskStatus::Closed).then(|| {
                let available = (self.last_moment() - created).whole_days().max(1);
                self.after(created, 1.min(available), available.min(200))
            });
            let owner = if self.rng.gen_bool(0.06) {
                None
            } else {
                Some(owners.choose_weighted(&mut self.rng, |c| c.1).expect("weights").0)
            };
            // A treatment under way has an owner and a date: the product refuses `mitigating`
            // without them (closed risks pass through mitigating on the way).
            let treated = matches!(status, RiskStatus::Mitigating | RiskStatus::Closed);
            let due_date = if treated { due_date.or(Some(created.date() + Duration::days(due_min))) } else { due_date };
            let owner = if treated { owner.or(owners.first().map(|c| c.0)) } else { owner };

            // Backlog items that work on it: non-feature work in the same systems.
            let wanted = match status {
                RiskStatus::Open | RiskStatus::Accepted => self.rng.gen_range(0..=1),
                RiskStatus::Mitigating => self.rng.gen_range(1..=3),
                RiskStatus::Closed => self.rng.gen_range(1..=2),
            };
            let mut candidates: Vec<usize> = (0..items.len())
                .filter(|&j| {
                    items[j].input.kind != WorkKind::Feature
                        && items[j].system.is_some_and(|s| spec.systems.contains(&s))
                })
                .collect();
            let recent: Vec<usize> =
                candidates.iter().copied().filter(|&j| items[j].created >= created - Duration::days(60)).collect();
            if !recent.is_empty() {
                candidates = recent;
            }
            let mut backlog_items: Vec<usize> = candidates.choose_multiple(&mut self.rng, wanted).copied().collect();
            backlog_items.sort_unstable();

            let score = spec.impact * likelihood;
            let end = closed.unwrap_or_else(|| self.last_moment());
            let updates = self.risk_updates(
                spec,
                status,
                stage,
                score,
                due_date,
                created,
                end,
                closed.is_some(),
                backlog_items.first().map(|&j| &items[j]),
            );

            let external_id = (i < imported).then(|| format!("RR-{:03}", 11 + i * 3));
            risks.push(DemoRisk {
                input: RiskInput {
                    statement: spec.statement.clone(),
                    impact: spec.impact,
                    likelihood,
                    owner_id: None,
                    mitigation: spec.mitigation.clone(),
                    due_date,
                    status: Some(status),
                    found_stage: stage,
                    tags: spec.tags.clone(),
                    system_ids: Vec::new(),
                    backlog_item_ids: Vec::new(),
                    external_id,
                },
                owner,
                systems: spec.systems.clone(),
                backlog_items,
                created,
                closed,
                updates,
            });
        }
        risks
    }

    #[allow(clippy::too_many_arguments)]
    fn risk_updates(
        &mut self,
        spec: &Risk,
        status: RiskStatus,
        stage: Stage,
        score: i64,
        due: Option<Date>,
        created: OffsetDateTime,
        end: OffsetDateTime,
        was_closed: bool,
        item: Option<&DemoItem>,
    ) -> Vec<(OffsetDateTime, RiskUpdateInput)> {
        // The first update comes within two days of registration, the others spread over its
        // life, all in working hours.
        let span_days = (end - created).whole_days();
        let max = (span_days / 30).clamp(0, 4) as usize;
        let count = if span_days < 1 { 0 } else { self.rng.gen_range(0..=max) };
        let mut times: Vec<OffsetDateTime> = Vec::with_capacity(count);
        for k in 0..count {
            let day = if k == 0 { self.rng.gen_range(0..=span_days.min(2)) } else { self.rng.gen_range(1..=span_days) };
            let mut t = self.at_work(created.date() + Duration::days(day));
            if t <= created {
                t = created + Duration::minutes(self.rng.gen_range(20..=240));
            }
            if t < end {
                times.push(t);
            }
        }
        times.sort();
        times.dedup();
        if was_closed && let Some(last) = times.last_mut() {
            *last = end;
        }
        let c = catalogue();
        let sys = spec.systems.first().map_or("the platform", |&s| c.systems[s].name.as_str());
        let item_name = item.map_or_else(
            || "the backlog item".to_owned(),
            |i| i.input.external_key.clone().unwrap_or_else(|| i.input.title.clone()),
        );
        let why = c
            .risk_wording
            .why_by_tag
            .iter()
            .find(|t| spec.tags.contains(&t.tag))
            .map_or("It weakens a control we promise customers in our security documentation.", |t| t.why.as_str());
        let due_text = due.map_or_else(|| "no date agreed yet".to_owned(), |d| d.to_string());
        let n = times.len();
        times
            .into_iter()
            .enumerate()
            .map(|(k, at)| {
                let last = k + 1 == n;
                let what = if k == 0 && !(last && was_closed) {
                    let source = self.pick(&c.risk_wording.sources[&stage]);
                    format!(
                        "Registered from {}; scored {}x{} = {score}.",
                        source.replace("{sys}", sys),
                        spec.impact,
                        score / spec.impact
                    )
                } else if last && was_closed {
                    "Fix verified in production and re-tested by security.".to_owned()
                } else if last && status == RiskStatus::Accepted {
                    "Accepted jointly by the CISO and CTO with compensating controls in place.".to_owned()
                } else {
                    let working = matches!(status, RiskStatus::Mitigating | RiskStatus::Closed);
                    let w = &c.risk_wording;
                    let pool = if working && self.rng.gen_bool(0.5) { &w.progress_work } else { &w.progress };
                    self.pick(pool)
                        .replace("{score}", &score.to_string())
                        .replace("{item}", &item_name)
                        .replace("{sys}", sys)
                };
                let closes = if last && was_closed {
                    format!("Closed on {}.", at.date())
                } else {
                    match status {
                        RiskStatus::Accepted => {
                            format!("Acceptance runs until {due_text}; re-reviewed then.")
                        }
                        RiskStatus::Mitigating | RiskStatus::Closed => {
                            format!("Target {due_text}, when {item_name} ships.")
                        }
                        RiskStatus::Open => {
                            format!("Target {due_text}; not yet scheduled in a sprint.")
                        }
                    }
                };
                let input = RiskUpdateInput { what, why: why.to_owned(), doing: spec.mitigation.clone(), closes };
                (at, input)
            })
            .collect()
    }

    pub(super) fn releases(
        &mut self,
        systems: &[(SystemInput, OffsetDateTime)],
        items: &[DemoItem],
    ) -> Vec<DemoRelease> {
        let c = catalogue();
        let mut versions: Vec<(u32, u32)> = c.systems.iter().map(|s| s.version).collect();
        let month_index = self.anchor.year() * 12 + i32::from(u8::from(self.anchor.month())) - 1;
        let mut out: Vec<DemoRelease> = Vec::new();
        for k in -17..=2 {
            let idx = month_index + k;
            let month = Month::try_from((idx.rem_euclid(12) + 1) as u8).expect("month");
            let count = self.rng.gen_range(2..=4);
            let mut planned: Vec<(Date, usize)> = (0..count)
                .map(|_| {
                    let d =
                        Date::from_calendar_date(idx.div_euclid(12), month, self.rng.gen_range(1..=28)).expect("date");
                    let sys = c
                        .systems
                        .iter()
                        .enumerate()
                        .collect::<Vec<_>>()
                        .choose_weighted(&mut self.rng, |(_, s)| s.release_weight)
                        .expect("weights")
                        .0;
                    (skip_weekend(d), sys)
                })
                .collect();
            planned.sort_unstable();
            for (date, sys) in planned {
                let release = self.release(date, sys, &mut versions, systems, items);
                out.push(release);
            }
        }
        out.sort_by_key(|r| r.created);
        // Make sure the history has at least one slipped release.
        if !out.iter().any(|r| r.input.shipped_date.is_some_and(|s| s > r.input.planned_date))
            && let Some(r) = out.iter_mut().find(|r| {
                r.input.status == Some(ReleaseStatus::Shipped)
                    && r.input.planned_date + Duration::days(10) < self.anchor
            })
        {
            r.input.shipped_date = Some(r.input.planned_date + Duration::days(3));
            r.input.slip_reason = Some(c.releases.slip_reasons[0].clone());
        }
        out
    }

    fn release(
        &mut self,
        planned_date: Date,
        sys: usize,
        versions: &mut [(u32, u32)],
        systems: &[(SystemInput, OffsetDateTime)],
        items: &[DemoItem],
    ) -> DemoRelease {
        let c = catalogue();
        let spec = &c.systems[sys];
        let v = &mut versions[sys];
        if self.rng.gen_bool(0.03) {
            *v = (v.0 + 1, 0);
        } else {
            v.1 += 1;
        }
        let version = format!("{}.{}.0", v.0, v.1);
        let name = format!("{} {version}", spec.name);

        let lead = self.rng.gen_range(10..=40);
        let mut created = self.at_work(planned_date - Duration::days(lead));
        if created >= self.last_moment() {
            let back = self.rng.gen_range(1..=6);
            created = self.at_work(self.day(-back));
        }
        created = created.max(systems[sys].1 + Duration::hours(1));

        // Scope: what was done on this system in the month before (or is in flight, for future ones).
        let window_start = ts(planned_date - Duration::days(35), 0, 0);
        let window_end = ts(planned_date, 23, 59);
        let future = planned_date >= self.anchor;
        let mut titles: Vec<&str> = items
            .iter()
            .filter(|i| i.system == Some(sys))
            .filter(|i| {
                if future {
                    matches!(i.input.status, Some(ItemStatus::InProgress | ItemStatus::Todo))
                } else {
                    i.done.is_some_and(|d| d > window_start && d <= window_end)
                }
            })
            .map(|i| i.input.title.as_str())
            .collect();
        titles.shuffle(&mut self.rng);
        titles.truncate(3);
        if titles.is_empty() {
            titles.push(self.pick(&c.releases.generic_scope).as_str());
        }
        let planned_scope = titles.join("; ");
        let planned_items = self.rng.gen_range(3..=24);

        let mut input = ReleaseInput {
            name,
            system_id: None,
            planned_date,
            shipped_date: None,
            planned_scope: planned_scope.clone(),
            shipped_scope: String::new(),
            planned_items,
            shipped_items: None,
            slip_reason: None,
            status: Some(ReleaseStatus::Planned),
            external_id: self.rng.gen_bool(0.5).then(|| format!("{} {version}", spec.project)),
        };
        let slip_reason = |g: &mut Self| {
            if let Some(own) = &spec.slip_reason
                && g.rng.gen_bool(0.4)
            {
                own.clone()
            } else {
                g.pick(&c.releases.slip_reasons).clone()
            }
        };
        if !future {
            let roll = self.rng.gen_range(0..100);
            if roll < 6 {
                input.status = Some(ReleaseStatus::Cancelled);
            } else {
                let late = roll < 32;
                let shipped = if late {
                    planned_date + Duration::days(self.rng.gen_range(1..=15))
                } else {
                    planned_date - Duration::days(self.rng.gen_range(0..=1))
                };
                if shipped >= self.anchor {
                    // Late and not shipped yet.
                    input.slip_reason = Some(slip_reason(self));
                } else {
                    let dropped = if late { self.rng.gen_range(0..=3) } else { *self.pick(&[0, 0, 0, 1, 2]) };
                    let shipped_items = (planned_items - dropped).max(0);
                    input.status = Some(ReleaseStatus::Shipped);
                    input.shipped_date = Some(shipped);
                    input.shipped_items = Some(shipped_items);
                    input.shipped_scope = if dropped == 0 {
                        planned_scope
                    } else {
                        format!("{planned_scope}. Descoped {dropped} item(s) to the next release.")
                    };
                    if late {
                        input.slip_reason = Some(slip_reason(self));
                    }
                }
            }
        }
        DemoRelease { input, system: Some(sys), created }
    }

    pub(super) fn audit_findings(&mut self) -> Vec<DemoAuditFinding> {
        let audits = &catalogue().audits;
        let mut out: Vec<DemoAuditFinding> = Vec::new();
        for (round_ix, round) in audits.iter().enumerate() {
            let days_ago = self.rng.gen_range(round.days_ago.0..=round.days_ago.1);
            let opened_on = self.day(-days_ago);
            for (k, f) in round.findings.iter().enumerate() {
                let created = self.after(ts(opened_on, 8, 0), 0, 3);
                // The first finding of the first audit is always closed, the first of the last
                // always open, so every demo shows both.
                let close = match (round_ix, k) {
                    (0, 0) => true,
                    (r, 0) if r + 1 == audits.len() => false,
                    _ => self.rng.gen_bool(round.close_chance),
                };
                let closed_on = close
                    .then(|| opened_on + Duration::days(self.rng.gen_range(round.close_days.0..=round.close_days.1)))
                    .map(|d| d.min(self.day(-1)))
                    .filter(|d| *d > created.date());
                out.push(DemoAuditFinding {
                    input: AuditFindingInput {
                        framework: round.framework.clone(),
                        control_ref: f.control_ref.clone(),
                        title: f.title.clone(),
                        severity: f.severity,
                        opened_on,
                        closed_on,
                        repeat_of: None,
                        external_id: Some(format!("{}-{:02}", round.prefix, k + 1)),
                    },
                    repeat_of: f.repeat_of,
                    created,
                });
            }
        }
        out
    }

    pub(super) fn vendors(&mut self) -> Vec<(VendorInput, OffsetDateTime)> {
        catalogue()
            .vendors
            .iter()
            .map(|v| {
                let jitter = self.rng.gen_range(0..5);
                let d = self.day(-v.created_days_ago + jitter);
                let created = self.at_work(d);
                let input = VendorInput {
                    name: v.name.clone(),
                    purpose: v.purpose.clone(),
                    data_tier: v.data_tier,
                    data_flows: v.data_flows.clone(),
                    breach_clause: v.breach_clause.clone(),
                    breach_notification_hours: v.breach_notification_hours,
                    access_model: v.access_model.clone(),
                    questionnaire: v.questionnaire.clone(),
                    status: Some(v.status),
                };
                (input, created)
            })
            .collect()
    }

    /// Findings over the last 18 months: most fixed within their SLA, some late, a few open.
    /// Open findings at high severity or above are only ever in staging or development, so
    /// the one seeded STOP is the demo's only open critical in production.
    pub(super) fn findings(&mut self) -> Vec<DemoFinding> {
        let c = catalogue();
        let mut out = Vec::new();
        for system in 0..c.systems.len() {
            let count = self.rng.gen_range(6..=14);
            for _ in 0..count {
                let f = c.findings.choose(&mut self.rng).expect("findings");
                let severity = f.severity;
                let ago = self.rng.gen_range(3..540);
                let first = self.day(-ago);
                let created = self.at_work(first);
                let environment = match self.rng.gen_range(0..20) {
                    0..=11 => Environment::Production,
                    12..=16 => Environment::Staging,
                    _ => Environment::Development,
                };
                let days = match severity {
                    Severity::Critical => self.rng.gen_range(1..=12),
                    Severity::High => self.rng.gen_range(3..=45),
                    Severity::Medium => self.rng.gen_range(10..=120),
                    Severity::Low | Severity::Info => self.rng.gen_range(20..=240),
                };
                let fix_day = first + Duration::days(days);
                let fixed = (fix_day < self.anchor).then(|| self.at_work(fix_day).max(created + Duration::minutes(5)));
                let serious = matches!(severity, Severity::Critical | Severity::High);
                let environment = if fixed.is_none() && serious { Environment::Staging } else { environment };
                out.push(DemoFinding {
                    input: FindingInput {
                        system_id: None,
                        tool: f.tool.clone(),
                        rule: f.rule.clone(),
                        title: f.title.clone(),
                        severity,
                        environment,
                        component: f.component.clone(),
                        kev: f.kev,
                        first_seen: Some(created),
                        external_id: None,
                    },
                    system,
                    created,
                    fixed,
                });
            }
        }
        out.sort_by_key(|f| f.created);
        out
    }
}
