//! The decision log: list with filters, a form to record a request, and the detail page with
//! the decide, concur and withdraw forms for those who may take the step. Every action calls
//! the same service functions as the API.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::decision::{DecideInput, Decision, DecisionInput, DecisionStatus};
use rhythm_domain::policy::{Decider, DecisionCategory};
use rhythm_domain::{FieldError, Permission, Release, Risk, Role};
use rhythm_store::ListQuery;
use time::OffsetDateTime;
use uuid::Uuid;

use super::forms::sentence;
use super::layout::{Flash, Nav, csrf_field, multiline, page, page_head};
use super::registers::{choices_of, truncate};
use super::{CsrfForm, EntryPost, Form, Page, WebUser};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service;
use crate::service::decisions as svc;

fn date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// "3 d 4 h", "5 h", "12 min".
pub fn latency_text(d: time::Duration) -> String {
    let mins = d.whole_minutes();
    if mins < 60 {
        format!("{mins} min")
    } else if mins < 24 * 60 {
        format!("{} h", mins / 60)
    } else {
        let h = (mins / 60) % 24;
        if h == 0 { format!("{} d", mins / 1440) } else { format!("{} d {h} h", mins / 1440) }
    }
}

fn status_badge(s: DecisionStatus) -> Markup {
    html! { span class={ "badge badge-" (s.as_str()) } { (s.label()) } }
}

fn decider_text(d: Decider) -> &'static str {
    match d {
        Decider::Cto => "CTO",
        Decider::Ciso => "CISO",
        Decider::Joint => "Joint",
        Decider::Escalate => "Escalate",
    }
}

async fn user_names(st: &AppState, p: &Principal) -> Result<HashMap<Uuid, String>, AppError> {
    Ok(service::accounts::users(st, p).await?.into_iter().map(|u| (u.id, u.name)).collect())
}

fn flash_from(q: Option<&str>) -> Option<Flash> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.unwrap_or("")).unwrap_or_default();
    pairs.into_iter().find(|(k, _)| k == "flash").map(|(_, v)| {
        Flash::Ok(
            match v.as_str() {
                "created" => "Decision request recorded.",
                "proposed" => "Policy change proposed. It applies once this decision is decided.",
                "decided" => "Decision recorded.",
                "awaiting" => "Choice recorded; it now waits for the other chief to concur.",
                "concurred" => "Concurred: the decision is decided.",
                "position" => "Your position is on record.",
                "withdrawn" => "Request withdrawn.",
                _ => "Done.",
            }
            .to_owned(),
        )
    })
}

pub async fn list_page(State(st): State<AppState>, WebUser(p): WebUser, RawQuery(raw): RawQuery) -> Page {
    let mut q = service::list_query(raw.as_deref())?;
    q.filters.retain(|(k, _)| k != "flash");
    if q.limit == 0 {
        q.limit = 50;
    }
    let page_ = svc::list(&st, &p, &q).await?;
    let risks = choices_of::<Risk>(&st, &p).await?;
    let releases = choices_of::<Release>(&st, &p).await?;
    let current = |name: &str| q.filters.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let filtered = !q.filters.is_empty() || q.q.is_some();
    let can_write = p.can(Permission::Write);
    let base: Vec<(String, String)> =
        q.filters.iter().cloned().chain(q.q.clone().map(|v| ("q".to_owned(), v))).collect();
    let link_offset = |offset: u64| {
        let mut pairs = base.clone();
        pairs.push(("offset".into(), offset.to_string()));
        format!("/decisions?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    };
    let last = page_.offset + page_.items.len() as u64;
    let body = html! {
        (page_head("Governance", "Decision log", Some("Written tradeoffs: what was decided, by whom the policy names, the options, the choice and its cost."), html! {
            @if can_write { a class="btn primary" href="/decisions/new" { "Record a decision" } }
        }))
        form class="filters" method="get" action="/decisions" role="search" aria-label="Filter decisions" {
            div class="field" {
                label for="flt-q" { "Search" }
                input id="flt-q" type="search" name="q" value=(q.q.clone().unwrap_or_default());
            }
            div class="field" {
                label for="flt-category" { "Category" }
                select id="flt-category" name="category" data-autosubmit {
                    option value="" { "Any" }
                    @for c in DecisionCategory::ALL { option value=(c.as_str()) selected[current("category") == c.as_str()] { (c.label()) } }
                }
            }
            div class="field" {
                label for="flt-status" { "Status" }
                select id="flt-status" name="status" data-autosubmit {
                    option value="" { "Any" }
                    @for s in DecisionStatus::ALL { option value=(s.as_str()) selected[current("status") == s.as_str()] { (s.label()) } }
                }
            }
            div class="field" {
                label for="flt-decider" { "Who decides" }
                select id="flt-decider" name="decider" data-autosubmit {
                    option value="" { "Any" }
                    @for d in Decider::ALL { option value=(d.as_str()) selected[current("decider") == d.as_str()] { (decider_text(*d)) } }
                }
            }
            div class="field" {
                label for="flt-risk" { "Risk" }
                select id="flt-risk" name="risk" data-autosubmit {
                    option value="" { "Any" }
                    @for (id, l) in &risks { @let v = id.to_string(); option value=(v) selected[current("risk") == v] { (truncate(l, 40)) } }
                }
            }
            div class="field" {
                label for="flt-release" { "Release" }
                select id="flt-release" name="release" data-autosubmit {
                    option value="" { "Any" }
                    @for (id, l) in &releases { @let v = id.to_string(); option value=(v) selected[current("release") == v] { (truncate(l, 40)) } }
                }
            }
            div class="field" { button class="btn" type="submit" { "Apply" } }
            @if filtered { div class="field" { a class="btn-link" href="/decisions" { "Clear filters" } } }
        }
        @if page_.items.is_empty() {
            div class="empty card" {
                p { "No decisions" @if filtered { " match these filters" } "." }
                @if can_write { p { a class="btn primary" href="/decisions/new" { "Record the first one" } } }
            }
        } @else {
            div class="table-wrap" {
                table class="data" id="decision-log" {
                    caption class="sr-only" { "Decision log, " (page_.total) " decisions" }
                    thead { tr {
                        th scope="col" { "Ref" }
                        th scope="col" { "Title" }
                        th scope="col" { "Category" }
                        th scope="col" { "Who decides" }
                        th scope="col" { "Status" }
                        th scope="col" { "Requested" }
                        th scope="col" { "Decided" }
                        th scope="col" class="num" { "Latency" }
                    } }
                    tbody {
                        @for d in &page_.items {
                            @let href = format!("/decisions/{}", d.reference());
                            tr data-href=(href) {
                                td class="ref nowrap" { a class="row-link" href=(href) { (d.reference()) } }
                                td { (truncate(&d.title, 110)) }
                                td { (d.category.label()) }
                                td { (decider_text(d.decider)) }
                                td { (status_badge(d.status)) }
                                td class="nowrap" { (date(d.requested_at)) }
                                td class="nowrap" { @if let Some(t) = d.decided_at { (date(t)) } @else { span class="muted" { "—" } } }
                                td class="num" { @if let Some(l) = d.latency() { (latency_text(l)) } @else { span class="muted" { "—" } } }
                            }
                        }
                    }
                }
            }
            nav class="pagination" aria-label="Pagination" {
                @if page_.offset > 0 { a class="btn small" href=(link_offset(page_.offset.saturating_sub(u64::from(page_.limit)))) rel="prev" { "Previous" } }
                span class="page-info" { (page_.offset + 1) "–" (last) " of " (page_.total) }
                @if (last as i64) < page_.total { a class="btn small" href=(link_offset(last)) rel="next" { "Next" } }
            }
        }
    };
    Ok(page(&p, Nav::Decisions, "Decision log", flash_from(raw.as_deref()), body))
}

/// What the new-decision form was filled with, to show it again with its errors.
#[derive(Default)]
struct Draft {
    title: String,
    category: String,
    context: String,
    options: String,
    risk_ids: Vec<String>,
    release_ids: Vec<String>,
    supersedes: String,
}

fn field_errors<'a>(errors: &'a [FieldError], name: &str) -> Vec<&'a FieldError> {
    errors.iter().filter(|e| e.field == name || e.field.starts_with(&format!("{name}["))).collect()
}

/// A labelled field wrapper with its error message tied to the control.
fn wrap(id: &str, label: &str, required: bool, hint: Option<&str>, errs: &[&FieldError], control: Markup) -> Markup {
    html! {
        div class={ "field" @if !errs.is_empty() { " has-error" } } {
            label for=(id) { (label) @if required { span class="muted" { " (required)" } } }
            (control)
            @if let Some(h) = hint { p class="hint" id={ (id) "-hint" } { (h) } }
            @if !errs.is_empty() { p class="error" id={ (id) "-error" } { @for e in errs { (sentence(&e.message)) " " } } }
        }
    }
}

fn described(id: &str, hint: bool, errs: &[&FieldError]) -> Option<String> {
    let mut v = Vec::new();
    if hint {
        v.push(format!("{id}-hint"));
    }
    if !errs.is_empty() {
        v.push(format!("{id}-error"));
    }
    (!v.is_empty()).then(|| v.join(" "))
}

async fn new_form(st: &AppState, p: &Principal, draft: &Draft, errors: &[FieldError]) -> Result<Markup, AppError> {
    let risks = choices_of::<Risk>(st, p).await?;
    let releases = choices_of::<Release>(st, p).await?;
    let all = svc::list(st, p, &ListQuery { limit: 500, sort: Some("number".into()), ..Default::default() }).await?;
    let e_title = field_errors(errors, "title");
    let e_cat = field_errors(errors, "category");
    let e_ctx = field_errors(errors, "context");
    let e_opt = field_errors(errors, "options");
    let e_risk = field_errors(errors, "risk_ids");
    let e_rel = field_errors(errors, "release_ids");
    let e_sup = field_errors(errors, "supersedes");
    let known = ["title", "category", "context", "options", "risk_ids", "release_ids", "supersedes"];
    let other: Vec<&FieldError> = errors
        .iter()
        .filter(|e| !known.iter().any(|k| e.field == *k || e.field.starts_with(&format!("{k}["))))
        .collect();
    Ok(html! {
        (page_head("Decision log", "Record a decision", Some("Write the question down while the options are still open. The policy decides who decides."), html! {}))
        @if !errors.is_empty() {
            div class="flash flash-error" role="alert" {
                "Please fix " (errors.len()) @if errors.len() == 1 { " field" } @else { " fields" } " below."
                @for e in &other { br; (e.field) ": " (sentence(&e.message)) }
            }
        }
        form class="form card" method="post" action="/decisions" novalidate {
            (csrf_field(p))
            (wrap("d-title", "Title", true, None, &e_title, html! {
                input id="d-title" name="title" type="text" maxlength="200" required value=(draft.title)
                    aria-invalid=[(!e_title.is_empty()).then_some("true")] aria-describedby=[described("d-title", false, &e_title)];
            }))
            (wrap("d-category", "Category", true, Some("The policy's decision rights say who decides each category."), &e_cat, html! {
                select id="d-category" name="category" required aria-invalid=[(!e_cat.is_empty()).then_some("true")] aria-describedby=[described("d-category", true, &e_cat)] {
                    option value="" { "Choose a category" }
                    @for c in DecisionCategory::ALL { option value=(c.as_str()) selected[draft.category == c.as_str()] { (c.label()) } }
                }
            }))
            (wrap("d-context", "Context", false, Some("The question and why it needs deciding now."), &e_ctx, html! {
                textarea id="d-context" name="context" rows="5" aria-describedby=[described("d-context", true, &e_ctx)] aria-invalid=[(!e_ctx.is_empty()).then_some("true")] { (draft.context) }
            }))
            (wrap("d-options", "Options considered", false, Some("One option per line."), &e_opt, html! {
                textarea id="d-options" name="options" rows="4" aria-describedby=[described("d-options", true, &e_opt)] aria-invalid=[(!e_opt.is_empty()).then_some("true")] { (draft.options) }
            }))
            div class="field-row" {
                (wrap("d-risks", "Linked risks", false, None, &e_risk, html! {
                    select id="d-risks" name="risk_ids" multiple size="4" aria-describedby=[described("d-risks", false, &e_risk)] {
                        @for (id, l) in &risks { @let v = id.to_string(); option value=(v) selected[draft.risk_ids.contains(&v)] { (truncate(l, 60)) } }
                    }
                }))
                (wrap("d-releases", "Linked releases", false, None, &e_rel, html! {
                    select id="d-releases" name="release_ids" multiple size="4" aria-describedby=[described("d-releases", false, &e_rel)] {
                        @for (id, l) in &releases { @let v = id.to_string(); option value=(v) selected[draft.release_ids.contains(&v)] { (truncate(l, 60)) } }
                    }
                }))
            }
            (wrap("d-supersedes", "Supersedes", false, Some("A decided record never changes; a change of mind is a new decision that supersedes it."), &e_sup, html! {
                select id="d-supersedes" name="supersedes" aria-describedby=[described("d-supersedes", true, &e_sup)] aria-invalid=[(!e_sup.is_empty()).then_some("true")] {
                    option value="" { "Nothing" }
                    @for d in &all.items { @let v = d.id.to_string(); option value=(v) selected[draft.supersedes == v] { (d.reference()) " — " (truncate(&d.title, 60)) } }
                }
            }))
            div class="form-actions" {
                button class="btn primary" type="submit" { "Record decision request" }
                a class="btn" href="/decisions" { "Cancel" }
            }
        }
    })
}

pub async fn new_page(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    p.require(Permission::Write)?;
    let body = new_form(&st, &p, &Draft::default(), &[]).await?;
    Ok(page(&p, Nav::Decisions, "Record a decision", None, body))
}

fn parse_ids(field: &str, values: Vec<&str>, errors: &mut Vec<FieldError>) -> Vec<Uuid> {
    let mut out = Vec::new();
    for (i, v) in values.into_iter().filter(|v| !v.trim().is_empty()).enumerate() {
        match v.trim().parse() {
            Ok(id) => out.push(id),
            Err(_) => {
                errors.push(FieldError { field: format!("{field}[{i}]"), message: format!("'{v}' is not an id") });
            }
        }
    }
    out
}

pub async fn create(State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Page {
    let draft = Draft {
        title: form.get("title").unwrap_or("").to_owned(),
        category: form.get("category").unwrap_or("").to_owned(),
        context: form.get("context").unwrap_or("").to_owned(),
        options: form.get("options").unwrap_or("").to_owned(),
        risk_ids: form.all("risk_ids").into_iter().map(str::to_owned).collect(),
        release_ids: form.all("release_ids").into_iter().map(str::to_owned).collect(),
        supersedes: form.get("supersedes").unwrap_or("").to_owned(),
    };
    let mut errors = Vec::new();
    let category = match draft.category.trim() {
        "" => None,
        c => match c.parse::<DecisionCategory>() {
            Ok(c) => Some(c),
            Err(m) => {
                errors.push(FieldError { field: "category".into(), message: m });
                None
            }
        },
    };
    let risk_ids = parse_ids("risk_ids", form.all("risk_ids"), &mut errors);
    let release_ids = parse_ids("release_ids", form.all("release_ids"), &mut errors);
    let supersedes = match draft.supersedes.trim() {
        "" => None,
        s => {
            if let Ok(id) = s.parse() {
                Some(id)
            } else {
                errors.push(FieldError { field: "supersedes".into(), message: format!("'{s}' is not an id") });
                None
            }
        }
    };
    if draft.title.trim().is_empty() {
        errors.push(FieldError { field: "title".into(), message: "is required".into() });
    }
    if errors.is_empty() {
        let input = DecisionInput {
            title: draft.title.clone(),
            category,
            context: draft.context.clone(),
            options: draft.options.lines().map(str::to_owned).collect(),
            risk_ids,
            release_ids,
            supersedes,
            ..Default::default()
        };
        match svc::create(&st, &p, input).await {
            Ok(d) => return Ok(Redirect::to(&format!("/decisions/{}?flash=created", d.reference())).into_response()),
            Err(AppError::Invalid(inv)) => errors = inv.0,
            Err(e) => return Err(e.into()),
        }
    }
    let body = new_form(&st, &p, &draft, &errors).await?;
    let mut r = page(&p, Nav::Decisions, "Please fix the form", None, body);
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

pub async fn detail_page(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Page {
    detail(&st, &p, &id, flash_from(raw.as_deref()), &[]).await
}

async fn detail(st: &AppState, p: &Principal, id: &str, flash: Option<Flash>, errors: &[FieldError]) -> Page {
    let d = svc::resolve(st, p, id).await?;
    let names = user_names(st, p).await?;
    let name = |u: Option<Uuid>| u.and_then(|u| names.get(&u).cloned()).unwrap_or_else(|| "—".into());
    let older = match d.supersedes {
        Some(s) => Some(service::get::<Decision>(st, p, s).await?),
        None => None,
    };
    let newer = svc::superseded_by(st, p, &d).await?;
    let risks = choices_of::<Risk>(st, p).await?;
    let releases = choices_of::<Release>(st, p).await?;
    let proposal =
        if d.category == DecisionCategory::PolicyChange { service::policy::proposal(st, p, d.id).await? } else { None };
    let steps = svc::next_steps(p, &d);
    let (can_decide, can_concur, can_withdraw) = (steps.decide, steps.concur, steps.withdraw);
    let e_position = field_errors(errors, "position");
    let mine = match p.user.role {
        Role::Cto => Some(d.cto_position.as_str()),
        Role::Ciso => Some(d.ciso_position.as_str()),
        _ => None,
    };
    let reference = d.reference();
    let e_choice = field_errors(errors, "choice");
    let e_cost = field_errors(errors, "cost");
    let e_esc = field_errors(errors, "escalated_to");
    let label_of = |list: &[(Uuid, String)], id: Uuid| {
        list.iter().find(|(i, _)| *i == id).map_or_else(|| id.to_string(), |(_, l)| l.clone())
    };
    let body = html! {
        (page_head(&format!("Decision {reference}"), &d.title, None, html! {
            @if can_withdraw {
                form method="post" action={ "/decisions/" (reference) "/withdraw" } data-confirm={ "Withdraw " (reference) "?" } {
                    (csrf_field(p))
                    button class="btn" type="submit" { "Withdraw request" }
                }
            }
        }))
        div class="grid-2" {
            div class="stack" {
                section class="card" aria-labelledby="d-details" {
                    h2 class="card-title" id="d-details" { "Details" }
                    dl class="kv" {
                        dt { "Status" } dd { (status_badge(d.status)) }
                        dt { "Category" } dd { (d.category.label()) }
                        dt { "Who decides" } dd { (d.decider.label()) }
                        dt { "Requested" } dd { (date(d.requested_at)) " by " (name(d.requested_by)) }
                        dt { "Decided" } dd {
                            @if let Some(t) = d.decided_at { (date(t)) } @else { span class="muted" { "not yet" } }
                            @if let Some(l) = d.latency() { " (latency " (latency_text(l)) ")" }
                        }
                        @if d.decided_by.is_some() { dt { "Decided by" } dd { (name(d.decided_by)) @if let Some(r) = d.decided_as { " (" (r.label()) ")" } } }
                        @if d.concurred_by.is_some() { dt { "Concurred by" } dd { (name(d.concurred_by)) @if let Some(r) = d.concurred_as { " (" (r.label()) ")" } } }
                        @if let Some(e) = &d.escalated_to { dt { "Decided in" } dd { (e) } }
                    }
                }
                section class="card" aria-labelledby="d-context" {
                    h2 class="card-title" id="d-context" { "Context" }
                    @if d.context.is_empty() { p class="muted" { "No context written." } } @else { p { (multiline(&d.context)) } }
                    h3 { "Options considered" }
                    @if d.options.is_empty() { p class="muted" { "None listed." } } @else {
                        ol { @for o in &d.options { li { (o) } } }
                    }
                    @if !d.choice.is_empty() {
                        h3 { "Choice" } p id="d-choice" { (multiline(&d.choice)) }
                        h3 { "Cost" } p { (multiline(&d.cost)) }
                    }
                }
                @if d.decider == Decider::Escalate {
                    section class="card" aria-labelledby="d-positions" {
                        h2 class="card-title" id="d-positions" { "Positions" }
                        p class="hint" { "An escalation goes up with both chiefs' written positions; the escalation authority decides once both are on record." }
                        dl class="kv" {
                            dt { "CTO" } dd id="d-cto-position" { @if d.cto_position.is_empty() { span class="muted" { "not stated yet" } } @else { (multiline(&d.cto_position)) } }
                            dt { "CISO" } dd id="d-ciso-position" { @if d.ciso_position.is_empty() { span class="muted" { "not stated yet" } } @else { (multiline(&d.ciso_position)) } }
                        }
                    }
                }
                @if let Some(pr) = &proposal {
                    section class="card" aria-labelledby="d-proposal" {
                        h2 class="card-title" id="d-proposal" { "Proposed policy" }
                        p { @match pr.applied_version {
                            Some(v) => { "Applied as " a href={ "/policy/versions/" (v) } { "policy version " (v) } "." }
                            None => { "Proposed against version " (pr.base_version) "; applies when this decision is decided." }
                        } }
                        details { summary { "The proposed file" } pre class="policy-doc" { code { (pr.document) } } }
                    }
                }
            }
            div class="stack" {
                @if steps.position {
                    section class="card" aria-labelledby="d-position" {
                        h2 class="card-title" id="d-position" { "Your position" }
                        form class="form" method="post" action={ "/decisions/" (reference) "/position" } novalidate {
                            (csrf_field(p))
                            (wrap("dc-position", "Position", true, Some("What you want decided and why, in your words: it goes to the escalation authority as written."), &e_position, html! {
                                textarea id="dc-position" name="position" rows="4" required aria-invalid=[(!e_position.is_empty()).then_some("true")] aria-describedby=[described("dc-position", true, &e_position)] { (mine.unwrap_or("")) }
                            }))
                            div class="form-actions" { button class="btn primary" type="submit" { @if mine.is_some_and(|m| !m.is_empty()) { "Restate position" } @else { "State position" } } }
                        }
                    }
                }
                @if can_decide {
                    section class="card" aria-labelledby="d-decide" {
                        h2 class="card-title" id="d-decide" { "Decide" }
                        @if d.decider == Decider::Joint { p class="hint" { "A joint decision: after you record the choice, the other chief concurs." } }
                        form class="form" method="post" action={ "/decisions/" (reference) "/decide" } novalidate {
                            (csrf_field(p))
                            (wrap("dc-choice", "Choice", true, None, &e_choice, html! {
                                textarea id="dc-choice" name="choice" rows="3" required aria-invalid=[(!e_choice.is_empty()).then_some("true")] aria-describedby=[described("dc-choice", false, &e_choice)] {}
                            }))
                            (wrap("dc-cost", "Cost", true, Some("Delay, money, residual risk."), &e_cost, html! {
                                textarea id="dc-cost" name="cost" rows="2" required aria-invalid=[(!e_cost.is_empty()).then_some("true")] aria-describedby=[described("dc-cost", true, &e_cost)] {}
                            }))
                            @if d.decider == Decider::Escalate {
                                (wrap("dc-esc", "Decided in", false, Some("Optional: the forum, e.g. the exec meeting of 4 March. You are recorded as the decider."), &e_esc, html! {
                                    input id="dc-esc" name="escalated_to" type="text" maxlength="200" aria-invalid=[(!e_esc.is_empty()).then_some("true")] aria-describedby=[described("dc-esc", true, &e_esc)];
                                }))
                            }
                            div class="form-actions" { button class="btn primary" type="submit" { "Record decision" } }
                        }
                    }
                }
                @if can_concur {
                    section class="card" aria-labelledby="d-concur" {
                        h2 class="card-title" id="d-concur" { "Concur" }
                        p { (name(d.decided_by)) " recorded the choice. As the other chief, your concurrence decides it." }
                        form method="post" action={ "/decisions/" (reference) "/concur" } {
                            (csrf_field(p))
                            button class="btn primary" type="submit" { "Concur" }
                        }
                    }
                }
                section class="card" aria-labelledby="d-links" {
                    h2 class="card-title" id="d-links" { "Links" }
                    dl class="kv" {
                        dt { "Supersedes" } dd { @if let Some(o) = &older { a href={ "/decisions/" (o.reference()) } { (o.reference()) " — " (truncate(&o.title, 60)) } } @else { span class="muted" { "nothing" } } }
                        dt { "Superseded by" } dd {
                            @if newer.is_empty() { span class="muted" { "nothing" } } @else {
                                ul class="plain" { @for n in &newer { li { a href={ "/decisions/" (n.reference()) } { (n.reference()) " — " (truncate(&n.title, 60)) } " " (status_badge(n.status)) } } }
                            }
                        }
                        dt { "Risks" } dd { @if d.risk_ids.is_empty() { span class="muted" { "none" } } @else {
                            ul class="plain" { @for r in &d.risk_ids { li { a href={ "/risks/" (r) } { (label_of(&risks, *r)) } } } }
                        } }
                        dt { "Releases" } dd { @if d.release_ids.is_empty() { span class="muted" { "none" } } @else {
                            ul class="plain" { @for r in &d.release_ids { li { a href={ "/releases/" (r) } { (label_of(&releases, *r)) } } } }
                        } }
                        @if !d.exception_ids.is_empty() {
                            dt { "Exceptions" } dd { ul class="plain" { @for e in &d.exception_ids { li { a href={ "/exceptions/" (e) } { (e) } } } } }
                        }
                        @if !d.backlog_item_ids.is_empty() {
                            dt { "Backlog items" } dd { ul class="plain" { @for b in &d.backlog_item_ids { li { a href={ "/backlog-items/" (b) } { (b) } } } } }
                        }
                    }
                    p class="small" { a href={ "/audit?entity=" (d.id) } { "Audit trail" } }
                }
            }
        }
    };
    Ok(page(p, Nav::Decisions, &format!("{reference} {}", truncate(&d.title, 40)), flash, body))
}

async fn step(st: &AppState, p: &Principal, id: &str, r: Result<Decision, AppError>, form: &Form) -> Page {
    match r {
        Ok(d) => {
            let flash = match (form.get("_step"), d.status) {
                (_, DecisionStatus::AwaitingConcurrence) => "awaiting",
                (_, DecisionStatus::Withdrawn) => "withdrawn",
                (Some("concur"), _) => "concurred",
                (Some("position"), _) => "position",
                _ => "decided",
            };
            Ok(Redirect::to(&format!("/decisions/{}?flash={flash}", d.reference())).into_response())
        }
        Err(AppError::Invalid(inv)) => {
            let mut r = detail(st, p, id, Some(Flash::Error("Fix the fields marked below.".into())), &inv.0).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e @ (AppError::Refused { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let mut r = detail(st, p, id, Some(Flash::Error(e.public_detail())), &[]).await?;
            *r.status_mut() = e.status();
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decide(State(st): State<AppState>, EntryPost { p, id, form }: EntryPost) -> Page {
    let input = DecideInput {
        choice: form.get("choice").unwrap_or("").to_owned(),
        cost: form.get("cost").unwrap_or("").to_owned(),
        escalated_to: form.get("escalated_to").map(str::to_owned).filter(|s| !s.trim().is_empty()),
    };
    let r = svc::decide(&st, &p, &id, input).await;
    step(&st, &p, &id, r, &form).await
}

pub async fn position(State(st): State<AppState>, EntryPost { p, id, mut form }: EntryPost) -> Page {
    form.0.push(("_step".into(), "position".into()));
    let r = svc::state_position(&st, &p, &id, form.get("position").unwrap_or("")).await;
    step(&st, &p, &id, r, &form).await
}

pub async fn concur(State(st): State<AppState>, EntryPost { p, id, mut form }: EntryPost) -> Page {
    form.0.push(("_step".into(), "concur".into()));
    let r = svc::concur(&st, &p, &id).await;
    step(&st, &p, &id, r, &form).await
}

pub async fn withdraw(State(st): State<AppState>, EntryPost { p, id, form }: EntryPost) -> Page {
    let r = svc::withdraw(&st, &p, &id).await;
    step(&st, &p, &id, r, &form).await
}
