package sqldb_test

import (
	"context"
	"slices"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func problemIDs(ps []*sanlian.Problem) []int64 {
	out := []int64{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestWorkbench_UnitProblems: a unit admin's workbench counts the
// problems its own unit and sub-units lead, not those its scope adds
// because the unit entered them or co-handles them; the co-handling parts
// it owes are a list of their own.
func TestWorkbench_UnitProblems(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-01 10:00")
		office, admin, cadre5 := users["office"], users["unitadmin"], users["cadre5"]
		assign := func(title string, unit int64, co ...int64) *sanlian.Problem {
			p := newProblem(t, db, office, title)
			return act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: unit, CoUnitIDs: co})
		}
		own := assign("民政局牵头的问题", 1)
		sub := assign("社会救助股的问题", 2)
		coOwed := assign("梅城镇牵头、民政局配合的问题", 4, 1)
		entered := newProblem(t, db, admin, "民政局录入、交梅城镇办理的问题")
		entered = act(t, db, office, entered, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 4})
		other := assign("梅城镇自己的问题", 4)

		find := func(u *sanlian.User, f sanlian.ProblemFilter) []int64 {
			t.Helper()
			f.Limit = 50
			ps, _, err := db.Problems.FindProblems(sqldbtest.As(u), f)
			MustOK(t, err)
			return problemIDs(ps)
		}
		t.Run("ScopeHasOthers", func(t *testing.T) {
			// The scope itself shows unit 4's problems the unit entered or
			// co-handles: why the workbench narrows it.
			if got := find(admin, sanlian.ProblemFilter{Sort: "number"}); !equalIDs(got, []int64{entered.ID, coOwed.ID, sub.ID, own.ID}) {
				t.Errorf("scope = %v", got)
			}
		})
		t.Run("OwnUnits", func(t *testing.T) {
			if got := find(admin, sanlian.ProblemFilter{OwnUnits: true}); !equalIDs(got, []int64{sub.ID, own.ID}) {
				t.Errorf("own units = %v, want %v", got, []int64{sub.ID, own.ID})
			}
			counts, err := db.Problems.CountProblemsByState(sqldbtest.As(admin), sanlian.ProblemFilter{OwnUnits: true})
			MustOK(t, err)
			for _, c := range counts {
				if want := map[string]int{sanlian.StateAssigned: 2}[c.State]; c.Count != want {
					t.Errorf("count %s = %d, want %d", c.State, c.Count, want)
				}
			}
			// The office's reach is not narrowed.
			if got := find(office, sanlian.ProblemFilter{OwnUnits: true}); len(got) != 5 {
				t.Errorf("office own units = %v", got)
			}
			// A cadre's own unit: cadre5 is in unit 4.
			if got := find(cadre5, sanlian.ProblemFilter{OwnUnits: true}); len(got) > 3 || contains(got, own.ID) || contains(got, sub.ID) {
				t.Errorf("cadre5 own units = %v", got)
			}
			_ = other
		})
		t.Run("CoPartOwed", func(t *testing.T) {
			if got := find(admin, sanlian.ProblemFilter{CoPartOwed: true}); !equalIDs(got, []int64{coOwed.ID}) {
				t.Errorf("owed = %v, want %v", got, []int64{coOwed.ID})
			}
			_, err := db.Problems.Act(sqldbtest.As(admin), coOwed.ID, sanlian.ActionPart, sanlian.ActionRequest{Version: coOwed.Version,
				Note: "核实低保对象名单并反馈", Date: "2021-06-01"})
			MustOK(t, err)
			if got := find(admin, sanlian.ProblemFilter{CoPartOwed: true}); len(got) != 0 {
				t.Errorf("owed after the part = %v", got)
			}
		})
	})
}

func contains(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestWorkbench_CadreHouseholds: a cadre sees their own linked households
// only, must-visit first, with the days since the last visit.
func TestWorkbench_CadreHouseholds(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-10 10:00")
		cadre := users["cadre"]
		_, _, err := db.Work.CreateVisit(sqldbtest.As(cadre), &sanlian.VisitInput{Kind: sanlian.VisitHousehold, Date: "2021-06-01",
			HouseholdID: 2, Met: "户主", Findings: "生活稳定"}, "")
		MustOK(t, err)
		hs, err := db.Reports.CadreHouseholds(sqldbtest.As(cadre))
		MustOK(t, err)
		var ids []int64
		for _, h := range hs {
			ids = append(ids, h.Household.ID)
		}
		// Household 1 is 低保 (must-visit), 3 never visited, 2 visited 9 days ago.
		if !equalIDs(ids, []int64{1, 3, 2}) {
			t.Fatalf("households = %v, want [1 3 2]", ids)
		}
		if hs[0].DaysSince != -1 || hs[0].VisitAge() != "从未走访" || !hs[0].MustVisit() || hs[2].DaysSince != 9 || hs[2].LastVisit != "2021-06-01" {
			t.Errorf("rows = %+v %+v", hs[0], hs[2])
		}
		hs, err = db.Reports.CadreHouseholds(sqldbtest.As(users["cadre5"]))
		MustOK(t, err)
		if len(hs) != 2 || hs[0].Household.ID != 11 { // 11 is 残疾 (must-visit)
			t.Errorf("cadre5 households = %+v", hs)
		}
		_, err = db.Reports.CadreHouseholds(sqldbtest.As(users["unitadmin"]))
		MustCode(t, err, sanlian.EFORBIDDEN)
	})
}

// TestWorkbench_Accounts: the system administrator's counts equal the
// account lists they link to.
func TestWorkbench_Accounts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-10 10:00")
		sys := sqldbtest.As(users["sysadmin"])
		_, _, err := db.Accounts.Login(context.Background(), "office", sqldbtest.Password, "web")
		MustOK(t, err)
		sum, err := db.Reports.AccountSummary(sys)
		MustOK(t, err)
		if sum.Total != 8 || sum.Never != 7 || sum.Disabled != 0 || sum.Locked != 0 {
			t.Errorf("summary = %+v", sum)
		}
		for _, rc := range sum.ByRole {
			got, err := db.Reports.FindAccounts(sys, sanlian.AccountFilter{Role: rc.Role})
			MustOK(t, err)
			if len(got) != rc.Count {
				t.Errorf("role %s: %d listed, %d counted", rc.Role, len(got), rc.Count)
			}
		}
		if sum.ByRole[3].Role != sanlian.RoleCadre || sum.ByRole[3].Count != 2 {
			t.Errorf("cadres = %+v", sum.ByRole[3])
		}
		never, err := db.Reports.FindAccounts(sys, sanlian.AccountFilter{Status: sanlian.AccountNever})
		MustOK(t, err)
		if len(never) != 7 || never[0].Username == "office" {
			t.Errorf("never logged in = %d, first %s", len(never), never[0].Username)
		}
		_, err = db.Reports.AccountSummary(sqldbtest.As(users["secadmin"]))
		MustOK(t, err)
		for _, who := range []string{"unitadmin", "office"} { // the office no longer manages accounts
			_, err = db.Reports.AccountSummary(sqldbtest.As(users[who]))
			MustCode(t, err, sanlian.EFORBIDDEN)
		}
		_, err = db.Reports.FindAccounts(sqldbtest.As(users["auditor"]), sanlian.AccountFilter{})
		MustCode(t, err, sanlian.EFORBIDDEN)
	})
}

// TestWorkbench_Audit: the auditor's counts by action, and the reveals of
// personal data, match the audit list filtered the same way.
func TestWorkbench_Audit(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-10 10:00")
		_, _, err := db.Org.RevealHousehold(sqldbtest.As(users["office"]), 1)
		MustOK(t, err)
		aud := sqldbtest.As(users["auditor"])
		sum, err := db.Reports.AuditSummary(aud)
		MustOK(t, err)
		if sum.Reveals != 1 || len(sum.Today) == 0 {
			t.Fatalf("summary = %+v", sum)
		}
		for _, c := range sum.Week {
			es, _, err := db.FindAudit(aud, sanlian.AuditFilter{Action: c.Action, From: sum.WeekFrom, Limit: 1000})
			MustOK(t, err)
			if len(es) != c.Count {
				t.Errorf("action %s: %d listed, %d counted", c.Action, len(es), c.Count)
			}
		}
		_, err = db.Reports.AuditSummary(sqldbtest.As(users["sysadmin"]))
		MustCode(t, err, sanlian.EFORBIDDEN)
	})
}

// TestWorkbench_DueWindows: projects and responsibility lines due from
// today to a day and not done, in the caller's scope.
func TestWorkbench_DueWindows(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-01 10:00")
		office, admin := sqldbtest.As(users["office"]), sqldbtest.As(users["unitadmin"])
		project := func(unit int64, title, end, status string) int64 {
			t.Helper()
			p, err := db.Lists.CreateProject(office, &sanlian.ProjectInput{UnitID: unit, Title: title, Category: "social_health", Target: 10, Measure: "台",
				StartDate: "2021-05-01", EndDate: end, Status: status})
			if err != nil {
				t.Fatalf("project %s: %v %v", title, err, sanlian.ErrorFields(err))
			}
			return p.ID
		}
		resp := func(unit int64, task, deadline string) int64 {
			t.Helper()
			r, err := db.Lists.CreateResponsibility(office, &sanlian.ResponsibilityInput{UnitID: unit, Task: task,
				Source: sanlian.RespStandalone, PersonID: 2, Deadline: deadline})
			if err != nil {
				t.Fatalf("line %s: %v %v", task, err, sanlian.ErrorFields(err))
			}
			return r.ID
		}
		project(1, "已超期", "2021-05-31", "")
		today := project(1, "今天到期", "2021-06-01", sanlian.ProjectOngoing)
		soon := project(2, "两周内到期", "2021-06-15", "")
		project(1, "已完成", "2021-06-10", sanlian.ProjectDone)
		project(1, "下月到期", "2021-07-15", "")
		project(4, "其他单位的", "2021-06-10", "")
		resp(1, "已超期", "2021-05-31")
		rToday := resp(1, "今天到期", "2021-06-01")
		rSoon := resp(2, "两周内到期", "2021-06-15")
		resp(1, "下月到期", "2021-07-15")
		resp(4, "其他单位的", "2021-06-10")

		ps, _, err := db.Lists.FindProjects(admin, sanlian.ProjectFilter{DueBy: "2021-06-15", Limit: 50})
		MustOK(t, err)
		var got []int64
		for _, p := range ps {
			got = append(got, p.ID)
		}
		if !equalIDs(sortIDs(got), []int64{today, soon}) {
			t.Errorf("projects due = %v, want %v", got, []int64{today, soon})
		}
		rs, _, err := db.Lists.FindResponsibilities(admin, sanlian.ResponsibilityFilter{DueBy: "2021-06-15", Entered: true, Limit: 50})
		MustOK(t, err)
		got = nil
		for _, r := range rs {
			got = append(got, r.ID)
		}
		if !equalIDs(sortIDs(got), []int64{rToday, rSoon}) {
			t.Errorf("lines due = %v, want %v", got, []int64{rToday, rSoon})
		}
	})
}

func sortIDs(xs []int64) []int64 {
	slices.Sort(xs)
	return xs
}
