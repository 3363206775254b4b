//! The operations both the API and the web UI call, one file per area, so every rule
//! (permissions, validation, workspace isolation, what a role may see) is enforced once.
//! Handlers translate HTTP to these calls and back; they call neither the store nor each
//! other.

pub mod accounts;
pub mod audit;
pub mod decisions;
pub mod exceptions;
pub mod gate;
pub mod imports;
pub mod notifications;
pub mod policy;
mod registers;
pub mod reviews;
pub mod sign_in;
pub mod tokens;
pub mod waiting;

pub use registers::*;
