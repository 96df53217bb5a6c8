package sanlian

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestTrends_Rising(t *testing.T) {
	cases := []struct {
		name   string
		in     []CategoryWindow
		rising []string // codes, in order
		top    []string
	}{
		{"empty", nil, nil, nil},
		{"one problem is no trend", []CategoryWindow{{Category: "roads", Last: 1, Before: 0}}, nil, []string{"roads"}},
		{"below the minimum though doubled", []CategoryWindow{{Category: "roads", Last: 4, Before: 2}}, nil, []string{"roads"}},
		{"at the minimum and up", []CategoryWindow{{Category: "roads", Last: 5, Before: 4}}, []string{"roads"}, []string{"roads"}},
		{"at the minimum but flat", []CategoryWindow{{Category: "roads", Last: 5, Before: 5}}, nil, []string{"roads"}},
		{"falling", []CategoryWindow{{Category: "roads", Last: 9, Before: 12}}, nil, []string{"roads"}},
		{"new from nothing", []CategoryWindow{{Category: "water", Last: 6}}, []string{"water"}, []string{"water"}},
		{"largest change first, top by count", []CategoryWindow{
			{Category: "a", Last: 30, Before: 28}, {Category: "b", Last: 12, Before: 2}, {Category: "c", Last: 8, Before: 3},
			{Category: "d", Last: 3, Before: 0}, {Category: "e", Last: 0, Before: 7},
		}, []string{"b", "c", "a"}, []string{"a", "b", "c", "d", "e"}},
		{"ties by count then code", []CategoryWindow{{Category: "z", Last: 7, Before: 2}, {Category: "y", Last: 7, Before: 2},
			{Category: "x", Last: 6, Before: 1}}, []string{"y", "z", "x"}, []string{"y", "z", "x"}},
	}
	codes := func(ts []CategoryTrend) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Category)
		}
		return out
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := codes(Rising(c.in, RisingMin)); fmt.Sprint(got) != fmt.Sprint(c.rising) {
				t.Errorf("rising %v, want %v", got, c.rising)
			}
			if got := codes(Trends(c.in, RisingMin)); fmt.Sprint(got) != fmt.Sprint(c.top) {
				t.Errorf("top %v, want %v", got, c.top)
			}
		})
	}
}

func TestCategoryTrend_GrowthLabel(t *testing.T) {
	for _, c := range []struct {
		last, before int
		want         string
	}{{0, 0, "—"}, {3, 0, "新增"}, {6, 4, "+50%"}, {2, 4, "−50%"}, {4, 4, "持平"}} {
		tr := Trends([]CategoryWindow{{Category: "a", Last: c.last, Before: c.before}}, RisingMin)[0]
		if got := tr.GrowthLabel(); got != c.want {
			t.Errorf("%d vs %d: %q, want %q", c.last, c.before, got, c.want)
		}
	}
	if tr := Trends([]CategoryWindow{{Category: "a"}}, 1)[0]; !math.IsNaN(tr.Growth) || tr.Rising {
		t.Errorf("nothing in either window: %+v", tr)
	}
}

func TestCockpitMonthsOf(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 30, 0, 0, Shanghai) // just past midnight of New Year in Shanghai
	ms := CockpitMonthsOf(now.UTC())
	if len(ms) != CockpitMonths || ms[0].ID != "2025-02" || ms[11].ID != "2026-01" {
		t.Fatalf("months %v … %v", ms[0].ID, ms[len(ms)-1].ID)
	}
	for i := 1; i < len(ms); i++ {
		if !ms[i].Start.Equal(ms[i-1].End) {
			t.Errorf("gap between %s and %s", ms[i-1].ID, ms[i].ID)
		}
	}
}

func TestByMonth_Heat(t *testing.T) {
	months := CockpitMonthsOf(time.Date(2026, 12, 7, 9, 0, 0, 0, Shanghai))
	cs := []CockpitCount{
		{Month: "2026-12", Township: "T1", Category: "roads", Source: SourceVisit, Received: 2, Resolved: 1, ResolvedOnTime: 1},
		{Month: "2026-12", Township: "T2", Category: "roads", Source: SourceHotline, Received: 3, Overdue: 1},
		{Month: "2026-11", Township: "T1", Category: "water", Source: SourceVisit, Received: 1, Satisfied: 1, Rated: 2},
		{Month: "2025-11", Township: "T1", Category: "water", Source: SourceVisit, Received: 9}, // outside the months
	}
	by := ByMonth(cs, months)
	if len(by) != 12 || by[11].Received != 5 || by[11].Overdue != 1 || by[10].Rated != 2 || by[0].Received != 0 {
		t.Fatalf("by month %+v", by)
	}
	src := ByMonthSource(cs, months)
	if len(src) != len(Sources) || src[SourceHotline][11].Received != 3 || src[SourceVisit][11].Received != 2 || src[SourceLetter][11].Received != 0 {
		t.Errorf("by source %+v", src)
	}
	heat := Heat(cs)
	want := "[{roads T1 2} {roads T2 3} {water T1 10}]"
	if fmt.Sprint(heat) != want {
		t.Errorf("heat %v, want %s", heat, want)
	}
}

func TestParseTownshipMap(t *testing.T) {
	names := []string{"东坪镇", "梅城镇"}
	poly := `{"type":"Polygon","coordinates":[[[111,28],[111.1,28],[111.1,28.1],[111,28]]]}`
	fc := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	feat := func(props, geom string) string {
		return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
	}
	cases := []struct {
		name, in, err string
		matched       int
	}{
		{"not JSON", "<kml></kml>", "不是有效的 JSON", 0},
		{"empty", "  ", "请选择", 0},
		{"JSON but not GeoJSON", `{"name":"东坪镇"}`, "不是 GeoJSON", 0},
		{"a bare geometry", poly, "不是 GeoJSON", 0},
		{"points", fc(feat(`{"name":"东坪镇"}`, `{"type":"Point","coordinates":[111,28]}`)), "不是面", 0},
		{"no name", fc(feat(`{"id":1}`, poly)), "没有乡镇名称", 0},
		{"no features", fc(), "没有任何", 0},
		{"no township of the county", fc(feat(`{"name":"桃江镇"}`, poly)), "都不相符", 0},
		{"good, NAME and name", fc(feat(`{"name":"东坪镇"}`, poly), feat(`{"NAME":"梅城镇"}`, strings.Replace(poly, "Polygon", "MultiPolygon", 1)),
			feat(`{"name":"桃江镇"}`, poly)), "", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := ParseTownshipMap([]byte(c.in), names)
			if c.err != "" {
				if ErrorCode(err) != EUNPROCESSABLE || !strings.Contains(ErrorFields(err)["geojson"], c.err) {
					t.Fatalf("err %v %v, want one on geojson with %q", err, ErrorFields(err), c.err)
				}
				return
			}
			if err != nil || len(m.Matched) != c.matched || m.Features != 3 || len(m.Unmatched) != 1 {
				t.Fatalf("got %+v %v", m, err)
			}
		})
	}
	t.Run("over 20 MB", func(t *testing.T) {
		big := make([]byte, MaxTownshipMap+1)
		if _, err := ParseTownshipMap(big, names); !strings.Contains(ErrorFields(err)["geojson"], "20 MB") {
			t.Fatalf("err %v", err)
		}
	})
}
