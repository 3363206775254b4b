//! The delivery registers as [`Table`]s: initiatives, epics, backlog items, releases.

use rhythm_domain::{
    BacklogItem, Epic, EpicStatus, Initiative, InitiativeStatus, ItemStatus, Kind, Release, ReleaseStatus, WorkKind,
};

use super::FilterSql::{Eq, Gte, IsNull, Lte};
use super::SortDir;
use super::{Filter, Table, p_bool, p_date, p_enum, p_text, p_uuid};

impl Table for Initiative {
    const KIND: Kind = Kind::Initiative;
    const TABLE: &'static str = "initiatives";
    columns! {
        id,
        workspace_id,
        number,
        name,
        business_goal,
        reduces_or_enables,
        status: enum,
        target_quarter,
        version,
        created_at,
        updated_at,
    }
    sorts!(name, number, target_quarter, status);
    const DEFAULT_SORT: (&'static str, SortDir) = ("number", SortDir::Asc);
    const FILTERS: &'static [Filter] =
        &[f!("status", Eq("status"), p_enum::<InitiativeStatus>), f!("target_quarter", Eq("target_quarter"), p_text)];
    const SEARCH: &'static [&'static str] = &["name", "business_goal", "reduces_or_enables"];

    entry_accessors!();
}

impl Table for Epic {
    const KIND: Kind = Kind::Epic;
    const TABLE: &'static str = "epics";
    columns! {
        id,
        workspace_id,
        number,
        name,
        description,
        initiative_id,
        status: enum,
        version,
        created_at,
        updated_at,
    }
    sorts!(name, number, status);
    const DEFAULT_SORT: (&'static str, SortDir) = ("number", SortDir::Asc);
    const FILTERS: &'static [Filter] =
        &[f!("status", Eq("status"), p_enum::<EpicStatus>), f!("initiative", Eq("initiative_id"), p_uuid)];
    const SEARCH: &'static [&'static str] = &["name", "description"];

    entry_accessors!();
}

impl Table for BacklogItem {
    const KIND: Kind = Kind::BacklogItem;
    const TABLE: &'static str = "backlog_items";
    columns! {
        id,
        workspace_id,
        number,
        title,
        description,
        kind: enum,
        status: enum,
        rank,
        points,
        epic_id,
        system_id,
        assignee_id,
        due_date,
        external_key,
        external_url,
        version,
        created_at,
        updated_at,
        done_at,
    }
    sorts!(rank, number, title, kind, status, due_date, updated_at);
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
}

impl Table for Release {
    const KIND: Kind = Kind::Release;
    const TABLE: &'static str = "releases";
    columns! {
        id,
        workspace_id,
        number,
        name,
        system_id,
        planned_date,
        shipped_date,
        planned_scope,
        shipped_scope,
        planned_items,
        shipped_items,
        slip_reason,
        status: enum,
        external_id,
        version,
        created_at,
        updated_at,
    }
    sorts!(planned_date, shipped_date, number, name, status);
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
}
