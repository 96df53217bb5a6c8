package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// sourcedProblem enters a problem from a channel in a village, by the office.
func sourcedProblem(t *testing.T, db *sqldb.DB, u *sanlian.User, source, village, title string) *sanlian.Problem {
	t.Helper()
	p, err := db.Problems.CreateProblem(sqldbtest.As(u), &sanlian.ProblemInput{Source: source, Category: "transport", VillageCode: village,
		Title: title, Description: title + "，群众反映强烈", ReporterName: "刘大爷", ReporterPhone: "13912345678"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// listed counts f's problems as the linked list shows them.
func listed(t *testing.T, db *sqldb.DB, u *sanlian.User, f sanlian.ProblemFilter) int {
	t.Helper()
	f.Limit = 500
	ps, next, err := db.Problems.FindProblems(sqldbtest.As(u), f)
	MustOK(t, err)
	if next != "" {
		t.Fatalf("more than one page for %+v", f)
	}
	return len(ps)
}

func TestWorkbenchService(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office, leader := users["office"], users["leader"]
		clockAt(db, "2021-05-10 09:00") // Monday
		sourcedProblem(t, db, office, sanlian.SourceVisit, sqldbtest.VillageA, "东坪村道塌方")
		clockAt(db, "2021-05-10 10:00")
		sourcedProblem(t, db, office, sanlian.SourceHotline, sqldbtest.VillageA, "东坪停水")
		sourcedProblem(t, db, office, sanlian.SourceHotline, sqldbtest.VillageC, "梅城停电")
		// Two problems handled: one by unit 1 in 东坪镇, one by unit 4 in
		// 梅城镇; both to be resolved by 24:00 of Monday 2021-05-31.
		a := sourcedProblem(t, db, office, sanlian.SourcePortal, sqldbtest.VillageA, "东坪路灯")
		a = act(t, db, office, a, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		act(t, db, users["cadre"], a, sanlian.ActionAccept, sanlian.ActionRequest{})
		m := sourcedProblem(t, db, office, sanlian.SourcePortal, sqldbtest.VillageC, "梅城桥梁")
		m = act(t, db, office, m, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 4, PersonID: 5})
		act(t, db, users["cadre5"], m, sanlian.ActionAccept, sanlian.ActionRequest{})

		t.Run("IntakeByChannel", func(t *testing.T) {
			clockAt(db, "2021-05-12 09:00") // the dispatch deadlines (one working day) have passed
			got, err := db.Reports.IntakeByChannel(sqldbtest.As(office))
			MustOK(t, err)
			if len(got) != 2 || got[0].Source != sanlian.SourceVisit || got[0].Count != 1 || got[1].Source != sanlian.SourceHotline ||
				got[1].Count != 2 || got[1].Overdue != 2 {
				t.Fatalf("office: %+v", got)
			}
			if !got[0].Oldest.Equal(shanghai("2021-05-10 09:00")) || got[1].NextDue.IsZero() {
				t.Errorf("oldest %v, next due %v", got[0].Oldest, got[1].NextDue)
			}
			yes := true
			for _, c := range got {
				if n := listed(t, db, office, sanlian.ProblemFilter{State: sanlian.StateSubmitted, Source: c.Source}); n != c.Count {
					t.Errorf("%s: %d listed, %d counted", c.Source, n, c.Count)
				}
				if n := listed(t, db, office, sanlian.ProblemFilter{State: sanlian.StateSubmitted, Source: c.Source, Overdue: &yes}); n != c.Overdue {
					t.Errorf("%s overdue: %d listed, %d counted", c.Source, n, c.Overdue)
				}
			}
			// The leader sees 东坪镇's queue only.
			got, err = db.Reports.IntakeByChannel(sqldbtest.As(leader))
			MustOK(t, err)
			if len(got) != 2 || got[0].Count != 1 || got[1].Count != 1 {
				t.Errorf("leader: %+v", got)
			}
		})

		t.Run("DueByUnit", func(t *testing.T) {
			clockAt(db, "2021-05-27 09:00") // Thursday: due soon runs to 24:00 of Tuesday 06-01
			cal, err := db.Calendar(sqldbtest.As(office))
			MustOK(t, err)
			soon := sanlian.DueSoonBefore(cal, db.Now())
			got, err := db.Reports.DueByUnit(sqldbtest.As(office), soon)
			MustOK(t, err)
			if len(got) != 2 || got[0].UnitID != 1 || got[0].UnitName != "县民政局" || got[0].DueSoon != 1 || got[1].UnitID != 4 || got[1].DueSoon != 1 {
				t.Fatalf("office: %+v", got)
			}
			got, err = db.Reports.DueByUnit(sqldbtest.As(leader), soon)
			MustOK(t, err)
			if len(got) != 1 || got[0].UnitID != 1 {
				t.Errorf("leader sees units outside 东坪镇: %+v", got)
			}
			clockAt(db, "2021-06-02 09:00") // both are overdue now
			got, err = db.Reports.DueByUnit(sqldbtest.As(office), sanlian.DueSoonBefore(cal, db.Now()))
			MustOK(t, err)
			if len(got) != 2 || got[0].Overdue != 1 || got[0].DueSoon != 0 || got[1].Overdue != 1 {
				t.Fatalf("office, later: %+v", got)
			}
			yes, no := true, false
			for _, d := range got {
				if n := listed(t, db, office, sanlian.ProblemFilter{UnitID: d.UnitID, Overdue: &yes}); n != d.Overdue {
					t.Errorf("unit %d overdue: %d listed, %d counted", d.UnitID, n, d.Overdue)
				}
				if n := listed(t, db, office, sanlian.ProblemFilter{UnitID: d.UnitID, Overdue: &no, DueBefore: soon}); n != d.DueSoon {
					t.Errorf("unit %d due soon: %d listed, %d counted", d.UnitID, n, d.DueSoon)
				}
			}
		})

		t.Run("TownshipLoads", func(t *testing.T) {
			runDay(t, db, "2021-06-02") // yellow cards
			runDay(t, db, "2021-06-15") // red five working days on
			got, err := db.Reports.TownshipLoads(sqldbtest.As(office))
			MustOK(t, err)
			if len(got) != 2 || got[0].Code != sqldbtest.Dongping || got[1].Code != sqldbtest.Meicheng {
				t.Fatalf("office: %+v", got)
			}
			// 东坪镇: three open (two waiting, one accepted), all overdue.
			if d := got[0]; d.Open != 3 || d.Overdue != 3 || d.Red == 0 {
				t.Errorf("东坪镇: %+v", d)
			}
			yes := true
			for _, l := range got {
				for _, c := range []struct {
					f    sanlian.ProblemFilter
					want int
				}{
					{sanlian.ProblemFilter{TownshipCode: l.Code, Open: true}, l.Open},
					{sanlian.ProblemFilter{TownshipCode: l.Code, Overdue: &yes}, l.Overdue},
					{sanlian.ProblemFilter{TownshipCode: l.Code, Card: sanlian.LevelRed}, l.Red},
				} {
					if n := listed(t, db, office, c.f); n != c.want {
						t.Errorf("%s %+v: %d listed, %d counted", l.Name, c.f, n, c.want)
					}
				}
			}
			reds, _, err := db.Problems.FindSupervisions(sqldbtest.As(office), sanlian.SupervisionFilter{Level: sanlian.LevelRed, State: sanlian.SupervisionOpen})
			MustOK(t, err)
			if len(reds) != got[0].Red+got[1].Red {
				t.Errorf("%d open red cards, %d red-card problems", len(reds), got[0].Red+got[1].Red)
			}
			got, err = db.Reports.TownshipLoads(sqldbtest.As(leader))
			MustOK(t, err)
			if len(got) != 1 || got[0].Name != "东坪镇" || got[0].Open != 3 {
				t.Errorf("leader: %+v", got)
			}
			_, err = db.Reports.TownshipLoads(sqldbtest.As(users["unitadmin"]))
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
	})
}
