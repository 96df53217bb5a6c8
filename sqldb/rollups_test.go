package sqldb_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// randomHistory enters problems and takes random actions on them through
// the store, as the office, the unit's administrator or its cadre would,
// over April to mid-June 2021: n steps, a few hours apart (some at the
// same instant, some across midnight). Refused actions are skipped, as a
// clerk would be told why and try something else.
func randomHistory(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, seed uint64, n int) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 39))
	now, err := time.ParseInLocation("2006-01-02 15:04", "2021-04-01 08:00", sanlian.Shanghai)
	MustOK(t, err)
	db.Now = func() time.Time { return now }
	office := users["office"]
	admin := func(unit int64) *sanlian.User {
		u := *users["unitadmin"]
		u.Username, u.UnitID = fmt.Sprintf("ua%d", unit), unit
		return &u
	}
	var ids []int64
	yes, no := true, false
	done := 0
	for range n {
		now = now.Add(time.Duration(rng.IntN(3)*rng.IntN(9)) * time.Hour)
		if len(ids) == 0 || rng.IntN(4) == 0 {
			p := newProblem(t, db, users["cadre"], "随机问题")
			ids = append(ids, p.ID)
			continue
		}
		p, err := db.Problems.FindProblemByID(sqldbtest.As(office), ids[rng.IntN(len(ids))])
		MustOK(t, err)
		unit := int64(1 + rng.IntN(4))
		until := now.AddDate(0, 0, 3+rng.IntN(20)).In(sanlian.Shanghai).Format(sanlian.DateLayout)
		var action string
		var req sanlian.ActionRequest
		pick := rng.IntN(14)
		if rng.IntN(5) != 0 { // mostly what the state allows
			byState := map[string][]int{sanlian.StateSubmitted: {0, 0, 0, 13}, sanlian.StateAssigned: {2, 2, 3, 4, 5, 0},
				sanlian.StateAccepted: {7, 7, 5, 6, 3}, sanlian.StateResolved: {9, 9, 10, 11, 12}, sanlian.StateClosed: {12}}
			if c := byState[p.State]; len(c) > 0 {
				pick = c[rng.IntN(len(c))]
			}
		}
		switch pick {
		case 0, 1:
			action, req = sanlian.ActionAssign, sanlian.ActionRequest{UnitID: unit}
			if unit == 1 && rng.IntN(2) == 0 {
				req.PersonID = 2
			}
		case 2:
			action, req = sanlian.ActionAccept, sanlian.ActionRequest{}
		case 3:
			action, req = sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: unit, Reason: "属地管理"}
		case 4:
			action, req = sanlian.ActionReturn, sanlian.ActionRequest{Reason: "不属于本单位职责"}
		case 5:
			action, req = sanlian.ActionExtend, sanlian.ActionRequest{Reason: "需协调资金", Until: until}
		case 6:
			action, req = sanlian.ActionExtend, sanlian.ActionRequest{Approve: []*bool{&yes, &no}[rng.IntN(2)]}
		case 7, 8:
			action, req = sanlian.ActionResolve, sanlian.ActionRequest{Measures: "现场处理", Result: "已解决"}
		case 9, 10:
			action, req = sanlian.ActionCallback, sanlian.ActionRequest{Solved: []string{"yes", "partly", "no"}[rng.IntN(3)],
				Satisfaction: []string{"satisfied", "basic", "unsatisfied"}[rng.IntN(3)]}
		case 11:
			action, req = sanlian.ActionClose, sanlian.ActionRequest{}
		case 12:
			action, req = sanlian.ActionReopen, sanlian.ActionRequest{Reason: "群众再次反映"}
		default:
			action, req = sanlian.ActionReject, sanlian.ActionRequest{Reason: "不属于受理范围"}
			if rng.IntN(2) == 0 && len(ids) > 1 {
				action, req = sanlian.ActionMerge, sanlian.ActionRequest{Into: ids[rng.IntN(len(ids))]}
			}
		}
		req.Version = p.Version
		for _, u := range []*sanlian.User{office, admin(p.UnitID)} {
			if _, err := db.Problems.Act(sqldbtest.As(u), p.ID, action, req); err == nil {
				done++
				break
			} else if sanlian.ErrorCode(err) == sanlian.EINTERNAL {
				t.Fatalf("%s on problem %d: %v", action, p.ID, err)
			}
		}
	}
	return done
}

// metricsShown is what a metrics page shows: each row's counts, mean days
// and score, the total's, and the intake row.
func metricsShown(m *sanlian.Metrics) map[string]string {
	f := func(v float64) string {
		if math.IsNaN(v) {
			return "—"
		}
		return fmt.Sprintf("%.6f", v)
	}
	out := map[string]string{}
	for _, r := range append([]*sanlian.MetricRow{&m.Total}, m.Rows...) {
		out[r.Key+"/"+r.Name] = fmt.Sprintf("%v days=%s score=%s rank=%d", counts(r), f(r.MeanDays), f(r.Score), r.Rank)
	}
	if in := m.Intake; in != nil {
		out["intake"] = fmt.Sprintf("%d %d %d %d", in.Submitted, in.Dispatched, in.DispatchedOnTime, in.Overdue)
	}
	return out
}

// rollupsAgree fails unless the office's metrics from the rollups are the
// replay's for every period (and two date ranges) and grouping.
func rollupsAgree(t *testing.T, db *sqldb.DB, ctx context.Context) (assigned int) {
	t.Helper()
	windows := []sanlian.MetricsQuery{{From: "2021-04-10", To: "2021-05-20"}, {From: "2021-05-07", To: "2021-05-07"}}
	for _, period := range []string{"2021-04-H1", "2021-04-H2", "2021-05-H1", "2021-05-H2", "2021-06-H1", "2021-04", "2021-05"} {
		windows = append(windows, sanlian.MetricsQuery{Period: period})
	}
	for _, w := range windows {
		for _, by := range []string{sanlian.ByUnit, sanlian.ByTownship, sanlian.ByCadre, sanlian.ByCategory} {
			q := w
			q.By = by
			got, err := db.Reports.Metrics(ctx, q)
			MustOK(t, err)
			want, err := db.Reports.MetricsReplayed(ctx, q)
			MustOK(t, err)
			if g, w := metricsShown(got), metricsShown(want); !reflect.DeepEqual(g, w) {
				t.Fatalf("%+v:\nrollups %v\nreplay  %v", q, g, w)
			}
			assigned += got.Total.Assigned
		}
	}
	return assigned
}

func TestRollups_RandomHistory(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		done := randomHistory(t, db, users, 1, 700)
		ctx := sqldbtest.As(users["office"])
		t.Logf("%d actions taken; events by action: %v", done, eventMix(t, db))
		if assigned := rollupsAgree(t, db, ctx); done < 200 || assigned == 0 {
			t.Fatalf("a thin history: %d actions taken, %d assignments counted", done, assigned)
		}
		t.Run("LiveEqualsRebuild", func(t *testing.T) {
			drift, err := db.RollupDrift(context.Background())
			MustOK(t, err)
			if len(drift) != 0 {
				t.Fatalf("live counters differ from the timelines: %v", drift)
			}
			raw := MustRaw(t, db)
			before := MustCount(t, raw, `SELECT COUNT(*) FROM rollup_counts`)
			// In batches of 7 problems, the partial sums added up.
			n, err := db.RebuildRollupsInBatches(context.Background(), 7)
			MustOK(t, err)
			if n == 0 || before == 0 {
				t.Fatalf("rebuild wrote %d rows, %d were kept live", n, before)
			}
			rollupsAgree(t, db, ctx)
			drift, err = db.RollupDrift(context.Background())
			MustOK(t, err)
			if len(drift) != 0 {
				t.Fatalf("a rebuild in batches differs from the timelines: %v", drift)
			}
		})
		t.Run("DriftReportedAndRebuilt", func(t *testing.T) {
			raw := MustRaw(t, db)
			var grp, day string
			if err := raw.QueryRow(`SELECT grp, day FROM rollup_counts WHERE dim = 'unit' AND assigned > 0 AND day >= '2021-05-01'
				AND day < '2021-05-16' ORDER BY day, grp LIMIT 1`).Scan(&grp, &day); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(rebind(db, `UPDATE rollup_counts SET assigned = assigned + 3 WHERE dim = 'unit' AND grp = ? AND day = ?`),
				grp, day); err != nil {
				t.Fatal(err)
			}
			drift, err := db.RollupDrift(context.Background())
			MustOK(t, err)
			if len(drift) != 1 || !strings.Contains(drift[0], "unit/"+grp+" "+day+" assigned") {
				t.Fatalf("drift: %v", drift)
			}
			q := sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit}
			got, err := db.Reports.Metrics(ctx, q)
			MustOK(t, err)
			want, err := db.Reports.MetricsReplayed(ctx, q)
			MustOK(t, err)
			if rowOf(t, got, grp).Assigned != rowOf(t, want, grp).Assigned+3 {
				t.Fatalf("the metrics do not read the rollups: %d assigned, the replay %d", rowOf(t, got, grp).Assigned,
					rowOf(t, want, grp).Assigned)
			}
			_, err = db.RebuildRollups(context.Background())
			MustOK(t, err)
			drift, err = db.RollupDrift(context.Background())
			MustOK(t, err)
			if len(drift) != 0 {
				t.Fatalf("drift after the rebuild: %v", drift)
			}
			rollupsAgree(t, db, ctx)
		})
		t.Run("NotBuilt", func(t *testing.T) {
			raw := MustRaw(t, db)
			if _, err := raw.Exec(`UPDATE rollup_meta SET built = 0`); err != nil {
				t.Fatal(err)
			}
			// Counters that would be wrong are not read until rebuilt.
			if _, err := raw.Exec(`UPDATE rollup_counts SET assigned = assigned + 7`); err != nil {
				t.Fatal(err)
			}
			rollupsAgree(t, db, ctx)
			drift, err := db.RollupDrift(context.Background())
			MustOK(t, err)
			if len(drift) != 1 || !strings.Contains(drift[0], "sanlian rollups rebuild") {
				t.Fatalf("drift of unbuilt rollups: %v", drift)
			}
			_, err = db.RebuildRollups(context.Background())
			MustOK(t, err)
			if MustCount(t, raw, `SELECT COUNT(*) FROM rollup_meta WHERE built = 1`) != 1 {
				t.Fatal("the rebuild did not mark the rollups built")
			}
			rollupsAgree(t, db, ctx)
		})
	})
}

// A ledger that had events before the rollups existed has them marked
// unbuilt by the migration; one without has them built.
func TestRollups_Migration(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		raw := MustRaw(t, db)
		if MustCount(t, raw, `SELECT COUNT(*) FROM rollup_meta WHERE id = 1 AND built = 1`) != 1 {
			t.Fatal("an empty ledger's rollups are not marked built")
		}
	})
}

// An event whose stored changes cannot be read fails the rebuild and the
// drift check with the problem named, and leaves the counters as they
// were.
func TestRollups_BadTimeline(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-04-30 10:00")
		p := newProblem(t, db, users["cadre"], "村口路灯坏了")
		act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		raw := MustRaw(t, db)
		before := MustCount(t, raw, `SELECT COUNT(*) FROM rollup_counts`)
		if _, err := raw.Exec(rebind(db, `UPDATE problem_events SET changes = '{broken' WHERE problem_id = ? AND action = 'assign'`), p.ID); err != nil {
			t.Fatal(err)
		}
		_, err := db.RebuildRollups(context.Background())
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("problem %d", p.ID)) {
			t.Fatalf("rebuild over a broken timeline: %v", err)
		}
		if _, err := db.RollupDrift(context.Background()); err == nil {
			t.Fatal("drift over a broken timeline")
		}
		if after := MustCount(t, raw, `SELECT COUNT(*) FROM rollup_counts`); after != before || before == 0 {
			t.Fatalf("counter rows %d before, %d after a failed rebuild", before, after)
		}
	})
}

// eventMix counts the timeline's events by action.
func eventMix(t *testing.T, db *sqldb.DB) map[string]int {
	rows, err := MustRaw(t, db).Query(`SELECT action, COUNT(*) FROM problem_events GROUP BY action`)
	MustOK(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		MustOK(t, rows.Scan(&a, &n))
		out[a] = n
	}
	return out
}

// Writers acting at once on different problems all add to today's shared
// counters: none is lost, and none deadlocks.
func TestRollups_ConcurrentWriters(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-06 09:00")
		var ps []*sanlian.Problem
		for range 24 {
			ps = append(ps, newProblem(t, db, users["cadre"], "同时办理"))
		}
		office, ua := users["office"], users["unitadmin"]
		errs := make(chan error, 4)
		for w := range 4 {
			go func() {
				for _, p := range ps[w*6 : w*6+6] {
					steps := []struct {
						u      *sanlian.User
						action string
						req    sanlian.ActionRequest
					}{
						{office, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1}},
						{ua, sanlian.ActionAccept, sanlian.ActionRequest{}},
						{ua, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "现场处理", Result: "已解决"}},
					}
					for _, s := range steps {
						s.req.Version = p.Version
						out, err := db.Problems.Act(sqldbtest.As(s.u), p.ID, s.action, s.req)
						if err != nil {
							errs <- fmt.Errorf("%s on %d: %w", s.action, p.ID, err)
							return
						}
						p = out
					}
				}
				errs <- nil
			}()
		}
		for range 4 {
			MustOK(t, <-errs)
		}
		drift, err := db.RollupDrift(context.Background())
		MustOK(t, err)
		if len(drift) != 0 {
			t.Fatalf("drift after concurrent writers: %v", drift)
		}
		m, err := db.Reports.Metrics(sqldbtest.As(office), sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit})
		MustOK(t, err)
		if r := rowOf(t, m, "1"); r.Assigned != 24 || r.Resolved != 24 {
			t.Fatalf("unit 1: %d assigned, %d resolved; want 24 each", r.Assigned, r.Resolved)
		}
	})
}
