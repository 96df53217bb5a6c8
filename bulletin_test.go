package sanlian

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func judgeRow(id int64, assigned, overdue, callbacks, unsatisfied int, score float64) BulletinRow {
	return BulletinRow{UnitID: id, Name: "单位" + string(rune('A'+id)), Assigned: assigned, Overdue: overdue, Callbacks: callbacks,
		Unsatisfied: unsatisfied, Score: Figure(score)}
}

// TestJudge: SPEC §5's rules, each condition on its own and at its edge.
func TestJudge(t *testing.T) {
	r := DefaultMetricConfig().Rules
	r.CommendMax = 2
	rows := []BulletinRow{
		judgeRow(1, 5, 0, 4, 0, 95),          // commended at the edges
		judgeRow(2, 4, 0, 4, 0, 100),         // too few assigned
		judgeRow(3, 9, 1, 4, 0, 99),          // overdue: not commended, not criticised (1 < 3)
		judgeRow(4, 9, 0, 4, 0, 98),          // commended
		judgeRow(5, 9, 0, 4, 0, 97),          // commended but beyond CommendMax
		judgeRow(6, 9, 0, 4, 0, 79.9),        // criticised: score
		judgeRow(7, 9, 3, 4, 0, 90),          // criticised: overdue
		judgeRow(8, 9, 0, 5, 1, 90),          // criticised: 20% unsatisfied
		judgeRow(9, 9, 0, 6, 1, 90),          // 16.7% unsatisfied: neither
		judgeRow(10, 0, 0, 0, 0, math.NaN()), // nothing to judge
		judgeRow(11, 2, 4, 0, 0, math.NaN()), // criticised: overdue without a score
	}
	commended, criticised := Judge(rows, r)
	ids := func(us []BulletinUnit) []int64 {
		var out []int64
		for _, u := range us {
			out = append(out, u.UnitID)
		}
		return out
	}
	if got := ids(commended); len(got) != 2 || got[0] != 4 || got[1] != 5 {
		t.Errorf("commended %v, want [4 5] (the best two)", got)
	}
	got := ids(criticised)
	want := []int64{6, 7, 8, 11}
	if len(got) != len(want) {
		t.Fatalf("criticised %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("criticised %v, want %v (lowest score first)", got, want)
		}
	}
	for _, u := range criticised {
		if u.Reason == "" {
			t.Errorf("unit %d criticised without a reason", u.UnitID)
		}
	}
	if !strings.Contains(criticised[0].Reason, "低于 80 分") || !strings.Contains(criticised[2].Reason, "不满意 1 件") {
		t.Errorf("reasons %q, %q", criticised[0].Reason, criticised[2].Reason)
	}

	// Overrides move a unit, or leave it out, with their reason.
	c := &BulletinContent{Units: rows, Commended: commended, Criticised: criticised}
	c.Apply([]BulletinOverride{{UnitID: 6, Action: OverrideNone, Reason: "数据有误"}, {UnitID: 9, Action: OverrideCommend, Reason: "事迹突出"},
		{UnitID: 4, Action: OverrideCriticise, Reason: "弄虚作假"}, {UnitID: 99, Action: OverrideCriticise, Reason: "群众举报"}},
		map[int64]string{99: "县林业局"})
	if got := ids(c.Commended); len(got) != 2 || got[0] != 5 || got[1] != 9 || !c.Commended[1].Override || c.Commended[1].Reason != "事迹突出" {
		t.Errorf("commended after overrides %+v", c.Commended)
	}
	if got := ids(c.Criticised); len(got) != 5 || got[0] != 7 || got[3] != 4 || got[4] != 99 || c.Criticised[4].Name != "县林业局" {
		t.Errorf("criticised after overrides %+v", c.Criticised)
	}
}

// TestValidateOverrides: a reason, a known action, one row per unit.
func TestValidateOverrides(t *testing.T) {
	err := ValidateOverrides([]BulletinOverride{{UnitID: 1, Action: OverrideCommend, Reason: "好"},
		{UnitID: 1, Action: "praise", Reason: "  "}, {UnitID: 0, Action: OverrideNone, Reason: "x"}})
	f := ErrorFields(err)
	for _, k := range []string{"overrides[1].unit_id", "overrides[1].action", "overrides[1].reason", "overrides[2].unit_id"} {
		if f[k] == "" {
			t.Errorf("no error for %s: %v", k, f)
		}
	}
	if f["overrides[0].reason"] != "" || len(f) != 4 {
		t.Errorf("errors %v", f)
	}
	if err := ValidateOverrides(nil); err != nil {
		t.Error(err)
	}
}

// TestFigure_JSON: a missing figure travels as null and back as NaN.
func TestFigure_JSON(t *testing.T) {
	b, err := json.Marshal(BulletinOverview{Score: Figure(math.NaN()), ResponseRate: 0.5})
	if err != nil || !strings.Contains(string(b), `"score":null`) || !strings.Contains(string(b), `"response_rate":0.5`) {
		t.Fatalf("%s %v", b, err)
	}
	var o BulletinOverview
	if err := json.Unmarshal(b, &o); err != nil || !o.Score.Missing() || o.ResponseRate.Percent() != "50.0%" || o.Score.Points() != "—" {
		t.Errorf("%+v %v", o, err)
	}
}

// TestHalfMonth: bulletins are by half month.
func TestHalfMonth(t *testing.T) {
	if _, err := HalfMonth("2021-05-H2"); err != nil {
		t.Error(err)
	}
	for _, id := range []string{"2021-05", "2021-13-H1", "2021-13-H3", "H1"} {
		if _, err := HalfMonth(id); ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v", id, err)
		}
	}
}
