//! Deterministic demo data: "Northwind Ledger", a 200-person B2B SaaS company selling
//! payments and invoicing software, with 18 months of history up to an anchor date.
//!
//! Pure: no IO, no clock, no database. [`generate`] takes a seed and the anchor ("today") and
//! returns domain *inputs* with the creation time the store should use as "now" for each row.
//! The same seed and anchor always give identical data.
//!
//! Ids are assigned later by the store, so every link is an index into the vectors of
//! [`DemoData`]: `DemoRisk::owner` indexes `users`, `DemoRisk::systems` indexes `systems`,
//! `DemoRisk::backlog_items` indexes `items`, and so on. The id fields inside the inputs
//! (`owner_id`, `system_ids`, `epic_id`, `repeat_of`, ...) are always left empty; the seeder fills
//! them from the indexes once the linked rows exist.
//!
//! Every vector is ordered by creation time where that matters for human references (items,
//! risks, releases, incidents and audit findings are in chronological order, so `ITEM-1` is the
//! oldest item), and every link points at a row that is created no later than the row linking
//! to it, except risk → backlog item and incident → follow-up item links, which the seeder
//! should write once both rows exist.
//!
//! All timestamps are in UTC and strictly before the anchor date (midnight UTC).

use std::collections::{BTreeMap, BTreeSet};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rhythm_domain::GoldenPath as G;
use rhythm_domain::WorkKind as K;
use rhythm_domain::{
    AuditFindingInput, BacklogItemInput, DataTier, Environment, EpicInput, FindingInput, IncidentInput,
    InitiativeInput, InitiativeStatus, ItemStatus, ReleaseInput, ReleaseStatus, RiskInput, RiskStatus, RiskUpdateInput,
    Role, Severity, Stage, SystemInput, VendorInput, VendorStatus, WorkKind,
};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// A person to create in the workspace.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// A risk with its links and history.
#[derive(Debug, Clone)]
pub struct DemoRisk {
    /// The risk in its *current* state; `owner_id`, `system_ids`, `backlog_item_ids` are empty.
    pub input: RiskInput,
    /// Index into [`DemoData::users`].
    pub owner: Option<usize>,
    /// Indexes into [`DemoData::systems`].
    pub systems: Vec<usize>,
    /// Indexes into [`DemoData::items`].
    pub backlog_items: Vec<usize>,
    /// When the risk was registered. `input.due_date` is never before this date.
    pub created: OffsetDateTime,
    /// When the risk was closed, for risks whose status is `closed` (after `created`, before
    /// the anchor). A seeder that wants a true `closed_at` creates the risk with another status
    /// and closes it at this time.
    pub closed: Option<OffsetDateTime>,
    /// Four-line updates in time order, each strictly after `created`, written by `owner`.
    pub updates: Vec<(OffsetDateTime, RiskUpdateInput)>,
}

/// An epic of the roadmap.
#[derive(Debug, Clone)]
pub struct DemoEpic {
    /// `initiative_id` is empty.
    pub input: EpicInput,
    /// Index into [`DemoData::initiatives`].
    pub initiative: Option<usize>,
    /// Not before the initiative's creation.
    pub created: OffsetDateTime,
}

/// An item of the shared backlog.
#[derive(Debug, Clone)]
pub struct DemoItem {
    /// `epic_id`, `system_id`, `assignee_id` are empty; `rank` is left to the store.
    pub input: BacklogItemInput,
    /// Index into [`DemoData::epics`]; `None` for unplanned work such as incident follow-ups.
    pub epic: Option<usize>,
    /// Index into [`DemoData::systems`].
    pub system: Option<usize>,
    /// Index into [`DemoData::users`].
    pub assignee: Option<usize>,
    /// Not before the epic's creation.
    pub created: OffsetDateTime,
    /// When it was finished, for items whose status is `done` (after `created`).
    pub done: Option<OffsetDateTime>,
}

/// A release of one system.
#[derive(Debug, Clone)]
pub struct DemoRelease {
    /// `system_id` is empty.
    pub input: ReleaseInput,
    /// Index into [`DemoData::systems`].
    pub system: Option<usize>,
    /// Before the planned date (and before the anchor).
    pub created: OffsetDateTime,
}

/// An incident.
#[derive(Debug, Clone)]
pub struct DemoIncident {
    /// `system_ids` is empty.
    pub input: IncidentInput,
    /// Indexes into [`DemoData::systems`].
    pub systems: Vec<usize>,
    /// When it was declared: shortly after `detected_at`.
    pub created: OffsetDateTime,
    /// The backlog actions the post-incident review created: indexes into [`DemoData::items`].
    pub follow_ups: Vec<usize>,
}

/// A finding of an external audit.
#[derive(Debug, Clone)]
pub struct DemoAuditFinding {
    /// `repeat_of` is empty.
    pub input: AuditFindingInput,
    /// Index of the earlier finding (in [`DemoData::audit_findings`]) this one repeats; always
    /// smaller than the finding's own index.
    pub repeat_of: Option<usize>,
    /// On or shortly after `opened_on`.
    pub created: OffsetDateTime,
}

/// A security finding: its system, when it was found and, if so, when it was fixed.
#[derive(Debug, Clone)]
pub struct DemoFinding {
    pub input: FindingInput,
    /// Index into [`DemoData::systems`].
    pub system: usize,
    pub created: OffsetDateTime,
    pub fixed: Option<OffsetDateTime>,
}

/// Everything [`generate`] makes.
#[derive(Debug, Clone)]
pub struct DemoData {
    pub workspace_name: String,
    /// When the workspace was set up: before every other `created` time.
    pub workspace_created: OffsetDateTime,
    /// Exactly one CISO (index 0) and one CTO (index 1).
    pub users: Vec<DemoUser>,
    pub systems: Vec<(SystemInput, OffsetDateTime)>,
    pub initiatives: Vec<(InitiativeInput, OffsetDateTime)>,
    pub epics: Vec<DemoEpic>,
    pub items: Vec<DemoItem>,
    pub risks: Vec<DemoRisk>,
    pub releases: Vec<DemoRelease>,
    pub incidents: Vec<DemoIncident>,
    pub audit_findings: Vec<DemoAuditFinding>,
    pub vendors: Vec<(VendorInput, OffsetDateTime)>,
    pub findings: Vec<DemoFinding>,
}

/// Generates the demo company from `seed`, with `anchor` as "today": history runs about
/// 18 months back, a few releases are planned up to two months ahead.
pub fn generate(seed: u64, anchor: Date) -> DemoData {
    let mut g = Gen { rng: ChaCha8Rng::seed_from_u64(seed), anchor };
    let jitter = g.rng.gen_range(0..10);
    let start = g.day(-620 - jitter);
    let workspace_created = g.at_work(start);
    let users = users();
    let systems = g.systems(workspace_created);
    let initiatives = g.initiatives(workspace_created);
    let epics = g.epics(&initiatives);
    let mut items = g.epic_items(&epics);
    let mut incidents = g.incidents(&mut items);
    let items = g.order_items(items, &mut incidents);
    let risks = g.risks(workspace_created, &items);
    let releases = g.releases(&systems, &items);
    let audit_findings = g.audit_findings();
    let vendors = g.vendors();
    let findings = g.findings();
    DemoData {
        workspace_name: "Northwind Ledger".to_owned(),
        workspace_created,
        users,
        systems,
        initiatives,
        epics,
        items,
        risks,
        releases,
        incidents,
        audit_findings,
        vendors,
        findings,
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabularies
// ---------------------------------------------------------------------------------------------

const PAY: usize = 0;
const BILL: usize = 1;
const IDN: usize = 2;
const LED: usize = 3;
const GW: usize = 4;
const DW: usize = 5;
const REP: usize = 6;
const NOTIF: usize = 7;
const INTG: usize = 8;
const MOB: usize = 9;
const ADM: usize = 10;
const WEB: usize = 11;

const CISO: usize = 0;
const CTO: usize = 1;
const SEC_LEAD: usize = 2;
const ENG_LEAD: usize = 3;
const DELIVERY: usize = 4;
const ENGINEERS: &[usize] = &[5, 6, 7, 8];

const USERS: &[(&str, &str, Role)] = &[
    ("Priya Raman", "priya.raman", Role::Ciso),
    ("Daniel Okafor", "daniel.okafor", Role::Cto),
    ("Mei Tanaka", "mei.tanaka", Role::SecurityLead),
    ("Lucas Brennan", "lucas.brennan", Role::EngineeringLead),
    ("Sofia Alvarez", "sofia.alvarez", Role::Delivery),
    ("Jonas Weber", "jonas.weber", Role::Engineer),
    ("Aisha Khan", "aisha.khan", Role::Engineer),
    ("Tom Lindqvist", "tom.lindqvist", Role::Engineer),
    ("Grace Mensah", "grace.mensah", Role::Engineer),
    ("Olivia Chen", "olivia.chen", Role::Viewer),
    ("Robert Hale", "robert.hale", Role::Board),
];

struct SystemSpec {
    name: &'static str,
    description: &'static str,
    team: &'static str,
    tier: DataTier,
    paths: &'static [G],
    /// Tracker project key.
    project: &'static str,
    /// Relative release frequency.
    weight: u32,
    /// First version number (major, minor).
    version: (u32, u32),
}

const SYSTEMS: &[SystemSpec] = &[
    SystemSpec {
        name: "payments-api",
        description: "Card and bank payment orchestration: authorisations, captures, refunds and payouts through the payment processor.",
        team: "Payments",
        tier: DataTier::Restricted,
        paths: G::ALL,
        project: "PAY",
        weight: 3,
        version: (3, 4),
    },
    SystemSpec {
        name: "billing-web",
        description: "Customer-facing invoicing web app: invoices, quotes, dunning and the customer payment portal.",
        team: "Billing",
        tier: DataTier::Confidential,
        paths: &[G::IdentityAccess, G::Secrets, G::LoggingMonitoring, G::ApiStandards, G::DataStorage, G::CiCd],
        project: "BILL",
        weight: 4,
        version: (7, 12),
    },
    SystemSpec {
        name: "identity-service",
        description: "Sign-in for customers and staff: passwords, MFA, SAML and OIDC single sign-on, sessions and API keys.",
        team: "Platform Identity",
        tier: DataTier::Restricted,
        paths: G::ALL,
        project: "IAM",
        weight: 2,
        version: (2, 8),
    },
    SystemSpec {
        name: "ledger-core",
        description: "Double-entry ledger and daily bank reconciliation behind every balance and payout.",
        team: "Ledger",
        tier: DataTier::Restricted,
        paths: &[G::IdentityAccess, G::Secrets, G::LoggingMonitoring, G::ApiStandards, G::DataStorage, G::CiCd],
        project: "LED",
        weight: 1,
        version: (1, 19),
    },
    SystemSpec {
        name: "public-api-gateway",
        description: "Edge gateway for the public REST API: API-key authentication, rate limiting, routing and TLS.",
        team: "Platform",
        tier: DataTier::Confidential,
        paths: &[G::IdentityAccess, G::Secrets, G::LoggingMonitoring, G::ApiStandards, G::CiCd],
        project: "PLAT",
        weight: 1,
        version: (4, 2),
    },
    SystemSpec {
        name: "data-warehouse",
        description: "Analytics warehouse fed by change-data-capture from the production databases; used by finance and product analytics.",
        team: "Data",
        tier: DataTier::Confidential,
        paths: &[G::IdentityAccess, G::Secrets, G::DataStorage, G::CiCd],
        project: "DATA",
        weight: 1,
        version: (1, 3),
    },
    SystemSpec {
        name: "reporting-service",
        description: "Scheduled financial reports and CSV/PDF exports that customers download or receive by e-mail.",
        team: "Data",
        tier: DataTier::Confidential,
        paths: &[G::IdentityAccess, G::Secrets, G::ApiStandards, G::DataStorage, G::CiCd],
        project: "DATA",
        weight: 2,
        version: (2, 5),
    },
    SystemSpec {
        name: "notifications",
        description: "E-mail, SMS and webhook delivery for invoice, payment and account events.",
        team: "Platform",
        tier: DataTier::Internal,
        paths: &[G::Secrets, G::ApiStandards, G::ThirdParty, G::CiCd],
        project: "PLAT",
        weight: 1,
        version: (1, 27),
    },
    SystemSpec {
        name: "integrations-hub",
        description: "Connectors to customers' ERP and accounting tools (NetSuite, Xero, QuickBooks) with scheduled two-way sync.",
        team: "Integrations",
        tier: DataTier::Confidential,
        paths: &[G::IdentityAccess, G::Secrets, G::LoggingMonitoring, G::ApiStandards, G::ThirdParty, G::CiCd],
        project: "INT",
        weight: 2,
        version: (0, 14),
    },
    SystemSpec {
        name: "mobile-app",
        description: "iOS and Android app for approving invoices and expenses and checking cash position on the go.",
        team: "Mobile",
        tier: DataTier::Confidential,
        paths: &[G::IdentityAccess, G::LoggingMonitoring, G::ApiStandards, G::CiCd],
        project: "MOB",
        weight: 3,
        version: (4, 10),
    },
    SystemSpec {
        name: "admin-console",
        description: "Internal back-office console for support and finance operations: tenant lookup, refunds, account changes.",
        team: "Internal Tools",
        tier: DataTier::Restricted,
        paths: &[G::IdentityAccess, G::Secrets, G::LoggingMonitoring],
        project: "OPS",
        weight: 1,
        version: (1, 6),
    },
    SystemSpec {
        name: "marketing-site",
        description: "Public marketing website, pricing and documentation, statically built and served from a CDN.",
        team: "Growth",
        tier: DataTier::Public,
        paths: &[G::ThirdParty, G::CiCd],
        project: "WEB",
        weight: 1,
        version: (5, 0),
    },
];

struct InitiativeSpec {
    name: &'static str,
    goal: &'static str,
    reduces_or_enables: &'static str,
    status: InitiativeStatus,
    /// Days before the anchor it was created.
    created_days_ago: i64,
    /// Days after the anchor of its target quarter (negative: in the past).
    target_in_days: i64,
}

const INITIATIVES: &[InitiativeSpec] = &[
    InitiativeSpec {
        name: "SOC 2 Type II renewal and ISO 27001 certification",
        goal: "Keep enterprise deals moving: 60% of the pipeline above $50k ARR asks for a SOC 2 Type II report and ISO 27001.",
        reduces_or_enables: "Enables enterprise procurement without bespoke security reviews; reduces security questionnaire effort by about 300 hours a year.",
        status: InitiativeStatus::Active,
        created_days_ago: 600,
        target_in_days: 60,
    },
    InitiativeSpec {
        name: "Enterprise single sign-on and SCIM",
        goal: "Win the enterprise tier: SSO was a hard requirement in 8 of the last 10 lost enterprise deals.",
        reduces_or_enables: "Enables the enterprise plan; reduces account-takeover risk from reused passwords and late leaver deprovisioning.",
        status: InitiativeStatus::Done,
        created_days_ago: 585,
        target_in_days: -250,
    },
    InitiativeSpec {
        name: "Payments resilience: multi-region failover",
        goal: "Meet the 99.95% monthly availability commitment in the new enterprise master services agreement.",
        reduces_or_enables: "Reduces the impact of a regional cloud outage from hours of failed payments to minutes; enables the enterprise SLA.",
        status: InitiativeStatus::Active,
        created_days_ago: 470,
        target_in_days: 100,
    },
    InitiativeSpec {
        name: "Paved road: secrets, logging and CI controls",
        goal: "Ship faster with fewer manual security reviews: teams on the golden paths skip the secrets and logging review.",
        reduces_or_enables: "Reduces leaked-credential and undetected-abuse risk; enables same-day launch-readiness verdicts from CI.",
        status: InitiativeStatus::Active,
        created_days_ago: 420,
        target_in_days: 30,
    },
    InitiativeSpec {
        name: "Invoicing 2.0: quotes to cash",
        goal: "Grow net revenue retention to 115% by expanding self-serve invoicing for mid-market customers.",
        reduces_or_enables: "Enables the quotes, recurring billing and ERP sync upsell; reduces manual finance work for customers.",
        status: InitiativeStatus::Active,
        created_days_ago: 340,
        target_in_days: 120,
    },
    InitiativeSpec {
        name: "Embedded payments launch in the EU",
        goal: "Open the EU market: embedded card payments for about 2,000 existing EU customers.",
        reduces_or_enables: "Enables EU revenue; requires strong customer authentication (PSD2) and EU data residency before launch.",
        status: InitiativeStatus::Proposed,
        created_days_ago: 150,
        target_in_days: 210,
    },
];

struct EpicSpec {
    name: &'static str,
    description: &'static str,
    initiative: usize,
    systems: &'static [usize],
    /// Tracker project of its items.
    project: &'static str,
    items: &'static [(&'static str, WorkKind)],
}

const EPICS: &[EpicSpec] = &[
    EpicSpec {
        name: "Evidence automation for SOC 2 controls",
        description: "Collect audit evidence from the systems that produce it instead of screenshots and spreadsheets.",
        initiative: 0,
        systems: &[],
        project: "SEC",
        items: &[
            ("Export quarterly access review evidence from identity-service", K::Security),
            ("Automate change-management evidence from merged pull requests", K::Security),
            ("Collect backup restore drill evidence automatically", K::Reliability),
            ("Map SOC 2 common criteria to systems and owners", K::Security),
            ("Daily evidence of MFA enforcement for all staff accounts", K::Security),
            ("Evidence pack for vulnerability remediation SLAs", K::Security),
            ("Document the risk assessment process for CC3.2", K::Security),
            ("Retire the evidence spreadsheet after migration", K::TechDebt),
        ],
    },
    EpicSpec {
        name: "Access reviews and joiner-mover-leaver",
        description: "Access follows employment: granted on joining, changed on moving team, removed on leaving, reviewed every quarter.",
        initiative: 0,
        systems: &[IDN, ADM],
        project: "SEC",
        items: &[
            ("Quarterly access review workflow for production databases", K::Security),
            ("SCIM deprovisioning from the HR system for leavers", K::Security),
            ("Orphaned account report across SaaS tools", K::Security),
            ("Remove shared admin accounts from admin-console", K::Security),
            ("Role catalogue for support, finance operations and engineering", K::Security),
            ("Just-in-time production access through the bastion", K::Security),
            ("Mover flow: drop old team permissions within 24 hours", K::Security),
            ("Access review reminders and escalation to managers", K::Feature),
        ],
    },
    EpicSpec {
        name: "Vendor risk management programme",
        description: "Every vendor that touches customer data is reviewed, contracted with breach terms and re-reviewed yearly.",
        initiative: 0,
        systems: &[],
        project: "SEC",
        items: &[
            ("Vendor register with data tier and breach clause for every sub-processor", K::Security),
            ("Security questionnaire template based on SIG Lite", K::Security),
            ("Annual review reminders for approved vendors", K::Security),
            ("Publish the sub-processor list on the trust page", K::Feature),
            ("Offboard unused marketing tools that hold customer data", K::Security),
            ("Contract clause library for breach notification terms", K::Security),
        ],
    },
    EpicSpec {
        name: "SAML and OIDC single sign-on",
        description: "Enterprise customers sign in through their own identity provider.",
        initiative: 1,
        systems: &[IDN],
        project: "IAM",
        items: &[
            ("SAML 2.0 service provider with signed assertions only", K::Feature),
            ("OIDC sign-in for Google Workspace and Microsoft Entra ID", K::Feature),
            ("SSO configuration screen for workspace admins", K::Feature),
            ("Enforce SSO-only sign-in per tenant", K::Security),
            ("Just-in-time user creation from SSO claims", K::Feature),
            ("SAML conformance tests in CI", K::Security),
            ("IdP metadata refresh and certificate rollover alerts", K::Reliability),
            ("Bind session lifetime to the IdP session", K::Security),
        ],
    },
    EpicSpec {
        name: "SCIM user provisioning",
        description: "Customers' identity providers create, update and remove users automatically.",
        initiative: 1,
        systems: &[IDN],
        project: "IAM",
        items: &[
            ("SCIM 2.0 Users endpoint", K::Feature),
            ("SCIM Groups mapped to Northwind roles", K::Feature),
            ("Deprovisioning revokes sessions and API keys", K::Security),
            ("SCIM token rotation for tenant admins", K::Security),
            ("Okta and Entra ID integration guides", K::Feature),
            ("Rate limits on SCIM endpoints", K::Reliability),
        ],
    },
    EpicSpec {
        name: "MFA enforcement for staff and admin users",
        description: "No back-office access without phishing-resistant MFA.",
        initiative: 1,
        systems: &[ADM, IDN],
        project: "IAM",
        items: &[
            ("WebAuthn security keys for admin-console", K::Security),
            ("Enforce MFA for all staff accounts", K::Security),
            ("Re-authentication before unmasking bank details", K::Security),
            ("Recovery codes and support-assisted MFA reset runbook", K::Security),
            ("Idle session timeout for admin-console", K::Security),
            ("MFA enrolment dashboard for the security team", K::Feature),
        ],
    },
    EpicSpec {
        name: "Multi-region active-passive for payments-api",
        description: "Payments keep working when one cloud region fails; failover is drilled every quarter.",
        initiative: 2,
        systems: &[PAY],
        project: "PAY",
        items: &[
            ("Replicate the payments database to the secondary region", K::Reliability),
            ("Region failover runbook and game day", K::Reliability),
            ("Health-based DNS failover for payment endpoints", K::Reliability),
            ("Idempotent capture retries across regions", K::Reliability),
            ("Replicate secrets to the secondary region", K::Security),
            ("Failover latency dashboard", K::Reliability),
            ("Remove the hard-coded region from payments configuration", K::TechDebt),
            ("Automate the quarterly failover drill", K::Reliability),
        ],
    },
    EpicSpec {
        name: "Ledger reconciliation hardening",
        description: "Reconciliation mismatches are found in minutes, not by customers.",
        initiative: 2,
        systems: &[LED],
        project: "LED",
        items: &[
            ("Alert when daily reconciliation misses its 07:00 deadline", K::Reliability),
            ("Invariant checks on double-entry balances", K::Reliability),
            ("Replay tool for late bank statement files", K::Reliability),
            ("Runbook for reconciliation rules so a second owner can take over", K::TechDebt),
            ("Ledger guard: a refund cannot exceed the captured amount", K::Security),
            ("Move reconciliation jobs off the legacy cron VM", K::TechDebt),
            ("Reconciliation mismatch report for finance operations", K::Feature),
        ],
    },
    EpicSpec {
        name: "Load shedding and rate limits at the gateway",
        description: "One noisy tenant cannot degrade the public API for everyone else.",
        initiative: 2,
        systems: &[GW],
        project: "PLAT",
        items: &[
            ("Per-tenant token-bucket rate limiting", K::Reliability),
            ("Return Retry-After on 429 responses", K::Feature),
            ("Priority lanes for payment and authentication traffic", K::Reliability),
            ("Automated TLS certificate renewal with ACME", K::Reliability),
            ("Managed WAF rules for sign-in and sign-up", K::Security),
            ("Bot scoring on sign-up", K::Security),
            ("Gateway configuration as code with review", K::TechDebt),
        ],
    },
    EpicSpec {
        name: "Database backup and restore drills",
        description: "We know our real recovery time because we restore every month.",
        initiative: 2,
        systems: &[LED, PAY, BILL],
        project: "PLAT",
        items: &[
            ("Monthly automated restore into an isolated account", K::Reliability),
            ("Measure RTO and RPO for ledger-core", K::Reliability),
            ("Encrypt backups with a separate KMS key", K::Security),
            ("Point-in-time recovery for the billing database", K::Reliability),
            ("Expand-contract migration guideline and linter", K::TechDebt),
            ("Rollback rehearsal for schema migrations", K::Reliability),
        ],
    },
    EpicSpec {
        name: "Central secrets manager migration",
        description: "No secret lives in code, config files or Terraform state; every secret rotates.",
        initiative: 3,
        systems: &[NOTIF, REP, INTG, MOB],
        project: "PLAT",
        items: &[
            ("Move webhook signing secrets to the secrets manager", K::Security),
            ("Per-service database credentials with 30-day rotation", K::Security),
            ("Remove plaintext secrets from Terraform state", K::Security),
            ("Secret scanning on every push", K::Security),
            ("OIDC short-lived deploy credentials for CI", K::Security),
            ("Move the mobile signing key into the HSM-backed key store", K::Security),
            ("Retire the shared vault password file", K::TechDebt),
            ("Secrets golden-path template for new services", K::Security),
        ],
    },
    EpicSpec {
        name: "Structured logging and alerting on the golden path",
        description: "Every Confidential or Restricted system can detect and respond to likely abuse.",
        initiative: 3,
        systems: &[DW, REP, NOTIF],
        project: "PLAT",
        items: &[
            ("Structured JSON logs in notifications", K::Reliability),
            ("Ship warehouse query logs to the log platform", K::Security),
            ("Alert on large data exports from data-warehouse", K::Security),
            ("Login failure rate alerts for identity-service", K::Security),
            ("Archive security logs for 13 months", K::Security),
            ("Stream admin-console audit events to append-only storage", K::Security),
            ("Golden-path logging library for services", K::TechDebt),
            ("On-call dashboards per system", K::Reliability),
        ],
    },
    EpicSpec {
        name: "CI supply-chain controls",
        description: "Every build produces an SBOM, every image is signed, every deploy is verified.",
        initiative: 3,
        systems: &[PAY, BILL, GW],
        project: "PLAT",
        items: &[
            ("Generate a CycloneDX SBOM for every build", K::Security),
            ("Sign container images and verify signatures at deploy", K::Security),
            ("Pin CI actions to commit SHAs", K::Security),
            ("Protected branches and required reviews for deploy repositories", K::Security),
            ("Reserve internal package names on the public registry", K::Security),
            ("Licence policy check in CI", K::Security),
            ("Upload scanner results to Rhythm from CI", K::Security),
        ],
    },
    EpicSpec {
        name: "Dependency upgrade train",
        description: "A monthly train keeps frameworks, base images and libraries current so security fixes are one bump away.",
        initiative: 3,
        systems: &[PAY, BILL, IDN, GW, INTG],
        project: "PLAT",
        items: &[
            ("Monthly base image refresh", K::Security),
            ("Upgrade the XML parser in integrations-hub", K::Security),
            ("Upgrade billing-web to the current framework LTS", K::TechDebt),
            ("Remove the unmaintained date library", K::TechDebt),
            ("Automated dependency update bot for all service repositories", K::TechDebt),
            ("Upgrade PostgreSQL 13 to 16", K::TechDebt),
            ("Drop the Node 16 runtime from build images", K::TechDebt),
        ],
    },
    EpicSpec {
        name: "Strong customer authentication (3-D Secure 2)",
        description: "EU card payments meet PSD2 strong customer authentication without hurting conversion.",
        initiative: 5,
        systems: &[PAY, BILL],
        project: "PAY",
        items: &[
            ("3-D Secure 2 challenge flow in checkout", K::Feature),
            ("SCA exemptions for low-value and recurring payments", K::Feature),
            ("Frictionless-flow device data collection", K::Feature),
            ("Handle soft declines that require SCA", K::Feature),
            ("SCA test matrix against the processor sandbox", K::Reliability),
            ("Content Security Policy hardening on the payment page", K::Security),
        ],
    },
    EpicSpec {
        name: "EU data residency",
        description: "EU customers' data is stored and processed in the EU, and we can prove it.",
        initiative: 5,
        systems: &[DW, LED, PAY],
        project: "DATA",
        items: &[
            ("EU region for primary customer databases", K::Feature),
            ("Tenant-to-region routing", K::Feature),
            ("EU warehouse partition with masked PII", K::Security),
            ("Residency evidence for customer DPAs", K::Security),
            ("Keep backups in the tenant's region", K::Security),
            ("Audit of cross-region data transfers", K::Security),
        ],
    },
    EpicSpec {
        name: "Quotes and approvals workflow",
        description: "Customers build quotes, get them approved and turn them into invoices without leaving Northwind.",
        initiative: 4,
        systems: &[BILL],
        project: "BILL",
        items: &[
            ("Quote builder with line items and discounts", K::Feature),
            ("Approval rules by amount and department", K::Feature),
            ("Convert an accepted quote into an invoice", K::Feature),
            ("E-signature for quotes through the signing vendor", K::Feature),
            ("Render quote PDFs in a sandbox with no network egress", K::Security),
            ("Quote audit trail", K::Feature),
            ("Remove the legacy quote tables", K::TechDebt),
        ],
    },
    EpicSpec {
        name: "Recurring invoices and dunning",
        description: "Subscriptions bill themselves and late payers are reminded politely and on time.",
        initiative: 4,
        systems: &[BILL, NOTIF],
        project: "BILL",
        items: &[
            ("Recurring invoice schedules", K::Feature),
            ("Dunning sequences with configurable reminders", K::Feature),
            ("Scope payment links to one invoice with a 24-hour lifetime", K::Security),
            ("Gapless invoice numbering per legal entity", K::Feature),
            ("Smart retries for failed card payments", K::Feature),
            ("Webhook retries with exponential backoff and jitter", K::Reliability),
            ("Quarter-end load test at 10x normal volume", K::Reliability),
        ],
    },
    EpicSpec {
        name: "Mobile invoice approvals",
        description: "Approvers approve invoices from their phone in under ten seconds.",
        initiative: 4,
        systems: &[MOB],
        project: "MOB",
        items: &[
            ("Approve and reject invoices from push notifications", K::Feature),
            ("Biometric unlock for approvals", K::Security),
            ("Encrypted token storage on Android", K::Security),
            ("Offline queue for approvals", K::Feature),
            ("Remove the analytics key from the app bundle", K::Security),
            ("Crash-free sessions above 99.5%", K::Reliability),
            ("Migrate to the new navigation library", K::TechDebt),
        ],
    },
    EpicSpec {
        name: "ERP sync for NetSuite and Xero",
        description: "Invoices and payments flow both ways between Northwind and customers' accounting systems.",
        initiative: 4,
        systems: &[INTG],
        project: "INT",
        items: &[
            ("NetSuite invoice sync", K::Feature),
            ("Xero payment sync", K::Feature),
            ("Idempotency keys on every ERP write", K::Reliability),
            ("Least-privilege OAuth scopes for ERP connectors", K::Security),
            ("Refresh ERP tokens every 90 days", K::Security),
            ("Sync error inbox for customers", K::Feature),
            ("Spike: QuickBooks Online connector", K::Feature),
        ],
    },
    EpicSpec {
        name: "Customer report builder",
        description: "Finance teams build and schedule their own reports instead of asking support for exports.",
        initiative: 4,
        systems: &[REP, DW],
        project: "DATA",
        items: &[
            ("Drag-and-drop report builder", K::Feature),
            ("Scheduled report delivery by e-mail", K::Feature),
            ("Short-lived signed download links for exports", K::Security),
            ("Row-level security for tenant isolation in reports", K::Security),
            ("Cross-tenant access tests in CI", K::Security),
            ("Move report cron jobs to the scheduler", K::Reliability),
            ("Report query timeouts and cancellation", K::Reliability),
        ],
    },
];

/// Sub-tasks that decompose a larger item: `"{parent}: {subtask}"`.
const SUBTASKS: &[&str] = &[
    "edge cases and error states",
    "documentation and release notes",
    "metrics and dashboard",
    "rollout behind a feature flag",
    "load test in staging",
    "security review follow-ups",
];

/// Generic work on one system: `{sys}` is replaced by the system name.
const GENERIC: &[(&str, WorkKind)] = &[
    ("Fix high-severity findings from the latest scan of {sys}", K::Security),
    ("Threat model follow-ups for {sys}", K::Security),
    ("Rotate service credentials for {sys}", K::Security),
    ("Tighten IAM role permissions for {sys}", K::Security),
    ("Authorization tests for {sys} admin endpoints", K::Security),
    ("Pen-test finding remediation in {sys}", K::Security),
    ("Add p99 latency SLO and alert for {sys}", K::Reliability),
    ("Write the on-call runbook for {sys}", K::Reliability),
    ("Readiness and liveness probes for {sys}", K::Reliability),
    ("Capacity review for {sys} before quarter end", K::Reliability),
    ("Fix flaky integration tests in {sys}", K::Reliability),
    ("Graceful shutdown for {sys} workers", K::Reliability),
    ("Remove dead feature flags from {sys}", K::TechDebt),
    ("Delete unused v1 endpoints from {sys}", K::TechDebt),
    ("Consolidate duplicated configuration in {sys}", K::TechDebt),
    ("Raise test coverage on critical paths in {sys}", K::TechDebt),
    ("Replace hand-rolled retry logic in {sys}", K::TechDebt),
    ("Upgrade the logging client in {sys}", K::TechDebt),
    ("Usage analytics events for {sys}", K::Feature),
    ("Clearer error messages in {sys}", K::Feature),
];

/// Generic work not tied to a system.
const GENERIC_NO_SYSTEM: &[(&str, WorkKind)] = &[
    ("Quarterly policy review with the control owners", K::Security),
    ("Security awareness training for new joiners", K::Security),
    ("Tabletop exercise for a payment-data breach", K::Security),
    ("Update the data classification guide", K::Security),
    ("Clean up stale tickets in the security backlog", K::TechDebt),
];

const WHY: &[(WorkKind, &[&str])] = &[
    (
        K::Security,
        &[
            "closes a gap found in the last pen test",
            "needed as evidence for SOC 2 CC6.1",
            "limits the blast radius of a leaked credential",
            "asked for in three enterprise security questionnaires this quarter",
            "linked to an open risk in the register",
        ],
    ),
    (
        K::Reliability,
        &[
            "on-call was paged four times for this last month",
            "needed for the 99.95% availability commitment",
            "the quarter-end invoicing peak is eight times normal load",
            "came out of a post-incident review",
        ],
    ),
    (
        K::TechDebt,
        &[
            "slows every change in this area",
            "blocks the framework upgrade",
            "the only person who understands it is on the ledger team",
            "causes most of the flaky builds",
        ],
    ),
    (
        K::Feature,
        &[
            "requested by 12 enterprise customers",
            "needed to close two deals in the current pipeline",
            "top request in the last customer advisory board",
            "part of the pricing change next quarter",
        ],
    ),
];

const DONE_WHEN: &[(WorkKind, &[&str])] = &[
    (
        K::Security,
        &[
            "the fix is in production and the scanner or a test proves it",
            "security has reviewed the change and the evidence is filed",
            "the control runs automatically and alerts the owner when it fails",
        ],
    ),
    (
        K::Reliability,
        &[
            "the alert fires in a drill and the runbook is linked from it",
            "the SLO dashboard shows a full week inside target",
            "the failure mode is covered by an automated test",
        ],
    ),
    (
        K::TechDebt,
        &[
            "the old code path is deleted and the build is green",
            "no service depends on the old version",
            "the team can change this area without a pairing session",
        ],
    ),
    (
        K::Feature,
        &[
            "it is enabled for all customers and documented",
            "the beta customers have signed off",
            "it ships behind a flag and support has the how-to",
        ],
    ),
];

struct RiskSpec {
    statement: &'static str,
    systems: &'static [usize],
    tags: &'static [&'static str],
    impact: i64,
    likelihood: i64,
    mitigation: &'static str,
}

const RISKS: &[RiskSpec] = &[
    RiskSpec {
        statement: "The refund endpoint in payments-api does not check that a refund is at most the captured amount; a bug or abuse could pay out more than was charged.",
        systems: &[PAY, LED],
        tags: &["customer-harm", "financial"],
        impact: 5,
        likelihood: 2,
        mitigation: "Server-side bound check on refunds and a ledger invariant alert on negative net captures.",
    },
    RiskSpec {
        statement: "Webhook signing secrets are stored in plain text in the notifications database; one database read exposes every customer's secret.",
        systems: &[NOTIF],
        tags: &["customer-harm", "secrets"],
        impact: 4,
        likelihood: 3,
        mitigation: "Move the secrets to the secrets manager, store only references, and rotate every webhook secret.",
    },
    RiskSpec {
        statement: "Support agents in admin-console can see full bank account numbers of any tenant without a ticket or recorded justification.",
        systems: &[ADM],
        tags: &["customer-harm", "privacy", "regulatory"],
        impact: 4,
        likelihood: 3,
        mitigation: "Mask account numbers by default; require a ticket reference to unmask and log every reveal.",
    },
    RiskSpec {
        statement: "data-warehouse ingests production tables with customer PII unmasked, and 40 analysts can read the raw schemas.",
        systems: &[DW],
        tags: &["privacy", "regulatory", "gdpr"],
        impact: 4,
        likelihood: 4,
        mitigation: "Tokenise PII columns at ingestion and restrict raw schemas to the data platform team.",
    },
    RiskSpec {
        statement: "No alert on failed sign-in spikes in identity-service: a credential-stuffing attack could run for hours before anyone notices.",
        systems: &[IDN],
        tags: &["customer-harm", "detection"],
        impact: 4,
        likelihood: 3,
        mitigation: "Page on-call on sign-in failure rate and add adaptive rate limiting per IP and per account.",
    },
    RiskSpec {
        statement: "payments-api and ledger-core run in a single cloud region; a regional outage stops all card payments for every customer.",
        systems: &[PAY, LED],
        tags: &["availability", "customer-harm"],
        impact: 5,
        likelihood: 2,
        mitigation: "Multi-region active-passive failover with a quarterly failover drill.",
    },
    RiskSpec {
        statement: "Ledger backups have never been restored end to end, so we do not know the real recovery time of ledger-core.",
        systems: &[LED],
        tags: &["availability", "audit"],
        impact: 5,
        likelihood: 2,
        mitigation: "Monthly automated restore drill into an isolated account with a measured RTO.",
    },
    RiskSpec {
        statement: "mobile-app ships a static analytics API key inside the app bundle; anyone can extract it and send forged events.",
        systems: &[MOB],
        tags: &["secrets"],
        impact: 2,
        likelihood: 4,
        mitigation: "Proxy analytics events through the gateway with per-device tokens; revoke the embedded key.",
    },
    RiskSpec {
        statement: "public-api-gateway has no per-tenant rate limit; one customer's runaway integration can degrade the API for all tenants.",
        systems: &[GW],
        tags: &["availability", "customer-harm"],
        impact: 3,
        likelihood: 4,
        mitigation: "Per-tenant token-bucket limits with 429 responses and a dashboard for support.",
    },
    RiskSpec {
        statement: "Leavers keep access to the log platform for up to 30 days because it is not connected to SSO.",
        systems: &[],
        tags: &["access", "audit"],
        impact: 3,
        likelihood: 3,
        mitigation: "Connect the log platform to SSO and SCIM; weekly orphaned-account report.",
    },
    RiskSpec {
        statement: "ERP connector tokens in integrations-hub never expire and have full write scope on customers' NetSuite and Xero accounts.",
        systems: &[INTG],
        tags: &["customer-harm", "third-party", "legal"],
        impact: 4,
        likelihood: 3,
        mitigation: "Least-privilege scopes, token refresh every 90 days and alerts on unusual write volumes.",
    },
    RiskSpec {
        statement: "PDF invoice rendering in billing-web uses a headless browser that can fetch any URL from a template: server-side request forgery into the VPC.",
        systems: &[BILL],
        tags: &["customer-harm", "appsec"],
        impact: 4,
        likelihood: 3,
        mitigation: "Render in a sandbox with no network egress and an allow-list of template asset hosts.",
    },
    RiskSpec {
        statement: "Report exports land in a shared bucket with predictable object names, and a leaked download link stays valid for 7 days.",
        systems: &[REP],
        tags: &["privacy", "customer-harm"],
        impact: 4,
        likelihood: 2,
        mitigation: "Signed URLs valid for 15 minutes, random object keys and download audit logs.",
    },
    RiskSpec {
        statement: "Strong customer authentication is not enforced for EU card payments; after launch those payments will be declined and we breach PSD2.",
        systems: &[PAY],
        tags: &["regulatory", "legal", "eu-launch"],
        impact: 4,
        likelihood: 4,
        mitigation: "3-D Secure 2 challenge flow with exemptions before the EU embedded payments launch.",
    },
    RiskSpec {
        statement: "CI runners hold long-lived production deploy credentials; a compromised pull-request build could deploy to production.",
        systems: &[PAY, BILL, IDN],
        tags: &["supply-chain", "secrets"],
        impact: 5,
        likelihood: 2,
        mitigation: "OIDC short-lived deploy credentials and deploys only from protected branches.",
    },
    RiskSpec {
        statement: "Third-party tag-manager scripts on marketing-site run on the same domain as the customer sign-in page.",
        systems: &[WEB, IDN],
        tags: &["customer-harm", "third-party"],
        impact: 3,
        likelihood: 3,
        mitigation: "Move sign-in to its own origin and enforce a strict CSP on marketing-site.",
    },
    RiskSpec {
        statement: "Dunning e-mails carry a one-click payment link that signs the customer in without MFA for 30 days.",
        systems: &[BILL, NOTIF],
        tags: &["customer-harm", "access"],
        impact: 3,
        likelihood: 3,
        mitigation: "Payment links valid for 24 hours and scoped to paying that single invoice.",
    },
    RiskSpec {
        statement: "Reconciliation jobs fail silently when the bank statement file is late; wrong balances could go unnoticed for days.",
        systems: &[LED],
        tags: &["customer-harm", "financial", "detection"],
        impact: 4,
        likelihood: 3,
        mitigation: "Alert when reconciliation has not completed by 07:00 UTC; page on mismatches above 0.01%.",
    },
    RiskSpec {
        statement: "A vulnerable XML parser in integrations-hub (XXE) is reachable from customer-uploaded ERP files.",
        systems: &[INTG],
        tags: &["appsec", "customer-harm"],
        impact: 4,
        likelihood: 3,
        mitigation: "Upgrade the parser, disable external entities and add a regression test.",
    },
    RiskSpec {
        statement: "admin-console sessions never time out; an unlocked support laptop gives full back-office access.",
        systems: &[ADM],
        tags: &["access"],
        impact: 3,
        likelihood: 2,
        mitigation: "15-minute idle timeout and re-authentication for sensitive actions.",
    },
    RiskSpec {
        statement: "Customer data is stored in the US only, while EU enterprise prospects require EU data residency in their DPA.",
        systems: &[DW, LED, PAY],
        tags: &["legal", "regulatory", "eu-launch"],
        impact: 3,
        likelihood: 4,
        mitigation: "EU residency for the primary stores and the warehouse before the EU launch.",
    },
    RiskSpec {
        statement: "We cannot detect a bulk export of customer data from data-warehouse: queries are not logged centrally.",
        systems: &[DW],
        tags: &["detection", "privacy"],
        impact: 4,
        likelihood: 3,
        mitigation: "Ship warehouse query logs to the log platform with alerts on large exports.",
    },
    RiskSpec {
        statement: "notifications sends SMS through one provider with no fallback; an outage blocks one-time passwords for payments.",
        systems: &[NOTIF, IDN],
        tags: &["availability", "customer-harm"],
        impact: 3,
        likelihood: 3,
        mitigation: "A second SMS provider with automatic failover.",
    },
    RiskSpec {
        statement: "Password reset tokens in identity-service are valid for 72 hours and are not invalidated after use.",
        systems: &[IDN],
        tags: &["customer-harm", "appsec"],
        impact: 4,
        likelihood: 2,
        mitigation: "Single-use reset tokens valid for 30 minutes, all invalidated on password change.",
    },
    RiskSpec {
        statement: "Tenant isolation in reporting-service relies on a WHERE clause in every query; one missed filter shows a customer another customer's reports.",
        systems: &[REP],
        tags: &["customer-harm", "legal", "privacy"],
        impact: 5,
        likelihood: 2,
        mitigation: "Row-level security in the database and automated cross-tenant tests in CI.",
    },
    RiskSpec {
        statement: "mobile-app accepts user-installed certificate authorities on Android, so approvals can be intercepted on managed devices.",
        systems: &[MOB],
        tags: &["appsec"],
        impact: 2,
        likelihood: 2,
        mitigation: "Platform network security configuration with no user CAs in release builds.",
    },
    RiskSpec {
        statement: "Production container base images are 14 months old and carry more than 30 known high-severity vulnerabilities.",
        systems: &[PAY, BILL, GW],
        tags: &["vulnerability", "audit"],
        impact: 3,
        likelihood: 4,
        mitigation: "Monthly base-image refresh through the dependency upgrade train.",
    },
    RiskSpec {
        statement: "The payment processor may take 30 days to tell us of a breach, while our contracts promise customers notice within 72 hours.",
        systems: &[PAY],
        tags: &["legal", "third-party"],
        impact: 4,
        likelihood: 2,
        mitigation: "Renegotiate to 48 hours at renewal and record the gap in the vendor register.",
    },
    RiskSpec {
        statement: "The payments on-call rota has two engineers; holidays leave incidents unanswered for hours.",
        systems: &[PAY, LED],
        tags: &["availability", "people"],
        impact: 3,
        likelihood: 3,
        mitigation: "Grow the rota to six with the ledger team and add a secondary escalation.",
    },
    RiskSpec {
        statement: "When the feature-flag service is down, billing-web falls back to all flags on, including unfinished features.",
        systems: &[BILL],
        tags: &["availability", "customer-harm"],
        impact: 3,
        likelihood: 2,
        mitigation: "Fail closed with cached last-known values and a default-off policy.",
    },
    RiskSpec {
        statement: "Database credentials of reporting-service are shared by five services and have not been rotated in over two years.",
        systems: &[REP],
        tags: &["secrets", "audit"],
        impact: 3,
        likelihood: 3,
        mitigation: "Per-service credentials issued by the secrets manager with 30-day rotation.",
    },
    RiskSpec {
        statement: "The admin-console audit log lives in a database admins can write to, so it could be altered without trace.",
        systems: &[ADM],
        tags: &["audit", "detection"],
        impact: 3,
        likelihood: 2,
        mitigation: "Stream admin audit events to append-only storage on the log platform.",
    },
    RiskSpec {
        statement: "Files customers upload to billing-web are not scanned for malware and are served from the application domain.",
        systems: &[BILL],
        tags: &["appsec", "customer-harm"],
        impact: 3,
        likelihood: 3,
        mitigation: "Scan uploads and serve them from a separate sandbox domain as attachments.",
    },
    RiskSpec {
        statement: "The SAML implementation accepts unsigned assertions when the IdP metadata omits the signing flag.",
        systems: &[IDN],
        tags: &["customer-harm", "appsec"],
        impact: 5,
        likelihood: 2,
        mitigation: "Always require signed assertions; add conformance tests from a SAML test suite.",
    },
    RiskSpec {
        statement: "Quarter-end invoicing peaks at eight times normal load, but billing-web and ledger-core were never load tested beyond three times.",
        systems: &[BILL, LED],
        tags: &["availability", "customer-harm"],
        impact: 4,
        likelihood: 3,
        mitigation: "Load test at ten times normal before quarter end; autoscale on queue depth.",
    },
    RiskSpec {
        statement: "Engineers query production databases with personal credentials, with no approval and no session recording.",
        systems: &[PAY, LED, BILL],
        tags: &["access", "audit", "privacy"],
        impact: 4,
        likelihood: 3,
        mitigation: "Just-in-time access through a bastion with approval and session logs.",
    },
    RiskSpec {
        statement: "Webhook delivery retries without backoff; a slow customer endpoint can exhaust the notifications worker pool.",
        systems: &[NOTIF],
        tags: &["availability"],
        impact: 2,
        likelihood: 4,
        mitigation: "Exponential backoff with jitter and a circuit breaker per endpoint.",
    },
    RiskSpec {
        statement: "The ERP sync can create duplicate invoices in a customer's accounting system when it retries after a timeout.",
        systems: &[INTG],
        tags: &["customer-harm", "financial"],
        impact: 3,
        likelihood: 3,
        mitigation: "Idempotency keys on every ERP write and a duplicate detector.",
    },
    RiskSpec {
        statement: "GDPR erasure requests run through a manual script; deletion from data-warehouse and backups is never verified.",
        systems: &[DW, BILL],
        tags: &["regulatory", "privacy", "legal"],
        impact: 4,
        likelihood: 3,
        mitigation: "Automated erasure across every store with a verification report per request.",
    },
    RiskSpec {
        statement: "The HR system is not connected to identity-service; leavers are removed through a manual ticket, sometimes days late.",
        systems: &[IDN, ADM],
        tags: &["access", "audit"],
        impact: 3,
        likelihood: 4,
        mitigation: "Drive joiner-mover-leaver from the HR system through SCIM.",
    },
    RiskSpec {
        statement: "No WAF rules protect the public sign-in and sign-up endpoints from bots and card testing.",
        systems: &[GW, PAY],
        tags: &["customer-harm", "fraud"],
        impact: 4,
        likelihood: 3,
        mitigation: "Managed WAF rules, bot scoring on sign-up and velocity checks on card verification.",
    },
    RiskSpec {
        statement: "Stolen cards can be validated through the free trial with zero-amount authorisations at a high rate.",
        systems: &[PAY],
        tags: &["fraud", "customer-harm", "financial"],
        impact: 4,
        likelihood: 4,
        mitigation: "Velocity limits and a CAPTCHA on trial card checks; processor fraud rules.",
    },
    RiskSpec {
        statement: "The mobile-app release build is signed with a key stored on one engineer's laptop.",
        systems: &[MOB],
        tags: &["secrets", "supply-chain"],
        impact: 4,
        likelihood: 2,
        mitigation: "Move signing to the HSM-backed key store in CI and revoke the laptop copy.",
    },
    RiskSpec {
        statement: "Log platform retention is 14 days, while SOC 2 and incident investigations need 12 months of security logs.",
        systems: &[IDN, GW, ADM],
        tags: &["audit", "detection", "regulatory"],
        impact: 3,
        likelihood: 4,
        mitigation: "Archive security logs to cold storage for 13 months with integrity checks.",
    },
    RiskSpec {
        statement: "Several internal services call each other over plain HTTP inside the VPC; a compromised pod can read credentials in headers.",
        systems: &[NOTIF, REP, INTG],
        tags: &["appsec"],
        impact: 3,
        likelihood: 2,
        mitigation: "Mutual TLS between internal services through the service mesh.",
    },
    RiskSpec {
        statement: "A new AGPL-licensed PDF library in billing-web may oblige us to publish our source code.",
        systems: &[BILL],
        tags: &["legal"],
        impact: 3,
        likelihood: 2,
        mitigation: "Replace it with a permissively licensed library and add licence checks to CI.",
    },
    RiskSpec {
        statement: "Only one engineer understands the reconciliation rules in ledger-core.",
        systems: &[LED],
        tags: &["people", "availability"],
        impact: 3,
        likelihood: 3,
        mitigation: "Pair rotation, written runbooks and a second owner by the end of the quarter.",
    },
    RiskSpec {
        statement: "Internal package names used by billing-web are not reserved on the public registry (dependency confusion).",
        systems: &[BILL],
        tags: &["supply-chain"],
        impact: 4,
        likelihood: 2,
        mitigation: "Reserve the names publicly, scope the packages and make the registry proxy prefer internal ones.",
    },
    RiskSpec {
        statement: "Public API keys are shown in full in the developer dashboard and sent by e-mail on creation.",
        systems: &[GW, NOTIF],
        tags: &["secrets", "customer-harm"],
        impact: 3,
        likelihood: 3,
        mitigation: "Show a key once at creation, store it hashed and never e-mail it.",
    },
    RiskSpec {
        statement: "Customer success exports contact lists to a spreadsheet tool that is not in our vendor register.",
        systems: &[],
        tags: &["third-party", "privacy", "shadow-it"],
        impact: 2,
        likelihood: 4,
        mitigation: "Bring the tool through vendor review or block it; provide an approved export instead.",
    },
    RiskSpec {
        statement: "The incident response plan has never been exercised; roles in a payment-data breach are unclear.",
        systems: &[PAY],
        tags: &["incident-readiness", "regulatory"],
        impact: 4,
        likelihood: 2,
        mitigation: "A tabletop exercise every half-year with legal and support.",
    },
    RiskSpec {
        statement: "mobile-app keeps the session refresh token unencrypted in shared preferences on older Android versions.",
        systems: &[MOB],
        tags: &["appsec", "customer-harm"],
        impact: 3,
        likelihood: 2,
        mitigation: "Keystore-backed encrypted storage; drop support for Android 8.",
    },
    RiskSpec {
        statement: "Staging holds a copy of production customer data with weaker access controls than production.",
        systems: &[BILL, PAY, REP],
        tags: &["privacy", "regulatory"],
        impact: 4,
        likelihood: 3,
        mitigation: "Synthetic or masked data in staging; delete the copy.",
    },
    RiskSpec {
        statement: "Terraform state for production contains plaintext secrets and every engineer can read it.",
        systems: &[PAY, LED, IDN],
        tags: &["secrets", "access"],
        impact: 4,
        likelihood: 3,
        mitigation: "Encrypt the state, restrict reads to the platform team and move secrets out of state.",
    },
    RiskSpec {
        statement: "reporting-service cron jobs run on one unmonitored VM; a missed month-end report is noticed only when customers complain.",
        systems: &[REP],
        tags: &["availability", "customer-harm", "detection"],
        impact: 3,
        likelihood: 3,
        mitigation: "Move the jobs to the scheduler with success alerts.",
    },
    RiskSpec {
        statement: "Concurrent writes can leave gaps in invoice numbers, which breaks invoicing law in several EU countries.",
        systems: &[BILL, LED],
        tags: &["legal", "regulatory", "eu-launch"],
        impact: 3,
        likelihood: 3,
        mitigation: "A gapless sequence per legal entity behind a database-level lock.",
    },
    RiskSpec {
        statement: "TLS certificates of the public gateway are renewed by hand; an expiry takes the public API down.",
        systems: &[GW],
        tags: &["availability"],
        impact: 4,
        likelihood: 2,
        mitigation: "Automated ACME renewal and an expiry alert 21 days ahead.",
    },
    RiskSpec {
        statement: "DNS for northwind.example is managed in a registrar account with a shared password and no MFA.",
        systems: &[WEB, GW],
        tags: &["access", "availability"],
        impact: 5,
        likelihood: 2,
        mitigation: "Move DNS to an SSO-backed provider account with hardware-key MFA.",
    },
    RiskSpec {
        statement: "Data processing agreements are missing for three sub-processors that our customer DPA lists.",
        systems: &[],
        tags: &["legal", "regulatory", "third-party"],
        impact: 3,
        likelihood: 3,
        mitigation: "Sign the DPAs or remove the sub-processors, and update the public list.",
    },
    RiskSpec {
        statement: "The AI invoice-extraction prototype sends customer invoices to an external model API without a data protection review.",
        systems: &[BILL, INTG],
        tags: &["privacy", "third-party", "legal"],
        impact: 4,
        likelihood: 3,
        mitigation: "Vendor review and a DPA before production; redact bank details before sending.",
    },
    RiskSpec {
        statement: "Rollbacks of payments-api schema migrations are untested; a bad migration could force a restore from backup.",
        systems: &[PAY, LED],
        tags: &["availability"],
        impact: 4,
        likelihood: 2,
        mitigation: "Expand-contract migrations and a rollback rehearsal in staging before each release.",
    },
    RiskSpec {
        statement: "Customer admins can invite users from any e-mail domain, so a compromised admin can quietly add an outsider to a finance workspace.",
        systems: &[IDN, BILL],
        tags: &["customer-harm", "access"],
        impact: 3,
        likelihood: 2,
        mitigation: "A per-tenant domain allow-list and a notice to all admins on every invite.",
    },
];

/// Why a risk matters, by its most important tag.
const WHY_BY_TAG: &[(&str, &str)] = &[
    ("customer-harm", "Customers could lose money or see another customer's data; that is the harm we rank first."),
    ("legal", "It creates contractual and legal exposure with our enterprise customers."),
    ("regulatory", "An auditor or regulator would treat it as a control failure (GDPR, PSD2, SOC 2)."),
    ("fraud", "Fraud losses and processor penalties land on us, not on the attacker."),
    ("availability", "Payments and invoicing stop while it lasts, and it counts against the 99.95% commitment."),
    ("privacy", "Personal data could be seen by people who have no need to see it."),
    ("detection", "We would not see abuse in time to contain it."),
    ("secrets", "A leaked secret gives an attacker the same access as the service that owns it."),
    ("supply-chain", "A compromised build or dependency reaches every customer at once."),
    ("audit", "It is a finding waiting to happen in the next SOC 2 or ISO 27001 audit."),
];

const SOURCES: &[(Stage, &[&str])] = &[
    (
        Stage::DesignReview,
        &["the monthly architecture review", "the design review of {sys}", "a threat model of {sys}"],
    ),
    (
        Stage::Development,
        &["a code review comment", "a static analysis finding in {sys}", "an engineer working on {sys}"],
    ),
    (
        Stage::PreRelease,
        &["the pre-release pen test", "the launch-readiness check for {sys}", "pre-release QA of {sys}"],
    ),
    (
        Stage::Production,
        &[
            "a production alert",
            "the bug bounty programme",
            "a customer security questionnaire",
            "a post-incident review",
        ],
    ),
];

/// Progress notes any risk can have.
const PROGRESS: &[&str] = &[
    "Reviewed at the weekly risk and delivery sync; score unchanged at {score}.",
    "Owner re-confirmed after the team change; the plan is unchanged.",
    "Scope grew: the same weakness turned up in a second code path.",
    "Sequencing discussed at the monthly architecture review; kept in this quarter.",
    "Evidence re-checked in {sys}; still reproducible.",
];

/// Progress notes of a risk someone is working on (mitigating or since closed).
const PROGRESS_WORK: &[&str] = &[
    "Mitigation work started: {item}.",
    "Partial fix shipped to production; the residual risk is lower but not gone.",
    "Fix in review; waiting on a staging test before it ships.",
];

const SLIP_REASONS: &[&str] = &[
    "Waited on a pen-test fix for a high finding in the release scope.",
    "QA found a regression in invoice totals two days before the release.",
    "The payment processor's sandbox was down for three days and blocked end-to-end tests.",
    "The launch-readiness check returned STOP on an open critical finding; shipped after the fix.",
    "The database migration took longer than planned in the staging rehearsal.",
    "Scope grew after a customer escalation and the team chose to ship it together.",
    "Change freeze during the quarter-end invoicing peak.",
    "Waited a week for the exception sign-off on a known medium finding.",
    "Two of the three engineers on the team were pulled into an incident.",
];

const MOBILE_SLIP: &str = "App store review rejected the build over a privacy label mismatch.";

const GENERIC_SCOPE: &[&str] = &[
    "Bug fixes and dependency upgrades",
    "Performance improvements on the busiest endpoints",
    "Accessibility fixes",
    "Monthly base image refresh",
    "Logging and metrics improvements",
];

struct IncidentSpec {
    title: &'static str,
    severity: Severity,
    systems: &'static [usize],
    customer_impact: bool,
    impact: &'static str,
    learnings: &'static str,
    action: &'static str,
    action_kind: WorkKind,
    /// Minutes from start to detection, detection to containment, containment to resolution.
    detect: (i64, i64),
    contain: (i64, i64),
    resolve: (i64, i64),
}

const INCIDENTS: &[IncidentSpec] = &[
    IncidentSpec {
        title: "Card payments declined for 38 minutes after the gateway TLS certificate expired",
        severity: Severity::High,
        systems: &[GW, PAY],
        customer_impact: true,
        impact: "About 2,100 payment attempts failed across 340 tenants; customer retries succeeded after the renewal.",
        learnings: "Renewal was manual and the expiry warning went to a retired mailbox. Renewal is now automated and expiry alerts page on-call.",
        action: "Automate TLS renewal and page on-call 21 days before expiry",
        action_kind: K::Reliability,
        detect: (3, 12),
        contain: (15, 35),
        resolve: (30, 180),
    },
    IncidentSpec {
        title: "Webhook secrets readable through a debug endpoint left enabled in notifications",
        severity: Severity::Critical,
        systems: &[NOTIF],
        customer_impact: true,
        impact: "The debug endpoint was public for six days; logs show two external requests and no confirmed misuse. All webhook secrets rotated and customers told.",
        learnings: "A debug flag was copied from the staging configuration. Debug routes are now denied at the gateway and a deploy check refuses the flag in production.",
        action: "Deny debug routes at the gateway and add a deploy-time configuration check",
        action_kind: K::Security,
        detect: (1440, 8640),
        contain: (20, 90),
        resolve: (600, 4320),
    },
    IncidentSpec {
        title: "Late bank statement file left 212 payouts with the wrong status",
        severity: Severity::Medium,
        systems: &[LED],
        customer_impact: true,
        impact: "212 payouts showed as failed for up to 14 hours; no money was lost, 35 customers contacted support.",
        learnings: "Reconciliation failed silently when the file was late. A deadline alert now pages when reconciliation has not completed by 07:00 UTC.",
        action: "Page on-call when daily reconciliation misses its deadline",
        action_kind: K::Reliability,
        detect: (300, 840),
        contain: (30, 120),
        resolve: (60, 480),
    },
    IncidentSpec {
        title: "Credential-stuffing attack against customer sign-in",
        severity: Severity::High,
        systems: &[IDN, GW],
        customer_impact: true,
        impact: "About 41,000 sign-in attempts in three hours; 17 accounts were accessed before lockout. All were reset and the customers informed.",
        learnings: "There was no alert on sign-in failure spikes and a customer told us first. Adaptive rate limits and failure-rate alerts are now in place.",
        action: "Alert on sign-in failure rate and add adaptive rate limits",
        action_kind: K::Security,
        detect: (90, 200),
        contain: (20, 60),
        resolve: (240, 1440),
    },
    IncidentSpec {
        title: "Quarter-end invoice run slowed to 45 minutes per batch",
        severity: Severity::Medium,
        systems: &[BILL, LED],
        customer_impact: true,
        impact: "Invoices reached about 1,200 customers up to six hours late on the last day of the quarter.",
        learnings: "The run was never load tested beyond three times normal volume. A ten-times load test is now part of the quarter-end checklist.",
        action: "Load test the invoice run at ten times normal volume before each quarter end",
        action_kind: K::Reliability,
        detect: (20, 60),
        contain: (60, 180),
        resolve: (120, 600),
    },
    IncidentSpec {
        title: "Monthly report delivered to the wrong tenant",
        severity: Severity::High,
        systems: &[REP, DW],
        customer_impact: true,
        impact: "One customer received another customer's monthly revenue report (no bank details). Both customers were informed within 24 hours; legal assessed the notification duty.",
        learnings: "The tenant id came from a cached job context. Row-level security and cross-tenant tests are now required for every reporting query.",
        action: "Enforce row-level security for reporting queries",
        action_kind: K::Security,
        detect: (600, 2880),
        contain: (15, 60),
        resolve: (240, 2880),
    },
    IncidentSpec {
        title: "SMS provider outage blocked one-time passwords for two hours",
        severity: Severity::Medium,
        systems: &[NOTIF, IDN],
        customer_impact: true,
        impact: "Customers using SMS one-time passwords could not approve payments for about two hours.",
        learnings: "One provider, no fallback. A second SMS provider with automatic failover was added and app-based codes are promoted in the product.",
        action: "Add a second SMS provider with automatic failover",
        action_kind: K::Reliability,
        detect: (10, 30),
        contain: (60, 120),
        resolve: (30, 240),
    },
    IncidentSpec {
        title: "Support laptop stolen with an active admin-console session",
        severity: Severity::Medium,
        systems: &[ADM],
        customer_impact: false,
        impact: "No evidence of access; the session was revoked 40 minutes after the report.",
        learnings: "Sessions had no idle timeout. A 15-minute idle timeout and remote session revocation are now in admin-console.",
        action: "Idle timeout and remote session revocation in admin-console",
        action_kind: K::Security,
        detect: (60, 240),
        contain: (20, 40),
        resolve: (120, 1440),
    },
    IncidentSpec {
        title: "CI deploy token found in a public gist",
        severity: Severity::Critical,
        systems: &[PAY, BILL],
        customer_impact: false,
        impact: "The token could deploy to production for nine days; audit logs show no use by anyone outside the company.",
        learnings: "Long-lived deploy credentials. CI now uses OIDC short-lived credentials and secret scanning runs on every push.",
        action: "Replace long-lived deploy tokens with OIDC short-lived credentials",
        action_kind: K::Security,
        detect: (4320, 12960),
        contain: (10, 30),
        resolve: (240, 2880),
    },
    IncidentSpec {
        title: "Payments database failover took 24 minutes instead of five",
        severity: Severity::High,
        systems: &[PAY],
        customer_impact: true,
        impact: "payments-api returned errors for 24 minutes during a database host failure.",
        learnings: "Failover had never been drilled with production-size data. A quarterly failover drill is now scheduled and measured.",
        action: "Quarterly database failover drill with measured recovery time",
        action_kind: K::Reliability,
        detect: (2, 6),
        contain: (15, 25),
        resolve: (60, 480),
    },
    IncidentSpec {
        title: "mobile-app crashed on launch for Android 14 users after a release",
        severity: Severity::Medium,
        systems: &[MOB],
        customer_impact: true,
        impact: "About 8% of mobile users could not open the app for five hours until the hotfix.",
        learnings: "The release skipped the staged rollout. Releases now go to 5% of users first with crash-rate gates.",
        action: "Staged rollout with crash-rate gates for mobile releases",
        action_kind: K::Reliability,
        detect: (30, 120),
        contain: (60, 180),
        resolve: (120, 360),
    },
    IncidentSpec {
        title: "Duplicate invoices created in customers' Xero accounts after a sync retry",
        severity: Severity::Medium,
        systems: &[INTG],
        customer_impact: true,
        impact: "93 duplicate invoices in 14 customer accounts, cleaned up by script with customer success following up.",
        learnings: "Retries after a timeout were not idempotent. Every ERP write now carries an idempotency key.",
        action: "Idempotency keys on ERP writes and a duplicate detector",
        action_kind: K::Reliability,
        detect: (720, 2880),
        contain: (30, 120),
        resolve: (480, 2880),
    },
    IncidentSpec {
        title: "Notifications queue backlog delayed payment receipts by three hours",
        severity: Severity::Low,
        systems: &[NOTIF],
        customer_impact: true,
        impact: "Payment receipts and invoice e-mails arrived up to three hours late.",
        learnings: "A slow customer webhook endpoint exhausted the worker pool. Backoff with jitter and per-endpoint circuit breakers were added.",
        action: "Circuit breakers per webhook endpoint",
        action_kind: K::Reliability,
        detect: (30, 90),
        contain: (30, 90),
        resolve: (60, 240),
    },
    IncidentSpec {
        title: "Marketing asset bucket listable by anyone",
        severity: Severity::Low,
        systems: &[WEB],
        customer_impact: false,
        impact: "Only public marketing assets were in the bucket; no customer data.",
        learnings: "A bucket policy was edited by hand. Bucket policies are now managed as code with a public-access check in CI.",
        action: "Manage bucket policies as code with a public-access check",
        action_kind: K::Security,
        detect: (1440, 10080),
        contain: (10, 30),
        resolve: (60, 240),
    },
    IncidentSpec {
        title: "Card-testing attack through free-trial sign-ups",
        severity: Severity::High,
        systems: &[PAY, GW],
        customer_impact: false,
        impact: "4,800 zero-amount authorisations from 300 trial accounts in one night; processor fees and a formal warning from the processor.",
        learnings: "No velocity limits on trial card checks. Velocity limits, a CAPTCHA and processor fraud rules are now in place.",
        action: "Velocity limits and CAPTCHA on trial card verification",
        action_kind: K::Security,
        detect: (240, 600),
        contain: (30, 90),
        resolve: (240, 1440),
    },
    IncidentSpec {
        title: "Reporting VM disk full; month-end reports not generated",
        severity: Severity::Medium,
        systems: &[REP],
        customer_impact: true,
        impact: "Month-end reports for about 600 customers arrived a day late.",
        learnings: "The cron VM had no monitoring. Jobs moved to the scheduler with success alerts.",
        action: "Move reporting cron jobs to the scheduler with success alerts",
        action_kind: K::Reliability,
        detect: (480, 1440),
        contain: (30, 90),
        resolve: (120, 600),
    },
    IncidentSpec {
        title: "Employee entered their SSO password on a phishing page",
        severity: Severity::Medium,
        systems: &[IDN],
        customer_impact: false,
        impact: "The hardware-key MFA blocked the sign-in; the password was reset and a company-wide reminder sent.",
        learnings: "Phishing-resistant MFA worked as designed. We added the phishing domain pattern to the mail filter.",
        action: "Report-phishing button in the mail client",
        action_kind: K::Security,
        detect: (5, 30),
        contain: (10, 30),
        resolve: (60, 240),
    },
    IncidentSpec {
        title: "Public API latency above two seconds from one tenant's integration loop",
        severity: Severity::Medium,
        systems: &[GW],
        customer_impact: true,
        impact: "API latency above two seconds for all tenants for 70 minutes.",
        learnings: "No per-tenant rate limits. Token-bucket limits per tenant are now enforced at the gateway.",
        action: "Per-tenant rate limits at the gateway",
        action_kind: K::Reliability,
        detect: (5, 20),
        contain: (30, 70),
        resolve: (60, 480),
    },
    IncidentSpec {
        title: "Expired SAML signing certificate broke SSO for one enterprise customer",
        severity: Severity::Low,
        systems: &[IDN],
        customer_impact: true,
        impact: "Users of one enterprise customer could not sign in for three hours.",
        learnings: "We did not watch IdP certificate expiry. Metadata refresh and expiry alerts were added.",
        action: "Alert on IdP certificate expiry for SSO tenants",
        action_kind: K::Reliability,
        detect: (20, 60),
        contain: (60, 150),
        resolve: (30, 120),
    },
    IncidentSpec {
        title: "Tag manager on marketing-site served a cryptominer script",
        severity: Severity::Medium,
        systems: &[WEB],
        customer_impact: false,
        impact: "Visitors to the marketing site ran a cryptominer for about three hours; no customer data involved.",
        learnings: "A compromised tag-manager container. Unknown script hosts are now blocked by CSP and sign-in moved to its own origin.",
        action: "Strict CSP on marketing-site",
        action_kind: K::Security,
        detect: (60, 180),
        contain: (15, 45),
        resolve: (120, 720),
    },
    IncidentSpec {
        title: "ledger-core migration locked the balances table",
        severity: Severity::High,
        systems: &[LED, PAY],
        customer_impact: true,
        impact: "Payment captures queued for 31 minutes; no data was lost.",
        learnings: "A non-concurrent index build in a migration. Migrations now follow expand-contract and are linted for locking operations.",
        action: "Lint migrations for table-locking operations",
        action_kind: K::Reliability,
        detect: (2, 8),
        contain: (20, 31),
        resolve: (30, 240),
    },
    IncidentSpec {
        title: "Log platform vendor reported a compromised support account",
        severity: Severity::Medium,
        systems: &[],
        customer_impact: false,
        impact: "The vendor says our tenant was not accessed; we rotated the ingestion keys as a precaution.",
        learnings: "The contract allowed the vendor 30 days to notify us; they told us after nine. A 48-hour breach clause is now a renewal condition.",
        action: "Renegotiate the log platform breach notification clause",
        action_kind: K::Security,
        detect: (8640, 12960),
        contain: (60, 240),
        resolve: (1440, 4320),
    },
    IncidentSpec {
        title: "billing-web enabled unfinished features when the flag service failed",
        severity: Severity::High,
        systems: &[BILL],
        customer_impact: true,
        impact: "Unfinished invoice-editing features were visible to all customers for 50 minutes; 40 invoices needed correction.",
        learnings: "The flag client failed open. It now fails closed with cached last-known values.",
        action: "Flag client fails closed with cached values",
        action_kind: K::Reliability,
        detect: (10, 30),
        contain: (15, 25),
        resolve: (60, 360),
    },
    IncidentSpec {
        title: "Unmasked bank details exposed in an internal analytics dashboard",
        severity: Severity::Medium,
        systems: &[DW],
        customer_impact: false,
        impact: "A dashboard with unmasked bank account numbers was visible to 40 employees for two days; no external exposure.",
        learnings: "PII arrives unmasked in the warehouse. Tokenisation at ingestion is now the top item of the data platform team.",
        action: "Tokenise PII columns at warehouse ingestion",
        action_kind: K::Security,
        detect: (1440, 2880),
        contain: (10, 60),
        resolve: (240, 1440),
    },
    IncidentSpec {
        title: "DNS change typo took the status page and documentation offline",
        severity: Severity::Low,
        systems: &[WEB],
        customer_impact: false,
        impact: "The status page and documentation were unreachable for 40 minutes.",
        learnings: "DNS changes were made by hand in the registrar console. DNS is now managed as code with review.",
        action: "Manage DNS as code with review",
        action_kind: K::Reliability,
        detect: (10, 30),
        contain: (10, 20),
        resolve: (20, 60),
    },
    IncidentSpec {
        title: "Memory leak in identity-service caused rolling sign-in failures",
        severity: Severity::Medium,
        systems: &[IDN],
        customer_impact: true,
        impact: "About 3% of sign-ins failed over four hours while pods restarted.",
        learnings: "Memory alerts were set too high. Alert thresholds are now derived from the SLO and a leak test runs in CI.",
        action: "SLO-based memory alerts for identity-service",
        action_kind: K::Reliability,
        detect: (60, 180),
        contain: (30, 90),
        resolve: (120, 720),
    },
];

struct AuditSpec {
    key: &'static str,
    control: &'static str,
    title: &'static str,
    severity: Severity,
    repeats: Option<&'static str>,
}

struct AuditRound {
    framework: &'static str,
    prefix: &'static str,
    /// Days before the anchor the report was issued (range).
    days_ago: (i64, i64),
    /// Chance each finding is closed, and days from opening to closing.
    close_chance: f64,
    close_days: (i64, i64),
    findings: &'static [AuditSpec],
}

const AUDITS: &[AuditRound] = &[
    AuditRound {
        framework: "SOC 2 Type II",
        prefix: "SOC2-Y1",
        days_ago: (470, 490),
        close_chance: 0.85,
        close_days: (30, 200),
        findings: &[
            AuditSpec {
                key: "y1-cc61",
                control: "CC6.1",
                title: "Six engineers had direct superuser access to production databases outside role-based groups",
                severity: Severity::High,
                repeats: None,
            },
            AuditSpec {
                key: "y1-cc62",
                control: "CC6.2",
                title: "Quarterly user access reviews not performed for two of four quarters",
                severity: Severity::Medium,
                repeats: None,
            },
            AuditSpec {
                key: "y1-cc63",
                control: "CC6.3",
                title: "Leaver access removed late: 3 of 25 sampled leavers kept access beyond 24 hours",
                severity: Severity::Medium,
                repeats: None,
            },
            AuditSpec {
                key: "y1-cc72",
                control: "CC7.2",
                title: "Security events from admin-console and data-warehouse not monitored; no alerting on anomalous access",
                severity: Severity::High,
                repeats: None,
            },
            AuditSpec {
                key: "y1-cc81",
                control: "CC8.1",
                title: "Changes deployed to admin-console without documented peer review in 4 of 40 samples",
                severity: Severity::Medium,
                repeats: None,
            },
            AuditSpec {
                key: "y1-cc92",
                control: "CC9.2",
                title: "Vendor risk assessments missing for two sub-processors that handle customer data",
                severity: Severity::Low,
                repeats: None,
            },
            AuditSpec {
                key: "y1-a12",
                control: "A1.2",
                title: "Backup restore testing not evidenced during the audit period",
                severity: Severity::Medium,
                repeats: None,
            },
        ],
    },
    AuditRound {
        framework: "ISO 27001",
        prefix: "ISO-2022-S2",
        days_ago: (240, 260),
        close_chance: 0.6,
        close_days: (20, 160),
        findings: &[
            AuditSpec {
                key: "iso-a518",
                control: "A.5.18",
                title: "Access rights reviews inconsistent across SaaS tools; no evidence for the log platform",
                severity: Severity::Medium,
                repeats: Some("y1-cc62"),
            },
            AuditSpec {
                key: "iso-a815",
                control: "A.8.15",
                title: "Logging does not cover data-warehouse queries and retention of 14 days is below the 12-month policy",
                severity: Severity::High,
                repeats: Some("y1-cc72"),
            },
            AuditSpec {
                key: "iso-a519",
                control: "A.5.19",
                title: "Supplier security requirements missing from two vendor contracts",
                severity: Severity::Medium,
                repeats: Some("y1-cc92"),
            },
            AuditSpec {
                key: "iso-a88",
                control: "A.8.8",
                title: "Eleven high-severity vulnerabilities older than the 30-day remediation SLA",
                severity: Severity::Medium,
                repeats: None,
            },
            AuditSpec {
                key: "iso-a524",
                control: "A.5.24",
                title: "Incident response plan not tested in the last 12 months",
                severity: Severity::Low,
                repeats: None,
            },
            AuditSpec {
                key: "iso-a813",
                control: "A.8.13",
                title: "Restore testing evidenced for ledger-core only, not for the billing and payments databases",
                severity: Severity::Low,
                repeats: Some("y1-a12"),
            },
            AuditSpec {
                key: "iso-a63",
                control: "A.6.3",
                title: "Security awareness training completion at 82% against a 100% target",
                severity: Severity::Low,
                repeats: None,
            },
            AuditSpec {
                key: "iso-a832",
                control: "A.8.32",
                title: "Emergency changes lack retrospective approval records",
                severity: Severity::Low,
                repeats: None,
            },
        ],
    },
    AuditRound {
        framework: "SOC 2 Type II",
        prefix: "SOC2-Y2",
        days_ago: (40, 55),
        close_chance: 0.25,
        close_days: (10, 40),
        findings: &[
            AuditSpec {
                key: "y2-cc62",
                control: "CC6.2",
                title: "Production database access review completed late in one quarter of the period",
                severity: Severity::Medium,
                repeats: Some("y1-cc62"),
            },
            AuditSpec {
                key: "y2-cc72",
                control: "CC7.2",
                title: "Alerting on data-warehouse export anomalies configured only after the start of the period",
                severity: Severity::Medium,
                repeats: Some("iso-a815"),
            },
            AuditSpec {
                key: "y2-cc71",
                control: "CC7.1",
                title: "Container images with known critical vulnerabilities ran in production beyond the SLA",
                severity: Severity::High,
                repeats: None,
            },
            AuditSpec {
                key: "y2-cc66",
                control: "CC6.6",
                title: "Public API endpoints lacked rate limiting for part of the period",
                severity: Severity::Low,
                repeats: None,
            },
            AuditSpec {
                key: "y2-cc32",
                control: "CC3.2",
                title: "Risk assessment did not cover the AI invoice-extraction prototype",
                severity: Severity::Low,
                repeats: None,
            },
        ],
    },
];

struct VendorSpec {
    name: &'static str,
    purpose: &'static str,
    tier: DataTier,
    flows: &'static str,
    breach_clause: &'static str,
    breach_hours: Option<i64>,
    access: &'static str,
    questionnaire: &'static str,
    status: VendorStatus,
    created_days_ago: i64,
}

const VENDORS: &[VendorSpec] = &[
    VendorSpec {
        name: "Paycastle Processing",
        purpose: "Card acquiring and payouts for payments-api (PCI DSS Level 1 service provider).",
        tier: DataTier::Restricted,
        flows: "Outbound: card tokens, amounts, merchant ids, payer names and billing addresses. Inbound: authorisation results, settlement files and disputes by SFTP and webhooks.",
        breach_clause: "Processor notifies us of a security incident affecting our merchants without undue delay, at the latest within 30 days; PCI DSS attestation renewed yearly.",
        breach_hours: Some(720),
        access: "We call their API with mutual TLS and restricted API keys; they call our webhooks signed with HMAC. No access to our systems.",
        questionnaire: "PCI DSS AOC current; SOC 2 Type II with no exceptions; encryption at rest and in transit; 24/7 SOC. Gap: 30-day breach notice is longer than our 72-hour customer commitment.",
        status: VendorStatus::Approved,
        created_days_ago: 610,
    },
    VendorSpec {
        name: "Mailorca",
        purpose: "Transactional e-mail and SMS delivery for invoices, receipts and one-time passwords.",
        tier: DataTier::Confidential,
        flows: "Outbound: recipient names, e-mail addresses, phone numbers, invoice summaries and one-time codes. Inbound: delivery and bounce events by webhook.",
        breach_clause: "Notification within 72 hours of confirming a personal data breach, per the DPA.",
        breach_hours: Some(72),
        access: "API keys scoped to sending, stored in the secrets manager; SSO with MFA for the dashboard.",
        questionnaire: "SOC 2 Type II; data retained 30 days; sub-processors listed. Gap: no IP allow-listing for API keys.",
        status: VendorStatus::Approved,
        created_days_ago: 600,
    },
    VendorSpec {
        name: "Logwell",
        purpose: "Central log platform and security event alerting.",
        tier: DataTier::Confidential,
        flows: "Outbound: application and audit logs from all services, which may contain user ids, IP addresses and e-mail addresses.",
        breach_clause: "Notification within 30 days (renegotiating to 48 hours at renewal).",
        breach_hours: Some(720),
        access: "Ingestion keys per environment; dashboard access with local accounts (SSO planned).",
        questionnaire: "ISO 27001 certified; EU and US regions; 14-day default retention. Gap: no SCIM, so leavers are removed by hand.",
        status: VendorStatus::Approved,
        created_days_ago: 590,
    },
    VendorSpec {
        name: "PeopleHub HR",
        purpose: "HR information system: employee records, payroll data, joiners and leavers.",
        tier: DataTier::Restricted,
        flows: "Employee personal data, contracts and salaries are entered by HR; outbound SCIM feed of joiners, movers and leavers to identity-service.",
        breach_clause: "Notification within 48 hours; right to audit once a year.",
        breach_hours: Some(48),
        access: "SSO with MFA for HR staff; outbound SCIM token held by identity-service.",
        questionnaire: "SOC 2 Type II and ISO 27001; data stored in the EU; penetration tested yearly. No open gaps.",
        status: VendorStatus::Approved,
        created_days_ago: 400,
    },
    VendorSpec {
        name: "Signbridge",
        purpose: "Electronic signatures for customer quotes in billing-web.",
        tier: DataTier::Confidential,
        flows: "Outbound: quote documents, signer names and e-mail addresses. Inbound: signed PDFs and audit trails.",
        breach_clause: "Notification within 72 hours.",
        breach_hours: Some(72),
        access: "OAuth application with scope limited to envelopes created by Northwind.",
        questionnaire: "SOC 2 Type II; eIDAS advanced signatures; US-only data centres. Open question: EU data residency option for the EU launch.",
        status: VendorStatus::Proposed,
        created_days_ago: 25,
    },
    VendorSpec {
        name: "Extracto AI",
        purpose: "Machine-learning extraction of invoice fields from uploaded PDFs (prototype).",
        tier: DataTier::Confidential,
        flows: "Outbound: full invoice PDFs including bank details. Inbound: extracted fields as JSON.",
        breach_clause: "None in the standard terms.",
        breach_hours: None,
        access: "One shared API key used by the prototype.",
        questionnaire: "No SOC 2 report; may use customer documents to train models unless opted out; no DPA offered. Rejected until they sign a DPA and opt us out of training.",
        status: VendorStatus::Rejected,
        created_days_ago: 120,
    },
    VendorSpec {
        name: "Helpdock",
        purpose: "Customer support ticketing (replaced by the CRM's built-in support desk).",
        tier: DataTier::Confidential,
        flows: "Customer names, e-mail addresses and ticket contents, sometimes with invoice attachments.",
        breach_clause: "Notification within 72 hours.",
        breach_hours: Some(72),
        access: "SSO for support agents; the API key was revoked at offboarding.",
        questionnaire: "SOC 2 Type II. Data export and deletion confirmed in writing at offboarding.",
        status: VendorStatus::Offboarded,
        created_days_ago: 560,
    },
];

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

struct Gen {
    rng: ChaCha8Rng,
    anchor: Date,
}

fn users() -> Vec<DemoUser> {
    USERS
        .iter()
        .map(|(name, local, role)| DemoUser {
            email: format!("{local}@northwind.example"),
            name: (*name).to_owned(),
            role: *role,
        })
        .collect()
}

fn ts(d: Date, hour: u8, minute: u8) -> OffsetDateTime {
    PrimitiveDateTime::new(d, Time::from_hms(hour, minute, 0).expect("valid time")).assume_utc()
}

fn quarter(d: Date) -> String {
    format!("{}-Q{}", d.year(), (u8::from(d.month()) - 1) / 3 + 1)
}

fn skip_weekend(d: Date) -> Date {
    match d.weekday() {
        time::Weekday::Saturday => d + Duration::days(2),
        time::Weekday::Sunday => d + Duration::days(1),
        _ => d,
    }
}

fn lookup<T: Copy>(table: &[(WorkKind, T)], kind: WorkKind) -> T {
    table.iter().find(|(k, _)| *k == kind).map(|(_, v)| *v).expect("every kind has an entry")
}

impl Gen {
    fn day(&self, offset: i64) -> Date {
        self.anchor + Duration::days(offset)
    }

    /// The latest moment any generated time may take: the evening before the anchor.
    fn last_moment(&self) -> OffsetDateTime {
        ts(self.day(-1), 18, 0)
    }

    /// A time during working hours on `d`.
    fn at_work(&mut self, d: Date) -> OffsetDateTime {
        let hour = self.rng.gen_range(8..18);
        let minute = self.rng.gen_range(0..60);
        ts(d, hour, minute)
    }

    /// A working-hours time on a day between `from` and `from + days`, never after the
    /// evening before the anchor and never before `from`.
    fn after(&mut self, from: OffsetDateTime, min_days: i64, max_days: i64) -> OffsetDateTime {
        let days = self.rng.gen_range(min_days..=max_days);
        let t = self.at_work(from.date() + Duration::days(days));
        let (lo, hi) = (from + Duration::minutes(1), self.last_moment());
        if lo >= hi { lo } else { t.clamp(lo, hi) }
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        xs.choose(&mut self.rng).expect("non-empty vocabulary")
    }

    fn systems(&mut self, workspace_created: OffsetDateTime) -> Vec<(SystemInput, OffsetDateTime)> {
        SYSTEMS
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let created =
                    workspace_created + Duration::hours(2) + Duration::minutes(7 * i as i64 + self.rng.gen_range(0..5));
                let input = SystemInput {
                    name: s.name.to_owned(),
                    description: s.description.to_owned(),
                    owner_team: s.team.to_owned(),
                    tier: s.tier,
                    golden_paths: s.paths.to_vec(),
                };
                (input, created)
            })
            .collect()
    }

    fn initiatives(&mut self, workspace_created: OffsetDateTime) -> Vec<(InitiativeInput, OffsetDateTime)> {
        INITIATIVES
            .iter()
            .map(|s| {
                let jitter = self.rng.gen_range(0..5);
                let d = self.day(-s.created_days_ago + jitter);
                let created = self.at_work(d).max(workspace_created + Duration::days(1));
                let target = quarter(self.day(s.target_in_days));
                let input = InitiativeInput {
                    name: s.name.to_owned(),
                    business_goal: s.goal.to_owned(),
                    reduces_or_enables: s.reduces_or_enables.to_owned(),
                    status: Some(s.status),
                    target_quarter: Some(target),
                };
                (input, created)
            })
            .collect()
    }

    fn epics(&mut self, initiatives: &[(InitiativeInput, OffsetDateTime)]) -> Vec<DemoEpic> {
        EPICS
            .iter()
            .map(|s| {
                let created = self.after(initiatives[s.initiative].1, 3, 45);
                DemoEpic {
                    input: EpicInput {
                        name: s.name.to_owned(),
                        description: s.description.to_owned(),
                        initiative_id: None,
                    },
                    initiative: Some(s.initiative),
                    created,
                }
            })
            .collect()
    }

    /// Status and done time of an item created at `created`; older items are more often done.
    fn item_status(
        &mut self,
        created: OffsetDateTime,
        finished_initiative: bool,
    ) -> (ItemStatus, Option<OffsetDateTime>) {
        let age = (self.last_moment() - created).whole_days();
        let roll = self.rng.gen_range(0..100);
        let status = if finished_initiative {
            match roll {
                0..90 => ItemStatus::Done,
                90..95 => ItemStatus::WontDo,
                _ => ItemStatus::Todo,
            }
        } else if age > 150 {
            match roll {
                0..72 => ItemStatus::Done,
                72..80 => ItemStatus::WontDo,
                80..87 => ItemStatus::InProgress,
                _ => ItemStatus::Todo,
            }
        } else if age > 40 {
            match roll {
                0..40 => ItemStatus::Done,
                40..45 => ItemStatus::WontDo,
                45..70 => ItemStatus::InProgress,
                _ => ItemStatus::Todo,
            }
        } else {
            match roll {
                0..10 => ItemStatus::Done,
                10..40 => ItemStatus::InProgress,
                _ => ItemStatus::Todo,
            }
        };
        if status != ItemStatus::Done {
            return (status, None);
        }
        if age < 2 {
            return (ItemStatus::InProgress, None);
        }
        let max = (age - 1).min(75);
        let done = self.after(created, 1.min(max), max);
        (ItemStatus::Done, Some(done))
    }

    fn item(
        &mut self,
        title: String,
        kind: WorkKind,
        epic: Option<usize>,
        system: Option<usize>,
        created: OffsetDateTime,
        finished_initiative: bool,
    ) -> DemoItem {
        let (status, done) = self.item_status(created, finished_initiative);
        let why = *self.pick(lookup(WHY, kind));
        let done_when = *self.pick(lookup(DONE_WHEN, kind));
        let description = match epic {
            Some(e) => format!("Part of \"{}\". Why: {why}.\n\nDone when {done_when}.", EPICS[e].name),
            None => format!("Why: {why}.\n\nDone when {done_when}."),
        };
        let assignee = if status == ItemStatus::Todo && self.rng.gen_bool(0.4) {
            None
        } else if kind == K::Security && self.rng.gen_bool(0.3) {
            Some(SEC_LEAD)
        } else if self.rng.gen_bool(0.08) {
            Some(ENG_LEAD)
        } else {
            Some(*self.pick(ENGINEERS))
        };
        let due_chance = if kind == K::Security { 0.45 } else { 0.12 };
        let due_date =
            self.rng.gen_bool(due_chance).then(|| created.date() + Duration::days(self.rng.gen_range(21..=120)));
        let points = self.rng.gen_bool(0.85).then(|| *self.pick(&[1, 2, 3, 3, 5, 5, 8, 13]));
        DemoItem {
            input: BacklogItemInput {
                title,
                description,
                kind,
                status: Some(status),
                rank: None,
                points,
                epic_id: None,
                system_id: None,
                assignee_id: None,
                due_date,
                external_key: None,
                external_url: None,
            },
            epic,
            system,
            assignee,
            created,
            done,
        }
    }

    fn epic_items(&mut self, epics: &[DemoEpic]) -> Vec<DemoItem> {
        let mut seen = BTreeSet::new();
        for s in EPICS {
            for (t, _) in s.items {
                seen.insert((*t).to_owned());
            }
        }
        let mut items = Vec::new();
        for (e, spec) in EPICS.iter().enumerate() {
            let epic_created = epics[e].created;
            let finished = INITIATIVES[spec.initiative].status == InitiativeStatus::Done;
            // Finished initiatives stopped getting new work when they ended.
            let window = if finished {
                (self.day(INITIATIVES[spec.initiative].target_in_days) - epic_created.date()).whole_days().max(10)
            } else {
                (self.last_moment() - epic_created).whole_days().max(1)
            };
            let system_of = |title: &str, rng: &mut ChaCha8Rng| {
                SYSTEMS.iter().position(|s| title.contains(s.name)).or_else(|| spec.systems.choose(rng).copied())
            };
            let first = items.len();
            for (title, kind) in spec.items {
                let created = self.after(epic_created, 0, (window * 2 / 3).max(1));
                let system = system_of(title, &mut self.rng);
                let item = self.item((*title).to_owned(), *kind, Some(e), system, created, finished);
                items.push(item);
            }
            let target = self.rng.gen_range(11..=16);
            let mut attempts = 0;
            while items.len() - first < target && attempts < 50 {
                attempts += 1;
                let (title, kind, system, created) = if self.rng.gen_bool(0.45) {
                    let parent = self.rng.gen_range(first..first + spec.items.len());
                    let sub = *self.pick(SUBTASKS);
                    let p = &items[parent];
                    let (title, kind, system, from) =
                        (format!("{}: {sub}", p.input.title), p.input.kind, p.system, p.created);
                    (title, kind, system, self.after(from, 1, 20))
                } else if spec.systems.is_empty() {
                    let (t, k) = *self.pick(GENERIC_NO_SYSTEM);
                    (t.to_owned(), k, None, self.after(epic_created, 0, window))
                } else {
                    let sys = *self.pick(spec.systems);
                    let (t, k) = *self.pick(GENERIC);
                    (t.replace("{sys}", SYSTEMS[sys].name), k, Some(sys), self.after(epic_created, 0, window))
                };
                if seen.insert(title.clone()) {
                    let item = self.item(title, kind, Some(e), system, created, finished);
                    items.push(item);
                }
            }
        }
        items
    }

    /// Incidents in time order, the last one or two still open; each resolved incident adds a
    /// follow-up item (outside any epic) to `items`.
    fn incidents(&mut self, items: &mut Vec<DemoItem>) -> Vec<DemoIncident> {
        let mut order: Vec<usize> = (0..INCIDENTS.len()).collect();
        order.shuffle(&mut self.rng);
        order.truncate(self.rng.gen_range(23..=INCIDENTS.len()));
        let open = self.rng.gen_range(1..=2);
        let closed_count = order.len() - open;
        let mut starts: Vec<i64> = (0..closed_count).map(|_| self.rng.gen_range(-540..=-25)).collect();
        starts.sort_unstable();
        let mut open_starts: Vec<i64> = vec![-self.rng.gen_range(6..=12), -self.rng.gen_range(2..=4)];
        open_starts.drain(..2 - open);
        starts.extend(open_starts);

        let mut out = Vec::new();
        for (n, (&spec_ix, &start_day)) in order.iter().zip(&starts).enumerate() {
            let spec = &INCIDENTS[spec_ix];
            let still_open = n >= closed_count;
            let hour = self.rng.gen_range(0..24);
            let minute = self.rng.gen_range(0..60);
            let started = ts(self.day(start_day), hour, minute);
            let (detect, contain, resolve) =
                if still_open { ((3, 45), (20, 240), (1, 1)) } else { (spec.detect, spec.contain, spec.resolve) };
            let detected = started + Duration::minutes(self.rng.gen_range(detect.0..=detect.1).max(1));
            let contained = detected + Duration::minutes(self.rng.gen_range(contain.0..=contain.1).max(1));
            let resolved = contained + Duration::minutes(self.rng.gen_range(resolve.0..=resolve.1).max(1));
            // The most recent open incident is not contained yet; an earlier open one is.
            let is_latest = n + 1 == order.len();
            let (contained_at, resolved_at) = match (still_open, is_latest) {
                (false, _) => (Some(contained), Some(resolved)),
                (true, true) => (None, None),
                (true, false) => (Some(contained), None),
            };
            let learnings = if still_open {
                "Investigation ongoing; learnings follow the post-incident review.".to_owned()
            } else {
                spec.learnings.to_owned()
            };
            let external_id =
                self.rng.gen_bool(0.6).then(|| format!("PD-{}", 41_000 + n * 173 + self.rng.gen_range(0..100)));
            let created = detected + Duration::minutes(self.rng.gen_range(5..=45));
            let mut follow_ups = Vec::new();
            if !still_open {
                let at = self.after(resolved, 1, 3);
                let system = spec.systems.first().copied();
                let item = self.item(spec.action.to_owned(), spec.action_kind, None, system, at, false);
                follow_ups.push(items.len());
                items.push(item);
            }
            out.push(DemoIncident {
                input: IncidentInput {
                    title: spec.title.to_owned(),
                    severity: spec.severity,
                    started_at: started,
                    detected_at: Some(detected),
                    contained_at,
                    resolved_at,
                    customer_impact: spec.customer_impact,
                    impact_summary: spec.impact.to_owned(),
                    learnings,
                    system_ids: Vec::new(),
                    external_id,
                },
                systems: spec.systems.to_vec(),
                created,
                follow_ups,
            });
        }
        // Two incidents can start on the same day; the open ones are days after the others.
        out.sort_by_key(|i| i.input.started_at);
        out
    }

    /// Puts items in creation order (so `ITEM-1` is the oldest), fixes the incident links, and
    /// gives most of them a tracker key.
    fn order_items(&mut self, items: Vec<DemoItem>, incidents: &mut [DemoIncident]) -> Vec<DemoItem> {
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&i| (items[i].created, i));
        let mut new_index = vec![0; items.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        for inc in incidents.iter_mut() {
            for f in &mut inc.follow_ups {
                *f = new_index[*f];
            }
        }
        let mut slots: Vec<Option<DemoItem>> = items.into_iter().map(Some).collect();
        let mut sorted: Vec<DemoItem> = order.iter().map(|&i| slots[i].take().expect("each item once")).collect();

        let mut counters: BTreeMap<&str, i64> = BTreeMap::new();
        let mut github = 310 + self.rng.gen_range(0..40);
        for item in &mut sorted {
            if item.system == Some(WEB) {
                if self.rng.gen_bool(0.7) {
                    github += self.rng.gen_range(1..=6);
                    item.input.external_key = Some(format!("northwind/marketing-site#{github}"));
                    item.input.external_url =
                        Some(format!("https://github.example/northwind/marketing-site/issues/{github}"));
                }
                continue;
            }
            if !self.rng.gen_bool(0.65) {
                continue;
            }
            let project = match (item.epic, item.system) {
                (Some(e), _) => EPICS[e].project,
                (None, Some(s)) => SYSTEMS[s].project,
                (None, None) => "SEC",
            };
            let start = 40 + self.rng.gen_range(0..80);
            let n = counters.entry(project).or_insert(start);
            *n += self.rng.gen_range(1..=5);
            let key = format!("{project}-{n}");
            item.input.external_url = Some(format!("https://northwind.atlassian.example/browse/{key}"));
            item.input.external_key = Some(key);
        }
        sorted
    }

    fn risks(&mut self, workspace_created: OffsetDateTime, items: &[DemoItem]) -> Vec<DemoRisk> {
        let mut specs: Vec<&RiskSpec> = RISKS.iter().collect();
        specs.shuffle(&mut self.rng);
        specs.truncate(self.rng.gen_range(56..=RISKS.len()));
        let n = specs.len();

        let mut statuses: Vec<RiskStatus> = RiskStatus::ALL.to_vec();
        let mut stages: Vec<Stage> = Stage::ALL.to_vec();
        while statuses.len() < n {
            let s = [
                (RiskStatus::Open, 30),
                (RiskStatus::Mitigating, 30),
                (RiskStatus::Accepted, 12),
                (RiskStatus::Closed, 28),
            ]
            .choose_weighted(&mut self.rng, |w| w.1)
            .expect("weights")
            .0;
            statuses.push(s);
        }
        while stages.len() < n {
            let s =
                [(Stage::DesignReview, 25), (Stage::Development, 30), (Stage::PreRelease, 20), (Stage::Production, 25)]
                    .choose_weighted(&mut self.rng, |w| w.1)
                    .expect("weights")
                    .0;
            stages.push(s);
        }
        statuses.shuffle(&mut self.rng);
        stages.shuffle(&mut self.rng);

        // The first ten came from the old spreadsheet on the day the workspace was set up.
        let imported = 10;
        let mut created: Vec<OffsetDateTime> = (0..n)
            .map(|i| {
                if i < imported {
                    workspace_created + Duration::days(1) + Duration::minutes(3 * i as i64)
                } else {
                    let offset = self.rng.gen_range(-570..=-4);
                    let d = self.day(offset);
                    self.at_work(d)
                }
            })
            .collect();
        created.sort();

        let mut risks = Vec::with_capacity(n);
        for (i, spec) in specs.iter().enumerate() {
            let created = created[i];
            let status = statuses[i];
            let stage = stages[i];
            let mut likelihood = spec.likelihood;
            if self.rng.gen_bool(0.3) {
                let delta: i64 = *self.pick(&[-1, 1]);
                likelihood = (likelihood + delta).clamp(1, 5);
            }
            // A serious risk of customer harm, legal or regulatory exposure is not left
            // untreated for long at a company that runs this rhythm: it is being mitigated.
            let stop_tagged = spec.tags.iter().any(|t| rhythm_domain::policy::DEFAULT_STOP_SHIP_TAGS.contains(t));
            let status = if status == RiskStatus::Open && stop_tagged && spec.impact * likelihood >= 12 {
                RiskStatus::Mitigating
            } else {
                status
            };
            let (due_min, due_max) = match status {
                RiskStatus::Open => (30, 180),
                RiskStatus::Mitigating => (30, 200),
                RiskStatus::Accepted => (90, 365),
                RiskStatus::Closed => (20, 120),
            };
            let live = matches!(status, RiskStatus::Open | RiskStatus::Mitigating);
            let due_date = if status != RiskStatus::Accepted && self.rng.gen_bool(0.1) {
                None
            } else if live && self.rng.gen_bool(0.6) {
                // Re-planned: due in the coming months.
                let ahead = self.rng.gen_range(7..=120);
                Some(self.day(ahead).max(created.date()))
            } else {
                // As first planned: older ones are overdue now.
                Some(created.date() + Duration::days(self.rng.gen_range(due_min..=due_max)))
            };
            let closed = (status == RiskStatus::Closed).then(|| {
                let available = (self.last_moment() - created).whole_days().max(1);
                self.after(created, 1.min(available), available.min(200))
            });
            let owner = if self.rng.gen_bool(0.06) {
                None
            } else {
                let candidates: &[(usize, u32)] =
                    &[(CISO, 3), (CTO, 3), (SEC_LEAD, 6), (ENG_LEAD, 5), (DELIVERY, 1), (5, 2), (6, 2), (7, 2), (8, 2)];
                Some(candidates.choose_weighted(&mut self.rng, |c| c.1).expect("weights").0)
            };

            // Backlog items that work on it: non-feature work in the same systems.
            let wanted = match status {
                RiskStatus::Open | RiskStatus::Accepted => self.rng.gen_range(0..=1),
                RiskStatus::Mitigating => self.rng.gen_range(1..=3),
                RiskStatus::Closed => self.rng.gen_range(1..=2),
            };
            let mut candidates: Vec<usize> = (0..items.len())
                .filter(|&j| {
                    items[j].input.kind != K::Feature && items[j].system.is_some_and(|s| spec.systems.contains(&s))
                })
                .collect();
            let recent: Vec<usize> =
                candidates.iter().copied().filter(|&j| items[j].created >= created - Duration::days(60)).collect();
            if !recent.is_empty() {
                candidates = recent;
            }
            let mut backlog_items: Vec<usize> = candidates.choose_multiple(&mut self.rng, wanted).copied().collect();
            backlog_items.sort_unstable();

            let score = spec.impact * likelihood;
            let end = closed.unwrap_or_else(|| self.last_moment());
            let updates = self.risk_updates(
                spec,
                status,
                stage,
                score,
                due_date,
                created,
                end,
                closed.is_some(),
                backlog_items.first().map(|&j| &items[j]),
            );

            let external_id = (i < imported).then(|| format!("RR-{:03}", 11 + i * 3));
            risks.push(DemoRisk {
                input: RiskInput {
                    statement: spec.statement.to_owned(),
                    impact: spec.impact,
                    likelihood,
                    owner_id: None,
                    mitigation: spec.mitigation.to_owned(),
                    due_date,
                    status: Some(status),
                    found_stage: stage,
                    tags: spec.tags.iter().map(|t| (*t).to_owned()).collect(),
                    system_ids: Vec::new(),
                    backlog_item_ids: Vec::new(),
                    external_id,
                },
                owner,
                systems: spec.systems.to_vec(),
                backlog_items,
                created,
                closed,
                updates,
            });
        }
        risks
    }

    #[allow(clippy::too_many_arguments)]
    fn risk_updates(
        &mut self,
        spec: &RiskSpec,
        status: RiskStatus,
        stage: Stage,
        score: i64,
        due: Option<Date>,
        created: OffsetDateTime,
        end: OffsetDateTime,
        was_closed: bool,
        item: Option<&DemoItem>,
    ) -> Vec<(OffsetDateTime, RiskUpdateInput)> {
        // The first update comes within two days of registration, the others spread over its
        // life, all in working hours.
        let span_days = (end - created).whole_days();
        let max = (span_days / 30).clamp(0, 4) as usize;
        let count = if span_days < 1 { 0 } else { self.rng.gen_range(0..=max) };
        let mut times: Vec<OffsetDateTime> = Vec::with_capacity(count);
        for k in 0..count {
            let day = if k == 0 { self.rng.gen_range(0..=span_days.min(2)) } else { self.rng.gen_range(1..=span_days) };
            let mut t = self.at_work(created.date() + Duration::days(day));
            if t <= created {
                t = created + Duration::minutes(self.rng.gen_range(20..=240));
            }
            if t < end {
                times.push(t);
            }
        }
        times.sort();
        times.dedup();
        if was_closed && let Some(last) = times.last_mut() {
            *last = end;
        }
        let sys = spec.systems.first().map_or("the platform", |&s| SYSTEMS[s].name);
        let item_name = item.map_or_else(
            || "the backlog item".to_owned(),
            |i| i.input.external_key.clone().unwrap_or_else(|| i.input.title.clone()),
        );
        let why = WHY_BY_TAG
            .iter()
            .find(|(tag, _)| spec.tags.contains(tag))
            .map_or("It weakens a control we promise customers in our security documentation.", |(_, w)| *w);
        let due_text = due.map_or_else(|| "no date agreed yet".to_owned(), |d| d.to_string());
        let n = times.len();
        times
            .into_iter()
            .enumerate()
            .map(|(k, at)| {
                let last = k + 1 == n;
                let what = if k == 0 && !(last && was_closed) {
                    let source = *self.pick(lookup_stage(stage));
                    format!(
                        "Registered from {}; scored {}x{} = {score}.",
                        source.replace("{sys}", sys),
                        spec.impact,
                        score / spec.impact
                    )
                } else if last && was_closed {
                    "Fix verified in production and re-tested by security.".to_owned()
                } else if last && status == RiskStatus::Accepted {
                    "Accepted jointly by the CISO and CTO with compensating controls in place.".to_owned()
                } else {
                    let working = matches!(status, RiskStatus::Mitigating | RiskStatus::Closed);
                    let pool = if working && self.rng.gen_bool(0.5) { PROGRESS_WORK } else { PROGRESS };
                    self.pick(pool)
                        .replace("{score}", &score.to_string())
                        .replace("{item}", &item_name)
                        .replace("{sys}", sys)
                };
                let closes = if last && was_closed {
                    format!("Closed on {}.", at.date())
                } else {
                    match status {
                        RiskStatus::Accepted => {
                            format!("Acceptance runs until {due_text}; re-reviewed then.")
                        }
                        RiskStatus::Mitigating | RiskStatus::Closed => {
                            format!("Target {due_text}, when {item_name} ships.")
                        }
                        RiskStatus::Open => {
                            format!("Target {due_text}; not yet scheduled in a sprint.")
                        }
                    }
                };
                let input = RiskUpdateInput { what, why: why.to_owned(), doing: spec.mitigation.to_owned(), closes };
                (at, input)
            })
            .collect()
    }

    fn releases(&mut self, systems: &[(SystemInput, OffsetDateTime)], items: &[DemoItem]) -> Vec<DemoRelease> {
        let mut versions: Vec<(u32, u32)> = SYSTEMS.iter().map(|s| s.version).collect();
        let month_index = self.anchor.year() * 12 + i32::from(u8::from(self.anchor.month())) - 1;
        let mut out: Vec<DemoRelease> = Vec::new();
        for k in -17..=2 {
            let idx = month_index + k;
            let month = Month::try_from((idx.rem_euclid(12) + 1) as u8).expect("month");
            let count = self.rng.gen_range(2..=4);
            let mut planned: Vec<(Date, usize)> = (0..count)
                .map(|_| {
                    let d =
                        Date::from_calendar_date(idx.div_euclid(12), month, self.rng.gen_range(1..=28)).expect("date");
                    let sys = SYSTEMS
                        .iter()
                        .enumerate()
                        .collect::<Vec<_>>()
                        .choose_weighted(&mut self.rng, |(_, s)| s.weight)
                        .expect("weights")
                        .0;
                    (skip_weekend(d), sys)
                })
                .collect();
            planned.sort_unstable();
            for (date, sys) in planned {
                let release = self.release(date, sys, &mut versions, systems, items);
                out.push(release);
            }
        }
        out.sort_by_key(|r| r.created);
        // Make sure the history has at least one slipped release.
        if !out.iter().any(|r| r.input.shipped_date.is_some_and(|s| s > r.input.planned_date))
            && let Some(r) = out.iter_mut().find(|r| {
                r.input.status == Some(ReleaseStatus::Shipped)
                    && r.input.planned_date + Duration::days(10) < self.anchor
            })
        {
            r.input.shipped_date = Some(r.input.planned_date + Duration::days(3));
            r.input.slip_reason = Some(SLIP_REASONS[0].to_owned());
        }
        out
    }

    fn release(
        &mut self,
        planned_date: Date,
        sys: usize,
        versions: &mut [(u32, u32)],
        systems: &[(SystemInput, OffsetDateTime)],
        items: &[DemoItem],
    ) -> DemoRelease {
        let spec = &SYSTEMS[sys];
        let v = &mut versions[sys];
        if self.rng.gen_bool(0.03) {
            *v = (v.0 + 1, 0);
        } else {
            v.1 += 1;
        }
        let version = format!("{}.{}.0", v.0, v.1);
        let name = format!("{} {version}", spec.name);

        let lead = self.rng.gen_range(10..=40);
        let mut created = self.at_work(planned_date - Duration::days(lead));
        if created >= self.last_moment() {
            let back = self.rng.gen_range(1..=6);
            created = self.at_work(self.day(-back));
        }
        created = created.max(systems[sys].1 + Duration::hours(1));

        // Scope: what was done on this system in the month before (or is in flight, for future ones).
        let window_start = ts(planned_date - Duration::days(35), 0, 0);
        let window_end = ts(planned_date, 23, 59);
        let future = planned_date >= self.anchor;
        let mut titles: Vec<&str> = items
            .iter()
            .filter(|i| i.system == Some(sys))
            .filter(|i| {
                if future {
                    matches!(i.input.status, Some(ItemStatus::InProgress | ItemStatus::Todo))
                } else {
                    i.done.is_some_and(|d| d > window_start && d <= window_end)
                }
            })
            .map(|i| i.input.title.as_str())
            .collect();
        titles.shuffle(&mut self.rng);
        titles.truncate(3);
        if titles.is_empty() {
            titles.push(*self.pick(GENERIC_SCOPE));
        }
        let planned_scope = titles.join("; ");
        let planned_items = self.rng.gen_range(3..=24);

        let mut input = ReleaseInput {
            name,
            system_id: None,
            planned_date,
            shipped_date: None,
            planned_scope: planned_scope.clone(),
            shipped_scope: String::new(),
            planned_items,
            shipped_items: None,
            slip_reason: None,
            status: Some(ReleaseStatus::Planned),
            external_id: self.rng.gen_bool(0.5).then(|| format!("{} {version}", spec.project)),
        };
        let slip_reason = |g: &mut Self| {
            if sys == MOB && g.rng.gen_bool(0.4) { MOBILE_SLIP.to_owned() } else { (*g.pick(SLIP_REASONS)).to_owned() }
        };
        if !future {
            let roll = self.rng.gen_range(0..100);
            if roll < 6 {
                input.status = Some(ReleaseStatus::Cancelled);
            } else {
                let late = roll < 32;
                let shipped = if late {
                    planned_date + Duration::days(self.rng.gen_range(1..=15))
                } else {
                    planned_date - Duration::days(self.rng.gen_range(0..=1))
                };
                if shipped >= self.anchor {
                    // Late and not shipped yet.
                    input.slip_reason = Some(slip_reason(self));
                } else {
                    let dropped = if late { self.rng.gen_range(0..=3) } else { *self.pick(&[0, 0, 0, 1, 2]) };
                    let shipped_items = (planned_items - dropped).max(0);
                    input.status = Some(ReleaseStatus::Shipped);
                    input.shipped_date = Some(shipped);
                    input.shipped_items = Some(shipped_items);
                    input.shipped_scope = if dropped == 0 {
                        planned_scope
                    } else {
                        format!("{planned_scope}. Descoped {dropped} item(s) to the next release.")
                    };
                    if late {
                        input.slip_reason = Some(slip_reason(self));
                    }
                }
            }
        }
        DemoRelease { input, system: Some(sys), created }
    }

    fn audit_findings(&mut self) -> Vec<DemoAuditFinding> {
        let mut out: Vec<DemoAuditFinding> = Vec::new();
        let mut keys: Vec<&str> = Vec::new();
        for (round_ix, round) in AUDITS.iter().enumerate() {
            let days_ago = self.rng.gen_range(round.days_ago.0..=round.days_ago.1);
            let opened_on = self.day(-days_ago);
            for (k, f) in round.findings.iter().enumerate() {
                let created = self.after(ts(opened_on, 8, 0), 0, 3);
                // The first finding of the first audit is always closed, the first of the last
                // always open, so every demo shows both.
                let close = match (round_ix, k) {
                    (0, 0) => true,
                    (r, 0) if r + 1 == AUDITS.len() => false,
                    _ => self.rng.gen_bool(round.close_chance),
                };
                let closed_on = close
                    .then(|| opened_on + Duration::days(self.rng.gen_range(round.close_days.0..=round.close_days.1)))
                    .map(|d| d.min(self.day(-1)))
                    .filter(|d| *d > created.date());
                let repeat_of =
                    f.repeats.map(|key| keys.iter().position(|k| *k == key).expect("repeats an earlier finding"));
                out.push(DemoAuditFinding {
                    input: AuditFindingInput {
                        framework: round.framework.to_owned(),
                        control_ref: f.control.to_owned(),
                        title: f.title.to_owned(),
                        severity: f.severity,
                        opened_on,
                        closed_on,
                        repeat_of: None,
                        external_id: Some(format!("{}-{:02}", round.prefix, k + 1)),
                    },
                    repeat_of,
                    created,
                });
                keys.push(f.key);
            }
        }
        out
    }

    fn vendors(&mut self) -> Vec<(VendorInput, OffsetDateTime)> {
        VENDORS
            .iter()
            .map(|v| {
                let jitter = self.rng.gen_range(0..5);
                let d = self.day(-v.created_days_ago + jitter);
                let created = self.at_work(d);
                let input = VendorInput {
                    name: v.name.to_owned(),
                    purpose: v.purpose.to_owned(),
                    data_tier: v.tier,
                    data_flows: v.flows.to_owned(),
                    breach_clause: v.breach_clause.to_owned(),
                    breach_notification_hours: v.breach_hours,
                    access_model: v.access.to_owned(),
                    questionnaire: v.questionnaire.to_owned(),
                    status: Some(v.status),
                };
                (input, created)
            })
            .collect()
    }
}

/// (tool, rule, title, severity, component, known exploited). Real advisories and rules, so the
/// demo reads like a scanner's output.
const FINDINGS: &[(&str, &str, &str, Severity, &str, bool)] = &[
    (
        "trivy",
        "CVE-2023-44487",
        "HTTP/2 rapid reset can cause denial of service",
        Severity::High,
        "golang.org/x/net 0.15.0",
        true,
    ),
    (
        "trivy",
        "CVE-2023-45853",
        "zlib: integer overflow and heap buffer overflow in MiniZip",
        Severity::Critical,
        "zlib1g 1.2.13",
        false,
    ),
    (
        "trivy",
        "CVE-2024-6119",
        "openssl: denial of service in X.509 name checks",
        Severity::High,
        "libssl3 3.0.13",
        false,
    ),
    (
        "trivy",
        "CVE-2023-5363",
        "openssl: incorrect cipher key and IV length processing",
        Severity::High,
        "libssl3 3.0.11",
        false,
    ),
    (
        "trivy",
        "CVE-2024-2511",
        "openssl: unbounded memory growth with session handling in TLSv1.3",
        Severity::Low,
        "libssl3 3.0.13",
        false,
    ),
    (
        "trivy",
        "CVE-2023-39325",
        "net/http: rapid stream resets can cause excessive work",
        Severity::High,
        "stdlib 1.21.1",
        false,
    ),
    (
        "grype",
        "CVE-2024-21538",
        "cross-spawn: regular expression denial of service",
        Severity::High,
        "cross-spawn 7.0.3",
        false,
    ),
    ("grype", "CVE-2024-4068", "braces: uncontrolled resource consumption", Severity::High, "braces 3.0.2", false),
    ("grype", "CVE-2024-37890", "ws: denial of service with many HTTP headers", Severity::High, "ws 8.17.0", false),
    ("grype", "CVE-2023-26136", "tough-cookie: prototype pollution", Severity::Medium, "tough-cookie 4.1.2", false),
    (
        "grype",
        "CVE-2024-29041",
        "express: open redirect with malformed URLs",
        Severity::Medium,
        "express 4.18.2",
        false,
    ),
    (
        "grype",
        "CVE-2024-35195",
        "requests: verify=False persists across a session",
        Severity::Medium,
        "requests 2.31.0",
        false,
    ),
    (
        "grype",
        "CVE-2022-40897",
        "setuptools: regular expression denial of service",
        Severity::Medium,
        "setuptools 65.5.0",
        false,
    ),
    (
        "semgrep",
        "javascript.express.security.audit.xss.direct-response-write",
        "User input written directly to the response",
        Severity::Medium,
        "src/routes/preview.ts:41",
        false,
    ),
    (
        "semgrep",
        "python.lang.security.audit.formatted-sql-query",
        "SQL query built with string formatting",
        Severity::High,
        "reports/queries.py:118",
        false,
    ),
    (
        "semgrep",
        "go.lang.security.audit.net.use-tls",
        "Plain HTTP listener without TLS",
        Severity::Low,
        "cmd/server/main.go:57",
        false,
    ),
    (
        "codeql",
        "js/missing-rate-limiting",
        "Route handler performs authorization without rate limiting",
        Severity::Medium,
        "src/auth/login.ts:23",
        false,
    ),
    (
        "codeql",
        "py/clear-text-logging-sensitive-data",
        "Clear-text logging of sensitive information",
        Severity::High,
        "ingest/webhooks.py:64",
        false,
    ),
    (
        "codeql",
        "go/path-injection",
        "Uncontrolled data used in path expression",
        Severity::High,
        "internal/export/files.go:92",
        false,
    ),
    (
        "codeql",
        "js/insecure-randomness",
        "Insecure randomness used for a token",
        Severity::Medium,
        "src/invites/token.ts:12",
        false,
    ),
    (
        "gitleaks",
        "generic-api-key",
        "API key committed to the repository",
        Severity::High,
        "config/staging.env:12",
        false,
    ),
    (
        "pentest",
        "PT-2026-07",
        "Session cookie without SameSite on the admin console",
        Severity::Low,
        "admin console",
        false,
    ),
    ("pentest", "PT-2025-11", "Verbose errors reveal stack traces", Severity::Low, "GET /api/v2/reports", false),
    (
        "pentest",
        "PT-2026-03",
        "Invoice download does not check the invoice belongs to the caller",
        Severity::High,
        "GET /api/invoices/{id}/pdf",
        false,
    ),
];

/// The finding the demo seeds to stop one upcoming release: a real critical advisory.
pub const STOP_FINDING: (&str, &str, &str, &str) = (
    "trivy",
    "CVE-2024-45337",
    "golang.org/x/crypto: misuse of ServerConfig.PublicKeyCallback may cause authorization bypass",
    "golang.org/x/crypto 0.29.0",
);

impl Gen {
    /// Findings over the last 18 months: most fixed within their SLA, some late, a few open.
    /// Open findings at high severity or above are only ever in staging or development, so
    /// the one seeded STOP is the demo's only open critical in production.
    fn findings(&mut self) -> Vec<DemoFinding> {
        let mut out = Vec::new();
        for system in 0..SYSTEMS.len() {
            let count = self.rng.gen_range(6..=14);
            for _ in 0..count {
                let (tool, rule, title, severity, component, kev) = *FINDINGS.choose(&mut self.rng).expect("findings");
                let ago = self.rng.gen_range(3..540);
                let first = self.day(-ago);
                let created = self.at_work(first);
                let environment = match self.rng.gen_range(0..20) {
                    0..=11 => Environment::Production,
                    12..=16 => Environment::Staging,
                    _ => Environment::Development,
                };
                let days = match severity {
                    Severity::Critical => self.rng.gen_range(1..=12),
                    Severity::High => self.rng.gen_range(3..=45),
                    Severity::Medium => self.rng.gen_range(10..=120),
                    Severity::Low | Severity::Info => self.rng.gen_range(20..=240),
                };
                let fix_day = first + Duration::days(days);
                let fixed = (fix_day < self.anchor).then(|| self.at_work(fix_day).max(created + Duration::minutes(5)));
                let serious = matches!(severity, Severity::Critical | Severity::High);
                let environment = if fixed.is_none() && serious { Environment::Staging } else { environment };
                out.push(DemoFinding {
                    input: FindingInput {
                        system_id: None,
                        tool: tool.to_owned(),
                        rule: rule.to_owned(),
                        title: title.to_owned(),
                        severity,
                        environment,
                        component: component.to_owned(),
                        kev,
                        first_seen: Some(created),
                        external_id: None,
                    },
                    system,
                    created,
                    fixed,
                });
            }
        }
        out.sort_by_key(|f| f.created);
        out
    }
}

fn lookup_stage(stage: Stage) -> &'static [&'static str] {
    SOURCES.iter().find(|(s, _)| *s == stage).map(|(_, v)| *v).expect("every stage has sources")
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use rhythm_domain::{
        AuditFinding, BacklogItem, Epic, Finding, FindingPatch, Incident, Initiative, New, Release, Risk, RiskUpdate,
        System, Vendor,
    };
    use time::macros::date;
    use uuid::Uuid;

    const ANCHOR: Date = date!(2026 - 11 - 26);

    fn id(n: usize) -> Uuid {
        Uuid::from_u128(n as u128 + 1)
    }

    fn new(n: usize, now: OffsetDateTime) -> New {
        New { id: id(n), workspace_id: Uuid::nil(), number: n as i64 + 1, now }
    }

    fn midnight(d: Date) -> OffsetDateTime {
        ts(d, 0, 0)
    }

    /// Builds every entity through the domain, with ids filled from the indexes.
    fn assert_valid(d: &DemoData) {
        for (i, (s, at)) in d.systems.iter().enumerate() {
            System::create(s.clone(), new(i, *at)).unwrap_or_else(|e| panic!("system {i}: {e}"));
        }
        for (i, (s, at)) in d.initiatives.iter().enumerate() {
            Initiative::create(s.clone(), new(i, *at)).unwrap_or_else(|e| panic!("initiative {i}: {e}"));
        }
        for (i, e) in d.epics.iter().enumerate() {
            let input = EpicInput { initiative_id: e.initiative.map(id), ..e.input.clone() };
            Epic::create(input, new(i, e.created)).unwrap_or_else(|err| panic!("epic {i}: {err}"));
        }
        for (i, it) in d.items.iter().enumerate() {
            let input = BacklogItemInput {
                epic_id: it.epic.map(id),
                system_id: it.system.map(id),
                assignee_id: it.assignee.map(id),
                ..it.input.clone()
            };
            let item = BacklogItem::create(input, new(i, it.created)).unwrap_or_else(|e| panic!("item {i}: {e}"));
            assert_eq!(item.status == ItemStatus::Done, it.done.is_some(), "item {i}");
        }
        for (i, r) in d.risks.iter().enumerate() {
            let input = RiskInput {
                owner_id: r.owner.map(id),
                system_ids: r.systems.iter().copied().map(id).collect(),
                backlog_item_ids: r.backlog_items.iter().copied().map(id).collect(),
                ..r.input.clone()
            };
            let risk = Risk::create(input, new(i, r.created)).unwrap_or_else(|e| panic!("risk {i}: {e}"));
            assert_eq!(risk.status == RiskStatus::Closed, r.closed.is_some(), "risk {i}");
            for (k, (at, u)) in r.updates.iter().enumerate() {
                RiskUpdate::create(u.clone(), id(k), risk.id, risk.owner_id, *at)
                    .unwrap_or_else(|e| panic!("risk {i} update {k}: {e}"));
            }
        }
        for (i, r) in d.releases.iter().enumerate() {
            let input = ReleaseInput { system_id: r.system.map(id), ..r.input.clone() };
            Release::create(input, new(i, r.created)).unwrap_or_else(|e| panic!("release {i}: {e}"));
        }
        for (i, inc) in d.incidents.iter().enumerate() {
            let input =
                IncidentInput { system_ids: inc.systems.iter().copied().map(id).collect(), ..inc.input.clone() };
            Incident::create(input, new(i, inc.created)).unwrap_or_else(|e| panic!("incident {i}: {e}"));
        }
        for (i, f) in d.audit_findings.iter().enumerate() {
            let input = AuditFindingInput { repeat_of: f.repeat_of.map(id), ..f.input.clone() };
            AuditFinding::create(input, new(i, f.created)).unwrap_or_else(|e| panic!("audit finding {i}: {e}"));
        }
        for (i, (v, at)) in d.vendors.iter().enumerate() {
            Vendor::create(v.clone(), new(i, *at)).unwrap_or_else(|e| panic!("vendor {i}: {e}"));
        }
        for (i, f) in d.findings.iter().enumerate() {
            let found =
                Finding::create(f.input.clone(), new(i, f.created)).unwrap_or_else(|e| panic!("finding {i}: {e}"));
            if let Some(at) = f.fixed {
                assert!(at > f.created, "finding {i} is fixed before it was found");
                let patch = FindingPatch {
                    status: Some(rhythm_domain::FindingStatus::Fixed),
                    fixed_at: Some(Some(at)),
                    ..Default::default()
                };
                found.apply(patch, at).unwrap_or_else(|e| panic!("fixing finding {i}: {e}"));
            } else if matches!(f.input.severity, Severity::Critical | Severity::High) {
                assert_ne!(
                    f.input.environment,
                    Environment::Production,
                    "finding {i}: only the seeded STOP is open and serious in production"
                );
            }
        }
        for u in &d.users {
            assert_eq!(rhythm_domain::account::normalize_email(&u.email).unwrap(), u.email);
            rhythm_domain::account::check_user_name(&u.name).unwrap();
        }
    }

    /// Every creation time is after the workspace's and before the anchor, and consistent with
    /// the row's own dates and the rows it links to.
    fn assert_times(d: &DemoData, anchor: Date) {
        let today = midnight(anchor);
        let w = d.workspace_created;
        let in_past = |t: OffsetDateTime, what: &str| {
            assert!(t > w && t < today, "{what}: {t} not between {w} and {today}");
        };
        for (i, (_, t)) in d.systems.iter().enumerate() {
            in_past(*t, &format!("system {i}"));
        }
        for (i, f) in d.findings.iter().enumerate() {
            in_past(f.created, &format!("finding {i}"));
            if let Some(t) = f.fixed {
                in_past(t, &format!("finding {i} fixed"));
            }
        }
        for (i, (_, t)) in d.initiatives.iter().enumerate() {
            in_past(*t, &format!("initiative {i}"));
        }
        for (i, e) in d.epics.iter().enumerate() {
            in_past(e.created, &format!("epic {i}"));
            assert!(e.created >= d.initiatives[e.initiative.unwrap()].1, "epic {i} before its initiative");
        }
        for (i, it) in d.items.iter().enumerate() {
            in_past(it.created, &format!("item {i}"));
            if let Some(e) = it.epic {
                assert!(it.created >= d.epics[e].created, "item {i} before its epic");
            }
            if let Some(done) = it.done {
                in_past(done, &format!("item {i} done"));
                assert!(done > it.created, "item {i} done before created");
            }
            if i > 0 {
                assert!(d.items[i - 1].created <= it.created, "items in creation order");
            }
        }
        for (i, r) in d.risks.iter().enumerate() {
            in_past(r.created, &format!("risk {i}"));
            if let Some(due) = r.input.due_date {
                assert!(due >= r.created.date(), "risk {i} due before created");
            }
            if let Some(c) = r.closed {
                in_past(c, &format!("risk {i} closed"));
                assert!(c > r.created);
            }
            let mut prev = r.created;
            for (at, _) in &r.updates {
                in_past(*at, &format!("risk {i} update"));
                assert!(*at > prev, "risk {i} updates in order after creation");
                prev = *at;
            }
            if let (Some(c), Some((last, _))) = (r.closed, r.updates.last()) {
                assert!(*last <= c, "risk {i} updated after it closed");
            }
        }
        for (i, r) in d.releases.iter().enumerate() {
            in_past(r.created, &format!("release {i}"));
            assert!(r.created.date() < r.input.planned_date, "release {i} created after its planned date");
            assert!(r.created > d.systems[r.system.unwrap()].1, "release {i} before its system");
            if let Some(s) = r.input.shipped_date {
                assert!(s < anchor, "release {i} shipped in the future");
            }
        }
        for (i, inc) in d.incidents.iter().enumerate() {
            in_past(inc.created, &format!("incident {i}"));
            let x = &inc.input;
            let times = [Some(x.started_at), x.detected_at, x.contained_at, x.resolved_at];
            let present: Vec<_> = times.iter().flatten().collect();
            assert!(present.windows(2).all(|p| p[0] < p[1]), "incident {i} times strictly ordered");
            assert!(present.iter().all(|t| **t < today), "incident {i} in the future");
            assert!(inc.created > x.detected_at.unwrap(), "incident {i} declared before detection");
            if i > 0 {
                assert!(d.incidents[i - 1].input.started_at <= x.started_at, "incidents in time order");
            }
        }
        for (i, f) in d.audit_findings.iter().enumerate() {
            in_past(f.created, &format!("audit finding {i}"));
            assert!(f.created.date() >= f.input.opened_on);
            if let Some(c) = f.input.closed_on {
                assert!(c >= f.input.opened_on && c < anchor, "audit finding {i} closed_on");
            }
        }
        for (i, (_, t)) in d.vendors.iter().enumerate() {
            in_past(*t, &format!("vendor {i}"));
        }
    }

    #[test]
    fn every_entity_passes_domain_validation_for_many_seeds_and_anchors() {
        for seed in 0..25 {
            for anchor in [ANCHOR, date!(2025 - 01 - 01), date!(2028 - 02 - 29)] {
                let d = generate(seed, anchor);
                assert_valid(&d);
                assert_times(&d, anchor);
            }
        }
    }

    #[test]
    fn counts_are_in_range() {
        for seed in [0, 1, 42, 4242] {
            let d = generate(seed, ANCHOR);
            assert_eq!(d.workspace_name, "Northwind Ledger");
            assert!((9..=12).contains(&d.users.len()));
            assert!((10..=14).contains(&d.systems.len()));
            assert!((4..=7).contains(&d.initiatives.len()));
            assert!((18..=24).contains(&d.epics.len()));
            assert!((250..=370).contains(&d.items.len()), "{} items", d.items.len());
            assert!((50..=70).contains(&d.risks.len()), "{} risks", d.risks.len());
            assert!((36..=90).contains(&d.releases.len()), "{} releases", d.releases.len());
            assert!((20..=30).contains(&d.incidents.len()), "{} incidents", d.incidents.len());
            assert!((12..=30).contains(&d.audit_findings.len()));
            assert!((5..=8).contains(&d.vendors.len()));
            for r in &d.risks {
                assert!(r.updates.len() <= 4);
            }
        }
    }

    #[test]
    fn every_link_index_is_in_range() {
        let d = generate(42, ANCHOR);
        let (users, systems, items) = (d.users.len(), d.systems.len(), d.items.len());
        for e in &d.epics {
            assert!(e.initiative.is_some_and(|i| i < d.initiatives.len()));
        }
        for it in &d.items {
            assert!(it.epic.is_none_or(|e| e < d.epics.len()));
            assert!(it.system.is_none_or(|s| s < systems));
            assert!(it.assignee.is_none_or(|u| u < users && d.users[u].role.allows(rhythm_domain::Permission::Write)));
        }
        for r in &d.risks {
            assert!(r.owner.is_none_or(|u| u < users && d.users[u].role.allows(rhythm_domain::Permission::Write)));
            assert!(r.systems.iter().all(|s| *s < systems));
            assert!(r.backlog_items.iter().all(|i| *i < items));
        }
        for r in &d.releases {
            assert!(r.system.is_some_and(|s| s < systems));
        }
        for inc in &d.incidents {
            assert!(inc.systems.iter().all(|s| *s < systems));
            assert!(inc.follow_ups.iter().all(|i| *i < items && d.items[*i].epic.is_none()));
        }
        for (i, f) in d.audit_findings.iter().enumerate() {
            assert!(f.repeat_of.is_none_or(|r| r < i));
        }
    }

    #[test]
    fn generation_is_deterministic_and_depends_on_seed_and_anchor() {
        let a = format!("{:?}", generate(42, ANCHOR));
        assert_eq!(a, format!("{:?}", generate(42, ANCHOR)));
        assert_ne!(a, format!("{:?}", generate(43, ANCHOR)));
        assert_ne!(a, format!("{:?}", generate(42, date!(2026 - 11 - 27))));
    }

    #[test]
    fn the_demo_shows_every_state_the_product_cares_about() {
        for seed in [0, 7, 42, 99] {
            let d = generate(seed, ANCHOR);
            for s in RiskStatus::ALL {
                assert!(d.risks.iter().any(|r| r.input.status == Some(*s)), "risk status {s}");
            }
            for s in Stage::ALL {
                assert!(d.risks.iter().any(|r| r.input.found_stage == *s), "stage {s}");
            }
            for k in WorkKind::ALL {
                assert!(d.items.iter().any(|i| i.input.kind == *k), "kind {k}");
            }
            for s in ItemStatus::ALL {
                assert!(d.items.iter().any(|i| i.input.status == Some(*s)), "item status {s}");
            }
            assert!(d.items.iter().any(|i| { i.input.external_key.as_deref().is_some_and(|k| k.starts_with("PAY-")) }));
            assert!(d.items.iter().any(|i| {
                i.input
                    .external_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("https://northwind.atlassian.example/browse/"))
            }));
            assert!(d.items.iter().any(|i| i.input.external_key.is_none()));
            assert!(d.risks.iter().any(|r| r.updates.len() == 4));
            assert!(d.risks.iter().any(|r| r.updates.is_empty()));
            assert!(d.risks.iter().any(|r| r.input.tags.iter().any(|t| t == "customer-harm")));
            assert!(d.risks.iter().any(|r| !r.backlog_items.is_empty()));
            assert!(
                d.releases.iter().any(|r| r.input.shipped_date.is_some_and(|s| s > r.input.planned_date)),
                "slipped"
            );
            assert!(
                d.releases
                    .iter()
                    .any(|r| r.input.planned_date > ANCHOR && r.input.status == Some(ReleaseStatus::Planned))
            );
            assert!(
                d.releases.iter().any(|r| r.input.shipped_date.is_some_and(|s| s <= r.input.planned_date)),
                "on time"
            );
            assert!(d.incidents.iter().any(|i| i.input.resolved_at.is_none()), "open incident");
            assert!(d.incidents.iter().filter(|i| i.input.resolved_at.is_none()).count() <= 2);
            assert!(d.incidents.iter().any(|i| i.input.customer_impact));
            assert!(d.audit_findings.iter().any(|f| f.repeat_of.is_some()), "repeat finding");
            assert!(d.audit_findings.iter().any(|f| f.input.closed_on.is_some()));
            assert!(d.audit_findings.iter().any(|f| f.input.closed_on.is_none()));
            assert!(d.audit_findings.iter().any(|f| f.input.framework == "ISO 27001"));
            assert!(d.systems.iter().any(|(s, _)| !s.golden_paths.contains(&G::LoggingMonitoring)));
            assert!(d.initiatives.iter().all(|(i, _)| i.target_quarter.is_some()));
            let roles: Vec<Role> = d.users.iter().map(|u| u.role).collect();
            for r in Role::ALL {
                assert!(roles.contains(r), "role {r}");
            }
            assert_eq!(roles.iter().filter(|r| **r == Role::Ciso).count(), 1);
            assert_eq!(roles.iter().filter(|r| **r == Role::Cto).count(), 1);
        }
    }

    #[test]
    fn names_are_unique_and_statements_short() {
        let d = generate(42, ANCHOR);
        let unique = |v: Vec<&str>, what: &str| {
            let set: BTreeSet<&str> = v.iter().copied().collect();
            assert_eq!(set.len(), v.len(), "duplicate {what}");
        };
        unique(d.items.iter().map(|i| i.input.title.as_str()).collect(), "item titles");
        unique(d.items.iter().filter_map(|i| i.input.external_key.as_deref()).collect(), "external keys");
        unique(d.risks.iter().map(|r| r.input.statement.as_str()).collect(), "risk statements");
        unique(d.releases.iter().map(|r| r.input.name.as_str()).collect(), "release names");
        unique(d.systems.iter().map(|(s, _)| s.name.as_str()).collect(), "system names");
        unique(d.users.iter().map(|u| u.email.as_str()).collect(), "emails");
        for r in RISKS {
            assert!(r.statement.chars().count() <= rhythm_domain::STATEMENT_MAX_CHARS, "{}", r.statement);
            assert!(!r.statement.contains('\n'));
        }
    }
}
