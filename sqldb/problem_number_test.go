package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestProblemService_FindByNumber: ProblemFilter.Number finds a problem by
// its whole number or by its tail, within the reader's scope only.
func TestProblemService_FindByNumber(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := newProblem(t, db, users["cadre"], "村道塌方")
		newProblem(t, db, users["cadre"], "路灯不亮")
		n, ok := sanlian.ParseProblemNumber(p.Number)
		if !ok {
			t.Fatalf("number %q", p.Number)
		}
		for _, number := range []string{p.Number, n.Tail()} {
			got, _, err := db.Problems.FindProblems(sqldbtest.As(users["office"]), sanlian.ProblemFilter{Number: number})
			if err != nil || len(got) != 1 || got[0].ID != p.ID {
				t.Errorf("Number %q: %v %v", number, got, err)
			}
		}
		for _, number := range []string{"安化-1999-000001", "外县-" + n.Tail(), "1-" + n.Tail()} {
			if got, _, err := db.Problems.FindProblems(sqldbtest.As(users["office"]), sanlian.ProblemFilter{Number: number}); err != nil || len(got) != 0 {
				t.Errorf("Number %q found %d, %v", number, len(got), err)
			}
		}
		// cadre5 (梅城镇) does not see 东坪镇's problem.
		if got, _, err := db.Problems.FindProblems(sqldbtest.As(users["cadre5"]), sanlian.ProblemFilter{Number: p.Number}); err != nil || len(got) != 0 {
			t.Errorf("out of scope: found %d, %v", len(got), err)
		}
	})
}
