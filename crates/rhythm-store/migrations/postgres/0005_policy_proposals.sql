-- Policy proposals: a policy document waiting for its policy_change decision. When that
-- decision becomes decided, the document applies as the next policy version in the same
-- transaction and applied_version records which. base_version is the version in force when
-- it was proposed: a proposal overtaken by another change does not apply. Keep in step with
-- ../sqlite/0005_policy_proposals.sql (a test checks it).
CREATE TABLE policy_proposals (
    decision_id UUID PRIMARY KEY REFERENCES decisions(id),
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    document TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES users(id),
    base_version BIGINT NOT NULL,
    applied_version BIGINT
);
CREATE INDEX policy_proposals_workspace ON policy_proposals(workspace_id);
