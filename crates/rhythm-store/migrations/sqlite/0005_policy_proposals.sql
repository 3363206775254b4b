-- Policy proposals: a policy document waiting for its policy_change decision. When that
-- decision becomes decided, the document applies as the next policy version in the same
-- transaction and applied_version records which. base_version is the version in force when
-- it was proposed: a proposal overtaken by another change does not apply. Keep in step with
-- ../postgres/0005_policy_proposals.sql (a test checks it).
CREATE TABLE policy_proposals (
    decision_id BLOB PRIMARY KEY REFERENCES decisions(id),
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB REFERENCES users(id),
    base_version INTEGER NOT NULL,
    applied_version INTEGER
);
CREATE INDEX policy_proposals_workspace ON policy_proposals(workspace_id);
