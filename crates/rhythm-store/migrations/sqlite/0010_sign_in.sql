-- Sign-in protection that several instances share (and a restart keeps).
--
-- login_throttle: failed sign-ins per key in a fixed window. Keys are bounded text, never the
-- raw input: 'account:<sha256 of the normalized e-mail>', 'addr:<client address>',
-- 'device:<sha256 of a device cookie>'. Rows whose window has ended are deleted on the next
-- failure, and the table is capped (the oldest windows go first).
--
-- login_devices: a browser that signed in to an account gets a device cookie; its holder is
-- throttled per device instead of per account, so failures from elsewhere never lock the real
-- person out (OWASP's device-cookie scheme). Only the SHA-256 of the cookie is stored.
--
-- audit_heads: the newest (seq, hash) of each workspace's audit chain, written in the same
-- transaction as the entry. Deleting the newest entries leaves a chain that links, but no longer
-- reaches its head. Rows only move forward (triggers). Keep in step with
-- ../postgres/0010_sign_in.sql (a test checks it).
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start TEXT NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle(window_start);

CREATE TABLE login_devices (
    token_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
);
CREATE INDEX login_devices_user ON login_devices(user_id);

CREATE TABLE audit_heads (
    workspace_id BLOB PRIMARY KEY REFERENCES workspaces(id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_heads (workspace_id, seq, hash)
    SELECT a.workspace_id, a.seq, a.hash FROM audit_log a
    WHERE a.seq = (SELECT MAX(b.seq) FROM audit_log b WHERE b.workspace_id = a.workspace_id);

CREATE TRIGGER audit_heads_forward BEFORE UPDATE ON audit_heads
    WHEN NEW.seq <= OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'audit_heads only moves forward');
END;
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_heads only moves forward');
END;
