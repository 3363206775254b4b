//! The governance policy of a workspace: who decides what, the risk appetite, SLA days by
//! severity, exception rules, stop-ship criteria and golden paths.
//!
//! A policy is plain data. People read and edit it as TOML ([`Policy::to_toml`] writes a
//! commented file, [`Policy::from_toml`] reads one back); values a file leaves out take the
//! defaults of [`Policy::default`], which follow PRODUCT.md. A file is refused with every
//! problem at once, each with the line and column it is on ([`PolicyError`]), so an editor
//! can point at it. Versioning is the store's business: each saved policy is one version, and
//! changing it is itself a recorded joint decision ([`DecisionCategory::PolicyChange`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::enums::{DataTier, GoldenPath, Severity, TextEnum};
use crate::validate::{Check, FieldError, Invalid, check_tags};

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

    /// Checks a policy built in code or read from JSON; [`Policy::from_toml`] runs the same
    /// checks and adds line numbers.
    pub fn validate(&self) -> Result<(), Invalid> {
        let issues = self.issues(|i| i);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Invalid(
                issues.into_iter().map(|i| FieldError { field: i.paths[0].clone(), message: i.message }).collect(),
            ))
        }
    }

    /// Reads a policy from TOML. Sections and keys left out take the defaults; a
    /// `[[stop_ship]]` list or a `[golden_paths]` table, when given, replaces the default one.
    pub fn from_toml(src: &str) -> Result<Policy, PolicyError> {
        let (doc, syntax) = DeTable::parse_recoverable(src);
        if !syntax.is_empty() {
            let problems = syntax
                .iter()
                .map(|e| {
                    let offset = e.span().map_or(0, |s| s.start);
                    problem(src, offset, String::new(), format!("TOML syntax: {}", e.message()))
                })
                .collect();
            return Err(PolicyError::new(problems));
        }
        let mut d = Decoder { src, spans: HashMap::new(), problems: Vec::new() };
        let (policy, criterion_index) = d.document(doc.get_ref());
        for issue in policy.issues(|i| criterion_index[i]) {
            let (offset, path) = d.locate(&issue.paths);
            d.problems.push(problem(src, offset, path, issue.message));
        }
        if d.problems.is_empty() { Ok(policy) } else { Err(PolicyError::new(d.problems)) }
    }

    /// Writes the policy as a commented TOML file that [`Policy::from_toml`] reads back equal.
    pub fn to_toml(&self) -> String {
        let mut o = String::new();
        o.push_str(
            "# Rhythm policy. Anything left out of this file takes the built-in default.\n\
             # Changing the policy is itself a recorded decision (category policy_change).\n",
        );
        if self.stop_ship.is_empty() {
            o.push_str("\n# No stop-ship criteria: no release is stopped by policy.\nstop_ship = []\n");
        }

        o.push_str(
            "\n# Who decides each category of decision: cto, ciso, joint (both sign), or escalate\n\
             # (neither side alone; it goes up with both views written down).\n\
             # policy_change must stay joint or escalate.\n\
             [decision_rights]\n",
        );
        for (category, decider) in &self.decision_rights {
            o.push_str(&format!("{category} = {}\n", quote(decider.as_str())));
        }

        let ra = &self.risk_appetite;
        o.push_str(&format!(
            "\n# Risk appetite, on the risk score (impact x likelihood, 1 to 25).\n\
             [risk_appetite]\n\
             # Risks scoring at or above this escalate.\n\
             escalation_score = {}\n\
             # Accepting a risk that scores above this needs an escalation decision.\n\
             max_acceptable_score = {}\n",
            ra.escalation_score, ra.max_acceptable_score
        ));

        let sla = &self.sla_days;
        o.push_str(&format!(
            "\n# Days to fix a finding, by severity (1 to {MAX_SLA_DAYS}; critical <= high <= medium <= low).\n\
             [sla_days]\n\
             critical = {}\nhigh = {}\nmedium = {}\nlow = {}\n\
             # Known-exploited vulnerabilities take the shorter of this and their severity's SLA.\n\
             kev = {}\n",
            sla.critical, sla.high, sla.medium, sla.low, sla.kev
        ));
        match sla.info {
            Some(days) => o.push_str(&format!("# Info findings; leave out for no SLA.\ninfo = {days}\n")),
            None => o.push_str("# Info findings have no SLA; set one with: info = 365\n"),
        }

        let ex = &self.exceptions;
        o.push_str(&format!(
            "\n# Exceptions: time-boxed acceptances of a risk or finding, signed by both owners.\n\
             [exceptions]\n\
             # Longest exception, in days (1 to {MAX_EXCEPTION_DAYS}).\n\
             max_days = {}\n\
             # Whether an exception must name its compensating controls.\n\
             compensating_controls_required = {}\n\
             # The review falls due this many days before expiry (less than max_days).\n\
             review_lead_days = {}\n",
            ex.max_days, ex.compensating_controls_required, ex.review_lead_days
        ));

        if !self.stop_ship.is_empty() {
            o.push_str(
                "\n# Stop-ship criteria: a launch-readiness check stops a release when any is met.\n\
                 # Kinds and their fields:\n\
                 #   open_findings      min_severity, environment (default \"production\")\n\
                 #   unmitigated_risks  tags (default customer-harm, legal, regulatory), min_score\n\
                 #   golden_path        path: systems in scope that do not follow it\n\
                 #   overdue_risks      min_score: risks past their due date\n\
                 # Each may have an id (unique; defaults to the kind) and a description.\n\
                 # Listing any criterion here replaces the default list.\n",
            );
        }
        for c in &self.stop_ship {
            o.push_str(&format!("[[stop_ship]]\nid = {}\nkind = {}\n", quote(&c.id), quote(c.rule.kind())));
            if let Some(d) = &c.description {
                o.push_str(&format!("description = {}\n", quote(d)));
            }
            match &c.rule {
                StopShipRule::OpenFindings { min_severity, environment } => o.push_str(&format!(
                    "min_severity = {}\nenvironment = {}\n",
                    quote(min_severity.as_str()),
                    quote(environment)
                )),
                StopShipRule::UnmitigatedRisks { tags, min_score } => {
                    o.push_str(&format!(
                        "tags = {}\nmin_score = {min_score}\n",
                        quote_list(tags.iter().map(String::as_str))
                    ));
                }
                StopShipRule::GoldenPath { path } => o.push_str(&format!("path = {}\n", quote(path.as_str()))),
                StopShipRule::OverdueRisks { min_score } => o.push_str(&format!("min_score = {min_score}\n")),
            }
            o.push('\n');
        }
        if self.stop_ship.is_empty() {
            o.push('\n');
        }

        o.push_str(&format!(
            "# Golden paths: {}.\n\
             # required_for_tiers lists the data tiers whose systems must follow a path (public,\n\
             # internal, confidential, restricted); left out, every system must.\n\
             # Listing any path here replaces the default set.\n",
            GoldenPath::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        ));
        if self.golden_paths.is_empty() {
            o.push_str("[golden_paths]\n");
        }
        let mut first = true;
        for (path, spec) in &self.golden_paths {
            if !first {
                o.push('\n');
            }
            first = false;
            o.push_str(&format!("[golden_paths.{path}]\ndescription = {}\n", quote(&spec.description)));
            if !spec.required_for_tiers.is_empty() {
                o.push_str(&format!(
                    "required_for_tiers = {}\n",
                    quote_list(spec.required_for_tiers.iter().map(|t| t.as_str()))
                ));
            }
        }
        o
    }

    /// Every semantic problem of the policy. `criterion_index` maps a position in
    /// `stop_ship` to the index the problem's path should name (the TOML reader keeps the
    /// file's numbering when it drops a criterion it could not read).
    fn issues(&self, criterion_index: impl Fn(usize) -> usize) -> Vec<Issue> {
        let mut out = Vec::new();
        let mut issue = |paths: &[&str], message: String| {
            out.push(Issue { paths: paths.iter().map(|p| (*p).to_owned()).collect(), message });
        };

        for c in DecisionCategory::ALL {
            match self.decision_rights.get(c) {
                None => issue(&[&format!("decision_rights.{c}"), "decision_rights"], format!("no decider for '{c}'")),
                Some(d @ (Decider::Cto | Decider::Ciso)) if *c == DecisionCategory::PolicyChange => issue(
                    &["decision_rights.policy_change"],
                    format!(
                        "policy_change must be decided joint or escalate; got '{d}': the policy binds both the CTO and \
                         the CISO, so neither may change it alone"
                    ),
                ),
                Some(_) => {}
            }
        }

        let ra = &self.risk_appetite;
        for (name, value) in
            [("escalation_score", ra.escalation_score), ("max_acceptable_score", ra.max_acceptable_score)]
        {
            if !(1..=MAX_RISK_SCORE).contains(&value) {
                issue(
                    &[&format!("risk_appetite.{name}")],
                    format!("must be a risk score from 1 to {MAX_RISK_SCORE}; got {value}"),
                );
            }
        }
        if ra.escalation_score < ra.max_acceptable_score {
            issue(
                &["risk_appetite.escalation_score", "risk_appetite.max_acceptable_score"],
                format!(
                    "escalation_score ({}) must be at least max_acceptable_score ({}): otherwise a risk could escalate \
                     and still be accepted without escalation",
                    ra.escalation_score, ra.max_acceptable_score
                ),
            );
        }

        let sla = &self.sla_days;
        let by_severity = [
            ("critical", sla.critical),
            ("high", sla.high),
            ("medium", sla.medium),
            ("low", sla.low),
            ("kev", sla.kev),
        ];
        for (name, days) in by_severity.iter().copied().chain(sla.info.map(|d| ("info", d))) {
            let path = format!("sla_days.{name}");
            if days <= 0 {
                issue(&[&path], format!("SLA days must be positive; got {days}"));
            } else if days > MAX_SLA_DAYS {
                issue(&[&path], format!("SLA days must be at most {MAX_SLA_DAYS} (ten years); got {days}"));
            }
        }
        for pair in by_severity[..4].windows(2) {
            let ((worse, a), (milder, b)) = (pair[0], pair[1]);
            let in_range = |d: i64| (1..=MAX_SLA_DAYS).contains(&d);
            if in_range(a) && in_range(b) && a > b {
                issue(
                    &[&format!("sla_days.{worse}"), &format!("sla_days.{milder}")],
                    format!(
                        "the {worse} SLA ({a} days) must not be longer than the {milder} SLA ({b} days): more severe \
                         findings are fixed sooner"
                    ),
                );
            }
        }

        let ex = &self.exceptions;
        if !(1..=MAX_EXCEPTION_DAYS).contains(&ex.max_days) {
            issue(
                &["exceptions.max_days"],
                format!("an exception lasts 1 to {MAX_EXCEPTION_DAYS} days; got {}", ex.max_days),
            );
        }
        if ex.review_lead_days < 0 {
            issue(
                &["exceptions.review_lead_days"],
                format!("review_lead_days must not be negative; got {}", ex.review_lead_days),
            );
        } else if ex.review_lead_days >= ex.max_days {
            issue(
                &["exceptions.review_lead_days", "exceptions.max_days"],
                format!(
                    "review_lead_days ({}) must be less than max_days ({}): the review must fall inside the exception",
                    ex.review_lead_days, ex.max_days
                ),
            );
        }

        let mut seen_ids: HashMap<&str, usize> = HashMap::new();
        for (pos, c) in self.stop_ship.iter().enumerate() {
            let at = format!("stop_ship[{}]", criterion_index(pos));
            if !is_slug(&c.id) {
                issue(
                    &[&format!("{at}.id"), &at],
                    format!(
                        "'{}' is not a valid id: use 1 to {SLUG_MAX_CHARS} lower-case letters, digits, '-' or '_', \
                         starting with a letter or digit",
                        c.id
                    ),
                );
            }
            if let Some(first) = seen_ids.insert(&c.id, pos) {
                issue(
                    &[&format!("{at}.id"), &at],
                    format!("id '{}' is already used by stop_ship[{}]; ids are unique", c.id, criterion_index(first)),
                );
                seen_ids.insert(&c.id, first);
            }
            if let Some(d) = &c.description {
                for e in text_problems(d, DESCRIPTION_MAX_CHARS) {
                    issue(&[&format!("{at}.description"), &at], e);
                }
            }
            match &c.rule {
                StopShipRule::OpenFindings { environment, .. } => {
                    if !is_slug(environment) {
                        issue(
                            &[&format!("{at}.environment"), &at],
                            format!(
                                "'{environment}' is not a valid environment name: use 1 to {SLUG_MAX_CHARS} lower-case \
                                 letters, digits, '-' or '_'"
                            ),
                        );
                    }
                }
                StopShipRule::UnmitigatedRisks { tags, min_score } => {
                    let field = format!("{at}.tags");
                    if tags.is_empty() {
                        issue(
                            &[&field, &at],
                            "list at least one tag: a criterion without tags would match no risk".to_owned(),
                        );
                    }
                    let mut check = Check::new();
                    check_tags(&mut check, &field, tags);
                    if let Err(Invalid(errors)) = check.finish() {
                        for e in errors {
                            issue(&[&e.field, &field, &at], e.message);
                        }
                    }
                    score_issue(&mut issue, &at, *min_score);
                }
                StopShipRule::GoldenPath { path } => {
                    if !self.golden_paths.contains_key(path) {
                        issue(
                            &[&format!("{at}.path"), "golden_paths", &at],
                            format!(
                                "criterion '{}' references golden path '{path}', which the policy does not define; {}",
                                c.id,
                                defined_paths(&self.golden_paths)
                            ),
                        );
                    }
                }
                StopShipRule::OverdueRisks { min_score } => score_issue(&mut issue, &at, *min_score),
            }
        }

        for (path, spec) in &self.golden_paths {
            let at = format!("golden_paths.{path}");
            if spec.description.trim().is_empty() {
                issue(&[&format!("{at}.description"), &at], "a golden path needs a description".to_owned());
            }
            for e in text_problems(&spec.description, DESCRIPTION_MAX_CHARS) {
                issue(&[&format!("{at}.description"), &at], e);
            }
            for (i, tier) in spec.required_for_tiers.iter().enumerate() {
                if spec.required_for_tiers[..i].contains(tier) {
                    issue(
                        &[&format!("{at}.required_for_tiers[{i}]"), &format!("{at}.required_for_tiers"), &at],
                        format!("tier '{tier}' is listed twice"),
                    );
                }
            }
        }
        out
    }
}

fn score_issue(issue: &mut impl FnMut(&[&str], String), at: &str, score: i64) {
    if !(1..=MAX_RISK_SCORE).contains(&score) {
        issue(
            &[&format!("{at}.min_score"), at],
            format!("min_score must be a risk score from 1 to {MAX_RISK_SCORE}; got {score}"),
        );
    }
}

fn defined_paths(paths: &BTreeMap<GoldenPath, GoldenPathSpec>) -> String {
    if paths.is_empty() {
        "it defines none".to_owned()
    } else {
        format!("defined: {}", paths.keys().map(|p| p.as_str()).collect::<Vec<_>>().join(", "))
    }
}

fn text_problems(value: &str, max: usize) -> Vec<String> {
    let mut check = Check::new();
    check.text("text", value, max);
    match check.finish() {
        Ok(()) => Vec::new(),
        Err(Invalid(errors)) => errors.into_iter().map(|e| e.message).collect(),
    }
}

fn is_slug(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.len() <= SLUG_MAX_CHARS
}

fn words(items: &[String], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

/// A TOML string literal.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn quote_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    format!("[{}]", items.map(quote).collect::<Vec<_>>().join(", "))
}

/// A semantic problem before it has a line: the paths it may be shown at, best first.
struct Issue {
    paths: Vec<String>,
    message: String,
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

fn problem(src: &str, offset: usize, path: String, message: String) -> PolicyProblem {
    let (line, column) = line_column(src, offset);
    PolicyProblem { line, column, path, message }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(src.len());
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let before = &src[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

type Value<'i> = Spanned<DeValue<'i>>;

const SECTIONS: &[&str] = &["decision_rights", "risk_appetite", "sla_days", "exceptions", "golden_paths", "stop_ship"];

/// Reads the parsed TOML document into a policy, noting where each path is and every problem
/// of shape (unknown keys, wrong types, unknown names).
struct Decoder<'s> {
    src: &'s str,
    /// Path → span of its value (or of its table header).
    spans: HashMap<String, Range<usize>>,
    problems: Vec<PolicyProblem>,
}

impl Decoder<'_> {
    fn fail(&mut self, span: &Range<usize>, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(problem(self.src, span.start, path.into(), message.into()));
    }

    fn note(&mut self, path: &str, span: Range<usize>) {
        self.spans.entry(path.to_owned()).or_insert(span);
    }

    /// The offset to show an issue at and the path to name: the first path the file has,
    /// else the nearest enclosing section the file has, else the top of the file.
    fn locate(&self, paths: &[String]) -> (usize, String) {
        if let Some((span, path)) = paths.iter().find_map(|p| self.spans.get(p).map(|s| (s, p))) {
            return (span.start, path.clone());
        }
        for p in paths {
            let mut q = p.as_str();
            while let Some(cut) = q.rfind(['.', '[']) {
                q = &q[..cut];
                if let Some(span) = self.spans.get(q) {
                    return (span.start, p.clone());
                }
            }
        }
        (0, paths[0].clone())
    }

    fn document(&mut self, doc: &DeTable<'_>) -> (Policy, Vec<usize>) {
        let mut policy = Policy::default();
        let mut criterion_index: Vec<usize> = (0..policy.stop_ship.len()).collect();
        let mut sections: HashMap<&str, &Value<'_>> = HashMap::new();
        for (key, value) in doc {
            let name: &str = key.get_ref();
            if SECTIONS.contains(&name) {
                self.note(name, value.span());
                sections.insert(name, value);
            } else {
                self.fail(&key.span(), name, format!("unknown section '{name}'; sections: {}", SECTIONS.join(", ")));
            }
        }
        for name in SECTIONS {
            let Some(value) = sections.get(name).copied() else { continue };
            match *name {
                "decision_rights" => self.decision_rights(value, &mut policy.decision_rights),
                "risk_appetite" => {
                    let ra = &mut policy.risk_appetite;
                    for (key, v) in self.fields(name, value, &["escalation_score", "max_acceptable_score"]) {
                        let target = if key == "escalation_score" {
                            &mut ra.escalation_score
                        } else {
                            &mut ra.max_acceptable_score
                        };
                        if let Some(n) = self.int(&format!("{name}.{key}"), v) {
                            *target = n;
                        }
                    }
                }
                "sla_days" => {
                    let sla = &mut policy.sla_days;
                    for (key, v) in self.fields(name, value, &["critical", "high", "medium", "low", "kev", "info"]) {
                        let Some(n) = self.int(&format!("{name}.{key}"), v) else { continue };
                        match key {
                            "critical" => sla.critical = n,
                            "high" => sla.high = n,
                            "medium" => sla.medium = n,
                            "low" => sla.low = n,
                            "kev" => sla.kev = n,
                            _ => sla.info = Some(n),
                        }
                    }
                }
                "exceptions" => {
                    let ex = &mut policy.exceptions;
                    let keys = ["max_days", "compensating_controls_required", "review_lead_days"];
                    for (key, v) in self.fields(name, value, &keys) {
                        let path = format!("{name}.{key}");
                        match key {
                            "compensating_controls_required" => {
                                if let Some(b) = self.boolean(&path, v) {
                                    ex.compensating_controls_required = b;
                                }
                            }
                            "max_days" => ex.max_days = self.int(&path, v).unwrap_or(ex.max_days),
                            _ => ex.review_lead_days = self.int(&path, v).unwrap_or(ex.review_lead_days),
                        }
                    }
                }
                "golden_paths" => policy.golden_paths = self.golden_paths(value),
                _ => (policy.stop_ship, criterion_index) = self.stop_ship(value, &policy.golden_paths),
            }
        }
        (policy, criterion_index)
    }

    fn decision_rights(&mut self, value: &Value<'_>, out: &mut BTreeMap<DecisionCategory, Decider>) {
        let Some(table) = self.table("decision_rights", value) else { return };
        for (key, v) in table {
            let name: &str = key.get_ref();
            let path = format!("decision_rights.{name}");
            let Some(category) = DecisionCategory::ALL.iter().copied().find(|c| c.as_str() == name) else {
                self.fail(
                    &key.span(),
                    path,
                    format!("unknown decision category '{name}'; categories: {}", names::<DecisionCategory>()),
                );
                continue;
            };
            self.note(&path, v.span());
            if let Some(decider) = self.choice::<Decider>(&path, v, "decider", "deciders") {
                out.insert(category, decider);
            }
        }
    }

    fn golden_paths(&mut self, value: &Value<'_>) -> BTreeMap<GoldenPath, GoldenPathSpec> {
        let mut out = BTreeMap::new();
        let Some(table) = self.table("golden_paths", value) else { return Policy::default().golden_paths };
        for (key, v) in table {
            let name: &str = key.get_ref();
            let at = format!("golden_paths.{name}");
            let Some(path) = GoldenPath::ALL.iter().copied().find(|p| p.as_str() == name) else {
                self.fail(
                    &key.span(),
                    at,
                    format!("unknown golden path '{name}'; golden paths: {}", names::<GoldenPath>()),
                );
                continue;
            };
            self.note(&at, v.span());
            let mut spec = GoldenPathSpec {
                description: default_golden_path_description(path).to_owned(),
                required_for_tiers: Vec::new(),
            };
            for (field, fv) in self.fields(&at, v, &["description", "required_for_tiers"]) {
                let fpath = format!("{at}.{field}");
                if field == "description" {
                    if let Some(s) = self.string(&fpath, fv) {
                        spec.description = s;
                    }
                } else if let Some(items) = self.array(&fpath, fv) {
                    spec.required_for_tiers = items
                        .iter()
                        .filter_map(|(p, item)| self.choice::<DataTier>(p, item, "data tier", "tiers"))
                        .collect();
                }
            }
            out.insert(path, spec);
        }
        out
    }

    fn stop_ship(
        &mut self,
        value: &Value<'_>,
        golden_paths: &BTreeMap<GoldenPath, GoldenPathSpec>,
    ) -> (Vec<StopShipCriterion>, Vec<usize>) {
        let DeValue::Array(items) = value.get_ref() else {
            self.fail(
                &value.span(),
                "stop_ship",
                format!(
                    "must be a list of criteria, each written as a [[stop_ship]] table; got {}",
                    describe(value.get_ref())
                ),
            );
            return (Vec::new(), Vec::new());
        };
        let mut read = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("stop_ship[{i}]");
            self.note(&at, item.span());
            if let Some(c) = self.criterion(&at, item, golden_paths) {
                read.push((i, c));
            }
        }
        // Criteria without an id take their kind, numbered from the second one on, skipping
        // ids the file gives explicitly.
        let taken: BTreeSet<String> = read.iter().filter_map(|(_, c)| c.id.clone()).collect();
        let mut given: BTreeSet<String> = BTreeSet::new();
        let count = read.len();
        let mut out = Vec::new();
        let mut index = Vec::new();
        for (i, c) in read {
            let id = c.id.unwrap_or_else(|| {
                let kind = c.rule.kind();
                let id = (1..=count + 1)
                    .map(|n| if n == 1 { kind.to_owned() } else { format!("{kind}-{n}") })
                    .find(|id| !taken.contains(id) && !given.contains(id))
                    .unwrap_or_default();
                given.insert(id.clone());
                id
            });
            out.push(StopShipCriterion { id, description: c.description, rule: c.rule });
            index.push(i);
        }
        (out, index)
    }

    fn criterion(
        &mut self,
        at: &str,
        item: &Value<'_>,
        golden_paths: &BTreeMap<GoldenPath, GoldenPathSpec>,
    ) -> Option<ReadCriterion> {
        let table = self.table(at, item)?;
        let kinds = StopShipRule::KINDS.join(", ");
        let kind_value = table.iter().find(|(k, _)| k.get_ref() == "kind").map(|(_, v)| v);
        let kind: Option<&'static str> = match kind_value.map(|v| (v, v.get_ref())) {
            None => {
                self.fail(&item.span(), format!("{at}.kind"), format!("a criterion needs a kind; kinds: {kinds}"));
                None
            }
            Some((v, DeValue::String(s))) => {
                let found = StopShipRule::KINDS.iter().copied().find(|k| *k == s.as_ref());
                if found.is_none() {
                    self.fail(&v.span(), format!("{at}.kind"), format!("unknown stop-ship kind '{s}'; kinds: {kinds}"));
                }
                found
            }
            Some((v, other)) => {
                self.fail(
                    &v.span(),
                    format!("{at}.kind"),
                    format!("must be a stop-ship kind ({kinds}); got {}", describe(other)),
                );
                None
            }
        };
        let specific = kind.map_or(&[][..], StopShipRule::fields_of);
        let mut allowed = vec!["id", "kind", "description"];
        allowed.extend(specific.iter().map(|(name, _)| *name));
        if kind.is_none() {
            // The kind is unknown: accept any field some kind takes, to report only the kind.
            for k in StopShipRule::KINDS {
                for (name, _) in StopShipRule::fields_of(k) {
                    if !allowed.contains(name) {
                        allowed.push(name);
                    }
                }
            }
        }
        let context = kind.map_or_else(|| "a criterion".to_owned(), |k| format!("a criterion of kind '{k}'"));

        let mut read = CriterionFields::default();
        let mut present = Vec::new();
        for (key, v) in table {
            let name: &str = key.get_ref();
            let path = format!("{at}.{name}");
            let Some(name) = allowed.iter().copied().find(|a| *a == name) else {
                self.fail(
                    &key.span(),
                    path,
                    format!("unknown key '{name}' for {context}; keys: {}", allowed.join(", ")),
                );
                continue;
            };
            self.note(&path, v.span());
            present.push(name);
            match name {
                "id" => read.id = self.string(&path, v),
                "description" => read.description = self.string(&path, v),
                "min_severity" => read.min_severity = self.choice::<Severity>(&path, v, "severity", "severities"),
                "environment" => read.environment = self.string(&path, v),
                "min_score" => read.min_score = self.int(&path, v),
                "tags" => {
                    read.tags =
                        self.array(&path, v).map(|items| items.iter().filter_map(|(p, t)| self.string(p, t)).collect());
                }
                "path" => read.path = self.golden_path_ref(&path, v, read.id.as_deref().or(kind), golden_paths),
                _ => {}
            }
        }
        let kind = kind?;
        for (field, required) in specific {
            if *required && !present.contains(field) {
                self.fail(
                    &item.span(),
                    format!("{at}.{field}"),
                    format!("a criterion of kind '{kind}' needs '{field}'"),
                );
            }
        }
        let rule = match kind {
            "open_findings" => StopShipRule::OpenFindings {
                min_severity: read.min_severity?,
                environment: read.environment.unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_owned()),
            },
            "unmitigated_risks" => StopShipRule::UnmitigatedRisks {
                tags: read.tags.unwrap_or_else(|| DEFAULT_STOP_SHIP_TAGS.iter().map(|t| (*t).to_owned()).collect()),
                min_score: read.min_score?,
            },
            "golden_path" => StopShipRule::GoldenPath { path: read.path? },
            _ => StopShipRule::OverdueRisks { min_score: read.min_score? },
        };
        Some(ReadCriterion { id: read.id, description: read.description, rule })
    }

    fn golden_path_ref(
        &mut self,
        path: &str,
        v: &Value<'_>,
        id: Option<&str>,
        golden_paths: &BTreeMap<GoldenPath, GoldenPathSpec>,
    ) -> Option<GoldenPath> {
        let DeValue::String(s) = v.get_ref() else {
            self.fail(&v.span(), path, format!("must be a golden path; got {}", describe(v.get_ref())));
            return None;
        };
        let found = GoldenPath::ALL.iter().copied().find(|p| p.as_str() == s.as_ref());
        if found.is_none() {
            self.fail(
                &v.span(),
                path,
                format!(
                    "criterion '{}' references golden path '{s}', which the policy does not define; {}",
                    id.unwrap_or("golden_path"),
                    defined_paths(golden_paths)
                ),
            );
        }
        found
    }

    fn table<'t, 'i>(&mut self, path: &str, v: &'t Value<'i>) -> Option<&'t DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.fail(&v.span(), path, format!("must be a table; got {}", describe(other)));
                None
            }
        }
    }

    /// The known keys of a table, noted; unknown ones are reported.
    fn fields<'t, 'i>(
        &mut self,
        at: &str,
        v: &'t Value<'i>,
        allowed: &[&'static str],
    ) -> Vec<(&'static str, &'t Value<'i>)> {
        let Some(table) = self.table(at, v) else { return Vec::new() };
        let mut out = Vec::new();
        for (key, value) in table {
            let name: &str = key.get_ref();
            let path = format!("{at}.{name}");
            match allowed.iter().copied().find(|a| *a == name) {
                Some(known) => {
                    self.note(&path, value.span());
                    out.push((known, value));
                }
                None => self.fail(
                    &key.span(),
                    path,
                    format!("unknown key '{name}' in [{at}]; keys: {}", allowed.join(", ")),
                ),
            }
        }
        out
    }

    /// The items of an array with their paths, noted.
    fn array<'t, 'i>(&mut self, path: &str, v: &'t Value<'i>) -> Option<Vec<(String, &'t Value<'i>)>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.fail(&v.span(), path, format!("must be a list; got {}", describe(v.get_ref())));
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{path}[{i}]");
                    self.note(&p, item.span());
                    (p, item)
                })
                .collect(),
        )
    }

    fn int(&mut self, path: &str, v: &Value<'_>) -> Option<i64> {
        match v.get_ref() {
            DeValue::Integer(i) => {
                let n = i64::from_str_radix(i.as_str(), i.radix()).ok();
                if n.is_none() {
                    self.fail(&v.span(), path, format!("{i} is too large a number"));
                }
                n
            }
            other => {
                self.fail(&v.span(), path, format!("must be a whole number; got {}", describe(other)));
                None
            }
        }
    }

    fn boolean(&mut self, path: &str, v: &Value<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.fail(&v.span(), path, format!("must be true or false; got {}", describe(other)));
                None
            }
        }
    }

    fn string(&mut self, path: &str, v: &Value<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.as_ref().to_owned()),
            other => {
                self.fail(&v.span(), path, format!("must be a string; got {}", describe(other)));
                None
            }
        }
    }

    fn choice<T: TextEnum + FromStr>(&mut self, path: &str, v: &Value<'_>, what: &str, plural: &str) -> Option<T> {
        match v.get_ref() {
            DeValue::String(s) => {
                let found = T::all().iter().copied().find(|t| t.as_str() == s.as_ref());
                if found.is_none() {
                    self.fail(&v.span(), path, format!("unknown {what} '{s}'; {plural}: {}", names::<T>()));
                }
                found
            }
            other => {
                self.fail(&v.span(), path, format!("must be a {what} ({}); got {}", names::<T>(), describe(other)));
                None
            }
        }
    }
}

/// A criterion as read, before its id is settled.
struct ReadCriterion {
    id: Option<String>,
    description: Option<String>,
    rule: StopShipRule,
}

#[derive(Default)]
struct CriterionFields {
    id: Option<String>,
    description: Option<String>,
    min_severity: Option<Severity>,
    environment: Option<String>,
    min_score: Option<i64>,
    tags: Option<Vec<String>>,
    path: Option<GoldenPath>,
}

fn names<T: TextEnum>() -> String {
    T::all().iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the string '{s}'"),
        DeValue::Integer(i) => format!("the number {i}"),
        DeValue::Float(f) => format!("the number {f}"),
        DeValue::Boolean(b) => format!("{b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "a list".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn problems(src: &str) -> Vec<PolicyProblem> {
        match Policy::from_toml(src) {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => e.problems,
        }
    }

    /// The only problem of `src`, which must be on `line` at `path`; returns its message.
    #[track_caller]
    fn one(src: &str, line: usize, path: &str) -> String {
        let ps = problems(src);
        assert_eq!(ps.len(), 1, "{ps:#?}");
        assert_eq!((ps[0].line, ps[0].path.as_str()), (line, path), "{ps:#?}");
        ps[0].message.clone()
    }

    #[test]
    fn defaults_follow_the_product_brief_and_are_valid() {
        let p = Policy::default();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.decision_rights.len(), DecisionCategory::ALL.len());
        assert_eq!(p.decider_for(DecisionCategory::EngineeringApproach), Decider::Cto);
        assert_eq!(p.decider_for(DecisionCategory::RiskAcceptanceThresholds), Decider::Ciso);
        assert_eq!(p.decider_for(DecisionCategory::PolicyChange), Decider::Joint);
        assert_eq!(p.decider_for(DecisionCategory::ExceptionApproval), Decider::Joint);
        assert_eq!(p.decider_for(DecisionCategory::RisksOverThreshold), Decider::Escalate);
        assert_eq!(p.golden_paths.len(), GoldenPath::ALL.len());
        let kinds: Vec<_> = p.stop_ship.iter().map(|c| c.rule.kind()).collect();
        assert_eq!(kinds, StopShipRule::KINDS);
        assert!(p.risk_appetite.escalates(15) && !p.risk_appetite.escalates(14));
        assert!(p.risk_appetite.acceptance_needs_escalation(13) && !p.risk_appetite.acceptance_needs_escalation(12));
        assert_eq!(
            p.criterion("unmitigated_risks").unwrap().summary(),
            "unmitigated risks tagged customer-harm, legal or regulatory scoring 12 or more"
        );
        assert_eq!(
            p.criterion("golden_path").unwrap().summary(),
            "systems in scope that do not follow the logging and monitoring golden path"
        );
    }

    #[test]
    fn defaults_round_trip_through_toml_and_json() {
        let p = Policy::default();
        let text = p.to_toml();
        assert!(text.contains("# Risks scoring at or above this escalate.\nescalation_score = 15\n"), "{text}");
        assert_eq!(Policy::from_toml(&text), Ok(p.clone()));
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""kind":"golden_path","path":"logging_monitoring""#), "{json}");
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
    }

    #[test]
    fn an_empty_file_is_the_default_policy() {
        assert_eq!(Policy::from_toml(""), Ok(Policy::default()));
        assert_eq!(Policy::from_toml("# nothing to change\n"), Ok(Policy::default()));
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let p = Policy::from_toml("[sla_days]\nhigh = 21\n").unwrap();
        let mut expected = Policy::default();
        expected.sla_days.high = 21;
        assert_eq!(p, expected);

        let p = Policy::from_toml("[decision_rights]\nlaunch_readiness = \"escalate\"\n").unwrap();
        assert_eq!(p.decider_for(DecisionCategory::LaunchReadiness), Decider::Escalate);
        assert_eq!(p.decider_for(DecisionCategory::DeliverySequencing), Decider::Cto);
        assert_eq!(p.decision_rights.len(), DecisionCategory::ALL.len());
    }

    #[test]
    fn a_custom_policy_round_trips() {
        let mut p = Policy::default();
        p.decision_rights.insert(DecisionCategory::PolicyChange, Decider::Escalate);
        p.decision_rights.insert(DecisionCategory::PerformanceTradeoffs, Decider::Joint);
        p.sla_days.info = Some(365);
        p.exceptions.compensating_controls_required = false;
        p.stop_ship = vec![
            StopShipCriterion {
                id: "prod-critical".into(),
                description: Some("Quotes \" and \\ back-slashes,\nnew lines, tabs\tand ünïcödé.".into()),
                rule: StopShipRule::OpenFindings { min_severity: Severity::Critical, environment: "prod-eu".into() },
            },
            StopShipCriterion {
                id: "privacy".into(),
                description: None,
                rule: StopShipRule::UnmitigatedRisks { tags: vec!["privacy".into()], min_score: 20 },
            },
            StopShipCriterion {
                id: "secrets".into(),
                description: None,
                rule: StopShipRule::GoldenPath { path: GoldenPath::Secrets },
            },
        ];
        p.golden_paths.remove(&GoldenPath::CiCd);
        p.golden_paths.get_mut(&GoldenPath::Secrets).unwrap().required_for_tiers =
            vec![DataTier::Confidential, DataTier::Restricted];
        assert_eq!(p.validate(), Ok(()));
        let text = p.to_toml();
        assert_eq!(Policy::from_toml(&text), Ok(p), "{text}");
    }

    #[test]
    fn no_criteria_and_no_golden_paths_round_trip() {
        let mut p = Policy::default();
        p.stop_ship.clear();
        p.golden_paths.clear();
        let text = p.to_toml();
        assert!(text.contains("\nstop_ship = []\n"), "{text}");
        assert_eq!(Policy::from_toml(&text), Ok(p), "{text}");
    }

    #[test]
    fn criteria_without_ids_take_their_kind() {
        let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"secrets\"

[[stop_ship]]
kind = \"golden_path\"
path = \"ci_cd\"

[[stop_ship]]
id = \"golden_path-2\"
kind = \"overdue_risks\"
min_score = 20
";
        let p = Policy::from_toml(src).unwrap();
        let ids: Vec<_> = p.stop_ship.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["golden_path", "golden_path-3", "golden_path-2"]);
        assert_eq!(
            p.stop_ship[0].rule,
            StopShipRule::GoldenPath { path: GoldenPath::Secrets },
            "a stop_ship list replaces the defaults"
        );
        let p = Policy::from_toml("[[stop_ship]]\nkind = \"open_findings\"\nmin_severity = \"critical\"\n").unwrap();
        assert_eq!(
            p.stop_ship,
            [StopShipCriterion {
                id: "open_findings".into(),
                description: None,
                rule: StopShipRule::OpenFindings { min_severity: Severity::Critical, environment: "production".into() },
            }]
        );
        let p = Policy::from_toml("[[stop_ship]]\nkind = \"unmitigated_risks\"\nmin_score = 9\n").unwrap();
        assert_eq!(
            p.stop_ship[0].rule,
            StopShipRule::UnmitigatedRisks {
                tags: vec!["customer-harm".into(), "legal".into(), "regulatory".into()],
                min_score: 9
            }
        );
    }

    #[test]
    fn sla_days_by_severity_and_for_known_exploited() {
        let mut p = Policy::default();
        assert_eq!(p.sla_days(Severity::Critical, false), Some(7));
        assert_eq!(p.sla_days(Severity::Critical, true), Some(7), "KEV never lengthens an SLA");
        assert_eq!(p.sla_days(Severity::High, false), Some(30));
        assert_eq!(p.sla_days(Severity::High, true), Some(14));
        assert_eq!(p.sla_days(Severity::Low, true), Some(14));
        assert_eq!(p.sla_days(Severity::Info, false), None);
        assert_eq!(p.sla_days(Severity::Info, true), Some(14), "a known-exploited info finding still has an SLA");
        p.sla_days.info = Some(365);
        assert_eq!(p.sla_days(Severity::Info, false), Some(365));
        p.sla_days.kev = 3;
        assert_eq!(p.sla_days(Severity::Critical, true), Some(3));
    }

    #[test]
    fn decider_for_reads_the_policy() {
        let p = Policy::from_toml("[decision_rights]\ndelivery_sequencing = \"joint\"\n").unwrap();
        assert_eq!(p.decider_for(DecisionCategory::DeliverySequencing), Decider::Joint);
        for c in DecisionCategory::ALL {
            if *c != DecisionCategory::DeliverySequencing {
                assert_eq!(p.decider_for(*c), c.default_decider(), "{c}");
            }
        }
    }

    #[test]
    fn unknown_decision_category_and_decider_are_refused_on_their_line() {
        let src = "\
# who decides
[decision_rights]
engineering_approach = \"cto\"
vibes = \"cto\"
";
        let m = one(src, 4, "decision_rights.vibes");
        assert!(m.starts_with("unknown decision category 'vibes'; categories: engineering_approach, "), "{m}");

        let src = "[decision_rights]\n\nstop_ship = \"ceo\"\n";
        let m = one(src, 3, "decision_rights.stop_ship");
        assert_eq!(m, "unknown decider 'ceo'; deciders: cto, ciso, joint, escalate");
    }

    #[test]
    fn policy_change_must_stay_joint_or_escalate() {
        let src = "[decision_rights]\nlaunch_readiness = \"joint\"\npolicy_change = \"cto\"\n";
        let m = one(src, 3, "decision_rights.policy_change");
        assert!(m.contains("joint or escalate") && m.contains("neither may change it alone"), "{m}");
        assert!(Policy::from_toml("[decision_rights]\npolicy_change = \"escalate\"\n").is_ok());
    }

    #[test]
    fn sla_days_must_be_positive_bounded_and_ordered() {
        let src = "\
[sla_days]
critical = 7
high = -3
";
        assert_eq!(one(src, 3, "sla_days.high"), "SLA days must be positive; got -3");
        assert_eq!(one("[sla_days]\nkev = 0\n", 2, "sla_days.kev"), "SLA days must be positive; got 0");
        let ps = problems("[sla_days]\nlow = 4000\ninfo = 5000\n");
        let at: Vec<_> = ps.iter().map(|p| (p.line, p.path.as_str(), p.message.as_str())).collect();
        assert_eq!(
            at,
            [
                (2, "sla_days.low", "SLA days must be at most 3650 (ten years); got 4000"),
                (3, "sla_days.info", "SLA days must be at most 3650 (ten years); got 5000"),
            ]
        );

        // The file sets the longer one: point at it.
        let m = one("[sla_days]\ncritical = 7\nhigh = 100\n", 3, "sla_days.high");
        assert_eq!(
            m,
            "the high SLA (100 days) must not be longer than the medium SLA (90 days): more severe findings are \
             fixed sooner"
        );
        // The file sets the shorter one: point at that.
        let m = one("[sla_days]\n\nmedium = 20\n", 3, "sla_days.medium");
        assert!(m.starts_with("the high SLA (30 days) must not be longer than the medium SLA (20 days)"), "{m}");
    }

    #[test]
    fn sla_days_must_be_whole_numbers() {
        let m = one("[sla_days]\nhigh = \"thirty\"\n", 2, "sla_days.high");
        assert_eq!(m, "must be a whole number; got the string 'thirty'");
        let m = one("[sla_days]\nhigh = 7.5\n", 2, "sla_days.high");
        assert_eq!(m, "must be a whole number; got the number 7.5");
        let m = one("[sla_days]\nhigh = 99999999999999999999\n", 2, "sla_days.high");
        assert!(m.contains("too large"), "{m}");
    }

    #[test]
    fn risk_appetite_is_checked() {
        let m = one("[risk_appetite]\nmax_acceptable_score = 20\n", 2, "risk_appetite.max_acceptable_score");
        assert!(m.starts_with("escalation_score (15) must be at least max_acceptable_score (20)"), "{m}");
        let src = "[risk_appetite]\nescalation_score = 10\nmax_acceptable_score = 12\n";
        let m = one(src, 2, "risk_appetite.escalation_score");
        assert!(m.starts_with("escalation_score (10) must be at least"), "{m}");
        let ps = problems("[risk_appetite]\nescalation_score = 0\nmax_acceptable_score = 0\n");
        assert_eq!(ps.len(), 2, "{ps:#?}");
        assert_eq!((ps[0].line, ps[0].message.as_str()), (2, "must be a risk score from 1 to 25; got 0"));
        assert_eq!((ps[1].line, ps[1].path.as_str()), (3, "risk_appetite.max_acceptable_score"));
        let m = one("[risk_appetite]\nescalation_score = 26\n", 2, "risk_appetite.escalation_score");
        assert_eq!(m, "must be a risk score from 1 to 25; got 26");
    }

    #[test]
    fn exception_rules_are_checked() {
        let m = one("[exceptions]\nmax_days = 400\n", 2, "exceptions.max_days");
        assert_eq!(m, "an exception lasts 1 to 365 days; got 400");
        let m = one("[exceptions]\nmax_days = 10\n", 2, "exceptions.max_days");
        assert!(m.starts_with("review_lead_days (14) must be less than max_days (10)"), "{m}");
        let m = one("[exceptions]\nmax_days = 30\nreview_lead_days = 30\n", 3, "exceptions.review_lead_days");
        assert!(m.contains("the review must fall inside the exception"), "{m}");
        let m = one(
            "[exceptions]\n\ncompensating_controls_required = \"yes\"\n",
            3,
            "exceptions.compensating_controls_required",
        );
        assert_eq!(m, "must be true or false; got the string 'yes'");
    }

    #[test]
    fn unknown_keys_are_refused_on_their_line() {
        let m = one("[sla]\nhigh = 3\n", 1, "sla");
        assert!(m.starts_with("unknown section 'sla'; sections: decision_rights, "), "{m}");
        let m = one("[sla_days]\nhigh = 30\nurgent = 1\n", 3, "sla_days.urgent");
        assert_eq!(m, "unknown key 'urgent' in [sla_days]; keys: critical, high, medium, low, kev, info");
        let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"secrets\"
tags = [\"legal\"]
";
        let m = one(src, 4, "stop_ship[0].tags");
        assert_eq!(m, "unknown key 'tags' for a criterion of kind 'golden_path'; keys: id, kind, description, path");
        let src = "[golden_paths.logging_monitoring]\ndescription = \"Logs.\"\nowner = \"sre\"\n";
        let m = one(src, 3, "golden_paths.logging_monitoring.owner");
        assert!(m.starts_with("unknown key 'owner'"), "{m}");
        let src = "[golden_paths.logging_monitoring]\n[golden_paths.blockchain]\ndescription = \"x\"\n";
        let m = one(src, 2, "golden_paths.blockchain");
        assert!(m.starts_with("unknown golden path 'blockchain'; golden paths: identity_access, "), "{m}");
        let m = one("vibes = 1\n", 1, "vibes");
        assert!(m.starts_with("unknown section 'vibes'"), "{m}");
    }

    #[test]
    fn stop_ship_kind_is_required_and_known() {
        let src = "\
[[stop_ship]]
kind = \"open_findings\"
min_severity = \"high\"

[[stop_ship]]
kind = \"vibes\"
";
        assert_eq!(
            one(src, 6, "stop_ship[1].kind"),
            "unknown stop-ship kind 'vibes'; kinds: open_findings, unmitigated_risks, golden_path, overdue_risks"
        );
        let src = "\
[sla_days]
high = 30

[[stop_ship]]
id = \"no-kind\"
";
        let m = one(src, 4, "stop_ship[0].kind");
        assert!(m.starts_with("a criterion needs a kind"), "{m}");
    }

    #[test]
    fn stop_ship_required_fields_are_reported_at_the_criterion() {
        let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"secrets\"

[[stop_ship]]
kind = \"open_findings\"
environment = \"staging\"
";
        assert_eq!(
            one(src, 5, "stop_ship[1].min_severity"),
            "a criterion of kind 'open_findings' needs 'min_severity'"
        );
        let src = "[[stop_ship]]\nkind = \"overdue_risks\"\n";
        assert_eq!(one(src, 1, "stop_ship[0].min_score"), "a criterion of kind 'overdue_risks' needs 'min_score'");
        let src = "[[stop_ship]]\nkind = \"open_findings\"\nmin_severity = \"severe\"\n";
        let m = one(src, 3, "stop_ship[0].min_severity");
        assert_eq!(m, "unknown severity 'severe'; severities: critical, high, medium, low, info");
    }

    #[test]
    fn stop_ship_values_are_checked() {
        let src = "\
[[stop_ship]]
kind = \"unmitigated_risks\"
tags = []
min_score = 12
";
        let m = one(src, 3, "stop_ship[0].tags");
        assert!(m.starts_with("list at least one tag"), "{m}");

        let src = "\
[[stop_ship]]
kind = \"unmitigated_risks\"
tags = [\"legal\", \"Legal Stuff\"]
min_score = 30
";
        let ps = problems(src);
        assert_eq!(ps.len(), 2, "{ps:#?}");
        assert_eq!((ps[0].line, ps[0].path.as_str()), (3, "stop_ship[0].tags[1]"));
        assert_eq!((ps[1].line, ps[1].path.as_str()), (4, "stop_ship[0].min_score"));
        assert_eq!(ps[1].message, "min_score must be a risk score from 1 to 25; got 30");

        let src = "[[stop_ship]]\nkind = \"overdue_risks\"\nmin_score = 0\n";
        assert_eq!(one(src, 3, "stop_ship[0].min_score"), "min_score must be a risk score from 1 to 25; got 0");

        let src = "[[stop_ship]]\nid = \"Bad Id\"\nkind = \"overdue_risks\"\nmin_score = 5\n";
        assert!(one(src, 2, "stop_ship[0].id").starts_with("'Bad Id' is not a valid id"));

        let src = "\
[[stop_ship]]
id = \"gate\"
kind = \"overdue_risks\"
min_score = 5

[[stop_ship]]
id = \"gate\"
kind = \"overdue_risks\"
min_score = 9
";
        assert_eq!(one(src, 7, "stop_ship[1].id"), "id 'gate' is already used by stop_ship[0]; ids are unique");
    }

    #[test]
    fn a_criterion_that_references_nothing_is_refused() {
        let src = "\
[[stop_ship]]
kind = \"golden_path\"
path = \"blockchain\"
";
        let m = one(src, 3, "stop_ship[0].path");
        assert!(
            m.starts_with(
                "criterion 'golden_path' references golden path 'blockchain', which the policy does not define; \
                 defined: identity_access, "
            ),
            "{m}"
        );

        // A real golden path that this policy does not define.
        let src = "\
[golden_paths.secrets]
description = \"Secrets live in the vault.\"

[[stop_ship]]
id = \"logs\"
kind = \"golden_path\"
path = \"logging_monitoring\"
";
        assert_eq!(
            one(src, 7, "stop_ship[0].path"),
            "criterion 'logs' references golden path 'logging_monitoring', which the policy does not define; \
             defined: secrets"
        );

        // The default criterion, with golden paths that leave its path out: shown at the paths.
        let src = "\
[sla_days]
high = 30

[golden_paths.secrets]
description = \"Secrets live in the vault.\"
";
        let m = one(src, 4, "golden_paths");
        assert!(m.starts_with("criterion 'golden_path' references golden path 'logging_monitoring'"), "{m}");
    }

    #[test]
    fn golden_paths_given_replace_the_defaults_and_take_default_descriptions() {
        let src = "[golden_paths.secrets]\nrequired_for_tiers = [\"restricted\"]\n[golden_paths.logging_monitoring]\n";
        let p = Policy::from_toml(src).unwrap();
        assert_eq!(
            p.golden_paths.keys().copied().collect::<Vec<_>>(),
            [GoldenPath::Secrets, GoldenPath::LoggingMonitoring]
        );
        let secrets = p.golden_path(GoldenPath::Secrets).unwrap();
        assert_eq!(secrets.description, default_golden_path_description(GoldenPath::Secrets));
        assert!(secrets.required_for(DataTier::Restricted) && !secrets.required_for(DataTier::Public));
        assert!(p.golden_path(GoldenPath::LoggingMonitoring).unwrap().required_for(DataTier::Public));

        let src = "[golden_paths.logging_monitoring]\nrequired_for_tiers = [\"restricted\", \"secret\"]\n";
        let m = one(src, 2, "golden_paths.logging_monitoring.required_for_tiers[1]");
        assert!(m.starts_with("unknown data tier 'secret'; tiers: public, internal"), "{m}");
        let src = "[golden_paths.logging_monitoring]\ndescription = \"\"\n";
        assert_eq!(one(src, 2, "golden_paths.logging_monitoring.description"), "a golden path needs a description");
    }

    #[test]
    fn syntax_errors_carry_their_line() {
        let ps = problems("[sla_days]\nhigh = 30\nlow = \n");
        assert_eq!(ps.len(), 1, "{ps:#?}");
        assert_eq!((ps[0].line, ps[0].path.as_str()), (3, ""));
        assert!(ps[0].message.starts_with("TOML syntax: "), "{}", ps[0].message);
        let ps = problems("[sla_days]\nhigh = 30\n\nhigh = 40\n");
        assert_eq!(ps[0].line, 4, "{ps:#?}");
        assert!(ps[0].message.contains("duplicate key"), "{ps:#?}");
    }

    #[test]
    fn columns_count_characters_from_one() {
        let ps = problems("[sla_days]\n  high   = -3\n");
        assert_eq!((ps[0].line, ps[0].column), (2, 12));
        let line = r#"stop_ship = [{ kind = "golden_path", description = "ü€ – ok", path = "nope" }]"#;
        let ps = problems(&format!("# policy\n{line}\n"));
        let column = line[..line.find("\"nope\"").unwrap()].chars().count() + 1;
        assert_eq!((ps[0].line, ps[0].column, ps[0].path.as_str()), (2, column, "stop_ship[0].path"));
        assert_ne!(column, line.find("\"nope\"").unwrap() + 1, "the test needs multi-byte characters");
        let ps = problems("[golden_paths.secrets]\nnöpe = 1\n");
        assert_eq!((ps[0].line, ps[0].column), (2, 2), "a bare key must be ASCII: {ps:#?}");
        assert_eq!(line_column("é\nab", 5), (2, 3));
        assert_eq!(line_column("abc", 99), (1, 4));
    }

    #[test]
    fn every_problem_is_reported_together_in_file_order() {
        let src = "\
[decision_rights]
vibes = \"cto\"
policy_change = \"ciso\"

[sla_days]
high = -3
urgent = 2

[exceptions]
max_days = 400

[[stop_ship]]
kind = \"golden_path\"
path = \"blockchain\"

[[stop_ship]]
kind = \"unmitigated_risks\"
tags = []
min_score = 99
";
        let err = Policy::from_toml(src).unwrap_err();
        let at: Vec<_> = err.problems.iter().map(|p| (p.line, p.path.as_str())).collect();
        assert_eq!(
            at,
            [
                (2, "decision_rights.vibes"),
                (3, "decision_rights.policy_change"),
                (6, "sla_days.high"),
                (7, "sla_days.urgent"),
                (10, "exceptions.max_days"),
                (14, "stop_ship[0].path"),
                (18, "stop_ship[1].tags"),
                (19, "stop_ship[1].min_score"),
            ]
        );
        let text = err.to_string();
        assert!(text.starts_with("line 2: decision_rights.vibes: unknown decision category 'vibes'; "), "{text}");
        assert!(text.contains("\nline 6: sla_days.high: SLA days must be positive; got -3\n"), "{text}");
        let invalid: Invalid = err.into();
        assert_eq!(invalid.0.len(), 8);
        assert_eq!(invalid.0[2].field, "sla_days.high");
        assert_eq!(invalid.0[2].message, "line 6: SLA days must be positive; got -3");
    }

    #[test]
    fn validate_checks_a_policy_built_in_code() {
        let mut p = Policy::default();
        p.decision_rights.remove(&DecisionCategory::StopShip);
        p.sla_days.critical = 60;
        p.golden_paths.remove(&GoldenPath::LoggingMonitoring);
        let Invalid(errors) = p.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["decision_rights.stop_ship", "sla_days.critical", "stop_ship[2].path"]);
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip(
            critical in 1..=3650_i64,
            steps in (0..=3650_i64, 0..=3650_i64, 0..=3650_i64),
            kev in 1..=3650_i64,
            info in proptest::option::of(1..=3650_i64),
            max_acceptable in 1..=25_i64,
            above in 0..=24_i64,
            max_days in 1..=365_i64,
            lead in 0..365_i64,
            controls in any::<bool>(),
        ) {
            let high = (critical + steps.0).min(3650);
            let medium = (high + steps.1).min(3650);
            let low = (medium + steps.2).min(3650);
            let p = Policy {
                sla_days: SlaDays { critical, high, medium, low, kev, info },
                risk_appetite: RiskAppetite {
                    escalation_score: (max_acceptable + above).min(25),
                    max_acceptable_score: max_acceptable,
                },
                exceptions: ExceptionRules {
                    max_days,
                    compensating_controls_required: controls,
                    review_lead_days: lead % max_days,
                },
                ..Policy::default()
            };
            prop_assert_eq!(p.validate(), Ok(()));
            let text = p.to_toml();
            prop_assert_eq!(Policy::from_toml(&text), Ok(p));
        }
    }
}
