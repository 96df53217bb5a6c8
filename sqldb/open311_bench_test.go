package sqldb_test

import (
	"context"

	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// BenchmarkOpen311Requests times GeoReport v2's GET requests as the public
// asks it, on the synthetic ledgers of the list benchmark (problems entered
// evenly over 2021–2024): a 90-day window (up to 1,000 requests, newest
// first), the same for one service and the open ones, and 50 ids.
//
//	go test ./sqldb -run '^$' -bench 'Open311Requests' -benchtime 20x
func BenchmarkOpen311Requests(b *testing.B) {
	end := time.Date(2024, 6, 1, 0, 0, 0, 0, sanlian.Shanghai)
	start := end.AddDate(0, 0, -sanlian.Open311DefaultDays)
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for _, size := range []struct {
				name string
				n    int
			}{{"10k", 10_000}, {"100k", 100_000}} {
				b.Run(size.name, func(b *testing.B) {
					c := problemTable(b, engine, size.n)
					ids := make([]int64, 50)
					for i := range ids {
						ids[i] = int64(1 + i*size.n/50)
					}
					for _, q := range []struct {
						name string
						f    sanlian.Open311Filter
					}{
						{"90-days", sanlian.Open311Filter{Start: start, End: end}},
						{"90-days-transport-open", sanlian.Open311Filter{Start: start, End: end, ServiceCodes: []string{"transport"}, Statuses: []string{"open"}}},
						{"50-ids", sanlian.Open311Filter{IDs: ids}},
					} {
						b.Run(q.name, func(b *testing.B) {
							var got int
							for b.Loop() {
								rs, err := c.db.Public.FindOpen311Requests(context.Background(), q.f)
								if err != nil {
									b.Fatal(err)
								}
								got = len(rs)
							}
							b.ReportMetric(float64(got), "requests")
						})
					}
				})
			}
		})
	}
}
