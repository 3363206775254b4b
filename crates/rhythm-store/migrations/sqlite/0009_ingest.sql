-- Ingest: scanner re-import scopes, the findings' event history, advisory text kept once,
-- and the record of every import. Keep in step with ../postgres/0009_ingest.sql.

-- What a scanner import knows about a finding. `scan_key` is its identity within its
-- re-import scope: the first 16 bytes of SHA-256(workspace, system, tool, environment,
-- scanner fingerprint), so one unique index answers "have we seen this one?".
ALTER TABLE findings ADD COLUMN scan_key BLOB;
ALTER TABLE findings ADD COLUMN last_seen TEXT;
ALTER TABLE findings ADD COLUMN location TEXT;
ALTER TABLE findings ADD COLUMN installed_version TEXT;
ALTER TABLE findings ADD COLUMN fixed_version TEXT;
-- The scanner said it is suppressed / not affected / ignored (kind, then ": justification").
ALTER TABLE findings ADD COLUMN suppression TEXT;
CREATE UNIQUE INDEX findings_scan_key ON findings(scan_key) WHERE scan_key IS NOT NULL;

-- When each re-import scope was last imported. An open finding of a scope was last seen at
-- its scope's last import, so a re-import writes one row here instead of every finding's
-- `last_seen` (a finding keeps its own `last_seen` from when it was created, changed or closed).
CREATE TABLE scan_scopes (
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    -- The system's id, or the nil UUID for findings without a system.
    system_key BLOB NOT NULL,
    tool TEXT NOT NULL,
    environment TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (workspace_id, system_key, tool, environment)
);

-- Advisory text, once per (workspace, tool, rule) rather than on every finding.
CREATE TABLE advisories (
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    tool TEXT NOT NULL,
    rule TEXT NOT NULL,
    title TEXT NOT NULL,
    aliases TEXT NOT NULL,
    cvss_vector TEXT,
    cvss_score_tenths INTEGER,
    fixed_version TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, tool, rule)
);

-- Each finding's state changes: opened, fixed, reopened, accepted, expired. The monthly
-- metrics are computed from it as of any date.
CREATE TABLE finding_events (
    finding_id BLOB NOT NULL REFERENCES findings(id),
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (finding_id, at, event)
) WITHOUT ROWID;

-- Every import: who, when, what file, what it did.
CREATE TABLE imports (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    format TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    system_id BLOB REFERENCES systems(id),
    environment TEXT,
    actor TEXT NOT NULL,
    user_id BLOB REFERENCES users(id),
    total INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    reopened INTEGER NOT NULL,
    silent INTEGER NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);

-- Findings that existed before the history did: opened when first seen, fixed when fixed.
INSERT INTO finding_events (finding_id, at, event) SELECT id, first_seen, 'opened' FROM findings;
INSERT INTO finding_events (finding_id, at, event) SELECT id, fixed_at, 'fixed' FROM findings WHERE fixed_at IS NOT NULL;
