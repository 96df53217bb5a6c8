package demo_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// defaultCounty is generated once and shared by the read-only tests.
var defaultCounty = sync.OnceValue(func() *sanlian.County { return demo.Generate(demo.Options{}) })

func TestGenerate_Deterministic(t *testing.T) {
	t.Parallel()
	a, b := demo.Generate(demo.Options{Households: 5000}), demo.Generate(demo.Options{Households: 5000})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two counties from the same options differ")
	}
	if !reflect.DeepEqual(defaultCounty(), demo.Generate(demo.Options{Households: demo.DefaultHouseholds, Seed: demo.DefaultSeed})) {
		t.Fatal("the zero Options do not give the default county")
	}
	c := demo.Generate(demo.Options{Households: 5000, Seed: 7})
	if reflect.DeepEqual(a.Households, c.Households) || reflect.DeepEqual(a.Regions, c.Regions) {
		t.Fatal("another seed gives the same county")
	}
	// The regions and units do not depend on the number of households.
	d := demo.Generate(demo.Options{Households: 800})
	if !reflect.DeepEqual(names(a.Regions, func(r *sanlian.Region) string { return r.Code + r.Name }),
		names(d.Regions, func(r *sanlian.Region) string { return r.Code + r.Name })) {
		t.Fatal("regions depend on the number of households")
	}
	// Nor do the leaders and the heads of units.
	heads := func(c *sanlian.County) []string {
		var out []string
		for _, x := range c.Cadres {
			if x.IsLeader {
				out = append(out, x.Name+x.Post+x.Phone)
			}
		}
		for _, u := range c.Units {
			x := c.Cadres[u.HeadCadreID-1]
			out = append(out, u.Name+x.Name+x.Post+x.Phone)
		}
		return out
	}
	if !reflect.DeepEqual(heads(a), heads(d)) {
		t.Fatal("the leaders or heads depend on the number of households")
	}
}

func names[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func TestGenerate_Counts(t *testing.T) {
	t.Parallel()
	c := defaultCounty()
	kinds := map[string]int{}
	for _, r := range c.Regions {
		kinds[r.Kind]++
	}
	if kinds[sanlian.RegionCounty] != 1 || kinds[sanlian.RegionTownship] != 23 {
		t.Fatalf("regions by kind: %v", kinds)
	}
	if n := kinds[sanlian.RegionVillage]; n < 400 || n > 460 {
		t.Fatalf("%d villages, want 400–460", n)
	}
	if c.Regions[0].Code != "430923000000" || c.Regions[0].Name != "安化县" {
		t.Fatalf("county: %+v", c.Regions[0])
	}
	want := []string{"东坪镇", "清塘铺镇", "梅城镇", "仙溪镇", "大福镇", "长塘镇", "羊角塘镇", "冷市镇", "小淹镇", "江南镇", "柘溪镇",
		"马路口镇", "奎溪镇", "烟溪镇", "渠江镇", "平口镇", "乐安镇", "滔溪镇", "高明乡", "龙塘乡", "田庄乡", "南金乡", "古楼乡"}
	var got []string
	perTownship := map[string]int{}
	for _, r := range c.Regions {
		switch r.Kind {
		case sanlian.RegionTownship:
			got = append(got, r.Name)
			if r.ParentCode != "430923000000" || !strings.HasSuffix(r.Code, "000") {
				t.Errorf("township %s: %+v", r.Name, r)
			}
		case sanlian.RegionVillage:
			perTownship[r.ParentCode]++
			if r.Code[:9] != r.ParentCode[:9] || r.Code[9:] == "000" {
				t.Errorf("village code %s under %s", r.Code, r.ParentCode)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("townships %v", got)
	}
	for code, n := range perTownship {
		if n < 12 || n > 26 {
			t.Errorf("township %s has %d villages, want 12–26", code, n)
		}
	}
	if n := len(c.Cadres); n < 1800 || n > 2200 {
		t.Fatalf("%d cadres, want 1,800–2,200", n)
	}
	leaders, party := 0, 0
	for _, x := range c.Cadres {
		if x.IsLeader {
			leaders++
		}
		if x.PartyMember {
			party++
		}
	}
	if leaders < 25 || leaders > 30 {
		t.Fatalf("%d leaders, want 25–30", leaders)
	}
	if p := float64(party) / float64(len(c.Cadres)); p < 0.85 || p > 0.95 {
		t.Fatalf("party members %.3f, want about 0.9", p)
	}
	if len(c.Households) != demo.DefaultHouseholds {
		t.Fatalf("%d households", len(c.Households))
	}
	if n := len(demo.Generate(demo.Options{Households: 1234}).Households); n != 1234 {
		t.Fatalf("%d households, want 1234", n)
	}
	t.Logf("regions %v, units %d, cadres %d (leaders %d, party members %d), households %d, links %d",
		kinds, len(c.Units), len(c.Cadres), leaders, party, len(c.Households), len(c.Links))
}

func TestGenerate_Valid(t *testing.T) {
	t.Parallel()
	for _, size := range []int{demo.DefaultHouseholds, 37, 1} {
		c := demo.Generate(demo.Options{Households: size})
		regions := map[string]*sanlian.Region{}
		for _, r := range c.Regions {
			if !sanlian.ValidRegionCode(r.Code) || regions[r.Code] != nil {
				t.Fatalf("region code %q invalid or repeated", r.Code)
			}
			if r.ParentCode != "" && regions[r.ParentCode] == nil {
				t.Fatalf("region %s comes before its parent %s", r.Code, r.ParentCode)
			}
			regions[r.Code] = r
		}
		villageNames := map[string]bool{}
		for _, r := range c.Regions {
			if r.Kind == sanlian.RegionVillage {
				key := r.ParentCode + r.Name
				if villageNames[key] {
					t.Fatalf("village name %s twice in %s", r.Name, regions[r.ParentCode].Name)
				}
				villageNames[key] = true
			}
		}
		cadres := map[int64]*sanlian.Cadre{}
		for _, x := range c.Cadres {
			if err := x.Validate(); err != nil {
				t.Fatalf("cadre %+v: %v", x, err)
			}
			if x.Phone == "" || len(x.Phone) != 11 || !strings.Contains("13 15 18 19", x.Phone[:2]) {
				t.Fatalf("cadre phone %q", x.Phone)
			}
			cadres[x.ID] = x
		}
		units := map[int64]*sanlian.Unit{}
		unitNames := map[string]bool{}
		for _, u := range c.Units {
			if err := u.Validate(); err != nil {
				t.Fatalf("unit %+v: %v", u, err)
			}
			if unitNames[u.Name] {
				t.Fatalf("unit name %s twice", u.Name)
			}
			unitNames[u.Name] = true
			if u.ParentID != 0 && units[u.ParentID] == nil {
				t.Fatalf("unit %s before its parent", u.Name)
			}
			if h := cadres[u.HeadCadreID]; h == nil || h.UnitID != u.ID {
				t.Fatalf("unit %s: head %d is not one of its cadres", u.Name, u.HeadCadreID)
			}
			if (u.Kind == sanlian.UnitTownship) != (u.TownshipCode != "") ||
				u.TownshipCode != "" && regions[u.TownshipCode].Kind != sanlian.RegionTownship {
				t.Fatalf("unit %s: township code %q", u.Name, u.TownshipCode)
			}
			units[u.ID] = u
		}
		for _, x := range c.Cadres {
			if units[x.UnitID] == nil {
				t.Fatalf("cadre %d in unknown unit %d", x.ID, x.UnitID)
			}
		}
		for i, h := range c.Households {
			if err := h.Validate(); err != nil {
				t.Fatalf("household %+v: %v", h, err)
			}
			if h.ID != int64(i+1) || regions[h.VillageCode] == nil || regions[h.VillageCode].Kind != sanlian.RegionVillage {
				t.Fatalf("household %d: id or village %q", h.ID, h.VillageCode)
			}
			if h.Members < 1 || h.Members > 7 || !strings.HasPrefix(h.Address, regions[h.VillageCode].Name) {
				t.Fatalf("household %+v", h)
			}
			seen := map[sanlian.Tag]bool{}
			for _, tg := range h.Tags {
				if seen[tg] {
					t.Fatalf("household %d: tag %v twice", h.ID, tg)
				}
				seen[tg] = true
			}
		}
		for _, l := range c.Links {
			if err := l.Validate(); err != nil {
				t.Fatalf("link %+v: %v", l, err)
			}
		}
		if len(c.Accounts) != 8 {
			t.Fatalf("%d accounts", len(c.Accounts))
		}
		for _, a := range c.Accounts {
			if err := a.User.Validate(); err != nil {
				t.Fatalf("account %s: %v", a.User.Username, err)
			}
			if a.Password != demo.Password || sanlian.CheckPassword(sanlian.DefaultPasswordPolicy(), a.User.Username, a.Password, "password", nil) != nil {
				t.Fatalf("account %s: password %q", a.User.Username, a.Password)
			}
			if a.User.DisplayName == "" {
				t.Fatalf("account %s has no display name", a.User.Username)
			}
		}
	}
}

func TestGenerate_IDNumbers(t *testing.T) {
	t.Parallel()
	c := defaultCounty()
	seen := make(map[string]bool, len(c.Households))
	for _, h := range c.Households {
		if msg := sanlian.CheckIDNumber(h.IDNumber); msg != "" {
			t.Fatalf("household %d: %s: %s", h.ID, h.IDNumber, msg)
		}
		if !strings.HasPrefix(h.IDNumber, "430923") || h.IDNumber[6:10] < "1935" || h.IDNumber[6:10] > "2000" {
			t.Fatalf("household %d: ID number %s", h.ID, h.IDNumber)
		}
		if seen[h.IDNumber] {
			t.Fatalf("ID number %s twice", h.IDNumber)
		}
		seen[h.IDNumber] = true
	}
}

func TestGenerate_Links(t *testing.T) {
	t.Parallel()
	c := defaultCounty()
	regions := map[string]*sanlian.Region{}
	for _, r := range c.Regions {
		regions[r.Code] = r
	}
	cadres := map[int64]*sanlian.Cadre{}
	for _, x := range c.Cadres {
		cadres[x.ID] = x
	}
	units := map[int64]*sanlian.Unit{}
	for _, u := range c.Units {
		units[u.ID] = u
	}
	type pair struct {
		kind string
		a    int64
		b    string
	}
	active := map[pair]bool{}
	unitVillages := map[int64]map[string]bool{}
	leaderTownships := map[int64]map[string]bool{}
	perCadre := map[int64]int{}
	ended := 0
	for i, l := range c.Links {
		if l.ID != int64(i+1) {
			t.Fatalf("link %d has id %d", i+1, l.ID)
		}
		if l.CreatedAt.Year() != 2021 || l.CreatedAt.Location() != sanlian.Shanghai ||
			!l.EndedAt.IsZero() && !l.EndedAt.After(l.CreatedAt) {
			t.Fatalf("link %+v: times", l)
		}
		var p pair
		switch l.Kind {
		case sanlian.LinkTownship:
			if x := cadres[l.CadreID]; x == nil || !x.IsLeader || regions[l.RegionCode].Kind != sanlian.RegionTownship {
				t.Fatalf("township link %+v", l)
			}
			p = pair{l.Kind, l.CadreID, l.RegionCode}
		case sanlian.LinkVillage:
			if units[l.UnitID] == nil || regions[l.RegionCode].Kind != sanlian.RegionVillage {
				t.Fatalf("village link %+v", l)
			}
			p = pair{l.Kind, l.UnitID, l.RegionCode}
		case sanlian.LinkHousehold:
			if cadres[l.CadreID] == nil || l.HouseholdID < 1 || l.HouseholdID > int64(len(c.Households)) {
				t.Fatalf("household link %+v", l)
			}
			p = pair{l.Kind, l.CadreID, string(rune(l.HouseholdID))}
		}
		if !l.Active() {
			ended++
			continue
		}
		if active[p] {
			t.Fatalf("active link %+v twice", l)
		}
		active[p] = true
		switch l.Kind {
		case sanlian.LinkVillage:
			if unitVillages[l.UnitID] == nil {
				unitVillages[l.UnitID] = map[string]bool{}
			}
			unitVillages[l.UnitID][l.RegionCode] = true
		case sanlian.LinkTownship:
			if leaderTownships[l.CadreID] == nil {
				leaderTownships[l.CadreID] = map[string]bool{}
			}
			leaderTownships[l.CadreID][l.RegionCode] = true
		case sanlian.LinkHousehold:
			perCadre[l.CadreID]++
		}
	}
	if p := float64(ended) / float64(len(c.Links)); p < 0.01 || p > 0.03 {
		t.Errorf("ended links %.3f, want about 0.02", p)
	}
	for _, u := range c.Units {
		if len(unitVillages[u.ID]) == 0 {
			t.Errorf("unit %s is linked to no village", u.Name)
		}
		if u.TownshipCode != "" {
			for code := range unitVillages[u.ID] {
				if regions[code].ParentCode != u.TownshipCode {
					t.Errorf("%s linked to %s of another township", u.Name, regions[code].Name)
				}
			}
		}
	}
	// A cadre's households lie in villages its unit is linked to; a
	// leader's in its townships.
	for _, l := range c.Links {
		if l.Kind != sanlian.LinkHousehold || !l.Active() {
			continue
		}
		x := cadres[l.CadreID]
		v := c.Households[l.HouseholdID-1].VillageCode
		if x.IsLeader && !leaderTownships[x.ID][regions[v].ParentCode] || !x.IsLeader && !unitVillages[x.UnitID][v] {
			t.Fatalf("cadre %s (%s) linked to a household of %s", x.Name, units[x.UnitID].Name, regions[v].Name)
		}
	}
	for _, x := range c.Cadres {
		if n := perCadre[x.ID]; n < 5 || n > 15 {
			t.Errorf("cadre %d %s %s: %d households, want 5–15", x.ID, x.Name, x.Post, n)
		}
	}
}

// coverage computes what LinkCoverage reports for the office, from the
// county in memory.
func coverage(c *sanlian.County) sanlian.Coverage {
	var cv sanlian.Coverage
	withLeader, withUnit := map[string]bool{}, map[string]bool{}
	linked := make([]bool, len(c.Households)+1)
	cadreLinked := map[int64]bool{}
	for _, l := range c.Links {
		if !l.Active() {
			continue
		}
		switch l.Kind {
		case sanlian.LinkTownship:
			withLeader[l.RegionCode] = true
		case sanlian.LinkVillage:
			withUnit[l.RegionCode] = true
		case sanlian.LinkHousehold:
			linked[l.HouseholdID] = true
			cadreLinked[l.CadreID] = true
		}
	}
	for _, r := range c.Regions {
		switch r.Kind {
		case sanlian.RegionTownship:
			cv.Townships++
			if !withLeader[r.Code] {
				cv.TownshipsWithoutLeader++
			}
		case sanlian.RegionVillage:
			cv.Villages++
			if !withUnit[r.Code] {
				cv.VillagesWithoutUnit++
			}
		}
	}
	for _, h := range c.Households {
		cv.Households++
		if linked[h.ID] {
			cv.HouseholdsLinked++
		}
		if len(h.Tags) > 0 {
			cv.MustVisit++
			if !linked[h.ID] {
				cv.MustVisitWithoutCadre++
			}
		}
	}
	for _, x := range c.Cadres {
		if !x.IsLeader && !cadreLinked[x.ID] {
			cv.CadresWithoutHousehold++
		}
	}
	return cv
}

func TestGenerate_Coverage(t *testing.T) {
	t.Parallel()
	for _, size := range []int{demo.DefaultHouseholds, 5000} {
		c := demo.Generate(demo.Options{Households: size})
		cv := coverage(c)
		tags := map[string]int{}
		for _, h := range c.Households {
			for _, k := range sanlian.TagKinds {
				if h.HasTag(k) {
					tags[k]++
				}
			}
		}
		share := func(n, of int) float64 { return float64(n) / float64(of) }
		checks := []struct {
			what   string
			got    float64
			lo, hi float64
		}{
			{"key_group households", share(tags[sanlian.TagKeyGroup], cv.Households), 0.07, 0.09},
			{"conflict households", share(tags[sanlian.TagConflict], cv.Households), 0.015, 0.025},
			{"representative households", share(tags[sanlian.TagRepresentative], cv.Households), 0.033, 0.047},
			{"villages without a unit", share(cv.VillagesWithoutUnit, cv.Villages), 0.02, 0.04},
			{"must-visit households with a cadre", 1 - share(cv.MustVisitWithoutCadre, cv.MustVisit), 0.85, 0.90},
			{"households with a cadre", share(cv.HouseholdsLinked, cv.Households), 0.5, 0.85},
		}
		for _, ck := range checks {
			if ck.got < ck.lo || ck.got > ck.hi {
				t.Errorf("%d households: %s %.3f, want %.3f–%.3f", size, ck.what, ck.got, ck.lo, ck.hi)
			}
		}
		if cv.Townships != 23 || cv.TownshipsWithoutLeader != 2 {
			t.Errorf("townships %d, without a leader %d", cv.Townships, cv.TownshipsWithoutLeader)
		}
		if cv.CadresWithoutHousehold != 0 {
			t.Errorf("%d cadres without a household", cv.CadresWithoutHousehold)
		}
		t.Logf("%d households: tags %v, coverage %+v", size, tags, cv)
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	c := defaultCounty()
	want := []string{"office", "leader", "unitadmin", "township", "cadre", "sysadmin", "secadmin", "auditor"}
	for _, infos := range [][]demo.AccountInfo{demo.Accounts(), demo.AccountsOf(c)} {
		var users []string
		for _, a := range infos {
			users = append(users, a.Username)
			if a.Role == "" || !strings.HasPrefix(a.Description, a.Role+" · ") || len(a.Description) <= len(a.Role+" · ") {
				t.Errorf("account %+v", a)
			}
			t.Logf("%-10s %s", a.Username, a.Description)
		}
		if !reflect.DeepEqual(users, want) {
			t.Fatalf("accounts %v", users)
		}
	}
	for i, a := range demo.Accounts() {
		if u := c.Accounts[i].User; u.Username != a.Username || u.Role.Label() != a.Role {
			t.Fatalf("account %d: %s %s, listed as %s %s", i, u.Username, u.Role.Label(), a.Username, a.Role)
		}
	}
	byName := map[string]*sanlian.User{}
	for _, a := range c.Accounts {
		byName[a.User.Username] = a.User
	}
	units := map[int64]string{}
	for _, u := range c.Units {
		units[u.ID] = u.Name
	}
	if units[byName["unitadmin"].UnitID] != "县民政局" || units[byName["township"].UnitID] != "东坪镇人民政府" {
		t.Fatalf("unit admins of %s and %s", units[byName["unitadmin"].UnitID], units[byName["township"].UnitID])
	}
	towns, households, must := 0, 0, 0
	for _, l := range c.Links {
		if !l.Active() {
			continue
		}
		if l.Kind == sanlian.LinkTownship && l.CadreID == byName["leader"].CadreID {
			towns++
		}
		if l.Kind == sanlian.LinkHousehold && l.CadreID == byName["cadre"].CadreID {
			households++
			if len(c.Households[l.HouseholdID-1].Tags) > 0 {
				must++
			}
		}
	}
	if towns < 1 || households < 5 || must < 2 {
		t.Fatalf("leader has %d townships; cadre has %d households, %d must-visit", towns, households, must)
	}
}

// TestLoadCounty loads a county into each engine and reads its coverage
// back as the office sees it.
func TestLoadCounty(t *testing.T) {
	t.Parallel()
	size := demo.DefaultHouseholds
	if testing.Short() {
		size = 5000
	}
	want := coverage(demo.Generate(demo.Options{Households: size}))
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := demo.Generate(demo.Options{Households: size})
		start := time.Now()
		if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded %d households in %v", size, time.Since(start).Round(time.Millisecond))
		users := map[string]*sanlian.User{}
		for _, name := range []string{"office", "leader"} {
			_, u, err := db.Accounts.Login(ctx, name, demo.Password, "api")
			if err != nil {
				t.Fatalf("login %s: %v", name, err)
			}
			users[name] = u
		}
		got, err := db.Org.LinkCoverage(sqldbtest.As(users["office"]))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.UncoveredTownships) != want.TownshipsWithoutLeader || len(got.UncoveredVillages) != want.VillagesWithoutUnit {
			t.Errorf("uncovered: %d townships, %d villages", len(got.UncoveredTownships), len(got.UncoveredVillages))
		}
		got.UncoveredTownships, got.UncoveredVillages = nil, nil
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("coverage\n got %+v\nwant %+v", *got, want)
		}
		if got.TownshipsWithoutLeader == 0 || got.VillagesWithoutUnit == 0 || got.MustVisitWithoutCadre == 0 {
			t.Fatalf("coverage shows no gap: %+v", *got)
		}
		// The leader sees only the linked townships.
		lc, err := db.Org.LinkCoverage(sqldbtest.As(users["leader"]))
		if err != nil {
			t.Fatal(err)
		}
		if lc.Townships < 1 || lc.Townships > 2 || lc.TownshipsWithoutLeader != 0 {
			t.Fatalf("leader's coverage: %+v", *lc)
		}
	})
}

func BenchmarkGenerate300k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		demo.Generate(demo.Options{Households: 300_000})
	}
}
