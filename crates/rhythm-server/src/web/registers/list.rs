//! A register's list: search, filters, sortable columns, pages, and the risk heat map.

use axum::extract::{RawQuery, State};
use maud::{Markup, html};
use rhythm_domain::{
    AuditFinding, BacklogItem, DesignReview, Epic, Finding, Incident, Initiative, Kind, Permission, Release, Risk,
    System, Vendor,
};
use serde_json::Value;

use super::{
    display, flash_from, heatmap, list_json, load_choices, nav_title, not_a_register, reference_of, score_class,
    title_of, truncate,
};
use crate::AppState;
use crate::service;
use crate::web::forms::choice_key;
use crate::web::layout::{Nav, page, page_head};
use crate::web::spec::{FieldKind, Spec, spec};
use crate::web::{Page, WebUser};

pub async fn list_page(kind: Kind, State(st): State<AppState>, WebUser(p): WebUser, RawQuery(raw): RawQuery) -> Page {
    let sp = spec(kind);
    let mut q = service::list_query(raw.as_deref())?;
    q.filters.retain(|(k, _)| k != "flash");
    if q.limit == 0 {
        q.limit = 50;
    }
    let listing = dispatch!(kind, list_json(&st, &p, &q))?;
    let choices = load_choices(&st, &p, &sp).await?;
    let heat = if kind == Kind::Risk { Some(service::risk_heatmap(&st, &p).await?) } else { None };
    let silent = if kind == Kind::Finding { Some(crate::web::links::silent_count(&st, &p).await?) } else { None };
    let silent_only = q.filters.iter().any(|(k, v)| k == "silent" && v == "true");
    let export = crate::web::links::export_href(kind);
    // Filters the form does not show (`silent`, `tool`, …) stay when it is submitted.
    let hidden_filters: Vec<(String, String)> =
        q.filters.iter().filter(|(k, _)| !sp.filters.iter().any(|f| f.name == k)).cloned().collect();
    let can_write = p.can(Permission::Write);
    let current_sort = q.sort.clone().unwrap_or_default();
    let desc = q.dir == Some(rhythm_store::SortDir::Desc);
    let base_query: Vec<(String, String)> =
        q.filters.iter().cloned().chain(q.q.clone().map(|v| ("q".to_owned(), v))).collect();
    let link_with = |extra: &[(&str, String)]| {
        let mut pairs: Vec<(String, String)> = base_query.clone();
        for (k, v) in extra {
            pairs.push(((*k).to_owned(), v.clone()));
        }
        format!("/{}?{}", kind.plural(), serde_urlencoded::to_string(&pairs).unwrap_or_default())
    };
    let sort_link = |name: &str| {
        let next = if current_sort == name && !desc { format!("-{name}") } else { name.to_owned() };
        link_with(&[("sort", next)])
    };
    let first = listing.offset + 1;
    let last = listing.offset + listing.rows.len() as u64;
    let body = html! {
        (page_head("Register", &nav_title(kind), Some(sp.lede), html! {
            @if let Some(n) = silent { (crate::web::links::silent_link(n, silent_only)) }
            @if let Some(href) = &export { a class="btn" href=(href) download { "Download CSV" } }
            @if can_write { a class="btn primary" href={ "/" (kind.plural()) "/new" } { "New " (kind.label().to_lowercase()) } }
        }))
        @if let Some(cells) = &heat { (heatmap(cells)) }
        @if kind == Kind::Finding && silent_only {
            section class="card callout" aria-labelledby="silent-title" {
                h2 class="card-title" id="silent-title" { "Silent exceptions" }
                p { "The scanner says these are suppressed, but no approved exception covers them. Request an exception or fix them." }
                @if can_write { p { a class="btn" href="/exceptions/new" { "Request an exception" } } }
            }
        }
        form class="filters" method="get" action={ "/" (kind.plural()) } role="search" aria-label={ "Filter " (kind.plural()) } {
            div class="field" {
                label for="flt-q" { "Search" }
                input id="flt-q" type="search" name="q" value=(q.q.clone().unwrap_or_default());
            }
            @for fl in &sp.filters {
                @let current = q.filters.iter().find(|(k, _)| k == fl.name).map(|(_, v)| v.clone()).unwrap_or_default();
                div class="field" {
                    @match fl.kind {
                        FieldKind::Bool => {
                            label class="check" { input type="checkbox" name=(fl.name) value="true" checked[current == "true"] data-autosubmit; " " (fl.label) }
                        }
                        _ => {
                            label for={ "flt-" (fl.name) } { (fl.label) }
                            select id={ "flt-" (fl.name) } name=(fl.name) data-autosubmit {
                                option value="" { "Any" }
                                @match fl.kind {
                                    FieldKind::Enum(opts) => { @for (v, l) in opts() { option value=(v) selected[current == v] { (l) } } }
                                    _ => {
                                        @for (id, l) in choice_key(&fl.kind).and_then(|k| choices.get(k)).map(Vec::as_slice).unwrap_or(&[]) {
                                            @let v = id.to_string();
                                            option value=(v) selected[current == v] { (truncate(l, 40)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for (k, v) in &hidden_filters { input type="hidden" name=(k) value=(v); }
            @if !current_sort.is_empty() { input type="hidden" name="sort" value={ @if desc { "-" } (current_sort) }; }
            div class="field" { button class="btn" type="submit" { "Apply" } }
            @if !base_query.is_empty() { div class="field" { a class="btn-link" href={ "/" (kind.plural()) } { "Clear filters" } } }
        }
        @if listing.rows.is_empty() {
            div class="empty card" {
                p { "Nothing here" @if !base_query.is_empty() { " matches these filters" } "." }
                @if can_write { p { a class="btn primary" href={ "/" (kind.plural()) "/new" } { "Add the first one" } } }
            }
        } @else {
            div class="table-wrap" {
                table class="data" {
                    caption class="sr-only" { (nav_title(kind)) ", " (listing.total) " entries" }
                    thead { tr {
                        th scope="col" { (sort_header("Ref", "number", &listing.sorts, &current_sort, desc, &sort_link)) }
                        th scope="col" { (sp.field(sp.title_field).map_or("Title", |f| f.label)) }
                        @for c in sp.columns {
                            th scope="col" class=[(*c == "score" || *c == "points").then_some("num")] {
                                (sort_header(column_label(&sp, c), c, &listing.sorts, &current_sort, desc, &sort_link))
                            }
                        }
                    } }
                    tbody {
                        @for row in &listing.rows {
                            @let reference = reference_of(kind, row);
                            @let href = format!("/{}/{}", kind.plural(), reference);
                            tr data-href=(href) {
                                td class="ref nowrap" { a class="row-link" href=(href) { (reference) } }
                                td { (truncate(&title_of(&sp, row), 110)) }
                                @for c in sp.columns {
                                    @if *c == "score" {
                                        td class="num" { @let s = row.get("score").and_then(Value::as_i64).unwrap_or(0); span class=(score_class(s)) { (s) } }
                                    } @else {
                                        td class=[(*c == "points").then_some("num")] {
                                            @if let Some(f) = sp.field(c) { (display(&f.kind, row.get(*c).unwrap_or(&Value::Null), &choices, true)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            nav class="pagination" aria-label="Pagination" {
                @if listing.offset > 0 {
                    a class="btn small" href=(link_with(&[("offset", listing.offset.saturating_sub(u64::from(listing.limit)).to_string()), ("sort", sort_param(&current_sort, desc))])) rel="prev" { "Previous" }
                }
                span class="page-info" { (first) "–" (last) " of " (listing.total) }
                @if (last as i64) < listing.total {
                    a class="btn small" href=(link_with(&[("offset", last.to_string()), ("sort", sort_param(&current_sort, desc))])) rel="next" { "Next" }
                }
            }
        }
    };
    Ok(page(&p, Nav::Register(kind), &nav_title(kind), flash_from(raw.as_deref()), body))
}

fn sort_param(current: &str, desc: bool) -> String {
    if current.is_empty() {
        String::new()
    } else if desc {
        format!("-{current}")
    } else {
        current.to_owned()
    }
}

fn column_label<'a>(sp: &'a Spec, c: &'a str) -> &'a str {
    if c == "score" { "Score" } else { sp.field(c).map_or(c, |f| f.label) }
}

fn sort_header(
    label: &str,
    name: &str,
    sorts: &[&str],
    current: &str,
    desc: bool,
    link: &dyn Fn(&str) -> String,
) -> Markup {
    if !sorts.contains(&name) {
        return html! { (label) };
    }
    let state = (current == name).then_some(if desc { "descending" } else { "ascending" });
    html! {
        a class="sort" href=(link(name)) aria-sort=[state] {
            (label)
            @if let Some(s) = state { span class="sort-ind" aria-hidden="true" { @if s == "descending" { " ▼" } @else { " ▲" } } }
        }
    }
}
