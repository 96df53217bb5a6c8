package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// coverageVisits records the hand-worked visits of the coverage tests on
// the small county, with the clock at the end of May 2021, and returns the
// topics they carried:
//
//	cadre 2: household 1 (key_group) on 05-10 with topics 0, 1 and one problem;
//	         household 2 (untagged) on 05-12 with topic 0;
//	         household 3 on 04-20, before the May window, topic 2, one problem;
//	cadre 6: household 5 (conflict) on 05-15, recorded by the unit admin;
//	cadre 5: household 11 (key_group) on 05-20 with topic 2 and two problems.
func coverageVisits(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) []*sanlian.Topic {
	t.Helper()
	clockAt(db, "2021-05-31 18:00")
	ts := seedTopics(t, db, users)
	visit := func(u *sanlian.User, in sanlian.VisitInput) {
		t.Helper()
		if _, _, err := db.Work.CreateVisit(sqldbtest.As(u), &in, ""); err != nil {
			t.Fatal(err, sanlian.ErrorFields(err))
		}
	}
	prob := func(n int) []sanlian.VisitProblem {
		var ps []sanlian.VisitProblem
		for i := 0; i < n; i++ {
			ps = append(ps, sanlian.VisitProblem{Category: "transport", Description: "通组公路坑洼不平"})
		}
		return ps
	}
	hv := func(h int64, date string, topics []int64, problems int) sanlian.VisitInput {
		return sanlian.VisitInput{Kind: "household", Date: date, HouseholdID: h, Topics: topics, Findings: "了解情况", Problems: prob(problems)}
	}
	visit(users["cadre"], hv(1, "2021-05-10", []int64{ts[0].ID, ts[1].ID}, 1)) // key_group, in window
	visit(users["cadre"], hv(2, "2021-05-12", []int64{ts[0].ID}, 0))           // untagged
	visit(users["cadre"], hv(3, "2021-04-20", []int64{ts[2].ID}, 1))           // before the window
	in := hv(5, "2021-05-15", nil, 0)                                          // conflict, by cadre 6 via the unit admin
	in.Visitors = []int64{6}
	visit(users["unitadmin"], in)
	visit(users["cadre5"], hv(11, "2021-05-20", []int64{ts[2].ID}, 2)) // key_group
	return ts
}

// TestCoverageService_VisitCoverage checks every number of the report
// against the small county with a handful of visits whose outcome is
// worked out by hand in the comments.
func TestCoverageService_VisitCoverage(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ts := coverageVisits(t, db, users)
		win := sanlian.Window{From: "2021-05-01", To: "2021-05-31"}
		cov, err := db.Work.VisitCoverage(sqldbtest.As(users["office"]), win, sanlian.CoverageScope{})
		MustOK(t, err)
		want := map[string][2]int{"conflict": {2, 1}, "key_group": {3, 2}, "representative": {2, 0}, "any": {7, 3}}
		for _, k := range cov.MustVisit {
			if got := [2]int{k.Total, k.Visited}; got != want[k.Kind] {
				t.Errorf("must-visit %s = %v, want %v", k.Kind, got, want[k.Kind])
			}
		}
		var missed []int64
		for _, m := range cov.Missed {
			missed = append(missed, m.Household.ID)
		}
		if fmt := sprint(missed); fmt != "[6 10 16 20]" {
			t.Errorf("missed %s, want [6 10 16 20]", fmt)
		}
		if cov.Visits != 4 || cov.Problems != 3 || cov.Households != 20 || cov.HouseholdsLinked != 8 ||
			cov.Villages != 4 || cov.VillagesWithoutUnit != 1 || cov.Townships != 2 || cov.TownshipsWithoutLeader != 1 {
			t.Errorf("totals: %+v", cov)
		}
		// Cadre 2 visited households 1 and 2 in the window (one problem raised).
		wantCadres := map[int64][2]int{2: {2, 1}, 3: {0, 0}, 4: {0, 0}, 5: {1, 2}, 6: {1, 0}}
		for _, c := range cov.Cadres {
			if got := [2]int{c.Visits, c.Problems}; got != wantCadres[c.CadreID] {
				t.Errorf("cadre %d %s: visits, problems = %d, %d", c.CadreID, c.Name, c.Visits, c.Problems)
			}
		}
		if len(cov.Cadres) != 5 || cov.CadresWithoutVisit != 2 {
			t.Errorf("cadres %d, without visit %d; want 5 and 2", len(cov.Cadres), cov.CadresWithoutVisit)
		}
		for _, u := range cov.Units {
			switch u.UnitID {
			case 1:
				if u.Visits != 3 || u.Problems != 1 || u.Cadres != 2 || u.Idle != 0 || u.Villages != 1 {
					t.Errorf("unit 1: %+v", u)
				}
			case 4:
				if u.Visits != 1 || u.Problems != 2 {
					t.Errorf("unit 4: %+v", u)
				}
			}
		}
		wantTopics := map[int64][2]int{ts[0].ID: {2, 1}, ts[1].ID: {1, 1}, ts[2].ID: {1, 2}}
		if len(cov.Topics) != 3 {
			t.Errorf("%d topics used, want 3", len(cov.Topics))
		}
		for _, tu := range cov.Topics {
			if got := [2]int{tu.Visits, tu.Problems}; got != wantTopics[tu.TopicID] {
				t.Errorf("topic %d: %v, want %v", tu.TopicID, got, wantTopics[tu.TopicID])
			}
		}

		// A township: households 1–10, tagged 1, 5, 6, 10; visited 1 and 5.
		cov, err = db.Work.VisitCoverage(sqldbtest.As(users["office"]), win, sanlian.CoverageScope{Kind: "township", ID: sqldbtest.Dongping})
		MustOK(t, err)
		if any := cov.MustVisit[3]; any.Total != 4 || any.Visited != 2 || cov.Visits != 3 || cov.Households != 10 || cov.Villages != 2 {
			t.Errorf("township: %+v %+v", any, cov)
		}
		// A cadre: households 1–3, one tagged and visited; two visits.
		cov, err = db.Work.VisitCoverage(sqldbtest.As(users["office"]), win, sanlian.CoverageScope{Kind: "cadre", ID: "2"})
		MustOK(t, err)
		if any := cov.MustVisit[3]; any.Total != 1 || any.Visited != 1 || cov.Visits != 2 || len(cov.Cadres) != 1 {
			t.Errorf("cadre: %+v visits %d", any, cov.Visits)
		}
		// Scope outside the caller's: a cadre asking for another cadre.
		_, err = db.Work.VisitCoverage(sqldbtest.As(users["cadre"]), win, sanlian.CoverageScope{Kind: "cadre", ID: "5"})
		MustCode(t, err, sanlian.ENOTFOUND)
		_, err = db.Work.VisitCoverage(sqldbtest.As(users["office"]), win, sanlian.CoverageScope{Kind: "galaxy"})
		MustCode(t, err, sanlian.EINVALID)
	})
}

// TestHouseholdService_FindVisited checks the filter behind the report's
// 三必访 numbers: each, read as a list, gives the households counted.
func TestHouseholdService_FindVisited(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		coverageVisits(t, db, users)
		yes, no := true, false
		for _, tc := range []struct {
			name string
			as   string
			f    sanlian.HouseholdFilter
			want []int64
		}{
			{"VisitedMay", "office", sanlian.HouseholdFilter{Visited: &yes, VisitedFrom: "2021-05-01", VisitedTo: "2021-05-31"}, []int64{1, 2, 5, 11}},
			{"MustVisitVisited", "office", sanlian.HouseholdFilter{Tag: "any", Visited: &yes, VisitedFrom: "2021-05-01", VisitedTo: "2021-05-31"}, []int64{1, 5, 11}},
			{"MustVisitMissed", "office", sanlian.HouseholdFilter{Tag: "any", Visited: &no, VisitedFrom: "2021-05-01", VisitedTo: "2021-05-31"}, []int64{6, 10, 16, 20}},
			{"KeyGroupTownship", "office", sanlian.HouseholdFilter{Tag: sanlian.TagKeyGroup, TownshipCode: sqldbtest.Dongping, Visited: &yes,
				VisitedFrom: "2021-05-01", VisitedTo: "2021-05-31"}, []int64{1}},
			{"BoundsInclusive", "office", sanlian.HouseholdFilter{Visited: &yes, VisitedFrom: "2021-05-12", VisitedTo: "2021-05-15"}, []int64{2, 5}},
			{"April", "office", sanlian.HouseholdFilter{Visited: &yes, VisitedFrom: "2021-04-01", VisitedTo: "2021-04-30"}, []int64{3}},
			{"OpenStart", "office", sanlian.HouseholdFilter{Visited: &yes, VisitedTo: "2021-05-10"}, []int64{1, 3}},
			{"DatesWithoutVisited", "office", sanlian.HouseholdFilter{VillageCode: sqldbtest.VillageA, VisitedFrom: "2021-05-01"}, seq(1, 5)},
			{"CadreScope", "cadre", sanlian.HouseholdFilter{Visited: &no, VisitedFrom: "2021-05-01", VisitedTo: "2021-05-31"}, []int64{3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.f.Limit = 100
				hs, _, err := db.Org.FindHouseholds(sqldbtest.As(users[tc.as]), tc.f)
				MustOK(t, err)
				if got := householdIDs(hs); !equalIDs(got, tc.want) {
					t.Errorf("households %v, want %v", got, tc.want)
				}
			})
		}
	})
}

// TestProblemService_FindByVisit checks the filter behind the report's
// problem numbers, per cadre and per unit as the report counts them.
func TestProblemService_FindByVisit(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		coverageVisits(t, db, users)
		office := sqldbtest.As(users["office"])
		// A problem entered outside any visit, in the window: never counted.
		_, err := db.Problems.CreateProblem(office, &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Description: "热线反映路灯不亮"})
		MustOK(t, err)
		cov, err := db.Work.VisitCoverage(office, sanlian.Window{From: "2021-05-01", To: "2021-05-31"}, sanlian.CoverageScope{})
		MustOK(t, err)
		for _, tc := range []struct {
			name string
			f    sanlian.ProblemFilter
			want int
		}{
			{"May", sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31"}, cov.Problems},
			{"April", sanlian.ProblemFilter{VisitFrom: "2021-04-01", VisitTo: "2021-04-30"}, 1},
			{"AnyVisit", sanlian.ProblemFilter{VisitFrom: "2021-04-01"}, 4},
			{"Cadre2", sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", VisitCadreID: 2}, 1},
			{"Cadre5", sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", VisitCadreID: 5}, 2},
			{"Cadre6", sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", VisitCadreID: 6}, 0},
			{"Unit1", sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", VisitUnitID: 1}, 1},
			{"Unit4", sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", VisitUnitID: 4}, 2},
			{"Township", sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", TownshipCode: sqldbtest.Meicheng}, 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.f.Limit = 100
				ps, _, err := db.Problems.FindProblems(office, tc.f)
				MustOK(t, err)
				if len(ps) != tc.want {
					t.Errorf("%d problems, want %d", len(ps), tc.want)
				}
				counts, err := db.Problems.CountProblemsByState(office, tc.f)
				MustOK(t, err)
				n := 0
				for _, c := range counts {
					n += c.Count
				}
				if n != tc.want {
					t.Errorf("counted %d problems, want %d", n, tc.want)
				}
			})
		}
		// The report's per-cadre and per-unit numbers are the lists' lengths.
		for _, c := range cov.Cadres {
			ps, _, err := db.Problems.FindProblems(office, sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", VisitCadreID: c.CadreID, Limit: 100})
			MustOK(t, err)
			if len(ps) != c.Problems {
				t.Errorf("cadre %d: list of %d, report %d", c.CadreID, len(ps), c.Problems)
			}
		}
		for _, u := range cov.Units {
			ps, _, err := db.Problems.FindProblems(office, sanlian.ProblemFilter{VisitFrom: "2021-05-01", VisitTo: "2021-05-31", VisitUnitID: u.UnitID, Limit: 100})
			MustOK(t, err)
			if len(ps) != u.Problems {
				t.Errorf("unit %d: list of %d, report %d", u.UnitID, len(ps), u.Problems)
			}
		}
	})
}

func sprint(v any) string { return fmtSprint(v) }
