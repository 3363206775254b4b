//! Real-browser end-to-end tests: headless Chromium driven through ChromeDriver (WebDriver)
//! with fantoccini, against a real Rhythm server over SQLite.
//!
//! Paths come from the environment that `scripts/test.sh` sets (with the same defaults):
//! `RHYTHM_TEST_CHROMEDRIVER`, `RHYTHM_TEST_CHROMIUM`, `RHYTHM_TEST_AXE` and
//! `RHYTHM_TEST_ARTIFACTS`. A missing browser, driver or axe-core is a test failure, never a
//! skip. Screenshots go to `$RHYTHM_TEST_ARTIFACTS/browser/`.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use rhythm_domain::{Kind, Role};
use rhythm_store::Backend;
use serde_json::{Value, json};

use crate::TestServer;
use crate::harness::PASSWORD;

/// How long any one page, element or redirect may take to appear.
const WAIT: Duration = Duration::from_secs(10);

/// The session cookie over plain HTTP (tests do not use TLS).
const SESSION_COOKIE: &str = "rhythm_session";

// ---------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------

pub(crate) struct Tools {
    chromedriver: PathBuf,
    chromium: PathBuf,
    axe: PathBuf,
    artifacts: PathBuf,
}

#[expect(clippy::disallowed_methods, reason = "the test harness's own settings (scripts/test.sh exports them)")]
pub(crate) fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).filter(|v| !v.is_empty()).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

impl Tools {
    /// Reads the environment; panics with a clear message when a tool is missing.
    pub(crate) fn from_env() -> Tools {
        let tools = Tools {
            chromedriver: env_path("RHYTHM_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"),
            chromium: env_path("RHYTHM_TEST_CHROMIUM", "/usr/bin/chromium"),
            axe: env_path(
                "RHYTHM_TEST_AXE",
                concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/browser/node_modules/axe-core/axe.min.js"),
            ),
            artifacts: env_path("RHYTHM_TEST_ARTIFACTS", concat!(env!("CARGO_MANIFEST_DIR"), "/../../artifacts")),
        };
        for (what, path, var) in [
            ("chromedriver", &tools.chromedriver, "RHYTHM_TEST_CHROMEDRIVER"),
            ("chromium", &tools.chromium, "RHYTHM_TEST_CHROMIUM"),
            ("axe-core (axe.min.js)", &tools.axe, "RHYTHM_TEST_AXE"),
        ] {
            assert!(
                path.is_file(),
                "browser tests need {what}, but {} does not exist. Set {var}, or install it with \
                 `RHYTHM_TEST_SETUP_ONLY=1 bash scripts/test.sh`.",
                path.display()
            );
        }
        tools
    }
}

// ---------------------------------------------------------------------------------------
// ChromeDriver and the browser session
// ---------------------------------------------------------------------------------------

/// Owns the ChromeDriver process and the WebDriver session. Dropping it (also while a test
/// panics) ends the session, so Chromium quits, and kills ChromeDriver's process group.
pub(crate) struct DriverGuard {
    child: Child,
    port: u16,
    session: Option<String>,
    /// Where a screenshot of the last page goes when the test fails.
    failure_shot: PathBuf,
    profile: tempfile::TempDir,
}

impl DriverGuard {
    pub(crate) fn session_url(&self, id: &str) -> String {
        format!("http://127.0.0.1:{}/session/{id}", self.port)
    }
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        let session = self.session.take().map(|id| self.session_url(&id));
        let shot = std::thread::panicking().then(|| self.failure_shot.clone());
        let shutdown = format!("http://127.0.0.1:{}/shutdown", self.port);
        // Blocking HTTP from a plain thread: this may run inside the test's runtime.
        let _ = std::thread::spawn(move || {
            let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().ok()?;
            if let Some(base) = session {
                if let Some(path) = shot {
                    save_failure_screenshot(&http, &base, &path);
                }
                let _ = http.delete(&base).send();
            }
            // ChromeDriver quits its browsers and exits.
            http.get(&shutdown).send().ok()
        })
        .join();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // ChromeDriver runs in its own process group, with any Chromium it started: whatever
        // is left of it goes.
        let pgid = format!("-{}", self.child.id());
        let killed =
            Command::new("kill").args(["-KILL", "--", &pgid]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
        if !killed {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

pub(crate) fn save_failure_screenshot(http: &reqwest::blocking::Client, session: &str, path: &std::path::Path) {
    use base64::Engine as _;
    let url = http.get(format!("{session}/url")).send().and_then(reqwest::blocking::Response::json::<Value>);
    if let Ok(u) = url {
        eprintln!("browser: the failing test was on {}", u["value"]);
    }
    let shot = http.get(format!("{session}/screenshot")).send().and_then(reqwest::blocking::Response::json::<Value>);
    let png = shot
        .ok()
        .and_then(|v| v["value"].as_str().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()));
    if let Some(png) = png
        && std::fs::write(path, png).is_ok()
    {
        eprintln!("browser: screenshot of the failing page: {}", path.display());
    }
}

pub(crate) fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// A signed-out browser pointed at one test server.
pub(crate) struct Browser {
    /// Declared first so that it is dropped first: on a panic it screenshots and ends the
    /// session while `client` still holds it.
    pub(crate) driver: DriverGuard,
    pub(crate) client: Client,
    pub(crate) base: String,
    pub(crate) shots: PathBuf,
}

impl Browser {
    pub(crate) async fn start(base: &str, name: &str) -> Browser {
        let tools = Tools::from_env();
        let shots = tools.artifacts.join("browser");
        std::fs::create_dir_all(&shots).unwrap_or_else(|e| panic!("create {}: {e}", shots.display()));
        let shots = shots.canonicalize().unwrap_or(shots);
        let failure_shot = shots.join(format!("{name}-FAILED.png"));
        let _ = std::fs::remove_file(&failure_shot);
        let log_path = shots.join(format!("chromedriver-{name}.log"));
        let log = File::create(&log_path).unwrap_or_else(|e| panic!("create {}: {e}", log_path.display()));
        let port = free_port();
        let child = {
            use std::os::unix::process::CommandExt as _;
            Command::new(&tools.chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone log handle"))
                .stderr(log)
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", tools.chromedriver.display()))
        };
        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let mut driver = DriverGuard { child, port, session: None, failure_shot, profile };
        let webdriver = format!("http://127.0.0.1:{port}");
        wait_for_chromedriver(&mut driver, &webdriver, &log_path).await;

        let user_data_dir = format!("--user-data-dir={}", driver.profile.path().display());
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": tools.chromium.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                    "--window-size=1280,900", user_data_dir,
                ],
            }),
        );
        // ChromeDriver listens on loopback over plain HTTP: no TLS stack (fantoccini's rustls
        // feature would build aws-lc-rs, C and CMake, the costliest crate of the test build).
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        let client = builder.capabilities(caps).connect(&webdriver).await.unwrap_or_else(|e| {
            panic!(
                "start a Chromium session ({}) through {webdriver}: {e}; see {}",
                tools.chromium.display(),
                log_path.display()
            )
        });
        driver.session = client.session_id().await.expect("session id");
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(30)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("set WebDriver timeouts");
        Browser { driver, client, base: base.to_owned(), shots }
    }

    /// Ends the session and stops ChromeDriver.
    pub(crate) async fn close(mut self) {
        let client = self.client.clone();
        if client.close().await.is_ok() {
            self.driver.session = None;
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The current address as `/path?query`.
    pub(crate) async fn location(&self) -> String {
        let u = self.client.current_url().await.expect("current url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    /// Waits until the address (path and query) satisfies `ok`.
    pub(crate) async fn wait_location(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let loc = self.location().await;
            if ok(&loc) {
                return loc;
            }
            assert!(start.elapsed() < WAIT, "waited {WAIT:?} for {what}; the browser is still on {loc}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn find(&self, css: &str) -> Element {
        let loc = self.location().await;
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` on {loc}: {e}"))
    }

    pub(crate) async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_else(|e| panic!("find `{css}`: {e}"))
    }

    /// The text of the first `css` element. An element found on the page a click is leaving
    /// goes stale when the next page arrives: it is found again on that page, within [`WAIT`].
    pub(crate) async fn text(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference && start.elapsed() < WAIT =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("text of `{css}`: {e}"),
            }
        }
    }

    pub(crate) async fn value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.unwrap_or_else(|e| panic!("value of `{css}`: {e}")).unwrap_or_default()
    }

    pub(crate) async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.unwrap_or_else(|e| panic!("{name} of `{css}`: {e}"))
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap_or_else(|err| panic!("clear `{css}`: {err}"));
        e.send_keys(text).await.unwrap_or_else(|err| panic!("type into `{css}`: {err}"));
    }

    pub(crate) async fn choose(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap_or_else(|e| panic!("choose {value} in `{css}`: {e}"));
    }

    pub(crate) async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    pub(crate) async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("run script `{script}`: {e}"))
    }

    /// Saves a PNG of the viewport as `$RHYTHM_TEST_ARTIFACTS/browser/{name}.png`.
    pub(crate) async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    pub(crate) async fn set_window(&self, width: u32, height: u32) {
        self.client
            .set_window_rect(0, 0, width, height)
            .await
            .unwrap_or_else(|e| panic!("resize to {width}x{height}: {e}"));
    }

    /// Signs in through the form and waits for the overview.
    pub(crate) async fn sign_in(&self, email: &str) {
        self.goto("/login").await;
        self.type_into("#email", email).await;
        self.type_into("#password", PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]").await;
        self.wait_location("the overview after signing in", |l| l == "/").await;
    }
}

pub(crate) async fn wait_for_chromedriver(driver: &mut DriverGuard, webdriver: &str, log: &std::path::Path) {
    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = driver.child.try_wait() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            panic!("chromedriver exited with {status} before answering on {webdriver}:\n{text}");
        }
        if let Ok(resp) = http.get(format!("{webdriver}/status")).timeout(Duration::from_secs(2)).send().await
            && resp.json::<Value>().await.is_ok_and(|v| v["value"]["ready"] == true)
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not answer on {webdriver} within 20s; see {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------
// 1. The risk register, as a person uses it
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risk_register_flow() {
    let server = TestServer::start(Backend::Sqlite).await;
    let b = Browser::start(&server.url, "risk").await;
    risk_flow(&server, &b).await;
    b.close().await;
}

pub(crate) async fn risk_flow(server: &TestServer, b: &Browser) {
    // Sign in through the form.
    b.goto("/").await;
    b.wait_location("the sign-in page", |l| l.starts_with("/login")).await;
    b.type_into("#email", &server.emails[&Role::Ciso]).await;
    b.type_into("#password", PASSWORD).await;
    b.shot("risk-01-login").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_location("the overview after signing in", |l| l == "/").await;
    assert_eq!(b.text("main h1").await, "Overview");
    assert!(b.text(".stats").await.contains("Active risks"));
    b.shot("risk-02-overview").await;

    // A three-line statement is refused, next to the field, and nothing typed is lost.
    b.goto("/risks/new").await;
    assert_eq!(b.text("main h1").await, "New risk");
    let three_lines = "Card numbers could leak through verbose payment logs\n\
                       Anyone with log access could read them\n\
                       A PCI fine and lost merchants would follow";
    b.type_into("#f-statement", three_lines).await;
    assert_eq!(b.value("#f-statement").await, three_lines, "the textarea holds the three typed lines");
    b.choose("#f-impact", "5").await;
    b.choose("#f-likelihood", "4").await;
    b.choose("#f-found_stage", "pre_release").await;
    b.type_into("#f-mitigation", "Redact card numbers at the logger").await;
    b.type_into("#f-tags", "customer-harm, regulatory").await;
    b.type_into("#f-external_id", "SHEET-12").await;
    b.shot("risk-03-new-form").await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the refused form (POST /risks)", |l| l == "/risks").await;

    let errors = b.find_all(".field.has-error").await;
    assert_eq!(errors.len(), 1, "only the statement is wrong");
    let error = b.text(".field.has-error:has(> #f-statement) > p.error#f-statement-error").await;
    assert!(error.contains("split"), "the statement error says to split the risk: {error:?}");
    assert_eq!(b.attr("#f-statement", "aria-invalid").await.as_deref(), Some("true"));
    let described = b.attr("#f-statement", "aria-describedby").await.unwrap_or_default();
    assert!(
        described.split(' ').any(|d| d == "f-statement-error"),
        "the error is announced with the field: {described:?}"
    );
    assert!(b.text("main .flash-error[role=alert]").await.contains("Please fix 1 field"));
    // Everything typed is still there.
    assert_eq!(b.value("#f-statement").await, three_lines);
    assert_eq!(b.value("#f-impact").await, "5");
    assert_eq!(b.value("#f-likelihood").await, "4");
    assert_eq!(b.value("#f-found_stage").await, "pre_release");
    assert_eq!(b.value("#f-mitigation").await, "Redact card numbers at the logger");
    assert_eq!(b.value("#f-tags").await, "customer-harm, regulatory");
    assert_eq!(b.value("#f-external_id").await, "SHEET-12");
    b.shot("risk-04-statement-error").await;

    // One line is accepted: the detail page of RISK-1 with score 5 × 4.
    let statement = "Card numbers could leak through verbose payment logs to anyone with log access";
    b.type_into("#f-statement", statement).await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the new risk's page", |l| l == "/risks/RISK-1?flash=created").await;
    assert_eq!(b.text("main h1").await, statement);
    assert!(b.text(".page-head .eyebrow").await.contains("RISK-1"));
    assert_eq!(b.text("main .flash-ok").await, "Created.");
    assert_eq!(b.text("dl.kv .score").await, "20", "impact 5 × likelihood 4");
    let details = b.text("dl.kv").await;
    for shown in ["5 — Severe", "4 — Likely", "Pre-release", "customer-harm", "regulatory", "SHEET-12"] {
        assert!(details.contains(shown), "the details show {shown:?}:\n{details}");
    }
    b.shot("risk-05-created").await;

    // It is in the register, and in the heat map's impact 5 / likelihood 4 cell.
    b.goto("/risks").await;
    let row = b.text("table.data tbody tr:has(a.row-link[href='/risks/RISK-1'])").await;
    assert!(row.contains(statement), "the list row shows the statement: {row:?}");
    assert!(row.contains("20"), "the list row shows the score: {row:?}");
    let cell = b.attr(".heatmap a[href='/risks?active=true&impact=5&likelihood=4']", "aria-label").await;
    assert_eq!(cell.as_deref(), Some("1 risks with impact 5 and likelihood 4"));
    // The filter form narrows the list.
    b.type_into("#flt-q", "no such words anywhere").await;
    b.click("form.filters button[type=submit]").await;
    b.wait_location("the filtered list", |l| l.starts_with("/risks?") && l.contains("q=no+such")).await;
    assert!(b.text("main .empty").await.contains("matches these filters"));
    b.click("form.filters a[href='/risks']").await;
    b.wait_location("the unfiltered list", |l| l == "/risks").await;
    b.find("a.row-link[href='/risks/RISK-1']").await;
    b.shot("risk-06-list").await;

    // Edit: likelihood 2 makes the score 10.
    b.click("a.row-link[href='/risks/RISK-1']").await;
    b.wait_location("the risk's page", |l| l == "/risks/RISK-1").await;
    b.click("main .page-head a[href='/risks/RISK-1/edit']").await;
    b.wait_location("the edit page", |l| l == "/risks/RISK-1/edit").await;
    assert_eq!(b.text("main h1").await, "Edit RISK-1");
    assert_eq!(b.value("#f-statement").await, statement);
    assert_eq!(b.value("#f-likelihood").await, "4");
    b.choose("#f-likelihood", "2").await;
    b.shot("risk-07-edit").await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the saved risk", |l| l == "/risks/RISK-1?flash=saved").await;
    assert_eq!(b.text("main .flash-ok").await, "Saved.");
    assert_eq!(b.text("dl.kv .score").await, "10", "impact 5 × likelihood 2");
    assert!(b.text("dl.kv").await.contains("2 — Unlikely"));
    b.shot("risk-08-saved").await;

    // A four-line update lands in the timeline.
    let lines = [
        ("#u-what", "Payment logs still hold full card numbers"),
        ("#u-why", "A leak would breach PCI DSS"),
        ("#u-doing", "Shipping a redacting log formatter"),
        ("#u-closes", "End of sprint 42"),
    ];
    for (css, text) in lines {
        b.type_into(css, text).await;
    }
    b.click("form[action='/risks/RISK-1/updates'] button[type=submit]").await;
    b.wait_location("the risk after adding an update", |l| l == "/risks/RISK-1?flash=update").await;
    assert_eq!(b.text("main .flash-ok").await, "Update added.");
    let item = b.text("section[aria-labelledby='updates-title'] ol.timeline > li.timeline-item").await;
    for (_, text) in lines {
        assert!(item.contains(text), "the timeline shows {text:?}:\n{item}");
    }
    assert!(item.contains("What: ") && item.contains("When it closes: "), "{item}");
    b.js("document.querySelector(\"section[aria-labelledby='updates-title']\").scrollIntoView()").await;
    b.shot("risk-09-update").await;
}

// ---------------------------------------------------------------------------------------
// 2. Accessibility: axe-core on every page
// ---------------------------------------------------------------------------------------

/// Runs axe-core (already injected) and returns the violations, trimmed to what a report needs.
const AXE_RUN: &str = r"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then(r => done(JSON.stringify(r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({ target: n.target, html: n.html, summary: n.failureSummary })),
  })))))
  .catch(e => done(JSON.stringify({ error: String(e && e.stack || e) })));
";

pub(crate) struct Axe {
    pub(crate) source: String,
    /// Serious and critical violations: these fail the test.
    pub(crate) failures: Vec<String>,
    /// Moderate and minor ones: reported, not failed.
    pub(crate) notes: Vec<String>,
    pub(crate) report: Vec<Value>,
}

impl Axe {
    pub(crate) fn load() -> Axe {
        let path = Tools::from_env().axe;
        let source =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read axe-core from {}: {e}", path.display()));
        Axe { source, failures: Vec::new(), notes: Vec::new(), report: Vec::new() }
    }

    /// Checks the page the browser is on; `label` names it in the report and the screenshot.
    pub(crate) async fn check(&mut self, b: &Browser, label: &str) {
        let loc = b.location().await;
        b.shot(&format!("axe-{label}")).await;
        b.client.execute(&self.source, vec![]).await.unwrap_or_else(|e| panic!("inject axe-core on {loc}: {e}"));
        let raw =
            b.client.execute_async(AXE_RUN, vec![]).await.unwrap_or_else(|e| panic!("run axe-core on {loc}: {e}"));
        let parsed: Value = serde_json::from_str(raw.as_str().unwrap_or("null")).unwrap_or(Value::Null);
        let Some(violations) = parsed.as_array() else {
            panic!("axe-core failed on {loc}: {raw}");
        };
        for v in violations {
            let impact = v["impact"].as_str().unwrap_or("unknown");
            let target = v["nodes"][0]["target"].to_string();
            let line = format!(
                "{label} ({loc}): [{impact}] {} — {} — {} node(s), first {target}: {}",
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["nodes"].as_array().map_or(0, Vec::len),
                v["nodes"][0]["html"].as_str().unwrap_or(""),
            );
            if matches!(impact, "serious" | "critical") {
                self.failures.push(line);
            } else {
                self.notes.push(line);
            }
        }
        self.report.push(json!({ "page": label, "url": loc, "violations": violations }));
    }
}

/// Creates one entry in every register through the JSON API; returns (plural, reference).
pub(crate) async fn seed_every_register(s: &TestServer) -> Vec<(&'static str, String)> {
    async fn create(s: &TestServer, kind: Kind, body: Value) -> (Value, (&'static str, String)) {
        let (st, v) = s.post(&format!("/api/v1/{}", kind.plural()), Role::Ciso, body).await;
        assert_eq!(st, StatusCode::CREATED, "create a {}: {v}", kind.label());
        let reference = kind.reference(v["number"].as_i64().expect("number"));
        (v, (kind.plural(), reference))
    }
    let (system, sys_ref) = create(
        s,
        Kind::System,
        json!({"name": "payments-api", "owner_team": "Payments", "tier": "restricted",
               "golden_paths": ["logging_monitoring", "secrets"], "description": "Takes card payments for every merchant."}),
    )
    .await;
    let (initiative, init_ref) = create(
        s,
        Kind::Initiative,
        json!({"name": "Card data out of logs", "business_goal": "Pass the PCI DSS audit",
               "reduces_or_enables": "Enables the enterprise deals that need PCI", "target_quarter": "2026-Q3"}),
    )
    .await;
    let (epic, epic_ref) = create(
        s,
        Kind::Epic,
        json!({"name": "Redact logs", "initiative_id": initiative["id"], "description": "Every log line without card data."}),
    )
    .await;
    let (item, item_ref) = create(
        s,
        Kind::BacklogItem,
        json!({"title": "Redact card numbers in request logs", "kind": "security", "epic_id": epic["id"],
               "system_id": system["id"], "points": 3, "external_key": "PAY-142", "description": "Use the redacting formatter."}),
    )
    .await;
    let (_, risk_ref) = create(
        s,
        Kind::Risk,
        json!({"statement": "Card numbers could leak through verbose payment logs", "impact": 5, "likelihood": 4,
               "found_stage": "pre_release", "system_ids": [system["id"]], "backlog_item_ids": [item["id"]],
               "tags": ["customer-harm"], "due_date": "2099-01-31", "mitigation": "Redact at the logger."}),
    )
    .await;
    let (st, u) = s
        .post(
            &format!("/api/v1/risks/{}/updates", risk_ref.1),
            Role::Ciso,
            json!({"what": "Logs hold card numbers", "why": "PCI breach", "doing": "Redacting formatter", "closes": "Sprint 42"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "add a risk update: {u}");
    let (_, release_ref) = create(
        s,
        Kind::Release,
        json!({"name": "payments-api 2.4", "system_id": system["id"], "planned_date": "2099-02-01",
               "planned_items": 5, "planned_scope": "Redacting formatter"}),
    )
    .await;
    let (_, incident_ref) = create(
        s,
        Kind::Incident,
        json!({"title": "Checkout errors for card payments", "severity": "high", "started_at": "2025-06-02T10:00:00Z",
               "detected_at": "2025-06-02T10:05:00Z", "customer_impact": true, "system_ids": [system["id"]],
               "impact_summary": "One in ten card payments failed."}),
    )
    .await;
    let (_, finding_ref) = create(
        s,
        Kind::AuditFinding,
        json!({"framework": "SOC 2", "control_ref": "CC6.1", "title": "Access reviews were late",
               "severity": "medium", "opened_on": "2025-06-01"}),
    )
    .await;
    let (_, vendor_ref) = create(
        s,
        Kind::Vendor,
        json!({"name": "LogCo", "purpose": "Stores application logs", "data_tier": "confidential",
               "breach_notification_hours": 72, "data_flows": "Application logs"}),
    )
    .await;
    vec![sys_ref, risk_ref, item_ref, release_ref, incident_ref, finding_ref, init_ref, epic_ref, vendor_ref]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe() {
    let server = TestServer::start(Backend::Sqlite).await;
    let entries = seed_every_register(&server).await;
    let mut axe = Axe::load();
    let b = Browser::start(&server.url, "axe").await;
    axe_pages(&server, &b, &mut axe, &entries).await;
    eprintln!("axe: checked {} pages", axe.report.len());
    let report = b.shots.join("axe-report.json");
    b.close().await;

    std::fs::write(&report, serde_json::to_string_pretty(&axe.report).unwrap_or_default())
        .unwrap_or_else(|e| panic!("write {}: {e}", report.display()));
    if !axe.notes.is_empty() {
        eprintln!(
            "axe: {} moderate or minor violation(s) (not failing):\n  {}",
            axe.notes.len(),
            axe.notes.join("\n  ")
        );
    }
    assert!(
        axe.failures.is_empty(),
        "{} serious or critical accessibility violation(s) (full report: {}):\n  {}",
        axe.failures.len(),
        report.display(),
        axe.failures.join("\n  ")
    );
}

/// Asserts the page is an app page, not an error page, before it is checked.
pub(crate) async fn expect_app_page(b: &Browser, what: &str) {
    let title = b.client.title().await.unwrap_or_default();
    let app = b.js("return document.body.classList.contains('app')").await;
    assert_eq!(app, Value::Bool(true), "{what} ({}) is not an app page: title {title:?}", b.location().await);
}

pub(crate) async fn axe_pages(server: &TestServer, b: &Browser, axe: &mut Axe, entries: &[(&'static str, String)]) {
    // Signed out: the sign-in page, and its error state.
    b.goto("/login").await;
    b.find("#email").await;
    axe.check(b, "login").await;
    b.type_into("#email", &server.emails[&Role::Ciso]).await;
    b.type_into("#password", "not the password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.find("#login-error").await;
    axe.check(b, "login-error").await;

    b.sign_in(&server.emails[&Role::Ciso]).await;
    for (label, path) in [("overview", "/"), ("audit", "/audit"), ("tokens", "/settings/tokens")] {
        b.goto(path).await;
        expect_app_page(b, path).await;
        axe.check(b, label).await;
    }
    for (plural, reference) in entries {
        for (suffix, path) in [
            ("list", format!("/{plural}")),
            ("new", format!("/{plural}/new")),
            ("detail", format!("/{plural}/{reference}")),
            ("edit", format!("/{plural}/{reference}/edit")),
        ] {
            b.goto(&path).await;
            expect_app_page(b, &path).await;
            axe.check(b, &format!("{plural}-{suffix}")).await;
        }
    }
    // A form with field errors (the empty new-risk form, submitted).
    b.goto("/risks/new").await;
    b.click("main form.form button[type=submit]").await;
    b.find(".field.has-error").await;
    axe.check(b, "risks-new-errors").await;

    // A phone: the overview and the register, with axe and without sideways scrolling.
    b.set_window(390, 844).await;
    for (label, path) in [("phone-overview", "/"), ("phone-risks", "/risks")] {
        b.goto(path).await;
        expect_app_page(b, path).await;
        let width = b.js("return window.innerWidth").await.as_i64().unwrap_or(0);
        assert!((300..=420).contains(&width), "the phone viewport is {width}px wide, not ~390px");
        let overflow =
            b.js("return document.documentElement.scrollWidth - window.innerWidth").await.as_i64().unwrap_or(0);
        if overflow > 0 {
            axe.failures.push(format!(
                "{label} ({path}): the page scrolls sideways by {overflow}px at {width}px wide (WCAG 1.4.10 Reflow)"
            ));
        }
        axe.check(b, label).await;
    }
    b.set_window(1280, 900).await;
}

// ---------------------------------------------------------------------------------------
// 3. CSRF, the session cookie and signing out
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_and_session() {
    let server = TestServer::start(Backend::Sqlite).await;
    let b = Browser::start(&server.url, "csrf").await;
    csrf_flow(&server, &b).await;
    b.close().await;
}

pub(crate) async fn risk_count(server: &TestServer) -> i64 {
    let (st, page) = server.get("/api/v1/risks?limit=1", Role::Ciso).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    page["total"].as_i64().expect("total")
}

pub(crate) async fn csrf_flow(server: &TestServer, b: &Browser) {
    b.sign_in(&server.emails[&Role::Ciso]).await;

    // The session cookie: HttpOnly (no script can read it) and SameSite=Lax.
    let cookies = b.client.get_all_cookies().await.expect("cookies");
    let session = cookies
        .iter()
        .find(|c| c.name() == SESSION_COOKIE)
        .unwrap_or_else(|| panic!("no {SESSION_COOKIE} cookie after signing in; cookies: {cookies:?}"))
        .clone();
    assert_eq!(session.http_only(), Some(true), "the session cookie is HttpOnly: {session:?}");
    assert!(session.same_site().is_some_and(|s| s.is_lax()), "the session cookie is SameSite=Lax: {session:?}");
    assert_eq!(session.path(), Some("/"), "{session:?}");
    let visible = b.js("return document.cookie").await;
    assert!(!visible.as_str().unwrap_or("").contains(SESSION_COOKIE), "script can read the session cookie: {visible}");

    // The same session outside the browser: a form post without `_csrf`, or with a wrong
    // one, is refused with 403 and creates nothing.
    b.goto("/risks/new").await;
    let csrf = b.value("main form.form input[name=_csrf]").await;
    assert!(csrf.len() >= 16, "the form carries a CSRF token: {csrf:?}");
    let cookie_header = format!("{SESSION_COOKIE}={}", session.value());
    let post = |fields: Vec<(&'static str, String)>| {
        let body = serde_urlencoded::to_string(&fields).expect("encode form");
        server
            .http
            .post(format!("{}/risks", server.url))
            .header("cookie", cookie_header.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let risk = |statement: &str| {
        vec![
            ("statement", statement.to_owned()),
            ("impact", "3".to_owned()),
            ("likelihood", "3".to_owned()),
            ("found_stage", "development".to_owned()),
        ]
    };
    let before = risk_count(server).await;
    let resp = post(risk("Forged from another site without a token")).await.expect("post without _csrf");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "a form without _csrf is refused");
    let mut wrong = risk("Forged from another site with a made-up token");
    wrong.push(("_csrf", "0".repeat(csrf.len())));
    let resp = post(wrong).await.expect("post with a wrong _csrf");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "a form with a wrong _csrf is refused");
    assert_eq!(risk_count(server).await, before, "refused forms create nothing");
    // Control: the same request with the page's token goes through, so the 403s above were
    // about the token and not about the copied session.
    let mut good = risk("Sent with the page's own CSRF token");
    good.push(("_csrf", csrf.clone()));
    let resp = post(good).await.expect("post with the right _csrf");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the real form is accepted");
    assert_eq!(risk_count(server).await, before + 1);

    // In the browser: the real form with its `_csrf` removed is refused too.
    b.goto("/risks/new").await;
    b.type_into("#f-statement", "Submitted without its CSRF field").await;
    b.choose("#f-impact", "2").await;
    b.choose("#f-likelihood", "2").await;
    b.choose("#f-found_stage", "development").await;
    b.js("document.querySelector('main form.form input[name=_csrf]').remove()").await;
    b.click("main form.form button[type=submit]").await;
    b.wait_location("the refused form", |l| l == "/risks").await;
    assert_eq!(b.text("main h1").await, "Forbidden");
    assert!(b.text("main").await.contains("did not come from Rhythm"));
    b.shot("csrf-01-refused").await;
    assert_eq!(risk_count(server).await, before + 1, "the stripped form created nothing");

    // Signing out ends the session: the browser is sent to sign in, and the old cookie is dead.
    b.goto("/").await;
    b.click("nav .nav-user form[action='/logout'] button[type=submit]").await;
    b.wait_location("the sign-in page after signing out", |l| l.starts_with("/login")).await;
    b.shot("csrf-02-signed-out").await;
    let cookies = b.client.get_all_cookies().await.expect("cookies");
    assert!(cookies.iter().all(|c| c.name() != SESSION_COOKIE), "the session cookie is gone: {cookies:?}");
    b.goto("/").await;
    b.wait_location("the sign-in page", |l| l.starts_with("/login")).await;
    b.find("#email").await;
    b.goto("/risks").await;
    let loc = b.wait_location("the sign-in page", |l| l.starts_with("/login")).await;
    assert_eq!(loc, "/login?next=%2Frisks", "sign-in remembers where the user was going");
    let resp = server
        .http
        .get(format!("{}/", server.url))
        .header("cookie", cookie_header.clone())
        .send()
        .await
        .expect("get / with the old cookie");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the old session no longer works");
    assert_eq!(resp.headers().get("location").and_then(|v| v.to_str().ok()), Some("/login"));
}
