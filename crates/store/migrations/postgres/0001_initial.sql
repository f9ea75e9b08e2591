-- spendlens schema, PostgreSQL flavour. Money and conversions are integer micros (exact, the same
-- representation as SQLite); dates are DATE, timestamps TIMESTAMPTZ.
CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id   TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE campaigns (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    currency       TEXT NOT NULL,
    budget_micros  BIGINT,
    start_date     DATE,
    end_date       DATE,
    time_zone      TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX campaigns_org ON campaigns (org_id);

CREATE TABLE platform_settings (
    campaign_id                        TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    linkedin_conversion_value_micros   BIGINT,
    ga4_aov_micros                     BIGINT,
    custom_integration_aov_micros      BIGINT,
    updated_at                         TIMESTAMPTZ NOT NULL
);

CREATE TABLE imports (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    source        TEXT NOT NULL,
    file_name     TEXT,
    content_hash  TEXT,
    row_count     BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX imports_campaign ON imports (campaign_id);

CREATE TABLE daily_metrics (
    campaign_id              TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    platform                 TEXT NOT NULL,
    date                     DATE NOT NULL,
    external_campaign_id     TEXT NOT NULL,
    spend_micros             BIGINT NOT NULL,
    impressions              BIGINT NOT NULL,
    engagements              BIGINT NOT NULL,
    clicks                   BIGINT NOT NULL,
    conversions_micros       BIGINT NOT NULL,
    conversion_value_micros  BIGINT,
    revenue_micros           BIGINT,
    currency                 TEXT,
    import_id                TEXT REFERENCES imports(id) ON DELETE SET NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, platform, date, external_campaign_id)
);
-- Covers the per-platform aggregates up to a date, so they are index-only scans.
CREATE INDEX daily_metrics_totals ON daily_metrics (campaign_id, date)
    INCLUDE (platform, spend_micros, impressions, engagements, clicks, conversions_micros,
             conversion_value_micros, revenue_micros);

CREATE TABLE snapshots (
    campaign_id         TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    date                DATE NOT NULL,
    spend_micros        BIGINT NOT NULL,
    impressions         BIGINT NOT NULL,
    clicks              BIGINT NOT NULL,
    conversions_micros  BIGINT NOT NULL,
    revenue_micros      BIGINT NOT NULL,
    aov_micros          BIGINT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, date)
);

CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    run_key     TEXT NOT NULL,
    instance    TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job, run_key)
);
