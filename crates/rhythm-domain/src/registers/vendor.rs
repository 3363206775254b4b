//! Vendors and third-party integrations.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{New, Ref};
use crate::Kind;
use crate::enums::{DataTier, VendorStatus};
use crate::patch::{set, some};
use crate::validate::{Check, Invalid};

/// A vendor or third-party integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vendor {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    pub name: String,
    /// What we use it for.
    pub purpose: String,
    /// The most sensitive data it receives.
    pub data_tier: DataTier,
    /// What data flows to and from it.
    pub data_flows: String,
    /// Breach notification terms in the contract.
    pub breach_clause: String,
    /// Hours the contract gives the vendor to tell us of a breach.
    pub breach_notification_hours: Option<i64>,
    /// How it reaches our systems or we reach it (SSO, API keys, VPN...).
    pub access_model: String,
    /// Summary of the security questionnaire answers.
    pub questionnaire: String,
    pub status: VendorStatus,
    /// The joint decision its onboarding asked for (`DEC-n`); set by the onboarding request.
    pub onboarding_decision_id: Option<Uuid>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new vendor.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorInput {
    pub name: String,
    pub purpose: String,
    pub data_tier: DataTier,
    #[serde(default)]
    pub data_flows: String,
    #[serde(default)]
    pub breach_clause: String,
    #[serde(default)]
    pub breach_notification_hours: Option<i64>,
    #[serde(default)]
    pub access_model: String,
    #[serde(default)]
    pub questionnaire: String,
    #[serde(default)]
    pub status: Option<VendorStatus>,
}

/// Changes to a vendor.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub data_tier: Option<DataTier>,
    #[serde(default)]
    pub data_flows: Option<String>,
    #[serde(default)]
    pub breach_clause: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>)]
    pub breach_notification_hours: Option<Option<i64>>,
    #[serde(default)]
    pub access_model: Option<String>,
    #[serde(default)]
    pub questionnaire: Option<String>,
    #[serde(default)]
    pub status: Option<VendorStatus>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl Vendor {
    pub const KIND: Kind = Kind::Vendor;

    pub fn create(i: VendorInput, new: New) -> Result<Self, Invalid> {
        let v = Vendor {
            id: new.id,
            workspace_id: new.workspace_id,
            number: new.number,
            name: i.name.trim().to_owned(),
            purpose: i.purpose.trim().to_owned(),
            data_tier: i.data_tier,
            data_flows: i.data_flows.trim().to_owned(),
            breach_clause: i.breach_clause.trim().to_owned(),
            breach_notification_hours: i.breach_notification_hours,
            access_model: i.access_model.trim().to_owned(),
            questionnaire: i.questionnaire.trim().to_owned(),
            status: i.status.unwrap_or(VendorStatus::Proposed),
            onboarding_decision_id: None,
            version: 1,
            created_at: new.now,
            updated_at: new.now,
        };
        v.check()?;
        Ok(v)
    }

    pub fn apply(&self, p: VendorPatch, now: OffsetDateTime) -> Result<Self, Invalid> {
        let mut v = self.clone();
        set(&mut v.name, p.name.map(|s| s.trim().to_owned()));
        set(&mut v.purpose, p.purpose.map(|s| s.trim().to_owned()));
        set(&mut v.data_tier, p.data_tier);
        set(&mut v.data_flows, p.data_flows.map(|s| s.trim().to_owned()));
        set(&mut v.breach_clause, p.breach_clause.map(|s| s.trim().to_owned()));
        set(&mut v.breach_notification_hours, p.breach_notification_hours);
        set(&mut v.access_model, p.access_model.map(|s| s.trim().to_owned()));
        set(&mut v.questionnaire, p.questionnaire.map(|s| s.trim().to_owned()));
        set(&mut v.status, p.status);
        v.version += 1;
        v.updated_at = now;
        v.check()?;
        Ok(v)
    }

    pub fn close(&self, now: OffsetDateTime) -> Result<Self, Invalid> {
        self.apply(VendorPatch { status: Some(VendorStatus::Offboarded), ..Default::default() }, now)
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        c.name("name", &self.name, 200);
        c.required_text("purpose", &self.purpose, 2000);
        for (f, v) in [
            ("data_flows", &self.data_flows),
            ("breach_clause", &self.breach_clause),
            ("access_model", &self.access_model),
            ("questionnaire", &self.questionnaire),
        ] {
            c.text(f, v, 20_000);
        }
        if let Some(h) = self.breach_notification_hours {
            c.range("breach_notification_hours", h, 0, 24 * 365);
        }
        c.finish()
    }

    pub fn refs(&self) -> Vec<Ref> {
        super::ref_of("onboarding_decision_id", super::Target::Entry(Kind::Decision), self.onboarding_decision_id)
    }
}
