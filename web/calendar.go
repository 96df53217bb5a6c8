package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"sanlian"
)

// pathYear reads the {year} path value.
func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < sanlian.MinCalendarYear || y > sanlian.MaxCalendarYear {
		return 0, sanlian.Errorf(sanlian.ENOTFOUND, "年份 %q 无效，应为 %d 至 %d 之间的年份", r.PathValue("year"),
			sanlian.MinCalendarYear, sanlian.MaxCalendarYear)
	}
	return y, nil
}

// apiCalendarYear is GET /api/v1/calendar/{year}: the year's holidays and
// make-up working days. A year not held answers its provisional calendar
// (sanlian.ProvisionalYear: "provisional": true, version 0), which is what
// deadlines are counted on; sending it back with PUT confirms it.
func (s *officeHandlers) apiCalendarYear(w http.ResponseWriter, r *http.Request) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	y, err := s.Calendar.FindCalendarYear(r.Context(), year)
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		y, err = sanlian.ProvisionalYear(year), nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, y)
	return nil
}

// calendarInput is the body of PUT /api/v1/calendar/{year}. year,
// updated_at and provisional are accepted so that a client may send back
// what it read; what is saved is confirmed, whatever provisional says.
type calendarInput struct {
	Year        int             `json:"year"`
	Holidays    []string        `json:"holidays"`
	Workdays    []string        `json:"workdays"`
	Note        string          `json:"note"`
	Version     int64           `json:"version"`
	UpdatedAt   json.RawMessage `json:"updated_at"`
	Provisional json.RawMessage `json:"provisional"`
}

// apiSaveCalendarYear is PUT /api/v1/calendar/{year}: the office replaces
// a year (version as read) or creates one (version 0).
func (s *officeHandlers) apiSaveCalendarYear(w http.ResponseWriter, r *http.Request) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	var in calendarInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Year != 0 && in.Year != year {
		return sanlian.FieldErrors(map[string]string{"year": fmt.Sprintf("与地址中的年份 %d 不一致", year)})
	}
	y := &sanlian.CalendarYear{Year: year, Holidays: in.Holidays, Workdays: in.Workdays, Note: in.Note, Version: in.Version}
	if err := s.Calendar.SaveCalendarYear(r.Context(), y); err != nil {
		return err
	}
	status := http.StatusOK
	if in.Version == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, y)
	return nil
}

// dueAnswer is the answer of GET /api/v1/calendar/due.
type dueAnswer struct {
	Due      string `json:"due"`      // the N-th working day after from, Asia/Shanghai
	Deadline string `json:"deadline"` // 24:00 of that day, RFC 3339
	// Covered is false when a year the count passes through is not in the
	// calendar, so that its provisional calendar (or, outside the years
	// the office may keep, plain weekdays) stood in for it.
	Covered bool `json:"covered"`
	// Provisional is true when a day counted lies in a year counted on its
	// provisional calendar: the date may move when the office confirms
	// that year.
	Provisional bool `json:"provisional"`
}

// apiCalendarDue is GET /api/v1/calendar/due?from=2021-04-30&days=15: the
// due date of a period of working days, the starting day not counted.
func (s *officeHandlers) apiCalendarDue(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	from := p.date("from")
	if p.str("from") == "" {
		p.errors["from"] = "请提供起算日期，如 2021-04-30"
	}
	days := 0
	if v := p.str("days"); v == "" {
		p.errors["days"] = "请提供工作日天数，如 15"
	} else if n, err := strconv.Atoi(v); err != nil || n < 0 || n > sanlian.MaxDeadlineDays {
		p.errors["days"] = fmt.Sprintf("应为 0 到 %d 之间的整数", sanlian.MaxDeadlineDays)
	} else {
		days = n
	}
	if err := p.err(); err != nil {
		return err
	}
	c, err := s.Calendar.Calendar(r.Context())
	if err != nil {
		return err
	}
	due := c.AddWorkdays(from, days)
	covered := true
	for y := from.Year(); y <= due.Year(); y++ {
		covered = covered && c.Covers(y)
	}
	deadline, provisional := c.DeadlineOf(from, days)
	writeJSON(w, http.StatusOK, dueAnswer{Due: due.Format(sanlian.DateLayout),
		Deadline: deadline.Format(time.RFC3339), Covered: covered, Provisional: provisional})
	return nil
}

// calendarForm is what the office's form holds: the lists as typed, one
// date a line.
type calendarForm struct {
	Holidays string
	Workdays string
	Note     string
	Version  int64
}

// calendarDay is one cell of a month grid; Day 0 is an empty cell.
type calendarDay struct {
	Day   int
	Date  string
	Class string // "hol", "makeup", "weekend" or ""
	Mark  string // 休 or 班
}

type calendarMonth struct {
	Month int
	Weeks [][]calendarDay
}

type calendarPage struct {
	basePage
	Year   int
	Prev   int // 0 when out of range
	Next   int
	Years  []*sanlian.CalendarYear // every year held
	Stored *sanlian.CalendarYear   // nil when the year is not held
	// Provisional is the year as counted while not held (Stored nil):
	// the statutory holidays and their 补假, which the form offers to
	// confirm.
	Provisional []sanlian.StatutoryDay
	Months      []calendarMonth
	Workdays    int // working days in the year
	MayEdit     bool
	Form        calendarForm
	Error       string
	Fields      map[string]string
}

// calendarPage is GET /calendar?year=2021: a year's month grids, the years
// held, and for the office the form that edits the year.
func (s *officeHandlers) calendarPage(w http.ResponseWriter, r *http.Request) error {
	year := time.Now().In(sanlian.Shanghai).Year()
	if v := strings.TrimSpace(r.URL.Query().Get("year")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < sanlian.MinCalendarYear || n > sanlian.MaxCalendarYear {
			return &sanlian.Error{Code: sanlian.EINVALID, Message: "查询参数有误",
				Fields: map[string]string{"year": fmt.Sprintf("应为 %d 至 %d 之间的年份", sanlian.MinCalendarYear, sanlian.MaxCalendarYear)}}
		}
		year = n
	}
	return s.renderCalendar(w, r, http.StatusOK, year, nil, nil)
}

// renderCalendar shows the page; form, when not nil, is what the clerk
// typed, shown again with the error of saving it.
func (s *officeHandlers) renderCalendar(w http.ResponseWriter, r *http.Request, status, year int, form *calendarForm, saveErr error) error {
	years, err := s.Calendar.FindCalendarYears(r.Context())
	if err != nil {
		return err
	}
	p := &calendarPage{basePage: s.base(r, fmt.Sprintf("%d 年工作日历", year), "calendar"), Year: year, Years: years}
	if year > sanlian.MinCalendarYear {
		p.Prev = year - 1
	}
	if year < sanlian.MaxCalendarYear {
		p.Next = year + 1
	}
	for _, y := range years {
		if y.Year == year {
			p.Stored = y
		}
	}
	cal := sanlian.NewCalendar(years)
	for m := time.January; m <= time.December; m++ {
		p.Months = append(p.Months, monthGrid(cal, year, m))
	}
	p.Workdays = cal.WorkdaysBetween(time.Date(year-1, 12, 31, 0, 0, 0, 0, sanlian.Shanghai), time.Date(year, 12, 31, 0, 0, 0, 0, sanlian.Shanghai))
	p.MayEdit = p.User.Role == sanlian.RoleOffice
	switch {
	case form != nil:
		p.Form = *form
	case p.Stored != nil:
		p.Form = calendarForm{Holidays: strings.Join(p.Stored.Holidays, "\n"), Workdays: strings.Join(p.Stored.Workdays, "\n"),
			Note: p.Stored.Note, Version: p.Stored.Version}
	default:
		p.Form = calendarForm{Holidays: strings.Join(sanlian.ProvisionalYear(year).Holidays, "\n")}
	}
	if p.Stored == nil {
		p.Provisional = sanlian.StatutoryHolidays(year)
	}
	if saveErr != nil {
		p.Error, p.Fields = sanlian.ErrorMessage(saveErr), sanlian.ErrorFields(saveErr)
	}
	return s.render(w, r, status, "calendar", p)
}

// monthGrid lays a month out in weeks from Monday to Sunday.
func monthGrid(cal *sanlian.Calendar, year int, m time.Month) calendarMonth {
	first := time.Date(year, m, 1, 0, 0, 0, 0, sanlian.Shanghai)
	n := first.AddDate(0, 1, -1).Day()
	cells := make([]calendarDay, (int(first.Weekday())+6)%7, 42)
	for d := 1; d <= n; d++ {
		t := time.Date(year, m, d, 0, 0, 0, 0, sanlian.Shanghai)
		c := calendarDay{Day: d, Date: t.Format(sanlian.DateLayout)}
		switch wd := t.Weekday(); {
		case cal.IsHoliday(t):
			c.Class, c.Mark = "hol", "休"
		case cal.IsMakeupWorkday(t):
			c.Class, c.Mark = "makeup", "班"
		case wd == time.Saturday || wd == time.Sunday:
			c.Class = "weekend"
		}
		cells = append(cells, c)
	}
	for len(cells)%7 != 0 {
		cells = append(cells, calendarDay{})
	}
	out := calendarMonth{Month: int(m)}
	for i := 0; i < len(cells); i += 7 {
		out.Weeks = append(out.Weeks, cells[i:i+7])
	}
	return out
}

// splitDates reads a textarea of dates: one a line, though commas and
// spaces between dates are taken too, as pasted from a notice or a sheet.
func splitDates(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",，、;；", r)
	})
}

// calendarSubmit is POST /calendar/{year}: the office saves a year. A
// refused form comes back with what was typed, so that nothing is lost.
func (s *officeHandlers) calendarSubmit(w http.ResponseWriter, r *http.Request) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	form := calendarForm{Holidays: r.PostFormValue("holidays"), Workdays: r.PostFormValue("workdays"), Note: r.PostFormValue("note")}
	if v := strings.TrimSpace(r.PostFormValue("version")); v != "" {
		if form.Version, err = strconv.ParseInt(v, 10, 64); err != nil || form.Version < 0 {
			return sanlian.Errorf(sanlian.EINVALID, "表单的版本号无效，请刷新页面后重试")
		}
	}
	y := &sanlian.CalendarYear{Year: year, Holidays: splitDates(form.Holidays), Workdays: splitDates(form.Workdays),
		Note: form.Note, Version: form.Version}
	err = s.Calendar.SaveCalendarYear(r.Context(), y)
	switch code := sanlian.ErrorCode(err); code {
	case "":
		q := url.Values{"year": {strconv.Itoa(year)}, "ok": {fmt.Sprintf("已保存 %d 年工作日历", year)}}
		http.Redirect(w, r, "/calendar?"+q.Encode(), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ECONFLICT:
		if code == sanlian.ECONFLICT {
			// The typed lists stay; the form now carries the stored
			// version, so that saving again, after comparing with the
			// grids above (which show what is stored), replaces it.
			cur, ferr := s.Calendar.FindCalendarYear(r.Context(), year)
			switch {
			case ferr == nil:
				form.Version = cur.Version
			case sanlian.ErrorCode(ferr) == sanlian.ENOTFOUND:
				form.Version = 0
			default:
				return ferr
			}
			err = sanlian.Errorf(sanlian.ECONFLICT, "%d 年的工作日历已被他人修改或录入。下方保留了您填写的内容，上方日历为当前保存的版本；核对后可再次保存。", year)
		}
		return s.renderCalendar(w, r, sanlian.HTTPStatus(code), year, &form, err)
	}
	return err
}
