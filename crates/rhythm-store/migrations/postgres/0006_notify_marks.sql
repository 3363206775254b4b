-- Notification marks: what has been told already, so a job that runs every minute on several
-- instances tells each thing once. One row per (workspace, event, subject):
--   exception.expiring  subject = the exception id, digest = the expiry date it was told about
--                       (a moved expiry date is told again);
--   launch_gate.stop    subject = the release reference, digest = a hash of the verdict's
--                       summary (the same verdict is not told again within 24 hours).
-- Written in the same transaction as the outbox rows it stands for. Bookkeeping, not audited.
-- Numbered 0006 because 0004 and 0005 are taken by other branches. Keep in step with
-- ../sqlite/0006_notify_marks.sql (a test checks it).
CREATE TABLE notification_marks (
    workspace_id UUID NOT NULL REFERENCES workspaces(id),
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    digest TEXT NOT NULL,
    marked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, event, subject)
);
