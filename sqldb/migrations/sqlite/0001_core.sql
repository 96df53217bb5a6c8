-- The organisation, accounts, sessions and the audit log.
CREATE TABLE regions (
	code        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('county', 'township', 'village')),
	parent_code TEXT REFERENCES regions (code)
);
CREATE INDEX regions_parent ON regions (parent_code, code);

CREATE TABLE units (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	kind          TEXT NOT NULL CHECK (kind IN ('department', 'township', 'enterprise', 'mass_org')),
	parent_id     INTEGER REFERENCES units (id),
	head_cadre_id INTEGER REFERENCES cadres (id),
	township_code TEXT REFERENCES regions (code),
	version       INTEGER NOT NULL DEFAULT 1,
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL
);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE cadres (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	unit_id      INTEGER NOT NULL REFERENCES units (id),
	post         TEXT NOT NULL DEFAULT '',
	party_member BOOLEAN NOT NULL DEFAULT 1,
	phone        TEXT NOT NULL DEFAULT '',
	is_leader    BOOLEAN NOT NULL DEFAULT 0,
	version      INTEGER NOT NULL DEFAULT 1,
	created_at   DATETIME NOT NULL,
	updated_at   DATETIME NOT NULL
);
CREATE INDEX cadres_unit ON cadres (unit_id, id);
CREATE INDEX cadres_name ON cadres (name);

CREATE TABLE households (
	id           INTEGER PRIMARY KEY,
	village_code TEXT NOT NULL REFERENCES regions (code),
	head_name    TEXT NOT NULL,
	id_number    TEXT NOT NULL DEFAULT '',
	phone        TEXT NOT NULL DEFAULT '',
	address      TEXT NOT NULL DEFAULT '',
	members      INTEGER NOT NULL DEFAULT 1,
	tags         TEXT NOT NULL DEFAULT '',
	version      INTEGER NOT NULL DEFAULT 1,
	created_at   DATETIME NOT NULL,
	updated_at   DATETIME NOT NULL
);
CREATE INDEX households_village ON households (village_code, id);
CREATE INDEX households_head ON households (head_name);

CREATE TABLE household_tags (
	household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
	kind         TEXT NOT NULL CHECK (kind IN ('conflict', 'key_group', 'representative')),
	sub          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (household_id, kind, sub)
);
CREATE INDEX household_tags_kind ON household_tags (kind, household_id);

CREATE TABLE links (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL CHECK (kind IN ('household', 'village', 'township')),
	cadre_id     INTEGER REFERENCES cadres (id),
	unit_id      INTEGER REFERENCES units (id),
	household_id INTEGER REFERENCES households (id),
	region_code  TEXT REFERENCES regions (code),
	created_by   INTEGER,
	created_at   DATETIME NOT NULL,
	ended_by     INTEGER,
	ended_at     DATETIME
);
CREATE UNIQUE INDEX links_household_active ON links (household_id, cadre_id) WHERE kind = 'household' AND ended_at IS NULL;
CREATE UNIQUE INDEX links_village_active ON links (region_code, unit_id) WHERE kind = 'village' AND ended_at IS NULL;
CREATE UNIQUE INDEX links_township_active ON links (region_code, cadre_id) WHERE kind = 'township' AND ended_at IS NULL;
CREATE INDEX links_cadre ON links (cadre_id, kind);
CREATE INDEX links_unit ON links (unit_id, kind);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('office', 'leader', 'unit_admin', 'cadre', 'sysadmin', 'auditor')),
	unit_id       INTEGER REFERENCES units (id),
	cadre_id      INTEGER REFERENCES cadres (id),
	disabled      BOOLEAN NOT NULL DEFAULT 0,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  DATETIME,
	version       INTEGER NOT NULL DEFAULT 1,
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL
);

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	last_seen  DATETIME NOT NULL,
	ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY,
	at        DATETIME NOT NULL,
	actor_id  INTEGER,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	entity    TEXT NOT NULL,
	entity_id TEXT NOT NULL DEFAULT '',
	changes   TEXT NOT NULL DEFAULT '',
	ip        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_actor ON audit_log (actor, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
