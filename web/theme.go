package web

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// The month's themes (每月一题): the JSON API, the office's forms, the
// theme page and its one-page report for the dispatch meeting, on screen,
// printed and as Excel.

// apiThemes is GET /api/v1/themes (?month=).
func (s *officeHandlers) apiThemes(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	items, err := svc.FindThemes(r.Context(), sanlian.ThemeFilter{Month: strings.TrimSpace(r.URL.Query().Get("month"))})
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// apiTheme is GET /api/v1/themes/{id}: the theme with its figures and
// measures in the caller's scope.
func (s *officeHandlers) apiTheme(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := newParams(r)
	by := p.oneOf("trend", sanlian.TrendWeek, sanlian.TrendDay)
	if err := p.err(); err != nil {
		return err
	}
	rep, err := svc.ThemeReport(r.Context(), id, by)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// apiThemeProblems is GET /api/v1/themes/{id}/problems (?removed=yes,
// cursor, limit).
func (s *officeHandlers) apiThemeProblems(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := newParams(r)
	f := sanlian.ThemeProblemFilter{Cursor: p.str("cursor"), Limit: p.limit()}
	if b := p.boolPtr("removed"); b != nil {
		f.Removed = *b
	}
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := svc.ThemeProblems(r.Context(), id, f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiCreateTheme is POST /api/v1/themes.
func (s *officeHandlers) apiCreateTheme(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	var in sanlian.ThemeInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := svc.CreateTheme(r.Context(), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/themes/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// Pages.

type themesPage struct {
	basePage
	Month      string
	Picker     periodPicker
	Themes     []*sanlian.Theme
	Office     bool
	Categories map[string]string
}

// CategoryName names a category code.
func (p *themesPage) CategoryName(code string) string { return cmp.Or(p.Categories[code], code) }

// Groups are the listed themes by month, newest first.
func (p *themesPage) Groups() [][]*sanlian.Theme {
	var out [][]*sanlian.Theme
	for _, t := range p.Themes {
		if n := len(out); n > 0 && out[n-1][0].Month == t.Month {
			out[n-1] = append(out[n-1], t)
		} else {
			out = append(out, []*sanlian.Theme{t})
		}
	}
	return out
}

// themesPage is GET /themes (?month=).
func (s *officeHandlers) themesPage(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	per, picker, _ := readPeriod(r.URL.Query(), themesMonthFilter, s.cfg.Now())
	month := per.ID
	ts, err := svc.FindThemes(r.Context(), sanlian.ThemeFilter{Month: month})
	if err != nil {
		return err
	}
	page := &themesPage{basePage: s.base(r, "每月一题", "themes"), Month: month, Picker: picker, Themes: ts, Categories: map[string]string{}}
	page.Office = page.User.Role == sanlian.RoleOffice
	cats, err := s.Problems.FindCategories(r.Context(), true)
	if err != nil {
		return err
	}
	for _, c := range cats {
		page.Categories[c.Code] = c.Name
	}
	return s.render(w, r, http.StatusOK, "themes", page)
}

// themesMonthFilter is the theme list's month picker; themeMonthField
// the theme form's (a theme may be set ahead, for a coming month).
var (
	themesMonthFilter = periodField{Name: "month", Label: "月份", Rule: sanlian.PeriodRule{Months: true, Future: true},
		Optional: true, NoneLabel: "全部"}
	themeMonthField = periodField{Name: "month", Label: "月份", Rule: sanlian.PeriodRule{Months: true, Future: true}}
)

// themeForm is what the theme form shows: what was typed, and the errors.
type themeForm struct {
	basePage
	Theme      *sanlian.Theme // being edited, nil for a new one
	Month      string
	Picker     periodPicker // the month, as picked (or as refused)
	Name       string
	Selected   []string
	Keywords   string
	Note       string
	Version    int64
	Categories []*sanlian.Category
	Error      string
	Fields     map[string]string
}

// Checked reports whether a category is chosen.
func (f *themeForm) Checked(code string) bool { return slices.Contains(f.Selected, code) }

func (s *officeHandlers) renderThemeForm(w http.ResponseWriter, r *http.Request, status int, f *themeForm) error {
	cats, err := s.Problems.FindCategories(r.Context(), false)
	if err != nil {
		return err
	}
	f.Categories = cats
	if f.Picker.Name == "" {
		_, f.Picker, _ = readPeriod(url.Values{"month": {f.Month}}, themeMonthField, s.cfg.Now())
	}
	title := "设置每月一题"
	if f.Theme != nil {
		title = "修改每月一题"
	}
	f.basePage = s.base(r, title, "themes")
	return s.render(w, r, status, "theme_new", f)
}

// themeNewForm is GET /themes/new; ?month=2026-11&category=<code> fill it
// in (the cockpit links here from its rising categories).
func (s *officeHandlers) themeNewForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := &themeForm{Month: strings.TrimSpace(q.Get("month")), Name: strings.TrimSpace(q.Get("name")),
		Keywords: strings.TrimSpace(q.Get("keywords")), Selected: q["category"]}
	if f.Month == "" {
		f.Month = sanlian.PeriodOf(s.cfg.Now(), sanlian.PeriodMonth).ID
	}
	return s.renderThemeForm(w, r, http.StatusOK, f)
}

// themeInputOf reads the theme form; a month the picker refuses is
// EUNPROCESSABLE on the month field, before the service is asked.
func (s *officeHandlers) themeInputOf(r *http.Request) (*sanlian.ThemeInput, error) {
	f := r.PostForm
	v, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	per, _, msg := readPeriod(f, themeMonthField, s.cfg.Now())
	if msg != "" {
		return nil, sanlian.FieldErrors(map[string]string{"month": msg})
	}
	return &sanlian.ThemeInput{Month: per.ID, Name: f.Get("name"), Categories: f["category"],
		KeywordText: f.Get("keywords"), Note: f.Get("note"), Version: v}, nil
}

// themeFormError re-renders the form with what was typed and why it was
// refused, or returns err when it is not the form's to show.
func (s *officeHandlers) themeFormError(w http.ResponseWriter, r *http.Request, t *sanlian.Theme, err error) error {
	code := sanlian.ErrorCode(err)
	if code != sanlian.EUNPROCESSABLE && code != sanlian.ECONFLICT && code != sanlian.EINVALID {
		return err
	}
	f := r.PostForm
	v, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	form := &themeForm{Theme: t, Name: f.Get("name"), Selected: f["category"], Keywords: f.Get("keywords"),
		Note: f.Get("note"), Version: v, Error: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err)}
	var per sanlian.Period
	per, form.Picker, _ = readPeriod(f, themeMonthField, s.cfg.Now())
	form.Month = per.ID
	if msg := form.Fields["month"]; msg != "" {
		form.Picker.Error = msg
	}
	return s.renderThemeForm(w, r, sanlian.HTTPStatus(code), form)
}

// themeCreateSubmit is POST /themes.
func (s *officeHandlers) themeCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := s.themeInputOf(r)
	if err != nil {
		return s.themeFormError(w, r, nil, err)
	}
	t, err := svc.CreateTheme(r.Context(), in)
	if err != nil {
		return s.themeFormError(w, r, nil, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/themes/%d?ok=%s", t.ID, url.QueryEscape(fmt.Sprintf("已设置主题，标记本月问题 %d 个", t.Tagged))), http.StatusSeeOther)
	return nil
}

// themeEditForm is GET /themes/{id}/edit.
func (s *officeHandlers) themeEditForm(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := svc.FindTheme(r.Context(), id)
	if err != nil {
		return err
	}
	f := &themeForm{Theme: t, Month: t.Month, Name: t.Name, Selected: t.Categories, Keywords: strings.Join(t.Keywords, " "),
		Note: t.Note, Version: t.Version}
	return s.renderThemeForm(w, r, http.StatusOK, f)
}

// themeEditSubmit is POST /themes/{id}.
func (s *officeHandlers) themeEditSubmit(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := s.themeInputOf(r)
	var t *sanlian.Theme
	if err == nil {
		t, err = svc.UpdateTheme(r.Context(), id, in)
	}
	if err != nil {
		before, ferr := svc.FindTheme(r.Context(), id)
		if ferr != nil {
			return ferr
		}
		return s.themeFormError(w, r, before, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/themes/%d?ok=%s", t.ID, url.QueryEscape("已保存主题并重新标记本月问题")), http.StatusSeeOther)
	return nil
}

// themePage is the theme's page and its one-page report.
type themePage struct {
	*sanlian.ThemeReport
	basePage
	Office     bool
	Problems   []*sanlian.ThemeProblem
	Next       string
	Removed    []*sanlian.ThemeProblem
	Categories map[string]string
	AllUnits   []*sanlian.Unit // for the measures' unit
	Now        time.Time
	Error      string
	Fields     map[string]string
	Form       url.Values
	EditID     int64 // the measure whose form shows the error
}

// CategoryNames lists the theme's categories by name.
func (p *themePage) CategoryNames() string {
	var out []string
	for _, c := range p.Theme.Categories {
		if n := p.Categories[c]; n != "" {
			out = append(out, n)
		} else {
			out = append(out, c)
		}
	}
	return strings.Join(out, "、")
}

// MaxTrend is the largest trend count, for the bars' lengths.
func (p *themePage) MaxTrend() int {
	m := 1
	for _, t := range p.Trend {
		m = max(m, t.Count)
	}
	for _, t := range p.Previous {
		m = max(m, t.Count)
	}
	return max(m, p.Counts.Received)
}

// Bar is a count's bar length in percent of the largest.
func (p *themePage) Bar(n int) int { return int(math.Round(float64(n) * 100 / float64(p.MaxTrend()))) }

// MonthLabel names a month.
func (p *themePage) MonthLabel(m string) string { return sanlian.MonthLabel(m) }

// Generated is when the report was made, for its footer.
func (p *themePage) Generated() string { return p.Now.In(sanlian.Shanghai).Format("2006-01-02 15:04") }

// TopUnits are the report's units: the 10 with the most problems.
func (p *themePage) TopUnits() []*sanlian.ThemeUnit {
	if len(p.Units) > 10 {
		return p.Units[:10]
	}
	return p.Units
}

// loadThemePage reads the theme's report and, unless report, its problems.
func (s *officeHandlers) loadThemePage(r *http.Request, report bool) (*themePage, error) {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	p := newParams(r)
	by := p.oneOf("trend", sanlian.TrendWeek, sanlian.TrendDay)
	if err := p.err(); err != nil {
		return nil, err
	}
	ctx := r.Context()
	rep, err := svc.ThemeReport(ctx, id, by)
	if err != nil {
		return nil, err
	}
	title := rep.Theme.Name + " · " + rep.Theme.MonthLabel()
	if report {
		title += " 调度报告"
	}
	page := &themePage{ThemeReport: rep, basePage: s.base(r, title, "themes"), Now: s.cfg.Now(), Categories: map[string]string{}}
	page.Office = page.User.Role == sanlian.RoleOffice
	cats, err := s.Problems.FindCategories(ctx, true)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		page.Categories[c.Code] = c.Name
	}
	if report {
		return page, nil
	}
	if page.Problems, page.Next, err = svc.ThemeProblems(ctx, id, sanlian.ThemeProblemFilter{Cursor: p.str("cursor"), Limit: 50}); err != nil {
		return nil, err
	}
	if page.Next != "" {
		page.Next = nextURL(r, page.Next)
	}
	if page.Office {
		if page.Removed, _, err = svc.ThemeProblems(ctx, id, sanlian.ThemeProblemFilter{Removed: true, Limit: 100}); err != nil {
			return nil, err
		}
		if page.AllUnits, _, err = s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500}); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// themePage is GET /themes/{id}.
func (s *officeHandlers) themePage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadThemePage(r, false)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "theme", page)
}

// themeReportPage is GET /themes/{id}/report: one A4 page for the
// dispatch meeting.
func (s *officeHandlers) themeReportPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadThemePage(r, true)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "theme_report", page)
}

// themeDone answers a write on the theme page: back to the page with a
// message, or the page again with the error beside the form.
func (s *officeHandlers) themeDone(w http.ResponseWriter, r *http.Request, err error, ok, anchor string, editID int64) error {
	switch code := sanlian.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, "/themes/"+r.PathValue("id")+"?ok="+url.QueryEscape(ok)+anchor, http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ECONFLICT:
		page, perr := s.loadThemePage(r, false)
		if perr != nil {
			return perr
		}
		page.Error, page.Fields, page.Form, page.EditID = sanlian.ErrorMessage(err), sanlian.ErrorFields(err), r.PostForm, editID
		return s.render(w, r, sanlian.HTTPStatus(code), "theme", page)
	}
	return err
}

func formID(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get(name)), 10, 64)
	return n
}

// themeTagSubmit is POST /themes/{id}/problems: the office adds a problem
// by its number (or id), or puts back one removed.
func (s *officeHandlers) themeTagSubmit(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	pid, number := formID(r, "problem_id"), strings.TrimSpace(r.PostForm.Get("number"))
	if pid == 0 && number == "" {
		err = sanlian.FieldErrors(map[string]string{"number": "请填写要加入的问题编号"})
	} else {
		err = svc.TagProblem(r.Context(), id, pid, number)
	}
	return s.themeDone(w, r, err, "已将问题加入本主题", "#theme-problems", 0)
}

// themeUntagSubmit is POST /themes/{id}/problems/remove.
func (s *officeHandlers) themeUntagSubmit(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	err = svc.UntagProblem(r.Context(), id, formID(r, "problem_id"))
	return s.themeDone(w, r, err, "已将问题移出本主题，重新标记时不再加入", "#theme-problems", 0)
}

// themeMeasureSubmit is POST /themes/{id}/measures: adds a measure
// (measure_id empty) or edits one.
func (s *officeHandlers) themeMeasureSubmit(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	m := &sanlian.ThemeMeasure{ID: formID(r, "measure_id"), ThemeID: id, Text: r.PostForm.Get("text"), UnitID: formID(r, "unit_id"),
		Due: r.PostForm.Get("due"), Version: formID(r, "version")}
	ok := "已新增治本措施"
	if m.ID != 0 {
		ok = "已修改治本措施"
	}
	return s.themeDone(w, r, svc.SaveThemeMeasure(r.Context(), m), ok, "#measures", m.ID)
}

// themeMeasureDelete is POST /themes/{id}/measures/delete.
func (s *officeHandlers) themeMeasureDelete(w http.ResponseWriter, r *http.Request) error {
	svc := s.Themes
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	err = svc.DeleteThemeMeasure(r.Context(), id, formID(r, "measure_id"), formID(r, "version"))
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		err = sanlian.Errorf(sanlian.ECONFLICT, "该治本措施已被删除，请刷新页面")
	}
	return s.themeDone(w, r, err, "已删除治本措施", "#measures", 0)
}

// rateCell is a rate for the workbook: a percentage with one decimal, or
// "—" when it does not exist.
func rateCell(f float64) any {
	if math.IsNaN(f) {
		return "—"
	}
	return math.Round(f*1000) / 10
}

// themeReportExport is GET /themes/{id}/report.xlsx: the report's figures,
// trend, units and measures, a sheet each.
func (s *officeHandlers) themeReportExport(w http.ResponseWriter, r *http.Request) error {
	page, err := s.loadThemePage(r, true)
	if err != nil {
		return err
	}
	rep := page.ThemeReport
	t := rep.Theme
	c := rep.Counts
	rows := func(rs [][]any) func() ([]any, error) {
		i := 0
		return func() ([]any, error) {
			if i == len(rs) {
				return nil, nil
			}
			i++
			return rs[i-1], nil
		}
	}
	scope := "全县"
	switch page.User.Role {
	case sanlian.RoleLeader:
		scope = "联系乡镇"
	case sanlian.RoleUnitAdmin:
		scope = "本单位"
	}
	summary := [][]any{
		{"主题", t.Name}, {"月份", t.MonthLabel()}, {"问题类别", page.CategoryNames()}, {"关键词", strings.Join(t.Keywords, "、")},
		{"统计范围", scope}, {"收到问题", c.Received}, {"已办结", c.Resolved}, {"按期办结", c.OnTime}, {"超期未办", c.Overdue},
		{"回访", c.Callbacks}, {"回访解决", c.Solved}, {"满意（含基本满意）", c.Satisfied},
		{"按期办结率（%）", rateCell(c.OnTimeRate())}, {"解决率（%）", rateCell(c.ResolutionRate())}, {"满意率（%）", rateCell(c.SatisfactionRate())},
	}
	var trend [][]any
	for _, p := range rep.Previous {
		trend = append(trend, []any{sanlian.MonthLabel(p.Month) + "（同类问题）", p.Count})
	}
	for _, p := range rep.Trend {
		trend = append(trend, []any{p.Label, p.Count})
	}
	var units [][]any
	for _, u := range rep.Units {
		units = append(units, []any{u.UnitName, u.Received, u.Resolved, u.Overdue, rateCell(u.SatisfactionRate())})
	}
	var measures [][]any
	for i, m := range rep.Measures {
		measures = append(measures, []any{i + 1, m.Text, m.UnitName, m.Due})
	}
	title := t.MonthLabel() + "每月一题“" + t.Name + "”调度报告"
	tables := []*sanlian.Table{
		{Title: title + "（" + scope + "，" + page.Generated() + "）", Sheet: "概况",
			Columns: []sanlian.TableColumn{{Header: "项目", Width: 20}, {Header: "数值", Width: 40, Wrap: true}}, Next: rows(summary)},
		{Sheet: "趋势", Columns: []sanlian.TableColumn{{Header: "时段", Width: 26}, {Header: "问题数", Width: 10}}, Next: rows(trend)},
		{Sheet: "单位", Columns: []sanlian.TableColumn{{Header: "承办单位", Width: 28}, {Header: "收到", Width: 8}, {Header: "办结", Width: 8},
			{Header: "超期", Width: 8}, {Header: "满意率（%）", Width: 12}}, Next: rows(units)},
		{Sheet: "治本措施", Columns: []sanlian.TableColumn{{Header: "序号", Width: 6}, {Header: "治本措施", Width: 50, Wrap: true},
			{Header: "责任单位", Width: 24}, {Header: "完成时限", Width: 12}}, Next: rows(measures)},
	}
	out := &download{w: w, ctype: xlsxType, filename: t.Month + "每月一题-" + t.Name + ".xlsx"}
	if err := s.Sheets.WriteTables(out, title, tables); err != nil {
		if out.started {
			s.log.Error("theme report broke off", "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		return err
	}
	return nil
}
