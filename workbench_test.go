package sanlian_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"sanlian"
)

func TestProjectStalled(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      sanlian.Project
		today  string
		stalls bool
	}{
		{"NoProgressForStalledDays", sanlian.Project{Status: sanlian.ProjectOngoing, StartDate: "2021-01-01", LastProgress: "2021-05-01"}, "2021-05-31", true},
		{"OneDayShort", sanlian.Project{Status: sanlian.ProjectOngoing, StartDate: "2021-01-01", LastProgress: "2021-05-02"}, "2021-05-31", false},
		{"StartCountsBeforeAnyEntry", sanlian.Project{Status: sanlian.ProjectOngoing, StartDate: "2021-04-01"}, "2021-05-31", true},
		{"RecentStartNoEntry", sanlian.Project{Status: sanlian.ProjectOngoing, StartDate: "2021-05-20"}, "2021-05-31", false},
		{"PlannedNeverStalls", sanlian.Project{Status: sanlian.ProjectPlanned, StartDate: "2021-01-01"}, "2021-05-31", false},
		{"DoneNeverStalls", sanlian.Project{Status: sanlian.ProjectDone, StartDate: "2021-01-01"}, "2021-05-31", false},
		{"SuspendedNeverStalls", sanlian.Project{Status: sanlian.ProjectSuspended, StartDate: "2021-01-01"}, "2021-05-31", false},
		{"NoDates", sanlian.Project{Status: sanlian.ProjectOngoing}, "2021-05-31", false},
		{"BadToday", sanlian.Project{Status: sanlian.ProjectOngoing, StartDate: "2021-01-01"}, "today", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			if got := sanlian.ProjectStalled(&p, c.today); got != c.stalls {
				t.Errorf("ProjectStalled = %v, want %v", got, c.stalls)
			}
			p.MarkDue(c.today)
			if p.Stalled != c.stalls {
				t.Errorf("MarkDue's Stalled = %v, want %v", p.Stalled, c.stalls)
			}
		})
	}
}

func TestScheduleLag(t *testing.T) {
	on := func(progress int, start, end string) *sanlian.Project {
		return &sanlian.Project{Status: sanlian.ProjectOngoing, Progress: progress, StartDate: start, EndDate: end}
	}
	for _, c := range []struct {
		name   string
		p      *sanlian.Project
		today  string
		lag    int
		behind bool
	}{
		{"HalfwayAtHalf", on(50, "2021-01-01", "2021-01-31"), "2021-01-16", 0, false},
		{"HalfwayAtZero", on(0, "2021-01-01", "2021-01-31"), "2021-01-16", 50, true},
		{"JustUnderTheLine", on(26, "2021-01-01", "2021-01-31"), "2021-01-16", 24, false},
		{"OnTheLine", on(25, "2021-01-01", "2021-01-31"), "2021-01-16", 25, true},
		{"Ahead", on(90, "2021-01-01", "2021-01-31"), "2021-01-16", 0, false},
		{"PastEndExpectsAll", on(80, "2021-01-01", "2021-01-31"), "2021-03-01", 20, false},
		{"PastEndFarBehind", on(10, "2021-01-01", "2021-01-31"), "2021-03-01", 90, true},
		{"NotStarted", on(0, "2021-02-01", "2021-03-01"), "2021-01-16", 0, false},
		{"OneDayProject", on(0, "2021-01-01", "2021-01-01"), "2021-01-01", 100, true},
		{"NotOngoing", &sanlian.Project{Status: sanlian.ProjectPlanned, StartDate: "2021-01-01", EndDate: "2021-01-31"}, "2021-01-30", 0, false},
		{"BadDates", on(0, "", "2021-01-31"), "2021-01-16", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sanlian.ScheduleLag(c.p, c.today); got != c.lag {
				t.Errorf("ScheduleLag = %d, want %d", got, c.lag)
			}
			if got := sanlian.ProjectBehind(c.p, c.today); got != c.behind {
				t.Errorf("ProjectBehind = %v, want %v", got, c.behind)
			}
		})
	}
}

func TestCompareHalfMonths(t *testing.T) {
	cur := sanlian.HalfMonthFigures{Received: 40, Resolved: 30, ResolvedOnTime: 27, Callbacks: 20, Satisfied: 19}
	prev := sanlian.HalfMonthFigures{Received: 50, Resolved: 30, ResolvedOnTime: 24, Callbacks: 0}
	got := sanlian.CompareHalfMonths(cur, prev)
	want := []struct {
		measure string
		delta   float64
		trend   string
		better  bool
	}{
		{sanlian.MeasureIntakeSubmitted, -10, sanlian.TrendDown, false},
		{sanlian.MeasureResolved, 0, sanlian.TrendSame, false},
		{sanlian.MeasureResolvedOnTime, 10, sanlian.TrendUp, true}, // 90% against 80%
		{sanlian.MeasureSatisfied, 0, sanlian.TrendNone, false},    // no callbacks last time
	}
	if len(got) != len(want) {
		t.Fatalf("%d comparisons, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Measure != w.measure || g.Delta != w.delta || g.Trend != w.trend || g.Better != w.better {
			t.Errorf("%d: %+v, want %+v", i, g, w)
		}
	}
	if !math.IsNaN(got[3].Previous) || got[3].Current != 0.95 {
		t.Errorf("satisfaction: %+v", got[3])
	}
	// More received is not news either way; fewer resolved is bad.
	got = sanlian.CompareHalfMonths(sanlian.HalfMonthFigures{Received: 60, Resolved: 10, ResolvedOnTime: 5}, prev)
	if got[0].Trend != sanlian.TrendUp || got[0].Better || got[1].Trend != sanlian.TrendDown || got[1].Better || got[2].Delta != -30 {
		t.Errorf("second comparison: %+v", got)
	}
}

func TestPreviousHalf(t *testing.T) {
	for id, want := range map[string]string{"2021-05-H2": "2021-05-H1", "2021-05-H1": "2021-04-H2", "2021-01-H1": "2020-12-H2"} {
		p, _ := sanlian.ParsePeriod(id)
		if got := sanlian.PreviousHalf(p).ID; got != want {
			t.Errorf("PreviousHalf(%s) = %s, want %s", id, got, want)
		}
	}
}

func TestDueSoonBefore(t *testing.T) {
	cal := sanlian.NewCalendar(sanlian.OfficialCalendar())
	// Thursday 2021-05-06 10:00: three working days on is Monday 05-10
	// (Friday 05-07, the make-up Saturday 05-08, Monday 05-10): the list
	// ends at 24:00 that Monday.
	now := time.Date(2021, 5, 6, 10, 0, 0, 0, sanlian.Shanghai)
	if got := sanlian.DueSoonBefore(cal, now); !got.Equal(time.Date(2021, 5, 11, 0, 0, 0, 0, sanlian.Shanghai)) {
		t.Errorf("DueSoonBefore = %v", got)
	}
}

func TestAgeLabel(t *testing.T) {
	now := time.Date(2021, 5, 6, 10, 0, 0, 0, sanlian.Shanghai)
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "不到 1 小时", 5 * time.Hour: "5 小时", 49 * time.Hour: "2 天",
	} {
		if got := sanlian.AgeLabel(now.Add(-d), now); got != want {
			t.Errorf("AgeLabel(%v) = %q, want %q", d, got, want)
		}
	}
	if sanlian.AgeLabel(time.Time{}, now) != "" {
		t.Error("zero time has an age")
	}
}

func TestNoticeDraft(t *testing.T) {
	for _, c := range []struct {
		name string
		p    sanlian.Problem
		want []string
	}{
		{"Unit", sanlian.Problem{Number: "安化-2021-000123", Title: "村道塌方", UnitName: "县交通运输局"},
			[]string{"县交通运输局：", "“村道塌方”（安化-2021-000123）", "红牌督办", "于 2021-05-13 前办结"}},
		{"NoUnitName", sanlian.Problem{Number: "安化-2021-000124", Title: "停水"}, []string{"责任单位：", "“停水”"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := sanlian.NoticeDraft(&c.p, "2021-05-13")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("draft %q lacks %q", got, w)
				}
			}
		})
	}
	// Thursday 2021-05-06: three working days on is Monday 05-10 (the
	// make-up Saturday 05-08 counts).
	cal := sanlian.NewCalendar(sanlian.OfficialCalendar())
	if got := sanlian.NoticeReplyDue(cal, time.Date(2021, 5, 6, 10, 0, 0, 0, sanlian.Shanghai)); got != "2021-05-10" {
		t.Errorf("NoticeReplyDue = %s", got)
	}
}
