//! The operations both the API and the web UI call, one file per area, so every rule
//! (permissions, validation, workspace isolation) is enforced once. Handlers call these, not
//! each other.

mod registers;
pub mod tokens;

pub use registers::*;
