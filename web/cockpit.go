package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"sanlian"
)

// The leaders' cockpit (领导驾驶舱, docs/cockpit.md): GET /cockpit, its big
// screen (?screen=1) and GET /api/v1/cockpit share one view of the figures,
// which web/static/cockpit.js draws with ECharts.

// cockpitSeries is one line of a month-by-month chart.
type cockpitSeries struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Values []int  `json:"values"`
}

// cockpitChannel is one channel's (来源) four series.
type cockpitChannel struct {
	Source    string `json:"source"`
	Label     string `json:"label"`
	Received  []int  `json:"received"`
	Resolved  []int  `json:"resolved"`
	Overdue   []int  `json:"overdue"`
	Satisfied []int  `json:"satisfied"`
	Total     int    `json:"total"` // received over the months
}

// cockpitFigure is a summary figure.
type cockpitFigure struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
	Warn  bool   `json:"warn,omitempty"`
}

type cockpitLeague struct {
	sanlian.LeagueRow
	Score string `json:"score"`
}

type cockpitTrend struct {
	sanlian.CategoryTrend
	Growth   string `json:"growth"`
	ThemeURL string `json:"theme_url"`
}

type cockpitVisits struct {
	sanlian.TownshipVisits
	Rate    string   `json:"rate"`
	Percent *float64 `json:"percent"`
}

type cockpitHeat struct {
	Categories []string `json:"categories"` // names, the y axis
	Townships  []string `json:"townships"`  // names, the x axis
	Cells      [][3]int `json:"cells"`      // [township index, category index, received]
	Max        int      `json:"max"`
}

type cockpitProjects struct {
	Labels   []string `json:"labels"`
	Counts   []int    `json:"counts"`
	Total    int      `json:"total"`
	Progress string   `json:"progress"`
}

// cockpitView is the cockpit as the page, the big screen and the API give
// it.
type cockpitView struct {
	At           string `json:"at"`
	County       bool   `json:"county"`
	LeaderCounty bool   `json:"leader_county"`
	ScopeLabel   string `json:"scope_label"`

	Figures     []cockpitFigure        `json:"figures"`
	Months      []string               `json:"months"`
	MonthLabels []string               `json:"month_labels"`
	Totals      []sanlian.CockpitCount `json:"totals"` // by month
	Series      []cockpitSeries        `json:"series"` // received, resolved, overdue, satisfied by month
	Channels    []cockpitChannel       `json:"channels"`

	League      []cockpitLeague             `json:"league"`
	LeagueLabel string                      `json:"league_label"`
	Visits      []cockpitVisits             `json:"visits"`
	Trends      []cockpitTrend              `json:"trends"` // the top categories
	Rising      []cockpitTrend              `json:"rising"`
	Heat        cockpitHeat                 `json:"heat"`
	Projects    cockpitProjects             `json:"projects"`
	Activities  []sanlian.ActivityMonth     `json:"activities"`
	Townships   []sanlian.CockpitTownship   `json:"townships"`
	Map         *sanlian.TownshipMapSummary `json:"map"`
}

// readCockpitQuery reads scope=county.
func readCockpitQuery(r *http.Request) sanlian.CockpitQuery {
	return sanlian.CockpitQuery{County: r.URL.Query().Get("scope") == "county"}
}

func cockpitPct(part, whole int) (string, *float64) {
	if whole == 0 {
		return "—", nil
	}
	f := math.Round(float64(part)*1000/float64(whole)) / 10
	return fmt.Sprintf("%.1f%%", f), &f
}

// newCockpitView derives what the charts draw from the figures.
func newCockpitView(c *sanlian.Cockpit) *cockpitView {
	months := make([]sanlian.Period, len(c.Months))
	for i, id := range c.Months {
		months[i], _ = sanlian.ParsePeriod(id)
	}
	v := &cockpitView{At: c.At.In(sanlian.Shanghai).Format("2006-01-02 15:04"), County: c.County, LeaderCounty: c.LeaderCounty,
		Months: c.Months, Map: c.Map, Townships: c.Townships, Activities: c.Activities}
	if c.County {
		v.ScopeLabel = "全县"
	} else {
		var names []string
		for _, t := range c.Townships {
			names = append(names, t.Name)
		}
		v.ScopeLabel = "联系乡镇：" + strings.Join(names, "、")
		if len(names) == 0 {
			v.ScopeLabel = "联系乡镇：（尚未联系乡镇）"
		}
	}
	for _, m := range months {
		v.MonthLabels = append(v.MonthLabels, fmt.Sprintf("%d年%d月", m.Start.Year(), int(m.Start.Month())))
	}
	v.Totals = sanlian.ByMonth(c.Counts, months)
	pick := func(rows []sanlian.CockpitCount, f func(c *sanlian.CockpitCount) int) []int {
		out := make([]int, len(rows))
		for i := range rows {
			out[i] = f(&rows[i])
		}
		return out
	}
	received := func(c *sanlian.CockpitCount) int { return c.Received }
	resolved := func(c *sanlian.CockpitCount) int { return c.Resolved }
	overdue := func(c *sanlian.CockpitCount) int { return c.Overdue }
	satisfied := func(c *sanlian.CockpitCount) int { return c.Satisfied }
	v.Series = []cockpitSeries{{"received", "受理", pick(v.Totals, received)}, {"resolved", "办结", pick(v.Totals, resolved)},
		{"overdue", "超期", pick(v.Totals, overdue)}, {"satisfied", "满意", pick(v.Totals, satisfied)}}
	bySource := sanlian.ByMonthSource(c.Counts, months)
	for _, s := range sanlian.Sources {
		rows := bySource[s]
		ch := cockpitChannel{Source: s, Label: sanlian.SourceLabel(s), Received: pick(rows, received), Resolved: pick(rows, resolved),
			Overdue: pick(rows, overdue), Satisfied: pick(rows, satisfied)}
		for _, n := range ch.Received {
			ch.Total += n
		}
		v.Channels = append(v.Channels, ch)
	}
	// Summary figures: this month, and the twelve months.
	var year sanlian.CockpitCount
	for i := range v.Totals {
		year.Add(&v.Totals[i])
	}
	cur := v.Totals[len(v.Totals)-1]
	open := 0
	for _, t := range c.Townships {
		open += t.Open
	}
	satRate, _ := cockpitPct(year.Satisfied, year.Rated)
	onTime, _ := cockpitPct(year.ResolvedOnTime, year.Resolved)
	v.Figures = []cockpitFigure{
		{Label: "本月受理", Value: fmt.Sprint(cur.Received)},
		{Label: "本月办结", Value: fmt.Sprint(cur.Resolved)},
		{Label: "本月超期", Value: fmt.Sprint(cur.Overdue), Warn: cur.Overdue > 0},
		{Label: "在办问题", Value: fmt.Sprint(open), Note: "当前"},
		{Label: "近12个月受理", Value: fmt.Sprint(year.Received)},
		{Label: "近12个月办结", Value: fmt.Sprint(year.Resolved)},
		{Label: "按期办结率", Value: onTime, Note: "近12个月"},
		{Label: "满意率", Value: satRate, Note: "近12个月回访"},
	}
	if p, err := sanlian.ParsePeriod(c.LeaguePer); err == nil {
		v.LeagueLabel = p.Label()
	}
	for _, r := range c.League {
		score := "—"
		if r.Score != nil {
			score = fmtNum(*r.Score)
		}
		v.League = append(v.League, cockpitLeague{LeagueRow: r, Score: score})
	}
	for _, t := range c.Visits {
		rate, pct := cockpitPct(t.Visited, t.Total)
		v.Visits = append(v.Visits, cockpitVisits{TownshipVisits: t, Rate: rate, Percent: pct})
	}
	month := sanlian.PeriodOf(c.At, sanlian.PeriodMonth).ID
	trend := func(t sanlian.CategoryTrend) cockpitTrend {
		if t.Name == "" {
			t.Name = c.Categories[t.Category]
		}
		return cockpitTrend{CategoryTrend: t, Growth: t.GrowthLabel(),
			ThemeURL: "/themes/new?" + url.Values{"month": {month}, "category": {t.Category}}.Encode()}
	}
	for _, t := range c.Trends {
		v.Trends = append(v.Trends, trend(t))
	}
	for _, t := range c.Rising {
		v.Rising = append(v.Rising, trend(t))
	}
	// The heat map: categories by township, received over the months.
	catIdx, townIdx := map[string]int{}, map[string]int{}
	for _, t := range c.Townships {
		townIdx[t.Code] = len(v.Heat.Townships)
		v.Heat.Townships = append(v.Heat.Townships, t.Name)
	}
	for _, code := range c.CategoryOrder {
		catIdx[code] = len(v.Heat.Categories)
		v.Heat.Categories = append(v.Heat.Categories, c.Categories[code])
	}
	for _, h := range c.Heat {
		x, ok1 := townIdx[h.Township]
		y, ok2 := catIdx[h.Category]
		if ok1 && ok2 {
			v.Heat.Cells = append(v.Heat.Cells, [3]int{x, y, h.Received})
			v.Heat.Max = max(v.Heat.Max, h.Received)
		}
	}
	if v.Heat.Cells == nil {
		v.Heat.Cells = [][3]int{}
	}
	for _, s := range sanlian.ProjectStatuses {
		v.Projects.Labels = append(v.Projects.Labels, sanlian.ProjectStatusLabel(s))
		v.Projects.Counts = append(v.Projects.Counts, c.Projects.ByStatus[s])
	}
	v.Projects.Total = c.Projects.Total
	v.Projects.Progress = "—"
	if c.Projects.Total > 0 {
		v.Projects.Progress = fmt.Sprintf("%.1f%%", c.Projects.Progress)
	}
	return v
}

// apiCockpit is GET /api/v1/cockpit[?scope=county].
func (s *deskHandlers) apiCockpit(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Cockpit.Cockpit(r.Context(), readCockpitQuery(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newCockpitView(c))
	return nil
}

// cockpitPage is the page's data.
type cockpitPage struct {
	basePage
	V         *cockpitView
	JSON      string
	Office    bool
	CanSwitch bool   // a leader allowed to switch to the county
	Scope     string // "county" or ""
	MapError  string
	Screen    bool
}

// Sum adds up a series.
func (*cockpitPage) Sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// HeatTop lists the heat map's n largest cells, largest first.
func (p *cockpitPage) HeatTop(n int) [][3]int {
	cells := append([][3]int{}, p.V.Heat.Cells...)
	sort.SliceStable(cells, func(i, j int) bool { return cells[i][2] > cells[j][2] })
	if len(cells) > n {
		cells = cells[:n]
	}
	return cells
}

// ScreenURL is the big screen of the same scope.
func (p *cockpitPage) ScreenURL() string {
	if p.Scope == "county" {
		return "/cockpit?screen=1&scope=county"
	}
	return "/cockpit?screen=1"
}

func (s *deskHandlers) cockpitData(r *http.Request, title string) (*cockpitPage, error) {
	q := readCockpitQuery(r)
	c, err := s.Cockpit.Cockpit(r.Context(), q)
	if err != nil {
		return nil, err
	}
	v := newCockpitView(c)
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	u := sanlian.UserFromContext(r.Context())
	p := &cockpitPage{basePage: s.base(r, title, "cockpit"), V: v, JSON: string(b),
		Office: u != nil && u.Role == sanlian.RoleOffice, Screen: r.URL.Query().Get("screen") == "1"}
	p.CanSwitch = u != nil && u.Role == sanlian.RoleLeader && c.LeaderCounty
	if q.County {
		p.Scope = "county"
	}
	return p, nil
}

// cockpitPage is GET /cockpit (?screen=1: the big screen).
func (s *deskHandlers) cockpitPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.cockpitData(r, "领导驾驶舱")
	if err != nil {
		return err
	}
	if p.Screen {
		return s.renderIn(w, http.StatusOK, "cockpit_screen", "screen", p)
	}
	return s.render(w, r, http.StatusOK, "cockpit", p)
}

// cockpitSettingsSubmit is POST /cockpit/settings: leader_county=on|off.
func (s *deskHandlers) cockpitSettingsSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "表单格式有误")
	}
	on := r.PostForm.Get("leader_county") == "on"
	if err := s.Cockpit.SetLeaderCounty(r.Context(), on); err != nil {
		return err
	}
	msg := "已关闭县级领导查看全县"
	if on {
		msg = "已允许县级领导切换查看全县"
	}
	http.Redirect(w, r, "/cockpit?ok="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// cockpitMapSubmit is POST /cockpit/map: a multipart upload of the
// township boundaries (field geojson), at most 20 MB.
func (s *deskHandlers) cockpitMapSubmit(w http.ResponseWriter, r *http.Request) error {
	data, err := readMapUpload(w, r)
	if err == nil {
		var m *sanlian.TownshipMapSummary
		if m, err = s.Cockpit.SaveTownshipMap(r.Context(), data); err == nil {
			msg := fmt.Sprintf("已上传乡镇边界：%d 个乡镇与本县相符", len(m.Matched))
			if len(m.Unmatched) > 0 {
				msg += "；未匹配：" + strings.Join(m.Unmatched, "、")
			}
			http.Redirect(w, r, "/cockpit?ok="+url.QueryEscape(msg), http.StatusSeeOther)
			return nil
		}
	}
	code := sanlian.ErrorCode(err)
	if code != sanlian.EUNPROCESSABLE && code != sanlian.ETOOLARGE && code != sanlian.EINVALID {
		return err
	}
	p, perr := s.cockpitData(r, "领导驾驶舱")
	if perr != nil {
		return perr
	}
	p.MapError = sanlian.ErrorFields(err)["geojson"]
	if p.MapError == "" {
		p.MapError = sanlian.ErrorMessage(err)
	}
	return s.render(w, r, sanlian.HTTPStatus(code), "cockpit", p)
}

// readMapUpload reads the file of field geojson, refusing more than
// MaxTownshipMap bytes.
func readMapUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	tooLarge := &sanlian.Error{Code: sanlian.ETOOLARGE, Message: "文件超过 20 MB",
		Fields: map[string]string{"geojson": "文件超过 20 MB，请简化边界后再上传"}}
	if r.ContentLength > sanlian.MaxTownshipMap+uploadEnvelope {
		return nil, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, sanlian.MaxTownshipMap+uploadEnvelope)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: "请选择乡镇边界文件（GeoJSON）后再上传",
			Fields: map[string]string{"geojson": "请选择乡镇边界文件（GeoJSON）后再上传"}}
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge
			}
			return nil, sanlian.Errorf(sanlian.EINVALID, "上传的内容不完整，请重新上传")
		}
		if part.FormName() != "geojson" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, sanlian.MaxTownshipMap+1))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge
			}
			return nil, sanlian.Errorf(sanlian.EINVALID, "上传的内容不完整，请重新上传")
		}
		if len(data) > sanlian.MaxTownshipMap {
			return nil, tooLarge
		}
		return data, nil
	}
	return nil, &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请选择乡镇边界文件（GeoJSON）",
		Fields: map[string]string{"geojson": "请选择乡镇边界文件（GeoJSON）"}}
}

// cockpitMapDelete is POST /cockpit/map/delete.
func (s *deskHandlers) cockpitMapDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Cockpit.RemoveTownshipMap(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/cockpit?ok="+url.QueryEscape("已删除乡镇边界，地图改为示意图"), http.StatusSeeOther)
	return nil
}

// cockpitMapJSON is GET /cockpit/map.json: the stored boundaries.
func (s *deskHandlers) cockpitMapJSON(w http.ResponseWriter, r *http.Request) error {
	b, err := s.Cockpit.TownshipMap(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(b)
	return err
}
