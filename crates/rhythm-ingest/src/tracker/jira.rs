//! Jira issues into [`TrackerItem`]s: REST JSON ([`parse_json`]) and the CSV export
//! ([`parse_csv`]).
//!
//! **JSON** (shape recognized from the document): a search response `{"issues": […]}` (REST
//! v2/v3 `search`, `search/jql`, the Agile API's board and sprint issues), one issue
//! `{"key", "fields"}` (`GET /issue/{key}`), or an array of issues. Each issue needs `key`
//! and `fields`. The title is `fields.summary`; an issue fetched without it (a search that
//! asked for other fields) gets the summary its `changelog` last set, else its key. Read are `fields.description` (v2 text, or a v3 Atlassian Document
//! Format document flattened to plain text), `issuetype.name`, `status.name` and
//! `status.statusCategory.key`, `labels`, `created`, `updated`, `resolutiondate` and
//! `duedate`. The link is `{base}/browse/{key}`, the base being the issue's `self` URL up to
//! `/rest/`, else the mapping's `jira_base_url`, else there is no link.
//!
//! **CSV** (Issues → Export → CSV): the first row names the columns. `Summary` and `Issue key`
//! are required; `Issue Type`, `Status`, `Labels`, `Description`, `Created`, `Updated`,
//! `Resolved` and `Due Date` are read when present (header names ignore case); other columns
//! (`Issue id`, `Priority`, custom fields) are ignored. Jira repeats the `Labels` column once
//! per label: every `Labels` column is read. Dates are Jira's default export format
//! `27/Nov/26 9:15 AM` (day / English month abbreviation / two-digit year meaning 20yy,
//! 12-hour clock; `27/Nov/2026` and a date without time too), or ISO `2026-11-27`,
//! `2026-11-27 09:15` or RFC 3339. Times without an offset are read as UTC. Errors name the
//! position: `line 3, column 2 (Issue key)`.
//!
//! **Status**: see [`TrackerMapping`]: the status name table, then the status category
//! (JSON only), then done when there is a resolution date, else todo.

use rhythm_domain::ItemStatus;
use serde::Deserialize;
use serde_json::Value;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::{TrackerItem, TrackerMapping};
use crate::json_input::{looks_like, null_default, typed};
use crate::model::ParseError;

const WHAT: &str = "Jira issues (a search response {\"issues\": […]}, one issue or an array of issues)";

/// Parse a Jira REST response (search results, one issue, or an array of issues).
pub fn parse_json(bytes: &[u8], mapping: &TrackerMapping) -> Result<Vec<TrackerItem>, ParseError> {
    let doc = super::read_json(bytes, WHAT)?;
    let mut out = Vec::new();
    match doc {
        Value::Object(mut o) if o.contains_key("issues") => match o.remove("issues") {
            Some(Value::Array(issues)) => {
                for (i, v) in issues.into_iter().enumerate() {
                    out.push(json_issue(v, &format!("issues[{i}]"), mapping)?);
                }
            }
            Some(Value::Null) => {}
            _ => return Err(ParseError::new("issues", "expected an array of issues")),
        },
        Value::Object(o) if o.contains_key("key") || o.contains_key("fields") => {
            out.push(json_issue(Value::Object(o), "$", mapping)?);
        }
        Value::Array(issues) => {
            for (i, v) in issues.into_iter().enumerate() {
                out.push(json_issue(v, &format!("[{i}]"), mapping)?);
            }
        }
        other => return Err(ParseError::new("$", format!("expected {WHAT}, found {}", looks_like(&other)))),
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Issue {
    key: String,
    #[serde(default, rename = "self")]
    self_url: Option<String>,
    fields: Fields,
    #[serde(default)]
    changelog: Option<Changelog>,
}

#[derive(Deserialize)]
struct Changelog {
    #[serde(default, deserialize_with = "null_default")]
    histories: Vec<History>,
}

#[derive(Deserialize)]
struct History {
    #[serde(default)]
    created: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    items: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: Option<String>,
    #[serde(default, rename = "toString")]
    to: Option<String>,
}

#[derive(Deserialize)]
struct Fields {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    description: Option<Value>,
    #[serde(default)]
    issuetype: Option<Named>,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default, deserialize_with = "null_default")]
    labels: Vec<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    updated: Option<String>,
    #[serde(default)]
    resolutiondate: Option<String>,
    #[serde(default)]
    duedate: Option<String>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Status {
    name: String,
    #[serde(default, rename = "statusCategory")]
    category: Option<Category>,
}

#[derive(Deserialize)]
struct Category {
    #[serde(default)]
    key: Option<String>,
}

fn json_issue(v: Value, path: &str, mapping: &TrackerMapping) -> Result<TrackerItem, ParseError> {
    if !v.is_object() {
        return Err(ParseError::new(path, format!("expected an issue object, found {}", looks_like(&v))));
    }
    let is: Issue = typed(v, if path == "$" { "" } else { path })?;
    let p = |f: &str| super::join(path, f);
    let key = jira_key(&p("key"), &is.key)?;
    let title = match &is.fields.summary {
        Some(s) => super::title(&p("fields.summary"), s)?,
        // A search that asked for other fields: the last summary change, else the key.
        None => match latest_summary(is.changelog.as_ref()) {
            Some(s) => super::title(&p("changelog"), &s)?,
            None => key.clone(),
        },
    };
    let description = match &is.fields.description {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => super::description(&p("fields.description"), s)?,
        Some(doc @ Value::Object(_)) => super::description(&p("fields.description"), &adf_to_text(doc))?,
        Some(_) => {
            return Err(ParseError::new(
                p("fields.description"),
                "expected text or an Atlassian Document Format document",
            ));
        }
    };
    let raw_labels =
        is.fields.labels.into_iter().enumerate().map(|(i, l)| (format!("{}[{i}]", p("fields.labels")), l)).collect();
    let labels = super::labels(&p("fields.labels"), raw_labels)?;
    let issue_type = match &is.fields.issuetype {
        Some(t) => Some(super::short(&p("fields.issuetype.name"), &t.name)?).filter(|t| !t.is_empty()),
        None => None,
    };
    let ts = |f: &str, v: &Option<String>| {
        v.as_deref().filter(|s| !s.trim().is_empty()).map(|s| super::timestamp(&p(f), s)).transpose()
    };
    let closed_at = ts("fields.resolutiondate", &is.fields.resolutiondate)?;
    let (tracker_status, category) = match &is.fields.status {
        Some(s) => (super::short(&p("fields.status.name"), &s.name)?, s.category.as_ref().and_then(|c| c.key.clone())),
        None => (String::new(), None),
    };
    let status = status(mapping, &tracker_status, category.as_deref(), closed_at.is_some());
    let due_date = match is.fields.duedate.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(d) => Some(super::date(&p("fields.duedate"), d)?),
        None => None,
    };
    let base = is
        .self_url
        .as_deref()
        .and_then(|u| u.split_once("/rest/").map(|(b, _)| b.to_owned()))
        .or_else(|| mapping.jira_base_url.clone());
    Ok(TrackerItem {
        source: "jira",
        kind: mapping.kind(&labels, issue_type.as_deref()),
        external_url: base.and_then(|b| super::web_url(Some(&format!("{}/browse/{key}", b.trim_end_matches('/'))))),
        external_key: key,
        title,
        description,
        status,
        exact_status: true,
        labels,
        issue_type,
        tracker_status,
        created_at: ts("fields.created", &is.fields.created)?,
        updated_at: ts("fields.updated", &is.fields.updated)?,
        closed_at,
        due_date,
    })
}

/// The summary the changelog last set (histories by `created`, later entries winning ties).
fn latest_summary(log: Option<&Changelog>) -> Option<String> {
    let mut best: Option<(OffsetDateTime, &str)> = None;
    for h in &log?.histories {
        let Some(when) = h.created.as_deref().and_then(|c| super::timestamp("", c).ok()) else { continue };
        for c in &h.items {
            if c.field.as_deref() == Some("summary")
                && let Some(to) = c.to.as_deref().filter(|t| !t.trim().is_empty())
                && best.is_none_or(|(b, _)| when >= b)
            {
                best = Some((when, to));
            }
        }
    }
    best.map(|(_, s)| s.to_owned())
}

/// A Jira issue key: `PROJECT-123` (letters, digits and `_`, starting with a letter).
fn jira_key(path: &str, raw: &str) -> Result<String, ParseError> {
    let k = super::key(path, raw)?;
    let ok = k.split_once('-').is_some_and(|(project, n)| {
        project.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && project.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
    });
    if !ok {
        return Err(ParseError::new(path, format!("{k:?} is not a Jira issue key like PAY-142")));
    }
    Ok(k)
}

/// Name table, then status category, then resolution.
fn status(mapping: &TrackerMapping, name: &str, category: Option<&str>, resolved: bool) -> ItemStatus {
    if let Some(s) = mapping.status_by_name(name) {
        return s;
    }
    match category {
        Some("new") => ItemStatus::Todo,
        Some("indeterminate") => ItemStatus::InProgress,
        Some("done") => ItemStatus::Done,
        _ if resolved => ItemStatus::Done,
        _ => ItemStatus::Todo,
    }
}

// ---------------------------------------------------------------------------------------------
// Atlassian Document Format

/// An ADF document as plain text: paragraphs separated by a blank line, list items as `- ` or
/// `1. ` lines, table cells joined by ` | `, mentions, emoji, dates and status lozenges by their
/// text, cards by their URL. Marks (bold, links) are dropped. The depth is bounded by the JSON
/// reader (128 levels).
pub fn adf_to_text(doc: &Value) -> String {
    node(doc).trim().to_owned()
}

fn children(n: &Value) -> &[Value] {
    n.get("content").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn attr<'a>(n: &'a Value, name: &str) -> Option<&'a str> {
    n.get("attrs").and_then(|a| a.get(name)).and_then(Value::as_str)
}

fn join_blocks(nodes: &[Value], sep: &str) -> String {
    nodes.iter().map(node).filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join(sep)
}

fn node(n: &Value) -> String {
    let ty = n.get("type").and_then(Value::as_str).unwrap_or("");
    match ty {
        "text" => n.get("text").and_then(Value::as_str).unwrap_or("").to_owned(),
        "hardBreak" => "\n".to_owned(),
        "mention" | "status" => attr(n, "text").unwrap_or("").to_owned(),
        "emoji" => attr(n, "text").or_else(|| attr(n, "shortName")).unwrap_or("").to_owned(),
        "inlineCard" | "blockCard" | "embedCard" => attr(n, "url").unwrap_or("").to_owned(),
        "date" => attr(n, "timestamp")
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(|ms| OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
            .map(|t| t.date().to_string())
            .unwrap_or_default(),
        "rule" => "---".to_owned(),
        "paragraph" | "heading" | "codeBlock" => children(n).iter().map(node).collect(),
        "bulletList" => children(n).iter().map(|li| format!("- {}", node(li))).collect::<Vec<_>>().join("\n"),
        "orderedList" => {
            let start = n.get("attrs").and_then(|a| a.get("order")).and_then(Value::as_u64).unwrap_or(1);
            children(n).iter().zip(start..).map(|(li, i)| format!("{i}. {}", node(li))).collect::<Vec<_>>().join("\n")
        }
        "listItem" | "taskItem" | "decisionItem" | "taskList" | "decisionList" | "table" => {
            join_blocks(children(n), "\n")
        }
        "tableRow" => children(n).iter().map(node).collect::<Vec<_>>().join(" | "),
        "tableCell" | "tableHeader" => join_blocks(children(n), " "),
        "blockquote" => {
            join_blocks(children(n), "\n\n").lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")
        }
        // doc, panel, expand, layouts and anything unknown: their blocks, a blank line apart.
        _ => {
            let kids = children(n);
            if kids.iter().all(is_inline) { kids.iter().map(node).collect() } else { join_blocks(kids, "\n\n") }
        }
    }
}

fn is_inline(n: &Value) -> bool {
    matches!(
        n.get("type").and_then(Value::as_str),
        Some("text" | "hardBreak" | "mention" | "emoji" | "inlineCard" | "date" | "status")
    )
}

// ---------------------------------------------------------------------------------------------
// CSV export

/// Parse Jira's CSV export (see the module documentation for the columns and date formats).
pub fn parse_csv(bytes: &[u8], mapping: &TrackerMapping) -> Result<Vec<TrackerItem>, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::new("line 1", "empty file, expected a Jira CSV export with a header row"));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(false).from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(csv_error(&e)),
        None => return Err(ParseError::new("line 1", "no header row")),
    };
    let cols = Columns::new(&header)?;
    let mut out = Vec::new();
    for rec in records {
        let rec = rec.map_err(|e| csv_error(&e))?;
        let line = rec.position().map_or(0, csv::Position::line);
        out.push(csv_row(&rec, line, &cols, mapping)?);
    }
    Ok(out)
}

/// Column indexes by (lower-case) header name.
struct Columns {
    names: Vec<String>,
    summary: usize,
    key: usize,
    issue_type: Option<usize>,
    status: Option<usize>,
    labels: Vec<usize>,
    description: Option<usize>,
    created: Option<usize>,
    updated: Option<usize>,
    resolved: Option<usize>,
    due: Option<usize>,
}

impl Columns {
    fn new(header: &csv::StringRecord) -> Result<Columns, ParseError> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
        for (i, n) in names.iter().enumerate() {
            super::check_len(&format!("line 1, column {}", i + 1), n, super::FIELD_MAX_BYTES)?;
        }
        let find = |name: &str| names.iter().position(|h| h.eq_ignore_ascii_case(name));
        let required = |name: &str| {
            find(name).ok_or_else(|| {
                ParseError::new(
                    "line 1",
                    format!(
                        "no `{name}` column: a Jira CSV export's header has Summary, Issue key, Issue Type, \
                         Status, Labels, Description, Created, Updated, Resolved, Due Date"
                    ),
                )
            })
        };
        Ok(Columns {
            summary: required("Summary")?,
            key: required("Issue key")?,
            issue_type: find("Issue Type"),
            status: find("Status"),
            labels: names
                .iter()
                .enumerate()
                .filter(|(_, h)| h.eq_ignore_ascii_case("Labels"))
                .map(|(i, _)| i)
                .collect(),
            description: find("Description"),
            created: find("Created"),
            updated: find("Updated"),
            resolved: find("Resolved"),
            due: find("Due Date"),
            names,
        })
    }

    fn at(&self, line: u64, col: usize) -> String {
        format!("line {line}, column {} ({})", col + 1, self.names[col])
    }
}

fn csv_error(e: &csv::Error) -> ParseError {
    let line = e.position().map_or(1, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields, but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("is not UTF-8 text (field {})", err.field() + 1),
        _ => e.to_string(),
    };
    ParseError::new(format!("line {line}"), message)
}

fn csv_row(
    rec: &csv::StringRecord,
    line: u64,
    cols: &Columns,
    mapping: &TrackerMapping,
) -> Result<TrackerItem, ParseError> {
    let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).filter(|s| !s.is_empty());
    let key = jira_key(&cols.at(line, cols.key), rec.get(cols.key).unwrap_or(""))?;
    let title = super::title(&cols.at(line, cols.summary), rec.get(cols.summary).unwrap_or(""))?;
    let description = match cols.description {
        Some(c) => super::description(&cols.at(line, c), rec.get(c).unwrap_or(""))?,
        None => String::new(),
    };
    let raw_labels: Vec<(String, String)> = cols
        .labels
        .iter()
        .filter_map(|c| rec.get(*c).map(|v| (cols.at(line, *c), v.to_owned())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let labels = super::labels(&format!("line {line}"), raw_labels)?;
    let issue_type = match cols.issue_type {
        Some(c) => Some(super::short(&cols.at(line, c), rec.get(c).unwrap_or(""))?).filter(|t| !t.is_empty()),
        None => None,
    };
    let tracker_status = match cols.status {
        Some(c) => super::short(&cols.at(line, c), rec.get(c).unwrap_or(""))?,
        None => String::new(),
    };
    let when = |c: Option<usize>| -> Result<Option<OffsetDateTime>, ParseError> {
        match (c, get(c)) {
            (Some(c), Some(v)) => csv_datetime(&cols.at(line, c), v).map(Some),
            _ => Ok(None),
        }
    };
    let closed_at = when(cols.resolved)?;
    let due_date = when(cols.due)?.map(OffsetDateTime::date);
    Ok(TrackerItem {
        source: "jira",
        kind: mapping.kind(&labels, issue_type.as_deref()),
        external_url: mapping
            .jira_base_url
            .as_deref()
            .and_then(|b| super::web_url(Some(&format!("{}/browse/{key}", b.trim_end_matches('/'))))),
        status: status(mapping, &tracker_status, None, closed_at.is_some()),
        external_key: key,
        title,
        description,
        exact_status: true,
        labels,
        issue_type,
        tracker_status,
        created_at: when(cols.created)?,
        updated_at: when(cols.updated)?,
        closed_at,
        due_date,
    })
}

/// A CSV date or time: Jira's `27/Nov/26 9:15 AM` (or `27/Nov/2026`, with or without the time),
/// ISO `2026-11-27`, `2026-11-27 09:15[:00]`, or RFC 3339. No offset means UTC.
pub(crate) fn csv_datetime(path: &str, raw: &str) -> Result<OffsetDateTime, ParseError> {
    super::check_len(path, raw, super::FIELD_MAX_BYTES)?;
    let s = raw.trim();
    let bad = || {
        ParseError::new(
            path,
            format!("{s:?} is not a date like 27/Nov/26 9:15 AM, 27/Nov/2026, 2026-11-27 or 2026-11-27T09:15:00Z"),
        )
    };
    if let Ok(t) = super::timestamp(path, s) {
        return Ok(t);
    }
    let (date_part, time_part) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let date = if date_part.contains('/') { jira_date(date_part) } else { iso_date(date_part) }.ok_or_else(bad)?;
    let time = match time_part {
        None => Time::MIDNIGHT,
        Some(t) => clock(t).ok_or_else(bad)?,
    };
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

/// `27/Nov/26` or `27/Nov/2026` (English month abbreviations, any case).
fn jira_date(s: &str) -> Option<Date> {
    let mut parts = s.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let day: u8 = d.parse().ok()?;
    let month = match m.to_ascii_lowercase().as_str() {
        "jan" => Month::January,
        "feb" => Month::February,
        "mar" => Month::March,
        "apr" => Month::April,
        "may" => Month::May,
        "jun" => Month::June,
        "jul" => Month::July,
        "aug" => Month::August,
        "sep" | "sept" => Month::September,
        "oct" => Month::October,
        "nov" => Month::November,
        "dec" => Month::December,
        _ => return None,
    };
    let year: i32 = match y.len() {
        2 => 2000 + y.parse::<i32>().ok()?,
        4 => y.parse().ok()?,
        _ => return None,
    };
    Date::from_calendar_date(year, month, day).ok()
}

fn iso_date(s: &str) -> Option<Date> {
    Date::parse(s, &time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// `9:15 AM`, `12:00 pm`, `09:15`, `09:15:30`.
fn clock(s: &str) -> Option<Time> {
    let lower = s.to_ascii_lowercase();
    let (hm, period) = match lower.rsplit_once(' ') {
        Some((hm, p @ ("am" | "pm"))) => (hm.trim().to_owned(), Some(p == "pm")),
        _ => (lower.clone(), None),
    };
    let mut parts = hm.split(':');
    let h: u8 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let sec: u8 = match parts.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let h = match period {
        None => h,
        Some(_) if h == 0 || h > 12 => return None,
        Some(false) => h % 12,
        Some(true) => h % 12 + 12,
    };
    Time::from_hms(h, m, sec).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn jira_csv_dates() {
        assert_eq!(csv_datetime("x", "27/Nov/26 9:15 AM").unwrap(), datetime!(2026-11-27 09:15 UTC));
        assert_eq!(csv_datetime("x", "01/Dec/25 12:05 PM").unwrap(), datetime!(2025-12-01 12:05 UTC));
        assert_eq!(csv_datetime("x", "01/dec/2025 12:05 am").unwrap(), datetime!(2025-12-01 00:05 UTC));
        assert_eq!(csv_datetime("x", "27/Nov/26").unwrap(), datetime!(2026-11-27 00:00 UTC));
        assert_eq!(csv_datetime("x", "2026-11-27 09:15").unwrap(), datetime!(2026-11-27 09:15 UTC));
        assert_eq!(csv_datetime("x", "2026-11-27").unwrap(), datetime!(2026-11-27 00:00 UTC));
        for bad in ["31/Feb/26", "27/Foo/26 9:15 AM", "27/Nov/26 13:00 PM", "tomorrow", "27/Nov/26 9:15 XM"] {
            let e = csv_datetime("line 2, column 9 (Created)", bad).unwrap_err();
            assert_eq!(e.path, "line 2, column 9 (Created)");
            assert!(e.message.contains("is not a date like 27/Nov/26 9:15 AM"), "{bad}: {e}");
        }
    }

    #[test]
    fn keys_are_checked() {
        assert_eq!(jira_key("k", " PAY-142 ").unwrap(), "PAY-142");
        for bad in ["PAY", "142", "PAY-", "-1", "PAY 1-2", "PAY-1a"] {
            assert!(jira_key("k", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn adf_lists_tables_and_inline_nodes() {
        let doc = serde_json::json!({"type": "doc", "version": 1, "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Steps"}]},
            {"type": "orderedList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Log in as "}, {"type": "mention", "attrs": {"id": "1", "text": "@Ana"}}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Open", "marks": [{"type": "strong"}]}, {"type": "hardBreak"}, {"type": "inlineCard", "attrs": {"url": "https://x.example/a"}}]}]}
            ]},
            {"type": "table", "content": [{"type": "tableRow", "content": [
                {"type": "tableHeader", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "A"}]}]},
                {"type": "tableCell", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "B"}]}]}
            ]}]},
            {"type": "blockquote", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "quoted"}]}]},
            {"type": "rule"},
            {"type": "paragraph", "content": [{"type": "emoji", "attrs": {"shortName": ":fire:"}}, {"type": "text", "text": " due "}, {"type": "date", "attrs": {"timestamp": "1796083200000"}}]}
        ]});
        assert_eq!(
            adf_to_text(&doc),
            "Steps\n\n1. Log in as @Ana\n2. Open\nhttps://x.example/a\n\nA | B\n\n> quoted\n\n---\n\n:fire: due 2026-12-01"
        );
    }
}
