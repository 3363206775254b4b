//! Imports and exports, for the API (`POST /api/v1/imports`, `GET /api/v1/export/…`) and the
//! upload form and download links alike: check a file's declared type against its format,
//! tell or check the format, parse it on the blocking pool, and hand it to the store, which
//! imports and records it in one transaction; the import records; a register as CSV, audited.

use rhythm_domain::validate::{FieldError, Invalid};
use rhythm_domain::{Environment, Kind, Permission, Reference, System};
use rhythm_ingest::ParseError;
use rhythm_ingest::format::{self, Format, Parsed};
use rhythm_store::{CsvKind, ImportData, ImportFile, ImportRecord, ListQuery, ScanTarget, StoreError};

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service;

/// Default largest import file (`--max-import-mb`).
pub const DEFAULT_MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

/// What the client said about the file.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `sarif`, `trivy`, `grype`, `cyclonedx`, `osv`, `findings-csv`, `releases-csv`,
    /// `incidents-csv`, `audit-findings-csv`, `risks-csv`, `github-issues`, `jira`, or `auto`
    /// (the default: told from the file).
    pub format: Option<String>,
    /// Scanner formats: the system the findings are in (name, `SYS-n` or id).
    pub system: Option<String>,
    /// Scanner formats: `production` (default), `staging` or `development`.
    pub environment: Option<String>,
    /// The file's name, for the import record and error messages.
    pub file_name: Option<String>,
}

/// The refusal of a file past the import limit (413).
pub fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "the file is larger than this server's import limit of {} MiB",
        limit / (1024 * 1024)
    ))
}

/// Checks a declared content type against the format: JSON formats take `application/json`
/// (or any `+json` type), CSV formats `text/csv`; `application/octet-stream` and a missing
/// type are taken for both (curl --data-binary, browsers' file uploads).
pub fn check_content_type(content_type: Option<&str>, format: Option<Format>) -> Result<(), AppError> {
    let mime = content_type.and_then(|c| c.split(';').next()).unwrap_or("").trim().to_ascii_lowercase();
    let json = mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    let csv = matches!(mime.as_str(), "text/csv" | "application/csv" | "text/plain");
    let any = mime.is_empty() || mime == "application/octet-stream";
    let ok = any
        || match format.and_then(Format::json) {
            None => json || csv,
            Some(true) => json,
            Some(false) => csv,
        };
    if ok {
        Ok(())
    } else {
        let want = match format.and_then(Format::json) {
            Some(true) => "application/json",
            Some(false) => "text/csv",
            None => "application/json or text/csv",
        };
        Err(AppError::UnsupportedMediaType(format!(
            "send {} as {want} (got '{}')",
            format.map_or("this file".to_owned(), |f| format!("a {f} file")),
            content_type.unwrap_or("no content type")
        )))
    }
}

/// `auto` (or nothing) → told from the file; else the named format.
pub fn requested_format(name: Option<&str>) -> Result<Option<Format>, AppError> {
    match name.map(str::trim).filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case("auto")) {
        None => Ok(None),
        Some(n) => n.parse::<Format>().map(Some).map_err(AppError::BadRequest),
    }
}

fn parse_error(file: &str, e: &ParseError) -> AppError {
    AppError::Invalid(Invalid(vec![FieldError { field: format!("{file}: {}", e.path), message: e.message.clone() }]))
}

/// A store refusal of a row (`line 7, column owner`) names the file too.
fn in_file(file: &str, e: StoreError) -> AppError {
    match e {
        StoreError::Invalid(i) => AppError::Invalid(Invalid(
            i.0.into_iter().map(|f| FieldError { field: format!("{file}: {}", f.field), message: f.message }).collect(),
        )),
        other => other.into(),
    }
}

async fn resolve_system(st: &AppState, p: &Principal, name: &str) -> Result<System, AppError> {
    let name = name.trim();
    if name.parse::<uuid::Uuid>().is_ok() || Kind::parse_reference(name).is_some_and(|(k, _)| k == Kind::System) {
        return service::resolve::<System>(st, p, name).await;
    }
    let q = ListQuery { q: Some(name.to_lowercase()), limit: 500, ..Default::default() };
    let page = service::list::<System>(st, p, &q).await?;
    let mut exact: Vec<System> = page.items.into_iter().filter(|s| s.name.eq_ignore_ascii_case(name)).collect();
    match exact.len() {
        1 => Ok(exact.remove(0)),
        0 => Err(AppError::Invalid(Invalid::one("system", format!("no system named '{name}' in this workspace")))),
        _ => Err(AppError::Invalid(Invalid::one(
            "system",
            format!("several systems are named '{name}'; use its reference (SYS-n)"),
        ))),
    }
}

/// Imports `bytes` as the client described them and answers the recorded import.
pub async fn run(
    st: &AppState,
    p: &Principal,
    params: &ImportParams,
    bytes: Vec<u8>,
) -> Result<ImportRecord, AppError> {
    p.require(Permission::Write)?;
    let file_name = params.file_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("upload").to_owned();
    if bytes.is_empty() {
        return Err(AppError::Invalid(Invalid::one(file_name, "the file is empty")));
    }
    let requested = requested_format(params.format.as_deref())?;
    let format = match requested {
        Some(f) => f,
        None => format::detect(&bytes, &file_name).map_err(|e| parse_error(&file_name, &e))?,
    };
    let environment = match params.environment.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(e.parse::<Environment>().map_err(|m| AppError::Invalid(Invalid::one("environment", m)))?),
        None => None,
    };
    let system_given = params.system.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !format.is_scanner() && (system_given || environment.is_some()) {
        let field = if system_given { "system" } else { "environment" };
        return Err(AppError::Invalid(Invalid::one(
            field,
            format!("system and environment apply to scanner files only; a {format} file says where each row belongs"),
        )));
    }
    let system = match params.system.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(resolve_system(st, p, s).await?),
        None => None,
    };
    let file = ImportFile::of(format.as_str(), &file_name, &bytes);
    let mapping = st.config.tracker_mapping.clone();
    let parsed = tokio::task::spawn_blocking(move || format::parse(format, &bytes, &mapping))
        .await
        .map_err(|e| AppError::Internal(format!("the parser stopped: {e}")))?
        .map_err(|e| parse_error(&file_name, &e))?;
    let actor = p.actor();
    let now = st.now();
    let result = match parsed {
        Parsed::Scan(scan) => {
            let target = ScanTarget {
                system_id: system.map(|s| s.id),
                environment: environment.unwrap_or(Environment::Production),
            };
            st.store.import(&actor, now, &file, ImportData::Scan { scan: &scan, target }).await
        }
        Parsed::Csv(rows) => st.store.import(&actor, now, &file, ImportData::Csv(rows)).await,
        Parsed::Backlog(batch) => st.store.import(&actor, now, &file, ImportData::Backlog(&batch.items)).await,
    };
    let record = result.map_err(|e| in_file(&file.file_name, e))?;
    tracing::info!(import = %record.reference, format = %format, bytes = record.bytes, total = record.counts.total,
        created = record.counts.created, closed = record.counts.closed, "import recorded");
    Ok(record)
}

/// The workspace's imports, newest first (1 to 1000 of them).
pub async fn records(st: &AppState, p: &Principal, limit: i64) -> Result<Vec<ImportRecord>, AppError> {
    p.require(Permission::Read)?;
    if !(1..=1000).contains(&limit) {
        return Err(Invalid::one("limit", format!("must be between 1 and 1000; got {limit}")).into());
    }
    Ok(st.store.imports(p.workspace_id(), limit).await?)
}

/// One import, by `IMP-12` (the reference grammar, [`Reference`]) or a bare `12`.
pub async fn record(st: &AppState, p: &Principal, id: &str) -> Result<ImportRecord, AppError> {
    p.require(Permission::Read)?;
    let n = import_number(id)
        .ok_or_else(|| AppError::NotFound(format!("'{id}' is not an import reference like IMP-12")))?;
    Ok(st.store.import_record(p.workspace_id(), n).await?)
}

fn import_number(id: &str) -> Option<i64> {
    match Reference::parse_as(id, Kind::Import) {
        Ok(Some(n)) => Some(n),
        Err(_) => None,
        Ok(None) => format!("{}-{}", Kind::Import.prefix(), id.trim()).parse::<Reference>().ok().map(|r| r.number),
    }
}

/// The register a CSV path names: `findings`, `releases`, `incidents`, `audit-findings`,
/// `risks` (a trailing `.csv` is allowed).
pub fn csv_kind(name: &str) -> Result<CsvKind, AppError> {
    let n = name.trim().trim_end_matches(".csv");
    CsvKind::ALL.into_iter().find(|k| k.as_str().trim_end_matches("-csv") == n).ok_or_else(|| {
        AppError::NotFound(format!(
            "no CSV export '{name}'; use one of {}",
            CsvKind::ALL.iter().map(|k| k.as_str().trim_end_matches("-csv")).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// A register's export: the file's name and its CSV text.
#[derive(Debug)]
pub struct CsvExport {
    pub file_name: String,
    pub text: String,
}

/// A register as CSV, in the columns its import takes. Who took a copy of a register out of
/// Rhythm, and exactly which copy (size, SHA-256), is audited.
pub async fn export(st: &AppState, p: &Principal, kind: CsvKind) -> Result<CsvExport, AppError> {
    p.require(Permission::Read)?;
    let text = st.store.export_csv(p.workspace_id(), kind).await?;
    let register = kind.as_str().trim_end_matches("-csv");
    let detail = serde_json::json!({
        "register": register,
        "format": "csv",
        "bytes": text.len(),
        "sha256": crate::auth::secret_hash(&text),
    });
    st.store.audit_event(&p.actor(), st.now(), "export", register, None, &detail).await?;
    Ok(CsvExport { file_name: format!("{register}-{}.csv", st.now().date()), text })
}

/// The download both surfaces answer with: `text/csv`, as an attachment named for the day.
impl axum::response::IntoResponse for CsvExport {
    fn into_response(self) -> axum::response::Response {
        use axum::http::header;
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", self.file_name)),
            ],
            self.text,
        )
            .into_response()
    }
}
