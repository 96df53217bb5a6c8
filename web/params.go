package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, sanlian.Errorf(sanlian.ENOTFOUND, "编号 %q 无效", r.PathValue(name))
	}
	return id, nil
}

// params reads query parameters, collecting Chinese errors for bad ones.
type params struct {
	r      *http.Request
	errors map[string]string
}

func newParams(r *http.Request) *params { return &params{r: r, errors: map[string]string{}} }

func (p *params) str(name string) string { return strings.TrimSpace(p.r.URL.Query().Get(name)) }

func (p *params) int64(name string) int64 {
	v := p.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		p.errors[name] = "应为正整数"
		return 0
	}
	return n
}

func (p *params) limit() int {
	v := p.str("limit")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		p.errors["limit"] = "应为 1 到 500 之间的整数"
		return 0
	}
	return n
}

func (p *params) boolPtr(name string) *bool {
	switch strings.ToLower(p.str(name)) {
	case "":
		return nil
	case "true", "yes", "1":
		t := true
		return &t
	case "false", "no", "0":
		f := false
		return &f
	}
	p.errors[name] = "应为 true 或 false"
	return nil
}

func (p *params) date(name string) time.Time {
	v := p.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", v, sanlian.Shanghai)
	if err != nil {
		p.errors[name] = "日期格式应为 2021-05-20"
	}
	return t
}

func (p *params) oneOf(name string, allowed ...string) string {
	v := p.str(name)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if a == v {
			return v
		}
	}
	p.errors[name] = "取值应为 " + strings.Join(allowed, "、") + " 之一"
	return ""
}

func (p *params) err() error {
	if len(p.errors) == 0 {
		return nil
	}
	return &sanlian.Error{Code: sanlian.EINVALID, Message: "查询参数有误", Fields: p.errors}
}

// periodField is a page's period: the name of its code in the query
// (period=2026-11-H2, kept for links and the API; Chinese text such as
// 2026年11月下半月 is read too), the picker's fields beside it (name_year,
// name_month, name_part), its label and the periods the page accepts.
type periodField struct {
	Name     string
	Label    string // names the field in errors, e.g. 通报期间
	Rule     sanlian.PeriodRule
	Optional bool // no period is a valid answer (a filter)
	// NoneLabel names the choice of no period (default 不限).
	NoneLabel string
}

// periodPicker is the view of the "period-picker" template: what was
// typed or chosen, the choices and the field's error.
type periodPicker struct {
	Name, Label string
	Optional    bool
	NoneLabel   string // the choice of no period, when Optional: 不限
	Years       []projectOption
	Months      []projectOption
	Parts       []projectOption // empty: months only
	Error       string
}

// readPeriod reads f from v at now. A zero Period with an empty message is
// "none chosen" (only when f.Optional); msg names the field and quotes
// what was typed, and the picker keeps it.
func readPeriod(v url.Values, f periodField, now time.Time) (per sanlian.Period, pick periodPicker, msg string) {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	code, year, month, part := get(f.Name), get(f.Name+"_year"), get(f.Name+"_month"), get(f.Name+"_part")
	if !f.Rule.Halves {
		part = sanlian.PartMonth
	} else if !f.Rule.Months && part == sanlian.PartMonth {
		part = "" // a stale "全月" from a page offering both
	}
	var err error
	switch {
	case code != "":
		per, err = sanlian.ParsePeriodText(code)
		if err == nil {
			year, month, part = pickerParts(per)
		} else if y, m, p, ok := looseParts(code); ok {
			year, month, part = y, m, p
		}
	case year == "" && month == "" && f.Optional:
	case f.Rule.Halves && f.Rule.Months && part == "":
		err = sanlian.Errorf(sanlian.EINVALID, "请选择上半月、下半月或全月")
	case f.Rule.Halves && part == "":
		err = sanlian.Errorf(sanlian.EINVALID, "请选择上半月或下半月")
	default:
		per, err = sanlian.PeriodFromParts(year, month, part)
	}
	if err == nil && per.ID != "" {
		err = f.Rule.Check(per, now)
	}
	if err != nil {
		msg = f.Label + "：" + sanlian.ErrorMessage(err)
		per = sanlian.Period{}
	}
	return per, newPeriodPicker(f, year, month, part, now, msg), msg
}

// pickerParts splits a period into a picker's year, month and part.
func pickerParts(p sanlian.Period) (year, month, part string) {
	part = sanlian.PartMonth
	if p.Kind == sanlian.PeriodHalf {
		part = sanlian.PartFirstHalf
		if p.Start.Day() > 1 {
			part = sanlian.PartSecondHalf
		}
	}
	return strconv.Itoa(p.Start.Year()), strconv.Itoa(int(p.Start.Month())), part
}

var looseRE = regexp.MustCompile(`^\s*([0-9]{4})\s*[-年]\s*([0-9]{1,2})\s*(?:-\s*(H[12])|月\s*(上半月|下半月)?)?\s*$`)

// looseParts recovers the year, month and part of a period that was typed
// but refused (month 13), so that the picker shows it again.
func looseParts(s string) (year, month, part string, ok bool) {
	m := looseRE.FindStringSubmatch(s)
	if m == nil {
		return "", "", "", false
	}
	part = map[string]string{"上半月": sanlian.PartFirstHalf, "下半月": sanlian.PartSecondHalf}[m[4]]
	if m[3] != "" {
		part = m[3]
	}
	return m[1], m[2], part, true
}

// newPeriodPicker lists the picker's choices with the given ones selected;
// a chosen value outside the lists (year 2031, month 13) is kept as its
// own option so that the form shows what was sent.
func newPeriodPicker(f periodField, year, month, part string, now time.Time, msg string) periodPicker {
	pk := periodPicker{Name: f.Name, Label: f.Label, Optional: f.Optional, NoneLabel: f.NoneLabel, Error: msg}
	if pk.NoneLabel == "" {
		pk.NoneLabel = "不限"
	}
	last := now.In(sanlian.Shanghai).Year()
	if f.Rule.Future {
		last++
	}
	found := false
	for y := last; y >= 2021; y-- {
		s := strconv.Itoa(y)
		pk.Years = append(pk.Years, projectOption{Value: s, Label: s + "年", Selected: s == year})
		found = found || s == year
	}
	if !found && year != "" {
		pk.Years = append([]projectOption{{Value: year, Label: year + "年", Selected: true}}, pk.Years...)
	}
	found = false
	for m := 1; m <= 12; m++ {
		s := strconv.Itoa(m)
		sel := s == month || "0"+s == month
		pk.Months = append(pk.Months, projectOption{Value: s, Label: s + "月", Selected: sel})
		found = found || sel
	}
	if !found && month != "" {
		pk.Months = append(pk.Months, projectOption{Value: month, Label: month + "月", Selected: true})
	}
	if f.Rule.Halves {
		if part == "" && f.Optional && f.Rule.Months {
			part = sanlian.PartMonth // a filter not yet chosen: the whole month reads best
		}
		parts := []string{sanlian.PartFirstHalf, sanlian.PartSecondHalf}
		if f.Rule.Months {
			parts = append(parts, sanlian.PartMonth)
		}
		pk.Parts = codeOptions(parts, sanlian.PartLabel, part)
	}
	return pk
}

// periodCode puts a picked period back into v as its code (name=2021-05-H1)
// in place of the picker's fields, for the links and exports built from v.
func periodCode(v url.Values, name string, p sanlian.Period) url.Values {
	if p.ID == "" {
		return v
	}
	for _, k := range []string{"_year", "_month", "_part"} {
		v.Del(name + k)
	}
	v.Set(name, p.ID)
	return v
}

// windowPeriod is the period picker beside a page's from/to dates (the
// coverage reports, the leader's page, the activity totals): optional, a
// half-month or a month up to the one under way.
var windowPeriod = periodField{Name: "period", Label: "统计期间", Optional: true, NoneLabel: "按日期",
	Rule: sanlian.PeriodRule{Halves: true, Months: true, Past: true}}

// pickWindow reads the period picker beside from/to dates, in place: a
// chosen period replaces from and to with its first and last days (and
// drops the other spellings of a window), for the handlers that read the
// dates. With none chosen, the picker shows the period the dates make, if
// they make one (windowPicker). msg is the picker's error; the dates then
// stay.
func pickWindow(r *http.Request, now time.Time) (pick periodPicker, chosen bool, msg string) {
	q := r.URL.Query()
	per, pick, msg := readPeriod(q, windowPeriod, now)
	if msg != "" || per.ID == "" {
		return pick, false, msg
	}
	for _, k := range []string{"period", "window", "period_year", "period_month", "period_part"} {
		q.Del(k)
	}
	q.Set("from", per.Start.Format("2006-01-02"))
	q.Set("to", per.End.AddDate(0, 0, -1).Format("2006-01-02"))
	r.URL.RawQuery = q.Encode()
	return pick, true, ""
}

// windowPicker is the period picker showing the period that the dates
// from and to make, or none.
func windowPicker(from, to string, now time.Time) periodPicker {
	v := url.Values{}
	if p, ok := windowOf(from, to); ok {
		v.Set("period", p.ID)
	}
	_, pick, _ := readPeriod(v, windowPeriod, now)
	return pick
}

// windowOf is the half-month or month whose first and last days are from
// and to (2006-01-02).
func windowOf(from, to string) (sanlian.Period, bool) {
	f, err1 := time.ParseInLocation("2006-01-02", from, sanlian.Shanghai)
	t, err2 := time.ParseInLocation("2006-01-02", to, sanlian.Shanghai)
	if err1 != nil || err2 != nil {
		return sanlian.Period{}, false
	}
	for _, kind := range []string{sanlian.PeriodHalf, sanlian.PeriodMonth} {
		if p := sanlian.PeriodOf(f, kind); p.Start.Equal(f) && p.End.Equal(t.AddDate(0, 0, 1)) {
			return p, true
		}
	}
	return sanlian.Period{}, false
}
