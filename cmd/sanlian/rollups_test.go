package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

// rollups rebuild puts back counters that were changed by hand, on both
// engines.
func TestRun_RollupsRebuild(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := sqldbtest.OpenPlain(t, engine)
			users := sqldbtest.LoadSmall(t, db)
			now := time.Date(2021, 5, 6, 9, 0, 0, 0, sanlian.Shanghai)
			db.Now = func() time.Time { return now }
			ctx := sqldbtest.As(users["office"])
			p, err := db.Problems.CreateProblem(ctx, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
				Title: "村口路灯坏了", Description: "村口路灯坏了，群众反映强烈"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Problems.Act(ctx, p.ID, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, Version: p.Version}); err != nil {
				t.Fatal(err)
			}
			dsn := db.DSN
			db.Close()
			driver, rawDSN := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
			if engine == "postgres" {
				driver, rawDSN = "pgx", dsn
			}
			raw, err := sql.Open(driver, rawDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Exec(`UPDATE rollup_counts SET assigned = assigned + 5`); err != nil {
				t.Fatal(err)
			}
			// sanlian check finds the drift, and passes after the rebuild.
			out, err := runOut("check", "--db", dsn, "--blobs", t.TempDir())
			if err != errCheckFailed || !strings.Contains(out, "失败  考核计数汇总与问题时间线一致") || !strings.Contains(out, "sanlian rollups rebuild") {
				t.Fatalf("check of a drifted rollup: %v\n%s", err, out)
			}
			out, err = runOut("rollups", "rebuild", "--db", dsn)
			if err != nil || !strings.Contains(out, "已按问题时间线重算考核计数汇总") {
				t.Fatalf("rebuild: %q, %v", out, err)
			}
			var assigned int
			if err := raw.QueryRow(`SELECT SUM(assigned) FROM rollup_counts WHERE dim = 'unit'`).Scan(&assigned); err != nil || assigned != 1 {
				t.Fatalf("unit assignments after the rebuild: %d, %v", assigned, err)
			}
			if out, err := runOut("check", "--db", dsn, "--blobs", t.TempDir()); err != nil || !strings.Contains(out, "通过  考核计数汇总与问题时间线一致") {
				t.Fatalf("check after the rebuild: %v\n%s", err, out)
			}
			db2 := sqldbtest.Reopen(t, db)
			drift, err := db2.RollupDrift(context.Background())
			if err != nil || len(drift) != 0 {
				t.Fatalf("drift after the rebuild: %v, %v", drift, err)
			}
		})
	}
}

func TestRun_RollupsBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rollups"}, `want "rollups rebuild"`},
		{[]string{"rollups", "check"}, `unknown rollups command "check"`},
		{[]string{"rollups", "rebuild", "--db", filepath.Join(t.TempDir(), "none.db")}, "不存在"},
		{[]string{"rollups", "rebuild", "--db", filepath.Join(t.TempDir(), "none.db"), "extra"}, "多余的参数"},
	} {
		if _, err := runOut(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
