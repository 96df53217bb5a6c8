package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// benchEncryptHouseholds is the county size of BenchmarkEncrypt's
// household list (SANLIAN_BENCH_HOUSEHOLDS overrides it): a page of 50
// costs the same on 20,000 households as on 300,000, since it walks the
// primary key.
func benchEncryptHouseholds() int {
	if n, err := strconv.Atoi(os.Getenv("SANLIAN_BENCH_HOUSEHOLDS")); err == nil && n > 0 {
		return n
	}
	return 20_000
}

// BenchmarkEncrypt times, on each engine, entering a problem with a
// reporter's phone and the first page of the household list (50 rows,
// 100 values opened), each on a database without a key (plain) and on one
// encrypted (sm4). Each iteration runs the plain operation then the sm4
// one, so that both see the same load on a shared machine; it reports
// both times and sm4 as a ratio to plain.
//
//	go test ./sqldb -run '^$' -bench 'BenchmarkEncrypt$' -benchtime 3000x
func BenchmarkEncrypt(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			dbs := []*sqldb.DB{sqldbtest.OpenPlain(b, engine), sqldbtest.Open(b, engine)}
			county := syntheticCounty(benchEncryptHouseholds())
			for _, db := range dbs {
				if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), county); err != nil {
					b.Fatal(err)
				}
			}
			office := sqldbtest.As(county.Accounts[0].User)
			village := county.Households[0].VillageCode
			var seq atomic.Int64
			pair(b, "create", func(db *sqldb.DB) {
				i := seq.Add(1)
				_, err := db.Problems.CreateProblem(office, &sanlian.ProblemInput{Source: sanlian.SourceVisit, Category: "transport",
					VillageCode: village, ReporterName: "刘大爷", ReporterPhone: fmt.Sprintf("139%08d", i),
					Title: "路灯不亮", Description: "村口路灯不亮，晚上出行不便", Urgency: "normal"})
				if err != nil {
					b.Fatal(err)
				}
			}, dbs)
			pair(b, "households", func(db *sqldb.DB) {
				hs, _, err := db.Org.FindHouseholds(office, sanlian.HouseholdFilter{Limit: benchPageSize})
				if err != nil || len(hs) != benchPageSize {
					b.Fatalf("page 1: %d rows, %v", len(hs), err)
				}
			}, dbs)
		})
	}
}

// pair runs op on dbs[0] (plain) then dbs[1] (sm4) in every iteration
// and reports each one's time per op and their ratio.
func pair(b *testing.B, name string, op func(*sqldb.DB), dbs []*sqldb.DB) {
	b.Run(name, func(b *testing.B) {
		var took [2]time.Duration
		for b.Loop() {
			for i, db := range dbs {
				start := time.Now()
				op(db)
				took[i] += time.Since(start)
			}
		}
		n := float64(b.N)
		b.ReportMetric(float64(took[0].Nanoseconds())/n, "plain-ns/op")
		b.ReportMetric(float64(took[1].Nanoseconds())/n, "sm4-ns/op")
		b.ReportMetric(float64(took[1])/float64(took[0]), "sm4/plain")
	})
}

// BenchmarkEncryptUpgrade times the first start with a key of a database
// whose county of SPEC §8's size (300,000 households, 8,000 cadres;
// SANLIAN_BENCH_HOUSEHOLDS overrides it) was stored in clear: every ID
// number and phone sealed and indexed, 2,000 rows a transaction.
//
//	go test ./sqldb -run '^$' -bench 'BenchmarkEncryptUpgrade' -benchtime 1x
func BenchmarkEncryptUpgrade(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			n := benchHouseholds()
			county := syntheticCounty(n)
			// syntheticCounty repeats ID numbers past 21,000 households;
			// the unique index wants each once: a day of birth per 1,000.
			day := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, h := range county.Households {
				h.IDNumber = sqldbtest.IDNumber("430923" + day.AddDate(0, 0, i/1000).Format("20060102") + fmt.Sprintf("%03d", i%1000))
			}
			for b.Loop() {
				b.StopTimer()
				db := sqldbtest.OpenPlain(b, engine)
				if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), county); err != nil {
					b.Fatal(err)
				}
				k := sqldbtest.NewKey(b)
				b.StartTimer()
				if err := db.UseKey(context.Background(), k, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/(nsPerOp(b)/1e9), "households/s")
		})
	}
}
