package sanlian

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// The leaders' cockpit (领导驾驶舱): the county's figures on one screen
// for the office and the county leaders, and the big screen of the
// monthly dispatch meeting. The rules here are pure; sqldb counts.

// CockpitMonths is how many months the cockpit's series cover, the
// current one included.
const CockpitMonths = 12

// CockpitCount is the cockpit's counts for one month, township, category
// and channel (来源). Each measure is counted in the month of its own
// event, read from the problem as it stands:
//
//   - Received (受理): problems entered in the month (created_at).
//   - Resolved (办结): problems resolved or closed whose resolution fell in
//     the month (resolved_at); ResolvedOnTime: of those, the ones resolved
//     by their resolve deadline (resolve_due, extensions included).
//   - Overdue (超期): problems whose resolve deadline fell in the month and
//     had passed, and which were resolved after it or are still open.
//   - Rated (回访): problems whose callback fell in the month
//     (callback_at) with a satisfaction answer; Satisfied: of those,
//     satisfied or basically satisfied.
type CockpitCount struct {
	Month    string `json:"month"` // 2026-11
	Township string `json:"township"`
	Category string `json:"category"`
	Source   string `json:"source"`

	Received       int `json:"received"`
	Resolved       int `json:"resolved"`
	ResolvedOnTime int `json:"resolved_on_time"`
	Overdue        int `json:"overdue"`
	Satisfied      int `json:"satisfied"`
	Rated          int `json:"rated"`
}

// Add adds o's measures to c's.
func (c *CockpitCount) Add(o *CockpitCount) {
	c.Received += o.Received
	c.Resolved += o.Resolved
	c.ResolvedOnTime += o.ResolvedOnTime
	c.Overdue += o.Overdue
	c.Satisfied += o.Satisfied
	c.Rated += o.Rated
}

// Zero reports whether every measure is 0.
func (c *CockpitCount) Zero() bool {
	return c.Received == 0 && c.Resolved == 0 && c.ResolvedOnTime == 0 && c.Overdue == 0 && c.Satisfied == 0 && c.Rated == 0
}

// CockpitMonthsOf lists the months the cockpit covers at now, oldest
// first, the current month last.
func CockpitMonthsOf(now time.Time) []Period {
	cur := PeriodOf(now, PeriodMonth)
	out := make([]Period, CockpitMonths)
	for i := CockpitMonths - 1; i >= 0; i-- {
		out[i] = cur
		cur = PeriodOf(cur.Start.Add(-time.Hour), PeriodMonth)
	}
	return out
}

// CockpitLiveMonths is how many of the latest months the cockpit counts
// live from the ledger: the current month. A month is complete when it
// ends (every measure is dated by an event then past, and every deadline
// in it has passed), so the months before come from the rollup.
const CockpitLiveMonths = 1

// MergeCounts sums counts by the key the function gives, dropping the
// others' detail; the result is sorted by key.
func MergeCounts(cs []CockpitCount, key func(c *CockpitCount) CockpitCount) []CockpitCount {
	m := map[[4]string]*CockpitCount{}
	var keys [][4]string
	for i := range cs {
		k := key(&cs[i])
		kk := [4]string{k.Month, k.Township, k.Category, k.Source}
		if m[kk] == nil {
			c := k
			m[kk] = &c
			keys = append(keys, kk)
		}
		m[kk].Add(&cs[i])
	}
	sort.Slice(keys, func(i, j int) bool {
		for n := 0; n < 4; n++ {
			if keys[i][n] != keys[j][n] {
				return keys[i][n] < keys[j][n]
			}
		}
		return false
	})
	out := make([]CockpitCount, len(keys))
	for i, k := range keys {
		out[i] = *m[k]
	}
	return out
}

// ByMonth sums counts per month, one row per month of months (zeros
// included), in their order.
func ByMonth(cs []CockpitCount, months []Period) []CockpitCount {
	m := map[string]*CockpitCount{}
	out := make([]CockpitCount, len(months))
	for i, p := range months {
		out[i].Month = p.ID
		m[p.ID] = &out[i]
	}
	for i := range cs {
		if c := m[cs[i].Month]; c != nil {
			c.Add(&cs[i])
		}
	}
	return out
}

// ByMonthSource sums counts per month and channel: for each channel of
// Sources, a row per month of months.
func ByMonthSource(cs []CockpitCount, months []Period) map[string][]CockpitCount {
	out := map[string][]CockpitCount{}
	for _, s := range Sources {
		var mine []CockpitCount
		for _, c := range cs {
			if c.Source == s {
				mine = append(mine, c)
			}
		}
		rows := ByMonth(mine, months)
		for i := range rows {
			rows[i].Source = s
		}
		out[s] = rows
	}
	return out
}

// HeatCell is one cell of the category × township heat map: the problems
// received over the cockpit's months.
type HeatCell struct {
	Category string `json:"category"`
	Township string `json:"township"`
	Received int    `json:"received"`
}

// Heat sums the received problems per category and township, leaving out
// empty cells, sorted by category then township.
func Heat(cs []CockpitCount) []HeatCell {
	var out []HeatCell
	for _, c := range MergeCounts(cs, func(c *CockpitCount) CockpitCount {
		return CockpitCount{Category: c.Category, Township: c.Township}
	}) {
		if c.Received > 0 {
			out = append(out, HeatCell{Category: c.Category, Township: c.Township, Received: c.Received})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].Township < out[j].Township
	})
	return out
}

// CategoryWindow counts a category's problems received in the latest
// window (Last, e.g. the last 30 days) and in the window before it.
type CategoryWindow struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	Last     int    `json:"last"`
	Before   int    `json:"before"`
}

// RisingDays is the length of each of the two windows compared, and
// RisingMin the problems a category needs in the latest one to be called
// rising: one or two problems more is no trend.
const (
	RisingDays = 30
	RisingMin  = 5
)

// CategoryTrend is a category's count in the latest window against the
// one before: Growth is (Last − Before) ÷ Before, +Inf when Before is 0
// and Last is not, NaN when both are 0.
type CategoryTrend struct {
	CategoryWindow
	Change int     `json:"change"`
	Growth float64 `json:"-"`
	Rising bool    `json:"rising"`
}

// GrowthLabel shows the growth: +50%, −20%, 新增 (from nothing), or —.
func (t CategoryTrend) GrowthLabel() string {
	switch {
	case math.IsNaN(t.Growth):
		return "—"
	case math.IsInf(t.Growth, 1):
		return "新增"
	case t.Growth > 0:
		return fmt.Sprintf("+%.0f%%", t.Growth*100)
	case t.Growth < 0:
		return fmt.Sprintf("−%.0f%%", -t.Growth*100)
	}
	return "持平"
}

// Trends compares each category's two windows. A category is rising when
// it has at least min problems in the latest window and more than in the
// one before. The result is ordered by the latest window's count (the top
// categories), largest first, then by the change, then by code.
func Trends(ws []CategoryWindow, min int) []CategoryTrend {
	out := make([]CategoryTrend, 0, len(ws))
	for _, w := range ws {
		t := CategoryTrend{CategoryWindow: w, Change: w.Last - w.Before}
		switch {
		case w.Before > 0:
			t.Growth = float64(w.Last-w.Before) / float64(w.Before)
		case w.Last > 0:
			t.Growth = math.Inf(1)
		default:
			t.Growth = math.NaN()
		}
		t.Rising = w.Last >= min && w.Last > w.Before
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Last != b.Last {
			return a.Last > b.Last
		}
		if a.Change != b.Change {
			return a.Change > b.Change
		}
		return a.Category < b.Category
	})
	return out
}

// Rising lists the rising categories of ws, the largest change first
// (then the latest count, then code).
func Rising(ws []CategoryWindow, min int) []CategoryTrend {
	var out []CategoryTrend
	for _, t := range Trends(ws, min) {
		if t.Rising {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Change != b.Change {
			return a.Change > b.Change
		}
		if a.Last != b.Last {
			return a.Last > b.Last
		}
		return a.Category < b.Category
	})
	return out
}

// CockpitTownship is a township of the cockpit's scope, with its open
// problems (submitted, assigned or accepted) now.
type CockpitTownship struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Open int    `json:"open"`
}

// TownshipVisits is a township's 三必访 coverage in the current month:
// its must-visit households and those visited.
type TownshipVisits struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Total   int    `json:"total"`
	Visited int    `json:"visited"`
}

// ProjectTally counts the service projects (top-level ones, in scope) by
// status, with their mean progress in percent.
type ProjectTally struct {
	ByStatus map[string]int `json:"by_status"`
	Total    int            `json:"total"`
	Progress float64        `json:"progress"` // mean progress, 0–100
}

// ActivityMonth is a month's volunteer activities: how many, the
// volunteer turns (a cadre at an activity) with the others who joined,
// and the people served. The ledger records no hours.
type ActivityMonth struct {
	Month      string `json:"month"`
	Activities int    `json:"activities"`
	Volunteers int    `json:"volunteers"`
	Served     int    `json:"served"`
}

// LeagueRow is a township government's row of the league table.
type LeagueRow struct {
	UnitID   string   `json:"unit_id"`
	Name     string   `json:"name"`
	Township string   `json:"township"`
	Rank     string   `json:"rank"` // 1, 并列3, —
	Unranked string   `json:"unranked,omitempty"`
	Score    *float64 `json:"score"` // nil when the unit has no score
	Volume   int      `json:"volume"`
	Overdue  int      `json:"overdue"`
}

// CockpitQuery asks for the cockpit. County asks a county leader's
// cockpit for the whole county instead of their townships (when the office
// allows it).
type CockpitQuery struct {
	County bool
}

// Cockpit is the cockpit's figures.
type Cockpit struct {
	At     time.Time `json:"at"`
	County bool      `json:"county"` // the whole county; else the leader's townships
	// LeaderCounty is the office's setting: county leaders may switch to
	// the whole county (县级领导可切换查看全县).
	LeaderCounty bool     `json:"leader_county"`
	Months       []string `json:"months"`
	// Counts are by month and channel (Township and Category empty);
	// Heat sums the months' received problems by category and township.
	Counts        []CockpitCount      `json:"counts"`
	Heat          []HeatCell          `json:"heat"`
	Categories    map[string]string   `json:"categories"`     // code → name
	CategoryOrder []string            `json:"category_order"` // codes in the office's order
	Townships     []CockpitTownship   `json:"townships"`
	Trends        []CategoryTrend     `json:"trends"` // the last RisingDays days against the ones before
	Rising        []CategoryTrend     `json:"rising"`
	Visits        []TownshipVisits    `json:"visits"`
	Projects      ProjectTally        `json:"projects"`
	Activities    []ActivityMonth     `json:"activities"`
	League        []LeagueRow         `json:"league"`
	LeaguePer     string              `json:"league_period"` // the month ranked
	Map           *TownshipMapSummary `json:"map,omitempty"`
}

// geoFeatures is a GeoJSON FeatureCollection as far as township
// boundaries are read from it: each feature's name and its geometry's
// coordinates, left raw for the geometry's type to read.
type geoFeatures struct {
	Type     *string `json:"type"`
	Features []struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Geometry   *struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// TownshipMapSummary describes the stored township boundaries.
type TownshipMapSummary struct {
	Features  int       `json:"features"`
	Matched   []string  `json:"matched"`   // township names found in the county
	Unmatched []string  `json:"unmatched"` // feature names that are not the county's townships
	Bytes     int       `json:"bytes"`
	At        time.Time `json:"at"`
}

// MaxTownshipMap is the largest GeoJSON of township boundaries accepted.
const MaxTownshipMap = 20 << 20

// ParseTownshipMap checks an upload of township boundaries: a GeoJSON
// FeatureCollection of Polygon or MultiPolygon features named in
// properties.name or properties.NAME, at least one of them a township of
// the county (names). It returns what it found. EUNPROCESSABLE, on the
// field "geojson", in Chinese, otherwise.
func ParseTownshipMap(data []byte, names []string) (*TownshipMapSummary, error) {
	bad := func(msg string) error {
		return &Error{Code: EUNPROCESSABLE, Message: msg, Fields: map[string]string{"geojson": msg}}
	}
	if len(data) > MaxTownshipMap {
		return nil, bad("文件超过 20 MB，请简化边界后再上传")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, bad("请选择乡镇边界文件（GeoJSON）")
	}
	var fc geoFeatures
	if !json.Valid(data) {
		return nil, bad("文件不是有效的 JSON，请上传 GeoJSON 格式的乡镇边界文件")
	}
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type == nil || *fc.Type != "FeatureCollection" {
		return nil, bad("文件不是 GeoJSON 要素集合（FeatureCollection），请上传乡镇边界的 GeoJSON 文件")
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	out := &TownshipMapSummary{Bytes: len(data)}
	seen := map[string]bool{}
	for i, f := range fc.Features {
		if f.Type != "Feature" || f.Geometry == nil || (f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon") ||
			len(f.Geometry.Coordinates) == 0 {
			return nil, bad(fmt.Sprintf("第 %d 个要素不是面（Polygon 或 MultiPolygon），乡镇边界须为面要素", i+1))
		}
		name := featureName(f.Properties)
		if name == "" {
			return nil, bad(fmt.Sprintf("第 %d 个要素没有乡镇名称（properties.name 或 NAME）", i+1))
		}
		out.Features++
		if seen[name] {
			continue
		}
		seen[name] = true
		if known[name] {
			out.Matched = append(out.Matched, name)
		} else {
			out.Unmatched = append(out.Unmatched, name)
		}
	}
	if out.Features == 0 {
		return nil, bad("文件中没有任何乡镇边界要素")
	}
	if len(out.Matched) == 0 {
		return nil, bad("文件中的名称与本县乡镇名称都不相符（如：" + strings.Join(first(out.Unmatched, 3), "、") + "），请检查 properties.name")
	}
	sort.Strings(out.Matched)
	sort.Strings(out.Unmatched)
	return out, nil
}

func featureName(p map[string]any) string {
	for _, k := range []string{"name", "NAME"} {
		if s, ok := p[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// CockpitService serves the cockpit.
type CockpitService interface {
	// Cockpit computes the figures for the office (the county) or a
	// county leader (their townships, or the county with q.County when
	// the office allows it). EFORBIDDEN for other roles, and for a
	// leader asking for the county when the office does not allow it.
	Cockpit(ctx context.Context, q CockpitQuery) (*Cockpit, error)
	// SetLeaderCounty turns 县级领导可切换查看全县 on or off. Office only
	// (EFORBIDDEN); audited.
	SetLeaderCounty(ctx context.Context, on bool) error
	// SaveTownshipMap stores the township boundaries (ParseTownshipMap
	// checks them: EUNPROCESSABLE). Office only; audited.
	SaveTownshipMap(ctx context.Context, geojson []byte) (*TownshipMapSummary, error)
	// TownshipMap returns the stored GeoJSON; ENOTFOUND when there is
	// none. Office and leaders.
	TownshipMap(ctx context.Context) ([]byte, error)
	// RemoveTownshipMap removes the boundaries (ENOTFOUND when none).
	// Office only; audited.
	RemoveTownshipMap(ctx context.Context) error
}
