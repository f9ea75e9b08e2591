-- A ledger entry imported from a file keeps the natural key it had in the file (issue 13), so a
-- re-import of the file finds it instead of adding it again: the file's `external_id`, or the
-- entry's fields and occurrence (see spendlens_finance::ImportedEntry). NULL for entries added
-- one at a time; unique per campaign (NULLs never collide).
ALTER TABLE finance_ledger ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX finance_ledger_import_key ON finance_ledger (campaign_id, import_key);
