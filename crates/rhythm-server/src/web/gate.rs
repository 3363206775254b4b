//! The launch gate pages: every upcoming release with its verdict, and one release's
//! criteria with their evidence, what would turn each green, and the override request.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::gate::{CriterionStatus, Verdict};
use rhythm_domain::{Kind, Permission};

use super::layout::{Flash, Nav, csrf_field, page, page_head};
use super::{CsrfForm, Page, WebUser};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::gate;

fn verdict_badge(v: Verdict) -> Markup {
    html! { span class={ "verdict verdict-" (v.as_str()) } { (v.label()) } }
}

fn status_badge(s: CriterionStatus) -> Markup {
    html! { span class={ "badge badge-gate-" (s.as_str()) } { (s.label()) } }
}

/// Links a reference such as `FND-3` or `EXC-2` to its page.
fn reference_link(reference: &str) -> Markup {
    let path = Kind::parse_reference(reference).map(|(k, _)| format!("/{}/{reference}", k.plural()));
    html! {
        @if let Some(p) = path { a class="ref" href=(p) { (reference) } } @else { span class="ref" { (reference) } }
    }
}

pub async fn overview(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    let reports = gate::upcoming(&st, &p).await?;
    let stops = reports.iter().filter(|r| r.verdict == Verdict::Stop).count();
    let body = html! {
        (page_head("Governance", "Launch gate", Some("Every release that has not shipped, judged now by the policy's stop-ship criteria against live findings, risks, systems and exceptions."), html! {}))
        @if reports.is_empty() {
            div class="empty" { strong { "No upcoming releases." } p { "Plan a release to see its verdict here." } }
        } @else {
            p class="summary" role="status" {
                (reports.len()) " upcoming release" @if reports.len() != 1 { "s" } "; "
                strong { (stops) " STOP" } "."
            }
            div class="table-wrap" { table class="data" {
                caption class="sr-only" { "Upcoming releases and their launch-gate verdicts" }
                thead { tr {
                    th scope="col" { "Release" } th scope="col" { "Planned" } th scope="col" { "Systems" }
                    th scope="col" { "Verdict" } th scope="col" { "Failing criteria" }
                } }
                tbody { @for r in &reports {
                    tr {
                        td { a href={ "/releases/" (r.release) "/gate" } { span class="ref" { (r.release) } " " (r.release_name) } }
                        td class="nowrap" { (r.planned_date) }
                        td { (r.systems.join(", ")) }
                        td { (verdict_badge(r.verdict)) @if let Some(d) = &r.overridden_by { " " span class="muted" { "override " (d) } } }
                        td { (r.criteria.iter().filter(|c| c.status == CriterionStatus::Fail).map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")) }
                    }
                } }
            } }
        }
    };
    Ok(page(&p, Nav::Gate, "Launch gate", None, body))
}

pub async fn release_page(State(st): State<AppState>, WebUser(p): WebUser, Path(id): Path<String>) -> Page {
    render(&st, &p, &id, None, StatusCode::OK).await
}

async fn render(st: &AppState, p: &Principal, id: &str, flash: Option<Flash>, status: StatusCode) -> Page {
    let r = gate::report(st, p, id).await?;
    let title = format!("{} {}", r.release, r.release_name);
    let body = html! {
        (page_head("Launch gate", &title, None, html! {
            a class="btn" href={ "/releases/" (r.release) } { "Release" }
        }))
        section class={ "card verdict-card verdict-card-" (r.verdict.as_str()) } aria-labelledby="verdict-title" {
            h2 id="verdict-title" class="card-title" { "Verdict: " (verdict_badge(r.verdict)) }
            p {
                "Judged for " (r.evaluated_on)
                @if r.evaluated_on == r.planned_date { " (the planned date)" } @else { " (today: the planned date " (r.planned_date) " has passed)" }
                " against policy version " (r.policy_version)
                " for " @if r.systems.is_empty() { "no systems" } @else { (r.systems.join(", ")) } "."
            }
            @if let Some(d) = &r.overridden_by {
                p { "The criteria say " strong { (r.criteria_verdict.label()) } "; the escalation " (reference_link(d)) " overrode it: "
                    q { (r.override_choice.clone().unwrap_or_default()) } }
            }
            p class="muted" { "CI: " code { "rhythm gate --release " (r.release) } " exits 0 for GO and GO WITH EXCEPTIONS, 1 for STOP." }
        }
        @for c in &r.criteria {
            section class="card criterion" aria-labelledby={ "c-" (c.id) } {
                h2 id={ "c-" (c.id) } class="card-title" { (status_badge(c.status)) " " (c.id) }
                p { "Stops a release for " (c.summary) "." }
                @if let Some(d) = &c.description { p class="muted" { (d) } }
                @if !c.evidence.is_empty() {
                    div class="table-wrap" { table class="data" {
                        caption class="sr-only" { "Evidence for " (c.id) }
                        thead { tr { th scope="col" { "Entry" } th scope="col" { "What" } th scope="col" { "Why it counts" } th scope="col" { "Covered by" } } }
                        tbody { @for e in &c.evidence {
                            tr {
                                td { (reference_link(&e.reference)) }
                                td { (e.title) }
                                td { (e.detail) }
                                td {
                                    @if let Some(x) = &e.covered_by { (reference_link(x)) } @else { span class="badge badge-gate-fail" { "Not covered" } }
                                    @if let Some(l) = &e.lapses { br; span class="small muted" { (l) } }
                                    @for x in &e.pending { br; span class="small" { (reference_link(x)) " would cover it: waiting for signatures" } }
                                }
                            }
                        } }
                    } }
                }
                @if !c.to_turn_green.is_empty() {
                    p class="to-green" { strong { "To turn it green: " } (c.to_turn_green) }
                }
            }
        }
        @if r.criteria_verdict == Verdict::Stop && r.overridden_by.is_none() && p.can(Permission::Write) {
            section class="card" aria-labelledby="override-title" {
                h2 id="override-title" class="card-title" { "Ask for an override" }
                p { "A STOP stands until the escalation path decides otherwise. This records a stop-ship decision request linked to the release; the gate counts it once it is decided." }
                form class="form" method="post" action={ "/releases/" (r.release) "/gate/override" } {
                    (csrf_field(p))
                    div class="field" {
                        label for="title" { "What is asked" }
                        input id="title" name="title" type="text" required value={ "Ship " (r.release_name) " despite the STOP" };
                    }
                    div class="field" {
                        label for="context" { "Why" }
                        textarea id="context" name="context" rows="3" {}
                    }
                    div class="field" {
                        label for="options" { "Options considered (one per line)" }
                        textarea id="options" name="options" rows="3" { "Ship now with the STOP overridden\nHold the release until the criteria pass" }
                    }
                    button class="btn primary" type="submit" { "Request the override" }
                }
            }
        }
    };
    let mut resp = page(p, Nav::Gate, &format!("Launch gate: {title}"), flash, body);
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn request_override(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Page {
    let body = gate::OverrideRequest {
        title: form.get("title").unwrap_or("").to_owned(),
        context: form.get("context").unwrap_or("").to_owned(),
        options: form
            .get("options")
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    match gate::request_override(&st, &p, &id, body).await {
        Ok(d) => Ok(Redirect::to(&format!("/decisions/{}", d.reference())).into_response()),
        Err(AppError::Invalid(i)) => {
            let msg = i.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
            render(&st, &p, &id, Some(Flash::Error(msg)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => render(&st, &p, &id, Some(Flash::Error(e.public_detail())), e.status()).await,
    }
}
