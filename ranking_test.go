package sanlian

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestMetricRow_Finish: the weighted mean of the rates that exist, less
// the deduction for overdue problems, capped and floored.
func TestMetricRow_Finish(t *testing.T) {
	c := DefaultMetricConfig()
	for _, tc := range []struct {
		name          string
		row           MetricRow
		score, deduct float64
	}{
		{"perfect", MetricRow{Assigned: 4, AcceptedOnTime: 4, Callbacks: 2, Solved: 2, Satisfied: 2}, 100, 0},
		{"two overdue", MetricRow{Assigned: 4, AcceptedOnTime: 4, Callbacks: 2, Solved: 2, Satisfied: 2, Overdue: 2}, 96, 4},
		{"cap", MetricRow{Assigned: 4, AcceptedOnTime: 4, Overdue: 15}, 80, 20},
		{"floor", MetricRow{Assigned: 4, AcceptedOnTime: 0, Callbacks: 1, Overdue: 6}, 0, 12},
		{"missing rates reweighted", MetricRow{Assigned: 2, AcceptedOnTime: 1, Overdue: 1}, 48, 2},
		{"no rate: no score", MetricRow{Overdue: 5}, math.NaN(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.row
			r.Finish(&c)
			if math.IsNaN(tc.score) != math.IsNaN(r.Score) || !math.IsNaN(tc.score) && math.Abs(r.Score-tc.score) > 1e-9 || r.Deduction != tc.deduct {
				t.Errorf("score %v deduction %v, want %v %v", r.Score, r.Deduction, tc.score, tc.deduct)
			}
		})
	}
}

func rankRow(name string, score float64, volume int, kind string) *MetricRow {
	return &MetricRow{Key: name, Name: name, Score: score, Volume: volume, UnitKind: kind}
}

// TestRankUnits: the minimum volume, competition-style ties ordered by
// volume, and the units listed apart.
func TestRankUnits(t *testing.T) {
	set := MetricConfigSet{Base: DefaultMetricConfig()}
	town := DefaultMetricConfig()
	town.Ranking.MinVolume = 5
	set.ByKind = map[string]MetricConfig{UnitTownship: town}
	rows := []*MetricRow{
		rankRow("甲", 90, 3, UnitDepartment),
		rankRow("乙", 100, 4, UnitDepartment),
		rankRow("丙", 100, 9, UnitDepartment),
		rankRow("丁", 100, 2, UnitDepartment),   // too few
		rankRow("戊", 99.96, 4, UnitEnterprise), // shown as 100.0: tied
		rankRow("己", 95, 4, UnitTownship),      // a township needs 5
		rankRow("庚", math.NaN(), 6, UnitDepartment),
		rankRow("辛", 90, 7, UnitMassOrg),
		rankRow("壬", 80, 3, ""),
	}
	RankUnits(rows, set)
	var got []string
	for _, r := range rows {
		got = append(got, r.Name+":"+RankLabel(r.Rank, r.Tied))
	}
	want := "丙:并列1 乙:并列1 戊:并列1 辛:并列4 甲:并列4 壬:6 庚:— 己:— 丁:—"
	if strings.Join(got, " ") != want {
		t.Fatalf("ranking\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	for _, r := range rows[6:] {
		if r.Unranked == "" {
			t.Errorf("%s not ranked without a reason", r.Name)
		}
	}
	if rows[7].Unranked != UnrankedLowVolume || rows[6].Unranked != UnrankedNoScore {
		t.Errorf("reasons %q %q", rows[7].Unranked, rows[6].Unranked)
	}
	// Ranking again gives the same answer.
	RankUnits(rows, set)
	if rows[0].Name != "丙" || rows[5].Rank != 6 || rows[5].Tied {
		t.Errorf("rerank %+v", rows[5])
	}
}

// TestMetricConfig_ValidateRanking: the score settings are checked field
// by field.
func TestMetricConfig_ValidateRanking(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		edit        func(*MetricConfig)
	}{
		{"negative deduction", "overdue_deduction", func(c *MetricConfig) { c.Ranking.OverdueDeduction = -1 }},
		{"cap above 100", "deduction_cap", func(c *MetricConfig) { c.Ranking.DeductionCap = 100.5 }},
		{"negative cap", "deduction_cap", func(c *MetricConfig) { c.Ranking.DeductionCap = -2 }},
		{"minimum volume 0", "min_volume", func(c *MetricConfig) { c.Ranking.MinVolume = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultMetricConfig()
			tc.edit(&c)
			f := ErrorFields(c.Validate())
			if len(f) != 1 || f[tc.field] == "" {
				t.Errorf("errors %v, want one for %s", f, tc.field)
			}
		})
	}
	c := DefaultMetricConfig()
	c.Ranking = MetricRanking{OverdueDeduction: 0, DeductionCap: 100, MinVolume: 1}
	if err := c.Validate(); err != nil {
		t.Errorf("edges refused: %v", err)
	}
}

// TestRulesText: the paragraph names the weights, the deduction and its
// cap, the minimum volume and the thresholds, and the classes of unit with
// their own rules.
func TestRulesText(t *testing.T) {
	set := MetricConfigSet{Base: DefaultMetricConfig()}
	town := DefaultMetricConfig()
	town.Ranking.MinVolume = 5
	set.ByKind = map[string]MetricConfig{UnitTownship: town}
	text := set.RulesText()
	if len(text) != 2 || !strings.HasPrefix(text[1], "乡镇") {
		t.Fatalf("%q", text)
	}
	for _, s := range []string{"× 30", "× 35", "扣 2 分", "最多扣 20 分", "不足 3 件", "不低于 95 分", "低于 80 分", "超期 3 件", "20.0%", "5 个工作日", "并列"} {
		if !strings.Contains(text[0], s) {
			t.Errorf("rules text lacks %q: %s", s, text[0])
		}
	}
	b := &Bulletin{Config: &set.Base}
	if got := b.RulesText(); len(got) != 1 || got[0] != text[0] {
		t.Errorf("bulletin without content rules: %q", got)
	}
}

// TestIntakeDeadline: a problem without a dispatch deadline has the
// default, 1 working day after its entry.
func TestIntakeDeadline(t *testing.T) {
	fri := time.Date(2021, 5, 7, 15, 0, 0, 0, Shanghai)
	if got, want := IntakeDeadline(nil, fri, time.Time{}), time.Date(2021, 5, 11, 0, 0, 0, 0, Shanghai); !got.Equal(want) {
		t.Errorf("deadline %v, want %v (Monday 24:00)", got, want)
	}
	set := time.Date(2021, 5, 8, 0, 0, 0, 0, Shanghai)
	if got := IntakeDeadline(nil, fri, set); !got.Equal(set) {
		t.Errorf("deadline %v, want the one set", got)
	}
	r := IntakeRow{Dispatched: 4, DispatchedOnTime: 3}
	r.Finish()
	if r.Rate.Percent() != "75.0%" || r.Name == "" {
		t.Errorf("%+v", r)
	}
}
