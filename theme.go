package sanlian

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Theme (每月一题) is a month's theme the office names for the dispatch
// meeting, e.g. 农村饮水安全: problems of the month in its categories, or
// naming one of its keywords, are tagged with it on entry, and the office
// adds or removes problems by hand (SPEC §5).
type Theme struct {
	ID         int64     `json:"id"`
	Month      string    `json:"month"` // 2026-11
	Name       string    `json:"name"`
	Categories []string  `json:"categories"`
	Keywords   []string  `json:"keywords"`
	Note       string    `json:"note,omitempty"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`

	// Tagged is how many problems carry the theme (in the reader's scope
	// where a list says so).
	Tagged int `json:"tagged"`
}

// MonthLabel names the theme's month in Chinese.
func (t *Theme) MonthLabel() string { return MonthLabel(t.Month) }

// Field limits of a theme.
const (
	MaxThemeName     = 40
	MaxThemeKeywords = 20
	MaxThemeKeyword  = 20
	MaxThemeNote     = 500
)

// ThemeInput is what the office enters for a theme. Keywords may come as
// one line separated by spaces, commas or 、 (KeywordText), or as a list.
type ThemeInput struct {
	Month       string   `json:"month"`
	Name        string   `json:"name"`
	Categories  []string `json:"categories"`
	Keywords    []string `json:"keywords"`
	KeywordText string   `json:"-"`
	Note        string   `json:"note"`
	Version     int64    `json:"version"`
}

// SplitKeywords splits a line of keywords at spaces, commas, semicolons
// and 、, drops empty and repeated words and keeps their order.
func SplitKeywords(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', ',', '，', '、', ';', '；', '\u3000':
			return true
		}
		return false
	})
	out := []string{}
	for _, w := range f {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// Normalize trims the input and merges KeywordText into Keywords.
func (in *ThemeInput) Normalize() {
	in.Month = strings.TrimSpace(in.Month)
	in.Name = strings.TrimSpace(in.Name)
	in.Note = strings.TrimSpace(in.Note)
	kw := SplitKeywords(strings.Join(in.Keywords, " ") + " " + in.KeywordText)
	in.Keywords, in.KeywordText = kw, ""
	cats := []string{}
	for _, c := range in.Categories {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	in.Categories = cats
}

// Validate checks the theme's own fields; that its categories exist and
// its name is not taken in the month is the service's check.
func (in *ThemeInput) Validate() error {
	f := map[string]string{}
	if p, err := ParsePeriod(in.Month); err != nil || p.Kind != PeriodMonth {
		f["month"] = "请选择有效的月份，如 2026-11"
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		f["name"] = "请填写主题名称"
	case n > MaxThemeName:
		f["name"] = fmt.Sprintf("主题名称不能超过 %d 字", MaxThemeName)
	}
	if len(in.Categories) == 0 && len(in.Keywords) == 0 {
		f["categories"] = "请至少选择一个类别或填写一个关键词"
	}
	if len(in.Keywords) > MaxThemeKeywords {
		f["keywords"] = fmt.Sprintf("关键词不能超过 %d 个", MaxThemeKeywords)
	}
	for _, k := range in.Keywords {
		if utf8.RuneCountInString(k) > MaxThemeKeyword {
			f["keywords"] = fmt.Sprintf("关键词“%s”太长，每个不能超过 %d 字", k, MaxThemeKeyword)
		}
	}
	if utf8.RuneCountInString(in.Note) > MaxThemeNote {
		f["note"] = fmt.Sprintf("说明不能超过 %d 字", MaxThemeNote)
	}
	if in.Version < 0 {
		f["version"] = "版本号无效"
	}
	checkTexts(f, oneLine("name", "主题名称", in.Name), manyLines("note", "说明", in.Note))
	for _, k := range in.Keywords {
		checkTexts(f, oneLine("keywords", "关键词", k))
	}
	return FieldErrors(f)
}

// ThemeMatches reports whether a problem of category with title and
// description matches the theme: its category is one of the theme's, or
// the title or description holds one of its keywords.
func ThemeMatches(t *Theme, category, title, description string) bool {
	if slices.Contains(t.Categories, category) {
		return true
	}
	for _, k := range t.Keywords {
		if k != "" && (strings.Contains(title, k) || strings.Contains(description, k)) {
			return true
		}
	}
	return false
}

// How a problem came to carry a theme.
const (
	TagAuto    = "auto"    // matched on entry or when the theme was saved
	TagManual  = "manual"  // added by the office by hand
	TagRemoved = "removed" // removed by the office: re-tagging leaves it out
)

// TagLabel names how a problem came to carry a theme.
func TagLabel(how string) string {
	switch how {
	case TagAuto:
		return "自动"
	case TagManual:
		return "手工加入"
	case TagRemoved:
		return "已移出"
	}
	return how
}

// ThemeRetag decides, for a theme saved, what becomes of each problem of
// its month: matched problems without a tag get one (auto), auto tags of
// problems that no longer match go, and the office's hand-made tags and
// removals stay. tags maps problem id to its current tag; it returns the
// ids to tag and the ids to untag, each in ascending order.
func ThemeRetag(matched map[int64]bool, tags map[int64]string) (add, drop []int64) {
	for id, ok := range matched {
		if _, tagged := tags[id]; ok && !tagged {
			add = append(add, id)
		}
	}
	for id, how := range tags {
		if how == TagAuto && !matched[id] {
			drop = append(drop, id)
		}
	}
	slices.Sort(add)
	slices.Sort(drop)
	return add, drop
}

// ThemeMeasure is a root-cause measure (治本措施) the office records for
// a theme: what will be done, by which unit, by when.
type ThemeMeasure struct {
	ID        int64     `json:"id"`
	ThemeID   int64     `json:"theme_id"`
	Text      string    `json:"text"`
	UnitID    int64     `json:"unit_id"`
	UnitName  string    `json:"unit_name,omitempty"`
	Due       string    `json:"due"` // 2026-12-31
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// MaxMeasureText bounds a measure's text.
const MaxMeasureText = 500

// Validate checks a measure's own fields; that the unit exists is the
// service's check.
func (m *ThemeMeasure) Validate() error {
	m.Text, m.Due = strings.TrimSpace(m.Text), strings.TrimSpace(m.Due)
	f := map[string]string{}
	switch n := utf8.RuneCountInString(m.Text); {
	case n == 0:
		f["text"] = "请填写治本措施"
	case n > MaxMeasureText:
		f["text"] = fmt.Sprintf("治本措施不能超过 %d 字", MaxMeasureText)
	}
	if m.UnitID <= 0 {
		f["unit_id"] = "请选择责任单位"
	}
	if _, err := time.Parse("2006-01-02", m.Due); err != nil {
		f["due"] = "请填写完成时限，如 2026-12-31"
	}
	return FieldErrors(f)
}

// ThemeCounts are a theme's figures over the problems it tags.
type ThemeCounts struct {
	Received  int `json:"received"`
	Resolved  int `json:"resolved"` // resolved or closed
	OnTime    int `json:"on_time"`  // of which resolved by the resolve deadline
	Overdue   int `json:"overdue"`  // open and past a deadline now
	Callbacks int `json:"callbacks"`
	Solved    int `json:"solved"`    // callbacks answering "solved"
	Satisfied int `json:"satisfied"` // callbacks satisfied or basically satisfied
}

// ResolutionRate is solved callbacks ÷ callbacks (SPEC §5), NaN without any.
func (c ThemeCounts) ResolutionRate() float64 { return Rate(c.Solved, c.Callbacks) }

// SatisfactionRate is satisfied callbacks ÷ callbacks, NaN without any.
func (c ThemeCounts) SatisfactionRate() float64 { return Rate(c.Satisfied, c.Callbacks) }

// OnTimeRate is on-time ÷ resolved, NaN without any resolved.
func (c ThemeCounts) OnTimeRate() float64 { return Rate(c.OnTime, c.Resolved) }

// add counts one problem at now.
func (c *ThemeCounts) add(p *Problem, now time.Time) {
	c.Received++
	if p.State == StateResolved || p.State == StateClosed {
		c.Resolved++
		if !p.ResolvedAt.IsZero() && (p.ResolveDue.IsZero() || !p.ResolvedAt.After(p.ResolveDue)) {
			c.OnTime++
		}
	}
	if p.IsOverdue(now) {
		c.Overdue++
	}
	if p.CallbackSatisfaction != "" {
		c.Callbacks++
		if p.CallbackSolved == SolvedYes {
			c.Solved++
		}
		if p.CallbackSatisfaction == Satisfied || p.CallbackSatisfaction == Basic {
			c.Satisfied++
		}
	}
}

// ThemeUnit is one unit's part of a theme.
type ThemeUnit struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	ThemeCounts
}

// TrendPoint is how many of a theme's problems came in one day or week.
type TrendPoint struct {
	Label string `json:"label"` // 11-03 or 第1周（11-01—11-07）
	Count int    `json:"count"`
}

// Trend buckets.
const (
	TrendDay  = "day"
	TrendWeek = "week"
)

// MonthCount is how many problems of a month matched a theme's rule.
type MonthCount struct {
	Month string `json:"month"`
	Count int    `json:"count"`
}

// ThemeReport is what the theme page and its one-page report show.
type ThemeReport struct {
	Theme    *Theme          `json:"theme"`
	Counts   ThemeCounts     `json:"counts"`
	Trend    []TrendPoint    `json:"trend"`
	TrendBy  string          `json:"trend_by"`
	Previous []MonthCount    `json:"previous"` // the months before, oldest first, by the theme's rule
	Units    []*ThemeUnit    `json:"units"`
	Measures []*ThemeMeasure `json:"measures"`
}

// ThemeFigures computes a theme's counts, its trend in month (by day or
// week, Asia/Shanghai, by entry date) and its units (by the responsible
// unit; problems not yet assigned count under unit 0, "待交办"), most
// received first, from the problems it tags, at now.
func ThemeFigures(ps []*Problem, month Period, by string, now time.Time) (ThemeCounts, []TrendPoint, []*ThemeUnit) {
	var c ThemeCounts
	days := int(month.End.Sub(month.Start).Hours()/24 + 0.5)
	var trend []TrendPoint
	if by == TrendDay {
		for d := range days {
			trend = append(trend, TrendPoint{Label: month.Start.AddDate(0, 0, d).Format("01-02")})
		}
	} else {
		for w := 0; w*7 < days; w++ {
			from := month.Start.AddDate(0, 0, w*7)
			to := month.Start.AddDate(0, 0, min(w*7+6, days-1))
			trend = append(trend, TrendPoint{Label: fmt.Sprintf("第%d周（%s—%s）", w+1, from.Format("01-02"), to.Format("01-02"))})
		}
	}
	units := map[int64]*ThemeUnit{}
	for _, p := range ps {
		c.add(p, now)
		at := p.CreatedAt.In(Shanghai)
		if !at.Before(month.Start) && at.Before(month.End) {
			d := at.Day() - 1
			if by != TrendDay {
				d /= 7
			}
			trend[d].Count++
		}
		u := units[p.UnitID]
		if u == nil {
			u = &ThemeUnit{UnitID: p.UnitID, UnitName: p.UnitName}
			if p.UnitID == 0 {
				u.UnitName = "待交办"
			}
			units[p.UnitID] = u
		}
		u.add(p, now)
	}
	out := make([]*ThemeUnit, 0, len(units))
	for _, u := range units {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Received != out[j].Received {
			return out[i].Received > out[j].Received
		}
		return out[i].UnitID < out[j].UnitID
	})
	return c, trend, out
}

// ThemeFilter selects themes.
type ThemeFilter struct {
	Month string // 2026-11, or "" for every month
}

// ThemeProblemFilter pages a theme's problems.
type ThemeProblemFilter struct {
	Removed bool // the problems the office removed, rather than those tagged
	Cursor  string
	Limit   int
}

// ThemeProblem is a problem with how it came to carry the theme.
type ThemeProblem struct {
	*Problem
	Tag string `json:"tag"`
}

// TagLabel names how the problem came to carry the theme.
func (p *ThemeProblem) TagLabel() string { return TagLabel(p.Tag) }

// ThemeService keeps the months' themes. The office writes; the office,
// leaders and unit admins read, each counting the problems in their scope.
type ThemeService interface {
	// FindThemes lists themes, newest month first, with the problems each
	// tags in the caller's scope. Returns EFORBIDDEN.
	FindThemes(ctx context.Context, f ThemeFilter) ([]*Theme, error)
	// FindTheme returns ENOTFOUND, EFORBIDDEN.
	FindTheme(ctx context.Context, id int64) (*Theme, error)
	// CreateTheme names a theme and tags the month's problems that match.
	// Returns EFORBIDDEN, EUNPROCESSABLE (bad month, no name, no category
	// and no keyword, unknown category, a name taken in the month).
	CreateTheme(ctx context.Context, in *ThemeInput) (*Theme, error)
	// UpdateTheme changes a theme (in.Version as read) and re-tags its
	// month: hand-made tags and removals stay. Returns EFORBIDDEN,
	// EUNPROCESSABLE, ECONFLICT, ENOTFOUND.
	UpdateTheme(ctx context.Context, id int64, in *ThemeInput) (*Theme, error)
	// ThemeProblems pages the theme's problems in the caller's scope.
	ThemeProblems(ctx context.Context, id int64, f ThemeProblemFilter) ([]*ThemeProblem, string, error)
	// TagProblem adds a problem to the theme by hand (by its id or its
	// number), or puts back one removed. Returns EFORBIDDEN, ENOTFOUND.
	TagProblem(ctx context.Context, id int64, problemID int64, number string) error
	// UntagProblem removes a problem from the theme; re-tagging leaves it
	// out. Returns EFORBIDDEN, ENOTFOUND.
	UntagProblem(ctx context.Context, id, problemID int64) error
	// ThemeReport computes the theme's figures in the caller's scope,
	// its trend by day or week, and lists its measures.
	ThemeReport(ctx context.Context, id int64, by string) (*ThemeReport, error)
	// SaveThemeMeasure adds (ID 0) or edits a measure (Version as read).
	// Returns EFORBIDDEN, EUNPROCESSABLE, ECONFLICT, ENOTFOUND.
	SaveThemeMeasure(ctx context.Context, m *ThemeMeasure) error
	// DeleteThemeMeasure removes a measure. Returns EFORBIDDEN, ENOTFOUND,
	// ECONFLICT.
	DeleteThemeMeasure(ctx context.Context, themeID, id, version int64) error
}
