-- Photos of a volunteer activity and evidence of a project's progress are
-- attachments too: an attachment belongs to exactly one problem, visit,
-- activity or progress entry, and its kind says which.
--
-- SQLite cannot change a CHECK in place, so the table is rebuilt as in
-- 0007. The migration runs in a transaction, where PRAGMA foreign_keys
-- cannot change; that is safe here because no table references
-- attachments, so dropping the old one deletes no parent rows.
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
	data         BLOB NOT NULL,
	CHECK ((kind IN ('problem', 'resolution') AND problem_id IS NOT NULL AND visit_id IS NULL AND activity_id IS NULL AND progress_id IS NULL)
		OR (kind = 'visit' AND visit_id IS NOT NULL AND problem_id IS NULL AND activity_id IS NULL AND progress_id IS NULL)
		OR (kind = 'activity' AND activity_id IS NOT NULL AND problem_id IS NULL AND visit_id IS NULL AND progress_id IS NULL)
		OR (kind = 'evidence' AND progress_id IS NOT NULL AND problem_id IS NULL AND visit_id IS NULL AND activity_id IS NULL))
);
INSERT INTO attachments_new (id, problem_id, visit_id, kind, filename, content_type, size, sha256, created_by, created_at, thumb, data)
	SELECT id, problem_id, visit_id, kind, filename, content_type, size, sha256, created_by, created_at, thumb, data FROM attachments;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_problem ON attachments (problem_id, id);
CREATE INDEX attachments_visit ON attachments (visit_id, id) WHERE visit_id IS NOT NULL;
CREATE INDEX attachments_activity ON attachments (activity_id, id) WHERE activity_id IS NOT NULL;
CREATE INDEX attachments_progress ON attachments (progress_id, id) WHERE progress_id IS NOT NULL;
