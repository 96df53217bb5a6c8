-- Attachments: photos and documents on a problem as entered or on its
-- resolution, kept in the database so that every node sees them.
-- content_type is detected from the bytes, never taken from the name.
-- The blobs come last: SQLite reads a row's columns in order, and the
-- lists, which skip them, then never walk a blob's overflow pages.
CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY,
	problem_id   INTEGER NOT NULL REFERENCES problems (id),
	kind         TEXT NOT NULL CHECK (kind IN ('problem', 'resolution')),
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	created_by   INTEGER REFERENCES users (id),
	created_at   DATETIME NOT NULL,
	thumb        BLOB,
	data         BLOB NOT NULL
);
CREATE INDEX attachments_problem ON attachments (problem_id, id);
