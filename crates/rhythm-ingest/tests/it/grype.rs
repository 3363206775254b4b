//! Grype parser against the real fixtures and their facts.json.

use std::collections::BTreeMap;

use crate::common::{assert_bom_ok, assert_fingerprints, assert_rejects_garbage, facts, read, severities};
use rhythm_domain::Severity;
use rhythm_ingest::grype::parse;

/// Matches Grype reported twice with identical vulnerability, artifact and location (one
/// finding each under the dedup rule): dd_check_all_fields has GHSA-v6rh-hp5x-86rv on
/// Django 3.2.9 twice.
fn exact_duplicates(name: &str) -> usize {
    usize::from(name == "grype/dd_check_all_fields.json")
}

#[test]
fn every_grype_fixture_parses_with_the_facts_counts() {
    for (name, f) in facts("grype/") {
        let bytes = read(&name);
        let scan = assert_fingerprints(&name, parse, &bytes);
        assert_eq!(scan.format, "grype");
        let matches = f["matches"].as_u64().unwrap() as usize;
        let ignored = f["ignoredMatches"].as_u64().unwrap() as usize;
        assert_eq!(scan.findings.len(), matches + ignored - exact_duplicates(&name), "{name}: finding count");
        assert_eq!(scan.findings.iter().filter(|x| x.suppression.is_some()).count(), ignored, "{name}");
        let facts_sev = f["severity_counts"].as_object().unwrap();
        if exact_duplicates(&name) == 0
            && !facts_sev.contains_key("Unknown")
            && !facts_sev.contains_key("(null/absent)")
        {
            let mut want = BTreeMap::new();
            for (k, v) in facts_sev {
                let k = if k == "Negligible" { "info".to_owned() } else { k.to_ascii_lowercase() };
                *want.entry(k).or_insert(0) += v.as_u64().unwrap() as usize;
            }
            assert_eq!(severities(&scan), want, "{name}: severities");
        } else if exact_duplicates(&name) == 0 {
            // Unknown / null severities come from the CVSS score, else info.
            let mut want = BTreeMap::new();
            for (k, v) in facts_sev.iter().filter(|(k, _)| *k != "Unknown" && *k != "(null/absent)") {
                let k = if k == "Negligible" { "info".to_owned() } else { k.to_ascii_lowercase() };
                *want.entry(k).or_insert(0) += v.as_u64().unwrap() as usize;
            }
            crate::common::assert_severities_at_least(&name, &scan, &want);
        } else {
            // dd_check_all_fields: High 3 in the facts, one of them the duplicate Django match.
            let want = BTreeMap::from([("critical".to_owned(), 2), ("high".to_owned(), 2), ("info".to_owned(), 1)]);
            assert_eq!(severities(&scan), want, "{name}: severities");
        }
        // Fixed versions only for matches whose fix state is `fixed`.
        let fixed = f["fix_state_counts"].get("fixed").and_then(serde_json::Value::as_u64).unwrap_or(0) as usize;
        if name != "grype/dd_many_vulns3.json" {
            assert_eq!(
                scan.findings.iter().filter(|x| x.fixed_version.is_some()).count(),
                fixed - usize::from(exact_duplicates(&name) > 0),
                "{name}: fixed versions"
            );
        }
        assert!(scan.findings.iter().all(|x| x.component.is_some() && x.version.is_some() && x.location.is_some()));
        assert_bom_ok(parse, &bytes);
    }
}

#[test]
fn check_all_fields_values() {
    let scan = parse(&read("grype/dd_check_all_fields.json")).unwrap();
    let django = scan.findings.iter().find(|f| f.rule == "GHSA-v6rh-hp5x-86rv").unwrap();
    assert_eq!(django.component.as_deref(), Some("Django"));
    assert_eq!(django.version.as_deref(), Some("3.2.9"));
    assert_eq!(django.fixed_version.as_deref(), Some("3.2.10"));
    assert_eq!(django.aliases, ["CVE-2021-44420"]);
    assert_eq!(django.severity, Severity::High);
    assert!(django.cvss_vector.as_deref().unwrap().starts_with("CVSS:3.1/"), "{:?}", django.cvss_vector);
    // wont-fix lists versions but has no fix to take.
    let redis = scan.findings.iter().find(|f| f.rule == "CVE-2021-32626").unwrap();
    assert_eq!(redis.fixed_version, None);
    let krb = scan.findings.iter().find(|f| f.rule == "CVE-2004-0971").unwrap();
    assert_eq!(krb.severity, Severity::Info, "Negligible");
    assert_eq!(krb.location.as_deref(), Some("/var/lib/dpkg/status"));
    assert_eq!(krb.cvss_score, Some(2.1));
}

#[test]
fn same_cve_on_two_paths_and_two_jar_versions_are_distinct() {
    let scan = parse(&read("grype/dd_same_cve_different_paths.json")).unwrap();
    assert_eq!(scan.findings.len(), 2);
    assert_ne!(scan.findings[0].location, scan.findings[1].location);
    let scan = parse(&read("grype/dd_issue_9618.json")).unwrap();
    let mut avro: Vec<_> = scan
        .findings
        .iter()
        .filter(|f| f.rule == "CVE-2023-39410")
        .map(|f| (f.version.clone().unwrap(), f.fixed_version.clone().unwrap()))
        .collect();
    avro.sort();
    assert_eq!(avro, [("1.11.1".to_owned(), "1.11.3".to_owned()), ("1.9.2".to_owned(), "1.11.3".to_owned())]);
    // The match with a null severity takes it from the related NVD record's CVSS v3 score.
    let f = scan.findings.iter().find(|f| f.rule == "CVE-2024-26308").unwrap();
    assert_eq!((f.cvss_score, f.severity), (Some(7.5), Severity::High), "{f:?}");
}

#[test]
fn old_schema_unknown_severity_and_fixed_in_version() {
    let scan = parse(&read("grype/dd_many_vulns3.json")).unwrap();
    let f = scan.findings.iter().find(|f| f.rule == "CVE-2021-24031").unwrap();
    assert_eq!(f.fixed_version.as_deref(), Some("1.3.8+dfsg-3+deb10u1"));
    assert_eq!(f.severity, Severity::Info);
    let bash = scan.findings.iter().find(|f| f.rule == "CVE-2019-18276").unwrap();
    assert_eq!(bash.component.as_deref(), Some("bash"));
    assert_eq!(bash.cvss_score, Some(7.2));
    assert_eq!(bash.severity, Severity::Info, "Negligible");
}

#[test]
fn ignored_matches_are_suppressed_findings() {
    // The real report with its matches moved to ignoredMatches, as `grype --show-suppressed`
    // / an ignore rule in .grype.yaml would write them.
    let mut doc: serde_json::Value = serde_json::from_slice(&read("grype/grype_presenter_images.json")).unwrap();
    let mut ignored = doc["matches"].take();
    for m in ignored.as_array_mut().unwrap() {
        m["appliedIgnoreRules"] = serde_json::json!([{"vulnerability": "", "vex-status": "not_affected", "vex-justification": "vulnerable_code_not_present"}]);
    }
    doc["matches"] = serde_json::json!([]);
    doc["ignoredMatches"] = ignored;
    let scan = parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(scan.findings.len(), 2);
    for f in &scan.findings {
        let s = f.suppression.as_ref().unwrap();
        assert_eq!(s.kind, "not_affected");
        assert_eq!(s.justification.as_deref(), Some("vulnerable_code_not_present"));
    }
}

#[test]
fn fingerprint_ignores_the_installed_version() {
    let raw = String::from_utf8(read("grype/dd_issue_9618.json")).unwrap();
    let a = parse(raw.as_bytes()).unwrap();
    let b = parse(raw.replace("avro-1.11.1.jar", "avro-1.11.2.jar").replace("\"1.11.1\"", "\"1.11.2\"").as_bytes())
        .unwrap();
    let fa: Vec<_> = a.findings.iter().map(|f| &f.fingerprint).collect();
    let fb: Vec<_> = b.findings.iter().map(|f| &f.fingerprint).collect();
    assert_eq!(fa, fb);
}

#[test]
fn malformed_input_errors_name_the_path() {
    assert_rejects_garbage(parse);
    let e = parse(&read("trivy/pip.json")).unwrap_err();
    assert_eq!(e.path, "$");
    assert!(e.message.contains("Trivy"), "{e}");
    assert_eq!(parse(b"null").unwrap_err().path, "$");
    let raw = String::from_utf8(read("grype/dd_same_cve_different_paths.json")).unwrap();
    let bad = raw.replacen("\"Critical\"", "\"Severe\"", 1);
    assert_ne!(bad, raw);
    assert_eq!(parse(bad.as_bytes()).unwrap_err().path, "matches[0].vulnerability.severity");
    let e =
        parse(br#"{"matches":[{"vulnerability":{"id":"CVE-1"},"artifact":{"name":"a","locations":{}}}]}"#).unwrap_err();
    assert_eq!(e.path, "matches[0].artifact.locations", "{e}");
    let e = parse(br#"{"matches":[{"artifact":{"name":"a"}}]}"#).unwrap_err();
    assert_eq!(e.path, "matches[0]", "{e}");
    assert!(e.message.contains("vulnerability"), "{e}");
}
