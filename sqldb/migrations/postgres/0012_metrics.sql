-- Metrics (SPEC §5): the office's configurations, each in force from a
-- period on for a class of unit ('' for every unit); weights and rules
-- are the JSON of sanlian.MetricWeights and sanlian.MetricRules.
CREATE TABLE metric_configs (
	id          BIGSERIAL PRIMARY KEY,
	from_period TEXT NOT NULL,
	unit_kind   TEXT NOT NULL DEFAULT '',
	weights     TEXT NOT NULL,
	rules       TEXT NOT NULL,
	version     BIGINT NOT NULL DEFAULT 1,
	created_at  TIMESTAMPTZ NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL,
	UNIQUE (from_period, unit_kind)
);

-- Metrics read a window's timeline events by time, and ask of each problem
-- open at the window's end whether anything happened to it since.
CREATE INDEX problem_events_at ON problem_events (at);
CREATE INDEX problem_events_problem_at ON problem_events (problem_id, at);
