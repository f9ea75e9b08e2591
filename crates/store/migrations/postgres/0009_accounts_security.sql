-- Issue 13, accounts and exposure: API tokens that expire and record their use, the append-only
-- audit log, rate-limit attempts shared by every instance, registrations waiting for their
-- e-mail link, the outbox of messages sent out of band, and the imports page's previews.

-- An API token may expire; `last_used_at` moves at most once a minute (to spare writes).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;
CREATE INDEX api_tokens_org ON api_tokens (org_id);

-- Who did what to what, per organisation. Append-only: the trigger refuses every UPDATE and
-- DELETE, so no foreign key here may cascade (an actor's id stays as it was written).
CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    actor_user_id  TEXT,
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    -- A JSON object; never a secret.
    details        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, created_at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Sign-in and registration attempts in their window, by what they are counted against (a
-- client address, or an e-mail from an address), stored as a SHA-256 so that no typed e-mail
-- (or a password typed into the e-mail field) is kept.
CREATE TABLE auth_attempts (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    key_hash      TEXT NOT NULL,
    attempted_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_attempts_key ON auth_attempts (kind, key_hash, attempted_at);
CREATE INDEX auth_attempts_at ON auth_attempts (kind, attempted_at);

-- A registration waiting for its one-time link (the token's SHA-256) to be followed; the
-- account exists only once it is.
CREATE TABLE pending_registrations (
    token_hash         TEXT PRIMARY KEY,
    email              TEXT NOT NULL,
    password_hash      TEXT NOT NULL,
    organization_name  TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_registrations_expiry ON pending_registrations (expires_at);

-- Messages to send out of band (a later delivery sends and stamps them).
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
CREATE INDEX outbox_unsent ON outbox (sent_at, created_at);

-- Uploads previewed on the imports page, waiting for their confirmation (the token's SHA-256),
-- on whichever instance it arrives; bounded per organisation.
CREATE TABLE pending_imports (
    token_hash   TEXT PRIMARY KEY,
    -- Time-ordered (UUIDv7): the organisation's oldest preview goes first when over its quota.
    id           TEXT NOT NULL UNIQUE,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    source       TEXT,
    rate         TEXT,
    bytes        BYTEA NOT NULL,
    size         BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_imports_org ON pending_imports (org_id, created_at, id);
CREATE INDEX pending_imports_expiry ON pending_imports (expires_at);
