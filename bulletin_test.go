package sanlian

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func judgeRow(id int64, assigned, overdue, callbacks, unsatisfied int, score float64) BulletinRow {
	row := BulletinRow{UnitID: id, Name: "单位" + string(rune('A'+id)), Assigned: assigned, Overdue: overdue, Callbacks: callbacks,
		Unsatisfied: unsatisfied, Score: Figure(score)}
	if !math.IsNaN(score) {
		row.Rank = 1 // Judge commends ranked units only
	}
	return row
}

// TestJudge: SPEC §5's rules, each condition on its own and at its edge.
func TestJudge(t *testing.T) {
	set := MetricConfigSet{Base: DefaultMetricConfig()}
	set.Base.Rules.CommendMax = 2
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
	commended, criticised := Judge(rows, set)
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

	for _, u := range c0(rows, commended, criticised) {
		if u.Commended && u.Criticised {
			t.Errorf("unit %d both commended and criticised", u.UnitID)
		}
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

func c0(rows []BulletinRow, commended, criticised []BulletinUnit) []BulletinRow {
	c := &BulletinContent{Units: append([]BulletinRow{}, rows...), Commended: commended, Criticised: criticised}
	c.MarkDecisions()
	return c.Units
}

// TestJudge_NoContradiction: a unit the rules criticise is never
// commended, whatever the thresholds; an unranked unit is not commended;
// each class of unit is judged by its own rules.
func TestJudge_NoContradiction(t *testing.T) {
	set := MetricConfigSet{Base: DefaultMetricConfig()}
	set.Base.Rules.CommendMinScore = 80
	set.Base.Rules.CriticiseUnsatisfied = 0.1
	town := DefaultMetricConfig()
	town.UnitKind = UnitTownship
	town.Rules.CriticiseBelowScore = 90
	set.ByKind = map[string]MetricConfig{UnitTownship: town}
	rows := []BulletinRow{
		judgeRow(1, 9, 0, 10, 1, 96), // 10% unsatisfied: criticised, so not commended
		judgeRow(2, 9, 0, 10, 0, 96), // commended
		judgeRow(3, 9, 0, 10, 0, 85), // a township under 90: criticised
		judgeRow(4, 9, 0, 10, 0, 99), // not ranked: not commended
	}
	rows[2].UnitKind = UnitTownship
	rows[3].Rank, rows[3].Unranked = 0, UnrankedLowVolume
	commended, criticised := Judge(rows, set)
	if len(commended) != 1 || commended[0].UnitID != 2 {
		t.Errorf("commended %+v", commended)
	}
	if len(criticised) != 2 || criticised[0].UnitID != 3 || criticised[1].UnitID != 1 {
		t.Errorf("criticised %+v", criticised)
	}
	c := &BulletinContent{Units: rows, Commended: commended, Criticised: criticised}
	c.Apply([]BulletinOverride{{UnitID: 3, Action: OverrideCommend, Reason: "整改到位"}}, nil)
	for _, r := range c.Units {
		if r.Commended && r.Criticised {
			t.Errorf("unit %d both", r.UnitID)
		}
	}
	if !c.Units[0].Criticised || !c.Units[2].Commended || c.Units[2].Criticised || c.Units[3].Commended {
		t.Errorf("marks %+v", c.Units)
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
