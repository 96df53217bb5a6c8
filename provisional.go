package sanlian

import (
	"fmt"
	"slices"
	"sync"
	"time"

	lunar "github.com/6tail/lunar-go/calendar"
)

// ProvisionalNote is the note of a provisional calendar year.
const ProvisionalNote = "临时日历：按《全国年节及纪念日放假办法》推算，待国务院公布后确认"

// Statutory holidays of 全国年节及纪念日放假办法 (2025 revision), Art. 2:
// the days every citizen has off.
const (
	HolidayNewYear      = "元旦"
	HolidaySpring       = "春节"
	HolidayQingming     = "清明节"
	HolidayLabour       = "劳动节"
	HolidayDragonBoat   = "端午节"
	HolidayMidAutumn    = "中秋节"
	HolidayNationalDay  = "国庆节"
	HolidayMakeUpSuffix = "补假"
)

// StatutoryDay is one day of a provisional calendar year: a statutory
// holiday, or the 补假 (day off in lieu) of one that fell on a weekend or on
// another holiday's date.
type StatutoryDay struct {
	Date string // 2006-01-02
	Name string // e.g. 春节, or 国庆节补假
	// For is, for a 补假, the date of the holiday it stands in for.
	For string
}

// StatutoryHolidays returns the provisional calendar of year: the 13
// statutory days off of 全国年节及纪念日放假办法 (2025 revision) — 元旦
// (1 January), 春节 (除夕 to 正月初三, 4 days), 清明节 (the solar term's
// day), 劳动节 (1–2 May), 端午节 (五月初五), 中秋节 (八月十五) and 国庆节
// (1–3 October) — and their 补假, ascending by date.
//
// Art. 6: a holiday that falls on a Saturday or Sunday is made up on a
// working day; here, the next day that is neither a weekend day nor a
// holiday nor already a 补假. A holiday whose date another holiday already
// takes (中秋节 on a day of 国庆节, as in 2020 and 2028) is one day off lost
// too, and gets its 补假 the same way, as the 2020 notice counted it
// (4 statutory days for 国庆节 and 中秋节 on 1 October). Holidays are made
// up in date order, so that in a cluster each 补假 lands after the last day
// off. There are no make-up working days (调休): those only a State
// Council notice decides.
//
// Lunar dates come from github.com/6tail/lunar-go. Years outside
// MinCalendarYear–MaxCalendarYear return nil.
func StatutoryHolidays(year int) []StatutoryDay {
	if year < MinCalendarYear || year > MaxCalendarYear {
		return nil
	}
	type holiday struct {
		d    day
		name string
	}
	solarDay := func(s *lunar.Solar) day { return civil(s.GetYear(), time.Month(s.GetMonth()), s.GetDay()) }
	springDay := solarDay(lunar.NewLunarFromYmd(year, 1, 1).GetSolar())
	qingming := solarDay(lunar.NewSolarFromYmd(year, 4, 20).GetLunar().GetJieQiTable()["清明"])
	hs := []holiday{
		{civil(year, time.January, 1), HolidayNewYear},
		{springDay - 1, HolidaySpring}, {springDay, HolidaySpring}, {springDay + 1, HolidaySpring}, {springDay + 2, HolidaySpring},
		{qingming, HolidayQingming},
		{civil(year, time.May, 1), HolidayLabour}, {civil(year, time.May, 2), HolidayLabour},
		{solarDay(lunar.NewLunarFromYmd(year, 5, 5).GetSolar()), HolidayDragonBoat},
		{solarDay(lunar.NewLunarFromYmd(year, 8, 15).GetSolar()), HolidayMidAutumn},
		{civil(year, time.October, 1), HolidayNationalDay}, {civil(year, time.October, 2), HolidayNationalDay},
		{civil(year, time.October, 3), HolidayNationalDay},
	}
	slices.SortStableFunc(hs, func(a, b holiday) int { return int(a.d - b.d) })
	off := map[day]bool{}
	for _, h := range hs {
		off[h.d] = true
	}
	out := make([]StatutoryDay, 0, len(hs)+4)
	taken := map[day]bool{}
	for _, h := range hs {
		out = append(out, StatutoryDay{Date: h.d.midnight().Format(DateLayout), Name: h.name})
		if !h.d.weekend() && !taken[h.d] {
			taken[h.d] = true
			continue
		}
		taken[h.d] = true
		m := h.d + 1
		for m.weekend() || off[m] {
			m++
		}
		off[m] = true
		out = append(out, StatutoryDay{Date: m.midnight().Format(DateLayout), Name: h.name + HolidayMakeUpSuffix,
			For: h.d.midnight().Format(DateLayout)})
	}
	slices.SortStableFunc(out, func(a, b StatutoryDay) int {
		switch {
		case a.Date < b.Date:
			return -1
		case a.Date > b.Date:
			return 1
		}
		return 0
	})
	return out
}

// ProvisionalYear returns the provisional calendar year of year: the
// days off of StatutoryHolidays, once each, no make-up working days, with
// Provisional set and Version 0, as the office would confirm it.
func ProvisionalYear(year int) *CalendarYear {
	y := &CalendarYear{Year: year, Holidays: []string{}, Workdays: []string{}, Note: ProvisionalNote, Provisional: true}
	for _, s := range StatutoryHolidays(year) {
		if n := len(y.Holidays); n == 0 || y.Holidays[n-1] != s.Date {
			y.Holidays = append(y.Holidays, s.Date)
		}
	}
	return y
}

// provisionalDays holds, for every year MinCalendarYear–MaxCalendarYear,
// the days off of its provisional calendar. They depend on nothing but
// the year, so they are computed once, when a calendar first needs them.
var provisionalDays = sync.OnceValue(func() map[int][]day {
	out := make(map[int][]day, MaxCalendarYear-MinCalendarYear+1)
	for y := MinCalendarYear; y <= MaxCalendarYear; y++ {
		for _, s := range StatutoryHolidays(y) {
			d, _ := parseDate(s.Date)
			out[y] = append(out[y], d)
		}
	}
	return out
})

// Provisional reports whether year is counted on its provisional calendar
// (StatutoryHolidays), the calendar holding no official schedule for it.
// The nil *Calendar counts plain weekdays and calls no year provisional.
func (c *Calendar) Provisional(year int) bool {
	return c != nil && year >= MinCalendarYear && year <= MaxCalendarYear && !c.years[year]
}

// DeadlineOf is Deadline, and tells whether the count passed through a
// provisional year: whether a day counted, from the day after from's
// date to the deadline's own day, lies in a year the calendar holds no
// official schedule for. Such a deadline may move when the office
// confirms the year.
func (c *Calendar) DeadlineOf(from time.Time, n int) (t time.Time, provisional bool) {
	t = c.Deadline(from, n)
	return t, c.ProvisionalSpan(from, t)
}

// ProvisionalSpan reports whether the count of a deadline due, counted
// from from, passed through a provisional year (see DeadlineOf). It is
// false when either is zero.
func (c *Calendar) ProvisionalSpan(from, due time.Time) bool {
	a, b, ok := span(from, due)
	if !ok {
		return false
	}
	for y := a.midnight().Year(); y <= b.midnight().Year(); y++ {
		if c.Provisional(y) {
			return true
		}
	}
	return false
}

// spanYears reports whether the count of a deadline due from from passed
// through year.
func spanYears(from, due time.Time, year int) bool {
	a, b, ok := span(from, due)
	return ok && a.midnight().Year() <= year && year <= b.midnight().Year()
}

// span is the first and last day counted for a deadline due from from.
func span(from, due time.Time) (first, last day, ok bool) {
	if from.IsZero() || due.IsZero() {
		return 0, 0, false
	}
	first, last = dayOf(from)+1, dayOf(due)-1 // due is 00:00 of the day after the last
	return first, last, first <= last
}

// DueStarts are the instants a problem's deadlines were counted from. A
// zero instant means the deadline is not a counted one: there is none, or
// it is a date the office approved for an extension, which no calendar
// moves.
type DueStarts struct {
	Assign  time.Time // created_at, for assign_due
	Accept  time.Time // assigned_at, for accept_due
	Resolve time.Time // assigned_at, or the last reopening, for resolve_due
}

// DueStartsOf is where p's deadlines were counted from: accept_due from
// its assignment; resolve_due from the last event that set it (resolveBy
// at resolveAt: the assignment, a transfer or a reopening), or from the
// assignment when no event says (resolveBy ""), and from nowhere when that
// event approved an extension, whose date no calendar moves; assign_due,
// while p awaits dispatch, from the last event that set it (assignAt: its
// entry, a return, a transfer back to the office), else from its entry.
func DueStartsOf(p *Problem, resolveBy string, resolveAt, assignAt time.Time) DueStarts {
	from := DueStarts{Accept: p.AssignedAt, Resolve: p.AssignedAt}
	if p.State == StateSubmitted {
		from.Assign = p.CreatedAt
		if !assignAt.IsZero() {
			from.Assign = assignAt
		}
	}
	switch resolveBy {
	case "":
	case ActionExtend:
		from.Resolve = time.Time{}
	default:
		from.Resolve = resolveAt
	}
	return from
}

// Recount is what RecountDue decides for one problem.
type Recount struct {
	AssignDue, AcceptDue, ResolveDue time.Time
	// Provisional is the problem's new DueProvisional: whether a counted
	// deadline still passes through a provisional year.
	Provisional bool
	// Changed is whether a deadline moved or the mark changed.
	Changed bool
}

// RecountDue counts p's deadlines again when the office confirms year:
// old is the calendar before, cal the calendar with year confirmed. A
// deadline is counted again when its start is known, old gives it as n
// working days from that start for some n ≥ 1 (a date set by hand that
// ends on a day off is thereby left alone too), and its count passed
// through year; it then ends n working days from the same start on cal,
// as if cal had been known all along. Other deadlines keep their dates.
func RecountDue(p *Problem, from DueStarts, old, cal *Calendar, year int) Recount {
	r := Recount{AssignDue: p.AssignDue, AcceptDue: p.AcceptDue, ResolveDue: p.ResolveDue}
	one := func(start time.Time, due *time.Time) {
		if start.IsZero() || due.IsZero() {
			return
		}
		n := old.WorkdaysBetween(start, due.Add(-time.Second))
		if n < 1 || !old.Deadline(start, n).Equal(*due) {
			return
		}
		if spanYears(start, *due, year) {
			if d := cal.Deadline(start, n); !d.Equal(*due) {
				*due, r.Changed = d, true
			}
		}
		r.Provisional = r.Provisional || cal.ProvisionalSpan(start, *due)
	}
	one(from.Assign, &r.AssignDue)
	one(from.Accept, &r.AcceptDue)
	one(from.Resolve, &r.ResolveDue)
	r.Changed = r.Changed || r.Provisional != p.DueProvisional
	return r
}

// CalendarReminderYear returns the year whose official schedule the
// office should enter at now: the current year (Asia/Shanghai) while cal
// still counts it provisionally, else from 1 November of year Y, Y+1 as
// long as cal counts it provisionally; otherwise 0. The State Council
// publishes the schedule around November; until the office enters it,
// deadlines reaching into that year are provisional.
func CalendarReminderYear(now time.Time, cal *Calendar) int {
	t := now.In(Shanghai)
	switch {
	case cal.Provisional(t.Year()):
		return t.Year()
	case t.Month() >= time.November && cal.Provisional(t.Year()+1):
		return t.Year() + 1
	}
	return 0
}

// CalendarReminderKey is the dedupe key of the reminder about year given
// at now: one per ISO week, so that each account is reminded at most once
// a week.
func CalendarReminderKey(year int, now time.Time) string {
	wy, wk := now.In(Shanghai).ISOWeek()
	return fmt.Sprintf("calendar:%d:%d-W%02d", year, wy, wk)
}
