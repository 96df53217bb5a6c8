package sanlian_test

import (
	"strings"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"sanlian"
)

// TestOfficialCalendar_LunarGo checks every year shipped against the
// official schedules lunar-go's HolidayUtil carries, day by day: the same
// days off and the same make-up working days. A notice's weekend days next
// to a holiday (与周末连休) are days off either way, so for a weekend day
// only whether it is worked is compared.
func TestOfficialCalendar_LunarGo(t *testing.T) {
	ys := sanlian.OfficialCalendar()
	first, last := ys[0].Year, ys[len(ys)-1].Year
	if first != 2021 || last != 2027 {
		t.Fatalf("official years %d–%d", first, last)
	}
	for d := date(t, "2021-01-01"); d.Year() <= last; d = d.AddDate(0, 0, 1) {
		h := HolidayUtil.GetHolidayByYmd(d.Year(), int(d.Month()), d.Day())
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		wantWork := !weekend
		if h != nil {
			wantWork = h.IsWork()
		}
		if got := official.IsWorkday(d); got != wantWork {
			t.Errorf("%s: IsWorkday = %v, lunar-go %v (%v)", day(d), got, wantWork, h)
		}
		if got, want := official.IsMakeupWorkday(d), h != nil && h.IsWork(); got != want {
			t.Errorf("%s: IsMakeupWorkday = %v, lunar-go %v", day(d), got, want)
		}
		if !weekend {
			if got, want := official.IsHoliday(d), h != nil && !h.IsWork(); got != want {
				t.Errorf("%s: IsHoliday = %v, lunar-go %v", day(d), got, want)
			}
		}
	}
}

func TestStatutoryHolidays(t *testing.T) {
	for _, tc := range []struct {
		name string
		year int
		want []string // "date name" or "date name←for" of the days listed
	}{
		// 2028: 元旦 on Saturday → Monday 3 January; 端午 (五月初五) on
		// Sunday 28 May → Monday 29; 国庆 1 October is a Sunday, and 中秋
		// (八月十五) is 3 October, a day 国庆 already takes: two days off
		// lost, made up on the next two working days, 4 and 5 October.
		{"Cluster2028", 2028, []string{
			"2028-01-01 元旦", "2028-01-03 元旦补假←2028-01-01",
			"2028-01-25 春节", "2028-01-26 春节", "2028-01-27 春节", "2028-01-28 春节",
			"2028-04-04 清明节", "2028-05-01 劳动节", "2028-05-02 劳动节",
			"2028-05-28 端午节", "2028-05-29 端午节补假←2028-05-28",
			"2028-10-01 国庆节", "2028-10-02 国庆节", "2028-10-03 中秋节", "2028-10-03 国庆节",
			"2028-10-04 国庆节补假←2028-10-01", "2028-10-05 国庆节补假←2028-10-03"}},
		// 2020: 中秋 and 国庆 on Thursday 1 October, 3 October a
		// Saturday: 补假 Monday 5 and Tuesday 6. 春节 1月25日 (Saturday):
		// 初一 and 初二 are made up on 28 and 29 January, after 初三.
		{"Coincide2020", 2020, []string{
			"2020-01-01 元旦", "2020-01-24 春节", "2020-01-25 春节", "2020-01-26 春节", "2020-01-27 春节",
			"2020-01-28 春节补假←2020-01-25", "2020-01-29 春节补假←2020-01-26",
			"2020-04-04 清明节", "2020-04-06 清明节补假←2020-04-04",
			"2020-05-01 劳动节", "2020-05-02 劳动节", "2020-05-04 劳动节补假←2020-05-02",
			"2020-06-25 端午节", "2020-10-01 中秋节", "2020-10-01 国庆节", "2020-10-02 国庆节", "2020-10-03 国庆节",
			"2020-10-05 国庆节补假←2020-10-01", "2020-10-06 国庆节补假←2020-10-03"}},
		// 2032: 劳动节 on Saturday and Sunday 1–2 May → Monday and
		// Tuesday; 中秋 on Sunday 19 September → Monday 20; 国庆 2 and 3
		// October on the weekend → 4 and 5 October.
		{"Weekends2032", 2032, []string{
			"2032-01-01 元旦", "2032-02-10 春节", "2032-02-11 春节", "2032-02-12 春节", "2032-02-13 春节",
			"2032-04-04 清明节", "2032-04-05 清明节补假←2032-04-04",
			"2032-05-01 劳动节", "2032-05-02 劳动节", "2032-05-03 劳动节补假←2032-05-01", "2032-05-04 劳动节补假←2032-05-02",
			"2032-06-12 端午节", "2032-06-14 端午节补假←2032-06-12",
			"2032-09-19 中秋节", "2032-09-20 中秋节补假←2032-09-19",
			"2032-10-01 国庆节", "2032-10-02 国庆节", "2032-10-03 国庆节",
			"2032-10-04 国庆节补假←2032-10-02", "2032-10-05 国庆节补假←2032-10-03"}},
		{"OutOfRange", sanlian.MaxCalendarYear + 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range sanlian.StatutoryHolidays(tc.year) {
				g := s.Date + " " + s.Name
				if s.For != "" {
					g += "←" + s.For
				}
				got = append(got, g)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestStatutoryHolidays_Rules checks every year the office may keep: 13
// statutory days, each 补假 on a day that is neither a weekend day nor a
// holiday nor another 补假, and after the day it stands in for.
func TestStatutoryHolidays_Rules(t *testing.T) {
	for y := sanlian.MinCalendarYear; y <= sanlian.MaxCalendarYear; y++ {
		days := sanlian.StatutoryHolidays(y)
		n, off := 0, map[string]bool{}
		for _, s := range days {
			if s.For == "" {
				n++
				off[s.Date] = true
			}
		}
		if n != 13 {
			t.Errorf("%d: %d statutory days", y, n)
		}
		seen := map[string]bool{}
		for _, s := range days {
			if s.For == "" {
				continue
			}
			d := date(t, s.Date)
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday || off[s.Date] || seen[s.Date] || s.Date <= s.For {
				t.Errorf("%d: 补假 %s for %s", y, s.Date, s.For)
			}
			seen[s.Date] = true
		}
		py := sanlian.ProvisionalYear(y)
		if err := py.Validate(); err != nil || !py.Provisional || len(py.Workdays) != 0 {
			t.Errorf("%d: provisional year %+v: %v", y, py, err)
		}
	}
}

func TestCalendar_DeadlineOf(t *testing.T) {
	for _, tc := range []struct {
		name        string
		from        string
		n           int
		due         string // the last day counted
		provisional bool
	}{
		// The 2027 notice: 1–3 January off.
		{"NewYear2027", "2026-12-31", 1, "2027-01-04", false},
		// 5–13 February off, Sunday 14 February worked.
		{"SpringFestival2027", "2027-02-04", 1, "2027-02-14", false},
		// 1–7 October off, Friday 8 October a working day.
		{"NationalDay2027", "2027-09-30", 1, "2027-10-08", false},
		{"LastDayOf2027", "2027-12-30", 1, "2027-12-31", false},
		// 2028 is not held. 元旦 falls on Saturday 1 January 2028, so its
		// 补假 is Monday 3 January (Art. 6); Sunday 2 January is a weekend
		// day: the first working day after Friday 31 December 2027 is
		// Tuesday 4 January.
		{"IntoProvisional2028", "2027-12-31", 1, "2028-01-04", true},
		// 国庆 2028: 1 October is a Sunday (补假 4 October) and 中秋, 3
		// October, coincides with 国庆's third day (补假 5 October); with
		// Saturday 30 September, 30 September–5 October are off: the
		// first working day after Friday 29 September is Friday 6 October.
		{"NationalDay2028", "2028-09-29", 1, "2028-10-06", true},
		// Nothing counted: nothing provisional.
		{"Zero", "2028-09-29", 0, "2028-09-29", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, prov := official.DeadlineOf(date(t, tc.from), tc.n)
			if sanlian.DeadlineDate(got) != tc.due || prov != tc.provisional {
				t.Errorf("DeadlineOf(%s, %d) = %s, %v; want %s, %v", tc.from, tc.n, sanlian.DeadlineDate(got), prov, tc.due, tc.provisional)
			}
			if !got.Equal(official.Deadline(date(t, tc.from), tc.n)) {
				t.Error("DeadlineOf and Deadline disagree")
			}
		})
	}
}

// TestNewCalendar_ProvisionalYear checks that a held year replaces the
// provisional one, and that a year marked Provisional is not held.
func TestNewCalendar_ProvisionalYear(t *testing.T) {
	c := sanlian.NewCalendar([]*sanlian.CalendarYear{sanlian.ProvisionalYear(2028)})
	if c.Covers(2028) || !c.Provisional(2028) || !c.IsHoliday(date(t, "2028-01-03")) {
		t.Error("a provisional year counts as held")
	}
	held := sanlian.NewCalendar([]*sanlian.CalendarYear{{Year: 2028, Holidays: []string{"2028-01-01"}}})
	if !held.Covers(2028) || held.Provisional(2028) || !held.IsWorkday(date(t, "2028-01-03")) || !held.Provisional(2029) {
		t.Error("a held year does not replace its provisional calendar")
	}
	// A held year's date in the year before overrides that provisional year.
	next := sanlian.NewCalendar([]*sanlian.CalendarYear{{Year: 2029, Holidays: []string{"2028-12-29"}}})
	if next.IsWorkday(date(t, "2028-12-29")) || next.IsWorkday(date(t, "2028-10-05")) {
		t.Error("2028 is not provisional beside a held 2029")
	}
}

func TestRecountDue(t *testing.T) {
	at := func(s string) time.Time { return date(t, s).Add(10 * time.Hour) } // 10:00 that day
	end := func(s string) time.Time { return date(t, s).AddDate(0, 0, 1) }   // 24:00 that day
	old := official                                                          // 2028 provisional
	// The office confirms 2028 with a schedule unlike the statutory one:
	// 1–2 January off (so 3 January is worked), 30 September–7 October
	// off with Sunday 8 October worked.
	cal := sanlian.NewCalendar(append(sanlian.OfficialCalendar(), &sanlian.CalendarYear{Year: 2028,
		Holidays: []string{"2028-01-01", "2028-01-02", "2028-09-30", "2028-10-01", "2028-10-02", "2028-10-03", "2028-10-04",
			"2028-10-05", "2028-10-06", "2028-10-07"},
		Workdays: []string{"2028-10-08"}}))
	for _, tc := range []struct {
		name    string
		p       sanlian.Problem
		from    sanlian.DueStarts
		want    [3]string // assign, accept, resolve due dates after
		prov    bool
		changed bool
	}{
		{
			// Assigned Friday 29 September 2028: accept 1 working day,
			// resolve 15. Provisionally 6 October and 26 October; on the
			// confirmed calendar the accept deadline is Sunday 8 October
			// (a make-up day), and the resolve deadline stays 26 October
			// (6 October is now off but 8 October worked).
			name: "Assigned",
			p:    sanlian.Problem{AcceptDue: end("2028-10-06"), ResolveDue: end("2028-10-26"), DueProvisional: true},
			from: sanlian.DueStarts{Accept: at("2028-09-29"), Resolve: at("2028-09-29")},
			want: [3]string{"", "2028-10-08", "2028-10-26"}, changed: true,
		},
		{
			// An approved extension to 31 October is not recounted (its
			// start is zero); the accept deadline is.
			name: "Extended",
			p:    sanlian.Problem{AcceptDue: end("2028-10-06"), ResolveDue: end("2028-10-31"), DueProvisional: true},
			from: sanlian.DueStarts{Accept: at("2028-09-29")},
			want: [3]string{"", "2028-10-08", "2028-10-31"}, changed: true,
		},
		{
			// A resolve deadline that old does not give from its start
			// (set by hand on a day off) stays.
			name: "NotCounted",
			p:    sanlian.Problem{ResolveDue: end("2028-10-01"), DueProvisional: true},
			from: sanlian.DueStarts{Resolve: at("2028-09-29")},
			want: [3]string{"", "", "2028-10-01"}, changed: true,
		},
		{
			// Dispatch deadline from Friday 31 December 2027: provisionally
			// 4 January 2028 (3 January is 元旦's 补假); confirmed 3 January.
			name: "AssignDue",
			p:    sanlian.Problem{AssignDue: end("2028-01-04"), DueProvisional: true},
			from: sanlian.DueStarts{Assign: at("2027-12-31")},
			want: [3]string{"2028-01-03", "", ""}, changed: true,
		},
		{
			// Counted from December 2028 into 2029, which stays
			// provisional: the deadline is the same, the mark stays.
			name: "StillProvisional",
			p:    sanlian.Problem{AcceptDue: end("2029-01-02"), DueProvisional: true},
			from: sanlian.DueStarts{Accept: at("2028-12-29")},
			want: [3]string{"", "2029-01-02", ""}, prov: true,
		},
		{
			// Counted within 2027 only: nothing to do.
			name: "Official",
			p:    sanlian.Problem{AcceptDue: end("2027-12-31")},
			from: sanlian.DueStarts{Accept: at("2027-12-30")},
			want: [3]string{"", "2027-12-31", ""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sanlian.RecountDue(&tc.p, tc.from, old, cal, 2028)
			got := [3]string{sanlian.DeadlineDate(r.AssignDue), sanlian.DeadlineDate(r.AcceptDue), sanlian.DeadlineDate(r.ResolveDue)}
			if got != tc.want || r.Provisional != tc.prov || r.Changed != tc.changed {
				t.Errorf("RecountDue = %v, provisional %v, changed %v; want %v, %v, %v", got, r.Provisional, r.Changed, tc.want, tc.prov, tc.changed)
			}
		})
	}
}

func TestCalendarReminderYear(t *testing.T) {
	at := func(s string) time.Time { return date(t, s).Add(9 * time.Hour) }
	held2028 := sanlian.NewCalendar(append(sanlian.OfficialCalendar(), &sanlian.CalendarYear{Year: 2028}))
	for _, tc := range []struct {
		name string
		now  time.Time
		cal  *sanlian.Calendar
		want int
		key  string
	}{
		{"October", at("2027-10-31"), official, 0, ""},
		{"FirstOfNovember", at("2027-11-01"), official, 2028, "calendar:2028:2027-W44"},
		// 31 October 16:30 UTC is already 1 November in Shanghai.
		{"ShanghaiMidnight", time.Date(2027, 10, 31, 16, 30, 0, 0, time.UTC), official, 2028, "calendar:2028:2027-W44"},
		{"December", at("2027-12-31"), official, 2028, "calendar:2028:2027-W52"},
		{"Confirmed", at("2027-12-01"), held2028, 0, ""},
		{"NextYearHeld", at("2026-12-07"), official, 0, ""},
		// Into 2028 and still not entered: the reminder goes on.
		{"January", at("2028-01-03"), official, 2028, "calendar:2028:2028-W01"},
		{"JanuaryHeld", at("2028-01-03"), held2028, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sanlian.CalendarReminderYear(tc.now, tc.cal)
			if got != tc.want {
				t.Errorf("CalendarReminderYear = %d, want %d", got, tc.want)
			}
			if got != 0 {
				if k := sanlian.CalendarReminderKey(got, tc.now); k != tc.key {
					t.Errorf("key %s, want %s", k, tc.key)
				}
			}
		})
	}
}

// TestDueStartsOf: where the recount counts each deadline from.
func TestDueStartsOf(t *testing.T) {
	at := func(s string) time.Time { return date(t, s).Add(10 * time.Hour) } // 10:00 that day
	assigned, created := at("2028-09-29"), at("2028-09-28")
	reopened, returned := at("2028-10-09"), at("2028-10-10")
	for _, tc := range []struct {
		name      string
		state     string
		resolveBy string
		want      sanlian.DueStarts
	}{
		{"NoEventSays", sanlian.StateAccepted, "", sanlian.DueStarts{Accept: assigned, Resolve: assigned}},
		{"Reopened", sanlian.StateAccepted, sanlian.ActionReopen, sanlian.DueStarts{Accept: assigned, Resolve: reopened}},
		{"ExtendedIsNoCount", sanlian.StateAccepted, sanlian.ActionExtend, sanlian.DueStarts{Accept: assigned}},
		{"AwaitingDispatch", sanlian.StateSubmitted, "", sanlian.DueStarts{Assign: returned, Accept: assigned, Resolve: assigned}},
	} {
		p := &sanlian.Problem{State: tc.state, CreatedAt: created, AssignedAt: assigned}
		if got := sanlian.DueStartsOf(p, tc.resolveBy, reopened, returned); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	p := &sanlian.Problem{State: sanlian.StateSubmitted, CreatedAt: created}
	if got := sanlian.DueStartsOf(p, "", time.Time{}, time.Time{}); !got.Assign.Equal(created) {
		t.Errorf("awaiting dispatch, no event: %+v, want from its entry", got)
	}
}
