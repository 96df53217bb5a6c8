package demo_test

import (
	"context"
	"testing"

	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestLoadBulletins(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		_, c, setNow := ledger(t, db, 1500, 300, visitsToday)
		setNow(visitsToday)
		sum, err := demo.LoadBulletins(ctx, db, db, setNow, c, demo.BulletinOptions{Today: visitsToday})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(sum)
		if sum.Published != demo.DefaultBulletins || sum.Criticised+sum.Commended == 0 {
			t.Fatalf("summary %s", sum)
		}
		office := officeOf(t, db)
		bs, err := db.FindBulletins(office)
		if err != nil {
			t.Fatal(err)
		}
		published := 0
		for _, b := range bs {
			if b.Published() {
				published++
				if b.Commentary == "" || b.Content == nil || b.NumberLabel() == "" {
					t.Errorf("bulletin %s: number %q, commentary %q", b.Period, b.NumberLabel(), b.Commentary)
				}
			}
		}
		if published != demo.DefaultBulletins {
			t.Errorf("%d bulletins published, want %d", published, demo.DefaultBulletins)
		}
		// The rules the office set for the demo apply from the first bulletin on.
		cfg, err := db.MetricConfigFor(office, bs[len(bs)-1].Period, "")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Rules.CommendMinAssigned != 2 {
			t.Errorf("config %+v", cfg.Rules)
		}
	})
}
