//! Every importer by name, detection of a file's format (`auto`), and one entry point that
//! parses any of them: what `rhythm import FORMAT FILE` and `POST /api/v1/imports` call.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::csv::{CsvKind, CsvRows};
use crate::model::{ParseError, Scan};
use crate::tracker::{TrackerBatch, TrackerMapping};

/// An importer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Sarif,
    Trivy,
    Grype,
    Cyclonedx,
    Osv,
    FindingsCsv,
    ReleasesCsv,
    IncidentsCsv,
    AuditFindingsCsv,
    RisksCsv,
    GithubIssues,
    Jira,
}

impl Format {
    pub const ALL: [Format; 12] = [
        Format::Sarif,
        Format::Trivy,
        Format::Grype,
        Format::Cyclonedx,
        Format::Osv,
        Format::FindingsCsv,
        Format::ReleasesCsv,
        Format::IncidentsCsv,
        Format::AuditFindingsCsv,
        Format::RisksCsv,
        Format::GithubIssues,
        Format::Jira,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sarif => "sarif",
            Format::Trivy => "trivy",
            Format::Grype => "grype",
            Format::Cyclonedx => "cyclonedx",
            Format::Osv => "osv",
            Format::FindingsCsv => "findings-csv",
            Format::ReleasesCsv => "releases-csv",
            Format::IncidentsCsv => "incidents-csv",
            Format::AuditFindingsCsv => "audit-findings-csv",
            Format::RisksCsv => "risks-csv",
            Format::GithubIssues => "github-issues",
            Format::Jira => "jira",
        }
    }

    /// Scanner output: findings with re-import scopes (system, tool, environment).
    pub fn is_scanner(self) -> bool {
        matches!(self, Format::Sarif | Format::Trivy | Format::Grype | Format::Cyclonedx | Format::Osv)
    }

    /// The register CSV it is, if it is one.
    pub fn csv_kind(self) -> Option<CsvKind> {
        match self {
            Format::FindingsCsv => Some(CsvKind::Findings),
            Format::ReleasesCsv => Some(CsvKind::Releases),
            Format::IncidentsCsv => Some(CsvKind::Incidents),
            Format::AuditFindingsCsv => Some(CsvKind::AuditFindings),
            Format::RisksCsv => Some(CsvKind::Risks),
            _ => None,
        }
    }

    /// Whether a file of this format is JSON (else CSV; Jira is either).
    pub fn json(self) -> Option<bool> {
        match self {
            Format::Jira => None,
            f => Some(f.csv_kind().is_none()),
        }
    }

    /// The names, for messages: `sarif, trivy, …`.
    pub fn names() -> String {
        Format::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown import format '{s}'; use one of {}, or auto", Format::names()))
    }
}

/// What a file held, parsed.
#[derive(Debug, Clone)]
pub enum Parsed {
    Scan(Scan),
    Csv(CsvRows),
    Backlog(TrackerBatch),
}

/// How much of a file detection looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// Tells a file's format from its first 64 KiB (and its name's extension, for CSV): the
/// markers each format's files carry. Ambiguous or unknown is an error that asks for the
/// format by name.
pub fn detect(bytes: &[u8], file_name: &str) -> Result<Format, ParseError> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let unknown = || {
        ParseError::new(
            "$",
            format!(
                "could not tell the format of {file_name}; name it: rhythm import FORMAT (one of {})",
                Format::names()
            ),
        )
    };
    if text.starts_with('{') || text.starts_with('[') {
        let has = |m: &str| text.contains(m);
        let found = if has("\"runs\"") {
            Format::Sarif
        } else if [
            "\"SchemaVersion\"",
            "\"ArtifactName\"",
            "\"ClusterName\"",
            "\"VulnerabilityID\"",
            "\"Misconfigurations\"",
        ]
        .iter()
        .any(|m| has(m))
        {
            Format::Trivy
        } else if has("\"matches\"") && (has("\"descriptor\"") || has("\"vulnerability\"")) {
            Format::Grype
        } else if has("\"bomFormat\"") && has("CycloneDX") {
            Format::Cyclonedx
        } else if has("\"results\"") && !has("\"html_url\"") {
            Format::Osv
        } else if has("\"html_url\"") && (has("\"repository_url\"") || has("api.github.com")) {
            Format::GithubIssues
        } else if has("\"key\"") && has("\"fields\"") {
            Format::Jira
        } else {
            return Err(unknown());
        };
        return Ok(found);
    }
    // CSV: the header line names the register.
    let header = text.lines().next().unwrap_or("").to_ascii_lowercase();
    let cols: Vec<&str> = header.split(',').map(|c| c.trim().trim_matches('"')).collect();
    let has = |c: &str| cols.contains(&c);
    if has("issue key") && has("summary") {
        return Ok(Format::Jira);
    }
    for kind in CsvKind::ALL {
        if kind.header().iter().all(|c| has(c)) {
            return Ok(match kind {
                CsvKind::Findings => Format::FindingsCsv,
                CsvKind::Releases => Format::ReleasesCsv,
                CsvKind::Incidents => Format::IncidentsCsv,
                CsvKind::AuditFindings => Format::AuditFindingsCsv,
                CsvKind::Risks => Format::RisksCsv,
            });
        }
    }
    Err(unknown())
}

/// Parses `bytes` as `format`. Tracker files map issues to work kinds with `mapping`.
pub fn parse(format: Format, bytes: &[u8], mapping: &TrackerMapping) -> Result<Parsed, ParseError> {
    Ok(match format {
        Format::Sarif => Parsed::Scan(crate::sarif::parse(bytes)?),
        Format::Trivy => Parsed::Scan(crate::trivy::parse(bytes)?),
        Format::Grype => Parsed::Scan(crate::grype::parse(bytes)?),
        Format::Cyclonedx => Parsed::Scan(crate::cyclonedx::parse(bytes)?),
        Format::Osv => Parsed::Scan(crate::osv::parse(bytes)?),
        Format::GithubIssues => Parsed::Backlog(crate::tracker::github::parse_batch(bytes, mapping)?),
        Format::Jira => {
            let first =
                bytes.iter().copied().find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
            let items = if matches!(first, Some(b'{' | b'[')) {
                crate::tracker::jira::parse_json(bytes, mapping)?
            } else {
                crate::tracker::jira::parse_csv(bytes, mapping)?
            };
            Parsed::Backlog(TrackerBatch { items, skipped: Vec::new() })
        }
        f => {
            let kind = f.csv_kind().expect("the remaining formats are register CSVs");
            Parsed::Csv(crate::csv::parse(kind, bytes)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        let err = "xlsx".parse::<Format>().unwrap_err();
        assert!(err.contains("sarif, trivy") && err.contains("auto"), "{err}");
    }

    #[test]
    fn detection_reads_headers_and_markers() {
        let csv = b"external_id,statement,impact,likelihood,owner,mitigation,due_date,status,found_stage\n";
        assert_eq!(detect(csv, "r.csv"), Ok(Format::RisksCsv));
        assert_eq!(detect(b"Summary,Issue key,Status\n", "j.csv"), Ok(Format::Jira));
        assert_eq!(detect(b"{\"bomFormat\":\"CycloneDX\"}", "b.json"), Ok(Format::Cyclonedx));
        let err = detect(b"hello", "notes.txt").unwrap_err();
        assert!(err.message.contains("notes.txt") && err.message.contains("FORMAT"), "{err}");
    }
}
