//! Governance operations the API and the web UI share: exceptions, decisions and the
//! versioned policy.

pub mod decisions;
pub mod exceptions;
pub mod policy;
