-- Issue 14, any channel: the daily spend of channels that are no ad platform (TV, radio,
-- out-of-home, print, podcasts, influencers, e-mail or any channel a user names). Additive: the
-- platforms' rows, their monthly sums and every analysis of them are untouched.
-- channel_key is the case-folded name the rows are compared under (spendlens_core::channel);
-- channel_name the name as written, kept from the latest write. Impressions are NULL when the
-- source reported none ("none reported" is not zero). Money is integer micros like all money.
CREATE TABLE channel_metrics (
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    channel_key    TEXT NOT NULL,
    date           DATE NOT NULL,
    channel_name   TEXT NOT NULL,
    spend_micros   BIGINT NOT NULL,
    impressions    BIGINT,
    currency       TEXT,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, channel_key, date)
);
