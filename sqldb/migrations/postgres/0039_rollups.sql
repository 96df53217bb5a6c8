-- The metrics' counters per day and group (sanlian.RollupDeltas): the
-- counts of the day's events. dim is the grouping (all, unit, cadre,
-- township, category), grp the group's key ('' for all), day a date in
-- Asia/Shanghai. Written in the transaction of each timeline event;
-- "sanlian rollups rebuild" recomputes them from the timelines.
CREATE TABLE rollup_counts (
	dim                  TEXT NOT NULL,
	grp                  TEXT NOT NULL,
	day                  TEXT NOT NULL,
	assigned             BIGINT NOT NULL DEFAULT 0,
	accepted_on_time     BIGINT NOT NULL DEFAULT 0,
	resolved             BIGINT NOT NULL DEFAULT 0,
	resolved_on_time     BIGINT NOT NULL DEFAULT 0,
	callbacks            BIGINT NOT NULL DEFAULT 0,
	solved               BIGINT NOT NULL DEFAULT 0,
	satisfied            BIGINT NOT NULL DEFAULT 0,
	unsatisfied          BIGINT NOT NULL DEFAULT 0,
	reopened             BIGINT NOT NULL DEFAULT 0,
	intake_submitted     BIGINT NOT NULL DEFAULT 0,
	intake_dispatched    BIGINT NOT NULL DEFAULT 0,
	intake_on_time       BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, day, grp)
);

-- Level changes (+1 the day a problem starts to be open, overdue or late
-- for dispatch with the group, -1 the day it stops), each kept three
-- times: in its day's bucket (D2024-05-03), its month's (M2024-05) and its
-- year's (Y2024), so that a level at a midnight, the sum of every change
-- before it, reads the years before, the months of its year before and
-- the days of its month before: a few dozen rows a group, however long
-- the ledger.
CREATE TABLE rollup_levels (
	dim                  TEXT NOT NULL,
	grp                  TEXT NOT NULL,
	bucket               TEXT NOT NULL,
	overdue_level        BIGINT NOT NULL DEFAULT 0,
	open_level           BIGINT NOT NULL DEFAULT 0,
	intake_overdue_level BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (dim, bucket, grp)
);

-- Resolutions by the day resolved (day) and the day of the assignment
-- they count from (from_day): mean working days with today's calendar.
CREATE TABLE rollup_days (
	dim      TEXT NOT NULL,
	grp      TEXT NOT NULL,
	day      TEXT NOT NULL,
	from_day TEXT NOT NULL,
	n        BIGINT NOT NULL,
	PRIMARY KEY (dim, day, grp, from_day)
);

-- Volume corrections: an assignment on day of a problem that the windows
-- starting s_from to s_to (dates) had counted already.
CREATE TABLE rollup_volume (
	dim    TEXT NOT NULL,
	grp    TEXT NOT NULL,
	s_from TEXT NOT NULL,
	s_to   TEXT NOT NULL,
	day    TEXT NOT NULL,
	n      BIGINT NOT NULL,
	PRIMARY KEY (dim, s_to, grp, s_from, day)
);

-- Whether the counters hold every timeline: not on a ledger that had
-- events before this migration, until "sanlian rollups rebuild" runs; the
-- metrics replay the timelines meanwhile.
CREATE TABLE rollup_meta (
	id       INTEGER PRIMARY KEY,
	built    INTEGER NOT NULL,
	built_at TIMESTAMPTZ
);
INSERT INTO rollup_meta (id, built) SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM problem_events) THEN 0 ELSE 1 END;
