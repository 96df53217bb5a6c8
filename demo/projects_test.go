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

func TestLoadProjects(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := demo.Generate(demo.Options{Households: 1500})
		if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
			t.Fatal(err)
		}
		setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
		sum, err := demo.LoadProjects(ctx, db.Lists, setNow, c, demo.ProjectOptions{Today: visitsToday})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(sum)
		if sum.Projects != demo.DefaultProjects || sum.SubProjects < 10 || sum.Entries < 3*sum.Projects ||
			sum.Done == 0 || sum.Overdue == 0 || sum.Stalled == 0 || sum.Done+sum.Overdue+sum.Stalled > sum.Projects/2 {
			t.Fatalf("summary %s", sum)
		}
		if got := db.Now(); !got.Equal(visitsToday) {
			t.Errorf("clock left at %v", got)
		}
		office := officeOf(t, db)
		var all []*sanlian.Project
		for f := (sanlian.ProjectFilter{Limit: 500}); ; {
			ps, next, err := db.Lists.FindProjects(office, f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ps...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if len(all) != sum.Projects {
			t.Fatalf("%d projects listed, summary says %d", len(all), sum.Projects)
		}
		byID := map[int64]*sanlian.Project{}
		children := map[int64][]*sanlian.Project{}
		started, first := "9999", ""
		for _, p := range all {
			byID[p.ID] = p
			if p.ParentID != 0 {
				children[p.ParentID] = append(children[p.ParentID], p)
			}
			started = min(started, p.StartDate)
			first = max(first, p.StartDate)
		}
		if started < "2021-01-30" || first <= "2021-09-30" {
			t.Errorf("start dates from %s to %s, want the eight months to 2021-09-30 and a few planned after", started, first)
		}
		// Every parent's progress is its sub-projects' rollup, and its
		// done their sum in the same measure.
		for id, cs := range children {
			p := byID[id]
			sum, wsum, w, done := 0, 0, 0, int64(0)
			for _, c := range cs {
				sum, wsum, w = sum+c.Progress, wsum+c.Weight*c.Progress, w+c.Weight
				if c.Measure == p.Measure {
					done += c.Done
				}
			}
			want := sum / len(cs)
			if p.Rollup == sanlian.RollupWeighted {
				want = wsum / w
			}
			if p.Status == sanlian.ProjectDone {
				want = 100
			}
			if p.Progress != want || (p.Measure != "" && p.Done != done) || p.Children != len(cs) {
				t.Errorf("%s: progress %d, done %d; children say %d, %d", p.Title, p.Progress, p.Done, want, done)
			}
		}
		for _, title := range []string{"农村妇女“两癌”免费筛查", "困难残疾人免费适配轮椅", "“母亲邮包”发放"} {
			ps, _, err := db.Lists.FindProjects(office, sanlian.ProjectFilter{Q: title, TopOnly: true})
			if err != nil || len(ps) != 1 || ps[0].Target == 0 {
				t.Errorf("%s: %v %v", title, ps, err)
			}
		}
		// The demo cadre answers for a project of their own, with entries.
		_, u, err := db.Accounts.Login(ctx, "cadre", demo.Password, "api")
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := db.Lists.FindProjects(sqldbtest.As(u), sanlian.ProjectFilter{PersonID: u.CadreID})
		if err != nil || len(mine) == 0 {
			t.Fatalf("the demo cadre answers for %d projects (%v)", len(mine), err)
		}
		es, err := db.Lists.FindProgress(sqldbtest.As(u), mine[0].ID)
		if err != nil || (mine[0].Status != sanlian.ProjectPlanned && len(es) == 0) {
			t.Errorf("%s has %d entries (%v)", mine[0].Title, len(es), err)
		}
	})
}
