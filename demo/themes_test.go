package demo_test

import (
	"context"
	"testing"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestLoadThemes checks that each of the last three months has a theme
// with tagged problems, measures, and the office's hand-made changes.
func TestLoadThemes(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		_, c, setNow := ledger(t, db, 1500, 600, visitsToday)
		sum, err := demo.LoadThemes(ctx, db.Work, db.Problems, setNow, c, demo.ThemeOptions{Today: visitsToday})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(sum)
		if got := db.Now(); !got.Equal(visitsToday) {
			t.Errorf("clock left at %v", got)
		}
		if sum.Removed == 0 || sum.Added == 0 || sum.Measures < 2*sum.Themes {
			t.Errorf("summary %s", sum)
		}
		office := officeOf(t, db)
		for _, month := range []string{"2021-07", "2021-08", "2021-09"} {
			ths, err := db.Work.FindThemes(office, sanlian.ThemeFilter{Month: month})
			if err != nil {
				t.Fatal(err)
			}
			if len(ths) == 0 || len(ths) > 2 {
				t.Fatalf("%s: %d themes", month, len(ths))
			}
			for _, th := range ths {
				r, err := db.Work.ThemeReport(office, th.ID, "")
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s %s: %d problems, %d measures", month, th.Name, th.Tagged, len(r.Measures))
				if th.Tagged == 0 || r.Counts.Received != th.Tagged || len(r.Measures) < 2 || len(r.Measures) > 4 {
					t.Errorf("%s %s: tagged %d, report %+v, %d measures", month, th.Name, th.Tagged, r.Counts, len(r.Measures))
				}
			}
		}
	})
}
