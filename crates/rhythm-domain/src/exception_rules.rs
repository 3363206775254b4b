//! The field rules of an exception request, defined once over the parts that are given, and
//! the draft a form holds while its dates or owners are still missing.
//!
//! [`Exception::request`](crate::Exception::request) and an edit judge a complete request by
//! these rules; [`ExceptionDraft::problems`] judges a partial one by the same rules, so a form
//! can list every problem in one answer without inventing the parts it lacks: a rule that needs
//! a missing part is simply not judged yet.

use time::{Date, Duration};
use uuid::Uuid;

use crate::policy::ExceptionRules;
use crate::validate::{Check, FieldError};

/// Shortest business reason, in characters. "Too much work" is not a business reason.
pub const BUSINESS_REASON_MIN_CHARS: usize = 20;

/// When the review falls due: `lead_days` before expiry, never before the start.
pub(crate) fn review_on(starts_on: Date, expires_on: Date, lead_days: i64) -> Date {
    expires_on.checked_sub(Duration::days(lead_days.max(0))).map_or(starts_on, |d| d.max(starts_on))
}

/// Controls trimmed, empty lines dropped.
pub(crate) fn clean_controls(controls: Vec<String>) -> Vec<String> {
    controls.into_iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect()
}

/// An exception request as a form holds it: every part as given, the dates and the owners
/// possibly not (yet) given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExceptionDraft {
    pub title: String,
    pub business_reason: String,
    pub scope: String,
    pub system_ids: Vec<Uuid>,
    pub organization_wide: bool,
    pub users_impacted: String,
    pub starts_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub compensating_controls: Vec<String>,
    pub risk_ids: Vec<Uuid>,
    pub finding_ids: Vec<Uuid>,
    pub engineering_owner_id: Option<Uuid>,
    pub security_owner_id: Option<Uuid>,
    pub supersedes: Option<Uuid>,
}

impl ExceptionDraft {
    /// What the given parts break, by the rules a request is judged by (the field rules, and
    /// the policy's time box and compensating controls), on `today`.
    pub fn problems(&self, rules: &ExceptionRules, today: Date) -> Vec<FieldError> {
        let controls = clean_controls(self.compensating_controls.clone());
        let dates = self.starts_on.zip(self.expires_on);
        let mut c = Check::new();
        check_terms(
            &mut c,
            &Terms {
                title: self.title.trim(),
                business_reason: self.business_reason.trim(),
                scope: self.scope.trim(),
                users_impacted: self.users_impacted.trim(),
                system_ids: &self.system_ids,
                organization_wide: self.organization_wide,
                risk_ids: &self.risk_ids,
                finding_ids: &self.finding_ids,
                compensating_controls: &controls,
                owners: self.engineering_owner_id.zip(self.security_owner_id),
                dates: dates.map(|(s, e)| (s, e, review_on(s, e, rules.review_lead_days))),
            },
        );
        if let Some((starts_on, expires_on)) = dates {
            check_time_box(&mut c, starts_on, expires_on, rules, today);
        }
        check_controls(&mut c, &controls, rules);
        c.finish().err().map(|i| i.0).unwrap_or_default()
    }
}

/// What the field rules read: a request's parts, its owners and dates when given.
pub(crate) struct Terms<'a> {
    pub title: &'a str,
    pub business_reason: &'a str,
    pub scope: &'a str,
    pub users_impacted: &'a str,
    pub system_ids: &'a [Uuid],
    pub organization_wide: bool,
    pub risk_ids: &'a [Uuid],
    pub finding_ids: &'a [Uuid],
    pub compensating_controls: &'a [String],
    /// (engineering, security).
    pub owners: Option<(Uuid, Uuid)>,
    /// (starts_on, expires_on, review_on).
    pub dates: Option<(Date, Date, Date)>,
}

fn check_ids(c: &mut Check, field: &str, ids: &[Uuid]) {
    if ids.len() > 200 {
        c.fail(field, "at most 200 links");
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            c.fail(format!("{field}[{i}]"), "listed twice");
        }
    }
}

/// The field rules that hold in every state.
pub(crate) fn check_terms(c: &mut Check, t: &Terms<'_>) {
    c.name("title", t.title, 200);
    c.required_text("business_reason", t.business_reason, 4000);
    let reason_len = t.business_reason.trim().chars().count();
    if reason_len > 0 && reason_len < BUSINESS_REASON_MIN_CHARS {
        c.fail(
            "business_reason",
            format!(
                "give the business reason, in at least {BUSINESS_REASON_MIN_CHARS} characters: what the business gains by accepting this risk for a while, or loses by fixing it now. Convenience is not a reason"
            ),
        );
    }
    c.required_text("scope", t.scope, 4000);
    // The five things an exception documents: scope (above), systems, users impacted, the
    // time box and compensating controls (below, and the policy's rules).
    if t.users_impacted.trim().is_empty() {
        c.fail(
            "users_impacted",
            "say who is exposed while it stands: which customers, staff or partners, and how many (or \"none\")",
        );
    }
    c.text("users_impacted", t.users_impacted, 2000);
    if t.system_ids.is_empty() && !t.organization_wide {
        c.fail(
            "system_ids",
            "name the systems it applies to, or mark it organization-wide when it applies across the organization",
        );
    }
    check_ids(c, "system_ids", t.system_ids);
    check_ids(c, "risk_ids", t.risk_ids);
    check_ids(c, "finding_ids", t.finding_ids);
    if t.risk_ids.is_empty() && t.finding_ids.is_empty() {
        c.fail("risk_ids", "an exception covers at least one risk or finding: list it in risk_ids or finding_ids");
    }
    if t.compensating_controls.len() > 50 {
        c.fail("compensating_controls", "at most 50 compensating controls");
    }
    for (i, control) in t.compensating_controls.iter().enumerate() {
        let field = format!("compensating_controls[{i}]");
        c.name(&field, control, 500);
        if t.compensating_controls[..i].contains(control) {
            c.fail(field, "listed twice");
        }
    }
    if let Some((engineering, security)) = t.owners
        && engineering == security
    {
        c.fail("security_owner_id", "the engineering owner and the security owner must be two different people");
    }
    if let Some((starts_on, expires_on, review_on)) = t.dates {
        if starts_on > expires_on {
            c.fail("expires_on", format!("must not be before starts_on ({starts_on})"));
        } else if review_on < starts_on || review_on > expires_on {
            c.fail("review_on", "must fall between starts_on and expires_on");
        }
    }
}

/// The policy's time box, checked when the dates are set.
pub(crate) fn check_time_box(c: &mut Check, starts_on: Date, expires_on: Date, rules: &ExceptionRules, today: Date) {
    if expires_on < today {
        c.fail("expires_on", format!("must not be in the past (today is {today})"));
    }
    let days = (expires_on - starts_on).whole_days();
    if days > rules.max_days {
        c.fail(
            "expires_on",
            format!(
                "an exception lasts at most {} days under the policy; this one lasts {days}. Ask for a shorter time box; it can be extended later by a new request",
                rules.max_days
            ),
        );
    }
}

/// The policy's compensating-controls rule, checked when the controls are set.
pub(crate) fn check_controls(c: &mut Check, controls: &[String], rules: &ExceptionRules) {
    if rules.compensating_controls_required && controls.is_empty() {
        c.fail(
            "compensating_controls",
            "the policy requires at least one compensating control: what limits the harm while the exception lasts",
        );
    }
}
