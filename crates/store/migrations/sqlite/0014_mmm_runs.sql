-- Issue 17, the marketing-mix model in the product: each run an organisation makes, kept with
-- what it was fitted on (the campaigns and their data versions) so a result is never shown as
-- current once its inputs changed. request and result are the JSON documents as answered.
CREATE TABLE mmm_runs (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    -- Space-separated campaign ids the run covers.
    campaigns     TEXT NOT NULL,
    -- campaign_id:data_version pairs, space-separated, in campaign order.
    data_version  TEXT NOT NULL,
    request       TEXT NOT NULL,
    result        TEXT NOT NULL
);
CREATE INDEX mmm_runs_by_org ON mmm_runs (org_id, created_at);
