package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"sanlian"
)

// ThemeMonths is how many months, up to Today's, the demo names themes for.
const ThemeMonths = 3

// themeSpec is a month's theme (每月一题) the demo office names, with
// categories and keywords that match the demo's problem texts
// (problem_texts.go), what the office takes out and puts in by hand, and
// its root-cause measures.
type themeSpec struct {
	month      int // months before Today's: 2, 1 or 0
	name       string
	categories []string
	keywords   []string
	note       string
	// offTopic: a tagged problem whose title holds one of these is taken
	// out by hand; onTopic: a problem of the month found by this search
	// and not tagged is put in by hand.
	offTopic []string
	onTopic  []string
	measures []measureSpec
}

// measureSpec is a root-cause measure: its unit by name and its due date
// in days after the end of the theme's month.
type measureSpec struct {
	unit string
	text string
	days int
}

var themeSpecs = []themeSpec{
	{month: 2, name: "农村道路与交通安全", categories: []string{"transport"}, keywords: []string{"护栏", "校车", "车多车快", "落石"},
		note:     "针对通村通组公路路况差、临河临崖路段无防护、学生上下学交通安全等群众反映集中的问题，集中排查整治。",
		offTopic: []string{"上牌", "道路运输证"}, onTopic: []string{"路灯"},
		measures: []measureSpec{
			{"县交通运输局", "对全县临河临崖、急弯陡坡路段开展拉网式排查，分批加装波形护栏和警示标志", 60},
			{"县交通运输局", "建立通村公路“路长制”，坑槽发现后 10 个工作日内修补", 30},
			{"县教育局", "在村小和教学点设立护学岗，协调增开校车线路，落实学生上下学交通安全", 45},
		}},
	{month: 1, name: "农村饮水安全", keywords: []string{"自来水", "饮水", "水质", "桶装水", "停水", "漏水", "山塘", "污水", "下水道", "积水"},
		note:     "聚焦自来水发黄浑浊、管网老化漏水、停水时间长等问题，从水源、水厂、管网三个环节查找根源。",
		offTopic: []string{"污水", "下水道"}, onTopic: []string{"水渠"},
		measures: []measureSpec{
			{"县水利局", "对全县农村集中供水工程逐处开展水质检测，每季度公布检测结果", 31},
			{"安化县自来水公司", "制定老旧管网三年改造计划，今冬明春先改造漏损最严重的 20 公里", 90},
			{"县水利局", "为雨后易浑浊的供水点加装沉淀过滤设施，停水超过 24 小时须提前公告并送水上门", 45},
			{"县生态环境局", "排查饮用水水源保护区内的养殖和生活污水直排问题，限期整改", 60},
		}},
	{month: 0, name: "冬季取暖与用电安全", categories: []string{"elderly"}, keywords: []string{"取暖", "停电", "电压", "用电", "热水"},
		note:     "入冬以来，独居老人取暖难、农村电压低和频繁停电的问题增多，本月集中调度。",
		offTopic: []string{"高龄津贴", "老年食堂"}, onTopic: []string{"动力电", "失火"},
		measures: []measureSpec{
			{"县民政局养老服务股", "组织联村干部逐户走访独居、孤寡老人，建立冬季取暖需求台账，缺什么补什么", 15},
			{"国网安化县供电公司", "对低电压台区逐一测量，春节前完成 30 个重过载台区增容改造", 45},
			{"县应急管理局", "开展冬季取暖用电用火安全检查，重点检查敬老院和木板房集中的村组", 20},
		}},
	{month: 0, name: "农村道路交通安全回头看", categories: []string{"transport"},
		note:     "对上上月主题整改情况开展“回头看”，检验治本措施落实效果。",
		offTopic: []string{"公交站"},
		measures: []measureSpec{
			{"县交通运输局", "对两个月前确定的护栏加装和坑槽修补措施逐项核查完成情况，未完成的列入督办", 20},
			{"县公安局", "在集镇和学校周边开展冬季交通安全整治，查处超速超载", 30},
		}},
}

// ThemeOptions control the demo's themes.
type ThemeOptions struct {
	// Today is the generator's today: themes are named for its month and
	// the ThemeMonths-1 months before. Zero means now.
	Today time.Time
}

// ThemeSummary is what LoadThemes recorded.
type ThemeSummary struct {
	Themes   int
	Tagged   int
	Removed  int
	Added    int
	Measures int
}

// String says the summary in one line of Chinese.
func (s ThemeSummary) String() string {
	return fmt.Sprintf("每月一题 %d 个（标记问题 %d 个，手工移出 %d 个、加入 %d 个；治本措施 %d 项）",
		s.Themes, s.Tagged, s.Removed, s.Added, s.Measures)
}

// LoadThemes names the demo's themes for the last ThemeMonths months as
// the office does, on the clock setNow moves: early in each month, so that
// the month's problems already entered are tagged; later in the month the
// office takes out a problem off the theme, puts in one the rule missed,
// and records the root-cause measures. Run it after the problems.
func LoadThemes(ctx context.Context, svc sanlian.ThemeService, problems sanlian.ProblemService, setNow func(time.Time),
	c *sanlian.County, opt ThemeOptions) (ThemeSummary, error) {
	var sum ThemeSummary
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	lc, err := indexCounty(c)
	if err != nil {
		return sum, err
	}
	if lc.office == nil || lc.office.ID == 0 {
		return sum, fmt.Errorf("demo themes: the county has no office account")
	}
	office := sanlian.NewContextWithUser(ctx, lc.office)
	today := opt.Today.In(sanlian.Shanghai)
	thisMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, sanlian.Shanghai)
	notAfter := func(t time.Time) time.Time {
		if t.After(opt.Today) {
			return opt.Today
		}
		return t
	}
	defer setNow(opt.Today)
	for _, sp := range themeSpecs {
		start := thisMonth.AddDate(0, -sp.month, 0)
		end := start.AddDate(0, 1, 0)
		setNow(notAfter(start.Add(33 * time.Hour))) // the 2nd, 09:00
		th, err := svc.CreateTheme(office, &sanlian.ThemeInput{Month: start.Format("2006-01"), Name: sp.name,
			Categories: sp.categories, Keywords: sp.keywords, Note: sp.note})
		if err != nil {
			return sum, fmt.Errorf("demo theme %s: %w", sp.name, err)
		}
		sum.Themes++
		// Later in the month the office goes through the list.
		setNow(notAfter(start.AddDate(0, 0, 20).Add(10 * time.Hour)))
		tagged, _, err := svc.ThemeProblems(office, th.ID, sanlian.ThemeProblemFilter{Limit: 500})
		if err != nil {
			return sum, err
		}
		for _, p := range tagged {
			if containsAny(p.Title, sp.offTopic) {
				if err := svc.UntagProblem(office, th.ID, p.ID); err != nil {
					return sum, fmt.Errorf("demo theme %s: untag %d: %w", sp.name, p.ID, err)
				}
				sum.Removed++
				break
			}
		}
		for _, q := range sp.onTopic {
			ps, _, err := problems.FindProblems(office, sanlian.ProblemFilter{Q: q, CreatedFrom: start, CreatedTo: end, Limit: 20})
			if err != nil {
				return sum, err
			}
			for _, p := range ps {
				if !slices.ContainsFunc(tagged, func(t *sanlian.ThemeProblem) bool { return t.ID == p.ID }) {
					if err := svc.TagProblem(office, th.ID, p.ID, ""); err != nil {
						return sum, fmt.Errorf("demo theme %s: tag %d: %w", sp.name, p.ID, err)
					}
					sum.Added++
					break
				}
			}
		}
		for _, m := range sp.measures {
			u := lc.unit(m.unit)
			if u == nil {
				return sum, fmt.Errorf("demo theme %s: no unit %s", sp.name, m.unit)
			}
			due := end.AddDate(0, 0, m.days-1).Format("2006-01-02")
			if err := svc.SaveThemeMeasure(office, &sanlian.ThemeMeasure{ThemeID: th.ID, Text: m.text, UnitID: u.u.ID, Due: due}); err != nil {
				return sum, fmt.Errorf("demo theme %s: measure: %w", sp.name, err)
			}
			sum.Measures++
		}
		th, err = svc.FindTheme(office, th.ID)
		if err != nil {
			return sum, err
		}
		sum.Tagged += th.Tagged
	}
	return sum, nil
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
