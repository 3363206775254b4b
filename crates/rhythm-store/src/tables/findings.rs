//! Security findings and design reviews as [`Table`]s.

use rhythm_domain::{
    DesignReview, DesignReviewStatus, Environment, Finding, FindingStatus, GoldenPath, Kind, Ref, Severity,
};
use uuid::Uuid;

use super::FilterSql::{Eq, Flag, FlagOnDay, JsonContains};
use super::{Filter, Table, json_text, p_bool, p_date, p_enum, p_json_str, p_text, p_uuid};
use crate::StoreError;
use crate::db::{Row, Val};
use crate::registers::SortDir;

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
        f!("silent", FlagOnDay(crate::coverage::silent_sql), p_bool),
    ];
    const SEARCH: &'static [&'static str] = &["title", "rule", "component"];
    const UNIQUE: &'static [(&'static str, &'static str)] = &[("external_id", "external_id")];

    entry_accessors!();
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

    entry_accessors!();
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
