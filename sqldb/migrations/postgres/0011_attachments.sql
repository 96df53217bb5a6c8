-- Photos of a volunteer activity and evidence of a project's progress are
-- attachments too: an attachment belongs to exactly one problem, visit,
-- activity or progress entry, and its kind says which.
ALTER TABLE attachments ADD COLUMN activity_id BIGINT REFERENCES activities (id);
ALTER TABLE attachments ADD COLUMN progress_id BIGINT REFERENCES project_progress (id);
ALTER TABLE attachments DROP CONSTRAINT attachments_owner_check;
ALTER TABLE attachments DROP CONSTRAINT attachments_kind_check;
ALTER TABLE attachments ADD CONSTRAINT attachments_kind_check
	CHECK (kind IN ('problem', 'resolution', 'visit', 'activity', 'evidence'));
ALTER TABLE attachments ADD CONSTRAINT attachments_owner_check CHECK (
	(kind IN ('problem', 'resolution') AND problem_id IS NOT NULL AND visit_id IS NULL AND activity_id IS NULL AND progress_id IS NULL)
	OR (kind = 'visit' AND visit_id IS NOT NULL AND problem_id IS NULL AND activity_id IS NULL AND progress_id IS NULL)
	OR (kind = 'activity' AND activity_id IS NOT NULL AND problem_id IS NULL AND visit_id IS NULL AND progress_id IS NULL)
	OR (kind = 'evidence' AND progress_id IS NOT NULL AND problem_id IS NULL AND visit_id IS NULL AND activity_id IS NULL));
CREATE INDEX attachments_activity ON attachments (activity_id, id) WHERE activity_id IS NOT NULL;
CREATE INDEX attachments_progress ON attachments (progress_id, id) WHERE progress_id IS NOT NULL;
