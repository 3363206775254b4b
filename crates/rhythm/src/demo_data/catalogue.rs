//! The demo company as data: the TOML files in `crates/rhythm/demo/`, embedded in the binary,
//! read once into typed tables. Entries point at each other by name in the files (an epic's
//! `initiative`, the `systems` of epics, risks and incidents, an audit finding's `repeats`);
//! loading turns every name into an index and stops with the file, the entry and the name when
//! one matches nothing. The generator only ever sees the resolved [`Catalogue`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rhythm_domain::{DataTier, GoldenPath, InitiativeStatus, Role, Severity, Stage, VendorStatus, WorkKind};
use serde::Deserialize;

/// The generator registers at least this many risks of the catalogue (`registers.rs`).
pub(super) const MIN_RISKS: usize = 56;
/// The generator picks at least this many incidents of the catalogue (`work.rs`).
pub(super) const MIN_INCIDENTS: usize = 23;

/// The text of each file of the catalogue.
#[derive(Debug, Clone, Copy)]
pub(super) struct Texts<'a> {
    pub company: &'a str,
    pub roadmap: &'a str,
    pub risks: &'a str,
    pub incidents: &'a str,
    pub audits: &'a str,
    pub findings: &'a str,
}

/// The files as the binary embeds them.
pub(super) const EMBEDDED: Texts<'static> = Texts {
    company: include_str!("../../demo/company.toml"),
    roadmap: include_str!("../../demo/roadmap.toml"),
    risks: include_str!("../../demo/risks.toml"),
    incidents: include_str!("../../demo/incidents.toml"),
    audits: include_str!("../../demo/audits.toml"),
    findings: include_str!("../../demo/findings.toml"),
};

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::parse(EMBEDDED).unwrap_or_else(|e| panic!("the demo catalogue (crates/rhythm/demo/): {e}"))
});

/// The embedded catalogue, read on first use.
pub(super) fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// Everything the generator draws from, with names resolved to indexes.
#[derive(Debug)]
pub(super) struct Catalogue {
    /// The workspace's name.
    pub name: String,
    pub users: Vec<User>,
    pub roles: Roles,
    pub systems: Vec<System>,
    pub vendors: Vec<Vendor>,
    pub initiatives: Vec<Initiative>,
    pub epics: Vec<Epic>,
    pub backlog: BacklogWording,
    pub releases: ReleaseWording,
    pub risks: Vec<Risk>,
    pub risk_wording: RiskWording,
    pub incidents: Vec<Incident>,
    pub audits: Vec<Audit>,
    pub findings: Vec<Finding>,
}

/// Indexes into [`Catalogue::users`] of the people the generator gives work to by role.
#[derive(Debug)]
pub(super) struct Roles {
    /// Always 0: the seeder acts as the first user.
    pub ciso: usize,
    /// Always 1.
    pub cto: usize,
    /// The first of each role.
    pub security_lead: usize,
    pub engineering_lead: usize,
    pub delivery: usize,
    /// Every engineer, in file order.
    pub engineers: Vec<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct User {
    pub name: String,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct System {
    pub name: String,
    pub description: String,
    pub owner_team: String,
    pub tier: DataTier,
    pub golden_paths: Vec<GoldenPath>,
    /// Tracker project key.
    pub project: String,
    /// Relative release frequency.
    pub release_weight: u32,
    /// (major, minor) of the last release before the history starts.
    pub version: (u32, u32),
    /// The GitHub repository its backlog items are issues of, instead of the tracker project.
    pub github: Option<String>,
    /// A reason only this system's releases slip for.
    pub slip_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Vendor {
    pub name: String,
    pub purpose: String,
    pub data_tier: DataTier,
    pub data_flows: String,
    pub breach_clause: String,
    pub breach_notification_hours: Option<i64>,
    pub access_model: String,
    pub questionnaire: String,
    pub status: VendorStatus,
    pub created_days_ago: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Initiative {
    pub name: String,
    pub business_goal: String,
    pub reduces_or_enables: String,
    pub status: InitiativeStatus,
    /// Days before the anchor it was created.
    pub created_days_ago: i64,
    /// Days after the anchor of a day in its target quarter (negative: in the past).
    pub target_in_days: i64,
}

/// A piece of backlog work: an epic's planned item, a generic one, an incident's follow-up.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Work {
    pub kind: WorkKind,
    pub title: String,
}

/// An epic; `R` is how it names other entries: a name in the file, an index once loaded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Epic<R = usize> {
    pub name: String,
    /// Into [`Catalogue::initiatives`].
    pub initiative: R,
    pub description: String,
    /// Into [`Catalogue::systems`].
    pub systems: Vec<R>,
    /// Tracker project of its items.
    pub project: String,
    pub items: Vec<Work>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BacklogWording {
    /// `"{parent}: {subtask}"`.
    pub subtasks: Vec<String>,
    /// Work on one system: `{sys}` is replaced by its name.
    pub generic: Vec<Work>,
    /// Work not tied to a system.
    pub generic_no_system: Vec<Work>,
    pub why: BTreeMap<WorkKind, Vec<String>>,
    pub done_when: BTreeMap<WorkKind, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReleaseWording {
    pub slip_reasons: Vec<String>,
    pub generic_scope: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Risk<R = usize> {
    pub statement: String,
    /// Into [`Catalogue::systems`].
    pub systems: Vec<R>,
    pub tags: Vec<String>,
    pub impact: i64,
    pub likelihood: i64,
    pub mitigation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RiskWording {
    /// In order of importance: a risk's "why" is that of the first tag it has.
    pub why_by_tag: Vec<TagWhy>,
    /// Progress notes any risk can have.
    pub progress: Vec<String>,
    /// Progress notes of a risk someone is working on.
    pub progress_work: Vec<String>,
    /// Where a risk was raised, by the stage it was found at.
    pub sources: BTreeMap<Stage, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TagWhy {
    pub tag: String,
    pub why: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Incident<R = usize> {
    pub title: String,
    pub severity: Severity,
    /// Into [`Catalogue::systems`].
    pub systems: Vec<R>,
    pub customer_impact: bool,
    pub impact_summary: String,
    pub learnings: String,
    pub follow_up: Work,
    /// Minutes (least, most) from start to detection, detection to containment, containment
    /// to resolution.
    pub detect_minutes: (i64, i64),
    pub contain_minutes: (i64, i64),
    pub resolve_minutes: (i64, i64),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Audit<F = AuditFinding> {
    pub framework: String,
    pub prefix: String,
    /// Days (least, most) before the anchor the report was issued.
    pub days_ago: (i64, i64),
    /// Chance each finding is closed, and days (least, most) from opening to closing.
    pub close_chance: f64,
    pub close_days: (i64, i64),
    pub findings: Vec<F>,
}

/// An audit finding as the file has it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFindingEntry {
    key: String,
    control_ref: String,
    title: String,
    severity: Severity,
    repeats: Option<String>,
}

#[derive(Debug)]
pub(super) struct AuditFinding {
    pub control_ref: String,
    pub title: String,
    pub severity: Severity,
    /// The earlier finding it repeats: an index over the findings of all audits in order.
    pub repeat_of: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Finding {
    pub tool: String,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub component: String,
    /// Known exploited.
    pub kev: bool,
}

// ---------------------------------------------------------------------------------------------
// The files

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompanyFile {
    name: String,
    users: Vec<User>,
    systems: Vec<System>,
    vendors: Vec<Vendor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoadmapFile {
    initiatives: Vec<Initiative>,
    epics: Vec<Epic<String>>,
    backlog: BacklogWording,
    releases: ReleaseWording,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RisksFile {
    risks: Vec<Risk<String>>,
    wording: RiskWording,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentsFile {
    incidents: Vec<Incident<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditsFile {
    audits: Vec<Audit<AuditFindingEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingsFile {
    findings: Vec<Finding>,
}

fn read<'de, T: Deserialize<'de>>(file: &str, text: &'de str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("{file}: {e}"))
}

/// The names of one table, to resolve references into it.
struct Names<'a> {
    /// What an entry is and where the table lives: "system in company.toml".
    what: &'static str,
    names: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn new(what: &'static str, names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let names: Vec<&str> = names.into_iter().collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(format!("two entries are named \"{n}\": each {} needs its own name", what_only(what)));
            }
        }
        Ok(Names { what, names })
    }

    /// The index of `name`; `entry` says where it was written ("risks.toml: risk 3 (…), systems").
    fn index(&self, name: &str, entry: &dyn Fn() -> String) -> Result<usize, String> {
        self.names.iter().position(|n| *n == name).ok_or_else(|| {
            format!("{}: no {} is named \"{name}\" (there are: {})", entry(), self.what, self.names.join(", "))
        })
    }

    fn all(&self, names: &[String], entry: &dyn Fn() -> String) -> Result<Vec<usize>, String> {
        names.iter().map(|n| self.index(n, entry)).collect()
    }
}

/// "system in company.toml" → "system".
fn what_only(what: &str) -> &str {
    what.split(" in ").next().unwrap_or(what)
}

/// An entry's label in messages: its number in the file and the start of its text.
fn label(kind: &str, n: usize, text: &str) -> String {
    const MAX: usize = 60;
    let short: String = text.chars().take(MAX).collect();
    let more = if text.chars().count() > MAX { "…" } else { "" };
    format!("{kind} {} (\"{short}{more}\")", n + 1)
}

fn non_empty<T>(xs: &[T], what: &str) -> Result<(), String> {
    if xs.is_empty() { Err(format!("{what} is empty: the generator draws from it")) } else { Ok(()) }
}

/// Every kind (or stage) has a non-empty list in `map`.
fn covers<K: Ord + Copy + std::fmt::Display>(
    map: &BTreeMap<K, Vec<String>>,
    all: &[K],
    what: &str,
) -> Result<(), String> {
    for k in all {
        non_empty(map.get(k).map_or(&[][..], Vec::as_slice), &format!("{what}.{k}"))?;
    }
    Ok(())
}

impl Catalogue {
    /// Reads the files and resolves every name.
    pub(super) fn parse(texts: Texts<'_>) -> Result<Catalogue, String> {
        let company: CompanyFile = read("company.toml", texts.company)?;
        let roadmap: RoadmapFile = read("roadmap.toml", texts.roadmap)?;
        let risks: RisksFile = read("risks.toml", texts.risks)?;
        let incidents: IncidentsFile = read("incidents.toml", texts.incidents)?;
        let audits: AuditsFile = read("audits.toml", texts.audits)?;
        let findings: FindingsFile = read("findings.toml", texts.findings)?;

        let systems = Names::new("system in company.toml", company.systems.iter().map(|s| s.name.as_str()))
            .map_err(|e| format!("company.toml: systems: {e}"))?;
        let initiatives = Names::new("initiative in roadmap.toml", roadmap.initiatives.iter().map(|i| i.name.as_str()))
            .map_err(|e| format!("roadmap.toml: initiatives: {e}"))?;

        let epics = roadmap
            .epics
            .into_iter()
            .enumerate()
            .map(|(n, e)| {
                let at = |field: &str| format!("roadmap.toml: {}, {field}", label("epic", n, &e.name));
                if e.items.is_empty() {
                    return Err(format!("{}: an epic needs at least one planned item", at("items")));
                }
                Ok(Epic {
                    initiative: initiatives.index(&e.initiative, &|| at("initiative"))?,
                    systems: systems.all(&e.systems, &|| at("systems"))?,
                    name: e.name,
                    description: e.description,
                    project: e.project,
                    items: e.items,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let risk_list = risks
            .risks
            .into_iter()
            .enumerate()
            .map(|(n, r)| {
                let at = || format!("risks.toml: {}, systems", label("risk", n, &r.statement));
                Ok(Risk {
                    systems: systems.all(&r.systems, &at)?,
                    statement: r.statement,
                    tags: r.tags,
                    impact: r.impact,
                    likelihood: r.likelihood,
                    mitigation: r.mitigation,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let incident_list = incidents
            .incidents
            .into_iter()
            .enumerate()
            .map(|(n, i)| {
                let at = || format!("incidents.toml: {}, systems", label("incident", n, &i.title));
                Ok(Incident {
                    systems: systems.all(&i.systems, &at)?,
                    title: i.title,
                    severity: i.severity,
                    customer_impact: i.customer_impact,
                    impact_summary: i.impact_summary,
                    learnings: i.learnings,
                    follow_up: i.follow_up,
                    detect_minutes: i.detect_minutes,
                    contain_minutes: i.contain_minutes,
                    resolve_minutes: i.resolve_minutes,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let audit_list = resolve_audits(audits.audits)?;

        let users = company.users;
        let roles = roles(&users)?;
        let backlog = roadmap.backlog;
        non_empty(&backlog.subtasks, "roadmap.toml: backlog.subtasks")?;
        non_empty(&backlog.generic, "roadmap.toml: backlog.generic")?;
        non_empty(&backlog.generic_no_system, "roadmap.toml: backlog.generic_no_system")?;
        covers(&backlog.why, WorkKind::ALL, "roadmap.toml: backlog.why")?;
        covers(&backlog.done_when, WorkKind::ALL, "roadmap.toml: backlog.done_when")?;
        non_empty(&roadmap.releases.slip_reasons, "roadmap.toml: releases.slip_reasons")?;
        non_empty(&roadmap.releases.generic_scope, "roadmap.toml: releases.generic_scope")?;
        let wording = risks.wording;
        non_empty(&wording.progress, "risks.toml: wording.progress")?;
        non_empty(&wording.progress_work, "risks.toml: wording.progress_work")?;
        covers(&wording.sources, Stage::ALL, "risks.toml: wording.sources")?;
        non_empty(&findings.findings, "findings.toml: findings")?;
        if company.systems.iter().all(|s| s.release_weight == 0) {
            return Err("company.toml: systems: every release_weight is 0, so no system ever releases".to_owned());
        }
        if risk_list.len() < MIN_RISKS {
            return Err(format!("risks.toml: {} risks; the generator registers at least {MIN_RISKS}", risk_list.len()));
        }
        if incident_list.len() < MIN_INCIDENTS {
            return Err(format!(
                "incidents.toml: {} incidents; the generator picks at least {MIN_INCIDENTS}",
                incident_list.len()
            ));
        }

        Ok(Catalogue {
            name: company.name,
            users,
            roles,
            systems: company.systems,
            vendors: company.vendors,
            initiatives: roadmap.initiatives,
            epics,
            backlog,
            releases: roadmap.releases,
            risks: risk_list,
            risk_wording: wording,
            incidents: incident_list,
            audits: audit_list,
            findings: findings.findings,
        })
    }
}

/// Audit findings' `repeats` keys → indexes over all findings in file order; a finding repeats
/// only one written before it.
fn resolve_audits(audits: Vec<Audit<AuditFindingEntry>>) -> Result<Vec<Audit>, String> {
    let mut keys: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(audits.len());
    for (a, audit) in audits.into_iter().enumerate() {
        let mut findings = Vec::with_capacity(audit.findings.len());
        for (n, f) in audit.findings.into_iter().enumerate() {
            let at = || format!("audits.toml: audit {} ({}), {}", a + 1, audit.prefix, label("finding", n, &f.key));
            if keys.contains(&f.key) {
                return Err(format!("{}: the key \"{}\" is taken by an earlier finding", at(), f.key));
            }
            let repeat_of = match &f.repeats {
                None => None,
                Some(key) => Some(keys.iter().position(|k| k == key).ok_or_else(|| {
                    format!(
                        "{}, repeats: no earlier finding has the key \"{key}\" (a finding repeats one above it)",
                        at()
                    )
                })?),
            };
            keys.push(f.key);
            findings.push(AuditFinding { control_ref: f.control_ref, title: f.title, severity: f.severity, repeat_of });
        }
        out.push(Audit {
            framework: audit.framework,
            prefix: audit.prefix,
            days_ago: audit.days_ago,
            close_chance: audit.close_chance,
            close_days: audit.close_days,
            findings,
        });
    }
    Ok(out)
}

/// The CISO first and the CTO second, one of each; at least one security lead, engineering
/// lead, delivery planner and engineer.
fn roles(users: &[User]) -> Result<Roles, String> {
    let count = |role: Role| users.iter().filter(|u| u.role == role).count();
    let first = |role: Role| {
        users
            .iter()
            .position(|u| u.role == role)
            .ok_or_else(|| format!("company.toml: users: nobody has the role {role}"))
    };
    if users.first().map(|u| u.role) != Some(Role::Ciso) || count(Role::Ciso) != 1 {
        return Err("company.toml: users: the first user must be the one CISO (the seeder acts as them)".to_owned());
    }
    if users.get(1).map(|u| u.role) != Some(Role::Cto) || count(Role::Cto) != 1 {
        return Err("company.toml: users: the second user must be the one CTO (the seeder acts as them)".to_owned());
    }
    first(Role::Engineer)?;
    Ok(Roles {
        ciso: 0,
        cto: 1,
        security_lead: first(Role::SecurityLead)?,
        engineering_lead: first(Role::EngineeringLead)?,
        delivery: first(Role::Delivery)?,
        engineers: (0..users.len()).filter(|&i| users[i].role == Role::Engineer).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the files write, read again without resolving.
    fn raw<T: serde::de::DeserializeOwned>(text: &str) -> T {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_catalogue_loads_and_every_name_resolves_to_the_entry_it_names() {
        let c = catalogue();
        let system = |i: &usize| c.systems[*i].name.as_str();

        let roadmap: RoadmapFile = raw(EMBEDDED.roadmap);
        assert_eq!(roadmap.epics.len(), c.epics.len());
        for (raw, e) in roadmap.epics.iter().zip(&c.epics) {
            assert_eq!(c.initiatives[e.initiative].name, raw.initiative, "epic {}", e.name);
            assert_eq!(e.systems.iter().map(system).collect::<Vec<_>>(), raw.systems, "epic {}", e.name);
        }
        let risks: RisksFile = raw(EMBEDDED.risks);
        assert_eq!(risks.risks.len(), c.risks.len());
        for (raw, r) in risks.risks.iter().zip(&c.risks) {
            assert_eq!(r.systems.iter().map(system).collect::<Vec<_>>(), raw.systems, "risk {}", r.statement);
        }
        let incidents: IncidentsFile = raw(EMBEDDED.incidents);
        assert_eq!(incidents.incidents.len(), c.incidents.len());
        for (raw, i) in incidents.incidents.iter().zip(&c.incidents) {
            assert_eq!(i.systems.iter().map(system).collect::<Vec<_>>(), raw.systems, "incident {}", i.title);
        }
        let audits: AuditsFile = raw(EMBEDDED.audits);
        let keys: Vec<&str> = audits.audits.iter().flat_map(|a| &a.findings).map(|f| f.key.as_str()).collect();
        let repeats: Vec<Option<&str>> =
            audits.audits.iter().flat_map(|a| &a.findings).map(|f| f.repeats.as_deref()).collect();
        let resolved: Vec<&AuditFinding> = c.audits.iter().flat_map(|a| &a.findings).collect();
        assert_eq!(resolved.len(), keys.len());
        for (n, (f, want)) in resolved.iter().zip(&repeats).enumerate() {
            assert_eq!(f.repeat_of.map(|i| keys[i]), *want, "audit finding {n}");
            assert!(f.repeat_of.is_none_or(|i| i < n), "audit finding {n} repeats a later one");
        }
        assert!(resolved.iter().any(|f| f.repeat_of.is_some()));

        let r = &c.roles;
        assert_eq!((c.users[r.ciso].role, c.users[r.cto].role), (Role::Ciso, Role::Cto));
        assert_eq!(c.users[r.security_lead].role, Role::SecurityLead);
        assert_eq!(c.users[r.engineering_lead].role, Role::EngineeringLead);
        assert_eq!(c.users[r.delivery].role, Role::Delivery);
        assert!(!r.engineers.is_empty() && r.engineers.iter().all(|&e| c.users[e].role == Role::Engineer));
    }

    fn refused(texts: Texts<'_>) -> String {
        Catalogue::parse(texts).expect_err("the catalogue should be refused")
    }

    #[test]
    fn a_name_that_matches_nothing_is_refused_with_its_file_entry_and_name() {
        let roadmap = EMBEDDED.roadmap.replacen("systems = [\"identity-service\"]", "systems = [\"identity-svc\"]", 1);
        assert_ne!(roadmap, EMBEDDED.roadmap);
        let e = refused(Texts { roadmap: &roadmap, ..EMBEDDED });
        assert!(e.starts_with("roadmap.toml: epic 4 (\"SAML and OIDC single sign-on\"), systems:"), "{e}");
        assert!(e.contains("no system in company.toml is named \"identity-svc\""), "{e}");

        let from = "initiative = \"Enterprise single sign-on and SCIM\"";
        let roadmap = EMBEDDED.roadmap.replacen(from, "initiative = \"Enterprise SSO\"", 1);
        let e = refused(Texts { roadmap: &roadmap, ..EMBEDDED });
        assert!(e.contains("initiative: no initiative in roadmap.toml is named \"Enterprise SSO\""), "{e}");

        let risks = EMBEDDED.risks.replacen("systems = [\"notifications\"]", "systems = [\"notification\"]", 1);
        let e = refused(Texts { risks: &risks, ..EMBEDDED });
        assert!(e.starts_with("risks.toml: risk 2 (\"Webhook signing secrets"), "{e}");
        assert!(e.contains("named \"notification\""), "{e}");

        let audits = EMBEDDED.audits.replacen("repeats = \"y1-cc62\"", "repeats = \"y1-cc99\"", 1);
        let e = refused(Texts { audits: &audits, ..EMBEDDED });
        assert!(e.contains("finding 1 (\"iso-a518\"), repeats: no earlier finding has the key \"y1-cc99\""), "{e}");
    }

    #[test]
    fn unknown_fields_and_values_are_refused_with_the_file() {
        let company = EMBEDDED.company.replacen("owner_team = ", "team = ", 1);
        let e = refused(Texts { company: &company, ..EMBEDDED });
        assert!(e.starts_with("company.toml:") && e.contains("unknown field `team`"), "{e}");

        let findings = EMBEDDED.findings.replacen("severity = \"high\"", "severity = \"severe\"", 1);
        let e = refused(Texts { findings: &findings, ..EMBEDDED });
        assert!(e.starts_with("findings.toml:") && e.contains("severe"), "{e}");
    }
}
