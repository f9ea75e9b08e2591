-- What a marketing-mix run rests on: a second counter beside `data_version`, bumped only by the
-- writes that change the model's inputs (daily rows, offline channel spend, platform settings,
-- campaign fields), not by snapshots or the choice of a revenue basis. A run stored before this
-- column existed compares against 0 and shows as out of date until it is run again.
ALTER TABLE campaigns ADD COLUMN inputs_version BIGINT NOT NULL DEFAULT 0;
