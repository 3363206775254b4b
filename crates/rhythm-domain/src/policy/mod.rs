//! The governance policy of a workspace: who decides what, the risk appetite, SLA days by
//! severity, exception rules, stop-ship criteria and golden paths.
//!
//! A policy is plain data. People read and edit it as TOML ([`Policy::to_toml`] writes a
//! commented file, [`Policy::from_toml`] reads one back); values a file leaves out take the
//! defaults of [`Policy::default`], which follow PRODUCT.md. A file is refused with every
//! problem at once, each with the line and column it is on ([`PolicyError`]), so an editor
//! can point at it. Versioning is the store's business: each saved policy is one version, and
//! changing it is itself a recorded joint decision ([`DecisionCategory::PolicyChange`]).
//!
//! Here are the model and its errors; `check.rs` has the semantic checks
//! ([`Policy::validate`]), `read.rs` the TOML reader ([`Policy::from_toml`]) and `write.rs` the
//! writer ([`Policy::to_toml`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::enums::{DataTier, GoldenPath, Severity};
use crate::validate::{FieldError, Invalid};

mod check;
mod read;
mod write;

/// Highest risk score: impact (1–5) × likelihood (1–5).
pub const MAX_RISK_SCORE: i64 = 25;
/// Longest SLA, in days: ten years.
pub const MAX_SLA_DAYS: i64 = 3650;
/// Longest exception the policy may allow, in days.
pub const MAX_EXCEPTION_DAYS: i64 = 365;
/// Longest description of a stop-ship criterion or golden path, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// Longest criterion id or environment name, in characters.
pub const SLUG_MAX_CHARS: usize = 40;

crate::text_enum!(
    /// What a decision is about. The policy says who decides each category.
    DecisionCategory {
        EngineeringApproach = "engineering_approach" / "Engineering approach",
        PerformanceTradeoffs = "performance_tradeoffs" / "Performance tradeoffs",
        DeliverySequencing = "delivery_sequencing" / "Delivery sequencing",
        ControlRequirements = "control_requirements" / "Control requirements",
        RiskAcceptanceThresholds = "risk_acceptance_thresholds" / "Risk-acceptance thresholds",
        IncidentReadinessStandards = "incident_readiness_standards" / "Incident-readiness standards",
        LaunchReadiness = "launch_readiness" / "Launch readiness",
        NewCorePatterns = "new_core_patterns" / "New core patterns",
        MajorThirdPartyIntegrations = "major_third_party_integrations" / "Major third-party integrations",
        PolicyChange = "policy_change" / "Policy change",
        ExceptionApproval = "exception_approval" / "Exception approval",
        StopShip = "stop_ship" / "Stop-ship",
        MaterialLegalExposure = "material_legal_exposure" / "Material legal exposure",
        RisksOverThreshold = "risks_over_threshold" / "Risks over the threshold",
    }
);

crate::text_enum!(
    /// Who decides a category of decision.
    Decider {
        Cto = "cto" / "CTO",
        Ciso = "ciso" / "CISO",
        Joint = "joint" / "Joint (CTO and CISO)",
        Escalate = "escalate" / "Escalate",
    }
);

impl DecisionCategory {
    /// Who decides this category in the default policy (PRODUCT.md, "Decision rights").
    pub fn default_decider(self) -> Decider {
        use DecisionCategory as C;
        match self {
            C::EngineeringApproach | C::PerformanceTradeoffs | C::DeliverySequencing => Decider::Cto,
            C::ControlRequirements | C::RiskAcceptanceThresholds | C::IncidentReadinessStandards => Decider::Ciso,
            C::LaunchReadiness
            | C::NewCorePatterns
            | C::MajorThirdPartyIntegrations
            | C::PolicyChange
            | C::ExceptionApproval => Decider::Joint,
            C::StopShip | C::MaterialLegalExposure | C::RisksOverThreshold => Decider::Escalate,
        }
    }
}

/// How much risk the workspace accepts, on the 1–25 risk score (impact × likelihood).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskAppetite {
    /// Risks scoring at or above this escalate. 1–25, at least `max_acceptable_score`.
    pub escalation_score: i64,
    /// Accepting a risk scoring above this needs an escalation decision. 1–25.
    pub max_acceptable_score: i64,
}

impl Default for RiskAppetite {
    fn default() -> Self {
        Self { escalation_score: 15, max_acceptable_score: 12 }
    }
}

impl RiskAppetite {
    /// Whether a risk with this score escalates.
    pub fn escalates(&self, score: i64) -> bool {
        score >= self.escalation_score
    }

    /// Whether accepting a risk with this score needs an escalation decision.
    pub fn acceptance_needs_escalation(&self, score: i64) -> bool {
        score > self.max_acceptable_score
    }

    /// What accepting these risks (reference, score) would take beyond the appetite, in words;
    /// `None` when every one is within it.
    pub fn beyond(&self, risks: &[(String, i64)]) -> Option<String> {
        let over: Vec<String> = risks
            .iter()
            .filter(|(_, score)| self.acceptance_needs_escalation(*score))
            .map(|(reference, score)| format!("{reference} (score {score})"))
            .collect();
        (!over.is_empty()).then(|| {
            format!(
                "{} {} above the acceptance limit of {}: accepting {} needs an escalation decision",
                words(&over, "and"),
                if over.len() == 1 { "scores" } else { "score" },
                self.max_acceptable_score,
                if over.len() == 1 { "it" } else { "them" }
            )
        })
    }
}

/// Where escalations go: the forum or person above the CTO and the CISO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Escalation {
    /// The escalation authority as the organization names it; users with the executive role
    /// decide for it. 1–80 characters.
    pub authority: String,
}

impl Default for Escalation {
    fn default() -> Self {
        Self { authority: "CEO".to_owned() }
    }
}

/// Days to fix a finding, by severity, and for known-exploited vulnerabilities (KEV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlaDays {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    /// Known-exploited vulnerabilities: the shorter of this and the severity's SLA applies.
    pub kev: i64,
    /// Info findings have no SLA unless this is set.
    pub info: Option<i64>,
}

impl Default for SlaDays {
    fn default() -> Self {
        Self { critical: 7, high: 30, medium: 90, low: 180, kev: 14, info: None }
    }
}

impl SlaDays {
    /// Days to fix a finding of this severity; `None` when it has no SLA. A known-exploited
    /// vulnerability takes the shorter of the KEV SLA and its severity's (the KEV SLA alone
    /// when the severity has none).
    pub fn for_severity(&self, severity: Severity, kev: bool) -> Option<i64> {
        let days = match severity {
            Severity::Critical => Some(self.critical),
            Severity::High => Some(self.high),
            Severity::Medium => Some(self.medium),
            Severity::Low => Some(self.low),
            Severity::Info => self.info,
        };
        if kev { Some(days.map_or(self.kev, |d| d.min(self.kev))) } else { days }
    }
}

/// What an exception (a time-boxed acceptance of a risk or finding) may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExceptionRules {
    /// Longest exception, in days from start to expiry. 1–365.
    pub max_days: i64,
    /// Whether an exception must name compensating controls.
    pub compensating_controls_required: bool,
    /// How many days before expiry the review falls due. Shorter than `max_days`.
    pub review_lead_days: i64,
}

impl Default for ExceptionRules {
    fn default() -> Self {
        Self { max_days: 90, compensating_controls_required: true, review_lead_days: 14 }
    }
}

/// What a stop-ship criterion checks. In TOML and JSON the variant is the `kind` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopShipRule {
    /// Open findings at or above `min_severity` in the release's systems in `environment`,
    /// without an approved exception.
    OpenFindings { min_severity: Severity, environment: String },
    /// Unmitigated risks carrying any of `tags` that score `min_score` or more.
    UnmitigatedRisks { tags: Vec<String>, min_score: i64 },
    /// Systems in scope that do not follow this golden path.
    GoldenPath { path: GoldenPath },
    /// Risks scoring `min_score` or more that are past their due date.
    OverdueRisks { min_score: i64 },
}

impl StopShipRule {
    /// The `kind` names, in order.
    pub const KINDS: &'static [&'static str] = &["open_findings", "unmitigated_risks", "golden_path", "overdue_risks"];

    /// The `kind` name of this rule.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::OpenFindings { .. } => Self::KINDS[0],
            Self::UnmitigatedRisks { .. } => Self::KINDS[1],
            Self::GoldenPath { .. } => Self::KINDS[2],
            Self::OverdueRisks { .. } => Self::KINDS[3],
        }
    }

    /// The fields a rule of this kind takes besides `id`, `kind` and `description`, and which of
    /// them are required.
    fn fields_of(kind: &str) -> &'static [(&'static str, bool)] {
        match kind {
            "open_findings" => &[("min_severity", true), ("environment", false)],
            "unmitigated_risks" => &[("tags", false), ("min_score", true)],
            "golden_path" => &[("path", true)],
            "overdue_risks" => &[("min_score", true)],
            _ => &[],
        }
    }
}

/// The risk tags that the default `unmitigated_risks` criterion looks at.
pub const DEFAULT_STOP_SHIP_TAGS: &[&str] = &["customer-harm", "legal", "regulatory"];

/// One typed stop-ship criterion. A launch-readiness check evaluates each against live data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StopShipCriterion {
    /// Unique slug; in TOML it defaults to the kind (`golden_path`, then `golden_path-2`, …).
    pub id: String,
    /// Why the criterion exists, in the policy owners' words.
    pub description: Option<String>,
    #[serde(flatten)]
    pub rule: StopShipRule,
}

impl StopShipCriterion {
    /// What the criterion stops a release for, in words.
    pub fn summary(&self) -> String {
        match &self.rule {
            StopShipRule::OpenFindings { min_severity, environment } => format!(
                "open findings of {} severity or above in {environment} without an approved exception",
                min_severity.as_str()
            ),
            StopShipRule::UnmitigatedRisks { tags, min_score } => {
                format!("unmitigated risks tagged {} scoring {min_score} or more", words(tags, "or"))
            }
            StopShipRule::GoldenPath { path } => {
                format!("systems in scope that do not follow the {} golden path", path.label().to_lowercase())
            }
            StopShipRule::OverdueRisks { min_score } => {
                format!("risks scoring {min_score} or more past their due date")
            }
        }
    }
}

/// A golden path: the paved way to build one kind of thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GoldenPathSpec {
    /// What following the path means, in a sentence.
    pub description: String,
    /// Data tiers whose systems must follow the path; empty means every system.
    pub required_for_tiers: Vec<DataTier>,
}

impl GoldenPathSpec {
    /// Whether a system holding data of this tier must follow the path.
    pub fn required_for(&self, tier: DataTier) -> bool {
        self.required_for_tiers.is_empty() || self.required_for_tiers.contains(&tier)
    }
}

/// The built-in one-sentence description of a golden path.
pub fn default_golden_path_description(path: GoldenPath) -> &'static str {
    match path {
        GoldenPath::IdentityAccess => {
            "Sign-in goes through the company identity provider with single sign-on and MFA, and access is granted by role and reviewed."
        }
        GoldenPath::Secrets => {
            "Secrets live in the managed secrets store, are injected at run time, are never committed and can be rotated without a deploy."
        }
        GoldenPath::LoggingMonitoring => {
            "Security-relevant events are logged centrally with enough context for detection and forensics, and alerts reach an on-call owner."
        }
        GoldenPath::ApiStandards => {
            "APIs authenticate every call, validate input against a schema, are rate-limited, versioned and documented."
        }
        GoldenPath::DataStorage => {
            "Data is kept in approved encrypted stores with backups, retention by data tier and access limited to the owning service."
        }
        GoldenPath::ThirdParty => {
            "Third-party connections pass vendor review, use scoped credentials and send only the data the vendor needs."
        }
        GoldenPath::CiCd => {
            "Changes ship through the pipeline with review, tests, dependency and secret scanning, and traceable build artefacts."
        }
    }
}

/// The governance policy of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Policy {
    /// Who decides each category; every category is present.
    pub decision_rights: BTreeMap<DecisionCategory, Decider>,
    pub risk_appetite: RiskAppetite,
    /// Who decides escalations, as the organization names them (`CEO`, `CIO`, `the exec
    /// team`). People holding the executive role act for it.
    pub escalation: Escalation,
    pub sla_days: SlaDays,
    pub exceptions: ExceptionRules,
    /// Criteria a launch-readiness check evaluates; any one met stops the release.
    pub stop_ship: Vec<StopShipCriterion>,
    /// The golden paths the policy defines.
    pub golden_paths: BTreeMap<GoldenPath, GoldenPathSpec>,
}

impl Default for Policy {
    fn default() -> Self {
        let description = |s: &str| Some(s.to_owned());
        Self {
            decision_rights: DecisionCategory::ALL.iter().map(|c| (*c, c.default_decider())).collect(),
            risk_appetite: RiskAppetite::default(),
            escalation: Escalation::default(),
            sla_days: SlaDays::default(),
            exceptions: ExceptionRules::default(),
            stop_ship: vec![
                StopShipCriterion {
                    id: "open_findings".into(),
                    description: description(
                        "Open findings of high severity or above in production, without an approved exception.",
                    ),
                    rule: StopShipRule::OpenFindings {
                        min_severity: Severity::High,
                        environment: DEFAULT_ENVIRONMENT.into(),
                    },
                },
                StopShipCriterion {
                    id: "unmitigated_risks".into(),
                    description: description(
                        "Unmitigated risks of customer harm, legal or regulatory exposure over the threshold.",
                    ),
                    rule: StopShipRule::UnmitigatedRisks {
                        tags: DEFAULT_STOP_SHIP_TAGS.iter().map(|t| (*t).to_owned()).collect(),
                        min_score: 12,
                    },
                },
                StopShipCriterion {
                    id: "golden_path".into(),
                    description: description(
                        "Systems that do not meet the logging and monitoring golden path cannot detect and respond to likely abuse.",
                    ),
                    rule: StopShipRule::GoldenPath { path: GoldenPath::LoggingMonitoring },
                },
                StopShipCriterion {
                    id: "overdue_risks".into(),
                    description: description(
                        "Serious risks left past their due date: the plan to treat them has slipped.",
                    ),
                    rule: StopShipRule::OverdueRisks { min_score: 15 },
                },
            ],
            golden_paths: GoldenPath::ALL
                .iter()
                .map(|p| {
                    let spec = GoldenPathSpec {
                        description: default_golden_path_description(*p).to_owned(),
                        required_for_tiers: Vec::new(),
                    };
                    (*p, spec)
                })
                .collect(),
        }
    }
}

/// The environment an `open_findings` criterion looks at when the file names none.
pub const DEFAULT_ENVIRONMENT: &str = "production";

impl Policy {
    /// Who decides a category (the default decider if the map lacks it, which a valid policy
    /// never does).
    pub fn decider_for(&self, category: DecisionCategory) -> Decider {
        self.decision_rights.get(&category).copied().unwrap_or_else(|| category.default_decider())
    }

    /// Days to fix a finding; `None` when the severity has no SLA. See [`SlaDays::for_severity`].
    pub fn sla_days(&self, severity: Severity, kev: bool) -> Option<i64> {
        self.sla_days.for_severity(severity, kev)
    }

    /// The golden path's definition, if the policy defines it.
    pub fn golden_path(&self, path: GoldenPath) -> Option<&GoldenPathSpec> {
        self.golden_paths.get(&path)
    }

    /// The stop-ship criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&StopShipCriterion> {
        self.stop_ship.iter().find(|c| c.id == id)
    }
}

fn words(items: &[String], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyProblem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Where in the policy: `sla_days.high`, `stop_ship[2].min_severity`; empty for syntax errors.
    pub path: String,
    /// What is wrong and why.
    pub message: String,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.path, self.message)
        }
    }
}

/// A refused policy file: every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyError {
    pub problems: Vec<PolicyProblem>,
}

impl PolicyError {
    fn new(mut problems: Vec<PolicyProblem>) -> Self {
        problems.sort_by_key(|p| (p.line, p.column));
        problems.dedup();
        Self { problems }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

impl From<PolicyError> for Invalid {
    fn from(e: PolicyError) -> Self {
        Invalid(
            e.problems
                .into_iter()
                .map(|p| FieldError {
                    field: if p.path.is_empty() { "policy".to_owned() } else { p.path },
                    message: format!("line {}: {}", p.line, p.message),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests;
