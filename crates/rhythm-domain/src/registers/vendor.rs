//! Vendors and third-party integrations.

use uuid::Uuid;

use super::shape::register;
use super::{New, Ref};
use crate::Kind;
use crate::enums::{DataTier, VendorStatus};

register! {
    /// A vendor or third-party integration.
    pub struct Vendor {
        number,
        name: text,
        /// What we use it for.
        purpose: text,
        /// The most sensitive data it receives.
        data_tier: DataTier,
        /// What data flows to and from it.
        data_flows: text [default],
        /// Breach notification terms in the contract.
        breach_clause: text [default],
        /// Hours the contract gives the vendor to tell us of a breach.
        breach_notification_hours: Option<i64>,
        /// How it reaches our systems or we reach it (SSO, API keys, VPN...).
        access_model: text [default],
        /// Summary of the security questionnaire answers.
        questionnaire: text [default],
        status: VendorStatus [optional] = i.status.unwrap_or(VendorStatus::Proposed),
        /// The joint decision its onboarding asked for (`DEC-n`); set by the onboarding request.
        onboarding_decision_id: Option<Uuid> [stored] = None,
        version,
    }
    /// A new vendor.
    #[derive(Default)]
    pub struct VendorInput;
    /// Changes to a vendor.
    pub struct VendorPatch;
    const KIND: Kind = Kind::Vendor;
    fn create(i, new: New);
    fn close() { status: VendorStatus::Offboarded }
    fn check(self, c) {
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
    }
}

impl Vendor {
    pub fn refs(&self) -> Vec<Ref> {
        super::ref_of("onboarding_decision_id", super::Target::Entry(Kind::Decision), self.onboarding_decision_id)
    }
}
