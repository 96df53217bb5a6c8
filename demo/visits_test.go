package demo_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// seedFields are the category codes of the 12 seed fields (SPEC §7).
var seedFields = []string{"employment", "education", "social_health", "elderly", "childcare", "housing",
	"transport", "construction", "rural", "food_drug", "business", "policy"}

func TestTopics(t *testing.T) {
	t.Parallel()
	ts := demo.Topics()
	if len(ts) < 130 {
		t.Errorf("%d topics, want at least 130", len(ts))
	}
	per := map[string]int{}
	seen := map[string]bool{}
	for i, tp := range ts {
		if err := tp.Validate(); err != nil {
			t.Errorf("topic %d %q: %v", i+1, tp.Question, err)
		}
		if seen[tp.Question] {
			t.Errorf("topic %d %q twice", i+1, tp.Question)
		}
		seen[tp.Question] = true
		if !slices.Contains(seedFields, tp.Category) {
			t.Errorf("topic %d %q in unknown field %q", i+1, tp.Question, tp.Category)
		}
		if n := utf8.RuneCountInString(tp.Question); n > 60 {
			t.Errorf("topic %d is %d characters long: a question a cadre asks should be short", i+1, n)
		}
		per[tp.Category]++
	}
	for _, f := range seedFields {
		if per[f] < 8 || per[f] > 15 {
			t.Errorf("field %s has %d topics, want 8–15", f, per[f])
		}
	}
}

// visitsToday is the fixed "today" of the visit tests.
var visitsToday = time.Date(2021, 9, 30, 0, 0, 0, 0, sanlian.Shanghai)

// loadVisits loads a county of the given size into db and plays n visits
// up to today.
func loadVisits(t *testing.T, db *sqldb.DB, households, n int) (demo.VisitSummary, *sanlian.County) {
	t.Helper()
	ctx := context.Background()
	c := demo.Generate(demo.Options{Households: households})
	if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
		t.Fatal(err)
	}
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	start := time.Now()
	sum, err := demo.LoadVisits(ctx, db.Work, db.Work, setNow, c, demo.VisitOptions{Visits: n, Today: visitsToday})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("%d visits in %v (%.0f/s): %s", sum.Visits, took.Round(time.Millisecond), float64(sum.Visits)/took.Seconds(), sum)
	return sum, c
}

// allVisits reads every visit as the office, oldest first.
func allVisits(t *testing.T, db *sqldb.DB, f sanlian.VisitFilter) []*sanlian.Visit {
	t.Helper()
	ctx := officeOf(t, db)
	var out []*sanlian.Visit
	f.Limit = 200
	for {
		page, next, err := db.Work.FindVisits(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			break
		}
		f.Cursor = next
	}
	slices.Reverse(out)
	return out
}

// visitPrints is what must be the same in two databases loaded alike.
func visitPrints(vs []*sanlian.Visit) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		h := fnv.New64a()
		fmt.Fprint(h, v.Met, "|", v.Findings)
		out[i] = fmt.Sprintf("%d %s %s c%d u%d h%d %s %v %v p%d %s %x", v.ID, v.Kind, v.Date, v.CadreID, v.UnitID, v.HouseholdID,
			v.RegionCode, v.Visitors, v.TopicIDs, len(v.ProblemIDs), v.CreatedAt.UTC().Format(time.RFC3339), h.Sum64())
	}
	return out
}

func TestLoadVisits(t *testing.T) {
	t.Parallel()
	const households, n = 3000, 1200
	var ref struct {
		engine string
		sum    demo.VisitSummary
		prints []string
	}
	same := func(t *testing.T, sum demo.VisitSummary, prints []string) {
		t.Helper()
		if ref.prints == nil {
			ref.engine, ref.sum, ref.prints = t.Name(), sum, prints
			return
		}
		if sum != ref.sum {
			t.Errorf("summary differs from %s:\n got %+v\nwant %+v", ref.engine, sum, ref.sum)
		}
		if !reflect.DeepEqual(prints, ref.prints) {
			for i := range min(len(prints), len(ref.prints)) {
				if prints[i] != ref.prints[i] {
					t.Fatalf("visit %d differs from %s:\n got %s\nwant %s", i+1, ref.engine, prints[i], ref.prints[i])
				}
			}
			t.Fatalf("%d visits, %s has %d", len(prints), ref.engine, len(ref.prints))
		}
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		sum, c := loadVisits(t, db, households, n)
		vs := allVisits(t, db, sanlian.VisitFilter{})
		checkVisits(t, db, c, sum, vs, n)
		same(t, sum, visitPrints(vs))
	})
	// The same options on a fresh database give the same visits.
	t.Run("Deterministic", func(t *testing.T) {
		db := sqldbtest.Open(t, "sqlite")
		sum, _ := loadVisits(t, db, households, n)
		same(t, sum, visitPrints(allVisits(t, db, sanlian.VisitFilter{})))
	})
}

// checkVisits checks the visits against the county's links and what the
// coverage page shows for the month.
func checkVisits(t *testing.T, db *sqldb.DB, c *sanlian.County, sum demo.VisitSummary, vs []*sanlian.Visit, n int) {
	t.Helper()
	ctx := officeOf(t, db)
	if sum.Visits != n || len(vs) != n || sum.Household+sum.Village+sum.Township != n {
		t.Fatalf("%d visits in the database, summary %+v; want %d", len(vs), sum, n)
	}
	if sum.Village == 0 || sum.Township == 0 || sum.Problems == 0 || sum.Topics != len(demo.Topics()) || sum.Retired != 3 {
		t.Errorf("summary lacks something: %+v", sum)
	}

	// Every visit rests on an active link of whoever made it.
	type pair struct {
		a int64
		b string
	}
	linked := map[pair]bool{}
	for _, l := range c.Links {
		if !l.Active() {
			continue
		}
		switch l.Kind {
		case sanlian.LinkHousehold:
			linked[pair{l.CadreID, fmt.Sprint(l.HouseholdID)}] = true
		case sanlian.LinkVillage:
			linked[pair{l.UnitID, l.RegionCode}] = true
		case sanlian.LinkTownship:
			linked[pair{l.CadreID, l.RegionCode}] = true
		}
	}
	first, last := "2021-07-01", visitsToday.AddDate(0, 0, -1).Format(time.DateOnly)
	kinds := map[string]int{}
	for _, v := range vs {
		kinds[v.Kind]++
		var ok bool
		switch v.Kind {
		case sanlian.VisitHousehold:
			ok = linked[pair{v.CadreID, fmt.Sprint(v.HouseholdID)}]
		case sanlian.VisitVillage:
			ok = linked[pair{v.UnitID, v.RegionCode}] && len(v.Visitors) > 0
		case sanlian.VisitTownship:
			ok = linked[pair{v.CadreID, v.RegionCode}]
		}
		if !ok {
			t.Fatalf("visit %d (%s, cadre %d, unit %d, household %d, %s) rests on no active link", v.ID, v.Kind, v.CadreID, v.UnitID,
				v.HouseholdID, v.RegionCode)
		}
		if v.Date < first || v.Date > last {
			t.Errorf("visit %d dated %s, outside %s..%s", v.ID, v.Date, first, last)
		}
		if len(v.TopicIDs) == 0 || v.Findings == "" || v.Met == "" {
			t.Errorf("visit %d carries %d topics, findings %q, met %q", v.ID, len(v.TopicIDs), v.Findings, v.Met)
		}
		if d := v.CreatedAt.In(sanlian.Shanghai).Format(time.DateOnly); d < v.Date || !v.CreatedAt.Before(visitsToday) {
			t.Errorf("visit %d of %s recorded %v", v.ID, v.Date, v.CreatedAt)
		}
	}
	if kinds[sanlian.VisitHousehold] != sum.Household || kinds[sanlian.VisitVillage] != sum.Village || kinds[sanlian.VisitTownship] != sum.Township {
		t.Errorf("kinds %v, summary %+v", kinds, sum)
	}

	// The retired topics were carried before they were retired, never
	// after.
	inactive := false
	retired, err := db.Work.FindTopics(ctx, sanlian.TopicFilter{Active: &inactive})
	if err != nil {
		t.Fatal(err)
	}
	if len(retired) != 3 {
		t.Fatalf("%d retired topics, want 3", len(retired))
	}
	carried := 0
	for _, tp := range retired {
		for _, v := range allVisits(t, db, sanlian.VisitFilter{TopicID: tp.ID}) {
			carried++
			if !v.CreatedAt.Before(tp.UpdatedAt) {
				t.Errorf("visit %d recorded %v carries topic %d retired %v", v.ID, v.CreatedAt, tp.ID, tp.UpdatedAt)
			}
		}
	}
	if carried == 0 {
		t.Error("no visit carried a topic retired later")
	}

	// The coverage page's default window, the month, has plenty to show.
	cov, err := db.Work.VisitCoverage(ctx, sanlian.MonthWindow(visitsToday.AddDate(0, 0, -1)), sanlian.CoverageScope{})
	if err != nil {
		t.Fatal(err)
	}
	anyKind := cov.MustVisit[len(cov.MustVisit)-1]
	t.Logf("coverage %s..%s: %d visits, %d problems; must-visit %d/%d; missed listed %d; cadres without a visit %d/%d; %d topics carried",
		cov.Window.From, cov.Window.To, cov.Visits, cov.Problems, anyKind.Visited, anyKind.Total, len(cov.Missed),
		cov.CadresWithoutVisit, len(cov.Cadres), len(cov.Topics))
	if cov.Visits != sum.MonthVisits || anyKind.Total != sum.MustVisit || anyKind.Visited != sum.MustVisited ||
		cov.CadresWithoutVisit != sum.IdleCadres || len(cov.Cadres) != sum.Cadres {
		t.Errorf("coverage disagrees with the summary %+v", sum)
	}
	if share := float64(anyKind.Visited) / float64(anyKind.Total); share < 0.55 || share > 0.8 {
		t.Errorf("must-visit households visited this month: %d of %d", anyKind.Visited, anyKind.Total)
	}
	for _, k := range cov.MustVisit {
		if k.Visited == 0 || k.Visited == k.Total {
			t.Errorf("must-visit %s: %d of %d visited", k.Kind, k.Visited, k.Total)
		}
	}
	if len(cov.Missed) == 0 || cov.Problems == 0 || len(cov.Topics) < 50 {
		t.Errorf("coverage: %d missed, %d problems, %d topics carried", len(cov.Missed), cov.Problems, len(cov.Topics))
	}
	if share := float64(cov.CadresWithoutVisit) / float64(len(cov.Cadres)); share < 0.05 || share > 0.2 {
		t.Errorf("%d of %d cadres without a visit this month", cov.CadresWithoutVisit, len(cov.Cadres))
	}
	// All the problems raised on the spot are on the ledger.
	whole, err := db.Work.VisitCoverage(ctx, sanlian.Window{From: first, To: last}, sanlian.CoverageScope{})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Visits != n || whole.Problems != sum.Problems {
		t.Errorf("the whole window: %d visits, %d problems; summary %+v", whole.Visits, whole.Problems, sum)
	}
	// Each demo account that records visits finds visits of its own kind
	// this month, made by itself.
	for _, a := range []struct{ username, kind string }{
		{"cadre", sanlian.VisitHousehold}, {"leader", sanlian.VisitTownship},
		{"unitadmin", sanlian.VisitVillage}, {"township", sanlian.VisitVillage},
	} {
		_, u, err := db.Accounts.Login(context.Background(), a.username, demo.Password, "api")
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := db.Work.FindVisits(sqldbtest.As(u), sanlian.VisitFilter{Kind: a.kind, From: cov.Window.From, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(mine) == 0 || mine[0].CreatedBy != u.ID {
			t.Errorf("%s finds %d %s visits this month", a.username, len(mine), a.kind)
		}
	}
}

// TestLoadVisits_Default plays the default visits on the default county
// up to a fixed today, and reports how long it takes.
func TestLoadVisits_Default(t *testing.T) {
	t.Parallel()
	if os.Getenv("SANLIAN_FULL_DEMO_TEST") == "" {
		t.Skip("the default county and visits take a while; set SANLIAN_FULL_DEMO_TEST=1")
	}
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, sanlian.Shanghai)
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := demo.Generate(demo.Options{})
		if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
			t.Fatal(err)
		}
		setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
		start := time.Now()
		sum, err := demo.LoadVisits(ctx, db.Work, db.Work, setNow, c, demo.VisitOptions{Today: today})
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		t.Logf("%d visits in %v (%.0f/s)", sum.Visits, took.Round(time.Millisecond), float64(sum.Visits)/took.Seconds())
		t.Log(sum)
		start = time.Now()
		cov, err := db.Work.VisitCoverage(officeOf(t, db), sanlian.MonthWindow(today), sanlian.CoverageScope{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("coverage of the month in %v: %d visits, must-visit %+v", time.Since(start).Round(time.Millisecond), cov.Visits, cov.MustVisit)
	})
}
