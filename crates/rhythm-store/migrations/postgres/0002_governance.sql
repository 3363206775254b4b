-- Governance: written decisions, two-signature exceptions and the versioned policy.
-- Types as in 0001: ids are uuid, times are timestamptz, dates are date, lists are JSON
-- text. Keep in step with ../sqlite/0002_governance.sql (a test checks it).
-- Links to risks, releases, backlog items, systems and findings live in `links`
-- (rels decision_risk, decision_exception, decision_release, decision_backlog_item,
-- exception_system, exception_risk, exception_finding).

CREATE TABLE decisions (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    decider TEXT NOT NULL,
    context TEXT NOT NULL,
    options TEXT NOT NULL,
    choice TEXT NOT NULL,
    cost TEXT NOT NULL,
    escalated_to TEXT,
    status TEXT NOT NULL,
    supersedes UUID REFERENCES decisions(id),
    requested_by UUID REFERENCES users(id),
    requested_at TIMESTAMPTZ NOT NULL,
    decided_by UUID REFERENCES users(id),
    concurred_by UUID REFERENCES users(id),
    decided_at TIMESTAMPTZ,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE INDEX decisions_status ON decisions(workspace_id, status);
CREATE INDEX decisions_supersedes ON decisions(supersedes);

-- One column group per signing side: all four are NULL until that side signs.
CREATE TABLE exceptions (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    business_reason TEXT NOT NULL,
    scope TEXT NOT NULL,
    users_impacted TEXT NOT NULL,
    starts_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    compensating_controls TEXT NOT NULL,
    requester_id UUID NOT NULL REFERENCES users(id),
    engineering_owner_id UUID NOT NULL REFERENCES users(id),
    security_owner_id UUID NOT NULL REFERENCES users(id),
    review_on DATE NOT NULL,
    status TEXT NOT NULL,
    engineering_signer_id UUID REFERENCES users(id),
    engineering_decision TEXT,
    engineering_note TEXT,
    engineering_signed_at TIMESTAMPTZ,
    security_signer_id UUID REFERENCES users(id),
    security_decision TEXT,
    security_note TEXT,
    security_signed_at TIMESTAMPTZ,
    escalation_decision_id UUID REFERENCES decisions(id),
    supersedes UUID REFERENCES exceptions(id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    expired_at TIMESTAMPTZ,
    UNIQUE (workspace_id, number)
);
CREATE INDEX exceptions_status ON exceptions(workspace_id, status);
-- The expiry job's scan, across workspaces.
CREATE INDEX exceptions_due ON exceptions(status, expires_on);

-- Each applied policy is one version; version 0 is the built-in default and is never stored.
CREATE TABLE policies (
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    version BIGINT NOT NULL CHECK (version > 0),
    document TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES users(id),
    decision_id UUID REFERENCES decisions(id),
    PRIMARY KEY (workspace_id, version)
);
