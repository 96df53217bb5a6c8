package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"sanlian"
)

// workbenchRows is how many rows a workbench panel shows before its 全部
// link.
const workbenchRows = 8

// wbFigure is one number on a workbench and the list it is the size of.
type wbFigure struct {
	N   int
	URL string
}

// channelRow is one channel of the intake queue.
type channelRow struct {
	sanlian.ChannelIntake
	Label   string
	Age     string
	All     wbFigure
	Overdue wbFigure
}

// unitDueRow is one unit's overdue and due-soon problems.
type unitDueRow struct {
	sanlian.UnitDue
	Overdue wbFigure
	DueSoon wbFigure
}

// halfRow is one wbFigure of this half-month against the last.
type halfRow struct {
	sanlian.Comparison
	Cur, Prev wbFigure // counts, or the rates' numerators
	CurOf     int      // the rates' denominators
	PrevOf    int
}

type homeOfficePage struct {
	basePage
	Intake        []channelRow
	IntakeAll     wbFigure
	IntakeOverdue wbFigure
	DueSoonDate   string // the day the due-soon window ends, inclusive
	Units         []unitDueRow
	UnitsMore     int
	Red, Yellow   wbFigure
	RedTop        []*sanlian.Supervision
	Unanswered    wbFigure
	LateReplies   wbFigure
	CritDue       wbFigure
	CritLate      wbFigure
	CurPeriod     sanlian.Period
	PrevPeriod    sanlian.Period
	Halves        []halfRow
	// CalendarYear is the next year whose schedule awaits confirmation
	// (sanlian.CalendarReminderYear), or 0.
	CalendarYear int
}

// homeOffice is the county office's workbench: the intake queue by
// channel, overdue and due-soon problems by unit, the cards and notices,
// the self-criticisms owed, and this half-month against the last.
func (s *deskHandlers) homeOffice(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := s.cfg.Now()
	p := &homeOfficePage{basePage: s.base(r, "工作台", "home")}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	p.CalendarYear = sanlian.CalendarReminderYear(now, cal)

	channels, err := s.Workbench.IntakeByChannel(ctx)
	if err != nil {
		return err
	}
	for _, c := range channels {
		q := url.Values{"state": {sanlian.StateSubmitted}, "source": {c.Source}}
		row := channelRow{ChannelIntake: c, Label: sanlian.SourceLabel(c.Source), Age: c.AgeLabel(now),
			All: wbFigure{c.Count, "/problems?" + q.Encode()}}
		q.Set("overdue", "yes")
		row.Overdue = wbFigure{c.Overdue, "/problems?" + q.Encode()}
		p.Intake = append(p.Intake, row)
		p.IntakeAll.N += c.Count
		p.IntakeOverdue.N += c.Overdue
	}
	p.IntakeAll.URL = "/problems?state=submitted"
	p.IntakeOverdue.URL = "/problems?state=submitted&overdue=yes"

	soon := sanlian.DueSoonBefore(cal, now)
	p.DueSoonDate = sanlian.DeadlineDate(soon)
	units, err := s.Workbench.DueByUnit(ctx, soon)
	if err != nil {
		return err
	}
	for i, u := range units {
		if i == workbenchRows {
			p.UnitsMore = len(units) - i
			break
		}
		id := strconv.FormatInt(u.UnitID, 10)
		p.Units = append(p.Units, unitDueRow{UnitDue: u,
			Overdue: wbFigure{u.Overdue, "/problems?unit_id=" + id + "&overdue=yes"},
			DueSoon: wbFigure{u.DueSoon, "/problems?unit_id=" + id + "&overdue=no&due_before=" + soon.In(sanlian.Shanghai).Format("2006-01-02") + ""}})
	}

	cards, err := s.Supervisions.CountSupervisions(ctx, sanlian.SupervisionFilter{})
	if err != nil {
		return err
	}
	p.Red = wbFigure{cards.Red, "/supervisions?level=red&state=open"}
	p.Yellow = wbFigure{cards.Yellow, "/supervisions?level=yellow&state=open"}
	p.Unanswered = wbFigure{cards.Unanswered, "/supervisions?unanswered=1"}
	p.LateReplies = wbFigure{cards.Late, "/supervisions?late=1"}
	if p.RedTop, _, err = s.Supervisions.FindSupervisions(ctx, sanlian.SupervisionFilter{Level: sanlian.LevelRed,
		State: sanlian.SupervisionOpen, Limit: 5}); err != nil {
		return err
	}

	yes, no := true, false
	due, err := s.Bulletins.FindSelfCriticisms(ctx, sanlian.SelfCriticismFilter{State: sanlian.SelfCriticismOwed, Overdue: &no})
	if err != nil {
		return err
	}
	late, err := s.Bulletins.FindSelfCriticisms(ctx, sanlian.SelfCriticismFilter{State: sanlian.SelfCriticismOwed, Overdue: &yes})
	if err != nil {
		return err
	}
	p.CritDue = wbFigure{len(due), "/self-criticisms?state=owed&overdue=no"}
	p.CritLate = wbFigure{len(late), "/self-criticisms?state=owed&overdue=yes"}

	if err := s.loadHalves(r, p, now); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "home_office", p)
}

// loadHalves compares this half-month with the last, by the metrics'
// own counting, each wbFigure linking to the problems behind it.
func (s *deskHandlers) loadHalves(r *http.Request, p *homeOfficePage, now time.Time) error {
	p.CurPeriod = sanlian.PeriodOf(now, sanlian.PeriodHalf)
	p.PrevPeriod = sanlian.PreviousHalf(p.CurPeriod)
	var figs [2]sanlian.HalfMonthFigures
	var qs [2]sanlian.MetricsQuery
	for i, per := range []sanlian.Period{p.CurPeriod, p.PrevPeriod} {
		qs[i] = sanlian.MetricsQuery{Period: per.ID, By: sanlian.ByUnit}
		m, err := s.Metrics.Metrics(r.Context(), qs[i])
		if err != nil {
			return err
		}
		f := sanlian.HalfMonthFigures{Period: per, Resolved: m.Total.Resolved, ResolvedOnTime: m.Total.ResolvedOnTime,
			Callbacks: m.Total.Callbacks, Satisfied: m.Total.Satisfied}
		if m.Intake != nil {
			f.Received = m.Intake.Submitted
		}
		figs[i] = f
	}
	count := func(f sanlian.HalfMonthFigures, measure string) (n, of int) {
		switch measure {
		case sanlian.MeasureIntakeSubmitted:
			return f.Received, 0
		case sanlian.MeasureResolved:
			return f.Resolved, 0
		case sanlian.MeasureResolvedOnTime:
			return f.ResolvedOnTime, f.Resolved
		}
		return f.Satisfied, f.Callbacks
	}
	for _, c := range sanlian.CompareHalfMonths(figs[0], figs[1]) {
		row := halfRow{Comparison: c}
		row.Cur.N, row.CurOf = count(figs[0], c.Measure)
		row.Prev.N, row.PrevOf = count(figs[1], c.Measure)
		row.Cur.URL, row.Prev.URL = problemsURL(qs[0], "", c.Measure), problemsURL(qs[1], "", c.Measure)
		p.Halves = append(p.Halves, row)
	}
	return nil
}

// DeltaLabel is the change since the last half-month, in Chinese: counts
// by items, rates by percentage points.
func (h halfRow) DeltaLabel() string {
	if h.Trend == sanlian.TrendNone {
		return "无可比数据"
	}
	if h.Trend == sanlian.TrendSame {
		return "持平"
	}
	sign := "+"
	if h.Delta < 0 {
		sign = "−"
	}
	if h.Rate {
		return sign + strconv.FormatFloat(math.Abs(h.Delta), 'f', 1, 64) + " 个百分点"
	}
	return sign + strconv.FormatFloat(math.Abs(h.Delta), 'f', 0, 64) + " 件"
}
