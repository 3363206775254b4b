//! List, detail, new and edit pages for every register, driven by [`spec`](super::spec).
//! Each page calls the same service functions as the API.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rhythm_domain::{
    AuditFinding, BacklogItem, DesignReview, Epic, FieldError, Finding, Incident, Initiative, Invalid, Kind,
    Permission, Release, Risk, RiskUpdateInput, System, Vendor,
};
use rhythm_store::ListQuery;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::forms::{self, Choices, Values, choice_key};
use super::layout::{Flash, Nav, csrf_field, multiline, page, page_head};
use super::spec::{FieldKind, IMPACT, LIKELIHOOD, Spec, spec};
use super::{CsrfForm, Form, WebUser, error_response, urlencode};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::{self, Register};

/// Calls a generic function with the register type of `kind`.
macro_rules! dispatch {
    ($kind:expr, $f:ident ( $($a:expr),* )) => {
        match $kind {
            Kind::System => $f::<System>($($a),*).await,
            Kind::Risk => $f::<Risk>($($a),*).await,
            Kind::BacklogItem => $f::<BacklogItem>($($a),*).await,
            Kind::Initiative => $f::<Initiative>($($a),*).await,
            Kind::Epic => $f::<Epic>($($a),*).await,
            Kind::Release => $f::<Release>($($a),*).await,
            Kind::Incident => $f::<Incident>($($a),*).await,
            Kind::AuditFinding => $f::<AuditFinding>($($a),*).await,
            Kind::Vendor => $f::<Vendor>($($a),*).await,
            Kind::Finding => $f::<Finding>($($a),*).await,
            Kind::DesignReview => $f::<DesignReview>($($a),*).await,
            k @ (Kind::Decision | Kind::Exception | Kind::Import) => Err(not_a_register(k)),
        }
    };
}

/// Decisions, exceptions and imports have pages of their own, not the generic register pages.
fn not_a_register(kind: Kind) -> AppError {
    AppError::NotFound(format!("{} entries have pages of their own, under /{}", kind.label(), kind.plural()))
}

/// A page of a register as JSON rows, with what the table needs to know.
pub struct Listing {
    pub rows: Vec<Value>,
    pub total: i64,
    pub limit: u32,
    pub offset: u64,
    pub sorts: Vec<&'static str>,
}

pub async fn list_json<R: Register>(st: &AppState, p: &Principal, q: &ListQuery) -> Result<Listing, AppError> {
    let page = service::list::<R>(st, p, q).await?;
    Ok(Listing {
        rows: page.items.iter().map(to_value).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        sorts: R::SORTS.iter().map(|(n, _)| *n).collect(),
    })
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

async fn get_json<R: Register>(st: &AppState, p: &Principal, id: &str) -> Result<Value, AppError> {
    Ok(to_value(&service::resolve::<R>(st, p, id).await?))
}

fn from_json<T: serde::de::DeserializeOwned>(sp: &Spec, obj: Map<String, Value>) -> Result<T, AppError> {
    serde_path_to_error::deserialize(Value::Object(obj)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        AppError::Invalid(Invalid(vec![forms::serde_error_to_field(sp, &path, &inner)]))
    })
}

async fn create_json<R: Register>(st: &AppState, p: &Principal, obj: Map<String, Value>) -> Result<Value, AppError> {
    let input: R::Input = from_json(&spec(R::KIND), obj)?;
    Ok(to_value(&service::create::<R>(st, p, input).await?))
}

async fn update_json<R: Register>(
    st: &AppState,
    p: &Principal,
    id: &str,
    obj: Map<String, Value>,
) -> Result<Value, AppError> {
    let patch: R::Patch = from_json(&spec(R::KIND), obj)?;
    Ok(to_value(&service::update::<R>(st, p, id, patch).await?))
}

async fn close_json<R: Register>(st: &AppState, p: &Principal, id: &str) -> Result<Value, AppError> {
    Ok(to_value(&service::close::<R>(st, p, id).await?))
}

/// Entries of a register as (id, "REF — title") for select boxes.
pub async fn choices_of<R: Register>(st: &AppState, p: &Principal) -> Result<Vec<(Uuid, String)>, AppError> {
    let q = ListQuery { limit: 500, ..Default::default() };
    let page = service::list::<R>(st, p, &q).await?;
    Ok(page
        .items
        .iter()
        .map(|e| (e.id(), format!("{} — {}", R::KIND.reference(e.number()), truncate(&e.title(), 70))))
        .collect())
}

pub fn truncate(s: &str, n: usize) -> String {
    let first_line = s.lines().next().unwrap_or("");
    if first_line.chars().count() <= n && !s.contains('\n') {
        first_line.to_owned()
    } else {
        format!("{}…", first_line.chars().take(n).collect::<String>().trim_end())
    }
}

/// Loads every choice list a spec's fields and filters need.
async fn load_choices(st: &AppState, p: &Principal, sp: &Spec) -> Result<Choices, AppError> {
    let mut out = Choices::new();
    let kinds = sp.fields.iter().map(|f| f.kind).chain(sp.filters.iter().map(|f| f.kind));
    for k in kinds {
        let Some(key) = choice_key(&k) else { continue };
        if out.contains_key(key) {
            continue;
        }
        let list = match k {
            FieldKind::User => service::accounts::users(st, p).await?.into_iter().map(|u| (u.id, u.name)).collect(),
            FieldKind::Ref(kind) | FieldKind::Refs(kind) => dispatch!(kind, choices_of(st, p))?,
            _ => continue,
        };
        out.insert(key, list);
    }
    Ok(out)
}

fn reference_of(kind: Kind, v: &Value) -> String {
    kind.reference(v.get("number").and_then(Value::as_i64).unwrap_or(0))
}

fn title_of(sp: &Spec, v: &Value) -> String {
    v.get(sp.title_field).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn label_for(choices: &Choices, key: &str, id: &str) -> Option<String> {
    let id: Uuid = id.parse().ok()?;
    choices.get(key)?.iter().find(|(c, _)| *c == id).map(|(_, l)| l.clone())
}

pub fn score_class(score: i64) -> &'static str {
    match score {
        ..=4 => "score score-1",
        5..=9 => "score score-2",
        10..=14 => "score score-3",
        15..=19 => "score score-4",
        _ => "score score-5",
    }
}

/// Shows one value of an entry.
pub fn display(kind: &FieldKind, v: &Value, choices: &Choices, short: bool) -> Markup {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => return html! { span class="muted" { "—" } },
        other => other.to_string(),
    };
    match kind {
        FieldKind::Enum(opts) => {
            let label = opts().into_iter().find(|(o, _)| *o == s).map_or(s.clone(), |(_, l)| l.to_owned());
            html! { span class={ "badge badge-" (s) } { (label) } }
        }
        FieldKind::EnumSet(opts) => {
            let all = opts();
            let items: Vec<String> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|x| all.iter().find(|(o, _)| *o == x).map_or(x.to_owned(), |(_, l)| (*l).to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            if items.is_empty() {
                html! { span class="muted" { "none" } }
            } else {
                html! { span class="tags" { @for i in items { span class="tag" { (i) } " " } } }
            }
        }
        FieldKind::Scale(words) => {
            let n = v.as_i64().unwrap_or(0);
            let w = usize::try_from(n - 1).ok().and_then(|i| words.get(i)).copied().unwrap_or("");
            html! { (n) " — " (w) }
        }
        FieldKind::Bool => html! { (if v.as_bool() == Some(true) { "Yes" } else { "No" }) },
        FieldKind::DateTime => html! { span class="nowrap" { (s.get(..16).unwrap_or(&s).replace('T', " ")) " UTC" } },
        FieldKind::Date => html! { span class="nowrap" { (s) } },
        FieldKind::LongText { .. } if short => html! { (truncate(&s, 80)) },
        FieldKind::LongText { .. } => html! { (multiline(&s)) },
        FieldKind::Tags => html! {
            span class="tags" { @for t in v.as_array().into_iter().flatten().filter_map(Value::as_str) { span class="tag" { (t) } " " } }
        },
        FieldKind::Ref(k) => {
            let label = label_for(choices, k.as_str(), &s).unwrap_or_else(|| s.clone());
            html! { a href={ "/" (k.plural()) "/" (s) } { (if short { truncate(&label, 40) } else { label }) } }
        }
        FieldKind::Refs(k) => {
            let ids: Vec<String> =
                v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
            if ids.is_empty() {
                html! { span class="muted" { "none" } }
            } else {
                html! { ul class="plain" { @for id in ids {
                    li { a href={ "/" (k.plural()) "/" (id) } { (label_for(choices, k.as_str(), &id).unwrap_or_else(|| id.clone())) } }
                } } }
            }
        }
        FieldKind::User => html! { (label_for(choices, "user", &s).unwrap_or(s)) },
        FieldKind::Text | FieldKind::Int => html! { (s) },
    }
}

fn flash_from(q: Option<&str>) -> Option<Flash> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.unwrap_or("")).unwrap_or_default();
    pairs.into_iter().find(|(k, _)| k == "flash").map(|(_, v)| match v.as_str() {
        "created" => Flash::Ok("Created.".into()),
        "saved" => Flash::Ok("Saved.".into()),
        "closed" => Flash::Ok("Closed.".into()),
        "update" => Flash::Ok("Update added.".into()),
        _ => Flash::Ok("Done.".into()),
    })
}

pub async fn list_page(
    kind: Kind,
    State(st): State<AppState>,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Response {
    let sp = spec(kind);
    let mut q = match service::list_query(raw.as_deref()) {
        Ok(q) => q,
        Err(e) => return error_response(&e),
    };
    q.filters.retain(|(k, _)| k != "flash");
    if q.limit == 0 {
        q.limit = 50;
    }
    let listing = match dispatch!(kind, list_json(&st, &p, &q)) {
        Ok(l) => l,
        Err(e) => return error_response(&e),
    };
    let choices = match load_choices(&st, &p, &sp).await {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let heat = if kind == Kind::Risk { service::risk_heatmap(&st, &p).await.ok() } else { None };
    let silent = if kind == Kind::Finding { super::links::silent_count(&st, &p).await.ok() } else { None };
    let silent_only = q.filters.iter().any(|(k, v)| k == "silent" && v == "true");
    let export = super::links::export_href(kind);
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
            @if let Some(n) = silent { (super::links::silent_link(n, silent_only)) }
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
    page(&p, Nav::Register(kind), &nav_title(kind), flash_from(raw.as_deref()), body)
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

fn nav_title(kind: Kind) -> String {
    match kind {
        Kind::Risk => "Risk register".to_owned(),
        Kind::BacklogItem => "Backlog".to_owned(),
        other => format!("{}s", other.label()),
    }
}

/// Impact × likelihood of active risks; each cell links to its risks.
pub fn heatmap(cells: &[(i64, i64, i64)]) -> Markup {
    let count = |i: i64, l: i64| cells.iter().find(|(a, b, _)| *a == i && *b == l).map_or(0, |c| c.2);
    html! {
        section class="card" aria-labelledby="heat-title" {
            h2 class="card-title" id="heat-title" { "Active risks by impact and likelihood" }
            div class="heatmap" role="table" aria-label="Active risks: impact (rows) by likelihood (columns)" {
                @for impact in (1..=5).rev() {
                    div class="heatmap-row" role="row" {
                        div class="heatmap-label" role="rowheader" { (impact) " " (IMPACT[(impact - 1) as usize]) }
                        @for lik in 1..=5 {
                            @let n = count(impact, lik);
                            @let level = ((impact * lik) as f64 / 5.0).ceil().clamp(1.0, 5.0) as i64;
                            div class={ "heatmap-cell heat-" (level) } role="cell" {
                                @if n > 0 {
                                    a href={ "/risks?active=true&impact=" (impact) "&likelihood=" (lik) }
                                        aria-label={ (n) " risks with impact " (impact) " and likelihood " (lik) } { (n) }
                                } @else { span { span class="sr-only" { "No risks" } } }
                            }
                        }
                    }
                }
                div class="heatmap-row heatmap-axis" role="row" {
                    div class="heatmap-label" role="rowheader" { span class="sr-only" { "Likelihood" } }
                    @for lik in 1..=5 { div class="heatmap-label" role="columnheader" { (lik) " " (LIKELIHOOD[lik - 1]) } }
                }
            }
            p class="heatmap-caption muted small" { "Rows: impact. Columns: likelihood. Closed risks are not counted." }
        }
    }
}

async fn audit_rows(st: &AppState, p: &Principal, id: Uuid) -> Vec<rhythm_store::AuditEntry> {
    service::audit::log(st, p, Some(id), 50, None).await.unwrap_or_default()
}

pub async fn detail_page(
    kind: Kind,
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
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
) -> Response {
    let sp = spec(kind);
    let entity = match dispatch!(kind, get_json(st, p, id)) {
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    let choices = match load_choices(st, p, &sp).await {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let uuid: Uuid = entity.get("id").and_then(Value::as_str).and_then(|s| s.parse().ok()).unwrap_or_default();
    let reference = reference_of(kind, &entity);
    let title = title_of(&sp, &entity);
    let can_write = p.can(Permission::Write);
    let updates =
        if kind == Kind::Risk { service::risk_updates(st, p, id).await.unwrap_or_default() } else { Vec::new() };
    let history = audit_rows(st, p, uuid).await;
    let events = if kind == Kind::Finding {
        service::finding_history(st, p, uuid).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let suppressed_open = kind == Kind::Finding
        && entity.get("suppression").is_some_and(|v| !v.is_null())
        && entity.get("status").and_then(Value::as_str) == Some("open");
    let users: Choices = match service::accounts::users(st, p).await {
        Ok(u) => [("user", u.into_iter().map(|u| (u.id, u.name)).collect())].into_iter().collect(),
        Err(_) => Choices::new(),
    };
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
                @if let Some(card) = super::reviews::extra_card(kind, p, &reference, &entity, can_write) { (card) }
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
                                a href=(super::links::request_exception_href(uuid)) { "request an exception" } "."
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
    page(p, Nav::Register(kind), &format!("{reference} {}", truncate(&title, 40)), flash, body)
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

fn form_page(
    kind: Kind,
    p: &Principal,
    sp: &Spec,
    values: &Values,
    errors: &[FieldError],
    choices: &Choices,
    editing: Option<(&str, i64)>,
) -> Markup {
    let action = match editing {
        Some((r, _)) => format!("/{}/{}", kind.plural(), r),
        None => format!("/{}", kind.plural()),
    };
    let title = match editing {
        Some((r, _)) => format!("Edit {r}"),
        None => format!("New {}", kind.label().to_lowercase()),
    };
    let unmatched: Vec<&FieldError> = errors
        .iter()
        .filter(|e| !sp.fields.iter().any(|f| e.field == f.name || e.field.starts_with(&format!("{}[", f.name))))
        .collect();
    html! {
        (page_head(kind.label(), &title, None, html! {}))
        @if !errors.is_empty() {
            div class="flash flash-error" role="alert" {
                "Please fix " (errors.len()) @if errors.len() == 1 { " field" } @else { " fields" } " below."
                @for e in &unmatched { br; (e.field) ": " (e.message) }
            }
        }
        form class="form card" method="post" action=(action) novalidate {
            (csrf_field(p))
            @if let Some((_, v)) = editing { input type="hidden" name="expected_version" value=(v); }
            @for f in sp.fields.iter().filter(|f| !f.read_only && (f.on_create || editing.is_some())) {
                (forms::field(f, values, errors, choices))
            }
            div class="form-actions" {
                button class="btn primary" type="submit" { @if editing.is_some() { "Save changes" } @else { "Create" } }
                a class="btn" href=(match editing { Some((r, _)) => format!("/{}/{}", kind.plural(), r), None => format!("/{}", kind.plural()) }) { "Cancel" }
            }
        }
    }
}

pub async fn new_page(kind: Kind, State(st): State<AppState>, WebUser(p): WebUser) -> Response {
    if let Err(e) = p.require(Permission::Write) {
        return error_response(&e);
    }
    let sp = spec(kind);
    let choices = match load_choices(&st, &p, &sp).await {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let body = form_page(kind, &p, &sp, &Values::new(), &[], &choices, None);
    page(&p, Nav::Register(kind), &format!("New {}", kind.label().to_lowercase()), None, body)
}

pub async fn edit_page(
    kind: Kind,
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = p.require(Permission::Write) {
        return error_response(&e);
    }
    let sp = spec(kind);
    let entity = match dispatch!(kind, get_json(&st, &p, &id)) {
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    let choices = match load_choices(&st, &p, &sp).await {
        Ok(c) => c,
        Err(e) => return error_response(&e),
    };
    let reference = reference_of(kind, &entity);
    let version = entity.get("version").and_then(Value::as_i64).unwrap_or(0);
    let body = form_page(kind, &p, &sp, &forms::values_of(&sp, &entity), &[], &choices, Some((&reference, version)));
    page(&p, Nav::Register(kind), &format!("Edit {reference}"), None, body)
}

async fn refuse_form(
    kind: Kind,
    st: &AppState,
    p: &Principal,
    values: &Values,
    errors: Vec<FieldError>,
    editing: Option<(&str, i64)>,
) -> Response {
    let sp = spec(kind);
    let choices = load_choices(st, p, &sp).await.unwrap_or_default();
    let body = form_page(kind, p, &sp, values, &errors, &choices, editing);
    let mut resp = page(p, Nav::Register(kind), "Please fix the form", None, body);
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    resp
}

pub async fn create(kind: Kind, State(st): State<AppState>, WebUser(p): WebUser, CsrfForm(form): CsrfForm) -> Response {
    let sp = spec(kind);
    let values = forms::values_from(&sp, &form);
    let obj = match forms::to_json(&sp, &values, true) {
        Ok(o) => o,
        Err(errors) => return refuse_form(kind, &st, &p, &values, errors, None).await,
    };
    match dispatch!(kind, create_json(&st, &p, obj)) {
        Ok(v) => Redirect::to(&format!("/{}/{}?flash=created", kind.plural(), reference_of(kind, &v))).into_response(),
        Err(AppError::Invalid(inv)) => refuse_form(kind, &st, &p, &values, inv.0, None).await,
        Err(e) => error_response(&e),
    }
}

pub async fn update(
    kind: Kind,
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Response {
    let sp = spec(kind);
    let values = forms::values_from(&sp, &form);
    let version: i64 = form.get("expected_version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut obj = match forms::to_json(&sp, &values, false) {
        Ok(o) => o,
        Err(errors) => return refuse_form(kind, &st, &p, &values, errors, Some((&id, version))).await,
    };
    if version > 0 {
        obj.insert("expected_version".into(), Value::from(version));
    }
    match dispatch!(kind, update_json(&st, &p, &id, obj)) {
        Ok(v) => Redirect::to(&format!("/{}/{}?flash=saved", kind.plural(), reference_of(kind, &v))).into_response(),
        Err(AppError::Invalid(inv)) => refuse_form(kind, &st, &p, &values, inv.0, Some((&id, version))).await,
        Err(AppError::Conflict(m)) => {
            let errors = vec![FieldError { field: "version".into(), message: m }];
            refuse_form(kind, &st, &p, &values, errors, Some((&id, version))).await
        }
        Err(e) => error_response(&e),
    }
}

pub async fn close(
    kind: Kind,
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    _checked: CsrfForm,
) -> Response {
    match dispatch!(kind, close_json(&st, &p, &id)) {
        Ok(v) => Redirect::to(&format!("/{}/{}?flash=closed", kind.plural(), reference_of(kind, &v))).into_response(),
        Err(AppError::Invalid(inv)) => {
            let msg = format!(
                "It cannot be closed yet: {}",
                inv.0
                    .iter()
                    .map(|e| format!("{} {}", e.field.replace('_', " "), e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let mut r = detail(kind, &st, &p, &id, Some(Flash::Error(msg)), &[], None).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_response(&e),
    }
}

pub async fn add_risk_update(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> Response {
    let input = RiskUpdateInput {
        what: form.get("what").unwrap_or("").to_owned(),
        why: form.get("why").unwrap_or("").to_owned(),
        doing: form.get("doing").unwrap_or("").to_owned(),
        closes: form.get("closes").unwrap_or("").to_owned(),
    };
    match service::add_risk_update(&st, &p, &id, input).await {
        Ok(_) => Redirect::to(&format!("/risks/{}?flash=update", urlencode(&id))).into_response(),
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
            .await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_response(&e),
    }
}
