-- Issue 14, real-world files: the level of detail an import was exported at (ad set level, by
-- Age, Gender) kept with its record; the column mapping a previewed upload is read with; and
-- the column mappings a campaign's users saved, tried in turn on a file detection cannot read.
ALTER TABLE imports ADD COLUMN detail TEXT;
ALTER TABLE pending_imports ADD COLUMN mapping TEXT;
CREATE TABLE column_mappings (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    -- The text form (spendlens_ingest::ColumnMapping's Display), e.g. date=Day,spend=Kosten.
    mapping      TEXT NOT NULL,
    saved_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, mapping)
);
