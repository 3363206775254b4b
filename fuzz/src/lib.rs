//! The invariants every parser fuzz target checks, so a target is one line: a parser is not
//! only "does not panic" but
//!
//! * deterministic: the same bytes parse to the same result twice;
//! * on `Ok`: the scan names the expected format; every finding has a 64-character lower-case
//!   hex fingerprint, a non-blank tool, rule and title, no alias equal to the rule, and every
//!   kept string within the caps of `rhythm_ingest::model` (no NUL characters);
//! * on `Err`: the error has a non-empty path and message (and displays).

use rhythm_ingest::model::{ALIASES_MAX, FIELD_MAX, TITLE_MAX};
use rhythm_ingest::{ParseError, Scan};

/// A parser entry point, `parse(&[u8]) -> Result<Scan, ParseError>`.
pub type Parser = fn(&[u8]) -> Result<Scan, ParseError>;

/// Parses `data` twice with `parse` and panics (a fuzzer crash) when an invariant breaks.
pub fn check(format: &str, parse: Parser, data: &[u8]) {
    let first = parse(data);
    let again = parse(data);
    assert_eq!(first, again, "parsing the same bytes twice differs");
    match first {
        Ok(scan) => check_scan(format, &scan),
        Err(e) => check_error(&e),
    }
}

/// The `Ok` invariants (also used by the stable-toolchain smoke test's copy of them).
pub fn check_scan(format: &str, scan: &Scan) {
    assert_eq!(scan.format, format, "wrong format name");
    for f in &scan.findings {
        assert!(
            f.fingerprint.len() == 64
                && f.fingerprint.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "fingerprint is not 64 lower-case hex: {:?}",
            f.fingerprint
        );
        assert!(!f.tool.trim().is_empty(), "blank tool");
        assert!(!f.rule.trim().is_empty(), "blank rule");
        assert!(!f.title.trim().is_empty(), "blank title");
        assert!(!f.aliases.contains(&f.rule), "rule among its aliases");
        assert!(f.aliases.len() <= ALIASES_MAX, "{} aliases", f.aliases.len());
        assert!(f.title.len() <= TITLE_MAX, "title of {} bytes", f.title.len());
        let others = [&f.tool, &f.rule]
            .into_iter()
            .chain(&f.aliases)
            .chain(f.component.iter())
            .chain(f.version.iter())
            .chain(f.fixed_version.iter())
            .chain(f.location.iter())
            .chain(f.cvss_vector.iter())
            .chain(f.baseline_state.iter())
            .chain(f.suppression.iter().map(|s| &s.kind))
            .chain(f.suppression.iter().flat_map(|s| s.justification.iter()));
        for s in others.chain([&f.title]) {
            assert!(s.len() <= FIELD_MAX, "a kept string of {} bytes", s.len());
            assert!(!s.contains('\0'), "a kept string with NUL: {s:?}");
        }
    }
}

/// The `Err` invariants.
pub fn check_error(e: &ParseError) {
    assert!(!e.path.is_empty(), "error without a path: {e:?}");
    assert!(!e.message.is_empty(), "error without a message: {e:?}");
    assert!(!e.to_string().is_empty());
}

/// For parsers whose output is not a scan (register CSVs, tracker backlogs, format detection):
/// deterministic, and a refusal names where and why.
pub fn check_any<T: PartialEq + std::fmt::Debug>(parse: impl Fn(&[u8]) -> Result<T, ParseError>, data: &[u8]) {
    let first = parse(data);
    assert_eq!(first, parse(data), "parsing the same bytes twice differs");
    if let Err(e) = first {
        check_error(&e);
    }
}
