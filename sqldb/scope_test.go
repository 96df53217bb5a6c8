package sqldb_test

import (
	"fmt"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// The expected scopes below are read off SmallCounty's doc comment:
//
//	leader     → 东坪镇 (villages A, B: households 1–10)
//	unitadmin  → units 1, 2; village A (unit 1's link) and the households
//	             of cadres 2, 3 (1–4): households 1–5
//	cadre      → cadre 2's households 1–3
//	cadre5     → cadre 5's households 11, 12
//
// Link ids follow the order SmallCounty creates them: 1 township link,
// 2–5 village links (A←1, A←3, B←3, C←4), 6–13 household links
// (2→1, 2→2, 2→3, 3→4, 4→6, 4→7, 5→11, 5→12).

// scopeWant is what one role sees of one kind of entity: the ids (or codes)
// in order, or the error code it gets instead.
type scopeWant[K comparable] struct {
	role string
	want []K
	code string
}

func TestHouseholdService_Scope(t *testing.T) {
	t.Parallel()
	cases := []scopeWant[int64]{
		{role: "office", want: seq(1, 20)},
		{role: "leader", want: seq(1, 10)},
		{role: "unitadmin", want: seq(1, 5)},
		{role: "cadre", want: []int64{1, 2, 3}},
		{role: "cadre5", want: []int64{11, 12}},
		{role: "sysadmin", code: sanlian.EFORBIDDEN},
		{role: "auditor", code: sanlian.EFORBIDDEN},
	}
	// outside names a household each role may not see.
	outside := map[string]int64{"leader": 11, "unitadmin": 6, "cadre": 4, "cadre5": 1}
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for _, tc := range cases {
			t.Run(tc.role, func(t *testing.T) {
				ctx := sqldbtest.As(users[tc.role])
				hs, next, err := db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{})
				if tc.code != "" {
					MustCode(t, err, tc.code)
					_, err = db.Org.FindHouseholdByID(ctx, 1)
					MustCode(t, err, tc.code)
					return
				}
				MustOK(t, err)
				if got := householdIDs(hs); !equalIDs(got, tc.want) {
					t.Errorf("FindHouseholds = %v, want %v", got, tc.want)
				}
				if next != "" {
					t.Errorf("next cursor = %q on the only page", next)
				}
				// Every household in the list can be found by id …
				for _, id := range tc.want {
					h, err := db.Org.FindHouseholdByID(ctx, id)
					MustOK(t, err)
					if h.ID != id {
						t.Errorf("FindHouseholdByID(%d).ID = %d", id, h.ID)
					}
				}
				// … and one outside is "not found", not "forbidden": its
				// existence is not disclosed.
				if id, ok := outside[tc.role]; ok {
					_, err := db.Org.FindHouseholdByID(ctx, id)
					MustCode(t, err, sanlian.ENOTFOUND)
				}
			})
		}
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := db.Org.FindHouseholdByID(sqldbtest.As(users["office"]), 999)
			MustCode(t, err, sanlian.ENOTFOUND)
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			_, _, err := db.Org.FindHouseholds(t.Context(), sanlian.HouseholdFilter{})
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
		t.Run("FiltersWithinScope", func(t *testing.T) {
			for _, tc := range []struct {
				role string
				f    sanlian.HouseholdFilter
				want []int64
			}{
				{"office", sanlian.HouseholdFilter{TownshipCode: sqldbtest.Meicheng}, seq(11, 20)},
				{"office", sanlian.HouseholdFilter{VillageCode: sqldbtest.VillageB}, seq(6, 10)},
				{"office", sanlian.HouseholdFilter{Tag: "any"}, []int64{1, 5, 6, 10, 11, 16, 20}},
				{"office", sanlian.HouseholdFilter{Tag: sanlian.TagConflict}, []int64{5, 16}},
				{"office", sanlian.HouseholdFilter{Linked: ptr(true)}, []int64{1, 2, 3, 4, 6, 7, 11, 12}},
				{"office", sanlian.HouseholdFilter{Linked: ptr(false)}, []int64{5, 8, 9, 10, 13, 14, 15, 16, 17, 18, 19, 20}},
				{"office", sanlian.HouseholdFilter{CadreID: 4}, []int64{6, 7}},
				{"office", sanlian.HouseholdFilter{Q: "户1"}, append([]int64{1}, seq(10, 19)...)},
				{"office", sanlian.HouseholdFilter{Tag: "any", Linked: ptr(false)}, []int64{5, 10, 16, 20}},
				// A filter never widens the scope.
				{"leader", sanlian.HouseholdFilter{VillageCode: sqldbtest.VillageC}, nil},
				{"leader", sanlian.HouseholdFilter{Tag: "any"}, []int64{1, 5, 6, 10}},
				{"unitadmin", sanlian.HouseholdFilter{CadreID: 4}, nil},
				{"cadre", sanlian.HouseholdFilter{TownshipCode: sqldbtest.Dongping}, []int64{1, 2, 3}},
				{"cadre5", sanlian.HouseholdFilter{Tag: "any"}, []int64{11}},
			} {
				hs, _, err := db.Org.FindHouseholds(sqldbtest.As(users[tc.role]), tc.f)
				MustOK(t, err)
				if got := householdIDs(hs); !equalIDs(got, tc.want) {
					t.Errorf("%s %+v = %v, want %v", tc.role, tc.f, got, tc.want)
				}
			}
		})
		t.Run("Joins", func(t *testing.T) {
			h, err := db.Org.FindHouseholdByID(sqldbtest.As(users["office"]), 1)
			MustOK(t, err)
			if h.VillageName != "黄沙坪村" || h.TownshipName != "东坪镇" {
				t.Errorf("village, township = %q, %q", h.VillageName, h.TownshipName)
			}
			if len(h.Cadres) != 1 || h.Cadres[0] != "李明" {
				t.Errorf("linked cadres = %v, want [李明]", h.Cadres)
			}
			if len(h.Tags) != 1 || h.Tags[0] != (sanlian.Tag{Kind: sanlian.TagKeyGroup, Sub: "低保"}) {
				t.Errorf("tags = %v", h.Tags)
			}
			want := smallHousehold(1)
			if h.HeadName != want.HeadName || h.Members != want.Members || h.Address != want.Address || h.Version != 1 {
				t.Errorf("household 1 = %+v, want %+v", h, want)
			}
		})
	})
}

func TestRegionService_Scope(t *testing.T) {
	t.Parallel()
	all := []string{sqldbtest.County, sqldbtest.Dongping, sqldbtest.VillageA, sqldbtest.VillageB,
		sqldbtest.Meicheng, sqldbtest.VillageC, sqldbtest.VillageD}
	cases := []scopeWant[string]{
		{role: "office", want: all},
		{role: "leader", want: []string{sqldbtest.County, sqldbtest.Dongping, sqldbtest.VillageA, sqldbtest.VillageB}},
		{role: "unitadmin", want: all},
		{role: "cadre", want: all},
		{role: "cadre5", want: all},
		{role: "sysadmin", want: all},
		{role: "auditor", code: sanlian.EFORBIDDEN},
	}
	// Households counted in the tree: the regions are public, the
	// households only those in scope, and none for sysadmin.
	treeHouseholds := map[string]int{"office": 20, "leader": 10, "unitadmin": 5, "cadre": 3, "cadre5": 2, "sysadmin": 0}
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for _, tc := range cases {
			t.Run(tc.role, func(t *testing.T) {
				ctx := sqldbtest.As(users[tc.role])
				rs, _, err := db.Org.FindRegions(ctx, sanlian.RegionFilter{})
				if tc.code != "" {
					MustCode(t, err, tc.code)
					_, err = db.Org.FindRegionByCode(ctx, sqldbtest.County)
					MustCode(t, err, tc.code)
					_, err = db.Org.FindRegionTree(ctx)
					MustCode(t, err, tc.code)
					return
				}
				MustOK(t, err)
				var got []string
				for _, r := range rs {
					got = append(got, r.Code)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("FindRegions = %v, want %v", got, tc.want)
				}
				tree, err := db.Org.FindRegionTree(ctx)
				MustOK(t, err)
				if tree.Code != sqldbtest.County || tree.Households != treeHouseholds[tc.role] {
					t.Errorf("tree root %s holds %d households, want %d", tree.Code, tree.Households, treeHouseholds[tc.role])
				}
				if tree.Villages != len(tc.want)-1-len(tree.Children) {
					t.Errorf("tree root counts %d villages, want %d", tree.Villages, len(tc.want)-1-len(tree.Children))
				}
			})
		}
		t.Run("LeaderTree", func(t *testing.T) {
			tree, err := db.Org.FindRegionTree(sqldbtest.As(users["leader"]))
			MustOK(t, err)
			if len(tree.Children) != 1 || tree.Children[0].Code != sqldbtest.Dongping {
				t.Fatalf("leader's townships = %v, want only 东坪镇", tree.Children)
			}
			d := tree.Children[0]
			if d.Villages != 2 || d.Households != 10 || len(d.Children) != 2 || d.Children[0].Households != 5 {
				t.Errorf("东坪镇 = %d villages, %d households, children %d", d.Villages, d.Households, len(d.Children))
			}
		})
		t.Run("FindRegionByCode", func(t *testing.T) {
			r, err := db.Org.FindRegionByCode(sqldbtest.As(users["leader"]), sqldbtest.VillageA)
			MustOK(t, err)
			if r.Name != "黄沙坪村" || r.Kind != sanlian.RegionVillage || r.ParentCode != sqldbtest.Dongping {
				t.Errorf("region = %+v", r)
			}
			_, err = db.Org.FindRegionByCode(sqldbtest.As(users["leader"]), sqldbtest.VillageC)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Org.FindRegionByCode(sqldbtest.As(users["office"]), "430923999999")
			MustCode(t, err, sanlian.ENOTFOUND)
		})
		t.Run("Filters", func(t *testing.T) {
			rs, _, err := db.Org.FindRegions(sqldbtest.As(users["office"]), sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: sqldbtest.Meicheng})
			MustOK(t, err)
			if len(rs) != 2 || rs[0].Code != sqldbtest.VillageC || rs[1].Code != sqldbtest.VillageD {
				t.Errorf("villages of 梅城镇 = %v", rs)
			}
			rs, _, err = db.Org.FindRegions(sqldbtest.As(users["leader"]), sanlian.RegionFilter{Kind: sanlian.RegionTownship})
			MustOK(t, err)
			if len(rs) != 1 || rs[0].Code != sqldbtest.Dongping {
				t.Errorf("leader's townships = %v", rs)
			}
		})
	})
}

func TestUnitService_Scope(t *testing.T) {
	t.Parallel()
	cases := []scopeWant[int64]{
		{role: "office", want: seq(1, 5)},
		{role: "leader", want: seq(1, 5)},
		{role: "unitadmin", want: []int64{1, 2}},
		{role: "cadre", want: []int64{1}},
		{role: "cadre5", want: []int64{4}},
		{role: "sysadmin", want: seq(1, 5)},
		{role: "auditor", code: sanlian.EFORBIDDEN},
	}
	outside := map[string]int64{"unitadmin": 3, "cadre": 2, "cadre5": 1}
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for _, tc := range cases {
			t.Run(tc.role, func(t *testing.T) {
				ctx := sqldbtest.As(users[tc.role])
				us, _, err := db.Org.FindUnits(ctx, sanlian.UnitFilter{})
				if tc.code != "" {
					MustCode(t, err, tc.code)
					_, err = db.Org.FindUnitByID(ctx, 1)
					MustCode(t, err, tc.code)
					return
				}
				MustOK(t, err)
				var got []int64
				for _, u := range us {
					got = append(got, u.ID)
				}
				if !equalIDs(got, tc.want) {
					t.Errorf("FindUnits = %v, want %v", got, tc.want)
				}
				if id, ok := outside[tc.role]; ok {
					_, err := db.Org.FindUnitByID(ctx, id)
					MustCode(t, err, sanlian.ENOTFOUND)
				}
			})
		}
		t.Run("Joins", func(t *testing.T) {
			ctx := sqldbtest.As(users["office"])
			u1, err := db.Org.FindUnitByID(ctx, 1)
			MustOK(t, err)
			if u1.HeadCadreID != 2 || u1.HeadName != "李明" || u1.Cadres != 2 || u1.LinkedVillages != 1 || u1.Version != 1 {
				t.Errorf("unit 1 = %+v", u1)
			}
			u2, err := db.Org.FindUnitByID(ctx, 2)
			MustOK(t, err)
			if u2.ParentID != 1 || u2.ParentName != "县民政局" || u2.Cadres != 1 || u2.LinkedVillages != 0 {
				t.Errorf("unit 2 = %+v", u2)
			}
			u3, err := db.Org.FindUnitByID(ctx, 3)
			MustOK(t, err)
			if u3.TownshipCode != sqldbtest.Dongping || u3.LinkedVillages != 2 || u3.Kind != sanlian.UnitTownship {
				t.Errorf("unit 3 = %+v", u3)
			}
		})
		t.Run("Filters", func(t *testing.T) {
			us, _, err := db.Org.FindUnits(sqldbtest.As(users["office"]), sanlian.UnitFilter{Kind: sanlian.UnitTownship})
			MustOK(t, err)
			if len(us) != 2 || us[0].ID != 3 || us[1].ID != 4 {
				t.Errorf("township units = %v", us)
			}
			us, _, err = db.Org.FindUnits(sqldbtest.As(users["office"]), sanlian.UnitFilter{ParentID: 1})
			MustOK(t, err)
			if len(us) != 1 || us[0].ID != 2 {
				t.Errorf("units under 1 = %v", us)
			}
		})
	})
}

func TestCadreService_Scope(t *testing.T) {
	t.Parallel()
	cases := []scopeWant[int64]{
		{role: "office", want: seq(1, 6)},
		{role: "leader", want: seq(1, 6)},
		{role: "unitadmin", want: []int64{2, 3, 6}},
		{role: "cadre", want: []int64{2}},
		{role: "cadre5", want: []int64{5}},
		{role: "sysadmin", want: seq(1, 6)},
		{role: "auditor", code: sanlian.EFORBIDDEN},
	}
	outside := map[string]int64{"unitadmin": 4, "cadre": 3, "cadre5": 2}
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for _, tc := range cases {
			t.Run(tc.role, func(t *testing.T) {
				ctx := sqldbtest.As(users[tc.role])
				cs, _, err := db.Org.FindCadres(ctx, sanlian.CadreFilter{})
				if tc.code != "" {
					MustCode(t, err, tc.code)
					_, err = db.Org.FindCadreByID(ctx, 1)
					MustCode(t, err, tc.code)
					return
				}
				MustOK(t, err)
				var got []int64
				for _, c := range cs {
					got = append(got, c.ID)
				}
				if !equalIDs(got, tc.want) {
					t.Errorf("FindCadres = %v, want %v", got, tc.want)
				}
				if id, ok := outside[tc.role]; ok {
					_, err := db.Org.FindCadreByID(ctx, id)
					MustCode(t, err, sanlian.ENOTFOUND)
				}
			})
		}
		t.Run("Joins", func(t *testing.T) {
			c, err := db.Org.FindCadreByID(sqldbtest.As(users["office"]), 2)
			MustOK(t, err)
			if c.Name != "李明" || c.UnitID != 1 || c.UnitName != "县民政局" || c.Households != 3 || !c.PartyMember || c.IsLeader {
				t.Errorf("cadre 2 = %+v", c)
			}
		})
		t.Run("Filters", func(t *testing.T) {
			cs, _, err := db.Org.FindCadres(sqldbtest.As(users["office"]), sanlian.CadreFilter{IsLeader: ptr(true)})
			MustOK(t, err)
			if len(cs) != 1 || cs[0].ID != 1 {
				t.Errorf("leaders = %v", cs)
			}
			cs, _, err = db.Org.FindCadres(sqldbtest.As(users["office"]), sanlian.CadreFilter{UnitID: 1})
			MustOK(t, err)
			if len(cs) != 2 || cs[0].ID != 2 || cs[1].ID != 6 {
				t.Errorf("cadres of unit 1 = %v", cs)
			}
			cs, _, err = db.Org.FindCadres(sqldbtest.As(users["unitadmin"]), sanlian.CadreFilter{UnitID: 3})
			MustOK(t, err)
			if len(cs) != 0 {
				t.Errorf("unit admin sees %d cadres of unit 3, want 0", len(cs))
			}
		})
	})
}

func TestLinkService_Scope(t *testing.T) {
	t.Parallel()
	cases := []scopeWant[int64]{
		{role: "office", want: seq(1, 13)},
		{role: "leader", want: []int64{1, 2, 3, 4, 6, 7, 8, 9, 10, 11}},
		{role: "unitadmin", want: []int64{2, 6, 7, 8, 9}},
		{role: "cadre", want: []int64{6, 7, 8}},
		{role: "cadre5", want: []int64{12, 13}},
		{role: "sysadmin", code: sanlian.EFORBIDDEN},
		{role: "auditor", code: sanlian.EFORBIDDEN},
	}
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for _, tc := range cases {
			t.Run(tc.role, func(t *testing.T) {
				ls, _, err := db.Org.FindLinks(sqldbtest.As(users[tc.role]), sanlian.LinkFilter{})
				if tc.code != "" {
					MustCode(t, err, tc.code)
					return
				}
				MustOK(t, err)
				var got []int64
				for _, l := range ls {
					got = append(got, l.ID)
				}
				if !equalIDs(got, tc.want) {
					t.Errorf("FindLinks = %v, want %v", got, tc.want)
				}
			})
		}
		t.Run("Filters", func(t *testing.T) {
			ctx := sqldbtest.As(users["office"])
			for _, tc := range []struct {
				f    sanlian.LinkFilter
				want []int64
			}{
				{sanlian.LinkFilter{Kind: sanlian.LinkVillage}, []int64{2, 3, 4, 5}},
				{sanlian.LinkFilter{Kind: sanlian.LinkTownship}, []int64{1}},
				{sanlian.LinkFilter{CadreID: 4}, []int64{10, 11}},
				{sanlian.LinkFilter{UnitID: 3}, []int64{3, 4}},
				{sanlian.LinkFilter{HouseholdID: 11}, []int64{12}},
				{sanlian.LinkFilter{RegionCode: sqldbtest.VillageA}, []int64{2, 3}},
				{sanlian.LinkFilter{Active: ptr(false)}, nil},
				{sanlian.LinkFilter{Kind: sanlian.LinkHousehold, Active: ptr(true)}, seq(6, 13)},
			} {
				ls, _, err := db.Org.FindLinks(ctx, tc.f)
				MustOK(t, err)
				var got []int64
				for _, l := range ls {
					got = append(got, l.ID)
				}
				if !equalIDs(got, tc.want) {
					t.Errorf("FindLinks(%+v) = %v, want %v", tc.f, got, tc.want)
				}
			}
		})
		t.Run("Joins", func(t *testing.T) {
			ls, _, err := db.Org.FindLinks(sqldbtest.As(users["office"]), sanlian.LinkFilter{HouseholdID: 1})
			MustOK(t, err)
			if len(ls) != 1 {
				t.Fatalf("links of household 1 = %d, want 1", len(ls))
			}
			l := ls[0]
			if l.Kind != sanlian.LinkHousehold || l.CadreID != 2 || l.CadreName != "李明" || l.HeadName != smallHousehold(1).HeadName || !l.Active() {
				t.Errorf("link 6 = %+v", l)
			}
			ls, _, err = db.Org.FindLinks(sqldbtest.As(users["office"]), sanlian.LinkFilter{Kind: sanlian.LinkTownship})
			MustOK(t, err)
			if len(ls) != 1 || ls[0].CadreName != "王建国" || ls[0].RegionName != "东坪镇" || ls[0].RegionCode != sqldbtest.Dongping {
				t.Errorf("township link = %+v", ls[0])
			}
		})
	})
}

// coverage is the counting part of sanlian.Coverage, for comparing.
type coverage struct {
	Townships, TownshipsWithoutLeader, Villages, VillagesWithoutUnit int
	Households, HouseholdsLinked, MustVisit, MustVisitWithoutCadre   int
	CadresWithoutHousehold                                           int
}

func countsOf(c *sanlian.Coverage) coverage {
	return coverage{c.Townships, c.TownshipsWithoutLeader, c.Villages, c.VillagesWithoutUnit,
		c.Households, c.HouseholdsLinked, c.MustVisit, c.MustVisitWithoutCadre, c.CadresWithoutHousehold}
}

func TestLinkService_LinkCoverage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		role string
		want coverage
		code string
	}{
		// Must-visit households are 1, 5, 6, 10, 11, 16, 20; linked ones are
		// 1–4, 6, 7, 11, 12; cadre 6 has no household.
		{role: "office", want: coverage{2, 1, 4, 1, 20, 8, 7, 4, 1}},
		{role: "leader", want: coverage{1, 0, 2, 0, 10, 6, 4, 2, 1}},
		{role: "unitadmin", want: coverage{2, 1, 4, 1, 5, 4, 2, 1, 1}},
		{role: "cadre", want: coverage{2, 1, 4, 1, 3, 3, 1, 0, 0}},
		{role: "cadre5", want: coverage{2, 1, 4, 1, 2, 2, 1, 0, 0}},
		{role: "sysadmin", code: sanlian.EFORBIDDEN},
		{role: "auditor", code: sanlian.EFORBIDDEN},
	}
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for _, tc := range cases {
			t.Run(tc.role, func(t *testing.T) {
				c, err := db.Org.LinkCoverage(sqldbtest.As(users[tc.role]))
				if tc.code != "" {
					MustCode(t, err, tc.code)
					return
				}
				MustOK(t, err)
				if got := countsOf(c); got != tc.want {
					t.Errorf("coverage = %+v, want %+v", got, tc.want)
				}
			})
		}
		t.Run("Uncovered", func(t *testing.T) {
			c, err := db.Org.LinkCoverage(sqldbtest.As(users["office"]))
			MustOK(t, err)
			if len(c.UncoveredTownships) != 1 || c.UncoveredTownships[0].Code != sqldbtest.Meicheng {
				t.Errorf("uncovered townships = %v, want [梅城镇]", c.UncoveredTownships)
			}
			if len(c.UncoveredVillages) != 1 || c.UncoveredVillages[0].Code != sqldbtest.VillageD {
				t.Errorf("uncovered villages = %v, want [苍场村]", c.UncoveredVillages)
			}
		})
		// The subtests below change links, so they run last.
		t.Run("AfterEndLink", func(t *testing.T) {
			office := sqldbtest.As(users["office"])
			steps := []struct {
				link int64
				want coverage
			}{
				// Cadre 3's only household, 4, untagged.
				{9, coverage{2, 1, 4, 1, 20, 7, 7, 4, 2}},
				// Household 1 (低保) loses 李明, who keeps 2 and 3.
				{6, coverage{2, 1, 4, 1, 20, 6, 7, 5, 2}},
				// Unit 4 leaves 启安村.
				{5, coverage{2, 1, 4, 2, 20, 6, 7, 5, 2}},
				// The leader leaves 东坪镇.
				{1, coverage{2, 2, 4, 2, 20, 6, 7, 5, 2}},
			}
			for _, s := range steps {
				_, err := db.Org.EndLink(office, s.link)
				MustOK(t, err)
				c, err := db.Org.LinkCoverage(office)
				MustOK(t, err)
				if got := countsOf(c); got != s.want {
					t.Errorf("after ending link %d: coverage = %+v, want %+v", s.link, got, s.want)
				}
			}
			// Without a linked township the leader sees no household.
			c, err := db.Org.LinkCoverage(sqldbtest.As(users["leader"]))
			MustOK(t, err)
			if got, want := countsOf(c), (coverage{CadresWithoutHousehold: 2}); got != want {
				t.Errorf("leader without township: coverage = %+v, want %+v", got, want)
			}
		})
	})
}
