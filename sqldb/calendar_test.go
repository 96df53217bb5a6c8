package sqldb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func mustDay(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation(sanlian.DateLayout, s, sanlian.Shanghai)
	MustOK(tb, err)
	return t
}

// due is the due date of n working days from the date from, by db's calendar.
func due(tb testing.TB, db *sqldb.DB, ctx context.Context, from string, n int) string {
	tb.Helper()
	c, err := db.Calendar(ctx)
	MustOK(tb, err)
	return c.AddWorkdays(mustDay(tb, from), n).Format(sanlian.DateLayout)
}

// TestCalendarService_Seed checks that the migration holds exactly the
// official calendar of workday.go, readable by every role.
func TestCalendarService_Seed(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		want := sanlian.OfficialCalendar()
		for _, role := range []string{"office", "leader", "unitadmin", "cadre", "sysadmin", "auditor"} {
			ys, err := db.FindCalendarYears(sqldbtest.As(users[role]))
			MustOK(t, err)
			if len(ys) != len(want) {
				t.Fatalf("%s: %d years held, want %d", role, len(ys), len(want))
			}
			for i, y := range ys {
				w := want[i]
				if y.Year != w.Year || !slices.Equal(y.Holidays, w.Holidays) || !slices.Equal(y.Workdays, w.Workdays) || y.Note != w.Note {
					t.Errorf("stored %d differs from OfficialCalendar():\n got %+v\nwant %+v", w.Year, y, w)
				}
				if y.Version != 1 || !y.UpdatedAt.IsZero() {
					t.Errorf("%d: version %d, updated %v; want 1 and never", y.Year, y.Version, y.UpdatedAt)
				}
			}
		}
		y, err := db.FindCalendarYear(sqldbtest.As(users["cadre"]), 2023)
		MustOK(t, err)
		if y.Holidays[0] != "2022-12-31" {
			t.Errorf("2023 starts with %s", y.Holidays[0])
		}
		_, err = db.FindCalendarYear(sqldbtest.As(users["office"]), 2028)
		MustCode(t, err, sanlian.ENOTFOUND)

		// SPEC §7's example, on the stored calendar.
		if got := due(t, db, sqldbtest.As(users["cadre"]), "2021-04-30", 15); got != "2021-05-25" {
			t.Errorf("15 working days from 2021-04-30: %s, want 2021-05-25", got)
		}

		anon := context.Background()
		_, err = db.FindCalendarYears(anon)
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		_, err = db.FindCalendarYear(anon, 2021)
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		_, err = db.Calendar(anon)
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		MustCode(t, db.SaveCalendarYear(anon, &sanlian.CalendarYear{Year: 2027}), sanlian.EUNAUTHORIZED)
	})
}

func TestCalendarService_SaveCalendarYear(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		newClock(db)
		office := sqldbtest.As(users["office"])
		cur, err := db.FindCalendarYear(office, 2021)
		MustOK(t, err)

		// A county-wide day off on Thursday 6 May 2021, typed out of order.
		edited := *cur
		edited.Holidays = append([]string{" 2021-05-06 "}, cur.Holidays...)
		edited.Note = cur.Note + "；5月6日县内放假"

		t.Run("ErrForbidden", func(t *testing.T) {
			for _, role := range []string{"leader", "unitadmin", "cadre", "sysadmin", "auditor"} {
				y := edited
				before := auditRows(t, raw)
				MustCode(t, db.SaveCalendarYear(sqldbtest.As(users[role]), &y), sanlian.EFORBIDDEN)
				if n := auditRows(t, raw); n != before {
					t.Errorf("%s: audit rows %d → %d", role, before, n)
				}
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			y := edited
			y.Workdays = append(slices.Clone(cur.Workdays), "2021-05-07") // a Friday
			MustField(t, db.SaveCalendarYear(office, &y), "workdays")
			y = edited
			y.Holidays = append(slices.Clone(cur.Holidays), "2021-13-01")
			MustField(t, db.SaveCalendarYear(office, &y), "holidays")
			y = edited
			y.Workdays = append(slices.Clone(cur.Workdays), "2021-05-01") // also a holiday
			MustField(t, db.SaveCalendarYear(office, &y), "workdays")
		})
		t.Run("OK", func(t *testing.T) {
			if got := due(t, db, office, "2021-04-30", 15); got != "2021-05-25" {
				t.Fatalf("before: %s", got)
			}
			before := auditRows(t, raw)
			y := edited
			MustOK(t, db.SaveCalendarYear(office, &y))
			if y.Version != 2 || y.UpdatedAt.IsZero() || y.Holidays[0] != "2021-01-01" || !slices.Contains(y.Holidays, "2021-05-06") {
				t.Errorf("saved year = %+v", y)
			}
			got, err := db.FindCalendarYear(sqldbtest.As(users["cadre"]), 2021)
			MustOK(t, err)
			if got.Version != 2 || len(got.Holidays) != len(cur.Holidays)+1 || got.Note != edited.Note || !got.UpdatedAt.Equal(y.UpdatedAt) {
				t.Errorf("stored year = %+v", got)
			}
			if n := auditRows(t, raw); n != before+1 {
				t.Errorf("audit rows %d → %d, want one more", before, n)
			}
			e := MustLastAudit(t, db, users)
			if e.Action != "update" || e.Entity != "calendar" || e.EntityID != "2021" || e.Actor != "office" {
				t.Errorf("audit row = %+v", e)
			}
			ch := auditChanges(t, e)
			if h, ok := ch["holidays"]; !ok || strings.Contains(h[0].(string), "2021-05-06") || !strings.Contains(h[1].(string), "2021-05-06") {
				t.Errorf("audit changes = %v", ch)
			}
			if _, ok := ch["workdays"]; ok {
				t.Errorf("unchanged workdays audited: %v", ch)
			}
			// The cache sees the save at once: 6 May is now a day off.
			if got := due(t, db, office, "2021-04-30", 15); got != "2021-05-26" {
				t.Errorf("after the save: %s, want 2021-05-26", got)
			}
		})
		t.Run("ErrStaleVersion", func(t *testing.T) {
			before := auditRows(t, raw)
			y := edited // version 1, as read before the save
			y.Note = "过期的表单"
			err := db.SaveCalendarYear(office, &y)
			MustCode(t, err, sanlian.ECONFLICT)
			if !strings.Contains(sanlian.ErrorMessage(err), "已被他人修改") {
				t.Errorf("message = %q", sanlian.ErrorMessage(err))
			}
			if n := auditRows(t, raw); n != before {
				t.Errorf("audit rows %d → %d", before, n)
			}
			got, _ := db.FindCalendarYear(office, 2021)
			if got.Version != 2 || got.Note == "过期的表单" {
				t.Errorf("stale save applied: %+v", got)
			}
		})
		t.Run("Create", func(t *testing.T) {
			y := &sanlian.CalendarYear{Year: 2029, Holidays: []string{"2029-01-01"}, Note: "暂按元旦录入"}
			MustOK(t, db.SaveCalendarYear(office, y))
			if y.Version != 1 || y.Workdays == nil {
				t.Errorf("created year = %+v", y)
			}
			e := MustLastAudit(t, db, users)
			if e.Action != "create" || e.Entity != "calendar" || e.EntityID != "2029" {
				t.Errorf("audit row = %+v", e)
			}
			c, err := db.Calendar(office)
			MustOK(t, err)
			if !c.Covers(2029) || c.IsWorkday(mustDay(t, "2029-01-01")) {
				t.Error("the new year is not in the calendar")
			}
			// Creating it again from a form that did not know it exists.
			again := &sanlian.CalendarYear{Year: 2029, Holidays: []string{"2029-01-01"}}
			MustCode(t, db.SaveCalendarYear(office, again), sanlian.ECONFLICT)
			// Updating a year never created.
			MustCode(t, db.SaveCalendarYear(office, &sanlian.CalendarYear{Year: 2032, Version: 3}), sanlian.ENOTFOUND)
		})
		t.Run("SystemIsOffice", func(t *testing.T) {
			y := &sanlian.CalendarYear{Year: 2030}
			MustOK(t, db.SaveCalendarYear(system, y))
			if e := MustLastAudit(t, db, users); e.Actor != "system" || e.EntityID != "2030" {
				t.Errorf("audit row = %+v", e)
			}
		})
	})
}

// TestCalendarService_CacheAcrossNodes checks that a node sees a save made
// by another node on the same database within a minute.
func TestCalendarService_CacheAcrossNodes(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		other, err := sqldb.Open(context.Background(), db.DSN, sqldb.Options{MaxConns: 2})
		MustOK(t, err)
		t.Cleanup(func() { other.Close() })
		clk := newClock(other)

		c1, err := other.Calendar(office)
		MustOK(t, err)
		if c2, _ := other.Calendar(office); c2 != c1 {
			t.Error("the calendar is rebuilt on every call")
		}
		y, err := db.FindCalendarYear(office, 2021)
		MustOK(t, err)
		y.Holidays = append(y.Holidays, "2021-05-06")
		MustOK(t, db.SaveCalendarYear(office, y))

		if got := due(t, other, office, "2021-04-30", 15); got != "2021-05-25" {
			t.Errorf("the other node reloaded at once: %s", got)
		}
		clk.Advance(59 * time.Second)
		if got := due(t, other, office, "2021-04-30", 15); got != "2021-05-25" {
			t.Errorf("the other node reloaded within the minute: %s", got)
		}
		clk.Advance(2 * time.Second)
		if got := due(t, other, office, "2021-04-30", 15); got != "2021-05-26" {
			t.Errorf("the other node after a minute: %s, want 2021-05-26", got)
		}
	})
}
