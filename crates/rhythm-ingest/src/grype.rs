//! Grype JSON (`grype <target> -o json`), from the old 0.7 schema (`cvssV2`/`cvssV3`, no
//! `fix`) to the current one (`cvss[]`, `fix.state`, `epss`, `ignoredMatches`).
//!
//! What becomes a finding: every `matches[]` entry, and every `ignoredMatches[]` entry as a
//! suppressed finding. Two matches with the same fingerprint (Grype sometimes reports the very
//! same package/location/vulnerability twice, once per matcher pass) are one finding: the
//! first is kept.
//!
//! - rule = `vulnerability.id`; aliases = `relatedVulnerabilities[].id` (other than the rule).
//! - severity: `Critical`/`High`/`Medium`/`Low` one to one; `Negligible` (Debian's
//!   "unimportant": no security impact expected) → `info`; `Unknown`, missing or `null` →
//!   from the CVSS score when there is one, else `info`.
//! - fixed_version = `fix.versions[0]` when `fix.state` is `fixed` (or the state is blank and
//!   versions are listed); `not-fixed`, `wont-fix`, `unknown` have none; the old schema's
//!   `fixedInVersion` when there is no `fix`.
//! - location = `artifact.locations[0].path`, else the scanned source (`source.target`).
//! - CVSS: the first v3.x entry of `vulnerability.cvss` (the NVD one first), else of the
//!   related vulnerabilities, else v4/v2 in the same order; old schema `cvssV3` then `cvssV2`.
//! - title: the first line of the description (the vulnerability's, else a related one's),
//!   else `<id> in <package> <version>`.
//! - suppression (ignored matches): kind = the ignore rule's `vex-status` when it is a VEX
//!   rule, else `ignored`; justification = `vex-justification`, else the rule's `reason`.
//! - fingerprint: `grype`, `artifact.type`, `artifact.name`, the purl without version and
//!   qualifiers, `locations[0].path` with the installed version replaced by `*` (jar file
//!   names embed it), `vulnerability.id`. The version itself is left out.

use std::collections::HashSet;

use rhythm_domain::Severity;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{FIELD_MAX, ParseError, Scan, ScannedFinding, Suppression, fingerprint, prefix};

use crate::json_input;
use json_input::{first_line, non_empty, null_default, push_alias, severity_from_score};

const TOOL: &str = "grype";

/// Parses a Grype JSON report.
pub fn parse(bytes: &[u8]) -> Result<Scan, ParseError> {
    let value = json_input::read(bytes, "Grype")?;
    if !value.as_object().is_some_and(|o| o.contains_key("matches")) {
        return Err(json_input::not_a("not a Grype JSON report (expected an object with matches[])", &value));
    }
    let report: Report = json_input::typed(value, "")?;
    let source = report.source.as_ref().and_then(|s| match &s.target {
        Some(Value::String(t)) => non_empty(Some(t.trim_matches('"'))),
        Some(Value::Object(o)) => non_empty(o.get("userInput").and_then(Value::as_str)),
        _ => None,
    });
    // Every match without a location carries the source: cut it once, not per match.
    let source = source.map(|s| prefix(&s, FIELD_MAX + 8).to_owned());
    let mut findings: Vec<ScannedFinding> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let all = report.matches.iter().map(|m| (m, None)).chain(report.ignored_matches.iter().map(|m| {
        let rule = m.applied_ignore_rules.first();
        let vex = rule.and_then(|r| non_empty(r.vex_status.as_deref()));
        let justification =
            rule.and_then(|r| non_empty(r.vex_justification.as_deref()).or_else(|| non_empty(r.reason.as_deref())));
        (&m.matched, Some(Suppression { kind: vex.unwrap_or_else(|| "ignored".into()), justification }))
    }));
    for (m, suppression) in all {
        let f = finding(m, suppression, source.as_deref());
        if seen.insert(f.fingerprint.clone()) {
            findings.push(f.bounded());
        }
    }
    Ok(Scan { format: "grype", findings })
}

fn finding(m: &Match, suppression: Option<Suppression>, source: Option<&str>) -> ScannedFinding {
    let v = &m.vulnerability;
    let a = &m.artifact;
    let rule = v.id.trim().to_owned();
    let mut aliases = Vec::new();
    for r in &m.related_vulnerabilities {
        push_alias(&mut aliases, &rule, &r.id);
    }
    let (cvss_score, cvss_vector) = pick_cvss(m);
    let severity = match v.severity {
        Some(GrypeSeverity::Critical) => Severity::Critical,
        Some(GrypeSeverity::High) => Severity::High,
        Some(GrypeSeverity::Medium) => Severity::Medium,
        Some(GrypeSeverity::Low) => Severity::Low,
        Some(GrypeSeverity::Negligible) => Severity::Info,
        Some(GrypeSeverity::Unknown) | None => cvss_score.map_or(Severity::Info, severity_from_score),
    };
    let fixed_version = v
        .fix
        .as_ref()
        .and_then(|fix| {
            let state = fix.state.as_deref().unwrap_or("").trim();
            (state.eq_ignore_ascii_case("fixed") || state.is_empty())
                .then(|| fix.versions.first().and_then(|s| non_empty(Some(s))))
                .flatten()
        })
        .or_else(|| non_empty(v.fixed_in_version.as_deref()));
    let path = a.locations.first().and_then(|l| non_empty(l.path.as_deref()));
    let version = non_empty(a.version.as_deref());
    let stable_path = match (&path, &version) {
        (Some(p), Some(ver)) => p.replace(ver.as_str(), "*"),
        (Some(p), None) => p.clone(),
        _ => String::new(),
    };
    let purl = a.purl.as_deref().unwrap_or("");
    let purl = purl.split(['@', '?', '#']).next().unwrap_or("");
    let kind = a.kind.as_deref().unwrap_or("");
    let title = v
        .description
        .as_deref()
        .and_then(first_line)
        .or_else(|| m.related_vulnerabilities.iter().find_map(|r| r.description.as_deref().and_then(first_line)))
        .unwrap_or_else(|| format!("{rule} in {} {}", a.name, version.as_deref().unwrap_or("")).trim().to_owned());
    ScannedFinding {
        tool: TOOL.into(),
        fingerprint: fingerprint(&[TOOL, kind, &a.name, purl, &stable_path, &rule]),
        rule,
        aliases,
        title,
        severity,
        component: non_empty(Some(&a.name)),
        version,
        fixed_version,
        location: path.or_else(|| source.map(str::to_owned)),
        cvss_score,
        cvss_vector,
        suppression,
        baseline_state: None,
    }
}

fn pick_cvss(m: &Match) -> (Option<f64>, Option<String>) {
    let v = &m.vulnerability;
    let mut entries: Vec<&CvssEntry> = Vec::new();
    entries.extend(v.cvss.iter().filter(|c| c.source.as_deref() == Some("nvd")));
    entries.extend(v.cvss.iter());
    for r in &m.related_vulnerabilities {
        entries.extend(r.cvss.iter());
    }
    for major in ["3", "4", "2"] {
        if let Some(c) = entries.iter().find(|c| c.version.as_deref().unwrap_or("").starts_with(major)) {
            return (c.metrics.as_ref().and_then(|x| x.base_score), non_empty(c.vector.as_deref()));
        }
    }
    [&v.cvss_v3, &v.cvss_v2]
        .into_iter()
        .flatten()
        .next()
        .map_or((None, None), |old| (old.base_score, non_empty(old.vector.as_deref())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    #[serde(deserialize_with = "null_default")]
    matches: Vec<Match>,
    #[serde(default, deserialize_with = "null_default")]
    ignored_matches: Vec<IgnoredMatch>,
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    target: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Match {
    vulnerability: Vulnerability,
    #[serde(default, deserialize_with = "null_default")]
    related_vulnerabilities: Vec<Related>,
    artifact: Artifact,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IgnoredMatch {
    #[serde(flatten)]
    matched: Match,
    #[serde(default, deserialize_with = "null_default")]
    applied_ignore_rules: Vec<IgnoreRule>,
}

#[derive(Deserialize)]
struct IgnoreRule {
    reason: Option<String>,
    #[serde(rename = "vex-status")]
    vex_status: Option<String>,
    #[serde(rename = "vex-justification")]
    vex_justification: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vulnerability {
    id: String,
    severity: Option<GrypeSeverity>,
    description: Option<String>,
    fix: Option<Fix>,
    /// Old schema (0.7): the fixed version without a `fix` object.
    fixed_in_version: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    cvss: Vec<CvssEntry>,
    #[serde(rename = "cvssV2")]
    cvss_v2: Option<OldCvss>,
    #[serde(rename = "cvssV3")]
    cvss_v3: Option<OldCvss>,
}

#[derive(Deserialize)]
struct Related {
    id: String,
    description: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    cvss: Vec<CvssEntry>,
}

#[derive(Deserialize)]
struct Fix {
    #[serde(default, deserialize_with = "null_default")]
    versions: Vec<String>,
    state: Option<String>,
}

#[derive(Deserialize)]
struct CvssEntry {
    source: Option<String>,
    version: Option<String>,
    vector: Option<String>,
    metrics: Option<Metrics>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    base_score: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OldCvss {
    base_score: Option<f64>,
    vector: Option<String>,
}

#[derive(Deserialize)]
struct Artifact {
    name: String,
    version: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    locations: Vec<Location>,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct Location {
    path: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
enum GrypeSeverity {
    #[serde(alias = "critical", alias = "CRITICAL")]
    Critical,
    #[serde(alias = "high", alias = "HIGH")]
    High,
    #[serde(alias = "medium", alias = "MEDIUM")]
    Medium,
    #[serde(alias = "low", alias = "LOW")]
    Low,
    #[serde(alias = "negligible", alias = "NEGLIGIBLE")]
    Negligible,
    #[serde(alias = "unknown", alias = "UNKNOWN", alias = "")]
    Unknown,
}
