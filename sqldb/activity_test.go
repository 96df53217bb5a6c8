package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestActivityService(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-20 16:00")
		office, unitAdmin := sqldbtest.As(users["office"]), sqldbtest.As(users["unitadmin"])
		ins := []struct {
			ctx string
			in  sanlian.ActivityInput
		}{
			{"office", sanlian.ActivityInput{Type: "clinic", Date: "2021-05-18", VillageCode: sqldbtest.VillageB, UnitID: 3,
				Volunteers: []int64{4}, Others: 10, Served: 50, Description: "红马甲义诊，测血压血糖"}},
			{"unitadmin", sanlian.ActivityInput{Type: "legal", Date: "2021-05-19", VillageCode: sqldbtest.VillageA, UnitID: 2,
				Volunteers: []int64{3, 6, 6}, Served: 20, Description: "送法下乡，讲解低保政策"}},
			{"office", sanlian.ActivityInput{Type: "clinic", Date: "2021-05-20", VillageCode: sqldbtest.VillageC, UnitID: 4,
				Volunteers: []int64{2, 5}, Others: 3, Served: 30, Description: "健康义诊进村"}},
		}
		var acts []*sanlian.Activity
		t.Run("Create", func(t *testing.T) {
			for _, c := range ins {
				in := c.in
				a, err := db.Work.CreateActivity(sqldbtest.As(users[c.ctx]), &in)
				MustOK(t, err)
				acts = append(acts, a)
			}
			if a := acts[1]; a.TownshipCode != sqldbtest.Dongping || len(a.Volunteers) != 2 || a.VolunteerCount() != 2 || a.TypeName != "法律政策科普" || a.Version != 1 {
				t.Fatalf("activity %+v", a)
			}
		})
		t.Run("Scope", func(t *testing.T) {
			want := map[string]int{"office": 3, "unitadmin": 1, "cadre": 1, "cadre5": 1, "leader": 2}
			for name, n := range want {
				as, _, err := db.Work.FindActivities(sqldbtest.As(users[name]), sanlian.ActivityFilter{})
				MustOK(t, err)
				if len(as) != n {
					t.Errorf("%s sees %d activities, want %d", name, len(as), n)
				}
			}
			for _, name := range []string{"sysadmin", "auditor"} {
				_, _, err := db.Work.FindActivities(sqldbtest.As(users[name]), sanlian.ActivityFilter{})
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			_, err := db.Work.FindActivityByID(unitAdmin, acts[0].ID)
			MustCode(t, err, sanlian.ENOTFOUND)
			mine, _, err := db.Work.FindActivities(sqldbtest.As(users["cadre"]), sanlian.ActivityFilter{VolunteerID: 2})
			MustOK(t, err)
			if len(mine) != 1 || mine[0].ID != acts[2].ID {
				t.Errorf("cadre's own record: %v", mine)
			}
		})
		t.Run("Forbidden", func(t *testing.T) {
			in := ins[0].in
			_, err := db.Work.CreateActivity(unitAdmin, &in)
			MustCode(t, err, sanlian.EFORBIDDEN)
			in = ins[0].in
			_, err = db.Work.CreateActivity(sqldbtest.As(users["cadre"]), &in)
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
		t.Run("BadInput", func(t *testing.T) {
			for field, mod := range map[string]func(*sanlian.ActivityInput){
				"type":        func(in *sanlian.ActivityInput) { in.Type = "nosuch" },
				"village":     func(in *sanlian.ActivityInput) { in.VillageCode = "430923199999" },
				"date":        func(in *sanlian.ActivityInput) { in.Date = "2021-05-21" },
				"others":      func(in *sanlian.ActivityInput) { in.Others = -1 },
				"served":      func(in *sanlian.ActivityInput) { in.Served = -5 },
				"description": func(in *sanlian.ActivityInput) { in.Description = " " },
				"volunteers":  func(in *sanlian.ActivityInput) { in.Volunteers = []int64{999} },
			} {
				in := ins[0].in
				mod(&in)
				_, err := db.Work.CreateActivity(office, &in)
				MustField(t, err, field)
			}
		})
		t.Run("Update", func(t *testing.T) {
			in := ins[1].in
			in.Served = 25
			a, err := db.Work.UpdateActivity(unitAdmin, acts[1].ID, &in, acts[1].Version)
			MustOK(t, err)
			if a.Served != 25 || a.Version != 2 {
				t.Fatalf("updated %+v", a)
			}
			_, err = db.Work.UpdateActivity(unitAdmin, acts[1].ID, &in, acts[1].Version)
			MustCode(t, err, sanlian.ECONFLICT)
			in.Served = 20
			_, err = db.Work.UpdateActivity(office, acts[1].ID, &in, 2)
			MustOK(t, err)
		})
		t.Run("Totals", func(t *testing.T) {
			tt, err := db.Work.ActivityTotals(office, sanlian.ActivityFilter{From: "2021-05-01", To: "2021-05-31"})
			MustOK(t, err)
			// Volunteers: 1+10, 2+0, 2+3; served 50+20+30.
			if tt.All.Activities != 3 || tt.All.Volunteers != 18 || tt.All.Served != 100 {
				t.Errorf("all = %+v", tt.All)
			}
			want := []sanlian.ActivityTotal{{Key: "clinic", Name: "健康义诊", Activities: 2, Volunteers: 16, Served: 80},
				{Key: "legal", Name: "法律政策科普", Activities: 1, Volunteers: 2, Served: 20}}
			if len(tt.ByType) != 2 || tt.ByType[0] != want[0] || tt.ByType[1] != want[1] {
				t.Errorf("by type = %+v", tt.ByType)
			}
			if len(tt.ByTownship) != 2 || tt.ByTownship[0].Activities != 2 || tt.ByTownship[0].Volunteers != 13 || tt.ByTownship[0].Served != 70 ||
				tt.ByTownship[1].Served != 30 {
				t.Errorf("by township = %+v", tt.ByTownship)
			}
			if len(tt.ByUnit) != 3 {
				t.Errorf("by unit = %+v", tt.ByUnit)
			}
			lt, err := db.Work.ActivityTotals(sqldbtest.As(users["leader"]), sanlian.ActivityFilter{})
			MustOK(t, err)
			if lt.All.Activities != 2 {
				t.Errorf("leader totals = %+v", lt.All)
			}
			none, err := db.Work.ActivityTotals(office, sanlian.ActivityFilter{From: "2021-06-01"})
			MustOK(t, err)
			if none.All.Activities != 0 || len(none.ByType) != 0 {
				t.Errorf("empty period = %+v", none)
			}
		})
		t.Run("Types", func(t *testing.T) {
			ts, err := db.Work.FindActivityTypes(office)
			MustOK(t, err)
			if len(ts) != 11 || ts[0].Name != "帮困慰问" {
				t.Fatalf("types %d", len(ts))
			}
			MustOK(t, db.Work.SaveActivityType(office, &sanlian.ActivityType{Code: "fire", Name: "消防演练", Active: true, Sort: 11}))
			MustCode(t, db.Work.SaveActivityType(unitAdmin, &sanlian.ActivityType{Code: "x", Name: "x"}), sanlian.EFORBIDDEN)
		})
	})
}
