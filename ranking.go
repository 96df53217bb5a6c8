package sanlian

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Reasons a unit is listed apart from the ranking.
const (
	UnrankedLowVolume = "办件量不足，不参与排名"
	UnrankedNoScore   = "本期无可计分的比率，不参与排名"
)

// MetricConfigSet is the configuration a window's unit metrics were
// computed with: Base for every unit, ByKind for the classes of unit
// (department, township, enterprise, mass_org) that have their own.
type MetricConfigSet struct {
	Base   MetricConfig            `json:"base"`
	ByKind map[string]MetricConfig `json:"by_kind,omitempty"`
}

// For returns the configuration of a class of unit.
func (s *MetricConfigSet) For(kind string) MetricConfig {
	if c, ok := s.ByKind[kind]; ok {
		return c
	}
	return s.Base
}

// ConfigSet returns the configurations m was computed with.
func (m *Metrics) ConfigSet() MetricConfigSet {
	s := MetricConfigSet{Base: DefaultMetricConfig()}
	if m.Config != nil {
		s.Base = *m.Config
	}
	for k, c := range m.KindConfigs {
		if s.ByKind == nil {
			s.ByKind = map[string]MetricConfig{}
		}
		s.ByKind[k] = *c
	}
	return s
}

// rankScore is a score as the ranking compares it: to the tenth of a
// point shown, so that two units shown with the same score share a rank.
func rankScore(f float64) float64 { return math.Round(f*10) / 10 }

// RankUnits ranks the rows of a window grouped by unit (SPEC §5) and
// puts them in the order they are shown. A unit is ranked when its volume
// reaches the minimum of its class of unit and it has a score; the others
// are listed after the ranked ones with the reason (Unranked), by volume.
// Ranks are competition style: units with equal scores (to the tenth of a
// point) share a rank and are Tied, the next rank counts them all
// (1, 1, 3); tied units are shown by volume, largest first, then by name.
func RankUnits(rows []*MetricRow, set MetricConfigSet) {
	var ranked, apart []*MetricRow
	for _, r := range rows {
		r.Rank, r.Tied, r.Unranked = 0, false, ""
		switch {
		case r.Volume < set.For(r.UnitKind).Ranking.MinVolume:
			r.Unranked = UnrankedLowVolume
			apart = append(apart, r)
		case math.IsNaN(r.Score):
			r.Unranked = UnrankedNoScore
			apart = append(apart, r)
		default:
			ranked = append(ranked, r)
		}
	}
	sort.SliceStable(ranked, func(i, j int) bool {
		a, b := ranked[i], ranked[j]
		if sa, sb := rankScore(a.Score), rankScore(b.Score); sa != sb {
			return sa > sb
		}
		if a.Volume != b.Volume {
			return a.Volume > b.Volume
		}
		return a.Name < b.Name
	})
	for i, r := range ranked {
		if i > 0 && rankScore(ranked[i-1].Score) == rankScore(r.Score) {
			r.Rank, r.Tied, ranked[i-1].Tied = ranked[i-1].Rank, true, true
		} else {
			r.Rank = i + 1
		}
	}
	sort.SliceStable(apart, func(i, j int) bool {
		a, b := apart[i], apart[j]
		if a.Volume != b.Volume {
			return a.Volume > b.Volume
		}
		return a.Name < b.Name
	})
	copy(rows, append(ranked, apart...))
}

// RankLabel shows a rank: "3", "并列3", or "—" for a unit not ranked.
func RankLabel(rank int, tied bool) string {
	switch {
	case rank == 0:
		return "—"
	case tied:
		return fmt.Sprintf("并列%d", rank)
	}
	return fmt.Sprint(rank)
}

// RulesText states a configuration's scoring, ranking and judging rules
// in a sentence or two of Chinese, for the bulletin's paragraph on the
// rules it used.
func (c *MetricConfig) RulesText() string {
	w, k, r := c.Weights, c.Ranking, c.Rules
	var b strings.Builder
	fmt.Fprintf(&b, "综合得分 = 响应率 × %s + 解决率 × %s + 满意率 × %s（缺项按其余权重折算）", trimFloat(w.Response),
		trimFloat(w.Resolution), trimFloat(w.Satisfaction))
	if k.OverdueDeduction > 0 && k.DeductionCap > 0 {
		fmt.Fprintf(&b, "，期末每超期 1 件扣 %s 分、最多扣 %s 分，最低 0 分", trimFloat(k.OverdueDeduction), trimFloat(k.DeductionCap))
	} else {
		b.WriteString("，超期不扣分")
	}
	if k.MinVolume > 0 {
		fmt.Fprintf(&b, "；期内交办及期初在办的办件量不足 %d 件的单位不参与排名", k.MinVolume)
	}
	b.WriteString("；得分相同的单位并列同一名次（按办件量多少排列），其后名次顺延（如 1、1、3）。")
	fmt.Fprintf(&b, "交办不少于 %d 件、得分不低于 %s 分且无超期的单位予以通报表扬（至多 %d 个）；", r.CommendMinAssigned,
		trimFloat(r.CommendMinScore), r.CommendMax)
	crit := []string{fmt.Sprintf("得分低于 %s 分", trimFloat(r.CriticiseBelowScore))}
	if r.CriticiseOverdue > 0 {
		crit = append(crit, fmt.Sprintf("期末超期 %d 件及以上", r.CriticiseOverdue))
	}
	crit = append(crit, fmt.Sprintf("回访不满意占 %s 及以上", Figure(r.CriticiseUnsatisfied).Percent()))
	fmt.Fprintf(&b, "%s的单位予以通报批评，不予表扬，并须在 %d 个工作日内提交书面检讨。", strings.Join(crit, "、"), r.SelfCriticismDays)
	return b.String()
}

// RulesText states the rules of every class of unit: the base, then each
// class with its own.
func (s *MetricConfigSet) RulesText() []string {
	out := []string{s.Base.RulesText()}
	for _, kind := range []string{UnitDepartment, UnitTownship, UnitEnterprise, UnitMassOrg} {
		if c, ok := s.ByKind[kind]; ok {
			out = append(out, UnitKindLabel(kind)+"另行适用："+c.RulesText())
		}
	}
	return out
}

// IntakeRow is the office's own row (县领导小组办公室 · 受理派单) for a
// window (SPEC §3: intake is on a clock too). It is kept out of the units'
// ranking.
//
//   - Submitted: problems entered in the window.
//   - Dispatched: problems dispatched for the first time (their first
//     assignment to a unit) in the window.
//   - DispatchedOnTime: of those, the ones dispatched by their dispatch
//     deadline (IntakeDeadline).
//   - Overdue: problems still awaiting dispatch at the window's end whose
//     dispatch deadline had passed by then.
//   - Rate (受理派单及时率): DispatchedOnTime ÷ Dispatched.
type IntakeRow struct {
	Name             string `json:"name"`
	Submitted        int    `json:"submitted"`
	Dispatched       int    `json:"dispatched"`
	DispatchedOnTime int    `json:"dispatched_on_time"`
	Overdue          int    `json:"overdue"`
	Rate             Figure `json:"rate"`
}

// Measures of the office's intake row, for the problems behind its
// numbers (MetricsService.MetricProblems, with key "").
const (
	MeasureIntakeSubmitted  = "intake_submitted"
	MeasureIntakeDispatched = "intake_dispatched"
	MeasureIntakeOnTime     = "intake_on_time"
	MeasureIntakeOverdue    = "intake_overdue"
)

// IntakeMeasures lists the intake row's measures in display order.
var IntakeMeasures = []string{MeasureIntakeSubmitted, MeasureIntakeDispatched, MeasureIntakeOnTime, MeasureIntakeOverdue}

// Count returns the row's count for an intake measure.
func (r *IntakeRow) Count(measure string) int {
	switch measure {
	case MeasureIntakeSubmitted:
		return r.Submitted
	case MeasureIntakeDispatched:
		return r.Dispatched
	case MeasureIntakeOnTime:
		return r.DispatchedOnTime
	case MeasureIntakeOverdue:
		return r.Overdue
	}
	return 0
}

// IntakeName names the office's row.
const IntakeName = "县领导小组办公室（受理派单）"

// Finish computes the row's rate and names it.
func (r *IntakeRow) Finish() {
	r.Name = IntakeName
	r.Rate = Figure(Rate(r.DispatchedOnTime, r.Dispatched))
}

// IntakeDeadline is the dispatch deadline of a problem entered at
// created: assignDue when it is set, else (a problem entered before the
// deadline was kept) the default, 1 working day after its entry.
func IntakeDeadline(cal *Calendar, created, assignDue time.Time) time.Time {
	if !assignDue.IsZero() {
		return assignDue
	}
	return cal.Deadline(created, 1)
}
