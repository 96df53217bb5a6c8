package demo_test

import (
	"context"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestLoadResponsibilities(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := demo.Generate(demo.Options{Households: 1500})
		if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
			t.Fatal(err)
		}
		setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
		sum, err := demo.LoadResponsibilities(ctx, db.Lists, setNow, c, demo.ResponsibilityOptions{Today: visitsToday})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(sum)
		if sum.Responsibilities != demo.DefaultResponsibilities || sum.Done < sum.Responsibilities/5 || sum.Ongoing == 0 ||
			sum.Overdue == 0 || sum.Overdue > sum.Responsibilities/3 {
			t.Fatalf("summary %s", sum)
		}
		if got := db.Now(); !got.Equal(visitsToday) {
			t.Errorf("clock left at %v", got)
		}
		office := officeOf(t, db)
		var all []*sanlian.Responsibility
		for f := (sanlian.ResponsibilityFilter{Entered: true, Limit: 500}); ; {
			rs, next, err := db.Lists.FindResponsibilities(office, f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, rs...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if len(all) != sum.Responsibilities {
			t.Fatalf("%d lines listed, summary says %d", len(all), sum.Responsibilities)
		}
		from := visitsToday.AddDate(0, -4, 0)
		units, tasks := map[int64]bool{}, map[string]bool{}
		var done, ongoing, overdue, dispatch int
		for _, r := range all {
			units[r.UnitID] = true
			if tasks[r.Task] {
				t.Errorf("task %q entered twice", r.Task)
			}
			tasks[r.Task] = true
			if r.CreatedAt.Before(from) || !r.CreatedAt.Before(visitsToday) || r.UpdatedAt.Before(r.CreatedAt) || !r.UpdatedAt.Before(visitsToday) {
				t.Errorf("%q entered %v, updated %v", r.Task, r.CreatedAt, r.UpdatedAt)
			}
			if r.Measures == "" || r.PersonName == "" || r.UnitName == "" {
				t.Errorf("line %+v", r)
			}
			switch r.State {
			case sanlian.RespDone:
				done++
				if r.CompletionNote == "" {
					t.Errorf("done without a completion note: %q", r.Task)
				}
			case sanlian.RespOngoing:
				ongoing++
			}
			if r.Overdue {
				overdue++
			}
			if r.Source == sanlian.RespDispatch {
				dispatch++
				if r.SourceID < 202105 || r.SourceID > 202109 {
					t.Errorf("dispatch meeting %d of %q", r.SourceID, r.Task)
				}
			}
		}
		if done != sum.Done || ongoing != sum.Ongoing || overdue != sum.Overdue {
			t.Errorf("listed done %d, ongoing %d, overdue %d; summary %s", done, ongoing, overdue, sum)
		}
		if len(units) < 40 || dispatch < 10 {
			t.Errorf("%d units, %d dispatch decisions", len(units), dispatch)
		}
		// The demo cadre answers for lines and reported on them.
		_, u, err := db.Accounts.Login(ctx, "cadre", demo.Password, "api")
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := db.Lists.FindResponsibilities(sqldbtest.As(u), sanlian.ResponsibilityFilter{PersonID: u.CadreID, Entered: true})
		if err != nil || len(mine) < 3 {
			t.Fatalf("the demo cadre answers for %d lines (%v)", len(mine), err)
		}
		reports, _, err := db.FindAudit(office, sanlian.AuditFilter{Actor: "cadre", Entity: "responsibility"})
		if err != nil || len(reports) == 0 {
			t.Errorf("the demo cadre reported %d times (%v)", len(reports), err)
		}
	})
}
