//! CycloneDX (BOM with vulnerabilities, VEX) parser against the real fixtures and facts.json.

use crate::common::{assert_bom_ok, assert_fingerprints, assert_rejects_garbage, count, facts, read, severities};
use rhythm_domain::Severity;
use rhythm_ingest::cyclonedx::parse;

#[test]
fn every_cyclonedx_fixture_parses_with_the_facts_counts() {
    for (name, f) in facts("cyclonedx/") {
        let bytes = read(&name);
        let scan = assert_fingerprints(&name, parse, &bytes);
        assert_eq!(scan.format, "cyclonedx");
        let vulns = f["vulnerabilities"].as_u64().unwrap() as usize;
        let affects = f["affects_entries"].as_u64().unwrap() as usize;
        let suppressed = scan.findings.iter().filter(|x| x.suppression.is_some()).count();
        let no_analysis = f["analysis_state_counts"].as_object().unwrap().is_empty();
        if no_analysis {
            // Every vulnerability × affects is an open finding.
            assert_eq!((scan.findings.len(), suppressed), (affects, 0), "{name}");
        } else if affects == vulns {
            // One affects per vulnerability: findings = affects minus the resolved ones,
            // suppressed = not_affected + false_positive.
            let resolved = count(&f, "analysis_state_counts", "resolved");
            assert_eq!(scan.findings.len(), affects - resolved, "{name}: finding count");
            let want = count(&f, "analysis_state_counts", "not_affected")
                + count(&f, "analysis_state_counts", "false_positive");
            assert_eq!(suppressed, want, "{name}: suppressed");
        } else {
            // CISA case 8: 8 statements over 11 affects; the 2 resolved statements have one
            // affects each; the 4 not_affected statements cover 5 affects.
            assert_eq!(name, "cyclonedx/bom_examples_cisa_case8_vex.json");
            assert_eq!((scan.findings.len(), suppressed), (11 - 2, 5), "{name}");
        }
        assert_bom_ok(parse, &bytes);
    }
}

#[test]
fn log4j_component_resolved_top_level_and_nested() {
    for name in ["cyclonedx/dd_log4j.json", "cyclonedx/dd_nested_component_log4j.json"] {
        let scan = parse(&read(name)).unwrap();
        assert_eq!(scan.findings.len(), 8);
        assert!(scan.findings.iter().all(|f| f.tool == "grype"));
        let f = scan.findings.iter().find(|f| f.rule == "CVE-2021-44228").unwrap();
        assert_eq!(f.component.as_deref(), Some("log4j-core"), "{name}");
        assert_eq!(f.version.as_deref(), Some("2.13.2"));
        // No v3 severity field: the CVSSv31 rating's score 10 makes it critical.
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.cvss_score, Some(10.0));
        assert_eq!(f.cvss_vector.as_deref(), Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"));
        assert_eq!(f.suppression, None, "in_triage stays open");
        // Severities: facts count the explicit rating severities (4 critical, 3 medium, 1 high).
        let sev = severities(&scan);
        assert_eq!(sev.get("critical"), Some(&4), "{sev:?}");
    }
}

#[test]
fn trivy_bom_prefers_nvd_cvss_v3_and_resolves_purl_refs() {
    let scan = parse(&read("cyclonedx/dd_issue_9277.json")).unwrap();
    assert!(scan.findings.iter().all(|f| f.tool == "trivy"));
    let f = scan.findings.iter().find(|f| f.rule == "CVE-2016-2781").unwrap();
    assert_eq!(f.component.as_deref(), Some("coreutils"));
    assert_eq!(f.version.as_deref(), Some("8.32-4.1ubuntu1"));
    assert_eq!((f.severity, f.cvss_score), (Severity::Medium, Some(6.5)));
    let tar = scan.findings.iter().find(|f| f.rule == "TEMP-0290435-0B57B5").unwrap();
    assert_eq!(tar.component.as_deref(), Some("tar"));
    assert_eq!(tar.version.as_deref(), Some("1.30+dfsg-6"));
    assert_eq!(tar.severity, Severity::Low);
}

#[test]
fn vex_states_map_to_suppressions() {
    let scan = parse(&read("cyclonedx/bom_examples_cisa_case1_not_affected.json")).unwrap();
    let s = scan.findings[0].suppression.as_ref().unwrap();
    assert_eq!(s.kind, "not_affected");
    assert!(s.justification.as_deref().unwrap().starts_with("code_not_present: This version of Product ABC"), "{s:?}");
    assert_eq!(scan.findings[0].location.as_deref(), Some("product-ABC"));
    assert_eq!(scan.findings[0].severity, Severity::Info, "no ratings");

    let scan = parse(&read("cyclonedx/dependency_track_vex_issue2549.json")).unwrap();
    let kinds: Vec<_> = scan.findings.iter().map(|f| f.suppression.as_ref().unwrap().kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "false_positive").count(), 2);
    assert!(scan.findings.iter().all(|f| f.severity == Severity::High));

    // Case 3: 19 statements, the 3 resolved ones are not findings.
    let scan = parse(&read("cyclonedx/bom_examples_cisa_case3_vex.json")).unwrap();
    assert_eq!(scan.findings.len(), 16);
    // Case 8: the same CVE × product in several statements keeps one identity per statement.
    let scan = parse(&read("cyclonedx/bom_examples_cisa_case8_vex.json")).unwrap();
    let abc: Vec<_> = scan
        .findings
        .iter()
        .filter(|f| f.rule == "CVE-2021-44228" && f.location.as_deref().unwrap().ends_with("#product-ABC"))
        .collect();
    assert_eq!(abc.len(), 2);
    assert_eq!(abc.iter().filter(|f| f.suppression.is_some()).count(), 1);
}

#[test]
fn ratings_without_v3_severity_and_explicit_severity() {
    let f = &parse(&read("cyclonedx/dd_no_severity.json")).unwrap().findings[0];
    assert_eq!((f.severity, f.cvss_score), (Severity::Critical, Some(10.0)));
    let f = &parse(&read("cyclonedx/bom_examples_vex.json")).unwrap().findings[0];
    assert_eq!((f.severity, f.cvss_score), (Severity::High, Some(7.5)), "the NVD rating first");
    let scan = parse(&read("cyclonedx/grype_presenter_image_cdx17.json")).unwrap();
    let f = scan.findings.iter().find(|f| f.rule == "CVE-1999-0001").unwrap();
    // The rating's explicit severity wins over its score (synthetic data says low for 8.2).
    assert_eq!((f.severity, f.cvss_score), (Severity::Low, Some(8.2)));
    assert_eq!(f.component.as_deref(), Some("package-1"));
    let f = &parse(&read("cyclonedx/dd_jake2.json")).unwrap().findings[0];
    assert_eq!(f.component.as_deref(), Some("Django"));
    assert_eq!(f.version.as_deref(), Some("2.0"));
    assert_eq!(f.rule, "CVE-2021-33203", "the CVE, not the OSS Index UUID");
    assert_eq!(f.aliases, ["c7129ff8-08bc-4afe-82ec-7d97b9491741"]);
}

#[test]
fn an_sbom_without_vulnerabilities_has_no_findings() {
    let mut doc: serde_json::Value = serde_json::from_slice(&read("cyclonedx/dd_jake2.json")).unwrap();
    doc.as_object_mut().unwrap().remove("vulnerabilities");
    assert_eq!(parse(&serde_json::to_vec(&doc).unwrap()).unwrap().findings.len(), 0);
}

#[test]
fn malformed_input_errors_name_the_path() {
    assert_rejects_garbage(parse);
    let e = parse(&read("grype/dd_no_vuln.json")).unwrap_err();
    assert_eq!(e.path, "$");
    assert!(e.message.contains("Grype"), "{e}");
    let e = parse(br#"{"bomFormat":"SPDX"}"#).unwrap_err();
    assert_eq!(e.path, "bomFormat");
    let raw = String::from_utf8(read("cyclonedx/dependency_track_vex_issue2549.json")).unwrap();
    let bad = raw.replacen("\"severity\": \"high\"", "\"severity\": \"severe\"", 1);
    assert_ne!(bad, raw);
    assert_eq!(parse(bad.as_bytes()).unwrap_err().path, "vulnerabilities[0].ratings[0].severity");
    let e =
        parse(br#"{"bomFormat":"CycloneDX","components":[{"name":"a","components":[{"version":"1"}]}]}"#).unwrap_err();
    assert_eq!(e.path, "components[0].components[0]", "{e}");
    let e =
        parse(br#"{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1","affects":[{"ref":1}]}]}"#).unwrap_err();
    assert_eq!(e.path, "vulnerabilities[0].affects[0].ref", "{e}");
}
