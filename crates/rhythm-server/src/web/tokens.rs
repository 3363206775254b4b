//! API tokens for scripts and CI: created here, shown once, revocable.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::html;
use uuid::Uuid;

use super::layout::{Flash, Nav, csrf_field, page, page_head};
use super::{CsrfForm, Page, WebUser};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::tokens::{self, CreatedToken};

async fn render(st: &AppState, p: &Principal, created: Option<CreatedToken>, flash: Option<Flash>) -> Page {
    let tokens = tokens::mine(st, p).await?;
    let now = st.now();
    let body = html! {
        (page_head("Workspace", "API tokens", Some("Tokens let scripts and CI pipelines use the API and the rhythm CLI as you. A token never has more rights than your role."), html! {}))
        @if let Some(c) = &created {
            section class="card" aria-labelledby="new-token-title" {
                h2 class="card-title" id="new-token-title" { "Your new token" }
                p { "Copy it now: it is shown only once. Rhythm keeps only a hash of it." }
                pre class="secret" id="new-token" { (c.token) }
                button class="btn small" type="button" data-copy="new-token" { "Copy" }
            }
        }
        section class="card" aria-labelledby="create-title" {
            h2 class="card-title" id="create-title" { "Create a token" }
            form class="form" method="post" action="/settings/tokens" {
                (csrf_field(p))
                div class="field-row" {
                    div class="field" { label for="t-name" { "Name" } input id="t-name" name="name" type="text" required placeholder="ci-pipeline"; }
                    div class="field" {
                        label for="t-scope" { "Scope" }
                        select id="t-scope" name="scope" { option value="read" { "Read" } option value="write" { "Read and write" } }
                    }
                    div class="field" { label for="t-days" { "Expires in (days)" } input id="t-days" name="days" type="number" min="1" max="366" value="90"; }
                }
                div class="form-actions" { button class="btn primary" type="submit" { "Create token" } }
            }
        }
        section class="card" aria-labelledby="list-title" {
            h2 class="card-title" id="list-title" { "Your tokens" }
            @if tokens.is_empty() { p class="muted" { "No tokens yet." } } @else {
                div class="table-wrap" { table class="data" {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Starts with" } th scope="col" { "Scope" } th scope="col" { "Expires" } th scope="col" { "Last used" } th scope="col" { span class="sr-only" { "Actions" } } } }
                    tbody { @for t in &tokens {
                        @let live = t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now);
                        tr {
                            td { (t.name) } td class="ref" { (t.prefix) "…" } td { (t.scope.as_str()) }
                            td class="nowrap" { @if let Some(r) = t.revoked_at { "revoked " (r.date()) } @else { (t.expires_at.map(|e| e.date().to_string()).unwrap_or_else(|| "never".into())) } }
                            td class="nowrap" { (t.last_used_at.map(|e| e.date().to_string()).unwrap_or_else(|| "never".into())) }
                            td { @if live {
                                form method="post" action={ "/settings/tokens/" (t.id) "/revoke" } data-confirm={ "Revoke " (t.name) "?" } {
                                    (csrf_field(p)) button class="btn small danger" type="submit" { "Revoke" }
                                }
                            } }
                        }
                    } }
                } }
            }
        }
    };
    Ok(page(p, Nav::Tokens, "API tokens", flash, body))
}

pub async fn tokens_page(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    render(&st, &p, None, None).await
}

pub async fn create(State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Page {
    let days = form.get("days").and_then(|d| d.parse().ok());
    match tokens::issue(&st, &p, p.user.id, form.get("name").unwrap_or(""), form.get("scope"), days).await {
        Ok(c) => render(&st, &p, Some(c), Some(Flash::Ok("Token created.".into()))).await,
        Err(AppError::Invalid(i)) => {
            let msg = i.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
            let mut r = render(&st, &p, None, Some(Flash::Error(msg))).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(State(st): State<AppState>, WebUser(p): WebUser, Path(id): Path<Uuid>, _checked: CsrfForm) -> Page {
    tokens::revoke(&st, &p, id).await?;
    Ok(Redirect::to("/settings/tokens").into_response())
}
