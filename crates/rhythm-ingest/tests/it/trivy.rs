//! Trivy parser against the real fixtures and their facts.json.

use crate::common::{assert_bom_ok, assert_fingerprints, assert_rejects_garbage, count, facts, read, severities};
use rhythm_domain::Severity;
use rhythm_ingest::trivy::parse;

/// Findings under the documented rule: vulnerabilities + failed misconfigurations + secrets
/// (all misconfigurations in the fixtures are `FAIL`); licenses are not findings.
fn expected_findings(f: &serde_json::Value) -> usize {
    count(f, "finding_counts", "Vulnerabilities")
        + count(f, "finding_counts", "Misconfigurations")
        + count(f, "finding_counts", "Secrets")
}

#[test]
fn every_trivy_fixture_parses_with_the_facts_counts() {
    for (name, f) in facts("trivy/") {
        let bytes = read(&name);
        let scan = assert_fingerprints(&name, parse, &bytes);
        assert_eq!(scan.format, "trivy");
        assert_eq!(scan.findings.len(), expected_findings(&f), "{name}: finding count");
        assert!(scan.findings.iter().all(|x| x.tool == "trivy"));
        // Severity: facts count Trivy's own labels over all classes; compare where the file has
        // no licenses (excluded) and no UNKNOWN (mapped from CVSS or to info).
        let facts_sev = f.get("severity_counts").and_then(|v| v.as_object()).cloned().unwrap_or_default();
        let licenses = count(&f, "finding_counts", "Licenses");
        let mut want = std::collections::BTreeMap::new();
        for (k, v) in facts_sev.iter().filter(|(k, _)| *k != "UNKNOWN") {
            want.insert(k.to_ascii_lowercase(), v.as_u64().unwrap() as usize);
        }
        if licenses == 0 && !facts_sev.contains_key("UNKNOWN") {
            assert_eq!(severities(&scan), want, "{name}: severities");
        } else if licenses == 0 {
            // UNKNOWN comes from the CVSS score, else info.
            crate::common::assert_severities_at_least(&name, &scan, &want);
        }
        // Suppression: exactly the vulnerabilities with status not_affected.
        let suppressed = scan.findings.iter().filter(|x| x.suppression.is_some()).count();
        assert_eq!(suppressed, count(&f, "vuln_status_counts", "not_affected"), "{name}: suppressed");
        // Fixed version: absent exactly where facts say FixedVersion is missing.
        let vulns = count(&f, "finding_counts", "Vulnerabilities");
        let with_fix = scan.findings.iter().filter(|x| x.fixed_version.is_some()).count();
        if f.get("vulns_without_FixedVersion").is_some() {
            assert_eq!(
                with_fix,
                vulns - f["vulns_without_FixedVersion"].as_u64().unwrap() as usize,
                "{name}: fixed versions"
            );
        }
        assert_bom_ok(parse, &bytes);
    }
}

#[test]
fn pip_values_and_nvd_v3_cvss() {
    let scan = parse(&read("trivy/pip.json")).unwrap();
    let f = scan.findings.iter().find(|f| f.rule == "CVE-2019-14806").unwrap();
    assert_eq!(f.component.as_deref(), Some("Werkzeug"));
    assert_eq!(f.version.as_deref(), Some("0.11"));
    assert_eq!(f.fixed_version.as_deref(), Some("0.15.3"));
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.cvss_score, Some(7.5));
    assert_eq!(f.cvss_vector.as_deref(), Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"));
    assert_eq!(f.location.as_deref(), Some("requirements.txt"));
    // Aliases are advisory ids only (GHSA from the references), never URL fragments.
    for f in &scan.findings {
        assert!(
            f.aliases.iter().all(|a| a.starts_with("GHSA-") || a.starts_with("CVE-") || a.starts_with("DSA-")),
            "{:?}",
            f.aliases
        );
        assert!(f.aliases.iter().all(|a| !a.contains('.')), "{:?}", f.aliases);
    }
    let legacy = parse(&read("trivy/dd_legacy_many_vulns.json")).unwrap();
    let apt = legacy.findings.iter().find(|f| f.rule == "CVE-2011-3374").unwrap();
    assert!(apt.aliases.is_empty(), "{:?}", apt.aliases);
}

#[test]
fn spring4shell_jar_path_in_location() {
    let scan = parse(&read("trivy/spring4shell-jre11.json")).unwrap();
    let f = &scan.findings[0];
    assert_eq!(f.rule, "CVE-2022-22965");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.component.as_deref(), Some("org.springframework:spring-beans"));
    assert_eq!(f.version.as_deref(), Some("5.3.15"));
    assert_eq!(f.fixed_version.as_deref(), Some("5.3.18"));
    assert_eq!(
        f.location.as_deref(),
        Some("Java:usr/local/tomcat/webapps/helloworld.war/WEB-INF/lib/spring-beans-5.3.15.jar")
    );
}

#[test]
fn statuses_will_not_fix_stays_open_not_affected_is_suppressed() {
    let scan = parse(&read("trivy/centos-7.json")).unwrap();
    let bash = scan.findings.iter().find(|f| f.rule == "CVE-2019-18276").unwrap();
    assert_eq!(bash.component.as_deref(), Some("bash"));
    assert_eq!(bash.fixed_version, None);
    assert_eq!(bash.suppression, None);
    let scan = parse(&read("trivy/dd_all_statuses.json")).unwrap();
    let na = scan.findings.iter().find(|f| f.rule == "CVE-2019-18276").unwrap();
    assert_eq!(na.suppression.as_ref().unwrap().kind, "not_affected");
    assert_eq!(scan.findings.iter().filter(|f| f.suppression.is_some()).count(), 1);
}

#[test]
fn unknown_severity_without_cvss_is_info_and_same_vuln_in_two_go_mods_differs() {
    let scan = parse(&read("trivy/gomod-vex.json")).unwrap();
    assert!(scan.findings.iter().all(|f| f.severity == Severity::Info));
    let gms: Vec<_> = scan.findings.iter().filter(|f| f.rule == "GMS-2022-20").collect();
    assert_eq!(gms.len(), 3);
    assert_ne!(gms[0].fingerprint, gms[1].fingerprint);
}

#[test]
fn legacy_array_and_null_layouts() {
    let scan = parse(&read("trivy/dd_legacy_many_vulns.json")).unwrap();
    assert_eq!(scan.findings.len(), 93);
    assert_eq!(parse(&read("trivy/dd_legacy_no_vuln.json")).unwrap().findings.len(), 0);
    assert_eq!(parse(b"[]").unwrap().findings.len(), 0);
}

#[test]
fn k8s_resources_misconfigurations_and_secrets() {
    let scan = parse(&read("trivy/dd_kubernetes.json")).unwrap();
    let f = scan.findings.iter().find(|f| f.rule == "CVE-2020-27350").unwrap();
    assert!(f.location.as_deref().unwrap().starts_with("default/Deployment/redis-follower "), "{:?}", f.location);
    let m = scan.findings.iter().find(|f| f.rule == "KSV001").unwrap();
    assert_eq!(m.severity, Severity::Medium);
    assert_eq!(m.component, None);
    let scan = parse(&read("trivy/dd_misconfigurations_and_secrets.json")).unwrap();
    let s: Vec<_> = scan.findings.iter().filter(|f| f.rule == "github-pat").collect();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].location.as_deref(), Some("Dockerfile:24"));
    assert_eq!(s[0].severity, Severity::Critical);
    assert_eq!(parse(&read("trivy/dd_license_scheme.json")).unwrap().findings.len(), 0);
}

#[test]
fn fingerprint_ignores_installed_version_and_image_tag() {
    let raw = String::from_utf8(read("trivy/centos-7.json")).unwrap();
    let bumped = raw
        .replace("\"InstalledVersion\": \"4.2.46-31.el7\"", "\"InstalledVersion\": \"4.2.46-35.el7\"")
        .replace("centos-7.tar.gz (centos 7.6.1810)", "centos-7b.tar.gz (centos 7.9.2009)");
    assert_ne!(raw, bumped);
    let a = parse(raw.as_bytes()).unwrap();
    let b = parse(bumped.as_bytes()).unwrap();
    let fa: Vec<_> = a.findings.iter().map(|f| &f.fingerprint).collect();
    let fb: Vec<_> = b.findings.iter().map(|f| &f.fingerprint).collect();
    assert_eq!(fa, fb);
}

#[test]
fn fingerprint_ignores_the_version_in_a_jar_path() {
    let raw = String::from_utf8(read("trivy/spring4shell-jre11.json")).unwrap();
    let bumped = raw.replace("5.3.15", "5.3.16");
    assert_ne!(raw, bumped);
    let a = parse(raw.as_bytes()).unwrap();
    let b = parse(bumped.as_bytes()).unwrap();
    assert_eq!(b.findings[0].version.as_deref(), Some("5.3.16"));
    assert_eq!(a.findings[0].fingerprint, b.findings[0].fingerprint);
}

#[test]
fn malformed_input_errors_name_the_path() {
    assert_rejects_garbage(parse);
    let e = parse(&read("sarif/trivy_alpine_310.sarif")).unwrap_err();
    assert_eq!(e.path, "$");
    assert!(e.message.contains("SARIF"), "{e}");
    let e = parse(&read("grype/dd_no_vuln.json")).unwrap_err();
    assert!(e.message.contains("Grype"), "{e}");

    let raw = String::from_utf8(read("trivy/pip.json")).unwrap();
    let bad = raw.replacen("\"Severity\": \"MEDIUM\"", "\"Severity\": \"SEVERE\"", 1);
    let e = parse(bad.as_bytes()).unwrap_err();
    assert_eq!(e.path, "Results[0].Vulnerabilities[1].Severity", "{e}");
    let bad = raw.replacen("\"PkgName\": \"Werkzeug\"", "\"PkgName\": 7", 1);
    assert_eq!(parse(bad.as_bytes()).unwrap_err().path, "Results[0].Vulnerabilities[0].PkgName");
    let e = parse(br#"{"SchemaVersion":2,"Results":[{"Class":"os-pkgs"}]}"#).unwrap_err();
    assert_eq!(e.path, "Results[0]", "{e}");
    assert!(e.message.contains("Target"), "{e}");
    let e = parse(br#"[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"p"}]}]"#).unwrap_err();
    assert_eq!(e.path, "[0].Vulnerabilities[0]", "{e}");
    let e = parse(br#"{"ClusterName":"c","Resources":[{"Kind":"Pod","Name":"p","Results":7}]}"#).unwrap_err();
    assert_eq!(e.path, "Resources[0].Results", "{e}");
}

#[test]
fn show_suppressed_modified_findings_are_suppressed_findings() {
    // The real report with one vulnerability and the Dockerfile secret moved to
    // ExperimentalModifiedFindings, as `trivy --show-suppressed` writes what .trivyignore hid.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&read("trivy/dd_misconfigurations_and_secrets.json")).unwrap();
    let before = parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let vuln = doc["Results"][0]["Vulnerabilities"].as_array_mut().unwrap().remove(0);
    let secret = doc["Results"][2]["Secrets"].as_array_mut().unwrap().remove(0);
    doc["Results"][0]["ExperimentalModifiedFindings"] = serde_json::json!([
        {"Type": "vulnerability", "Status": "ignored", "Statement": "accepted until 2027-01", "Source": ".trivyignore.yaml", "Finding": vuln},
    ]);
    doc["Results"][2]["ExperimentalModifiedFindings"] = serde_json::json!([
        {"Type": "secret", "Status": "ignored", "Source": ".trivyignore", "Finding": secret},
        {"Type": "license", "Status": "ignored", "Finding": {"Name": "GPL-2.0"}},
    ]);
    let after = parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(after.findings.len(), before.findings.len());
    let suppressed: Vec<_> = after.findings.iter().filter(|f| f.suppression.is_some()).collect();
    assert_eq!(suppressed.len(), 2);
    let v = suppressed.iter().find(|f| f.rule == "CVE-2021-33503").unwrap();
    let s = v.suppression.as_ref().unwrap();
    assert_eq!((s.kind.as_str(), s.justification.as_deref()), ("ignored", Some("accepted until 2027-01")));
    assert_eq!(v.component.as_deref(), Some("urllib3"));
    let sec = suppressed.iter().find(|f| f.rule == "github-pat").unwrap();
    assert_eq!(sec.suppression.as_ref().unwrap().justification.as_deref(), Some("ignored by .trivyignore"));
    // Same identity as when the finding was active: suppressing it updates, not duplicates.
    let mut fp_before: Vec<_> = before.findings.iter().map(|f| f.fingerprint.clone()).collect();
    let mut fp_after: Vec<_> = after.findings.iter().map(|f| f.fingerprint.clone()).collect();
    fp_before.sort();
    fp_after.sort();
    assert_eq!(fp_before, fp_after);
    // A malformed modified finding is located inside it.
    doc["Results"][0]["ExperimentalModifiedFindings"][0]["Finding"]["PkgName"] = serde_json::json!(false);
    let e = parse(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
    assert_eq!(e.path, "Results[0].ExperimentalModifiedFindings[0].Finding.PkgName", "{e}");
}
