//! Tracker backlogs in, [`TrackerItem`]s out: GitHub issues ([`github`]) and Jira issues as
//! REST JSON or CSV export ([`jira`]). The kind of work each issue is comes from a
//! [`TrackerMapping`] (labels, then issue type, then a default); its status from the tracker's
//! state. The whole document is refused with a located [`ParseError`] (JSON path, or CSV
//! `line N, column M (Header)`) when one issue is malformed: never a partial result.
//!
//! Limits, so hostile input is refused rather than stored (the caller limits the file size;
//! JSON nesting deeper than 128 levels is refused by `serde_json`):
//!
//! * a title, key, label, status, issue type or date longer than [`FIELD_MAX_BYTES`] (64 KiB)
//!   is an error at its path, as is a description longer than [`DESCRIPTION_MAX_BYTES`] (1 MiB);
//! * more than [`LABELS_MAX`] labels on one issue is an error;
//! * within those limits, a title is cut to [`TITLE_MAX_CHARS`] characters and a description
//!   to [`DESCRIPTION_MAX_CHARS`] (the backlog's own limits), ending in `…`; control characters
//!   are dropped and a title's line breaks become spaces;
//! * an external key longer than 200 characters is an error (the backlog's limit).

pub mod github;
pub mod jira;
pub mod mapping;

use rhythm_domain::{ItemStatus, WorkKind};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

pub use mapping::TrackerMapping;

use crate::model::ParseError;

/// Longest title, key, label, status or type accepted (bytes); longer is refused.
pub const FIELD_MAX_BYTES: usize = 64 * 1024;
/// Longest description accepted (bytes); longer is refused.
pub const DESCRIPTION_MAX_BYTES: usize = 1024 * 1024;
/// Most labels accepted on one issue.
pub const LABELS_MAX: usize = 100;
/// Titles are cut to this many characters (the backlog's limit).
pub const TITLE_MAX_CHARS: usize = 300;
/// Descriptions are cut to this many characters (the backlog's limit).
pub const DESCRIPTION_MAX_CHARS: usize = 20_000;
/// Longest external key (the backlog's limit).
pub const KEY_MAX_CHARS: usize = 200;

/// One issue of a tracker, normalized into what a backlog item needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackerItem {
    /// `github` or `jira`.
    pub source: &'static str,
    /// The issue's key in its tracker: `octo-org/api#12` for GitHub, `PAY-142` for Jira.
    /// Unique per workspace: re-import matches on it.
    pub external_key: String,
    /// The issue's page: GitHub's `html_url`, Jira's `{base}/browse/KEY`.
    pub external_url: Option<String>,
    /// One line, at most [`TITLE_MAX_CHARS`] characters, never empty.
    pub title: String,
    /// Plain text (Jira ADF documents flattened), at most [`DESCRIPTION_MAX_CHARS`] characters.
    pub description: String,
    /// From the [`TrackerMapping`].
    pub kind: WorkKind,
    pub status: ItemStatus,
    /// `false` when the tracker only tells open from closed (GitHub): an open issue then says
    /// "not done" rather than "to do", and an item already in progress stays in progress.
    pub exact_status: bool,
    /// The issue's labels, as the tracker spells them.
    pub labels: Vec<String>,
    /// Jira's issue type, or GitHub's issue type when the API gives one.
    pub issue_type: Option<String>,
    /// The tracker's own status name (`In Progress`, `open`).
    pub tracker_status: String,
    pub created_at: Option<OffsetDateTime>,
    pub updated_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    /// Jira's `duedate`, GitHub's milestone `due_on`.
    pub due_date: Option<Date>,
}

/// What one document held: the items, and what was skipped with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrackerBatch {
    pub items: Vec<TrackerItem>,
    /// Entries that are not backlog items (GitHub pull requests), by path, with why.
    pub skipped: Vec<Skipped>,
}

/// An entry of the document that is not a backlog item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Where it is (`[0]`, `items[3]`).
    pub path: String,
    /// The tracker key when known (`octocat/Hello-World#1347`).
    pub key: Option<String>,
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// The document as a JSON value: BOM stripped; empty input, invalid JSON and nesting deeper than
/// 128 levels are errors at `$` (serde_json's message names line and column).
pub(crate) fn read_json(bytes: &[u8], what: &str) -> Result<serde_json::Value, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::new("$", format!("empty file, expected {what}")));
    }
    serde_json::from_slice(bytes).map_err(|e| ParseError::new("$", format!("not valid JSON ({what} expected): {e}")))
}

/// `prefix` + `.field` (or `field` at the root).
pub(crate) fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() || prefix == "$" { field.to_owned() } else { format!("{prefix}.{field}") }
}

/// Refuses a field longer than `max` bytes.
pub(crate) fn check_len(path: &str, value: &str, max: usize) -> Result<(), ParseError> {
    if value.len() > max {
        return Err(ParseError::new(path, format!("is {} bytes long; the limit is {max}", value.len())));
    }
    Ok(())
}

/// A one-line title: controls dropped, runs of whitespace (line breaks too) one space, cut to
/// [`TITLE_MAX_CHARS`]. Empty is an error at `path`.
pub(crate) fn title(path: &str, raw: &str) -> Result<String, ParseError> {
    check_len(path, raw, FIELD_MAX_BYTES)?;
    let one_line = raw.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty());
    let joined = one_line.collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        return Err(ParseError::new(path, "is empty: every issue needs a title"));
    }
    Ok(cut(joined, TITLE_MAX_CHARS))
}

/// A multi-line text: `\r\n` → `\n`, controls other than line breaks and tabs dropped,
/// trimmed, cut to [`DESCRIPTION_MAX_CHARS`].
pub(crate) fn description(path: &str, raw: &str) -> Result<String, ParseError> {
    check_len(path, raw, DESCRIPTION_MAX_BYTES)?;
    let text: String =
        raw.replace("\r\n", "\n").chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect();
    Ok(cut(text.trim().to_owned(), DESCRIPTION_MAX_CHARS))
}

/// At most `max` characters; a cut text ends in `…`.
fn cut(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        return s;
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    out
}

/// A short field (label, status, type): length-checked, trimmed, controls dropped.
pub(crate) fn short(path: &str, raw: &str) -> Result<String, ParseError> {
    check_len(path, raw, FIELD_MAX_BYTES)?;
    Ok(raw.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned())
}

/// Labels: blank ones dropped, duplicates (ignoring case) kept once, at most [`LABELS_MAX`].
pub(crate) fn labels(path: &str, raw: Vec<(String, String)>) -> Result<Vec<String>, ParseError> {
    if raw.len() > LABELS_MAX {
        return Err(ParseError::new(path, format!("has {} labels; the limit is {LABELS_MAX}", raw.len())));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (p, l) in raw {
        let l = short(&p, &l)?;
        if !l.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&l)) {
            out.push(l);
        }
    }
    Ok(out)
}

/// An external key: trimmed, non-empty, single line, at most [`KEY_MAX_CHARS`].
pub(crate) fn key(path: &str, raw: &str) -> Result<String, ParseError> {
    check_len(path, raw, FIELD_MAX_BYTES)?;
    let k = raw.trim();
    if k.is_empty() {
        return Err(ParseError::new(path, "is empty: every issue needs its key"));
    }
    if k.chars().any(char::is_control) {
        return Err(ParseError::new(path, "contains control characters"));
    }
    let n = k.chars().count();
    if n > KEY_MAX_CHARS {
        return Err(ParseError::new(path, format!("is {n} characters long; the limit is {KEY_MAX_CHARS}")));
    }
    Ok(k.to_owned())
}

/// An absolute `http(s)` URL, or `None` for anything else (a link is a convenience: a bad
/// one is dropped, not stored).
pub(crate) fn web_url(raw: Option<&str>) -> Option<String> {
    let u = raw?.trim();
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 2000
        && !u.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| u.to_owned())
}

/// A timestamp: RFC 3339 (`2017-10-10T16:00:00Z`), or Jira's REST form with a `+hhmm` offset
/// and optional milliseconds (`2020-12-03T14:05:20.974+0100`).
pub(crate) fn timestamp(path: &str, raw: &str) -> Result<OffsetDateTime, ParseError> {
    check_len(path, raw, FIELD_MAX_BYTES)?;
    let s = raw.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    // Jira: the offset without a colon. Insert one and try RFC 3339 again.
    let b = s.as_bytes();
    if b.len() > 5 && matches!(b[b.len() - 5], b'+' | b'-') && b[b.len() - 4..].iter().all(u8::is_ascii_digit) {
        let fixed = format!("{}:{}", &s[..s.len() - 2], &s[s.len() - 2..]);
        if let Ok(t) = OffsetDateTime::parse(&fixed, &Rfc3339) {
            return Ok(t);
        }
    }
    Err(ParseError::new(
        path,
        format!("{s:?} is not a timestamp like 2026-11-27T09:15:00Z or 2026-11-27T09:15:00.000+0100"),
    ))
}

/// A calendar date `YYYY-MM-DD`, or the date part of a timestamp.
pub(crate) fn date(path: &str, raw: &str) -> Result<Date, ParseError> {
    check_len(path, raw, FIELD_MAX_BYTES)?;
    let s = raw.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, &fmt) {
        return Ok(d);
    }
    timestamp(path, s)
        .map(OffsetDateTime::date)
        .map_err(|_| ParseError::new(path, format!("{s:?} is not a date like 2026-11-27")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_line_and_cut() {
        assert_eq!(title("t", "  Fix\r\n the\tlogin \u{7}bug ").unwrap(), "Fix the login bug");
        let long = "x".repeat(400);
        let t = title("t", &long).unwrap();
        assert_eq!(t.chars().count(), TITLE_MAX_CHARS);
        assert!(t.ends_with('…'));
        assert_eq!(title("t", " \n ").unwrap_err().to_string(), "at t: is empty: every issue needs a title");
        let huge = "y".repeat(FIELD_MAX_BYTES + 1);
        assert!(title("[0].title", &huge).unwrap_err().to_string().starts_with("at [0].title: is 65537 bytes long"));
    }

    #[test]
    fn timestamps_of_both_trackers() {
        let a = timestamp("x", "2020-12-03T14:05:20.974+0100").unwrap();
        assert_eq!(a, time::macros::datetime!(2020-12-03 13:05:20.974 UTC));
        let b = timestamp("x", "2017-10-10T16:00:00Z").unwrap();
        assert_eq!(b, time::macros::datetime!(2017-10-10 16:00 UTC));
        assert_eq!(date("d", "2026-11-27").unwrap(), time::macros::date!(2026 - 11 - 27));
        assert!(timestamp("x", "yesterday").is_err());
    }

    #[test]
    fn descriptions_keep_lines_and_drop_controls() {
        assert_eq!(description("d", "a\r\nb\u{0}c\n").unwrap(), "a\nbc");
    }
}
