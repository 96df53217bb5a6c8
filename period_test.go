package sanlian_test

import (
	"strings"
	"testing"
	"time"

	"sanlian"
)

func TestParsePeriod(t *testing.T) {
	for id, want := range map[string][2]string{
		"2021-05-H1": {"2021-05-01", "2021-05-16"},
		"2021-05-H2": {"2021-05-16", "2021-06-01"},
		"2021-02-H2": {"2021-02-16", "2021-03-01"},
		"2021-12":    {"2021-12-01", "2022-01-01"},
	} {
		p, err := sanlian.ParsePeriod(id)
		if err != nil {
			t.Fatal(id, err)
		}
		if got := [2]string{p.Start.Format("2006-01-02"), p.End.Format("2006-01-02")}; got != want {
			t.Errorf("%s = %v, want %v", id, got, want)
		}
		if p.Start.Location() != sanlian.Shanghai {
			t.Errorf("%s not in Asia/Shanghai", id)
		}
	}
	for _, bad := range []string{"2021-13", "2021-05-H3", "21-05", "2021-5", ""} {
		if _, err := sanlian.ParsePeriod(bad); sanlian.ErrorCode(err) != sanlian.EINVALID {
			t.Errorf("ParsePeriod(%q) = %v", bad, err)
		}
	}
	// 2021-05-15 23:30 in Shanghai is 15:30 UTC: still the first half.
	at := time.Date(2021, 5, 15, 15, 30, 0, 0, time.UTC)
	if p := sanlian.PeriodOf(at, sanlian.PeriodHalf); p.ID != "2021-05-H1" || p.Label() != "2021年5月上半月" {
		t.Errorf("PeriodOf = %s %s", p.ID, p.Label())
	}
}

func TestParsePeriodText(t *testing.T) {
	for in, want := range map[string]string{
		"2026年11月下半月":      "2026-11-H2",
		"2026年11月上半月":      "2026-11-H1",
		"2026年11月":         "2026-11",
		"2026年11月全月":       "2026-11",
		" 2026 年 1 月 下半月 ": "2026-01-H2",
		"２０２６年３月上半月":       "2026-03-H1",
		"2026-11-H2":       "2026-11-H2",
		"2026-11-h1":       "2026-11-H1",
		"2026-11":          "2026-11",
		"2026-3":           "2026-03",
	} {
		p, err := sanlian.ParsePeriodText(in)
		if err != nil || p.ID != want {
			t.Errorf("ParsePeriodText(%q) = %q, %v; want %s", in, p.ID, err, want)
		}
	}
	for in, msg := range map[string]string{
		"2026年13月":    "月份“13”无效",
		"2026-13":     "月份“13”无效",
		"2026年0月上半月":  "月份“0”无效",
		"1999年5月":     "年份“1999”无效",
		"2026-05-H3":  "“2026-05-H3”无效",
		"2026年11月中半月": "无法识别",
		"下个月":         "“下个月”无法识别",
		"":            "无法识别",
	} {
		_, err := sanlian.ParsePeriodText(in)
		if sanlian.ErrorCode(err) != sanlian.EINVALID || !strings.Contains(sanlian.ErrorMessage(err), msg) {
			t.Errorf("ParsePeriodText(%q) = %v; want EINVALID containing %q", in, err, msg)
		}
	}
}

func TestPeriodFromParts(t *testing.T) {
	for _, c := range []struct{ y, m, part, want, err string }{
		{"2026", "11", "H2", "2026-11-H2", ""},
		{"2026", "1", "H1", "2026-01-H1", ""},
		{"2026", "12", "M", "2026-12", ""},
		{"2026", "12", "", "2026-12", ""},
		{"2026", "13", "H1", "", "月份“13”无效"},
		{"2026", "", "H1", "", "请选择月份"},
		{"", "5", "H1", "", "请选择年份"},
		{"3026", "5", "H1", "", "年份“3026”无效"},
		{"二〇二六", "5", "H1", "", "年份“二〇二六”无效"},
		{"2026", "5", "H3", "", "“H3”无效"},
	} {
		p, err := sanlian.PeriodFromParts(c.y, c.m, c.part)
		if c.err == "" && (err != nil || p.ID != c.want) {
			t.Errorf("PeriodFromParts(%q, %q, %q) = %q, %v; want %s", c.y, c.m, c.part, p.ID, err, c.want)
		}
		if c.err != "" && (sanlian.ErrorCode(err) != sanlian.EINVALID || !strings.Contains(sanlian.ErrorMessage(err), c.err)) {
			t.Errorf("PeriodFromParts(%q, %q, %q) = %v; want %q", c.y, c.m, c.part, err, c.err)
		}
	}
}

func TestPeriodRule_Check(t *testing.T) {
	// 2026-12-07 10:00 in Shanghai: the current half is 2026-12-H1.
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	halves := sanlian.PeriodRule{Halves: true, Past: true}
	months := sanlian.PeriodRule{Months: true}
	both := sanlian.PeriodRule{Halves: true, Months: true, Past: true}
	future := sanlian.PeriodRule{Months: true, Halves: true, Future: true}
	for _, c := range []struct {
		rule sanlian.PeriodRule
		id   string
		err  string
	}{
		{halves, "2026-11-H2", ""},
		{halves, "2026-12-H1", ""}, // the half under way
		{halves, "2026-12-H2", "2026年12月下半月还没有到，不能晚于本半月（2026年12月上半月）"},
		{halves, "2027-01-H1", "2027年还没有到"},
		{halves, "2026-11", "此处按半月选择"},
		{months, "2026-11-H1", "此处按整月选择"},
		{months, "2027-01", "2027年还没有到"},
		{months, "2026-12", ""},
		{both, "2026-12", ""},
		{both, "2026-12-H2", "不能晚于本半月"},
		{both, "2021-05-H1", ""},
		{future, "2027-01", ""},
	} {
		p, err := sanlian.ParsePeriod(c.id)
		if err != nil {
			t.Fatal(err)
		}
		err = c.rule.Check(p, now)
		if c.err == "" && err != nil {
			t.Errorf("%+v.Check(%s) = %v", c.rule, c.id, err)
		}
		if c.err != "" && (sanlian.ErrorCode(err) != sanlian.EINVALID || !strings.Contains(sanlian.ErrorMessage(err), c.err)) {
			t.Errorf("%+v.Check(%s) = %v; want %q", c.rule, c.id, err, c.err)
		}
	}
}
