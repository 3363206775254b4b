//! Actions on a register's detail page that go beyond edit and close: ending a design review
//! in a spike or a decision, asking for a vendor's onboarding decision, and the way to a
//! release's launch gate.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::{DesignReviewStatus, Kind};
use serde_json::Value;

use super::layout::{csrf_field, error_page};
use super::{EntryPost, Page, urlencode};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::reviews::{self, ReviewDecisionRequest, SpikeRequest};

/// The extra card of a detail page, if the register has one.
pub fn extra_card(kind: Kind, p: &Principal, reference: &str, entity: &Value, can_write: bool) -> Option<Markup> {
    let text = |k: &str| entity.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    match kind {
        Kind::Release => Some(html! {
            section class="card" aria-labelledby="gate-title" {
                h2 class="card-title" id="gate-title" { "Launch gate" }
                p { "GO, GO WITH EXCEPTIONS or STOP, judged now by the policy's stop-ship criteria." }
                a class="btn" href={ "/releases/" (reference) "/gate" } { "Open the launch gate" }
            }
        }),
        Kind::DesignReview => {
            let status = text("status");
            Some(html! {
                section class="card" aria-labelledby="outcome-title" {
                    h2 class="card-title" id="outcome-title" { "How it ends" }
                    @if status == DesignReviewStatus::Decided.as_str() {
                        p { "Ended in a decision: " a href={ "/decisions/" (text("decision_id")) } { "the decision" } "." }
                    } @else if status == DesignReviewStatus::Spike.as_str() {
                        p { "Ended in a spike: " a href={ "/backlog-items/" (text("spike_item_id")) } { "the backlog item" } ", due by its deadline." }
                    } @else if can_write {
                        p { "Answer the five questions, then end the review in a decision or in a spike with a deadline." }
                        form class="form" method="post" action={ "/design-reviews/" (reference) "/spike" } {
                            (csrf_field(p))
                            div class="field" {
                                label for="spike-title" { "Spike: what to find out" }
                                input id="spike-title" name="title" type="text" required;
                            }
                            div class="field" {
                                label for="spike-due" { "Deadline" }
                                input id="spike-due" name="due_date" type="date" required;
                            }
                            button class="btn" type="submit" { "End in a spike" }
                        }
                        form class="form" method="post" action={ "/design-reviews/" (reference) "/decision" } {
                            (csrf_field(p))
                            div class="field" {
                                label for="decision-title" { "Decision to take" }
                                input id="decision-title" name="title" type="text" required value={ "Adopt: " (text("title")) };
                            }
                            div class="field" {
                                label for="decision-options" { "Options considered (one per line)" }
                                textarea id="decision-options" name="options" rows="3" { "Adopt as designed\nAdopt with changes\nDo not adopt" }
                            }
                            button class="btn primary" type="submit" { "End in a decision" }
                        }
                    } @else {
                        p class="muted" { "Still open." }
                    }
                }
            })
        }
        Kind::Vendor => {
            let decision = text("onboarding_decision_id");
            Some(html! {
                section class="card" aria-labelledby="onboarding-title" {
                    h2 class="card-title" id="onboarding-title" { "Onboarding" }
                    @if !decision.is_empty() {
                        p { "Adopting this vendor is a joint decision: " a href={ "/decisions/" (decision) } { "its onboarding decision" } "." }
                    } @else if can_write {
                        p { "Adopting a vendor is a joint decision of the CTO and the CISO, with its data flows, breach clause and access model on the record." }
                        form method="post" action={ "/vendors/" (reference) "/onboarding" } {
                            (csrf_field(p))
                            button class="btn primary" type="submit" { "Ask for the onboarding decision" }
                        }
                    } @else {
                        p class="muted" { "No onboarding decision yet." }
                    }
                }
            })
        }
        _ => None,
    }
}

/// A refused step: a page that says which field and why, or the error page.
fn failed(e: AppError) -> Page {
    match e {
        AppError::Invalid(i) => Ok(error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &i.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "),
        )),
        other => Err(other.into()),
    }
}

pub async fn spike(State(st): State<AppState>, EntryPost { p, id, form }: EntryPost) -> Page {
    let due_date = form.get("due_date").filter(|d| !d.is_empty()).map(|d| {
        time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| d.to_owned())
    });
    let due_date = match due_date.transpose() {
        Ok(d) => d,
        Err(bad) => {
            return Ok(error_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("due_date: '{bad}' is not a date like 2026-03-31"),
            ));
        }
    };
    let body = SpikeRequest { title: form.get("title").unwrap_or("").to_owned(), due_date };
    match reviews::spike(&st, &p, &id, body).await {
        Ok(_) => Ok(Redirect::to(&format!("/design-reviews/{}", urlencode(&id))).into_response()),
        Err(e) => failed(e),
    }
}

pub async fn decision(State(st): State<AppState>, EntryPost { p, id, form }: EntryPost) -> Page {
    let body = ReviewDecisionRequest {
        title: form.get("title").unwrap_or("").to_owned(),
        category: None,
        context: String::new(),
        options: form
            .get("options")
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    match reviews::decision(&st, &p, &id, body).await {
        Ok(done) => Ok(Redirect::to(&format!("/decisions/{}", done.decision.reference())).into_response()),
        Err(e) => failed(e),
    }
}

pub async fn onboarding(State(st): State<AppState>, EntryPost { p, id, .. }: EntryPost) -> Page {
    match reviews::onboarding(&st, &p, &id).await {
        Ok(done) => Ok(Redirect::to(&format!("/decisions/{}", done.decision.reference())).into_response()),
        Err(e) => failed(e),
    }
}
