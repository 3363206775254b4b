//! Governance nobody can quietly bypass, on the web UI (the API and the store have their own
//! tests beside the steps): each way one person flipped a verdict in one request is tried
//! through the pages, refused with a message that names the rule, and changes nothing.

use reqwest::StatusCode;
use rhythm_domain::Role;
use rhythm_store::Actor;
use serde_json::{Value, json};

use crate::web_imports::session;
use crate::{TestServer, both};

/// Posts a form as the session (`cookie`, `csrf`): the status, the page and where it redirects.
async fn post_form(
    s: &TestServer,
    who: &(String, String),
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut form: Vec<(&str, &str)> = vec![("_csrf", who.1.as_str())];
    form.extend_from_slice(fields);
    let resp =
        s.http.post(format!("{}{path}", s.url)).header("cookie", who.0.clone()).form(&form).send().await.unwrap();
    let status = resp.status();
    let location = resp.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("").to_owned();
    let body = resp.text().await.unwrap();
    (status, if status == StatusCode::SEE_OTHER { location } else { body })
}

async fn page(s: &TestServer, who: &(String, String), path: &str) -> String {
    s.http.get(format!("{}{path}", s.url)).header("cookie", who.0.clone()).send().await.unwrap().text().await.unwrap()
}

/// A session of a person the operator added (not one of the harness's one-per-role people).
async fn session_of_new(s: &TestServer, email: &str, role: Role) -> (String, String) {
    let operator = Actor { workspace_id: s.workspace_id, user_id: None, label: "rhythm admin".into() };
    let user =
        s.db.store.create_user(&operator, email, "Second chief", role, None, crate::harness::now()).await.unwrap();
    crate::web_imports::session_of(s, &user).await
}

async fn decision(s: &TestServer, reference: &str) -> Value {
    s.get(&format!("/api/v1/decisions/{reference}"), Role::Viewer).await.1
}

/// Escalations on the decision page: a chief cannot decide one (the STOP override found
/// decided by the CTO alone with "CEO" typed in), the executive cannot before both positions
/// are on record, and then decides it as the escalation authority.
async fn an_escalation_is_decided_on_its_page_only_by_the_authority(s: TestServer) {
    let (st, d) = s
        .post(
            "/api/v1/decisions",
            Role::Engineer,
            json!({"title": "Ship 2026.12 despite the STOP", "category": "stop_ship"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let r = d["number"].as_i64().unwrap();
    let path = format!("/decisions/DEC-{r}");
    let (cto, ciso, ceo) =
        (session(&s, Role::Cto).await, session(&s, Role::Ciso).await, session(&s, Role::Executive).await);
    let choice = [("choice", "Ship"), ("cost", "Two weeks of exposure"), ("escalated_to", "CEO")];

    let before = (decision(&s, &format!("DEC-{r}")).await, s.audit_len().await);
    let (st, body) = post_form(&s, &cto, &format!("{path}/decide"), &choice).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("escalation authority"), "the page names the rule");
    let (st, body) = post_form(&s, &ceo, &format!("{path}/decide"), &choice).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(body.contains("written positions"), "the page says what is missing");
    assert_eq!((decision(&s, &format!("DEC-{r}")).await, s.audit_len().await), before, "refusals change nothing");
    assert!(!page(&s, &cto, &path).await.contains("id=\"d-decide\""), "a chief is not offered the decide form");
    assert!(page(&s, &cto, &path).await.contains("id=\"d-position\""), "but the position form");

    let (st, to) = post_form(&s, &cto, &format!("{path}/position"), &[("position", "Ship: the flag limits it")]).await;
    assert_eq!((st, to.contains("flash=position")), (StatusCode::SEE_OTHER, true), "{to}");
    let (st, body) = post_form(&s, &ceo, &format!("{path}/position"), &[("position", "Mine")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    post_form(&s, &ciso, &format!("{path}/position"), &[("position", "Hold: card data reaches the logs")]).await;
    let shown = page(&s, &ceo, &path).await;
    assert!(shown.contains("Ship: the flag limits it") && shown.contains("Hold: card data reaches the logs"));
    assert!(shown.contains("id=\"d-decide\""), "the executive is offered the decide form once both are in");
    let (st, to) = post_form(&s, &ceo, &format!("{path}/decide"), &choice).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{to}");
    let d = decision(&s, &format!("DEC-{r}")).await;
    assert_eq!((d["status"].as_str(), d["decided_as"].as_str()), (Some("decided"), Some("executive")), "{d}");
    assert!(page(&s, &ceo, &path).await.contains("(Executive"), "the page says who decided, as what");
}
both!(
    an_escalation_is_decided_on_its_page_only_by_the_authority,
    super::an_escalation_is_decided_on_its_page_only_by_the_authority
);

/// "Joint" on the decision page: a second CTO account (the operator made one) cannot concur
/// with the CTO's choice; only the CISO can.
async fn a_second_cto_cannot_concur_on_the_page(s: TestServer) {
    let (st, d) = s
        .post(
            "/api/v1/decisions",
            Role::Cto,
            json!({"title": "Control requirements to the CTO", "category": "policy_change"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let r = d["number"].as_i64().unwrap();
    let (st, p) = s
        .post(&format!("/api/v1/decisions/DEC-{r}/decide"), Role::Cto, json!({"choice": "Move them", "cost": "None"}))
        .await;
    assert_eq!((st, p["status"].as_str()), (StatusCode::OK, Some("awaiting_concurrence")), "{p}");
    let cto2 = session_of_new(&s, "cto2@northwind.test", Role::Cto).await;
    let path = format!("/decisions/DEC-{r}");
    assert!(!page(&s, &cto2, &path).await.contains("id=\"d-concur\""), "the second CTO is not offered concurrence");
    let before = (decision(&s, &format!("DEC-{r}")).await, s.audit_len().await);
    let (st, body) = post_form(&s, &cto2, &format!("{path}/concur"), &[]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(body.contains("only the CISO concurs"), "the page names the rule");
    assert_eq!((decision(&s, &format!("DEC-{r}")).await, s.audit_len().await), before);
    let (st, _) = post_form(&s, &session(&s, Role::Ciso).await, &format!("{path}/concur"), &[]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(decision(&s, &format!("DEC-{r}")).await["concurred_as"], "ciso");
}
both!(a_second_cto_cannot_concur_on_the_page, super::a_second_cto_cannot_concur_on_the_page);

/// Settling an escalated exception on its page: the requester citing a decision the CTO took
/// alone about something else (the bypass that was found) is refused; the page offers the
/// settle form only to the executive who decided the escalation that names it.
async fn an_escalated_exception_is_settled_on_its_page_only_by_its_escalation(s: TestServer) {
    let (system, risk) = crate::exceptions::setup(&s).await;
    let (st, e) =
        s.post("/api/v1/exceptions", Role::Engineer, crate::exceptions::request_body(&s, &system, &risk).await).await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    let sign = |side: &str, approve: bool| json!({"side": side, "approve": approve, "note": "Over our appetite"});
    s.post("/api/v1/exceptions/EXC-1/sign", Role::Cto, sign("engineering", true)).await;
    let (_, e) = s.post("/api/v1/exceptions/EXC-1/sign", Role::Ciso, sign("security", false)).await;
    assert_eq!(e["status"], "escalated", "{e}");
    let (_, unrelated) = s
        .post(
            "/api/v1/decisions",
            Role::Cto,
            json!({"title": "Billing before search", "category": "delivery_sequencing"}),
        )
        .await;
    let decide = json!({"choice": "Billing first", "cost": "Search slips"});
    s.post(&format!("/api/v1/decisions/{}/decide", unrelated["id"].as_str().unwrap()), Role::Cto, decide.clone()).await;

    let engineer = session(&s, Role::Engineer).await;
    let shown = page(&s, &engineer, "/exceptions/EXC-1").await;
    assert!(shown.contains("id=\"escalation-waits\"") && !shown.contains("id=\"resolve-title\""), "no settle form");
    let before = (s.get("/api/v1/exceptions/EXC-1", Role::Viewer).await.1, s.audit_len().await);
    let id = unrelated["id"].as_str().unwrap();
    let (st, body) =
        post_form(&s, &engineer, "/exceptions/EXC-1/resolve", &[("decision_id", id), ("outcome", "approve")]).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(body.contains("not a decided escalation"), "the page names the rule");
    assert_eq!((s.get("/api/v1/exceptions/EXC-1", Role::Viewer).await.1, s.audit_len().await), before);

    // The escalation that names it, decided by the executive, who settles it on the page.
    let (_, esc) = s
        .post(
            "/api/v1/decisions",
            Role::Engineer,
            json!({"title": "Accept TLS 1.0 until January", "category": "risks_over_threshold", "exception_ids": [e["id"]]}),
        )
        .await;
    let esc_id = esc["id"].as_str().unwrap().to_owned();
    for role in [Role::Cto, Role::Ciso] {
        let (st, p) = s.post(&format!("/api/v1/decisions/{esc_id}/position"), role, json!({"position": "Mine"})).await;
        assert_eq!(st, StatusCode::OK, "{p}");
    }
    let (st, p) = s.post(&format!("/api/v1/decisions/{esc_id}/decide"), Role::Executive, decide).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let ceo = session(&s, Role::Executive).await;
    assert!(page(&s, &ceo, "/exceptions/EXC-1").await.contains("id=\"resolve-title\""), "the decider settles it");
    let (st, to) =
        post_form(&s, &ceo, "/exceptions/EXC-1/resolve", &[("decision_id", &esc_id), ("outcome", "approve")]).await;
    assert_eq!((st, to.contains("flash=resolved")), (StatusCode::SEE_OTHER, true), "{to}");
    assert_eq!(s.get("/api/v1/exceptions/EXC-1", Role::Viewer).await.1["status"], "approved");
}
both!(
    an_escalated_exception_is_settled_on_its_page_only_by_its_escalation,
    super::an_escalated_exception_is_settled_on_its_page_only_by_its_escalation
);

/// "Waiting for me" holds what each person must act on, not only signatures: the decision a
/// chief decides or concurs with, the position an escalation waits for, the escalation the
/// executive decides, and the STOP of an upcoming release.
async fn waiting_for_me_holds_everything_a_person_must_act_on(s: TestServer) {
    let post = |role, path: &str, body: Value| {
        let path = path.to_owned();
        let s = &s;
        async move { s.post(&path, role, body).await }
    };
    post(Role::Engineer, "/api/v1/decisions", json!({"title": "Billing first", "category": "delivery_sequencing"}))
        .await;
    let (_, joint) =
        post(Role::Engineer, "/api/v1/decisions", json!({"title": "Launch 2026.12", "category": "launch_readiness"}))
            .await;
    post(
        Role::Ciso,
        &format!("/api/v1/decisions/{}/decide", joint["id"].as_str().unwrap()),
        json!({"choice": "Go", "cost": "None"}),
    )
    .await;
    let (_, esc) =
        post(Role::Engineer, "/api/v1/decisions", json!({"title": "Ship despite STOP", "category": "stop_ship"})).await;
    let (_, system) =
        post(Role::Cto, "/api/v1/systems", json!({"name": "ledger", "owner_team": "Ledger", "tier": "restricted"}))
            .await;
    let planned = (crate::harness::now().date() + time::Duration::days(7)).to_string();
    post(
        Role::Delivery,
        "/api/v1/releases",
        json!({"name": "ledger 9", "system_id": system["id"], "planned_date": planned}),
    )
    .await;

    let steps = |w: &Value| -> Vec<(String, String)> {
        w["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["decision"]["title"].as_str().unwrap().to_owned(), d["step"].as_str().unwrap().to_owned()))
            .collect()
    };
    let (st, cto) = s.get("/api/v1/me/waiting", Role::Cto).await;
    assert_eq!(st, StatusCode::OK, "{cto}");
    let expected = [("Billing first", "decide"), ("Launch 2026.12", "concur"), ("Ship despite STOP", "position")];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
    let mut got = steps(&cto);
    got.sort();
    assert_eq!(got, expected, "{cto}");
    assert_eq!(cto["stopped_releases"][0]["release_name"], "ledger 9", "off the logging golden path: {cto}");
    let (_, ciso) = s.get("/api/v1/me/waiting", Role::Ciso).await;
    assert_eq!(steps(&ciso), [("Ship despite STOP".to_owned(), "position".to_owned())], "{ciso}");
    let (_, ceo) = s.get("/api/v1/me/waiting", Role::Executive).await;
    assert!(steps(&ceo).is_empty(), "nothing to decide before both positions: {ceo}");
    for role in [Role::Cto, Role::Ciso] {
        post(role, &format!("/api/v1/decisions/{}/position", esc["id"].as_str().unwrap()), json!({"position": "Mine"}))
            .await;
    }
    let (_, ceo) = s.get("/api/v1/me/waiting", Role::Executive).await;
    assert_eq!(steps(&ceo), [("Ship despite STOP".to_owned(), "decide".to_owned())], "{ceo}");
    let (_, engineer) = s.get("/api/v1/me/waiting", Role::Engineer).await;
    assert!(steps(&engineer).is_empty() && engineer["stopped_releases"].as_array().unwrap().is_empty(), "{engineer}");

    // The page shows the same.
    let page = page(&s, &session(&s, Role::Cto).await, "/inbox").await;
    assert!(page.contains("Billing first") && page.contains("concur as the other chief"), "the CTO's page");
    assert!(page.contains("ledger 9") && page.contains("Releases at STOP"), "the CTO's page");
}
both!(
    waiting_for_me_holds_everything_a_person_must_act_on,
    super::waiting_for_me_holds_everything_a_person_must_act_on
);

/// Silent risk acceptance: an engineer set a score-20 legal risk to `accepted` with a PATCH
/// and the release it stopped went GO. Refused on the API, the form and the CSV import, the
/// gate unchanged; `mitigating` needs an owner, a mitigation, a date and a four-line update;
/// an approved exception is what accepts the risk, and its lapse opens it again.
async fn a_risk_is_accepted_only_through_an_exception(s: TestServer) {
    let (_, system) =
        s.post("/api/v1/systems", Role::Cto, json!({"name": "ledger", "owner_team": "Ledger", "tier": "restricted", "golden_paths": ["logging_monitoring"]})).await;
    let (_, risk) = s
        .post(
            "/api/v1/risks",
            Role::Engineer,
            json!({"statement": "Invoices can be altered after approval.", "impact": 5, "likelihood": 4, "found_stage": "production", "tags": ["legal"], "system_ids": [system["id"]]}),
        )
        .await;
    let r = risk["number"].as_i64().unwrap();
    let planned = (crate::harness::now().date() + time::Duration::days(7)).to_string();
    let (_, release) = s
        .post(
            "/api/v1/releases",
            Role::Delivery,
            json!({"name": "ledger 9", "system_id": system["id"], "planned_date": planned}),
        )
        .await;
    let gate = format!("/api/v1/releases/REL-{}/gate", release["number"]);
    assert_eq!(s.get(&gate, Role::Viewer).await.1["verdict"], "stop");
    let before = (s.get(&format!("/api/v1/risks/RISK-{r}"), Role::Viewer).await.1, s.audit_len().await);

    let (st, p) = s.patch(&format!("/api/v1/risks/RISK-{r}"), Role::Engineer, json!({"status": "accepted"})).await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")), "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("approved exception"), "{p}");
    let (st, p) = s.patch(&format!("/api/v1/risks/RISK-{r}"), Role::Ciso, json!({"status": "accepted"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "not even the CISO types it in: {p}");
    let engineer = session(&s, Role::Engineer).await;
    let fields = [
        ("statement", "Invoices can be altered after approval."),
        ("impact", "5"),
        ("likelihood", "4"),
        ("found_stage", "production"),
        ("status", "accepted"),
    ];
    let (st, body) = post_form(&s, &engineer, &format!("/risks/RISK-{r}"), &fields).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("approved exception"), "the form says what to do instead");
    let csv = "external_id,statement,impact,likelihood,owner,mitigation,due_date,status,found_stage\n\
               R-9,Accepted by a spreadsheet,5,4,,,,accepted,production\n";
    let (st, p) = s
        .raw(
            reqwest::Method::POST,
            "/api/v1/imports?format=risks-csv",
            s.token(Role::Engineer),
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p.to_string().contains("line 2"), "says where: {p}");
    assert_eq!((s.get(&format!("/api/v1/risks/RISK-{r}"), Role::Viewer).await.1, s.audit_len().await), before);
    assert_eq!(s.get(&gate, Role::Viewer).await.1["verdict"], "stop", "the gate did not move");

    // Mitigating is a plan on record.
    let (st, p) = s.patch(&format!("/api/v1/risks/RISK-{r}"), Role::Engineer, json!({"status": "mitigating"})).await;
    let named: Vec<&str> = p["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!((st, named), (StatusCode::UNPROCESSABLE_ENTITY, vec!["owner_id", "mitigation", "due_date"]), "{p}");
    let me = s.get("/api/v1/me", Role::Engineer).await.1;
    let due = (crate::harness::now().date() + time::Duration::days(30)).to_string();
    let plan = json!({"status": "mitigating", "owner_id": me["id"], "mitigation": "Lock invoices on approval", "due_date": due});
    let (st, p) = s.patch(&format!("/api/v1/risks/RISK-{r}"), Role::Engineer, plan.clone()).await;
    assert_eq!((st, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")), "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("four-line update"), "{p}");
    let update = json!({"what": "Invoices editable after approval", "why": "Fraud and audit exposure", "doing": "Locking on approval", "closes": "End of January"});
    let (st, p) = s.post(&format!("/api/v1/risks/RISK-{r}/updates"), Role::Engineer, update).await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    let (st, p) = s.patch(&format!("/api/v1/risks/RISK-{r}"), Role::Engineer, plan).await;
    assert_eq!((st, p["status"].as_str()), (StatusCode::OK, Some("mitigating")), "{p}");
}
both!(a_risk_is_accepted_only_through_an_exception, super::a_risk_is_accepted_only_through_an_exception);
