-- In-app notices: one row per user and event. dedupe_key is set by the
-- daily job (kind, target and deadline), so that a rerun writes nothing
-- twice; notices written with the event that causes them leave it NULL.
CREATE TABLE notices (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id),
	kind        TEXT NOT NULL CHECK (kind IN ('assigned', 'due_tomorrow', 'overdue', 'supervision', 'reply_needed')),
	title       TEXT NOT NULL,
	body        TEXT NOT NULL DEFAULT '',
	link        TEXT NOT NULL DEFAULT '',
	target_kind TEXT NOT NULL DEFAULT '',
	target_id   INTEGER NOT NULL DEFAULT 0,
	dedupe_key  TEXT,
	read_at     DATETIME,
	created_at  DATETIME NOT NULL
);
CREATE INDEX notices_user ON notices (user_id, id);
CREATE INDEX notices_unread ON notices (user_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notices_dedupe ON notices (user_id, dedupe_key);

-- Outbound webhooks the office configures. events is a comma-wrapped list
-- (",problem_assigned,supervision_red,") so that one LIKE finds the
-- subscribers of an event.
CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'json')),
	url        TEXT NOT NULL,
	secret     TEXT NOT NULL DEFAULT '',
	events     TEXT NOT NULL,
	active     BOOLEAN NOT NULL DEFAULT 1,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);

-- The queue and log of deliveries: written with the event, claimed by a
-- worker for a lease (claimed_until), then delivered, retried at next_at,
-- or failed.
CREATE TABLE webhook_deliveries (
	id            INTEGER PRIMARY KEY,
	webhook_id    INTEGER NOT NULL REFERENCES webhooks (id),
	event         TEXT NOT NULL,
	payload       TEXT NOT NULL,
	dedupe_key    TEXT,
	state         TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_at       DATETIME NOT NULL,
	claimed_until DATETIME,
	last_status   INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	delivered_at  DATETIME,
	created_at    DATETIME NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
CREATE UNIQUE INDEX webhook_deliveries_dedupe ON webhook_deliveries (webhook_id, dedupe_key);

CREATE TABLE webhook_attempts (
	id          INTEGER PRIMARY KEY,
	delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
	at          DATETIME NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- Who is told: the admins of a unit, the account of a cadre.
CREATE INDEX users_unit ON users (unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX users_cadre ON users (cadre_id) WHERE cadre_id IS NOT NULL;
