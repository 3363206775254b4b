//! Governance operations the API and the web UI share: decisions and the versioned policy.

pub mod decisions;
pub mod policy;
