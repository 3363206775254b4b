//! The upload form and CSV downloads over plain HTTP with a session cookie: CSRF, who may
//! upload, the import limit on the form's own body limit, and the export download.

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_server::Config;
use rhythm_store::Backend;
use serde_json::json;

use crate::TestServer;
use crate::imports::fixture;

/// A session of `role`, as the sign-in form would make it: (cookie header, CSRF token).
pub(crate) async fn session(s: &TestServer, role: Role) -> (String, String) {
    let users = s.db.store.users(s.workspace_id).await.unwrap();
    let user = users.into_iter().find(|u| u.email == s.emails[&role]).expect("the role's user");
    session_of(s, &user).await
}

/// A signed-in session of `user`: (the cookie, the CSRF token).
pub(crate) async fn session_of(s: &TestServer, user: &rhythm_domain::User) -> (String, String) {
    let sid = rhythm_server::auth::random_secret();
    let csrf = rhythm_server::auth::random_secret();
    #[expect(clippy::disallowed_methods, reason = "the real time, to compare with what a live server stamps")]
    let now = time::OffsetDateTime::now_utc();
    s.db.store
        .create_session(user, &rhythm_server::auth::secret_hash(&sid), &csrf, now, time::Duration::hours(1))
        .await
        .unwrap();
    (format!("rhythm_session={sid}"), csrf)
}

const BOUNDARY: &str = "----rhythm-test-7f3a9c";

/// A multipart/form-data body with text fields and one file.
fn form_body(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((name, content_type, bytes)) = file {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// Posts the upload form; returns status, `Location` and the page.
async fn post_form(s: &TestServer, cookie: &str, body: Vec<u8>) -> (StatusCode, Option<String>, String) {
    let resp = s
        .http
        .post(format!("{}/imports", s.url))
        .header("cookie", cookie)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, location, resp.text().await.unwrap_or_default())
}

async fn get_page(s: &TestServer, cookie: &str, path: &str) -> (StatusCode, String) {
    let resp = s.http.get(format!("{}{path}", s.url)).header("cookie", cookie).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap_or_default())
}

async fn stored(s: &TestServer) -> (usize, i64) {
    let imports = s.db.store.imports(s.workspace_id, 100).await.unwrap().len();
    let (_, findings) = s.get("/api/v1/findings?limit=1", Role::Viewer).await;
    (imports, findings["total"].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_form_needs_its_csrf_token() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (cookie, csrf) = session(&s, Role::Engineer).await;
    let sarif = fixture("sarif/eslint_uptime_watcher.sarif");
    let file = Some(("eslint.sarif", "application/octet-stream", sarif.as_slice()));

    let (st, _, page) = post_form(&s, &cookie, form_body(&[("format", "auto")], file)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "no _csrf: {page}");
    assert!(page.contains("did not come from Rhythm"), "{page}");
    let wrong = "0".repeat(csrf.len());
    let (st, _, _) = post_form(&s, &cookie, form_body(&[("_csrf", &wrong), ("format", "auto")], file)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a wrong _csrf");
    assert_eq!(stored(&s).await, (0, 0), "refused uploads store nothing");

    // A malformed file with the right token: the form again, 422, the file named.
    let (st, _, page) = post_form(
        &s,
        &cookie,
        form_body(
            &[("_csrf", &csrf), ("format", "sarif")],
            Some(("broken.sarif", "application/json", b"{\"runs\": [")),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("role=\"alert\"") && page.contains("broken.sarif"), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""), "the form is shown again");
    assert_eq!(stored(&s).await, (0, 0));

    // Control: the page's token goes through, to the import's page.
    let (st, location, page) =
        post_form(&s, &cookie, form_body(&[("_csrf", &csrf), ("format", "auto"), ("environment", "")], file)).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(location.as_deref(), Some("/imports/IMP-1"));
    let (imports, findings) = stored(&s).await;
    assert_eq!(imports, 1);
    assert!(findings > 0);
    let (st, page) = get_page(&s, &cookie, "/imports/IMP-1").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        page.contains("eslint.sarif") && page.contains(&s.db.store.imports(s.workspace_id, 1).await.unwrap()[0].sha256)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_see_the_imports_but_cannot_upload() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (cookie, csrf) = session(&s, Role::Viewer).await;
    let (st, page) = get_page(&s, &cookie, "/imports").await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("Recent imports") && page.contains("/export/risks.csv"), "{page}");
    assert!(!page.contains("multipart/form-data"), "no upload form for a viewer");
    let sarif = fixture("sarif/eslint_uptime_watcher.sarif");
    let body = form_body(&[("_csrf", &csrf)], Some(("eslint.sarif", "application/json", sarif.as_slice())));
    let (st, _, _) = post_form(&s, &cookie, body).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(stored(&s).await, (0, 0));
    // An engineer sees the form.
    let (cookie, _) = session(&s, Role::Engineer).await;
    let (_, page) = get_page(&s, &cookie, "/imports").await;
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_import_limit_is_a_413_page() {
    let s = TestServer::start_with(Backend::Sqlite, Config { max_import_bytes: 64 * 1024, ..Config::default() }).await;
    let (cookie, csrf) = session(&s, Role::Engineer).await;
    // Far over: refused on its declared length. The server answers at once and stops reading,
    // so a client still sending may see the connection end before it reads the 413 page.
    let big = fixture("sarif/semgrep_owasp_benchmark_large.sarif");
    let body = form_body(&[("_csrf", &csrf)], Some(("big.sarif", "application/json", big.as_slice())));
    let sent = s
        .http
        .post(format!("{}/imports", s.url))
        .header("cookie", &cookie)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
            let page = resp.text().await.unwrap_or_default();
            assert!(page.contains("import limit") && page.contains("role=\"alert\""), "{page}");
        }
        Err(e) => assert!(e.is_request(), "only a connection cut short is acceptable: {e}"),
    }
    // Just over (within the form's slack): refused while the file is read.
    let over = fixture("sarif/dependency_check.sarif");
    assert!(over.len() > 64 * 1024 && over.len() < 128 * 1024);
    let body = form_body(&[("_csrf", &csrf)], Some(("over.sarif", "application/json", over.as_slice())));
    let (st, _, page) = post_form(&s, &cookie, body).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(page.contains("import limit"), "{page}");
    assert_eq!(stored(&s).await, (0, 0), "nothing stored");
    // Under the limit: imported.
    let small = fixture("sarif/eslint_uptime_watcher.sarif");
    let body = form_body(&[("_csrf", &csrf)], Some(("ok.sarif", "application/json", small.as_slice())));
    let (st, location, page) = post_form(&s, &cookie, body).await;
    assert_eq!((st, location.as_deref()), (StatusCode::SEE_OTHER, Some("/imports/IMP-1")), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_form_takes_files_over_the_app_wide_body_limit() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (cookie, csrf) = session(&s, Role::Engineer).await;
    let large = fixture("sarif/eslint_klimatbyran_large.sarif");
    assert!(large.len() > Config::default().max_body_bytes, "the file is over the app's 1 MiB default");
    // Any other form stays under the app-wide limit.
    let resp = s
        .http
        .post(format!("{}/risks", s.url))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; large.len()])
        .send()
        .await;
    // 413, or the connection cut short while the client was still sending (the server
    // stops reading at the limit).
    match resp {
        Ok(resp) => assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request(), "only a connection cut short is acceptable: {e}"),
    }
    let body = form_body(
        &[("_csrf", &csrf), ("format", "sarif")],
        Some(("large.sarif", "application/json", large.as_slice())),
    );
    let (st, location, page) = post_form(&s, &cookie, body).await;
    assert_eq!((st, location.as_deref()), (StatusCode::SEE_OTHER, Some("/imports/IMP-1")), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_download_as_csv_from_the_web() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (st, _) = s
        .post(
            "/api/v1/risks",
            Role::Ciso,
            json!({"statement": "Card numbers could leak through payment logs", "impact": 4, "likelihood": 3,
                   "found_stage": "production", "external_id": "SHEET-1"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (cookie, _) = session(&s, Role::Viewer).await;
    let resp = s.http.get(format!("{}/export/risks.csv", s.url)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let cd = resp.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(cd.starts_with("attachment; filename=\"risks-"), "{cd}");
    let web = resp.text().await.unwrap();
    let api = s
        .http
        .get(format!("{}/api/v1/export/risks", s.url))
        .bearer_auth(s.token(Role::Viewer))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(web, api, "the same file as the API's");
    assert!(web.contains("SHEET-1"), "{web}");
    // Signed out: to the sign-in page. Unknown register: 404.
    let resp = s.http.get(format!("{}/export/risks.csv", s.url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (st, _) = get_page(&s, &cookie, "/export/systems.csv").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The register's list links to it.
    let (_, page) = get_page(&s, &cookie, "/risks").await;
    assert!(page.contains("href=\"/export/risks.csv\""), "{page}");
}
