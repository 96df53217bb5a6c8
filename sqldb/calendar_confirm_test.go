package sqldb_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestCalendarService_Confirm walks the provisional year 2028: problems
// assigned on Friday 31 December 2027 count into 2028, which the calendar
// does not hold, so their deadlines are provisional (元旦 2028 falls on a
// Saturday; its 补假 is Monday 3 January). The office then confirms 2028
// with 元旦 alone (与周末连休, no 补假): the counted deadlines move a day
// earlier, an approved extension does not, each change on the timeline.
func TestCalendarService_Confirm(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])

		// Inside 2027, held: not provisional.
		clockAt(db, "2027-11-01 10:00")
		inYear := newProblem(t, db, users["cadre"], "年内问题")
		inYear = act(t, db, users["office"], inYear, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		if inYear.DueProvisional {
			t.Errorf("counted within 2027, yet provisional: %+v", inYear)
		}

		clockAt(db, "2027-12-31 10:00")
		p := newProblem(t, db, users["cadre"], "跨年问题")
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		if !p.DueProvisional || sanlian.DeadlineDate(p.AcceptDue) != "2028-01-04" || sanlian.DeadlineDate(p.ResolveDue) != "2028-01-24" {
			t.Fatalf("assigned: provisional %v, accept %s, resolve %s; want true, 2028-01-04, 2028-01-24",
				p.DueProvisional, sanlian.DeadlineDate(p.AcceptDue), sanlian.DeadlineDate(p.ResolveDue))
		}
		ext := newProblem(t, db, users["cadre"], "已批准延期的问题")
		ext = act(t, db, users["office"], ext, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		ext = act(t, db, users["unitadmin"], ext, sanlian.ActionExtend, sanlian.ActionRequest{Reason: "需协调资金", Until: "2028-02-29"})
		ext = act(t, db, users["office"], ext, sanlian.ActionExtend, sanlian.ActionRequest{Approve: ptr(true)})
		if !ext.DueProvisional || sanlian.DeadlineDate(ext.ResolveDue) != "2028-02-29" {
			t.Fatalf("extended: %+v", ext)
		}
		// Entered on 31 December and returned by the unit on Tuesday
		// 4 January 2028: its fresh dispatch deadline counts from the
		// return (24:00 of 5 January), not from its entry.
		back := newProblem(t, db, users["cadre"], "退单后跨年的问题")
		back = act(t, db, users["office"], back, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		clockAt(db, "2028-01-04 09:00")
		back = act(t, db, users["unitadmin"], back, sanlian.ActionReturn, sanlian.ActionRequest{Reason: "不属本单位职责"})
		if !back.DueProvisional || sanlian.DeadlineDate(back.AssignDue) != "2028-01-05" {
			t.Fatalf("returned: provisional %v, assign due %s", back.DueProvisional, sanlian.DeadlineDate(back.AssignDue))
		}
		before := auditRows(t, raw)

		clockAt(db, "2027-12-31 15:00")
		y := &sanlian.CalendarYear{Year: 2028, Holidays: []string{"2028-01-01"}, Note: "国务院办公厅关于2028年部分节假日安排的通知"}
		MustOK(t, db.SaveCalendarYear(office, y))

		got, err := db.Problems.FindProblemByID(office, p.ID)
		MustOK(t, err)
		// 15 working days from Friday 31 December: 3–7, 10–14, 17–21 January.
		if got.DueProvisional || sanlian.DeadlineDate(got.AcceptDue) != "2028-01-03" || sanlian.DeadlineDate(got.ResolveDue) != "2028-01-21" ||
			got.Version != p.Version+1 {
			t.Errorf("recounted: provisional %v, accept %s, resolve %s, version %d",
				got.DueProvisional, sanlian.DeadlineDate(got.AcceptDue), sanlian.DeadlineDate(got.ResolveDue), got.Version)
		}
		e := lastEvent(t, db, users, p.ID)
		if e.Action != sanlian.ActionRecompute || e.Actor != "system" || e.ActorID != 0 || e.FromState != sanlian.StateAssigned ||
			!strings.Contains(e.Note, "2028 年工作日历已确认") || !strings.Contains(e.Changes, `"resolve_due":["2028-01-24 24:00","2028-01-21 24:00"]`) ||
			!strings.Contains(e.Changes, `"accept_due":["2028-01-04 24:00","2028-01-03 24:00"]`) || !strings.Contains(e.Changes, `"due_provisional":[true,false]`) {
			t.Errorf("recompute event = %+v", e)
		}

		gotExt, err := db.Problems.FindProblemByID(office, ext.ID)
		MustOK(t, err)
		if gotExt.DueProvisional || sanlian.DeadlineDate(gotExt.AcceptDue) != "2028-01-03" || sanlian.DeadlineDate(gotExt.ResolveDue) != "2028-02-29" {
			t.Errorf("extended problem recounted: provisional %v, accept %s, resolve %s",
				gotExt.DueProvisional, sanlian.DeadlineDate(gotExt.AcceptDue), sanlian.DeadlineDate(gotExt.ResolveDue))
		}
		if e := lastEvent(t, db, users, ext.ID); e.Action != sanlian.ActionRecompute || strings.Contains(e.Changes, "resolve_due") {
			t.Errorf("extended problem's event = %+v", e)
		}
		if e := lastEvent(t, db, users, inYear.ID); e.Action == sanlian.ActionRecompute {
			t.Errorf("a problem counted within 2027 was recounted: %+v", e)
		}
		if gotBack, err := db.Problems.FindProblemByID(office, back.ID); err != nil || gotBack.DueProvisional || sanlian.DeadlineDate(gotBack.AssignDue) != "2028-01-05" {
			t.Errorf("returned problem recounted from its return: %+v %v", gotBack, err)
		}
		// The calendar's create row and one recompute row per problem.
		if n := auditRows(t, raw); n != before+4 {
			t.Errorf("audit rows %d → %d, want 4 more", before, n)
		}
		if a := MustLastAudit(t, db, users); a.Action != sanlian.ActionRecompute || a.Actor != "system" || a.Entity != "problem" {
			t.Errorf("last audit row = %+v", a)
		}

		// Editing the confirmed year recounts nothing more.
		y.Holidays = append(y.Holidays, "2028-01-03")
		MustOK(t, db.SaveCalendarYear(office, y))
		if again, _ := db.Problems.FindProblemByID(office, p.ID); again.Version != got.Version {
			t.Errorf("an edit of a held year recounted: %+v", again)
		}
	})
}

func lastEvent(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, id int64) *sanlian.ProblemEvent {
	t.Helper()
	es, err := db.Problems.ProblemEvents(sqldbtest.As(users["office"]), id)
	MustOK(t, err)
	if len(es) == 0 {
		t.Fatalf("problem %d has no events", id)
	}
	return es[len(es)-1]
}

// TestCalendarService_ConfirmConcurrent saves the same year twice at once,
// both as new (version 0) and both from the same version: one save wins,
// the other is refused with ECONFLICT and writes nothing.
func TestCalendarService_ConfirmConcurrent(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		twice := func(t *testing.T, mk func(i int) *sanlian.CalendarYear) {
			before := auditRows(t, raw)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.SaveCalendarYear(office, mk(i))
				}()
			}
			wg.Wait()
			ok, conflict := 0, 0
			for _, err := range errs {
				switch sanlian.ErrorCode(err) {
				case "":
					ok++
				case sanlian.ECONFLICT:
					conflict++
					if !strings.Contains(sanlian.ErrorMessage(err), "他人") {
						t.Errorf("message = %q", sanlian.ErrorMessage(err))
					}
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 || conflict != 1 {
				t.Errorf("%d saved, %d refused; want 1 and 1", ok, conflict)
			}
			if n := auditRows(t, raw); n != before+1 {
				t.Errorf("audit rows %d → %d, want one more", before, n)
			}
		}
		t.Run("Create", func(t *testing.T) {
			twice(t, func(i int) *sanlian.CalendarYear {
				return &sanlian.CalendarYear{Year: 2029, Holidays: []string{"2029-01-01"}, Note: []string{"甲", "乙"}[i]}
			})
			got, err := db.FindCalendarYear(office, 2029)
			MustOK(t, err)
			if got.Version != 1 {
				t.Errorf("version %d", got.Version)
			}
		})
		t.Run("Update", func(t *testing.T) {
			cur, err := db.FindCalendarYear(office, 2027)
			MustOK(t, err)
			twice(t, func(i int) *sanlian.CalendarYear {
				y := *cur
				y.Note = cur.Note + []string{"（甲）", "（乙）"}[i]
				return &y
			})
			got, err := db.FindCalendarYear(office, 2027)
			MustOK(t, err)
			if got.Version != cur.Version+1 {
				t.Errorf("version %d → %d", cur.Version, got.Version)
			}
		})
	})
}

// TestNoticesDaily_Calendar: from 1 November 2027 the daily job reminds
// every office account, once a week, that 2028 awaits confirmation, until
// the office saves 2028.
func TestNoticesDaily_Calendar(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		raw := MustRaw(t, db)
		offices := MustCount(t, raw, "SELECT COUNT(*) FROM users WHERE role = 'office' AND NOT disabled")
		if offices == 0 {
			t.Fatal("no office account")
		}
		count := func() int {
			return MustCount(t, raw, "SELECT COUNT(*) FROM notices WHERE kind = '"+sanlian.NoticeCalendar+"'")
		}
		for _, tc := range []struct {
			day  string
			want int
		}{
			{"2027-10-31", 0},
			{"2027-11-01", offices}, // Monday of ISO week 44
			{"2027-11-02", offices},
			{"2027-11-07", offices},
			{"2027-11-08", 2 * offices}, // the next week
			{"2027-11-08", 2 * offices}, // a rerun
		} {
			MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai(tc.day+" 00:00")))
			if n := count(); n != tc.want {
				t.Fatalf("%s: %d calendar notices, want %d", tc.day, n, tc.want)
			}
		}
		got := noticesOf(t, db, users["office"], sanlian.NoticeCalendar)
		if len(got) != 2 || got[0].Link != "/calendar?year=2028" || !strings.Contains(got[0].Title, "2028") {
			t.Fatalf("office's notices: %+v", got)
		}
		clockAt(db, "2027-11-10 09:00")
		MustOK(t, db.SaveCalendarYear(sqldbtest.As(users["office"]), &sanlian.CalendarYear{Year: 2028, Holidays: []string{"2028-01-01"}}))
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2027-11-15 00:00")))
		if n := count(); n != 2*offices {
			t.Fatalf("after 2028 was confirmed: %d calendar notices", n)
		}
	})
}
