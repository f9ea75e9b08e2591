-- Issue 18 item 5: read-only share links of a campaign's analysis, and scheduled deliveries of
-- reports (and budget alerts) by e-mail, Slack or the signed webhook.

-- A link is its token's SHA-256 (the token itself is shown once); revoked_at set ends it at once,
-- expires_on (inclusive, UTC) ends it after that day.
CREATE TABLE share_links (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    expires_on   TEXT,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX share_links_by_campaign ON share_links (org_id, campaign_id, created_at);

-- What to send (kind, with format, currency or campaign), where (channel: e-mail recipients,
-- a Slack incoming-webhook URL sealed with the server's secret_key, or the organisation's signed
-- webhook) and when (weekly on a weekday 1-7, Monday first; monthly on a day 1-28; or at once,
-- for budget alerts).
CREATE TABLE report_schedules (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    format            TEXT,
    currency          TEXT,
    campaign_id       TEXT REFERENCES campaigns(id) ON DELETE CASCADE,
    channel           TEXT NOT NULL,
    -- Space-separated addresses (channel email), else empty.
    recipients        TEXT NOT NULL,
    slack_url_sealed  TEXT,
    cadence           TEXT NOT NULL,
    day               BIGINT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX report_schedules_by_org ON report_schedules (org_id, created_at);

-- One row per thing to send: a schedule's due slot (slot = the slot's date) or an alert (slot =
-- 'alert:' and its id). UNIQUE (schedule_id, slot) is the claim: whichever instance inserts the
-- row first owns the slot, so several instances never enqueue it twice; a lease (lease_until,
-- leased_by) taken by a conditional UPDATE lets one instance at a time send it.
CREATE TABLE report_deliveries (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    schedule_id      TEXT NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
    slot             TEXT NOT NULL,
    period_from      TEXT,
    period_to        TEXT,
    alert_id         TEXT,
    created_at       TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    last_error       TEXT,
    delivered_at     TEXT,
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    leased_by        TEXT,
    UNIQUE (schedule_id, slot)
);
CREATE INDEX report_deliveries_pending ON report_deliveries (delivered_at, next_attempt_at);
CREATE INDEX report_deliveries_by_org ON report_deliveries (org_id, created_at);
