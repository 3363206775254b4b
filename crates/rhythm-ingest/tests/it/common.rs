//! Shared helpers of the ingest tests: the real fixtures, their facts.json and the checks every
//! scanner format shares.

use std::collections::{BTreeMap, HashSet};

use rhythm_ingest::{ParseError, Scan};
use serde_json::Value;

/// The shared real fixtures (the folder holding `facts.json`): `$RHYTHM_FIXTURES` when set (and
/// then only that: a wrong setting fails rather than testing other files), else
/// `shared/fixtures/real` beside the repository. Panics (fails the test) when that folder holds no
/// `facts.json`; `scripts/test.sh` finds and exports the folder. The same rule, word for word, as
/// `rhythm_store::testing::fixtures_dir`, which these tests cannot depend on (the tidy test
/// `fixtures_dir_is_one_rule` compares the two).
#[expect(clippy::disallowed_methods, reason = "the test harness's own setting (RHYTHM_FIXTURES)")]
pub fn fixtures_dir() -> std::path::PathBuf {
    let (dir, origin) = match std::env::var_os("RHYTHM_FIXTURES") {
        Some(dir) => (std::path::PathBuf::from(dir), "RHYTHM_FIXTURES"),
        None => (
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real"),
            "beside the repository",
        ),
    };
    assert!(
        dir.join("facts.json").is_file(),
        "real fixtures not found: {} ({origin}) holds no facts.json; set RHYTHM_FIXTURES to the folder that does \
         (scripts/test.sh finds it)",
        dir.display()
    );
    dir
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = fixtures_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", p.display()))
}

/// facts.json entries of one folder (`trivy/`), keyed by local path.
pub fn facts(prefix: &str) -> BTreeMap<String, Value> {
    let raw = read("facts.json");
    let all: BTreeMap<String, Value> = serde_json::from_slice(&raw).expect("facts.json is JSON");
    let out: BTreeMap<_, _> = all.into_iter().filter(|(k, _)| k.starts_with(prefix)).collect();
    assert!(!out.is_empty(), "facts.json lists no fixtures under {prefix}");
    out
}

/// A count from facts (`facts[key][sub]`), 0 when absent.
pub fn count(v: &Value, key: &str, sub: &str) -> usize {
    v.get(key).and_then(|m| m.get(sub)).and_then(Value::as_u64).unwrap_or(0) as usize
}

/// Severity histogram of a scan, by the normalized name.
pub fn severities(scan: &Scan) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in &scan.findings {
        *m.entry(f.severity.as_str().to_owned()).or_insert(0) += 1;
    }
    m
}

/// Parsing twice gives identical fingerprints, and they are unique within the file.
pub fn assert_fingerprints(name: &str, parse: fn(&[u8]) -> Result<Scan, ParseError>, bytes: &[u8]) -> Scan {
    let a = parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let b = parse(bytes).unwrap();
    assert_eq!(a, b, "{name}: parsing twice differs");
    let mut seen = HashSet::new();
    for f in &a.findings {
        assert_eq!(f.fingerprint.len(), 64, "{name}");
        assert!(
            seen.insert(&f.fingerprint),
            "{name}: duplicate fingerprint for {} {:?} {:?}",
            f.rule,
            f.component,
            f.location
        );
        assert!(!f.rule.is_empty(), "{name}: empty rule");
        assert!(!f.title.is_empty(), "{name}: empty title");
        assert!(!f.aliases.contains(&f.rule), "{name}: rule among aliases");
    }
    a
}

/// The malformed inputs every format must refuse with a located error, not a crash or 0 findings.
pub fn assert_rejects_garbage(parse: fn(&[u8]) -> Result<Scan, ParseError>) {
    let deep = "[".repeat(10_000);
    let e = parse(deep.as_bytes()).unwrap_err();
    assert_eq!(e.path, "$", "{e}");
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    assert_eq!(parse(deep_obj.as_bytes()).unwrap_err().path, "$");
    for bad in [
        &b""[..],
        b"   \n",
        b"{",
        b"not json",
        b"\xEF\xBB\xBF",
        b"42",
        b"\"x\"",
        b"{\"runs\":[],\"version\":\"2.1.0\"}",
    ] {
        let e = parse(bad).expect_err(&String::from_utf8_lossy(bad));
        assert_eq!(e.path, "$", "{}: {e}", String::from_utf8_lossy(bad));
        assert!(!e.message.is_empty());
    }
}

/// The same bytes with a UTF-8 BOM parse to the same scan.
pub fn assert_bom_ok(parse: fn(&[u8]) -> Result<Scan, ParseError>, bytes: &[u8]) {
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(bytes);
    assert_eq!(parse(&with_bom).unwrap(), parse(bytes).unwrap());
}

/// Severity buckets where some scanner labels (UNKNOWN, null) are resolved from CVSS: every
/// known bucket has at least the facts' count and the totals agree.
pub fn assert_severities_at_least(name: &str, scan: &Scan, want: &BTreeMap<String, usize>) {
    let got = severities(scan);
    for (k, n) in want {
        assert!(got.get(k).copied().unwrap_or(0) >= *n, "{name}: {k}: got {got:?}, want at least {want:?}");
    }
    assert_eq!(got.values().sum::<usize>(), scan.findings.len());
}
