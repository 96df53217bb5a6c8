-- The people's side. A problem raised without an account carries the
-- tracking code its reporter follows it by; codes are unique. The same
-- text from the same phone within a day is found by the phone.
ALTER TABLE problems ADD COLUMN tracking_code TEXT;
CREATE UNIQUE INDEX problems_tracking_code ON problems (tracking_code) WHERE tracking_code IS NOT NULL;
CREATE INDEX problems_public_phone ON problems (reporter_phone, created_at) WHERE tracking_code IS NOT NULL;

-- Proof-of-work challenges already answered: each is good once, and is
-- forgotten after it expires.
CREATE TABLE public_challenges_spent (
	id         TEXT PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX public_challenges_spent_expiry ON public_challenges_spent (expires_at);

-- Keys the server keeps for itself (the key that signs the challenges),
-- made once and shared by every node on the database.
CREATE TABLE server_keys (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
