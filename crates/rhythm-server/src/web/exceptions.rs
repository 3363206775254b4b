//! Exception pages: the list, the request form (also used to extend one), the detail page with
//! both signature panels and the sign / withdraw forms, and the inbox of requests waiting for
//! the signed-in person. Every page calls the same service functions as the API.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rhythm_domain::{
    Exception, ExceptionInput, ExceptionSide, ExceptionStatus, FieldError, Finding, Permission, Risk, System, User,
};
use rhythm_store::ListQuery;
use time::Date;
use uuid::Uuid;

use super::forms::sentence;
use super::layout::{Flash, Nav, csrf_field, multiline, page, page_head};
use super::registers::{choices_of, truncate};
use super::{CsrfForm, Form, WebUser, error_response};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::{self, exceptions as svc};

fn status_badge(s: ExceptionStatus) -> Markup {
    html! { span class={ "badge badge-" (s.as_str()) } { (s.label()) } }
}

/// People of the workspace by id.
async fn people(st: &AppState, p: &Principal) -> Result<HashMap<Uuid, User>, AppError> {
    Ok(service::accounts::users(st, p).await?.into_iter().map(|u| (u.id, u)).collect())
}

fn name_of(people: &HashMap<Uuid, User>, id: Uuid) -> String {
    people.get(&id).map_or_else(|| id.to_string(), |u| u.name.clone())
}

fn flash_from(q: Option<&str>) -> Option<Flash> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.unwrap_or("")).unwrap_or_default();
    pairs.into_iter().find(|(k, _)| k == "flash").map(|(_, v)| match v.as_str() {
        "requested" => Flash::Ok("Requested. Both owners have been asked to sign.".into()),
        "signed" => Flash::Ok("Your signature is recorded.".into()),
        "withdrawn" => Flash::Ok("Withdrawn.".into()),
        "edited" => Flash::Ok("Saved.".into()),
        "resolved" => Flash::Ok("The escalation is settled.".into()),
        _ => Flash::Ok("Done.".into()),
    })
}

// ---------------------------------------------------------------------------------------------
// List
// ---------------------------------------------------------------------------------------------

pub async fn list_page(State(st): State<AppState>, WebUser(p): WebUser, RawQuery(raw): RawQuery) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let status = pairs.iter().find(|(k, _)| k == "status").map(|(_, v)| v.clone()).unwrap_or_default();
    let search = pairs.iter().find(|(k, _)| k == "q").map(|(_, v)| v.clone()).unwrap_or_default();
    let mut q = ListQuery { limit: 200, ..ListQuery::default() };
    if !status.is_empty() {
        q.filters.push(("status".into(), status.clone()));
    }
    if !search.trim().is_empty() {
        q.q = Some(search.clone());
    }
    let listing = match svc::list(&st, &p, &q).await {
        Ok(l) => l,
        Err(e) => return error_response(&e),
    };
    let (people, systems) = match (people(&st, &p).await, choices_of::<System>(&st, &p).await) {
        (Ok(u), Ok(s)) => (u, s.into_iter().collect::<HashMap<_, _>>()),
        (Err(e), _) | (_, Err(e)) => return error_response(&e),
    };
    let can_write = p.can(Permission::Write);
    let body = html! {
        (page_head("Governance", "Exceptions", Some("Time-boxed acceptances of a risk, each signed by its engineering owner and its security owner."), html! {
            @if can_write { a class="btn primary" href="/exceptions/new" { "Request an exception" } }
        }))
        form class="filters" method="get" action="/exceptions" role="search" aria-label="Filter exceptions" {
            div class="field" {
                label for="flt-q" { "Search" }
                input id="flt-q" type="search" name="q" value=(search);
            }
            div class="field" {
                label for="flt-status" { "Status" }
                select id="flt-status" name="status" data-autosubmit {
                    option value="" { "Any" }
                    @for s in ExceptionStatus::ALL {
                        option value=(s.as_str()) selected[status == s.as_str()] { (s.label()) }
                    }
                }
            }
            div class="field" { button class="btn" type="submit" { "Apply" } }
            @if !status.is_empty() || !search.is_empty() { div class="field" { a class="btn-link" href="/exceptions" { "Clear filters" } } }
        }
        @if listing.items.is_empty() {
            div class="empty card" {
                p { "No exceptions" @if !status.is_empty() || !search.is_empty() { " match these filters" } "." }
                @if can_write { p { a class="btn primary" href="/exceptions/new" { "Request the first one" } } }
            }
        } @else {
            div class="table-wrap" {
                table class="data" {
                    caption class="sr-only" { "Exceptions, " (listing.total) " entries, soonest expiry first" }
                    thead { tr {
                        th scope="col" { "Ref" }
                        th scope="col" { "Title" }
                        th scope="col" { "Systems" }
                        th scope="col" { "Owners" }
                        th scope="col" { "Expires" }
                        th scope="col" { "Status" }
                    } }
                    tbody {
                        @for e in &listing.items {
                            @let href = format!("/exceptions/{}", e.reference());
                            tr data-href=(href) {
                                td class="ref nowrap" { a class="row-link" href=(href) { (e.reference()) } }
                                td { (truncate(&e.title, 110)) }
                                td {
                                    @if e.system_ids.is_empty() { span class="muted" { "none" } }
                                    @for (i, s) in e.system_ids.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        (systems.get(s).map_or_else(|| s.to_string(), |l| truncate(l, 40)))
                                    }
                                }
                                td {
                                    span class="nowrap" { "Eng: " (name_of(&people, e.engineering_owner_id)) } br;
                                    span class="nowrap" { "Sec: " (name_of(&people, e.security_owner_id)) }
                                }
                                td class="nowrap" { (e.expires_on) }
                                td { (status_badge(e.status)) }
                            }
                        }
                    }
                }
            }
            @if listing.total > i64::from(listing.limit) {
                p class="muted small" { "Showing the first " (listing.limit) " of " (listing.total) "; search or filter to narrow it down." }
            }
        }
    };
    page(&p, Nav::Exceptions, "Exceptions", flash_from(raw.as_deref()), body)
}

// ---------------------------------------------------------------------------------------------
// Request form
// ---------------------------------------------------------------------------------------------

/// What the request form shows: the values as typed (or prefilled), by field name.
#[derive(Default)]
struct Values {
    text: HashMap<&'static str, String>,
    ids: HashMap<&'static str, Vec<String>>,
}

impl Values {
    fn text(&self, k: &str) -> &str {
        self.text.get(k).map_or("", String::as_str)
    }
    fn has(&self, k: &str, id: &str) -> bool {
        self.ids.get(k).is_some_and(|v| v.iter().any(|x| x == id))
    }

    fn from_form(f: &Form) -> Values {
        let mut v = Values::default();
        for k in [
            "title",
            "business_reason",
            "scope",
            "users_impacted",
            "starts_on",
            "expires_on",
            "compensating_controls",
            "engineering_owner_id",
            "security_owner_id",
            "supersedes",
        ] {
            v.text.insert(k, f.get(k).unwrap_or("").to_owned());
        }
        for k in ["system_ids", "risk_ids", "finding_ids"] {
            v.ids.insert(k, f.all(k).into_iter().map(str::to_owned).collect());
        }
        v
    }

    /// The current terms of `e`, for its edit form.
    fn editing(e: &Exception) -> Values {
        let mut v = Values::extending(e);
        v.text.insert("starts_on", e.starts_on.to_string());
        v.text.insert("expires_on", e.expires_on.to_string());
        v.text.remove("supersedes");
        v
    }

    /// A new request that extends `old`: the same terms, starting the day after it expires.
    fn extending(old: &Exception) -> Values {
        let mut v = Values::default();
        v.text.insert("title", old.title.clone());
        v.text.insert("business_reason", old.business_reason.clone());
        v.text.insert("scope", old.scope.clone());
        v.text.insert("users_impacted", old.users_impacted.clone());
        v.text.insert("starts_on", old.expires_on.next_day().unwrap_or(old.expires_on).to_string());
        v.text.insert("compensating_controls", old.compensating_controls.join("\n"));
        v.text.insert("engineering_owner_id", old.engineering_owner_id.to_string());
        v.text.insert("security_owner_id", old.security_owner_id.to_string());
        v.text.insert("supersedes", old.id.to_string());
        v.ids.insert("system_ids", old.system_ids.iter().map(Uuid::to_string).collect());
        v.ids.insert("risk_ids", old.risk_ids.iter().map(Uuid::to_string).collect());
        v.ids.insert("finding_ids", old.finding_ids.iter().map(Uuid::to_string).collect());
        v
    }

    /// The request, or the fields that do not parse (the domain checks the rest).
    fn to_input(&self) -> Result<ExceptionInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(FieldError { field: field.to_owned(), message: message.to_owned() });
        };
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let mut date = |k: &str, label: &str| match Date::parse(self.text(k).trim(), fmt) {
            Ok(d) => Some(d),
            Err(_) if self.text(k).trim().is_empty() => {
                fail(k, &format!("enter the {label} date"));
                None
            }
            Err(_) => {
                fail(k, "enter a date like 2026-12-31");
                None
            }
        };
        let starts_on = date("starts_on", "start");
        let expires_on = date("expires_on", "expiry");
        let mut owner = |k: &str, what: &str| match self.text(k).parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                fail(k, &format!("choose the {what} owner"));
                None
            }
        };
        let engineering_owner_id = owner("engineering_owner_id", "engineering");
        let security_owner_id = owner("security_owner_id", "security");
        let ids = |k: &'static str| -> Vec<Uuid> {
            self.ids.get(k).into_iter().flatten().filter_map(|s| s.parse().ok()).collect()
        };
        let system_ids = ids("system_ids");
        let risk_ids = ids("risk_ids");
        let finding_ids = ids("finding_ids");
        let supersedes = self.text("supersedes").parse::<Uuid>().ok();
        match (starts_on, expires_on, engineering_owner_id, security_owner_id) {
            (Some(starts_on), Some(expires_on), Some(engineering_owner_id), Some(security_owner_id))
                if errors.is_empty() =>
            {
                Ok(ExceptionInput {
                    title: self.text("title").to_owned(),
                    business_reason: self.text("business_reason").to_owned(),
                    scope: self.text("scope").to_owned(),
                    system_ids,
                    users_impacted: self.text("users_impacted").to_owned(),
                    starts_on,
                    expires_on,
                    compensating_controls: self.text("compensating_controls").lines().map(str::to_owned).collect(),
                    risk_ids,
                    finding_ids,
                    engineering_owner_id,
                    security_owner_id,
                    supersedes,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The choices the form offers.
struct Choices {
    systems: Vec<(Uuid, String)>,
    risks: Vec<(Uuid, String)>,
    /// Open findings (fixed ones need no exception).
    findings: Vec<(Uuid, String)>,
    engineering: Vec<(Uuid, String)>,
    security: Vec<(Uuid, String)>,
    exceptions: Vec<(Uuid, String)>,
}

async fn load_choices(st: &AppState, p: &Principal) -> Result<Choices, AppError> {
    let users = service::accounts::users(st, p).await?;
    let signers = |side: ExceptionSide| -> Vec<(Uuid, String)> {
        users
            .iter()
            .filter(|u| !u.disabled && side.allows(u.role))
            .map(|u| (u.id, format!("{} ({})", u.name, u.role.label())))
            .collect()
    };
    let q = ListQuery {
        limit: 500,
        sort: Some("number".into()),
        dir: Some(rhythm_store::SortDir::Desc),
        ..ListQuery::default()
    };
    let exceptions = svc::list(st, p, &q)
        .await?
        .items
        .iter()
        .map(|e| (e.id, format!("{} — {} ({})", e.reference(), truncate(&e.title, 60), e.status.label())))
        .collect();
    Ok(Choices {
        systems: choices_of::<System>(st, p).await?,
        risks: choices_of::<Risk>(st, p).await?,
        findings: open_findings(st, p).await?,
        engineering: signers(ExceptionSide::Engineering),
        security: signers(ExceptionSide::Security),
        exceptions,
    })
}

/// Open findings, most severe first, for the "findings covered" choice.
async fn open_findings(st: &AppState, p: &Principal) -> Result<Vec<(Uuid, String)>, AppError> {
    let q = ListQuery {
        limit: 500,
        sort: Some("severity".into()),
        filters: vec![("status".into(), "open".into())],
        ..ListQuery::default()
    };
    let page = service::list::<Finding>(st, p, &q).await?;
    Ok(page
        .items
        .iter()
        .map(|f| {
            let label = format!("{} — {} {}: {}", f.reference(), f.severity.label(), f.rule, truncate(&f.title, 50));
            (f.id, label)
        })
        .collect())
}

/// A labelled field with its hint and errors wired up for screen readers.
fn field(
    name: &str,
    label: &str,
    hint: &str,
    required: bool,
    errors: &[FieldError],
    control: impl Fn(Option<&str>, Option<&str>) -> Markup,
) -> Markup {
    let id = format!("f-{name}");
    let errs: Vec<&FieldError> =
        errors.iter().filter(|e| e.field == name || e.field.starts_with(&format!("{name}["))).collect();
    let mut described = Vec::new();
    if !hint.is_empty() {
        described.push(format!("{id}-hint"));
    }
    if !errs.is_empty() {
        described.push(format!("{id}-error"));
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = (!errs.is_empty()).then_some("true");
    html! {
        div class={ "field" @if !errs.is_empty() { " has-error" } } {
            label for=(id) { (label) @if required { span class="muted" { " (required)" } } }
            (control(described.as_deref(), invalid))
            @if !hint.is_empty() { p class="hint" id={ (id) "-hint" } { (hint) } }
            @if !errs.is_empty() {
                p class="error" id={ (id) "-error" } { @for (i, e) in errs.iter().enumerate() { @if i > 0 { " " } (sentence(&e.message)) } }
            }
        }
    }
}

/// Where the form posts and what its button says: a new request, or an edit of `EXC-n`.
enum FormMode<'a> {
    Request,
    Edit { reference: &'a str, version: i64 },
}

fn request_form(p: &Principal, v: &Values, errors: &[FieldError], c: &Choices) -> Markup {
    exception_form(p, v, errors, c, &FormMode::Request)
}

fn exception_form(p: &Principal, v: &Values, errors: &[FieldError], c: &Choices, mode: &FormMode<'_>) -> Markup {
    const KNOWN: &[&str] = &[
        "title",
        "business_reason",
        "scope",
        "system_ids",
        "users_impacted",
        "starts_on",
        "expires_on",
        "compensating_controls",
        "risk_ids",
        "finding_ids",
        "engineering_owner_id",
        "security_owner_id",
        "supersedes",
    ];
    let unmatched: Vec<&FieldError> = errors
        .iter()
        .filter(|e| !KNOWN.iter().any(|k| e.field == *k || e.field.starts_with(&format!("{k}["))))
        .collect();
    let text = |name: &'static str, ty: &'static str, required: bool| {
        move |d: Option<&str>, inv: Option<&str>| {
            html! {
                input id={ "f-" (name) } name=(name) type=(ty) value=(v.text(name)) required[required] aria-describedby=[d] aria-invalid=[inv];
            }
        }
    };
    let area = |name: &'static str, rows: u32, required: bool| {
        move |d: Option<&str>, inv: Option<&str>| {
            html! {
                textarea id={ "f-" (name) } name=(name) rows=(rows) required[required] aria-describedby=[d] aria-invalid=[inv] { (v.text(name)) }
            }
        }
    };
    let multi = |name: &'static str, opts: &[(Uuid, String)]| {
        let opts = opts.to_vec();
        move |d: Option<&str>, inv: Option<&str>| {
            html! {
                select id={ "f-" (name) } name=(name) multiple size="5" aria-describedby=[d] aria-invalid=[inv] {
                    @for (id, l) in &opts { @let s = id.to_string(); option value=(s) selected[v.has(name, &s)] { (l) } }
                }
            }
        }
    };
    let single = |name: &'static str, none: &'static str, opts: &[(Uuid, String)]| {
        let opts = opts.to_vec();
        move |d: Option<&str>, inv: Option<&str>| {
            html! {
                select id={ "f-" (name) } name=(name) aria-describedby=[d] aria-invalid=[inv] {
                    option value="" { (none) }
                    @for (id, l) in &opts { @let s = id.to_string(); option value=(s) selected[v.text(name) == s] { (l) } }
                }
            }
        }
    };
    html! {
        @if !errors.is_empty() {
            div class="flash flash-error" role="alert" {
                "Please fix " (errors.len()) @if errors.len() == 1 { " field" } @else { " fields" } " below."
                @for e in &unmatched { br; (e.field) ": " (e.message) }
            }
        }
        @let action = match mode { FormMode::Request => "/exceptions".to_owned(), FormMode::Edit { reference, .. } => format!("/exceptions/{reference}/edit") };
        form class="form card" method="post" action=(action) novalidate {
            (csrf_field(p))
            @if let FormMode::Edit { version, .. } = mode { input type="hidden" name="expected_version" value=(version); }
            (field("title", "Title", "", true, errors, text("title", "text", true)))
            (field("business_reason", "Business reason", "Why the business accepts this risk for a while — not that fixing it is inconvenient.", true, errors, area("business_reason", 4, true)))
            (field("scope", "Scope", "What the exception covers, and what it does not.", true, errors, area("scope", 3, true)))
            (field("system_ids", "Systems", "Hold Ctrl (or ⌘) to choose several.", false, errors, multi("system_ids", &c.systems)))
            (field("users_impacted", "Users impacted", "Who is exposed while it lasts.", false, errors, text("users_impacted", "text", false)))
            div class="grid-2" {
                (field("starts_on", "Starts on", "", true, errors, text("starts_on", "date", true)))
                (field("expires_on", "Expires on", "The last day it is valid; the policy limits how long an exception lasts.", true, errors, text("expires_on", "date", true)))
            }
            (field("compensating_controls", "Compensating controls", "One per line.", false, errors, area("compensating_controls", 4, false)))
            (field("risk_ids", "Risks covered", "At least one risk or finding. Hold Ctrl (or ⌘) to choose several.", false, errors, multi("risk_ids", &c.risks)))
            (field("finding_ids", "Findings covered", "Open findings this exception accepts for a while; the launch gate counts them as covered once both owners sign.", false, errors, multi("finding_ids", &c.findings)))
            div class="grid-2" {
                (field("engineering_owner_id", "Engineering owner", "A CTO or engineering lead; signs the engineering side.", true, errors, single("engineering_owner_id", "Choose…", &c.engineering)))
                (field("security_owner_id", "Security owner", "A CISO or security lead, not the engineering owner; signs the security side.", true, errors, single("security_owner_id", "Choose…", &c.security)))
            }
            @if let FormMode::Edit { reference, .. } = mode {
                p class="muted" { "Changing the scope, the dates, what it covers or the owners of an approved exception voids both signatures: it is asked for again." }
                div class="form-actions" {
                    button class="btn primary" type="submit" { "Save changes" }
                    a class="btn" href={ "/exceptions/" (reference) } { "Cancel" }
                }
            } @else {
                (field("supersedes", "Extends", "For an extension: the exception this one supersedes.", false, errors, single("supersedes", "None — a new exception", &c.exceptions)))
                div class="form-actions" {
                    button class="btn primary" type="submit" { "Request signatures" }
                    a class="btn" href="/exceptions" { "Cancel" }
                }
            }
        }
    }
}

pub async fn new_page(State(st): State<AppState>, WebUser(p): WebUser, RawQuery(raw): RawQuery) -> Response {
    if let Err(e) = p.require(Permission::Write) {
        return error_response(&e);
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let mut values = match pairs.iter().find(|(k, _)| k == "supersedes") {
        Some((_, r)) => match svc::resolve(&st, &p, r).await {
            Ok(old) => Values::extending(&old),
            Err(e) => return error_response(&e),
        },
        None => Values::default(),
    };
    // `?finding=<id>` (from a silent exception) starts the request with that finding chosen.
    let findings: Vec<String> =
        pairs.iter().filter(|(k, v)| k == "finding" && v.parse::<Uuid>().is_ok()).map(|(_, v)| v.clone()).collect();
    if !findings.is_empty() {
        values.ids.entry("finding_ids").or_default().extend(findings);
    }
    let choices = match load_choices(&st, &p).await {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let extending = !values.text("supersedes").is_empty();
    let title = if extending { "Extend an exception" } else { "Request an exception" };
    let body = html! {
        (page_head("Exceptions", title, Some("Both named owners are asked to sign. If they disagree, it escalates."), html! {}))
        (request_form(&p, &values, &[], &choices))
    };
    page(&p, Nav::Exceptions, title, None, body)
}

pub async fn create(State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Response {
    let values = Values::from_form(&form);
    let result = match values.to_input() {
        Ok(input) => svc::request(&st, &p, input).await,
        Err(errors) => Err(AppError::Invalid(rhythm_domain::Invalid(with_field_rules(&st, &p, &values, errors).await))),
    };
    match result {
        Ok(e) => Redirect::to(&format!("/exceptions/{}?flash=requested", e.reference())).into_response(),
        Err(AppError::Invalid(inv)) => {
            let choices = match load_choices(&st, &p).await {
                Ok(c) => c,
                Err(e) => return error_response(&e),
            };
            let body = html! {
                (page_head("Exceptions", "Request an exception", None, html! {}))
                (request_form(&p, &values, &inv.0, &choices))
            };
            let mut r = page(&p, Nav::Exceptions, "Please fix the form", None, body);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_response(&e),
    }
}

/// When some fields do not even parse, the domain's field rules are still worth showing for
/// the others, so one submit lists every problem: the request is checked with stand-ins for
/// the unparsed fields, and only the errors of the other fields are kept. Nothing is written.
async fn with_field_rules(st: &AppState, p: &Principal, v: &Values, mut errors: Vec<FieldError>) -> Vec<FieldError> {
    let Ok(rules) = service::policy::current(st, p).await.map(|pv| pv.policy.exceptions) else { return errors };
    let now = st.now();
    let mut stand_in = Values { text: v.text.clone(), ids: v.ids.clone() };
    let today = now.date().to_string();
    let dates_bad = errors.iter().any(|e| e.field == "starts_on" || e.field == "expires_on");
    let owners_bad = errors.iter().any(|e| e.field.ends_with("_owner_id"));
    if dates_bad {
        stand_in.text.insert("starts_on", today.clone());
        stand_in.text.insert("expires_on", today);
    }
    if owners_bad {
        stand_in.text.insert("engineering_owner_id", Uuid::from_u128(1).to_string());
        stand_in.text.insert("security_owner_id", Uuid::from_u128(2).to_string());
    }
    let Ok(input) = stand_in.to_input() else { return errors };
    let new = rhythm_domain::New { id: Uuid::nil(), workspace_id: p.workspace_id(), number: 0, now };
    if let Err(inv) = Exception::request(input, new, p.user.id, &rules) {
        for e in inv.0 {
            let about_dates = ["starts_on", "expires_on", "review_on"].iter().any(|f| e.field.starts_with(f));
            let about_owners = e.field.ends_with("_owner_id");
            if (dates_bad && about_dates) || (owners_bad && about_owners) || errors.iter().any(|x| x.field == e.field) {
                continue;
            }
            errors.push(e);
        }
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// Detail, sign, withdraw
// ---------------------------------------------------------------------------------------------

fn signature_panel(
    p: &Principal,
    e: &Exception,
    side: ExceptionSide,
    people: &HashMap<Uuid, User>,
    can_sign: bool,
) -> Markup {
    let owner = match side {
        ExceptionSide::Engineering => e.engineering_owner_id,
        ExceptionSide::Security => e.security_owner_id,
    };
    let id = format!("sig-{}", side.as_str());
    html! {
        section class="card signature" aria-labelledby=(id) {
            h2 class="card-title" id=(id) { (side.label()) " signature" }
            dl class="kv" {
                dt { "Named owner" } dd { (name_of(people, owner)) }
                @if let Some(s) = e.signatures.get(side) {
                    dt { "Decision" }
                    dd { @if s.approves() { span class="badge badge-approved" { "Approved" } } @else { span class="badge badge-rejected" { "Rejected" } } }
                    dt { "Signed by" } dd { (name_of(people, s.user_id)) }
                    dt { "When" } dd { span class="nowrap" { (s.at.date()) " " (format!("{:02}:{:02}", s.at.hour(), s.at.minute())) " UTC" } }
                    dt { "Note" } dd { @if s.note.is_empty() { span class="muted" { "—" } } @else { (multiline(&s.note)) } }
                } @else {
                    dt { "Decision" } dd { span class="muted" { "Not signed yet" } }
                }
            }
            @if can_sign {
                form class="form sign-form" method="post" action={ "/exceptions/" (e.reference()) "/sign" } {
                    (csrf_field(p))
                    input type="hidden" name="side" value=(side.as_str());
                    div class="field" {
                        label for={ "note-" (side.as_str()) } { "Note" }
                        textarea id={ "note-" (side.as_str()) } name="note" rows="3" aria-describedby={ "note-" (side.as_str()) "-hint" } {}
                        p class="hint" id={ "note-" (side.as_str()) "-hint" } { "Required when you reject: if the other side approves, your reason goes to the escalation." }
                    }
                    div class="form-actions" {
                        button class="btn primary" type="submit" name="decision" value="approve" { "Approve" }
                        button class="btn danger" type="submit" name="decision" value="reject" { "Reject" }
                    }
                }
            }
        }
    }
}

async fn detail(st: &AppState, p: &Principal, id: &str, flash: Option<Flash>) -> Response {
    let e = match svc::resolve(st, p, id).await {
        Ok(e) => e,
        Err(err) => return error_response(&err),
    };
    let (people, systems, risks) =
        match (people(st, p).await, choices_of::<System>(st, p).await, choices_of::<Risk>(st, p).await) {
            (Ok(users), Ok(sys), Ok(rs)) => {
                (users, sys.into_iter().collect::<HashMap<_, _>>(), rs.into_iter().collect::<HashMap<_, _>>())
            }
            (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => return error_response(&err),
        };
    let decided = if e.status == ExceptionStatus::Escalated { decided_decisions(st, p).await } else { Vec::new() };
    let mut findings = Vec::new();
    for id in &e.finding_ids {
        let label = match service::get::<Finding>(st, p, *id).await {
            Ok(f) => format!("{} — {} {}: {}", f.reference(), f.severity.label(), f.rule, truncate(&f.title, 50)),
            Err(_) => id.to_string(),
        };
        findings.push((*id, label));
    }
    let supersedes = match e.supersedes {
        Some(old) => service::get::<Exception>(st, p, old).await.ok(),
        None => None,
    };
    let can_write = p.can(Permission::Write);
    let mine = if can_write { e.awaiting_side(p.user.id) } else { None };
    let can_withdraw = can_write
        && e.requester_id == p.user.id
        && matches!(e.status, ExceptionStatus::Requested | ExceptionStatus::Escalated);
    let reference = e.reference();
    let body = html! {
        (page_head(&format!("Exception {reference}"), &truncate(&e.title, 140), None, html! {
            @if can_write && matches!(e.status, ExceptionStatus::Requested | ExceptionStatus::Approved | ExceptionStatus::Escalated) {
                a class="btn" href={ "/exceptions/" (reference) "/edit" } { "Edit" }
            }
            @if can_write { a class="btn" href={ "/exceptions/new?supersedes=" (reference) } { "Extend" } }
            @if can_withdraw {
                form method="post" action={ "/exceptions/" (reference) "/withdraw" } data-confirm={ "Withdraw " (reference) "?" } {
                    (csrf_field(p))
                    button class="btn danger" type="submit" { "Withdraw" }
                }
            }
        }))
        p { "Status: " (status_badge(e.status))
            @if let Some(side) = mine { " — " strong { "waiting for your " (side.as_str()) " signature" } } }
        @if e.status == ExceptionStatus::Escalated && can_write {
            section class="card" aria-labelledby="resolve-title" {
                h2 class="card-title" id="resolve-title" { "Settle the escalation" }
                p { "The owners disagree. Record what the escalation decided, citing its decided decision." }
                form class="form" method="post" action={ "/exceptions/" (reference) "/resolve" } {
                    (csrf_field(p))
                    div class="field" {
                        label for="resolve-decision" { "Decision" }
                        select id="resolve-decision" name="decision_id" required {
                            option value="" { "Choose a decided decision…" }
                            @for (id, label) in &decided { option value=(id) { (label) } }
                        }
                    }
                    fieldset class="field" {
                        legend { "Outcome" }
                        label { input type="radio" name="outcome" value="approve" required; " Approved: the exception stands" }
                        label { input type="radio" name="outcome" value="reject"; " Rejected" }
                    }
                    button class="btn primary" type="submit" { "Record the outcome" }
                }
            }
        }
        div class="grid-2" {
            (signature_panel(p, &e, ExceptionSide::Engineering, &people, mine == Some(ExceptionSide::Engineering)))
            (signature_panel(p, &e, ExceptionSide::Security, &people, mine == Some(ExceptionSide::Security)))
        }
        div class="grid-2" {
            section class="card" aria-labelledby="details-title" {
                h2 class="card-title" id="details-title" { "Details" }
                dl class="kv" {
                    dt { "Business reason" } dd { (multiline(&e.business_reason)) }
                    dt { "Scope" } dd { (multiline(&e.scope)) }
                    dt { "Systems" } dd {
                        @if e.system_ids.is_empty() { span class="muted" { "none" } }
                        ul class="plain" { @for s in &e.system_ids { li { a href={ "/systems/" (s) } { (systems.get(s).cloned().unwrap_or_else(|| s.to_string())) } } } }
                    }
                    dt { "Users impacted" } dd { @if e.users_impacted.is_empty() { span class="muted" { "—" } } @else { (e.users_impacted) } }
                    dt { "Valid" } dd { span class="nowrap" { (e.starts_on) } " through " span class="nowrap" { (e.expires_on) } }
                    dt { "Review on" } dd {
                        span class="nowrap" { (e.review_on) }
                        @if let Some(item) = e.review_item_id { " — " a href={ "/backlog-items/" (item) } { "review item in the backlog" } }
                    }
                    dt { "Compensating controls" } dd {
                        @if e.compensating_controls.is_empty() { span class="muted" { "none" } }
                        ul class="plain" { @for c in &e.compensating_controls { li { (c) } } }
                    }
                    dt { "Risks covered" } dd {
                        @if e.risk_ids.is_empty() { span class="muted" { "none" } }
                        ul class="plain" { @for r in &e.risk_ids { li { a href={ "/risks/" (r) } { (risks.get(r).cloned().unwrap_or_else(|| r.to_string())) } } } }
                    }
                    dt { "Findings covered" } dd {
                        @if findings.is_empty() { span class="muted" { "none" } }
                        ul class="plain" { @for (id, label) in &findings { li { a href={ "/findings/" (id) } { (label) } } } }
                    }
                    dt { "Requested by" } dd { (name_of(&people, e.requester_id)) " on " (e.created_at.date()) }
                    @if let Some(old) = &supersedes {
                        dt { "Extends" } dd { a href={ "/exceptions/" (old.reference()) } { (old.reference()) " — " (truncate(&old.title, 60)) } }
                    }
                    @if let Some(d) = e.escalation_decision_id {
                        dt { "Escalation decision" } dd { a href={ "/decisions/" (d) } { "the decision that settled it" } }
                    }
                    dt { "Last changed" } dd { (e.updated_at.date()) " (version " (e.version) ")" }
                }
            }
            section class="card" aria-labelledby="history-title" {
                h2 class="card-title" id="history-title" { "History" }
                p { a href={ "/audit?entity=" (e.id) } { "Audit trail of " (reference) } }
            }
        }
    };
    page(p, Nav::Exceptions, &format!("{reference} {}", truncate(&e.title, 40)), flash, body)
}

pub async fn detail_page(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    detail(&st, &p, &id, flash_from(raw.as_deref())).await
}

/// A refused step shown on the detail page, with the status the API would answer.
async fn refused(st: &AppState, p: &Principal, id: &str, e: &AppError) -> Response {
    let message = match e {
        AppError::Invalid(inv) => inv.0.iter().map(|f| sentence(&f.message)).collect::<Vec<_>>().join(" "),
        other => sentence(&other.public_detail()),
    };
    let mut r = detail(st, p, id, Some(Flash::Error(message))).await;
    if r.status() == StatusCode::OK {
        *r.status_mut() = e.status();
    }
    r
}

pub async fn sign(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Response {
    let side = match form.get("side").unwrap_or("").parse::<ExceptionSide>() {
        Ok(s) => s,
        Err(m) => return refused(&st, &p, &id, &AppError::BadRequest(m)).await,
    };
    let approve = match form.get("decision") {
        Some("approve") => true,
        Some("reject") => false,
        _ => return refused(&st, &p, &id, &AppError::BadRequest("choose Approve or Reject".into())).await,
    };
    let note = form.get("note").unwrap_or("").to_owned();
    match svc::sign(&st, &p, &id, side, approve, note).await {
        Ok(e) => Redirect::to(&format!("/exceptions/{}?flash=signed", e.reference())).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => error_response(&e),
    }
}

pub async fn withdraw(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    _checked: CsrfForm,
) -> Response {
    match svc::withdraw(&st, &p, &id).await {
        Ok(e) => Redirect::to(&format!("/exceptions/{}?flash=withdrawn", e.reference())).into_response(),
        Err(e @ (AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => error_response(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// Inbox
// ---------------------------------------------------------------------------------------------

pub async fn inbox_page(State(st): State<AppState>, WebUser(p): WebUser) -> Response {
    let items = match svc::inbox(&st, &p).await {
        Ok(i) => i,
        Err(e) => return error_response(&e),
    };
    let people = match people(&st, &p).await {
        Ok(u) => u,
        Err(e) => return error_response(&e),
    };
    let body = html! {
        (page_head("Governance", "Waiting for my signature", Some("Exception requests where you are a named owner and your side is not signed yet."), html! {}))
        @if items.is_empty() {
            div class="empty card" { p { "Nothing waits for your signature." } }
        } @else {
            div class="table-wrap" {
                table class="data" {
                    caption class="sr-only" { (items.len()) " exceptions wait for your signature, soonest expiry first" }
                    thead { tr {
                        th scope="col" { "Ref" }
                        th scope="col" { "Title" }
                        th scope="col" { "Your side" }
                        th scope="col" { "Requested by" }
                        th scope="col" { "Expires" }
                    } }
                    tbody {
                        @for (e, side) in &items {
                            @let href = format!("/exceptions/{}", e.reference());
                            tr data-href=(href) {
                                td class="ref nowrap" { a class="row-link" href=(href) { (e.reference()) } }
                                td { (truncate(&e.title, 110)) }
                                td { (side.label()) }
                                td { (name_of(&people, e.requester_id)) }
                                td class="nowrap" { (e.expires_on) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&p, Nav::Inbox, "Waiting for my signature", None, body)
}

async fn edit_form(st: &AppState, p: &Principal, e: &Exception, v: &Values, errors: &[FieldError]) -> Response {
    let choices = match load_choices(st, p).await {
        Ok(c) => c,
        Err(err) => return error_response(&err),
    };
    let reference = e.reference();
    let title = format!("Edit {reference}");
    let body = html! {
        (page_head("Exceptions", &title, Some("Only the requester or a named owner may edit, and only while it is requested, approved or escalated."), html! {}))
        (exception_form(p, v, errors, &choices, &FormMode::Edit { reference: &reference, version: e.version }))
    };
    let mut r = page(p, Nav::Exceptions, &title, None, body);
    if !errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn edit_page(State(st): State<AppState>, WebUser(p): WebUser, Path(id): Path<String>) -> Response {
    if let Err(e) = p.require(Permission::Write) {
        return error_response(&e);
    }
    match svc::resolve(&st, &p, &id).await {
        Ok(e) => edit_form(&st, &p, &e, &Values::editing(&e), &[]).await,
        Err(e) => error_response(&e),
    }
}

pub async fn edit(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Response {
    let current = match svc::resolve(&st, &p, &id).await {
        Ok(e) => e,
        Err(e) => return error_response(&e),
    };
    let values = Values::from_form(&form);
    let input = match values.to_input() {
        Ok(input) => input,
        Err(errors) => {
            let errors = with_field_rules(&st, &p, &values, errors).await;
            return edit_form(&st, &p, &current, &values, &errors).await;
        }
    };
    let patch = rhythm_domain::ExceptionPatch {
        title: Some(input.title),
        business_reason: Some(input.business_reason),
        scope: Some(input.scope),
        system_ids: Some(input.system_ids),
        users_impacted: Some(input.users_impacted),
        starts_on: Some(input.starts_on),
        expires_on: Some(input.expires_on),
        compensating_controls: Some(input.compensating_controls),
        risk_ids: Some(input.risk_ids),
        finding_ids: Some(input.finding_ids),
        engineering_owner_id: Some(input.engineering_owner_id),
        security_owner_id: Some(input.security_owner_id),
        expected_version: form.get("expected_version").and_then(|v| v.parse().ok()),
    };
    match svc::edit(&st, &p, &id, patch).await {
        Ok(e) => Redirect::to(&format!("/exceptions/{}?flash=edited", e.reference())).into_response(),
        Err(AppError::Invalid(inv)) => edit_form(&st, &p, &current, &values, &inv.0).await,
        Err(e @ (AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => error_response(&e),
    }
}

/// The escalation's outcome, recorded from the decided decision that settled it.
pub async fn resolve(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Response {
    let approve = match form.get("outcome") {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            return refused(&st, &p, &id, &AppError::BadRequest("choose whether the escalation approved it".into()))
                .await;
        }
    };
    let Some(decision_id) = form.get("decision_id").and_then(|d| d.parse::<Uuid>().ok()) else {
        return refused(&st, &p, &id, &AppError::BadRequest("choose the decided decision that settled it".into()))
            .await;
    };
    match svc::resolve_escalation(&st, &p, &id, approve, decision_id).await {
        Ok(e) => Redirect::to(&format!("/exceptions/{}?flash=resolved", e.reference())).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => error_response(&e),
    }
}

/// Decided decisions, newest first, to settle an escalation with.
async fn decided_decisions(st: &AppState, p: &Principal) -> Vec<(Uuid, String)> {
    let q = ListQuery {
        limit: 100,
        filters: vec![("status".into(), "decided".into())],
        sort: Some("decided_at".into()),
        dir: Some(rhythm_store::SortDir::Desc),
        ..ListQuery::default()
    };
    service::decisions::list(st, p, &q)
        .await
        .map(|page| {
            page.items.iter().map(|d| (d.id, format!("{} — {}", d.reference(), truncate(&d.title, 60)))).collect()
        })
        .unwrap_or_default()
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/exceptions", get(list_page).post(create))
        .route("/exceptions/new", get(new_page))
        .route("/exceptions/{id}", get(detail_page))
        .route("/exceptions/{id}/sign", post(sign))
        .route("/exceptions/{id}/withdraw", post(withdraw))
        .route("/exceptions/{id}/edit", get(edit_page).post(edit))
        .route("/exceptions/{id}/resolve", post(resolve))
        .route("/inbox", get(inbox_page))
}
