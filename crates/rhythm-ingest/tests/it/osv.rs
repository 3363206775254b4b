//! osv-scanner parser against the real fixtures and their facts.json.

use crate::common::{assert_bom_ok, assert_fingerprints, assert_rejects_garbage, facts, read};
use rhythm_domain::Severity;
use rhythm_ingest::osv::parse;

#[test]
fn every_osv_scanner_fixture_parses_one_finding_per_group() {
    for (name, f) in facts("osv/scanner/") {
        let bytes = read(&name);
        if f["empty_file"].as_bool() == Some(true) {
            // Zero bytes: refused (see the module doc), never "0 findings".
            let e = parse(&bytes).unwrap_err();
            assert_eq!(e.path, "$", "{name}");
            assert!(e.message.contains("empty"), "{e}");
            continue;
        }
        let scan = assert_fingerprints(&name, parse, &bytes);
        assert_eq!(scan.format, "osv");
        // All vulnerabilities of the fixtures are in a group: one finding per group.
        assert_eq!(scan.findings.len(), f["groups"].as_u64().unwrap() as usize, "{name}: finding count");
        assert!(scan.findings.len() <= f["vulnerability_entries"].as_u64().unwrap() as usize);
        assert!(scan.findings.iter().all(|x| x.suppression.is_none() && x.location.is_some()));
        // Every advisory id of the file is the rule or an alias of some finding.
        let raw: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        for r in raw["results"].as_array().unwrap() {
            for p in r["packages"].as_array().unwrap() {
                for v in p["vulnerabilities"].as_array().unwrap() {
                    let id = v["id"].as_str().unwrap();
                    assert!(
                        scan.findings.iter().any(|x| x.rule == id || x.aliases.iter().any(|a| a == id)),
                        "{name}: {id}"
                    );
                }
            }
        }
        assert_bom_ok(parse, &bytes);
    }
}

#[test]
fn osv_records_are_not_scanner_output() {
    for (name, _) in facts("osv/records/") {
        let e = parse(&read(&name)).unwrap_err();
        assert_eq!(e.path, "$", "{name}");
        assert!(e.message.contains("single OSV vulnerability record"), "{name}: {e}");
    }
}

#[test]
fn cargo_groups_collapse_ghsa_and_rustsec_under_the_cve() {
    let scan = parse(&read("osv/scanner/osv_scanner_multiple_packages_cargo.json")).unwrap();
    assert_eq!(scan.findings.len(), 3);
    let f = scan.findings.iter().find(|f| f.component.as_deref() == Some("smallvec")).unwrap();
    assert_eq!(f.rule, "CVE-2021-25900");
    assert_eq!(f.aliases, ["GHSA-43w2-9j62-hq99", "RUSTSEC-2021-0003"]);
    assert_eq!(f.version.as_deref(), Some("1.6.0"));
    assert_eq!(f.fixed_version.as_deref(), Some("1.6.1"), "the 1.x release line, not 0.6.14");
    assert_eq!(f.severity, Severity::Critical, "GitHub database_specific severity");
    assert_eq!(f.location.as_deref(), Some("/path/to/Cargo.lock"));
    assert!(f.cvss_vector.as_deref().unwrap().starts_with("CVSS:3"));
    // No CVE in the group: the group's first id.
    let m = scan.findings.iter().find(|f| f.component.as_deref() == Some("memoffset")).unwrap();
    assert_eq!((m.rule.as_str(), m.severity), ("GHSA-wfg4-322g-9vqv", Severity::Medium));
    assert_eq!(m.aliases, ["RUSTSEC-2023-0045"]);
}

#[test]
fn max_severity_string_scores() {
    let scan = parse(&read("osv/scanner/smithy_golang_raw_results.json")).unwrap();
    let f = scan.findings.iter().find(|f| f.rule == "CVE-2025-22869").unwrap();
    assert_eq!(f.component.as_deref(), Some("golang.org/x/crypto"));
    assert_eq!((f.cvss_score, f.severity), (Some(7.5), Severity::High));
    assert_eq!(f.fixed_version.as_deref(), Some("0.35.0"));
    let by_score = |s: f64| scan.findings.iter().filter(|f| f.cvss_score == Some(s)).count();
    assert_eq!((by_score(7.5), by_score(5.3), by_score(4.4)), (1, 1, 1));
}

#[test]
fn malicious_package_git_source_and_debian_urgency() {
    let scan = parse(&read("osv/scanner/dd_some_findings.json")).unwrap();
    assert_eq!(scan.findings[0].rule, "MAL-2023-1035");
    assert_eq!(scan.findings[0].severity, Severity::Critical);
    let scan = parse(&read("osv/scanner/dd_many_findings.json")).unwrap();
    let git = scan.findings.iter().find(|f| f.rule == "CVE-2023-50094").unwrap();
    assert_eq!(git.component, None);
    assert_eq!(git.version.as_deref(), Some("f5f3c22f3ed5a6804a2a8d9ee9fa43044cfa24a6"));
    let scan = parse(&read("osv/scanner/osv_scanner_debian_filter_input.json")).unwrap();
    let f = scan.findings.iter().find(|f| f.rule == "CVE-2024-1013").unwrap();
    assert_eq!((f.component.as_deref(), f.severity), (Some("unixodbc"), Severity::Info), "urgency unimportant");
}

#[test]
fn empty_results() {
    assert_eq!(parse(&read("osv/scanner/osv_scanner_results_empty.json")).unwrap().findings.len(), 0);
}

#[test]
fn malformed_input_errors_name_the_path() {
    assert_rejects_garbage(parse);
    let e = parse(&read("cyclonedx/dd_log4j.json")).unwrap_err();
    assert!(e.message.contains("CycloneDX"), "{e}");
    let e = parse(br#"{"results":[{"packages":[{"package":{"name":"a"},"groups":[{"ids":"x"}]}]}]}"#).unwrap_err();
    assert_eq!(e.path, "results[0].packages[0].groups[0].ids", "{e}");
    let raw = String::from_utf8(read("osv/scanner/dd_some_findings.json")).unwrap();
    let bad = raw.replacen("\"id\": \"MAL-2023-1035\"", "\"id\": null", 1);
    assert_ne!(bad, raw);
    assert_eq!(parse(bad.as_bytes()).unwrap_err().path, "results[0].packages[0].vulnerabilities[0].id");
    assert_eq!(parse(br#"{"results":null}"#).unwrap().findings.len(), 0);
}
