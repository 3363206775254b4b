//! Governance: the versioned policy, written decisions and two-signature exceptions.
//!
//! Every public method is one unit of work, as in `registers.rs`: a write takes the workspace
//! lock, lets the domain build or change the entry, checks that every id it points at belongs
//! to the same workspace, writes, and appends its audit row in the same transaction.
//!
//! Decisions and exceptions are [`crate::Table`]s (`governance/tables.rs`): they are read,
//! listed, inserted and saved by the same generic code as the registers; what is theirs is
//! the life cycle around it.

use rhythm_domain::decision::DecisionRefusal;
use rhythm_domain::{ExceptionRefusal, FieldError, Invalid};
use uuid::Uuid;

use crate::db::Tx;
use crate::{Actor, StoreError};

mod decisions;
mod exceptions;
mod policy;
mod proposals;
mod tables;

pub(crate) use decisions::{check_decision_refs, create_decision_in, gate_overrides, policy_for_gate};
pub(crate) use exceptions::gate_exceptions;
pub use policy::PolicyVersion;
pub(crate) use policy::policy_in;
pub use proposals::{PolicyProposal, ProposalInput};
pub use tables::{DECISION_SORTS, EXCEPTION_SORTS};

/// Codes of the store's own refusals of governance steps (the exception state machine names
/// its rules in [`rhythm_domain::exception::rule`]).
pub mod rule {
    /// The person does not hold the decision right for the decision's category (403).
    pub const NO_DECISION_RIGHT: &str = "no_decision_right";
    /// The decision is not in a state that allows the step (409).
    pub const DECISION_WRONG_STATE: &str = "decision_wrong_state";
    /// The step must be taken by a person, and the actor is not one (403).
    pub const PERSON_REQUIRED: &str = "person_required";
    /// A command names another person than the one acting (403): nobody signs, withdraws or
    /// edits on someone else's behalf, so the audit row and the signature always agree.
    pub const NOT_THE_ACTOR: &str = "not_the_actor";
    /// The policy changed after a proposal was made, so deciding it would apply something its
    /// signers did not read (409): withdraw it and propose again.
    pub const POLICY_PROPOSAL_STALE: &str = "policy_proposal_stale";
}

impl From<DecisionRefusal> for StoreError {
    fn from(r: DecisionRefusal) -> Self {
        match r {
            DecisionRefusal::NoRight(message) => {
                StoreError::Refused { forbidden: true, rule: rule::NO_DECISION_RIGHT.to_owned(), message }
            }
            DecisionRefusal::WrongState(message) => {
                StoreError::Refused { forbidden: false, rule: rule::DECISION_WRONG_STATE.to_owned(), message }
            }
            DecisionRefusal::Invalid(i) => StoreError::Invalid(i),
        }
    }
}

/// A refusal of the exception state machine. `invalid` becomes [`StoreError::Invalid`] with
/// its field errors (422); every other rule keeps its code, and whether it is about who acts.
impl From<ExceptionRefusal> for StoreError {
    fn from(r: ExceptionRefusal) -> Self {
        if r.is_invalid() {
            let errors = if r.errors.is_empty() {
                vec![FieldError { field: "exception".into(), message: r.message }]
            } else {
                r.errors
            };
            return StoreError::Invalid(Invalid(errors));
        }
        StoreError::Refused { forbidden: r.is_forbidden(), rule: r.rule.to_owned(), message: r.message }
    }
}

fn refused(forbidden: bool, rule: &str, message: impl Into<String>) -> StoreError {
    StoreError::Refused { forbidden, rule: rule.to_owned(), message: message.into() }
}

fn person(actor: &Actor, doing: &str) -> Result<Uuid, StoreError> {
    actor.user_id.ok_or_else(|| {
        refused(true, rule::PERSON_REQUIRED, format!("{doing} is done by a person; {} is not one", actor.label))
    })
}

/// Whether a row with this id exists in the workspace's `table`.
async fn exists_in(tx: &mut Tx, ws: Uuid, table: &str, id: Uuid) -> Result<bool, StoreError> {
    Ok(tx
        .int(&format!("SELECT COUNT(*) FROM {table} WHERE workspace_id = $1 AND id = $2"), &[ws.into(), id.into()])
        .await?
        > 0)
}

fn finish(errors: Vec<FieldError>) -> Result<(), StoreError> {
    if errors.is_empty() { Ok(()) } else { Err(Invalid(errors).into()) }
}
