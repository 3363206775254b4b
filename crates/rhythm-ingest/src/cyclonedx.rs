//! CycloneDX JSON (1.2–1.7) with `vulnerabilities[]`: scanner BOMs (Trivy, Grype, jake,
//! Dependency-Track) and standalone VEX documents.
//!
//! What becomes a finding: each vulnerability × each of its `affects[].ref` (a vulnerability
//! without `affects` is one finding without a component). A BOM without `vulnerabilities` (an
//! SBOM) has 0 findings. VEX `analysis.state`:
//! - `not_affected` → suppressed, kind `not_affected`; `false_positive` → suppressed, kind
//!   `false_positive`; justification = `analysis.justification` and/or `analysis.detail`
//!   (`code_not_present: Class with vulnerable code was removed`);
//! - `resolved` / `resolved_with_pedigree` → NOT a finding: the document states the
//!   vulnerability is remediated in that component, and a finding absent from a re-import
//!   is what closes it;
//! - `exploitable`, `in_triage`, no analysis → open finding.
//!
//! Component: the `bom-ref` is looked up among `metadata.component` and all (nested)
//! `components`; name = `group:name` (or `name`), version = its `version`. A ref that is not
//! in the BOM but is a purl gives name and version from the purl; any other ref (a `urn:cdx`
//! link to another BOM's product) is kept as the location only.
//!
//! Rule: the vulnerability `id` when it is a CVE, else the first `CVE-` among its
//! `references[].id` (jake/OSS Index ids are UUIDs), else the `id`; aliases = the other ids.
//!
//! Severity from `ratings`: the first CVSS v3/v3.1 rating (NVD source first), else CVSS v4;
//! its `severity` when given, else from its score. Without a v3/v4 rating: the highest
//! `severity` among ratings whose method is not `other` (EPSS/KEV "scores" are not CVSS),
//! else from the highest CVSS v2 score, else `info`. `none` → `info`; `unknown` is ignored.
//! CVSS score/vector: from the v3/v4 rating, else the v2 one.
//!
//! Fingerprint: `cyclonedx`, vulnerability id, the component key (its purl without version
//! and qualifiers, else `group:name`, else the ref with a `urn:cdx` BOM version removed). When
//! the same (id, ref) pair occurs more than once in a document (VEX splitting one product into
//! version ranges with different states), the `affects[].versions` statement is added so each
//! statement keeps its own identity; otherwise versions are left out so re-scans of a bumped
//! but still vulnerable component match.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;
use rhythm_domain::Severity;
use serde::Deserialize;
use serde_json::Value;

use crate::json_input;
use crate::model::{FIELD_MAX, ParseError, Scan, ScannedFinding, Suppression, cap, fingerprint, key_part};
use json_input::{first_line, non_empty, null_default, push_alias, severity_from_score};

/// Parses a CycloneDX JSON BOM or VEX document.
pub fn parse(bytes: &[u8]) -> Result<Scan, ParseError> {
    let value = json_input::read(bytes, "CycloneDX")?;
    match value.get("bomFormat") {
        Some(Value::String(s)) if s == "CycloneDX" => {}
        Some(other) => {
            return Err(ParseError::new("bomFormat", format!("expected \"CycloneDX\", found {other}")));
        }
        None => {
            return Err(json_input::not_a("not a CycloneDX JSON document (no bomFormat \"CycloneDX\")", &value));
        }
    }
    let bom: Bom = json_input::typed(value, "")?;
    let tool = bom.metadata.as_ref().and_then(|m| tool_name(m.tools.as_ref())).unwrap_or_else(|| "cyclonedx".into());
    let tool = cap(tool, FIELD_MAX);
    // What a finding takes from a component, worked out once per component: many affects (of
    // many vulnerabilities) may point at the same one.
    let mut index: HashMap<&str, CompInfo> = HashMap::new();
    let mut stack: Vec<&Component> = bom.components.iter().collect();
    stack.extend(bom.metadata.as_ref().and_then(|m| m.component.as_ref()));
    while let Some(c) = stack.pop() {
        if let Some(r) = c.bom_ref.as_deref() {
            index.entry(r).or_insert_with(|| CompInfo::of(c));
        }
        stack.extend(c.components.iter());
    }
    let mut pair_counts: HashMap<(&str, &str), usize> = HashMap::new();
    for v in &bom.vulnerabilities {
        for a in &v.affects {
            *pair_counts.entry((v.id.as_str(), a.reference.as_str())).or_default() += 1;
        }
    }

    let mut findings = Vec::new();
    for v in &bom.vulnerabilities {
        let analysis = v.analysis.as_ref();
        let state = analysis.and_then(|a| a.state.as_deref()).unwrap_or("");
        if state == "resolved" || state == "resolved_with_pedigree" {
            continue;
        }
        let suppression = matches!(state, "not_affected" | "false_positive").then(|| Suppression {
            kind: state.to_owned(),
            justification: analysis.and_then(|a| {
                match (non_empty(a.justification.as_deref()), non_empty(a.detail.as_deref())) {
                    (Some(j), Some(d)) => Some(format!("{j}: {d}")),
                    (j, d) => j.or(d),
                }
            }),
        });
        // A scanner-private id (OSS Index UUID, Snyk id) gives way to the CVE it references.
        let id = v.id.trim();
        let rule = if id.starts_with("CVE-") {
            id.to_owned()
        } else {
            v.references.iter().map(|r| r.id.trim()).find(|r| r.starts_with("CVE-")).unwrap_or(id).to_owned()
        };
        let mut aliases = Vec::new();
        push_alias(&mut aliases, &rule, id);
        for r in &v.references {
            push_alias(&mut aliases, &rule, &r.id);
        }
        let (severity, cvss_score, cvss_vector) = rate(&v.ratings);
        let title = v
            .description
            .as_deref()
            .and_then(first_line)
            .or_else(|| v.detail.as_deref().and_then(first_line))
            .unwrap_or_else(|| rule.clone());
        let base = ScannedFinding {
            tool: tool.clone(),
            rule: rule.clone(),
            aliases,
            title,
            severity,
            component: None,
            version: None,
            fixed_version: None,
            location: None,
            cvss_score,
            cvss_vector,
            suppression,
            baseline_state: None,
            fingerprint: fingerprint(&["cyclonedx", &rule, ""]),
        }
        .bounded();
        // Repeated for every affect: bounded once.
        let rule_key = key_part(&rule);
        if v.affects.is_empty() {
            findings.push(base);
            continue;
        }
        for a in &v.affects {
            let mut f = base.clone();
            let reference = a.reference.trim();
            let key = if let Some(c) = index.get(reference) {
                f.component = Some(c.component.clone());
                f.version.clone_from(&c.version);
                f.location = c.purl.clone().or_else(|| non_empty(Some(reference)));
                c.key.clone()
            } else if let Some((base_purl, name, version)) = purl_parts(reference) {
                f.component = Some(name);
                f.version = version;
                f.location = Some(reference.to_owned());
                base_purl.to_owned()
            } else {
                f.location = non_empty(Some(reference));
                strip_cdx_urn_version(reference)
            };
            let statement = if pair_counts.get(&(v.id.as_str(), a.reference.as_str())).copied().unwrap_or(0) > 1 {
                a.versions
                    .iter()
                    .map(|x| {
                        format!(
                            "{}={}",
                            x.status.as_deref().unwrap_or(""),
                            x.version.as_deref().or(x.range.as_deref()).unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                String::new()
            };
            f.fingerprint = fingerprint(&["cyclonedx", &rule_key, &key, &statement]);
            findings.push(f.bounded());
        }
    }
    Ok(Scan { format: "cyclonedx", findings })
}

/// A component as findings show it: `group:name`, version and purl capped, and the
/// fingerprint key (purl without version and qualifiers, else `group:name`) through
/// [`key_part`].
struct CompInfo {
    component: String,
    version: Option<String>,
    purl: Option<String>,
    key: String,
}

impl CompInfo {
    fn of(c: &Component) -> Self {
        let component = match non_empty(c.group.as_deref()) {
            Some(g) => format!("{g}:{}", c.name),
            None => c.name.clone(),
        };
        let key = match c.purl.as_deref().and_then(purl_parts) {
            Some((base_purl, _, _)) => key_part(base_purl).into_owned(),
            None => key_part(&component).into_owned(),
        };
        CompInfo {
            component: cap(component, FIELD_MAX),
            version: non_empty(c.version.as_deref()).map(|v| cap(v, FIELD_MAX)),
            purl: non_empty(c.purl.as_deref()).map(|p| cap(p, FIELD_MAX)),
            key,
        }
    }
}

/// `(purl without version/qualifiers, name, version)` of a `pkg:` purl.
fn purl_parts(purl: &str) -> Option<(&str, String, Option<String>)> {
    purl.strip_prefix("pkg:")?;
    let no_q = &purl[..purl.find(['?', '#']).unwrap_or(purl.len())];
    let (base, version) = match no_q.rfind('@') {
        Some(i) if i > 4 => (&no_q[..i], Some(percent_decode(&no_q[i + 1..]))),
        _ => (no_q, None),
    };
    let name = percent_decode(base.rsplit('/').next().unwrap_or(base));
    Some((base, name, version.filter(|v| !v.is_empty())))
}

/// `%XX` decoded (a `%` not followed by two hex digits kept, `+` left alone), lossy UTF-8.
fn percent_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `urn:cdx:<serial>/<bom version>#<ref>` without the BOM version, which changes with every
/// revision of the referenced BOM.
fn strip_cdx_urn_version(reference: &str) -> String {
    if let Some(rest) = reference.strip_prefix("urn:cdx:")
        && let (Some(slash), Some(hash)) = (rest.find('/'), rest.find('#'))
        && slash < hash
    {
        return format!("urn:cdx:{}{}", &rest[..slash], &rest[hash..]);
    }
    reference.to_owned()
}

fn tool_name(tools: Option<&Value>) -> Option<String> {
    let first = match tools? {
        Value::Array(a) => a.first()?,
        Value::Object(o) => o.get("components").and_then(Value::as_array).and_then(|a| a.first())?,
        _ => return None,
    };
    non_empty(first.get("name").and_then(Value::as_str))
}

fn rate(ratings: &[Rating]) -> (Severity, Option<f64>, Option<String>) {
    let is_nvd =
        |r: &&Rating| r.source.as_ref().and_then(|s| s.name.as_deref()).is_some_and(|n| n.eq_ignore_ascii_case("nvd"));
    let method = |r: &Rating| r.method.as_deref().unwrap_or("").to_ascii_lowercase();
    for wanted in [&["cvssv31", "cvssv3"][..], &["cvssv4"][..]] {
        let mut cands: Vec<&Rating> = ratings.iter().filter(|r| wanted.contains(&method(r).as_str())).collect();
        cands.sort_by_key(|r| !is_nvd(r));
        if let Some(r) = cands.first() {
            let sev = r.severity.and_then(CdxSeverity::known).or_else(|| r.score.map(severity_from_score));
            let sev = sev.unwrap_or(Severity::Info);
            return (sev, r.score, non_empty(r.vector.as_deref()));
        }
    }
    let v2 = ratings
        .iter()
        .filter(|r| method(r) == "cvssv2")
        .max_by(|a, b| a.score.partial_cmp(&b.score).unwrap_or(std::cmp::Ordering::Equal));
    let highest =
        ratings.iter().filter(|r| method(r) != "other").filter_map(|r| r.severity.and_then(CdxSeverity::known)).min(); // Severity orders Critical first
    let sev = highest.or_else(|| v2.and_then(|r| r.score).map(severity_from_score)).unwrap_or(Severity::Info);
    (sev, v2.and_then(|r| r.score), v2.and_then(|r| non_empty(r.vector.as_deref())))
}

#[derive(Deserialize)]
struct Bom {
    metadata: Option<Metadata>,
    #[serde(default, deserialize_with = "null_default")]
    components: Vec<Component>,
    #[serde(default, deserialize_with = "null_default")]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Deserialize)]
struct Metadata {
    tools: Option<Value>,
    component: Option<Component>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    name: String,
    group: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    components: Vec<Component>,
}

#[derive(Deserialize)]
struct Vulnerability {
    id: String,
    description: Option<String>,
    detail: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    references: Vec<Reference>,
    #[serde(default, deserialize_with = "null_default")]
    ratings: Vec<Rating>,
    analysis: Option<Analysis>,
    #[serde(default, deserialize_with = "null_default")]
    affects: Vec<Affects>,
}

#[derive(Deserialize)]
struct Reference {
    id: String,
}

#[derive(Deserialize)]
struct Rating {
    source: Option<RatingSource>,
    score: Option<f64>,
    severity: Option<CdxSeverity>,
    method: Option<String>,
    vector: Option<String>,
}

#[derive(Deserialize)]
struct RatingSource {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Analysis {
    state: Option<String>,
    justification: Option<String>,
    detail: Option<String>,
}

#[derive(Deserialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default, deserialize_with = "null_default")]
    versions: Vec<AffectedVersion>,
}

#[derive(Deserialize)]
struct AffectedVersion {
    version: Option<String>,
    range: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum CdxSeverity {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
    Unknown,
}

impl CdxSeverity {
    fn known(self) -> Option<Severity> {
        match self {
            CdxSeverity::Critical => Some(Severity::Critical),
            CdxSeverity::High => Some(Severity::High),
            CdxSeverity::Medium => Some(Severity::Medium),
            CdxSeverity::Low => Some(Severity::Low),
            CdxSeverity::Info | CdxSeverity::None => Some(Severity::Info),
            CdxSeverity::Unknown => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::purl_parts;

    #[test]
    fn purl_names_and_versions_are_percent_decoded_as_rfc_3986_says() {
        // `%40` and `%2B` decoded; `+` is not a space; a `%` without two hex digits is kept.
        let (base, name, version) = purl_parts("pkg:npm/%40scope%2Fpkg+x%zz@1.0.0%2Bbuild%4?arch=x86").unwrap();
        assert_eq!(base, "pkg:npm/%40scope%2Fpkg+x%zz");
        assert_eq!((name.as_str(), version.as_deref()), ("@scope/pkg+x%zz", Some("1.0.0+build%4")));
        // Bytes that are not UTF-8 become U+FFFD; `%25` is decoded once, to `%`.
        let (_, name, version) = purl_parts("pkg:generic/caf%C3%A9%FF@100%25").unwrap();
        assert_eq!((name.as_str(), version.as_deref()), ("café\u{FFFD}", Some("100%")));
    }
}
