-- Messages to residents: the consent a submission gives, the queue and
-- log of SMS and WeChat template messages (written in the transaction of
-- their event, claimed by a worker for a lease, retried at next_at), the
-- phones that replied TD, and the office's settings.
ALTER TABLE problems ADD COLUMN notify_sms BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE problems ADD COLUMN wechat_openid TEXT NOT NULL DEFAULT '';

-- phone (an SMS) or openid (a WeChat message) is the recipient, sealed as
-- problems.reporter_phone is; phone_bi is the phone's blind index, for the
-- daily cap. dedupe_key makes one message per event.
CREATE TABLE resident_messages (
	id            INTEGER PRIMARY KEY,
	problem_id    INTEGER REFERENCES problems (id),
	channel       TEXT NOT NULL CHECK (channel IN ('sms', 'wechat')),
	event         TEXT NOT NULL,
	phone         TEXT NOT NULL DEFAULT '',
	phone_bi      TEXT NOT NULL DEFAULT '',
	openid        TEXT NOT NULL DEFAULT '',
	text          TEXT NOT NULL,
	params        TEXT NOT NULL DEFAULT '[]',
	dedupe_key    TEXT,
	state         TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
	note          TEXT NOT NULL DEFAULT '',
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_at       DATETIME NOT NULL,
	claimed_until DATETIME,
	last_error    TEXT NOT NULL DEFAULT '',
	provider_id   TEXT NOT NULL DEFAULT '',
	sent_at       DATETIME,
	created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX resident_messages_dedupe ON resident_messages (dedupe_key);
CREATE INDEX resident_messages_due ON resident_messages (next_at) WHERE state = 'pending';
CREATE INDEX resident_messages_phone ON resident_messages (phone_bi, created_at);
CREATE INDEX resident_messages_problem ON resident_messages (problem_id, id);

CREATE TABLE resident_message_attempts (
	id          INTEGER PRIMARY KEY,
	message_id  INTEGER NOT NULL REFERENCES resident_messages (id),
	at          DATETIME NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	provider_id TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX resident_message_attempts_message ON resident_message_attempts (message_id, id);

CREATE TABLE sms_optouts (
	id       INTEGER PRIMARY KEY,
	phone    TEXT NOT NULL,
	phone_bi TEXT NOT NULL UNIQUE,
	via      TEXT NOT NULL CHECK (via IN ('sms', 'link')),
	at       DATETIME NOT NULL
);

CREATE TABLE message_settings (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	settings   TEXT NOT NULL,
	version    INTEGER NOT NULL DEFAULT 1,
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at DATETIME
);
INSERT INTO message_settings (id, settings) VALUES (1, '{"enabled":false,"provider":"","endpoint":"","sms_templates":{},"wechat_templates":{}}');
