package demo_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// ledgerToday is the fixed "today" of the ledger tests: the end of the
// 2021 campaign's first half-year.
var ledgerToday = time.Date(2021, 9, 30, 0, 0, 0, 0, sanlian.Shanghai)

// loadLedger loads a county of the given size into db and plays n
// problems up to today.
func loadLedger(t *testing.T, db *sqldb.DB, households, n int, today time.Time) (demo.ProblemSummary, time.Duration) {
	t.Helper()
	start := time.Now()
	sum, _, _ := ledger(t, db, households, n, today)
	return sum, time.Since(start)
}

// ledger loads a demo county of households into db and plays n problems up
// to today on it; it returns the county and the clock setter the demo's
// later parts play on.
func ledger(t *testing.T, db *sqldb.DB, households, n int, today time.Time) (demo.ProblemSummary, *sanlian.County, func(time.Time)) {
	t.Helper()
	ctx := context.Background()
	c := demo.Generate(demo.Options{Households: households})
	if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
		t.Fatal(err)
	}
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	sum, err := demo.LoadProblems(ctx, db.Problems, setNow, c, demo.ProblemOptions{Problems: n, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	return sum, c, setNow
}

// officeOf returns a context acting as the demo office account.
func officeOf(t *testing.T, db *sqldb.DB) context.Context {
	t.Helper()
	_, u, err := db.Accounts.Login(context.Background(), "office", demo.Password, "api")
	if err != nil {
		t.Fatal(err)
	}
	return sqldbtest.As(u)
}

// allProblems reads the whole ledger as the office, oldest first.
func allProblems(t *testing.T, db *sqldb.DB, f sanlian.ProblemFilter) []*sanlian.Problem {
	t.Helper()
	ctx := officeOf(t, db)
	var out []*sanlian.Problem
	f.Limit = 200
	for {
		page, next, err := db.Problems.FindProblems(ctx, f)
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

// fingerprint is what must be the same in two ledgers from the same
// options: each problem's number, state, owners, deadlines and version.
func fingerprint(ps []*sanlian.Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s %s %s %s u%d p%d v%d %s %s %s r%d", p.Number, p.State, p.Category, p.VillageCode, p.UnitID, p.PersonID,
			p.Version, p.CreatedAt.UTC().Format(time.RFC3339), p.AcceptDue.UTC().Format(time.RFC3339), p.ResolveDue.UTC().Format(time.RFC3339), p.Reopened)
	}
	return out
}

func TestLoadProblems(t *testing.T) {
	t.Parallel()
	var ref struct {
		engine string
		sum    demo.ProblemSummary
		prints []string
	}
	// The same options on a fresh database give the same ledger, whatever
	// the engine.
	same := func(t *testing.T, sum demo.ProblemSummary, prints []string) {
		t.Helper()
		if !reflect.DeepEqual(sum, ref.sum) {
			t.Errorf("summary differs from the %s ledger:\n got %+v\nwant %+v", ref.engine, sum, ref.sum)
		}
		if !reflect.DeepEqual(prints, ref.prints) {
			for i := range min(len(prints), len(ref.prints)) {
				if prints[i] != ref.prints[i] {
					t.Fatalf("problem %d differs from the %s ledger:\n got %s\nwant %s", i+1, ref.engine, prints[i], ref.prints[i])
				}
			}
			t.Fatalf("%d problems, the %s ledger has %d", len(prints), ref.engine, len(ref.prints))
		}
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		sum, took := loadLedger(t, db, 3000, 300, ledgerToday)
		t.Logf("%d problems, %d actions in %v: %s", sum.Problems, sum.Actions, took.Round(time.Millisecond), sum)
		checkLedger(t, db, sum, 300)
		prints := fingerprint(allProblems(t, db, sanlian.ProblemFilter{}))
		if ref.prints == nil {
			ref.engine, ref.sum, ref.prints = t.Name(), sum, prints
			return
		}
		same(t, sum, prints)
	})
	t.Run("Deterministic", func(t *testing.T) {
		db := sqldbtest.Open(t, "sqlite")
		sum, _ := loadLedger(t, db, 3000, 300, ledgerToday)
		same(t, sum, fingerprint(allProblems(t, db, sanlian.ProblemFilter{})))
	})
}

// checkLedger checks what a newcomer should find on the ledger.
func checkLedger(t *testing.T, db *sqldb.DB, sum demo.ProblemSummary, n int) {
	t.Helper()
	ctx := officeOf(t, db)
	if sum.Problems != n {
		t.Fatalf("%d problems, want %d", sum.Problems, n)
	}
	total := 0
	for _, st := range sanlian.States {
		if sum.Count(st) == 0 {
			t.Errorf("no problem in state %s: %+v", st, sum.States)
		}
		total += sum.Count(st)
	}
	if total != n {
		t.Errorf("states add up to %d, want %d", total, n)
	}
	if closed := sum.Count(sanlian.StateClosed); closed*2 < n {
		t.Errorf("only %d of %d closed", closed, n)
	}
	if sum.Overdue == 0 || sum.Merged == 0 || sum.Rejected == 0 || sum.Reopened == 0 || sum.Transferred == 0 ||
		sum.Extended == 0 || sum.Urgent == 0 {
		t.Errorf("summary lacks a kind of item: %+v", sum)
	}
	if sum.Merged != sum.Count(sanlian.StateMerged) || sum.Rejected != sum.Count(sanlian.StateRejected) {
		t.Errorf("merged %d, rejected %d; states %+v", sum.Merged, sum.Rejected, sum.States)
	}

	// The database agrees on what is overdue at the end of the history.
	overdue := true
	if got := len(allProblems(t, db, sanlian.ProblemFilter{Overdue: &overdue})); got != sum.Overdue {
		t.Errorf("the database has %d overdue problems, the summary %d", got, sum.Overdue)
	}

	ps := allProblems(t, db, sanlian.ProblemFilter{})
	var closed *sanlian.Problem
	sources := map[string]int{}
	for i, p := range ps {
		if want := fmt.Sprintf("安化-%d-%06d", p.CreatedAt.In(sanlian.Shanghai).Year(), i+1); p.Number != want {
			t.Fatalf("problem %d is numbered %s, want %s", i+1, p.Number, want)
		}
		if i > 0 && p.CreatedAt.Before(ps[i-1].CreatedAt) {
			t.Fatalf("%s entered before %s", p.Number, ps[i-1].Number)
		}
		if !p.CreatedAt.Before(ledgerToday) {
			t.Fatalf("%s entered %v, not before today", p.Number, p.CreatedAt)
		}
		sources[p.Source]++
		if closed == nil && p.State == sanlian.StateClosed && p.Reopened == 0 {
			closed = p
		}
	}
	if sources[sanlian.SourceVisit]*2 < n || sources[sanlian.SourceHotline] == 0 || sources[sanlian.SourcePortal] == 0 {
		t.Errorf("sources %v", sources)
	}

	// A closed problem went the whole way, in order, each step by someone.
	evs, err := db.Problems.ProblemEvents(ctx, closed.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{sanlian.ActionCreate, sanlian.ActionAssign, sanlian.ActionAccept, sanlian.ActionResolve, sanlian.ActionCallback, sanlian.ActionClose}
	k := 0
	var trail []string
	for i, e := range evs {
		trail = append(trail, e.Action+"·"+e.Actor)
		if k < len(want) && e.Action == want[k] {
			k++
		}
		if e.Actor == "" || e.Actor == "system" {
			t.Errorf("%s event %s has actor %q", closed.Number, e.Action, e.Actor)
		}
		// The office acts through its demo account.
		if e.Action == sanlian.ActionClose && e.ActorID != sanlian.UserFromContext(ctx).ID {
			t.Errorf("%s closed by user %d (%s), not the office account", closed.Number, e.ActorID, e.Actor)
		}
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Errorf("%s: %s before %s", closed.Number, e.Action, evs[i-1].Action)
		}
	}
	if k != len(want) {
		t.Errorf("timeline of %s: %v, want %v in order", closed.Number, trail, want)
	}
	t.Logf("%s: %s", closed.Number, strings.Join(trail, " → "))
}

// TestLoadProblems_Default plays the default ledger on the default county
// up to a fixed today, and reports how long it takes.
func TestLoadProblems_Default(t *testing.T) {
	t.Parallel()
	if os.Getenv("SANLIAN_FULL_DEMO_TEST") == "" {
		t.Skip("the default county and ledger take a while; set SANLIAN_FULL_DEMO_TEST=1")
	}
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, sanlian.Shanghai)
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		sum, took := loadLedger(t, db, demo.DefaultHouseholds, demo.DefaultProblems, today)
		t.Logf("%d problems, %d actions in %v (%.0f actions/s)", sum.Problems, sum.Actions, took.Round(time.Millisecond),
			float64(sum.Problems+sum.Actions)/took.Seconds())
		t.Log(sum)
		if share := float64(sum.Overdue) / float64(sum.Problems); share < 0.05 || share > 0.10 {
			t.Errorf("overdue %d of %d, want 5–10 %%", sum.Overdue, sum.Problems)
		}
		if closed := sum.Count(sanlian.StateClosed); closed*10 < sum.Problems*7 {
			t.Errorf("only %d of %d closed", closed, sum.Problems)
		}
		// Every demo account finds open items of its own.
		for _, name := range []string{"leader", "unitadmin", "township", "cadre"} {
			_, u, err := db.Accounts.Login(context.Background(), name, demo.Password, "api")
			if err != nil {
				t.Fatal(err)
			}
			ps, _, err := db.Problems.FindProblems(sqldbtest.As(u), sanlian.ProblemFilter{Open: true, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 0 {
				t.Errorf("%s sees no open problem", name)
			}
		}
	})
}
