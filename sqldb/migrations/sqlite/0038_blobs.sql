-- Files leave the database for the blob store: an attachment or a
-- self-criticism keeps the content address of its file (blob_key) and of
-- its thumbnail (thumb_key), and data is NULL once the file is moved.
-- Rows not yet moved (`sanlian migrate` moves them) keep data as before.
--
-- SQLite cannot drop a NOT NULL in place, so attachments is rebuilt as in
-- 0011; no table references it, so dropping the old one deletes nothing.
CREATE TABLE attachments_new (
	id           INTEGER PRIMARY KEY,
	problem_id   INTEGER REFERENCES problems (id),
	visit_id     INTEGER REFERENCES visits (id),
	activity_id  INTEGER REFERENCES activities (id),
	progress_id  INTEGER REFERENCES project_progress (id),
	kind         TEXT NOT NULL CHECK (kind IN ('problem', 'resolution', 'visit', 'activity', 'evidence')),
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	created_by   INTEGER REFERENCES users (id),
	created_at   DATETIME NOT NULL,
	thumb        BLOB,
	data         BLOB,
	blob_key     TEXT,
	thumb_key    TEXT,
	CHECK ((kind IN ('problem', 'resolution') AND problem_id IS NOT NULL AND visit_id IS NULL AND activity_id IS NULL AND progress_id IS NULL)
		OR (kind = 'visit' AND visit_id IS NOT NULL AND problem_id IS NULL AND activity_id IS NULL AND progress_id IS NULL)
		OR (kind = 'activity' AND activity_id IS NOT NULL AND problem_id IS NULL AND visit_id IS NULL AND progress_id IS NULL)
		OR (kind = 'evidence' AND progress_id IS NOT NULL AND problem_id IS NULL AND visit_id IS NULL AND activity_id IS NULL)),
	CHECK (data IS NOT NULL OR blob_key IS NOT NULL)
);
INSERT INTO attachments_new (id, problem_id, visit_id, activity_id, progress_id, kind, filename, content_type, size, sha256, created_by, created_at, thumb, data)
	SELECT id, problem_id, visit_id, activity_id, progress_id, kind, filename, content_type, size, sha256, created_by, created_at, thumb, data FROM attachments;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_problem ON attachments (problem_id, id);
CREATE INDEX attachments_visit ON attachments (visit_id, id) WHERE visit_id IS NOT NULL;
CREATE INDEX attachments_activity ON attachments (activity_id, id) WHERE activity_id IS NOT NULL;
CREATE INDEX attachments_progress ON attachments (progress_id, id) WHERE progress_id IS NOT NULL;
-- The files still to move, for the mover's batches.
CREATE INDEX attachments_unmoved ON attachments (id) WHERE blob_key IS NULL;

-- self_criticisms.data is nullable already (nothing filed yet).
ALTER TABLE self_criticisms ADD COLUMN blob_key TEXT;
