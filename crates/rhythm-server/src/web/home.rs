//! The workspace overview: where risk and delivery stand today.

use axum::extract::State;
use maud::html;
use rhythm_domain::{Incident, Kind, Release, Risk};
use rhythm_store::{ListQuery, SortDir};

use super::layout::{Nav, page, page_head};
use super::registers::{heatmap, score_class, truncate};
use super::{Page, WebUser};
use crate::AppState;
use crate::service;

fn q(filters: &[(&str, String)], sort: Option<(&str, SortDir)>, limit: u32) -> ListQuery {
    ListQuery {
        filters: filters.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        sort: sort.map(|(s, _)| s.to_owned()),
        dir: sort.map(|(_, d)| d),
        limit,
        ..Default::default()
    }
}

pub async fn overview(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    let today = st.now().date();
    let t = |d: time::Date| d.to_string();
    let active = [("active", "true".to_owned())];
    let open_risks = service::list::<Risk>(&st, &p, &q(&active, None, 1)).await?.total;
    let high = service::list::<Risk>(&st, &p, &q(&[("active", "true".into()), ("min_score", "15".into())], None, 1))
        .await?
        .total;
    let overdue = service::list::<Risk>(
        &st,
        &p,
        &q(&[("active", "true".into()), ("due_before", t(today.previous_day().unwrap_or(today)))], None, 1),
    )
    .await?
    .total;
    let top = service::list::<Risk>(&st, &p, &q(&active, Some(("score", SortDir::Desc)), 5)).await?.items;
    let incidents = service::list::<Incident>(&st, &p, &q(&[("open", "true".into())], None, 5)).await?;
    let upcoming = service::list::<Release>(
        &st,
        &p,
        &q(&[("status", "planned".into()), ("planned_after", t(today))], Some(("planned_date", SortDir::Asc)), 5),
    )
    .await?;
    let heat = service::risk_heatmap(&st, &p).await?;
    let users = service::accounts::users(&st, &p).await?;
    let owner = |id: Option<uuid::Uuid>| {
        id.and_then(|i| users.iter().find(|u| u.id == i)).map_or("Unassigned".to_owned(), |u| u.name.clone())
    };
    let ws = service::accounts::workspace_name(&st, &p).await?;
    let body = html! {
        (page_head(&ws, "Overview", Some("Where risk and delivery stand today."), html! {
            a class="btn primary" href="/risks/new" { "New risk" }
        }))
        div class="stats" {
            a class="stat" href="/risks?active=true" { span class="stat-value" { (open_risks) } span class="stat-label" { "Active risks" } }
            a class="stat" href="/risks?active=true&min_score=15" { span class="stat-value" { (high) } span class="stat-label" { "High risks (score ≥ 15)" } }
            a class="stat" href={ "/risks?active=true&due_before=" (t(today.previous_day().unwrap_or(today))) } { span class="stat-value" { (overdue) } span class="stat-label" { "Risks past due" } }
            a class="stat" href="/incidents?open=true" {
                span class="stat-value" { (incidents.total) } span class="stat-label" { "Open incidents" }
            }
        }
        div class="grid-2" {
            section class="card" aria-labelledby="top-title" {
                h2 class="card-title" id="top-title" { "Top risks" }
                @if top.is_empty() { p class="muted" { "No active risks." } }
                ol class="plain stack" {
                    @for r in &top {
                        li {
                            span class=(score_class(r.score)) { (r.score) } " "
                            a href={ "/risks/" (Kind::Risk.reference(r.number)) } { (truncate(&r.statement, 90)) }
                            p class="muted small" { (owner(r.owner_id)) @if let Some(d) = r.due_date { " · due " (d) } }
                        }
                    }
                }
                p class="small" { a href="/risks" { "The whole register" } }
            }
            (heatmap(&heat))
        }
        div class="grid-2" {
            section class="card" aria-labelledby="rel-title" {
                h2 class="card-title" id="rel-title" { "Shipping next" }
                @if upcoming.items.is_empty() { p class="muted" { "No planned releases." } } @else {
                    ul class="plain stack" {
                        @for r in &upcoming.items {
                            li { a href={ "/releases/" (Kind::Release.reference(r.number)) } { (r.name) } span class="muted small" { " · planned " (r.planned_date) } }
                        }
                    }
                }
            }
            section class="card" aria-labelledby="inc-title" {
                h2 class="card-title" id="inc-title" { "Open incidents" }
                @if incidents.items.is_empty() { p class="muted" { "No open incidents." } } @else {
                    ul class="plain stack" {
                        @for x in &incidents.items {
                            li {
                                span class={ "badge badge-" (x.severity.as_str()) } { (x.severity.label()) } " "
                                a href={ "/incidents/" (Kind::Incident.reference(x.number)) } { (x.title) }
                                span class="muted small" { " · " (serde_json::to_value(x.phase()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&p, Nav::Home, "Overview", None, body))
}
