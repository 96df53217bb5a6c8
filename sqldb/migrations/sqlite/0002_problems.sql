-- The problem ledger: categories, problems, reporters, timeline, search.
CREATE TABLE categories (
	code         TEXT PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	accept_days  INTEGER NOT NULL DEFAULT 0,
	resolve_days INTEGER NOT NULL DEFAULT 0,
	active       BOOLEAN NOT NULL DEFAULT 1,
	sort         INTEGER NOT NULL DEFAULT 0,
	version      INTEGER NOT NULL DEFAULT 1
);
INSERT INTO categories (code, name, active, sort) VALUES ('employment', '就业创业', 1, 1);
INSERT INTO categories (code, name, active, sort) VALUES ('education', '教育', 1, 2);
INSERT INTO categories (code, name, active, sort) VALUES ('social_health', '社保医疗', 1, 3);
INSERT INTO categories (code, name, active, sort) VALUES ('elderly', '养老服务', 1, 4);
INSERT INTO categories (code, name, active, sort) VALUES ('childcare', '托育', 1, 5);
INSERT INTO categories (code, name, active, sort) VALUES ('housing', '住房保障', 1, 6);
INSERT INTO categories (code, name, active, sort) VALUES ('transport', '交通出行', 1, 7);
INSERT INTO categories (code, name, active, sort) VALUES ('construction', '城乡建设', 1, 8);
INSERT INTO categories (code, name, active, sort) VALUES ('rural', '乡村振兴', 1, 9);
INSERT INTO categories (code, name, active, sort) VALUES ('food_drug', '食品药品安全', 1, 10);
INSERT INTO categories (code, name, active, sort) VALUES ('business', '营商环境', 1, 11);
INSERT INTO categories (code, name, active, sort) VALUES ('policy', '政策落实', 1, 12);

CREATE TABLE problem_counters (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

CREATE TABLE problems (
	id                    INTEGER PRIMARY KEY,
	number                TEXT NOT NULL UNIQUE,
	state                 TEXT NOT NULL CHECK (state IN ('submitted', 'assigned', 'accepted', 'resolved', 'closed', 'rejected', 'merged')),
	version               INTEGER NOT NULL DEFAULT 1,
	source                TEXT NOT NULL CHECK (source IN ('visit', 'portal', 'wechat', 'hotline', 'letter', 'other')),
	category              TEXT NOT NULL REFERENCES categories (code),
	village_code          TEXT NOT NULL REFERENCES regions (code),
	township_code         TEXT NOT NULL REFERENCES regions (code),
	household_id          INTEGER REFERENCES households (id),
	reporter_name         TEXT NOT NULL DEFAULT '',
	reporter_phone        TEXT NOT NULL DEFAULT '',
	title                 TEXT NOT NULL,
	description           TEXT NOT NULL,
	urgency               TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent')),
	unit_id               INTEGER REFERENCES units (id),
	person_id             INTEGER REFERENCES cadres (id),
	created_by            INTEGER REFERENCES users (id),
	created_unit_id       INTEGER REFERENCES units (id),
	created_cadre_id      INTEGER REFERENCES cadres (id),
	assigned_at           DATETIME,
	accept_due            DATETIME,
	accepted_at           DATETIME,
	resolve_due           DATETIME,
	resolved_at           DATETIME,
	closed_at             DATETIME,
	measures              TEXT NOT NULL DEFAULT '',
	result                TEXT NOT NULL DEFAULT '',
	callback_solved       TEXT NOT NULL DEFAULT '',
	callback_satisfaction TEXT NOT NULL DEFAULT '',
	callback_at           DATETIME,
	reopened              INTEGER NOT NULL DEFAULT 0,
	merged_into           INTEGER REFERENCES problems (id),
	reject_reason         TEXT NOT NULL DEFAULT '',
	extension_until       TEXT NOT NULL DEFAULT '',
	extension_reason      TEXT NOT NULL DEFAULT '',
	created_at            DATETIME NOT NULL,
	updated_at            DATETIME NOT NULL
);
CREATE INDEX problems_state ON problems (state, id);
CREATE INDEX problems_unit ON problems (unit_id, id);
CREATE INDEX problems_person ON problems (person_id, id);
CREATE INDEX problems_village ON problems (village_code, id);
CREATE INDEX problems_township ON problems (township_code, id);
CREATE INDEX problems_category ON problems (category, id);
CREATE INDEX problems_due ON problems (resolve_due, id);
CREATE INDEX problems_created ON problems (created_at);
CREATE INDEX problems_resolved ON problems (resolved_at);
CREATE INDEX problems_created_unit ON problems (created_unit_id, id);
CREATE INDEX problems_created_cadre ON problems (created_cadre_id, id);
CREATE INDEX problems_household ON problems (household_id);
CREATE INDEX problems_merged ON problems (merged_into);

-- Who raised a problem; a merge moves them to the problem merged into.
CREATE TABLE problem_reporters (
	id           INTEGER PRIMARY KEY,
	problem_id   INTEGER NOT NULL REFERENCES problems (id),
	name         TEXT NOT NULL DEFAULT '',
	phone        TEXT NOT NULL DEFAULT '',
	household_id INTEGER REFERENCES households (id),
	source       TEXT NOT NULL,
	created_at   DATETIME NOT NULL
);
CREATE INDEX problem_reporters_problem ON problem_reporters (problem_id);

-- The timeline: every action, with its actor, note and before/after.
CREATE TABLE problem_events (
	id         INTEGER PRIMARY KEY,
	problem_id INTEGER NOT NULL REFERENCES problems (id),
	action     TEXT NOT NULL,
	actor_id   INTEGER,
	actor      TEXT NOT NULL,
	at         DATETIME NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	from_state TEXT NOT NULL DEFAULT '',
	to_state   TEXT NOT NULL,
	changes    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX problem_events_problem ON problem_events (problem_id, id);

-- Character bigrams of title and description (see sanlian.SearchTokens),
-- indexed by FTS5's unicode61 tokenizer; rowid is the problem id.
CREATE VIRTUAL TABLE problem_fts USING fts5 (tokens, tokenize = 'unicode61');
