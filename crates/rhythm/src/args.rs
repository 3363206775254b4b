//! The command line, declared once with clap's derive.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rhythm_domain::{Kind, Secret};

/// Rhythm runs the security and delivery operating rhythm between a CISO and a CTO.
#[derive(Debug, Parser)]
#[command(name = "rhythm", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 ok, 1 not found or refused, 2 error.\n\nStart with `rhythm demo`, then open the URL it prints."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Create a demo workspace on an embedded database (first run), print how to sign in, and serve it.
    Demo(DemoArgs),
    /// Bootstrap and maintenance commands that work on the database directly.
    Admin(AdminArgs),
    /// API tokens for scripts and CI (works on the database directly).
    Token(TokenArgs),
    /// The launch gate of a release, for CI: exit 0 for GO and GO WITH EXCEPTIONS, 1 for STOP, 2 for errors.
    Gate(GateArgs),
    /// Notification targets (webhooks, e-mail) and recent deliveries, on a server.
    Notify(NotifyArgs),
    /// Import scanner files, register CSVs or tracker backlogs into a server: one recorded import per file.
    Import(ImportArgs),
    /// Export a register as CSV (the columns its import takes): findings, releases, incidents, audit-findings, risks.
    Export(ExportArgs),
    /// Exceptions: request, sign, withdraw, edit, and what waits for your signature.
    Exception(Box<ExceptionArgs>),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The versioned policy: show a version, or propose a change from a file.
    Policy(PolicyArgs),
    /// Written decisions: the log, requests, deciding, concurring, withdrawing.
    Decision(DecisionArgs),
    #[command(flatten)]
    Register(RegisterCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Database URL: sqlite://path/to/rhythm.db (add ?mode=rwc to create it) or postgres://user@host/db.
    #[arg(long, env = "RHYTHM_DB")]
    pub db: String,
    /// Address to listen on.
    #[arg(long, env = "RHYTHM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve cookies with the Secure flag (set when Rhythm is reached over HTTPS).
    #[arg(long, env = "RHYTHM_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Minutes of inactivity that end a session.
    #[arg(long, env = "RHYTHM_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i64,
    /// Hours after sign-in that end a session.
    #[arg(long, env = "RHYTHM_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,
    /// Log as JSON lines.
    #[arg(long, env = "RHYTHM_LOG_JSON")]
    pub log_json: bool,
    /// SMTP relay for e-mail notifications: smtp://host (STARTTLS, port 587), smtps://user:pass@host
    /// (TLS, port 465), add ?tls=none for a plain local relay (port 25). Prefer the environment
    /// variable: arguments show in `ps`.
    #[arg(long, env = "RHYTHM_SMTP_URL", hide_env_values = true, value_parser = secret_url)]
    pub smtp_url: Option<SecretUrl>,
    /// Sender of notification e-mails, e.g. "Rhythm <rhythm@example.com>".
    #[arg(long, env = "RHYTHM_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The address people reach Rhythm at (https://rhythm.example.com), for links in notifications.
    #[arg(long, env = "RHYTHM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest file an import (API or upload form) accepts, in MiB.
    #[arg(long, env = "RHYTHM_MAX_IMPORT_MB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_import_mb: u32,
    /// A TOML file mapping tracker labels and issue types to work kinds (see docs/tracker-import.md).
    #[arg(long, env = "RHYTHM_TRACKER_MAPPING")]
    pub tracker_mapping: Option<PathBuf>,
    /// Seconds between runs of the governance jobs (exception expiry, expiring-soon notices).
    #[arg(long, env = "RHYTHM_JOBS_INTERVAL_SECS", default_value_t = 60)]
    pub jobs_interval_secs: u64,
    /// Run no background jobs (a web-only instance; another instance delivers notifications).
    #[arg(long, env = "RHYTHM_NO_JOBS")]
    pub no_jobs: bool,
    /// A network webhooks may reach although it is private, loopback or link-local (an internal
    /// relay), e.g. 10.1.2.0/24 or 127.0.0.1/32; repeat or separate with commas. Without it,
    /// webhooks go to public addresses only.
    #[arg(long, env = "RHYTHM_WEBHOOK_ALLOW", value_delimiter = ',', value_name = "CIDR")]
    pub webhook_allow: Vec<ipnet::IpNet>,
    /// Behind a reverse proxy that sets X-Forwarded-For: take the client's address (for sign-in
    /// throttling and the audit log) from its last entry instead of the connection.
    #[arg(long, env = "RHYTHM_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo database.
    #[arg(long, default_value = "rhythm-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "RHYTHM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Delete the demo database first and make a new one.
    #[arg(long)]
    pub reset: bool,
    /// Create the demo data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// Seed of the generated company (the same seed gives the same company).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[arg(long, env = "RHYTHM_DB")]
        db: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Display name (default: the part of the e-mail before @).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Workspace to create when the database has none yet.
        #[arg(long, default_value = "Rhythm")]
        workspace: String,
    },
    /// Give a person another role. The CTO, CISO and executive roles hold decision rights, so
    /// only this operator command grants or takes them (the API refuses); it is audited.
    SetRole {
        #[arg(long, env = "RHYTHM_DB")]
        db: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Recompute every workspace's audit hash chain and check it reaches its recorded head;
    /// exit 1 if one does not verify.
    VerifyAudit {
        #[arg(long, env = "RHYTHM_DB")]
        db: String,
        /// A head published earlier (SEQ:HASH, as this command, the API's /api/v1/audit-log/head
        /// or the server's start-up log printed it): the chain must still hold that entry with
        /// that hash, so a chain cut short or rewritten together with its head record is caught.
        /// Checks the database's only workspace, or the one given by --workspace.
        #[arg(long, value_name = "SEQ:HASH", value_parser = head_arg)]
        expect_head: Option<rhythm_store::AuditHead>,
        /// The workspace (by name) that --expect-head belongs to.
        #[arg(long, requires = "expect_head")]
        workspace: Option<String>,
    },
}

/// `SEQ:HASH`: a published audit head.
fn head_arg(s: &str) -> Result<rhythm_store::AuditHead, String> {
    let (seq, hash) = s.trim().split_once(':').ok_or("expected SEQ:HASH, e.g. 1234:9f86d081…")?;
    let seq = seq.parse::<i64>().map_err(|_| format!("'{seq}' is not an entry number"))?;
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("the hash is 64 hexadecimal characters".into());
    }
    Ok(rhythm_store::AuditHead { seq, hash })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Ciso,
    Cto,
    SecurityLead,
    EngineeringLead,
    Delivery,
    Engineer,
    Viewer,
    Board,
    /// The escalation authority (CEO / CIO): decides escalations.
    Executive,
}

impl From<RoleArg> for rhythm_domain::Role {
    fn from(r: RoleArg) -> Self {
        use rhythm_domain::Role;
        match r {
            RoleArg::Ciso => Role::Ciso,
            RoleArg::Cto => Role::Cto,
            RoleArg::SecurityLead => Role::SecurityLead,
            RoleArg::EngineeringLead => Role::EngineeringLead,
            RoleArg::Delivery => Role::Delivery,
            RoleArg::Engineer => Role::Engineer,
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Board => Role::Board,
            RoleArg::Executive => Role::Executive,
        }
    }
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (once).
    Create {
        #[arg(long, env = "RHYTHM_DB")]
        db: String,
        /// The user's e-mail.
        #[arg(long)]
        user: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// read or write (write needs a role that may write).
        #[arg(long, default_value = "write")]
        scope: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        expires_days: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: TokenFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TokenFormat {
    Text,
    Json,
}

/// `rhythm risk list`, `rhythm system add`, …: talk to a server with a token.
#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// The shared risk register.
    Risk(RegisterArgs),
    /// Systems (products and services).
    System(RegisterArgs),
    /// The shared backlog.
    #[command(name = "item", alias = "backlog-item")]
    Item(RegisterArgs),
    /// Roadmap initiatives.
    Initiative(RegisterArgs),
    /// Epics.
    Epic(RegisterArgs),
    /// Releases.
    Release(RegisterArgs),
    /// Incidents.
    Incident(RegisterArgs),
    /// Audit findings.
    #[command(name = "audit-finding")]
    AuditFinding(RegisterArgs),
    /// Vendors and third-party integrations.
    Vendor(RegisterArgs),
    /// Security findings from scanners, pen tests and reviews.
    Finding(RegisterArgs),
    /// Design reviews for the monthly architecture review.
    #[command(name = "design-review")]
    DesignReview(RegisterArgs),
}

impl RegisterCommand {
    pub fn split(self) -> (Kind, RegisterArgs) {
        match self {
            RegisterCommand::Risk(a) => (Kind::Risk, a),
            RegisterCommand::System(a) => (Kind::System, a),
            RegisterCommand::Item(a) => (Kind::BacklogItem, a),
            RegisterCommand::Initiative(a) => (Kind::Initiative, a),
            RegisterCommand::Epic(a) => (Kind::Epic, a),
            RegisterCommand::Release(a) => (Kind::Release, a),
            RegisterCommand::Incident(a) => (Kind::Incident, a),
            RegisterCommand::AuditFinding(a) => (Kind::AuditFinding, a),
            RegisterCommand::Vendor(a) => (Kind::Vendor, a),
            RegisterCommand::Finding(a) => (Kind::Finding, a),
            RegisterCommand::DesignReview(a) => (Kind::DesignReview, a),
        }
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 GO or GO WITH EXCEPTIONS, 1 STOP, 2 error (unknown release, no server, bad token).\n\nExample in CI:\n  RHYTHM_SERVER=https://rhythm.example.com RHYTHM_TOKEN=rhy_… rhythm gate --release REL-42"
)]
pub struct GateArgs {
    /// The release: its reference (REL-12) or id.
    #[arg(long)]
    pub release: String,
    /// Rhythm server URL.
    #[arg(long, env = "RHYTHM_SERVER")]
    pub server: Option<String>,
    /// API token (rhy_…). Prefer the RHYTHM_TOKEN environment variable: arguments show in `ps`.
    #[arg(long, env = "RHYTHM_TOKEN", hide_env_values = true, value_parser = secret)]
    pub token: Option<Secret<String>>,
    /// Output format: a readable report, or the API's JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub format: GateFormat,
}

#[derive(Debug, Args)]
#[command(
    after_help = "FORMAT: sarif, trivy, grype, cyclonedx, osv, findings-csv, releases-csv, incidents-csv, audit-findings-csv, risks-csv, github-issues, jira, or auto (told from each file).\n\nScanner files are imported per (system, tool, environment): new findings open, ones the file no longer holds are closed as fixed, returning ones reopen. Each file is one transaction: a file that is refused changes nothing.\n\nExit codes: 0 every file imported, 1 a file was refused (its error names the file and the JSON path or CSV line), 2 error (no server, bad token, unreadable file).\n\nExample in CI:\n  RHYTHM_SERVER=https://rhythm.example.com RHYTHM_TOKEN=rhy_… rhythm import sarif results.sarif --system payments-api --environment production"
)]
pub struct ImportArgs {
    /// The importer, or `auto`.
    pub format: String,
    /// The files, each imported on its own.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Scanner files: the system the findings are in (name, SYS-n or id).
    #[arg(long)]
    pub system: Option<String>,
    /// Scanner files: production (the default), staging or development.
    #[arg(long)]
    pub environment: Option<String>,
    /// Rhythm server URL.
    #[arg(long, env = "RHYTHM_SERVER")]
    pub server: Option<String>,
    /// API token (rhy_…) with write scope. Prefer the RHYTHM_TOKEN environment variable.
    #[arg(long, env = "RHYTHM_TOKEN", hide_env_values = true, value_parser = secret)]
    pub token: Option<Secret<String>>,
    /// Print each import's record as JSON (one line per file) instead of a sentence.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// findings, releases, incidents, audit-findings or risks.
    pub register: String,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Rhythm server URL.
    #[arg(long, env = "RHYTHM_SERVER")]
    pub server: Option<String>,
    /// API token (rhy_…).
    #[arg(long, env = "RHYTHM_TOKEN", hide_env_values = true, value_parser = secret)]
    pub token: Option<Secret<String>>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GateFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct Connection {
    /// Rhythm server URL.
    #[arg(long, env = "RHYTHM_SERVER", global = true)]
    pub server: Option<String>,
    /// API token (rhy_…). Prefer the RHYTHM_TOKEN environment variable: arguments show in `ps`.
    #[arg(long, env = "RHYTHM_TOKEN", hide_env_values = true, global = true, value_parser = secret)]
    pub token: Option<Secret<String>>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table", global = true)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(subcommand)]
    pub action: Action,
    #[command(flatten)]
    pub conn: Connection,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// List entries.
    List {
        /// A filter, e.g. --filter status=open (repeatable).
        #[arg(long = "filter", value_name = "NAME=VALUE")]
        filters: Vec<String>,
        /// Search text.
        #[arg(long)]
        q: Option<String>,
        /// Sort field; prefix with - for descending (e.g. -score).
        #[arg(long, allow_hyphen_values = true)]
        sort: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Fetch every page.
        #[arg(long)]
        all: bool,
    },
    /// Show one entry by reference (RISK-12) or id.
    Show { id: String },
    /// Create an entry from fields (--set name=value) and/or a JSON document.
    Add {
        /// A field, e.g. --set impact=4 --set statement="…"; JSON values (numbers, [lists], null) are taken as JSON.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// A JSON object with the fields (a file path, or - for standard input).
        #[arg(long)]
        json: Option<String>,
    },
    /// Change fields of an entry.
    Update {
        id: String,
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        #[arg(long)]
        json: Option<String>,
    },
    /// Close an entry (risk: closed, item: done, release: cancelled, incident: resolved, …).
    Close { id: String },
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub action: PolicyAction,
    /// Rhythm server URL.
    #[arg(long, env = "RHYTHM_SERVER", global = true)]
    pub server: Option<String>,
    /// API token (rhy_…).
    #[arg(long, env = "RHYTHM_TOKEN", hide_env_values = true, global = true, value_parser = secret)]
    pub token: Option<Secret<String>>,
    /// toml prints the policy file; json the version with the parsed policy.
    #[arg(long, value_enum, default_value = "toml", global = true)]
    pub format: PolicyFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PolicyFormat {
    Toml,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum PolicyAction {
    /// Print the policy in force (or one version; 0 is the built-in default).
    #[command(disable_version_flag = true)]
    Show {
        #[arg(long)]
        version: Option<i64>,
    },
    /// Check a policy file here, then propose it: it applies as the next version once its
    /// policy_change decision is decided (by default: one chief decides, the other concurs).
    /// Problems print as FILE:LINE:COLUMN: message (exit 1).
    Apply {
        /// The TOML file, or - for standard input.
        file: String,
        /// Title of the policy_change decision.
        #[arg(long)]
        title: Option<String>,
        /// Why the policy changes (the summary of changes is added by the server).
        #[arg(long)]
        context: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DecisionArgs {
    #[command(subcommand)]
    pub action: DecisionAction,
    #[command(flatten)]
    pub conn: Connection,
}

#[derive(Debug, Subcommand)]
pub enum DecisionAction {
    /// The decision log, newest request first.
    List {
        #[arg(long)]
        category: Option<String>,
        /// requested, awaiting_concurrence, decided or withdrawn.
        #[arg(long)]
        status: Option<String>,
        /// cto, ciso, joint or escalate.
        #[arg(long)]
        decider: Option<String>,
        /// A linked risk (id or RISK-n).
        #[arg(long)]
        risk: Option<String>,
        /// A linked release (id or REL-n).
        #[arg(long)]
        release: Option<String>,
        /// Search text.
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Fetch every page.
        #[arg(long)]
        all: bool,
    },
    /// One decision (DEC-n or id).
    Show { id: String },
    /// Record a decision request; who decides follows the policy in force.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        category: String,
        #[arg(long, default_value = "")]
        context: String,
        /// An option considered (repeat for each).
        #[arg(long = "option")]
        options: Vec<String>,
        /// A linked risk, id or RISK-n (repeatable).
        #[arg(long = "risk")]
        risks: Vec<String>,
        /// A linked release, id or reference (repeatable).
        #[arg(long = "release")]
        releases: Vec<String>,
        /// A linked exception id (repeatable).
        #[arg(long = "exception")]
        exceptions: Vec<String>,
        /// A linked backlog item, id or reference (repeatable).
        #[arg(long = "item")]
        items: Vec<String>,
        /// The decision this one replaces (DEC-n or id).
        #[arg(long)]
        supersedes: Option<String>,
    },
    /// Record the choice and its cost (only whoever the policy names may).
    Decide {
        id: String,
        #[arg(long)]
        choice: String,
        #[arg(long)]
        cost: String,
        /// For escalations: the forum it was decided in (optional; you are recorded as the decider).
        #[arg(long)]
        escalated_to: Option<String>,
    },
    /// Concur with a joint decision as the other chief.
    Concur { id: String },
    /// State your written position on an escalation, as the CTO or the CISO.
    Position {
        id: String,
        /// What you want decided and why.
        #[arg(long)]
        text: String,
    },
    /// Withdraw a request that is not decided.
    Withdraw { id: String },
}

/// `rhythm notify …`: talk to a server with a token.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    #[command(subcommand)]
    pub command: NotifyCommand,
    #[command(flatten)]
    pub conn: Connection,
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Where governance events are sent.
    Targets {
        #[command(subcommand)]
        action: TargetAction,
    },
    /// Recent deliveries, newest first, with status (pending, delivered, dead) and last error.
    Outbox {
        /// Only this status: pending, delivered or dead.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum TargetAction {
    /// List the targets (secrets are never shown).
    List,
    /// Add a webhook or an e-mail target (CISO or CTO).
    Add {
        /// A webhook URL (http:// or https://).
        #[arg(long, conflicts_with = "email", required_unless_present = "email")]
        webhook: Option<String>,
        /// An e-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Read the webhook signing secret (16 to 256 characters) from standard input.
        #[arg(long, requires = "webhook")]
        secret_stdin: bool,
        /// Post a Slack incoming-webhook body instead of Rhythm's JSON.
        #[arg(long, requires = "webhook")]
        slack: bool,
        /// An event to send (repeatable): signature.requested, exception.expiring,
        /// exception.expired, launch_gate.stop, escalation.opened. None: every event.
        #[arg(long = "event", value_name = "EVENT")]
        events: Vec<String>,
    },
    /// Stop sending to a target.
    Disable { id: String },
    /// Send to a target again.
    Enable { id: String },
    /// Queue a test notification for a target.
    Test { id: String },
}

/// A URL that may carry a password: its `Debug` shows it redacted, so printing the parsed
/// arguments never leaks it.
#[derive(Clone)]
pub struct SecretUrl(pub String);

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", rhythm_store::redact_url(&self.0))
    }
}

#[allow(clippy::unnecessary_wraps)] // clap's value parsers return a Result
fn secret_url(s: &str) -> Result<SecretUrl, String> {
    Ok(SecretUrl(s.to_owned()))
}

/// An API token: its `Debug` is `Secret(***)`, so printing the parsed arguments never shows it.
#[allow(clippy::unnecessary_wraps)] // clap's value parsers return a Result
fn secret(s: &str) -> Result<Secret<String>, String> {
    Ok(Secret::from(s))
}

/// `rhythm exception …`: talks to a server like the register commands.
#[derive(Debug, Args)]
pub struct ExceptionArgs {
    #[command(subcommand)]
    pub action: ExceptionAction,
    #[command(flatten)]
    pub conn: Connection,
}

/// The terms of a request or an edit, as flags. Owners are e-mail addresses or user ids.
#[derive(Debug, Args, Default)]
pub struct ExceptionFields {
    #[arg(long)]
    pub title: Option<String>,
    /// The business reason (not that fixing it is inconvenient).
    #[arg(long)]
    pub reason: Option<String>,
    /// What it covers and what it does not.
    #[arg(long)]
    pub scope: Option<String>,
    /// A system it covers, by id or reference like SYS-2 (repeat for several).
    #[arg(long = "system", value_name = "ID")]
    pub systems: Vec<String>,
    /// It applies across the organization rather than to named systems.
    #[arg(long)]
    pub organization_wide: bool,
    /// Who is exposed while it lasts (required).
    #[arg(long)]
    pub users_impacted: Option<String>,
    /// First valid day, YYYY-MM-DD.
    #[arg(long)]
    pub starts: Option<String>,
    /// Last valid day, YYYY-MM-DD.
    #[arg(long)]
    pub expires: Option<String>,
    /// A compensating control (repeat for several).
    #[arg(long = "control", value_name = "TEXT")]
    pub controls: Vec<String>,
    /// A risk it covers, by id or reference like RISK-4 (repeat for several).
    #[arg(long = "risk", value_name = "ID")]
    pub risks: Vec<String>,
    /// A finding it covers, by id or reference like FND-12 (repeat for several).
    #[arg(long = "finding", value_name = "ID")]
    pub findings: Vec<String>,
    /// The engineering owner (a CTO or engineering lead): e-mail or user id.
    #[arg(long, value_name = "EMAIL|ID")]
    pub engineering_owner: Option<String>,
    /// The security owner (a CISO or security lead): e-mail or user id.
    #[arg(long, value_name = "EMAIL|ID")]
    pub security_owner: Option<String>,
    /// A JSON file of fields (`-` for standard input); flags override its fields.
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ExceptionAction {
    /// List exceptions.
    List {
        /// requested, approved, rejected, escalated, withdrawn or expired.
        #[arg(long)]
        status: Option<String>,
        /// Any other filter: system, risk, owner, requester, awaiting_signature, supersedes, expires_before.
        #[arg(long = "filter", value_name = "NAME=VALUE")]
        filters: Vec<String>,
        #[arg(long)]
        q: Option<String>,
        /// expires_on (default), number, created_at, review_on, updated_at; -field for descending.
        #[arg(long, allow_hyphen_values = true)]
        sort: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
    /// Show one exception (EXC-7 or its id).
    Show { id: String },
    /// Request an exception; both named owners are asked to sign.
    Request {
        #[command(flatten)]
        fields: ExceptionFields,
        /// The exception this one extends (EXC-7 or its id).
        #[arg(long, value_name = "EXC-N|ID")]
        supersedes: Option<String>,
    },
    /// Sign your side (you must be its named owner).
    Sign {
        id: String,
        /// engineering or security.
        #[arg(long)]
        side: String,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        /// Why; required with --reject.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Withdraw your request.
    Withdraw { id: String },
    /// Change an exception; anything but the title voids its signatures.
    Edit {
        id: String,
        #[command(flatten)]
        fields: ExceptionFields,
    },
    /// What waits for your signature.
    Inbox,
}
