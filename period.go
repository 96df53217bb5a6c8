package sanlian

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period kinds (SPEC §4).
const (
	PeriodHalf  = "half"  // 2021-05-H1 (1st–15th), 2021-05-H2 (16th–end)
	PeriodMonth = "month" // 2021-05
)

// Period is a half-month or a month, from Start (inclusive) to End
// (exclusive), both at 00:00 Asia/Shanghai.
type Period struct {
	ID    string
	Kind  string
	Start time.Time
	End   time.Time
}

var periodRE = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})(?:-H([12]))?$`)

// ParsePeriod reads a period id.
func ParsePeriod(id string) (Period, error) {
	m := periodRE.FindStringSubmatch(id)
	if m == nil {
		return Period{}, Errorf(EINVALID, "期间 %q 的格式应为 2021-05-H1、2021-05-H2 或 2021-05", id)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if mo < 1 || mo > 12 || y < 2000 || y > 2100 {
		return Period{}, Errorf(EINVALID, "期间 %q 的年份或月份无效", id)
	}
	start := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, Shanghai)
	p := Period{ID: id, Kind: PeriodMonth, Start: start, End: start.AddDate(0, 1, 0)}
	switch m[3] {
	case "1":
		p.Kind, p.End = PeriodHalf, start.AddDate(0, 0, 15)
	case "2":
		p.Kind, p.Start = PeriodHalf, start.AddDate(0, 0, 15)
	}
	return p, nil
}

// PeriodOf returns the half-month or month period containing t.
func PeriodOf(t time.Time, kind string) Period {
	t = t.In(Shanghai)
	id := fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month()))
	if kind == PeriodHalf {
		if t.Day() <= 15 {
			id += "-H1"
		} else {
			id += "-H2"
		}
	}
	p, _ := ParsePeriod(id)
	return p
}

// Label returns the period in Chinese, e.g. 2021年5月上半月.
func (p Period) Label() string {
	s := fmt.Sprintf("%d年%d月", p.Start.Year(), int(p.Start.Month()))
	if p.Kind == PeriodHalf {
		if p.Start.Day() == 1 {
			return s + "上半月"
		}
		return s + "下半月"
	}
	return s
}

// Parts of a month a period picker offers after the year and the month.
const (
	PartFirstHalf  = "H1" // 上半月
	PartSecondHalf = "H2" // 下半月
	PartMonth      = "M"  // 全月
)

// Years a period may fall in.
const (
	PeriodMinYear = 2000
	PeriodMaxYear = 2100
)

// PartLabel names a part of a month in Chinese.
func PartLabel(part string) string {
	switch part {
	case PartFirstHalf:
		return "上半月"
	case PartSecondHalf:
		return "下半月"
	case PartMonth:
		return "全月"
	}
	return part
}

// PeriodFromParts builds a period from a picker's year, month and part
// (PartFirstHalf, PartSecondHalf or PartMonth; "" is the whole month).
// The errors (EINVALID) quote what was typed.
func PeriodFromParts(year, month, part string) (Period, error) {
	year, month, part = normDigits(year), normDigits(month), strings.TrimSpace(part)
	y, err := strconv.Atoi(year)
	if year == "" {
		return Period{}, Errorf(EINVALID, "请选择年份")
	} else if err != nil || y < PeriodMinYear || y > PeriodMaxYear {
		return Period{}, Errorf(EINVALID, "年份“%s”无效，应在 %d 到 %d 之间", year, PeriodMinYear, PeriodMaxYear)
	}
	mo, err := strconv.Atoi(month)
	if month == "" {
		return Period{}, Errorf(EINVALID, "请选择月份")
	} else if err != nil || mo < 1 || mo > 12 {
		return Period{}, Errorf(EINVALID, "月份“%s”无效，应为 1 到 12 月", month)
	}
	id := fmt.Sprintf("%04d-%02d", y, mo)
	switch part {
	case PartFirstHalf, PartSecondHalf:
		id += "-" + part
	case PartMonth, "":
	default:
		return Period{}, Errorf(EINVALID, "“%s”无效，请选择上半月、下半月或全月", part)
	}
	return ParsePeriod(id)
}

var (
	periodCodeRE = regexp.MustCompile(`^([0-9]{4})-([0-9]{1,2})(?:-(H[0-9]))?$`)
	periodTextRE = regexp.MustCompile(`^([0-9]+)年([0-9]+)月(上半月|下半月|全月)?(?:份)?$`)
)

// ParsePeriodText reads a period as people type it: 2026年11月下半月,
// 2026年11月上半月, 2026年11月 (or 2026年11月全月), or the code
// (2026-11-H2, 2026-11). Spaces and full-width digits are allowed.
func ParsePeriodText(s string) (Period, error) {
	t := strings.Join(strings.Fields(normDigits(s)), "")
	t = strings.NewReplacer("－", "-", "—", "-", "–", "-", "h", "H").Replace(t)
	if m := periodCodeRE.FindStringSubmatch(t); m != nil {
		part := m[3]
		if part != "" && part != PartFirstHalf && part != PartSecondHalf {
			return Period{}, Errorf(EINVALID, "“%s”无效：半月只有 H1（上半月）和 H2（下半月）", strings.TrimSpace(s))
		}
		return PeriodFromParts(m[1], m[2], part)
	}
	if m := periodTextRE.FindStringSubmatch(t); m != nil {
		part := map[string]string{"上半月": PartFirstHalf, "下半月": PartSecondHalf}[m[3]]
		return PeriodFromParts(m[1], m[2], part)
	}
	return Period{}, Errorf(EINVALID, "“%s”无法识别，请写成 2026年11月下半月、2026年11月 或 2026-11-H2", strings.TrimSpace(s))
}

// normDigits trims s and turns full-width digits into ASCII ones.
func normDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, strings.TrimSpace(s))
}

// PeriodRule says which periods a page accepts.
type PeriodRule struct {
	Halves bool // half-months are offered
	Months bool // whole months are offered
	// Past: the page reports on what happened, so no period after the one
	// under way (a half-month: the current half-month; a month: this month).
	Past bool
	// Future: periods of later years are accepted too (a rule that takes
	// effect from a coming period).
	Future bool
}

// Check reports why p is not acceptable under the rule at now (EINVALID),
// or nil. A period in a year after now's is refused unless r.Future.
func (r PeriodRule) Check(p Period, now time.Time) error {
	switch {
	case p.Kind == PeriodHalf && !r.Halves:
		return Errorf(EINVALID, "%s无效：此处按整月选择，不分上下半月", p.Label())
	case p.Kind == PeriodMonth && !r.Months:
		return Errorf(EINVALID, "%s无效：此处按半月选择，请选上半月或下半月", p.Label())
	}
	now = now.In(Shanghai)
	if p.Start.Year() > now.Year() && !r.Future {
		return Errorf(EINVALID, "%s无效：%d年还没有到", p.Label(), p.Start.Year())
	}
	if cur := PeriodOf(now, p.Kind); r.Past && p.Start.After(cur.Start) {
		what := "本月"
		if p.Kind == PeriodHalf {
			what = "本半月"
		}
		return Errorf(EINVALID, "%s还没有到，不能晚于%s（%s）", p.Label(), what, cur.Label())
	}
	return nil
}
