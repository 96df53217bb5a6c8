package sanlian

import (
	"context"
	"math"
	"strconv"
	"time"
)

// The workbenches (工作台) of the county office and of a county leader:
// the figures they open the day with, each counted in the reader's scope
// and each the size of the list it links to.

// DueSoonDays is the window of the office's due-soon list, in working days:
// a problem is due soon when its resolve deadline ends by 24:00 of the
// DueSoonDays-th working day after today and it is not overdue yet.
const DueSoonDays = 3

// DueSoonBefore is the instant before which a resolve deadline counts as
// due soon at now: the end of the DueSoonDays-th working day after now's
// date (ProblemFilter.DueBefore).
func DueSoonBefore(cal *Calendar, now time.Time) time.Time {
	return cal.Deadline(now, DueSoonDays)
}

// ChannelIntake is the intake queue (待受理) of one channel (Problem.Source):
// how many problems wait, how many are past the dispatch deadline, when
// the oldest came in and the earliest dispatch deadline.
type ChannelIntake struct {
	Source  string    `json:"source"`
	Count   int       `json:"count"`
	Overdue int       `json:"overdue"`
	Oldest  time.Time `json:"oldest"`   // the earliest created_at
	NextDue time.Time `json:"next_due"` // the earliest assign_due, zero when none has one
}

// AgeLabel says in Chinese how long the oldest item has waited at now.
func (c ChannelIntake) AgeLabel(now time.Time) string { return AgeLabel(c.Oldest, now) }

// AgeLabel says how long ago since was at now, in days or hours, in
// Chinese: "3 天", "5 小时", "不到 1 小时".
func AgeLabel(since, now time.Time) string {
	d := now.Sub(since)
	switch {
	case since.IsZero():
		return ""
	case d >= 24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + " 天"
	case d >= time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " 小时"
	}
	return "不到 1 小时"
}

// UnitDue is one unit's problems overdue and due soon (DueSoonBefore).
type UnitDue struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Overdue  int    `json:"overdue"`
	DueSoon  int    `json:"due_soon"`
}

// TownshipLoad is one township's open problems, those overdue and those
// under an open red card (红牌督办).
type TownshipLoad struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
	Red     int    `json:"red"`
}

// WorkbenchService answers the role workbenches' own questions, in the
// caller's scope (the office: the county; a leader: their linked
// townships; a unit admin: its units; a cadre: their own links).
type WorkbenchService interface {
	// IntakeByChannel counts the problems waiting for intake (submitted)
	// per source, in Sources order, leaving out empty channels.
	IntakeByChannel(ctx context.Context) ([]ChannelIntake, error)
	// DueByUnit counts, per responsible unit, the problems overdue and
	// those due soon (not overdue, resolve deadline before soon), most
	// overdue first; units with neither are left out.
	DueByUnit(ctx context.Context, soon time.Time) ([]UnitDue, error)
	// TownshipLoads counts, per township in the caller's scope (all for the
	// office, the linked ones for a leader), open, overdue and red-card
	// problems, in code order. EFORBIDDEN for roles that see no problems.
	TownshipLoads(ctx context.Context) ([]TownshipLoad, error)
	// CadreHouseholds lists the households the calling cadre is linked to,
	// with their last visit, ordered by FinishLinkedHouseholds. EFORBIDDEN
	// for any role but cadre.
	CadreHouseholds(ctx context.Context) ([]*LinkedHousehold, error)
	// AccountSummary counts the accounts. EFORBIDDEN but for the system
	// and security administrators.
	AccountSummary(ctx context.Context) (*AccountSummary, error)
	// FindAccounts lists the accounts of a filter, by id. EFORBIDDEN but
	// for the system and security administrators.
	FindAccounts(ctx context.Context, f AccountFilter) ([]*User, error)
	// AuditSummary counts recent audit rows. EFORBIDDEN but for the
	// auditor and the office.
	AuditSummary(ctx context.Context) (*AuditSummary, error)
}

// BehindPoints is how far (percentage points) an ongoing project's
// progress may trail its schedule before it counts as behind.
const BehindPoints = 25

// ProjectStalled reports whether a project is stalled (停滞) on today (a
// 2006-01-02 date): ongoing, and its latest progress entry (or its start,
// before any) StalledDays or more days before today. It is the rule the
// project list filters on (ProjectFilter.Stalled).
func ProjectStalled(p *Project, today string) bool {
	if p.Status != ProjectOngoing {
		return false
	}
	t, err := time.Parse("2006-01-02", today)
	if err != nil {
		return false
	}
	since := p.LastProgress
	if since == "" {
		since = p.StartDate
	}
	return since != "" && since <= t.AddDate(0, 0, -StalledDays).Format("2006-01-02")
}

// ScheduleLag is how many percentage points an ongoing project's progress
// trails the share of its schedule (start to end date) elapsed by today;
// 0 when it is on or ahead of schedule, not ongoing, or its dates do not
// parse. A project past its end date is expected at 100.
func ScheduleLag(p *Project, today string) int {
	if p.Status != ProjectOngoing {
		return 0
	}
	start, err1 := time.Parse("2006-01-02", p.StartDate)
	end, err2 := time.Parse("2006-01-02", p.EndDate)
	now, err3 := time.Parse("2006-01-02", today)
	if err1 != nil || err2 != nil || err3 != nil || now.Before(start) {
		return 0
	}
	expected := 100
	if total := end.Sub(start); total > 0 && now.Before(end) {
		expected = int(now.Sub(start) * 100 / total)
	}
	return max(0, expected-p.Progress)
}

// ProjectBehind reports whether an ongoing project trails its schedule by
// BehindPoints or more.
func ProjectBehind(p *Project, today string) bool { return ScheduleLag(p, today) >= BehindPoints }

// HalfMonthFigures are the office's four figures of one half-month:
// problems received, resolutions, resolutions on time, and callbacks with
// those satisfied, as the metrics count them (Metrics.Intake.Submitted,
// Metrics.Total).
type HalfMonthFigures struct {
	Period         Period
	Received       int
	Resolved       int
	ResolvedOnTime int
	Callbacks      int
	Satisfied      int
}

// OnTimeRate is ResolvedOnTime ÷ Resolved, NaN without resolutions.
func (f HalfMonthFigures) OnTimeRate() float64 { return Rate(f.ResolvedOnTime, f.Resolved) }

// SatisfactionRate is Satisfied ÷ Callbacks, NaN without callbacks.
func (f HalfMonthFigures) SatisfactionRate() float64 { return Rate(f.Satisfied, f.Callbacks) }

// Trend directions of a comparison.
const (
	TrendUp   = "up"
	TrendDown = "down"
	TrendSame = "same"
	TrendNone = "none" // one side has no value
)

// Comparison is one figure this half-month against the last: Delta is
// Current − Previous (counts, or percentage points for rates), Better
// whether the change is good news for the office.
type Comparison struct {
	Name     string
	Measure  string // the metrics measure whose problems the figure lists
	Rate     bool   // a rate: Current and Previous are 0–1, NaN when absent
	Current  float64
	Previous float64
	Delta    float64
	Trend    string
	Better   bool
}

// CompareHalfMonths compares cur with prev, figure by figure: received
// (neither good nor bad: Better is false), resolved, on-time rate and
// satisfaction rate (more is better). Rates compare in percentage points,
// rounded to one decimal.
func CompareHalfMonths(cur, prev HalfMonthFigures) []Comparison {
	out := []Comparison{
		{Name: "受理问题", Measure: MeasureIntakeSubmitted, Current: float64(cur.Received), Previous: float64(prev.Received)},
		{Name: "办结问题", Measure: MeasureResolved, Current: float64(cur.Resolved), Previous: float64(prev.Resolved)},
		{Name: "按期办结率", Measure: MeasureResolvedOnTime, Rate: true, Current: cur.OnTimeRate(), Previous: prev.OnTimeRate()},
		{Name: "群众满意率", Measure: MeasureSatisfied, Rate: true, Current: cur.SatisfactionRate(), Previous: prev.SatisfactionRate()},
	}
	for i := range out {
		c := &out[i]
		if math.IsNaN(c.Current) || math.IsNaN(c.Previous) {
			c.Trend = TrendNone
			continue
		}
		c.Delta = c.Current - c.Previous
		if c.Rate {
			c.Delta = math.Round(c.Delta*1000) / 10
		}
		switch {
		case c.Delta > 0:
			c.Trend = TrendUp
		case c.Delta < 0:
			c.Trend = TrendDown
		default:
			c.Trend = TrendSame
		}
		c.Better = c.Measure != MeasureIntakeSubmitted && c.Trend == TrendUp
	}
	return out
}

// PreviousHalf is the half-month before p's.
func PreviousHalf(p Period) Period {
	return PeriodOf(p.Start.AddDate(0, 0, -1), PeriodHalf)
}

// NoticeReplyDays is how many working days a notice issued from a
// workbench gives for the reply, by default.
const NoticeReplyDays = 3

// NoticeReplyDue is the default last day (2006-01-02) to reply to a
// notice issued at now: the NoticeReplyDays-th working day after it.
func NoticeReplyDue(cal *Calendar, now time.Time) string {
	return DeadlineDate(cal.Deadline(now, NoticeReplyDays))
}

// NoticeDraft is the text a county leader's 督办 on a red-card problem
// starts from; the leader may edit it before sending.
func NoticeDraft(p *Problem, replyDue string) string {
	unit := p.UnitName
	if unit == "" {
		unit = "责任单位"
	}
	return unit + "：群众反映的“" + p.Title + "”（" + p.Number + "）已超过办理期限并亮红牌督办。请单位主要负责同志亲自过问，于 " +
		replyDue + " 前办结，并书面回复办理情况。"
}
