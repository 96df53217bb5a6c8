package sanlian

import (
	"testing"
	"time"
)

func TestTOTPStep(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	now := time.Date(2021, 5, 10, 9, 0, 10, 0, time.UTC)
	step := now.Unix() / TOTPPeriod
	code, err := TOTPCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		got, ok := TOTPStep(secret, code, now, 0)
		if !ok || got != step {
			t.Errorf("step = %d %v, want %d", got, ok, step)
		}
	})
	t.Run("Skew", func(t *testing.T) {
		prev, _ := TOTPCode(secret, now.Add(-TOTPPeriod*time.Second))
		if got, ok := TOTPStep(secret, prev, now, 0); !ok || got != step-1 {
			t.Errorf("previous step's code: %d %v", got, ok)
		}
		old, _ := TOTPCode(secret, now.Add(-3*TOTPPeriod*time.Second))
		if _, ok := TOTPStep(secret, old, now, 0); ok {
			t.Error("a code three steps old was accepted")
		}
	})
	t.Run("ErrReplay", func(t *testing.T) {
		if _, ok := TOTPStep(secret, code, now, step); ok {
			t.Error("the same step was accepted twice")
		}
		prev, _ := TOTPCode(secret, now.Add(-TOTPPeriod*time.Second))
		if _, ok := TOTPStep(secret, prev, now, step); ok {
			t.Error("an older step was accepted after a newer one")
		}
	})
	t.Run("ErrWrong", func(t *testing.T) {
		for _, c := range []string{"", "12345", "1234567", "abcdef"} {
			if _, ok := TOTPStep(secret, c, now, 0); ok {
				t.Errorf("%q accepted", c)
			}
		}
	})
}

func TestRestriction(t *testing.T) {
	req := []Role{RoleOffice, RoleSysadmin}
	for _, tc := range []struct {
		u    User
		want string
	}{
		{User{Role: RoleCadre}, ""},
		{User{Role: RoleOffice}, ETOTPENROL},
		{User{Role: RoleOffice, TOTPEnabled: true}, ""},
		{User{Role: RoleCadre, MustChangePassword: true}, EPASSWORDCHANGE},
		{User{Role: RoleOffice, MustChangePassword: true}, EPASSWORDCHANGE},
	} {
		if got := Restriction(&tc.u, req); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.u, got, tc.want)
		}
	}
	if got := Restriction(&User{Role: RoleOffice}, nil); got != "" {
		t.Errorf("none required: %q", got)
	}
}

func TestParseRoles(t *testing.T) {
	rs, err := ParseRoles("office, sysadmin,secadmin,office")
	if err != nil || len(rs) != 3 {
		t.Errorf("ParseRoles = %v %v", rs, err)
	}
	if rs, err := ParseRoles("none"); err != nil || rs != nil {
		t.Errorf("none = %v %v", rs, err)
	}
	if _, err := ParseRoles("office,boss"); ErrorCode(err) != EINVALID {
		t.Errorf("unknown role: %v", err)
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	if got := NormalizeRecoveryCode(" ABCDE-fgh 23 "); got != "abcdefgh23" {
		t.Errorf("got %q", got)
	}
}
