-- 三清: the service project list with its dated progress, and the entered
-- lines of the responsibility list. Problems assigned to a unit and its
-- projects are on the responsibility list too, derived when read.
CREATE TABLE projects (
	id            INTEGER PRIMARY KEY,
	parent_id     INTEGER REFERENCES projects (id),
	unit_id       INTEGER NOT NULL REFERENCES units (id),
	title         TEXT NOT NULL,
	category      TEXT NOT NULL DEFAULT '',
	description   TEXT NOT NULL DEFAULT '',
	target        INTEGER NOT NULL DEFAULT 0 CHECK (target >= 0),
	measure       TEXT NOT NULL DEFAULT '',
	done          INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0),
	beneficiaries TEXT NOT NULL DEFAULT '',
	start_date    TEXT NOT NULL,
	end_date      TEXT NOT NULL,
	leader_id     INTEGER REFERENCES cadres (id),
	person_id     INTEGER REFERENCES cadres (id),
	status        TEXT NOT NULL CHECK (status IN ('planned', 'ongoing', 'done', 'suspended')),
	progress      INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
	weight        INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 1),
	rollup        TEXT NOT NULL DEFAULT 'average' CHECK (rollup IN ('average', 'weighted')),
	last_progress TEXT NOT NULL DEFAULT '',
	version       INTEGER NOT NULL DEFAULT 1,
	created_by    INTEGER REFERENCES users (id),
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL
);
CREATE INDEX projects_unit ON projects (unit_id, id);
CREATE INDEX projects_parent ON projects (parent_id, id);
CREATE INDEX projects_leader ON projects (leader_id, id);
CREATE INDEX projects_person ON projects (person_id, id);
CREATE INDEX projects_end ON projects (end_date, id);
CREATE INDEX projects_status ON projects (status, id);

CREATE TABLE project_progress (
	id         INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES projects (id),
	date       TEXT NOT NULL,
	quantity   INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
	percent    INTEGER NOT NULL DEFAULT -1 CHECK (percent BETWEEN -1 AND 100),
	note       TEXT NOT NULL DEFAULT '',
	created_by INTEGER REFERENCES users (id),
	created_at DATETIME NOT NULL
);
CREATE INDEX project_progress_project ON project_progress (project_id, date, id);

CREATE TABLE responsibilities (
	id              INTEGER PRIMARY KEY,
	unit_id         INTEGER NOT NULL REFERENCES units (id),
	task            TEXT NOT NULL,
	source          TEXT NOT NULL CHECK (source IN ('standalone', 'dispatch', 'problem', 'project')),
	source_id       INTEGER,
	leader_id       INTEGER REFERENCES cadres (id),
	person_id       INTEGER REFERENCES cadres (id),
	measures        TEXT NOT NULL DEFAULT '',
	deadline        TEXT NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('pending', 'ongoing', 'done')),
	completion_note TEXT NOT NULL DEFAULT '',
	version         INTEGER NOT NULL DEFAULT 1,
	created_by      INTEGER REFERENCES users (id),
	created_at      DATETIME NOT NULL,
	updated_at      DATETIME NOT NULL
);
CREATE INDEX responsibilities_unit ON responsibilities (unit_id, deadline, id);
CREATE INDEX responsibilities_leader ON responsibilities (leader_id, deadline, id);
CREATE INDEX responsibilities_person ON responsibilities (person_id, deadline, id);
CREATE INDEX responsibilities_deadline ON responsibilities (deadline, id);
CREATE INDEX responsibilities_source ON responsibilities (source, source_id);
