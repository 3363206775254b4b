//! Governance operations the API and the web UI share: exceptions (and, beside them, decisions
//! and the policy).

pub mod exceptions;
