package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// recount counts the cockpit's measures again straight from the problems,
// bucketing each row's dates by Shanghai month in Go, for the months of
// the window at now and the townships given (nil: all).
func recount(t *testing.T, db *sqldb.DB, now time.Time, towns []string) []sanlian.CockpitCount {
	t.Helper()
	raw := MustRaw(t, db)
	rows, err := raw.Query(`SELECT township_code, category, source, state, created_at, resolved_at, resolve_due, callback_at,
		callback_satisfaction FROM problems`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	months := map[string]bool{}
	for _, m := range sanlian.CockpitMonthsOf(now) {
		months[m.ID] = true
	}
	in := map[string]bool{}
	for _, c := range towns {
		in[c] = true
	}
	month := func(t time.Time) string { return sanlian.PeriodOf(t, sanlian.PeriodMonth).ID }
	var out []sanlian.CockpitCount
	for rows.Next() {
		var town, cat, src, state, sat string
		var created anyTime
		var resolved, due, cb anyTime
		if err := rows.Scan(&town, &cat, &src, &state, &created, &resolved, &due, &cb, &sat); err != nil {
			t.Fatal(err)
		}
		if towns != nil && !in[town] {
			continue
		}
		add := func(at time.Time, f func(c *sanlian.CockpitCount)) {
			if m := month(at); months[m] {
				c := sanlian.CockpitCount{Month: m, Township: town, Category: cat, Source: src}
				f(&c)
				out = append(out, c)
			}
		}
		add(created.t, func(c *sanlian.CockpitCount) { c.Received = 1 })
		done := state == "resolved" || state == "closed"
		if done && resolved.ok {
			add(resolved.t, func(c *sanlian.CockpitCount) {
				c.Resolved = 1
				if !due.ok || !resolved.t.After(due.t) {
					c.ResolvedOnTime = 1
				}
			})
		}
		if due.ok && due.t.Before(now) && (state == "assigned" || state == "accepted" || (done && resolved.ok && resolved.t.After(due.t))) {
			add(due.t, func(c *sanlian.CockpitCount) { c.Overdue = 1 })
		}
		if cb.ok && sat != "" {
			add(cb.t, func(c *sanlian.CockpitCount) {
				c.Rated = 1
				if sat == "satisfied" || sat == "basic" {
					c.Satisfied = 1
				}
			})
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return sumCounts(out)
}

// anyTime scans a timestamp as either driver gives it (time.Time, or text
// on SQLite), NULL as not ok.
type anyTime struct {
	t  time.Time
	ok bool
}

func (a *anyTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		a.ok = false
	case time.Time:
		a.t, a.ok = x, true
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
			if t, err := time.Parse(layout, x); err == nil {
				a.t, a.ok = t, true
				return nil
			}
		}
		return fmt.Errorf("time %q", x)
	default:
		return fmt.Errorf("time %T", v)
	}
	return nil
}

var _ sql.Scanner = (*anyTime)(nil)

// sumCounts merges counts by month, township, category and channel,
// dropping empty ones.
func sumCounts(cs []sanlian.CockpitCount) []sanlian.CockpitCount {
	var out []sanlian.CockpitCount
	for _, c := range sanlian.MergeCounts(cs, func(c *sanlian.CockpitCount) sanlian.CockpitCount {
		return sanlian.CockpitCount{Month: c.Month, Township: c.Township, Category: c.Category, Source: c.Source}
	}) {
		if !c.Zero() {
			out = append(out, c)
		}
	}
	return out
}

func fmtCounts(cs []sanlian.CockpitCount) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s %s %s %s: rec %d res %d ontime %d over %d sat %d rated %d\n", c.Month, c.Township, c.Category, c.Source,
			c.Received, c.Resolved, c.ResolvedOnTime, c.Overdue, c.Satisfied, c.Rated)
	}
	return b.String()
}

// TestCockpit_CountsEqualRecount plays problems over five months, through
// month turns, and holds the cockpit's counts (rollup for closed months,
// live for the current and the previous one) against a recount from the
// problems, for the office and for a leader's townships; after the daily
// rebuild too.
func TestCockpit_CountsEqualRecount(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office, cadre, admin := users["office"], users["cadre"], users["unitadmin"]
		check := func(when string) {
			t.Helper()
			now := db.Now()
			for _, who := range []string{"office", "leader"} {
				got, err := db.Reports.CockpitCounts(sqldbtest.As(users[who]), sanlian.CockpitQuery{})
				MustOK(t, err)
				var towns []string
				if who == "leader" {
					towns = []string{sqldbtest.Dongping}
				}
				want := recount(t, db, now, towns)
				if g := fmtCounts(sumCounts(got)); g != fmtCounts(want) {
					t.Errorf("%s, %s: cockpit\n%swant\n%s", when, who, g, fmtCounts(want))
				}
				if len(want) == 0 {
					t.Errorf("%s, %s: nothing counted, the test proves nothing", when, who)
				}
				if when == "July" && who == "office" {
					var all sanlian.CockpitCount
					for i := range want {
						all.Add(&want[i])
					}
					if all.Overdue == 0 || all.ResolvedOnTime == 0 || all.Resolved == all.ResolvedOnTime || all.Satisfied == 0 || all.Rated == all.Satisfied {
						t.Errorf("July: the play leaves a measure untested: %+v", all)
					}
				}
				// The cockpit's charts read the same counts summed by
				// month and channel, and by category and township.
				c, err := db.Reports.Cockpit(sqldbtest.As(users[who]), sanlian.CockpitQuery{})
				MustOK(t, err)
				bySource := sumCounts(sanlian.MergeCounts(want, func(c *sanlian.CockpitCount) sanlian.CockpitCount {
					return sanlian.CockpitCount{Month: c.Month, Source: c.Source}
				}))
				if g := fmtCounts(sumCounts(c.Counts)); g != fmtCounts(bySource) {
					t.Errorf("%s, %s: cockpit by channel\n%swant\n%s", when, who, g, fmtCounts(bySource))
				}
				if g, w := fmt.Sprint(c.Heat), fmt.Sprint(sanlian.Heat(want)); g != w {
					t.Errorf("%s, %s: heat %s, want %s", when, who, g, w)
				}
			}
		}
		create := func(village, source, category, title string) *sanlian.Problem {
			t.Helper()
			p, err := db.Problems.CreateProblem(sqldbtest.As(cadre), &sanlian.ProblemInput{Category: category, VillageCode: village, Source: source,
				Title: title, Description: title + "，群众反映强烈", ReporterName: "刘大爷", ReporterPhone: "13912345678"})
			MustOK(t, err)
			return p
		}
		// March: three problems in 东坪镇 and one in 梅城镇; two resolved and rated.
		clockAt(db, "2021-03-03 10:00")
		a := create(sqldbtest.VillageA, sanlian.SourceVisit, "transport", "村口路灯坏了")
		b := create(sqldbtest.VillageB, sanlian.SourceHotline, "elderly", "独居老人无人照料")
		c := create(sqldbtest.VillageC, sanlian.SourceLetter, "housing", "危房改造补助未到位")
		d := create(sqldbtest.VillageA, sanlian.SourceVisit, "transport", "通组公路破损")
		for _, p := range []**sanlian.Problem{&a, &b, &c, &d} {
			*p = act(t, db, office, *p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		}
		clockAt(db, "2021-03-04 10:00")
		a = act(t, db, admin, a, sanlian.ActionAccept, sanlian.ActionRequest{})
		a = act(t, db, admin, a, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换灯泡", Result: "已修好"})
		a = act(t, db, office, a, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
		c = act(t, db, admin, c, sanlian.ActionAccept, sanlian.ActionRequest{})
		c = act(t, db, admin, c, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "核查", Result: "已发放"})
		check("early March")
		// April: b resolved late (its deadline passed in March), d stays open past it.
		clockAt(db, "2021-04-12 09:00")
		b = act(t, db, admin, b, sanlian.ActionAccept, sanlian.ActionRequest{})
		b = act(t, db, admin, b, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "上门服务", Result: "已安排"})
		c = act(t, db, office, c, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "partly", Satisfaction: "unsatisfied"})
		e := create(sqldbtest.VillageB, sanlian.SourceWechat, "employment", "就业培训需求")
		_ = e
		check("April")
		// May, June, July: the months turn; March and April leave the live
		// window and are rolled up on first read.
		clockAt(db, "2021-05-06 09:00")
		b = act(t, db, office, b, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "basic"})
		check("May")
		clockAt(db, "2021-06-01 00:30")
		f := create(sqldbtest.VillageA, sanlian.SourcePortal, "transport", "路面积水")
		check("June, the month turned")
		clockAt(db, "2021-07-15 09:00")
		// f resolved on time; d, overdue since April, resolved late: April
		// keeps it as overdue, July counts the late resolution.
		f = act(t, db, office, f, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		f = act(t, db, admin, f, sanlian.ActionAccept, sanlian.ActionRequest{})
		act(t, db, admin, f, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "清理排水沟", Result: "积水已排"})
		d = act(t, db, admin, d, sanlian.ActionAccept, sanlian.ActionRequest{})
		act(t, db, admin, d, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "修补路面", Result: "已修好"})
		check("July")
		raw := MustRaw(t, db)
		// The window at July holds 2020-08 … 2021-07; the eleven closed ones are rolled up.
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM cockpit_months WHERE month >= '2020-08' AND month <= '2021-06'"); n != 11 {
			t.Errorf("%d months of the window rolled up, want 11", n)
		}
		// A change to a rolled-up month (c reclassified, an edit the
		// rollup does not see) shows after the daily rebuild.
		if _, err := raw.Exec(`UPDATE problems SET category = 'policy' WHERE id = ` + fmt.Sprint(c.ID)); err != nil {
			t.Fatal(err)
		}
		MustOK(t, db.RegisterJob(sqldb.CockpitRollupJob, sanlian.JobDaily, sqldb.CockpitRollup))
		_, err := db.RunDue(context.Background(), db.Now())
		MustOK(t, err)
		check("July, after the daily rebuild")
	})
}

func TestCockpit_Scope(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 10:00")
		newProblem(t, db, users["cadre"], "村口路灯坏了")
		for _, who := range []string{"cadre", "unitadmin", "sysadmin", "auditor"} {
			_, err := db.Reports.Cockpit(sqldbtest.As(users[who]), sanlian.CockpitQuery{})
			MustCode(t, err, sanlian.EFORBIDDEN)
		}
		c, err := db.Reports.Cockpit(sqldbtest.As(users["leader"]), sanlian.CockpitQuery{})
		MustOK(t, err)
		if c.County || len(c.Townships) != 1 || c.Townships[0].Code != sqldbtest.Dongping || c.Townships[0].Open != 1 || !c.LeaderCounty {
			t.Errorf("leader: county %v townships %+v allowed %v", c.County, c.Townships, c.LeaderCounty)
		}
		c, err = db.Reports.Cockpit(sqldbtest.As(users["leader"]), sanlian.CockpitQuery{County: true})
		MustOK(t, err)
		if !c.County || len(c.Townships) != 2 {
			t.Errorf("leader, county: %v %+v", c.County, c.Townships)
		}
		for _, r := range c.League {
			if r.Township == "" || r.Rank == "" {
				t.Errorf("league row %+v", r)
			}
		}
		if len(c.Months) != 12 || c.Months[11] != "2021-05" || len(c.Activities) != 12 || len(c.Visits) != 2 {
			t.Errorf("months %v activities %d visits %+v", c.Months, len(c.Activities), c.Visits)
		}
		// The office turns the switch off: audited; the leader's county view is refused.
		raw := MustRaw(t, db)
		before := auditRows(t, raw)
		MustCode(t, db.Reports.SetLeaderCounty(sqldbtest.As(users["leader"]), false), sanlian.EFORBIDDEN)
		MustOK(t, db.Reports.SetLeaderCounty(sqldbtest.As(users["office"]), false))
		if auditRows(t, raw) != before+1 {
			t.Error("setting not audited")
		}
		if e := MustLastAudit(t, db, users); e.Entity != "setting" || !strings.Contains(e.Changes, "off") {
			t.Errorf("audit %+v", e)
		}
		_, err = db.Reports.Cockpit(sqldbtest.As(users["leader"]), sanlian.CockpitQuery{County: true})
		MustCode(t, err, sanlian.EFORBIDDEN)
		c, err = db.Reports.Cockpit(sqldbtest.As(users["leader"]), sanlian.CockpitQuery{})
		MustOK(t, err)
		if c.LeaderCounty || c.County {
			t.Errorf("after off: %+v", c)
		}
		MustOK(t, db.Reports.SetLeaderCounty(sqldbtest.As(users["office"]), true))
		_, err = db.Reports.Cockpit(sqldbtest.As(users["leader"]), sanlian.CockpitQuery{County: true})
		MustOK(t, err)
	})
}

func TestCockpit_TownshipMap(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		_, err := db.Reports.TownshipMap(office)
		MustCode(t, err, sanlian.ENOTFOUND)
		good := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"东坪镇"},
			"geometry":{"type":"Polygon","coordinates":[[[111,28],[111.1,28],[111.1,28.1],[111,28]]]}}]}`
		_, err = db.Reports.SaveTownshipMap(sqldbtest.As(users["leader"]), []byte(good))
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, err = db.Reports.SaveTownshipMap(office, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"桃江镇"},
			"geometry":{"type":"Polygon","coordinates":[[[111,28],[111.1,28],[111,28]]]}}]}`))
		MustField(t, err, "geojson")
		raw := MustRaw(t, db)
		before := auditRows(t, raw)
		m, err := db.Reports.SaveTownshipMap(office, []byte(good))
		MustOK(t, err)
		if len(m.Matched) != 1 || auditRows(t, raw) != before+1 {
			t.Errorf("saved %+v, audit %d→%d", m, before, auditRows(t, raw))
		}
		got, err := db.Reports.TownshipMap(sqldbtest.As(users["leader"]))
		MustOK(t, err)
		if string(got) != good {
			t.Error("stored GeoJSON differs")
		}
		_, err = db.Reports.TownshipMap(sqldbtest.As(users["cadre"]))
		MustCode(t, err, sanlian.EFORBIDDEN)
		c, err := db.Reports.Cockpit(office, sanlian.CockpitQuery{})
		MustOK(t, err)
		if c.Map == nil || c.Map.Features != 1 {
			t.Errorf("cockpit map %+v", c.Map)
		}
		MustOK(t, db.Reports.RemoveTownshipMap(office))
		MustCode(t, db.Reports.RemoveTownshipMap(office), sanlian.ENOTFOUND)
		if e := MustLastAudit(t, db, users); e.Entity != "township_map" || e.Action != "delete" {
			t.Errorf("audit %+v", e)
		}
	})
}
