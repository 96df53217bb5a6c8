-- Indexes for problem lists sorted by deadline (FindProblems, Sort "deadline")
-- and filtered by township or responsible unit, found with EXPLAIN on a
-- ledger of 1,000,000 problems (sqldb/problem_bench_test.go). Without them
-- SQLite sorts every problem of the township (about 43,000) or the unit
-- (about 15,000) to show the first 50, 100–400 ms a page, and PostgreSQL
-- walks the deadline index of the whole county, filtering out the other
-- townships' rows, a cost that grows with the page's depth. With them the
-- first page reads 51 index entries in order.
CREATE INDEX problems_township_due ON problems (township_code, resolve_due, id);
CREATE INDEX problems_unit_due ON problems (unit_id, resolve_due, id);
