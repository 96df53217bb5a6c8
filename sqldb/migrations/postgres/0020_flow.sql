-- The ledger's flow (SPEC §3): the office's dispatch deadline on a
-- submitted problem, deadlines counted on a provisional calendar year,
-- the routing rule that assigned a problem, and the notice kinds these
-- bring.
ALTER TABLE problems ADD COLUMN assign_due TIMESTAMPTZ;
ALTER TABLE problems ADD COLUMN due_provisional BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE problems ADD COLUMN rule_id BIGINT;
CREATE INDEX problems_intake ON problems (assign_due, id) WHERE state = 'submitted';

ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('assigned', 'due_tomorrow', 'overdue', 'supervision',
	'reply_needed', 'intake_overdue', 'returned', 'co_unit', 'calendar', 'criticised', 'self_criticism_due'));
