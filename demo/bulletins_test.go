package demo_test

import (
	"context"
	"testing"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestLoadBulletins(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// The demo's own volume of problems: ties at first place are a matter of
		// how many problems each unit handles.
		_, c, setNow := ledger(t, db, 1500, demo.DefaultProblems, visitsToday)
		setNow(visitsToday)
		sum, err := demo.LoadBulletins(ctx, db.Reports, db.Reports, setNow, c, demo.BulletinOptions{Today: visitsToday})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(sum)
		if sum.Published != demo.DefaultBulletins || sum.Criticised+sum.Commended == 0 {
			t.Fatalf("summary %s", sum)
		}
		office := officeOf(t, db)
		bs, err := db.Reports.FindBulletins(office)
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
		for _, b := range bs {
			checkRanking(t, b)
		}
		// The rules the office set for the demo apply from the first bulletin on.
		cfg, err := db.Reports.MetricConfigFor(office, bs[len(bs)-1].Period, "")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Rules.CommendMinAssigned != 2 {
			t.Errorf("config %+v", cfg.Rules)
		}
	})
}

// checkRanking: a bulletin a county can publish. No unit is both commended
// and criticised; a criticised unit's row carries its criticism, so none
// is shown first without it; units under the minimum volume are listed
// apart; and few units share first place.
func checkRanking(t *testing.T, b *sanlian.Bulletin) {
	t.Helper()
	c := b.Content
	criticised := map[int64]bool{}
	for _, u := range c.Criticised {
		criticised[u.UnitID] = true
	}
	for _, u := range c.Commended {
		if criticised[u.UnitID] {
			t.Errorf("%s: %s both commended and criticised", b.Period, u.Name)
		}
	}
	if c.Configs == nil {
		t.Fatalf("%s: no rules kept", b.Period)
	}
	first, ranked, apart := 0, 0, 0
	for i, r := range c.Units {
		if criticised[r.UnitID] != r.Criticised {
			t.Errorf("%s: %s criticised %v, its row says %v", b.Period, r.Name, criticised[r.UnitID], r.Criticised)
		}
		if r.Commended && r.Criticised {
			t.Errorf("%s: %s's row both commended and criticised", b.Period, r.Name)
		}
		if (i == 0 || r.Rank == 1) && criticised[r.UnitID] && !r.Criticised {
			t.Errorf("%s: %s shown first without its criticism", b.Period, r.Name)
		}
		switch {
		case r.Rank == 1:
			first++
			ranked++
		case r.Rank > 1:
			ranked++
		default:
			apart++
			if r.Unranked == "" {
				t.Errorf("%s: %s neither ranked nor listed apart with a reason", b.Period, r.Name)
			}
			if r.Unranked == sanlian.UnrankedLowVolume && r.Volume >= c.Configs.For(r.UnitKind).Ranking.MinVolume {
				t.Errorf("%s: %s has volume %d yet is not ranked", b.Period, r.Name, r.Volume)
			}
		}
	}
	t.Logf("%s: %d ranked, %d tied at first, %d not ranked, %d criticised, %d commended", b.Period, ranked, first, apart,
		len(c.Criticised), len(c.Commended))
	if ranked == 0 {
		t.Errorf("%s: nobody ranked", b.Period)
	}
	// Before the ranking rules, over half the units shared first place at
	// 100 points; now a few do.
	if first > 6 || first*5 > ranked {
		t.Errorf("%s: %d of %d ranked units share first place", b.Period, first, ranked)
	}
}
