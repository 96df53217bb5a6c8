-- The auditor's workbench counts the audit rows of today and of the last
-- 7 days by action, and the system administrator's tells the accounts that
-- never logged in: both read the audit log by time and by action, which
-- its id order and its actor index do not serve.
CREATE INDEX audit_at ON audit_log (at, action);
CREATE INDEX audit_action ON audit_log (action, entity_id);
