//! The policy page: the version in force as tables people read (decision rights, SLA days,
//! exception rules, risk appetite, stop-ship criteria, golden paths), its version history,
//! and an editor that proposes a change as a `policy_change` decision. A file that does not
//! read is shown again with each problem and its line next to the editor.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::Permission;
use rhythm_domain::decision::Decision;
use rhythm_domain::policy::{Decider, PolicyProblem};
use rhythm_store::PolicyVersion;

use super::forms::sentence;
use super::layout::{Flash, Nav, csrf_field, error_page, page, page_head};
use super::{CsrfForm, Page, WebUser};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::policy::{self as svc, ProposeError};

fn decider_short(d: Decider) -> &'static str {
    match d {
        Decider::Cto => "CTO",
        Decider::Ciso => "CISO",
        Decider::Joint => "Joint",
        Decider::Escalate => "Escalate",
    }
}

/// The editor's state when shown again after a refusal.
struct Editor<'a> {
    document: &'a str,
    title: &'a str,
    context: &'a str,
    problems: &'a [PolicyProblem],
    other: Option<String>,
}

fn rules(v: &PolicyVersion) -> Markup {
    let pol = &v.policy;
    html! {
        div class="grid-2" {
            section class="card" aria-labelledby="pol-rights" {
                h2 class="card-title" id="pol-rights" { "Decision rights" }
                div class="table-wrap" {
                    table class="data" id="decision-rights" {
                        caption class="sr-only" { "Who decides each category of decision" }
                        thead { tr { th scope="col" { "Category" } th scope="col" { "Who decides" } } }
                        tbody {
                            @for r in svc::decision_rights(pol) {
                                tr { th scope="row" { (r.category_label) } td { span class={ "badge badge-decider-" (r.decider.as_str()) } { (decider_short(r.decider)) } } }
                            }
                        }
                    }
                }
            }
            div class="stack" {
                section class="card" aria-labelledby="pol-sla" {
                    h2 class="card-title" id="pol-sla" { "SLA days" }
                    dl class="kv" {
                        dt { "Critical" } dd { (pol.sla_days.critical) " days" }
                        dt { "High" } dd { (pol.sla_days.high) " days" }
                        dt { "Medium" } dd { (pol.sla_days.medium) " days" }
                        dt { "Low" } dd { (pol.sla_days.low) " days" }
                        dt { "Known exploited (KEV)" } dd { (pol.sla_days.kev) " days" }
                        dt { "Info" } dd { @match pol.sla_days.info { Some(d) => { (d) " days" }, None => { "no SLA" } } }
                    }
                }
                section class="card" aria-labelledby="pol-exc" {
                    h2 class="card-title" id="pol-exc" { "Exceptions" }
                    dl class="kv" {
                        dt { "Longest exception" } dd { (pol.exceptions.max_days) " days" }
                        dt { "Compensating controls" } dd { (if pol.exceptions.compensating_controls_required { "required" } else { "optional" }) }
                        dt { "Review lead time" } dd { (pol.exceptions.review_lead_days) " days before expiry" }
                    }
                }
                section class="card" aria-labelledby="pol-appetite" {
                    h2 class="card-title" id="pol-appetite" { "Risk appetite" }
                    dl class="kv" {
                        dt { "Escalates at score" } dd { (pol.risk_appetite.escalation_score) " or more" }
                        dt { "Accepted without escalation" } dd { "up to " (pol.risk_appetite.max_acceptable_score) }
                    }
                }
            }
        }
        section class="card" aria-labelledby="pol-stop" {
            h2 class="card-title" id="pol-stop" { "Stop-ship criteria" }
            @if pol.stop_ship.is_empty() { p class="muted" { "None: no release is stopped by policy." } } @else {
                ul { @for c in &pol.stop_ship {
                    li { code { (c.id) } ": stops for " (c.summary()) "." @if let Some(d) = &c.description { " " span class="muted" { (d) } } }
                } }
            }
        }
        section class="card" aria-labelledby="pol-paths" {
            h2 class="card-title" id="pol-paths" { "Golden paths" }
            dl class="kv" {
                @for (path, spec) in &pol.golden_paths {
                    dt { (path.label()) }
                    dd {
                        (spec.description)
                        " "
                        span class="muted" { @if spec.required_for_tiers.is_empty() { "(every system)" } @else {
                            "(required for " (spec.required_for_tiers.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")) ")"
                        } }
                    }
                }
            }
        }
    }
}

async fn policy_body(st: &AppState, p: &Principal, editor: Option<&Editor<'_>>) -> Result<Markup, AppError> {
    let current = svc::current(st, p).await?;
    let versions = svc::versions(st, p).await?;
    let can_write = p.can(Permission::Write);
    let mut refs = std::collections::HashMap::new();
    for v in &versions {
        if let Some(id) = v.decision_id {
            refs.insert(id, crate::service::get::<Decision>(st, p, id).await?.reference());
        }
    }
    let mut pending = Vec::new();
    for status in ["requested", "awaiting_concurrence"] {
        let q = rhythm_store::ListQuery {
            filters: vec![("category".into(), "policy_change".into()), ("status".into(), status.into())],
            limit: 50,
            ..Default::default()
        };
        pending.extend(crate::service::decisions::list(st, p, &q).await?.items);
    }
    let document = editor.map_or(current.document.as_str(), |e| e.document);
    let problems = editor.map_or(&[][..], |e| e.problems);
    let has_errors = !problems.is_empty() || editor.is_some_and(|e| e.other.is_some());
    let lede = if current.version == 0 {
        "The built-in default policy is in force: no version has been applied yet.".to_owned()
    } else {
        format!(
            "Version {} is in force. Changing it is a joint decision, recorded in the decision log.",
            current.version
        )
    };
    Ok(html! {
        (page_head("Governance", "Policy", Some(&lede), html! {}))
        (rules(&current))
        section class="card" aria-labelledby="pol-history" {
            h2 class="card-title" id="pol-history" { "Version history" }
            @if versions.is_empty() { p class="muted" { "No version applied yet; the built-in default is in force." } } @else {
                div class="table-wrap" {
                    table class="data" id="policy-versions" {
                        caption class="sr-only" { "Applied policy versions, newest first" }
                        thead { tr { th scope="col" { "Version" } th scope="col" { "Applied" } th scope="col" { "Decided by" } } }
                        tbody {
                            @for v in &versions {
                                tr {
                                    td { a href={ "/policy/versions/" (v.version) } { "Version " (v.version) } }
                                    td class="nowrap" { @if let Some(t) = v.created_at { (t.date()) } }
                                    td { @match v.decision_id.and_then(|id| refs.get(&id)) {
                                        Some(r) => { a href={ "/decisions/" (r) } { (r) } },
                                        None => { span class="muted" { "—" } },
                                    } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !pending.is_empty() {
            section class="card" aria-labelledby="pol-pending" {
                h2 class="card-title" id="pol-pending" { "Changes waiting for a decision" }
                ul class="plain" {
                    @for d in &pending {
                        li { a href={ "/decisions/" (d.reference()) } { (d.reference()) " — " (d.title) } " (" (d.status.label().to_lowercase()) ")" }
                    }
                }
            }
        }
        @if can_write {
            section class="card" aria-labelledby="pol-edit" {
                h2 class="card-title" id="pol-edit" { "Propose a change" }
                p class="hint" { "Edit the policy file below. Proposing records a policy change decision; the new version applies only once that decision is decided by those the policy names (by default both chiefs)." }
                @if has_errors {
                    div class="flash flash-error" role="alert" id="policy-problems" {
                        @if let Some(o) = editor.and_then(|e| e.other.as_deref()) { p { (o) } }
                        @if !problems.is_empty() {
                            p { "The policy file was not proposed: " (problems.len()) @if problems.len() == 1 { " problem" } @else { " problems" } "." }
                            ul {
                                @for pr in problems {
                                    li class="policy-problem" { a href="#pol-doc" { "Line " (pr.line) ", column " (pr.column) } @if !pr.path.is_empty() { " (" code { (pr.path) } ")" } ": " (sentence(&pr.message)) }
                                }
                            }
                        }
                    }
                }
                form class="form policy-form" method="post" action="/policy" novalidate {
                    (csrf_field(p))
                    div class="field" {
                        label for="pol-title" { "Decision title" }
                        input id="pol-title" name="title" type="text" maxlength="200" value=(editor.map_or("", |e| e.title)) aria-describedby="pol-title-hint";
                        p class="hint" id="pol-title-hint" { "Optional; defaults to “Apply policy version N”." }
                    }
                    div class="field" {
                        label for="pol-context" { "Why change it" }
                        textarea id="pol-context" name="context" rows="3" { (editor.map_or("", |e| e.context)) }
                    }
                    div class={ "field" @if !problems.is_empty() { " has-error" } } {
                        label for="pol-doc" { "Policy file (TOML)" }
                        textarea id="pol-doc" name="document" class="code-editor" rows="30" spellcheck="false"
                            aria-invalid=[(!problems.is_empty()).then_some("true")]
                            aria-describedby=[(!problems.is_empty()).then_some("policy-problems")] { (document) }
                    }
                    div class="form-actions" { button class="btn primary" type="submit" { "Propose change" } }
                }
            }
        }
    })
}

pub async fn page_get(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    Ok(page(&p, Nav::Policy, "Policy", None, policy_body(&st, &p, None).await?))
}

pub async fn propose(State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Page {
    let document = form.get("document").unwrap_or("").replace("\r\n", "\n");
    let title = form.get("title").unwrap_or("").to_owned();
    let context = form.get("context").unwrap_or("").to_owned();
    let result = svc::propose(
        &st,
        &p,
        document.clone(),
        Some(title.clone()).filter(|t| !t.trim().is_empty()),
        Some(context.clone()).filter(|c| !c.trim().is_empty()),
    )
    .await;
    let (problems, other, status) = match result {
        Ok((d, _)) => return Ok(Redirect::to(&format!("/decisions/{}?flash=proposed", d.reference())).into_response()),
        Err(ProposeError::Document(e)) => (e.problems, None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(ProposeError::Other(AppError::Invalid(inv))) => (
            Vec::new(),
            Some(inv.0.iter().map(|e| format!("{}: {}", e.field, sentence(&e.message))).collect::<Vec<_>>().join(" ")),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(ProposeError::Other(e)) => return Err(e.into()),
    };
    let editor = Editor { document: &document, title: &title, context: &context, problems: &problems, other };
    let body = policy_body(&st, &p, Some(&editor)).await?;
    let flash =
        Flash::Error("The change was not proposed: the problems are listed next to the policy editor below.".into());
    let mut r = page(&p, Nav::Policy, "Policy: please fix the file", Some(flash), body);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn version_page(State(st): State<AppState>, WebUser(p): WebUser, Path(n): Path<String>) -> Page {
    let Ok(n) = n.parse::<i64>() else {
        return Ok(error_page(StatusCode::NOT_FOUND, "There is no such policy version."));
    };
    let v = svc::version(&st, &p, n).await?;
    let decision = match v.decision_id {
        Some(id) => Some(crate::service::get::<Decision>(&st, &p, id).await?),
        None => None,
    };
    let title = if n == 0 { "Built-in default policy".to_owned() } else { format!("Policy version {n}") };
    let body = html! {
        (page_head("Policy", &title, None, html! { a class="btn" href="/policy" { "Back to the policy" } }))
        @if let Some(d) = &decision {
            p { "Applied " @if let Some(t) = v.created_at { "on " (t.date()) " " } "by decision " a href={ "/decisions/" (d.reference()) } { (d.reference()) " — " (d.title) } "." }
        }
        (rules(&v))
        section class="card" aria-labelledby="ver-doc" {
            h2 class="card-title" id="ver-doc" { "The file" }
            pre class="policy-doc" tabindex="0" aria-label={ (title) " as TOML" } { code { (v.document) } }
        }
    };
    Ok(page(&p, Nav::Policy, &title, None, body))
}
