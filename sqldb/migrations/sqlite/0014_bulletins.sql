-- 半月督查通报: a bulletin per half-month period, numbered within its year
-- when published; its content, overrides and configuration are frozen then.
-- 书面检讨: the self-criticisms a published bulletin asks of criticised units.
CREATE TABLE bulletins (
	id           INTEGER PRIMARY KEY,
	period       TEXT NOT NULL UNIQUE,
	year         INTEGER NOT NULL,
	number       INTEGER,
	state        TEXT NOT NULL CHECK (state IN ('draft', 'published')),
	content      TEXT NOT NULL,
	commentary   TEXT NOT NULL DEFAULT '',
	overrides    TEXT NOT NULL DEFAULT '[]',
	config       TEXT NOT NULL DEFAULT '',
	version      INTEGER NOT NULL DEFAULT 1,
	created_at   DATETIME NOT NULL,
	updated_at   DATETIME NOT NULL,
	published_at DATETIME,
	published_by INTEGER REFERENCES users (id),
	UNIQUE (year, number),
	CHECK ((state = 'draft' AND number IS NULL) OR (state = 'published' AND number IS NOT NULL AND published_at IS NOT NULL))
);

CREATE TABLE self_criticisms (
	id           INTEGER PRIMARY KEY,
	bulletin_id  INTEGER NOT NULL REFERENCES bulletins (id),
	unit_id      INTEGER NOT NULL REFERENCES units (id),
	reason       TEXT NOT NULL DEFAULT '',
	due_at       DATETIME NOT NULL,
	filed_at     DATETIME,
	filed_by     INTEGER REFERENCES users (id),
	filename     TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL DEFAULT '',
	size         INTEGER NOT NULL DEFAULT 0,
	data         BLOB,
	received_at  DATETIME,
	received_by  INTEGER REFERENCES users (id),
	version      INTEGER NOT NULL DEFAULT 1,
	created_at   DATETIME NOT NULL,
	UNIQUE (bulletin_id, unit_id)
);
CREATE INDEX self_criticisms_unit ON self_criticisms (unit_id, id);
CREATE INDEX self_criticisms_due ON self_criticisms (due_at) WHERE filed_at IS NULL;
