-- Tracking by phone: the one-time codes (hashed with the phone's blind
-- index, never in clear), who asked (a hash of the client's address), and
-- whether an SMS went (none for a phone without problems); and the wrong
-- codes and lock of each phone.
CREATE TABLE lookup_codes (
	id         INTEGER PRIMARY KEY,
	phone_bi   TEXT NOT NULL,
	code_hash  TEXT NOT NULL,
	client     TEXT NOT NULL DEFAULT '',
	sent       BOOLEAN NOT NULL DEFAULT 0,
	expires_at DATETIME NOT NULL,
	used_at    DATETIME,
	created_at DATETIME NOT NULL
);
CREATE INDEX lookup_codes_phone ON lookup_codes (phone_bi, created_at);
CREATE INDEX lookup_codes_client ON lookup_codes (client, created_at);
CREATE INDEX lookup_codes_created ON lookup_codes (created_at);

CREATE TABLE lookup_locks (
	phone_bi     TEXT PRIMARY KEY,
	wrong        INTEGER NOT NULL DEFAULT 0,
	wrong_at     DATETIME,
	locked_until DATETIME
);
