-- Lead and co-handling units (牵头 / 配合, SPEC §3): the units the office
-- names to help the lead on a problem, and the record each keeps of its
-- part. The lead stays problems.unit_id; metrics count it alone.
CREATE TABLE problem_co_units (
	problem_id INTEGER NOT NULL REFERENCES problems (id),
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	added_at   DATETIME NOT NULL,
	added_by   INTEGER REFERENCES users (id),
	PRIMARY KEY (problem_id, unit_id)
);
-- A unit's scope and its problem list look co-units up by unit.
CREATE INDEX problem_co_units_unit ON problem_co_units (unit_id, problem_id);

CREATE TABLE problem_parts (
	id         INTEGER PRIMARY KEY,
	problem_id INTEGER NOT NULL REFERENCES problems (id),
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	note       TEXT NOT NULL,
	done_on    TEXT NOT NULL,
	actor      INTEGER REFERENCES users (id),
	created_at DATETIME NOT NULL
);
CREATE INDEX problem_parts_problem ON problem_parts (problem_id, unit_id);
-- The metrics count a unit's parts recorded in a window.
CREATE INDEX problem_parts_created ON problem_parts (created_at, unit_id);
