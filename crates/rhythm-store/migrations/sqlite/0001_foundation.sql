-- Foundation: workspaces, people, sign-in, the shared registers and the audit chain.
-- Types: ids are 16-byte BLOB uuids, times are UTC text (sortable), dates are YYYY-MM-DD text,
-- lists are JSON text. Keep in step with ../postgres/0001_foundation.sql (a test checks it).

CREATE TABLE workspaces (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX users_workspace ON users(workspace_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id),
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    user_id BLOB NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE systems (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_team TEXT NOT NULL,
    tier TEXT NOT NULL,
    golden_paths TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number),
    UNIQUE (workspace_id, name)
);

CREATE TABLE initiatives (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    business_goal TEXT NOT NULL,
    reduces_or_enables TEXT NOT NULL,
    status TEXT NOT NULL,
    target_quarter TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);

CREATE TABLE epics (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    initiative_id BLOB REFERENCES initiatives(id),
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);

CREATE TABLE backlog_items (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    rank INTEGER NOT NULL,
    points INTEGER,
    epic_id BLOB REFERENCES epics(id),
    system_id BLOB REFERENCES systems(id),
    assignee_id BLOB REFERENCES users(id),
    due_date TEXT,
    external_key TEXT,
    external_url TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    done_at TEXT,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX backlog_items_external ON backlog_items(workspace_id, external_key) WHERE external_key IS NOT NULL;
CREATE INDEX backlog_items_rank ON backlog_items(workspace_id, rank);

CREATE TABLE risks (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    statement TEXT NOT NULL,
    impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
    likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    score INTEGER NOT NULL,
    owner_id BLOB REFERENCES users(id),
    mitigation TEXT NOT NULL,
    due_date TEXT,
    status TEXT NOT NULL,
    found_stage TEXT NOT NULL,
    tags TEXT NOT NULL,
    external_id TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX risks_external ON risks(workspace_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX risks_score ON risks(workspace_id, score);

CREATE TABLE risk_updates (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    risk_id BLOB NOT NULL REFERENCES risks(id),
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    doing TEXT NOT NULL,
    closes TEXT NOT NULL,
    author_id BLOB REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX risk_updates_risk ON risk_updates(risk_id, created_at);

CREATE TABLE releases (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    system_id BLOB REFERENCES systems(id),
    planned_date TEXT NOT NULL,
    shipped_date TEXT,
    planned_scope TEXT NOT NULL,
    shipped_scope TEXT NOT NULL,
    planned_items INTEGER NOT NULL,
    shipped_items INTEGER,
    slip_reason TEXT,
    status TEXT NOT NULL,
    external_id TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX releases_external ON releases(workspace_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE incidents (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    started_at TEXT NOT NULL,
    detected_at TEXT,
    contained_at TEXT,
    resolved_at TEXT,
    customer_impact INTEGER NOT NULL,
    impact_summary TEXT NOT NULL,
    learnings TEXT NOT NULL,
    external_id TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX incidents_external ON incidents(workspace_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE audit_findings (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    framework TEXT NOT NULL,
    control_ref TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    repeat_of BLOB REFERENCES audit_findings(id),
    external_id TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX audit_findings_external ON audit_findings(workspace_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE vendors (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    data_tier TEXT NOT NULL,
    data_flows TEXT NOT NULL,
    breach_clause TEXT NOT NULL,
    breach_notification_hours INTEGER,
    access_model TEXT NOT NULL,
    questionnaire TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);

-- Many-to-many links between register entries (risk -> systems, risk -> backlog items, ...).
CREATE TABLE links (
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    rel TEXT NOT NULL,
    src_id BLOB NOT NULL,
    dst_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (rel, src_id, dst_id)
);
CREATE INDEX links_dst ON links(rel, dst_id);

-- The audit log: one hash chain per workspace. Rows are only ever appended.
CREATE TABLE audit_log (
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor_id BLOB,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BLOB,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX audit_log_entity ON audit_log(entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
