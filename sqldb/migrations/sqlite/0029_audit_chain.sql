-- The audit log's hash chain: a sealer appends one link per committed
-- audit_log row, in the order it seals them (seq), with
-- hash = SM3(prev_hash || the row's canonical encoding), hex.
-- Like audit_log, the chain is append-only.
CREATE TABLE audit_chain (
	seq       INTEGER PRIMARY KEY,
	audit_id  INTEGER NOT NULL UNIQUE REFERENCES audit_log (id),
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL,
	sealed_at DATETIME NOT NULL
);
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
