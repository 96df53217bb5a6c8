package demo_test

import (
	"context"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestLoadActivities(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := demo.Generate(demo.Options{Households: 1500})
		if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
			t.Fatal(err)
		}
		setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
		sum, err := demo.LoadActivities(ctx, db.Work, setNow, c, demo.ActivityOptions{Today: visitsToday, Photos: db.Problems})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Activities != demo.DefaultActivities || sum.Served == 0 || sum.Volunteers < sum.Activities ||
			sum.Photos < demo.PhotoActivities || sum.Photos > 3*demo.PhotoActivities {
			t.Fatalf("summary %s", sum)
		}
		office := officeOf(t, db)
		photos, withPhotos := 0, 0
		for cursor := ""; ; {
			as, next, err := db.Work.FindActivities(office, sanlian.ActivityFilter{Cursor: cursor, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				ps, err := db.Problems.FindActivityPhotos(office, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(ps) > 0 && !ps[0].HasThumb {
					t.Errorf("activity %d: photo without thumbnail %+v", a.ID, ps[0])
				}
				photos += len(ps)
				withPhotos += min(len(ps), 1)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if photos != sum.Photos || withPhotos != demo.PhotoActivities {
			t.Errorf("%d photos on %d activities, summary %s", photos, withPhotos, sum)
		}
		tt, err := db.Work.ActivityTotals(office, sanlian.ActivityFilter{From: "2021-06-30", To: "2021-09-29"})
		if err != nil {
			t.Fatal(err)
		}
		if tt.All.Activities != sum.Activities || tt.All.Served != sum.Served || tt.All.Volunteers != sum.Volunteers || len(tt.ByType) < 8 {
			t.Errorf("totals %+v, summary %s", tt.All, sum)
		}
		_, u, err := db.Accounts.Login(ctx, "cadre", demo.Password, "api")
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := db.Work.FindActivities(sqldbtest.As(u), sanlian.ActivityFilter{VolunteerID: u.CadreID})
		if err != nil || len(mine) == 0 {
			t.Errorf("the demo cadre has %d activities of their own (%v)", len(mine), err)
		}
	})
}
