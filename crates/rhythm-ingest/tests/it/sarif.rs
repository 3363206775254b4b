//! The SARIF parser against the real files in the shared fixtures folder and their facts
//! (`facts.json`, computed from each file independently of this parser). The folder is found
//! by `common::fixtures_dir`; a missing folder fails the tests, it does not skip them.

use std::collections::{BTreeMap, HashSet};

use rhythm_domain::Severity;
use rhythm_ingest::sarif::parse;
use rhythm_ingest::{Scan, ScannedFinding};
use serde_json::Value;

use crate::common::read;

/// The facts of the SARIF fixtures.
fn facts() -> BTreeMap<String, Value> {
    crate::common::facts("sarif/")
}

fn scan(name: &str) -> Scan {
    parse(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn runs(fact: &Value) -> &[Value] {
    fact["run_details"].as_array().map_or(&[], Vec::as_slice)
}

fn num(v: &Value, key: &str) -> usize {
    v.get(key).and_then(Value::as_u64).unwrap_or(0) as usize
}

/// Results that are not findings by the parser's rule: kind pass / notApplicable / informational.
fn not_findings(run: &Value) -> usize {
    ["pass", "notApplicable", "informational"].iter().map(|k| num(&run["kind_counts"], k)).sum()
}

#[test]
fn every_sarif_fixture_parses_with_the_counts_of_its_facts() {
    let facts = facts();
    assert!(facts.len() >= 30, "expected the 30 SARIF fixtures, facts list {}", facts.len());
    for (name, fact) in &facts {
        let s = scan(name);
        assert_eq!(s.format, "sarif");
        let expected: usize = runs(fact).iter().map(|r| num(r, "results") - not_findings(r)).sum();
        assert_eq!(
            num(fact, "total_results"),
            runs(fact).iter().map(|r| num(r, "results")).sum::<usize>(),
            "{name}: facts are self-consistent"
        );
        assert_eq!(s.findings.len(), expected, "{name}: findings = results minus pass/notApplicable/informational");

        // Per run, as far as the tool name tells runs apart: sum the facts per driver name.
        let mut per_tool: BTreeMap<String, usize> = BTreeMap::new();
        for r in runs(fact) {
            let tool = r["driver_name"].as_str().unwrap_or("(unknown tool)").to_owned();
            *per_tool.entry(tool).or_default() += num(r, "results") - not_findings(r);
        }
        per_tool.retain(|_, n| *n > 0);
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for f in &s.findings {
            *got.entry(f.tool.clone()).or_default() += 1;
        }
        assert_eq!(got, per_tool, "{name}: findings per tool (run driver)");

        for f in &s.findings {
            assert!(!f.rule.trim().is_empty(), "{name}: empty rule in {f:?}");
            assert!(!f.title.trim().is_empty(), "{name}: empty title in {f:?}");
            assert!(f.title.chars().count() <= 300, "{name}: title too long");
            assert_eq!(f.fingerprint.len(), 64, "{name}: fingerprint is sha-256 hex");
            assert!(f.fingerprint.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }
    }
}

#[test]
fn the_pass_result_of_flawfinder_is_not_a_finding() {
    let fact = &facts()["sarif/flawfinder.sarif"];
    assert_eq!(num(&runs(fact)[0]["kind_counts"], "pass"), 1);
    let s = scan("sarif/flawfinder.sarif");
    assert_eq!(s.findings.len(), 53);
    assert!(s.findings.iter().all(|f| f.rule != "FF1013" || f.location.is_some()));
}

#[test]
fn suppressed_counts_and_kinds_match_the_facts() {
    for (name, fact) in &facts() {
        let s = scan(name);
        let mut kinds_fact: BTreeMap<String, usize> = BTreeMap::new();
        let mut expected = 0;
        for r in runs(fact) {
            // results_with_suppressions counts results with the key, including empty arrays.
            let not_suppressing = num(r, "results_with_empty_suppressions_array")
                + num(&r["suppression_status_counts"], "rejected")
                + num(&r["suppression_status_counts"], "underReview");
            expected += num(r, "results_with_suppressions") - not_suppressing;
            if let Some(k) = r["suppression_kinds"].as_object() {
                for (kind, n) in k {
                    *kinds_fact.entry(kind.clone()).or_default() += n.as_u64().unwrap_or(0) as usize;
                }
            }
        }
        let suppressed: Vec<&ScannedFinding> = s.findings.iter().filter(|f| f.suppression.is_some()).collect();
        assert_eq!(suppressed.len(), expected, "{name}: suppressed findings");
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for f in &suppressed {
            *kinds.entry(f.suppression.as_ref().unwrap().kind.clone()).or_default() += 1;
        }
        assert_eq!(kinds, kinds_fact, "{name}: suppression kinds");
    }
}

#[test]
fn eslint_empty_suppressions_arrays_are_not_suppressions_and_justifications_are_kept() {
    let s = scan("sarif/eslint_klimatbyran_large.sarif");
    assert_eq!(s.findings.len(), 2429);
    assert_eq!(s.findings.iter().filter(|f| f.suppression.is_some()).count(), 3);

    let s = scan("sarif/eslint_uptime_watcher.sarif");
    let justified: Vec<_> = s.findings.iter().filter_map(|f| f.suppression.as_ref()?.justification.clone()).collect();
    assert_eq!(justified, ["API Compability"]);
    // Windows file:///C:/… URIs with %20 are decoded.
    assert!(
        s.findings.iter().all(|f| f.location.as_deref().is_some_and(|l| l.starts_with("C:/") && !l.contains("%20")))
    );

    let s = scan("sarif/sarif_sdk_suppression_status_accepted.sarif");
    let sup: Vec<_> = s.findings.iter().filter_map(|f| f.suppression.clone()).collect();
    assert_eq!(sup.len(), 1);
    assert_eq!(sup[0].kind, "external");
    assert_eq!(sup[0].justification.as_deref(), Some("justification"));
}

#[test]
fn the_spec_appendix_suppression_uses_the_pre_release_state_name() {
    let s = scan("sarif/spec_appendix_k_comprehensive.sarif");
    let f = &s.findings[0];
    assert_eq!(f.rule, "C2001");
    assert_eq!(f.suppression.as_ref().map(|x| x.kind.as_str()), Some("external"));
    assert_eq!(f.baseline_state.as_deref(), Some("existing"));
    assert_eq!(f.severity, Severity::High);
    // uriBaseId SRCROOT → PROJECTROOT (file://build.example.com/work/) resolved, scheme removed.
    assert_eq!(f.location.as_deref(), Some("build.example.com/work/src/collections/list.h:15"));
    // The message is given by id + arguments; the title comes from the rule.
    assert_eq!(f.title, "A variable was used without being initialized.");
}

#[test]
fn rejected_and_under_review_suppressions_do_not_suppress() {
    let doc = |status: &str| {
        format!(
            r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"t"}}}},"results":[
            {{"ruleId":"R1","message":{{"text":"m"}},"suppressions":[{{"kind":"external","status":"{status}"}}]}}]}}]}}"#
        )
    };
    for (status, suppressed) in [("accepted", true), ("rejected", false), ("underReview", false)] {
        let s = parse(doc(status).as_bytes()).unwrap();
        assert_eq!(s.findings[0].suppression.is_some(), suppressed, "status {status}");
    }
}

#[test]
fn fingerprints_are_unique_within_each_file_and_stable() {
    for (name, fact) in &facts() {
        let bytes = read(name);
        let a = parse(&bytes).unwrap();
        let b = parse(&bytes).unwrap();
        assert_eq!(a, b, "{name}: parsing the same bytes twice");
        let fps: HashSet<&str> = a.findings.iter().map(|f| f.fingerprint.as_str()).collect();
        // Unique in every file, also where the tool's fingerprints repeat (flawfinder's
        // contextHash for the same line content on two lines, the shellcheck converter's
        // duplicated results): repeats get their occurrence number mixed in.
        assert_eq!(fps.len(), a.findings.len(), "{name}: fingerprints unique");
        let _ = fact;
    }
}

#[test]
fn fingerprints_come_from_the_scanner_when_it_gives_them() {
    // Same partialFingerprints → same fingerprint even when the line moves.
    let doc = |line: u32, pfp: &str| {
        format!(
            r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"CodeQL"}}}},"results":[
            {{"ruleId":"py/x","message":{{"text":"m"}},"partialFingerprints":{{"primaryLocationLineHash":"{pfp}"}},
              "locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"a.py"}},"region":{{"startLine":{line}}}}}}}]}}]}}]}}"#
        )
    };
    let fp = |d: String| parse(d.as_bytes()).unwrap().findings[0].fingerprint.clone();
    assert_eq!(fp(doc(10, "abc:1")), fp(doc(12, "abc:1")));
    assert_ne!(fp(doc(10, "abc:1")), fp(doc(10, "abc:2")));

    // Black Duck's {"value": …} objects are read: changing the value changes the fingerprint.
    let bd = read("sarif/blackduck_nested_fingerprints.sarif");
    let text = String::from_utf8(bd.clone()).unwrap();
    let first_value = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert!(text.contains(first_value));
    let changed = text.replacen(first_value, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 1);
    let a = parse(&bd).unwrap();
    let b = parse(changed.as_bytes()).unwrap();
    assert_eq!(a.findings.len(), 5);
    assert_ne!(a.findings[0].fingerprint, b.findings[0].fingerprint);
    assert_eq!(a.findings[1..], b.findings[1..]);
}

#[test]
fn a_location_given_only_by_artifact_index_uses_run_artifacts() {
    let s = parse(
        br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},
        "originalUriBaseIds":{"SRC":{"uri":"file:///repo/"}},
        "artifacts":[{"location":{"uri":"a%20b.c","uriBaseId":"SRC"}}],
        "results":[{"ruleId":"R","message":{"text":"m"},
          "locations":[{"physicalLocation":{"artifactLocation":{"index":0},"region":{"startLine":3}}}]},
          {"ruleId":"R","message":{"text":"m"},
          "locations":[{"logicalLocations":[{"fullyQualifiedName":"ns::f"}]}]}]}]}"#,
    )
    .unwrap();
    assert_eq!(s.findings[0].location.as_deref(), Some("/repo/a b.c:3"));
    assert_eq!(s.findings[1].location.as_deref(), Some("ns::f"));
}

#[test]
fn codeql_spot_check() {
    let s = scan("sarif/codeql_python_defectdojo.sarif");
    let f = &s.findings[0];
    assert_eq!(f.tool, "CodeQL");
    assert_eq!(f.rule, "py/empty-except");
    assert_eq!(f.title, "Empty except");
    // No result level; the rule's defaultConfiguration.level is note → low.
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.location.as_deref(), Some("good/db_init.py:39"));
    assert_eq!(f.suppression, None);
    let rules: HashSet<&str> = s.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules.len(), 13);

    let lgtm = scan("sarif/lgtm_export_two_runs.sarif");
    assert_eq!(lgtm.findings.len(), 510);
}

#[test]
fn severities_from_security_severity_levels_and_properties() {
    // Numeric security-severity (CVSS) wins and becomes cvss_score.
    let s = scan("sarif/snyk_open_source_smithy.sarif");
    assert!(s.findings.iter().all(|f| f.cvss_score.is_some()));
    for f in &s.findings {
        let score = f.cvss_score.unwrap();
        let expected = if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else {
            Severity::Low
        };
        assert_eq!(f.severity, expected, "{f:?}");
    }
    let trivy = scan("sarif/trivy_alpine_310.sarif");
    assert!(trivy.findings.iter().all(|f| f.severity == Severity::Medium && f.cvss_score == Some(5.3)));

    // Word security-severity (Semgrep OSS): CRITICAL / HIGH / MEDIUM, no score.
    let semgrep = scan("sarif/semgrep_oss_fingerprints.sarif");
    assert!(semgrep.findings.iter().all(|f| f.cvss_score.is_none()));
    assert!(semgrep.findings.iter().any(|f| f.severity == Severity::Critical));

    // Result levels: SpotBugs is all note → low.
    assert!(scan("sarif/spotbugs.sarif").findings.iter().all(|f| f.severity == Severity::Low));

    // dependency-check: no rules, level error → high.
    assert!(scan("sarif/dependency_check.sarif").findings.iter().all(|f| f.severity == Severity::High));

    // Bandit: the one result without a level has issue_severity MEDIUM and a rule without level.
    let bandit = scan("sarif/bandit_1.8.6_insightvm.sarif");
    assert_eq!(bandit.findings.iter().filter(|f| f.severity == Severity::Low).count(), 171);
    assert_eq!(bandit.findings.iter().filter(|f| f.severity == Severity::Medium).count(), 1);

    // Nothing at all → SARIF's default level warning → medium.
    let s = parse(br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R","message":{"text":"m"}}]}]}"#).unwrap();
    assert_eq!(s.findings[0].severity, Severity::Medium);
    // level none → info.
    let s = parse(br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R","level":"none","message":{"text":"m"}}]}]}"#).unwrap();
    assert_eq!(s.findings[0].severity, Severity::Info);
}

#[test]
fn gitleaks_results_without_rule_id_get_the_rule_their_message_names() {
    let s = scan("sarif/gitleaks_7.5.0.sarif");
    assert_eq!(s.findings.len(), 8);
    for f in &s.findings {
        assert!(!f.rule.is_empty());
        assert_eq!(f.tool, "Gitleaks");
    }
    assert_eq!(s.findings[0].rule, "AWS Access Key");
}

#[test]
fn baseline_states_and_aliases() {
    let s = scan("sarif/sarif_sdk_baseline_states_all.sarif");
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for f in &s.findings {
        *states.entry(f.baseline_state.clone().unwrap_or_default()).or_default() += 1;
        assert_eq!(f.location, None, "results have no locations");
    }
    let fact = &facts()["sarif/sarif_sdk_baseline_states_all.sarif"];
    let want: BTreeMap<String, usize> = serde_json::from_value(runs(fact)[0]["baselineState_counts"].clone()).unwrap();
    assert_eq!(states, want);

    let grype = scan("sarif/grype_cxf_3.4.6.sarif");
    let f = &grype.findings[0];
    assert!(f.rule.starts_with("CVE-2008-0732-"));
    assert_eq!(f.aliases, ["CVE-2008-0732"]);
    assert_eq!(f.cvss_score, Some(2.1));
    assert_eq!(f.severity, Severity::Low);

    let bd = scan("sarif/blackduck_nested_fingerprints.sarif");
    assert_eq!(bd.findings[0].aliases, ["CVE-2020-11022"]);
}

#[test]
fn empty_runs_and_results_are_zero_findings_and_a_bom_is_accepted() {
    assert!(scan("sarif/edge_no_runs.sarif").findings.is_empty());
    assert!(scan("sarif/edge_two_runs_no_results.sarif").findings.is_empty());
    assert!(scan("sarif/eslint_codacy_no_results_rules_null.sarif").findings.is_empty());
    let s = parse(br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":null}]}"#).unwrap();
    assert!(s.findings.is_empty());

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(read("sarif/gosec_smithy.sarif"));
    assert_eq!(parse(&bom).unwrap(), scan("sarif/gosec_smithy.sarif"));
    let gosec = scan("sarif/gosec_smithy.sarif");
    // One gosec result (G404) has no ruleIndex; it still finds its rule by id.
    let g404 = gosec.findings.iter().find(|f| f.rule == "G404").unwrap();
    assert!(g404.title.contains("random"), "{g404:?}");
}

fn err(bytes: &[u8]) -> rhythm_ingest::ParseError {
    match parse(bytes) {
        Ok(s) => panic!("expected an error, got {} findings", s.findings.len()),
        Err(e) => e,
    }
}

#[test]
fn malformed_files_give_located_errors() {
    let gosec = read("sarif/gosec_smithy.sarif");
    let e = err(&gosec[..gosec.len() / 2]);
    assert!(e.message.contains("EOF"), "{e}");
    assert!(e.path.starts_with("runs[0]."), "{e}");

    let e = err(br#"{"version":"2.1.0","runs":{"tool":1}}"#);
    assert_eq!(e.path, "runs", "{e}");
    assert!(e.message.contains("invalid type: map, expected a sequence"), "{e}");

    let e = err(
        br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R","level":"bogus"}]}]}"#,
    );
    assert_eq!(e.path, "runs[0].results[0].level", "{e}");
    assert!(e.message.contains("unknown variant"), "{e}");
    assert_eq!(e.to_string().split(':').next(), Some("at runs[0].results[0].level"));

    let e = err(br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{},{},{},{"ruleId":7}]}]}"#);
    assert_eq!(e.path, "runs[0].results[3].ruleId", "{e}");

    let e = err(br#"{"version":"2.0.0","runs":[]}"#);
    assert_eq!(e.path, "version", "{e}");
    let e = err(br#"{"runs":[]}"#);
    assert_eq!(e.path, "version", "{e}");

    let e = err(b"");
    assert_eq!(e.path, "$", "{e}");
    let e = err(br#"{"version":"2.1.0","runs":[]} trailing"#);
    assert_eq!(e.path, "$", "{e}");
    let e = err(b"[1,2]");
    assert_eq!(e.path, "$", "{e}");
}

#[test]
fn deep_nesting_is_an_error_or_skipped_never_a_crash() {
    let deep = |n: usize| {
        let mut v = Vec::with_capacity(2 * n);
        v.extend(std::iter::repeat_n(b'[', n));
        v.extend(std::iter::repeat_n(b']', n));
        v
    };
    // A 10,000-deep array document: not a SARIF log object.
    let e = err(&deep(10_000));
    assert_eq!(e.path, "$", "{e}");

    // Deep nesting where a typed value is expected: an error at that value.
    let mut doc = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"#.to_vec();
    doc.extend(deep(10_000));
    doc.extend(br"}}}]}");
    let e = err(&doc);
    assert_eq!(e.path, "runs[0].tool.driver.name", "{e}");

    // Nesting in members the parser does not read (or reads only as "some scalar") is skipped by
    // serde_json without recursion (one byte of heap per level), so it is fine, even 1,000,000 deep.
    let mut doc = br#"{"version":"2.1.0","x":"#.to_vec();
    doc.extend(deep(1_000_000));
    doc.extend(br#","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R","properties":{"severity":"#);
    doc.extend(deep(1_000_000));
    doc.extend(br"}}]}]}");
    let s = parse(&doc).unwrap();
    assert_eq!(s.findings.len(), 1);
    assert_eq!(s.findings[0].severity, Severity::Medium);

    // Deep but unbalanced: an error, still no crash.
    let mut doc = br#"{"version":"2.1.0","x":"#.to_vec();
    doc.extend(std::iter::repeat_n(b'[', 1_000_000));
    let e = err(&doc);
    assert!(e.message.contains("EOF"), "{e}");

    // A huge string is just data.
    let big = "x".repeat(5_000_000);
    let doc = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"t"}}}},"results":[{{"ruleId":"R","message":{{"text":"{big}"}}}}]}}]}}"#
    );
    let s = parse(doc.as_bytes()).unwrap();
    assert_eq!(s.findings[0].title.chars().count(), 300);
}

/// A run large enough to be read on several threads: the findings come out in the file's
/// order, repeated fingerprints are told apart in that order, and an error in a later part is
/// located by its index in the whole run.
#[test]
fn a_large_run_reads_in_file_order_and_locates_errors() {
    const N: usize = 50_000;
    let doc = |bad_at: Option<usize>| {
        let mut s = String::from(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"big"}},"results":["#);
        for i in 0..N {
            if i > 0 {
                s.push(',');
            }
            let level = if bad_at == Some(i) { "bogus" } else { "warning" };
            // Results 10 and N - 10 share a fingerprint: the later one (in the last part) is the
            // second occurrence.
            let fp = if i == N - 10 { 10 } else { i };
            s.push_str(&format!(
                r#"{{"ruleId":"R{}","level":"{level}","message":{{"text":"m{i}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"f.js"}},"region":{{"startLine":{}}}}}}}],"partialFingerprints":{{"h":"{fp}"}}}}"#,
                i % 7,
                i + 1
            ));
        }
        s.push_str("]}]}");
        s.into_bytes()
    };
    let scan = parse(&doc(None)).expect("parses");
    assert_eq!(scan.findings.len(), N);
    for (i, f) in scan.findings.iter().enumerate() {
        assert_eq!(f.location.as_deref(), Some(&*format!("f.js:{}", i + 1)), "finding {i} is result {i}");
        assert_eq!(f.rule, format!("R{}", i % 7));
    }
    let mut fps: Vec<&str> = scan.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    fps.sort_unstable();
    fps.dedup();
    assert_eq!(fps.len(), N, "fingerprints are unique within the file");

    // The earlier of the two keeps the plain fingerprint (the one a file holding only it gets),
    // the later one is the derived second occurrence.
    let alone = parse(
        br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"big"}},"results":[{"ruleId":"R3","level":"warning","message":{"text":"m10"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"f.js"},"region":{"startLine":11}}}],"partialFingerprints":{"h":"10"}}]}]}"#,
    )
    .expect("parses");
    assert_eq!(scan.findings[10].fingerprint, alone.findings[0].fingerprint, "the first occurrence keeps it");
    assert_ne!(scan.findings[N - 10].fingerprint, alone.findings[0].fingerprint, "the second is told apart");

    let e = err(&doc(Some(N - 3)));
    assert_eq!(e.path, format!("runs[0].results[{}].level", N - 3), "{e}");
    assert!(e.message.contains("unknown variant"), "{e}");
}

#[test]
fn artifact_uris_are_percent_decoded_once_keeping_what_is_not_an_escape() {
    let s = parse(
        br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},
        "results":[{"ruleId":"R","message":{"text":"m"},"locations":[{"physicalLocation":
          {"artifactLocation":{"uri":"file:///src/a+b%20c%25%zz%e2%82%ac%FF.py%4"},"region":{"startLine":3}}}]}]}]}"#,
    )
    .unwrap();
    // `+` is not a space, `%25` is one `%`, `%zz` and a trailing `%4` stay, bytes that are not
    // UTF-8 become U+FFFD.
    assert_eq!(s.findings[0].location.as_deref(), Some("/src/a+b c%%zz€\u{FFFD}.py%4:3"));
}
