//! Imports and exports: scanner files, register CSVs and tracker backlogs in (one file per
//! request, answered synchronously with what it did); register CSVs out.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use rhythm_domain::Permission;
use rhythm_store::ImportRecord;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::service::imports::{self, CsvExport, ImportParams};

/// Imports one file. The body is the file itself (not a form), read as it streams in and
/// refused with 413 the moment it passes the server's import limit. The answer is the
/// recorded import with its de-duplicated counts. A file that fails to parse, or any row the
/// registers refuse, changes nothing; the error names the file and the JSON path or CSV line.
#[utoipa::path(post, path = "/api/v1/imports", tag = "Imports", params(ImportParams),
    request_body(description = "The file: application/json, text/csv or application/octet-stream", content(
        (Vec<u8> = "application/json"), (Vec<u8> = "text/csv"), (Vec<u8> = "application/octet-stream"))),
    responses(
        (status = 201, description = "Imported and recorded", body = ImportRecord),
        (status = 400, description = "Unknown format, or system/environment given for a non-scanner file", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the import limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Content type does not fit the format", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file (or a row) was refused: `errors[].field` is `file: JSON path` or `file: line N, column C`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    State(st): State<AppState>,
    p: Principal,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<ImportRecord>), AppError> {
    p.require(Permission::Write)?;
    let limit = st.config.max_import_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(imports::too_large(limit));
    }
    let requested = imports::requested_format(params.format.as_deref())?;
    imports::check_content_type(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), requested)?;
    let bytes = read_limited(body, limit).await?;
    Ok((StatusCode::CREATED, Json(imports::run(&st, &p, &params, bytes).await?)))
}

/// How many imports to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1–1000; 50 when absent.
    pub limit: Option<i64>,
}

/// The workspace's imports, newest first: who, when, which file (name, SHA-256, size), what
/// it did.
#[utoipa::path(get, path = "/api/v1/imports", tag = "Imports", params(ListParams),
    responses((status = 200, description = "Imports, newest first", body = Vec<ImportRecord>)))]
pub async fn list(
    State(st): State<AppState>,
    p: Principal,
    Query(q): Query<ListParams>,
) -> Result<Json<Vec<ImportRecord>>, AppError> {
    Ok(Json(imports::records(&st, &p, q.limit.unwrap_or(50)).await?))
}

/// One import.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "Imports",
    params(("id" = String, Path, description = "Reference (IMP-12) or number")),
    responses(
        (status = 200, description = "The import", body = ImportRecord),
        (status = 404, description = "No such import", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_one(
    State(st): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<ImportRecord>, AppError> {
    Ok(Json(imports::record(&st, &p, &id).await?))
}

/// A register as CSV, in the columns its import takes (so the file imports back unchanged).
#[utoipa::path(get, path = "/api/v1/export/{register}", tag = "Imports",
    params(("register" = String, Path, description = "findings, releases, incidents, audit-findings or risks")),
    responses(
        (status = 200, description = "The CSV file", body = String, content_type = "text/csv"),
        (status = 404, description = "No such export", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    State(st): State<AppState>,
    p: Principal,
    Path(register): Path<String>,
) -> Result<CsvExport, AppError> {
    imports::export(&st, &p, imports::csv_kind(&register)?).await
}

/// Reads a request body up to `limit` bytes, refusing more as soon as it arrives (413).
async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, AppError> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("could not read the upload: {e}")))?;
        if out.len() + chunk.len() > limit {
            return Err(imports::too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(upload, list)).routes(routes!(get_one)).routes(routes!(export))
}
