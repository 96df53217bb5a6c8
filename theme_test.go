package sanlian_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"sanlian"
)

func TestThemeMatches(t *testing.T) {
	water := &sanlian.Theme{Categories: []string{"rural", "construction"}, Keywords: []string{"饮水", "自来水"}}
	words := &sanlian.Theme{Keywords: []string{"取暖"}}
	for _, tc := range []struct {
		name             string
		theme            *sanlian.Theme
		cat, title, desc string
		want             bool
	}{
		{"category", water, "rural", "水渠淤塞", "", true},
		{"second category", water, "construction", "危桥", "", true},
		{"keyword in title", water, "housing", "自来水停了三天", "", true},
		{"keyword in description", water, "housing", "停水", "全组饮水困难", true},
		{"neither", water, "transport", "路灯坏了", "晚上看不见", false},
		{"keywords only", words, "elderly", "老人冬季取暖", "", true},
		{"keywords only, no match", words, "elderly", "老人看病难", "", false},
		{"empty keyword never matches", &sanlian.Theme{Keywords: []string{""}}, "x", "任何", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sanlian.ThemeMatches(tc.theme, tc.cat, tc.title, tc.desc); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestThemeInput_Validate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    sanlian.ThemeInput
		field string // "" for valid
	}{
		{"OK category", sanlian.ThemeInput{Month: "2026-11", Name: "农村饮水安全", Categories: []string{"rural"}}, ""},
		{"OK keywords", sanlian.ThemeInput{Month: "2026-11", Name: "饮水", KeywordText: "饮水、 自来水，水井"}, ""},
		{"no category and no keyword", sanlian.ThemeInput{Month: "2026-11", Name: "饮水", KeywordText: " 、 "}, "categories"},
		{"month 13", sanlian.ThemeInput{Month: "2026-13", Name: "饮水", KeywordText: "水"}, "month"},
		{"half month", sanlian.ThemeInput{Month: "2026-11-H1", Name: "饮水", KeywordText: "水"}, "month"},
		{"empty month", sanlian.ThemeInput{Name: "饮水", KeywordText: "水"}, "month"},
		{"empty name", sanlian.ThemeInput{Month: "2026-11", Name: "  ", KeywordText: "水"}, "name"},
		{"long keyword", sanlian.ThemeInput{Month: "2026-11", Name: "x", KeywordText: "一二三四五六七八九十一二三四五六七八九十一"}, "keywords"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Normalize()
			err := in.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("got %v %v", err, sanlian.ErrorFields(err))
				}
				return
			}
			if _, ok := sanlian.ErrorFields(err)[tc.field]; !ok {
				t.Fatalf("fields %v, want %q", sanlian.ErrorFields(err), tc.field)
			}
		})
	}
	in := sanlian.ThemeInput{Keywords: []string{"饮水"}, KeywordText: "饮水、自来水，水井 水井"}
	in.Normalize()
	if !slices.Equal(in.Keywords, []string{"饮水", "自来水", "水井"}) {
		t.Errorf("keywords %q", in.Keywords)
	}
}

func TestThemeRetag(t *testing.T) {
	for _, tc := range []struct {
		name      string
		matched   map[int64]bool
		tags      map[int64]string
		add, drop []int64
	}{
		{"new matches tagged", map[int64]bool{1: true, 2: true}, map[int64]string{}, []int64{1, 2}, nil},
		{"already tagged stay", map[int64]bool{1: true}, map[int64]string{1: sanlian.TagAuto}, nil, nil},
		{"auto no longer matching dropped", map[int64]bool{}, map[int64]string{1: sanlian.TagAuto}, nil, []int64{1}},
		{"removed stays removed", map[int64]bool{1: true}, map[int64]string{1: sanlian.TagRemoved}, nil, nil},
		{"manual stays without match", map[int64]bool{}, map[int64]string{1: sanlian.TagManual}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			add, drop := sanlian.ThemeRetag(tc.matched, tc.tags)
			if !slices.Equal(add, tc.add) || !slices.Equal(drop, tc.drop) {
				t.Errorf("add %v drop %v, want %v %v", add, drop, tc.add, tc.drop)
			}
		})
	}
}

func TestThemeFigures(t *testing.T) {
	month, _ := sanlian.ParseMonth("2026-11")
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, sanlian.Shanghai) }
	now := at(30, 12)
	ps := []*sanlian.Problem{
		// resolved on time, satisfied and solved
		{UnitID: 1, UnitName: "水利局", State: sanlian.StateClosed, CreatedAt: at(1, 9), ResolveDue: at(20, 0), ResolvedAt: at(10, 9),
			CallbackSolved: "yes", CallbackSatisfaction: "satisfied"},
		// resolved late, unsatisfied
		{UnitID: 1, UnitName: "水利局", State: sanlian.StateResolved, CreatedAt: at(8, 9), ResolveDue: at(20, 0), ResolvedAt: at(25, 9),
			CallbackSolved: "partly", CallbackSatisfaction: "unsatisfied"},
		// open and overdue
		{UnitID: 2, UnitName: "东坪镇", State: sanlian.StateAccepted, CreatedAt: at(29, 9), ResolveDue: at(30, 0)},
		// not yet assigned, entered on the last day (week 5)
		{State: sanlian.StateSubmitted, CreatedAt: at(30, 9)},
		// from another month: counted, off the trend
		{UnitID: 2, UnitName: "东坪镇", State: sanlian.StateAccepted, CreatedAt: at(1, 9).AddDate(0, -1, 0)},
	}
	c, trend, units := sanlian.ThemeFigures(ps, month, sanlian.TrendWeek, now)
	want := sanlian.ThemeCounts{Received: 5, Resolved: 2, OnTime: 1, Overdue: 1, Callbacks: 2, Solved: 1, Satisfied: 1}
	if c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	if c.OnTimeRate() != 0.5 || c.SatisfactionRate() != 0.5 || !math.IsNaN(sanlian.ThemeCounts{}.ResolutionRate()) {
		t.Errorf("rates %v %v", c.OnTimeRate(), c.SatisfactionRate())
	}
	var counts []int
	for _, p := range trend {
		counts = append(counts, p.Count)
	}
	if !slices.Equal(counts, []int{1, 1, 0, 0, 2}) || trend[0].Label != "第1周（11-01—11-07）" || trend[4].Label != "第5周（11-29—11-30）" {
		t.Errorf("weekly trend %v", trend)
	}
	if len(units) != 3 || units[0].Received != 2 || units[2].UnitName != "待交办" {
		t.Errorf("units %+v %+v %+v", units[0], units[1], units[2])
	}
	_, days, _ := sanlian.ThemeFigures(ps, month, sanlian.TrendDay, now)
	if len(days) != 30 || days[29].Count != 1 || days[0].Label != "11-01" {
		t.Errorf("daily trend %v", days)
	}
}
