//! list / get / create / update / close for every register, from one macro so the nine
//! registers behave identically.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use rhythm_domain::{
    AuditFinding, AuditFindingInput, AuditFindingPatch, BacklogItem, BacklogItemInput, BacklogItemPatch, DesignReview,
    DesignReviewInput, DesignReviewPatch, Epic, EpicInput, EpicPatch, Finding, FindingInput, FindingPatch, Incident,
    IncidentInput, IncidentPatch, Initiative, InitiativeInput, InitiativePatch, Release, ReleaseInput, ReleasePatch,
    Risk, RiskInput, RiskPatch, RiskUpdate, RiskUpdateInput, System, SystemInput, SystemPatch, Vendor, VendorInput,
    VendorPatch,
};
use rhythm_store::Table;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, PageBody};
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::{AppState, service};

macro_rules! register_api {
    ($m:ident, $T:ty, $I:ty, $P:ty, $tag:tt, $list:tt, $item:tt, $close:tt) => {
        pub mod $m {
            use super::*;

            /// List entries, filtered, sorted and paged.
            #[utoipa::path(get, path = $list, tag = $tag,
                params(
                    ("q" = Option<String>, Query, description = "Search text"),
                    ("sort" = Option<String>, Query, description = "Field to sort by; prefix with - for descending"),
                    ("limit" = Option<u32>, Query, description = "Page size, 1 to 500 (default 50)"),
                    ("offset" = Option<u64>, Query, description = "Entries to skip"),
                ),
                responses(
                    (status = 200, description = "One page", body = PageBody<$T>),
                    (status = 400, description = "Unknown filter or sort, bad value", body = Problem, content_type = "application/problem+json"),
                    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
                ))]
            pub async fn list(State(st): State<AppState>, p: Principal, RawQuery(q): RawQuery) -> Result<Json<PageBody<$T>>, AppError> {
                let q = service::list_query(q.as_deref())?;
                Ok(Json(service::list::<$T>(&st, &p, &q).await?.into()))
            }

            /// Get one entry by id or reference (e.g. RISK-12).
            #[utoipa::path(get, path = $item, tag = $tag,
                params(("id" = String, Path, description = "UUID or reference")),
                responses(
                    (status = 200, description = "The entry", body = $T),
                    (status = 404, description = "No such entry in this workspace", body = Problem, content_type = "application/problem+json"),
                ))]
            pub async fn get(State(st): State<AppState>, p: Principal, Path(id): Path<String>) -> Result<Json<$T>, AppError> {
                Ok(Json(service::resolve::<$T>(&st, &p, &id).await?))
            }

            /// Create an entry.
            #[utoipa::path(post, path = $list, tag = $tag, request_body = $I,
                responses(
                    (status = 201, description = "Created", body = $T),
                    (status = 400, description = "Malformed JSON or unknown field", body = Problem, content_type = "application/problem+json"),
                    (status = 403, description = "Read-only role or token", body = Problem, content_type = "application/problem+json"),
                    (status = 422, description = "A field broke a rule", body = Problem, content_type = "application/problem+json"),
                ))]
            pub async fn create(State(st): State<AppState>, p: Principal, ApiJson(input): ApiJson<$I>) -> Result<(StatusCode, Json<$T>), AppError> {
                Ok((StatusCode::CREATED, Json(service::create::<$T>(&st, &p, input).await?)))
            }

            /// Change an entry: absent fields are kept, `null` clears a nullable field.
            #[utoipa::path(patch, path = $item, tag = $tag, request_body = $P,
                params(("id" = String, Path, description = "UUID or reference")),
                responses(
                    (status = 200, description = "Updated", body = $T),
                    (status = 404, description = "No such entry in this workspace", body = Problem, content_type = "application/problem+json"),
                    (status = 409, description = "Changed since expected_version", body = Problem, content_type = "application/problem+json"),
                    (status = 422, description = "A field broke a rule", body = Problem, content_type = "application/problem+json"),
                ))]
            pub async fn update(State(st): State<AppState>, p: Principal, Path(id): Path<String>, ApiJson(patch): ApiJson<$P>) -> Result<Json<$T>, AppError> {
                Ok(Json(service::update::<$T>(&st, &p, &id, patch).await?))
            }

            /// Close an entry (risk: closed, backlog item: done, release: cancelled, incident: resolved, …).
            #[utoipa::path(post, path = $close, tag = $tag,
                params(("id" = String, Path, description = "UUID or reference")),
                responses(
                    (status = 200, description = "Closed", body = $T),
                    (status = 422, description = "It cannot be closed yet, and why", body = Problem, content_type = "application/problem+json"),
                ))]
            pub async fn close(State(st): State<AppState>, p: Principal, Path(id): Path<String>) -> Result<Json<$T>, AppError> {
                Ok(Json(service::close::<$T>(&st, &p, &id).await?))
            }
        }
    };
}

register_api!(
    systems,
    System,
    SystemInput,
    SystemPatch,
    "Systems",
    "/api/v1/systems",
    "/api/v1/systems/{id}",
    "/api/v1/systems/{id}/close"
);
register_api!(
    risks,
    Risk,
    RiskInput,
    RiskPatch,
    "Risks",
    "/api/v1/risks",
    "/api/v1/risks/{id}",
    "/api/v1/risks/{id}/close"
);
register_api!(
    backlog_items,
    BacklogItem,
    BacklogItemInput,
    BacklogItemPatch,
    "Backlog",
    "/api/v1/backlog-items",
    "/api/v1/backlog-items/{id}",
    "/api/v1/backlog-items/{id}/close"
);
register_api!(
    initiatives,
    Initiative,
    InitiativeInput,
    InitiativePatch,
    "Initiatives",
    "/api/v1/initiatives",
    "/api/v1/initiatives/{id}",
    "/api/v1/initiatives/{id}/close"
);
register_api!(
    epics,
    Epic,
    EpicInput,
    EpicPatch,
    "Epics",
    "/api/v1/epics",
    "/api/v1/epics/{id}",
    "/api/v1/epics/{id}/close"
);
register_api!(
    releases,
    Release,
    ReleaseInput,
    ReleasePatch,
    "Releases",
    "/api/v1/releases",
    "/api/v1/releases/{id}",
    "/api/v1/releases/{id}/close"
);
register_api!(
    incidents,
    Incident,
    IncidentInput,
    IncidentPatch,
    "Incidents",
    "/api/v1/incidents",
    "/api/v1/incidents/{id}",
    "/api/v1/incidents/{id}/close"
);
register_api!(
    audit_findings,
    AuditFinding,
    AuditFindingInput,
    AuditFindingPatch,
    "Audit findings",
    "/api/v1/audit-findings",
    "/api/v1/audit-findings/{id}",
    "/api/v1/audit-findings/{id}/close"
);
register_api!(
    findings,
    Finding,
    FindingInput,
    FindingPatch,
    "Findings",
    "/api/v1/findings",
    "/api/v1/findings/{id}",
    "/api/v1/findings/{id}/close"
);
register_api!(
    design_reviews,
    DesignReview,
    DesignReviewInput,
    DesignReviewPatch,
    "Design reviews",
    "/api/v1/design-reviews",
    "/api/v1/design-reviews/{id}",
    "/api/v1/design-reviews/{id}/close"
);
register_api!(
    vendors,
    Vendor,
    VendorInput,
    VendorPatch,
    "Vendors",
    "/api/v1/vendors",
    "/api/v1/vendors/{id}",
    "/api/v1/vendors/{id}/close"
);

/// A risk's four-line updates, newest first.
#[utoipa::path(get, path = "/api/v1/risks/{id}/updates", tag = "Risks",
    params(("id" = String, Path, description = "UUID or reference")),
    responses((status = 200, description = "Updates", body = Vec<RiskUpdate>)))]
pub async fn list_risk_updates(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<RiskUpdate>>, AppError> {
    Ok(Json(service::risk_updates(&st, &p, &id).await?))
}

/// Add a four-line update: what it is, why it matters, what we are doing, when it closes.
#[utoipa::path(post, path = "/api/v1/risks/{id}/updates", tag = "Risks", request_body = RiskUpdateInput,
    params(("id" = String, Path, description = "UUID or reference")),
    responses(
        (status = 201, description = "Added", body = RiskUpdate),
        (status = 422, description = "A line is missing or too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_risk_update(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RiskUpdateInput>,
) -> Result<(StatusCode, Json<RiskUpdate>), AppError> {
    Ok((StatusCode::CREATED, Json(service::add_risk_update(&st, &p, &id, input).await?)))
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(systems::list, systems::create))
        .routes(routes!(systems::get, systems::update))
        .routes(routes!(systems::close))
        .routes(routes!(risks::list, risks::create))
        .routes(routes!(risks::get, risks::update))
        .routes(routes!(risks::close))
        .routes(routes!(list_risk_updates, add_risk_update))
        .routes(routes!(backlog_items::list, backlog_items::create))
        .routes(routes!(backlog_items::get, backlog_items::update))
        .routes(routes!(backlog_items::close))
        .routes(routes!(initiatives::list, initiatives::create))
        .routes(routes!(initiatives::get, initiatives::update))
        .routes(routes!(initiatives::close))
        .routes(routes!(epics::list, epics::create))
        .routes(routes!(epics::get, epics::update))
        .routes(routes!(epics::close))
        .routes(routes!(releases::list, releases::create))
        .routes(routes!(releases::get, releases::update))
        .routes(routes!(releases::close))
        .routes(routes!(incidents::list, incidents::create))
        .routes(routes!(incidents::get, incidents::update))
        .routes(routes!(incidents::close))
        .routes(routes!(audit_findings::list, audit_findings::create))
        .routes(routes!(audit_findings::get, audit_findings::update))
        .routes(routes!(audit_findings::close))
        .routes(routes!(vendors::list, vendors::create))
        .routes(routes!(vendors::get, vendors::update))
        .routes(routes!(vendors::close))
        .routes(routes!(findings::list, findings::create))
        .routes(routes!(findings::get, findings::update))
        .routes(routes!(findings::close))
        .routes(routes!(design_reviews::list, design_reviews::create))
        .routes(routes!(design_reviews::get, design_reviews::update))
        .routes(routes!(design_reviews::close))
}

fn filters_of<T: Table>() -> Vec<Parameter> {
    T::FILTERS
        .iter()
        .map(|f| {
            ParameterBuilder::new()
                .name(f.name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(format!("Filter on {}; empty means no filter", f.name.replace('_', " "))))
                .schema(Some(schema_of(filter_schema(f.parse))))
                .build()
        })
        .collect()
}

fn schema_of(v: serde_json::Value) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    serde_json::from_value(v).expect("a valid schema")
}

/// The schema of a filter's value, read off the filter's own parser so the document says
/// exactly what the list accepts: free text, true/false, a date, an id, a number, or one of
/// the values an enumeration's parser names when it refuses. An empty value is no filter.
fn filter_schema(parse: fn(&str) -> Result<rhythm_store::Val, String>) -> serde_json::Value {
    use serde_json::json;
    const ODD: &str = "zz-not-a-value-zz";
    let ok = |s: &str| parse(s).is_ok();
    let or_empty = |s: serde_json::Value| json!({"anyOf": [s, {"type": "string", "maxLength": 0}]});
    if ok(ODD) {
        return json!({"type": "string"});
    }
    if ok("true") && ok("false") {
        return json!({"type": "string", "enum": ["", "true", "false", "1", "0", "yes", "no"]});
    }
    if ok("2026-03-31") {
        return or_empty(json!({"type": "string", "format": "date"}));
    }
    if ok("01a23c42-efa0-759c-a77a-50c034691f16") {
        return or_empty(json!({"type": "string", "format": "uuid"}));
    }
    if ok("5") {
        return or_empty(json!({"type": "string", "pattern": "^[0-9]{1,18}$"}));
    }
    let refusal = parse(ODD).err().unwrap_or_default();
    let mut values: Vec<String> = refusal
        .split_once("one of: ")
        .map(|(_, list)| list.split(", ").map(|v| v.trim_end_matches(['.', ')']).trim().to_owned()).collect())
        .unwrap_or_default();
    values.retain(|v| ok(v));
    values.insert(0, String::new());
    json!({"type": "string", "enum": values})
}

/// Adds each register's filters, taken from its table definition, to its list operation.
pub fn document_filters(doc: &mut utoipa::openapi::OpenApi) {
    type Sorts = &'static [(&'static str, &'static str)];
    let per_path: [(&str, Vec<Parameter>, Sorts); 11] = [
        ("/api/v1/systems", filters_of::<System>(), System::SORTS),
        ("/api/v1/risks", filters_of::<Risk>(), Risk::SORTS),
        ("/api/v1/backlog-items", filters_of::<BacklogItem>(), BacklogItem::SORTS),
        ("/api/v1/initiatives", filters_of::<Initiative>(), Initiative::SORTS),
        ("/api/v1/epics", filters_of::<Epic>(), Epic::SORTS),
        ("/api/v1/releases", filters_of::<Release>(), Release::SORTS),
        ("/api/v1/incidents", filters_of::<Incident>(), Incident::SORTS),
        ("/api/v1/audit-findings", filters_of::<AuditFinding>(), AuditFinding::SORTS),
        ("/api/v1/vendors", filters_of::<Vendor>(), Vendor::SORTS),
        ("/api/v1/findings", filters_of::<Finding>(), Finding::SORTS),
        ("/api/v1/design-reviews", filters_of::<DesignReview>(), DesignReview::SORTS),
    ];
    for (path, filters, sorts) in per_path {
        let Some(item) = doc.paths.paths.get_mut(path) else { continue };
        let Some(op) = item.get.as_mut() else { continue };
        let params = op.parameters.get_or_insert_with(Vec::new);
        for p in params.iter_mut() {
            if p.name == "sort" {
                p.description = Some(format!(
                    "Sort by one of: {}; prefix with - for descending",
                    sorts.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ));
                let mut values = vec![String::new()];
                for (n, _) in sorts {
                    values.push((*n).to_owned());
                    values.push(format!("-{n}"));
                }
                p.schema = Some(schema_of(serde_json::json!({"type": "string", "enum": values})));
            }
        }
        params.extend(filters);
    }
}
