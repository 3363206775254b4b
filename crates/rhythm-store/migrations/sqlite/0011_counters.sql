-- Per-workspace numbering (RISK-12, DEC-4, IMP-3) from one counter row per (workspace, kind)
-- instead of MAX(number) + 1 over the entry table. A write takes the next number with one
-- upsert on its counter row, which on PostgreSQL also locks that row until the transaction
-- ends: two instances creating risks in the same workspace queue on the risk counter only,
-- and a number is never handed out twice. Numbers stay gap-free as long as nothing that took
-- one rolls back (a rolled-back write returns its number with it). kind is Kind::as_str.
-- Existing entries seed their counters. Keep in step with ../postgres/0011_counters.sql (a test
-- checks it).
CREATE TABLE counters (
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, kind)
);
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'system', MAX(number) FROM systems GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'risk', MAX(number) FROM risks GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'backlog_item', MAX(number) FROM backlog_items GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'initiative', MAX(number) FROM initiatives GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'epic', MAX(number) FROM epics GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'release', MAX(number) FROM releases GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'incident', MAX(number) FROM incidents GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'audit_finding', MAX(number) FROM audit_findings GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'vendor', MAX(number) FROM vendors GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'finding', MAX(number) FROM findings GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'design_review', MAX(number) FROM design_reviews GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'decision', MAX(number) FROM decisions GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'exception', MAX(number) FROM exceptions GROUP BY workspace_id;
INSERT INTO counters (workspace_id, kind, value) SELECT workspace_id, 'import', MAX(number) FROM imports GROUP BY workspace_id;
