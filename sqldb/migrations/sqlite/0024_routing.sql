-- Routing rules (派单规则): category × place → unit (and person). An empty
-- category is every category. Two active rules of one place, category
-- and order would leave the match to chance, so the index refuses them.
CREATE TABLE routing_rules (
	id          INTEGER PRIMARY KEY,
	category    TEXT NOT NULL DEFAULT '',
	region_code TEXT NOT NULL REFERENCES regions (code),
	unit_id     INTEGER NOT NULL REFERENCES units (id),
	person_id   INTEGER REFERENCES cadres (id),
	sort        INTEGER NOT NULL DEFAULT 0,
	active      BOOLEAN NOT NULL DEFAULT 1,
	note        TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 1,
	created_at  DATETIME NOT NULL,
	updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX routing_rules_slot ON routing_rules (region_code, category, sort) WHERE active;
CREATE INDEX routing_rules_unit ON routing_rules (unit_id);
CREATE INDEX problems_rule ON problems (rule_id) WHERE rule_id IS NOT NULL;

-- Returns (退单): one row each time a unit sends a problem back, naming the
-- rule that had assigned it, so returns count per unit and per rule.
CREATE TABLE problem_returns (
	id         INTEGER PRIMARY KEY,
	problem_id INTEGER NOT NULL REFERENCES problems (id),
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	rule_id    INTEGER,
	reason     TEXT NOT NULL,
	at         DATETIME NOT NULL
);
CREATE INDEX problem_returns_at ON problem_returns (at);
CREATE INDEX problem_returns_rule ON problem_returns (rule_id) WHERE rule_id IS NOT NULL;
CREATE INDEX problem_returns_problem ON problem_returns (problem_id);

-- The office's dispatch limits per source, as JSON {"hotline": 1, …}; a
-- source not named has the default of 1 working day.
CREATE TABLE intake_limits (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	days       TEXT NOT NULL DEFAULT '{}',
	version    INTEGER NOT NULL DEFAULT 1,
	updated_at DATETIME,
	updated_by TEXT NOT NULL DEFAULT ''
);
INSERT INTO intake_limits (id, days) VALUES (1, '{}');
