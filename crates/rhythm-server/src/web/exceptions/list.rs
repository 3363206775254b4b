//! The exception list and the inbox: requests waiting for the signed-in person's signature.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use maud::html;
use rhythm_domain::{ExceptionStatus, Permission, System};
use rhythm_store::ListQuery;

use super::{flash_from, name_of, people, status_badge};
use crate::AppState;
use crate::service::exceptions as svc;
use crate::web::layout::{Nav, page, page_head};
use crate::web::registers::{choices_of, truncate};
use crate::web::{Page, WebUser};

pub async fn list_page(State(st): State<AppState>, WebUser(p): WebUser, RawQuery(raw): RawQuery) -> Page {
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
    let listing = svc::list(&st, &p, &q).await?;
    let people = people(&st, &p).await?;
    let systems: HashMap<_, _> = choices_of::<System>(&st, &p).await?.into_iter().collect();
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
    Ok(page(&p, Nav::Exceptions, "Exceptions", flash_from(raw.as_deref()), body))
}

/// Everything waiting for the signed-in person ([`crate::service::waiting`]).
pub async fn inbox_page(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    use crate::service::waiting::DecisionStep;
    let w = crate::service::waiting::waiting(&st, &p).await?;
    let people = people(&st, &p).await?;
    let body = html! {
        (page_head("Governance", "Waiting for me", Some("Everything you are asked to act on: signatures, decisions, escalations and stopped releases."), html! {}))
        @if w.count() == 0 {
            div class="empty card" { p { "Nothing waits for you." } }
        }
        @if !w.signatures.is_empty() {
            section class="card" aria-labelledby="w-signatures" {
                h2 class="card-title" id="w-signatures" { "Signatures (" (w.signatures.len()) ")" }
                div class="table-wrap" { table class="data" {
                    caption class="sr-only" { (w.signatures.len()) " exceptions wait for your signature, soonest expiry first" }
                    thead { tr { th scope="col" { "Ref" } th scope="col" { "Title" } th scope="col" { "Your side" } th scope="col" { "Requested by" } th scope="col" { "Expires" } } }
                    tbody { @for s in &w.signatures {
                        @let href = format!("/exceptions/{}", s.exception.reference());
                        tr data-href=(href) {
                            td class="ref nowrap" { a class="row-link" href=(href) { (s.exception.reference()) } }
                            td { (truncate(&s.exception.title, 110)) }
                            td { (s.side.label()) }
                            td { (name_of(&people, s.exception.requester_id)) }
                            td class="nowrap" { (s.exception.expires_on) }
                        }
                    } }
                } }
            }
        }
        @if !w.decisions.is_empty() {
            section class="card" aria-labelledby="w-decisions" {
                h2 class="card-title" id="w-decisions" { "Decisions (" (w.decisions.len()) ")" }
                ul class="plain" { @for d in &w.decisions {
                    li { a href={ "/decisions/" (d.decision.reference()) } { (d.decision.reference()) } " — " (truncate(&d.decision.title, 100)) ": "
                        strong { @match d.step { DecisionStep::Decide => "decide it", DecisionStep::Concur => "concur as the other chief", DecisionStep::Position => "state your position" } } }
                } }
            }
        }
        @if !w.escalations.is_empty() {
            section class="card" aria-labelledby="w-escalations" {
                h2 class="card-title" id="w-escalations" { "Escalated exceptions (" (w.escalations.len()) ")" }
                ul class="plain" { @for x in &w.escalations {
                    li { a href={ "/exceptions/" (x.exception.reference()) } { (x.exception.reference()) } " — " (truncate(&x.exception.title, 100)) ": "
                        @if x.to_settle { strong { "record what your decision settled" } }
                        @else if x.decisions.is_empty() { strong { "no escalation decision requested yet" } }
                        @else { "escalation " (x.decisions.join(", ")) " in progress" } }
                } }
            }
        }
        @if !w.stopped_releases.is_empty() {
            section class="card" aria-labelledby="w-stops" {
                h2 class="card-title" id="w-stops" { "Releases at STOP (" (w.stopped_releases.len()) ")" }
                ul class="plain" { @for r in &w.stopped_releases {
                    li { a href={ "/releases/" (r.release) "/gate" } { (r.release) " " (r.release_name) } ", planned " (r.planned_date) }
                } }
            }
        }
    };
    Ok(page(&p, Nav::Inbox, "Waiting for me", None, body))
}
