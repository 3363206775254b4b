//! The normalized result of parsing one scanner file.

use rhythm_domain::Severity;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One finding as a scanner reported it, normalized.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScannedFinding {
    /// The tool that found it (SARIF `driver.name`, `trivy`, `grype`, …), as the file says.
    pub tool: String,
    /// The rule id or vulnerability id (`CVE-2024-3094`, `py/sql-injection`, `G404`).
    pub rule: String,
    /// Other ids of the same vulnerability (`GHSA-…`, `CVE-…`), without `rule` itself.
    pub aliases: Vec<String>,
    /// A one-line title (rule short description, vulnerability title, or the message).
    pub title: String,
    pub severity: Severity,
    /// The package (name) the finding is in, for dependency scanners.
    pub component: Option<String>,
    /// The installed version of that package.
    pub version: Option<String>,
    /// The version that fixes it, when the scanner knows one.
    pub fixed_version: Option<String>,
    /// Where: `path/to/file.py:42`, a URL, or the scan target (image, lock file).
    pub location: Option<String>,
    /// CVSS base score, when given.
    pub cvss_score: Option<f64>,
    /// CVSS vector, when given.
    pub cvss_vector: Option<String>,
    /// The scanner says this finding is suppressed / not affected / ignored.
    pub suppression: Option<Suppression>,
    /// SARIF `baselineState` (`new`, `unchanged`, `updated`, `absent`), when given.
    pub baseline_state: Option<String>,
    /// Stable identity across re-scans: lower-case hex SHA-256 (see [`fingerprint`]).
    pub fingerprint: String,
}

/// A suppression the scanner reported: SARIF `suppressions`, VEX `not_affected` /
/// `false_positive`, Trivy/Grype ignore states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `inSource`, `external`, `not_affected`, `false_positive`, `ignored`, …
    pub kind: String,
    /// The justification given, if any.
    pub justification: Option<String>,
}

/// Everything one file held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scan {
    /// The format's name (`sarif`, `trivy`, `grype`, `cyclonedx`, `osv`).
    pub format: &'static str,
    pub findings: Vec<ScannedFinding>,
}

/// Why a file was refused: where in it (a JSON path such as `runs[0].results[3].ruleId`, or
/// `$` for the whole document) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: {message}")]
pub struct ParseError {
    pub path: String,
    pub message: String,
}

impl ParseError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ParseError { path: path.into(), message: message.into() }
    }
}

/// The fingerprint of a finding from the parts that identify it. Parts are joined with a
/// separator that cannot appear in them unescaped, so `("a|b", "c")` and `("a", "b|c")` differ.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.len().to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints_are_stable_and_unambiguous() {
        assert_eq!(super::fingerprint(&["a", "b"]), super::fingerprint(&["a", "b"]));
        assert_ne!(super::fingerprint(&["a|b", "c"]), super::fingerprint(&["a", "b|c"]));
        assert_ne!(super::fingerprint(&["ab", ""]), super::fingerprint(&["a", "b"]));
        assert_eq!(super::fingerprint(&[]).len(), 64);
    }
}
