package web

import (
	"bytes"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// The visit coverage report (三必访 and 带题走访, SPEC §1) as JSON, as a
// page whose every number links to the list behind it, as a workbook, and
// the county leader's view of their linked townships.

// maxCoverageCadres is how many cadres the page lists; the workbook has
// them all.
const maxCoverageCadres = 300

// dateParam reads a "2006-01-02" date parameter as a string, recording an
// error for any other form.
func dateParam(p *params, name string) string {
	if p.date(name).IsZero() {
		return ""
	}
	return p.str(name)
}

// parseCoverageScope reads "county", "township:CODE", "village:CODE",
// "unit:ID" or "cadre:ID"; empty is the county.
func parseCoverageScope(s string) (sanlian.CoverageScope, error) {
	kind, id, _ := strings.Cut(strings.TrimSpace(s), ":")
	switch kind {
	case "", sanlian.ScopeCounty:
		if id == "" {
			return sanlian.CoverageScope{Kind: sanlian.ScopeCounty}, nil
		}
	case sanlian.ScopeTownship, sanlian.ScopeVillage:
		if sanlian.ValidRegionCode(id) {
			return sanlian.CoverageScope{Kind: kind, ID: id}, nil
		}
	case sanlian.ScopeUnit, sanlian.ScopeCadre:
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
			return sanlian.CoverageScope{Kind: kind, ID: id}, nil
		}
	}
	return sanlian.CoverageScope{}, &sanlian.Error{Code: sanlian.EINVALID,
		Message: "统计范围的格式应为 county、township:乡镇代码、village:村代码、unit:单位编号 或 cadre:干部编号",
		Fields:  map[string]string{"scope": "格式应为 township:430923100000 之类"}}
}

// apiVisitCoverage is GET /api/v1/coverage?window=…&scope=….
func (s *workHandlers) apiVisitCoverage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	win, err := sanlian.ParseWindow(p.str("window"), time.Now())
	if err != nil {
		return err
	}
	scope, err := parseCoverageScope(p.str("scope"))
	if err != nil {
		return err
	}
	cov, err := s.Coverage.VisitCoverage(r.Context(), win, scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cov)
	return nil
}

// coverageForm is what the coverage page and its workbook read from the
// query: the window as from/to dates (or a window id), and the scope as
// the narrowest of cadre_id, unit_id, village and township.
type coverageForm struct {
	Window   sanlian.Window
	Scope    sanlian.CoverageScope
	Township string
	Village  string
	UnitID   int64
	CadreID  int64
	Sort     string
}

func readCoverageForm(r *http.Request, now time.Time) (*coverageForm, error) {
	p := newParams(r)
	f := &coverageForm{Township: p.str("township"), Village: p.str("village"), UnitID: p.int64("unit_id"),
		CadreID: p.int64("cadre_id"), Sort: p.oneOf("sort", "visits", "visits_asc")}
	if err := p.err(); err != nil {
		return nil, err
	}
	spec := p.str("window")
	if from, to := p.str("from"), p.str("to"); from != "" || to != "" {
		spec = from + ".." + to
	}
	var err error
	if f.Window, err = sanlian.ParseWindow(spec, now); err != nil {
		return nil, err
	}
	switch {
	case f.CadreID != 0:
		f.Scope = sanlian.CoverageScope{Kind: sanlian.ScopeCadre, ID: strconv.FormatInt(f.CadreID, 10)}
	case f.UnitID != 0:
		f.Scope = sanlian.CoverageScope{Kind: sanlian.ScopeUnit, ID: strconv.FormatInt(f.UnitID, 10)}
	case f.Village != "":
		f.Scope = sanlian.CoverageScope{Kind: sanlian.ScopeVillage, ID: f.Village}
	case f.Township != "":
		f.Scope = sanlian.CoverageScope{Kind: sanlian.ScopeTownship, ID: f.Township}
	default:
		f.Scope = sanlian.CoverageScope{Kind: sanlian.ScopeCounty}
	}
	return f, nil
}

// coverageLinks builds the URLs behind a report's numbers: the lists of
// households, visits and problems, filtered to the window and the scope.
type coverageLinks struct {
	W sanlian.Window
	S sanlian.CoverageScope
}

func (l coverageLinks) link(path string, v url.Values) string {
	return path + "?" + v.Encode()
}

// scoped adds the scope's filter, under the names the list at path reads.
func (l coverageLinks) scoped(path string, v url.Values) url.Values {
	switch l.S.Kind {
	case sanlian.ScopeTownship:
		v.Set("township", l.S.ID)
	case sanlian.ScopeVillage:
		v.Set("village", l.S.ID)
	case sanlian.ScopeUnit:
		switch path {
		case "/visits":
			v.Set("unit_id", l.S.ID)
		case "/problems":
			v.Set("visit_unit_id", l.S.ID)
		}
	case sanlian.ScopeCadre:
		switch path {
		case "/households", "/visits":
			v.Set("cadre_id", l.S.ID)
		case "/problems":
			v.Set("visit_cadre_id", l.S.ID)
		}
	}
	return v
}

// HouseholdsURL lists the scope's households with a must-visit tag (kind,
// or "any"), visited in the window ("yes"), not ("no"), or either ("").
func (l coverageLinks) HouseholdsURL(kind, visited string) string {
	v := url.Values{"tag": {kind}}
	if visited != "" {
		v.Set("visited", visited)
		v.Set("visited_from", l.W.From)
		v.Set("visited_to", l.W.To)
	}
	return l.link("/households", l.scoped("/households", v))
}

// LinkedURL lists the scope's households linked to a cadre ("yes") or not
// ("no"), or all of them ("").
func (l coverageLinks) LinkedURL(linked string) string {
	v := url.Values{}
	if linked != "" {
		v.Set("linked", linked)
	}
	return l.link("/households", l.scoped("/households", v))
}

// VisitsURL lists the scope's visits in the window.
func (l coverageLinks) VisitsURL() string {
	return l.link("/visits", l.scoped("/visits", url.Values{"from": {l.W.From}, "to": {l.W.To}}))
}

// CadreVisitsURL lists the visits a cadre went on in the window.
func (l coverageLinks) CadreVisitsURL(id int64) string {
	return l.link("/visits", url.Values{"cadre_id": {strconv.FormatInt(id, 10)}, "from": {l.W.From}, "to": {l.W.To}})
}

// UnitVisitsURL lists a unit's visits in the window.
func (l coverageLinks) UnitVisitsURL(id int64) string {
	return l.link("/visits", url.Values{"unit_id": {strconv.FormatInt(id, 10)}, "from": {l.W.From}, "to": {l.W.To}})
}

// TopicVisitsURL lists the scope's visits in the window carrying a topic.
func (l coverageLinks) TopicVisitsURL(id int64) string {
	v := url.Values{"topic_id": {strconv.FormatInt(id, 10)}, "from": {l.W.From}, "to": {l.W.To}}
	return l.link("/visits", l.scoped("/visits", v))
}

// ProblemsURL lists the problems raised on the scope's visits in the window.
func (l coverageLinks) ProblemsURL() string {
	return l.link("/problems", l.scoped("/problems", url.Values{"visit_from": {l.W.From}, "visit_to": {l.W.To}}))
}

// CadreProblemsURL lists the problems raised on the visits a cadre
// recorded in the window.
func (l coverageLinks) CadreProblemsURL(id int64) string {
	return l.link("/problems", url.Values{"visit_cadre_id": {strconv.FormatInt(id, 10)}, "visit_from": {l.W.From}, "visit_to": {l.W.To}})
}

// UnitProblemsURL lists the problems raised on a unit's visits in the window.
func (l coverageLinks) UnitProblemsURL(id int64) string {
	return l.link("/problems", url.Values{"visit_unit_id": {strconv.FormatInt(id, 10)}, "visit_from": {l.W.From}, "visit_to": {l.W.To}})
}

// quickWindow is a one-tap window on the page.
type quickWindow struct {
	Label   string
	URL     string
	Current bool
}

// kindRow is one line of the 三必访 table.
type kindRow struct {
	Kind, Label             string
	Total, Visited, Missing int
}

type visitCoveragePage struct {
	basePage
	coverageLinks
	Cov         *sanlian.VisitCoverage
	Form        *coverageForm
	ScopeLabel  string
	Kinds       []kindRow
	Quick       []quickWindow
	Townships   []*sanlian.Region
	Villages    []*sanlian.Region
	Units       []*sanlian.Unit
	Cadres      []*sanlian.CadreVisits     // sorted, at most maxCoverageCadres
	Missed      []*sanlian.MissedHousehold // the first 100
	MissedTotal int                        // must-visit households not visited
	Categories  map[string]string
	ExportURL   string
	SortVisits  string // the URL sorting cadres by most visits
	SortIdle    string // by fewest visits
	SortUnit    string // by unit
	CadreText   string // the cadre picker's text
	CadreError  string // and its error
	Period      periodPicker
}

// pageURL is the coverage page for another window or sort, keeping the
// scope.
func (f *coverageForm) pageURL(path string, w sanlian.Window, sort string) string {
	v := url.Values{"from": {w.From}, "to": {w.To}}
	for k, s := range map[string]string{"township": f.Township, "village": f.Village, "sort": sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.UnitID != 0 {
		v.Set("unit_id", strconv.FormatInt(f.UnitID, 10))
	}
	if f.CadreID != 0 {
		v.Set("cadre_id", strconv.FormatInt(f.CadreID, 10))
	}
	return path + "?" + v.Encode()
}

// quickWindows are this month, last month and this half-month, on the
// page at path.
func quickWindows(path string, f *coverageForm, now time.Time) []quickWindow {
	now = now.In(sanlian.Shanghai)
	this := sanlian.MonthWindow(now)
	last := sanlian.MonthWindow(time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, sanlian.Shanghai).AddDate(0, 0, -1))
	half := "H1"
	if now.Day() > 15 {
		half = "H2"
	}
	hw, _ := sanlian.ParseWindow(now.Format("2006-01")+"-"+half, now)
	var out []quickWindow
	for _, q := range []struct {
		label string
		w     sanlian.Window
	}{{"本月", this}, {"上月", last}, {"本半月", hw}} {
		out = append(out, quickWindow{Label: q.label, URL: f.pageURL(path, q.w, f.Sort), Current: q.w == f.Window})
	}
	return out
}

// scopeLabel names the scope in Chinese.
func (s *workHandlers) scopeLabel(r *http.Request, f *coverageForm) (string, error) {
	ctx := r.Context()
	switch f.Scope.Kind {
	case sanlian.ScopeTownship, sanlian.ScopeVillage:
		reg, err := s.Regions.FindRegionByCode(ctx, f.Scope.ID)
		if err != nil {
			return "", err
		}
		return reg.Name, nil
	case sanlian.ScopeUnit:
		u, err := s.Units.FindUnitByID(ctx, f.UnitID)
		if err != nil {
			return "", err
		}
		return u.Name, nil
	case sanlian.ScopeCadre:
		c, err := s.Cadres.FindCadreByID(ctx, f.CadreID)
		if err != nil {
			return "", err
		}
		if c.UnitName == "" {
			return c.Name, nil
		}
		return c.Name + "（" + c.UnitName + "）", nil
	}
	return "全县", nil
}

// coverageReport runs the report the form asks for, with its scope's name.
func (s *workHandlers) coverageReport(r *http.Request) (*coverageForm, *sanlian.VisitCoverage, string, error) {
	f, err := readCoverageForm(r, time.Now())
	if err != nil {
		return nil, nil, "", err
	}
	cov, err := s.Coverage.VisitCoverage(r.Context(), f.Window, f.Scope)
	if err != nil {
		return nil, nil, "", err
	}
	label, err := s.scopeLabel(r, f)
	if err != nil {
		return nil, nil, "", err
	}
	return f, cov, label, nil
}

func (s *workHandlers) categoryNames(r *http.Request) map[string]string {
	names := map[string]string{}
	if cs, err := s.Problems.FindCategories(r.Context(), true); err == nil {
		for _, c := range cs {
			names[c.Code] = c.Name
		}
	}
	return names
}

// visitCoveragePage is GET /coverage/visits.
// The cadre filter is a name picker (cadre, with the chosen suggestion's id
// in cadre_id); a name that finds no cadre or several comes back with the
// reason and the report without that filter.
func (s *workHandlers) visitCoveragePage(w http.ResponseWriter, r *http.Request) error {
	cadreText, cadreErr, err := s.desks.pickCadreParam(r, "cadre", "cadre_id")
	if err != nil {
		return err
	}
	picker, chosen, periodErr := pickWindow(r, s.cfg.Now())
	f, cov, label, err := s.coverageReport(r)
	if err != nil {
		return err
	}
	if !chosen && periodErr == "" {
		picker = windowPicker(f.Window.From, f.Window.To, s.cfg.Now())
	}
	ctx := r.Context()
	if f.CadreID != 0 && cadreText == "" {
		cadreText = label // 张三（县民政局）, as the picker shows a cadre
	}
	p := &visitCoveragePage{basePage: s.base(r, "走访覆盖情况", "coverage-visits"), coverageLinks: coverageLinks{W: f.Window, S: f.Scope},
		CadreText: cadreText, CadreError: cadreErr, Period: picker,
		Cov: cov, Form: f, ScopeLabel: label, Quick: quickWindows("/coverage/visits", f, time.Now()), Categories: s.categoryNames(r),
		ExportURL:  f.pageURL("/coverage/visits.xlsx", f.Window, ""),
		SortVisits: f.pageURL("/coverage/visits", f.Window, "visits") + "#cadres",
		SortIdle:   f.pageURL("/coverage/visits", f.Window, "visits_asc") + "#cadres",
		SortUnit:   f.pageURL("/coverage/visits", f.Window, "") + "#cadres"}
	for _, k := range cov.MustVisit {
		label := "合计（任一类）"
		if k.Kind != "any" {
			label = sanlian.TagKindLabel(k.Kind)
		}
		p.Kinds = append(p.Kinds, kindRow{Kind: k.Kind, Label: label, Total: k.Total, Visited: k.Visited, Missing: k.Total - k.Visited})
		if k.Kind == "any" {
			p.MissedTotal = k.Total - k.Visited
		}
	}
	p.Missed = cov.Missed
	if len(p.Missed) > 100 {
		p.Missed = p.Missed[:100]
	}
	cadres := append([]*sanlian.CadreVisits{}, cov.Cadres...)
	switch f.Sort {
	case "visits":
		sort.SliceStable(cadres, func(i, j int) bool { return cadres[i].Visits > cadres[j].Visits })
	case "visits_asc":
		sort.SliceStable(cadres, func(i, j int) bool { return cadres[i].Visits < cadres[j].Visits })
	}
	if len(cadres) > maxCoverageCadres {
		cadres = cadres[:maxCoverageCadres]
	}
	p.Cadres = cadres
	if p.Townships, err = s.org.townships(r); err != nil {
		return err
	}
	if f.Township != "" {
		if p.Villages, _, err = s.Regions.FindRegions(ctx, sanlian.RegionFilter{Kind: sanlian.RegionVillage, ParentCode: f.Township, Limit: 500}); err != nil {
			return err
		}
	}
	if p.Units, _, err = s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500}); err != nil {
		return err
	}
	status := http.StatusOK
	if cadreErr != "" || periodErr != "" {
		status = http.StatusBadRequest
	}
	return s.render(w, r, status, "coverage_visits", p)
}

// visitCoverageExport is GET /coverage/visits.xlsx: the page's report as a
// workbook. The report is small (at most 500 missed households and one
// row per cadre), so it is built in memory and sent whole, or not at all.
func (s *workHandlers) visitCoverageExport(w http.ResponseWriter, r *http.Request) error {
	f, cov, label, err := s.coverageReport(r)
	if err != nil {
		return err
	}
	title := "走访覆盖情况（" + label + "，" + f.Window.From + " 至 " + f.Window.To + "）  导出时间：" +
		time.Now().In(sanlian.Shanghai).Format("2006-01-02 15:04")
	var buf bytes.Buffer
	if err := s.Sheets.WriteCoverage(&buf, title, cov, s.categoryNames(r)); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", contentDisposition("attachment", "走访覆盖-"+f.Window.From+"-"+f.Window.To+".xlsx"))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err = buf.WriteTo(w)
	return err
}
