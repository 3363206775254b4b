//! Scanner output in, [`ScannedFinding`]s out. Each format has its own module with one entry
//! point, `parse(bytes) -> Result<Scan, ParseError>`. Parsers are pure and bounded: they read
//! the bytes they are given (the caller limits the size), `serde_json` refuses nesting deeper
//! than 128 levels, and a malformed file is an error that names the JSON path and the reason —
//! never a partial result. Every string a finding keeps is capped (title 1 KiB, others 2 KiB,
//! 64 aliases: see [`model`]), and text that many findings share (a SARIF rule, a Trivy target)
//! is read once or through a bounded window, so memory and work stay linear in the input however
//! it repeats itself. `tests/it/hostile.rs` and the cargo-fuzz targets in `fuzz/` check this
//! (docs/fuzzing.md).
//!
//! Tracker backlogs (GitHub issues, Jira JSON and CSV) are in [`tracker`]: issues in,
//! [`tracker::TrackerItem`]s out, their kind from a configurable [`tracker::TrackerMapping`].
//!
//! The fingerprint of a finding is stable across re-scans of the same code or image: it is
//! what re-import matches on (per system, tool and environment).

pub mod csv;
pub mod cyclonedx;
pub mod format;
pub mod grype;
mod json_input;
pub mod model;
pub mod osv;
pub mod parallel;
pub mod sarif;
pub mod tracker;
pub mod trivy;

pub use model::{ParseError, Scan, ScannedFinding, Suppression, fingerprint};
