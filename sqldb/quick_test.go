package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestSmoke(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		users := sqldbtest.LoadSmall(t, db)
		for name, want := range map[string]int{"office": 20, "leader": 10, "unitadmin": 5, "cadre": 3, "cadre5": 2} {
			hs, _, err := db.FindHouseholds(sqldbtest.As(users[name]), sanlian.HouseholdFilter{})
			if err != nil {
				t.Fatal(name, err)
			}
			if len(hs) != want {
				t.Errorf("%s sees %d households, want %d", name, len(hs), want)
			}
		}
		cov, err := db.LinkCoverage(sqldbtest.As(users["office"]))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", cov)
	})
}
