//! The shared risk register.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::date_format::date;
use super::{New, Ref, Target, check_unique_ids, ref_of, refs_of};
use crate::Kind;
use crate::enums::{RiskStatus, Stage};
use crate::patch::{set, some};
use crate::validate::{Check, Invalid, check_tags};

/// Longest statement, in characters. Two lines of a readable width.
pub const STATEMENT_MAX_CHARS: usize = 280;

/// A risk in the shared register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Risk {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Human reference number: `RISK-{number}`.
    pub number: i64,
    /// What the risk is, in two lines at most.
    pub statement: String,
    /// 1 (negligible) to 5 (severe).
    pub impact: i64,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: i64,
    /// impact × likelihood, 1 to 25.
    pub score: i64,
    pub owner_id: Option<Uuid>,
    pub mitigation: String,
    #[serde(with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    pub status: RiskStatus,
    pub found_stage: Stage,
    /// Free tags; `customer-harm`, `legal` and `regulatory` matter to the launch gate.
    pub tags: Vec<String>,
    pub system_ids: Vec<Uuid>,
    pub backlog_item_ids: Vec<Uuid>,
    /// Key in the spreadsheet or tool this risk came from.
    pub external_id: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}

/// A new risk.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    pub statement: String,
    pub impact: i64,
    pub likelihood: i64,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub mitigation: String,
    #[serde(default, with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    #[serde(default)]
    pub status: Option<RiskStatus>,
    pub found_stage: Stage,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub system_ids: Vec<Uuid>,
    #[serde(default)]
    pub backlog_item_ids: Vec<Uuid>,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// Changes to a risk; absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskPatch {
    #[serde(default)]
    pub statement: Option<String>,
    #[serde(default)]
    pub impact: Option<i64>,
    #[serde(default)]
    pub likelihood: Option<i64>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub mitigation: Option<String>,
    #[serde(default, deserialize_with = "opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Option<Date>>,
    #[serde(default)]
    pub status: Option<RiskStatus>,
    #[serde(default)]
    pub found_stage: Option<Stage>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub system_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub backlog_item_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    /// When given, the update is refused if the risk changed since this version.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

pub(crate) fn opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Date>>, D::Error> {
    date::option::deserialize(d).map(Some)
}

impl Risk {
    pub const KIND: Kind = Kind::Risk;

    pub fn create(input: RiskInput, new: New) -> Result<Self, Invalid> {
        let status = input.status.unwrap_or(RiskStatus::Open);
        let risk = Risk {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            statement: input.statement.trim().to_owned(),
            impact: input.impact,
            likelihood: input.likelihood,
            score: input.impact * input.likelihood,
            owner_id: input.owner_id,
            mitigation: input.mitigation.trim().to_owned(),
            due_date: input.due_date,
            status,
            found_stage: input.found_stage,
            tags: input.tags,
            system_ids: input.system_ids,
            backlog_item_ids: input.backlog_item_ids,
            external_id: input.external_id.filter(|s| !s.trim().is_empty()),
            version: 1,
            created_at: new.now,
            updated_at: new.now,
            closed_at: (status == RiskStatus::Closed).then_some(new.now),
        };
        risk.check()?;
        Ok(risk)
    }

    pub fn apply(&self, patch: RiskPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut r = self.clone();
        set(&mut r.statement, patch.statement.map(|s| s.trim().to_owned()));
        set(&mut r.impact, patch.impact);
        set(&mut r.likelihood, patch.likelihood);
        set(&mut r.owner_id, patch.owner_id);
        set(&mut r.mitigation, patch.mitigation.map(|s| s.trim().to_owned()));
        set(&mut r.due_date, patch.due_date);
        set(&mut r.status, patch.status);
        set(&mut r.found_stage, patch.found_stage);
        set(&mut r.tags, patch.tags);
        set(&mut r.system_ids, patch.system_ids);
        set(&mut r.backlog_item_ids, patch.backlog_item_ids);
        set(&mut r.external_id, patch.external_id.map(|e| e.filter(|s| !s.trim().is_empty())));
        r.score = r.impact * r.likelihood;
        r.closed_at = match (self.status, r.status) {
            (RiskStatus::Closed, RiskStatus::Closed) => self.closed_at,
            (_, RiskStatus::Closed) => Some(now),
            _ => None,
        };
        r.touch(now);
        r.check()?;
        Ok(r)
    }

    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        self.apply(RiskPatch { status: Some(RiskStatus::Closed), ..RiskPatch::default() }, now)
    }

    fn touch(&mut self, now: OffsetDateTime) {
        self.version += 1;
        self.updated_at = now;
    }

    /// Every rule a risk obeys, checked on create and on every change.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
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
        c.finish()
    }

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
