//! Trivy JSON (`trivy image|fs|repo|sbom --format json`, `trivy k8s --format json`).
//!
//! Layouts read:
//! - SchemaVersion 2 report: `{SchemaVersion, Results[]}`;
//! - k8s report: `{ClusterName, Resources[]}` and the older `{ClusterName, Vulnerabilities[],
//!   Misconfigurations[]}`, each resource `{Namespace, Kind, Name, Results[]}`;
//! - legacy (before SchemaVersion 2): a top-level array of results, or literally `null`
//!   (no results — 0 findings).
//!
//! What becomes a finding:
//! - every `Vulnerabilities[]` entry;
//! - every `Misconfigurations[]` entry with `Status` `FAIL`; `EXCEPTION` (a Trivy policy
//!   exception) is a finding suppressed as `ignored`; `PASS` is not a finding;
//! - every `Secrets[]` entry;
//! - every `ExperimentalModifiedFindings[]` entry (`--show-suppressed`: hidden by
//!   `.trivyignore`, a VEX document or a policy) of type vulnerability, misconfiguration or
//!   secret, as a suppressed finding: kind = its `Status` (`ignored`, `not_affected`),
//!   justification = its `Statement`, else its `Source`;
//! - NOT `Licenses[]` (license compliance is not a security finding in Rhythm) and not
//!   `CustomResources[]`.
//!
//! Severity: `CRITICAL`/`HIGH`/`MEDIUM`/`LOW` map one to one. `UNKNOWN` (not yet scored) maps
//! from the CVSS score when the entry carries one, else to `info`.
//!
//! Vulnerability fields: rule = `VulnerabilityID`; aliases = `VendorIDs` and `GHSA-`/`CVE-`
//! ids at the end of `References` URLs; title = `Title`, else the first line of
//! `Description`; component/version = `PkgName`/`InstalledVersion`; fixed_version =
//! `FixedVersion` as written (it may list several release lines: `1.5.13, 1.3.15`);
//! location = `Target` (`:PkgPath` when set), prefixed with the k8s resource.
//!
//! Suppression: vulnerability `Status` `not_affected` is suppressed (kind `not_affected`).
//! `will_not_fix`, `fix_deferred`, `end_of_life`, `affected`, `under_investigation` and
//! `unknown` are NOT suppressed: the package is (or may be) still vulnerable and there is no
//! fix to take, which is exactly what a risk decision (exception) has to cover.
//!
//! CVSS: the NVD v3 score and vector, else the `SeveritySource`'s v3, else any source's v3,
//! then v4.0, then v2 in the same source order.
//!
//! Fingerprints (stable across re-scans; the installed version is deliberately left out so an
//! unfixed vulnerability keeps its identity when the package is bumped without fixing it):
//! - vulnerability: `trivy`, `vulnerability`, k8s resource (`namespace/Kind/name` or empty),
//!   target key, `PkgName`, `PkgPath`, `VulnerabilityID`. The target key of an OS-package
//!   result (`Class` `os-pkgs`) is `os:<Type>` (`os:debian`), because its `Target` embeds the
//!   image tag and the OS point release, which change on every rebuild; other targets (lock
//!   files, jars) are the `Target` path itself. `PkgPath` has the installed version replaced by
//!   `*` (jar file names embed it). Legacy (pre-SchemaVersion 2) results have no `Class`, so
//!   their `Target` (which names the OS release) is used as is.
//! - misconfiguration: `trivy`, `misconfiguration`, resource, target, `ID`, `Message` (the
//!   message names the container/resource the check failed on; line numbers are left out).
//! - secret: `trivy`, `secret`, resource, target, `RuleID`, `Match` (the redacted line).

use std::borrow::Cow;
use std::collections::BTreeMap;

use rhythm_domain::Severity;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{FIELD_MAX, ParseError, Scan, ScannedFinding, Suppression, cap, fingerprint, key_part, prefix};

use crate::json_input;
use json_input::{first_line, non_empty, null_default, push_alias, severity_from_score};

const TOOL: &str = "trivy";

/// Parses a Trivy JSON report.
pub fn parse(bytes: &[u8]) -> Result<Scan, ParseError> {
    let value = json_input::read(bytes, "Trivy")?;
    let mut findings = Vec::new();
    match &value {
        Value::Null => {}
        Value::Array(_) => {
            let results: Vec<TrivyResult> = json_input::typed(value, "")?;
            for (i, r) in results.iter().enumerate() {
                add_result(&mut findings, None, r, &format!("[{i}]"))?;
            }
        }
        Value::Object(o) if o.contains_key("SchemaVersion") || o.contains_key("Results") => {
            let report: Report = json_input::typed(value, "")?;
            for (i, r) in report.results.iter().enumerate() {
                add_result(&mut findings, None, r, &format!("Results[{i}]"))?;
            }
        }
        Value::Object(o) if o.contains_key("ClusterName") || o.contains_key("Resources") => {
            let report: K8sReport = json_input::typed(value, "")?;
            let lists = [
                ("Resources", &report.resources),
                ("Vulnerabilities", &report.vulnerabilities),
                ("Misconfigurations", &report.misconfigurations),
            ];
            for (list, resources) in lists {
                for (j, res) in resources.iter().enumerate() {
                    let id = format!("{}/{}/{}", res.namespace.as_deref().unwrap_or(""), res.kind, res.name);
                    let key = key_part(&id);
                    let shown = prefix(&id, FIELD_MAX + 8);
                    for (i, r) in res.results.iter().enumerate() {
                        add_result(&mut findings, Some((shown, &key)), r, &format!("{list}[{j}].Results[{i}]"))?;
                    }
                }
            }
        }
        other => {
            return Err(json_input::not_a(
                "not a Trivy JSON report (expected an object with SchemaVersion/Results or ClusterName/Resources, or a legacy array)",
                other,
            ));
        }
    }
    Ok(Scan { format: "trivy", findings })
}

/// Where the findings of one result are: the k8s resource and the target, each cut once for
/// display and reduced once to a bounded fingerprint part ([`key_part`]), because every finding
/// of the result repeats them.
struct Place<'r> {
    /// `namespace/Kind/name` (display, capped) and its fingerprint part; empty outside k8s.
    resource: Option<&'r str>,
    res_key: &'r str,
    target: &'r str,
    target_fp: Cow<'r, str>,
    target_key: Cow<'r, str>,
}

impl Place<'_> {
    fn location(&self, extra: Option<String>) -> Option<String> {
        let mut loc = self.target.to_owned();
        if let Some(e) = extra {
            loc = if loc.is_empty() { e } else { format!("{loc}:{e}") };
        }
        if let Some(res) = self.resource {
            loc = format!("{res} {loc}");
        }
        non_empty(Some(&loc))
    }
}

/// The findings of one result; `at` is its JSON path, for errors in modified findings.
/// `resource` is the k8s resource id (display form, capped) and its fingerprint part.
fn add_result(
    out: &mut Vec<ScannedFinding>,
    resource: Option<(&str, &str)>,
    r: &TrivyResult,
    at: &str,
) -> Result<(), ParseError> {
    let target_key = match (r.class.as_deref(), r.kind.as_deref()) {
        (Some("os-pkgs"), Some(t)) if !t.is_empty() => Cow::Owned(format!("os:{}", key_part(t))),
        _ => key_part(&r.target),
    };
    let place = Place {
        resource: resource.map(|(d, _)| d),
        res_key: resource.map_or("", |(_, k)| k),
        target: prefix(&r.target, FIELD_MAX + 8),
        target_fp: key_part(&r.target),
        target_key,
    };
    add_findings(out, &place, &r.vulnerabilities, &r.misconfigurations, &r.secrets);
    for (k, m) in r.modified_findings.iter().enumerate() {
        let at = format!("{at}.ExperimentalModifiedFindings[{k}].Finding");
        let from = out.len();
        match m.kind.as_str() {
            "vulnerability" => add_findings(out, &place, &[json_input::typed(m.finding.clone(), &at)?], &[], &[]),
            "misconfiguration" => {
                let mut mc: Misconfiguration = json_input::typed(m.finding.clone(), &at)?;
                mc.status = None;
                add_findings(out, &place, &[], &[mc], &[]);
            }
            "secret" => add_findings(out, &place, &[], &[], &[json_input::typed(m.finding.clone(), &at)?]),
            _ => continue, // licenses are not findings
        }
        for f in &mut out[from..] {
            // The finding is already bounded; only the suppression is new.
            f.suppression = Some(Suppression {
                kind: cap(non_empty(Some(&m.status)).unwrap_or_else(|| "ignored".into()), FIELD_MAX),
                justification: non_empty(m.statement.as_deref())
                    .or_else(|| non_empty(m.source.as_deref()).map(|s| format!("ignored by {s}")))
                    .map(|j| cap(j, FIELD_MAX)),
            });
        }
    }
    Ok(())
}

fn add_findings(
    out: &mut Vec<ScannedFinding>,
    place: &Place<'_>,
    vulnerabilities: &[Vulnerability],
    misconfigurations: &[Misconfiguration],
    secrets: &[Secret],
) {
    let res = place.res_key;
    for v in vulnerabilities {
        let (cvss_score, cvss_vector) = pick_cvss(&v.cvss, v.severity_source.as_deref());
        let severity = match v.severity {
            TrivySeverity::Unknown => cvss_score.map_or(Severity::Info, severity_from_score),
            s => s.known(),
        };
        let rule = v.id.trim().to_owned();
        let mut aliases = Vec::new();
        for id in &v.vendor_ids {
            push_alias(&mut aliases, &rule, id);
        }
        for url in &v.references {
            if let Some(id) = advisory_id_at_end(url) {
                push_alias(&mut aliases, &rule, id);
            }
        }
        let title = non_empty(v.title.as_deref())
            .or_else(|| v.description.as_deref().and_then(first_line))
            .unwrap_or_else(|| rule.clone());
        let suppression = (v.status.as_deref() == Some("not_affected"))
            .then(|| Suppression { kind: "not_affected".into(), justification: None });
        // Jar paths embed the version (`spring-beans-5.3.15.jar`): keep it out of the identity.
        let pkg_path = match (v.pkg_path.as_deref(), non_empty(v.installed_version.as_deref())) {
            (Some(p), Some(ver)) => p.replace(&ver, "*"),
            (p, _) => p.unwrap_or("").to_owned(),
        };
        out.push(
            ScannedFinding {
                tool: TOOL.into(),
                fingerprint: fingerprint(&[
                    TOOL,
                    "vulnerability",
                    res,
                    &place.target_key,
                    &v.pkg_name,
                    &pkg_path,
                    &rule,
                ]),
                rule,
                aliases,
                title,
                severity,
                component: non_empty(Some(&v.pkg_name)),
                version: non_empty(v.installed_version.as_deref()),
                fixed_version: non_empty(v.fixed_version.as_deref()),
                location: place.location(non_empty(v.pkg_path.as_deref())),
                cvss_score,
                cvss_vector,
                suppression,
                baseline_state: None,
            }
            .bounded(),
        );
    }
    for m in misconfigurations {
        let suppression = match m.status.as_deref() {
            Some("PASS") => continue,
            Some("EXCEPTION") => {
                Some(Suppression { kind: "ignored".into(), justification: Some("Trivy policy exception".into()) })
            }
            _ => None,
        };
        let rule = non_empty(m.id.as_deref()).or_else(|| non_empty(m.avdid.as_deref())).unwrap_or_default();
        let message = m.message.as_deref().unwrap_or("");
        let line = m.cause_metadata.as_ref().and_then(|c| c.start_line).filter(|l| *l > 0);
        out.push(
            ScannedFinding {
                tool: TOOL.into(),
                fingerprint: fingerprint(&[TOOL, "misconfiguration", res, &place.target_fp, &rule, message]),
                title: non_empty(m.title.as_deref())
                    .or_else(|| m.message.as_deref().and_then(first_line))
                    .unwrap_or_else(|| rule.clone()),
                rule,
                aliases: Vec::new(),
                severity: m.severity.known_or_info(),
                component: None,
                version: None,
                fixed_version: None,
                location: place.location(line.map(|l| l.to_string())),
                cvss_score: None,
                cvss_vector: None,
                suppression,
                baseline_state: None,
            }
            .bounded(),
        );
    }
    for s in secrets {
        let rule = s.rule_id.trim().to_owned();
        let matched = s.matched.as_deref().unwrap_or("");
        out.push(
            ScannedFinding {
                tool: TOOL.into(),
                fingerprint: fingerprint(&[TOOL, "secret", res, &place.target_fp, &rule, matched]),
                title: non_empty(s.title.as_deref()).unwrap_or_else(|| rule.clone()),
                rule,
                aliases: Vec::new(),
                severity: s.severity.known_or_info(),
                component: None,
                version: None,
                fixed_version: None,
                location: place.location(s.start_line.filter(|l| *l > 0).map(|l| l.to_string())),
                cvss_score: None,
                cvss_vector: None,
                suppression: None,
                baseline_state: None,
            }
            .bounded(),
        );
    }
}

/// `CVE-2021-44228` / `GHSA-xxxx-xxxx-xxxx` when a reference URL ends with one
/// (`…/advisories/GHSA-…`, `…/CVE-2011-3374.html`).
fn advisory_id_at_end(url: &str) -> Option<&str> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    let id = &last[..last.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(last.len())];
    let parts: Vec<&str> = id.split('-').collect();
    let ok = match parts.as_slice() {
        ["CVE", year, num] => {
            year.len() == 4 && num.len() >= 4 && [year, num].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        }
        ["GHSA", a, b, c] => [a, b, c].iter().all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphanumeric())),
        _ => false,
    };
    ok.then_some(id)
}

/// NVD v3, then the severity source's v3, then any v3; then v4.0 and v2 in the same order.
fn pick_cvss(map: &BTreeMap<String, Cvss>, source: Option<&str>) -> (Option<f64>, Option<String>) {
    let mut order: Vec<&Cvss> = Vec::new();
    for key in ["nvd", source.unwrap_or("nvd")] {
        if let Some(c) = map.get(key) {
            order.push(c);
        }
    }
    order.extend(map.values());
    for version in 0..3 {
        for c in &order {
            let (score, vector) = match version {
                0 => (c.v3_score, c.v3_vector.as_ref()),
                1 => (c.v40_score, c.v40_vector.as_ref()),
                _ => (c.v2_score, c.v2_vector.as_ref()),
            };
            if score.is_some() || vector.is_some() {
                return (score, vector.cloned());
            }
        }
    }
    (None, None)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Report {
    #[serde(default, deserialize_with = "null_default")]
    results: Vec<TrivyResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct K8sReport {
    #[serde(default, deserialize_with = "null_default")]
    resources: Vec<Resource>,
    #[serde(default, deserialize_with = "null_default")]
    vulnerabilities: Vec<Resource>,
    #[serde(default, deserialize_with = "null_default")]
    misconfigurations: Vec<Resource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Resource {
    namespace: Option<String>,
    kind: String,
    name: String,
    #[serde(default, deserialize_with = "null_default")]
    results: Vec<TrivyResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyResult {
    target: String,
    class: Option<String>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    vulnerabilities: Vec<Vulnerability>,
    #[serde(default, deserialize_with = "null_default")]
    misconfigurations: Vec<Misconfiguration>,
    #[serde(default, deserialize_with = "null_default")]
    secrets: Vec<Secret>,
    /// `--show-suppressed`: findings hidden by `.trivyignore`, VEX or policy.
    #[serde(rename = "ExperimentalModifiedFindings", default, deserialize_with = "null_default")]
    modified_findings: Vec<ModifiedFinding>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifiedFinding {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(default)]
    status: String,
    statement: Option<String>,
    source: Option<String>,
    finding: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Vulnerability {
    #[serde(rename = "VulnerabilityID")]
    id: String,
    #[serde(rename = "VendorIDs", default, deserialize_with = "null_default")]
    vendor_ids: Vec<String>,
    pkg_name: String,
    pkg_path: Option<String>,
    installed_version: Option<String>,
    fixed_version: Option<String>,
    status: Option<String>,
    severity: TrivySeverity,
    severity_source: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    references: Vec<String>,
    #[serde(rename = "CVSS", default, deserialize_with = "null_default")]
    cvss: BTreeMap<String, Cvss>,
}

#[derive(Deserialize)]
struct Cvss {
    #[serde(rename = "V2Vector")]
    v2_vector: Option<String>,
    #[serde(rename = "V3Vector")]
    v3_vector: Option<String>,
    #[serde(rename = "V40Vector")]
    v40_vector: Option<String>,
    #[serde(rename = "V2Score")]
    v2_score: Option<f64>,
    #[serde(rename = "V3Score")]
    v3_score: Option<f64>,
    #[serde(rename = "V40Score")]
    v40_score: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Misconfiguration {
    #[serde(rename = "ID")]
    id: Option<String>,
    #[serde(rename = "AVDID")]
    avdid: Option<String>,
    title: Option<String>,
    message: Option<String>,
    severity: TrivySeverity,
    status: Option<String>,
    cause_metadata: Option<CauseMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CauseMetadata {
    start_line: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Secret {
    #[serde(rename = "RuleID")]
    rule_id: String,
    severity: TrivySeverity,
    title: Option<String>,
    start_line: Option<u64>,
    #[serde(rename = "Match")]
    matched: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "UPPERCASE")]
enum TrivySeverity {
    #[serde(alias = "critical", alias = "Critical")]
    Critical,
    #[serde(alias = "high", alias = "High")]
    High,
    #[serde(alias = "medium", alias = "Medium")]
    Medium,
    #[serde(alias = "low", alias = "Low")]
    Low,
    #[serde(alias = "unknown", alias = "Unknown")]
    Unknown,
}

impl TrivySeverity {
    fn known_or_info(self) -> Severity {
        match self {
            TrivySeverity::Unknown => Severity::Info,
            s => s.known(),
        }
    }

    fn known(self) -> Severity {
        match self {
            TrivySeverity::Critical => Severity::Critical,
            TrivySeverity::High => Severity::High,
            TrivySeverity::Medium => Severity::Medium,
            TrivySeverity::Low => Severity::Low,
            TrivySeverity::Unknown => Severity::Info,
        }
    }
}
