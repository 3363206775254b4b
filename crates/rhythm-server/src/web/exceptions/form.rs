//! The exception request form, also used to extend one (a new request that supersedes it)
//! and to edit one. A form whose dates or owners do not parse is judged by the domain's rules
//! on what it does give (`ExceptionDraft`), so one submit lists every problem.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::{
    Exception, ExceptionDraft, ExceptionInput, ExceptionSide, FieldError, Finding, Permission, Risk, System,
};
use rhythm_store::ListQuery;
use time::Date;
use uuid::Uuid;

use super::detail::refused;
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::{self, exceptions as svc};
use crate::web::forms::sentence;
use crate::web::layout::{Nav, csrf_field, page, page_head};
use crate::web::registers::{choices_of, truncate};
use crate::web::{CsrfForm, Form, Page, WebUser};

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
            "organization_wide",
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
        if old.organization_wide {
            v.text.insert("organization_wide", "on".to_owned());
        }
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

    /// The request as typed, and the fields that do not even parse (a missing or unreadable
    /// date or owner); the domain judges the rest, as given.
    fn to_draft(&self) -> (ExceptionDraft, Vec<FieldError>) {
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
        let draft = ExceptionDraft {
            title: self.text("title").to_owned(),
            business_reason: self.text("business_reason").to_owned(),
            scope: self.text("scope").to_owned(),
            system_ids: ids("system_ids"),
            organization_wide: !self.text("organization_wide").is_empty(),
            users_impacted: self.text("users_impacted").to_owned(),
            starts_on,
            expires_on,
            compensating_controls: self.text("compensating_controls").lines().map(str::to_owned).collect(),
            risk_ids: ids("risk_ids"),
            finding_ids: ids("finding_ids"),
            engineering_owner_id,
            security_owner_id,
            supersedes: self.text("supersedes").parse::<Uuid>().ok(),
        };
        (draft, errors)
    }

    /// The request once every part parses, or every problem at once: what does not parse,
    /// and what the domain's rules say of the rest (nothing is written).
    async fn checked(&self, st: &AppState, p: &Principal) -> Result<Result<ExceptionInput, Vec<FieldError>>, AppError> {
        let (draft, mut errors) = self.to_draft();
        if errors.is_empty()
            && let Some(input) = complete(draft.clone())
        {
            return Ok(Ok(input));
        }
        errors.extend(svc::problems_of_draft(st, p, &draft).await?);
        Ok(Err(errors))
    }
}

/// The request, once every part is given.
fn complete(d: ExceptionDraft) -> Option<ExceptionInput> {
    Some(ExceptionInput {
        starts_on: d.starts_on?,
        expires_on: d.expires_on?,
        engineering_owner_id: d.engineering_owner_id?,
        security_owner_id: d.security_owner_id?,
        title: d.title,
        business_reason: d.business_reason,
        scope: d.scope,
        system_ids: d.system_ids,
        organization_wide: d.organization_wide,
        users_impacted: d.users_impacted,
        compensating_controls: d.compensating_controls,
        risk_ids: d.risk_ids,
        finding_ids: d.finding_ids,
        supersedes: d.supersedes,
    })
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
            (field("system_ids", "Systems", "At least one, unless it applies organization-wide. Hold Ctrl (or ⌘) to choose several.", true, errors, multi("system_ids", &c.systems)))
            div class="field" {
                label { input id="f-organization_wide" name="organization_wide" type="checkbox" value="on" checked[!v.text("organization_wide").is_empty()]; " Organization-wide: it applies across the organization, not to named systems" }
            }
            (field("users_impacted", "Users impacted", "Who is exposed while it lasts: which customers, staff or partners, and how many (or \"none\").", true, errors, text("users_impacted", "text", true)))
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

pub async fn new_page(State(st): State<AppState>, WebUser(p): WebUser, RawQuery(raw): RawQuery) -> Page {
    p.require(Permission::Write)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let mut values = match pairs.iter().find(|(k, _)| k == "supersedes") {
        Some((_, r)) => Values::extending(&svc::resolve(&st, &p, r).await?),
        None => Values::default(),
    };
    // `?finding=<id>` (from a silent exception) starts the request with that finding chosen.
    let findings: Vec<String> =
        pairs.iter().filter(|(k, v)| k == "finding" && v.parse::<Uuid>().is_ok()).map(|(_, v)| v.clone()).collect();
    if !findings.is_empty() {
        values.ids.entry("finding_ids").or_default().extend(findings);
    }
    let choices = load_choices(&st, &p).await?;
    let extending = !values.text("supersedes").is_empty();
    let title = if extending { "Extend an exception" } else { "Request an exception" };
    let body = html! {
        (page_head("Exceptions", title, Some("Both named owners are asked to sign. If they disagree, it escalates."), html! {}))
        (request_form(&p, &values, &[], &choices))
    };
    Ok(page(&p, Nav::Exceptions, title, None, body))
}

pub async fn create(State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Page {
    let values = Values::from_form(&form);
    let errors = match values.checked(&st, &p).await? {
        Ok(input) => match svc::request(&st, &p, input).await {
            Ok(e) => return Ok(Redirect::to(&format!("/exceptions/{}?flash=requested", e.reference())).into_response()),
            Err(AppError::Invalid(inv)) => inv.0,
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let choices = load_choices(&st, &p).await?;
    let body = html! {
        (page_head("Exceptions", "Request an exception", None, html! {}))
        (request_form(&p, &values, &errors, &choices))
    };
    let mut r = page(&p, Nav::Exceptions, "Please fix the form", None, body);
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

async fn edit_form(st: &AppState, p: &Principal, e: &Exception, v: &Values, errors: &[FieldError]) -> Page {
    let choices = load_choices(st, p).await?;
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
    Ok(r)
}

pub async fn edit_page(State(st): State<AppState>, WebUser(p): WebUser, Path(id): Path<String>) -> Page {
    p.require(Permission::Write)?;
    let e = svc::resolve(&st, &p, &id).await?;
    edit_form(&st, &p, &e, &Values::editing(&e), &[]).await
}

pub async fn edit(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Page {
    let current = svc::resolve(&st, &p, &id).await?;
    let values = Values::from_form(&form);
    let input = match values.checked(&st, &p).await? {
        Ok(input) => input,
        Err(errors) => return edit_form(&st, &p, &current, &values, &errors).await,
    };
    let patch = rhythm_domain::ExceptionPatch {
        title: Some(input.title),
        business_reason: Some(input.business_reason),
        scope: Some(input.scope),
        system_ids: Some(input.system_ids),
        organization_wide: Some(input.organization_wide),
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
        Ok(e) => Ok(Redirect::to(&format!("/exceptions/{}?flash=edited", e.reference())).into_response()),
        Err(AppError::Invalid(inv)) => edit_form(&st, &p, &current, &values, &inv.0).await,
        Err(e @ (AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => Err(e.into()),
    }
}
