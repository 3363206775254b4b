//! The audit log page.

use axum::extract::{Query, State};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::layout::{Nav, page, page_head};
use super::{Page, WebUser};
use crate::AppState;
use crate::service::audit;

#[derive(Deserialize)]
pub struct AuditParams {
    entity: Option<Uuid>,
    before: Option<i64>,
}

pub async fn audit_page(State(st): State<AppState>, WebUser(p): WebUser, Query(q): Query<AuditParams>) -> Page {
    let rows = audit::log(&st, &p, q.entity, 100, q.before).await?;
    let c = audit::verify(&st, &p).await?;
    let body = html! {
        (page_head("Workspace", "Audit log", Some("Every change, by whom and when. Entries form a hash chain: changing or removing one breaks every hash after it."), html! {}))
        @if c.valid {
            div class="flash flash-ok" role="status" { "The chain of " (c.entries) " entries verifies. Head: " code { (c.head.get(..16).unwrap_or("")) "…" } }
        } @else {
            div class="flash flash-error" role="alert" { "The chain does not verify at entry " (c.first_bad_seq.unwrap_or(0)) ": " (c.problem.clone().unwrap_or_default()) }
        }
        div class="table-wrap" { table class="data" {
            thead { tr { th scope="col" class="num" { "#" } th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "Entry" } } }
            tbody { @for e in &rows {
                tr {
                    td class="num" { (e.seq) }
                    td class="nowrap" { (e.at.date()) " " (format!("{:02}:{:02}:{:02}", e.at.hour(), e.at.minute(), e.at.second())) }
                    td { (e.actor) }
                    td { (e.action) " " (e.entity.replace('_', " ")) }
                    td class="ref" { @if let Some(id) = e.entity_id { a href={ "/audit?entity=" (id) } { (id.to_string().get(..8).unwrap_or("")) } } }
                }
            } }
        } }
        @if let Some(last) = rows.last() {
            @if last.seq > 1 {
                nav class="pagination" aria-label="Pagination" {
                    a class="btn small" href={ "/audit?before=" (last.seq) @if let Some(e) = q.entity { "&entity=" (e) } } { "Older" }
                }
            }
        }
    };
    Ok(page(&p, Nav::Audit, "Audit log", None, body))
}
