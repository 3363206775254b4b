//! Incidents, audit findings and vendors as [`Table`]s.

use rhythm_domain::{AuditFinding, DataTier, Incident, Kind, Severity, Vendor, VendorStatus};

use super::FilterSql::{Eq, IsNull, Link};
use super::SortDir;
use super::{Filter, Table, p_bool, p_enum, p_text, p_uuid};

impl Table for Incident {
    const KIND: Kind = Kind::Incident;
    const TABLE: &'static str = "incidents";
    columns! {
        id,
        workspace_id,
        number,
        title,
        severity: enum,
        started_at,
        detected_at,
        contained_at,
        resolved_at,
        customer_impact,
        impact_summary,
        learnings,
        external_id,
        version,
        created_at,
        updated_at,
        system_ids: link,
    }
    sorts!(
        started_at,
        number,
        severity =
            "CASE severity WHEN 'critical' THEN 5 WHEN 'high' THEN 4 WHEN 'medium' THEN 3 WHEN 'low' THEN 2 ELSE 1 END",
        resolved_at
    );
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

    links!("incident_system" => system_ids);
    entry_accessors!();
}

impl Table for AuditFinding {
    const KIND: Kind = Kind::AuditFinding;
    const TABLE: &'static str = "audit_findings";
    columns! {
        id,
        workspace_id,
        number,
        framework,
        control_ref,
        title,
        severity: enum,
        opened_on,
        closed_on,
        repeat_of,
        external_id,
        version,
        created_at,
        updated_at,
    }
    sorts!(opened_on, closed_on, number, framework, control_ref);
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

    entry_accessors!();
}

impl Table for Vendor {
    const KIND: Kind = Kind::Vendor;
    const TABLE: &'static str = "vendors";
    columns! {
        id,
        workspace_id,
        number,
        name,
        purpose,
        data_tier: enum,
        data_flows,
        breach_clause,
        breach_notification_hours,
        access_model,
        questionnaire,
        status: enum,
        onboarding_decision_id,
        version,
        created_at,
        updated_at,
    }
    sorts!(name, number, data_tier, status);
    const DEFAULT_SORT: (&'static str, SortDir) = ("name", SortDir::Asc);
    const FILTERS: &'static [Filter] =
        &[f!("status", Eq("status"), p_enum::<VendorStatus>), f!("data_tier", Eq("data_tier"), p_enum::<DataTier>)];
    const SEARCH: &'static [&'static str] = &["name", "purpose", "data_flows"];

    entry_accessors!();
}
