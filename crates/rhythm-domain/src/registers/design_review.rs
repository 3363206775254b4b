//! Design reviews for the monthly architecture review: the five questions answered per
//! change, linked to a system and the golden paths it touches, ending in a decision or in a
//! spike with a deadline (a backlog item).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::date_format::date;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::{DesignReviewStatus, GoldenPath};
use crate::patch::{set, some};
use crate::validate::{Check, Invalid};

/// The five questions, as (field, question).
pub const QUESTIONS: [(&str, &str); 5] = [
    ("data", "What data does it touch, and how sensitive is it?"),
    ("auth", "How are callers authenticated and authorized?"),
    ("secrets", "Where are its secrets stored, how are they rotated and audited?"),
    ("logging", "What is logged for detection and forensics?"),
    ("abuse", "What are the abuse cases, and the defenses against them?"),
];

/// One change, reviewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DesignReview {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// `DR-{number}`.
    pub number: i64,
    /// The change under review.
    pub title: String,
    pub system_id: Option<Uuid>,
    /// The golden paths the change touches.
    pub golden_paths: Vec<GoldenPath>,
    /// The architecture review it is on.
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub review_date: Date,
    /// Data and its sensitivity.
    pub data: String,
    /// Authentication and authorization.
    pub auth: String,
    /// Secrets storage, rotation and audit.
    pub secrets: String,
    /// What is logged for detection and forensics.
    pub logging: String,
    /// Abuse cases and defenses.
    pub abuse: String,
    pub status: DesignReviewStatus,
    /// The decision it ended in.
    pub decision_id: Option<Uuid>,
    /// The spike it ended in: a backlog item with a due date.
    pub spike_item_id: Option<Uuid>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A change put on the review.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignReviewInput {
    pub title: String,
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(default)]
    pub golden_paths: Vec<GoldenPath>,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub review_date: Date,
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub auth: String,
    #[serde(default)]
    pub secrets: String,
    #[serde(default)]
    pub logging: String,
    #[serde(default)]
    pub abuse: String,
}

/// Changes to a design review. How it ends is set by recording its decision or its spike.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignReviewPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub system_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub golden_paths: Option<Vec<GoldenPath>>,
    #[serde(default, with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub review_date: Option<Date>,
    #[serde(default)]
    pub data: Option<String>,
    #[serde(default)]
    pub auth: Option<String>,
    #[serde(default)]
    pub secrets: Option<String>,
    #[serde(default)]
    pub logging: Option<String>,
    #[serde(default)]
    pub abuse: Option<String>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn trim(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned())
}

impl DesignReview {
    pub const KIND: Kind = Kind::DesignReview;

    pub fn create(i: DesignReviewInput, new: New) -> Result<Self, Invalid> {
        let v = DesignReview {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            title: i.title.trim().to_owned(),
            system_id: i.system_id,
            golden_paths: i.golden_paths,
            review_date: i.review_date,
            data: i.data.trim().to_owned(),
            auth: i.auth.trim().to_owned(),
            secrets: i.secrets.trim().to_owned(),
            logging: i.logging.trim().to_owned(),
            abuse: i.abuse.trim().to_owned(),
            status: DesignReviewStatus::Open,
            decision_id: None,
            spike_item_id: None,
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: DesignReviewPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        if self.status != DesignReviewStatus::Open {
            return Err(Invalid::one(
                "status",
                format!("the review ended ({}); open a new review for a further change", self.status.label()),
            ));
        }
        let mut v = self.clone();
        set(&mut v.title, trim(p.title));
        set(&mut v.system_id, p.system_id);
        set(&mut v.golden_paths, p.golden_paths);
        set(&mut v.review_date, p.review_date);
        set(&mut v.data, trim(p.data));
        set(&mut v.auth, trim(p.auth));
        set(&mut v.secrets, trim(p.secrets));
        set(&mut v.logging, trim(p.logging));
        set(&mut v.abuse, trim(p.abuse));
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

    /// A design review does not just close: it ends in a decision or a spike.
    pub fn close(&self, _now: OffsetDateTime) -> Result<Self, Invalid> {
        Err(Invalid::one(
            "status",
            "a design review ends in a decision or in a spike with a deadline: record one of them (POST …/decision or …/spike)",
        ))
    }

    /// Ends the review in a decision (`decision_id`) or a spike (`spike_item_id`). Every one of
    /// the five questions must be answered first.
    pub fn conclude(
        &self,
        decision_id: Option<Uuid>,
        spike_item_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Self, Invalid> {
        let mut c = Check::new();
        if self.status != DesignReviewStatus::Open {
            c.fail("status", format!("the review already ended ({})", self.status.label()));
        }
        for (field, question) in QUESTIONS {
            if self.answer(field).is_empty() {
                c.fail(field, format!("answer \"{question}\" before the review ends"));
            }
        }
        c.finish()?;
        let mut v = self.clone();
        match (decision_id, spike_item_id) {
            (Some(d), None) => {
                v.status = DesignReviewStatus::Decided;
                v.decision_id = Some(d);
            }
            (None, Some(s)) => {
                v.status = DesignReviewStatus::Spike;
                v.spike_item_id = Some(s);
            }
            _ => return Err(Invalid::one("status", "a review ends in one decision or one spike")),
        }
        v.version += 1;
        v.updated_at = now;
        Ok(v)
    }

    /// The answer to one of the five questions, by field name.
    pub fn answer(&self, field: &str) -> &str {
        match field {
            "data" => &self.data,
            "auth" => &self.auth,
            "secrets" => &self.secrets,
            "logging" => &self.logging,
            "abuse" => &self.abuse,
            _ => "",
        }
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("title", &self.title, 300);
        for (field, _) in QUESTIONS {
            c.text(field, self.answer(field), 4000);
        }
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        let mut v = ref_of("system_id", Target::Entry(Kind::System), self.system_id);
        v.extend(ref_of("spike_item_id", Target::Entry(Kind::BacklogItem), self.spike_item_id));
        v.extend(ref_of("decision_id", Target::Entry(Kind::Decision), self.decision_id));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn review() -> DesignReview {
        let input = DesignReviewInput {
            title: "Move session tokens to the edge".into(),
            review_date: date!(2026 - 12 - 03),
            system_id: None,
            golden_paths: vec![GoldenPath::IdentityAccess],
            data: "Session ids, user ids; confidential".into(),
            auth: String::new(),
            secrets: String::new(),
            logging: String::new(),
            abuse: String::new(),
        };
        let new =
            New { id: Uuid::from_u128(1), workspace_id: Uuid::nil(), number: 1, now: datetime!(2026-11-20 9:00 UTC) };
        DesignReview::create(input, new).unwrap()
    }

    #[test]
    fn a_review_ends_only_with_every_question_answered_and_one_outcome() {
        let r = review();
        assert!(r.close(datetime!(2026-12-03 10:00 UTC)).is_err());
        let err = r.conclude(Some(Uuid::from_u128(9)), None, datetime!(2026-12-03 10:00 UTC)).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["auth", "secrets", "logging", "abuse"]);
        let patch = DesignReviewPatch {
            auth: Some("OIDC at the edge; scopes per route".into()),
            secrets: Some("Signing keys in KMS, rotated monthly".into()),
            logging: Some("Every token issue and refusal, with client and route".into()),
            abuse: Some("Token replay: bound to device; stuffing: rate limits".into()),
            ..Default::default()
        };
        let r = r.apply(patch, datetime!(2026-12-03 9:30 UTC)).unwrap();
        assert!(
            r.conclude(Some(Uuid::from_u128(9)), Some(Uuid::from_u128(8)), datetime!(2026-12-03 10:00 UTC)).is_err()
        );
        let done = r.conclude(None, Some(Uuid::from_u128(8)), datetime!(2026-12-03 10:00 UTC)).unwrap();
        assert_eq!((done.status, done.spike_item_id), (DesignReviewStatus::Spike, Some(Uuid::from_u128(8))));
        assert!(done.apply(DesignReviewPatch::default(), datetime!(2026-12-04 9:00 UTC)).is_err());
        assert!(done.conclude(Some(Uuid::from_u128(9)), None, datetime!(2026-12-04 9:00 UTC)).is_err());
    }
}
