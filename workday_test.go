package sanlian_test

import (
	"testing"
	"time"

	"sanlian"
)

// official is the calendar of the State Council notices 2021–2027.
var official = sanlian.NewCalendar(sanlian.OfficialCalendar())

// date is 00:00 Asia/Shanghai of a "2006-01-02" date.
func date(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation(sanlian.DateLayout, s, sanlian.Shanghai)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func day(t time.Time) string { return t.In(sanlian.Shanghai).Format(sanlian.DateLayout) }

func TestCalendar_AddWorkdays(t *testing.T) {
	for _, tc := range []struct {
		name string
		from string
		n    int
		due  string
	}{
		// SPEC §7: May Day 2021 is 1–5 May, with Saturday 8 May worked.
		{"SpecExample", "2021-04-30", 15, "2021-05-25"},
		{"MayDayFirstDay", "2021-04-30", 1, "2021-05-06"},
		{"MakeupSaturdayCounts", "2021-04-30", 3, "2021-05-08"},
		{"FridayBeforeMakeupSunday", "2021-02-05", 1, "2021-02-07"},
		{"FridayBeforeMakeupSundayAutumn", "2021-09-24", 1, "2021-09-26"},
		{"FridayNoMakeup", "2021-05-14", 1, "2021-05-17"},
		{"SpringFestival2021", "2021-02-10", 1, "2021-02-18"},
		{"SpringFestival2021Makeup", "2021-02-10", 3, "2021-02-20"},
		{"SpringFestival2021Resolve", "2021-02-09", 15, "2021-03-08"},
		{"NewYearsEve2024IsWorked", "2024-02-08", 1, "2024-02-09"},
		{"SpringFestival2024", "2024-02-08", 2, "2024-02-18"},
		{"SpringFestival2026MakeupSaturday", "2026-02-13", 1, "2026-02-14"},
		{"SpringFestival2026", "2026-02-13", 2, "2026-02-24"},
		{"NationalDay2023", "2023-09-28", 1, "2023-10-07"},
		{"YearEnd2022", "2022-12-30", 1, "2023-01-03"},
		{"YearEnd2021Resolve", "2021-12-24", 15, "2022-01-17"},
		{"YearEnd2025IntoMakeupSunday", "2025-12-31", 1, "2026-01-04"},
		{"FromHoliday", "2021-05-03", 1, "2021-05-06"},
		{"FromWeekend", "2021-05-09", 1, "2021-05-10"},
		{"Zero", "2021-05-01", 0, "2021-05-01"},
		{"Negative", "2021-05-01", -3, "2021-05-01"},
		// 2027 notice: 1–3 January off, 5–13 February off with Sundays
		// 31 January and 14 February worked, 1–7 October off with
		// Saturday 9 October worked.
		{"NewYear2027", "2026-12-31", 1, "2027-01-04"},
		{"NewYear2027Second", "2026-12-31", 2, "2027-01-05"},
		{"SpringFestival2027MakeupSunday", "2027-02-04", 1, "2027-02-14"},
		{"SpringFestival2027BeforeMakeupSunday", "2027-01-29", 1, "2027-01-31"},
		{"NationalDay2027", "2027-09-30", 1, "2027-10-08"},
		{"NationalDay2027Makeup", "2027-09-30", 2, "2027-10-09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := official.AddWorkdays(date(t, tc.from), tc.n)
			if day(got) != tc.due {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.from, tc.n, day(got), tc.due)
			}
			if !got.Equal(date(t, tc.due)) {
				t.Errorf("AddWorkdays(%s, %d) = %v, want 00:00 Asia/Shanghai", tc.from, tc.n, got)
			}
			dl := official.Deadline(date(t, tc.from), tc.n)
			if want := date(t, tc.due).AddDate(0, 0, 1); !dl.Equal(want) {
				t.Errorf("Deadline(%s, %d) = %v, want %v", tc.from, tc.n, dl, want)
			}
		})
	}
}

// TestCalendar_ShanghaiBoundary checks that dates are Asia/Shanghai dates
// and deadlines end at 24:00 there, whatever the server's zone.
func TestCalendar_ShanghaiBoundary(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = saved })

	// 23:59:59 on 30 April in Shanghai is still 30 April.
	late := time.Date(2021, 4, 30, 15, 59, 59, 0, time.UTC)
	if got := day(official.AddWorkdays(late, 15)); got != "2021-05-25" {
		t.Errorf("from 30 Apr 23:59:59 +08: due %s, want 2021-05-25", got)
	}
	dl := official.Deadline(late, 15)
	if want := time.Date(2021, 5, 25, 16, 0, 0, 0, time.UTC); !dl.Equal(want) {
		t.Errorf("deadline = %v, want %v (24:00 of 25 May in Shanghai)", dl.UTC(), want)
	}
	if got := dl.Format(time.RFC3339); got != "2021-05-26T00:00:00+08:00" {
		t.Errorf("deadline RFC 3339 = %s", got)
	}
	// One nanosecond before the deadline is still the due date; the
	// deadline itself is the next day.
	if got := day(dl.Add(-time.Nanosecond)); got != "2021-05-25" {
		t.Errorf("just before the deadline is %s", got)
	}
	if got := day(dl); got != "2021-05-26" {
		t.Errorf("the deadline is on %s", got)
	}
	// 00:30 on Friday 14 May in Shanghai is 16:30 UTC on Thursday 13 May:
	// Friday is the starting day, so 1 working day ends on Monday.
	early := time.Date(2021, 5, 13, 16, 30, 0, 0, time.UTC)
	if got := day(official.AddWorkdays(early, 1)); got != "2021-05-17" {
		t.Errorf("from 14 May 00:30 +08: due %s, want 2021-05-17", got)
	}
	if got := official.Deadline(early, 1); !got.Equal(time.Date(2021, 5, 17, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("from 14 May 00:30 +08: deadline %v", got.UTC())
	}
	// Saturday 8 May 2021 (worked) begins at 16:00 UTC on 7 May.
	if !official.IsWorkday(time.Date(2021, 5, 7, 16, 30, 0, 0, time.UTC)) {
		t.Error("00:30 on make-up Saturday 8 May is not a working day")
	}
	if official.IsWorkday(time.Date(2021, 5, 8, 16, 30, 0, 0, time.UTC)) {
		t.Error("00:30 on Sunday 9 May is a working day")
	}
	if !official.IsWorkday(time.Date(2021, 5, 8, 15, 59, 0, 0, time.UTC)) {
		t.Error("23:59 on make-up Saturday 8 May is not a working day")
	}
	// The same instant in any zone gives the same answer.
	ny, _ := time.LoadLocation("America/New_York")
	if ny != nil {
		inNY := late.In(ny)
		if !official.Deadline(inNY, 15).Equal(dl) {
			t.Error("deadline depends on the zone of from")
		}
	}
}

func TestCalendar_IsWorkday(t *testing.T) {
	for s, want := range map[string]bool{
		"2021-05-01": false, // Labour Day, Saturday
		"2021-05-04": false, // holiday on a Tuesday
		"2021-05-06": true,
		"2021-05-08": true,  // make-up Saturday
		"2021-05-09": false, // Sunday
		"2021-02-07": true,  // make-up Sunday
		"2022-12-31": false, // New Year 2023, listed in the 2023 notice
		"2023-01-02": false,
		"2023-01-03": true,
		"2024-02-09": true, // New Year's Eve 2024 is a working day
		"2025-10-08": false,
		"2025-10-11": true,
		"2026-01-04": true,
		"2026-09-20": true,
		"2027-01-01": false, // 2027 notice
		"2027-01-31": true,
		"2028-01-03": false, // not held: 补假 of 元旦 on Saturday 2028-01-01
		"2028-01-04": true,
	} {
		if got := official.IsWorkday(date(t, s)); got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", s, got, want)
		}
	}
	if !official.IsHoliday(date(t, "2021-05-01")) || official.IsHoliday(date(t, "2021-05-08")) || official.IsHoliday(date(t, "2021-05-09")) {
		t.Error("IsHoliday wrong around May Day 2021")
	}
	if !official.IsMakeupWorkday(date(t, "2021-05-08")) || official.IsMakeupWorkday(date(t, "2021-05-07")) || official.IsMakeupWorkday(date(t, "2021-05-09")) {
		t.Error("IsMakeupWorkday wrong around May Day 2021")
	}
}

func TestCalendar_WorkdaysBetween(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2021-04-30", "2021-05-25", 15},
		{"2021-04-30", "2021-05-06", 1},
		{"2021-04-30", "2021-05-05", 0},
		{"2021-04-30", "2021-04-30", 0},
		{"2021-05-25", "2021-04-30", 0},
		{"2021-02-10", "2021-02-20", 3},
		{"2022-12-30", "2023-01-03", 1},
		{"2021-12-24", "2022-01-17", 15},
		{"2026-12-31", "2027-01-04", 1},
		{"2027-12-31", "2028-01-04", 1}, // provisional 2028: 1 Jan Saturday, 补假 Monday 3 Jan
	} {
		if got := official.WorkdaysBetween(date(t, tc.from), date(t, tc.to)); got != tc.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
	// Times within the dates do not matter, only the Shanghai dates.
	from := time.Date(2021, 4, 30, 17, 45, 0, 0, sanlian.Shanghai)
	to := time.Date(2021, 5, 25, 8, 5, 0, 0, sanlian.Shanghai)
	if got := official.WorkdaysBetween(from, to); got != 15 {
		t.Errorf("WorkdaysBetween with times = %d, want 15", got)
	}
	// Working days per year, counted by WorkdaysBetween and day by day.
	for year, want := range map[int]int{2021: 250, 2022: 249, 2023: 249, 2024: 251, 2025: 248, 2026: 248} {
		start := time.Date(year-1, 12, 31, 0, 0, 0, 0, sanlian.Shanghai)
		end := time.Date(year, 12, 31, 0, 0, 0, 0, sanlian.Shanghai)
		byDay := 0
		for d := start.AddDate(0, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
			if official.IsWorkday(d) {
				byDay++
			}
		}
		if got := official.WorkdaysBetween(start, end); got != byDay || got != want {
			t.Errorf("%d: WorkdaysBetween = %d, day by day %d, want %d", year, got, byDay, want)
		}
	}
}

// TestCalendar_Consistent checks AddWorkdays and WorkdaysBetween against
// each other for every start date 2020–2028 and periods up to 40 days.
func TestCalendar_Consistent(t *testing.T) {
	for _, c := range []*sanlian.Calendar{official, nil, sanlian.NewCalendar(nil)} {
		for d := date(t, "2020-11-01"); d.Year() < 2029; d = d.AddDate(0, 0, 1) {
			for _, n := range []int{1, 2, 5, 15, 40} {
				due := c.AddWorkdays(d, n)
				if got := c.WorkdaysBetween(d, due); got != n {
					t.Fatalf("WorkdaysBetween(%s, AddWorkdays(%d)=%s) = %d", day(d), n, day(due), got)
				}
				if !c.IsWorkday(due) {
					t.Fatalf("AddWorkdays(%s, %d) = %s is not a working day", day(d), n, day(due))
				}
			}
		}
	}
}

func TestCalendar_Covers(t *testing.T) {
	for y := 2021; y <= 2027; y++ {
		if !official.Covers(y) || official.Provisional(y) {
			t.Errorf("Covers(%d) = false or Provisional(%d) = true", y, y)
		}
	}
	if official.Covers(2020) || official.Covers(2028) || !official.Provisional(2020) || !official.Provisional(2028) {
		t.Error("covers a year not held")
	}
	if official.Provisional(sanlian.MaxCalendarYear+1) || official.Provisional(sanlian.MinCalendarYear-1) {
		t.Error("a year out of range is provisional")
	}
	if got := official.Years(); len(got) != 7 || got[0] != 2021 || got[6] != 2027 {
		t.Errorf("Years() = %v", got)
	}
	var none *sanlian.Calendar
	if none.Covers(2021) || none.Provisional(2028) || none.IsHoliday(date(t, "2021-05-03")) || !none.IsWorkday(date(t, "2021-05-03")) {
		t.Error("nil calendar is not plain weekdays")
	}
	if got := day(none.AddWorkdays(date(t, "2021-04-30"), 15)); got != "2021-05-21" {
		t.Errorf("nil calendar: 15 working days from 2021-04-30 = %s, want 2021-05-21", got)
	}
}

// TestNewCalendar_OwnYearWins: a date listed by two years counts as the
// year it falls in says.
func TestNewCalendar_OwnYearWins(t *testing.T) {
	c := sanlian.NewCalendar([]*sanlian.CalendarYear{
		{Year: 2023, Holidays: []string{"2022-12-30"}},
		{Year: 2022, Workdays: []string{"2022-12-30"}, Holidays: []string{"2023-01-03"}},
		{Year: 2024, Holidays: []string{"2024-03-05", "not a date"}, Workdays: []string{"2024-03-05"}},
	})
	if !c.IsWorkday(date(t, "2022-12-30")) {
		t.Error("2022's own entry did not win over 2023's")
	}
	if c.IsWorkday(date(t, "2023-01-03")) {
		t.Error("a neighbouring year's entry is ignored")
	}
	if c.IsWorkday(date(t, "2024-03-05")) {
		t.Error("a date listed both ways is not a holiday")
	}
}

func TestOfficialCalendar(t *testing.T) {
	ys := sanlian.OfficialCalendar()
	if len(ys) != 7 {
		t.Fatalf("%d years", len(ys))
	}
	holidays := map[int]int{2021: 31, 2022: 31, 2023: 27, 2024: 28, 2025: 28, 2026: 33, 2027: 29}
	workdays := map[int]int{2021: 7, 2022: 7, 2023: 7, 2024: 8, 2025: 5, 2026: 6, 2027: 5}
	for _, y := range ys {
		if err := y.Validate(); err != nil {
			t.Errorf("%d: %v %v", y.Year, err, sanlian.ErrorFields(err))
		}
		if len(y.Holidays) != holidays[y.Year] || len(y.Workdays) != workdays[y.Year] {
			t.Errorf("%d: %d holidays, %d make-up days; want %d, %d", y.Year, len(y.Holidays), len(y.Workdays), holidays[y.Year], workdays[y.Year])
		}
		if y.Note == "" {
			t.Errorf("%d: no note naming the notice", y.Year)
		}
	}
	if ys[2].Holidays[0] != "2022-12-31" {
		t.Errorf("2023 starts with %s, want 2022-12-31", ys[2].Holidays[0])
	}
	// Each call returns values of its own.
	ys[0].Holidays[0] = "changed"
	if sanlian.OfficialCalendar()[0].Holidays[0] != "2021-01-01" {
		t.Error("OfficialCalendar shares its slices")
	}
}

func TestCalendarYear_Validate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		y     sanlian.CalendarYear
		field string
	}{
		{"BadDate", sanlian.CalendarYear{Year: 2027, Holidays: []string{"2027-02-30"}}, "holidays"},
		{"BadFormat", sanlian.CalendarYear{Year: 2027, Holidays: []string{"2027-2-1"}}, "holidays"},
		{"OtherYear", sanlian.CalendarYear{Year: 2027, Holidays: []string{"2028-05-01"}}, "holidays"},
		{"TooEarly", sanlian.CalendarYear{Year: 2027, Holidays: []string{"2026-11-30"}}, "holidays"},
		{"Duplicate", sanlian.CalendarYear{Year: 2027, Holidays: []string{"2027-01-01", "2027-01-01"}}, "holidays"},
		{"Both", sanlian.CalendarYear{Year: 2027, Holidays: []string{"2027-02-06"}, Workdays: []string{"2027-02-06"}}, "workdays"},
		{"MakeupOnWeekday", sanlian.CalendarYear{Year: 2027, Workdays: []string{"2027-02-05"}}, "workdays"},
		{"Year", sanlian.CalendarYear{Year: 1999}, "year"},
		{"Version", sanlian.CalendarYear{Year: 2027, Version: -1}, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.y.Validate()
			if sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE {
				t.Fatalf("error = %v, want EUNPROCESSABLE", err)
			}
			msg, ok := sanlian.ErrorFields(err)[tc.field]
			if !ok || msg == "" {
				t.Fatalf("fields = %v, want one for %s", sanlian.ErrorFields(err), tc.field)
			}
			t.Log(msg)
		})
	}
	ok := sanlian.CalendarYear{Year: 2027, Holidays: []string{" 2027-01-01 ", "2026-12-31", "", "2028-01-01"}, Workdays: []string{"2027-02-06"}}
	ok.Normalize()
	if err := ok.Validate(); err != nil {
		t.Errorf("valid year refused: %v %v", err, sanlian.ErrorFields(err))
	}
	if len(ok.Holidays) != 3 || ok.Holidays[0] != "2026-12-31" {
		t.Errorf("Normalize: %q", ok.Holidays)
	}
}
