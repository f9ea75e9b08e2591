-- Multi-touch attribution: touchpoints per organisation, their imports, and the attribution model
-- each campaign's ROI uses. Instants are Unix nanoseconds (UTC) in a BIGINT: exact, ordered and
-- identical in both backends; conversion values are integer micros like all money.
CREATE TABLE touchpoint_imports (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    file_name     TEXT,
    content_hash  TEXT NOT NULL,
    row_count     BIGINT NOT NULL,
    inserted      BIGINT NOT NULL,
    updated       BIGINT NOT NULL,
    unchanged     BIGINT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX touchpoint_imports_org ON touchpoint_imports (org_id);

-- One row per event; the natural key (organisation, journey, instant, event) makes a re-import an
-- upsert. campaign_id is optional: NULL rows belong to every campaign of the organisation.
CREATE TABLE touchpoints (
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    journey_id    TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL,
    event         TEXT NOT NULL CHECK (event IN ('touch', 'conversion')),
    channel       TEXT,
    value_micros  BIGINT NOT NULL,
    campaign_id   TEXT REFERENCES campaigns(id) ON DELETE SET NULL,
    import_id     TEXT REFERENCES touchpoint_imports(id) ON DELETE SET NULL,
    PRIMARY KEY (org_id, journey_id, occurred_at, event)
);
-- The window query finds the journeys active in a date range by time.
CREATE INDEX touchpoints_org_time ON touchpoints (org_id, occurred_at);

-- The model a campaign's ROI takes its attributed revenue from (no row: last_touch).
CREATE TABLE campaign_attribution (
    campaign_id  TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    model        TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
