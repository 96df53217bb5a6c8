package sanlian

import (
	"reflect"
	"testing"
	"time"
)

func TestDaysSinceVisit(t *testing.T) {
	// 2026-12-07 01:00 Shanghai is still 2026-12-06 in UTC.
	now := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		last string
		want int
	}{
		{"", -1},
		{"not a date", -1},
		{"2026-12-07", 0},
		{"2026-12-06", 1},
		{"2026-11-07", 30},
		{"2025-12-07", 365},
		{"2026-12-09", 0}, // dated ahead of the clock
	} {
		if got := DaysSinceVisit(tc.last, now); got != tc.want {
			t.Errorf("DaysSinceVisit(%q) = %d, want %d", tc.last, got, tc.want)
		}
	}
}

func TestVisitAgeLabel(t *testing.T) {
	for days, want := range map[int]string{-1: "从未走访", 0: "今天", 12: "12 天前"} {
		if got := VisitAgeLabel(days); got != want {
			t.Errorf("VisitAgeLabel(%d) = %q, want %q", days, got, want)
		}
	}
}

func TestFinishLinkedHouseholds(t *testing.T) {
	now := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	tag := []Tag{{Kind: TagKeyGroup}}
	h := func(id int64, tags []Tag, last string) *LinkedHousehold {
		return &LinkedHousehold{Household: &Household{ID: id, Tags: tags}, LastVisit: last}
	}
	hs := []*LinkedHousehold{
		h(1, nil, "2026-12-01"),
		h(2, tag, "2026-12-06"),
		h(3, nil, ""),
		h(4, tag, ""),
		h(5, tag, "2026-10-01"),
		h(6, nil, "2026-11-01"),
		h(7, nil, "2026-11-01"),
	}
	FinishLinkedHouseholds(hs, now)
	var ids []int64
	for _, x := range hs {
		ids = append(ids, x.Household.ID)
	}
	if want := []int64{4, 5, 2, 3, 6, 7, 1}; !reflect.DeepEqual(ids, want) {
		t.Errorf("order = %v, want %v", ids, want)
	}
	if hs[0].DaysSince != -1 || hs[0].VisitAge() != "从未走访" || hs[2].DaysSince != 1 {
		t.Errorf("days = %d, %d", hs[0].DaysSince, hs[2].DaysSince)
	}
}

func TestAuditWindows(t *testing.T) {
	today, week := AuditWindows(time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 12, 7, 0, 0, 0, 0, Shanghai); !today.Equal(want) {
		t.Errorf("today = %v, want %v", today, want)
	}
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, Shanghai); !week.Equal(want) {
		t.Errorf("week = %v, want %v", week, want)
	}
}

func TestAccountLockedAt(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		until time.Time
		want  bool
	}{{time.Time{}, false}, {now.Add(-time.Minute), false}, {now.Add(time.Minute), true}} {
		if got := AccountLockedAt(&User{LockedUntil: tc.until}, now); got != tc.want {
			t.Errorf("locked until %v = %v, want %v", tc.until, got, tc.want)
		}
	}
}
