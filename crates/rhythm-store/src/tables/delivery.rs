//! The delivery registers as [`Table`]s: initiatives, epics, backlog items, releases.

use rhythm_domain::{
    BacklogItem, Epic, EpicStatus, Initiative, InitiativeStatus, ItemStatus, Kind, Ref, Release, ReleaseStatus,
    WorkKind,
};

use super::FilterSql::{Eq, Gte, IsNull, Lte};
use super::{Filter, Table, p_bool, p_date, p_enum, p_text, p_uuid};
use crate::StoreError;
use crate::db::{Row, Val};
use crate::registers::SortDir;

impl Table for Initiative {
    const KIND: Kind = Kind::Initiative;
    const TABLE: &'static str = "initiatives";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "name",
        "business_goal",
        "reduces_or_enables",
        "status",
        "target_quarter",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] =
        &[("name", "name"), ("number", "number"), ("target_quarter", "target_quarter"), ("status", "status")];
    const DEFAULT_SORT: (&'static str, SortDir) = ("number", SortDir::Asc);
    const FILTERS: &'static [Filter] =
        &[f!("status", Eq("status"), p_enum::<InitiativeStatus>), f!("target_quarter", Eq("target_quarter"), p_text)];
    const SEARCH: &'static [&'static str] = &["name", "business_goal", "reduces_or_enables"];

    entry_accessors!();
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.name.clone().into(),
            self.business_goal.clone().into(),
            self.reduces_or_enables.clone().into(),
            self.status.as_str().into(),
            self.target_quarter.clone().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Initiative {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            name: r.text("name")?,
            business_goal: r.text("business_goal")?,
            reduces_or_enables: r.text("reduces_or_enables")?,
            status: r.parsed("status")?,
            target_quarter: r.opt_text("target_quarter")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        Initiative::refs(self)
    }
}

impl Table for Epic {
    const KIND: Kind = Kind::Epic;
    const TABLE: &'static str = "epics";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "name",
        "description",
        "initiative_id",
        "status",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] =
        &[("name", "name"), ("number", "number"), ("status", "status")];
    const DEFAULT_SORT: (&'static str, SortDir) = ("number", SortDir::Asc);
    const FILTERS: &'static [Filter] =
        &[f!("status", Eq("status"), p_enum::<EpicStatus>), f!("initiative", Eq("initiative_id"), p_uuid)];
    const SEARCH: &'static [&'static str] = &["name", "description"];

    entry_accessors!();
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.name.clone().into(),
            self.description.clone().into(),
            self.initiative_id.into(),
            self.status.as_str().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Epic {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            name: r.text("name")?,
            description: r.text("description")?,
            initiative_id: r.opt_uuid("initiative_id")?,
            status: r.parsed("status")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        Epic::refs(self)
    }
}

impl Table for BacklogItem {
    const KIND: Kind = Kind::BacklogItem;
    const TABLE: &'static str = "backlog_items";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "title",
        "description",
        "kind",
        "status",
        "rank",
        "points",
        "epic_id",
        "system_id",
        "assignee_id",
        "due_date",
        "external_key",
        "external_url",
        "version",
        "created_at",
        "updated_at",
        "done_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("rank", "rank"),
        ("number", "number"),
        ("title", "title"),
        ("kind", "kind"),
        ("status", "status"),
        ("due_date", "due_date"),
        ("updated_at", "updated_at"),
    ];
    const DEFAULT_SORT: (&'static str, SortDir) = ("rank", SortDir::Asc);
    const FILTERS: &'static [Filter] = &[
        f!("kind", Eq("kind"), p_enum::<WorkKind>),
        f!("status", Eq("status"), p_enum::<ItemStatus>),
        f!("epic", Eq("epic_id"), p_uuid),
        f!("system", Eq("system_id"), p_uuid),
        f!("assignee", Eq("assignee_id"), p_uuid),
        f!("external_key", Eq("external_key"), p_text),
        f!("unassigned", IsNull("assignee_id"), p_bool),
    ];
    const SEARCH: &'static [&'static str] = &["title", "description", "external_key"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("external_key", "external_key")];

    entry_accessors!();
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.title.clone().into(),
            self.description.clone().into(),
            self.kind.as_str().into(),
            self.status.as_str().into(),
            self.rank.into(),
            self.points.into(),
            self.epic_id.into(),
            self.system_id.into(),
            self.assignee_id.into(),
            self.due_date.into(),
            self.external_key.clone().into(),
            self.external_url.clone().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
            self.done_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(BacklogItem {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            title: r.text("title")?,
            description: r.text("description")?,
            kind: r.parsed("kind")?,
            status: r.parsed("status")?,
            rank: r.int("rank")?,
            points: r.opt_int("points")?,
            epic_id: r.opt_uuid("epic_id")?,
            system_id: r.opt_uuid("system_id")?,
            assignee_id: r.opt_uuid("assignee_id")?,
            due_date: r.opt_date("due_date")?,
            external_key: r.opt_text("external_key")?,
            external_url: r.opt_text("external_url")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
            done_at: r.opt_ts("done_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        BacklogItem::refs(self)
    }
}

impl Table for Release {
    const KIND: Kind = Kind::Release;
    const TABLE: &'static str = "releases";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "name",
        "system_id",
        "planned_date",
        "shipped_date",
        "planned_scope",
        "shipped_scope",
        "planned_items",
        "shipped_items",
        "slip_reason",
        "status",
        "external_id",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("planned_date", "planned_date"),
        ("shipped_date", "shipped_date"),
        ("number", "number"),
        ("name", "name"),
        ("status", "status"),
    ];
    const DEFAULT_SORT: (&'static str, SortDir) = ("planned_date", SortDir::Desc);
    const FILTERS: &'static [Filter] = &[
        f!("status", Eq("status"), p_enum::<ReleaseStatus>),
        f!("system", Eq("system_id"), p_uuid),
        f!("planned_after", Gte("planned_date"), p_date),
        f!("planned_before", Lte("planned_date"), p_date),
        f!("external_id", Eq("external_id"), p_text),
    ];
    const SEARCH: &'static [&'static str] = &["name", "planned_scope", "shipped_scope", "slip_reason"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("external_id", "external_id")];

    entry_accessors!();
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.name.clone().into(),
            self.system_id.into(),
            self.planned_date.into(),
            self.shipped_date.into(),
            self.planned_scope.clone().into(),
            self.shipped_scope.clone().into(),
            self.planned_items.into(),
            self.shipped_items.into(),
            self.slip_reason.clone().into(),
            self.status.as_str().into(),
            self.external_id.clone().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Release {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            name: r.text("name")?,
            system_id: r.opt_uuid("system_id")?,
            planned_date: r.date("planned_date")?,
            shipped_date: r.opt_date("shipped_date")?,
            planned_scope: r.text("planned_scope")?,
            shipped_scope: r.text("shipped_scope")?,
            planned_items: r.int("planned_items")?,
            shipped_items: r.opt_int("shipped_items")?,
            slip_reason: r.opt_text("slip_reason")?,
            status: r.parsed("status")?,
            external_id: r.opt_text("external_id")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        Release::refs(self)
    }
}
