-- The leaders' cockpit (领导驾驶舱). cockpit_counts rolls the ledger up
-- per month, township, category and channel for the months that have
-- ended (docs/cockpit.md): the current month is counted live.
-- cockpit_months says which months are rolled up, so that a month with
-- no problem at all is not counted again on every read. The
-- scheduler rebuilds the closed months of the cockpit's window every day.
CREATE TABLE cockpit_counts (
	month            TEXT NOT NULL,
	township_code    TEXT NOT NULL,
	category         TEXT NOT NULL,
	source           TEXT NOT NULL,
	received         BIGINT NOT NULL DEFAULT 0,
	resolved         BIGINT NOT NULL DEFAULT 0,
	resolved_on_time BIGINT NOT NULL DEFAULT 0,
	overdue          BIGINT NOT NULL DEFAULT 0,
	satisfied        BIGINT NOT NULL DEFAULT 0,
	rated            BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (month, township_code, category, source)
);
CREATE TABLE cockpit_months (
	month    TEXT PRIMARY KEY,
	built_at TIMESTAMPTZ NOT NULL
);
-- The township governments' league table of a month that has ended
-- (sanlian.LeagueRow as JSON), computed once and again by the daily job.
CREATE TABLE cockpit_league (
	month    TEXT PRIMARY KEY,
	body     TEXT NOT NULL,
	built_at TIMESTAMPTZ NOT NULL
);
-- Callbacks by date, for the live month's 回访 and 满意 counts.
CREATE INDEX problems_callback ON problems (callback_at);

-- The office's township boundaries (GeoJSON), one row.
CREATE TABLE township_map (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	geojson     TEXT NOT NULL,
	summary     TEXT NOT NULL,
	uploaded_by BIGINT REFERENCES users (id),
	uploaded_at TIMESTAMPTZ NOT NULL
);

-- 县级领导可切换查看全县: on by default.
INSERT INTO settings (key, value) VALUES ('cockpit_leader_county', 'on');
