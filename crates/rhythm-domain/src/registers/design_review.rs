//! Design reviews for the monthly architecture review: the five questions answered per
//! change, linked to a system and the golden paths it touches, ending in a decision or in a
//! spike with a deadline (a backlog item).

use time::OffsetDateTime;
use uuid::Uuid;

use super::shape::register;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::{DesignReviewStatus, GoldenPath};
use crate::validate::{Check, Invalid};

/// The five questions, as (field, question).
pub const QUESTIONS: [(&str, &str); 5] = [
    ("data", "What data does it touch, and how sensitive is it?"),
    ("auth", "How are callers authenticated and authorized?"),
    ("secrets", "Where are its secrets stored, how are they rotated and audited?"),
    ("logging", "What is logged for detection and forensics?"),
    ("abuse", "What are the abuse cases, and the defenses against them?"),
];

register! {
    /// One change, reviewed.
    pub struct DesignReview {
        /// `DR-{number}`.
        number,
        /// The change under review.
        title: text,
        system_id: Option<Uuid>,
        /// The golden paths the change touches.
        golden_paths: Vec<GoldenPath> [default],
        /// The architecture review it is on.
        review_date: date,
        /// Data and its sensitivity.
        data: text [default],
        /// Authentication and authorization.
        auth: text [default],
        /// Secrets storage, rotation and audit.
        secrets: text [default],
        /// What is logged for detection and forensics.
        logging: text [default],
        /// Abuse cases and defenses.
        abuse: text [default],
        status: DesignReviewStatus [stored] = DesignReviewStatus::Open,
        /// The decision it ended in.
        decision_id: Option<Uuid> [stored] = None,
        /// The spike it ended in: a backlog item with a due date.
        spike_item_id: Option<Uuid> [stored] = None,
        version,
    }
    /// A change put on the review.
    pub struct DesignReviewInput;
    /// Changes to a design review. How it ends is set by recording its decision or its spike.
    pub struct DesignReviewPatch;
    const KIND: Kind = Kind::DesignReview;
    fn create(i, new: New);
    fn apply(self, p, now) -> v {
        if self.status != DesignReviewStatus::Open {
            return Err(Invalid::one(
                "status",
                format!("the review ended ({}); open a new review for a further change", self.status.label()),
            ));
        }
    }
    fn check(self, c) {
        c.name("title", &self.title, 300);
        for (field, _) in QUESTIONS {
            c.text(field, self.answer(field), 4000);
        }
    }
}

impl DesignReview {
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
