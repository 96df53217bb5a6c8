package sanlian

import (
	"fmt"
	"regexp"
	"strconv"
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
