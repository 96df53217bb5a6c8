-- A webhook may be limited to the problems of one source (hotline,
-- portal …): '' takes every source. Events not about a problem ignore it.
ALTER TABLE webhooks ADD COLUMN source TEXT NOT NULL DEFAULT '';
