//! One register entry: its fields, the extra card of its kind, a risk's updates, a finding's
//! events, its audit trail; closing it and adding a risk update, refused ones shown again.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use rhythm_domain::{
    AuditFinding, BacklogItem, DesignReview, Epic, FieldError, Finding, Incident, Initiative, Kind, Permission,
    Release, Risk, RiskUpdateInput, System, Vendor,
};
use serde_json::Value;
use uuid::Uuid;

use super::{
    close_json, display, flash_from, get_json, label_for, load_choices, not_a_register, reference_of, score_class,
    title_of, truncate,
};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service;
use crate::web::forms::{self, Choices};
use crate::web::layout::{Flash, Nav, csrf_field, page, page_head};
use crate::web::spec::{FieldKind, spec};
use crate::web::{EntryPost, Form, Page, WebUser, urlencode};

pub async fn detail_page(
    kind: Kind,
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Page {
    detail(kind, &st, &p, &id, flash_from(raw.as_deref()), &[], None).await
}

/// The detail page; `update_errors` and `update_values` re-show a refused risk update.
async fn detail(
    kind: Kind,
    st: &AppState,
    p: &Principal,
    id: &str,
    flash: Option<Flash>,
    update_errors: &[FieldError],
    update_values: Option<&Form>,
) -> Page {
    let sp = spec(kind);
    let entity = dispatch!(kind, get_json(st, p, id))?;
    let choices = load_choices(st, p, &sp).await?;
    let uuid: Uuid = entity
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| AppError::Internal(format!("{} {id} was read without its id", kind.label())))?;
    let reference = reference_of(kind, &entity);
    let title = title_of(&sp, &entity);
    let can_write = p.can(Permission::Write);
    let updates = if kind == Kind::Risk { service::risk_updates(st, p, id).await? } else { Vec::new() };
    let history = service::audit::log(st, p, Some(uuid), 50, None).await?;
    let events = if kind == Kind::Finding { service::finding_history(st, p, uuid).await? } else { Vec::new() };
    let suppressed_open = kind == Kind::Finding
        && entity.get("suppression").is_some_and(|v| !v.is_null())
        && entity.get("status").and_then(Value::as_str) == Some("open");
    let users: Choices =
        [("user", service::accounts::users(st, p).await?.into_iter().map(|u| (u.id, u.name)).collect())]
            .into_iter()
            .collect();
    let body = html! {
        (page_head(&format!("{} {}", kind.label(), reference), &truncate(&title, 140), None, html! {
            @if can_write {
                a class="btn" href={ "/" (kind.plural()) "/" (reference) "/edit" } { "Edit" }
                @if kind != Kind::DesignReview {
                    form method="post" action={ "/" (kind.plural()) "/" (reference) "/close" } data-confirm={ "Close " (reference) "?" } {
                        (csrf_field(p))
                        button class="btn danger" type="submit" { (close_label(kind)) }
                    }
                }
            }
        }))
        div class="grid-2" {
            section class="card" aria-labelledby="details-title" {
                h2 class="card-title" id="details-title" { "Details" }
                dl class="kv" {
                    @if kind == Kind::Risk {
                        dt { "Score" }
                        dd { @let s = entity.get("score").and_then(Value::as_i64).unwrap_or(0); span class=(score_class(s)) { (s) } " impact × likelihood" }
                    }
                    @for f in sp.fields.iter().filter(|f| !f.read_only || entity.get(f.name).is_some_and(|v| !v.is_null())) {
                        dt { (f.label) }
                        dd { (display(&f.kind, entity.get(f.name).unwrap_or(&Value::Null), &choices, false)) }
                    }
                    dt { "Created" } dd { (display(&FieldKind::DateTime, entity.get("created_at").unwrap_or(&Value::Null), &choices, false)) }
                    dt { "Last changed" } dd { (display(&FieldKind::DateTime, entity.get("updated_at").unwrap_or(&Value::Null), &choices, false)) " (version " (entity.get("version").and_then(Value::as_i64).unwrap_or(0)) ")" }
                }
            }
            div class="stack" {
                @if let Some(card) = crate::web::reviews::extra_card(kind, p, &reference, &entity, can_write) { (card) }
                @if kind == Kind::Risk {
                    section class="card" aria-labelledby="updates-title" {
                        h2 class="card-title" id="updates-title" { "Updates" }
                        @if updates.is_empty() { p class="muted" { "No updates yet." } }
                        ol class="timeline" {
                            @for u in &updates {
                                li class="timeline-item" {
                                    p class="timeline-when muted small" {
                                        (u.created_at.date()) " · " (u.author_id.and_then(|a| label_for(&users, "user", &a.to_string())).unwrap_or_else(|| "system".into()))
                                    }
                                    p class="timeline-line" { strong { "What: " } (u.what) }
                                    p class="timeline-line" { strong { "Why it matters: " } (u.why) }
                                    p class="timeline-line" { strong { "What we are doing: " } (u.doing) }
                                    p class="timeline-line" { strong { "When it closes: " } (u.closes) }
                                }
                            }
                        }
                        @if can_write { (risk_update_form(p, &reference, update_errors, update_values)) }
                    }
                }
                @if kind == Kind::Finding {
                    section class="card" aria-labelledby="events-title" {
                        h2 class="card-title" id="events-title" { "History" }
                        @if events.is_empty() { p class="muted" { "No events recorded." } }
                        ol class="timeline finding-events" {
                            @for e in &events {
                                li class="timeline-item" {
                                    p class="timeline-when muted small" { (e.at.date()) " " (format!("{:02}:{:02}", e.at.hour(), e.at.minute())) " UTC" }
                                    p class="timeline-line" { strong class="event" { (e.event) } }
                                }
                            }
                        }
                        @if suppressed_open && can_write {
                            p class="small" {
                                "The scanner reports it suppressed. Unless an approved exception covers it, it is a silent exception: "
                                a href=(crate::web::links::request_exception_href(uuid)) { "request an exception" } "."
                            }
                        }
                    }
                }
                section class="card" aria-labelledby="history-title" {
                    h2 class="card-title" id="history-title" { @if kind == Kind::Finding { "Audit trail" } @else { "History" } }
                    ol class="timeline" {
                        @for e in &history {
                            li class="timeline-item" {
                                p class="timeline-when muted small" { (e.at.date()) " " (format!("{:02}:{:02}", e.at.hour(), e.at.minute())) " UTC" }
                                p class="timeline-line" { strong { (e.action) } " by " (e.actor) }
                            }
                        }
                    }
                    p class="small" { a href={ "/audit?entity=" (uuid) } { "Full audit trail" } }
                }
            }
        }
    };
    Ok(page(p, Nav::Register(kind), &format!("{reference} {}", truncate(&title, 40)), flash, body))
}

fn close_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Risk => "Close risk",
        Kind::BacklogItem | Kind::Initiative | Kind::Epic => "Mark done",
        Kind::Release => "Cancel release",
        Kind::Incident => "Resolve",
        Kind::System => "Retire",
        Kind::Vendor => "Offboard",
        Kind::AuditFinding => "Close finding",
        Kind::Finding => "Mark fixed",
        Kind::DesignReview => "End the review",
        Kind::Decision | Kind::Exception | Kind::Import => "Close",
    }
}

fn risk_update_form(p: &Principal, reference: &str, errors: &[FieldError], values: Option<&Form>) -> Markup {
    let lines = [
        ("what", "What it is"),
        ("why", "Why it matters"),
        ("doing", "What we are doing"),
        ("closes", "When it closes"),
    ];
    html! {
        form class="form add-update" method="post" action={ "/risks/" (reference) "/updates" } {
            h3 { "Add an update" }
            (csrf_field(p))
            @for (name, label) in lines {
                @let err: Vec<&FieldError> = errors.iter().filter(|e| e.field == name).collect();
                @let id = format!("u-{name}");
                div class={ "field" @if !err.is_empty() { " has-error" } } {
                    label for=(id) { (label) }
                    input id=(id) name=(name) type="text" maxlength="300" required value=(values.and_then(|v| v.get(name)).unwrap_or(""))
                        aria-invalid=[(!err.is_empty()).then_some("true")] aria-describedby=[(!err.is_empty()).then(|| format!("{id}-error"))];
                    @if !err.is_empty() { p class="error" id={ (id) "-error" } { @for e in err { (forms::sentence(&e.message)) " " } } }
                }
            }
            div class="form-actions" { button class="btn primary" type="submit" { "Add update" } }
        }
    }
}

pub async fn close(kind: Kind, State(st): State<AppState>, EntryPost { p, id, .. }: EntryPost) -> Page {
    match dispatch!(kind, close_json(&st, &p, &id)) {
        Ok(v) => {
            Ok(Redirect::to(&format!("/{}/{}?flash=closed", kind.plural(), reference_of(kind, &v))).into_response())
        }
        Err(AppError::Invalid(inv)) => {
            let msg = format!(
                "It cannot be closed yet: {}",
                inv.0
                    .iter()
                    .map(|e| format!("{} {}", e.field.replace('_', " "), e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let mut r = detail(kind, &st, &p, &id, Some(Flash::Error(msg)), &[], None).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_risk_update(State(st): State<AppState>, EntryPost { p, id, form }: EntryPost) -> Page {
    let input = RiskUpdateInput {
        what: form.get("what").unwrap_or("").to_owned(),
        why: form.get("why").unwrap_or("").to_owned(),
        doing: form.get("doing").unwrap_or("").to_owned(),
        closes: form.get("closes").unwrap_or("").to_owned(),
    };
    match service::add_risk_update(&st, &p, &id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/risks/{}?flash=update", urlencode(&id))).into_response()),
        Err(AppError::Invalid(inv)) => {
            let mut r = detail(
                Kind::Risk,
                &st,
                &p,
                &id,
                Some(Flash::Error("The update was not added: fix the lines marked below.".into())),
                &inv.0,
                Some(&form),
            )
            .await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
