//! The one shared backlog, its epics, and the roadmap initiatives they serve.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::date_format::date;
use super::risk::opt_date;
use super::{New, Ref, Target, ref_of};
use crate::Kind;
use crate::enums::{EpicStatus, InitiativeStatus, ItemStatus, WorkKind};
use crate::patch::{set, some};
use crate::validate::{Check, Invalid};

/// A roadmap initiative: shows security work as enablement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Initiative {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    pub name: String,
    /// The business goal it serves.
    pub business_goal: String,
    /// What it reduces (risk, toil) or enables (deals, launches).
    pub reduces_or_enables: String,
    pub status: InitiativeStatus,
    /// `YYYY-Qn`.
    pub target_quarter: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new initiative.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiativeInput {
    pub name: String,
    pub business_goal: String,
    #[serde(default)]
    pub reduces_or_enables: String,
    #[serde(default)]
    pub status: Option<InitiativeStatus>,
    #[serde(default)]
    pub target_quarter: Option<String>,
}

/// Changes to an initiative.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InitiativePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub business_goal: Option<String>,
    #[serde(default)]
    pub reduces_or_enables: Option<String>,
    #[serde(default)]
    pub status: Option<InitiativeStatus>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub target_quarter: Option<Option<String>>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl Initiative {
    pub const KIND: Kind = Kind::Initiative;

    pub fn create(i: InitiativeInput, new: New) -> Result<Self, Invalid> {
        let v = Initiative {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            name: i.name.trim().to_owned(),
            business_goal: i.business_goal.trim().to_owned(),
            reduces_or_enables: i.reduces_or_enables.trim().to_owned(),
            status: i.status.unwrap_or(InitiativeStatus::Proposed),
            target_quarter: i.target_quarter.filter(|s| !s.trim().is_empty()),
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: InitiativePatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.name, p.name.map(|s| s.trim().to_owned()));
        set(&mut v.business_goal, p.business_goal.map(|s| s.trim().to_owned()));
        set(&mut v.reduces_or_enables, p.reduces_or_enables.map(|s| s.trim().to_owned()));
        set(&mut v.status, p.status);
        set(&mut v.target_quarter, p.target_quarter.map(|q| q.filter(|s| !s.trim().is_empty())));
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        self.apply(InitiativePatch { status: Some(InitiativeStatus::Done), ..Default::default() }, now)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("name", &self.name, 200);
        c.required_text("business_goal", &self.business_goal, 2000);
        c.text("reduces_or_enables", &self.reduces_or_enables, 2000);
        if let Some(q) = &self.target_quarter
            && !is_quarter(q)
        {
            c.fail("target_quarter", format!("'{q}' is not a quarter like 2026-Q3"));
        }
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        Vec::new()
    }
}

fn is_quarter(q: &str) -> bool {
    let b = q.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5] == b'Q'
        && (b'1'..=b'4').contains(&b[6])
}

/// An epic groups backlog items toward one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Epic {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    pub name: String,
    pub description: String,
    pub initiative_id: Option<Uuid>,
    pub status: EpicStatus,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new epic.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EpicInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub initiative_id: Option<Uuid>,
}

/// Changes to an epic.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EpicPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub initiative_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub status: Option<EpicStatus>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl Epic {
    pub const KIND: Kind = Kind::Epic;

    pub fn create(i: EpicInput, new: New) -> Result<Self, Invalid> {
        let v = Epic {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            name: i.name.trim().to_owned(),
            description: i.description.trim().to_owned(),
            initiative_id: i.initiative_id,
            status: EpicStatus::Open,
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: EpicPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.name, p.name.map(|s| s.trim().to_owned()));
        set(&mut v.description, p.description.map(|s| s.trim().to_owned()));
        set(&mut v.initiative_id, p.initiative_id);
        set(&mut v.status, p.status);
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        self.apply(EpicPatch { status: Some(EpicStatus::Done), ..Default::default() }, now)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("name", &self.name, 200);
        c.text("description", &self.description, 4000);
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        ref_of("initiative_id", Target::Entry(Kind::Initiative), self.initiative_id)
    }
}

/// An item of the one shared backlog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BacklogItem {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub kind: WorkKind,
    pub status: ItemStatus,
    /// Order in the shared backlog: lower comes first.
    pub rank: i64,
    /// Estimate in points, 0 to 100.
    pub points: Option<i64>,
    pub epic_id: Option<Uuid>,
    pub system_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    #[serde(with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// Key in an external tracker (`PAY-142`, `acme/api#17`).
    pub external_key: Option<String>,
    pub external_url: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

/// A new backlog item.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BacklogItemInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub kind: WorkKind,
    #[serde(default)]
    pub status: Option<ItemStatus>,
    #[serde(default)]
    pub rank: Option<i64>,
    #[serde(default)]
    pub points: Option<i64>,
    #[serde(default)]
    pub epic_id: Option<Uuid>,
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    #[serde(default, with = "date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    #[serde(default)]
    pub external_key: Option<String>,
    #[serde(default)]
    pub external_url: Option<String>,
}

/// Changes to a backlog item.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BacklogItemPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub kind: Option<WorkKind>,
    #[serde(default)]
    pub status: Option<ItemStatus>,
    #[serde(default)]
    pub rank: Option<i64>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>)]
    pub points: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub epic_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub system_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "opt_date")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Option<Date>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub external_key: Option<Option<String>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<String>)]
    pub external_url: Option<Option<String>>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl BacklogItem {
    pub const KIND: Kind = Kind::BacklogItem;

    pub fn create(i: BacklogItemInput, new: New) -> Result<Self, Invalid> {
        let status = i.status.unwrap_or(ItemStatus::Todo);
        let v = BacklogItem {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            title: i.title.trim().to_owned(),
            description: i.description.trim().to_owned(),
            kind: i.kind,
            status,
            rank: i.rank.unwrap_or(new.number * 1000),
            points: i.points,
            epic_id: i.epic_id,
            system_id: i.system_id,
            assignee_id: i.assignee_id,
            due_date: i.due_date,
            external_key: i.external_key.filter(|s| !s.trim().is_empty()),
            external_url: i.external_url.filter(|s| !s.trim().is_empty()),
            version: 1,
            created_at: new.now,
            updated_at: new.now,
            done_at: (status == ItemStatus::Done).then_some(new.now),
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: BacklogItemPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.title, p.title.map(|s| s.trim().to_owned()));
        set(&mut v.description, p.description.map(|s| s.trim().to_owned()));
        set(&mut v.kind, p.kind);
        set(&mut v.status, p.status);
        set(&mut v.rank, p.rank);
        set(&mut v.points, p.points);
        set(&mut v.epic_id, p.epic_id);
        set(&mut v.system_id, p.system_id);
        set(&mut v.assignee_id, p.assignee_id);
        set(&mut v.due_date, p.due_date);
        set(&mut v.external_key, p.external_key.map(|e| e.filter(|s| !s.trim().is_empty())));
        set(&mut v.external_url, p.external_url.map(|e| e.filter(|s| !s.trim().is_empty())));
        v.done_at = match (self.status, v.status) {
            (ItemStatus::Done, ItemStatus::Done) => self.done_at,
            (_, ItemStatus::Done) => Some(now),
            _ => None,
        };
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        self.apply(BacklogItemPatch { status: Some(ItemStatus::Done), ..Default::default() }, now)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("title", &self.title, 300);
        c.text("description", &self.description, 20_000);
        if let Some(p) = self.points {
            c.range("points", p, 0, 100);
        }
        if let Some(k) = &self.external_key {
            c.name("external_key", k, 200);
        }
        c.url("external_url", self.external_url.as_deref());
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        let mut v = ref_of("epic_id", Target::Entry(Kind::Epic), self.epic_id);
        v.extend(ref_of("system_id", Target::Entry(Kind::System), self.system_id));
        v.extend(ref_of("assignee_id", Target::User, self.assignee_id));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn new(n: i64) -> New {
        New { id: Uuid::nil(), workspace_id: Uuid::nil(), number: n, now: datetime!(2026-03-01 10:00 UTC) }
    }

    #[test]
    fn quarters_are_checked() {
        assert!(is_quarter("2026-Q3"));
        for bad in ["2026-Q5", "2026Q3", "26-Q1", "2026-q1"] {
            assert!(!is_quarter(bad), "{bad}");
        }
    }

    #[test]
    fn done_items_carry_done_at_and_default_rank_follows_number() {
        let i = BacklogItem::create(
            BacklogItemInput { title: "Rotate KMS keys".into(), kind: WorkKind::Security, ..Default::default() },
            new(7),
        )
        .unwrap();
        assert_eq!((i.rank, i.done_at), (7000, None));
        let later = datetime!(2026-03-05 10:00 UTC);
        let done = i.close(later).unwrap();
        assert_eq!(done.done_at, Some(later));
    }

    #[test]
    fn javascript_urls_are_refused() {
        let err = BacklogItem::create(
            BacklogItemInput {
                title: "x".into(),
                kind: WorkKind::Feature,
                external_url: Some("javascript:alert(1)".into()),
                ..Default::default()
            },
            new(1),
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "external_url");
    }
}
