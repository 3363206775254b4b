//! `POST /api/v1/imports` and the CSV exports, on both backends, with real scanner and
//! tracker files from the shared fixtures and the README's example CSVs.

use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use rhythm_domain::Role;
use rhythm_server::Config;
use rhythm_store::Backend;
use serde_json::{Value, json};

pub use rhythm_store::testing::fixture;

use crate::{TestServer, both};

pub fn example(name: &str) -> Vec<u8> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples")).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn upload(s: &TestServer, role: Role, query: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    s.raw(Method::POST, &format!("/api/v1/imports?{query}"), s.token(role), content_type, body).await
}

async fn imports_len(s: &TestServer) -> usize {
    s.db.store.imports(s.workspace_id, 1000).await.unwrap().len()
}

async fn system(s: &TestServer, name: &str) -> String {
    let (st, sys) =
        s.post("/api/v1/systems", Role::Cto, json!({"name": name, "owner_team": "Platform", "tier": "internal"})).await;
    assert_eq!(st, StatusCode::CREATED, "{sys}");
    sys["id"].as_str().unwrap().to_owned()
}

async fn scanner_files_import_and_reimport(s: TestServer) {
    let sys = system(&s, "uptime-watcher").await;
    let bytes = fixture("sarif/eslint_uptime_watcher.sarif");
    let scan = rhythm_ingest::sarif::parse(&bytes).unwrap();
    let total = scan.findings.len() as u64;
    let silent = scan.findings.iter().filter(|f| f.suppression.is_some()).count() as u64;
    let q = "format=sarif&system=Uptime-Watcher&environment=staging&file_name=eslint.sarif";
    let (st, first) = upload(&s, Role::Engineer, q, "application/sarif+json", bytes.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{first}");
    assert_eq!(first["reference"], "IMP-1");
    assert_eq!(first["format"], "sarif");
    assert_eq!(first["file_name"], "eslint.sarif");
    assert_eq!(first["system_id"], sys.as_str());
    assert_eq!(first["environment"], "staging");
    assert_eq!(first["counts"]["created"], total);
    assert_eq!(first["counts"]["silent"], silent);
    assert_eq!(first["actor"].as_str().unwrap(), "engineer@northwind.test (token test)");

    // Told from the file, the same again: nothing but last-seen changes.
    let (st, again) =
        upload(&s, Role::Engineer, "system=uptime-watcher&environment=staging", "application/json", bytes).await;
    assert_eq!(st, StatusCode::CREATED, "{again}");
    assert_eq!(again["format"], "sarif");
    assert_eq!(
        again["counts"],
        json!({"total": total, "created": 0, "updated": 0, "unchanged": total, "closed": 0, "reopened": 0, "silent": silent})
    );
    let (st, list) = s.get("/api/v1/findings?environment=staging&limit=500", Role::Viewer).await;
    assert_eq!((st, list["total"].as_u64()), (StatusCode::OK, Some(total)));
    let (_, silent_list) = s.get("/api/v1/findings?silent=true", Role::Viewer).await;
    assert_eq!(silent_list["total"].as_u64(), Some(silent));

    // Trivy, detected, into production without a system.
    let (st, trivy) =
        upload(&s, Role::SecurityLead, "", "application/octet-stream", fixture("trivy/alpine-310.json")).await;
    assert_eq!(st, StatusCode::CREATED, "{trivy}");
    assert_eq!((trivy["format"].as_str(), trivy["environment"].as_str()), (Some("trivy"), Some("production")));
    assert_eq!(trivy["file_name"], "upload");

    let (st, records) = s.get("/api/v1/imports", Role::Viewer).await;
    assert_eq!(st, StatusCode::OK);
    let refs: Vec<&str> = records.as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap()).collect();
    assert_eq!(refs, ["IMP-3", "IMP-2", "IMP-1"]);
    let (st, one) = s.get("/api/v1/imports/IMP-1", Role::Board).await;
    assert_eq!((st, one["sha256"].as_str().map(str::len)), (StatusCode::OK, Some(64)));
    let (st, _) = s.get("/api/v1/imports/IMP-9", Role::Board).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
both!(scanner_files_import_and_reimport, super::scanner_files_import_and_reimport);

async fn bad_files_change_nothing(s: TestServer) {
    system(&s, "core").await;
    let audit = s.audit_len().await;
    // Malformed JSON: the file and the position are named.
    let (st, p) = upload(
        &s,
        Role::Engineer,
        "format=sarif&file_name=broken.sarif",
        "application/json",
        b"{\"runs\": [ {".to_vec(),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let field = p["errors"][0]["field"].as_str().unwrap();
    assert!(field.starts_with("broken.sarif: "), "{p}");
    // The wrong importer for the file.
    let (st, p) = upload(
        &s,
        Role::Engineer,
        "format=trivy&file_name=x.sarif",
        "application/json",
        fixture("sarif/gosec_smithy.sarif"),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    // A CSV with a duplicate external_id: the line is named.
    let csv = "external_id,system,tool,rule,title,severity,environment,component,first_seen,fixed_at,kev\n\
               A-1,core,trivy,CVE-1,One,high,production,,2026-01-01,,no\n\
               A-1,core,trivy,CVE-2,Two,high,production,,2026-01-01,,no\n";
    let (st, p) = upload(&s, Role::Engineer, "format=findings-csv&file_name=f.csv", "text/csv", csv.into()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let e = &p["errors"][0];
    assert!(e["field"].as_str().unwrap().starts_with("f.csv: line 3"), "{p}");
    assert!(e["message"].as_str().unwrap().contains("line 2"), "{p}");
    // A row the registers refuse (an unknown system), after good rows: nothing is kept.
    let csv = "external_id,system,tool,rule,title,severity,environment,component,first_seen,fixed_at,kev\n\
               A-1,core,trivy,CVE-1,One,high,production,,2026-01-01,,no\n\
               A-2,nowhere,trivy,CVE-2,Two,high,production,,2026-01-01,,no\n";
    let (st, p) = upload(&s, Role::Engineer, "format=findings-csv&file_name=f.csv", "text/csv", csv.into()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p["errors"][0]["field"].as_str().unwrap().starts_with("f.csv: line 3"), "{p}");
    // Content type, format name, misplaced options, empty file.
    let (st, p) = upload(&s, Role::Engineer, "format=sarif", "text/csv", fixture("sarif/gosec_smithy.sarif")).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{p}");
    let (st, p) = upload(&s, Role::Engineer, "format=xlsx", "application/json", b"{}".to_vec()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("risks-csv"), "{p}");
    // A system for a CSV file parses, but breaks a rule: a field error, as every rule's refusal
    // is (the OpenAPI document says so, and the contract test holds the server to it).
    let (st, p) = upload(&s, Role::Engineer, "format=risks-csv&system=core", "text/csv", example("risks.csv")).await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("system")), "{p}");
    let (st, p) =
        upload(&s, Role::Engineer, "format=sarif&system=nope", "application/json", fixture("sarif/gosec_smithy.sarif"))
            .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (st, _) = upload(&s, Role::Engineer, "", "application/json", Vec::new()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, p) = upload(&s, Role::Engineer, "file_name=notes.txt", "text/plain", b"hello".to_vec()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("name it"), "{p}");
    // Who may import: writers only, and only with a token or a session.
    let (st, _) =
        upload(&s, Role::Viewer, "format=sarif", "application/json", fixture("sarif/gosec_smithy.sarif")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s.call(Method::POST, "/api/v1/imports", None, Some(json!({}))).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s.call(Method::GET, "/api/v1/export/risks", None, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    assert_eq!(s.audit_len().await, audit);
    assert_eq!(imports_len(&s).await, 0);
    let (_, findings) = s.get("/api/v1/findings", Role::Viewer).await;
    assert_eq!(findings["total"], 0);
}
both!(bad_files_change_nothing, super::bad_files_change_nothing);

async fn an_upload_over_the_limit_is_refused(backend: Backend) {
    let config = Config { max_import_bytes: 64 * 1024, ..Config::default() };
    let s = TestServer::start_with(backend, config).await;
    let big = fixture("sarif/semgrep_owasp_benchmark_large.sarif");
    assert!(big.len() > 64 * 1024);
    let (st, p) = upload(&s, Role::Engineer, "format=sarif", "application/json", big).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("import limit"), "{p}");
    // Streamed without a length: refused as it passes the limit. The server answers 413 and
    // stops reading, so the client either reads that answer or, when it was still sending,
    // sees the connection end early; either way nothing is stored.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..40).map(|_| Ok(vec![b' '; 4096])).collect();
    let sent = s
        .http
        .post(format!("{}/api/v1/imports?format=sarif", s.url))
        .bearer_auth(s.token(Role::Engineer))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await;
    match sent {
        Ok(resp) => assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request(), "only a connection cut short is acceptable: {e}"),
    }
    assert_eq!(s.db.store.imports(s.workspace_id, 10).await.unwrap().len(), 0);
    // Below the limit, fine.
    let (st, p) =
        upload(&s, Role::Engineer, "format=sarif", "application/json", fixture("sarif/gosec_smithy.sarif")).await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_limit_is_refused_sqlite() {
    an_upload_over_the_limit_is_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_limit_is_refused_postgres() {
    an_upload_over_the_limit_is_refused(Backend::Postgres).await;
}

async fn spreadsheets_and_backlogs_go_in_and_out(s: TestServer) {
    system(&s, "payments-api").await;
    system(&s, "web-app").await;
    let (st, r) = upload(
        &s,
        Role::SecurityLead,
        "format=findings-csv&file_name=findings.csv",
        "text/csv",
        example("findings.csv"),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let rows = rhythm_ingest::csv::parse(rhythm_ingest::csv::CsvKind::Findings, &example("findings.csv")).unwrap().len()
        as u64;
    assert_eq!((r["counts"]["total"].as_u64(), r["counts"]["created"].as_u64()), (Some(rows), Some(rows)));
    for name in ["releases.csv", "incidents.csv", "audit-findings.csv"] {
        let (st, r) = upload(&s, Role::SecurityLead, &format!("file_name={name}"), "text/csv", example(name)).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {r}");
        assert_eq!(r["counts"]["created"], r["counts"]["total"], "{name}: {r}");
    }
    // What comes out goes back in unchanged.
    for register in ["findings", "releases", "incidents", "audit-findings"] {
        let resp = s
            .http
            .get(format!("{}/api/v1/export/{register}", s.url))
            .bearer_auth(s.token(Role::Viewer))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(resp.headers()["content-disposition"].to_str().unwrap().contains(register));
        let text = resp.text().await.unwrap();
        let (st, r) =
            upload(&s, Role::SecurityLead, &format!("format={register}-csv"), "text/csv", text.into_bytes()).await;
        assert_eq!(st, StatusCode::CREATED, "{register}: {r}");
        assert_eq!(r["counts"]["unchanged"], r["counts"]["total"], "{register}: {r}");
    }
    let (st, _) = s.get("/api/v1/export/spreadsheets", Role::Viewer).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A Jira CSV export and GitHub's REST JSON become backlog items with their keys.
    let (st, r) =
        upload(&s, Role::Delivery, "format=jira&file_name=jira.csv", "text/csv", example("jira-export.csv")).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let jira = r["counts"]["created"].as_u64().unwrap();
    assert!(jira >= 3, "{r}");
    let bytes = fixture("backlog/github/octokit_paginate_issues_recording.json");
    let (st, r) = upload(&s, Role::Delivery, "", "application/json", bytes.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    assert_eq!((r["format"].as_str(), r["counts"]["created"].as_u64()), (Some("github-issues"), Some(13)));
    let (_, r) = upload(&s, Role::Delivery, "format=github-issues", "application/json", bytes).await;
    assert_eq!(r["counts"]["unchanged"].as_u64(), Some(13), "{r}");
    let (_, items) = s.get("/api/v1/backlog-items?limit=100", Role::Viewer).await;
    assert_eq!(items["total"].as_u64(), Some(13 + jira));
    assert!(items["items"].as_array().unwrap().iter().any(|i| i["external_key"] == "PAY-142"));
}
both!(spreadsheets_and_backlogs_go_in_and_out, super::spreadsheets_and_backlogs_go_in_and_out);
