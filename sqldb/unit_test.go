package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestUnitService_CreateUnit(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		t.Run("OK", func(t *testing.T) {
			u := &sanlian.Unit{Name: "县教育局", Kind: sanlian.UnitDepartment}
			MustOK(t, db.Org.CreateUnit(sqldbtest.As(users["office"]), u))
			if u.ID != 6 || u.Version != 1 {
				t.Errorf("new unit id %d version %d, want 6, 1", u.ID, u.Version)
			}
			got, err := db.Org.FindUnitByID(sqldbtest.As(users["office"]), u.ID)
			MustOK(t, err)
			if got.Name != "县教育局" || got.Kind != sanlian.UnitDepartment || got.ParentID != 0 {
				t.Errorf("stored unit = %+v", got)
			}
		})
		t.Run("OKUnitAdminSubUnit", func(t *testing.T) {
			u := &sanlian.Unit{Name: "县民政局办公室", Kind: sanlian.UnitDepartment, ParentID: 1}
			MustOK(t, db.Org.CreateUnit(sqldbtest.As(users["unitadmin"]), u))
			// The sub-unit falls in the unit admin's scope at once.
			_, err := db.Org.FindUnitByID(sqldbtest.As(users["unitadmin"]), u.ID)
			MustOK(t, err)
		})
		for _, tc := range []struct {
			name, role string
			u          sanlian.Unit
			code       string
			field      string
		}{
			{"ErrForbidden/cadre", "cadre", sanlian.Unit{Name: "甲", Kind: sanlian.UnitDepartment}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/unitadminTopLevel", "unitadmin", sanlian.Unit{Name: "乙", Kind: sanlian.UnitDepartment}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/unitadminOtherParent", "unitadmin", sanlian.Unit{Name: "丙", Kind: sanlian.UnitDepartment, ParentID: 3}, sanlian.EFORBIDDEN, ""},
			{"ErrMissingName", "office", sanlian.Unit{Name: " ", Kind: sanlian.UnitDepartment}, sanlian.EUNPROCESSABLE, "name"},
			{"ErrKind", "office", sanlian.Unit{Name: "丁", Kind: "club"}, sanlian.EUNPROCESSABLE, "kind"},
			{"ErrDuplicateName", "office", sanlian.Unit{Name: "县民政局", Kind: sanlian.UnitDepartment}, sanlian.EUNPROCESSABLE, "name"},
			{"ErrUnknownParent", "office", sanlian.Unit{Name: "戊", Kind: sanlian.UnitDepartment, ParentID: 99}, sanlian.EUNPROCESSABLE, "parent_id"},
			{"ErrUnknownHead", "office", sanlian.Unit{Name: "庚", Kind: sanlian.UnitDepartment, HeadCadreID: 99}, sanlian.EUNPROCESSABLE, "head_cadre_id"},
			{"ErrUnknownTownship", "office", sanlian.Unit{Name: "己", Kind: sanlian.UnitTownship, TownshipCode: "430923199000"}, sanlian.EUNPROCESSABLE, "township_code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				uBefore := MustCount(t, raw, "SELECT COUNT(*) FROM units")
				aBefore := auditRows(t, raw)
				u := tc.u
				err := db.Org.CreateUnit(sqldbtest.As(users[tc.role]), &u)
				if tc.field != "" {
					MustField(t, err, tc.field)
				} else {
					MustCode(t, err, tc.code)
				}
				if n := MustCount(t, raw, "SELECT COUNT(*) FROM units"); n != uBefore {
					t.Errorf("units %d → %d", uBefore, n)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
	})
}

func TestUnitService_UpdateUnit(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		t.Run("OK", func(t *testing.T) {
			u, err := db.Org.UpdateUnit(office, 4, sanlian.UnitUpdate{Name: ptr("梅城镇政府"), HeadCadreID: ptr(int64(5)), Version: 1})
			MustOK(t, err)
			if u.Version != 2 || u.Name != "梅城镇政府" || u.HeadCadreID != 5 || u.HeadName != "陈刚" {
				t.Errorf("updated unit = %+v", u)
			}
			got, err := db.Org.FindUnitByID(office, 4)
			MustOK(t, err)
			if got.Version != 2 || got.Name != "梅城镇政府" {
				t.Errorf("stored unit = %+v", got)
			}
		})
		t.Run("OKUnitAdmin", func(t *testing.T) {
			u, err := db.Org.UpdateUnit(sqldbtest.As(users["unitadmin"]), 2, sanlian.UnitUpdate{Name: ptr("社会救助股"), Version: 1})
			MustOK(t, err)
			if u.Version != 2 || u.Name != "社会救助股" {
				t.Errorf("updated unit = %+v", u)
			}
		})
		t.Run("ErrStaleVersion", func(t *testing.T) {
			_, err := db.Org.UpdateUnit(office, 5, sanlian.UnitUpdate{Name: ptr("县人民政府办公室"), Version: 1})
			MustOK(t, err)
			aBefore := auditRows(t, raw)
			_, err = db.Org.UpdateUnit(office, 5, sanlian.UnitUpdate{Name: ptr("县府办"), Version: 1})
			MustCode(t, err, sanlian.ECONFLICT)
			got, err := db.Org.FindUnitByID(office, 5)
			MustOK(t, err)
			if got.Version != 2 || got.Name != "县人民政府办公室" {
				t.Errorf("after a stale update: %+v", got)
			}
			if n := auditRows(t, raw); n != aBefore {
				t.Errorf("audit rows %d → %d", aBefore, n)
			}
		})
		for _, tc := range []struct {
			name, role string
			id         int64
			upd        sanlian.UnitUpdate
			code       string
			field      string
		}{
			{"ErrForbidden/cadre", "cadre", 1, sanlian.UnitUpdate{Name: ptr("x")}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/leader", "leader", 1, sanlian.UnitUpdate{Name: ptr("x")}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/unitadminReparent", "unitadmin", 2, sanlian.UnitUpdate{ParentID: ptr(int64(5))}, sanlian.EFORBIDDEN, ""},
			{"ErrNotFound/outOfScope", "unitadmin", 3, sanlian.UnitUpdate{Name: ptr("x")}, sanlian.ENOTFOUND, ""},
			{"ErrNotFound/absent", "office", 99, sanlian.UnitUpdate{Name: ptr("x")}, sanlian.ENOTFOUND, ""},
			{"ErrMissingName", "office", 3, sanlian.UnitUpdate{Name: ptr("")}, "", "name"},
			{"ErrDuplicateName", "office", 3, sanlian.UnitUpdate{Name: ptr("县民政局")}, "", "name"},
			{"ErrSelfParent", "office", 3, sanlian.UnitUpdate{ParentID: ptr(int64(3))}, "", "parent_id"},
			{"ErrHeadOfOtherUnit", "office", 3, sanlian.UnitUpdate{HeadCadreID: ptr(int64(2))}, "", "head_cadre_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var before *sanlian.Unit
				if tc.id != 99 {
					var err error
					before, err = db.Org.FindUnitByID(office, tc.id)
					MustOK(t, err)
				}
				aBefore := auditRows(t, raw)
				upd := tc.upd
				if before != nil {
					upd.Version = before.Version
				}
				_, err := db.Org.UpdateUnit(sqldbtest.As(users[tc.role]), tc.id, upd)
				if tc.field != "" {
					MustField(t, err, tc.field)
				} else {
					MustCode(t, err, tc.code)
				}
				if before != nil {
					after, err := db.Org.FindUnitByID(office, tc.id)
					MustOK(t, err)
					if after.Version != before.Version || after.Name != before.Name || after.ParentID != before.ParentID || after.HeadCadreID != before.HeadCadreID {
						t.Errorf("unit changed: %+v → %+v", before, after)
					}
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
	})
}
