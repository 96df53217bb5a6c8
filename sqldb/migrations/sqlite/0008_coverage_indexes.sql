-- Indexes for the visit coverage report (sqldb/visit_coverage.go), found
-- with EXPLAIN on a county of 300,000 households and 100,000 visits.
-- The window's visits by unit and cadre, read from the index alone.
CREATE INDEX visits_window ON visits (date, kind, unit_id, cadre_id);
-- A cadre's active household links, counted from the index alone.
CREATE INDEX links_cadre_active ON links (cadre_id, kind, ended_at);
