-- Ranking (SPEC §5 as amended): each metric configuration's deduction per
-- problem overdue at the period's end, the cap on it, and the minimum
-- volume a unit needs to be ranked. Configurations saved before keep
-- SPEC's defaults.
ALTER TABLE metric_configs ADD COLUMN overdue_deduction DOUBLE PRECISION NOT NULL DEFAULT 2;
ALTER TABLE metric_configs ADD COLUMN deduction_cap DOUBLE PRECISION NOT NULL DEFAULT 20;
ALTER TABLE metric_configs ADD COLUMN min_volume INTEGER NOT NULL DEFAULT 3;
