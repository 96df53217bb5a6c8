-- The audit log's hash chain: a sealer appends one link per committed
-- audit_log row, in the order it seals them (seq), with
-- hash = SM3(prev_hash || the row's canonical encoding), hex.
-- Like audit_log, the chain is append-only.
CREATE TABLE audit_chain (
	seq       BIGINT PRIMARY KEY,
	audit_id  BIGINT NOT NULL UNIQUE REFERENCES audit_log (id),
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL,
	sealed_at TIMESTAMPTZ NOT NULL
);
CREATE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_chain is append-only';
END $$;
CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain
	FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
	FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();
