-- Files leave the database for the blob store: an attachment or a
-- self-criticism keeps the content address of its file (blob_key) and of
-- its thumbnail (thumb_key), and data is NULL once the file is moved.
-- Rows not yet moved (`sanlian migrate` moves them) keep data as before.
ALTER TABLE attachments ADD COLUMN blob_key TEXT;
ALTER TABLE attachments ADD COLUMN thumb_key TEXT;
ALTER TABLE attachments ALTER COLUMN data DROP NOT NULL;
ALTER TABLE attachments ADD CONSTRAINT attachments_file_check CHECK (data IS NOT NULL OR blob_key IS NOT NULL);
-- The files still to move, for the mover's batches.
CREATE INDEX attachments_unmoved ON attachments (id) WHERE blob_key IS NULL;

-- self_criticisms.data is nullable already (nothing filed yet).
ALTER TABLE self_criticisms ADD COLUMN blob_key TEXT;
