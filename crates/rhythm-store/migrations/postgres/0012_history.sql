-- One history for every entry the metrics follow (issue 10, item 3).
-- finding_events carries its workspace, like every other row, so history is read and counted
-- per workspace without a join; entry_events holds the life cycle of the other kinds
-- (releases, incidents, audit findings, risks, decisions, exceptions), written by the same
-- store function in the transaction of each write.
CREATE TABLE finding_events_v2 (
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    finding_id UUID NOT NULL REFERENCES findings(id),
    at TIMESTAMPTZ NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (finding_id, at, event)
);
INSERT INTO finding_events_v2 (workspace_id, finding_id, at, event)
    SELECT f.workspace_id, e.finding_id, e.at, e.event FROM finding_events e JOIN findings f ON f.id = e.finding_id;
DROP TABLE finding_events;
ALTER TABLE finding_events_v2 RENAME TO finding_events;
CREATE INDEX finding_events_workspace ON finding_events(workspace_id, at);

CREATE TABLE entry_events (
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL,
    entry_id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (entry_id, at, event)
);
CREATE INDEX entry_events_workspace ON entry_events(workspace_id, kind, at);

-- The life so far of what exists, from the fields that record it.
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'release', id, created_at, 'opened' FROM releases;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'release', id, updated_at, status FROM releases WHERE status IN ('shipped', 'cancelled');
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'risk', id, created_at, 'opened' FROM risks;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'risk', id, COALESCE(closed_at, updated_at), status FROM risks WHERE status <> 'open';
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'audit_finding', id, created_at, 'opened' FROM audit_findings;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'audit_finding', id, updated_at, 'closed' FROM audit_findings WHERE closed_on IS NOT NULL;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'incident', id, started_at, 'opened' FROM incidents;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'incident', id, detected_at, 'detected' FROM incidents WHERE detected_at IS NOT NULL;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'incident', id, contained_at, 'contained' FROM incidents WHERE contained_at IS NOT NULL;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'incident', id, resolved_at, 'resolved' FROM incidents WHERE resolved_at IS NOT NULL;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'decision', id, created_at, 'requested' FROM decisions;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'decision', id, COALESCE(decided_at, updated_at), status FROM decisions WHERE status IN ('decided', 'withdrawn');
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'exception', id, created_at, 'requested' FROM exceptions;
INSERT INTO entry_events (workspace_id, kind, entry_id, at, event)
    SELECT workspace_id, 'exception', id, COALESCE(expired_at, decided_at, updated_at), status FROM exceptions
    WHERE status <> 'requested';
