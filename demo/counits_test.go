package demo_test

import (
	"context"
	"strings"
	"testing"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestLoadCoUnits plays the problems with co-units on a small ledger: each
// has a lead and co-units, the parts and the summary agree with the
// ledger, and the demo township's account has such problems to see.
func TestLoadCoUnits(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, c, setNow := ledger(t, db, 2000, 50, ledgerToday)
		sum, err := demo.LoadCoUnits(context.Background(), db.Problems, setNow, c, demo.CoUnitOptions{Today: ledgerToday})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Problems < 30 || sum.Parts < sum.Problems || sum.Resolved == 0 || sum.Resolved == sum.Problems {
			t.Errorf("summary %+v", sum)
		}
		t.Log(sum)
		if s := sum.String(); !strings.Contains(s, "牵头配合办理") {
			t.Errorf("summary %q", s)
		}
		office := officeOf(t, db)
		var withCo, parts, coUnits int
		for _, p := range allProblems(t, db, sanlian.ProblemFilter{}) {
			full, err := db.Problems.FindProblemByID(office, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.CoUnits) == 0 {
				continue
			}
			withCo++
			coUnits += len(full.CoUnits)
			for _, cu := range full.CoUnits {
				parts += cu.Parts
				if cu.UnitID == full.UnitID {
					t.Errorf("%s: the lead is a co-unit", full.Number)
				}
			}
			if full.State == sanlian.StateSubmitted {
				t.Errorf("%s: co-units on a problem not assigned", full.Number)
			}
		}
		if withCo != sum.Problems || parts != sum.Parts || coUnits != sum.CoUnits {
			t.Errorf("ledger: %d problems, %d co-units, %d parts; summary %+v", withCo, coUnits, parts, sum)
		}
		_, u, err := db.Accounts.Login(context.Background(), "township", demo.Password, "api")
		if err != nil {
			t.Fatal(err)
		}
		l, err := db.Lists.FindLists(sqldbtest.As(u), sanlian.ListsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		co := 0
		for _, p := range l.Problems {
			if p.UnitID != u.UnitID {
				co++
			}
		}
		if co == 0 {
			t.Error("the demo township's problem list has no problem it co-handles")
		}
	})
}
