-- The request id of the HTTP request that wrote an audit row, so that
-- support can match an access log line to the row ('' for rows written
-- before this column, by the command line or by scheduled jobs). The
-- chain hashes it in the v2 encoding of rows that carry one
-- (sanlian.AuditCanonical), so rows sealed before keep their hashes.
ALTER TABLE audit_log ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_request ON audit_log (request_id) WHERE request_id <> '';
