package sqldb_test

import (
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestFindLists builds a unit's three lists by hand: in 县民政局 (unit 1,
// head 李明 = cadre 2) problem A is resolved, problem B is still assigned
// and goes past its deadline; problem C belongs to 东坪镇 (unit 3). The
// unit has one project (leader 李明, person 赵丽) and one entered
// responsibility (person 李明). The responsibility list then holds the
// entered line, A and B derived, and the project derived: 4 lines.
func TestFindLists(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		office := sqldbtest.As(users["office"])
		a := newProblem(t, db, users["cadre"], "低保审批太慢")
		a = act(t, db, users["office"], a, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		a = act(t, db, users["cadre"], a, sanlian.ActionAccept, sanlian.ActionRequest{})
		a = act(t, db, users["cadre"], a, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "开通绿色通道", Result: "已审批"})
		b := newProblem(t, db, users["cadre"], "救助金未到账")
		b = act(t, db, users["office"], b, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		c := newProblem(t, db, users["cadre"], "镇上道路积水")
		act(t, db, users["office"], c, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 3, PersonID: 4})

		proj, err := db.Lists.CreateProject(office, &sanlian.ProjectInput{UnitID: 1, Title: "困难群众走访慰问", Target: 200, Measure: "户",
			StartDate: "2021-05-01", EndDate: "2021-12-31", LeaderID: 2, PersonID: 6, Status: sanlian.ProjectOngoing})
		MustOK(t, err)
		_, err = db.Lists.CreateResponsibility(office, &sanlian.ResponsibilityInput{UnitID: 1, Task: "完成低保年度复核",
			Source: sanlian.RespStandalone, PersonID: 2, Deadline: "2021-06-30"})
		MustOK(t, err)

		db.Now = func() time.Time { return time.Date(2021, 7, 1, 9, 0, 0, 0, sanlian.Shanghai) } // B is overdue, so is the entered line

		l, err := db.Lists.FindLists(office, sanlian.ListsFilter{UnitID: 1})
		MustOK(t, err)
		if l.Name != "县民政局" || len(l.Problems) != 2 || len(l.Projects) != 1 || len(l.Responsibilities) != 4 || l.Truncated {
			t.Fatalf("unit lists: %q %d problems, %d projects, %d responsibilities, truncated %v",
				l.Name, len(l.Problems), len(l.Projects), len(l.Responsibilities), l.Truncated)
		}
		if want := (sanlian.ListCounts{Total: 2, Open: 1, Done: 1, Overdue: 1}); l.ProblemCounts != want {
			t.Errorf("problem counts %+v, want %+v", l.ProblemCounts, want)
		}
		if want := (sanlian.ListCounts{Total: 1, Open: 1}); l.ProjectCounts != want {
			t.Errorf("project counts %+v, want %+v", l.ProjectCounts, want)
		}
		if want := (sanlian.ListCounts{Total: 4, Open: 3, Done: 1, Overdue: 2}); l.ResponsibilityCounts != want {
			t.Errorf("responsibility counts %+v, want %+v", l.ResponsibilityCounts, want)
		}
		if l.UnitHeads[1] != "李明" {
			t.Errorf("unit heads %v", l.UnitHeads)
		}
		keys := map[string]bool{}
		for _, r := range l.Responsibilities {
			keys[r.Key] = true
		}
		for _, k := range []string{"problem:" + itoa(a.ID), "problem:" + itoa(b.ID), "project:" + itoa(proj.ID)} {
			if !keys[k] {
				t.Errorf("responsibility list lacks %s: %v", k, keys)
			}
		}

		// 赵丽 (cadre 6) answers for the project only.
		l, err = db.Lists.FindLists(office, sanlian.ListsFilter{PersonID: 6})
		MustOK(t, err)
		if l.Name != "赵丽" || l.UnitName != "县民政局" || len(l.Problems) != 0 || len(l.Projects) != 1 || len(l.Responsibilities) != 1 {
			t.Errorf("person lists: %q %q %d/%d/%d", l.Name, l.UnitName, len(l.Problems), len(l.Projects), len(l.Responsibilities))
		}

		// A limit cuts the lines, not the counts.
		l, err = db.Lists.FindLists(office, sanlian.ListsFilter{UnitID: 1, Limit: 1})
		MustOK(t, err)
		if !l.Truncated || len(l.Problems) != 1 || len(l.Responsibilities) != 1 || l.ProblemCounts.Total != 2 || l.ResponsibilityCounts.Total != 4 {
			t.Errorf("limited: truncated %v, %d problems of %d, %d lines of %d", l.Truncated, len(l.Problems), l.ProblemCounts.Total,
				len(l.Responsibilities), l.ResponsibilityCounts.Total)
		}

		// A unit admin's own lists by default; a cadre's own.
		l, err = db.Lists.FindLists(sqldbtest.As(users["unitadmin"]), sanlian.ListsFilter{})
		MustOK(t, err)
		if l.UnitID != 1 || len(l.Problems) != 2 {
			t.Errorf("unit admin's default lists: unit %d, %d problems", l.UnitID, len(l.Problems))
		}
		l, err = db.Lists.FindLists(sqldbtest.As(users["cadre"]), sanlian.ListsFilter{})
		MustOK(t, err)
		if l.PersonID != 2 || len(l.Problems) != 2 {
			t.Errorf("cadre's default lists: person %d, %d problems", l.PersonID, len(l.Problems))
		}
		// Whatever unit a unit admin asks for, they see only their scope:
		// 东坪镇's problem C is not theirs.
		l, err = db.Lists.FindLists(sqldbtest.As(users["unitadmin"]), sanlian.ListsFilter{UnitID: 3})
		if err == nil {
			for _, p := range l.Problems {
				if p.ID == c.ID {
					t.Errorf("unit admin of unit 1 sees unit 3's problem %s", p.Number)
				}
			}
		} else if code := sanlian.ErrorCode(err); code != sanlian.ENOTFOUND && code != sanlian.EFORBIDDEN {
			t.Errorf("unit admin asking for unit 3: %v", err)
		}

		_, err = db.Lists.FindLists(office, sanlian.ListsFilter{UnitID: 1, PersonID: 2})
		MustCode(t, err, sanlian.EINVALID)
		_, err = db.Lists.FindLists(office, sanlian.ListsFilter{UnitID: 999})
		MustCode(t, err, sanlian.ENOTFOUND)
		_, err = db.Lists.FindLists(sqldbtest.As(users["sysadmin"]), sanlian.ListsFilter{UnitID: 1})
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, err = db.Lists.FindLists(sqldbtest.As(users["auditor"]), sanlian.ListsFilter{})
		MustCode(t, err, sanlian.EFORBIDDEN)
	})
}

func itoa(n int64) string { return fmtSprint(n) }
