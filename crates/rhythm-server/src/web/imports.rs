//! Imports and exports in the browser: the upload form (multipart, CSRF in a form field, the
//! file read chunk by chunk up to the import limit) over the same `imports::run` the API
//! calls, the workspace's imports and one import's page, and register CSV downloads.

use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use rhythm_domain::{FieldError, Kind, Permission, System};
use rhythm_ingest::format::Format;
use rhythm_store::ImportRecord;

use super::layout::{Nav, csrf_field, error_page, page, page_head};
use super::links::{exports, silent_count, silent_link};
use super::registers::choices_of;
use super::{Page, WebUser};
use crate::AppState;
use crate::auth::{Principal, same_secret};
use crate::error::AppError;
use crate::service::{
    self, accounts,
    imports::{self, ImportParams},
};

/// Room for the multipart framing and the small form fields on top of the file itself.
pub const FORM_SLACK_BYTES: usize = 64 * 1024;
/// Largest accepted text field (`_csrf`, `format`, `system`, `environment`).
const MAX_TEXT_FIELD: usize = 1024;

/// How the upload form names a format.
pub fn format_label(f: Format) -> &'static str {
    match f {
        Format::Sarif => "SARIF (CodeQL, Semgrep, ESLint, gosec, …)",
        Format::Trivy => "Trivy JSON",
        Format::Grype => "Grype JSON",
        Format::Cyclonedx => "CycloneDX VEX",
        Format::Osv => "osv-scanner JSON",
        Format::FindingsCsv => "Findings CSV",
        Format::ReleasesCsv => "Releases CSV",
        Format::IncidentsCsv => "Incidents CSV",
        Format::AuditFindingsCsv => "Audit findings CSV",
        Format::RisksCsv => "Risks CSV",
        Format::GithubIssues => "GitHub issues (REST API JSON)",
        Format::Jira => "Jira issues (REST JSON or CSV export)",
    }
}

fn format_name(name: &str) -> String {
    name.parse::<Format>().map_or_else(|_| name.to_owned(), |f| format_label(f).to_owned())
}

fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    }
}

fn when(t: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

/// What the user chose, kept when the form comes back with errors.
#[derive(Default)]
struct Entered {
    format: String,
    system: String,
    environment: String,
}

/// Why the file was not imported.
struct Failure {
    status: StatusCode,
    message: String,
    errors: Vec<FieldError>,
}

impl Failure {
    fn of(e: &AppError) -> Failure {
        match e {
            AppError::Invalid(inv) => Failure {
                status: e.status(),
                message: "Nothing was changed. Fix the file and upload it again:".into(),
                errors: inv.0.clone(),
            },
            other => Failure { status: other.status(), message: other.public_detail(), errors: Vec::new() },
        }
    }
}

pub async fn page_get(State(st): State<AppState>, WebUser(p): WebUser) -> Page {
    render(&st, &p, &Entered::default(), None).await
}

async fn render(st: &AppState, p: &Principal, entered: &Entered, failure: Option<&Failure>) -> Page {
    let records = imports::records(st, p, 50).await?;
    let systems = choices_of::<System>(st, p).await?;
    let silent = silent_count(st, p).await?;
    let users = accounts::users(st, p).await?;
    let user_name = |r: &ImportRecord| {
        r.user_id.and_then(|id| users.iter().find(|u| u.id == id)).map_or_else(|| r.actor.clone(), |u| u.name.clone())
    };
    let can_write = p.can(Permission::Write);
    let limit = size(st.config.max_import_bytes as u64);
    let body = html! {
        (page_head("Workspace", "Imports and exports", Some("Scanner results, register spreadsheets and tracker backlogs in; register CSVs out. Every import is recorded with its file's hash and what it changed."), html! {
            (silent_link(silent, false))
        }))
        @if let Some(f) = failure {
            div class="flash flash-error error-summary" role="alert" id="import-errors" tabindex="-1" {
                h2 class="card-title" { "The file was not imported" }
                p { (f.message) }
                @if !f.errors.is_empty() {
                    ul {
                        @for e in &f.errors { li { strong { (e.field) } ": " (e.message) } }
                    }
                }
            }
        }
        div class="grid-2" {
            @if can_write {
                section class="card" aria-labelledby="upload-title" {
                    h2 class="card-title" id="upload-title" { "Upload a file" }
                    form class="form" method="post" action="/imports" enctype="multipart/form-data" {
                        (csrf_field(p))
                        div class="field" {
                            label for="imp-file" { "File" }
                            input id="imp-file" name="file" type="file" required
                                accept=".json,.sarif,.csv,.txt,application/json,text/csv"
                                aria-describedby="imp-file-hint";
                            p class="hint" id="imp-file-hint" { "Up to " (limit) ". A file that fails to parse, or any row the registers refuse, changes nothing." }
                        }
                        div class="field" {
                            label for="imp-format" { "Format" }
                            select id="imp-format" name="format" {
                                option value="auto" selected[entered.format.is_empty() || entered.format == "auto"] { "Tell from the file" }
                                @for f in Format::ALL {
                                    option value=(f.as_str()) selected[entered.format == f.as_str()] { (format_label(f)) }
                                }
                            }
                        }
                        fieldset {
                            legend { "Where scanner findings belong" }
                            p class="hint" id="imp-scope-hint" { "System and environment apply to scanner files only (SARIF, Trivy, Grype, CycloneDX VEX, osv-scanner). Leave them empty for CSV and tracker files: each row says where it belongs." }
                            div class="field" {
                                label for="imp-system" { "System" }
                                select id="imp-system" name="system" aria-describedby="imp-scope-hint" {
                                    option value="" { "None" }
                                    @for (id, label) in &systems {
                                        @let v = id.to_string();
                                        option value=(v) selected[entered.system == v] { (label) }
                                    }
                                }
                            }
                            div class="field" {
                                label for="imp-environment" { "Environment" }
                                select id="imp-environment" name="environment" aria-describedby="imp-scope-hint" {
                                    option value="" { "Default (production)" }
                                    @for (v, l) in rhythm_domain::enums::options::<rhythm_domain::Environment>() {
                                        option value=(v) selected[entered.environment == v] { (l) }
                                    }
                                }
                            }
                        }
                        div class="form-actions" { button class="btn primary" type="submit" { "Import" } }
                    }
                }
            }
            section class="card" aria-labelledby="export-title" {
                h2 class="card-title" id="export-title" { "Export" }
                p { "Each register as CSV, in the columns its import takes: edit it in a spreadsheet and upload it again." }
                ul class="plain exports" {
                    @for (name, label) in exports() {
                        li { a href={ "/export/" (name) ".csv" } download { "Download CSV" span class="sr-only" { " of " (label) } } " — " (label) }
                    }
                }
            }
        }
        section class="card" aria-labelledby="recent-title" {
            h2 class="card-title" id="recent-title" { "Recent imports" }
            @if records.is_empty() {
                p class="muted" { "Nothing imported yet." }
            } @else {
                div class="table-wrap" {
                    table class="data" {
                        caption class="sr-only" { "Recent imports, newest first" }
                        thead { tr {
                            th scope="col" { "Ref" } th scope="col" { "When" } th scope="col" { "Who" }
                            th scope="col" { "Format" } th scope="col" { "File" } th scope="col" class="num" { "Size" }
                            th scope="col" class="num" { "Created" } th scope="col" class="num" { "Updated" }
                            th scope="col" class="num" { "Unchanged" } th scope="col" class="num" { "Closed" }
                            th scope="col" class="num" { "Reopened" } th scope="col" class="num" { "Silent" }
                        } }
                        tbody {
                            @for r in &records {
                                @let href = format!("/imports/{}", r.reference);
                                tr data-href=(href) {
                                    td class="ref nowrap" { a class="row-link" href=(href) { (r.reference) } }
                                    td class="nowrap" { (when(r.at)) }
                                    td { (user_name(r)) }
                                    td { (format_name(&r.format)) }
                                    td { (super::registers::truncate(&r.file_name, 50)) }
                                    td class="num nowrap" { (size(r.bytes)) }
                                    td class="num" { (r.counts.created) }
                                    td class="num" { (r.counts.updated) }
                                    td class="num" { (r.counts.unchanged) }
                                    td class="num" { (r.counts.closed) }
                                    td class="num" { (r.counts.reopened) }
                                    td class="num" { (r.counts.silent) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = if failure.is_some() { "The file was not imported" } else { "Imports and exports" };
    let mut resp = page(p, Nav::Imports, title, None, body);
    if let Some(f) = failure {
        *resp.status_mut() = f.status;
    }
    Ok(resp)
}

/// Reads one field chunk by chunk, refusing it past `limit` bytes with `too_large`.
async fn read_field(
    field: &mut Field<'_>,
    limit: usize,
    too_large: impl Fn() -> AppError,
) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e, &too_large))? {
        if out.len() + chunk.len() > limit {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn multipart_error(e: &axum::extract::multipart::MultipartError, too_large: &impl Fn() -> AppError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::BadRequest(format!("the upload could not be read: {}", e.body_text()))
    }
}

/// The upload as the form sent it.
#[derive(Default)]
struct Upload {
    csrf: String,
    entered: Entered,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Option<Vec<u8>>,
}

async fn read_upload(mut multipart: Multipart, limit: usize) -> Result<Upload, (Upload, AppError)> {
    let mut up = Upload::default();
    let text_limit = || AppError::PayloadTooLarge("a form field is too long".into());
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let err = multipart_error(&e, &|| imports::too_large(limit));
                return Err((up, err));
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            up.file_name = field.file_name().map(str::to_owned);
            up.content_type = field.content_type().map(str::to_owned);
            match read_field(&mut field, limit, || imports::too_large(limit)).await {
                Ok(b) => up.bytes = Some(b),
                Err(e) => return Err((up, e)),
            }
        } else {
            let value = match read_field(&mut field, MAX_TEXT_FIELD, text_limit).await {
                Ok(b) => String::from_utf8_lossy(&b).trim().to_owned(),
                Err(e) => return Err((up, e)),
            };
            match name.as_str() {
                "_csrf" => up.csrf = value,
                "format" => up.entered.format = value,
                "system" => up.entered.system = value,
                "environment" => up.entered.environment = value,
                _ => {}
            }
        }
    }
    Ok(up)
}

fn forbidden_form() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from Rhythm. Go back, reload the page and try again.",
    )
}

/// The form again, with why the file was not imported, and the status that says so.
async fn refused(st: &AppState, p: &Principal, entered: &Entered, e: &AppError) -> Page {
    render(st, p, entered, Some(&Failure::of(e))).await
}

/// `POST /imports`: one file from the upload form.
pub async fn upload(
    State(st): State<AppState>,
    WebUser(p): WebUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Page {
    p.require(Permission::Write)?;
    let limit = st.config.max_import_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > (limit + FORM_SLACK_BYTES) as u64) {
        return refused(&st, &p, &Entered::default(), &imports::too_large(limit)).await;
    }
    let multipart = match multipart {
        Ok(m) => m,
        Err(r) => {
            let e = AppError::UnsupportedMediaType(format!(
                "send the upload form as multipart/form-data ({})",
                r.body_text()
            ));
            return refused(&st, &p, &Entered::default(), &e).await;
        }
    };
    let up = match read_upload(multipart, limit).await {
        Ok(up) => up,
        Err((up, e)) => {
            // A refused upload is only explained to the form's own page.
            if !p.csrf_token().is_some_and(|t| same_secret(&up.csrf, t)) && !up.csrf.is_empty() {
                return Ok(forbidden_form());
            }
            return refused(&st, &p, &up.entered, &e).await;
        }
    };
    if !p.csrf_token().is_some_and(|t| same_secret(&up.csrf, t)) {
        return Ok(forbidden_form());
    }
    let file_name = up.file_name.clone().filter(|n| !n.trim().is_empty());
    let (Some(bytes), Some(_)) = (up.bytes, &file_name) else {
        let e = AppError::Invalid(rhythm_domain::Invalid::one("file", "choose a file to import"));
        return refused(&st, &p, &up.entered, &e).await;
    };
    let requested = match imports::requested_format(Some(&up.entered.format)) {
        Ok(r) => r,
        Err(e) => return refused(&st, &p, &up.entered, &e).await,
    };
    // Browsers guess the type from the file's extension; Windows calls CSV files Excel sheets.
    let content_type = up.content_type.as_deref().map(|c| if c == "application/vnd.ms-excel" { "text/csv" } else { c });
    if let Err(e) = imports::check_content_type(content_type, requested) {
        return refused(&st, &p, &up.entered, &e).await;
    }
    let params = ImportParams {
        format: Some(up.entered.format.clone()).filter(|f| !f.is_empty()),
        system: Some(up.entered.system.clone()).filter(|s| !s.is_empty()),
        environment: Some(up.entered.environment.clone()).filter(|e| !e.is_empty()),
        file_name,
    };
    match imports::run(&st, &p, &params, bytes).await {
        Ok(record) => Ok(Redirect::to(&format!("/imports/{}", record.reference)).into_response()),
        Err(e) => refused(&st, &p, &up.entered, &e).await,
    }
}

/// `/imports/IMP-n`: what one import did.
pub async fn detail_page(State(st): State<AppState>, WebUser(p): WebUser, Path(id): Path<String>) -> Page {
    let r = imports::record(&st, &p, &id).await?;
    let system = match r.system_id {
        Some(id) => Some(service::get::<System>(&st, &p, id).await?),
        None => None,
    };
    let who = match r.user_id {
        Some(id) => accounts::users(&st, &p).await?.into_iter().find(|u| u.id == id),
        None => None,
    }
    .map_or_else(|| r.actor.clone(), |u| u.name);
    let scanner = r.format.parse::<Format>().is_ok_and(Format::is_scanner);
    let mut scope: Vec<(&str, String)> = Vec::new();
    if let Some(s) = &system {
        scope.push(("system", s.id.to_string()));
    }
    if let Some(env) = &r.environment {
        scope.push(("environment", env.clone()));
    }
    let query = |extra: &[(&str, String)]| {
        let pairs: Vec<(&str, String)> = scope.iter().cloned().chain(extra.iter().cloned()).collect();
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    };
    let findings_href = format!("/findings?{}", query(&[]));
    let silent_href = format!("/findings?{}", query(&[("silent", "true".to_owned())]));
    let register = r.format.parse::<Format>().ok().and_then(|f| match f {
        Format::FindingsCsv => Some(Kind::Finding),
        Format::ReleasesCsv => Some(Kind::Release),
        Format::IncidentsCsv => Some(Kind::Incident),
        Format::AuditFindingsCsv => Some(Kind::AuditFinding),
        Format::RisksCsv => Some(Kind::Risk),
        Format::GithubIssues | Format::Jira => Some(Kind::BacklogItem),
        _ => None,
    });
    let c = &r.counts;
    let stats: [(&str, u64); 7] = [
        ("Read from the file", c.total),
        ("Created", c.created),
        ("Updated", c.updated),
        ("Unchanged", c.unchanged),
        ("Closed as fixed", c.closed),
        ("Reopened", c.reopened),
        ("Silent exceptions", c.silent),
    ];
    let body = html! {
        (page_head(&format!("Import {}", r.reference), &r.file_name, Some(&format!("{} · {} · imported {} by {}", format_name(&r.format), size(r.bytes), when(r.at), who)), html! {
            a class="btn" href="/imports" { "All imports" }
        }))
        section aria-labelledby="counts-title" {
            h2 class="sr-only" id="counts-title" { "What it did" }
            dl class="stats" {
                @for (label, n) in stats {
                    div class="stat" { dt class="stat-label" { (label) } dd class="stat-value" { (n) } }
                }
            }
        }
        div class="grid-2" {
            section class="card" aria-labelledby="file-title" {
                h2 class="card-title" id="file-title" { "The file" }
                dl class="kv" {
                    dt { "File name" } dd { (r.file_name) }
                    dt { "Format" } dd { (format_name(&r.format)) }
                    dt { "Size" } dd { (size(r.bytes)) " (" (r.bytes) " bytes)" }
                    dt { "SHA-256" } dd { code class="hash" { (r.sha256) } }
                    dt { "Imported by" } dd { (who) }
                    dt { "When" } dd { (when(r.at)) }
                    @if scanner {
                        dt { "System" }
                        dd { @if let Some(s) = &system { a href={ "/systems/" (Kind::System.reference(s.number)) } { (s.name) } } @else { span class="muted" { "none" } } }
                        dt { "Environment" } dd { (r.environment.clone().unwrap_or_else(|| "production".into())) }
                    }
                }
            }
            section class="card" aria-labelledby="next-title" {
                h2 class="card-title" id="next-title" { "Where it went" }
                ul class="plain links" {
                    @if scanner {
                        li { a href=(findings_href) { "The findings of this system and environment" } }
                        @if c.silent > 0 {
                            li { a class="silent-link" href=(silent_href) { (c.silent) " silent exception" @if c.silent != 1 { "s" } } ": suppressed by the scanner, covered by no approved exception" }
                        }
                    }
                    @if let Some(k) = register {
                        li { a href={ "/" (k.plural()) } { "The " (k.label().to_lowercase()) " register" } }
                    }
                    li { a href={ "/audit?entity=" (r.id) } { "The audit trail of this import" } }
                }
            }
        }
    };
    Ok(page(&p, Nav::Imports, &r.reference, None, body))
}

/// `GET /export/{register}.csv`: the same download as `GET /api/v1/export/{register}`.
pub async fn export(State(st): State<AppState>, WebUser(p): WebUser, Path(file): Path<String>) -> Page {
    Ok(imports::export(&st, &p, imports::csv_kind(&file)?).await?.into_response())
}
