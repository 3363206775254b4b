//! Systems and risks as [`Table`]s.

use rhythm_domain::{DataTier, GoldenPath, Kind, Risk, RiskStatus, Stage, System, SystemStatus};

use super::FilterSql::{Eq, Flag, Gte, JsonContains, Link, Lte};
use super::SortDir;
use super::{Filter, Table, p_bool, p_date, p_enum, p_int, p_json_str, p_text, p_uuid};

impl Table for System {
    const KIND: Kind = Kind::System;
    const TABLE: &'static str = "systems";
    columns! {
        id,
        workspace_id,
        number,
        name,
        description,
        owner_team,
        tier: enum,
        golden_paths: json,
        status: enum,
        version,
        created_at,
        updated_at,
    }
    sorts!(name, number, owner_team, tier, updated_at);
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

    entry_accessors!();
}

impl Table for Risk {
    const KIND: Kind = Kind::Risk;
    const TABLE: &'static str = "risks";
    columns! {
        id,
        workspace_id,
        number,
        statement,
        impact,
        likelihood,
        score,
        owner_id,
        mitigation,
        due_date,
        status: enum,
        found_stage: enum,
        tags: json,
        external_id,
        version,
        created_at,
        updated_at,
        closed_at,
        system_ids: link,
        backlog_item_ids: link,
    }
    sorts!(score, number, impact, likelihood, due_date, status, created_at, updated_at);
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

    links!("risk_system" => system_ids, "risk_backlog_item" => backlog_item_ids);
    entry_accessors!();
    fn starts_treatment(&self, before: &Self) -> bool {
        self.starts_mitigating(before)
    }
}
