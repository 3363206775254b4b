//! The command line, declared once with clap's derive.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rhythm_domain::Kind;

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
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    #[command(flatten)]
    Register(RegisterCommand),
    /// Exceptions: request, sign, withdraw, edit, and what waits for your signature.
    Exception(Box<ExceptionArgs>),
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
    /// Recompute every workspace's audit hash chain; exit 1 if one does not verify.
    VerifyAudit {
        #[arg(long, env = "RHYTHM_DB")]
        db: String,
    },
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
        }
    }
}

#[derive(Debug, Args)]
pub struct Connection {
    /// Rhythm server URL.
    #[arg(long, env = "RHYTHM_SERVER", global = true)]
    pub server: Option<String>,
    /// API token (rhy_…). Prefer the RHYTHM_TOKEN environment variable: arguments show in `ps`.
    #[arg(long, env = "RHYTHM_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
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
    /// A system id it covers (repeat for several).
    #[arg(long = "system", value_name = "ID")]
    pub systems: Vec<String>,
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
    /// A risk id it covers (repeat for several).
    #[arg(long = "risk", value_name = "ID")]
    pub risks: Vec<String>,
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
