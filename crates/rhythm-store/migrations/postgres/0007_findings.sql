-- Security findings (scanners, pen tests, reviews) and launch-gate overrides.
-- Keep in step with ../sqlite/0007_findings.sql (a test checks it).
-- Ingest (scanner formats, re-import scopes, event history) builds on this table.

CREATE TABLE findings (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    system_id UUID REFERENCES systems(id),
    tool TEXT NOT NULL,
    rule TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    environment TEXT NOT NULL,
    component TEXT NOT NULL,
    kev BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    fixed_at TIMESTAMPTZ,
    external_id TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX findings_external ON findings(workspace_id, external_id) WHERE external_id IS NOT NULL;
-- The launch gate's read: open findings of a system.
CREATE INDEX findings_system_open ON findings(workspace_id, system_id, status);

-- A decision recorded as the override of a release's STOP: it counts once it is decided.
CREATE TABLE gate_overrides (
    decision_id UUID PRIMARY KEY REFERENCES decisions(id),
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    release_id UUID NOT NULL REFERENCES releases(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX gate_overrides_release ON gate_overrides(workspace_id, release_id);
