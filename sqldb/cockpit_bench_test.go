package sqldb_test

import (
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// BenchmarkCockpit times the cockpit's figures on ledgers of the demo's
// size (1,000 problems) and of 1,000,000, each against a plain
// SELECT COUNT(*) FROM problems on the same database in the same run:
//
//	BenchmarkCockpit/{engine}/{1k,1m}/count        the baseline
//	BenchmarkCockpit/{engine}/{1k,1m}/counts-warm  the 12 months' counts, rollup in place (every read but the first of a month)
//	BenchmarkCockpit/{engine}/{1k,1m}/counts-cold  the same with the rollup emptied before each read (it is rebuilt: eleven months counted and stored)
//	BenchmarkCockpit/{engine}/{1k,1m}/full         the whole cockpit as the page reads it (counts by channel and heat map, trends,
//	                                               open problems, visits, projects, activities, league table, map), rollup and league in place
//
// each reporting x-count, its time ÷ the baseline's. The problems are
// bulkProblems' (entered evenly over 2021–2024, written with multi-row
// INSERTs in the benchmark only), read at 2024-12-20, so the live month
// holds about 21,000 problems of the 1,000,000. Run with
//
//	go test ./sqldb -run '^$' -bench 'Cockpit' -benchtime 10x
//
// (PostgreSQL as well when SANLIAN_TEST_PG is set). Nothing is kept
// between runs: each run loads its tables afresh.
func BenchmarkCockpit(b *testing.B) {
	now := time.Date(2024, 12, 20, 9, 0, 0, 0, sanlian.Shanghai)
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for _, size := range []struct {
				name string
				n    int
			}{{"1k", 1_000}, {"1m", 1_000_000}} {
				b.Run(size.name, func(b *testing.B) {
					c := problemTable(b, engine, size.n)
					saved := c.db.Now
					c.db.Now = func() time.Time { return now }
					defer func() { c.db.Now = saved }()
					ctx := sqldbtest.As(c.office)
					raw := benchRaw(b, c.db, false)
					key := engine + "/cockpit/" + size.name
					b.Run("count", func(b *testing.B) {
						for b.Loop() {
							var n int
							if err := raw.QueryRow(`SELECT COUNT(*) FROM problems`).Scan(&n); err != nil || n != size.n {
								b.Fatalf("count: %d %v", n, err)
							}
						}
						reportRatio(b, key+"/count", "", "")
					})
					counts := func(b *testing.B) {
						cs, err := c.db.Reports.CockpitCounts(ctx, sanlian.CockpitQuery{})
						if err != nil || len(cs) == 0 {
							b.Fatalf("cockpit counts: %v (%d rows)", err, len(cs))
						}
					}
					b.Run("counts-warm", func(b *testing.B) {
						counts(b) // the rollup in place
						for b.Loop() {
							counts(b)
						}
						reportRatio(b, key+"/counts-warm", key+"/count", "x-count")
					})
					b.Run("counts-cold", func(b *testing.B) {
						for b.Loop() {
							b.StopTimer()
							for _, t := range []string{"cockpit_counts", "cockpit_months"} {
								if _, err := raw.Exec("DELETE FROM " + t); err != nil {
									b.Fatal(err)
								}
							}
							b.StartTimer()
							counts(b)
						}
						reportRatio(b, key+"/counts-cold", key+"/count", "x-count")
					})
					b.Run("full", func(b *testing.B) {
						if _, err := c.db.Reports.Cockpit(ctx, sanlian.CockpitQuery{}); err != nil { // the rollup and the league in place
							b.Fatal(err)
						}
						for b.Loop() {
							if _, err := c.db.Reports.Cockpit(ctx, sanlian.CockpitQuery{}); err != nil {
								b.Fatal(err)
							}
						}
						reportRatio(b, key+"/full", key+"/count", "x-count")
					})
				})
			}
		})
	}
}
