//! Incidents, audit findings and vendors as [`Table`]s.

use rhythm_domain::{AuditFinding, DataTier, Incident, Kind, Ref, Severity, Vendor, VendorStatus};
use uuid::Uuid;

use super::FilterSql::{Eq, IsNull, Link};
use super::{Filter, Table, p_bool, p_enum, p_text, p_uuid};
use crate::StoreError;
use crate::db::{Row, Val};
use crate::registers::SortDir;

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

    entry_accessors!();
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

    entry_accessors!();
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

    entry_accessors!();
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
