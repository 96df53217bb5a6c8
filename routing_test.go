package sanlian

import (
	"testing"
	"time"
)

func TestMatchRoutingRule(t *testing.T) {
	place := RoutingPlace{Village: "430923100001", Township: "430923100000", County: "430923000000"}
	rule := func(id int64, cat, region string, sort int, active bool) *RoutingRule {
		return &RoutingRule{ID: id, Category: cat, RegionCode: region, Sort: sort, Active: active, UnitID: id}
	}
	cases := []struct {
		name  string
		rules []*RoutingRule
		cat   string
		want  int64
	}{
		{"none", nil, "transport", 0},
		{"county for every category", []*RoutingRule{rule(1, "", place.County, 0, true)}, "transport", 1},
		{"other category only", []*RoutingRule{rule(1, "education", place.County, 0, true)}, "transport", 0},
		{"other village", []*RoutingRule{rule(1, "", "430923100002", 0, true)}, "transport", 0},
		{"switched off", []*RoutingRule{rule(1, "", place.Village, 0, false)}, "transport", 0},
		{"township beats county", []*RoutingRule{rule(1, "transport", place.County, 0, true), rule(2, "", place.Township, 0, true)}, "transport", 2},
		{"village beats township", []*RoutingRule{rule(3, "", place.Village, 5, true), rule(2, "transport", place.Township, 0, true)}, "transport", 3},
		{"category beats every category at one place", []*RoutingRule{rule(1, "", place.Township, 0, true), rule(2, "transport", place.Township, 9, true)}, "transport", 2},
		{"lower order wins", []*RoutingRule{rule(1, "transport", place.Village, 2, true), rule(2, "transport", place.Village, 1, true)}, "transport", 2},
		{"older wins a tie", []*RoutingRule{rule(7, "transport", place.Village, 1, true), rule(4, "transport", place.Village, 1, true)}, "transport", 4},
	}
	for _, c := range cases {
		got := MatchRoutingRule(c.rules, c.cat, place)
		var id int64
		if got != nil {
			id = got.ID
		}
		if id != c.want {
			t.Errorf("%s: rule %d, want %d", c.name, id, c.want)
		}
	}
}

func TestReturnProblem(t *testing.T) {
	acceptDue := time.Date(2021, 6, 3, 0, 0, 0, 0, Shanghai) // 24:00 of 2021-06-02
	assigned := func() *Problem {
		return &Problem{State: StateAssigned, UnitID: 1, PersonID: 2, RuleID: 9, AcceptDue: acceptDue, ResolveDue: acceptDue.AddDate(0, 0, 20),
			AssignedAt: acceptDue.AddDate(0, 0, -2)}
	}
	p := assigned()
	if err := ReturnProblem(p, acceptDue.Add(-time.Hour), "不属本单位职责"); err != nil {
		t.Fatal(err)
	}
	if p.State != StateSubmitted || p.UnitID != 0 || p.PersonID != 0 || p.RuleID != 0 || !p.AcceptDue.IsZero() || !p.ResolveDue.IsZero() {
		t.Errorf("returned: %+v", p)
	}
	for name, c := range map[string]struct {
		p      *Problem
		now    time.Time
		reason string
		code   string
	}{
		"no reason":   {assigned(), acceptDue.Add(-time.Hour), "  ", EUNPROCESSABLE},
		"too late":    {assigned(), acceptDue.Add(time.Second), "不属本单位", ECONFLICT},
		"accepted":    {&Problem{State: StateAccepted, AcceptDue: acceptDue}, acceptDue.Add(-time.Hour), "不属本单位", ECONFLICT},
		"at deadline": {assigned(), acceptDue, "不属本单位", ""},
	} {
		err := ReturnProblem(c.p, c.now, c.reason)
		if ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %q", name, err, c.code)
		}
	}
}

func TestIntakeLimits(t *testing.T) {
	var none *IntakeLimits
	if none.For(SourcePortal) != DefaultAssignDays {
		t.Error("nil limits")
	}
	l := &IntakeLimits{Days: map[string]int{SourceHotline: 0, SourceLetter: 3}}
	if l.For(SourceHotline) != 0 || l.For(SourceLetter) != 3 || l.For(SourceWechat) != 1 {
		t.Errorf("limits %v", l.Days)
	}
	if err := l.Validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []map[string]int{{"fax": 1}, {SourcePortal: -1}, {SourcePortal: MaxAssignDays + 1}} {
		if ErrorCode((&IntakeLimits{Days: bad}).Validate()) != EUNPROCESSABLE {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestProblem_IsOverdueIntake(t *testing.T) {
	due := time.Date(2021, 5, 7, 0, 0, 0, 0, Shanghai)
	p := &Problem{State: StateSubmitted, AssignDue: due}
	if p.IsOverdue(due) || !p.IsOverdue(due.Add(time.Second)) {
		t.Error("intake overdue at its deadline")
	}
	if (&Problem{State: StateSubmitted}).IsOverdue(due) {
		t.Error("a submitted problem without a dispatch deadline is overdue")
	}
}
