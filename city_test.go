package sanlian_test

import (
	"fmt"
	"math"
	"testing"

	"sanlian"
)

func TestCheckCountyCode(t *testing.T) {
	for _, ok := range []string{"430923", "430981"} {
		if err := sanlian.CheckCountyCode(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "43092", "4309230", "043092", "43O923", "430923; DROP"} {
		err := sanlian.CheckCountyCode(bad)
		if sanlian.ErrorCode(err) != sanlian.EINVALID {
			t.Errorf("%q: got %v, want EINVALID", bad, err)
		}
	}
}

func TestLevelOf(t *testing.T) {
	for name, want := range map[string]string{"赫山区": sanlian.LevelDistrict, "沅江市": sanlian.LevelCity, "安化县": sanlian.LevelCounty, "": sanlian.LevelCounty} {
		if got := sanlian.LevelOf(name); got != want {
			t.Errorf("LevelOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCityRoles(t *testing.T) {
	for _, r := range sanlian.CityRoles {
		if !r.IsCity() || r.SeesPersonalData() || r.MayReveal() || r.Valid() {
			t.Errorf("%s: a city role must be apart from the county's roles and see no personal data", r)
		}
		for _, c := range sanlian.Roles {
			if c == r {
				t.Errorf("%s is in Roles", r)
			}
		}
	}
}

func TestCountyFiguresOf(t *testing.T) {
	c := &sanlian.Cockpit{Months: []string{"2026-10", "2026-11"},
		Townships: []sanlian.CockpitTownship{{Open: 3}, {Open: 4}},
		Counts:    []sanlian.CockpitCount{{Month: "2026-10", Received: 9}, {Month: "2026-11", Received: 5, Resolved: 2}, {Month: "2026-11", Received: 1}}}
	m := &sanlian.Metrics{Total: sanlian.MetricRow{Resolved: 4, ResolvedOnTime: 3, Callbacks: 5, Satisfied: 4, Overdue: 2}}
	f := sanlian.CountyFiguresOf("430923", "安化县", c, m)
	if f.Open != 7 || f.Received != 6 || f.Resolved != 2 || f.Overdue != 2 || f.OnTimeRate != 0.75 || f.SatisfactionRate != 0.8 {
		t.Errorf("got %+v", f)
	}
	f = sanlian.CountyFiguresOf("430923", "安化县", nil, &sanlian.Metrics{})
	if !math.IsNaN(f.OnTimeRate) || !math.IsNaN(f.SatisfactionRate) {
		t.Errorf("no resolutions: rates %v %v, want NaN", f.OnTimeRate, f.SatisfactionRate)
	}
}

func TestRankCounties(t *testing.T) {
	nan := math.NaN()
	fs := []sanlian.CountyFigures{
		{Code: "1", ResolvedInPeriod: 10, OnTimeRate: 0.8, SatisfactionRate: 0.9, Overdue: 1},
		{Code: "2", ResolvedInPeriod: 0, OnTimeRate: nan, SatisfactionRate: nan},
		{Code: "3", ResolvedInPeriod: 10, OnTimeRate: 0.9, SatisfactionRate: 0.5, Overdue: 5},
		{Code: "4", ResolvedInPeriod: 10, OnTimeRate: 0.8, SatisfactionRate: 0.9, Overdue: 1},
		{Code: "5", Error: "x"},
		{Code: "6", ResolvedInPeriod: 3, OnTimeRate: 0.8, SatisfactionRate: nan, Overdue: 0},
		{Code: "7", ResolvedInPeriod: 10, OnTimeRate: 0.8, SatisfactionRate: 0.9, Overdue: 0},
	}
	sanlian.RankCounties(fs)
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s:%d%s", f.Code, f.Rank, f.Unranked))
	}
	want := []string{"3:1", "7:2", "1:3", "4:3", "6:5", "2:0本期无办结问题", "5:0数据读取失败"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
