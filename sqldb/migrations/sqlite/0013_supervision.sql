-- 督办: automatic yellow and red cards on overdue problems, set by the
-- daily job, and notices issued by the office or a county leader and
-- answered by the responsible unit. Unit, person and township are copied
-- from the target when the supervision starts: they decide who sees it.
CREATE TABLE supervisions (
	id            INTEGER PRIMARY KEY,
	level         TEXT NOT NULL CHECK (level IN ('yellow', 'red', 'notice')),
	state         TEXT NOT NULL CHECK (state IN ('open', 'answered', 'closed')),
	target_kind   TEXT NOT NULL CHECK (target_kind IN ('problem', 'project', 'responsibility')),
	target_id     INTEGER NOT NULL,
	target_ref    TEXT NOT NULL DEFAULT '',
	unit_id       INTEGER REFERENCES units (id),
	person_id     INTEGER REFERENCES cadres (id),
	township_code TEXT NOT NULL DEFAULT '',
	text          TEXT NOT NULL DEFAULT '',
	reply_due     TEXT NOT NULL DEFAULT '',
	reply         TEXT NOT NULL DEFAULT '',
	replied_at    DATETIME,
	replied_by    INTEGER REFERENCES users (id),
	late          BOOLEAN NOT NULL DEFAULT 0,
	since         DATETIME NOT NULL,
	red_at        DATETIME,
	closed_at     DATETIME,
	issued_by     INTEGER REFERENCES users (id),
	version       INTEGER NOT NULL DEFAULT 1,
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL
);
-- A problem holds at most one open automatic supervision.
CREATE UNIQUE INDEX supervisions_auto_open ON supervisions (target_id) WHERE level <> 'notice' AND state = 'open';
CREATE INDEX supervisions_target ON supervisions (target_kind, target_id, id);
CREATE INDEX supervisions_unit ON supervisions (unit_id, id);
CREATE INDEX supervisions_person ON supervisions (person_id, id);
CREATE INDEX supervisions_township ON supervisions (township_code, id);
CREATE INDEX supervisions_level ON supervisions (level, state, id);

-- Runs of scheduled jobs: one row per job and key, inserted in the same
-- transaction as the job's writes, so that a key runs exactly once however
-- many nodes run the scheduler.
CREATE TABLE job_runs (
	job        TEXT NOT NULL,
	period_key TEXT NOT NULL,
	at         DATETIME NOT NULL,
	ran_at     DATETIME NOT NULL,
	PRIMARY KEY (job, period_key)
);
