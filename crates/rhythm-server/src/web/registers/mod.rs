//! The pages of every register, driven by [`spec`](super::spec): the list (`list.rs`), one
//! entry with its history (`detail.rs`), and the new and edit forms (`form.rs`); here what
//! they share (the register of a kind, entries as JSON rows, choice lists, how a value shows)
//! and what other pages show too (the heat map, truncated titles). Each page calls the same
//! service functions as the API.

use maud::{Markup, html};
use rhythm_domain::{
    AuditFinding, BacklogItem, DesignReview, Epic, Finding, Incident, Initiative, Invalid, Kind, Release, Risk, System,
    Vendor,
};
use rhythm_store::ListQuery;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::forms::{self, Choices, choice_key};
use super::layout::{Flash, multiline};
use super::spec::{FieldKind, IMPACT, LIKELIHOOD, Spec, spec};
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

mod detail;
mod form;
mod list;

pub use detail::{add_risk_update, close, detail_page};
pub use form::{create, edit_page, new_page, update};
pub use list::list_page;

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
