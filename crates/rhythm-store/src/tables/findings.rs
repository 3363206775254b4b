//! Security findings and design reviews as [`Table`]s.

use rhythm_domain::{
    DesignReview, DesignReviewStatus, Environment, Finding, FindingStatus, GoldenPath, Kind, Severity,
};
use uuid::Uuid;

use super::FilterSql::{Eq, Flag, FlagOnDay, JsonContains};
use super::SortDir;
use super::{Filter, Table, p_bool, p_date, p_enum, p_json_str, p_text, p_uuid};

impl Table for Finding {
    const KIND: Kind = Kind::Finding;
    const TABLE: &'static str = "findings";
    columns! {
        id,
        workspace_id,
        number,
        system_id,
        tool,
        rule,
        title,
        severity: enum,
        environment: enum,
        component,
        kev,
        status: enum,
        first_seen,
        fixed_at,
        external_id,
        last_seen,
        location,
        installed_version,
        fixed_version,
        suppression,
        scan_key,
        version,
        created_at,
        updated_at,
    }
    // Critical first when ascending.
    sorts!(
        first_seen,
        fixed_at,
        severity =
            "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END",
        number,
        tool,
        rule
    );
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
    columns! {
        id,
        workspace_id,
        number,
        title,
        system_id,
        golden_paths: json,
        review_date,
        data,
        auth,
        secrets,
        logging,
        abuse,
        status: enum,
        decision_id,
        spike_item_id,
        version,
        created_at,
        updated_at,
    }
    sorts!(review_date, number, title, status);
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
}
