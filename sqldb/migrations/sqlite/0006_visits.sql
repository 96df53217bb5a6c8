-- 带题走访: the topic bank, visits with their topics, visitors and problems.
CREATE TABLE settings (
	key     TEXT PRIMARY KEY,
	value   TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO settings (key, value) VALUES ('campaign_start', '2021-04-01');

CREATE TABLE topics (
	id         INTEGER PRIMARY KEY,
	category   TEXT NOT NULL REFERENCES categories (code),
	question   TEXT NOT NULL,
	active     BOOLEAN NOT NULL DEFAULT 1,
	sort       INTEGER NOT NULL DEFAULT 0,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX topics_category ON topics (category, sort, id);

CREATE TABLE visits (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL CHECK (kind IN ('household', 'village', 'township')),
	date            TEXT NOT NULL,
	cadre_id        INTEGER REFERENCES cadres (id),
	unit_id         INTEGER REFERENCES units (id),
	household_id    INTEGER REFERENCES households (id),
	region_code     TEXT REFERENCES regions (code),
	village_code    TEXT REFERENCES regions (code),
	township_code   TEXT REFERENCES regions (code),
	met             TEXT NOT NULL DEFAULT '',
	findings        TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT,
	created_by      INTEGER REFERENCES users (id),
	created_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX visits_idempotency ON visits (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX visits_household ON visits (household_id, date);
CREATE INDEX visits_cadre ON visits (cadre_id, date);
CREATE INDEX visits_unit ON visits (unit_id, date);
CREATE INDEX visits_township ON visits (township_code, date);
CREATE INDEX visits_village ON visits (village_code, date);
CREATE INDEX visits_date ON visits (date, id);

CREATE TABLE visit_topics (
	visit_id INTEGER NOT NULL REFERENCES visits (id),
	topic_id INTEGER NOT NULL REFERENCES topics (id),
	PRIMARY KEY (visit_id, topic_id)
);
CREATE INDEX visit_topics_topic ON visit_topics (topic_id, visit_id);

CREATE TABLE visit_visitors (
	visit_id INTEGER NOT NULL REFERENCES visits (id),
	cadre_id INTEGER NOT NULL REFERENCES cadres (id),
	PRIMARY KEY (visit_id, cadre_id)
);
CREATE INDEX visit_visitors_cadre ON visit_visitors (cadre_id, visit_id);

ALTER TABLE problems ADD COLUMN visit_id INTEGER REFERENCES visits (id);
CREATE INDEX problems_visit ON problems (visit_id);
