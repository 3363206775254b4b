//! Rhythm's domain: the registers, their validation rules, roles and permissions.
//!
//! This crate is pure and deterministic. It does no IO, reads no clock and makes no ids:
//! time and ids come in as parameters, so the same inputs always give the same outputs.

pub mod account;
pub mod decision;
pub mod enums;
pub mod exception;
pub mod exception_rules;
pub mod gate;
pub mod history;
pub mod kind;
pub mod patch;
pub mod policy;
pub mod policy_diff;
pub mod registers;
pub mod role;
pub mod secret;
pub mod validate;

pub use account::{User, Workspace};
pub use enums::*;
pub use exception::{
    Command as ExceptionCommand, Ctx as ExceptionCtx, Event as ExceptionEvent, Exception, ExceptionInput,
    ExceptionPatch, ExceptionSide, ExceptionStatus, Refusal as ExceptionRefusal, Signature as ExceptionSignature,
    SignatureDecision, Signatures as ExceptionSignatures,
};
pub use exception_rules::ExceptionDraft;
pub use registers::*;
pub use role::{Permission, Role};
pub use secret::Secret;
pub use validate::{FieldError, Invalid};
