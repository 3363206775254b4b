//! rhythm-ingest's integration tests, one binary (each crate keeps one: a test binary is a link
//! of the whole crate graph, and eight of them cost eight links on every change). Every parser
//! against the real fixtures and their `facts.json`, format detection, the tracker parsers and
//! the stable fuzz smoke (`hostile`).

mod common;
mod cyclonedx;
mod detect;
mod grype;
mod hostile;
mod osv;
mod sarif;
mod tracker;
mod trivy;
