-- Photos of a visit are attachments too: an attachment belongs to exactly
-- one problem or one visit, and a visit's are of kind 'visit'.
ALTER TABLE attachments ALTER COLUMN problem_id DROP NOT NULL;
ALTER TABLE attachments ADD COLUMN visit_id BIGINT REFERENCES visits (id);
ALTER TABLE attachments DROP CONSTRAINT attachments_kind_check;
ALTER TABLE attachments ADD CONSTRAINT attachments_kind_check CHECK (kind IN ('problem', 'resolution', 'visit'));
ALTER TABLE attachments ADD CONSTRAINT attachments_owner_check CHECK (
	(problem_id IS NOT NULL AND visit_id IS NULL AND kind <> 'visit')
	OR (visit_id IS NOT NULL AND problem_id IS NULL AND kind = 'visit'));
CREATE INDEX attachments_visit ON attachments (visit_id, id) WHERE visit_id IS NOT NULL;
