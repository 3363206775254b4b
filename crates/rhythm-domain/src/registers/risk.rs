//! The shared risk register.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::shape::register;
use super::{New, Ref, Target, check_unique_ids, ref_of, refs_of};
use crate::Kind;
use crate::enums::{RiskStatus, Stage};
use crate::validate::{Check, Invalid, check_tags};

/// Longest statement, in characters. Two lines of a readable width.
pub const STATEMENT_MAX_CHARS: usize = 280;

register! {
    /// A risk in the shared register.
    pub struct Risk {
        /// Human reference number: `RISK-{number}`.
        number,
        /// What the risk is, in two lines at most.
        statement: text,
        /// 1 (negligible) to 5 (severe).
        impact: i64,
        /// 1 (rare) to 5 (almost certain).
        likelihood: i64,
        /// impact × likelihood, 1 to 25.
        score: i64 [stored] = input.impact * input.likelihood,
        owner_id: Option<Uuid>,
        mitigation: text [default],
        due_date: opt_date,
        status: RiskStatus [optional] = status,
        found_stage: Stage,
        /// Free tags; `customer-harm`, `legal` and `regulatory` matter to the launch gate.
        tags: Vec<String> [default],
        system_ids: Vec<Uuid> [default],
        backlog_item_ids: Vec<Uuid> [default],
        /// Key in the spreadsheet or tool this risk came from.
        external_id: nonblank,
        version,
        closed_at: opt_utc [stored] = (status == RiskStatus::Closed).then_some(new.now),
    }
    /// A new risk.
    #[derive(Default)]
    pub struct RiskInput;
    /// Changes to a risk; absent fields are kept, `null` clears a nullable one.
    pub struct RiskPatch {
        /// When given, the update is refused if the risk changed since this version.
        expected_version
    }
    const KIND: Kind = Kind::Risk;
    fn create(input, new: New) {
        let status = input.status.unwrap_or(RiskStatus::Open);
        if status == RiskStatus::Accepted {
            return Err(acceptance_is_not_a_status());
        }
    }
    fn apply(self, patch, now) -> r then {
        if r.status == RiskStatus::Accepted && self.status != RiskStatus::Accepted {
            return Err(acceptance_is_not_a_status());
        }
        r.score = r.impact * r.likelihood;
        r.closed_at = match (self.status, r.status) {
            (RiskStatus::Closed, RiskStatus::Closed) => self.closed_at,
            (_, RiskStatus::Closed) => Some(now),
            _ => None,
        };
    }
    fn close() { status: RiskStatus::Closed }
    /// Every rule a risk obeys, checked on create and on every change.
    fn check(self, c) {
        c.required_text("statement", &self.statement, 10_000);
        let lines = self.statement.lines().filter(|l| !l.trim().is_empty()).count();
        if lines > 2 {
            c.fail(
                "statement",
                format!("a risk statement is two lines at most; this one has {lines}. A longer statement is probably several risks: split it into one risk each"),
            );
        } else if self.statement.chars().count() > STATEMENT_MAX_CHARS {
            c.fail(
                "statement",
                format!("a risk statement is two lines at most ({STATEMENT_MAX_CHARS} characters); this one has {}. Say what could happen and to whom; if it is more than one thing, split it into several risks", self.statement.chars().count()),
            );
        }
        c.range("impact", self.impact, 1, 5);
        c.range("likelihood", self.likelihood, 1, 5);
        c.text("mitigation", &self.mitigation, 4000);
        c.date_not_before("due_date", self.due_date, self.created_at.date(), "the day the risk was registered");
        check_tags(&mut c, "tags", &self.tags);
        check_unique_ids(&mut c, "system_ids", &self.system_ids);
        check_unique_ids(&mut c, "backlog_item_ids", &self.backlog_item_ids);
        if let Some(e) = &self.external_id {
            c.name("external_id", e, 200);
        }
        // A treatment under way has someone, a plan and a date; the store also asks for a
        // four-line update when a risk moves to mitigating.
        if self.status == RiskStatus::Mitigating {
            if self.owner_id.is_none() {
                c.fail("owner_id", "a risk being mitigated has an owner: name who treats it");
            }
            if self.mitigation.is_empty() {
                c.fail("mitigation", "a risk being mitigated says how: write the mitigation");
            }
            if self.due_date.is_none() {
                c.fail("due_date", "a risk being mitigated has a due date for the treatment");
            }
        }
    }
}

/// Why `accepted` cannot be typed in: acceptance is two signatures (or an escalation), not a
/// status edit.
fn acceptance_is_not_a_status() -> Invalid {
    Invalid::one(
        "status",
        "a risk is accepted only through an approved exception that covers it (signed by its engineering and \
         security owners; beyond the risk appetite, an escalation decides): request an exception instead of setting \
         the status. It goes back to open when the exception lapses",
    )
}

impl Risk {
    /// References that must exist in the same workspace.
    pub fn refs(&self) -> Vec<Ref> {
        let mut v = ref_of("owner_id", Target::User, self.owner_id);
        v.extend(refs_of("system_ids", Target::Entry(Kind::System), &self.system_ids));
        v.extend(refs_of("backlog_item_ids", Target::Entry(Kind::BacklogItem), &self.backlog_item_ids));
        v
    }

    pub fn reference(&self) -> String {
        Kind::Risk.reference(self.number)
    }

    /// An approved exception started covering it: `accepted` (from open or mitigating). The
    /// only way a risk becomes accepted; the store calls it when the exception starts.
    pub fn accepted_under_exception(&self, now: OffsetDateTime) -> Result<Option<Self>, Invalid> {
        self.moved(matches!(self.status, RiskStatus::Open | RiskStatus::Mitigating), RiskStatus::Accepted, now)
    }

    /// The last exception covering it stopped (expired, withdrawn, voided): open again.
    pub fn reopened_after_exception(&self, now: OffsetDateTime) -> Result<Option<Self>, Invalid> {
        self.moved(self.status == RiskStatus::Accepted, RiskStatus::Open, now)
    }

    fn moved(&self, applies: bool, to: RiskStatus, now: OffsetDateTime) -> Result<Option<Self>, Invalid> {
        if !applies {
            return Ok(None);
        }
        let mut r = self.clone();
        r.status = to;
        r.version += 1;
        r.updated_at = now;
        r.check()?;
        Ok(Some(r))
    }

    /// Whether this change moves the risk into mitigation, which needs a recorded four-line
    /// update (the store checks there is one).
    pub fn starts_mitigating(&self, before: &Risk) -> bool {
        self.status == RiskStatus::Mitigating && before.status != RiskStatus::Mitigating
    }
}

/// One entry of a risk's history, in four lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskUpdate {
    pub id: Uuid,
    pub risk_id: Uuid,
    /// What it is.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// What we are doing.
    pub doing: String,
    /// When it closes.
    pub closes: String,
    pub author_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A new four-line update.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskUpdateInput {
    pub what: String,
    pub why: String,
    pub doing: String,
    pub closes: String,
}

impl RiskUpdate {
    pub fn create(
        input: RiskUpdateInput,
        id: Uuid,
        risk_id: Uuid,
        author_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Self, Invalid> {
        let mut c = Check::new();
        for (field, v) in
            [("what", &input.what), ("why", &input.why), ("doing", &input.doing), ("closes", &input.closes)]
        {
            c.name(field, v, 300);
        }
        c.finish()?;
        Ok(RiskUpdate {
            id,
            risk_id,
            what: input.what.trim().to_owned(),
            why: input.why.trim().to_owned(),
            doing: input.doing.trim().to_owned(),
            closes: input.closes.trim().to_owned(),
            author_id,
            created_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn new() -> New {
        New { id: Uuid::nil(), workspace_id: Uuid::nil(), number: 1, now: datetime!(2026-03-01 10:00 UTC) }
    }

    fn input() -> RiskInput {
        RiskInput {
            statement: "Customer PII in the billing export bucket could be read by any engineer.".into(),
            impact: 4,
            likelihood: 3,
            found_stage: Stage::Production,
            ..RiskInput::default()
        }
    }

    #[test]
    fn score_is_impact_times_likelihood_and_follows_changes() {
        let r = Risk::create(input(), new()).unwrap();
        assert_eq!(r.score, 12);
        let r = r.apply(RiskPatch { impact: Some(5), ..Default::default() }, new().now).unwrap();
        assert_eq!((r.score, r.version), (15, 2));
    }

    #[test]
    fn a_three_line_statement_is_refused_with_advice_to_split() {
        let mut i = input();
        i.statement = "one\ntwo\nthree".into();
        let err = Risk::create(i, new()).unwrap_err();
        assert_eq!(err.0[0].field, "statement");
        assert!(err.0[0].message.contains("split"), "{}", err.0[0].message);
    }

    #[test]
    fn out_of_range_scores_and_past_due_dates_are_each_named() {
        let mut i = input();
        i.impact = 0;
        i.likelihood = 6;
        i.due_date = Some(date!(2026 - 02 - 28));
        let err = Risk::create(i, new()).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["impact", "likelihood", "due_date"]);
    }

    #[test]
    fn closing_stamps_closed_at_and_reopening_clears_it() {
        let r = Risk::create(input(), new()).unwrap();
        let later = datetime!(2026-04-01 10:00 UTC);
        let closed = r.close(later).unwrap();
        assert_eq!((closed.status, closed.closed_at), (RiskStatus::Closed, Some(later)));
        let reopened = closed.apply(RiskPatch { status: Some(RiskStatus::Open), ..Default::default() }, later).unwrap();
        assert_eq!(reopened.closed_at, None);
    }

    #[test]
    fn patch_tells_absent_from_null() {
        let p: RiskPatch = serde_json::from_str(r#"{"owner_id": null}"#).unwrap();
        assert_eq!(p.owner_id, Some(None));
        let p: RiskPatch = serde_json::from_str("{}").unwrap();
        assert_eq!(p.owner_id, None);
        assert!(serde_json::from_str::<RiskPatch>(r#"{"colour": 1}"#).is_err());
    }
}
