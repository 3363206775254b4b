-- Governance: written decisions, two-signature exceptions and the versioned policy.
-- Types as in 0001: ids are 16-byte BLOB uuids, times are fixed-width UTC text, dates are
-- YYYY-MM-DD text, lists are JSON text. Keep in step with ../postgres/0002_governance.sql
-- (a test checks it).
-- Links to risks, releases, backlog items, systems and findings live in `links`
-- (rels decision_risk, decision_exception, decision_release, decision_backlog_item,
-- exception_system, exception_risk, exception_finding).

CREATE TABLE decisions (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    decider TEXT NOT NULL,
    context TEXT NOT NULL,
    options TEXT NOT NULL,
    choice TEXT NOT NULL,
    cost TEXT NOT NULL,
    escalated_to TEXT,
    status TEXT NOT NULL,
    supersedes BLOB REFERENCES decisions(id),
    requested_by BLOB REFERENCES users(id),
    requested_at TEXT NOT NULL,
    decided_by BLOB REFERENCES users(id),
    concurred_by BLOB REFERENCES users(id),
    decided_at TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE INDEX decisions_status ON decisions(workspace_id, status);
CREATE INDEX decisions_supersedes ON decisions(supersedes);

-- One column group per signing side: all four are NULL until that side signs.
CREATE TABLE exceptions (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    business_reason TEXT NOT NULL,
    scope TEXT NOT NULL,
    users_impacted TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    compensating_controls TEXT NOT NULL,
    requester_id BLOB NOT NULL REFERENCES users(id),
    engineering_owner_id BLOB NOT NULL REFERENCES users(id),
    security_owner_id BLOB NOT NULL REFERENCES users(id),
    review_on TEXT NOT NULL,
    status TEXT NOT NULL,
    engineering_signer_id BLOB REFERENCES users(id),
    engineering_decision TEXT,
    engineering_note TEXT,
    engineering_signed_at TEXT,
    security_signer_id BLOB REFERENCES users(id),
    security_decision TEXT,
    security_note TEXT,
    security_signed_at TEXT,
    escalation_decision_id BLOB REFERENCES decisions(id),
    supersedes BLOB REFERENCES exceptions(id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_at TEXT,
    expired_at TEXT,
    UNIQUE (workspace_id, number)
);
CREATE INDEX exceptions_status ON exceptions(workspace_id, status);
-- The expiry job's scan, across workspaces.
CREATE INDEX exceptions_due ON exceptions(status, expires_on);

-- Each applied policy is one version; version 0 is the built-in default and is never stored.
CREATE TABLE policies (
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    version INTEGER NOT NULL CHECK (version > 0),
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB REFERENCES users(id),
    decision_id BLOB REFERENCES decisions(id),
    PRIMARY KEY (workspace_id, version)
);
