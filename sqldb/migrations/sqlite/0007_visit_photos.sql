-- Photos of a visit are attachments too: an attachment belongs to exactly
-- one problem or one visit, and a visit's are of kind 'visit'.
--
-- SQLite cannot drop NOT NULL or change a CHECK in place, so the table is
-- rebuilt. The migration runs in a transaction, where PRAGMA foreign_keys
-- cannot change; that is safe here because no table references
-- attachments, so dropping the old one deletes no parent rows.
CREATE TABLE attachments_new (
	id           INTEGER PRIMARY KEY,
	problem_id   INTEGER REFERENCES problems (id),
	visit_id     INTEGER REFERENCES visits (id),
	kind         TEXT NOT NULL CHECK (kind IN ('problem', 'resolution', 'visit')),
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	created_by   INTEGER REFERENCES users (id),
	created_at   DATETIME NOT NULL,
	thumb        BLOB,
	data         BLOB NOT NULL,
	CHECK ((problem_id IS NOT NULL AND visit_id IS NULL AND kind <> 'visit')
		OR (visit_id IS NOT NULL AND problem_id IS NULL AND kind = 'visit'))
);
INSERT INTO attachments_new (id, problem_id, kind, filename, content_type, size, sha256, created_by, created_at, thumb, data)
	SELECT id, problem_id, kind, filename, content_type, size, sha256, created_by, created_at, thumb, data FROM attachments;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_problem ON attachments (problem_id, id);
CREATE INDEX attachments_visit ON attachments (visit_id, id) WHERE visit_id IS NOT NULL;
