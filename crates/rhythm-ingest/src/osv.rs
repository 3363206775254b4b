//! osv-scanner JSON (`osv-scanner --format json`): `results[].packages[].vulnerabilities[]`
//! with `groups[]`.
//!
//! What becomes a finding: one per (source, package, group). A group is osv-scanner's set of
//! ids that are the same vulnerability (`GHSA-…`, `GO-…`, `CVE-…`); its advisories collapse
//! into one finding. A vulnerability that no group lists is a group of its own. `results: []`
//! is 0 findings. An EMPTY file is an error, not 0 findings: osv-scanner writes nothing when it
//! finds nothing, but so does a crashed or truncated upload, and 0 findings would close every
//! open finding of the system on re-import; the caller can treat "empty" explicitly.
//! A single OSV record (`{id, affected, …}`) is not scanner output and is refused at `$`.
//!
//! - rule = the first `CVE-` id among the group's ids and aliases (and the grouped
//!   advisories' aliases), else the group's first id; aliases = all the other ids.
//! - severity: the group's `max_severity` (a CVSS score as a string) when set; else the
//!   highest GitHub `database_specific.severity` (`CRITICAL`/`HIGH`/`MODERATE`/`LOW`) of the
//!   grouped advisories; else the Debian `ecosystem_specific.urgency` of the package's
//!   `affected` entry (`unimportant` → info); else a `MAL-` (malicious package) id → critical;
//!   else `info`.
//! - CVSS: score = `max_severity`; vector = the first `CVSS_V3` (then V4, V2) `severity[]`
//!   entry of the grouped advisories.
//! - component = package name, version = package version (the commit for a git source);
//!   fixed_version = a `fixed` event of the advisories' ranges for this package: the only one,
//!   or (several release lines) the one on the installed version's release line (major, or
//!   `0.minor`), else the
//!   first — a heuristic, no per-ecosystem version ordering.
//! - location = `source.path`. No suppression: osv-scanner leaves ignored vulnerabilities out.
//! - fingerprint: `osv`, source path, ecosystem, package name, rule (no version).
//! - an advisory listed by several groups of one package is read for the first of them only
//!   (osv-scanner never does this; it keeps a hostile file's work linear).

use std::collections::{HashMap, HashSet};

use rhythm_domain::Severity;
use serde::Deserialize;
use serde_json::Value;

use crate::json_input;
use crate::model::{FIELD_MAX, ParseError, Scan, ScannedFinding, cap, fingerprint, key_part};
use json_input::{first_line, non_empty, null_default, push_alias, severity_from_score};

const TOOL: &str = "osv-scanner";

/// Parses an osv-scanner JSON report.
pub fn parse(bytes: &[u8]) -> Result<Scan, ParseError> {
    let value = json_input::read(bytes, "osv-scanner")?;
    if !value.as_object().is_some_and(|o| o.contains_key("results")) {
        return Err(json_input::not_a("not an osv-scanner JSON report (expected an object with results[])", &value));
    }
    let report: Report = json_input::typed(value, "")?;
    let mut findings = Vec::new();
    for r in &report.results {
        let path = r.source.as_ref().and_then(|s| non_empty(s.path.as_deref()));
        // Shared by every finding of the source: cut and reduced once.
        let path_key = key_part(path.as_deref().unwrap_or("")).into_owned();
        let path = path.map(|p| cap(p, FIELD_MAX));
        for p in &r.packages {
            let mut by_id: HashMap<&str, &Vuln> = HashMap::with_capacity(p.vulnerabilities.len());
            for v in &p.vulnerabilities {
                by_id.entry(v.id.as_str()).or_insert(v);
            }
            let grouped: HashSet<&str> = p.groups.iter().flat_map(|g| g.ids.iter().map(String::as_str)).collect();
            let mut groups: Vec<Vec<&str>> =
                p.groups.iter().map(|g| g.ids.iter().map(String::as_str).collect()).collect();
            let mut alone: HashSet<&str> = HashSet::new();
            for v in &p.vulnerabilities {
                if !grouped.contains(v.id.as_str()) && alone.insert(v.id.as_str()) {
                    groups.push(vec![v.id.as_str()]);
                }
            }
            let pkg = PkgCtx::of(&p.package);
            // Each advisory is read for the first group that lists it only: a file naming one
            // huge advisory in a million groups stays linear.
            let mut used: HashSet<&str> = HashSet::new();
            for (i, ids) in groups.iter().enumerate() {
                let group = p.groups.get(i);
                let vulns: Vec<&Vuln> =
                    ids.iter().filter(|id| used.insert(id)).filter_map(|id| by_id.get(id).copied()).collect();
                findings.push(finding(path.as_deref(), &path_key, &pkg, group, ids, &vulns).bounded());
            }
        }
    }
    Ok(Scan { format: "osv", findings })
}

/// What every finding of one package repeats, worked out once.
struct PkgCtx<'a> {
    /// Trimmed name: as given (to match `affected[].package.name`), as kept (capped) and as a
    /// fingerprint part.
    raw_name: &'a str,
    name: String,
    name_key: String,
    ecosystem_key: String,
    version: Option<String>,
}

impl<'a> PkgCtx<'a> {
    fn of(pkg: &'a Package) -> Self {
        let name = pkg.name.as_deref().unwrap_or("").trim();
        PkgCtx {
            raw_name: name,
            name: cap(name.to_owned(), FIELD_MAX),
            name_key: key_part(name).into_owned(),
            ecosystem_key: key_part(pkg.ecosystem.as_deref().unwrap_or("")).into_owned(),
            version: non_empty(pkg.version.as_deref())
                .or_else(|| non_empty(pkg.commit.as_deref()))
                .map(|v| cap(v, FIELD_MAX)),
        }
    }
}

fn finding(
    path: Option<&str>,
    path_key: &str,
    pkg: &PkgCtx<'_>,
    group: Option<&Group>,
    ids: &[&str],
    vulns: &[&Vuln],
) -> ScannedFinding {
    let mut all: Vec<&str> = ids.to_vec();
    if let Some(g) = group {
        all.extend(g.aliases.iter().map(String::as_str));
    }
    for v in vulns {
        all.extend(v.aliases.iter().map(String::as_str));
    }
    let rule =
        all.iter().find(|id| id.starts_with("CVE-")).or(ids.first()).map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut aliases = Vec::new();
    for id in &all {
        push_alias(&mut aliases, &rule, id);
    }
    let name = pkg.raw_name;
    let affected: Vec<&Affected> = vulns
        .iter()
        .flat_map(|v| v.affected.iter())
        .filter(|a| a.package.as_ref().and_then(|x| x.name.as_deref()).is_none_or(|n| n == name))
        .collect();

    let max_score = group.and_then(|g| g.max_severity.as_deref()).and_then(|s| s.trim().parse::<f64>().ok());
    let ghsa = vulns
        .iter()
        .filter_map(|v| v.database_specific.as_ref()?.get("severity")?.as_str())
        .filter_map(|s| match s.to_ascii_uppercase().as_str() {
            "CRITICAL" => Some(Severity::Critical),
            "HIGH" => Some(Severity::High),
            "MODERATE" | "MEDIUM" => Some(Severity::Medium),
            "LOW" => Some(Severity::Low),
            _ => None,
        })
        .min();
    let urgency = affected
        .iter()
        .filter_map(|a| a.ecosystem_specific.as_ref()?.get("urgency")?.as_str())
        .filter_map(|u| match u.trim_end_matches('*').to_ascii_lowercase().as_str() {
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "unimportant" => Some(Severity::Info),
            _ => None,
        })
        .min();
    let severity = max_score
        .map(severity_from_score)
        .or(ghsa)
        .or(urgency)
        .or_else(|| all.iter().any(|id| id.starts_with("MAL-")).then_some(Severity::Critical))
        .unwrap_or(Severity::Info);
    let cvss_vector = ["CVSS_V3", "CVSS_V4", "CVSS_V2"].iter().find_map(|t| {
        vulns.iter().flat_map(|v| v.severity.iter()).find(|s| s.kind == *t).and_then(|s| non_empty(Some(&s.score)))
    });

    let version = pkg.version.clone();
    let fixed: Vec<&str> = affected
        .iter()
        .flat_map(|a| a.ranges.iter())
        .flat_map(|r| r.events.iter())
        .filter_map(|e| e.fixed.as_deref())
        .collect();
    // The release line: the major number, or `0.minor` for 0.x versions.
    let major = |v: &str| {
        let mut parts = v.trim_start_matches('v').split(['.', '-', ':', '+']);
        let first = parts.next().unwrap_or("");
        if first == "0" { format!("0.{}", parts.next().unwrap_or("")) } else { first.to_owned() }
    };
    let fixed_version = match fixed.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        many => {
            let want = version.as_deref().map(major);
            many.iter().find(|f| Some(major(f)) == want).or(many.first()).map(|s| (*s).to_owned())
        }
    };
    let title = vulns
        .iter()
        .find_map(|v| non_empty(v.summary.as_deref()))
        .or_else(|| vulns.iter().find_map(|v| v.details.as_deref().and_then(first_line)))
        .unwrap_or_else(|| rule.clone());
    ScannedFinding {
        tool: TOOL.into(),
        fingerprint: fingerprint(&["osv", path_key, &pkg.ecosystem_key, &pkg.name_key, &rule]),
        rule,
        aliases,
        title,
        severity,
        component: non_empty(Some(&pkg.name)),
        version,
        fixed_version,
        location: path.map(str::to_owned),
        cvss_score: max_score,
        cvss_vector,
        suppression: None,
        baseline_state: None,
    }
}

#[derive(Deserialize)]
struct Report {
    #[serde(deserialize_with = "null_default")]
    results: Vec<SourceResult>,
}

#[derive(Deserialize)]
struct SourceResult {
    source: Option<Source>,
    #[serde(default, deserialize_with = "null_default")]
    packages: Vec<PackageVulns>,
}

#[derive(Deserialize)]
struct Source {
    path: Option<String>,
}

#[derive(Deserialize)]
struct PackageVulns {
    package: Package,
    #[serde(default, deserialize_with = "null_default")]
    vulnerabilities: Vec<Vuln>,
    #[serde(default, deserialize_with = "null_default")]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Package {
    name: Option<String>,
    version: Option<String>,
    ecosystem: Option<String>,
    commit: Option<String>,
}

#[derive(Deserialize)]
struct Group {
    ids: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    aliases: Vec<String>,
    max_severity: Option<String>,
}

#[derive(Deserialize)]
struct Vuln {
    id: String,
    #[serde(default, deserialize_with = "null_default")]
    aliases: Vec<String>,
    summary: Option<String>,
    details: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_default")]
    affected: Vec<Affected>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct Affected {
    package: Option<AffectedPackage>,
    #[serde(default, deserialize_with = "null_default")]
    ranges: Vec<Range>,
    ecosystem_specific: Option<Value>,
}

#[derive(Deserialize)]
struct AffectedPackage {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Range {
    #[serde(default, deserialize_with = "null_default")]
    events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    fixed: Option<String>,
}
