-- The security administrator (secadmin) joins the roles. SQLite cannot
-- alter a CHECK constraint, and rebuilding users under foreign keys would
-- cascade into its sessions and trip every table that references it, so
-- the constraint's text is rewritten in place, the way SQLite documents for
-- CHECK changes; RESET makes this connection re-read the schema and the
-- CREATE TABLE below moves the schema version on for every other one.
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(sql, '''sysadmin'', ''auditor'')', '''sysadmin'', ''auditor'', ''secadmin'')')
	WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;

-- An account created from the web waits, disabled, until its grant is
-- approved; an administrator cannot enable it before.
ALTER TABLE users ADD COLUMN pending BOOLEAN NOT NULL DEFAULT 0;

-- Two people for the dangerous grants (三权分立): one administrator asks,
-- an administrator of the other kind approves or refuses. The new values
-- wait here until approved; user_version is the account's version the
-- request was made against, so that an approval of a changed account is
-- refused.
CREATE TABLE grant_requests (
	id             INTEGER PRIMARY KEY,
	user_id        INTEGER NOT NULL REFERENCES users (id),
	kind           TEXT NOT NULL CHECK (kind IN ('create', 'role', 'unit', 'cadre')),
	role           TEXT NOT NULL,
	unit_id        INTEGER REFERENCES units (id),
	cadre_id       INTEGER REFERENCES cadres (id),
	old_role       TEXT NOT NULL DEFAULT '',
	old_unit_id    INTEGER,
	old_cadre_id   INTEGER,
	user_version   INTEGER NOT NULL,
	state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused', 'withdrawn')),
	requested_by   INTEGER REFERENCES users (id),
	requester_role TEXT NOT NULL,
	requested_at   DATETIME NOT NULL,
	decided_by     INTEGER REFERENCES users (id),
	decided_at     DATETIME,
	reason         TEXT NOT NULL DEFAULT '',
	version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX grant_requests_state ON grant_requests (state, id);
CREATE UNIQUE INDEX grant_requests_one_pending ON grant_requests (user_id) WHERE state = 'pending';
