-- 每月一调度: the monthly dispatch meeting and its decisions. Each decision
-- puts a line on its unit's responsibility list (source 'dispatch',
-- source_id the decision's id), whose state the decision shows.
CREATE TABLE dispatches (
	month        TEXT PRIMARY KEY,
	meeting_date TEXT NOT NULL,
	place        TEXT NOT NULL DEFAULT '',
	chair        TEXT NOT NULL DEFAULT '',
	attendees    TEXT NOT NULL DEFAULT '',
	record       TEXT NOT NULL DEFAULT '',
	version      INTEGER NOT NULL DEFAULT 1,
	created_by   INTEGER REFERENCES users (id),
	created_at   DATETIME NOT NULL,
	updated_at   DATETIME NOT NULL
);

CREATE TABLE dispatch_decisions (
	id                INTEGER PRIMARY KEY,
	month             TEXT NOT NULL,
	text              TEXT NOT NULL,
	unit_id           INTEGER NOT NULL REFERENCES units (id),
	person_id         INTEGER NOT NULL REFERENCES cadres (id),
	leader_id         INTEGER REFERENCES cadres (id),
	deadline          TEXT NOT NULL,
	responsibility_id INTEGER REFERENCES responsibilities (id),
	created_by        INTEGER REFERENCES users (id),
	created_at        DATETIME NOT NULL
);
CREATE INDEX dispatch_decisions_month ON dispatch_decisions (month, id);
