package sanlian_test

import (
	"testing"

	"sanlian"
)

func TestGrantNeedsApproval(t *testing.T) {
	base := sanlian.User{ID: 7, Role: sanlian.RoleCadre, UnitID: 1, CadreID: 2, DisplayName: "甲"}
	with := func(f func(u *sanlian.User)) *sanlian.User { u := base; f(&u); return &u }
	for _, r := range sanlian.Roles {
		if !sanlian.GrantNeedsApproval(nil, &sanlian.User{Role: r}) {
			t.Errorf("creating a %s account needs no approval", r)
		}
	}
	for _, tc := range []struct {
		name string
		new  *sanlian.User
		want sanlian.GrantKind
	}{
		{"role", with(func(u *sanlian.User) { u.Role = sanlian.RoleOffice }), sanlian.GrantRole},
		{"unit", with(func(u *sanlian.User) { u.UnitID = 3 }), sanlian.GrantUnit},
		{"unit cleared", with(func(u *sanlian.User) { u.UnitID = 0 }), sanlian.GrantUnit},
		{"cadre", with(func(u *sanlian.User) { u.CadreID = 9 }), sanlian.GrantCadre},
		{"name only", with(func(u *sanlian.User) { u.DisplayName = "乙" }), ""},
	} {
		if got := sanlian.GrantKindOf(&base, tc.new); got != tc.want {
			t.Errorf("%s: kind %q, want %q", tc.name, got, tc.want)
		}
		if got := sanlian.GrantNeedsApproval(&base, tc.new); got != (tc.want != "") {
			t.Errorf("%s: needs approval %v", tc.name, got)
		}
	}
}

func TestMayApprove(t *testing.T) {
	sys, sec, aud, off := sanlian.RoleSysadmin, sanlian.RoleSecadmin, sanlian.RoleAuditor, sanlian.RoleOffice
	for _, tc := range []struct {
		requester, approver sanlian.Role
		ok                  bool
	}{
		{sys, sec, true}, {sec, sys, true},
		{sys, sys, false}, {sec, sec, false}, // same kind
		{sys, aud, false}, {aud, sys, false}, {aud, sec, false}, // the auditor neither asks nor decides
		{sys, off, false}, {off, sec, false}, {off, sys, false},
	} {
		err := sanlian.MayApprove(tc.requester, tc.approver)
		if (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v", tc.requester, tc.approver, err)
		}
		if err != nil && sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
			t.Errorf("%s → %s: code %s", tc.requester, tc.approver, sanlian.ErrorCode(err))
		}
	}
	for _, r := range sanlian.Roles {
		err := sanlian.MayRequestGrant(r)
		if (err == nil) != (r == sys || r == sec) {
			t.Errorf("MayRequestGrant(%s) = %v", r, err)
		}
	}
}

func TestMayDecide(t *testing.T) {
	g := &sanlian.GrantRequest{UserID: 9, RequestedBy: 1, RequesterRole: sanlian.RoleSysadmin, State: sanlian.GrantPending}
	sec := &sanlian.User{ID: 2, Role: sanlian.RoleSecadmin}
	if err := sanlian.MayDecide(g, sec); err != nil {
		t.Fatalf("the other kind: %v", err)
	}
	for name, tc := range map[string]struct {
		g    sanlian.GrantRequest
		u    *sanlian.User
		code string
		msg  string
	}{
		"own request":    {*g, &sanlian.User{ID: 1, Role: sanlian.RoleSecadmin}, sanlian.EFORBIDDEN, "不能审批自己提出的申请"},
		"same kind":      {*g, &sanlian.User{ID: 3, Role: sanlian.RoleSysadmin}, sanlian.EFORBIDDEN, "授权申请须由另一类管理员审批：系统管理员提出的申请不能由系统管理员批准"},
		"own account":    {*g, &sanlian.User{ID: 9, Role: sanlian.RoleSecadmin}, sanlian.EFORBIDDEN, "不能审批给自己账号的授权"},
		"decided":        {func() sanlian.GrantRequest { x := *g; x.State = sanlian.GrantApproved; return x }(), sec, sanlian.ECONFLICT, "该申请已处理（已批准），不能再审批"},
		"auditor decide": {*g, &sanlian.User{ID: 4, Role: sanlian.RoleAuditor}, sanlian.EFORBIDDEN, "只有系统管理员或安全管理员可以审批授权申请"},
	} {
		err := sanlian.MayDecide(&tc.g, tc.u)
		if sanlian.ErrorCode(err) != tc.code || sanlian.ErrorMessage(err) != tc.msg {
			t.Errorf("%s: %s %q", name, sanlian.ErrorCode(err), sanlian.ErrorMessage(err))
		}
	}
	if err := sanlian.MayWithdraw(g, sec); sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
		t.Errorf("withdraw by another: %v", err)
	}
	if err := sanlian.MayWithdraw(g, &sanlian.User{ID: 1}); err != nil {
		t.Errorf("withdraw by requester: %v", err)
	}
}

func TestMayResetPassword(t *testing.T) {
	sys := &sanlian.User{ID: 1, Role: sanlian.RoleSysadmin}
	for _, tc := range []struct {
		target *sanlian.User
		ok     bool
	}{
		{&sanlian.User{ID: 2, Role: sanlian.RoleSecadmin}, false}, // would let the sysadmin act as the secadmin
		{&sanlian.User{ID: 3, Role: sanlian.RoleAuditor}, false},
		{&sanlian.User{ID: 4, Role: sanlian.RoleSysadmin}, false},
		{sys, true},
		{&sanlian.User{ID: 5, Role: sanlian.RoleOffice}, true},
		{&sanlian.User{ID: 6, Role: sanlian.RoleCadre}, true},
	} {
		if err := sanlian.MayResetPassword(sys, tc.target); (err == nil) != tc.ok {
			t.Errorf("reset %s #%d: %v", tc.target.Role, tc.target.ID, err)
		}
	}
}
