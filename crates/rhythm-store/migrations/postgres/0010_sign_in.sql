-- Sign-in protection that several instances share, and the audit chain's head.
-- See ../sqlite/0010_sign_in.sql for what each table is for; keep the two in step.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle(window_start);

CREATE TABLE login_devices (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_devices_user ON login_devices(user_id);

CREATE TABLE audit_heads (
    workspace_id UUID PRIMARY KEY REFERENCES workspaces(id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_heads (workspace_id, seq, hash)
    SELECT a.workspace_id, a.seq, a.hash FROM audit_log a
    WHERE a.seq = (SELECT MAX(b.seq) FROM audit_log b WHERE b.workspace_id = a.workspace_id);

CREATE FUNCTION audit_heads_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'audit_heads only moves forward';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_heads_forward BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_forward();
