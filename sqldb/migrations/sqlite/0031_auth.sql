-- Passwords, a second factor, own sessions and the login log.

-- The security administrator's password policy: one row.
CREATE TABLE password_policy (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	min_length  INTEGER NOT NULL,
	min_classes INTEGER NOT NULL,
	history     INTEGER NOT NULL,
	expiry_days INTEGER NOT NULL,
	updated_at  DATETIME NOT NULL
);

-- Earlier passwords (argon2id hashes), so that the last few are not reused.
CREATE TABLE password_history (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	password_hash TEXT NOT NULL,
	created_at    DATETIME NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

ALTER TABLE users ADD COLUMN password_changed_at DATETIME;
-- The TOTP secret (base32); totp_enabled once confirmed by a first code.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT 0;
-- The last time step accepted: the same code, or an older one, is refused.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
-- Wrong codes since the last good one; MaxTOTPFailures lock the account.
ALTER TABLE users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;

-- One-time recovery codes, SHA-256 of the normalised code.
CREATE TABLE recovery_codes (
	user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at   DATETIME,
	PRIMARY KEY (user_id, code_hash)
);

-- A session's public id (shown and used to end it; never the token's
-- hash) and the browser or client it was opened from.
ALTER TABLE sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE sessions SET public_id = lower(hex(randomblob(12)));
CREATE INDEX sessions_public ON sessions (public_id);

-- A password checked, a second factor awaited: the pending login's token
-- hash, for five minutes.
CREATE TABLE login_pending (
	id         TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	expires_at DATETIME NOT NULL
);

-- The login log: every login, failure, lock, wrong code, logout and
-- password change, with the client's address and user agent.
CREATE TABLE login_log (
	id         INTEGER PRIMARY KEY,
	at         DATETIME NOT NULL,
	user_id    INTEGER,
	username   TEXT NOT NULL,
	event      TEXT NOT NULL,
	ok         BOOLEAN NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	ip         TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_log_user ON login_log (username, id);
CREATE INDEX login_log_at ON login_log (at);
