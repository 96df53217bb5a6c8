package sqldb_test

import (
	"fmt"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func householdLink(cadre, household int64) *sanlian.Link {
	return &sanlian.Link{Kind: sanlian.LinkHousehold, CadreID: cadre, HouseholdID: household}
}

func TestLinkService_CreateLinks(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		linkRows := func(t *testing.T) int { return MustCount(t, raw, "SELECT COUNT(*) FROM links") }

		t.Run("OK", func(t *testing.T) {
			aBefore := auditRows(t, raw)
			ls := []*sanlian.Link{householdLink(6, 5), householdLink(6, 10)}
			MustOK(t, db.Org.CreateLinks(office, ls))
			if ls[0].ID != 14 || ls[1].ID != 15 || ls[0].CreatedBy != users["office"].ID || ls[0].CreatedAt.IsZero() {
				t.Errorf("created links = %+v, %+v", ls[0], ls[1])
			}
			if n := auditRows(t, raw); n != aBefore+2 {
				t.Errorf("audit rows %d → %d, want one per link", aBefore, n)
			}
			hs, _, err := db.Org.FindHouseholds(office, sanlian.HouseholdFilter{CadreID: 6})
			MustOK(t, err)
			if !equalIDs(householdIDs(hs), []int64{5, 10}) || hs[0].Cadres[0] != "赵丽" {
				t.Errorf("cadre 6's households = %v", householdIDs(hs))
			}
			got, _, err := db.Org.FindLinks(office, sanlian.LinkFilter{CadreID: 6})
			MustOK(t, err)
			if len(got) != 2 || got[0].Creator != "office" || !got[0].Active() {
				t.Errorf("links of cadre 6 = %+v", got)
			}
		})
		t.Run("OKUnitAdmin", func(t *testing.T) {
			// Cadre 3 is in sub-unit 2, household 2 in village A (unit 1).
			MustOK(t, db.Org.CreateLinks(sqldbtest.As(users["unitadmin"]), []*sanlian.Link{householdLink(3, 2)}))
			// Two cadres may share a household.
			h, err := db.Org.FindHouseholdByID(office, 2)
			MustOK(t, err)
			if fmt.Sprint(h.Cadres) != "[李明 张华]" {
				t.Errorf("household 2's cadres = %v", h.Cadres)
			}
		})
		t.Run("OKVillageAndTownship", func(t *testing.T) {
			MustOK(t, db.Org.CreateLinks(office, []*sanlian.Link{
				{Kind: sanlian.LinkVillage, UnitID: 5, RegionCode: sqldbtest.VillageD},
				{Kind: sanlian.LinkTownship, CadreID: 1, RegionCode: sqldbtest.Meicheng},
			}))
			c, err := db.Org.LinkCoverage(office)
			MustOK(t, err)
			if c.VillagesWithoutUnit != 0 || c.TownshipsWithoutLeader != 0 {
				t.Errorf("coverage after linking = %+v", countsOf(c))
			}
			// The leader's scope follows the new township link.
			hs, _, err := db.Org.FindHouseholds(sqldbtest.As(users["leader"]), sanlian.HouseholdFilter{})
			MustOK(t, err)
			if len(hs) != 20 {
				t.Errorf("leader sees %d households, want 20", len(hs))
			}
		})
		for _, tc := range []struct {
			name, role string
			links      []*sanlian.Link
			code       string
			field      string
		}{
			{"ErrForbidden/otherUnitsCadre", "unitadmin", []*sanlian.Link{householdLink(4, 5)}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/householdOutOfScope", "unitadmin", []*sanlian.Link{householdLink(6, 15)}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/cadre", "cadre", []*sanlian.Link{householdLink(2, 4)}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/leader", "leader", []*sanlian.Link{householdLink(2, 4)}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/sysadmin", "sysadmin", []*sanlian.Link{householdLink(2, 4)}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/villageByUnitAdmin", "unitadmin", []*sanlian.Link{{Kind: sanlian.LinkVillage, UnitID: 1, RegionCode: sqldbtest.VillageB}}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/townshipByLeader", "leader", []*sanlian.Link{{Kind: sanlian.LinkTownship, CadreID: 1, RegionCode: sqldbtest.Meicheng}}, sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/townshipByUnitAdmin", "unitadmin", []*sanlian.Link{{Kind: sanlian.LinkTownship, CadreID: 1, RegionCode: sqldbtest.Meicheng}}, sanlian.EFORBIDDEN, ""},
			{"ErrConflict/duplicate", "office", []*sanlian.Link{householdLink(2, 1)}, sanlian.ECONFLICT, ""},
			{"ErrConflict/duplicateVillage", "office", []*sanlian.Link{{Kind: sanlian.LinkVillage, UnitID: 3, RegionCode: sqldbtest.VillageB}}, sanlian.ECONFLICT, ""},
			{"ErrConflict/twiceInBatch", "office", []*sanlian.Link{householdLink(6, 13), householdLink(6, 13)}, sanlian.ECONFLICT, ""},
			{"ErrTownshipNeedsLeader", "office", []*sanlian.Link{{Kind: sanlian.LinkTownship, CadreID: 2, RegionCode: sqldbtest.Meicheng}}, "", "cadre_id"},
			{"ErrVillageIsTownship", "office", []*sanlian.Link{{Kind: sanlian.LinkVillage, UnitID: 5, RegionCode: sqldbtest.Meicheng}}, "", "region"},
			{"ErrTownshipIsVillage", "office", []*sanlian.Link{{Kind: sanlian.LinkTownship, CadreID: 1, RegionCode: sqldbtest.VillageC}}, "", "region"},
			{"ErrUnknownCadre", "office", []*sanlian.Link{householdLink(99, 13)}, "", "cadre_id"},
			{"ErrUnknownHousehold", "office", []*sanlian.Link{householdLink(6, 999)}, "", "household_id"},
			{"ErrUnknownUnit", "office", []*sanlian.Link{{Kind: sanlian.LinkVillage, UnitID: 99, RegionCode: sqldbtest.VillageD}}, "", "unit_id"},
			{"ErrKind", "office", []*sanlian.Link{{Kind: "friend", CadreID: 2, HouseholdID: 13}}, "", "kind"},
			{"ErrMissingEnd", "office", []*sanlian.Link{{Kind: sanlian.LinkHousehold, CadreID: 2}}, "", "household_id"},
			{"ErrEmpty", "office", nil, sanlian.EUNPROCESSABLE, ""},
			// All or nothing: the good links before and after the bad one
			// are not written either.
			{"ErrAllOrNothing/conflict", "office", []*sanlian.Link{householdLink(6, 17), householdLink(6, 18), householdLink(2, 1), householdLink(6, 19)}, sanlian.ECONFLICT, ""},
			{"ErrAllOrNothing/forbidden", "unitadmin", []*sanlian.Link{householdLink(6, 3), householdLink(2, 4), householdLink(4, 1)}, sanlian.EFORBIDDEN, ""},
			{"ErrAllOrNothing/unprocessable", "office", []*sanlian.Link{householdLink(6, 17), {Kind: sanlian.LinkTownship, CadreID: 2, RegionCode: sqldbtest.Dongping}}, "", "cadre_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				lBefore := linkRows(t)
				aBefore := auditRows(t, raw)
				err := db.Org.CreateLinks(sqldbtest.As(users[tc.role]), tc.links)
				if tc.field != "" {
					MustField(t, err, tc.field)
				} else {
					MustCode(t, err, tc.code)
				}
				if n := linkRows(t); n != lBefore {
					t.Errorf("links %d → %d", lBefore, n)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
	})
}

func TestLinkService_EndLink(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		clk := newClock(db)
		office := sqldbtest.As(users["office"])
		t.Run("OK", func(t *testing.T) {
			clk.Advance(time.Hour)
			l, err := db.Org.EndLink(office, 6)
			MustOK(t, err)
			if l.Active() || !l.EndedAt.Equal(clk.Now()) || l.EndedBy != users["office"].ID || l.HouseholdID != 1 {
				t.Errorf("ended link = %+v", l)
			}
			// The row stays, ended.
			ls, _, err := db.Org.FindLinks(office, sanlian.LinkFilter{HouseholdID: 1})
			MustOK(t, err)
			if len(ls) != 1 || ls[0].ID != 6 || ls[0].Active() || !ls[0].EndedAt.Equal(clk.Now()) {
				t.Fatalf("links of household 1 = %+v", ls)
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM links WHERE id = 6 AND ended_at IS NOT NULL"); n != 1 {
				t.Errorf("link 6 rows with ended_at = %d, want 1", n)
			}
			ended, _, err := db.Org.FindLinks(office, sanlian.LinkFilter{Active: ptr(false)})
			MustOK(t, err)
			if len(ended) != 1 || ended[0].ID != 6 {
				t.Errorf("ended links = %v", ended)
			}
			// The household no longer counts as linked to the cadre …
			h, err := db.Org.FindHouseholdByID(office, 1)
			MustOK(t, err)
			if len(h.Cadres) != 0 {
				t.Errorf("household 1's cadres = %v", h.Cadres)
			}
			// … nor is it in the cadre's scope.
			_, err = db.Org.FindHouseholdByID(sqldbtest.As(users["cadre"]), 1)
			MustCode(t, err, sanlian.ENOTFOUND)
		})
		t.Run("ErrConflict", func(t *testing.T) {
			_, err := db.Org.EndLink(office, 7)
			MustOK(t, err)
			aBefore := auditRows(t, raw)
			_, err = db.Org.EndLink(office, 7)
			MustCode(t, err, sanlian.ECONFLICT)
			if n := auditRows(t, raw); n != aBefore {
				t.Errorf("audit rows %d → %d", aBefore, n)
			}
		})
		t.Run("OKRelinkAfterEnd", func(t *testing.T) {
			// The active-link uniqueness leaves ended links out.
			MustOK(t, db.Org.CreateLinks(office, []*sanlian.Link{householdLink(2, 2)}))
			ls, _, err := db.Org.FindLinks(office, sanlian.LinkFilter{HouseholdID: 2})
			MustOK(t, err)
			if len(ls) != 2 || ls[0].Active() || !ls[1].Active() {
				t.Errorf("links of household 2 = %+v", ls)
			}
		})
		t.Run("OKUnitAdmin", func(t *testing.T) {
			l, err := db.Org.EndLink(sqldbtest.As(users["unitadmin"]), 9)
			MustOK(t, err)
			if l.Active() || l.EndedBy != users["unitadmin"].ID {
				t.Errorf("ended link = %+v", l)
			}
		})
		t.Run("OKFormerLeader", func(t *testing.T) {
			// A leader who steps down keeps the township link until the
			// office ends it; that must stay possible.
			_, err := db.Org.UpdateCadre(office, 1, sanlian.CadreUpdate{IsLeader: ptr(false), Version: 1})
			MustOK(t, err)
			l, err := db.Org.EndLink(office, 1)
			MustOK(t, err)
			if l.Active() || l.Kind != sanlian.LinkTownship {
				t.Errorf("ended link = %+v", l)
			}
		})
		for _, tc := range []struct {
			name, role string
			id         int64
			code       string
		}{
			{"ErrNotFound/absent", "office", 99, sanlian.ENOTFOUND},
			{"ErrNotFound/outOfScope", "unitadmin", 12, sanlian.ENOTFOUND},
			{"ErrForbidden/cadre", "cadre", 8, sanlian.EFORBIDDEN},
			{"ErrForbidden/villageByUnitAdmin", "unitadmin", 2, sanlian.EFORBIDDEN},
			{"ErrForbidden/townshipByLeader", "leader", 1, sanlian.EFORBIDDEN},
			{"ErrForbidden/sysadmin", "sysadmin", 10, sanlian.EFORBIDDEN},
		} {
			t.Run(tc.name, func(t *testing.T) {
				aBefore := auditRows(t, raw)
				active := MustCount(t, raw, "SELECT COUNT(*) FROM links WHERE ended_at IS NULL")
				_, err := db.Org.EndLink(sqldbtest.As(users[tc.role]), tc.id)
				MustCode(t, err, tc.code)
				if n := MustCount(t, raw, "SELECT COUNT(*) FROM links WHERE ended_at IS NULL"); n != active {
					t.Errorf("active links %d → %d", active, n)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
	})
}
