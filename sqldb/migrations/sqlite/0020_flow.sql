-- The ledger's flow (SPEC §3): the office's dispatch deadline on a
-- submitted problem, deadlines counted on a provisional calendar year,
-- the routing rule that assigned a problem, and the notice kinds these
-- bring. SQLite cannot change a CHECK in place, so notices is rebuilt.
ALTER TABLE problems ADD COLUMN assign_due DATETIME;
ALTER TABLE problems ADD COLUMN due_provisional BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE problems ADD COLUMN rule_id INTEGER;
CREATE INDEX problems_intake ON problems (assign_due, id) WHERE state = 'submitted';

CREATE TABLE notices_new (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id),
	kind        TEXT NOT NULL CHECK (kind IN ('assigned', 'due_tomorrow', 'overdue', 'supervision', 'reply_needed',
		'intake_overdue', 'returned', 'co_unit', 'calendar', 'criticised', 'self_criticism_due')),
	title       TEXT NOT NULL,
	body        TEXT NOT NULL DEFAULT '',
	link        TEXT NOT NULL DEFAULT '',
	target_kind TEXT NOT NULL DEFAULT '',
	target_id   INTEGER NOT NULL DEFAULT 0,
	dedupe_key  TEXT,
	read_at     DATETIME,
	created_at  DATETIME NOT NULL
);
INSERT INTO notices_new SELECT id, user_id, kind, title, body, link, target_kind, target_id, dedupe_key, read_at, created_at FROM notices;
DROP TABLE notices;
ALTER TABLE notices_new RENAME TO notices;
CREATE INDEX notices_user ON notices (user_id, id);
CREATE INDEX notices_unread ON notices (user_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notices_dedupe ON notices (user_id, dedupe_key);
