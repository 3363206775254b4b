//! `rhythm import` and `rhythm export` against a real server on the demo workspace, as a CI
//! pipeline runs them (not a terminal: plain lines, exit codes).

use serde_json::Value;

use crate::cli::{Served, rhythm, text, token};

/// A real fixture's path, as the CLI is given it.
fn fixture(rel: &str) -> String {
    rhythm_store::testing::fixtures_dir().join(rel).display().to_string()
}

#[test]
fn import_and_export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = rhythm(&["demo", "--no-serve", "--data-dir", dir.path().to_str().unwrap()], &[], None);
    assert!(o.status.success(), "demo: {}", text(&o).1);
    let db = format!("sqlite://{}", dir.path().join("rhythm.db").display());
    let server = Served::start(&db);
    let tok = token(&db, "mei.tanaka@northwind.example", "write");
    let env = [("RHYTHM_SERVER", server.url.as_str()), ("RHYTHM_TOKEN", tok.as_str())];

    // A large real SARIF file (over the progress threshold) and a Trivy report, one import each.
    let sarif = fixture("sarif/semgrep_owasp_benchmark_large.sarif");
    let trivy = fixture("trivy/alpine-310.json");
    let expected = rhythm_ingest::sarif::parse(&std::fs::read(&sarif).unwrap()).unwrap().findings.len();
    let o =
        rhythm(&["import", "auto", &sarif, &trivy, "--system", "payments-api", "--environment", "staging"], &env, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains(" sarif semgrep_owasp_benchmark_large.sarif: ")
            && lines[0].contains(&format!("{expected} findings — {expected} created")),
        "{out}"
    );
    assert!(lines[1].contains(" trivy alpine-310.json: "), "{out}");
    // Not a terminal: plain progress lines with the rate, no bar.
    assert!(err.contains("sent") && err.contains("MiB/s") && err.contains("(100%)"), "{err}");
    assert!(!err.contains('\r'), "no terminal redraws in a log: {err:?}");

    // Again, as JSON: unchanged.
    let o = rhythm(
        &["import", "sarif", &sarif, "--system", "payments-api", "--environment", "staging", "--json"],
        &env,
        None,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let record: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(record["counts"]["unchanged"].as_u64(), Some(expected as u64), "{record}");

    // A refused file exits 1 and names the file; the good one beside it is still imported.
    let bad = dir.path().join("broken.sarif");
    std::fs::write(&bad, "{\"version\": \"2.1.0\", \"runs\": [ {\"results\": 7} ]}").unwrap();
    let o = rhythm(&["import", "auto", bad.to_str().unwrap(), &trivy, "--system", "payments-api"], &env, None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(err.contains("broken.sarif") && err.contains("runs[0].results"), "{err}");
    assert!(out.contains(" trivy alpine-310.json: "), "{out}{err}");
    // Usage errors exit 2 before anything is sent.
    let o = rhythm(&["import", "xlsx", &trivy], &env, None);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let o = rhythm(&["import", "risks-csv", &trivy, "--system", "payments-api"], &env, None);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));

    // Out as CSV, and back in unchanged.
    let csv = dir.path().join("findings.csv");
    let o = rhythm(&["export", "findings", "--out", csv.to_str().unwrap()], &env, None);
    assert!(o.status.success(), "{:?}", text(&o));
    let body = std::fs::read_to_string(&csv).unwrap();
    assert!(
        body.starts_with("external_id,system,tool,rule,title,severity,environment,component,first_seen,fixed_at,kev"),
        "{}",
        &body[..200.min(body.len())]
    );
    let o = rhythm(&["import", "findings-csv", csv.to_str().unwrap(), "--json"], &env, None);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let record: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(record["counts"]["unchanged"], record["counts"]["total"], "{record}");
    assert!(record["counts"]["total"].as_u64().unwrap() > expected as u64);
}
