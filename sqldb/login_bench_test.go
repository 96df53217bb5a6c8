package sqldb_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// loginFlooders is how many goroutines keep failing logins while problems
// are entered in BenchmarkLoginFlood.
const loginFlooders = 4

// BenchmarkLoginFlood times entering a problem while loginFlooders
// goroutines keep trying unknown usernames (each try costs one argon2id
// hash), against entering a problem with no logins at all, in the same
// run: x-alone is the slowdown. A login that hashed inside its write
// transaction would hold every writer for the hash's length.
//
//	go test ./sqldb -run '^$' -bench LoginFlood -benchtime 40x
func BenchmarkLoginFlood(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.Open(b, engine)
			users := sqldbtest.LoadSmall(b, db)
			ctx := sqldbtest.As(users["office"])
			var seq atomic.Int64
			create := func(b *testing.B) {
				i := int(seq.Add(1))
				t := benchTitles[i%len(benchTitles)]
				in := &sanlian.ProblemInput{Source: sanlian.SourceVisit, Category: "transport", VillageCode: sqldbtest.VillageA,
					ReporterName: "刘大爷", ReporterPhone: "13912345678", Title: t[0], Description: t[0] + "，" + t[1], Urgency: "normal"}
				if _, err := db.Problems.CreateProblem(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("alone", func(b *testing.B) {
				for b.Loop() {
					create(b)
				}
				reportRatio(b, engine+"/flood/alone", "", "")
			})
			b.Run("flood", func(b *testing.B) {
				stop := make(chan struct{})
				var wg sync.WaitGroup
				var tries atomic.Int64
				for g := range loginFlooders {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; ; i++ {
							select {
							case <-stop:
								return
							default:
							}
							name := fmt.Sprintf("nobody-%d-%d", g, i)
							_, _, err := db.Accounts.Login(context.Background(), name, "wrong-password", "web")
							if sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
								b.Errorf("login %s: %v", name, err)
								return
							}
							tries.Add(1)
						}
					}()
				}
				for b.Loop() {
					create(b)
				}
				close(stop)
				wg.Wait()
				b.ReportMetric(float64(tries.Load())/b.Elapsed().Seconds(), "logins/s")
				reportRatio(b, engine+"/flood/flood", engine+"/flood/alone", "x-alone")
			})
		})
	}
}
