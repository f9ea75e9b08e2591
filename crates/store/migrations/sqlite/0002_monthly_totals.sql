-- Per campaign, platform and month: the sums of daily_metrics, kept in the same transaction as
-- the rows. A total up to a day reads the closed months here plus at most a month of days.
CREATE TABLE monthly_totals (
    campaign_id              TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    platform                 TEXT NOT NULL,
    month                    TEXT NOT NULL, -- 'YYYY-MM'
    spend_micros             BIGINT NOT NULL,
    impressions              BIGINT NOT NULL,
    engagements              BIGINT NOT NULL,
    clicks                   BIGINT NOT NULL,
    conversions_micros       BIGINT NOT NULL,
    conversion_value_micros  BIGINT,
    revenue_micros           BIGINT,
    row_count                BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, platform, month)
) WITHOUT ROWID;

-- Covers the current month's days of the totals.
CREATE INDEX daily_metrics_campaign_date ON daily_metrics (campaign_id, date, platform, spend_micros, impressions,
    engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros);

INSERT INTO monthly_totals
SELECT campaign_id, platform, substr(CAST(date AS TEXT), 1, 7), SUM(spend_micros), SUM(impressions),
       SUM(engagements), SUM(clicks), SUM(conversions_micros), SUM(conversion_value_micros),
       SUM(revenue_micros), COUNT(*)
FROM daily_metrics GROUP BY campaign_id, platform, substr(CAST(date AS TEXT), 1, 7);
