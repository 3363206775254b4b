-- Notifications: where a workspace wants to hear about governance events, and the outbox of
-- deliveries still to make. Rows are written in the same transaction as the event's cause, and
-- delivered by any instance (a claim is a lease: locked_until). Keep in step with
-- ../postgres/0003_outbox.sql (a test checks it).

-- A webhook URL or an e-mail address. The secret signs webhook bodies (HMAC-SHA256); it is
-- never returned by list APIs nor written to logs or the audit log.
CREATE TABLE notification_targets (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    target TEXT NOT NULL,
    secret TEXT,
    format TEXT NOT NULL CHECK (format IN ('json', 'slack')),
    events TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notification_targets_workspace ON notification_targets(workspace_id);

-- One delivery of one event to one target. Pending: delivered_at and failed_at are NULL.
-- Dead letter: failed_at is set after the last attempt; kept for the UI.
CREATE TABLE outbox (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces(id),
    target_id BLOB NOT NULL REFERENCES notification_targets(id),
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    delivered_at TEXT,
    failed_at TEXT,
    created_at TEXT NOT NULL,
    locked_until TEXT
);
CREATE INDEX outbox_due ON outbox(delivered_at, failed_at, next_attempt_at);
CREATE INDEX outbox_workspace ON outbox(workspace_id, created_at);
