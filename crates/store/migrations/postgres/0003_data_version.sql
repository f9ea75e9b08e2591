-- Bumped by every write that can change a campaign's analysis (rows, settings, campaign fields,
-- snapshots), in the same transaction: a cached analysis is valid while the version is the same.
ALTER TABLE campaigns ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
