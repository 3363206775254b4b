//! Releases: planned and shipped dates and scope, the reason for any slip.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::date_format::date;
use super::risk::opt_date;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::ReleaseStatus;
use crate::patch::{set, some};
use crate::validate::{Check, Invalid};

/// A release of one system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Release {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    pub name: String,
    pub system_id: Option<Uuid>,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub planned_date: Date,
    #[serde(with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub shipped_date: Option<Date>,
    pub planned_scope: String,
    pub shipped_scope: String,
    /// Items planned for the release.
    pub planned_items: i64,
    /// Of those, items that shipped.
    pub shipped_items: Option<i64>,
    /// Why it shipped after its planned date. Required when it did.
    pub slip_reason: Option<String>,
    pub status: ReleaseStatus,
    pub external_id: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new release.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    pub name: String,
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(with = "date")]
    #[schema(value_type = String, format = Date)]
    pub planned_date: Date,
    #[serde(default, with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub shipped_date: Option<Date>,
    #[serde(default)]
    pub planned_scope: String,
    #[serde(default)]
    pub shipped_scope: String,
    #[serde(default)]
    pub planned_items: i64,
    #[serde(default)]
    pub shipped_items: Option<i64>,
    #[serde(default)]
    pub slip_reason: Option<String>,
    #[serde(default)]
    pub status: Option<ReleaseStatus>,
    #[serde(default)]
    pub external_id: Option<String>,
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

/// Changes to a release.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleasePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub system_id: Option<Option<Uuid>>,
    #[serde(default, with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub planned_date: Option<Date>,
    #[serde(default, deserialize_with = "opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub shipped_date: Option<Option<Date>>,
    #[serde(default)]
    pub planned_scope: Option<String>,
    #[serde(default)]
    pub shipped_scope: Option<String>,
    #[serde(default)]
    pub planned_items: Option<i64>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>)]
    pub shipped_items: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub slip_reason: Option<Option<String>>,
    #[serde(default)]
    pub status: Option<ReleaseStatus>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Release {
    pub const KIND: Kind = Kind::Release;

    pub fn create(i: ReleaseInput, new: New) -> Result<Self, Invalid> {
        let status =
            i.status.unwrap_or(if i.shipped_date.is_some() { ReleaseStatus::Shipped } else { ReleaseStatus::Planned });
        let v = Release {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            name: i.name.trim().to_owned(),
            system_id: i.system_id,
            planned_date: i.planned_date,
            shipped_date: i.shipped_date,
            planned_scope: i.planned_scope.trim().to_owned(),
            shipped_scope: i.shipped_scope.trim().to_owned(),
            planned_items: i.planned_items,
            shipped_items: i.shipped_items,
            slip_reason: non_empty(i.slip_reason),
            status,
            external_id: non_empty(i.external_id),
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: ReleasePatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.name, p.name.map(|s| s.trim().to_owned()));
        set(&mut v.system_id, p.system_id);
        set(&mut v.planned_date, p.planned_date);
        let shipping = matches!(p.shipped_date, Some(Some(_))) && self.shipped_date.is_none();
        set(&mut v.shipped_date, p.shipped_date);
        set(&mut v.planned_scope, p.planned_scope.map(|s| s.trim().to_owned()));
        set(&mut v.shipped_scope, p.shipped_scope.map(|s| s.trim().to_owned()));
        set(&mut v.planned_items, p.planned_items);
        set(&mut v.shipped_items, p.shipped_items);
        set(&mut v.slip_reason, p.slip_reason.map(non_empty));
        set(&mut v.external_id, p.external_id.map(non_empty));
        match p.status {
            Some(s) => v.status = s,
            // Recording a ship date ships a planned release.
            None if shipping && v.status == ReleaseStatus::Planned => v.status = ReleaseStatus::Shipped,
            None => {}
        }
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

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

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
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
        c.finish()
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
