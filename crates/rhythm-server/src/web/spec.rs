//! What each register's pages show and ask for. The forms turn into the same JSON the API
//! takes, so the web UI goes through exactly the API's validation.

use rhythm_domain::enums::options;
use rhythm_domain::{
    DataTier, DesignReviewStatus, Environment, EpicStatus, FindingStatus, GoldenPath, InitiativeStatus, ItemStatus,
    Kind, ReleaseStatus, RiskStatus, Severity, Stage, SystemStatus, VendorStatus, WorkKind,
};

/// How a field is entered and shown.
#[derive(Clone, Copy)]
pub enum FieldKind {
    Text,
    LongText {
        rows: u8,
    },
    Int,
    /// A 1–5 scale with a word for each step.
    Scale(&'static [&'static str; 5]),
    Date,
    /// Shown and entered in UTC.
    DateTime,
    Bool,
    Enum(fn() -> Vec<(&'static str, &'static str)>),
    EnumSet(fn() -> Vec<(&'static str, &'static str)>),
    Ref(Kind),
    Refs(Kind),
    User,
    Tags,
}

/// One field of a register's form and detail page.
#[derive(Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// Must be given on create.
    pub required: bool,
    /// Empty means null (clears it), rather than "not given".
    pub nullable: bool,
    /// Asked for when creating (some fields only change later, like status).
    pub on_create: bool,
    /// Shown on the detail page only: set by the system (scanner imports), never in a form.
    pub read_only: bool,
    pub hint: &'static str,
}

const fn f(name: &'static str, label: &'static str, kind: FieldKind) -> Field {
    Field { name, label, kind, required: false, nullable: false, on_create: true, read_only: false, hint: "" }
}

impl Field {
    const fn req(mut self) -> Self {
        self.required = true;
        self
    }
    const fn null(mut self) -> Self {
        self.nullable = true;
        self
    }
    const fn later(mut self) -> Self {
        self.on_create = false;
        self
    }
    const fn read_only(mut self) -> Self {
        self.read_only = true;
        self.on_create = false;
        self
    }
    const fn hint(mut self, h: &'static str) -> Self {
        self.hint = h;
        self
    }
}

pub const IMPACT: [&str; 5] = ["Negligible", "Minor", "Moderate", "Major", "Severe"];
pub const LIKELIHOOD: [&str; 5] = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"];

/// A filter offered above a list.
pub struct FilterSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
}

/// Everything the generic pages need to know about a register.
pub struct Spec {
    /// The field shown as the entry's title.
    pub title_field: &'static str,
    pub fields: Vec<Field>,
    /// Columns of the list, after reference and title.
    pub columns: &'static [&'static str],
    pub filters: Vec<FilterSpec>,
    pub lede: &'static str,
}

impl Spec {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

use FieldKind::{Bool, Date, DateTime, Enum, EnumSet, Int, LongText, Ref, Refs, Scale, Tags, Text, User};

pub fn spec(kind: Kind) -> Spec {
    match kind {
        // Not registers: their pages are their own, and the generic pages refuse them.
        Kind::Decision | Kind::Exception | Kind::Import => {
            Spec { title_field: "title", fields: Vec::new(), columns: &[], filters: Vec::new(), lede: "" }
        }
        Kind::System => Spec {
            title_field: "name",
            fields: vec![
                f("name", "Name", Text).req().hint("Unique in the workspace, e.g. payments-api"),
                f("owner_team", "Owner team", Text).req(),
                f("tier", "Data sensitivity", Enum(options::<DataTier>)).req(),
                f("golden_paths", "Golden paths followed", EnumSet(options::<GoldenPath>)),
                f("description", "Description", LongText { rows: 3 }),
                f("status", "Status", Enum(options::<SystemStatus>)).later(),
            ],
            columns: &["owner_team", "tier", "golden_paths", "status"],
            filters: vec![
                FilterSpec { name: "status", label: "Status", kind: Enum(options::<SystemStatus>) },
                FilterSpec { name: "tier", label: "Tier", kind: Enum(options::<DataTier>) },
                FilterSpec { name: "golden_path", label: "Follows", kind: Enum(options::<GoldenPath>) },
            ],
            lede: "Products and services, their owners, data sensitivity and the golden paths they follow.",
        },
        Kind::Risk => Spec {
            title_field: "statement",
            fields: vec![
                f("statement", "Statement", LongText { rows: 2 })
                    .req()
                    .hint("Two lines at most: what could happen, to whom. A longer one is probably several risks."),
                f("impact", "Impact", Scale(&IMPACT)).req(),
                f("likelihood", "Likelihood", Scale(&LIKELIHOOD)).req(),
                f("status", "Status", Enum(options::<RiskStatus>)),
                f("found_stage", "Found at", Enum(options::<Stage>)).req(),
                f("owner_id", "Owner", User).null(),
                f("due_date", "Due", Date).null().hint("Not before today"),
                f("mitigation", "Mitigation", LongText { rows: 3 }),
                f("tags", "Tags", Tags).hint("Comma separated, e.g. customer-harm, legal, regulatory"),
                f("system_ids", "Systems", Refs(Kind::System)),
                f("backlog_item_ids", "Backlog items", Refs(Kind::BacklogItem)),
                f("external_id", "External id", Text).null().hint("Key in the spreadsheet or tool it came from"),
            ],
            columns: &["score", "status", "owner_id", "due_date", "found_stage"],
            filters: vec![
                FilterSpec { name: "status", label: "Status", kind: Enum(options::<RiskStatus>) },
                FilterSpec { name: "owner", label: "Owner", kind: User },
                FilterSpec { name: "system", label: "System", kind: Ref(Kind::System) },
                FilterSpec { name: "found_stage", label: "Found at", kind: Enum(options::<Stage>) },
            ],
            lede: "The shared risk register: one list the CISO and the CTO both own.",
        },
        Kind::BacklogItem => Spec {
            title_field: "title",
            fields: vec![
                f("title", "Title", Text).req(),
                f("kind", "Kind", Enum(options::<WorkKind>)).req(),
                f("status", "Status", Enum(options::<ItemStatus>)),
                f("epic_id", "Epic", Ref(Kind::Epic)).null(),
                f("system_id", "System", Ref(Kind::System)).null(),
                f("assignee_id", "Assignee", User).null(),
                f("points", "Points", Int).null(),
                f("rank", "Rank", Int).hint("Lower comes first in the shared backlog"),
                f("due_date", "Due", Date).null(),
                f("description", "Description", LongText { rows: 4 }),
                f("external_key", "Tracker key", Text).null().hint("e.g. PAY-142"),
                f("external_url", "Tracker link", Text).null(),
            ],
            columns: &["kind", "status", "epic_id", "assignee_id", "points"],
            filters: vec![
                FilterSpec { name: "kind", label: "Kind", kind: Enum(options::<WorkKind>) },
                FilterSpec { name: "status", label: "Status", kind: Enum(options::<ItemStatus>) },
                FilterSpec { name: "epic", label: "Epic", kind: Ref(Kind::Epic) },
                FilterSpec { name: "system", label: "System", kind: Ref(Kind::System) },
            ],
            lede: "One shared backlog for feature, security, reliability and tech-debt work, in one order.",
        },
        Kind::Initiative => Spec {
            title_field: "name",
            fields: vec![
                f("name", "Name", Text).req(),
                f("business_goal", "Business goal", LongText { rows: 2 }).req(),
                f("reduces_or_enables", "Reduces or enables", LongText { rows: 2 })
                    .hint("The risk or toil it reduces, the deals or launches it enables"),
                f("status", "Status", Enum(options::<InitiativeStatus>)),
                f("target_quarter", "Target quarter", Text).null().hint("e.g. 2026-Q3"),
            ],
            columns: &["status", "target_quarter", "business_goal"],
            filters: vec![FilterSpec { name: "status", label: "Status", kind: Enum(options::<InitiativeStatus>) }],
            lede: "Roadmap initiatives, with security work shown as enablement.",
        },
        Kind::Epic => Spec {
            title_field: "name",
            fields: vec![
                f("name", "Name", Text).req(),
                f("initiative_id", "Initiative", Ref(Kind::Initiative)).null(),
                f("description", "Description", LongText { rows: 3 }),
                f("status", "Status", Enum(options::<EpicStatus>)).later(),
            ],
            columns: &["initiative_id", "status"],
            filters: vec![
                FilterSpec { name: "status", label: "Status", kind: Enum(options::<EpicStatus>) },
                FilterSpec { name: "initiative", label: "Initiative", kind: Ref(Kind::Initiative) },
            ],
            lede: "Epics group backlog items toward one outcome.",
        },
        Kind::Release => Spec {
            title_field: "name",
            fields: vec![
                f("name", "Name", Text).req(),
                f("system_id", "System", Ref(Kind::System)).null(),
                f("planned_date", "Planned", Date).req(),
                f("shipped_date", "Shipped", Date).null(),
                f("status", "Status", Enum(options::<ReleaseStatus>)),
                f("planned_items", "Items planned", Int),
                f("shipped_items", "Items shipped", Int).null(),
                f("planned_scope", "Planned scope", LongText { rows: 3 }),
                f("shipped_scope", "Shipped scope", LongText { rows: 3 }),
                f("slip_reason", "Why it slipped", LongText { rows: 2 })
                    .null()
                    .hint("Required when it shipped after the planned date"),
                f("external_id", "External id", Text).null(),
            ],
            columns: &["system_id", "planned_date", "shipped_date", "status"],
            filters: vec![
                FilterSpec { name: "status", label: "Status", kind: Enum(options::<ReleaseStatus>) },
                FilterSpec { name: "system", label: "System", kind: Ref(Kind::System) },
            ],
            lede: "What was planned, what shipped, and why anything slipped.",
        },
        Kind::Incident => Spec {
            title_field: "title",
            fields: vec![
                f("title", "Title", Text).req(),
                f("severity", "Severity", Enum(options::<Severity>)).req(),
                f("started_at", "Started (UTC)", DateTime).req(),
                f("detected_at", "Detected (UTC)", DateTime).null(),
                f("contained_at", "Contained (UTC)", DateTime).null(),
                f("resolved_at", "Resolved (UTC)", DateTime).null(),
                f("customer_impact", "Customers were affected", Bool),
                f("impact_summary", "Impact", LongText { rows: 2 }),
                f("learnings", "Learnings", LongText { rows: 4 }),
                f("system_ids", "Systems", Refs(Kind::System)),
                f("external_id", "External id", Text).null(),
            ],
            columns: &["severity", "started_at", "resolved_at", "customer_impact"],
            filters: vec![
                FilterSpec { name: "severity", label: "Severity", kind: Enum(options::<Severity>) },
                FilterSpec { name: "system", label: "System", kind: Ref(Kind::System) },
                FilterSpec { name: "open", label: "Open only", kind: Bool },
            ],
            lede: "When each incident started, was detected, contained and resolved, and what we learned.",
        },
        Kind::AuditFinding => Spec {
            title_field: "title",
            fields: vec![
                f("title", "Title", Text).req(),
                f("framework", "Framework", Text).req().hint("e.g. SOC 2, ISO 27001"),
                f("control_ref", "Control", Text).req().hint("e.g. CC6.1, A.8.15"),
                f("severity", "Severity", Enum(options::<Severity>)).req(),
                f("opened_on", "Opened", Date).req(),
                f("closed_on", "Closed", Date).null(),
                f("repeat_of", "Repeat of", Ref(Kind::AuditFinding)).null(),
                f("external_id", "External id", Text).null(),
            ],
            columns: &["framework", "control_ref", "severity", "opened_on", "closed_on"],
            filters: vec![
                FilterSpec { name: "severity", label: "Severity", kind: Enum(options::<Severity>) },
                FilterSpec { name: "open", label: "Open only", kind: Bool },
            ],
            lede: "Findings from SOC 2, ISO 27001 and internal audits, and which ones repeat.",
        },
        Kind::Finding => Spec {
            title_field: "title",
            fields: vec![
                f("title", "Title", Text).req(),
                f("system_id", "System", Ref(Kind::System)).null(),
                f("tool", "Tool", Text).req().hint("The scanner or source: trivy, semgrep, pentest, …"),
                f("rule", "Rule or CVE", Text).req().hint("e.g. CVE-2024-3094 or js/sql-injection"),
                f("severity", "Severity", Enum(options::<Severity>)).req(),
                f("environment", "Environment", Enum(options::<Environment>)).req(),
                f("component", "Component", Text).hint("Package and version, or file and line"),
                f("kev", "Known exploited (KEV)", Bool),
                f("first_seen", "First seen (UTC)", DateTime).hint("Now when left empty"),
                f("status", "Status", Enum(options::<FindingStatus>)).later(),
                f("fixed_at", "Fixed (UTC)", DateTime).null().later(),
                f("external_id", "External id", Text).null(),
                f("last_seen", "Last seen by a scanner (UTC)", DateTime).read_only(),
                f("location", "Location", Text).read_only(),
                f("installed_version", "Installed version", Text).read_only(),
                f("fixed_version", "Fixed in version", Text).read_only(),
                f("suppression", "Suppressed by the scanner", Text).read_only(),
            ],
            columns: &["system_id", "severity", "environment", "rule", "status", "first_seen"],
            filters: vec![
                FilterSpec { name: "status", label: "Status", kind: Enum(options::<FindingStatus>) },
                FilterSpec { name: "severity", label: "Severity", kind: Enum(options::<Severity>) },
                FilterSpec { name: "environment", label: "Environment", kind: Enum(options::<Environment>) },
                FilterSpec { name: "system", label: "System", kind: Ref(Kind::System) },
            ],
            lede: "What scanners, pen tests and reviews found in each system; open ones at or above the policy's severity stop a release unless an exception covers them.",
        },
        Kind::DesignReview => Spec {
            title_field: "title",
            fields: vec![
                f("title", "The change", Text).req(),
                f("system_id", "System", Ref(Kind::System)).null(),
                f("golden_paths", "Golden paths it touches", EnumSet(options::<GoldenPath>)),
                f("review_date", "Architecture review on", Date).req(),
                f("data", "What data does it touch, and how sensitive is it?", LongText { rows: 3 }),
                f("auth", "How are callers authenticated and authorized?", LongText { rows: 3 }),
                f("secrets", "Where are its secrets stored, how are they rotated and audited?", LongText { rows: 3 }),
                f("logging", "What is logged for detection and forensics?", LongText { rows: 3 }),
                f("abuse", "What are the abuse cases, and the defenses against them?", LongText { rows: 3 }),
            ],
            columns: &["system_id", "review_date", "status"],
            filters: vec![
                FilterSpec { name: "status", label: "Outcome", kind: Enum(options::<DesignReviewStatus>) },
                FilterSpec { name: "system", label: "System", kind: Ref(Kind::System) },
            ],
            lede: "Changes on the monthly architecture review: the five questions answered, ending in a decision or a spike with a deadline.",
        },
        Kind::Vendor => Spec {
            title_field: "name",
            fields: vec![
                f("name", "Name", Text).req(),
                f("purpose", "Purpose", LongText { rows: 2 }).req(),
                f("data_tier", "Most sensitive data", Enum(options::<DataTier>)).req(),
                f("status", "Status", Enum(options::<VendorStatus>)),
                f("data_flows", "Data flows", LongText { rows: 3 }),
                f("access_model", "Access model", LongText { rows: 2 }),
                f("breach_clause", "Breach clause", LongText { rows: 2 }),
                f("breach_notification_hours", "Breach notice (hours)", Int).null(),
                f("questionnaire", "Questionnaire answers", LongText { rows: 4 }),
            ],
            columns: &["data_tier", "status", "breach_notification_hours"],
            filters: vec![
                FilterSpec { name: "status", label: "Status", kind: Enum(options::<VendorStatus>) },
                FilterSpec { name: "data_tier", label: "Data tier", kind: Enum(options::<DataTier>) },
            ],
            lede: "Vendors and third-party integrations: what data they get and what the contract promises.",
        },
    }
}
