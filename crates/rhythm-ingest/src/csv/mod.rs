//! CSV interchange for the registers: a team's spreadsheet in, its data out.
//!
//! One format per register ([`CsvKind`]); `parse(kind, bytes)` reads a whole file into typed
//! rows ([`CsvRows`]) with every cell parsed and checked, or refuses the whole file with one
//! [`ParseError`] whose path is `line 7, column severity`. Names (systems, owners, the
//! audit finding a row repeats) are resolved to ids by the store, which also upserts by
//! `external_id`. [`write`] is the export: the same columns, so an export imports unchanged.
//!
//! The rules (see `docs/csv-interchange.md`):
//! - RFC 4180: comma separated, `"` quotes, `""` inside quotes; CRLF or LF; a UTF-8 BOM is
//!   skipped. Non-UTF-8, a stray quote or an unclosed quote is refused where it is.
//! - The header names the columns, in any order; every column of [`CsvKind::header`] must be
//!   there, others are ignored. Names are matched case-insensitively, trimmed.
//! - Cells are trimmed; empty means unknown / not yet. Severities, environments, statuses and
//!   stages are case-insensitive. Timestamps are RFC 3339 with any offset (stored as UTC, to
//!   the microsecond) or `YYYY-MM-DD` (midnight UTC); date columns take `YYYY-MM-DD` (or an
//!   RFC 3339 timestamp, whose UTC date is used).
//! - Hostile input is bounded before any record is built: a field over [`MAX_FIELD_BYTES`] or
//!   a row over [`MAX_COLUMNS`] columns is refused by a first pass that keeps no state.

use std::collections::HashMap;

use rhythm_domain::{Environment, Kind, ReleaseStatus, RiskStatus, Severity, Stage};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::model::ParseError;

mod shape;
mod write;
pub use shape::{MAX_COLUMNS, MAX_FIELD_BYTES};
use shape::{header_names, shape};
pub use write::write;

#[cfg(test)]
mod tests;

/// Longest `external_id`, in characters (the registers' own limit).
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;

/// Which register a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsvKind {
    Findings,
    Releases,
    Incidents,
    AuditFindings,
    Risks,
}

impl CsvKind {
    pub const ALL: [CsvKind; 5] =
        [CsvKind::Findings, CsvKind::Releases, CsvKind::Incidents, CsvKind::AuditFindings, CsvKind::Risks];

    /// The importer's name: `findings-csv`, `releases-csv`, …
    pub fn as_str(self) -> &'static str {
        match self {
            CsvKind::Findings => "findings-csv",
            CsvKind::Releases => "releases-csv",
            CsvKind::Incidents => "incidents-csv",
            CsvKind::AuditFindings => "audit-findings-csv",
            CsvKind::Risks => "risks-csv",
        }
    }

    /// The kind named by [`CsvKind::as_str`].
    pub fn from_name(name: &str) -> Option<CsvKind> {
        CsvKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The register the rows go to.
    pub fn register(self) -> Kind {
        match self {
            CsvKind::Findings => Kind::Finding,
            CsvKind::Releases => Kind::Release,
            CsvKind::Incidents => Kind::Incident,
            CsvKind::AuditFindings => Kind::AuditFinding,
            CsvKind::Risks => Kind::Risk,
        }
    }

    /// The columns every file of this kind has, in the order an export writes them.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            CsvKind::Findings => &[
                "external_id",
                "system",
                "tool",
                "rule",
                "title",
                "severity",
                "environment",
                "component",
                "first_seen",
                "fixed_at",
                "kev",
            ],
            CsvKind::Releases => &[
                "external_id",
                "system",
                "name",
                "planned_date",
                "shipped_date",
                "planned_items",
                "shipped_items",
                "slip_reason",
            ],
            CsvKind::Incidents => &[
                "external_id",
                "title",
                "severity",
                "started_at",
                "detected_at",
                "contained_at",
                "resolved_at",
                "customer_impact",
            ],
            CsvKind::AuditFindings => {
                &["external_id", "framework", "control", "title", "severity", "opened_at", "closed_at", "repeat_of"]
            }
            CsvKind::Risks => &[
                "external_id",
                "statement",
                "impact",
                "likelihood",
                "owner",
                "mitigation",
                "due_date",
                "status",
                "found_stage",
            ],
        }
    }

    /// Optional columns an export adds after [`CsvKind::header`]; an import reads them when
    /// present. `reference` (`FND-12`) is informational and never changes anything.
    pub fn extra_columns(self) -> &'static [&'static str] {
        match self {
            CsvKind::Releases => &["status", "reference"],
            _ => &["reference"],
        }
    }
}

impl std::fmt::Display for CsvKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a findings CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    /// The file's line the row starts on (0 for rows built for an export).
    pub line: u64,
    pub external_id: String,
    /// A system's name; empty when the finding belongs to no system.
    pub system: Option<String>,
    pub tool: String,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub environment: Environment,
    pub component: String,
    /// Unknown: now for a new finding, kept for an existing one.
    pub first_seen: Option<OffsetDateTime>,
    /// Empty: the finding is open.
    pub fixed_at: Option<OffsetDateTime>,
    pub kev: bool,
    pub reference: Option<String>,
}

/// One row of a releases CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    pub line: u64,
    pub external_id: String,
    pub system: Option<String>,
    pub name: String,
    pub planned_date: Date,
    pub shipped_date: Option<Date>,
    /// Empty: 0.
    pub planned_items: i64,
    pub shipped_items: Option<i64>,
    pub slip_reason: Option<String>,
    /// Extra column; empty: shipped with a shipped date, else planned (or kept when cancelled).
    pub status: Option<ReleaseStatus>,
    pub reference: Option<String>,
}

/// One row of an incidents CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub line: u64,
    pub external_id: String,
    pub title: String,
    pub severity: Severity,
    pub started_at: OffsetDateTime,
    pub detected_at: Option<OffsetDateTime>,
    pub contained_at: Option<OffsetDateTime>,
    pub resolved_at: Option<OffsetDateTime>,
    /// Empty: false.
    pub customer_impact: bool,
    pub reference: Option<String>,
}

/// One row of an audit findings CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditFindingRow {
    pub line: u64,
    pub external_id: String,
    pub framework: String,
    pub control: String,
    pub title: String,
    pub severity: Severity,
    pub opened_at: Date,
    pub closed_at: Option<Date>,
    /// Another audit finding's `external_id` (possibly of a row of the same file) or its
    /// reference (`AUD-12`).
    pub repeat_of: Option<String>,
    pub reference: Option<String>,
}

/// One row of a risks CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskRow {
    pub line: u64,
    pub external_id: String,
    pub statement: String,
    pub impact: i64,
    pub likelihood: i64,
    /// A user's e-mail.
    pub owner: Option<String>,
    pub mitigation: String,
    pub due_date: Option<Date>,
    /// Empty: open for a new risk, kept for an existing one.
    pub status: Option<RiskStatus>,
    /// Empty: `development` for a new risk, kept for an existing one.
    pub found_stage: Option<Stage>,
    pub reference: Option<String>,
}

/// The rows of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum CsvRows {
    Findings(Vec<FindingRow>),
    Releases(Vec<ReleaseRow>),
    Incidents(Vec<IncidentRow>),
    AuditFindings(Vec<AuditFindingRow>),
    Risks(Vec<RiskRow>),
}

impl CsvRows {
    pub fn kind(&self) -> CsvKind {
        match self {
            CsvRows::Findings(_) => CsvKind::Findings,
            CsvRows::Releases(_) => CsvKind::Releases,
            CsvRows::Incidents(_) => CsvKind::Incidents,
            CsvRows::AuditFindings(_) => CsvKind::AuditFindings,
            CsvRows::Risks(_) => CsvKind::Risks,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            CsvRows::Findings(v) => v.len(),
            CsvRows::Releases(v) => v.len(),
            CsvRows::Incidents(v) => v.len(),
            CsvRows::AuditFindings(v) => v.len(),
            CsvRows::Risks(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads a whole file of `kind`. Any bad cell refuses the file: no partial result.
pub fn parse(kind: CsvKind, bytes: &[u8]) -> Result<CsvRows, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::new(
            "line 1",
            format!("the file is empty; a {kind} file starts with the header {}", kind.header().join(",")),
        ));
    }
    if matches!(bytes.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'[')) {
        return Err(ParseError::new(
            "line 1",
            format!(
                "this is JSON, not CSV: the {kind} importer takes a CSV file with the header {}",
                kind.header().join(",")
            ),
        ));
    }
    if let Err(e) = shape(bytes) {
        // Name the column from the header when the header itself is readable.
        let column = header_names(bytes).and_then(|h| h.get(e.field).cloned()).filter(|n| !n.is_empty());
        let path = match column {
            Some(name) => format!("line {}, column {name}", e.line),
            None => format!("line {}, column {}", e.line, e.field + 1),
        };
        return Err(ParseError::new(path, e.message));
    }
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = ::csv::ByteRecord::new();
    let mut lines = Lines { bytes, offset: 0, line: 1 };
    let header = loop {
        if !read(&mut reader, &mut record)? {
            return Err(ParseError::new(
                "line 1",
                format!("the file has no header; a {kind} file starts with {}", kind.header().join(",")),
            ));
        }
        if !blank(&record) {
            break Header::new(kind, &record, lines.of(&record))?;
        }
    };
    let mut rows = Rows::new(kind);
    let mut seen: HashMap<String, u64> = HashMap::new();
    while read(&mut reader, &mut record)? {
        if blank(&record) {
            continue;
        }
        let cells = header.cells(&record, lines.of(&record))?;
        let external_id = cells.required("external_id")?;
        if external_id.chars().count() > MAX_EXTERNAL_ID_CHARS {
            return Err(cells.err("external_id", format!("is longer than {MAX_EXTERNAL_ID_CHARS} characters")));
        }
        if external_id.contains(['\n', '\r']) {
            return Err(cells.err("external_id", "must be a single line"));
        }
        if let Some(first) = seen.get(external_id) {
            return Err(cells.err(
                "external_id",
                format!("'{external_id}' is also on line {first}: an external_id appears once per file"),
            ));
        }
        seen.insert(external_id.to_owned(), cells.line);
        rows.push(&cells)?;
    }
    Ok(rows.0)
}

/// Reads the next record; `false` at the end.
fn read(reader: &mut ::csv::Reader<&[u8]>, record: &mut ::csv::ByteRecord) -> Result<bool, ParseError> {
    reader.read_byte_record(record).map_err(|e| {
        let line = e.position().map_or(0, ::csv::Position::line);
        ParseError::new(format!("line {line}"), format!("not a readable CSV file: {e}"))
    })
}

fn blank(record: &::csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// The line each record starts on. The reader's own line count lags behind a CRLF (it has not
/// consumed the LF yet), so lines are counted here from the record's byte offset, onwards only.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl Lines<'_> {
    fn of(&mut self, record: &::csv::ByteRecord) -> u64 {
        let mut start = record.position().map_or(0, |p| p.byte() as usize).min(self.bytes.len());
        // The record starts after any line ends (and blank lines) the reader skipped.
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            #[allow(clippy::naive_bytecount)] // once over the file; not worth a dependency
            let n = self.bytes[self.offset..start].iter().filter(|b| **b == b'\n').count();
            self.line += n as u64;
            self.offset = start;
        }
        self.line
    }
}

/// The header of a file: where each known column is.
struct Header {
    kind: CsvKind,
    /// Column name → position, for the kind's columns and extras present.
    at: HashMap<&'static str, usize>,
    len: usize,
    line: u64,
}

impl Header {
    fn new(kind: CsvKind, record: &::csv::ByteRecord, line: u64) -> Result<Header, ParseError> {
        let mut at = HashMap::new();
        let mut names: Vec<String> = Vec::with_capacity(record.len());
        for (i, raw) in record.iter().enumerate() {
            let name = std::str::from_utf8(raw)
                .map_err(|_| ParseError::new(format!("line {line}, column {}", i + 1), "is not UTF-8 text"))?
                .trim()
                .to_ascii_lowercase();
            if !name.is_empty() && names.contains(&name) {
                return Err(ParseError::new(
                    format!("line {line}, column {name}"),
                    "the header names this column twice",
                ));
            }
            if let Some(known) = kind.header().iter().chain(kind.extra_columns()).find(|c| **c == name) {
                at.insert(*known, i);
            }
            names.push(name);
        }
        let missing: Vec<&str> = kind.header().iter().copied().filter(|c| !at.contains_key(c)).collect();
        if let Some(first) = missing.first() {
            let message = if missing.len() == kind.header().len() {
                format!(
                    "this is not a {kind} file: none of its columns are in the header. A {kind} file starts with {}",
                    kind.header().join(",")
                )
            } else {
                format!(
                    "the header lacks the required column{} {}; a {kind} file has {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    kind.header().join(",")
                )
            };
            return Err(ParseError::new(format!("line {line}, column {first}"), message));
        }
        Ok(Header { kind, at, len: record.len(), line })
    }

    fn cells<'r>(&self, record: &'r ::csv::ByteRecord, line: u64) -> Result<Cells<'r>, ParseError> {
        if record.len() != self.len {
            return Err(ParseError::new(
                format!("line {line}"),
                format!("the row has {} columns; the header (line {}) has {}", record.len(), self.line, self.len),
            ));
        }
        let mut values = HashMap::with_capacity(self.at.len());
        for (i, raw) in record.iter().enumerate() {
            let text = std::str::from_utf8(raw).map_err(|e| {
                let name = self
                    .at
                    .iter()
                    .find(|(_, p)| **p == i)
                    .map_or_else(|| (i + 1).to_string(), |(n, _)| (*n).to_owned());
                ParseError::new(
                    format!("line {line}, column {name}"),
                    format!("is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()),
                )
            })?;
            if let Some((name, _)) = self.at.iter().find(|(_, p)| **p == i) {
                values.insert(*name, text.trim());
            }
        }
        Ok(Cells { kind: self.kind, line, values })
    }
}

/// One record's cells by column name, with the line for errors.
struct Cells<'r> {
    kind: CsvKind,
    line: u64,
    values: HashMap<&'static str, &'r str>,
}

/// Whether a cell would run as a formula in a spreadsheet: it starts (after any `'`) with
/// `=`, `+`, `-` or `@`.
pub(crate) fn needs_guard(cell: &str) -> bool {
    matches!(cell.trim_start_matches('\'').as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@'))
}

/// Takes off the one `'` the export put before a cell that [`needs_guard`].
pub(crate) fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

impl<'r> Cells<'r> {
    fn err(&self, column: &str, message: impl Into<String>) -> ParseError {
        ParseError::new(format!("line {}, column {column}", self.line), message)
    }

    /// The trimmed cell, without the export's formula guard; "" for an absent extra column.
    fn text(&self, column: &str) -> &'r str {
        unguard(self.values.get(column).copied().unwrap_or(""))
    }

    fn opt(&self, column: &str) -> Option<&'r str> {
        Some(self.text(column)).filter(|s| !s.is_empty())
    }

    fn opt_string(&self, column: &str) -> Option<String> {
        self.opt(column).map(str::to_owned)
    }

    fn required(&self, column: &str) -> Result<&'r str, ParseError> {
        self.opt(column).ok_or_else(|| self.err(column, "is required"))
    }

    fn enumerated<T: std::str::FromStr<Err = String>>(&self, column: &str) -> Result<Option<T>, ParseError> {
        self.opt(column).map(|s| s.parse::<T>().map_err(|e| self.err(column, e))).transpose()
    }

    fn required_enum<T: std::str::FromStr<Err = String>>(&self, column: &str) -> Result<T, ParseError> {
        self.enumerated(column)?.ok_or_else(|| self.err(column, "is required"))
    }

    fn timestamp(&self, column: &str) -> Result<Option<OffsetDateTime>, ParseError> {
        self.opt(column).map(|s| parse_timestamp(s).map_err(|m| self.err(column, m))).transpose()
    }

    fn date(&self, column: &str) -> Result<Option<Date>, ParseError> {
        self.opt(column).map(|s| parse_date(s).map_err(|m| self.err(column, m))).transpose()
    }

    fn int(&self, column: &str) -> Result<Option<i64>, ParseError> {
        self.opt(column)
            .map(|s| s.parse::<i64>().map_err(|_| self.err(column, format!("'{s}' is not a whole number"))))
            .transpose()
    }

    fn boolean(&self, column: &str) -> Result<bool, ParseError> {
        match self.text(column).to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => Ok(false),
            "true" | "yes" | "1" => Ok(true),
            other => Err(self.err(column, format!("'{other}' is not one of: true, false, yes, no, 1, 0 (or empty)"))),
        }
    }

    /// `later` must not be before `earlier` when both are known.
    fn not_before<T: PartialOrd>(
        &self,
        later: (&str, Option<T>),
        earlier: (&str, Option<T>),
    ) -> Result<(), ParseError> {
        if let (Some(l), Some(e)) = (&later.1, &earlier.1)
            && l < e
        {
            return Err(self.err(later.0, format!("is before {}", earlier.0)));
        }
        Ok(())
    }
}

/// RFC 3339 with any offset, or `YYYY-MM-DD` (midnight UTC); UTC to the microsecond.
pub fn parse_timestamp(s: &str) -> Result<OffsetDateTime, String> {
    let t = if s.len() == 10 {
        parse_day(s)?.midnight().assume_utc()
    } else {
        OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
            format!("'{s}' is not a time: use RFC 3339 (2026-03-02T09:30:00Z, any offset) or a date (2026-03-02)")
        })?
    };
    let t = t.to_offset(UtcOffset::UTC);
    Ok(t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t))
}

/// `YYYY-MM-DD`, or an RFC 3339 timestamp whose UTC date is taken.
pub fn parse_date(s: &str) -> Result<Date, String> {
    if s.len() == 10 {
        parse_day(s)
    } else {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(|t| t.to_offset(UtcOffset::UTC).date())
            .map_err(|_| format!("'{s}' is not a date: use YYYY-MM-DD (2026-03-02)"))
    }
}

fn parse_day(s: &str) -> Result<Date, String> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("'{s}' is not a date: use YYYY-MM-DD (2026-03-02), a real day of the calendar"))
}

/// Rows collected by kind.
struct Rows(CsvRows);

impl Rows {
    fn new(kind: CsvKind) -> Rows {
        Rows(match kind {
            CsvKind::Findings => CsvRows::Findings(Vec::new()),
            CsvKind::Releases => CsvRows::Releases(Vec::new()),
            CsvKind::Incidents => CsvRows::Incidents(Vec::new()),
            CsvKind::AuditFindings => CsvRows::AuditFindings(Vec::new()),
            CsvKind::Risks => CsvRows::Risks(Vec::new()),
        })
    }

    fn push(&mut self, c: &Cells<'_>) -> Result<(), ParseError> {
        debug_assert_eq!(c.kind, self.0.kind());
        match &mut self.0 {
            CsvRows::Findings(v) => v.push(finding(c)?),
            CsvRows::Releases(v) => v.push(release(c)?),
            CsvRows::Incidents(v) => v.push(incident(c)?),
            CsvRows::AuditFindings(v) => v.push(audit_finding(c)?),
            CsvRows::Risks(v) => v.push(risk(c)?),
        }
        Ok(())
    }
}

fn finding(c: &Cells<'_>) -> Result<FindingRow, ParseError> {
    let row = FindingRow {
        line: c.line,
        external_id: c.required("external_id")?.to_owned(),
        system: c.opt_string("system"),
        tool: c.required("tool")?.to_owned(),
        rule: c.required("rule")?.to_owned(),
        title: c.required("title")?.to_owned(),
        severity: c.required_enum("severity")?,
        environment: c.required_enum("environment")?,
        component: c.text("component").to_owned(),
        first_seen: c.timestamp("first_seen")?,
        fixed_at: c.timestamp("fixed_at")?,
        kev: c.boolean("kev")?,
        reference: c.opt_string("reference"),
    };
    c.not_before(("fixed_at", row.fixed_at), ("first_seen", row.first_seen))?;
    Ok(row)
}

fn release(c: &Cells<'_>) -> Result<ReleaseRow, ParseError> {
    let row = ReleaseRow {
        line: c.line,
        external_id: c.required("external_id")?.to_owned(),
        system: c.opt_string("system"),
        name: c.required("name")?.to_owned(),
        planned_date: c.date("planned_date")?.ok_or_else(|| c.err("planned_date", "is required"))?,
        shipped_date: c.date("shipped_date")?,
        planned_items: c.int("planned_items")?.unwrap_or(0),
        shipped_items: c.int("shipped_items")?,
        slip_reason: c.opt_string("slip_reason"),
        status: c.enumerated("status")?,
        reference: c.opt_string("reference"),
    };
    for (col, n) in [("planned_items", Some(row.planned_items)), ("shipped_items", row.shipped_items)] {
        if n.is_some_and(|n| n < 0) {
            return Err(c.err(col, "must not be negative"));
        }
    }
    Ok(row)
}

fn incident(c: &Cells<'_>) -> Result<IncidentRow, ParseError> {
    let row = IncidentRow {
        line: c.line,
        external_id: c.required("external_id")?.to_owned(),
        title: c.required("title")?.to_owned(),
        severity: c.required_enum("severity")?,
        started_at: c.timestamp("started_at")?.ok_or_else(|| c.err("started_at", "is required"))?,
        detected_at: c.timestamp("detected_at")?,
        contained_at: c.timestamp("contained_at")?,
        resolved_at: c.timestamp("resolved_at")?,
        customer_impact: c.boolean("customer_impact")?,
        reference: c.opt_string("reference"),
    };
    // Each known time is at or after the last known one before it.
    let times = [
        ("started_at", Some(row.started_at)),
        ("detected_at", row.detected_at),
        ("contained_at", row.contained_at),
        ("resolved_at", row.resolved_at),
    ];
    let mut last: Option<(&str, OffsetDateTime)> = None;
    for (name, t) in times {
        if let Some(t) = t {
            if let Some(prev) = last {
                c.not_before((name, Some(t)), (prev.0, Some(prev.1)))?;
            }
            last = Some((name, t));
        }
    }
    Ok(row)
}

fn audit_finding(c: &Cells<'_>) -> Result<AuditFindingRow, ParseError> {
    let row = AuditFindingRow {
        line: c.line,
        external_id: c.required("external_id")?.to_owned(),
        framework: c.required("framework")?.to_owned(),
        control: c.required("control")?.to_owned(),
        title: c.required("title")?.to_owned(),
        severity: c.required_enum("severity")?,
        opened_at: c.date("opened_at")?.ok_or_else(|| c.err("opened_at", "is required"))?,
        closed_at: c.date("closed_at")?,
        repeat_of: c.opt_string("repeat_of"),
        reference: c.opt_string("reference"),
    };
    c.not_before(("closed_at", row.closed_at), ("opened_at", Some(row.opened_at)))?;
    if row.repeat_of.as_deref() == Some(row.external_id.as_str()) {
        return Err(c.err("repeat_of", "a finding cannot repeat itself"));
    }
    Ok(row)
}

fn risk(c: &Cells<'_>) -> Result<RiskRow, ParseError> {
    let score = |col: &str| -> Result<i64, ParseError> {
        let n = c.int(col)?.ok_or_else(|| c.err(col, "is required (1 to 5)"))?;
        if (1..=5).contains(&n) { Ok(n) } else { Err(c.err(col, format!("must be 1 to 5; got {n}"))) }
    };
    Ok(RiskRow {
        line: c.line,
        external_id: c.required("external_id")?.to_owned(),
        statement: c.required("statement")?.to_owned(),
        impact: score("impact")?,
        likelihood: score("likelihood")?,
        owner: c.opt_string("owner"),
        mitigation: c.text("mitigation").to_owned(),
        due_date: c.date("due_date")?,
        status: c.enumerated("status")?,
        found_stage: c.enumerated("found_stage")?,
        reference: c.opt_string("reference"),
    })
}
