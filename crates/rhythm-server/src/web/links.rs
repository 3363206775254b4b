//! Links between pages that more than one page shows: a register's CSV download, the silent
//! exceptions of the findings list, a finding's "request an exception". Here so the pages that
//! show them depend on this file, not on each other.

use maud::{Markup, html};
use rhythm_domain::{Finding, Kind};
use rhythm_store::{CsvKind, ListQuery};
use uuid::Uuid;

use super::urlencode;
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service;

/// The registers with a CSV export, as (path segment, label).
pub fn exports() -> Vec<(&'static str, &'static str)> {
    CsvKind::ALL
        .into_iter()
        .map(|k| match k {
            CsvKind::Findings => ("findings", "Security findings"),
            CsvKind::Releases => ("releases", "Releases"),
            CsvKind::Incidents => ("incidents", "Incidents"),
            CsvKind::AuditFindings => ("audit-findings", "Audit findings"),
            CsvKind::Risks => ("risks", "Risks"),
        })
        .collect()
}

/// The download link of a register, when it has a CSV export.
pub fn export_href(kind: Kind) -> Option<String> {
    let name = kind.plural();
    exports().iter().any(|(n, _)| *n == name).then(|| format!("/export/{name}.csv"))
}

/// Open findings the scanner calls suppressed that no approved exception covers.
pub async fn silent_count(st: &AppState, p: &Principal) -> Result<i64, AppError> {
    let q = ListQuery { filters: vec![("silent".into(), "true".into())], limit: 1, ..Default::default() };
    Ok(service::list::<Finding>(st, p, &q).await?.total)
}

/// A request-exception link for one finding.
pub fn request_exception_href(finding_id: Uuid) -> String {
    format!("/exceptions/new?finding={}", urlencode(&finding_id.to_string()))
}

/// The "Silent exceptions (N)" link of the findings list and the imports page.
pub fn silent_link(n: i64, current: bool) -> Markup {
    html! {
        a class="btn" href="/findings?silent=true" aria-current=[current.then_some("page")] {
            "Silent exceptions (" (n) ")"
        }
    }
}
