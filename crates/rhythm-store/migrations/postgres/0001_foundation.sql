-- Foundation: workspaces, people, sign-in, the shared registers and the audit chain.
-- Types: ids are uuid, times are timestamptz, dates are date, lists are JSON text (kept as
-- text so the audit chain hashes exactly the bytes it stored). Keep in step with ../sqlite/0001_foundation.sql (a test checks it).

CREATE TABLE workspaces (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_workspace ON users(workspace_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    user_id UUID NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE systems (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_team TEXT NOT NULL,
    tier TEXT NOT NULL,
    golden_paths TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number),
    UNIQUE (workspace_id, name)
);

CREATE TABLE initiatives (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    business_goal TEXT NOT NULL,
    reduces_or_enables TEXT NOT NULL,
    status TEXT NOT NULL,
    target_quarter TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);

CREATE TABLE epics (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    initiative_id UUID REFERENCES initiatives(id),
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);

CREATE TABLE backlog_items (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    rank BIGINT NOT NULL,
    points BIGINT,
    epic_id UUID REFERENCES epics(id),
    system_id UUID REFERENCES systems(id),
    assignee_id UUID REFERENCES users(id),
    due_date DATE,
    external_key TEXT,
    external_url TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX backlog_items_external ON backlog_items(workspace_id, external_key) WHERE external_key IS NOT NULL;
CREATE INDEX backlog_items_rank ON backlog_items(workspace_id, rank);

CREATE TABLE risks (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    statement TEXT NOT NULL,
    impact BIGINT NOT NULL CHECK (impact BETWEEN 1 AND 5),
    likelihood BIGINT NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    score BIGINT NOT NULL,
    owner_id UUID REFERENCES users(id),
    mitigation TEXT NOT NULL,
    due_date DATE,
    status TEXT NOT NULL,
    found_stage TEXT NOT NULL,
    tags TEXT NOT NULL,
    external_id TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX risks_external ON risks(workspace_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX risks_score ON risks(workspace_id, score);

CREATE TABLE risk_updates (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    risk_id UUID NOT NULL REFERENCES risks(id),
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    doing TEXT NOT NULL,
    closes TEXT NOT NULL,
    author_id UUID REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX risk_updates_risk ON risk_updates(risk_id, created_at);

CREATE TABLE releases (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    system_id UUID REFERENCES systems(id),
    planned_date DATE NOT NULL,
    shipped_date DATE,
    planned_scope TEXT NOT NULL,
    shipped_scope TEXT NOT NULL,
    planned_items BIGINT NOT NULL,
    shipped_items BIGINT,
    slip_reason TEXT,
    status TEXT NOT NULL,
    external_id TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX releases_external ON releases(workspace_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE incidents (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    detected_at TIMESTAMPTZ,
    contained_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    customer_impact BOOLEAN NOT NULL,
    impact_summary TEXT NOT NULL,
    learnings TEXT NOT NULL,
    external_id TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX incidents_external ON incidents(workspace_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE audit_findings (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    framework TEXT NOT NULL,
    control_ref TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    opened_on DATE NOT NULL,
    closed_on DATE,
    repeat_of UUID REFERENCES audit_findings(id),
    external_id TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX audit_findings_external ON audit_findings(workspace_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE vendors (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    data_tier TEXT NOT NULL,
    data_flows TEXT NOT NULL,
    breach_clause TEXT NOT NULL,
    breach_notification_hours BIGINT,
    access_model TEXT NOT NULL,
    questionnaire TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);

-- Many-to-many links between register entries (risk -> systems, risk -> backlog items, ...).
CREATE TABLE links (
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    rel TEXT NOT NULL,
    src_id UUID NOT NULL,
    dst_id UUID NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (rel, src_id, dst_id)
);
CREATE INDEX links_dst ON links(rel, dst_id);

-- The audit log: one hash chain per workspace. Rows are only ever appended.
CREATE TABLE audit_log (
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    seq BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id UUID,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX audit_log_entity ON audit_log(entity_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
