package sanlian

import (
	"strings"
	"testing"
	"time"
)

func TestCheckPassword(t *testing.T) {
	p := DefaultPasswordPolicy()
	last := map[string]bool{"Old-passw0rd-1": true}
	reused := func(pw string) bool { return last[pw] }
	for _, tc := range []struct {
		name, pw, want string // want: a part of the field error, "" for accepted
	}{
		{"8 spaces", "        ", "只由空格"},
		{"12345678", "12345678", "至少 10 位"},
		{"password", "password", "至少 10 位"},
		{"2 classes", "abcdefgh12", "至少 3 类"},
		{"username", "Zhang.San-2021", "用户名"},
		{"username any case", "xZHANG.SANx9", "用户名"},
		{"username reversed", "Nas.gnahz-2021", "用户名"},
		{"common", "Qwerty123456", "常见密码"},
		{"common Chinese pattern", "Woaini1314", "常见密码"},
		{"not quite common", "Woaini1314!", ""},
		{"one of the last 5", "Old-passw0rd-1", "最近 5 次"},
		{"too long", strings.Repeat("Aa1!", 65), "过长"},
		{"empty", "", "请填写"},
		{"OK", "Sanlian@2021", ""},
		{"OK test fixtures", "password-123", ""},
		{"OK Chinese other class", "春天Spring2021", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword(p, "zhang.san", tc.pw, "new", reused)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v %v", err, ErrorFields(err))
				}
				return
			}
			if ErrorCode(err) != EUNPROCESSABLE {
				t.Fatalf("err = %v, want a field error", err)
			}
			if msg := ErrorFields(err)["new"]; !strings.Contains(msg, tc.want) {
				t.Errorf("field error on new = %q, want it to say %q", msg, tc.want)
			}
		})
	}
	t.Run("HistoryOff", func(t *testing.T) {
		q := p
		q.History = 0
		if err := CheckPassword(q, "zhang.san", "Old-passw0rd-1", "password", reused); err != nil {
			t.Errorf("history 0 still refused: %v", err)
		}
	})
}

// TestCheckPassword_Common checks the shipped list: its size and some of
// its entries, among them the Chinese patterns added to it.
func TestCheckPassword_Common(t *testing.T) {
	n := len(commonPasswords())
	if n < 10000 || n > 10100 {
		t.Errorf("common passwords = %d, want about 10,000", n)
	}
	for _, pw := range []string{"123456", "password", "qwerty", "woaini1314", "qq123456", "a123456", "1qaz2wsx", "PASSWORD", " iloveyou "} {
		if !IsCommonPassword(pw) {
			t.Errorf("%q not common", pw)
		}
	}
	for _, pw := range []string{"Sanlian@2021", "password-123", "xk29-Tq81-zz"} {
		if IsCommonPassword(pw) {
			t.Errorf("%q common", pw)
		}
	}
}

func TestPasswordPolicy_Validate(t *testing.T) {
	if err := DefaultPasswordPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	for field, p := range map[string]PasswordPolicy{
		"min_length":  {MinLength: 6, MinClasses: 3},
		"min_classes": {MinLength: 10, MinClasses: 5},
		"history":     {MinLength: 10, MinClasses: 3, History: -1},
		"expiry_days": {MinLength: 10, MinClasses: 3, ExpiryDays: -2},
	} {
		if _, ok := ErrorFields(p.Validate())[field]; !ok {
			t.Errorf("%+v: no error on %s", p, field)
		}
	}
}

func TestPasswordPolicy_Expired(t *testing.T) {
	changed := time.Date(2021, 1, 1, 9, 0, 0, 0, time.UTC)
	p := DefaultPasswordPolicy()
	if p.Expired(changed, changed.AddDate(5, 0, 0)) {
		t.Error("expiry is off by default")
	}
	p.ExpiryDays = 90
	if p.Expired(changed, changed.AddDate(0, 0, 89)) {
		t.Error("expired a day early")
	}
	if !p.Expired(changed, changed.AddDate(0, 0, 90)) {
		t.Error("not expired after 90 days")
	}
}
