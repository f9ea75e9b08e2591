-- Key daily metrics by campaign, then date: imports arrive in date order, and a date range of one
-- campaign is a range of the key.
ALTER TABLE daily_metrics DROP CONSTRAINT daily_metrics_pkey;
ALTER TABLE daily_metrics ADD PRIMARY KEY (campaign_id, date, platform, external_campaign_id);
