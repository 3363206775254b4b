//! Shared input handling of the dependency-scanner parsers (Trivy, Grype, CycloneDX,
//! osv-scanner): BOM, syntax, nesting depth, format sniffing and typed deserialization that
//! reports the JSON path of the first problem.

use rhythm_domain::Severity;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::{ALIASES_MAX, ParseError, TITLE_MAX, prefix};

/// The whole document as a JSON value. Strips a UTF-8 BOM; an empty file, invalid JSON and
/// nesting deeper than `serde_json`'s limit (128) are errors at `$`.
pub(crate) fn read(bytes: &[u8], format: &str) -> Result<Value, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::new("$", format!("empty file: not a {format} JSON report")));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ParseError::new("$", format!("not valid JSON ({format} report expected): {e}")))
}

/// Typed view of `value` (or of a part of it at `prefix`); errors name the JSON path
/// (`Results[0].Vulnerabilities[2].Severity`).
pub(crate) fn typed<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix, inner.as_str()) {
            ("", ".") => "$".to_owned(),
            ("", p) => p.to_owned(),
            (pre, ".") => pre.to_owned(),
            (pre, p) if p.starts_with('[') => format!("{pre}{p}"),
            (pre, p) => format!("{pre}.{p}"),
        };
        ParseError::new(path, e.into_inner().to_string())
    })
}

/// The error for a document that is not `expected` (`not a Grype JSON report (…)`): what it
/// looks like instead.
pub(crate) fn not_a(expected: &str, value: &Value) -> ParseError {
    ParseError::new("$", format!("{expected}: this looks like {}", looks_like(value)))
}

/// What a document that is not the expected format looks like, for the error message.
pub(crate) fn looks_like(value: &Value) -> &'static str {
    let Some(o) = value.as_object() else {
        return match value {
            Value::Array(_) => "a JSON array",
            Value::Null => "null",
            _ => "a JSON scalar",
        };
    };
    if o.contains_key("runs") && (o.contains_key("$schema") || o.contains_key("version")) {
        "a SARIF log"
    } else if o.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        "a CycloneDX BOM"
    } else if o.contains_key("matches") && o.contains_key("descriptor") {
        "a Grype report"
    } else if o.contains_key("SchemaVersion") || o.contains_key("Results") {
        "a Trivy report"
    } else if o.contains_key("results") {
        "an osv-scanner report"
    } else if o.contains_key("schema_version") || (o.contains_key("id") && o.contains_key("modified")) {
        "a single OSV vulnerability record"
    } else {
        "a JSON object without the expected keys"
    }
}

/// `null` read as the default (Go writes `null` for empty slices).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize as _;
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// `Some(s)` for a non-blank string.
pub(crate) fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The first non-blank line of a text, as a one-line title. Only the start of the line is
/// looked at (a little more than [`TITLE_MAX`]; the title is capped to that anyway).
pub(crate) fn first_line(s: &str) -> Option<String> {
    let head = prefix(s.trim_start(), TITLE_MAX + 8);
    head.lines().next().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned)
}

/// Severity from a CVSS base score (CVSS v3 qualitative ratings; 0.0 is `info`).
pub(crate) fn severity_from_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// Appends `id` to `aliases` unless it is blank, the rule itself or already there, or the list
/// already holds [`ALIASES_MAX`] ids (so a file listing millions of ids stays linear).
pub(crate) fn push_alias(aliases: &mut Vec<String>, rule: &str, id: &str) {
    if aliases.len() >= ALIASES_MAX {
        return;
    }
    let id = id.trim();
    if !id.is_empty() && id != rule && !aliases.iter().any(|a| a == id) {
        aliases.push(id.to_owned());
    }
}
