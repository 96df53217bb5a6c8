package sqldb_test

import (
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestCadreService_CreateCadre(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		t.Run("OK", func(t *testing.T) {
			c := &sanlian.Cadre{Name: "孙强", UnitID: 3, Post: "组织委员", PartyMember: true, Phone: "13712345678"}
			MustOK(t, db.Org.CreateCadre(sqldbtest.As(users["office"]), c))
			if c.ID != 7 || c.Version != 1 || c.Phone != "137****5678" {
				t.Errorf("new cadre = %+v", c)
			}
			phone, err := db.Org.RevealCadrePhone(sqldbtest.As(users["office"]), c.ID)
			MustOK(t, err)
			if phone != "13712345678" {
				t.Errorf("stored phone %q", phone)
			}
		})
		t.Run("OKUnitAdmin", func(t *testing.T) {
			c := &sanlian.Cadre{Name: "周敏", UnitID: 2, PartyMember: true}
			MustOK(t, db.Org.CreateCadre(sqldbtest.As(users["unitadmin"]), c))
			got, err := db.Org.FindCadreByID(sqldbtest.As(users["unitadmin"]), c.ID)
			MustOK(t, err)
			if got.Name != "周敏" || got.UnitID != 2 || got.UnitName != "县民政局社会救助股" {
				t.Errorf("stored cadre = %+v", got)
			}
		})
		for _, tc := range []struct {
			name, role string
			c          sanlian.Cadre
			code       string
			field      string
		}{
			{"ErrForbidden/otherUnit", "unitadmin", sanlian.Cadre{Name: "甲", UnitID: 3}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/leaderByUnitAdmin", "unitadmin", sanlian.Cadre{Name: "乙", UnitID: 1, IsLeader: true}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/cadre", "cadre", sanlian.Cadre{Name: "丙", UnitID: 1}, sanlian.EFORBIDDEN, ""},
			{"ErrMissingName", "office", sanlian.Cadre{Name: "", UnitID: 1}, "", "name"},
			{"ErrMissingUnit", "office", sanlian.Cadre{Name: "丁"}, "", "unit_id"},
			{"ErrUnknownUnit", "office", sanlian.Cadre{Name: "戊", UnitID: 99}, "", "unit_id"},
			{"ErrPhone", "office", sanlian.Cadre{Name: "己", UnitID: 1, Phone: "138000"}, "", "phone"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cBefore := MustCount(t, raw, "SELECT COUNT(*) FROM cadres")
				aBefore := auditRows(t, raw)
				c := tc.c
				err := db.Org.CreateCadre(sqldbtest.As(users[tc.role]), &c)
				if tc.field != "" {
					MustField(t, err, tc.field)
				} else {
					MustCode(t, err, tc.code)
				}
				if n := MustCount(t, raw, "SELECT COUNT(*) FROM cadres"); n != cBefore {
					t.Errorf("cadres %d → %d", cBefore, n)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
	})
}

func TestCadreService_UpdateCadre(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		t.Run("OK", func(t *testing.T) {
			c, err := db.Org.UpdateCadre(sqldbtest.As(users["unitadmin"]), 6, sanlian.CadreUpdate{
				Post: ptr("副科长"), Phone: ptr("13698765432"), UnitID: ptr(int64(2)), Version: 1})
			MustOK(t, err)
			if c.Version != 2 || c.Post != "副科长" || c.UnitID != 2 || c.Phone != "136****5432" {
				t.Errorf("updated cadre = %+v", c)
			}
			phone, err := db.Org.RevealCadrePhone(office, 6)
			MustOK(t, err)
			if phone != "13698765432" {
				t.Errorf("stored phone %q", phone)
			}
			// Updating without touching the phone keeps the whole number.
			c, err = db.Org.UpdateCadre(office, 6, sanlian.CadreUpdate{Name: ptr("赵丽丽"), Version: 2})
			MustOK(t, err)
			if c.Version != 3 || c.Name != "赵丽丽" {
				t.Errorf("second update = %+v", c)
			}
			if phone, _ = db.Org.RevealCadrePhone(office, 6); phone != "13698765432" {
				t.Errorf("phone after an update that leaves it: %q", phone)
			}
		})
		t.Run("ErrStaleVersion", func(t *testing.T) {
			_, err := db.Org.UpdateCadre(office, 4, sanlian.CadreUpdate{Post: ptr("镇长"), Version: 1})
			MustOK(t, err)
			aBefore := auditRows(t, raw)
			_, err = db.Org.UpdateCadre(office, 4, sanlian.CadreUpdate{Post: ptr("书记"), Phone: ptr("13500000000"), Version: 1})
			MustCode(t, err, sanlian.ECONFLICT)
			got, err := db.Org.FindCadreByID(office, 4)
			MustOK(t, err)
			if got.Version != 2 || got.Post != "镇长" || got.Phone != "138****0004" {
				t.Errorf("after a stale update: %+v", got)
			}
			if n := auditRows(t, raw); n != aBefore {
				t.Errorf("audit rows %d → %d", aBefore, n)
			}
		})
		for _, tc := range []struct {
			name, role string
			id         int64
			upd        sanlian.CadreUpdate
			code       string
			field      string
		}{
			{"ErrForbidden/moveOut", "unitadmin", 3, sanlian.CadreUpdate{UnitID: ptr(int64(4))}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/makeLeader", "unitadmin", 3, sanlian.CadreUpdate{IsLeader: ptr(true)}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/self", "cadre", 2, sanlian.CadreUpdate{Post: ptr("x")}, sanlian.EFORBIDDEN, ""},
			{"ErrNotFound/outOfScope", "unitadmin", 5, sanlian.CadreUpdate{Post: ptr("x")}, sanlian.ENOTFOUND, ""},
			{"ErrMissingName", "office", 3, sanlian.CadreUpdate{Name: ptr(" ")}, "", "name"},
			{"ErrPhone", "office", 3, sanlian.CadreUpdate{Phone: ptr("138-0000")}, "", "phone"},
			{"ErrUnknownUnit", "office", 3, sanlian.CadreUpdate{UnitID: ptr(int64(99))}, "", "unit_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, err := db.Org.FindCadreByID(office, tc.id)
				MustOK(t, err)
				aBefore := auditRows(t, raw)
				upd := tc.upd
				upd.Version = before.Version
				_, err = db.Org.UpdateCadre(sqldbtest.As(users[tc.role]), tc.id, upd)
				if tc.field != "" {
					MustField(t, err, tc.field)
				} else {
					MustCode(t, err, tc.code)
				}
				after, err := db.Org.FindCadreByID(office, tc.id)
				MustOK(t, err)
				if *after != *before {
					t.Errorf("cadre changed: %+v → %+v", before, after)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
	})
}
