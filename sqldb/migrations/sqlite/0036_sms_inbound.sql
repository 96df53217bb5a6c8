-- Residents' SMS replies that changed nothing: an unknown text, or a
-- rating from a phone with no resolved problem waiting for it (the
-- opt-outs and the ratings taken are in sms_optouts and on the problems'
-- timelines). The phone is sealed with its blind index; the text is
-- stored with digits masked.
CREATE TABLE sms_inbound (
	id          INTEGER PRIMARY KEY,
	provider    TEXT NOT NULL,
	phone       TEXT NOT NULL,
	phone_bi    TEXT NOT NULL,
	text        TEXT NOT NULL DEFAULT '',
	outcome     TEXT NOT NULL,
	problem_id  INTEGER REFERENCES problems (id),
	received_at DATETIME NOT NULL,
	created_at  DATETIME NOT NULL
);
CREATE INDEX sms_inbound_created ON sms_inbound (created_at);
