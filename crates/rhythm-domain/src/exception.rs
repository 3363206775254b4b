//! Exceptions: the time-boxed, signed acceptance of a risk or finding.
//!
//! An exception is *requested* by anyone with a business reason, then signed by two different
//! people: the named engineering owner (a CTO or engineering lead) and the named security owner
//! (a CISO or security lead). If they agree it is approved or rejected; if they disagree it is
//! escalated and settled by an escalation decision. An approved exception covers its risks and
//! findings from `starts_on` through `expires_on`; after that it expires and what it covered is
//! open again. Extensions are new requests that name the exception they supersede.
//!
//! The life cycle is an explicit state machine: [`Exception::transition`] takes a [`Command`] and
//! returns the next state with the [`Event`]s that happened on the way, or a [`Refusal`] naming
//! the rule that refused it. Callers act on the events (a review item when it is approved, a
//! notification when it escalates), never on a comparison of the two states.
//!
//! ```text
//! from        command                                              to
//! ----------  ---------------------------------------------------  ---------------------------
//!             request                                              requested
//! requested   Sign approve, other side unsigned                    requested
//! requested   Sign approve, other side approved                    approved   (decided_at)
//! requested   Sign reject,  other side unsigned                    rejected   (decided_at)
//! requested   Sign reject vs approve, or approve vs reject         escalated  (both positions kept)
//! requested   Edit                                                 requested  (a material edit voids signatures)
//! requested   Withdraw (requester)                                 withdrawn
//! requested   Expire, today > expires_on                           expired    (expired_at)
//! approved    Edit title only                                      approved
//! approved    Edit anything else                                   requested  (signatures voided)
//! approved    Expire, today > expires_on                           expired    (expired_at)
//! escalated   ResolveEscalation approve (not after expires_on)     approved   (decision id, decided_at)
//! escalated   ResolveEscalation reject                             rejected   (decision id, decided_at)
//! escalated   Edit title only                                      escalated
//! escalated   Edit anything else                                   requested  (signatures voided)
//! escalated   Withdraw (requester)                                 withdrawn
//! ```
//!
//! `rejected`, `withdrawn` and `expired` are terminal: they accept no command.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::exception_rules::{Terms, check_controls, check_terms, check_time_box, clean_controls, review_on};
use crate::patch::set;
pub use crate::policy::ExceptionRules;
use crate::registers::date_format::date;
use crate::registers::{Finding, Kind, New, Ref, Target, ref_of, refs_of};
use crate::role::Role;
use crate::validate::{Check, FieldError, Invalid};

pub use crate::exception_rules::BUSINESS_REASON_MIN_CHARS;

crate::text_enum!(
    /// Where an exception is in its life.
    ExceptionStatus {
        Requested = "requested" / "Requested",
        Approved = "approved" / "Approved",
        Rejected = "rejected" / "Rejected",
        Escalated = "escalated" / "Escalated",
        Withdrawn = "withdrawn" / "Withdrawn",
        Expired = "expired" / "Expired",
    }
);

impl ExceptionStatus {
    /// Rejected, withdrawn and expired exceptions accept no command.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Rejected | Self::Withdrawn | Self::Expired)
    }
}

crate::text_enum!(
    /// The two sides that sign an exception.
    ExceptionSide {
        Engineering = "engineering" / "Engineering",
        Security = "security" / "Security",
    }
);

/// The brief's name for [`ExceptionSide`].
pub type Side = ExceptionSide;

impl ExceptionSide {
    /// The other side.
    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Self::Engineering => Self::Security,
            Self::Security => Self::Engineering,
        }
    }

    /// Roles that may sign this side: CTO or engineering lead; CISO or security lead.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Engineering => &[Role::Cto, Role::EngineeringLead],
            Self::Security => &[Role::Ciso, Role::SecurityLead],
        }
    }

    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

crate::text_enum!(
    /// What a signer decided.
    SignatureDecision {
        Approve = "approve" / "Approve",
        Reject = "reject" / "Reject",
    }
);

/// One side's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ExceptionSignature)]
pub struct Signature {
    pub user_id: Uuid,
    pub decision: SignatureDecision,
    /// Why. Required with a rejection, so an escalation keeps both positions.
    pub note: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Signature {
    pub fn approves(&self) -> bool {
        self.decision == SignatureDecision::Approve
    }
}

/// Both sides' signatures; `None` until that side signs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ExceptionSignatures)]
pub struct Signatures {
    pub engineering: Option<Signature>,
    pub security: Option<Signature>,
}

impl Signatures {
    pub fn get(&self, side: Side) -> Option<&Signature> {
        match side {
            Side::Engineering => self.engineering.as_ref(),
            Side::Security => self.security.as_ref(),
        }
    }

    fn slot(&mut self, side: Side) -> &mut Option<Signature> {
        match side {
            Side::Engineering => &mut self.engineering,
            Side::Security => &mut self.security,
        }
    }
}

/// What a transition needs besides the exception and the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctx {
    /// The exception rules of the current policy; applied to changed dates and controls.
    pub rules: ExceptionRules,
    /// When the command is taken: the time of signatures, `updated_at`, `decided_at` and
    /// `expired_at`, and the day that decides whether the exception has lapsed.
    pub now: OffsetDateTime,
    /// What the exception would accept beyond the policy's risk appetite
    /// ([`RiskAppetite::beyond`](crate::policy::RiskAppetite::beyond)), if anything: then two
    /// approving signatures escalate instead of approving, and only an escalation decision
    /// accepts it.
    pub over_appetite: Option<String>,
}

/// A time-boxed acceptance of risks or findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Exception {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Human reference number: `EXC-{number}`.
    pub number: i64,
    pub title: String,
    /// Why the business accepts the risk for a while; not that fixing it is inconvenient.
    pub business_reason: String,
    /// What the exception covers and what it does not.
    pub scope: String,
    /// The systems it applies to: at least one, unless `organization_wide`.
    pub system_ids: Vec<Uuid>,
    /// It applies across the organization rather than to named systems (a policy-level
    /// exception). It covers no more findings for that: coverage is still what it lists.
    #[serde(default)]
    pub organization_wide: bool,
    /// Who is exposed while it lasts.
    pub users_impacted: String,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    /// Last day it is valid.
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub expires_on: Date,
    pub compensating_controls: Vec<String>,
    /// Risks it covers. With `finding_ids`, at least one.
    pub risk_ids: Vec<Uuid>,
    /// Findings it covers. With `risk_ids`, at least one.
    pub finding_ids: Vec<Uuid>,
    pub requester_id: Uuid,
    /// Signs the engineering side; a CTO or engineering lead.
    pub engineering_owner_id: Uuid,
    /// Signs the security side; a CISO or security lead. Never the engineering owner.
    pub security_owner_id: Uuid,
    /// `expires_on - review_lead_days`, never before `starts_on`.
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub review_on: Date,
    pub status: ExceptionStatus,
    pub signatures: Signatures,
    /// The escalation decision that settled a disagreement.
    pub escalation_decision_id: Option<Uuid>,
    /// The exception this one extends.
    pub supersedes: Option<Uuid>,
    /// The backlog item that reminds the owners to review it before it expires; the store
    /// creates it when the exception is approved.
    #[serde(default)]
    pub review_item_id: Option<Uuid>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it was approved or rejected.
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expired_at: Option<OffsetDateTime>,
}

/// A new exception request.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionInput {
    pub title: String,
    pub business_reason: String,
    pub scope: String,
    /// At least one, unless `organization_wide`.
    #[serde(default)]
    pub system_ids: Vec<Uuid>,
    /// Say so explicitly when it names no system.
    #[serde(default)]
    pub organization_wide: bool,
    /// Who is exposed while it lasts (required: customers, staff, partners, or "none").
    #[serde(default)]
    pub users_impacted: String,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub expires_on: Date,
    #[serde(default)]
    pub compensating_controls: Vec<String>,
    #[serde(default)]
    pub risk_ids: Vec<Uuid>,
    #[serde(default)]
    pub finding_ids: Vec<Uuid>,
    pub engineering_owner_id: Uuid,
    pub security_owner_id: Uuid,
    #[serde(default)]
    pub supersedes: Option<Uuid>,
}

/// Changes to an exception; absent fields are kept. Changing anything but the title voids the
/// signatures and returns the exception to `requested`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub business_reason: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub system_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub organization_wide: Option<bool>,
    #[serde(default)]
    pub users_impacted: Option<String>,
    #[serde(default, deserialize_with = "some_date")]
    #[schema(value_type = String, format = Date, required = false)]
    pub starts_on: Option<Date>,
    #[serde(default, deserialize_with = "some_date")]
    #[schema(value_type = String, format = Date, required = false)]
    pub expires_on: Option<Date>,
    #[serde(default)]
    pub compensating_controls: Option<Vec<String>>,
    #[serde(default)]
    pub risk_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub finding_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub engineering_owner_id: Option<Uuid>,
    #[serde(default)]
    pub security_owner_id: Option<Uuid>,
    /// When given, the edit is refused if the exception changed since this version.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn some_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    date::deserialize(d).map(Some)
}

/// What can happen to an exception. The time comes once, in [`Ctx::now`].
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant, reason = "one short-lived command at a time; boxing buys nothing")]
pub enum Command {
    /// A named owner signs their side. `user_role` is the signer's role in the workspace now.
    Sign { side: Side, user_id: Uuid, user_role: Role, approve: bool, note: String },
    /// The requester takes the request back.
    Withdraw { user_id: Uuid },
    /// The requester or an owner changes it.
    Edit { patch: ExceptionPatch, user_id: Uuid },
    /// The time box is over (run daily by a job).
    Expire,
    /// An escalation decision settles a disagreement between the two sides.
    ResolveEscalation { approve: bool, decision_id: Uuid },
}

impl Command {
    /// The person the command acts for, if it names one (the store checks it is the actor).
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Command::Sign { user_id, .. } | Command::Withdraw { user_id } | Command::Edit { user_id, .. } => {
                Some(*user_id)
            }
            Command::Expire | Command::ResolveEscalation { .. } => None,
        }
    }
}

/// What happened in an accepted transition, in the order it happened. One command can cause
/// several: the second approving signature is `Signed` then `Approved`; settling an escalation
/// is `EscalationResolved` then `Approved` or `Rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// One side signed, approving or rejecting.
    Signed { side: Side, decision: SignatureDecision },
    /// Both sides approved, or an escalation decision approved it: it covers what it lists
    /// from now.
    Approved,
    /// A side rejected it with the other side unsigned, or an escalation decision rejected it.
    Rejected,
    /// One side approved and the other rejected: an escalation decision must settle it.
    Escalated,
    /// A material edit voided the signatures it had; it is requested again and needs both.
    Voided,
    /// Changed without voiding anything (a title, or a request nobody had signed yet).
    Edited,
    /// The requester took it back.
    Withdrawn,
    /// Its time box is over. `was_approved`: it covered what it lists until now, so that is
    /// open again.
    Expired { was_approved: bool },
    /// An escalation decision settled the disagreement.
    EscalationResolved { approve: bool, decision_id: Uuid },
}

/// Codes of the rules that refuse a command. 403 for who may act, 409 for state, 422 for input.
pub mod rule {
    /// The signer's role cannot sign that side. 403.
    pub const WRONG_ROLE: &str = "wrong_role";
    /// Only the named owner of a side signs it. 403.
    pub const NOT_THE_NAMED_OWNER: &str = "not_the_named_owner";
    /// The owner (or signer) of one side tried to sign the other. 403.
    pub const SAME_PERSON_BOTH_SIDES: &str = "same_person_both_sides";
    /// Only the requester withdraws. 403.
    pub const NOT_REQUESTER: &str = "not_requester";
    /// Only the requester or an owner edits. 403.
    pub const NOT_REQUESTER_OR_OWNER: &str = "not_requester_or_owner";
    /// That side has signed already. 409.
    pub const ALREADY_SIGNED: &str = "already_signed";
    /// Signing is only possible while requested. 409.
    pub const NOT_SIGNABLE_IN_STATE: &str = "not_signable_in_state";
    /// Withdrawing is only possible while requested or escalated. 409.
    pub const NOT_WITHDRAWABLE_IN_STATE: &str = "not_withdrawable_in_state";
    /// Editing is only possible while requested, approved or escalated. 409.
    pub const NOT_EDITABLE_IN_STATE: &str = "not_editable_in_state";
    /// Only requested or approved exceptions expire. 409.
    pub const NOT_EXPIRABLE_IN_STATE: &str = "not_expirable_in_state";
    /// The exception is still valid today. 409.
    pub const NOT_YET_EXPIRED: &str = "not_yet_expired";
    /// Only an escalated exception is resolved by an escalation decision. 409.
    pub const NOT_ESCALATED: &str = "not_escalated";
    /// Its expiry day has passed: it can no longer be signed, edited or approved. 409.
    pub const EXPIRED: &str = "expired";
    /// It changed since the version the edit was based on. 409.
    pub const STALE_VERSION: &str = "stale_version";
    /// The resulting exception, or the note, breaks a field rule; see `errors`. 422.
    pub const INVALID: &str = "invalid";

    pub(super) const FORBIDDEN: &[&str] =
        &[WRONG_ROLE, NOT_THE_NAMED_OWNER, SAME_PERSON_BOTH_SIDES, NOT_REQUESTER, NOT_REQUESTER_OR_OWNER];
}

/// A refused command: the rule that refused it and why, in words a user understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// One of the codes in [`rule`].
    pub rule: &'static str,
    pub message: String,
    /// Field errors, for `invalid` only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Refusal {
    fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Self { rule, message: message.into(), errors: Vec::new() }
    }

    /// Refused because of who is acting (role or person): HTTP 403.
    pub fn is_forbidden(&self) -> bool {
        rule::FORBIDDEN.contains(&self.rule)
    }

    /// Refused because the input breaks a field rule: HTTP 422.
    pub fn is_invalid(&self) -> bool {
        self.rule == rule::INVALID
    }

    /// The HTTP status: 403 for who acts, 422 for invalid input, 409 for the state.
    pub fn http_status(&self) -> u16 {
        if self.is_forbidden() {
            403
        } else if self.is_invalid() {
            422
        } else {
            409
        }
    }
}

impl From<Invalid> for Refusal {
    fn from(e: Invalid) -> Self {
        Self { rule: rule::INVALID, message: e.to_string(), errors: e.0 }
    }
}

/// Whether `now` is past the last valid day.
fn lapsed(expires_on: Date, now: OffsetDateTime) -> bool {
    now.date() > expires_on
}

impl Exception {
    /// A new request, checked against the field rules and the policy's exception rules.
    pub fn request(
        input: ExceptionInput,
        new: New,
        requester_id: Uuid,
        rules: &ExceptionRules,
    ) -> Result<Self, Invalid> {
        let e = Exception {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            title: input.title.trim().to_owned(),
            business_reason: input.business_reason.trim().to_owned(),
            scope: input.scope.trim().to_owned(),
            system_ids: input.system_ids,
            organization_wide: input.organization_wide,
            users_impacted: input.users_impacted.trim().to_owned(),
            starts_on: input.starts_on,
            expires_on: input.expires_on,
            compensating_controls: clean_controls(input.compensating_controls),
            risk_ids: input.risk_ids,
            finding_ids: input.finding_ids,
            requester_id,
            engineering_owner_id: input.engineering_owner_id,
            security_owner_id: input.security_owner_id,
            review_on: review_on(input.starts_on, input.expires_on, rules.review_lead_days),
            status: ExceptionStatus::Requested,
            signatures: Signatures::default(),
            escalation_decision_id: None,
            supersedes: input.supersedes,
            review_item_id: None,
            version: 1,
            created_at: new.now,
            updated_at: new.now,
            decided_at: None,
            expired_at: None,
        };
        let mut c = Check::new();
        e.check_fields(&mut c);
        e.check_dates_against(&mut c, rules, new.now.date());
        e.check_controls_against(&mut c, rules);
        c.finish()?;
        Ok(e)
    }

    /// The next state after `cmd`, or the rule that refuses it. Every accepted command adds one
    /// to `version` and sets `updated_at`; a refusal changes nothing. Rules are checked in
    /// this order, and the first that fails is the refusal:
    ///
    /// * Sign: `not_signable_in_state`, `expired`, `same_person_both_sides`,
    ///   `not_the_named_owner`, `wrong_role`, `already_signed`, `invalid` (a reject needs a note).
    /// * Withdraw: `not_withdrawable_in_state`, `not_requester`.
    /// * Edit: `not_editable_in_state`, `not_requester_or_owner`, `expired`, `stale_version`,
    ///   `invalid` (field rules; the policy's time box and controls where those changed).
    /// * Expire: `not_expirable_in_state`, `not_yet_expired`.
    /// * ResolveEscalation: `not_escalated`, `expired` (approving only).
    pub fn transition(&self, cmd: Command, ctx: &Ctx) -> Result<(Exception, Vec<Event>), Refusal> {
        let now = ctx.now;
        let (next, events) = match cmd {
            Command::Sign { side, user_id, user_role, approve, note } => {
                self.sign(side, user_id, user_role, approve, note, ctx)?
            }
            Command::Withdraw { user_id } => self.withdraw(user_id)?,
            Command::Edit { patch, user_id } => self.edit(patch, user_id, ctx)?,
            Command::Expire => self.expire(now)?,
            Command::ResolveEscalation { approve, decision_id } => {
                self.resolve_escalation(approve, decision_id, now)?
            }
        };
        Ok((next.touched(now), events))
    }

    fn owner(&self, side: Side) -> Uuid {
        match side {
            Side::Engineering => self.engineering_owner_id,
            Side::Security => self.security_owner_id,
        }
    }

    fn refuse_if_lapsed(&self, now: OffsetDateTime, what: &str) -> Result<(), Refusal> {
        if lapsed(self.expires_on, now) {
            return Err(Refusal::new(
                rule::EXPIRED,
                format!(
                    "{} expired after {}; it can no longer be {what}. To keep accepting the risk, request a new exception that supersedes it",
                    self.reference(),
                    self.expires_on
                ),
            ));
        }
        Ok(())
    }

    fn sign(
        &self,
        side: Side,
        user_id: Uuid,
        user_role: Role,
        approve: bool,
        note: String,
        ctx: &Ctx,
    ) -> Result<(Exception, Vec<Event>), Refusal> {
        let now = ctx.now;
        if self.status != ExceptionStatus::Requested {
            return Err(Refusal::new(
                rule::NOT_SIGNABLE_IN_STATE,
                format!("{} is {}; only a requested exception can be signed", self.reference(), self.status),
            ));
        }
        self.refuse_if_lapsed(now, "signed")?;
        let other = side.other();
        if user_id == self.owner(other) || self.signatures.get(other).is_some_and(|s| s.user_id == user_id) {
            return Err(Refusal::new(
                rule::SAME_PERSON_BOTH_SIDES,
                format!(
                    "you are the {} owner of {}; the {} side must be signed by a different person",
                    other.as_str(),
                    self.reference(),
                    side.as_str()
                ),
            ));
        }
        if user_id != self.owner(side) {
            return Err(Refusal::new(
                rule::NOT_THE_NAMED_OWNER,
                format!(
                    "only the named {} owner of {} can sign its {} side",
                    side.as_str(),
                    self.reference(),
                    side.as_str()
                ),
            ));
        }
        if !side.allows(user_role) {
            let roles: Vec<_> = side.roles().iter().map(|r| r.label()).collect();
            return Err(Refusal::new(
                rule::WRONG_ROLE,
                format!(
                    "the {} side is signed by a {}; your role is {}",
                    side.as_str(),
                    roles.join(" or "),
                    user_role.label()
                ),
            ));
        }
        if self.signatures.get(side).is_some() {
            return Err(Refusal::new(
                rule::ALREADY_SIGNED,
                format!(
                    "the {} side of {} is signed already; a signature cannot change",
                    side.as_str(),
                    self.reference()
                ),
            ));
        }
        let note = note.trim().to_owned();
        let mut c = Check::new();
        if !approve && note.is_empty() {
            c.fail("note", "say why you reject it; if the other side approves, your reason goes to the escalation");
        }
        c.text("note", &note, 4000);
        c.finish()?;

        let mut e = self.clone();
        let decision = if approve { SignatureDecision::Approve } else { SignatureDecision::Reject };
        *e.signatures.slot(side) = Some(Signature { user_id, decision, note, at: now });
        let theirs = self.signatures.get(other).map(Signature::approves);
        let mut events = vec![Event::Signed { side, decision }];
        let outcome = match (approve, theirs) {
            (true, None) => None,
            // Beyond the risk appetite two owners agreeing is not enough: it goes up.
            (true, Some(true)) if ctx.over_appetite.is_some() => Some((ExceptionStatus::Escalated, Event::Escalated)),
            (true, Some(true)) => Some((ExceptionStatus::Approved, Event::Approved)),
            (false, None | Some(false)) => Some((ExceptionStatus::Rejected, Event::Rejected)),
            (true, Some(false)) | (false, Some(true)) => Some((ExceptionStatus::Escalated, Event::Escalated)),
        };
        if let Some((status, event)) = outcome {
            e.status = status;
            events.push(event);
        }
        if matches!(e.status, ExceptionStatus::Approved | ExceptionStatus::Rejected) {
            e.decided_at = Some(now);
        }
        Ok((e, events))
    }

    fn withdraw(&self, user_id: Uuid) -> Result<(Exception, Vec<Event>), Refusal> {
        if !matches!(self.status, ExceptionStatus::Requested | ExceptionStatus::Escalated) {
            return Err(Refusal::new(
                rule::NOT_WITHDRAWABLE_IN_STATE,
                format!(
                    "{} is {}; only a requested or escalated exception can be withdrawn",
                    self.reference(),
                    self.status
                ),
            ));
        }
        if user_id != self.requester_id {
            return Err(Refusal::new(
                rule::NOT_REQUESTER,
                format!("only the person who requested {} can withdraw it", self.reference()),
            ));
        }
        let mut e = self.clone();
        e.status = ExceptionStatus::Withdrawn;
        Ok((e, vec![Event::Withdrawn]))
    }

    fn edit(&self, patch: ExceptionPatch, user_id: Uuid, ctx: &Ctx) -> Result<(Exception, Vec<Event>), Refusal> {
        let now = ctx.now;
        if !matches!(self.status, ExceptionStatus::Requested | ExceptionStatus::Approved | ExceptionStatus::Escalated) {
            return Err(Refusal::new(
                rule::NOT_EDITABLE_IN_STATE,
                format!("{} is {}; it can no longer change", self.reference(), self.status),
            ));
        }
        if ![self.requester_id, self.engineering_owner_id, self.security_owner_id].contains(&user_id) {
            return Err(Refusal::new(
                rule::NOT_REQUESTER_OR_OWNER,
                format!("only the requester or an owner of {} can change it", self.reference()),
            ));
        }
        self.refuse_if_lapsed(now, "changed")?;
        if let Some(v) = patch.expected_version
            && v != self.version
        {
            return Err(Refusal::new(
                rule::STALE_VERSION,
                format!(
                    "{} changed since version {v}; it is at version {}. Reload and try again",
                    self.reference(),
                    self.version
                ),
            ));
        }

        let mut e = self.clone();
        set(&mut e.title, patch.title.map(|s| s.trim().to_owned()));
        set(&mut e.business_reason, patch.business_reason.map(|s| s.trim().to_owned()));
        set(&mut e.scope, patch.scope.map(|s| s.trim().to_owned()));
        set(&mut e.system_ids, patch.system_ids);
        set(&mut e.organization_wide, patch.organization_wide);
        set(&mut e.users_impacted, patch.users_impacted.map(|s| s.trim().to_owned()));
        set(&mut e.starts_on, patch.starts_on);
        set(&mut e.expires_on, patch.expires_on);
        set(&mut e.compensating_controls, patch.compensating_controls.map(clean_controls));
        set(&mut e.risk_ids, patch.risk_ids);
        set(&mut e.finding_ids, patch.finding_ids);
        set(&mut e.engineering_owner_id, patch.engineering_owner_id);
        set(&mut e.security_owner_id, patch.security_owner_id);

        let dates_changed = (e.starts_on, e.expires_on) != (self.starts_on, self.expires_on);
        let mut c = Check::new();
        if dates_changed {
            e.review_on = review_on(e.starts_on, e.expires_on, ctx.rules.review_lead_days);
            e.check_dates_against(&mut c, &ctx.rules, now.date());
        }
        if e.compensating_controls != self.compensating_controls {
            e.check_controls_against(&mut c, &ctx.rules);
        }
        e.check_fields(&mut c);
        c.finish()?;

        let mut event = Event::Edited;
        if e.voids_signatures_of(self) {
            if self.signatures != Signatures::default() {
                event = Event::Voided;
            }
            e.signatures = Signatures::default();
            e.status = ExceptionStatus::Requested;
            e.decided_at = None;
            e.escalation_decision_id = None;
        }
        Ok((e, vec![event]))
    }

    /// Whether this edited version differs from `before` in anything the signers agreed to:
    /// everything but the title.
    fn voids_signatures_of(&self, before: &Exception) -> bool {
        self.business_reason != before.business_reason
            || self.scope != before.scope
            || self.system_ids != before.system_ids
            || self.organization_wide != before.organization_wide
            || self.users_impacted != before.users_impacted
            || self.starts_on != before.starts_on
            || self.expires_on != before.expires_on
            || self.compensating_controls != before.compensating_controls
            || self.risk_ids != before.risk_ids
            || self.finding_ids != before.finding_ids
            || self.engineering_owner_id != before.engineering_owner_id
            || self.security_owner_id != before.security_owner_id
    }

    fn expire(&self, now: OffsetDateTime) -> Result<(Exception, Vec<Event>), Refusal> {
        if !matches!(self.status, ExceptionStatus::Requested | ExceptionStatus::Approved) {
            return Err(Refusal::new(
                rule::NOT_EXPIRABLE_IN_STATE,
                format!("{} is {}; only a requested or approved exception expires", self.reference(), self.status),
            ));
        }
        if !lapsed(self.expires_on, now) {
            return Err(Refusal::new(
                rule::NOT_YET_EXPIRED,
                format!("{} is valid through {}", self.reference(), self.expires_on),
            ));
        }
        let mut e = self.clone();
        e.status = ExceptionStatus::Expired;
        e.expired_at = Some(now);
        Ok((e, vec![Event::Expired { was_approved: self.status == ExceptionStatus::Approved }]))
    }

    fn resolve_escalation(
        &self,
        approve: bool,
        decision_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<(Exception, Vec<Event>), Refusal> {
        if self.status != ExceptionStatus::Escalated {
            return Err(Refusal::new(
                rule::NOT_ESCALATED,
                format!(
                    "{} is {}; only an escalated exception is settled by an escalation decision",
                    self.reference(),
                    self.status
                ),
            ));
        }
        if approve {
            self.refuse_if_lapsed(now, "approved")?;
        }
        let mut e = self.clone();
        let (status, outcome) = if approve {
            (ExceptionStatus::Approved, Event::Approved)
        } else {
            (ExceptionStatus::Rejected, Event::Rejected)
        };
        e.status = status;
        e.escalation_decision_id = Some(decision_id);
        e.decided_at = Some(now);
        Ok((e, vec![Event::EscalationResolved { approve, decision_id }, outcome]))
    }

    fn touched(mut self, now: OffsetDateTime) -> Self {
        self.version += 1;
        self.updated_at = now;
        self
    }

    /// Whether it covers what it covers on `date`: approved, and `starts_on..=expires_on`.
    /// The launch gate and the metrics use this; an approved exception past its expiry day is
    /// not active even before the expiry job has run.
    pub fn is_active_on(&self, date: Date) -> bool {
        self.status == ExceptionStatus::Approved && self.starts_on <= date && date <= self.expires_on
    }

    /// Whether the expiry job should expire it on `today`.
    pub fn is_due_to_expire(&self, today: Date) -> bool {
        matches!(self.status, ExceptionStatus::Requested | ExceptionStatus::Approved) && today > self.expires_on
    }

    /// Which side waits for `user`'s signature, if any: the exception is requested and `user`
    /// owns a side not signed yet. The one definition of "awaiting my signature" (the store's
    /// `awaiting_signature` filter is tested against it).
    pub fn awaiting_side(&self, user: Uuid) -> Option<Side> {
        if self.status != ExceptionStatus::Requested {
            return None;
        }
        [Side::Engineering, Side::Security].into_iter().find(|side| {
            let owner = match side {
                Side::Engineering => self.engineering_owner_id,
                Side::Security => self.security_owner_id,
            };
            owner == user && self.signatures.get(*side).is_none()
        })
    }

    /// Whether it lists this risk or finding.
    pub fn covers(&self, id: Uuid) -> bool {
        self.risk_ids.contains(&id) || self.finding_ids.contains(&id)
    }

    /// **The one definition of "this exception covers this finding on `date`"**, which the
    /// launch gate, the silent-exception count and the findings' `accepted` history all use
    /// (the store's SQL form, `covers_finding_sql`, is tested against this function): the
    /// exception is active that day ([`Exception::is_active_on`]) and either names the finding
    /// in `finding_ids`, or names the finding's system in `system_ids` and its signed `scope`
    /// mentions the finding's rule (`CVE-2024-3094 in payments until March`), compared with
    /// ASCII letters folded to lower case. Only what the two owners signed counts: the title
    /// is a label the requester may edit without new signatures, so it covers nothing.
    pub fn covers_finding_on(&self, finding: &Finding, date: Date) -> bool {
        self.is_active_on(date) && self.names_finding(finding)
    }

    /// [`Exception::covers_finding_on`] without the dates: whether it names the finding or
    /// its system and rule.
    pub fn names_finding(&self, finding: &Finding) -> bool {
        self.finding_ids.contains(&finding.id)
            || finding.system_id.is_some_and(|s| self.system_ids.contains(&s))
                && scope_mentions(&self.scope, &finding.rule)
    }

    /// Field rules that hold in every state (the policy rules are checked where they apply).
    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        self.check_fields(&mut c);
        c.finish()
    }

    fn check_fields(&self, c: &mut Check) {
        check_terms(
            c,
            &Terms {
                title: &self.title,
                business_reason: &self.business_reason,
                scope: &self.scope,
                users_impacted: &self.users_impacted,
                system_ids: &self.system_ids,
                organization_wide: self.organization_wide,
                risk_ids: &self.risk_ids,
                finding_ids: &self.finding_ids,
                compensating_controls: &self.compensating_controls,
                owners: Some((self.engineering_owner_id, self.security_owner_id)),
                dates: Some((self.starts_on, self.expires_on, self.review_on)),
            },
        );
        if self.supersedes == Some(self.id) {
            c.fail("supersedes", "an exception cannot supersede itself");
        }
        c.ordered_times(&[("created_at", Some(self.created_at)), ("updated_at", Some(self.updated_at))]);
        c.ordered_times(&[("created_at", Some(self.created_at)), ("decided_at", self.decided_at)]);
        c.ordered_times(&[("created_at", Some(self.created_at)), ("expired_at", self.expired_at)]);
    }

    /// The policy's time box, checked when the dates are set.
    fn check_dates_against(&self, c: &mut Check, rules: &ExceptionRules, today: Date) {
        check_time_box(c, self.starts_on, self.expires_on, rules, today);
    }

    /// The policy's compensating-controls rule, checked when the controls are set.
    fn check_controls_against(&self, c: &mut Check, rules: &ExceptionRules) {
        check_controls(c, &self.compensating_controls, rules);
    }

    /// References that must exist in the same workspace: users, systems and risks. Findings
    /// and the superseded exception are checked by the caller against their own tables.
    pub fn refs(&self) -> Vec<Ref> {
        let mut v = ref_of("requester_id", Target::User, Some(self.requester_id));
        v.extend(ref_of("engineering_owner_id", Target::User, Some(self.engineering_owner_id)));
        v.extend(ref_of("security_owner_id", Target::User, Some(self.security_owner_id)));
        v.extend(refs_of("system_ids", Target::Entry(Kind::System), &self.system_ids));
        v.extend(refs_of("risk_ids", Target::Entry(Kind::Risk), &self.risk_ids));
        v.extend(refs_of("finding_ids", Target::Entry(Kind::Finding), &self.finding_ids));
        v.extend(ref_of("supersedes", Target::Entry(Kind::Exception), self.supersedes));
        v
    }

    /// `EXC-{number}`.
    pub fn reference(&self) -> String {
        Kind::Exception.reference(self.number)
    }
}

/// Whether a signed scope mentions a scanner rule: the rule is not empty and occurs in the
/// scope with ASCII letters folded to lower case (no other folding, so both databases can
/// compute the same answer: SQLite's `lower` folds only ASCII).
pub fn scope_mentions(scope: &str, rule: &str) -> bool {
    !rule.is_empty() && scope.to_ascii_lowercase().contains(&rule.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const REQUESTER: Uuid = Uuid::from_u128(1);
    const ENG: Uuid = Uuid::from_u128(2);
    const SEC: Uuid = Uuid::from_u128(3);
    const STRANGER: Uuid = Uuid::from_u128(4);
    const RISK: Uuid = Uuid::from_u128(100);
    const NOW: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

    fn rules() -> ExceptionRules {
        ExceptionRules { max_days: 90, compensating_controls_required: true, review_lead_days: 14 }
    }

    fn ctx() -> Ctx {
        ctx_at(NOW)
    }

    fn ctx_at(now: OffsetDateTime) -> Ctx {
        Ctx { rules: rules(), now, over_appetite: None }
    }

    fn new() -> New {
        New { id: Uuid::from_u128(50), workspace_id: Uuid::nil(), number: 7, now: NOW }
    }

    fn input() -> ExceptionInput {
        ExceptionInput {
            title: "Legacy TLS on the partner SFTP endpoint".into(),
            business_reason:
                "Two partners cannot upgrade before their Q2 release; cutting them off stops payroll files.".into(),
            scope: "sftp.partner.example only; no other endpoint".into(),
            system_ids: vec![Uuid::from_u128(200)],
            organization_wide: false,
            users_impacted: "Two partner integrations".into(),
            starts_on: date!(2026 - 03 - 01),
            expires_on: date!(2026 - 04 - 30),
            compensating_controls: vec![" IP allow-list for the two partners ".into(), "  ".into()],
            risk_ids: vec![RISK],
            finding_ids: vec![],
            engineering_owner_id: ENG,
            security_owner_id: SEC,
            supersedes: None,
        }
    }

    fn requested() -> Exception {
        Exception::request(input(), new(), REQUESTER, &rules()).unwrap()
    }

    fn at(day: Date) -> OffsetDateTime {
        day.with_hms(12, 0, 0).unwrap().assume_utc()
    }

    fn sign(side: Side, user_id: Uuid, user_role: Role, approve: bool) -> Command {
        let note = if approve { String::new() } else { "The allow-list is not enough".into() };
        Command::Sign { side, user_id, user_role, approve, note }
    }

    fn approved() -> Exception {
        let e = requested().transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx()).unwrap().0;
        e.transition(sign(Side::Security, SEC, Role::Ciso, true), &ctx()).unwrap().0
    }

    fn edit(patch: ExceptionPatch, user_id: Uuid) -> Command {
        Command::Edit { patch, user_id }
    }

    fn fields(err: &Invalid) -> Vec<&str> {
        err.0.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_request_is_requested_at_version_one_with_a_computed_review_date() {
        let e = requested();
        assert_eq!((e.status, e.version, e.reference()), (ExceptionStatus::Requested, 1, "EXC-7".to_owned()));
        assert_eq!(e.review_on, date!(2026 - 04 - 16));
        assert_eq!(e.compensating_controls, ["IP allow-list for the two partners"]);
        assert_eq!(e.signatures, Signatures::default());
        assert!(e.covers(RISK) && !e.covers(STRANGER));
        assert_eq!(e.refs().len(), 5);
    }

    #[test]
    fn a_box_shorter_than_the_review_lead_is_reviewed_on_its_first_day() {
        let mut i = input();
        i.expires_on = date!(2026 - 03 - 10);
        let e = Exception::request(i, new(), REQUESTER, &rules()).unwrap();
        assert_eq!(e.review_on, e.starts_on);
    }

    #[test]
    fn a_short_business_reason_is_refused_asking_for_the_business_reason() {
        let mut i = input();
        i.business_reason = "too much work".into();
        let err = Exception::request(i, new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(fields(&err), ["business_reason"]);
        assert!(err.0[0].message.contains("business reason"), "{}", err.0[0].message);
        let mut i = input();
        i.business_reason = "   ".into();
        let err = Exception::request(i, new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(err.0[0].message, "is required");
    }

    #[test]
    fn the_time_box_follows_the_policy() {
        let mut i = input();
        i.expires_on = date!(2026 - 06 - 01);
        let err = Exception::request(i, new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(fields(&err), ["expires_on"]);
        assert!(err.0[0].message.contains("at most 90 days"), "{}", err.0[0].message);

        let mut i = input();
        i.starts_on = date!(2026 - 05 - 01);
        let err = Exception::request(i, new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(fields(&err), ["expires_on"]);
        assert!(err.0[0].message.contains("starts_on"), "{}", err.0[0].message);

        let mut i = input();
        i.starts_on = date!(2026 - 02 - 01);
        i.expires_on = date!(2026 - 02 - 28);
        let err = Exception::request(i, new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(fields(&err), ["expires_on"]);
        assert!(err.0[0].message.contains("past"), "{}", err.0[0].message);

        let mut i = input();
        i.starts_on = date!(2026 - 02 - 01);
        i.expires_on = date!(2026 - 03 - 01);
        assert!(Exception::request(i, new(), REQUESTER, &rules()).is_ok(), "a box may start before today");
    }

    #[test]
    fn compensating_controls_are_required_only_when_the_policy_says_so() {
        let mut i = input();
        i.compensating_controls = vec![" ".into()];
        let err = Exception::request(i.clone(), new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(fields(&err), ["compensating_controls"]);
        let lenient = ExceptionRules { compensating_controls_required: false, ..rules() };
        assert!(Exception::request(i, new(), REQUESTER, &lenient).is_ok());
    }

    #[test]
    fn it_covers_something_and_has_two_different_owners() {
        let mut i = input();
        i.risk_ids.clear();
        i.security_owner_id = ENG;
        let err = Exception::request(i.clone(), new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(fields(&err), ["risk_ids", "security_owner_id"]);
        i.finding_ids = vec![Uuid::from_u128(300)];
        i.security_owner_id = SEC;
        assert!(Exception::request(i, new(), REQUESTER, &rules()).is_ok());
    }

    #[test]
    fn input_refuses_unknown_fields_and_dates_travel_as_plain_days() {
        let json = serde_json::json!({
            "title": "t", "business_reason": "b", "scope": "s",
            "starts_on": "2026-03-01", "expires_on": "2026-04-30",
            "engineering_owner_id": ENG, "security_owner_id": SEC,
        });
        let i: ExceptionInput = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(i.expires_on, date!(2026 - 04 - 30));
        let mut extra = json;
        extra["approved"] = true.into();
        assert!(serde_json::from_value::<ExceptionInput>(extra).is_err());
        assert!(serde_json::from_str::<ExceptionPatch>(r#"{"status": "approved"}"#).is_err());
        let p: ExceptionPatch = serde_json::from_str(r#"{"expires_on": "2026-04-01"}"#).unwrap();
        assert_eq!(p.expires_on, Some(date!(2026 - 04 - 01)));

        let e = approved();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["review_on"], "2026-04-16");
        assert_eq!(v["decided_at"], "2026-03-01T10:00:00Z");
        assert_eq!(v["signatures"]["security"]["decision"], "approve");
        assert_eq!(serde_json::from_value::<Exception>(v).unwrap(), e);
    }

    #[test]
    fn two_approvals_approve_it() {
        let one = requested().transition(sign(Side::Security, SEC, Role::SecurityLead, true), &ctx()).unwrap().0;
        assert_eq!((one.status, one.version, one.decided_at), (ExceptionStatus::Requested, 2, None));
        let both = one.transition(sign(Side::Engineering, ENG, Role::EngineeringLead, true), &ctx()).unwrap().0;
        assert_eq!((both.status, both.version, both.decided_at), (ExceptionStatus::Approved, 3, Some(NOW)));
        assert_eq!(both.signatures.get(Side::Engineering).unwrap().user_id, ENG);
    }

    #[test]
    fn each_step_says_what_happened() {
        let signed = |side, decision| Event::Signed { side, decision };
        let (one, events) = requested().transition(sign(Side::Security, SEC, Role::Ciso, true), &ctx()).unwrap();
        assert_eq!(events, [signed(Side::Security, SignatureDecision::Approve)]);
        let (both, events) = one.transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx()).unwrap();
        assert_eq!(events, [signed(Side::Engineering, SignatureDecision::Approve), Event::Approved]);

        let title = ExceptionPatch { title: Some("Legacy TLS (partners)".into()), ..Default::default() };
        assert_eq!(both.transition(edit(title.clone(), SEC), &ctx()).unwrap().1, [Event::Edited]);
        let scope = ExceptionPatch { scope: Some("all partner endpoints".into()), ..Default::default() };
        let (voided, events) = both.transition(edit(scope.clone(), SEC), &ctx()).unwrap();
        assert_eq!(events, [Event::Voided]);
        // Nothing to void on a request nobody signed: a plain edit.
        assert_eq!(voided.transition(edit(scope, SEC), &ctx()).unwrap().1, [Event::Edited]);

        let (escalated, events) = one.transition(sign(Side::Engineering, ENG, Role::Cto, false), &ctx()).unwrap();
        assert_eq!(events, [signed(Side::Engineering, SignatureDecision::Reject), Event::Escalated]);
        let decision_id = Uuid::from_u128(900);
        let resolve = Command::ResolveEscalation { approve: false, decision_id };
        let (_, events) = escalated.transition(resolve, &ctx()).unwrap();
        assert_eq!(events, [Event::EscalationResolved { approve: false, decision_id }, Event::Rejected]);

        let after = ctx_at(at(date!(2026 - 05 - 01)));
        assert_eq!(both.transition(Command::Expire, &after).unwrap().1, [Event::Expired { was_approved: true }]);
        assert_eq!(
            requested().transition(Command::Expire, &after).unwrap().1,
            [Event::Expired { was_approved: false }]
        );
        let withdraw = Command::Withdraw { user_id: REQUESTER };
        assert_eq!(requested().transition(withdraw, &ctx()).unwrap().1, [Event::Withdrawn]);
    }

    #[test]
    fn each_side_needs_its_role() {
        let e = requested();
        let r = e.transition(sign(Side::Engineering, ENG, Role::Engineer, true), &ctx()).unwrap_err();
        assert_eq!(r.rule, rule::WRONG_ROLE);
        assert!(r.is_forbidden());
        let r = e.transition(sign(Side::Security, SEC, Role::Cto, true), &ctx()).unwrap_err();
        assert_eq!((r.rule, r.http_status()), (rule::WRONG_ROLE, 403));
    }

    #[test]
    fn only_the_named_owner_signs_a_side_even_with_the_right_role() {
        let r = requested().transition(sign(Side::Security, STRANGER, Role::Ciso, true), &ctx()).unwrap_err();
        assert_eq!(r.rule, rule::NOT_THE_NAMED_OWNER);
        assert!(r.is_forbidden());
    }

    #[test]
    fn nobody_signs_both_sides() {
        let e = requested();
        let r = e.transition(sign(Side::Security, ENG, Role::Ciso, true), &ctx()).unwrap_err();
        assert_eq!(r.rule, rule::SAME_PERSON_BOTH_SIDES);
        let signed = e.transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx()).unwrap().0;
        let r = signed.transition(sign(Side::Security, ENG, Role::Ciso, true), &ctx()).unwrap_err();
        assert_eq!(r.rule, rule::SAME_PERSON_BOTH_SIDES);
        assert!(r.is_forbidden());
    }

    #[test]
    fn a_side_signs_once() {
        let signed = requested().transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx()).unwrap().0;
        let r = signed.transition(sign(Side::Engineering, ENG, Role::Cto, false), &ctx()).unwrap_err();
        assert_eq!((r.rule, r.http_status()), (rule::ALREADY_SIGNED, 409));
    }

    #[test]
    fn a_reject_needs_a_reason() {
        let cmd = Command::Sign {
            side: Side::Security,
            user_id: SEC,
            user_role: Role::Ciso,
            approve: false,
            note: " ".into(),
        };
        let r = requested().transition(cmd, &ctx()).unwrap_err();
        assert_eq!((r.rule, r.http_status(), r.errors[0].field.as_str()), (rule::INVALID, 422, "note"));
    }

    #[test]
    fn a_reject_with_the_other_side_unsigned_rejects_at_once_and_ends_it() {
        let e = requested().transition(sign(Side::Security, SEC, Role::Ciso, false), &ctx()).unwrap().0;
        assert_eq!((e.status, e.decided_at), (ExceptionStatus::Rejected, Some(NOW)));
        let r = e.transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx()).unwrap_err();
        assert_eq!(r.rule, rule::NOT_SIGNABLE_IN_STATE);
        let r = e.transition(Command::Withdraw { user_id: REQUESTER }, &ctx_at(NOW)).unwrap_err();
        assert_eq!(r.rule, rule::NOT_WITHDRAWABLE_IN_STATE);
        let r = e.transition(edit(ExceptionPatch::default(), REQUESTER), &ctx()).unwrap_err();
        assert_eq!(r.rule, rule::NOT_EDITABLE_IN_STATE);
    }

    #[test]
    fn a_disagreement_escalates_keeping_both_positions_and_a_decision_settles_it() {
        let e = requested().transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx()).unwrap().0;
        let e = e.transition(sign(Side::Security, SEC, Role::Ciso, false), &ctx()).unwrap().0;
        assert_eq!((e.status, e.decided_at), (ExceptionStatus::Escalated, None));
        assert!(e.signatures.engineering.as_ref().unwrap().approves());
        assert_eq!(e.signatures.security.as_ref().unwrap().note, "The allow-list is not enough");
        let r = e.transition(sign(Side::Security, SEC, Role::Ciso, true), &ctx()).unwrap_err();
        assert_eq!(r.rule, rule::NOT_SIGNABLE_IN_STATE);

        let decision_id = Uuid::from_u128(900);
        let later = datetime!(2026-03-05 09:00 UTC);
        let ok = e.transition(Command::ResolveEscalation { approve: true, decision_id }, &ctx_at(later)).unwrap().0;
        assert_eq!(
            (ok.status, ok.escalation_decision_id, ok.decided_at),
            (ExceptionStatus::Approved, Some(decision_id), Some(later))
        );
        assert_eq!(ok.signatures, e.signatures);
        let no = e.transition(Command::ResolveEscalation { approve: false, decision_id }, &ctx_at(later)).unwrap().0;
        assert_eq!(no.status, ExceptionStatus::Rejected);
        let r = ok.transition(Command::ResolveEscalation { approve: false, decision_id }, &ctx_at(later)).unwrap_err();
        assert_eq!(r.rule, rule::NOT_ESCALATED);
    }

    #[test]
    fn a_request_documents_its_systems_and_who_is_exposed() {
        let bare = ExceptionInput { system_ids: vec![], users_impacted: "  ".into(), ..input() };
        let err = Exception::request(bare.clone(), new(), REQUESTER, &rules()).unwrap_err();
        assert_eq!(fields(&err), ["users_impacted", "system_ids"]);
        assert!(err.0[1].message.contains("organization-wide"), "says what to do instead");
        let org = ExceptionInput { organization_wide: true, users_impacted: "All staff".into(), ..bare };
        assert!(Exception::request(org, new(), REQUESTER, &rules()).unwrap().organization_wide);
    }

    #[test]
    fn two_approvals_beyond_the_risk_appetite_escalate_instead_of_approving() {
        let appetite = crate::policy::RiskAppetite::default();
        assert_eq!(appetite.beyond(&[("RISK-1".into(), 12)]), None);
        let over = appetite.beyond(&[("RISK-1".into(), 12), ("RISK-4".into(), 16)]).unwrap();
        assert!(over.starts_with("RISK-4 (score 16) scores above the acceptance limit of 12"), "{over}");
        let ctx = Ctx { over_appetite: Some(over), ..ctx() };
        let e = requested().transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx).unwrap().0;
        let (e, events) = e.transition(sign(Side::Security, SEC, Role::Ciso, true), &ctx).unwrap();
        assert_eq!(e.status, ExceptionStatus::Escalated);
        assert_eq!(events.last(), Some(&Event::Escalated));
        assert_eq!(e.decided_at, None);
    }

    #[test]
    fn only_the_requester_withdraws_and_only_before_a_decision() {
        let e = requested();
        let r = e.transition(Command::Withdraw { user_id: ENG }, &ctx_at(NOW)).unwrap_err();
        assert_eq!(r.rule, rule::NOT_REQUESTER);
        assert!(r.is_forbidden());
        let w = e.transition(Command::Withdraw { user_id: REQUESTER }, &ctx_at(NOW)).unwrap().0;
        assert_eq!(w.status, ExceptionStatus::Withdrawn);
        let r = approved().transition(Command::Withdraw { user_id: REQUESTER }, &ctx_at(NOW)).unwrap_err();
        assert_eq!(r.rule, rule::NOT_WITHDRAWABLE_IN_STATE);
    }

    #[test]
    fn a_title_edit_keeps_the_signatures_and_a_material_edit_voids_them() {
        let e = approved();
        let retitled = e
            .transition(
                edit(ExceptionPatch { title: Some("Legacy TLS (partners)".into()), ..Default::default() }, SEC),
                &ctx(),
            )
            .unwrap()
            .0;
        assert_eq!((retitled.status, retitled.version), (ExceptionStatus::Approved, e.version + 1));
        assert_eq!(retitled.signatures, e.signatures);

        for patch in [
            ExceptionPatch { scope: Some("all partner endpoints".into()), ..Default::default() },
            ExceptionPatch { system_ids: Some(vec![Uuid::from_u128(201)]), ..Default::default() },
            ExceptionPatch { organization_wide: Some(true), ..Default::default() },
            ExceptionPatch { finding_ids: Some(vec![Uuid::from_u128(301)]), ..Default::default() },
            ExceptionPatch { expires_on: Some(date!(2026 - 05 - 15)), ..Default::default() },
        ] {
            let voided = e.transition(edit(patch.clone(), REQUESTER), &ctx()).unwrap().0;
            assert_eq!(voided.status, ExceptionStatus::Requested, "{patch:?}");
            assert_eq!((voided.signatures.clone(), voided.decided_at), (Signatures::default(), None), "{patch:?}");
        }
        let moved = e
            .transition(
                edit(ExceptionPatch { expires_on: Some(date!(2026 - 05 - 15)), ..Default::default() }, ENG),
                &ctx(),
            )
            .unwrap()
            .0;
        assert_eq!(moved.review_on, date!(2026 - 05 - 01));
    }

    #[test]
    fn edits_are_for_the_requester_and_owners_and_are_validated() {
        let e = requested();
        let r = e.transition(edit(ExceptionPatch::default(), STRANGER), &ctx()).unwrap_err();
        assert_eq!((r.rule, r.http_status()), (rule::NOT_REQUESTER_OR_OWNER, 403));
        let r = e
            .transition(edit(ExceptionPatch { security_owner_id: Some(ENG), ..Default::default() }, REQUESTER), &ctx())
            .unwrap_err();
        assert_eq!((r.rule, r.errors[0].field.as_str()), (rule::INVALID, "security_owner_id"));
        let r = e
            .transition(
                edit(ExceptionPatch { expires_on: Some(date!(2026 - 12 - 31)), ..Default::default() }, REQUESTER),
                &ctx(),
            )
            .unwrap_err();
        assert_eq!((r.rule, r.errors[0].field.as_str()), (rule::INVALID, "expires_on"));
        let r = e
            .transition(edit(ExceptionPatch { expected_version: Some(0), ..Default::default() }, REQUESTER), &ctx())
            .unwrap_err();
        assert_eq!(r.rule, rule::STALE_VERSION);
    }

    #[test]
    fn it_is_valid_through_its_expiry_day_and_expires_the_day_after() {
        let e = approved();
        let last_day = e.expires_on;
        assert!(e.is_active_on(e.starts_on) && e.is_active_on(last_day));
        assert!(!e.is_active_on(e.starts_on.previous_day().unwrap()));
        assert!(!e.is_active_on(last_day.next_day().unwrap()), "past its expiry even before the job runs");
        assert!(!requested().is_active_on(last_day));

        let r = e.transition(Command::Expire, &ctx_at(at(last_day))).unwrap_err();
        assert_eq!(r.rule, rule::NOT_YET_EXPIRED);
        assert!(!e.is_due_to_expire(last_day));
        let after = at(last_day.next_day().unwrap());
        assert!(e.is_due_to_expire(after.date()));
        let x = e.transition(Command::Expire, &ctx_at(after)).unwrap().0;
        assert_eq!((x.status, x.expired_at), (ExceptionStatus::Expired, Some(after)));
        let r = x.transition(Command::Expire, &ctx_at(after)).unwrap_err();
        assert_eq!(r.rule, rule::NOT_EXPIRABLE_IN_STATE);

        let x = requested().transition(Command::Expire, &ctx_at(after)).unwrap().0;
        assert_eq!(x.status, ExceptionStatus::Expired);
    }

    #[test]
    fn after_its_expiry_day_it_can_no_longer_be_signed_changed_or_approved() {
        let after = at(date!(2026 - 05 - 01));
        let e = requested();
        let cmd = Command::Sign {
            side: Side::Engineering,
            user_id: ENG,
            user_role: Role::Cto,
            approve: true,
            note: String::new(),
        };
        assert_eq!(e.transition(cmd, &ctx_at(after)).unwrap_err().rule, rule::EXPIRED);
        let cmd = Command::Edit { patch: ExceptionPatch::default(), user_id: REQUESTER };
        assert_eq!(e.transition(cmd, &ctx_at(after)).unwrap_err().rule, rule::EXPIRED);

        let e = requested().transition(sign(Side::Engineering, ENG, Role::Cto, true), &ctx()).unwrap().0;
        let escalated = e.transition(sign(Side::Security, SEC, Role::Ciso, false), &ctx()).unwrap().0;
        let d = Uuid::from_u128(9);
        let r = escalated.transition(Command::ResolveEscalation { approve: true, decision_id: d }, &ctx_at(after));
        assert_eq!(r.unwrap_err().rule, rule::EXPIRED);
        let r = escalated.transition(Command::ResolveEscalation { approve: false, decision_id: d }, &ctx_at(after));
        assert_eq!(r.unwrap().0.status, ExceptionStatus::Rejected);
        let r = escalated.transition(Command::Expire, &ctx_at(after)).unwrap_err();
        assert_eq!(r.rule, rule::NOT_EXPIRABLE_IN_STATE);
    }
}

/// The state machine against a reference model written independently, as plainly as possible.
#[cfg(test)]
mod model {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;
    use time::Duration;
    use time::macros::date;

    /// 0 requester (engineer), 1 engineering owner (engineering lead), 2 security owner
    /// (security lead), 3 another engineer, 4 a CISO who owns nothing, 5 a CTO who owns nothing.
    const USERS: usize = 6;
    const ROLE_OF: [Role; USERS] =
        [Role::Engineer, Role::EngineeringLead, Role::SecurityLead, Role::Engineer, Role::Ciso, Role::Cto];
    const MAX_DAYS: i64 = 60;
    const D0: Date = date!(2026 - 03 - 01);
    const SCOPES: [&str; 3] = ["the partner SFTP endpoint", "all partner endpoints", "the staging SFTP endpoint"];
    const CONTROLS: [&[&str]; 3] = [&[], &["IP allow-list"], &["IP allow-list", "alert on new source IPs"]];

    fn uid(u: usize) -> Uuid {
        Uuid::from_u128(u as u128 + 1)
    }

    fn index_of(id: Uuid) -> usize {
        (id.as_u128() - 1) as usize
    }

    fn day(t: i64) -> Date {
        D0 + Duration::days(t)
    }

    fn time_at(t: i64) -> OffsetDateTime {
        day(t).with_hms(9, 30, 0).unwrap().assume_utc()
    }

    #[derive(Debug, Clone)]
    enum Change {
        Title(u8),
        BlankTitle,
        Scope(usize),
        /// New expiry, in days after `D0` (the start).
        Expires(i64),
        EngOwner(usize),
        SecOwner(usize),
        Controls(usize),
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// `user: None` is whoever owns that side now; `role: None` is the user's own role.
        Sign {
            engineering: bool,
            user: Option<usize>,
            role: Option<Role>,
            approve: bool,
            note: bool,
        },
        Withdraw {
            user: usize,
        },
        Edit {
            user: usize,
            change: Change,
            stale: bool,
        },
        Expire,
        Resolve {
            approve: bool,
        },
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum St {
        Requested,
        Approved,
        Rejected,
        Escalated,
        Withdrawn,
        Expired,
    }

    #[derive(Debug, Clone)]
    struct Model {
        st: St,
        eng: Option<bool>,
        sec: Option<bool>,
        eng_owner: usize,
        sec_owner: usize,
        scope: usize,
        controls: usize,
        expires: i64,
        controls_required: bool,
    }

    /// The rules of the brief, spelled out one by one, in the order they are checked.
    fn step(m: &Model, op: &Op, t: i64) -> Result<Model, &'static str> {
        let mut n = m.clone();
        let lapsed = t > m.expires;
        match *op {
            Op::Sign { engineering, user, role, approve, note } => {
                let user = user.unwrap_or(if engineering { m.eng_owner } else { m.sec_owner });
                let role = role.unwrap_or(ROLE_OF[user]);
                let (owner, other_owner, mine, theirs) = if engineering {
                    (m.eng_owner, m.sec_owner, m.eng, m.sec)
                } else {
                    (m.sec_owner, m.eng_owner, m.sec, m.eng)
                };
                let role_ok = if engineering {
                    role == Role::Cto || role == Role::EngineeringLead
                } else {
                    role == Role::Ciso || role == Role::SecurityLead
                };
                if m.st != St::Requested {
                    return Err("not_signable_in_state");
                }
                if lapsed {
                    return Err("expired");
                }
                if user == other_owner {
                    return Err("same_person_both_sides");
                }
                if user != owner {
                    return Err("not_the_named_owner");
                }
                if !role_ok {
                    return Err("wrong_role");
                }
                if mine.is_some() {
                    return Err("already_signed");
                }
                if !approve && !note {
                    return Err("invalid");
                }
                if engineering {
                    n.eng = Some(approve);
                } else {
                    n.sec = Some(approve);
                }
                n.st = match (approve, theirs) {
                    (true, None) => St::Requested,
                    (true, Some(true)) => St::Approved,
                    (false, None | Some(false)) => St::Rejected,
                    (true, Some(false)) | (false, Some(true)) => St::Escalated,
                };
            }
            Op::Withdraw { user } => {
                if m.st != St::Requested && m.st != St::Escalated {
                    return Err("not_withdrawable_in_state");
                }
                if user != 0 {
                    return Err("not_requester");
                }
                n.st = St::Withdrawn;
            }
            Op::Edit { user, ref change, stale } => {
                if m.st != St::Requested && m.st != St::Approved && m.st != St::Escalated {
                    return Err("not_editable_in_state");
                }
                if user != 0 && user != m.eng_owner && user != m.sec_owner {
                    return Err("not_requester_or_owner");
                }
                if lapsed {
                    return Err("expired");
                }
                if stale {
                    return Err("stale_version");
                }
                let material = match *change {
                    Change::Title(_) => false,
                    Change::BlankTitle => return Err("invalid"),
                    Change::Scope(k) => {
                        n.scope = k;
                        k != m.scope
                    }
                    Change::Expires(e) => {
                        if e < t || e > MAX_DAYS {
                            return Err("invalid");
                        }
                        n.expires = e;
                        e != m.expires
                    }
                    Change::EngOwner(u) => {
                        if u == m.sec_owner {
                            return Err("invalid");
                        }
                        n.eng_owner = u;
                        u != m.eng_owner
                    }
                    Change::SecOwner(u) => {
                        if u == m.eng_owner {
                            return Err("invalid");
                        }
                        n.sec_owner = u;
                        u != m.sec_owner
                    }
                    Change::Controls(k) => {
                        if k == 0 && m.controls_required {
                            return Err("invalid");
                        }
                        n.controls = k;
                        k != m.controls
                    }
                };
                if material {
                    n.st = St::Requested;
                    n.eng = None;
                    n.sec = None;
                }
            }
            Op::Expire => {
                if m.st != St::Requested && m.st != St::Approved {
                    return Err("not_expirable_in_state");
                }
                if !lapsed {
                    return Err("not_yet_expired");
                }
                n.st = St::Expired;
            }
            Op::Resolve { approve } => {
                if m.st != St::Escalated {
                    return Err("not_escalated");
                }
                if approve && lapsed {
                    return Err("expired");
                }
                n.st = if approve { St::Approved } else { St::Rejected };
            }
        }
        Ok(n)
    }

    fn status_of(st: St) -> ExceptionStatus {
        match st {
            St::Requested => ExceptionStatus::Requested,
            St::Approved => ExceptionStatus::Approved,
            St::Rejected => ExceptionStatus::Rejected,
            St::Escalated => ExceptionStatus::Escalated,
            St::Withdrawn => ExceptionStatus::Withdrawn,
            St::Expired => ExceptionStatus::Expired,
        }
    }

    fn command(e: &Exception, op: &Op, i: usize) -> Command {
        match *op {
            Op::Sign { engineering, user, role, approve, note } => {
                let side = if engineering { Side::Engineering } else { Side::Security };
                let user = user.unwrap_or_else(|| index_of(e.owner(side)));
                Command::Sign {
                    side,
                    user_id: uid(user),
                    user_role: role.unwrap_or(ROLE_OF[user]),
                    approve,
                    note: if note { format!("position {i}") } else { String::new() },
                }
            }
            Op::Withdraw { user } => Command::Withdraw { user_id: uid(user) },
            Op::Edit { user, ref change, stale } => {
                let mut patch = ExceptionPatch { expected_version: stale.then(|| e.version - 1), ..Default::default() };
                match *change {
                    Change::Title(k) => patch.title = Some(format!("Legacy TLS, take {k}")),
                    Change::BlankTitle => patch.title = Some(" ".into()),
                    Change::Scope(k) => patch.scope = Some(SCOPES[k].into()),
                    Change::Expires(d) => patch.expires_on = Some(day(d)),
                    Change::EngOwner(u) => patch.engineering_owner_id = Some(uid(u)),
                    Change::SecOwner(u) => patch.security_owner_id = Some(uid(u)),
                    Change::Controls(k) => {
                        patch.compensating_controls = Some(CONTROLS[k].iter().map(|s| (*s).to_owned()).collect());
                    }
                }
                Command::Edit { patch, user_id: uid(user) }
            }
            Op::Expire => Command::Expire,
            Op::Resolve { approve } => {
                Command::ResolveEscalation { approve, decision_id: Uuid::from_u128(1000 + i as u128) }
            }
        }
    }

    fn user() -> impl Strategy<Value = usize> {
        prop_oneof![2 => Just(1), 2 => Just(2), 1 => Just(0), 1 => 3..USERS]
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            3 => (0u8..4).prop_map(Change::Title),
            1 => Just(Change::BlankTitle),
            2 => (0..SCOPES.len()).prop_map(Change::Scope),
            3 => (-5i64..=MAX_DAYS + 20).prop_map(Change::Expires),
            1 => (0..USERS).prop_map(Change::EngOwner),
            1 => (0..USERS).prop_map(Change::SecOwner),
            1 => (0..CONTROLS.len()).prop_map(Change::Controls),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        let role = prop_oneof![4 => Just(None), 1 => proptest::sample::select(Role::ALL).prop_map(Some)];
        prop_oneof![
            8 => (any::<bool>(), prop_oneof![Just(None), user().prop_map(Some)], role, prop::bool::weighted(0.75), prop::bool::weighted(0.8))
                .prop_map(|(engineering, user, role, approve, note)| Op::Sign { engineering, user, role, approve, note }),
            1 => user().prop_map(|user| Op::Withdraw { user }),
            3 => (user(), change(), prop::bool::weighted(0.1))
                .prop_map(|(user, change, stale)| Op::Edit { user, change, stale }),
            2 => Just(Op::Expire),
            2 => any::<bool>().prop_map(|approve| Op::Resolve { approve }),
        ]
    }

    /// Days that pass before each command.
    fn pause() -> impl Strategy<Value = i64> {
        prop_oneof![6 => Just(0), 3 => Just(1), 1 => 2i64..=4]
    }

    /// What must hold after every step, whatever the model says.
    fn invariants(
        before: &Exception,
        after: &Exception,
        accepted: bool,
        edit: bool,
        now: OffsetDateTime,
    ) -> Result<(), TestCaseError> {
        prop_assert!(after.check().is_ok(), "{:?}", after.check());
        if accepted {
            prop_assert_eq!(after.version, before.version + 1);
            prop_assert_eq!(after.updated_at, now);
            prop_assert!(!before.status.is_terminal(), "{} accepted a command", before.status);
        } else {
            prop_assert_eq!(after, before);
        }
        if after.status == ExceptionStatus::Approved {
            let eng = after.signatures.engineering.as_ref();
            let sec = after.signatures.security.as_ref();
            prop_assert!(eng.is_some_and(|s| s.user_id == after.engineering_owner_id));
            prop_assert!(sec.is_some_and(|s| s.user_id == after.security_owner_id));
            prop_assert_ne!(after.engineering_owner_id, after.security_owner_id);
            let both_approve = eng.is_some_and(Signature::approves) && sec.is_some_and(Signature::approves);
            prop_assert!(both_approve || after.escalation_decision_id.is_some());
            prop_assert!(after.decided_at.is_some());
        }
        if after.status == ExceptionStatus::Expired {
            let expired_at = after.expired_at.expect("expired_at");
            prop_assert!(expired_at.date() > after.expires_on);
            if before.status != ExceptionStatus::Expired {
                prop_assert!(matches!(before.status, ExceptionStatus::Approved | ExceptionStatus::Requested));
                prop_assert_eq!(expired_at, now);
            }
        }
        for side in [Side::Engineering, Side::Security] {
            if let Some(was) = before.signatures.get(side) {
                let now_sig = after.signatures.get(side);
                let voided = accepted && edit && now_sig.is_none();
                prop_assert!(now_sig == Some(was) || voided, "{side} signature changed: {was:?} -> {now_sig:?}");
            }
        }
        if after.is_active_on(now.date()) {
            prop_assert_eq!(after.status, ExceptionStatus::Approved);
        }
        Ok(())
    }

    /// The events say exactly what the two states differ in, where a caller acts on it (what
    /// the store once worked out by comparing them).
    fn events_agree(before: &Exception, after: &Exception, events: &[Event]) -> Result<(), TestCaseError> {
        let has = |e: Event| events.contains(&e);
        let became = |s: ExceptionStatus| after.status == s && before.status != s;
        prop_assert_eq!(has(Event::Approved), became(ExceptionStatus::Approved), "{:?}", events);
        prop_assert_eq!(has(Event::Rejected), became(ExceptionStatus::Rejected), "{:?}", events);
        prop_assert_eq!(has(Event::Escalated), became(ExceptionStatus::Escalated), "{:?}", events);
        prop_assert_eq!(has(Event::Withdrawn), became(ExceptionStatus::Withdrawn), "{:?}", events);
        let expired = events.iter().find_map(|e| match e {
            Event::Expired { was_approved } => Some(*was_approved),
            _ => None,
        });
        let want = became(ExceptionStatus::Expired).then_some(before.status == ExceptionStatus::Approved);
        prop_assert_eq!(expired, want, "{:?}", events);
        let voided = before.signatures != Signatures::default() && after.signatures == Signatures::default();
        prop_assert_eq!(has(Event::Voided), voided, "{:?}", events);
        for side in [Side::Engineering, Side::Security] {
            let signed = before.signatures.get(side).is_none() && after.signatures.get(side).is_some();
            let told = events.iter().any(|e| matches!(e, Event::Signed { side: s, .. } if *s == side));
            prop_assert_eq!(told, signed, "{:?}", events);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_state_machine_agrees_with_the_model(
            first_expiry in 0i64..=40,
            controls_required: bool,
            ops in prop::collection::vec((pause(), op()), 1..=30),
        ) {
            let rules = ExceptionRules { max_days: MAX_DAYS, compensating_controls_required: controls_required, review_lead_days: 14 };
            let input = ExceptionInput {
                title: "Legacy TLS".into(),
                business_reason: "Two partners cannot upgrade before their Q2 release.".into(),
                scope: SCOPES[0].into(),
                system_ids: vec![],
                organization_wide: true,
                users_impacted: "Two partner integrations".into(),
                starts_on: D0,
                expires_on: day(first_expiry),
                compensating_controls: CONTROLS[1].iter().map(|s| (*s).to_owned()).collect(),
                risk_ids: vec![Uuid::from_u128(100)],
                finding_ids: vec![],
                engineering_owner_id: uid(1),
                security_owner_id: uid(2),
                supersedes: None,
            };
            let new = New { id: Uuid::from_u128(50), workspace_id: Uuid::nil(), number: 1, now: time_at(0) };
            let mut real = Exception::request(input, new, uid(0), &rules).unwrap();
            let mut m = Model {
                st: St::Requested,
                eng: None,
                sec: None,
                eng_owner: 1,
                sec_owner: 2,
                scope: 0,
                controls: 1,
                expires: first_expiry,
                controls_required,
            };
            let mut t = 0;
            for (i, (pause, op)) in ops.iter().enumerate() {
                t += pause;
                let cmd = command(&real, op, i);
                let got = real.transition(cmd, &Ctx { rules: rules.clone(), now: time_at(t), over_appetite: None });
                let want = step(&m, op, t);
                prop_assert_eq!(got.as_ref().err().map(|r| r.rule), want.as_ref().err().copied(), "step {}: {:?}", i, op);
                let (after, events) = got.unwrap_or_else(|_| (real.clone(), Vec::new()));
                invariants(&real, &after, want.is_ok(), matches!(op, Op::Edit { .. }), time_at(t))?;
                events_agree(&real, &after, &events)?;
                if let Ok(next) = want {
                    m = next;
                }
                prop_assert_eq!(after.status, status_of(m.st), "step {}: {:?}", i, op);
                prop_assert_eq!(after.signatures.engineering.as_ref().map(Signature::approves), m.eng);
                prop_assert_eq!(after.signatures.security.as_ref().map(Signature::approves), m.sec);
                prop_assert_eq!(after.expires_on, day(m.expires));
                prop_assert_eq!((after.engineering_owner_id, after.security_owner_id), (uid(m.eng_owner), uid(m.sec_owner)));
                real = after;
            }
        }
    }
}
