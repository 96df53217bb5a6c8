package demo_test

import (
	"context"
	"strings"
	"testing"

	"sanlian"
	"sanlian/demo"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestLoadDispatches(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		_, c, setNow := ledger(t, db, 1500, 200, visitsToday)
		sum, err := demo.LoadDispatches(ctx, db.Problems, db.Lists, setNow, c, demo.DispatchOptions{Today: visitsToday})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(sum)
		if sum.Meetings != demo.DispatchMonths || sum.Decisions < 3*demo.DispatchMonths || sum.Decisions > 6*demo.DispatchMonths ||
			sum.Done == 0 || sum.Done == sum.Decisions {
			t.Fatalf("summary %s", sum)
		}
		if got := db.Now(); !got.Equal(visitsToday) {
			t.Errorf("clock left at %v", got)
		}
		office := officeOf(t, db)
		months, err := db.Problems.FindDispatches(office)
		if err != nil {
			t.Fatal(err)
		}
		// The current month to prepare, then the six held, newest first.
		today := visitsToday.In(sanlian.Shanghai).Format("2006-01-02")
		if len(months) != demo.DispatchMonths+1 || months[0].Held || months[0].Month != today[:7] {
			t.Fatalf("months %+v", months)
		}
		decisions, done := 0, 0
		for _, m := range months[1:] {
			if !m.Held || m.Decisions < 3 || m.Decisions > 6 || m.MeetingDate < m.Month || m.MeetingDate >= today {
				t.Errorf("month %+v", m)
			}
			d, err := db.Problems.FindDispatch(office, m.Month)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(d.Record, "新增问题") || d.Chair == "" || d.Place == "" {
				t.Errorf("record of %s: %+v", m.Month, d)
			}
			for _, x := range d.Decisions {
				decisions++
				if x.ResponsibilityID == 0 || x.Deadline <= d.MeetingDate {
					t.Errorf("decision %+v after a meeting on %s", x, d.MeetingDate)
				}
				r, err := db.Lists.FindResponsibilityByID(office, x.ResponsibilityID)
				if err != nil {
					t.Fatal(err)
				}
				if r.Source != sanlian.RespDispatch || r.SourceID != x.ID || !strings.HasPrefix(r.SourceRef, m.Month+" 月度调度会") || r.Task != x.Text {
					t.Errorf("line %+v of decision %+v", r, x)
				}
				if x.State == sanlian.RespDone {
					done++
					if r.CompletionNote == "" || !r.UpdatedAt.Before(visitsToday) {
						t.Errorf("done line %+v", r)
					}
				}
			}
		}
		if decisions != sum.Decisions || done != sum.Done {
			t.Errorf("%d decisions, %d done listed; summary %s", decisions, done, sum)
		}
	})
}
