package sanlian

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// DateLayout is how every calendar date is written: "2021-05-01", read in
// Asia/Shanghai.
const DateLayout = "2006-01-02"

// MaxDeadlineDays bounds the working days one deadline may count, so that a
// typing slip cannot schedule a problem years ahead.
const MaxDeadlineDays = 365

// Calendar answers working-day questions on the official Chinese calendar
// (SPEC §3): public holidays are days off, make-up working days (调休) are
// working days, any other day is a working day from Monday to Friday. Every
// date is the calendar date in Asia/Shanghai, whatever time.Local is.
//
// A year the calendar does not hold (no State Council notice yet, or one
// the office has not entered) is counted on its provisional calendar,
// StatutoryHolidays (SPEC §3); Provisional and DeadlineOf tell when an
// answer rests on one.
//
// A Calendar is built once by NewCalendar and never changed, so one value is
// safe for concurrent use. The nil *Calendar knows no holidays: it counts
// plain weekdays.
type Calendar struct {
	years map[int]bool
	// status holds every date whose kind differs from, or was confirmed
	// against, the plain weekday rule: true = working, false = day off.
	status map[day]bool
	// exDays are the dates where status disagrees with the weekday rule,
	// ascending; exCum[i] is the sum of their corrections up to and
	// including exDays[i] (+1 for a make-up working day, -1 for a
	// holiday on a weekday). They make WorkdaysBetween O(log n).
	exDays []day
	exCum  []int
}

// day is a calendar date as a count of days since 1970-01-01.
type day int32

func civil(y int, m time.Month, d int) day {
	return day(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400))
}

// dayOf is t's calendar date in Asia/Shanghai.
func dayOf(t time.Time) day {
	y, m, d := t.In(Shanghai).Date()
	return civil(y, m, d)
}

// midnight is 00:00 Asia/Shanghai of d.
func (d day) midnight() time.Time { return time.Date(1970, 1, 1+int(d), 0, 0, 0, 0, Shanghai) }

// weekday: 1970-01-01 was a Thursday.
func (d day) weekday() time.Weekday { return time.Weekday(floorMod(int64(d)+4, 7)) }

func (d day) weekend() bool { wd := d.weekday(); return wd == time.Saturday || wd == time.Sunday }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// weekdaysUpTo counts Monday–Friday dates up to and including d, from an
// arbitrary origin: only differences of it mean anything.
func weekdaysUpTo(d day) int {
	const monday = 4 // 1970-01-05
	n := int64(d) - monday + 1
	full, rem := floorDiv(n, 7), floorMod(n, 7)
	return int(5*full + min(rem, 5))
}

// parseDate reads a "2006-01-02" date.
func parseDate(s string) (day, bool) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return 0, false
	}
	return civil(t.Date()), true
}

// NewCalendar builds a Calendar from years of the official calendar.
// Dates that do not parse are skipped (Validate refuses them before they
// are stored). A year's lists may hold dates of the neighbouring years, as
// the notices do (the 2023 notice gives 2022-12-31 as a holiday); where two
// years disagree about a date, the year the date falls in wins, and within
// one year a date listed both ways counts as a holiday.
//
// Every year MinCalendarYear–MaxCalendarYear not given is filled in with
// its provisional calendar (StatutoryHolidays); a held year's dates in a
// neighbouring year still override it there, since a notice knows better
// than the rule. A year marked Provisional counts as not given.
func NewCalendar(years []*CalendarYear) *Calendar {
	c := &Calendar{years: map[int]bool{}, status: map[day]bool{}}
	for _, y := range years {
		if y != nil && !y.Provisional {
			c.years[y.Year] = true
		}
	}
	for year, days := range provisionalDays() {
		if !c.years[year] {
			for _, d := range days {
				c.status[d] = false
			}
		}
	}
	for _, own := range []bool{false, true} {
		for _, y := range years {
			if y == nil || y.Provisional {
				continue
			}
			mark := func(dates []string, working bool) {
				for _, s := range dates {
					d, ok := parseDate(strings.TrimSpace(s))
					if !ok || (d.midnight().Year() == y.Year) != own {
						continue
					}
					c.status[d] = working
				}
			}
			mark(y.Workdays, true)
			mark(y.Holidays, false)
		}
	}
	for d, working := range c.status {
		if working == d.weekend() {
			c.exDays = append(c.exDays, d)
		}
	}
	slices.Sort(c.exDays)
	c.exCum = make([]int, len(c.exDays))
	sum := 0
	for i, d := range c.exDays {
		if c.status[d] {
			sum++
		} else {
			sum--
		}
		c.exCum[i] = sum
	}
	return c
}

// Covers reports whether the calendar holds the given year. A year it does
// not hold is counted on its provisional calendar (see Provisional), or on
// plain weekdays outside MinCalendarYear–MaxCalendarYear.
func (c *Calendar) Covers(year int) bool { return c != nil && c.years[year] }

// Years lists the years the calendar holds, ascending.
func (c *Calendar) Years() []int {
	if c == nil {
		return nil
	}
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

func (c *Calendar) working(d day) bool {
	if c != nil {
		if w, ok := c.status[d]; ok {
			return w
		}
	}
	return !d.weekend()
}

// IsWorkday reports whether t's date in Asia/Shanghai is a working day: a
// listed holiday is not, a listed make-up working day is, any other date is
// when it falls from Monday to Friday.
func (c *Calendar) IsWorkday(t time.Time) bool { return c.working(dayOf(t)) }

// IsHoliday reports whether t's date in Asia/Shanghai is a listed public
// holiday (a listed holiday on a weekend included).
func (c *Calendar) IsHoliday(t time.Time) bool {
	if c == nil {
		return false
	}
	w, ok := c.status[dayOf(t)]
	return ok && !w
}

// IsMakeupWorkday reports whether t's date in Asia/Shanghai is a make-up
// working day (调休上班) on a weekend.
func (c *Calendar) IsMakeupWorkday(t time.Time) bool {
	d := dayOf(t)
	return d.weekend() && c.working(d)
}

// AddWorkdays returns 00:00 Asia/Shanghai of the n-th working day after
// from's date; from's own date is not counted, as in the Civil Code's rule
// for periods. For n ≤ 0 it returns 00:00 of from's date.
func (c *Calendar) AddWorkdays(from time.Time, n int) time.Time {
	return c.addWorkdays(dayOf(from), n).midnight()
}

func (c *Calendar) addWorkdays(d day, n int) day {
	for n > 0 {
		d++
		if c.working(d) {
			n--
		}
	}
	return d
}

// Deadline returns the instant a period of n working days from from ends:
// 24:00 Asia/Shanghai of the n-th working day after from's date, that is
// 00:00 of the next calendar day. For n ≤ 0 it is the end of from's date.
func (c *Calendar) Deadline(from time.Time, n int) time.Time {
	return (c.addWorkdays(dayOf(from), n) + 1).midnight()
}

// WorkdaysBetween counts the working days after from's date up to and
// including to's date (dates in Asia/Shanghai); 0 when to's date is not
// after from's. A problem assigned on Friday and resolved on Monday took 1
// working day.
func (c *Calendar) WorkdaysBetween(from, to time.Time) int {
	a, b := dayOf(from), dayOf(to)
	if b <= a {
		return 0
	}
	return weekdaysUpTo(b) - weekdaysUpTo(a) + c.correction(b) - c.correction(a)
}

// correction sums the make-up days (+1) and weekday holidays (-1) up to and
// including d.
func (c *Calendar) correction(d day) int {
	if c == nil {
		return 0
	}
	i := sort.Search(len(c.exDays), func(i int) bool { return c.exDays[i] > d })
	if i == 0 {
		return 0
	}
	return c.exCum[i-1]
}

// Calendar years the office may keep.
const (
	MinCalendarYear = 2000
	MaxCalendarYear = 2099
)

// Normalize trims the dates, drops blank entries and sorts both lists, so
// that what is stored reads in order whatever order it was typed in.
func (y *CalendarYear) Normalize() {
	clean := func(xs []string) []string {
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		slices.Sort(out)
		return out
	}
	y.Holidays, y.Workdays = clean(y.Holidays), clean(y.Workdays)
	y.Note = strings.TrimSpace(y.Note)
}

// Validate checks a year of the calendar: every date is a real date written
// 2021-05-01 and lies in the year or in the month either side of it (a
// notice may start the New Year holiday on 31 December); no date is listed
// twice, or both as a holiday and as a make-up working day; a make-up
// working day falls on a Saturday or Sunday. Errors name the fields
// "year", "holidays", "workdays", "note" and "version".
func (y *CalendarYear) Validate() error {
	f := map[string]string{}
	if y.Year < MinCalendarYear || y.Year > MaxCalendarYear {
		f["year"] = fmt.Sprintf("年份应在 %d 至 %d 之间", MinCalendarYear, MaxCalendarYear)
	}
	if y.Version < 0 {
		f["version"] = "版本号无效"
	}
	if n := len([]rune(y.Note)); n > 200 {
		f["note"] = fmt.Sprintf("说明最多 200 字，现有 %d 字", n)
	}
	first := civil(y.Year, time.January, 1) - 31 // 1 December of the year before
	last := civil(y.Year+1, time.January, 31)
	check := func(field, what string, dates []string, seen map[day]string) {
		var msgs []string
		own := map[day]bool{}
		for _, s := range dates {
			s = strings.TrimSpace(s)
			d, ok := parseDate(s)
			switch {
			case !ok:
				msgs = append(msgs, fmt.Sprintf("“%s”不是有效日期，应写作 %d-05-01", s, y.Year))
			case y.Year >= MinCalendarYear && y.Year <= MaxCalendarYear && (d < first || d > last):
				msgs = append(msgs, fmt.Sprintf("%s 不在 %d 年内（最多可含上年 12 月和次年 1 月）", s, y.Year))
			case own[d]:
				msgs = append(msgs, fmt.Sprintf("%s 重复填写", s))
			case seen[d] != "":
				msgs = append(msgs, fmt.Sprintf("%s 已列为%s，不能同时列为%s", s, seen[d], what))
			case field == "workdays" && !d.weekend():
				msgs = append(msgs, fmt.Sprintf("%s 是%s，本来就是工作日；调休上班日应为周六或周日", s, weekdayLabel(d.weekday())))
			}
			if ok {
				own[d] = true
				if seen[d] == "" {
					seen[d] = what
				}
			}
		}
		if len(msgs) > 0 {
			if len(msgs) > 5 {
				msgs = append(msgs[:5], fmt.Sprintf("等共 %d 处", len(msgs)))
			}
			f[field] = strings.Join(msgs, "；")
		}
	}
	seen := map[day]string{}
	check("holidays", "放假日", y.Holidays, seen)
	check("workdays", "调休上班日", y.Workdays, seen)
	return FieldErrors(f)
}

func weekdayLabel(wd time.Weekday) string {
	return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[wd]
}

// notice is one State Council notice: holiday spans (first and last day,
// inclusive) and make-up working days.
type notice struct {
	year     int
	note     string
	holidays [][2]string
	workdays []string
}

// officialNotices are the notices of the General Office of the State
// Council (国务院办公厅) on the public holidays of each year, as published.
// A notice is issued in the autumn before its year; add the next one here
// (and in a migration) when it appears. TestOfficialCalendar_LunarGo checks
// every year against the schedules github.com/6tail/lunar-go carries.
var officialNotices = []notice{
	{2021, "国务院办公厅关于2021年部分节假日安排的通知（国办发明电〔2020〕27号）",
		[][2]string{{"2021-01-01", "2021-01-03"}, {"2021-02-11", "2021-02-17"}, {"2021-04-03", "2021-04-05"},
			{"2021-05-01", "2021-05-05"}, {"2021-06-12", "2021-06-14"}, {"2021-09-19", "2021-09-21"}, {"2021-10-01", "2021-10-07"}},
		[]string{"2021-02-07", "2021-02-20", "2021-04-25", "2021-05-08", "2021-09-18", "2021-09-26", "2021-10-09"}},
	{2022, "国务院办公厅关于2022年部分节假日安排的通知（国办发明电〔2021〕11号）",
		[][2]string{{"2022-01-01", "2022-01-03"}, {"2022-01-31", "2022-02-06"}, {"2022-04-03", "2022-04-05"},
			{"2022-04-30", "2022-05-04"}, {"2022-06-03", "2022-06-05"}, {"2022-09-10", "2022-09-12"}, {"2022-10-01", "2022-10-07"}},
		[]string{"2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07", "2022-10-08", "2022-10-09"}},
	{2023, "国务院办公厅关于2023年部分节假日安排的通知（国办发明电〔2022〕16号）",
		[][2]string{{"2022-12-31", "2023-01-02"}, {"2023-01-21", "2023-01-27"}, {"2023-04-05", "2023-04-05"},
			{"2023-04-29", "2023-05-03"}, {"2023-06-22", "2023-06-24"}, {"2023-09-29", "2023-10-06"}},
		[]string{"2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"}},
	{2024, "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）",
		[][2]string{{"2024-01-01", "2024-01-01"}, {"2024-02-10", "2024-02-17"}, {"2024-04-04", "2024-04-06"},
			{"2024-05-01", "2024-05-05"}, {"2024-06-10", "2024-06-10"}, {"2024-09-15", "2024-09-17"}, {"2024-10-01", "2024-10-07"}},
		[]string{"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"}},
	{2025, "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
		[][2]string{{"2025-01-01", "2025-01-01"}, {"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"},
			{"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"}},
		[]string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"}},
	{2026, "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）",
		[][2]string{{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
			{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"}, {"2026-10-01", "2026-10-07"}},
		[]string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}},
	// The document number of the 2027 notice is not known here; the title
	// alone names it.
	{2027, "国务院办公厅关于2027年部分节假日安排的通知",
		[][2]string{{"2027-01-01", "2027-01-03"}, {"2027-02-05", "2027-02-13"}, {"2027-04-03", "2027-04-05"},
			{"2027-05-01", "2027-05-05"}, {"2027-06-09", "2027-06-09"}, {"2027-09-15", "2027-09-15"}, {"2027-10-01", "2027-10-07"}},
		[]string{"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"}},
}

// OfficialCalendar returns the official calendar years 2021–2027, each
// holiday span written out day by day, weekend days inside a span
// included. Each call returns new values, which the caller may change.
//
// A year's lists hold the dates its notice gives, even those of the
// neighbouring year: the 2023 notice's New Year holiday starts on
// 2022-12-31, which is therefore listed under 2023.
func OfficialCalendar() []*CalendarYear {
	out := make([]*CalendarYear, 0, len(officialNotices))
	for _, n := range officialNotices {
		y := &CalendarYear{Year: n.year, Note: n.note, Holidays: []string{}, Workdays: slices.Clone(n.workdays)}
		for _, span := range n.holidays {
			a, _ := parseDate(span[0])
			b, _ := parseDate(span[1])
			for d := a; d <= b; d++ {
				y.Holidays = append(y.Holidays, d.midnight().Format(DateLayout))
			}
		}
		out = append(out, y)
	}
	return out
}

// DeadlineDate is the date a deadline ends on, 2006-01-02, or "" for none.
// Deadlines are stored as 24:00 of their last day in Asia/Shanghai, which
// is 00:00 of the next; a second earlier falls on the day people mean.
func DeadlineDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Add(-time.Second).In(Shanghai).Format("2006-01-02")
}
