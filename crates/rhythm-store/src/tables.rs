//! How each register maps to its table: columns, links, filters and sorts. The generic
//! register operations in `registers.rs` are written once against this trait.

use rhythm_domain::{
    AuditFinding, BacklogItem, DataTier, DesignReview, DesignReviewStatus, Environment, Epic, EpicStatus, Finding,
    FindingStatus, GoldenPath, Incident, Initiative, InitiativeStatus, ItemStatus, Kind, Ref, Release, ReleaseStatus,
    Risk, RiskStatus, Severity, Stage, System, SystemStatus, Vendor, VendorStatus, WorkKind,
};
use serde::Serialize;
use time::Date;
use uuid::Uuid;

use crate::StoreError;
use crate::db::{Row, Val};
use crate::registers::SortDir;

/// A register stored in its own table.
pub trait Table: Sized + Serialize + Clone + Send + Sync + 'static {
    const KIND: Kind;
    const TABLE: &'static str;
    /// Stored columns, in the order of [`Table::values`]. The first two are `id`, `workspace_id`.
    const COLUMNS: &'static [&'static str];
    /// Link relations kept in the `links` table (`risk_system`, ...).
    const LINKS: &'static [&'static str] = &[];
    /// Sortable fields: (API name, SQL expression).
    const SORTS: &'static [(&'static str, &'static str)];
    const DEFAULT_SORT: (&'static str, SortDir);
    const FILTERS: &'static [Filter];
    /// Columns searched by the free-text `q` parameter.
    const SEARCH: &'static [&'static str];
    /// Columns unique per workspace: (column, field name for the error).
    const UNIQUE: &'static [(&'static str, &'static str)] = &[];

    fn id(&self) -> Uuid;
    fn number(&self) -> i64;
    fn version(&self) -> i64;
    fn values(&self) -> Vec<Val>;
    fn from_row(row: &Row) -> Result<Self, StoreError>;
    fn refs(&self) -> Vec<Ref>;
    fn link_ids(&self, _rel: &str) -> Vec<Uuid> {
        Vec::new()
    }
    fn set_link_ids(&mut self, _rel: &str, _ids: Vec<Uuid>) {}
    /// State changes a write records in the entry's event history (findings only:
    /// `finding_events`), from the entry before (`None` when created) and after.
    fn history(_before: Option<&Self>, _after: &Self) -> Vec<(&'static str, time::OffsetDateTime)> {
        Vec::new()
    }
    /// Scanner findings: the re-import scope (system key, tool, environment) whose last import
    /// is when this open entry was last seen (`scan_scopes`); `None` for everything else.
    fn scan_scope(&self) -> Option<(Uuid, &str, &str)> {
        None
    }
    /// Tells the entry its scope was last imported at `t`.
    fn seen_at(&mut self, _t: time::OffsetDateTime) {}
}

/// A filter a list accepts: `?status=open`, `?system=<uuid>`, `?tag=legal`.
pub struct Filter {
    pub name: &'static str,
    pub sql: FilterSql,
    pub parse: fn(&str) -> Result<Val, String>,
}

/// How a filter becomes SQL.
pub enum FilterSql {
    /// `column = value`
    Eq(&'static str),
    /// `column >= value`
    Gte(&'static str),
    /// `column <= value`
    Lte(&'static str),
    /// The entry links to the given id through this relation.
    Link(&'static str),
    /// A JSON text list column contains the value.
    JsonContains(&'static str),
    /// `true`: the column is NULL; `false`: it is not.
    IsNull(&'static str),
    /// `true`: the SQL condition holds; `false`: it does not.
    Flag(&'static str),
    /// A condition over the columns in which `{v}` stands for the bound value (any number of
    /// times): `(engineering_owner_id = {v} OR security_owner_id = {v})`.
    Expr(&'static str),
}

pub(crate) fn p_uuid(s: &str) -> Result<Val, String> {
    s.trim().parse::<Uuid>().map(Val::from).map_err(|_| format!("'{s}' is not an id (a UUID)"))
}
fn p_int(s: &str) -> Result<Val, String> {
    s.trim().parse::<i64>().map(Val::from).map_err(|_| format!("'{s}' is not a whole number"))
}
#[allow(clippy::unnecessary_wraps)] // every parser has the same signature
fn p_text(s: &str) -> Result<Val, String> {
    Ok(Val::from(s.trim()))
}
fn p_bool(s: &str) -> Result<Val, String> {
    match s.trim() {
        "true" | "1" | "yes" => Ok(Val::Bool(true)),
        "false" | "0" | "no" => Ok(Val::Bool(false)),
        _ => Err(format!("'{s}' is not true or false")),
    }
}
pub(crate) fn p_date(s: &str) -> Result<Val, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), fmt).map(Val::from).map_err(|_| format!("'{s}' is not a date like 2026-03-31"))
}
pub(crate) fn p_enum<T: std::str::FromStr<Err = String> + std::fmt::Display>(s: &str) -> Result<Val, String> {
    s.parse::<T>().map(|v| Val::from(v.to_string()))
}
/// A JSON-quoted needle, so `tag=legal` does not match `legal-hold`.
#[allow(clippy::unnecessary_wraps)] // every parser has the same signature
fn p_json_str(s: &str) -> Result<Val, String> {
    Ok(Val::from(serde_json::to_string(s.trim()).unwrap_or_default()))
}

pub(crate) fn json_text<T: Serialize>(v: &T) -> Val {
    Val::from(serde_json::to_string(v).unwrap_or_else(|_| "[]".into()))
}

macro_rules! f {
    ($name:literal, $sql:expr, $parse:expr) => {
        Filter { name: $name, sql: $sql, parse: $parse }
    };
}

use FilterSql::{Eq, Flag, Gte, IsNull, JsonContains, Link, Lte};

impl Table for System {
    const KIND: Kind = Kind::System;
    const TABLE: &'static str = "systems";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "name",
        "description",
        "owner_team",
        "tier",
        "golden_paths",
        "status",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("name", "name"),
        ("number", "number"),
        ("owner_team", "owner_team"),
        ("tier", "tier"),
        ("updated_at", "updated_at"),
    ];
    const DEFAULT_SORT: (&'static str, SortDir) = ("name", SortDir::Asc);
    const FILTERS: &'static [Filter] = &[
        f!("status", Eq("status"), p_enum::<SystemStatus>),
        f!("tier", Eq("tier"), p_enum::<DataTier>),
        f!("owner_team", Eq("owner_team"), p_text),
        f!("golden_path", JsonContains("golden_paths"), |s| {
            s.parse::<GoldenPath>().and_then(|g| p_json_str(g.as_str()))
        }),
    ];
    const SEARCH: &'static [&'static str] = &["name", "description", "owner_team"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("name", "name")];

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.name.clone().into(),
            self.description.clone().into(),
            self.owner_team.clone().into(),
            self.tier.as_str().into(),
            json_text(&self.golden_paths),
            self.status.as_str().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(System {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            name: r.text("name")?,
            description: r.text("description")?,
            owner_team: r.text("owner_team")?,
            tier: r.parsed("tier")?,
            golden_paths: r.json("golden_paths")?,
            status: r.parsed("status")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        System::refs(self)
    }
}

impl Table for Risk {
    const KIND: Kind = Kind::Risk;
    const TABLE: &'static str = "risks";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "statement",
        "impact",
        "likelihood",
        "score",
        "owner_id",
        "mitigation",
        "due_date",
        "status",
        "found_stage",
        "tags",
        "external_id",
        "version",
        "created_at",
        "updated_at",
        "closed_at",
    ];
    const LINKS: &'static [&'static str] = &["risk_system", "risk_backlog_item"];
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("score", "score"),
        ("number", "number"),
        ("impact", "impact"),
        ("likelihood", "likelihood"),
        ("due_date", "due_date"),
        ("status", "status"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ];
    const DEFAULT_SORT: (&'static str, SortDir) = ("score", SortDir::Desc);
    const FILTERS: &'static [Filter] = &[
        f!("status", Eq("status"), p_enum::<RiskStatus>),
        f!("active", Flag("status <> 'closed'"), p_bool),
        f!("found_stage", Eq("found_stage"), p_enum::<Stage>),
        f!("owner", Eq("owner_id"), p_uuid),
        f!("system", Link("risk_system"), p_uuid),
        f!("backlog_item", Link("risk_backlog_item"), p_uuid),
        f!("tag", JsonContains("tags"), p_json_str),
        f!("impact", Eq("impact"), p_int),
        f!("likelihood", Eq("likelihood"), p_int),
        f!("min_score", Gte("score"), p_int),
        f!("due_before", Lte("due_date"), p_date),
        f!("external_id", Eq("external_id"), p_text),
    ];
    const SEARCH: &'static [&'static str] = &["statement", "mitigation"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("external_id", "external_id")];

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.statement.clone().into(),
            self.impact.into(),
            self.likelihood.into(),
            self.score.into(),
            self.owner_id.into(),
            self.mitigation.clone().into(),
            self.due_date.into(),
            self.status.as_str().into(),
            self.found_stage.as_str().into(),
            json_text(&self.tags),
            self.external_id.clone().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
            self.closed_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Risk {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            statement: r.text("statement")?,
            impact: r.int("impact")?,
            likelihood: r.int("likelihood")?,
            score: r.int("score")?,
            owner_id: r.opt_uuid("owner_id")?,
            mitigation: r.text("mitigation")?,
            due_date: r.opt_date("due_date")?,
            status: r.parsed("status")?,
            found_stage: r.parsed("found_stage")?,
            tags: r.json("tags")?,
            system_ids: Vec::new(),
            backlog_item_ids: Vec::new(),
            external_id: r.opt_text("external_id")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
            closed_at: r.opt_ts("closed_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        Risk::refs(self)
    }
    fn link_ids(&self, rel: &str) -> Vec<Uuid> {
        match rel {
            "risk_system" => self.system_ids.clone(),
            "risk_backlog_item" => self.backlog_item_ids.clone(),
            _ => Vec::new(),
        }
    }
    fn set_link_ids(&mut self, rel: &str, ids: Vec<Uuid>) {
        match rel {
            "risk_system" => self.system_ids = ids,
            "risk_backlog_item" => self.backlog_item_ids = ids,
            _ => {}
        }
    }
}

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

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
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

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
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

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
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

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
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

impl Table for Incident {
    const KIND: Kind = Kind::Incident;
    const TABLE: &'static str = "incidents";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "title",
        "severity",
        "started_at",
        "detected_at",
        "contained_at",
        "resolved_at",
        "customer_impact",
        "impact_summary",
        "learnings",
        "external_id",
        "version",
        "created_at",
        "updated_at",
    ];
    const LINKS: &'static [&'static str] = &["incident_system"];
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("started_at", "started_at"),
        ("number", "number"),
        (
            "severity",
            "CASE severity WHEN 'critical' THEN 5 WHEN 'high' THEN 4 WHEN 'medium' THEN 3 WHEN 'low' THEN 2 ELSE 1 END",
        ),
        ("resolved_at", "resolved_at"),
    ];
    const DEFAULT_SORT: (&'static str, SortDir) = ("started_at", SortDir::Desc);
    const FILTERS: &'static [Filter] = &[
        f!("severity", Eq("severity"), p_enum::<Severity>),
        f!("system", Link("incident_system"), p_uuid),
        f!("customer_impact", Eq("customer_impact"), p_bool),
        f!("open", IsNull("resolved_at"), p_bool),
        f!("external_id", Eq("external_id"), p_text),
    ];
    const SEARCH: &'static [&'static str] = &["title", "impact_summary", "learnings"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("external_id", "external_id")];

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.title.clone().into(),
            self.severity.as_str().into(),
            self.started_at.into(),
            self.detected_at.into(),
            self.contained_at.into(),
            self.resolved_at.into(),
            self.customer_impact.into(),
            self.impact_summary.clone().into(),
            self.learnings.clone().into(),
            self.external_id.clone().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Incident {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            title: r.text("title")?,
            severity: r.parsed("severity")?,
            started_at: r.ts("started_at")?,
            detected_at: r.opt_ts("detected_at")?,
            contained_at: r.opt_ts("contained_at")?,
            resolved_at: r.opt_ts("resolved_at")?,
            customer_impact: r.bool("customer_impact")?,
            impact_summary: r.text("impact_summary")?,
            learnings: r.text("learnings")?,
            system_ids: Vec::new(),
            external_id: r.opt_text("external_id")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        Incident::refs(self)
    }
    fn link_ids(&self, rel: &str) -> Vec<Uuid> {
        if rel == "incident_system" { self.system_ids.clone() } else { Vec::new() }
    }
    fn set_link_ids(&mut self, rel: &str, ids: Vec<Uuid>) {
        if rel == "incident_system" {
            self.system_ids = ids;
        }
    }
}

impl Table for AuditFinding {
    const KIND: Kind = Kind::AuditFinding;
    const TABLE: &'static str = "audit_findings";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "framework",
        "control_ref",
        "title",
        "severity",
        "opened_on",
        "closed_on",
        "repeat_of",
        "external_id",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("opened_on", "opened_on"),
        ("closed_on", "closed_on"),
        ("number", "number"),
        ("framework", "framework"),
        ("control_ref", "control_ref"),
    ];
    const DEFAULT_SORT: (&'static str, SortDir) = ("opened_on", SortDir::Desc);
    const FILTERS: &'static [Filter] = &[
        f!("framework", Eq("framework"), p_text),
        f!("severity", Eq("severity"), p_enum::<Severity>),
        f!("open", IsNull("closed_on"), p_bool),
        f!("repeat_of", Eq("repeat_of"), p_uuid),
        f!("external_id", Eq("external_id"), p_text),
    ];
    const SEARCH: &'static [&'static str] = &["title", "control_ref", "framework"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("external_id", "external_id")];

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.framework.clone().into(),
            self.control_ref.clone().into(),
            self.title.clone().into(),
            self.severity.as_str().into(),
            self.opened_on.into(),
            self.closed_on.into(),
            self.repeat_of.into(),
            self.external_id.clone().into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(AuditFinding {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            framework: r.text("framework")?,
            control_ref: r.text("control_ref")?,
            title: r.text("title")?,
            severity: r.parsed("severity")?,
            opened_on: r.date("opened_on")?,
            closed_on: r.opt_date("closed_on")?,
            repeat_of: r.opt_uuid("repeat_of")?,
            external_id: r.opt_text("external_id")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        AuditFinding::refs(self)
    }
}

impl Table for Vendor {
    const KIND: Kind = Kind::Vendor;
    const TABLE: &'static str = "vendors";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "name",
        "purpose",
        "data_tier",
        "data_flows",
        "breach_clause",
        "breach_notification_hours",
        "access_model",
        "questionnaire",
        "status",
        "onboarding_decision_id",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] =
        &[("name", "name"), ("number", "number"), ("data_tier", "data_tier"), ("status", "status")];
    const DEFAULT_SORT: (&'static str, SortDir) = ("name", SortDir::Asc);
    const FILTERS: &'static [Filter] =
        &[f!("status", Eq("status"), p_enum::<VendorStatus>), f!("data_tier", Eq("data_tier"), p_enum::<DataTier>)];
    const SEARCH: &'static [&'static str] = &["name", "purpose", "data_flows"];

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.name.clone().into(),
            self.purpose.clone().into(),
            self.data_tier.as_str().into(),
            self.data_flows.clone().into(),
            self.breach_clause.clone().into(),
            self.breach_notification_hours.into(),
            self.access_model.clone().into(),
            self.questionnaire.clone().into(),
            self.status.as_str().into(),
            self.onboarding_decision_id.into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Vendor {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            name: r.text("name")?,
            purpose: r.text("purpose")?,
            data_tier: r.parsed("data_tier")?,
            data_flows: r.text("data_flows")?,
            breach_clause: r.text("breach_clause")?,
            breach_notification_hours: r.opt_int("breach_notification_hours")?,
            access_model: r.text("access_model")?,
            questionnaire: r.text("questionnaire")?,
            status: r.parsed("status")?,
            onboarding_decision_id: r.opt_uuid("onboarding_decision_id")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        Vendor::refs(self)
    }
}

impl Table for Finding {
    const KIND: Kind = Kind::Finding;
    const TABLE: &'static str = "findings";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "system_id",
        "tool",
        "rule",
        "title",
        "severity",
        "environment",
        "component",
        "kev",
        "status",
        "first_seen",
        "fixed_at",
        "external_id",
        "last_seen",
        "location",
        "installed_version",
        "fixed_version",
        "suppression",
        "scan_key",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("first_seen", "first_seen"),
        ("fixed_at", "fixed_at"),
        // Critical first when ascending.
        (
            "severity",
            "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END",
        ),
        ("number", "number"),
        ("tool", "tool"),
        ("rule", "rule"),
    ];
    const DEFAULT_SORT: (&'static str, SortDir) = ("first_seen", SortDir::Desc);
    const FILTERS: &'static [Filter] = &[
        f!("system", Eq("system_id"), p_uuid),
        f!("status", Eq("status"), p_enum::<FindingStatus>),
        f!("severity", Eq("severity"), p_enum::<Severity>),
        f!("environment", Eq("environment"), p_enum::<Environment>),
        f!("tool", Eq("tool"), p_text),
        f!("rule", Eq("rule"), p_text),
        f!("kev", Eq("kev"), p_bool),
        f!("external_id", Eq("external_id"), p_text),
        f!("suppressed", Flag("suppression IS NOT NULL"), p_bool),
        f!("silent", Flag(crate::scan_import::SILENT_SQL), p_bool),
    ];
    const SEARCH: &'static [&'static str] = &["title", "rule", "component"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("external_id", "external_id")];

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.system_id.into(),
            self.tool.clone().into(),
            self.rule.clone().into(),
            self.title.clone().into(),
            self.severity.as_str().into(),
            self.environment.as_str().into(),
            self.component.clone().into(),
            self.kev.into(),
            self.status.as_str().into(),
            self.first_seen.into(),
            self.fixed_at.into(),
            self.external_id.clone().into(),
            self.last_seen.into(),
            self.location.clone().into(),
            self.installed_version.clone().into(),
            self.fixed_version.clone().into(),
            self.suppression.clone().into(),
            self.scan_key.into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Finding {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            system_id: r.opt_uuid("system_id")?,
            tool: r.text("tool")?,
            rule: r.text("rule")?,
            title: r.text("title")?,
            severity: r.parsed("severity")?,
            environment: r.parsed("environment")?,
            component: r.text("component")?,
            kev: r.bool("kev")?,
            status: r.parsed("status")?,
            first_seen: r.ts("first_seen")?,
            fixed_at: r.opt_ts("fixed_at")?,
            external_id: r.opt_text("external_id")?,
            last_seen: r.opt_ts("last_seen")?,
            location: r.opt_text("location")?,
            installed_version: r.opt_text("installed_version")?,
            fixed_version: r.opt_text("fixed_version")?,
            suppression: r.opt_text("suppression")?,
            scan_key: r.opt_uuid("scan_key")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        Finding::refs(self)
    }
    fn history(before: Option<&Self>, after: &Self) -> Vec<(&'static str, time::OffsetDateTime)> {
        crate::scan_import::status_events(before, after)
    }
    fn scan_scope(&self) -> Option<(Uuid, &str, &str)> {
        (self.status == FindingStatus::Open && self.scan_key.is_some())
            .then(|| (self.system_id.unwrap_or(Uuid::nil()), self.tool.as_str(), self.environment.as_str()))
    }
    fn seen_at(&mut self, t: time::OffsetDateTime) {
        if self.last_seen.is_none_or(|own| own < t) {
            self.last_seen = Some(t);
        }
    }
}

impl Table for DesignReview {
    const KIND: Kind = Kind::DesignReview;
    const TABLE: &'static str = "design_reviews";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "workspace_id",
        "number",
        "title",
        "system_id",
        "golden_paths",
        "review_date",
        "data",
        "auth",
        "secrets",
        "logging",
        "abuse",
        "status",
        "decision_id",
        "spike_item_id",
        "version",
        "created_at",
        "updated_at",
    ];
    const SORTS: &'static [(&'static str, &'static str)] =
        &[("review_date", "review_date"), ("number", "number"), ("title", "title"), ("status", "status")];
    const DEFAULT_SORT: (&'static str, SortDir) = ("review_date", SortDir::Desc);
    const FILTERS: &'static [Filter] = &[
        f!("status", Eq("status"), p_enum::<DesignReviewStatus>),
        f!("system", Eq("system_id"), p_uuid),
        f!("review_date", Eq("review_date"), p_date),
        f!("golden_path", JsonContains("golden_paths"), |s| {
            s.parse::<GoldenPath>().and_then(|g| p_json_str(g.as_str()))
        }),
    ];
    const SEARCH: &'static [&'static str] = &["title", "data", "auth", "abuse"];

    fn id(&self) -> Uuid {
        self.id
    }
    fn number(&self) -> i64 {
        self.number
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.workspace_id.into(),
            self.number.into(),
            self.title.clone().into(),
            self.system_id.into(),
            json_text(&self.golden_paths),
            self.review_date.into(),
            self.data.clone().into(),
            self.auth.clone().into(),
            self.secrets.clone().into(),
            self.logging.clone().into(),
            self.abuse.clone().into(),
            self.status.as_str().into(),
            self.decision_id.into(),
            self.spike_item_id.into(),
            self.version.into(),
            self.created_at.into(),
            self.updated_at.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(DesignReview {
            id: r.uuid("id")?,
            workspace_id: r.uuid("workspace_id")?,
            number: r.int("number")?,
            title: r.text("title")?,
            system_id: r.opt_uuid("system_id")?,
            golden_paths: r.json("golden_paths")?,
            review_date: r.date("review_date")?,
            data: r.text("data")?,
            auth: r.text("auth")?,
            secrets: r.text("secrets")?,
            logging: r.text("logging")?,
            abuse: r.text("abuse")?,
            status: r.parsed("status")?,
            decision_id: r.opt_uuid("decision_id")?,
            spike_item_id: r.opt_uuid("spike_item_id")?,
            version: r.int("version")?,
            created_at: r.ts("created_at")?,
            updated_at: r.ts("updated_at")?,
        })
    }
    fn refs(&self) -> Vec<Ref> {
        DesignReview::refs(self)
    }
}

/// The table that holds entries of a kind, for reference checks.
pub(crate) fn table_of(kind: Kind) -> &'static str {
    match kind {
        Kind::System => System::TABLE,
        Kind::Risk => Risk::TABLE,
        Kind::BacklogItem => BacklogItem::TABLE,
        Kind::Initiative => Initiative::TABLE,
        Kind::Epic => Epic::TABLE,
        Kind::Release => Release::TABLE,
        Kind::Incident => Incident::TABLE,
        Kind::AuditFinding => AuditFinding::TABLE,
        Kind::Vendor => Vendor::TABLE,
        Kind::Finding => Finding::TABLE,
        Kind::DesignReview => DesignReview::TABLE,
        Kind::Decision => rhythm_domain::decision::Decision::TABLE,
        Kind::Exception => rhythm_domain::Exception::TABLE,
        Kind::Import => "imports",
    }
}
