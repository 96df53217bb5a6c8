package sqldb_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// BenchmarkAuditSealer times entering a problem (which writes an audit
// row) with the background sealer running, nudged by every commit, against
// the same on a database whose sealer is off, in the same run: x-off is
// the cost of the chain to writes. unsealed is what the sealer had left
// when the loop ended (it seals at most once a second).
//
//	go test ./sqldb -run '^$' -bench AuditSealer -benchtime 2000x
func BenchmarkAuditSealer(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			var seq atomic.Int64
			for _, mode := range []string{"off", "on"} {
				b.Run(mode, func(b *testing.B) {
					db := sqldbtest.Open(b, engine)
					users := sqldbtest.LoadSmall(b, db)
					if _, err := db.SealAudit(context.Background()); err != nil {
						b.Fatal(err)
					}
					if mode == "on" {
						db.StartAuditSealer(nil)
					}
					ctx := sqldbtest.As(users["office"])
					start := time.Now()
					for b.Loop() {
						i := int(seq.Add(1))
						t := benchTitles[i%len(benchTitles)]
						in := &sanlian.ProblemInput{Source: sanlian.SourceVisit, Category: "transport", VillageCode: sqldbtest.VillageA,
							ReporterName: "刘大爷", ReporterPhone: "13912345678", Title: t[0], Description: t[0] + "，" + t[1], Urgency: "normal"}
						if _, err := db.Problems.CreateProblem(ctx, in); err != nil {
							b.Fatal(err)
						}
					}
					elapsed := time.Since(start)
					rep, err := db.VerifyAudit(context.Background(), nil, time.Now())
					if err != nil || rep.Failure != nil {
						b.Fatalf("verify: %v %v", err, rep.Failure)
					}
					b.ReportMetric(float64(rep.Unsealed), "unsealed")
					if mode == "on" && elapsed > 3*time.Second && rep.Checked == 0 {
						b.Fatal("the sealer sealed nothing while the loop ran")
					}
					reportRatio(b, engine+"/sealer/"+mode, engine+"/sealer/off", "x-off")
				})
			}
		})
	}
}
