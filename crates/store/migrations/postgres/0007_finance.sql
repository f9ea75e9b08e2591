-- Finance (issue 6): the cost ledger, campaign finance facts, the organisation's finance settings
-- and exchange rates, and budget alerts. Money is integer micros; rates are exact decimal text.

-- One ledger entry: a campaign cost (media_spend, creative_production, platform_fees) or an
-- organisation's operational_overhead (campaign_id NULL). `period_*` is a fee's billing period
-- or an overhead entry's reporting period.
CREATE TABLE finance_ledger (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    campaign_id         TEXT REFERENCES campaigns(id) ON DELETE CASCADE,
    category            TEXT NOT NULL,
    amount_micros       BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    attribution_method  TEXT,
    allocation_date     DATE,
    resource_hours      BIGINT,
    fixed_cost_micros   BIGINT,
    incurred_on         DATE,
    platform            TEXT,
    allocation_method   TEXT,
    period_start        DATE,
    period_end          DATE,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX finance_ledger_org ON finance_ledger (org_id, campaign_id);

-- Per campaign: people assigned (headcount overhead) and the attribution method of its ROI.
CREATE TABLE finance_campaigns (
    campaign_id         TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    headcount           BIGINT NOT NULL,
    attribution_method  TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- Per organisation: the annual cost of capital, the alert webhook (secret sealed with the
-- server's key, never stored in clear).
CREATE TABLE finance_settings (
    org_id                 TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    cost_of_capital_micros BIGINT NOT NULL,
    webhook_url            TEXT,
    webhook_secret_sealed  TEXT,
    updated_at             TIMESTAMPTZ NOT NULL
);

-- The organisation's exchange rates: one `from` is worth `rate` `to`.
CREATE TABLE finance_rates (
    org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    from_currency  TEXT NOT NULL,
    to_currency    TEXT NOT NULL,
    rate           TEXT NOT NULL,
    position       BIGINT NOT NULL,
    PRIMARY KEY (org_id, from_currency, to_currency)
);

-- The alerts raised and still holding per campaign; `version` is bumped by every change, so two
-- instances evaluating together cannot both raise (compare and swap).
CREATE TABLE finance_alert_state (
    campaign_id  TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    raised       TEXT NOT NULL,
    version      BIGINT NOT NULL
);

-- Every alert raised: unique per campaign, kind and state version (the episode it was raised in).
CREATE TABLE finance_alerts (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    campaign_id        TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    kind               TEXT NOT NULL,
    episode            BIGINT NOT NULL,
    as_of              DATE NOT NULL,
    used_pct_micros    BIGINT NOT NULL,
    pacing_pct_micros  BIGINT NOT NULL,
    spend_micros       BIGINT NOT NULL,
    budget_micros      BIGINT,
    currency           TEXT NOT NULL,
    raised_at          TIMESTAMPTZ NOT NULL,
    delivered_at       TIMESTAMPTZ,
    attempts           BIGINT NOT NULL,
    last_error         TEXT,
    UNIQUE (campaign_id, kind, episode)
);
CREATE INDEX finance_alerts_org ON finance_alerts (org_id, raised_at);
