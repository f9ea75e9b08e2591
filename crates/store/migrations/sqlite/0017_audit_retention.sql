-- Issue 18, the audit log kept for a configurable number of days: an entry may be deleted once
-- it is older than 30 days (the shortest retention the server accepts), never sooner; updates
-- stay refused. An index for the page's filters by actor and by target.
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN julianday(OLD.created_at) > julianday('now', '-30 days')
BEGIN
    SELECT RAISE(ABORT, 'audit_log entries are kept at least 30 days');
END;
CREATE INDEX audit_log_actor ON audit_log (org_id, actor_user_id, created_at);
CREATE INDEX audit_log_target ON audit_log (org_id, target_type, target_id, created_at);
