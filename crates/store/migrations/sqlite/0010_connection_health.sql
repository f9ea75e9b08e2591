-- Issue 20, connection health. All four columns are additive and nullable, so connections made
-- before them read as "nothing known".
-- `grant_expires_at`: when the grant stops working and the user must authorise again (a
-- LinkedIn refresh token's fixed 365 days, a Meta long-lived token's ~60), kept in clear so the
-- pages, the alert sweep and `spendlens doctor` need not open the sealed credentials.
ALTER TABLE connections ADD COLUMN grant_expires_at TEXT;
-- What the last successful sync found that the rows do not say (Meta withholding conversions of
-- campaigns whose ad sets mix attribution settings), in our words.
ALTER TABLE connections ADD COLUMN notice TEXT;
-- No scheduled sync before this instant: a quota that ran out comes back then (LinkedIn's daily
-- limit at midnight UTC, GA4's daily tokens at midnight Pacific time).
ALTER TABLE connections ADD COLUMN retry_at TEXT;
-- The grant end the "re-authorise before" alert was delivered for: a new grant alerts again.
ALTER TABLE connections ADD COLUMN reauth_alerted_for TEXT;
