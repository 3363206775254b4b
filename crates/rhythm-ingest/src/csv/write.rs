//! The export side: rows back to CSV text that [`super::parse`] reads to the same rows.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::CsvRows;

/// The file for `rows`: the kind's header, then its extra columns, then one record per row
/// (CRLF line ends, RFC 4180 quoting). Timestamps are RFC 3339 in UTC, dates `YYYY-MM-DD`,
/// unknown values empty.
pub fn write(rows: &CsvRows) -> String {
    let kind = rows.kind();
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    let header: Vec<&str> = kind.header().iter().chain(kind.extra_columns()).copied().collect();
    let mut records: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    records.push(header.iter().map(|s| (*s).to_owned()).collect());
    match rows {
        CsvRows::Findings(v) => records.extend(v.iter().map(|r| {
            vec![
                r.external_id.clone(),
                opt(r.system.as_deref()),
                r.tool.clone(),
                r.rule.clone(),
                r.title.clone(),
                r.severity.as_str().to_owned(),
                r.environment.as_str().to_owned(),
                r.component.clone(),
                ts(r.first_seen),
                ts(r.fixed_at),
                r.kev.to_string(),
                opt(r.reference.as_deref()),
            ]
        })),
        CsvRows::Releases(v) => records.extend(v.iter().map(|r| {
            vec![
                r.external_id.clone(),
                opt(r.system.as_deref()),
                r.name.clone(),
                day(Some(r.planned_date)),
                day(r.shipped_date),
                r.planned_items.to_string(),
                r.shipped_items.map(|n| n.to_string()).unwrap_or_default(),
                opt(r.slip_reason.as_deref()),
                r.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                opt(r.reference.as_deref()),
            ]
        })),
        CsvRows::Incidents(v) => records.extend(v.iter().map(|r| {
            vec![
                r.external_id.clone(),
                r.title.clone(),
                r.severity.as_str().to_owned(),
                ts(Some(r.started_at)),
                ts(r.detected_at),
                ts(r.contained_at),
                ts(r.resolved_at),
                r.customer_impact.to_string(),
                opt(r.reference.as_deref()),
            ]
        })),
        CsvRows::AuditFindings(v) => records.extend(v.iter().map(|r| {
            vec![
                r.external_id.clone(),
                r.framework.clone(),
                r.control.clone(),
                r.title.clone(),
                r.severity.as_str().to_owned(),
                day(Some(r.opened_at)),
                day(r.closed_at),
                opt(r.repeat_of.as_deref()),
                opt(r.reference.as_deref()),
            ]
        })),
        CsvRows::Risks(v) => records.extend(v.iter().map(|r| {
            vec![
                r.external_id.clone(),
                r.statement.clone(),
                r.impact.to_string(),
                r.likelihood.to_string(),
                opt(r.owner.as_deref()),
                r.mitigation.clone(),
                day(r.due_date),
                r.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                r.found_stage.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                opt(r.reference.as_deref()),
            ]
        })),
    }
    for rec in &records {
        debug_assert_eq!(rec.len(), header.len());
        w.write_record(rec.iter().map(|c| guard(c).into_owned())).expect("writing to memory does not fail");
    }
    let bytes = w.into_inner().expect("flushing to memory does not fail");
    String::from_utf8(bytes).expect("every field is a String, so the file is UTF-8")
}

/// Formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (a title
/// such as `=HYPERLINK(…)` from a scanner). Such a cell is written with a leading `'`, which
/// spreadsheets show as text; the import takes one such quote off again ([`super::unguard`]),
/// so an export still imports back unchanged.
fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    if super::needs_guard(cell) { format!("'{cell}").into() } else { cell.into() }
}

fn opt(s: Option<&str>) -> String {
    s.unwrap_or_default().to_owned()
}

fn ts(t: Option<OffsetDateTime>) -> String {
    t.map(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).expect("a UTC time in years 0-9999 formats"))
        .unwrap_or_default()
}

fn day(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}
