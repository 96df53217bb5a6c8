package sanlian

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// showPlan shows a plan: each step ("close #10", "#10 red unit 1", …) then
// the problems given a yellow card ("yellow 1").
func showPlan(p SupervisionPlan) []string {
	var out []string
	for _, s := range p.Steps {
		if s.Close {
			out = append(out, fmt.Sprintf("close #%d", s.Card.ID))
			continue
		}
		out = append(out, fmt.Sprintf("#%d %s unit %d person %d %s", s.Card.ID, s.Level, s.Problem.UnitID, s.Problem.PersonID,
			s.Problem.Township))
	}
	for _, p := range p.Yellow {
		out = append(out, fmt.Sprintf("yellow %d", p.ID))
	}
	return out
}

// TestSupervisionLevelsAt: the cards a day's run gives, raises, moves and
// closes. Deadlines end at 24:00; 2021-06-01 is a Tuesday.
func TestSupervisionLevelsAt(t *testing.T) {
	due := func(day string) time.Time { return at(day+" 00:00").AddDate(0, 0, 1) } // 24:00 of day
	accepted := func(id int64, resolve string) *OverdueProblem {
		return &OverdueProblem{ID: id, Ref: "R", UnitID: 1, PersonID: 2, Township: "t1", State: StateAccepted, ResolveDue: due(resolve)}
	}
	yellow := func(id, target int64, since string) OpenAutoSupervision {
		return OpenAutoSupervision{ID: id, TargetID: target, UnitID: 1, PersonID: 2, Level: LevelYellow, Township: "t1",
			Since: at(since + " 00:00")}
	}
	slow := DefaultMetricConfig()
	slow.Rules.YellowAfterDays = 2
	township := DefaultMetricConfig()
	township.UnitKind, township.Rules.RedAfterDays = UnitTownship, 1
	for _, tc := range []struct {
		name    string
		at      string
		configs []*MetricConfig
		overdue []*OverdueProblem
		open    []OpenAutoSupervision
		want    []string
	}{
		{name: "WithinTheLastDay", at: "2021-06-01", overdue: []*OverdueProblem{accepted(1, "2021-06-01")}},
		{name: "YellowOnceTheDeadlineEnded", at: "2021-06-01", overdue: []*OverdueProblem{accepted(1, "2021-05-31")},
			want: []string{"yellow 1"}},
		{name: "DispatchDeadlineIsTheOffices", at: "2021-06-01", overdue: []*OverdueProblem{{ID: 1, State: StateSubmitted,
			AssignDue: due("2021-05-31"), ResolveDue: due("2021-07-01")}}, want: []string{"yellow 1"}},
		{name: "SubmittedOnlyByItsDispatchDeadline", at: "2021-06-01", overdue: []*OverdueProblem{{ID: 1, State: StateSubmitted,
			AssignDue: due("2021-06-03"), ResolveDue: due("2021-05-20")}}},
		{name: "AcceptDeadlineWhileAssigned", at: "2021-06-01", overdue: []*OverdueProblem{{ID: 1, State: StateAssigned,
			AcceptDue: due("2021-05-31"), ResolveDue: due("2021-06-20")}}, want: []string{"yellow 1"}},
		{name: "AcceptDeadlineNoMoreOnceAccepted", at: "2021-06-01", overdue: []*OverdueProblem{{ID: 1, State: StateAccepted,
			AcceptDue: due("2021-05-31"), ResolveDue: due("2021-06-20")}}},
		{name: "YellowAfterDaysNotYet", at: "2021-06-02", configs: []*MetricConfig{&slow},
			overdue: []*OverdueProblem{accepted(1, "2021-05-31")}},
		{name: "YellowAfterDays", at: "2021-06-03", configs: []*MetricConfig{&slow},
			overdue: []*OverdueProblem{accepted(1, "2021-05-31")}, want: []string{"yellow 1"}},
		{name: "HeldCardStaysYellow", at: "2021-06-08", overdue: []*OverdueProblem{accepted(1, "2021-05-31")},
			open: []OpenAutoSupervision{yellow(10, 1, "2021-06-01")}},
		{name: "RedAfterFiveWorkingDays", at: "2021-06-09", overdue: []*OverdueProblem{accepted(1, "2021-05-31")},
			open: []OpenAutoSupervision{yellow(10, 1, "2021-06-01")}, want: []string{"#10 red unit 1 person 2 t1"}},
		{name: "RedSoonerForItsClassOfUnit", at: "2021-06-03", configs: []*MetricConfig{&township},
			overdue: []*OverdueProblem{{ID: 1, UnitID: 1, PersonID: 2, Township: "t1", UnitKind: UnitTownship, State: StateAccepted,
				ResolveDue: due("2021-05-31")}},
			open: []OpenAutoSupervision{yellow(10, 1, "2021-06-01")}, want: []string{"#10 red unit 1 person 2 t1"}},
		{name: "RedStaysRed", at: "2021-06-20", overdue: []*OverdueProblem{accepted(1, "2021-05-31")},
			open: []OpenAutoSupervision{{ID: 10, TargetID: 1, UnitID: 1, PersonID: 2, Level: LevelRed, Township: "t1",
				Since: at("2021-06-01 00:00")}}},
		{name: "FollowsATransfer", at: "2021-06-02", overdue: []*OverdueProblem{{ID: 1, UnitID: 3, PersonID: 4, Township: "t2",
			State: StateAccepted, ResolveDue: due("2021-05-31")}},
			open: []OpenAutoSupervision{yellow(10, 1, "2021-06-01")}, want: []string{"#10 yellow unit 3 person 4 t2"}},
		{name: "ClosesWhenNoLongerOverdue", at: "2021-06-02", overdue: []*OverdueProblem{accepted(2, "2021-05-31")},
			open: []OpenAutoSupervision{yellow(10, 1, "2021-06-01"), yellow(11, 2, "2021-06-01")}, want: []string{"close #10"}},
		{name: "ClosesWhenExtended", at: "2021-06-02", overdue: []*OverdueProblem{accepted(1, "2021-06-10")},
			open: []OpenAutoSupervision{yellow(10, 1, "2021-06-01")}, want: []string{"close #10"}},
		{name: "InOrder", at: "2021-06-09", overdue: []*OverdueProblem{accepted(1, "2021-05-31"), accepted(2, "2021-06-01"),
			accepted(3, "2021-05-20")}, open: []OpenAutoSupervision{yellow(10, 3, "2021-06-01"), yellow(11, 4, "2021-06-01")},
			want: []string{"#10 red unit 1 person 2 t1", "close #11", "yellow 1", "yellow 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			when := at(tc.at + " 00:00")
			got := showPlan(SupervisionLevelsAt(when, nil, tc.configs, tc.overdue, tc.open))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("plan %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSupervisionLevelsAt_Twice: applying a plan and deciding again for
// the same instant gives an empty plan.
func TestSupervisionLevelsAt_Twice(t *testing.T) {
	when := at("2021-06-09 00:00")
	overdue := []*OverdueProblem{
		{ID: 1, UnitID: 1, State: StateAccepted, ResolveDue: at("2021-05-31 00:00")},
		{ID: 2, UnitID: 3, Township: "t2", State: StateAccepted, ResolveDue: at("2021-06-02 00:00")},
		{ID: 3, State: StateSubmitted, AssignDue: at("2021-06-08 00:00")},
	}
	open := []OpenAutoSupervision{{ID: 10, TargetID: 1, UnitID: 1, Level: LevelYellow, Since: at("2021-06-01 00:00")},
		{ID: 11, TargetID: 2, UnitID: 1, Level: LevelYellow, Since: at("2021-06-03 00:00")},
		{ID: 12, TargetID: 9, UnitID: 1, Level: LevelYellow, Since: at("2021-06-03 00:00")}}
	plan := SupervisionLevelsAt(when, nil, nil, overdue, open)
	if len(plan.Steps) != 3 || len(plan.Yellow) != 1 {
		t.Fatalf("first plan %q", showPlan(plan))
	}
	var after []OpenAutoSupervision
	for _, o := range open {
		i := slices.IndexFunc(plan.Steps, func(s SupervisionStep) bool { return s.Card.ID == o.ID })
		if i >= 0 {
			s := plan.Steps[i]
			if s.Close {
				continue
			}
			o.Level, o.UnitID, o.PersonID, o.Township = s.Level, s.Problem.UnitID, s.Problem.PersonID, s.Problem.Township
		}
		after = append(after, o)
	}
	for i, p := range plan.Yellow {
		after = append(after, OpenAutoSupervision{ID: int64(20 + i), TargetID: p.ID, UnitID: p.UnitID, PersonID: p.PersonID,
			Level: LevelYellow, Township: p.Township, Since: when})
	}
	if again := showPlan(SupervisionLevelsAt(when, nil, nil, overdue, after)); len(again) != 0 {
		t.Fatalf("second plan %q, want none", again)
	}
}
