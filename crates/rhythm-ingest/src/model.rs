//! The normalized result of parsing one scanner file.
//!
//! **Bounds.** Every string a finding keeps is capped, in one place ([`ScannedFinding::bounded`],
//! which every parser applies to each finding it emits): the title to [`TITLE_MAX`] bytes, every
//! other text (tool, rule, aliases, component, versions, location, CVSS vector, suppression,
//! baseline state) to [`FIELD_MAX`] bytes, and the aliases to [`ALIASES_MAX`] entries. A longer
//! text is cut on a character boundary and ends with `…` (the cap includes it). NUL characters
//! (JSON `\u0000`, which PostgreSQL text cannot store) are removed. Blank tool, rule or title
//! are replaced (`(unknown tool)`, `(no rule)`, the rule), so every finding has all three.
//!
//! Caps apply to what is *kept*; fingerprints are computed from the identifying parts before
//! capping, except where a part can be repeated by reference (a SARIF rule text shared by every
//! result, a Trivy target shared by every vulnerability of a result): there the parser passes
//! the part through [`key_part`] once (long parts become their SHA-256), so per-finding work and
//! memory stay bounded whatever the file repeats. A finding therefore holds at most about
//! `TITLE_MAX + 8 × FIELD_MAX + ALIASES_MAX × FIELD_MAX` bytes of text, however large the input
//! strings are.

use std::borrow::Cow;

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

/// Longest title kept, in bytes (UTF-8), `…` included.
pub const TITLE_MAX: usize = 1024;
/// Longest other text kept per finding (tool, rule, alias, component, versions, location, CVSS
/// vector, suppression kind and justification, baseline state), in bytes, `…` included.
pub const FIELD_MAX: usize = 2048;
/// Most aliases kept per finding (the first ones, in the parser's order).
pub const ALIASES_MAX: usize = 64;

const ELLIPSIS: &str = "…";

/// `s` cut to at most `max` bytes: on a character boundary, ending with `…` when cut; NUL
/// characters removed. Unchanged (no allocation) when it already fits and has no NUL.
pub fn cap(mut s: String, max: usize) -> String {
    if s.contains('\0') {
        s.retain(|c| c != '\0');
    }
    if s.len() > max {
        let keep = floor_char_boundary(&s, max.saturating_sub(ELLIPSIS.len()));
        s.truncate(keep);
        if max >= ELLIPSIS.len() {
            s.push_str(ELLIPSIS);
        }
    }
    s
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary. Used to
/// look at only the start of a text that may be huge (before taking its first line, say).
pub fn prefix(s: &str, max: usize) -> &str {
    &s[..floor_char_boundary(s, max)]
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// An identifying part for [`fingerprint`] that stays small: `s` itself up to [`FIELD_MAX`]
/// bytes (so ordinary fingerprints do not change), else `sha256:` and its hex digest. Compute it
/// once for a part many findings share, so each finding hashes at most a few KiB.
pub fn key_part(s: &str) -> Cow<'_, str> {
    if s.len() <= FIELD_MAX { Cow::Borrowed(s) } else { Cow::Owned(format!("sha256:{}", fingerprint(&[s]))) }
}

impl ScannedFinding {
    /// The finding with every kept string capped (see the module docs) and blank tool, rule and
    /// title filled in. Cheap when nothing needs cutting.
    #[must_use]
    pub fn bounded(mut self) -> Self {
        let opt = |o: Option<String>| o.map(|s| cap(s, FIELD_MAX));
        self.tool = cap(self.tool, FIELD_MAX);
        if self.tool.trim().is_empty() {
            "(unknown tool)".clone_into(&mut self.tool);
        }
        self.rule = cap(self.rule, FIELD_MAX);
        if self.rule.trim().is_empty() {
            "(no rule)".clone_into(&mut self.rule);
        }
        self.title = cap(self.title, TITLE_MAX);
        if self.title.trim().is_empty() {
            self.title = cap(self.rule.clone(), TITLE_MAX);
        }
        self.aliases.truncate(ALIASES_MAX);
        let aliases = std::mem::take(&mut self.aliases);
        for a in aliases {
            let a = cap(a, FIELD_MAX);
            if !a.trim().is_empty() && a != self.rule && !self.aliases.contains(&a) {
                self.aliases.push(a);
            }
        }
        self.component = opt(self.component);
        self.version = opt(self.version);
        self.fixed_version = opt(self.fixed_version);
        self.location = opt(self.location);
        self.cvss_vector = opt(self.cvss_vector);
        if self.cvss_score.is_none() {
            self.cvss_score = self.cvss_vector.as_deref().and_then(cvss_base_score);
        }
        self.baseline_state = opt(self.baseline_state);
        if let Some(s) = self.suppression.as_mut() {
            s.kind = cap(std::mem::take(&mut s.kind), FIELD_MAX);
            s.justification = opt(s.justification.take());
        }
        self
    }
}

/// The base score of a CVSS v3.0, v3.1 or v4.0 vector (`CVSS:3.1/AV:N/…`), computed by
/// RustSec's `cvss` crate; `None` for anything it does not accept (v2 vectors, garbage).
pub fn cvss_base_score(vector: &str) -> Option<f64> {
    vector.trim().parse::<cvss::Cvss>().ok().map(|c| c.score()).filter(|s| s.is_finite() && (0.0..=10.0).contains(s))
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
    // `hex::encode` collects one `char` at a time; a million fingerprints notice.
    let mut text = [0u8; 64];
    hex::encode_to_slice(h.finalize(), &mut text).expect("32 bytes are 64 hex digits");
    std::str::from_utf8(&text).expect("hex digits are ASCII").to_owned()
}

#[cfg(test)]
mod cvss_tests {
    #[test]
    fn vectors_are_scored_by_the_cvss_crate() {
        assert_eq!(super::cvss_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Some(9.8));
        assert_eq!(super::cvss_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), Some(6.1));
        assert!(super::cvss_base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").is_some());
        assert_eq!(super::cvss_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
        assert_eq!(super::cvss_base_score("CVSS:3.1/AV:X"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_cuts_on_a_char_boundary_with_an_ellipsis() {
        assert_eq!(cap("short".into(), 10), "short");
        assert_eq!(cap("abcdefghij".into(), 10), "abcdefghij");
        assert_eq!(cap("abcdefghijk".into(), 10), "abcdefg…");
        // é is two bytes: never split.
        let s = cap("éééééééé".into(), 10);
        assert!(s.len() <= 10 && s.ends_with('…'), "{s}");
        assert_eq!(s, "ééé…");
        assert_eq!(cap("a\0b".into(), 10), "ab");
        assert_eq!(cap("abcdef".into(), 2), "");
        for max in 0..20 {
            let s = cap("日本語のテキスト".into(), max);
            assert!(s.len() <= max, "{max}: {s}");
        }
    }

    #[test]
    fn prefix_and_key_part_stay_small() {
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("héllo", 3), "hé");
        assert_eq!(prefix("héllo", 99), "héllo");
        assert_eq!(key_part("a"), "a");
        let long = "x".repeat(FIELD_MAX + 1);
        let k = key_part(&long);
        assert!(k.starts_with("sha256:") && k.len() == 7 + 64);
        assert_ne!(key_part(&long), key_part(&"x".repeat(FIELD_MAX + 2)));
    }

    #[test]
    fn bounded_caps_every_kept_string_and_fills_blanks() {
        let big = "y".repeat(1 << 20);
        let f = ScannedFinding {
            tool: " ".into(),
            rule: String::new(),
            aliases: (0..1000).map(|i| format!("A-{i}")).chain([String::new(), big.clone()]).collect(),
            title: "\0".into(),
            severity: Severity::Low,
            component: Some(big.clone()),
            version: Some(big.clone()),
            fixed_version: Some(big.clone()),
            location: Some(big.clone()),
            cvss_score: None,
            cvss_vector: Some(big.clone()),
            suppression: Some(Suppression { kind: big.clone(), justification: Some(big.clone()) }),
            baseline_state: Some(big),
            fingerprint: fingerprint(&["x"]),
        }
        .bounded();
        assert_eq!(f.tool, "(unknown tool)");
        assert_eq!(f.rule, "(no rule)");
        assert_eq!(f.title, "(no rule)");
        assert_eq!(f.aliases.len(), ALIASES_MAX);
        for s in [&f.component, &f.version, &f.fixed_version, &f.location, &f.cvss_vector, &f.baseline_state] {
            let s = s.as_deref().unwrap();
            assert_eq!(s.len(), FIELD_MAX - 3 + "…".len());
            assert!(s.ends_with('…'));
        }
        let sup = f.suppression.unwrap();
        assert!(sup.kind.len() <= FIELD_MAX && sup.justification.unwrap().len() <= FIELD_MAX);
        let t = ScannedFinding { title: "t".repeat(5000), rule: "R".into(), ..sample() }.bounded();
        assert_eq!(t.title.len(), TITLE_MAX);
        assert!(t.title.ends_with('…'));
    }

    fn sample() -> ScannedFinding {
        ScannedFinding {
            tool: "t".into(),
            rule: "r".into(),
            aliases: Vec::new(),
            title: "title".into(),
            severity: Severity::Low,
            component: None,
            version: None,
            fixed_version: None,
            location: None,
            cvss_score: None,
            cvss_vector: None,
            suppression: None,
            baseline_state: None,
            fingerprint: fingerprint(&["x"]),
        }
    }

    #[test]
    fn fingerprints_are_stable_and_unambiguous() {
        assert_eq!(super::fingerprint(&["a", "b"]), super::fingerprint(&["a", "b"]));
        assert_ne!(super::fingerprint(&["a|b", "c"]), super::fingerprint(&["a", "b|c"]));
        assert_ne!(super::fingerprint(&["ab", ""]), super::fingerprint(&["a", "b"]));
        assert_eq!(super::fingerprint(&[]).len(), 64);
    }
}
