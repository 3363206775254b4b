//! The fuzz smoke that runs on the stable toolchain (and in CI): every parser against
//! (a) deterministic mutations of every real fixture of its format, checked against the same
//! invariants as the cargo-fuzz targets in `fuzz/` (see docs/fuzzing.md), and (b) hand-made
//! hostile documents: deep nesting, huge strings, one huge text shared by a great many findings
//! (JSON's billion laughs), a million keys, NUL and invalid UTF-8.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::Instant;

use rhythm_ingest::model::{ALIASES_MAX, FIELD_MAX, TITLE_MAX};
use rhythm_ingest::{ParseError, Scan, cyclonedx, grype, osv, sarif, trivy};

type Parser = fn(&[u8]) -> Result<Scan, ParseError>;

const PARSERS: [(&str, Parser, &[&str]); 5] = [
    ("sarif", sarif::parse, &["sarif"]),
    ("trivy", trivy::parse, &["trivy"]),
    ("grype", grype::parse, &["grype"]),
    ("cyclonedx", cyclonedx::parse, &["cyclonedx"]),
    ("osv", osv::parse, &["osv/scanner", "osv/records"]),
];

// ---------------------------------------------------------------------------------------------
// Invariants (the same as fuzz/src/lib.rs, which cannot be a dependency here)

fn check(format: &str, parse: Parser, data: &[u8], what: &str) -> Result<Scan, ParseError> {
    let first = parse(data);
    assert_eq!(first, parse(data), "{what}: parsing twice differs");
    match &first {
        Ok(scan) => check_scan(format, scan, what),
        Err(e) => {
            assert!(!e.path.is_empty() && !e.message.is_empty(), "{what}: unlocated error {e:?}");
        }
    }
    first
}

fn check_scan(format: &str, scan: &Scan, what: &str) {
    assert_eq!(scan.format, format, "{what}");
    for f in &scan.findings {
        assert!(
            f.fingerprint.len() == 64
                && f.fingerprint.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{what}: fingerprint {:?}",
            f.fingerprint
        );
        assert!(!f.tool.trim().is_empty(), "{what}: blank tool");
        assert!(!f.rule.trim().is_empty(), "{what}: blank rule");
        assert!(!f.title.trim().is_empty(), "{what}: blank title");
        assert!(!f.aliases.contains(&f.rule), "{what}: rule among aliases");
        assert!(f.aliases.len() <= ALIASES_MAX, "{what}: {} aliases", f.aliases.len());
        assert!(f.title.len() <= TITLE_MAX, "{what}: title of {} bytes", f.title.len());
        for s in kept_strings(f) {
            assert!(s.len() <= FIELD_MAX, "{what}: a kept string of {} bytes", s.len());
            assert!(!s.contains('\0'), "{what}: NUL kept");
        }
    }
}

fn kept_strings(f: &rhythm_ingest::ScannedFinding) -> Vec<&String> {
    let mut v = vec![&f.tool, &f.rule, &f.title, &f.fingerprint];
    v.extend(&f.aliases);
    v.extend(
        [&f.component, &f.version, &f.fixed_version, &f.location, &f.cvss_vector, &f.baseline_state]
            .into_iter()
            .flatten(),
    );
    if let Some(s) = &f.suppression {
        v.push(&s.kind);
        v.extend(s.justification.iter());
    }
    v
}

/// Bytes of text a scan keeps: what a caller would hold in memory.
fn kept_bytes(scan: &Scan) -> usize {
    scan.findings.iter().map(|f| kept_strings(f).iter().map(|s| s.len()).sum::<usize>()).sum()
}

// ---------------------------------------------------------------------------------------------
// (a) Mutations of the real fixtures

/// xorshift64*: tiny, seeded, the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Replacement tokens that swap a JSON value's type or break the grammar in plausible ways.
const TOKENS: &[&[u8]] = &[
    b"null",
    b"0",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"true",
    b"\"\"",
    b"\"x\"",
    b"[]",
    b"{}",
    b"[null]",
    b"{\"\":null}",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"\xff\"",
    b"\"CVE-2024-0001\"",
    b"\"{0}{1}\"",
    b",",
    b":",
    b"]",
    b"}",
    b"\"",
    b"\\",
];

fn mutate(rng: &mut Rng, src: &[u8], kind: usize) -> Vec<u8> {
    let mut v = src.to_vec();
    let n = v.len().max(1);
    match kind % 7 {
        // Truncation anywhere.
        0 => v.truncate(rng.below(n)),
        // A few byte flips.
        1 => {
            for _ in 0..=rng.below(4) {
                if !v.is_empty() {
                    let i = rng.below(v.len());
                    v[i] ^= 1 << rng.below(8);
                }
            }
        }
        // Duplicate a chunk in place (repeats keys, values, array elements).
        2 => {
            let a = rng.below(n);
            let len = rng.below(512.min(n - a) + 1);
            let chunk: Vec<u8> = v.get(a..a + len).unwrap_or_default().to_vec();
            let at = rng.below(v.len() + 1);
            v.splice(at..at, chunk);
        }
        // Remove a chunk.
        3 => {
            let a = rng.below(n);
            let len = rng.below(256.min(v.len().saturating_sub(a)) + 1).min(v.len().saturating_sub(a));
            v.drain(a..a + len);
        }
        // Swap a value's type: replace the token after a ':' with another kind of value.
        4 => {
            let colons: Vec<usize> = v.iter().enumerate().filter(|(_, b)| **b == b':').map(|(i, _)| i).collect();
            if let Some(&c) = colons.get(rng.below(colons.len())) {
                let start = c + 1;
                let end = (start..v.len()).find(|&i| matches!(v[i], b',' | b'}' | b']')).unwrap_or(v.len());
                let end = if v.get(start..end).is_some_and(|s| s.contains(&b'{') || s.contains(&b'[')) {
                    (start + 1).min(v.len())
                } else {
                    end
                };
                v.splice(start..end, TOKENS[rng.below(TOKENS.len())].iter().copied());
            }
        }
        // Insert a token anywhere.
        5 => {
            let at = rng.below(v.len() + 1);
            v.splice(at..at, TOKENS[rng.below(TOKENS.len())].iter().copied());
        }
        // Two of the above.
        _ => {
            let (k1, k2) = (1 + rng.below(5), 1 + rng.below(5));
            let once = mutate(rng, src, k1);
            return mutate(rng, &once, k2);
        }
    }
    v
}

fn fixtures_of(dirs: &[&str]) -> Vec<(String, Vec<u8>)> {
    let root = crate::common::fixtures_dir();
    let mut out = Vec::new();
    for d in dirs {
        let mut files: Vec<_> = std::fs::read_dir(root.join(d))
            .unwrap_or_else(|e| panic!("{d}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for p in files {
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
    assert!(!out.is_empty(), "no fixtures in {dirs:?}");
    out
}

#[test]
fn mutated_real_fixtures_keep_the_invariants() {
    for (format, parse, dirs) in PARSERS {
        let started = Instant::now();
        let mut rng = Rng(0x5EED_0000 ^ format.len() as u64);
        let (mut inputs, mut oks) = (0, 0);
        for (name, bytes) in fixtures_of(dirs) {
            // Big files cost more per parse in a debug build: fewer mutations, same variety.
            let count = (1_000_000 / bytes.len().max(1)).clamp(4, 120);
            for i in 0..count {
                let m = mutate(&mut rng, &bytes, i);
                let what = format!("{name} mutation {i} ({} bytes)", m.len());
                inputs += 1;
                oks += usize::from(check(format, parse, &m, &what).is_ok());
            }
        }
        eprintln!("{format}: {inputs} mutated inputs, {oks} parsed, in {:?}", started.elapsed());
        assert!(inputs >= 300, "{format}: only {inputs} inputs");
    }
}

#[test]
fn other_formats_fixtures_are_refused_or_parsed_cleanly() {
    // Every parser is fed every other format's files (the commonest wrong upload).
    for (format, parse, _) in PARSERS {
        for (_, _, dirs) in PARSERS {
            for (name, bytes) in fixtures_of(dirs) {
                let _ = check(format, parse, &bytes, &format!("{format} on {name}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Hostile documents

fn all_parsers() -> impl Iterator<Item = (&'static str, Parser)> {
    PARSERS.into_iter().map(|(f, p, _)| (f, p))
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    const DEPTH: usize = 100_000;
    let arrays = [vec![b'['; DEPTH], vec![b']'; DEPTH]].concat();
    let mut objects = b"{\"a\":".repeat(DEPTH);
    objects.extend(b"1");
    objects.extend(vec![b'}'; DEPTH]);
    // The same, inside a document each parser recognises.
    let wrap = |prefix: &str, deep: &[u8], suffix: &str| [prefix.as_bytes(), deep, suffix.as_bytes()].concat();
    for (format, parse) in all_parsers() {
        for (what, doc) in [("arrays", arrays.clone()), ("objects", objects.clone())] {
            let e = check(format, parse, &doc, &format!("{format} {what}")).expect_err("deep document");
            if format != "sarif" {
                assert!(e.message.contains("recursion limit"), "{format} {what}: {e}");
            }
        }
    }
    for (format, parse, doc) in [
        ("trivy", trivy::parse as Parser, wrap(r#"{"SchemaVersion":2,"Results":"#, &arrays, "}")),
        ("grype", grype::parse, wrap(r#"{"matches":[],"x":"#, &objects, "}")),
        ("cyclonedx", cyclonedx::parse, wrap(r#"{"bomFormat":"CycloneDX","vulnerabilities":"#, &arrays, "}")),
        ("osv", osv::parse, wrap(r#"{"results":"#, &objects, "}")),
    ] {
        let e = check(format, parse, &doc, format).expect_err("deep member");
        assert!(e.message.contains("recursion limit"), "{format}: {e}");
    }
    // SARIF reads with typed structs: nesting where a value is read is an error at that value;
    // in members it does not read, serde_json skips it iteratively (see sarif.rs).
    let doc = wrap(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":"#, &objects, "}]}");
    let e = sarif::parse(&doc).expect_err("results is not an array");
    assert_eq!(e.path, "runs[0].results", "{e}");
}

/// A document of each format with `text` as the string a finding keeps as its title (or
/// description), and `n` findings.
fn doc_with_text(format: &str, text: &str, n: usize) -> String {
    let mut items = String::new();
    let sep = |i: usize| if i == 0 { "" } else { "," };
    match format {
        "sarif" => {
            for i in 0..n {
                write!(items, r#"{}{{"ruleId":"R{i}","message":{{"text":"{text}"}}}}"#, sep(i)).unwrap();
            }
            format!(r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"t"}}}},"results":[{items}]}}]}}"#)
        }
        "trivy" => {
            for i in 0..n {
                write!(
                    items,
                    r#"{}{{"VulnerabilityID":"CVE-2024-{i:04}","PkgName":"p","Severity":"HIGH","Title":"{text}"}}"#,
                    sep(i)
                )
                .unwrap();
            }
            format!(r#"{{"SchemaVersion":2,"Results":[{{"Target":"t","Vulnerabilities":[{items}]}}]}}"#)
        }
        "grype" => {
            for i in 0..n {
                write!(
                    items,
                    r#"{}{{"vulnerability":{{"id":"CVE-2024-{i:04}","description":"{text}"}},"artifact":{{"name":"a"}}}}"#,
                    sep(i)
                )
                .unwrap();
            }
            format!(r#"{{"matches":[{items}]}}"#)
        }
        "cyclonedx" => {
            for i in 0..n {
                write!(items, r#"{}{{"id":"CVE-2024-{i:04}","description":"{text}"}}"#, sep(i)).unwrap();
            }
            format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","vulnerabilities":[{items}]}}"#)
        }
        "osv" => {
            for i in 0..n {
                write!(items, r#"{}{{"id":"GHSA-{i:04}","summary":"{text}"}}"#, sep(i)).unwrap();
            }
            format!(
                r#"{{"results":[{{"source":{{"path":"go.sum"}},"packages":[{{"package":{{"name":"p"}},"vulnerabilities":[{items}]}}]}}]}}"#
            )
        }
        _ => unreachable!(),
    }
}

#[test]
fn a_50_mb_string_is_cut_to_the_title_cap() {
    let big = "é".repeat(25 * 1024 * 1024); // 50 MiB of two-byte characters
    for (format, parse) in all_parsers() {
        let doc = doc_with_text(format, &big, 1);
        let scan = check(format, parse, doc.as_bytes(), format).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(scan.findings.len(), 1, "{format}");
        let t = &scan.findings[0].title;
        assert!(t.len() <= TITLE_MAX && t.starts_with("éé"), "{format}: {} bytes", t.len());
        assert!(kept_bytes(&scan) < 8 * 1024, "{format}: keeps {} bytes", kept_bytes(&scan));
    }
}

#[test]
fn a_huge_rule_text_shared_by_50k_results_is_not_copied_per_finding() {
    // One rule whose description, name and tags are 1 MB each, and 50,000 results pointing at
    // it: copying the text per finding would hold 150 GB.
    const N: usize = 50_000;
    let mb = "CVE-2024-1234 ".repeat(75_000); // ~1 MB, full of alias-looking ids
    let mut doc = String::with_capacity(N * 40 + 4 * mb.len());
    write!(
        doc,
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"t","rules":[{{"id":"R","name":"{mb}","shortDescription":{{"text":"{mb}"}},"properties":{{"tags":["{mb}"]}}}}]}}}},"results":["#
    )
    .unwrap();
    for i in 0..N {
        write!(doc, r#"{}{{"ruleIndex":0,"message":{{"text":"m{i}"}}}}"#, if i == 0 { "" } else { "," }).unwrap();
    }
    doc.push_str("]}]}");
    let started = Instant::now();
    let scan = sarif::parse(doc.as_bytes()).unwrap();
    let took = started.elapsed();
    assert_eq!(scan.findings.len(), N);
    check_scan("sarif", &scan, "shared rule");
    let per_finding = kept_bytes(&scan) / N;
    eprintln!("50k results sharing 3 MB of rule text: {per_finding} kept bytes per finding, {took:?}");
    assert!(per_finding < 2 * 1024, "{per_finding} bytes kept per finding");
    assert_eq!(scan.findings[0].aliases, vec!["CVE-2024-1234".to_owned()]);

    // The same through a messageStrings template, an artifact and a base URI (fewer results:
    // each still reads a bounded window of the shared text).
    let m_results: usize = 10_000;
    let mut doc = String::new();
    write!(
        doc,
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"{mb}","rules":[{{"id":"R","messageStrings":{{"m":{{"text":"{mb} {{0}}{{0}}{{0}}"}}}}}}]}}}},"originalUriBaseIds":{{"B":{{"uri":"file:///{mb}/"}}}},"artifacts":[{{"location":{{"uri":"{mb}","uriBaseId":"B"}}}}],"results":["#
    )
    .unwrap();
    for i in 0..m_results {
        write!(
            doc,
            r#"{}{{"ruleId":"R","message":{{"id":"m","arguments":["{i}"]}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"index":0}},"region":{{"startLine":{i}}}}}}}]}}"#,
            if i == 0 { "" } else { "," }
        )
        .unwrap();
    }
    doc.push_str("]}]}");
    let scan = check("sarif", sarif::parse, doc.as_bytes(), "shared template").unwrap();
    assert_eq!(scan.findings.len(), m_results);
    assert!(kept_bytes(&scan) / m_results < 8 * 1024, "{} per finding", kept_bytes(&scan) / m_results);
    assert_eq!(scan.findings.iter().map(|f| &f.fingerprint).collect::<HashSet<_>>().len(), m_results);
}

#[test]
fn repetition_in_the_dependency_formats_stays_linear() {
    let mb = "x".repeat(1 << 20);
    // CycloneDX: one vulnerability with 10,000 references × 10,000 affects (100 M aliases if
    // each finding kept them all).
    let refs: Vec<String> = (0..10_000).map(|i| format!(r#"{{"id":"GHSA-{i}"}}"#)).collect();
    let affects: Vec<String> = (0..10_000).map(|i| format!(r#"{{"ref":"pkg:npm/p{i}@1"}}"#)).collect();
    let doc = format!(
        r#"{{"bomFormat":"CycloneDX","metadata":{{"tools":[{{"name":"{mb}"}}]}},"vulnerabilities":[{{"id":"CVE-2024-0001","description":"{mb}","references":[{}],"affects":[{}]}}]}}"#,
        refs.join(","),
        affects.join(",")
    );
    let scan = check("cyclonedx", cyclonedx::parse, doc.as_bytes(), "cdx").unwrap();
    assert_eq!(scan.findings.len(), 10_000);
    assert!(scan.findings.iter().all(|f| f.aliases.len() == ALIASES_MAX));

    // osv-scanner: 10,000 groups all naming one advisory with 10,000 aliases and a 1 MB summary.
    let aliases: Vec<String> = (0..10_000).map(|i| format!(r#""CVE-2024-{i:05}""#)).collect();
    let groups: Vec<String> = (0..10_000).map(|_| r#"{"ids":["GHSA-x"]}"#.to_owned()).collect();
    let doc = format!(
        r#"{{"results":[{{"source":{{"path":"{mb}"}},"packages":[{{"package":{{"name":"p"}},"groups":[{}],"vulnerabilities":[{{"id":"GHSA-x","summary":"{mb}","aliases":[{}]}}]}}]}}]}}"#,
        groups.join(","),
        aliases.join(",")
    );
    let scan = check("osv", osv::parse, doc.as_bytes(), "osv").unwrap();
    assert_eq!(scan.findings.len(), 10_000);
    assert!(kept_bytes(&scan) < 10_000 * 8 * 1024);

    // Trivy: a 1 MB target shared by 20,000 vulnerabilities; a k8s resource name likewise.
    let vulns: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"VulnerabilityID":"CVE-2024-{i:05}","PkgName":"p","Severity":"LOW"}}"#))
        .collect();
    let doc = format!(
        r#"{{"ClusterName":"c","Resources":[{{"Kind":"Pod","Name":"{mb}","Results":[{{"Target":"{mb}","Vulnerabilities":[{}]}}]}}]}}"#,
        vulns.join(",")
    );
    let scan = check("trivy", trivy::parse, doc.as_bytes(), "trivy").unwrap();
    assert_eq!(scan.findings.len(), 20_000);
    assert!(kept_bytes(&scan) < 20_000 * 4 * 1024);

    // Grype: a 1 MB source shared by 20,000 matches without a location (and the duplicate check
    // must not be quadratic).
    let matches: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"vulnerability":{{"id":"CVE-2024-{i:05}"}},"artifact":{{"name":"a"}}}}"#))
        .collect();
    let doc = format!(r#"{{"source":{{"target":"{mb}"}},"matches":[{}]}}"#, matches.join(","));
    let scan = check("grype", grype::parse, doc.as_bytes(), "grype").unwrap();
    assert_eq!(scan.findings.len(), 20_000);
    assert!(kept_bytes(&scan) < 20_000 * 4 * 1024);
}

#[test]
fn a_million_keys_in_one_object_is_fine() {
    let mut keys = String::with_capacity(12_000_000);
    for i in 0..1_000_000 {
        write!(keys, r#""k{i}":0,"#).unwrap();
    }
    for (format, parse, doc) in [
        ("sarif", sarif::parse as Parser, format!(r#"{{{keys}"version":"2.1.0","runs":[]}}"#)),
        ("trivy", trivy::parse, format!(r#"{{{keys}"SchemaVersion":2,"Results":[]}}"#)),
        ("grype", grype::parse, format!(r#"{{{keys}"matches":[]}}"#)),
        ("cyclonedx", cyclonedx::parse, format!(r#"{{{keys}"bomFormat":"CycloneDX"}}"#)),
        ("osv", osv::parse, format!(r#"{{{keys}"results":[]}}"#)),
    ] {
        let scan = check(format, parse, doc.as_bytes(), format).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert!(scan.findings.is_empty());
    }
}

#[test]
fn nul_bytes_and_invalid_utf8_in_strings_are_clean_errors() {
    for (format, parse) in all_parsers() {
        for (what, text) in [("raw NUL", "a\0b"), ("raw control", "a\x01b")] {
            let doc = doc_with_text(format, text, 1);
            let e = check(format, parse, doc.as_bytes(), format).expect_err(what);
            assert!(e.message.contains("control character"), "{format} {what}: {e}");
        }
        let doc = doc_with_text(format, "MARK", 1).into_bytes();
        let at = doc.windows(4).position(|w| w == b"MARK").unwrap();
        for bad in [&b"\xff"[..], b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"] {
            let mut d = doc.clone();
            d.splice(at..at + 4, bad.iter().copied());
            let e = check(format, parse, &d, format).expect_err("invalid UTF-8");
            assert!(e.message.contains("unicode") || e.message.contains("UTF-8"), "{format}: {e}");
        }
        // A lone surrogate escape is refused too.
        let d = doc_with_text(format, r"\ud800", 1);
        check(format, parse, d.as_bytes(), format).expect_err("lone surrogate");
        // An escaped NUL is valid JSON: accepted, and not kept (PostgreSQL text cannot hold it).
        let d = doc_with_text(format, r"a\u0000b", 1);
        let scan = check(format, parse, d.as_bytes(), format).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(scan.findings[0].title, "ab", "{format}");
    }
}
