package demo_test

import (
	"context"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb/sqldbtest"
)

// TestLoadProblems_Routing: with routing rules switched on a hundred days
// before today, rules assign part of the ledger on entry and units send
// some back; settled, the office's queue holds only the last days' entries
// and the few overdue the options ask for.
func TestLoadProblems_Routing(t *testing.T) {
	t.Parallel()
	db := sqldbtest.Open(t, "sqlite")
	ctx := context.Background()
	c := demo.Generate(demo.Options{Households: 3000})
	if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
		t.Fatal(err)
	}
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	sum, err := demo.LoadProblems(ctx, db.Problems, setNow, c, demo.ProblemOptions{Problems: 300, Today: ledgerToday, Routing: db.Problems})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sum)
	if sum.Rules < 80 || sum.Routed < 50 || sum.Returned == 0 || sum.Returned*4 > sum.Routed {
		t.Errorf("rules %d, routed %d, returned %d: want most problems since the rules routed and a few returned", sum.Rules, sum.Routed, sum.Returned)
	}
	office := sanlian.NewContextWithUser(ctx, c.Accounts[0].User)
	counts, err := db.Problems.ReturnCounts(office, ledgerToday.AddDate(0, 0, -200), ledgerToday)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range counts {
		n += x.Returned
	}
	if n != sum.Returned {
		t.Errorf("returns counted %d, the ledger made %d", n, sum.Returned)
	}
	is, err := demo.SettleIntake(ctx, db.Problems, setNow, c, demo.IntakeOptions{Today: ledgerToday, Seed: 7, Late: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(is)
	queue, _, err := db.Problems.FindProblems(office, sanlian.ProblemFilter{State: sanlian.StateSubmitted, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	late := 0
	for _, p := range queue {
		if p.CreatedAt.Before(ledgerToday.AddDate(0, 0, -14)) {
			t.Errorf("%s waits since %s", p.Number, p.CreatedAt.In(sanlian.Shanghai).Format(time.DateOnly))
		}
		if !p.AssignDue.After(ledgerToday) {
			late++
		}
	}
	if late > 3 || late != is.Late || len(queue) != is.Waiting {
		t.Errorf("queue %d with %d past the dispatch deadline; settled %+v", len(queue), late, is)
	}
}
