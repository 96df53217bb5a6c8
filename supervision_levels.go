package sanlian

import "time"

// OverdueProblem is a problem open past one of its deadlines, as the
// automatic supervision levels read it.
type OverdueProblem struct {
	ID       int64
	Ref      string // its number and title, copied to the card
	UnitID   int64
	PersonID int64
	Township string
	UnitKind string // the kind of its unit, whose rules apply; "" for none
	State    string
	// The deadlines as they stand: each is 24:00 of its last day.
	AssignDue, AcceptDue, ResolveDue time.Time
}

// OverdueSince is the earliest of p's deadlines in force that has passed
// at at: the dispatch deadline while p awaits dispatch (the office's own
// delay), else the resolve deadline, or the accept deadline while p is
// assigned and not yet accepted, when it passed first. It is zero when
// none has passed.
func (p *OverdueProblem) OverdueSince(at time.Time) time.Time {
	since := p.ResolveDue
	if p.State == StateSubmitted {
		since = p.AssignDue
	}
	if p.State == StateAssigned && !p.AcceptDue.IsZero() && !p.AcceptDue.After(at) && (since.IsZero() || p.AcceptDue.Before(since)) {
		since = p.AcceptDue
	}
	if since.IsZero() || since.After(at) {
		return time.Time{}
	}
	return since
}

// OpenAutoSupervision is an open yellow or red card on a problem.
type OpenAutoSupervision struct {
	ID, TargetID     int64 // the card, and the problem it is on
	UnitID, PersonID int64
	Level            string
	Township         string
	Since            time.Time // the instant the card was given (yellow)
}

// SupervisionStep is what SupervisionLevelsAt does to one open card:
// close it, or raise it to Level and make it follow Problem's unit,
// person and township.
type SupervisionStep struct {
	Card    OpenAutoSupervision
	Close   bool
	Level   string          // the card's level after the step
	Problem *OverdueProblem // what the card copies; nil when it closes
}

// Raised reports whether the step turns the card red.
func (s SupervisionStep) Raised() bool { return !s.Close && s.Level != s.Card.Level }

// SupervisionPlan is what the automatic levels change at an instant: the
// open cards that close or change, in the cards' order, and the problems
// that get a new yellow card, in the problems' order.
type SupervisionPlan struct {
	Steps  []SupervisionStep
	Yellow []*OverdueProblem
}

// SupervisionLevelsAt decides the automatic levels as they stand at at (a
// day's 00:00 Asia/Shanghai), from the problems open past a deadline and
// the open cards. A problem past its deadline (OverdueSince; deadlines
// end at 24:00, so one that ends at at has passed) for YellowAfterDays
// working days gets a yellow card; a yellow card turns red once
// RedAfterDays working days after its day have ended; a card closes once
// its problem is no longer overdue (resolved, closed, transferred back,
// extended). Unit, person and township follow a transfer. The rules are
// those of the metrics configuration of at's half-month for the class of
// the problem's unit (PickMetricConfig over configs, sorted newest first).
// Applying the plan and deciding again at the same instant gives an empty
// plan.
func SupervisionLevelsAt(at time.Time, cal *Calendar, configs []*MetricConfig, overdue []*OverdueProblem,
	open []OpenAutoSupervision) SupervisionPlan {
	period := PeriodOf(at, PeriodHalf).ID
	rules := map[int64]MetricRules{}
	due := map[int64]*OverdueProblem{}
	var order []*OverdueProblem
	for _, p := range overdue {
		since := p.OverdueSince(at)
		if since.IsZero() {
			continue
		}
		r := PickMetricConfig(configs, period, p.UnitKind).Rules
		// since is 24:00 of a deadline's last day; a second earlier is that
		// day, after which the working days of delay count.
		if at.Before(cal.Deadline(since.Add(-time.Second), r.YellowAfterDays)) {
			continue
		}
		rules[p.ID], due[p.ID] = r, p
		order = append(order, p)
	}
	var plan SupervisionPlan
	held := map[int64]bool{}
	for _, o := range open {
		held[o.TargetID] = true
		p := due[o.TargetID]
		if p == nil {
			plan.Steps = append(plan.Steps, SupervisionStep{Card: o, Close: true, Level: o.Level})
			continue
		}
		level := o.Level
		if level == LevelYellow && !at.Before(cal.Deadline(o.Since, rules[p.ID].RedAfterDays)) {
			level = LevelRed
		}
		if level == o.Level && o.UnitID == p.UnitID && o.PersonID == p.PersonID && o.Township == p.Township {
			continue
		}
		plan.Steps = append(plan.Steps, SupervisionStep{Card: o, Level: level, Problem: p})
	}
	for _, p := range order {
		if !held[p.ID] {
			plan.Yellow = append(plan.Yellow, p)
		}
	}
	return plan
}
