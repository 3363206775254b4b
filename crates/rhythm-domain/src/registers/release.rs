//! Releases: planned and shipped dates and scope, the reason for any slip.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::shape::register;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::ReleaseStatus;
use crate::validate::Invalid;

register! {
    /// A release of one system.
    pub struct Release {
        number,
        name: text,
        system_id: Option<Uuid>,
        planned_date: date,
        shipped_date: opt_date,
        planned_scope: text [default],
        shipped_scope: text [default],
        /// Items planned for the release.
        planned_items: i64 [default],
        /// Of those, items that shipped.
        shipped_items: Option<i64>,
        /// Why it shipped after its planned date. Required when it did.
        slip_reason: opt_text,
        status: ReleaseStatus [optional by_hand] = status,
        external_id: opt_text,
        version,
    }
    /// A new release.
    pub struct ReleaseInput;
    /// Changes to a release.
    pub struct ReleasePatch;
    const KIND: Kind = Kind::Release;
    fn create(i, new: New) {
        let status =
            i.status.unwrap_or(if i.shipped_date.is_some() { ReleaseStatus::Shipped } else { ReleaseStatus::Planned });
    }
    fn apply(self, p, now) -> v {
        let shipping = matches!(p.shipped_date, Some(Some(_))) && self.shipped_date.is_none();
    } then {
        match p.status {
            Some(s) => v.status = s,
            // Recording a ship date ships a planned release.
            None if shipping && v.status == ReleaseStatus::Planned => v.status = ReleaseStatus::Shipped,
            None => {}
        }
    }
    fn check(self, c) {
        c.name("name", &self.name, 200);
        c.text("planned_scope", &self.planned_scope, 10_000);
        c.text("shipped_scope", &self.shipped_scope, 10_000);
        c.range("planned_items", self.planned_items, 0, 100_000);
        if let Some(s) = self.shipped_items {
            c.range("shipped_items", s, 0, 100_000);
        }
        match (self.status, self.shipped_date) {
            (ReleaseStatus::Shipped, None) => c.fail("shipped_date", "is required for a shipped release"),
            (ReleaseStatus::Planned | ReleaseStatus::Cancelled, Some(_)) => {
                c.fail("status", "a release with a shipped_date is shipped");
            }
            _ => {}
        }
        if self.slipped() && self.slip_reason.is_none() {
            c.fail("slip_reason", "the release shipped after its planned date: say why it slipped");
        }
        if let Some(r) = &self.slip_reason {
            c.text("slip_reason", r, 2000);
        }
        if let Some(e) = &self.external_id {
            c.name("external_id", e, 200);
        }
    }
}

impl Default for ReleaseInput {
    fn default() -> Self {
        ReleaseInput {
            name: String::new(),
            system_id: None,
            planned_date: Date::MIN,
            shipped_date: None,
            planned_scope: String::new(),
            shipped_scope: String::new(),
            planned_items: 0,
            shipped_items: None,
            slip_reason: None,
            status: None,
            external_id: None,
        }
    }
}

impl Release {
    /// Closing a release that has not shipped cancels it.
    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        if self.status == ReleaseStatus::Shipped {
            return Err(Invalid::one("status", "a shipped release is already closed"));
        }
        self.apply(ReleasePatch { status: Some(ReleaseStatus::Cancelled), ..Default::default() }, now)
    }

    /// Shipped later than planned.
    pub fn slipped(&self) -> bool {
        self.shipped_date.is_some_and(|s| s > self.planned_date)
    }

    pub fn refs(&self) -> Vec<Ref> {
        ref_of("system_id", Target::Entry(Kind::System), self.system_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn new() -> New {
        New { id: Uuid::nil(), workspace_id: Uuid::nil(), number: 1, now: datetime!(2026-03-01 10:00 UTC) }
    }

    #[test]
    fn a_late_release_needs_a_reason() {
        let planned = ReleaseInput { name: "2026.3".into(), planned_date: date!(2026 - 03 - 10), ..Default::default() };
        let r = Release::create(planned, new()).unwrap();
        let late = ReleasePatch { shipped_date: Some(Some(date!(2026 - 03 - 12))), ..Default::default() };
        let err = r.apply(late.clone(), new().now).unwrap_err();
        assert_eq!(err.0[0].field, "slip_reason");
        let with_reason = ReleasePatch { slip_reason: Some(Some("waited on pen-test fix".into())), ..late };
        let shipped = r.apply(with_reason, new().now).unwrap();
        assert_eq!(shipped.status, ReleaseStatus::Shipped);
        assert!(shipped.slipped());
    }
}
