-- Key daily metrics by campaign, then date: imports arrive in date order (inserts append), and a
-- date range of one campaign is a range of the key, so the covering index of 0002 can go.
CREATE TABLE daily_metrics_by_date (
    campaign_id              TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    platform                 TEXT NOT NULL,
    date                     TEXT NOT NULL,
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
    updated_at               TEXT NOT NULL,
    PRIMARY KEY (campaign_id, date, platform, external_campaign_id)
) WITHOUT ROWID;

INSERT INTO daily_metrics_by_date
SELECT campaign_id, platform, date, external_campaign_id, spend_micros, impressions, engagements,
       clicks, conversions_micros, conversion_value_micros, revenue_micros, currency, import_id,
       updated_at
FROM daily_metrics;

DROP TABLE daily_metrics;
ALTER TABLE daily_metrics_by_date RENAME TO daily_metrics;
