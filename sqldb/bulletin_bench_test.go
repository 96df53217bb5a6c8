package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// BenchmarkBulletin times drafting one half-month's bulletin (its metrics
// by unit, the overview counts, the longest overdue problems, earlier
// self-criticisms, activity totals, and the write of the draft) on
// metricsTable's county of 50,000 problems with their timelines, beside
// the metrics alone, and reports the ratio:
//
//	BenchmarkBulletin/{engine}/draft    x-metrics: draft ÷ metrics
//
// Run with, for example,
//
//	go test ./sqldb -run '^$' -bench 'Bulletin' -benchtime 5x
func BenchmarkBulletin(b *testing.B) {
	const period = "2024-12-H1"
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := metricsTable(b, engine, 50_000)
			ctx := sqldbtest.As(c.office)
			b.Run("metrics", func(b *testing.B) {
				for b.Loop() {
					if _, err := c.db.Reports.Metrics(ctx, sanlian.MetricsQuery{Period: period, By: sanlian.ByUnit}); err != nil {
						b.Fatal(err)
					}
				}
				reportRatio(b, engine+"/bulletin/metrics", "", "x-metrics")
			})
			b.Run("draft", func(b *testing.B) {
				for b.Loop() {
					d, err := c.db.Reports.GenerateBulletin(ctx, period)
					if err != nil || d.Content.Overview.Assigned == 0 {
						b.Fatalf("draft: %v", err)
					}
				}
				reportRatio(b, engine+"/bulletin/draft", engine+"/bulletin/metrics", "x-metrics")
			})
		})
	}
}
