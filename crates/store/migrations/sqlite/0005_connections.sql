-- Platform API connections: one ad account (or property, spreadsheet, customer) feeding one
-- campaign. Credentials are sealed (AES-256-GCM, key from configuration) before they get here;
-- the store never sees a token in clear.
CREATE TABLE connections (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    campaign_id       TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    platform          TEXT NOT NULL,
    account_id        TEXT NOT NULL,
    -- Platform options as JSON text (the sheet range, the Google Ads login customer id).
    options           TEXT NOT NULL,
    auth_kind         TEXT NOT NULL,
    credentials       TEXT,
    status            TEXT NOT NULL,
    -- The last day of data the last successful sync stored, and the day ("today") it ran.
    last_synced_date  TEXT,
    synced_on         TEXT,
    last_sync_at      TEXT,
    last_rows         BIGINT NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (campaign_id, platform, account_id)
);
CREATE INDEX connections_org ON connections (org_id);

-- OAuth authorisations in flight: the hash of the state sent to the provider, the PKCE verifier
-- (sealed), until the callback takes it (once) or it expires.
CREATE TABLE oauth_states (
    state_hash     TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    pkce_verifier  TEXT,
    expires_at     TEXT NOT NULL
);
