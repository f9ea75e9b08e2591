-- Issue 18, the audit log kept for a configurable number of days: an entry may be deleted once
-- it is older than 30 days (the shortest retention the server accepts), never sooner; updates
-- stay refused. An index for the page's filters by actor and by target.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '30 days' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_log entries are kept at least 30 days';
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE INDEX audit_log_actor ON audit_log (org_id, actor_user_id, created_at);
CREATE INDEX audit_log_target ON audit_log (org_id, target_type, target_id, created_at);
