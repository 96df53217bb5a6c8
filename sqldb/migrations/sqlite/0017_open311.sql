-- Open311 GeoReport v2. The API keys the office issues to other platforms,
-- each tied to the source its requests are entered with; a key is stored
-- only as its SHA-256, and shown once when issued.
CREATE TABLE api_keys (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	source     TEXT NOT NULL CHECK (source IN ('hotline', 'wechat', 'portal', 'other')),
	prefix     TEXT NOT NULL,
	key_hash   TEXT NOT NULL UNIQUE,
	created_at DATETIME NOT NULL,
	created_by INTEGER REFERENCES users (id),
	revoked_at DATETIME,
	revoked_by INTEGER REFERENCES users (id)
);

-- What a request sent through a key carried beyond the problem itself:
-- coordinates, the address as typed, a link to a photo.
CREATE TABLE open311_requests (
	problem_id     INTEGER PRIMARY KEY REFERENCES problems (id),
	api_key_id     INTEGER NOT NULL REFERENCES api_keys (id),
	lat            REAL,
	lng            REAL,
	address_string TEXT NOT NULL DEFAULT '',
	media_url      TEXT NOT NULL DEFAULT '',
	created_at     DATETIME NOT NULL
);
CREATE INDEX open311_requests_key ON open311_requests (api_key_id);
