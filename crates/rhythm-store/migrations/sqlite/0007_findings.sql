-- Security findings (scanners, pen tests, reviews) and launch-gate overrides.
-- Keep in step with ../postgres/0007_findings.sql (a test checks it).
-- Ingest (scanner formats, re-import scopes, event history) builds on this table.

CREATE TABLE findings (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    system_id BLOB REFERENCES systems(id),
    tool TEXT NOT NULL,
    rule TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    environment TEXT NOT NULL,
    component TEXT NOT NULL,
    kev INTEGER NOT NULL,
    status TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    fixed_at TEXT,
    external_id TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX findings_external ON findings(workspace_id, external_id) WHERE external_id IS NOT NULL;
-- The launch gate's read: open findings of a system.
CREATE INDEX findings_system_open ON findings(workspace_id, system_id, status);

-- A decision recorded as the override of a release's STOP: it counts once it is decided.
CREATE TABLE gate_overrides (
    decision_id BLOB PRIMARY KEY REFERENCES decisions(id),
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    release_id BLOB NOT NULL REFERENCES releases(id),
    created_at TEXT NOT NULL
);
CREATE INDEX gate_overrides_release ON gate_overrides(workspace_id, release_id);
