package sanlian_test

import (
	"strings"
	"testing"
	"time"

	"sanlian"
)

func TestLookupAllowed(t *testing.T) {
	now := time.Date(2026, 5, 6, 12, 0, 0, 0, sanlian.Shanghai)
	tests := []struct {
		name string
		c    sanlian.LookupCounts
		want string // part of the message; "" for allowed
	}{
		{"first", sanlian.LookupCounts{}, ""},
		{"locked", sanlian.LookupCounts{LockedUntil: now.Add(time.Minute)}, "已锁定"},
		{"lock over", sanlian.LookupCounts{LockedUntil: now}, ""},
		{"a minute apart", sanlian.LookupCounts{LastForPhone: now.Add(-59 * time.Second)}, "1 秒后"},
		{"after a minute", sanlian.LookupCounts{LastForPhone: now.Add(-time.Minute), PhoneToday: 4}, ""},
		{"phone's day", sanlian.LookupCounts{PhoneToday: sanlian.LookupPerPhoneDay}, "今天获取验证码已达 5 次"},
		{"client's hour", sanlian.LookupCounts{ClientHour: sanlian.LookupPerClientHour}, "一小时后"},
		{"county default", sanlian.LookupCounts{CountyToday: sanlian.DefaultLookupCountyDay}, "已发完"},
		{"county under its own", sanlian.LookupCounts{CountyToday: 2500, CountyMax: 3000}, ""},
		{"county's own", sanlian.LookupCounts{CountyToday: 10, CountyMax: 10}, "已发完"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sanlian.LookupAllowed(now, tt.c)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if sanlian.ErrorCode(err) != sanlian.ETOOMANY || !strings.Contains(sanlian.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLookupUsable(t *testing.T) {
	now := time.Date(2026, 5, 6, 12, 0, 0, 0, sanlian.Shanghai)
	tests := []struct {
		name string
		c    sanlian.LookupCodeState
		want string
	}{
		{"fresh", sanlian.LookupCodeState{Expires: now.Add(time.Second)}, ""},
		{"used", sanlian.LookupCodeState{Expires: now.Add(time.Minute), Used: true}, "已经使用过"},
		{"expired", sanlian.LookupCodeState{Expires: now}, "已过期"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sanlian.LookupUsable(now, tt.c)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if sanlian.ErrorCode(err) != sanlian.EUNPROCESSABLE || !strings.Contains(sanlian.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLookupWrong(t *testing.T) {
	now := time.Date(2026, 5, 6, 12, 0, 0, 0, sanlian.Shanghai)
	tests := []struct {
		before, keep int
		lock         bool
		want         string
	}{
		{0, 1, false, "还可以再试 4 次"},
		{3, 4, false, "还可以再试 1 次"},
		{4, 0, true, "已锁定，请于 12:30 后再试"},
	}
	for _, tt := range tests {
		keep, until, err := sanlian.LookupWrong(now, tt.before)
		if keep != tt.keep || (!until.IsZero()) != tt.lock || !strings.Contains(sanlian.ErrorMessage(err), tt.want) {
			t.Errorf("after %d wrong: keep %d until %v err %v", tt.before, keep, until, err)
		}
		if tt.lock && (!until.Equal(now.Add(sanlian.LookupLock)) || sanlian.ErrorCode(err) != sanlian.ETOOMANY) {
			t.Errorf("lock: %v %v", until, err)
		}
	}
}

func TestLookupWrongCount(t *testing.T) {
	now := time.Date(2026, 5, 6, 12, 0, 0, 0, sanlian.Shanghai)
	for _, tt := range []struct {
		wrong int
		last  time.Time
		want  int
	}{
		{3, now.Add(-time.Hour), 3},
		{3, now.Add(-sanlian.LookupWrongWindow), 0},
		{0, now, 0},
	} {
		if got := sanlian.LookupWrongCount(now, tt.wrong, tt.last); got != tt.want {
			t.Errorf("%d wrong, last %v: %d, want %d", tt.wrong, tt.last, got, tt.want)
		}
	}
}

func TestLookupCode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := sanlian.NewLookupCode()
		if sanlian.NormalizeLookupCode(c) != c {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct codes of 200", len(seen))
	}
	for in, want := range map[string]string{"123456": "123456", " 123 456 ": "123456", "１２３４５６": "123456",
		"12345": "", "1234567": "", "12345a": "", "": ""} {
		if got := sanlian.NormalizeLookupCode(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
