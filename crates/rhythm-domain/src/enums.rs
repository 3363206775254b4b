//! Closed sets of values (statuses, severities, kinds). Each is stored and sent as its
//! snake_case name and parsed back with an error that lists what is allowed.

/// What every closed enum offers, for generic forms and filters.
pub trait TextEnum: Copy + 'static {
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
    fn label(self) -> &'static str;
}

/// `(value, label)` pairs of a closed enum, for select boxes.
pub fn options<T: TextEnum>() -> Vec<(&'static str, &'static str)> {
    T::all().iter().map(|v| (v.as_str(), v.label())).collect()
}

/// Defines a closed enum stored as text: `as_str`, `label`, `ALL`, `FromStr` and serde.
///
/// Each `$text` must be the snake_case name of its variant (serde writes that). Variants may
/// carry attributes: doc comments, or `#[default]` with a `#[derive(Default)]` on the enum.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            /// How the UI shows it.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
        }

        impl $crate::enums::TextEnum for $name {
            fn all() -> &'static [Self] { Self::ALL }
            fn as_str(self) -> &'static str { $name::as_str(self) }
            fn label(self) -> &'static str { $name::label(self) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                // The stored spelling, as every database read has it: no allocation.
                $(if s == $text { return Ok($name::$variant); })+
                let lower = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                $(if lower == $text { return Ok($name::$variant); })+
                Err(format!("'{}' is not one of: {}", s, [$($text),+].join(", ")))
            }
        }
    };
}

text_enum!(
    /// Severity of a finding, incident or audit finding.
    Severity { Critical = "critical" / "Critical", High = "high" / "High", Medium = "medium" / "Medium", Low = "low" / "Low", Info = "info" / "Info" }
);

text_enum!(
    /// Data sensitivity tier of a system or a vendor's data flows.
    DataTier { Public = "public" / "Public", Internal = "internal" / "Internal", Confidential = "confidential" / "Confidential", Restricted = "restricted" / "Restricted" }
);

text_enum!(
    /// Whether a system is still in service.
    SystemStatus { Active = "active" / "Active", Retired = "retired" / "Retired" }
);

text_enum!(
    /// Life of a risk in the register.
    RiskStatus { Open = "open" / "Open", Mitigating = "mitigating" / "Mitigating", Accepted = "accepted" / "Accepted", Closed = "closed" / "Closed" }
);

text_enum!(
    /// Where in the life of a change a risk or finding was first found.
    Stage { DesignReview = "design_review" / "Design review", Development = "development" / "Development", PreRelease = "pre_release" / "Pre-release", Production = "production" / "Production" }
);

text_enum!(
    /// The four kinds of work in the one shared backlog (plus epics' own kind is implied).
    WorkKind { Feature = "feature" / "Feature", Security = "security" / "Security", Reliability = "reliability" / "Reliability", TechDebt = "tech_debt" / "Tech debt" }
);

text_enum!(
    /// Where a backlog item is.
    ItemStatus { Todo = "todo" / "To do", InProgress = "in_progress" / "In progress", Done = "done" / "Done", WontDo = "wont_do" / "Won't do" }
);

text_enum!(
    /// A roadmap initiative's state.
    InitiativeStatus { Proposed = "proposed" / "Proposed", Active = "active" / "Active", Done = "done" / "Done", Dropped = "dropped" / "Dropped" }
);

text_enum!(
    /// An epic's state.
    EpicStatus { Open = "open" / "Open", Done = "done" / "Done" }
);

text_enum!(
    /// A release's state.
    ReleaseStatus { Planned = "planned" / "Planned", Shipped = "shipped" / "Shipped", Cancelled = "cancelled" / "Cancelled" }
);

text_enum!(
    /// A vendor's state in onboarding.
    VendorStatus { Proposed = "proposed" / "Proposed", Approved = "approved" / "Approved", Rejected = "rejected" / "Rejected", Offboarded = "offboarded" / "Offboarded" }
);

text_enum!(
    /// Golden paths from the policy.
    GoldenPath {
        IdentityAccess = "identity_access" / "Identity and access",
        Secrets = "secrets" / "Secrets",
        LoggingMonitoring = "logging_monitoring" / "Logging and monitoring",
        ApiStandards = "api_standards" / "API standards",
        DataStorage = "data_storage" / "Data storage",
        ThirdParty = "third_party" / "Third-party connections",
        CiCd = "ci_cd" / "CI/CD controls",
    }
);

/// Defaults used only to fill partially built inputs (forms, tests).
impl Default for DataTier {
    fn default() -> Self {
        DataTier::Internal
    }
}

impl Default for WorkKind {
    fn default() -> Self {
        Self::ALL[0]
    }
}

impl Default for Stage {
    fn default() -> Self {
        Self::ALL[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_forgiving_about_case_and_separators_and_strict_about_values() {
        assert_eq!("CRITICAL".parse::<Severity>(), Ok(Severity::Critical));
        assert_eq!("pre-release".parse::<Stage>(), Ok(Stage::PreRelease));
        assert_eq!("Tech debt".parse::<WorkKind>(), Ok(WorkKind::TechDebt));
        let err = "severe".parse::<Severity>().unwrap_err();
        assert!(err.contains("critical, high, medium, low, info"), "{err}");
    }

    #[test]
    fn every_variant_round_trips_through_text() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), *s);
        }
        for s in GoldenPath::ALL {
            assert_eq!(s.as_str().parse::<GoldenPath>().unwrap(), *s);
        }
    }
}

text_enum!(
    /// Where a scanner finding was seen.
    Environment { Production = "production" / "Production", Staging = "staging" / "Staging", Development = "development" / "Development" }
);

text_enum!(
    /// Whether a scanner finding is still present. Accepted-by-exception is not a status: it
    /// follows from an approved exception that covers the finding, and ends when that expires.
    FindingStatus { Open = "open" / "Open", Fixed = "fixed" / "Fixed" }
);

text_enum!(
    /// How a design review ended: still open, in a decision, or in a spike with a deadline.
    DesignReviewStatus { Open = "open" / "Open", Decided = "decided" / "Ended in a decision", Spike = "spike" / "Ended in a spike" }
);
