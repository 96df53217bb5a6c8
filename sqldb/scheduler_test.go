package sqldb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// tickJob registers on db a job that leaves one audit row per run, keyed
// by job and key, so that a test can count how often each key ran.
func tickJob(t *testing.T, db *sqldb.DB, name, kind string) {
	t.Helper()
	MustOK(t, db.RegisterJob(name, kind, func(tx *sqldb.Tx, key string, at time.Time) error {
		return sqldb.AuditForTest(tx, "tick", name+"/"+key)
	}))
}

func TestScheduler_CatchUp(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		raw := MustRaw(t, db)
		tickJob(t, db, "tick_daily", sanlian.JobDaily)
		tickJob(t, db, "tick_half", sanlian.JobHalf)
		tickJob(t, db, "tick_month", sanlian.JobMonth)
		if err := db.RegisterJob("bad", "weekly", nil); err == nil {
			t.Fatal("a weekly job was registered")
		}

		runs := runDay(t, db, "2021-05-10")
		keys := map[string][]string{}
		for _, r := range runs {
			keys[r.Job] = append(keys[r.Job], r.Key)
		}
		want := map[string]string{"tick_daily": "[2021-05-10]", "tick_half": "[2021-04-H2]", "tick_month": "[2021-04]",
			sqldb.SupervisionLevelsJob: "[2021-05-10]"}
		for job, w := range want {
			if got := fmt.Sprint(keys[job]); got != w {
				t.Errorf("first run of %s: %s, want %s", job, got, w)
			}
		}

		// Ten days down: on 2021-05-20 every day from the 11th runs, once,
		// in order; the half-month 2021-05-H1 has ended too.
		runs = runDay(t, db, "2021-05-20")
		keys = map[string][]string{}
		for _, r := range runs {
			keys[r.Job] = append(keys[r.Job], r.Key)
		}
		var days []string
		for d := 11; d <= 20; d++ {
			days = append(days, fmt.Sprintf("2021-05-%02d", d))
		}
		if got := fmt.Sprint(keys["tick_daily"]); got != fmt.Sprint(days) {
			t.Fatalf("catch-up: %s", got)
		}
		if got := fmt.Sprint(keys["tick_half"]); got != "[2021-05-H1]" {
			t.Fatalf("half-month catch-up: %s", got)
		}
		if len(keys["tick_month"]) != 0 {
			t.Fatalf("month ran again: %v", keys["tick_month"])
		}
		if runs := runDay(t, db, "2021-05-20"); len(runs) != 0 {
			t.Fatalf("second call the same day ran %+v", runs)
		}
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE action = 'tick' AND entity_id LIKE 'tick_daily/%'"); n != 11 {
			t.Fatalf("daily ticks: %d, want 11", n)
		}
		got, err := db.FindJobRuns(context.Background(), sqldb.SupervisionLevelsJob)
		MustOK(t, err)
		if len(got) != 11 || got[10].Key != "2021-05-20" || !got[10].At.Equal(shanghai("2021-05-20 00:00")) {
			t.Fatalf("supervision job runs: %+v", got)
		}
	})
}

// TestScheduler_TwoNodes runs the scheduler from two handles on one
// database, as two nodes would, many times at once for each day of a
// month: every key of every job runs exactly once, and the supervision
// levels come out as one node alone would set them.
func TestScheduler_TwoNodes(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "河堤护栏缺损")
		q := acceptedProblem(t, db, users, "村级公路塌方")
		other := sqldbtest.Reopen(t, db)
		var mu sync.Mutex
		now := shanghai("2021-05-25 09:00")
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		db.Now, other.Now = clock, clock
		for _, n := range []*sqldb.DB{db, other} {
			tickJob(t, n, "tick_daily", sanlian.JobDaily)
			tickJob(t, n, "tick_half", sanlian.JobHalf)
		}
		const days = 20
		for d := 0; d < days; d++ {
			mu.Lock()
			now = shanghai("2021-05-25 09:00").AddDate(0, 0, d)
			at := now
			mu.Unlock()
			if at.Format("01-02") == "06-02" { // q is resolved the day after it turned yellow
				cur, err := db.Problems.FindProblemByID(sqldbtest.As(users["office"]), q.ID)
				MustOK(t, err)
				act(t, db, users["cadre"], cur, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "清理塌方", Result: "已通车"})
			}
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for g := 0; g < 8; g++ {
				node := db
				if g%2 == 1 {
					node = other
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						if _, err := node.RunDue(context.Background(), at); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			// A node that lost the lock to the other leaves the keys to it;
			// one more call catches up whatever a busy turn skipped.
			_, err := db.RunDue(context.Background(), at)
			MustOK(t, err)
		}
		raw := MustRaw(t, db)
		for _, job := range []string{"tick_daily", sqldb.SupervisionLevelsJob} {
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM job_runs WHERE job = '"+job+"'"); n != days {
				t.Errorf("%s ran for %d keys, want %d", job, n, days)
			}
		}
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE action = 'tick' AND entity_id LIKE 'tick_daily/%'"); n != days {
			t.Errorf("daily ticks: %d, want %d (each key exactly once)", n, days)
		}
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM (SELECT entity_id FROM audit_log WHERE action = 'tick' GROUP BY entity_id HAVING COUNT(*) > 1) d"); n != 0 {
			t.Errorf("%d keys ran twice", n)
		}
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE action = 'tick' AND entity_id LIKE 'tick_half/%'"); n != 2 {
			t.Errorf("half-month ticks: %d, want 2 (2021-05-H1 first, then 2021-05-H2)", n)
		}
		// p: overdue from 1 June, red from 9 June, still red on 13 June.
		// q: overdue on 1 June, resolved in the morning of 2 June: the run of
		// that day closes its yellow card (at the instant the run stands for).
		ps := autoOf(t, db, users["office"], p.ID)
		if len(ps) != 1 || ps[0].Level != sanlian.LevelRed || !ps[0].Since.Equal(shanghai("2021-06-01 00:00")) ||
			!ps[0].RedAt.Equal(shanghai("2021-06-09 00:00")) || ps[0].State != sanlian.SupervisionOpen {
			t.Errorf("p: %+v", *ps[0])
		}
		qs := autoOf(t, db, users["office"], q.ID)
		if len(qs) != 1 || qs[0].Level != sanlian.LevelYellow || qs[0].State != sanlian.SupervisionClosed ||
			!qs[0].ClosedAt.Equal(shanghai("2021-06-02 00:00")) {
			t.Errorf("q: %+v", *qs[0])
		}
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE entity = 'supervision'"); n != 4 {
			t.Errorf("supervision audit rows: %d, want 4 (two yellows, a red, a close)", n)
		}
	})
}

// BenchmarkSupervisionLevels times the daily supervision job over a
// ledger of 100,000 problems entered over 2021–2024, of which a third are
// still open and past their deadlines on 2025-01-06: the first run, which
// gives each of them a yellow card (an insert and an audit row each), and
// a day on which nothing changes, the job's usual cost.
func BenchmarkSupervisionLevels(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := problemTable(b, engine, 100_000)
			raw := benchRaw(b, c.db, false)
			ctx := context.Background()
			at := shanghai("2025-01-06 00:00")
			reset := func() {
				if _, err := raw.Exec("DELETE FROM supervisions"); err != nil { // the audit log is append-only: it grows
					b.Fatal(err)
				}
			}
			b.Run("first", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					reset()
					b.StartTimer()
					MustOK(b, c.db.SupervisionLevelsAt(ctx, at))
				}
				var n int
				raw.QueryRow("SELECT COUNT(*) FROM supervisions").Scan(&n)
				b.ReportMetric(float64(n), "cards")
			})
			b.Run("steady", func(b *testing.B) {
				MustOK(b, c.db.SupervisionLevelsAt(ctx, at))
				for b.Loop() {
					MustOK(b, c.db.SupervisionLevelsAt(ctx, at))
				}
			})
			reset()
		})
	}
}
