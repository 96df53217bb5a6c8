package web

import (
	"encoding/json"
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

// The metrics of SPEC §5: the table of a window grouped by unit, township,
// cadre or category, every number linking to the problems behind it; the
// office's configurations; a unit's scorecard over a year of half-months.

// readMetricsQuery reads period (or from and to), by and unit_id. With
// neither a period nor dates, the current half-month; by defaults to unit.
func readMetricsQuery(r *http.Request) (sanlian.MetricsQuery, error) {
	p := newParams(r)
	q := sanlian.MetricsQuery{Period: p.str("period"), From: p.str("from"), To: p.str("to"), By: p.str("by"), UnitID: p.int64("unit_id")}
	if err := p.err(); err != nil {
		return q, err
	}
	if q.By == "" {
		q.By = sanlian.ByUnit
	}
	if q.From != "" || q.To != "" {
		q.Period = ""
	} else if q.Period == "" {
		q.Period = sanlian.PeriodOf(time.Now(), sanlian.PeriodHalf).ID
	}
	return q, nil
}

// nullable is f, or nil for NaN, which JSON cannot hold.
func nullable(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// metricRowJSON is a MetricRow whose NaN rates and score are null.
type metricRowJSON struct {
	*sanlian.MetricRow
	MeanDays         *float64 `json:"mean_days"`
	ResponseRate     *float64 `json:"response_rate"`
	OnTimeRate       *float64 `json:"on_time_rate"`
	ResolutionRate   *float64 `json:"resolution_rate"`
	SatisfactionRate *float64 `json:"satisfaction_rate"`
	Score            *float64 `json:"score"`
}

func rowJSON(r *sanlian.MetricRow) metricRowJSON {
	return metricRowJSON{MetricRow: r, MeanDays: nullable(r.MeanDays), ResponseRate: nullable(r.ResponseRate),
		OnTimeRate: nullable(r.OnTimeRate), ResolutionRate: nullable(r.ResolutionRate),
		SatisfactionRate: nullable(r.SatisfactionRate), Score: nullable(r.Score)}
}

// metricsJSON is Metrics as JSON.
type metricsJSON struct {
	*sanlian.Metrics
	Rows  []metricRowJSON `json:"rows"`
	Total metricRowJSON   `json:"total"`
}

// apiMetrics is GET /api/v1/metrics?period=2021-05-H1&by=unit.
func (s *reportHandlers) apiMetrics(w http.ResponseWriter, r *http.Request) error {
	q, err := readMetricsQuery(r)
	if err != nil {
		return err
	}
	m, err := s.Metrics.Metrics(r.Context(), q)
	if err != nil {
		return err
	}
	out := metricsJSON{Metrics: m, Rows: make([]metricRowJSON, 0, len(m.Rows)), Total: rowJSON(&m.Total)}
	for _, row := range m.Rows {
		out.Rows = append(out.Rows, rowJSON(row))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// readMeasure reads key and measure, the number a problem list is behind.
func readMeasure(r *http.Request) (key, measure string, err error) {
	p := newParams(r)
	key, measure = p.str("key"), p.str("measure")
	all := append(append([]string{}, sanlian.Measures...), sanlian.IntakeMeasures...)
	if slices.Contains(all, measure) {
		return key, measure, nil
	}
	return "", "", &sanlian.Error{Code: sanlian.EINVALID, Message: "查询参数有误",
		Fields: map[string]string{"measure": "应为 " + strings.Join(all, "、") + " 之一"}}
}

// apiMetricProblems is GET /api/v1/metrics/problems?…&key=…&measure=….
func (s *reportHandlers) apiMetricProblems(w http.ResponseWriter, r *http.Request) error {
	q, err := readMetricsQuery(r)
	if err != nil {
		return err
	}
	key, measure, err := readMeasure(r)
	if err != nil {
		return err
	}
	ps, err := s.Metrics.MetricProblems(r.Context(), q, key, measure)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ps})
	return nil
}

// apiMetricConfigs is GET /api/v1/metric-configs.
func (s *reportHandlers) apiMetricConfigs(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Metrics.FindMetricConfigs(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs})
	return nil
}

// apiSaveMetricConfig is POST /api/v1/metric-configs: a new configuration
// (no id), or an edit (id and version as read). Without "ranking" a new
// configuration takes the defaults of SPEC §5 and an edit keeps its own.
func (s *reportHandlers) apiSaveMetricConfig(w http.ResponseWriter, r *http.Request) error {
	// The outer Ranking shadows the embedded one, so its absence shows.
	var in struct {
		sanlian.MetricConfig
		Ranking *sanlian.MetricRanking `json:"ranking"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c := in.MetricConfig
	switch {
	case in.Ranking != nil:
		c.Ranking = *in.Ranking
	case c.ID == 0:
		c.Ranking = sanlian.DefaultMetricConfig().Ranking
	default:
		cs, err := s.Metrics.FindMetricConfigs(r.Context())
		if err != nil {
			return err
		}
		for _, x := range cs {
			if x.ID == c.ID {
				c.Ranking = x.Ranking
			}
		}
	}
	isNew := c.ID == 0
	if err := s.Metrics.SaveMetricConfig(r.Context(), &c); err != nil {
		return err
	}
	status := http.StatusOK
	if isNew {
		status = http.StatusCreated
	}
	writeJSON(w, status, &c)
	return nil
}

// measureLabels name the measures on the pages.
var measureLabels = map[string]string{
	sanlian.MeasureAssigned: "交办", sanlian.MeasureAcceptedOnTime: "按时签收", sanlian.MeasureResolved: "办结",
	sanlian.MeasureResolvedOnTime: "按期办结", sanlian.MeasureCallbacks: "回访", sanlian.MeasureSolved: "已解决",
	sanlian.MeasureSatisfied: "满意", sanlian.MeasureUnsatisfied: "不满意", sanlian.MeasureReopened: "重办",
	sanlian.MeasureOverdue: "期末超期", sanlian.MeasureVolume: "办件量",
	sanlian.MeasureIntakeSubmitted: "受理", sanlian.MeasureIntakeDispatched: "派单", sanlian.MeasureIntakeOnTime: "按时派单",
	sanlian.MeasureIntakeOverdue: "期末派单超期",
}

var byLabels = map[string]string{sanlian.ByUnit: "单位", sanlian.ByTownship: "乡镇", sanlian.ByCadre: "干部", sanlian.ByCategory: "类别"}

// metricCell is one number of the table and the link to its problems.
type metricCell struct {
	N   int
	URL string
}

// metricLine is a table row.
type metricLine struct {
	Row   *sanlian.MetricRow
	Cells []metricCell
}

// periodOption is an entry of the period picker.
type periodOption struct {
	ID, Label string
}

type metricsPage struct {
	basePage
	Q        sanlian.MetricsQuery
	M        *sanlian.Metrics
	Label    string // the window in words
	Measures []string
	Lines    []metricLine // by unit: the ranked units
	Apart    []metricLine // by unit: the units not ranked
	Total    metricLine
	Picker   periodPicker
	Error    string // the picker's, shown beside it
	Units    []*sanlian.Unit
	Bys      []periodOption
	ByUnit   bool
	// CoPartsTotal sums the 配合办理 column; CoOnly are the units that
	// recorded parts in the window but have no row of their own.
	CoPartsTotal int
	CoOnly       []coPartLine
}

// coPartLine is a unit's count of parts recorded as a co-unit.
type coPartLine struct {
	Name string
	N    int
}

// CoParts is the 配合办理 count of a row's unit.
func (p metricsPage) CoParts(key string) int { return p.M.CoParts[key] }

// Rate shows a rate as a percentage, — when it does not exist.
func (metricsPage) Rate(f float64) string { return fmtRate(f) }

// Num shows a score or mean with one decimal, — when it does not exist.
func (metricsPage) Num(f float64) string { return fmtNum(f) }

// MeasureLabel names a measure.
func (metricsPage) MeasureLabel(m string) string { return measureLabels[m] }

// RankLabel shows a row's rank: 3, 并列3 or —.
func (metricsPage) RankLabel(r *sanlian.MetricRow) string { return sanlian.RankLabel(r.Rank, r.Tied) }

// IntakeURL links a number of the office's intake row to its problems.
func (p metricsPage) IntakeURL(measure string) string { return problemsURL(p.Q, "", measure) }

// RulesText states the configuration's scoring and ranking rules.
func (p metricsPage) RulesText() []string {
	set := p.M.ConfigSet()
	return set.RulesText()
}

func fmtRate(f float64) string {
	if math.IsNaN(f) {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", f*100)
}

func fmtNum(f float64) string {
	if math.IsNaN(f) {
		return "—"
	}
	return fmt.Sprintf("%.1f", f)
}

// metricsValues are q as query parameters.
func metricsValues(q sanlian.MetricsQuery) url.Values {
	v := url.Values{"by": {q.By}}
	if q.Period != "" {
		v.Set("period", q.Period)
	} else {
		v.Set("from", q.From)
		v.Set("to", q.To)
	}
	if q.UnitID != 0 {
		v.Set("unit_id", strconv.FormatInt(q.UnitID, 10))
	}
	return v
}

// problemsURL links to the problems behind a number.
func problemsURL(q sanlian.MetricsQuery, key, measure string) string {
	v := metricsValues(q)
	v.Set("key", key)
	v.Set("measure", measure)
	return "/assessment/problems?" + v.Encode()
}

// windowLabel names a query's window in words.
func windowLabel(m *sanlian.Metrics) string {
	if m.Period != "" {
		if p, err := sanlian.ParsePeriod(m.Period); err == nil {
			return p.Label()
		}
	}
	return m.From + " 至 " + m.To
}

// assessmentPage is GET /assessment, the 考核指标 page (it was GET
// /metrics, which now serves Prometheus and sends a logged-in browser
// here).
func (s *reportHandlers) assessmentPage(w http.ResponseWriter, r *http.Request) error {
	q, err := readMetricsQuery(r)
	if err != nil {
		return err
	}
	// The page's period comes from the picker (period_year, period_month,
	// period_part) or the code in links (period=2021-05-H1); a refused one
	// shows the current half-month with the error beside the picker.
	status, now := http.StatusOK, s.cfg.Now()
	v := r.URL.Query()
	if v.Get("period") == "" && v.Get("period_year") == "" {
		v.Set("period", sanlian.PeriodOf(now, sanlian.PeriodHalf).ID)
	}
	per, picker, msg := readPeriod(v, metricsPeriod, now)
	if q.Period != "" {
		q.Period = per.ID
		if msg != "" {
			q.Period, status = sanlian.PeriodOf(now, sanlian.PeriodHalf).ID, http.StatusBadRequest
		}
	}
	m, err := s.Metrics.Metrics(r.Context(), q)
	if err != nil {
		return err
	}
	p := &metricsPage{basePage: s.base(r, "考核指标", "metrics"), Q: q, M: m, Label: windowLabel(m), Measures: sanlian.Measures,
		Picker: picker, Error: msg, ByUnit: q.By == sanlian.ByUnit}
	for _, b := range []string{sanlian.ByUnit, sanlian.ByTownship, sanlian.ByCadre, sanlian.ByCategory} {
		p.Bys = append(p.Bys, periodOption{b, byLabels[b]})
	}
	line := func(row *sanlian.MetricRow, key string) metricLine {
		l := metricLine{Row: row}
		for _, ms := range sanlian.Measures {
			l.Cells = append(l.Cells, metricCell{N: row.Count(ms), URL: problemsURL(q, key, ms)})
		}
		return l
	}
	for _, row := range m.Rows {
		if p.ByUnit && row.Unranked != "" {
			p.Apart = append(p.Apart, line(row, row.Key))
		} else {
			p.Lines = append(p.Lines, line(row, row.Key))
		}
	}
	p.Total = line(&m.Total, "")
	units, _, err := s.Units.FindUnits(r.Context(), sanlian.UnitFilter{Limit: 500})
	if err != nil {
		return err
	}
	p.Units = units
	rows := map[string]bool{}
	for _, row := range m.Rows {
		rows[row.Key] = true
	}
	for _, u := range units {
		key := strconv.FormatInt(u.ID, 10)
		if n := m.CoParts[key]; n > 0 && !rows[key] {
			p.CoOnly = append(p.CoOnly, coPartLine{Name: u.Name, N: n})
		}
	}
	for _, n := range m.CoParts {
		p.CoPartsTotal += n
	}
	return s.render(w, r, status, "metrics", p)
}

// metricsPeriod is the metrics page's picker: half-months and months up to
// the one under way.
var metricsPeriod = periodField{Name: "period", Label: "统计期间", Rule: sanlian.PeriodRule{Halves: true, Months: true, Past: true}}

type metricProblemsPage struct {
	basePage
	Heading  string
	Back     string
	Problems []*sanlian.Problem
	Hidden   int // counted in the number but outside the reader's scope
}

// assessmentProblemsPage is GET /assessment/problems: the problems behind one
// number of the metrics page.
func (s *reportHandlers) assessmentProblemsPage(w http.ResponseWriter, r *http.Request) error {
	q, err := readMetricsQuery(r)
	if err != nil {
		return err
	}
	key, measure, err := readMeasure(r)
	if err != nil {
		return err
	}
	m, err := s.Metrics.Metrics(r.Context(), q)
	if err != nil {
		return err
	}
	ps, err := s.Metrics.MetricProblems(r.Context(), q, key, measure)
	if err != nil {
		return err
	}
	group, n := "合计", len(ps)
	if key == "" {
		n = m.Total.Count(measure)
	}
	if slices.Contains(sanlian.IntakeMeasures, measure) {
		group, n = sanlian.IntakeName, len(ps)
		if m.Intake != nil {
			n = m.Intake.Count(measure)
		}
	}
	for _, row := range m.Rows {
		if row.Key == key {
			group, n = row.Name, row.Count(measure)
		}
	}
	if key != "" && group == "合计" {
		group = key
	}
	p := &metricProblemsPage{basePage: s.base(r, "考核指标明细", "metrics"), Problems: ps,
		Heading: fmt.Sprintf("%s · %s · %s", group, windowLabel(m), measureLabels[measure]),
		Back:    "/assessment?" + metricsValues(q).Encode(), Hidden: max(0, n-len(ps))}
	return s.render(w, r, http.StatusOK, "metric_problems", p)
}

// metricConfigForm is the office's form as typed.
type metricConfigForm struct {
	Picker                                 periodPicker // From, as the picker shows it
	From, UnitKind                         string
	Response, Resolution, Satisfaction     string
	OverdueDeduction, DeductionCap         string
	MinVolume                              string
	CommendMinAssigned, CommendMinScore    string
	CommendMax, CriticiseBelowScore        string
	CriticiseOverdue, CriticiseUnsatisfied string
	SelfCriticismDays, YellowAfterDays     string
	RedAfterDays                           string
}

func formOf(c sanlian.MetricConfig) metricConfigForm {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	i := strconv.Itoa
	w, r, k := c.Weights, c.Rules, c.Ranking
	return metricConfigForm{From: c.From, UnitKind: c.UnitKind, Response: f(w.Response), Resolution: f(w.Resolution),
		Satisfaction: f(w.Satisfaction), OverdueDeduction: f(k.OverdueDeduction), DeductionCap: f(k.DeductionCap),
		MinVolume: i(k.MinVolume), CommendMinAssigned: i(r.CommendMinAssigned), CommendMinScore: f(r.CommendMinScore),
		CommendMax: i(r.CommendMax), CriticiseBelowScore: f(r.CriticiseBelowScore), CriticiseOverdue: i(r.CriticiseOverdue),
		CriticiseUnsatisfied: f(r.CriticiseUnsatisfied), SelfCriticismDays: i(r.SelfCriticismDays),
		YellowAfterDays: i(r.YellowAfterDays), RedAfterDays: i(r.RedAfterDays)}
}

// config reads the typed form, with a Chinese error for each number that
// does not read.
func (f metricConfigForm) config() (*sanlian.MetricConfig, error) {
	errs := map[string]string{}
	num := func(field, s string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			errs[field] = "请填写数字"
		}
		return v
	}
	integer := func(field, s string) int {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			errs[field] = "请填写整数"
		}
		return v
	}
	c := &sanlian.MetricConfig{From: strings.TrimSpace(f.From), UnitKind: f.UnitKind,
		Weights: sanlian.MetricWeights{Response: num("response", f.Response), Resolution: num("resolution", f.Resolution),
			Satisfaction: num("satisfaction", f.Satisfaction)},
		Ranking: sanlian.MetricRanking{OverdueDeduction: num("overdue_deduction", f.OverdueDeduction),
			DeductionCap: num("deduction_cap", f.DeductionCap), MinVolume: integer("min_volume", f.MinVolume)},
		Rules: sanlian.MetricRules{CommendMinAssigned: integer("commend_min_assigned", f.CommendMinAssigned),
			CommendMinScore: num("commend_min_score", f.CommendMinScore), CommendMax: integer("commend_max", f.CommendMax),
			CriticiseBelowScore:  num("criticise_below_score", f.CriticiseBelowScore),
			CriticiseOverdue:     integer("criticise_overdue", f.CriticiseOverdue),
			CriticiseUnsatisfied: num("criticise_unsatisfied", f.CriticiseUnsatisfied),
			SelfCriticismDays:    integer("self_criticism_days", f.SelfCriticismDays),
			YellowAfterDays:      integer("yellow_after_days", f.YellowAfterDays), RedAfterDays: integer("red_after_days", f.RedAfterDays)}}
	if len(errs) > 0 {
		return nil, sanlian.FieldErrors(errs)
	}
	return c, nil
}

type metricConfigsPage struct {
	basePage
	Configs []*sanlian.MetricConfig
	Kinds   []periodOption
	Form    metricConfigForm
	Error   string
	Fields  map[string]string
}

// KindName names a configuration's class of unit.
func (metricConfigsPage) KindName(k string) string {
	if k == "" {
		return "全部单位"
	}
	return sanlian.UnitKindLabel(k)
}

// metricConfigsPage is GET /metric-configs.
func (s *reportHandlers) metricConfigsPage(w http.ResponseWriter, r *http.Request) error {
	f := formOf(sanlian.DefaultMetricConfig())
	f.From = sanlian.PeriodOf(s.cfg.Now(), sanlian.PeriodHalf).ID
	_, f.Picker, _ = readPeriod(url.Values{"from": {f.From}}, metricConfigsFrom, s.cfg.Now())
	return s.renderMetricConfigs(w, r, http.StatusOK, f, nil)
}

// metricConfigsFrom is the period a configuration takes effect from: a
// half-month or a month, coming ones too.
var metricConfigsFrom = periodField{Name: "from", Label: "起始期间", Rule: sanlian.PeriodRule{Halves: true, Months: true, Future: true}}

func (s *reportHandlers) renderMetricConfigs(w http.ResponseWriter, r *http.Request, status int, f metricConfigForm, saveErr error) error {
	cs, err := s.Metrics.FindMetricConfigs(r.Context())
	if err != nil {
		return err
	}
	p := &metricConfigsPage{basePage: s.base(r, "考核配置", "metrics"), Configs: cs, Form: f}
	p.Kinds = []periodOption{{"", "全部单位"}}
	for _, k := range []string{sanlian.UnitDepartment, sanlian.UnitTownship, sanlian.UnitEnterprise, sanlian.UnitMassOrg} {
		p.Kinds = append(p.Kinds, periodOption{k, sanlian.UnitKindLabel(k)})
	}
	if saveErr != nil {
		p.Error, p.Fields = sanlian.ErrorMessage(saveErr), sanlian.ErrorFields(saveErr)
	}
	return s.render(w, r, status, "metric_configs", p)
}

// metricConfigSubmit is POST /metric-configs: the office adds a
// configuration; a refused form comes back as typed.
func (s *reportHandlers) metricConfigSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := r.PostFormValue
	f := metricConfigForm{From: v("from"), UnitKind: v("unit_kind"), Response: v("response"), Resolution: v("resolution"),
		Satisfaction: v("satisfaction"), OverdueDeduction: v("overdue_deduction"), DeductionCap: v("deduction_cap"),
		MinVolume: v("min_volume"), CommendMinAssigned: v("commend_min_assigned"), CommendMinScore: v("commend_min_score"),
		CommendMax: v("commend_max"), CriticiseBelowScore: v("criticise_below_score"), CriticiseOverdue: v("criticise_overdue"),
		CriticiseUnsatisfied: v("criticise_unsatisfied"), SelfCriticismDays: v("self_criticism_days"),
		YellowAfterDays: v("yellow_after_days"), RedAfterDays: v("red_after_days")}
	per, picker, msg := readPeriod(r.PostForm, metricConfigsFrom, s.cfg.Now())
	f.Picker = picker
	if msg == "" {
		f.From = per.ID
	}
	c, err := f.config()
	if msg != "" { // the period's error beside the others of the form
		fields := map[string]string{}
		if sanlian.ErrorCode(err) == sanlian.EUNPROCESSABLE {
			fields = sanlian.ErrorFields(err)
		}
		fields["from"] = msg
		err = sanlian.FieldErrors(fields)
	} else if err == nil {
		err = s.Metrics.SaveMetricConfig(r.Context(), c)
	}
	switch code := sanlian.ErrorCode(err); code {
	case "":
		q := url.Values{"ok": {"已保存自 " + c.From + " 起的考核配置"}}
		http.Redirect(w, r, "/metric-configs?"+q.Encode(), http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ECONFLICT:
		return s.renderMetricConfigs(w, r, sanlian.HTTPStatus(code), f, err)
	}
	return err
}

// scorecardPeriods is how many half-months a scorecard shows.
const scorecardPeriods = 12

// scorecardLine is one half-month of a unit's scorecard.
type scorecardLine struct {
	Period periodOption
	Row    *sanlian.MetricRow
	URL    string
}

type scorecardPage struct {
	basePage
	Unit      *sanlian.Unit
	Lines     []scorecardLine // oldest first
	ChartJSON string
}

// Rate shows a rate as a percentage, — when it does not exist.
func (scorecardPage) Rate(f float64) string { return fmtRate(f) }

// Num shows a score or mean with one decimal, — when it does not exist.
func (scorecardPage) Num(f float64) string { return fmtNum(f) }

// scorecardPage is GET /scorecard/{id}: a unit's score, rates and counts
// over the last 12 half-months, with a trend chart.
func (s *reportHandlers) scorecardPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Units.FindUnitByID(r.Context(), id)
	if err != nil {
		return err
	}
	p := &scorecardPage{basePage: s.base(r, u.Name+" · 考核记分卡", "metrics"), Unit: u}
	key := strconv.FormatInt(id, 10)
	per := sanlian.PeriodOf(time.Now(), sanlian.PeriodHalf)
	var chart struct {
		Periods      []string   `json:"periods"`
		Score        []*float64 `json:"score"`
		Response     []*float64 `json:"response"`
		Resolution   []*float64 `json:"resolution"`
		Satisfaction []*float64 `json:"satisfaction"`
	}
	lines := make([]scorecardLine, scorecardPeriods)
	for i := scorecardPeriods - 1; i >= 0; i-- {
		q := sanlian.MetricsQuery{Period: per.ID, By: sanlian.ByUnit, UnitID: id}
		m, err := s.Metrics.Metrics(r.Context(), q)
		if err != nil {
			return err
		}
		row := &sanlian.MetricRow{Key: key, Name: u.Name}
		row.Finish(m.Config)
		for _, x := range m.Rows {
			if x.Key == key {
				row = x
			}
		}
		lines[i] = scorecardLine{Period: periodOption{per.ID, per.Label()}, Row: row,
			URL: "/assessment?" + metricsValues(q).Encode()}
		per = sanlian.PeriodOf(per.Start.Add(-time.Hour), sanlian.PeriodHalf)
	}
	for _, l := range lines {
		chart.Periods = append(chart.Periods, l.Period.Label)
		chart.Score = append(chart.Score, nullable(l.Row.Score))
		chart.Response = append(chart.Response, nullable(l.Row.ResponseRate*100))
		chart.Resolution = append(chart.Resolution, nullable(l.Row.ResolutionRate*100))
		chart.Satisfaction = append(chart.Satisfaction, nullable(l.Row.SatisfactionRate*100))
	}
	b, err := json.Marshal(chart)
	if err != nil {
		return err
	}
	p.Lines, p.ChartJSON = lines, string(b)
	return s.render(w, r, http.StatusOK, "scorecard", p)
}
