//! `/settings/notifications`: where governance events go (webhooks, e-mail), and what was
//! sent. Everyone signed in can look; the CISO and the CTO add, enable, disable and test
//! targets. Every form goes through the same functions as the API, so the same rules and
//! field errors apply; the secret field is write-only and never shown again.

use axum::extract::State;
use axum::http::StatusCode;
use maud::{Markup, html};
use rhythm_domain::{Permission, Secret};
use rhythm_store::{Event, OutboxStatus};
use uuid::Uuid;

use super::layout::{Flash, Nav, csrf_field, page, page_head};
use super::{CsrfForm, EntryPost, Form, Page, WebUser};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::notifications::{
    NewTargetBody, OutboxEntryBody, TargetBody, add_target, outbox, queue_test, set_disabled, targets,
};

/// What the add form holds when it is shown again after an error (never the secret).
#[derive(Default)]
struct Draft {
    channel: String,
    target: String,
    format: String,
    events: Vec<String>,
}

fn status_badge(status: &str) -> Markup {
    let class = match status {
        "delivered" => "badge badge-done",
        "dead" => "badge badge-open",
        _ => "badge badge-planned",
    };
    html! { span class=(class) { (status) } }
}

async fn render(st: &AppState, p: &Principal, flash: Option<Flash>, draft: Draft, errors: &[(String, String)]) -> Page {
    let targets: Vec<TargetBody> = targets(st, p).await?;
    let recent: Vec<OutboxEntryBody> = outbox(st, p, None, 50).await?;
    let dead = outbox(st, p, Some(OutboxStatus::Failed), 1000).await?.len();
    let admin = p.can(Permission::Admin);
    let error_of = |field: &str| {
        errors
            .iter()
            .filter(|(f, _)| f == field || f.starts_with(&format!("{field}[")))
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let field_error = |field: &str, id: &str| {
        let e = error_of(field);
        html! { @if !e.is_empty() { p class="error" id=(id) { (e) } } }
    };
    let channel = if draft.channel.is_empty() { "webhook" } else { draft.channel.as_str() };
    let body = html! {
        (page_head("Workspace", "Notifications", Some("Where Rhythm tells people about exceptions that expire, signatures that are needed, launch gates that say STOP and escalations: signed webhooks (JSON or Slack) and e-mail."), html! {}))
        section class="card" aria-labelledby="targets-title" {
            h2 class="card-title" id="targets-title" { "Targets" }
            @if targets.is_empty() { p class="muted" { "No targets yet: nobody is told about governance events." } } @else {
                div class="table-wrap" tabindex="0" role="region" aria-labelledby="targets-title" { table class="data" {
                    caption class="sr-only" { "Notification targets" }
                    thead { tr {
                        th scope="col" { "Channel" } th scope="col" { "Target" } th scope="col" { "Events" }
                        th scope="col" { "Format" } th scope="col" { "Signed" } th scope="col" { "Status" }
                        @if admin { th scope="col" { span class="sr-only" { "Actions" } } }
                    } }
                    tbody { @for t in &targets {
                        tr {
                            td { (t.channel) }
                            td class="ref" { (t.target) }
                            td { @if t.events.is_empty() { "every event" } @else { (t.events.join(", ")) } }
                            td { (t.format) }
                            td { @if t.has_secret { "yes" } @else { "no" } }
                            td { @if t.disabled { span class="badge badge-closed" { "disabled" } } @else { span class="badge badge-active" { "enabled" } } }
                            @if admin { td class="nowrap" {
                                @let label = format!("{} {}", t.channel, t.target);
                                @if t.disabled {
                                    form class="inline-form" method="post" action={ "/settings/notifications/" (t.id) "/enable" } {
                                        (csrf_field(p)) button class="btn small" type="submit" aria-label={ "Enable: " (label) } { "Enable" }
                                    }
                                } @else {
                                    form class="inline-form" method="post" action={ "/settings/notifications/" (t.id) "/test" } {
                                        (csrf_field(p)) button class="btn small" type="submit" aria-label={ "Send test: " (label) } { "Send test" }
                                    }
                                    " "
                                    form class="inline-form" method="post" action={ "/settings/notifications/" (t.id) "/disable" } data-confirm={ "Stop sending to " (label) "?" } {
                                        (csrf_field(p)) button class="btn small danger" type="submit" aria-label={ "Disable: " (label) } { "Disable" }
                                    }
                                }
                            } }
                        }
                    } }
                } }
            }
        }
        @if admin {
            section class="card" aria-labelledby="add-title" {
                h2 class="card-title" id="add-title" { "Add a target" }
                form class="form" method="post" action="/settings/notifications" novalidate {
                    (csrf_field(p))
                    div class="field-row" {
                        div class="field" {
                            label for="n-channel" { "Channel" }
                            select id="n-channel" name="channel" aria-describedby=[(!error_of("channel").is_empty()).then_some("n-channel-error")] {
                                option value="webhook" selected[channel == "webhook"] { "Webhook (HTTPS POST)" }
                                option value="email" selected[channel == "email"] { "E-mail" }
                            }
                            (field_error("channel", "n-channel-error"))
                        }
                        div class="field" {
                            label for="n-target" { "URL or e-mail address" }
                            input id="n-target" name="target" type="text" required value=(draft.target)
                                placeholder="https://hooks.example.com/rhythm or security@example.com"
                                aria-invalid=[(!error_of("target").is_empty()).then_some("true")]
                                aria-describedby={ "n-target-help" @if !error_of("target").is_empty() { " n-target-error" } };
                            p class="hint" id="n-target-help" { "Webhooks take an http:// or https:// URL; e-mail goes through the server's SMTP relay." }
                            (field_error("target", "n-target-error"))
                        }
                    }
                    div class="field-row" {
                        div class="field" {
                            label for="n-secret" { "Signing secret (webhooks)" }
                            input id="n-secret" name="secret" type="password" autocomplete="new-password"
                                aria-invalid=[(!error_of("secret").is_empty()).then_some("true")]
                                aria-describedby={ "n-secret-help" @if !error_of("secret").is_empty() { " n-secret-error" } };
                            p class="hint" id="n-secret-help" { "16 to 256 characters. Deliveries carry X-Rhythm-Signature: sha256=HMAC(secret, timestamp.body). It is never shown again." }
                            (field_error("secret", "n-secret-error"))
                        }
                        div class="field" {
                            label for="n-format" { "Format (webhooks)" }
                            select id="n-format" name="format" {
                                option value="json" selected[draft.format != "slack"] { "JSON" }
                                option value="slack" selected[draft.format == "slack"] { "Slack incoming webhook" }
                            }
                            (field_error("format", "n-format-error"))
                        }
                    }
                    fieldset aria-describedby="n-events-help" {
                        legend { "Events" }
                        p class="hint" id="n-events-help" { "Leave all unticked to send every event." }
                        div class="checks" {
                            @for e in Event::SUBSCRIBABLE {
                                label class="check" {
                                    input type="checkbox" name="events" value=(e.as_str()) checked[draft.events.iter().any(|x| x == e.as_str())];
                                    " " (e.label()) " " span class="muted" { "(" (e.as_str()) ")" }
                                }
                            }
                        }
                        (field_error("events", "n-events-error"))
                    }
                    div class="form-actions" { button class="btn primary" type="submit" { "Add target" } }
                }
            }
        } @else {
            p class="muted" { "Only the CISO and the CTO add or change targets." }
        }
        section class="card" aria-labelledby="outbox-title" {
            h2 class="card-title" id="outbox-title" { "Recent deliveries" }
            @if dead > 0 { p role="note" { strong { (dead) " delivery(ies) failed for good" } " after every retry; their last error is below." } }
            @if recent.is_empty() { p class="muted" { "Nothing sent yet." } } @else {
                div class="table-wrap" tabindex="0" role="region" aria-labelledby="outbox-title" { table class="data" {
                    caption class="sr-only" { "The 50 most recent deliveries, newest first" }
                    thead { tr {
                        th scope="col" { "Queued" } th scope="col" { "Event" } th scope="col" { "To" }
                        th scope="col" { "Status" } th scope="col" { "Attempts" } th scope="col" { "Last error" }
                    } }
                    tbody { @for e in &recent {
                        tr {
                            td class="nowrap" { (e.created_at.date()) " " (format!("{:02}:{:02}", e.created_at.hour(), e.created_at.minute())) " UTC" }
                            td { (e.event) @if let Some(s) = &e.summary { br; span class="muted" { (s) } } }
                            td class="ref" { (e.channel) ": " (e.target) }
                            td { (status_badge(&e.status)) }
                            td { (e.attempts) @if e.status == "pending" && e.attempts > 0 { br; span class="muted" { "next " (e.next_attempt_at.date()) " " (format!("{:02}:{:02}", e.next_attempt_at.hour(), e.next_attempt_at.minute())) } } }
                            td { @if let Some(err) = &e.last_error { (err) } @else { span class="muted" { "—" } } }
                        }
                    } }
                } }
            }
        }
    };
    Ok(page(p, Nav::Notifications, "Notifications", flash, body))
}

pub async fn notifications_page(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    render(&st, &p, None, Draft::default(), &[]).await
}

fn body_of(form: &Form) -> NewTargetBody {
    let text = |k: &str| form.get(k).map(str::trim).unwrap_or("").to_owned();
    NewTargetBody {
        channel: text("channel"),
        target: text("target"),
        secret: Some(form.get("secret").unwrap_or("")).filter(|s| !s.trim().is_empty()).map(Secret::from),
        format: Some(text("format")).filter(|f| !f.is_empty() && text("channel") == "webhook"),
        events: form.all("events").into_iter().map(str::to_owned).collect(),
    }
}

pub async fn create(State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Page {
    let body = body_of(&form);
    let draft = Draft {
        channel: body.channel.clone(),
        target: body.target.clone(),
        format: body.format.clone().unwrap_or_default(),
        events: body.events.clone(),
    };
    match add_target(&st, &p, body).await {
        Ok(t) => {
            let msg = format!("Added the {} target {}.", t.channel, t.target);
            render(&st, &p, Some(Flash::Ok(msg)), Draft::default(), &[]).await
        }
        Err(AppError::Invalid(i)) => {
            let errors: Vec<(String, String)> = i.0.iter().map(|e| (e.field.clone(), e.message.clone())).collect();
            let msg = format!(
                "The target was not added: {}.",
                i.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            );
            let mut r = render(&st, &p, Some(Flash::Error(msg)), draft, &errors).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

async fn toggle(st: &AppState, p: &Principal, id: Uuid, disabled: bool) -> Page {
    let t = set_disabled(st, p, id, disabled).await?;
    let msg = format!("{} {}.", if disabled { "Disabled" } else { "Enabled" }, t.target);
    render(st, p, Some(Flash::Ok(msg)), Draft::default(), &[]).await
}

pub async fn disable(State(st): State<AppState>, EntryPost { p, id, .. }: EntryPost<Uuid>) -> Page {
    toggle(&st, &p, id, true).await
}

pub async fn enable(State(st): State<AppState>, EntryPost { p, id, .. }: EntryPost<Uuid>) -> Page {
    toggle(&st, &p, id, false).await
}

pub async fn test(State(st): State<AppState>, EntryPost { p, id, .. }: EntryPost<Uuid>) -> Page {
    match queue_test(&st, &p, id).await {
        Ok(e) => {
            let msg = format!(
                "A test notification is queued ({}); it shows below as delivered, or with its error, within seconds.",
                e.status
            );
            render(&st, &p, Some(Flash::Ok(msg)), Draft::default(), &[]).await
        }
        Err(e @ AppError::Conflict(_)) => {
            let mut r = render(&st, &p, Some(Flash::Error(e.public_detail())), Draft::default(), &[]).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
