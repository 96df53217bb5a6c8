package sanlian

import (
	"context"
	"math"
	"sort"
	"strconv"
	"time"
)

// Groupings of the metrics.
const (
	ByUnit     = "unit"
	ByTownship = "township"
	ByCadre    = "cadre"
	ByCategory = "category"
)

// Measures: the counts a metric row holds, by name, so that every number
// can link to the problems behind it (MetricsService.MetricProblems).
const (
	MeasureAssigned       = "assigned"
	MeasureAcceptedOnTime = "accepted_on_time"
	MeasureResolved       = "resolved"
	MeasureResolvedOnTime = "resolved_on_time"
	MeasureCallbacks      = "callbacks"
	MeasureSolved         = "solved"
	MeasureSatisfied      = "satisfied"
	MeasureUnsatisfied    = "unsatisfied"
	MeasureReopened       = "reopened"
	MeasureOverdue        = "overdue"
	MeasureVolume         = "volume"
)

// Measures lists the measures in display order.
var Measures = []string{MeasureAssigned, MeasureAcceptedOnTime, MeasureResolved, MeasureResolvedOnTime, MeasureCallbacks,
	MeasureSolved, MeasureSatisfied, MeasureUnsatisfied, MeasureReopened, MeasureOverdue, MeasureVolume}

// MetricsQuery asks for the metrics of a window, grouped. Period is a
// half-month (2021-05-H1) or month (2021-05) id; or From and To give a
// date range (2006-01-02, both inclusive). By is unit, township, cadre or
// category; UnitID narrows to one unit (its sub-units included).
type MetricsQuery struct {
	Period   string
	From, To string
	By       string
	UnitID   int64
}

// MetricRow is one group's numbers for a window (SPEC §5). Counts are of
// events in the window, attributed to the group responsible at the time
// of the event: a problem transferred from unit A to unit B counts as
// assigned to both, accepted and resolved where it was when that happened.
//
//   - Assigned: assignments and transfers to the group in the window.
//   - AcceptedOnTime: of those, the ones accepted by the accept deadline
//     set with that assignment.
//   - Resolved / ResolvedOnTime: resolutions in the window, and those at or
//     before the resolve deadline then in force (extensions included).
//   - Callbacks, Solved (solved = yes), Satisfied (satisfied or basically
//     satisfied), Unsatisfied: callbacks recorded in the window.
//   - Reopened: reopenings in the window.
//   - Overdue: problems open (assigned or accepted) at the window's end
//     whose resolve deadline had passed by then.
//   - Volume (办件量): the distinct problems the group handled in the
//     window: assigned to it in the window, or open with it at the
//     window's start (carried into it). Ranking needs a minimum volume.
//   - MeanDays: mean working days from assignment to resolution, over the
//     resolutions in the window.
//
// A rate whose denominator is 0 is NaN (shown as —); the score is the
// weighted mean of the rates that exist, ×100, less the deduction for the
// problems overdue at the window's end (Finish), and NaN when no rate
// exists.
type MetricRow struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	UnitKind string `json:"unit_kind,omitempty"` // grouped by unit: the unit's kind

	Assigned       int `json:"assigned"`
	AcceptedOnTime int `json:"accepted_on_time"`
	Resolved       int `json:"resolved"`
	ResolvedOnTime int `json:"resolved_on_time"`
	Callbacks      int `json:"callbacks"`
	Solved         int `json:"solved"`
	Satisfied      int `json:"satisfied"`
	Unsatisfied    int `json:"unsatisfied"`
	Reopened       int `json:"reopened"`
	Overdue        int `json:"overdue"`
	Volume         int `json:"volume"`

	MeanDays float64 `json:"mean_days"` // NaN when nothing was resolved

	ResponseRate     float64 `json:"response_rate"`     // AcceptedOnTime ÷ Assigned
	OnTimeRate       float64 `json:"on_time_rate"`      // ResolvedOnTime ÷ Resolved
	ResolutionRate   float64 `json:"resolution_rate"`   // Solved ÷ Callbacks
	SatisfactionRate float64 `json:"satisfaction_rate"` // Satisfied ÷ Callbacks
	Score            float64 `json:"score"`
	Deduction        float64 `json:"deduction"` // points taken off for overdue problems

	// Ranking (RankUnits), grouped by unit: Rank 1 is the best score, in
	// competition style; Tied when another unit shares the rank; Unranked
	// says why a unit has no rank.
	Rank     int    `json:"rank,omitempty"`
	Tied     bool   `json:"tied,omitempty"`
	Unranked string `json:"unranked,omitempty"`
}

// Count returns the row's count for a measure.
func (r *MetricRow) Count(measure string) int {
	if c := r.counter(measure); c != nil {
		return *c
	}
	return 0
}

// Add adds n to the row's count for a measure.
func (r *MetricRow) Add(measure string, n int) {
	if c := r.counter(measure); c != nil {
		*c += n
	}
}

// counter is the row's count for a measure, or nil for an unknown one.
func (r *MetricRow) counter(measure string) *int {
	switch measure {
	case MeasureAssigned:
		return &r.Assigned
	case MeasureAcceptedOnTime:
		return &r.AcceptedOnTime
	case MeasureResolved:
		return &r.Resolved
	case MeasureResolvedOnTime:
		return &r.ResolvedOnTime
	case MeasureCallbacks:
		return &r.Callbacks
	case MeasureSolved:
		return &r.Solved
	case MeasureSatisfied:
		return &r.Satisfied
	case MeasureUnsatisfied:
		return &r.Unsatisfied
	case MeasureReopened:
		return &r.Reopened
	case MeasureOverdue:
		return &r.Overdue
	case MeasureVolume:
		return &r.Volume
	}
	return nil
}

// Rate is part ÷ whole, or NaN when whole is 0.
func Rate(part, whole int) float64 {
	if whole == 0 {
		return math.NaN()
	}
	return float64(part) / float64(whole)
}

// Finish computes the row's rates and score from its counts under c: the
// weighted mean of the rates that exist (×100), less OverdueDeduction
// points per problem overdue at the window's end, at most DeductionCap in
// all, and never below 0. With no rate the score is NaN and nothing is
// deducted.
func (r *MetricRow) Finish(c *MetricConfig) {
	r.ResponseRate = Rate(r.AcceptedOnTime, r.Assigned)
	r.OnTimeRate = Rate(r.ResolvedOnTime, r.Resolved)
	r.ResolutionRate = Rate(r.Solved, r.Callbacks)
	r.SatisfactionRate = Rate(r.Satisfied, r.Callbacks)
	w := c.Weights
	sum, weights := 0.0, 0.0
	for _, c := range []struct{ rate, weight float64 }{
		{r.ResponseRate, w.Response}, {r.ResolutionRate, w.Resolution}, {r.SatisfactionRate, w.Satisfaction},
	} {
		if !math.IsNaN(c.rate) {
			sum += c.rate * c.weight
			weights += c.weight
		}
	}
	r.Score, r.Deduction = math.NaN(), 0
	if weights > 0 {
		r.Deduction = c.Ranking.Deduction(r.Overdue)
		r.Score = math.Max(0, sum/weights*100-r.Deduction)
	}
}

// MetricWeights weigh the three rates in the composite score; they add up
// to 100 (default 30, 35, 35: one county's 12345 assessment).
type MetricWeights struct {
	Response     float64 `json:"response"`
	Resolution   float64 `json:"resolution"`
	Satisfaction float64 `json:"satisfaction"`
}

// MetricRanking are the office's rules for the score's deduction and for
// who is ranked (SPEC §5 defaults).
type MetricRanking struct {
	OverdueDeduction float64 `json:"overdue_deduction"` // 2 points per problem overdue at the window's end
	DeductionCap     float64 `json:"deduction_cap"`     // 20 points at most in all
	MinVolume        int     `json:"min_volume"`        // 3 problems handled, to be ranked
}

// Deduction is the points taken off a score for overdue problems.
func (k MetricRanking) Deduction(overdue int) float64 {
	return math.Min(float64(overdue)*k.OverdueDeduction, k.DeductionCap)
}

// MetricRules are the office's rules for commendation and criticism and
// for supervision levels (SPEC §5 defaults).
type MetricRules struct {
	CommendMinAssigned   int     `json:"commend_min_assigned"`  // 5
	CommendMinScore      float64 `json:"commend_min_score"`     // 95
	CommendMax           int     `json:"commend_max"`           // 10
	CriticiseBelowScore  float64 `json:"criticise_below_score"` // 80
	CriticiseOverdue     int     `json:"criticise_overdue"`     // 3
	CriticiseUnsatisfied float64 `json:"criticise_unsatisfied"` // 0.20 of callbacks
	SelfCriticismDays    int     `json:"self_criticism_days"`   // 5 working days
	YellowAfterDays      int     `json:"yellow_after_days"`     // 0: yellow as soon as overdue
	RedAfterDays         int     `json:"red_after_days"`        // 5 working days after yellow
}

// MetricConfig is the configuration metrics are computed with: it applies
// from a period on (From, a period id) to a class of unit (UnitKind, a
// unit kind, or "" for every unit), until a later one replaces it.
type MetricConfig struct {
	ID       int64         `json:"id,omitempty"`
	From     string        `json:"from"`
	UnitKind string        `json:"unit_kind"`
	Weights  MetricWeights `json:"weights"`
	Ranking  MetricRanking `json:"ranking"`
	Rules    MetricRules   `json:"rules"`
	Version  int64         `json:"version,omitempty"`
}

// DefaultMetricConfig is SPEC §5's configuration.
func DefaultMetricConfig() MetricConfig {
	return MetricConfig{From: "2021-01", Weights: MetricWeights{Response: 30, Resolution: 35, Satisfaction: 35},
		Ranking: MetricRanking{OverdueDeduction: 2, DeductionCap: 20, MinVolume: 3},
		Rules: MetricRules{CommendMinAssigned: 5, CommendMinScore: 95, CommendMax: 10, CriticiseBelowScore: 80,
			CriticiseOverdue: 3, CriticiseUnsatisfied: 0.20, SelfCriticismDays: 5, YellowAfterDays: 0, RedAfterDays: 5}}
}

// Validate checks a configuration: weights ≥ 0 adding up to 100, a
// deduction ≥ 0 with a cap in 0–100, a minimum volume of at least 1, rules
// in range, From a period id.
func (c *MetricConfig) Validate() error {
	f := map[string]string{}
	if _, err := ParsePeriod(c.From); err != nil {
		f["from"] = "起始期间格式应为 2021-05 或 2021-05-H1"
	}
	w := c.Weights
	if w.Response < 0 || w.Resolution < 0 || w.Satisfaction < 0 {
		f["weights"] = "权重不能为负数"
	} else if s := w.Response + w.Resolution + w.Satisfaction; math.Abs(s-100) > 1e-9 {
		f["weights"] = "响应率、解决率、满意率三项权重之和须为 100（现为 " + trimFloat(s) + "）"
	}
	k := c.Ranking
	if k.OverdueDeduction < 0 || math.IsNaN(k.OverdueDeduction) || k.OverdueDeduction > 100 {
		f["overdue_deduction"] = "每件超期扣分须在 0–100 分之间，不能为负数"
	}
	if k.DeductionCap < 0 || math.IsNaN(k.DeductionCap) || k.DeductionCap > 100 {
		f["deduction_cap"] = "扣分上限须在 0–100 分之间"
	}
	if k.MinVolume < 1 {
		f["min_volume"] = "参与排名的最低办件量至少为 1 件"
	} else if k.MinVolume > 10000 {
		f["min_volume"] = "参与排名的最低办件量不能超过 10000 件"
	}
	r := c.Rules
	if r.CommendMinAssigned < 0 || r.CommendMax < 0 || r.CriticiseOverdue < 0 || r.SelfCriticismDays < 1 || r.SelfCriticismDays > 60 ||
		r.YellowAfterDays < 0 || r.RedAfterDays < 1 || r.RedAfterDays > 60 {
		f["rules"] = "规则中的件数、天数须为合理的非负整数（检讨期限、红牌天数 1–60）"
	}
	if r.CommendMinScore < 0 || r.CommendMinScore > 100 || r.CriticiseBelowScore < 0 || r.CriticiseBelowScore > 100 ||
		r.CriticiseUnsatisfied < 0 || r.CriticiseUnsatisfied > 1 {
		f["rules"] = "得分须在 0–100 之间，不满意比例须在 0–1 之间"
	}
	switch c.UnitKind {
	case "", UnitDepartment, UnitTownship, UnitEnterprise, UnitMassOrg:
	default:
		f["unit_kind"] = "单位类别无效"
	}
	return FieldErrors(f)
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// SortMetricConfigs orders configurations newest first: by the start of
// their From period, then From, then unit kind (every unit first).
func SortMetricConfigs(configs []*MetricConfig) {
	sort.SliceStable(configs, func(i, j int) bool {
		a, b := periodStart(configs[i].From), periodStart(configs[j].From)
		if !a.Equal(b) {
			return a.After(b)
		}
		if configs[i].From != configs[j].From {
			return configs[i].From > configs[j].From
		}
		return configs[i].UnitKind < configs[j].UnitKind
	})
}

func periodStart(id string) time.Time {
	p, _ := ParsePeriod(id)
	return p.Start
}

// PickMetricConfig picks, from configs sorted newest first
// (SortMetricConfigs), the latest whose From starts at or before period's
// start, for unitKind, else for every unit, else the default.
func PickMetricConfig(configs []*MetricConfig, period, unitKind string) *MetricConfig {
	at := periodStart(period)
	kinds := []string{""}
	if unitKind != "" {
		kinds = []string{unitKind, ""}
	}
	for _, kind := range kinds {
		for _, c := range configs {
			if c.UnitKind == kind && !periodStart(c.From).After(at) {
				return c
			}
		}
	}
	d := DefaultMetricConfig()
	return &d
}

// Metrics answers a MetricsQuery: the window it covered, a row per group
// (ranked by score when grouped by unit), the county's total, and the
// configuration used.
type Metrics struct {
	Period string        `json:"period,omitempty"`
	From   string        `json:"from"`
	To     string        `json:"to"`
	By     string        `json:"by"`
	Rows   []*MetricRow  `json:"rows"`
	Total  MetricRow     `json:"total"`
	Config *MetricConfig `json:"config"`
	// CoParts counts, by unit (the rows' key), the parts recorded in the
	// window as a co-unit (配合办理). It is apart from the rows: a
	// co-unit's help never counts as an assignment, nor in the score.
	CoParts map[string]int `json:"co_parts,omitempty"`
	// KindConfigs are the configurations of the classes of unit that have
	// their own in the window (grouped by unit), by unit kind.
	KindConfigs map[string]*MetricConfig `json:"kind_configs,omitempty"`
	// Intake is the office's own row (受理派单), for the office and
	// leaders over the whole county or their townships; nil otherwise.
	Intake *IntakeRow `json:"intake,omitempty"`
}

// MetricsService computes the metrics. The office and leaders see every
// group (a leader: their townships' problems); a unit admin their units.
type MetricsService interface {
	// Metrics computes q. EINVALID for a period that does not parse, a
	// range out of order or an unknown grouping.
	Metrics(ctx context.Context, q MetricsQuery) (*Metrics, error)
	// MetricProblems lists the problems behind one number: the measure of
	// the group key in q's window (key "" for the total).
	MetricProblems(ctx context.Context, q MetricsQuery, key, measure string) ([]*Problem, error)
	// FindMetricConfigs lists the configurations, newest first.
	FindMetricConfigs(ctx context.Context) ([]*MetricConfig, error)
	// MetricConfigFor returns the configuration in force for a period and
	// a class of unit (the default when none was saved).
	MetricConfigFor(ctx context.Context, period, unitKind string) (*MetricConfig, error)
	// SaveMetricConfig adds (ID 0) or edits a configuration. Office only.
	// A configuration already used by a published bulletin is kept: the
	// bulletin holds a copy.
	SaveMetricConfig(ctx context.Context, c *MetricConfig) error
}
