package sanlian_test

import (
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
