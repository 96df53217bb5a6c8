-- Personal data encrypted at rest (seal/): the key check and rotation
-- state, and blind-index columns beside the sealed ones. The key itself is
-- never stored. A fresh database runs clear until it is given a key;
-- 'index' asks the first start to fill the blind indexes of rows already
-- there.
CREATE TABLE crypt_state (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	identity   TEXT NOT NULL,
	key_check  TEXT NOT NULL DEFAULT '',
	next_check TEXT NOT NULL DEFAULT '',
	retired    TEXT NOT NULL DEFAULT '',
	pending    TEXT NOT NULL DEFAULT ''
);
INSERT INTO crypt_state (id, identity, pending) VALUES (1, md5(random()::text || clock_timestamp()::text), 'index');

ALTER TABLE households ADD COLUMN id_number_bi TEXT NOT NULL DEFAULT '';
DROP INDEX households_id_number_unique;
CREATE UNIQUE INDEX households_id_number_unique ON households (id_number_bi) WHERE id_number_bi <> '';

ALTER TABLE problems ADD COLUMN reporter_phone_bi TEXT NOT NULL DEFAULT '';
DROP INDEX problems_public_phone;
CREATE INDEX problems_public_phone ON problems (reporter_phone_bi, created_at) WHERE tracking_code IS NOT NULL;
