//! One exception: both signature panels, the sign and withdraw forms, and settling an
//! escalation with the decided decision that settled it.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::{Exception, ExceptionSide, ExceptionStatus, Finding, Permission, Risk, System, User};
use rhythm_store::ListQuery;
use uuid::Uuid;

use super::{flash_from, name_of, people, status_badge};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::{self, exceptions as svc};
use crate::web::forms::sentence;
use crate::web::layout::{Flash, Nav, csrf_field, multiline, page, page_head};
use crate::web::registers::{choices_of, truncate};
use crate::web::{CsrfForm, Page, WebUser};

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

async fn detail(st: &AppState, p: &Principal, id: &str, flash: Option<Flash>) -> Page {
    let e = svc::resolve(st, p, id).await?;
    let people = people(st, p).await?;
    let systems: HashMap<_, _> = choices_of::<System>(st, p).await?.into_iter().collect();
    let risks: HashMap<_, _> = choices_of::<Risk>(st, p).await?.into_iter().collect();
    let decided =
        if e.status == ExceptionStatus::Escalated { settling_decisions(st, p, &e).await? } else { Vec::new() };
    let mut findings = Vec::new();
    for id in &e.finding_ids {
        let label = match service::get::<Finding>(st, p, *id).await {
            Ok(f) => format!("{} — {} {}: {}", f.reference(), f.severity.label(), f.rule, truncate(&f.title, 50)),
            // A finding this person cannot see is shown by its id; any other error is one.
            Err(AppError::NotFound(_)) => id.to_string(),
            Err(other) => return Err(other.into()),
        };
        findings.push((*id, label));
    }
    let supersedes = match e.supersedes {
        Some(old) => Some(service::get::<Exception>(st, p, old).await?),
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
        @if e.status == ExceptionStatus::Escalated && decided.is_empty() {
            p class="hint" id="escalation-waits" {
                "Escalated: it is settled only by an escalation decision that names " (reference)
                ", with both chiefs' positions on record, decided by the escalation authority."
            }
        }
        @if e.status == ExceptionStatus::Escalated && !decided.is_empty() {
            section class="card" aria-labelledby="resolve-title" {
                h2 class="card-title" id="resolve-title" { "Settle the escalation" }
                p { "You decided the escalation about " (reference) ". Record what it settled." }
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
    Ok(page(p, Nav::Exceptions, &format!("{reference} {}", truncate(&e.title, 40)), flash, body))
}

pub async fn detail_page(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Page {
    detail(&st, &p, &id, flash_from(raw.as_deref())).await
}

/// A refused step shown on the detail page, with the status the API would answer.
pub(super) async fn refused(st: &AppState, p: &Principal, id: &str, e: &AppError) -> Page {
    let message = match e {
        AppError::Invalid(inv) => inv.0.iter().map(|f| sentence(&f.message)).collect::<Vec<_>>().join(" "),
        other => sentence(&other.public_detail()),
    };
    let mut r = detail(st, p, id, Some(Flash::Error(message))).await?;
    *r.status_mut() = e.status();
    Ok(r)
}

pub async fn sign(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Page {
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
        Ok(e) => Ok(Redirect::to(&format!("/exceptions/{}?flash=signed", e.reference())).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    _checked: CsrfForm,
) -> Page {
    match svc::withdraw(&st, &p, &id).await {
        Ok(e) => Ok(Redirect::to(&format!("/exceptions/{}?flash=withdrawn", e.reference())).into_response()),
        Err(e @ (AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The escalation's outcome, recorded from the decided decision that settled it.
pub async fn resolve(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Page {
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
        Ok(e) => Ok(Redirect::to(&format!("/exceptions/{}?flash=resolved", e.reference())).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Refused { .. } | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            refused(&st, &p, &id, &e).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The decided escalations naming `e` that this person decided, newest first: the only ones
/// that settle it, and only its decider records the settlement.
async fn settling_decisions(st: &AppState, p: &Principal, e: &Exception) -> Result<Vec<(Uuid, String)>, AppError> {
    let q = ListQuery {
        limit: 100,
        filters: vec![
            ("status".into(), "decided".into()),
            ("decider".into(), "escalate".into()),
            ("exception".into(), e.id.to_string()),
            ("decided_by".into(), p.user.id.to_string()),
        ],
        sort: Some("decided_at".into()),
        dir: Some(rhythm_store::SortDir::Desc),
        ..ListQuery::default()
    };
    let page = service::decisions::list(st, p, &q).await?;
    Ok(page.items.iter().map(|d| (d.id, format!("{} — {}", d.reference(), truncate(&d.title, 60)))).collect())
}
