-- Residents' SMS replies and what became of each (outcome): an opt-out,
-- a rating taken (problem_id), an unknown text, or a rating from a phone
-- with no resolved problem waiting for it. The phone is sealed with its
-- blind index; a phone or ID number in the text is stored masked.
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
