-- The month's themes (每月一题): the office names one or more for a month,
-- with categories and keywords (space-separated lists); no two of one
-- month share a name.
CREATE TABLE themes (
	id         INTEGER PRIMARY KEY,
	month      TEXT NOT NULL,
	name       TEXT NOT NULL,
	categories TEXT NOT NULL DEFAULT '',
	keywords   TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT '',
	version    INTEGER NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX themes_month_name ON themes (month, name);

-- The problems a theme tags: tag is auto (matched), manual (added by
-- hand) or removed (taken out by hand, so that re-tagging leaves it out).
CREATE TABLE theme_problems (
	theme_id   INTEGER NOT NULL REFERENCES themes (id),
	problem_id INTEGER NOT NULL REFERENCES problems (id),
	tag        TEXT NOT NULL,
	at         DATETIME NOT NULL,
	PRIMARY KEY (theme_id, problem_id)
);
CREATE INDEX theme_problems_problem ON theme_problems (problem_id);

-- Root-cause measures (治本措施) recorded for a theme.
CREATE TABLE theme_measures (
	id         INTEGER PRIMARY KEY,
	theme_id   INTEGER NOT NULL REFERENCES themes (id),
	text       TEXT NOT NULL,
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	due        TEXT NOT NULL,
	version    INTEGER NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX theme_measures_theme ON theme_measures (theme_id);
