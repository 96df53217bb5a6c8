package sqldb_test

import (
	"context"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// login opens a session of username (password sqldbtest.Password unless
// given) and returns its token.
func login(t *testing.T, db *sqldb.DB, username string, password ...string) string {
	t.Helper()
	pw := sqldbtest.Password
	if len(password) > 0 {
		pw = password[0]
	}
	s, _, err := db.Accounts.Login(context.Background(), username, pw, "api")
	MustOK(t, err)
	return s.Token
}

// TestGrant_CreateNeedsSecondAdmin is finding 1: a system administrator
// who creates an office account gets an account that cannot log in (so
// cannot reveal anything) until a security administrator approves it; the
// office creates no accounts at all.
func TestGrant_CreateNeedsSecondAdmin(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		sys, sec := sqldbtest.As(users["sysadmin"]), sqldbtest.As(users["secadmin"])
		u := &sanlian.User{Username: "boss", DisplayName: "自封主任", Role: sanlian.RoleOffice}
		MustOK(t, db.Accounts.CreateUser(sys, u, "A-good-passw0rd"))
		if !u.Pending || !u.Disabled {
			t.Fatalf("created from the web: %+v, want pending and disabled", u)
		}
		_, _, err := db.Accounts.Login(ctx, "boss", "A-good-passw0rd", "api")
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		_, err = db.Accounts.SetDisabled(sys, u.ID, u.Version, false)
		MustCode(t, err, sanlian.ECONFLICT)
		err = db.Accounts.CreateUser(sqldbtest.As(users["office"]), &sanlian.User{Username: "boss2", Role: sanlian.RoleSysadmin}, "A-good-passw0rd")
		MustCode(t, err, sanlian.EFORBIDDEN)

		gs, err := db.Accounts.FindGrants(sec, sanlian.GrantFilter{State: sanlian.GrantPending})
		MustOK(t, err)
		if len(gs) != 1 || gs[0].UserID != u.ID || gs[0].Kind != sanlian.GrantCreate || gs[0].RequesterName != "sysadmin" || gs[0].Role != sanlian.RoleOffice {
			t.Fatalf("pending grants = %+v", gs)
		}
		_, err = db.Accounts.ApproveGrant(sys, gs[0].ID, "")
		MustCode(t, err, sanlian.EFORBIDDEN) // its own request
		g, err := db.Accounts.ApproveGrant(sec, gs[0].ID, "核实为县办新任主任")
		MustOK(t, err)
		if g.State != sanlian.GrantApproved || g.DeciderName != "secadmin" || g.DecidedAt.IsZero() {
			t.Errorf("approved = %+v", g)
		}
		tok := login(t, db, "boss", "A-good-passw0rd")
		got, err := db.Accounts.Authenticate(ctx, tok)
		MustOK(t, err)
		if got.Role != sanlian.RoleOffice {
			t.Errorf("approved account = %+v", got)
		}
		_, err = db.Accounts.ApproveGrant(sec, gs[0].ID, "")
		MustCode(t, err, sanlian.ECONFLICT) // decided already
		for _, a := range []string{"grant_request", "grant_approve", "grant_apply"} {
			es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Action: a})
			MustOK(t, err)
			if len(es) != 1 {
				t.Errorf("audit %s: %d rows", a, len(es))
			}
		}
	})
}

// TestGrant_Approvers: one's own request, the same kind of administrator,
// the auditor and the grant's own account are all refused, with nothing
// changed.
func TestGrant_Approvers(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		sysctx := sanlian.NewSystemContext(context.Background())
		sys2 := &sanlian.User{Username: "sysadmin2", Role: sanlian.RoleSysadmin}
		MustOK(t, db.Accounts.CreateUser(sysctx, sys2, "A-good-passw0rd"))
		sec, cadre := users["secadmin"], users["cadre"]
		g, err := db.Accounts.RequestGrant(sqldbtest.As(sec), cadre.ID, sanlian.GrantChange{Role: ptr(sanlian.RoleUnitAdmin), UnitID: ptr(int64(1)), Version: 1})
		MustOK(t, err)
		if g.Kind != sanlian.GrantRole || g.OldRole != sanlian.RoleCadre || g.RequesterRole != sanlian.RoleSecadmin {
			t.Fatalf("request = %+v", g)
		}
		for name, tc := range map[string]struct {
			who  *sanlian.User
			code string
			msg  string
		}{
			"own request": {sec, sanlian.EFORBIDDEN, "不能审批自己提出的申请"},
			"auditor":     {users["auditor"], sanlian.EFORBIDDEN, "只有系统管理员或安全管理员可以审批授权申请"},
			"office":      {users["office"], sanlian.EFORBIDDEN, "只有系统管理员或安全管理员可以审批授权申请"},
		} {
			_, err := db.Accounts.ApproveGrant(sqldbtest.As(tc.who), g.ID, "")
			if sanlian.ErrorCode(err) != tc.code || sanlian.ErrorMessage(err) != tc.msg {
				t.Errorf("%s: %s %q", name, sanlian.ErrorCode(err), sanlian.ErrorMessage(err))
			}
		}
		// A security administrator's request for the other one's role:
		// only a system administrator decides it.
		sec2 := &sanlian.User{Username: "secadmin2", Role: sanlian.RoleSecadmin}
		MustOK(t, db.Accounts.CreateUser(sysctx, sec2, "A-good-passw0rd"))
		g2, err := db.Accounts.RequestGrant(sqldbtest.As(users["sysadmin"]), users["auditor"].ID, sanlian.GrantChange{Role: ptr(sanlian.RoleSecadmin), Version: 1})
		MustOK(t, err)
		_, err = db.Accounts.ApproveGrant(sqldbtest.As(sys2), g2.ID, "")
		MustCode(t, err, sanlian.EFORBIDDEN) // same kind as the requester
		if sanlian.ErrorMessage(err) != "授权申请须由另一类管理员审批：系统管理员提出的申请不能由系统管理员批准" {
			t.Errorf("same kind: %q", sanlian.ErrorMessage(err))
		}
		// Nothing changed.
		u, err := db.Accounts.FindUserByID(sqldbtest.As(users["sysadmin"]), cadre.ID)
		MustOK(t, err)
		if u.Role != sanlian.RoleCadre || u.Version != 1 {
			t.Errorf("account after refused approvals: %+v", u)
		}
		// A second request on the same account waits for the first.
		_, err = db.Accounts.RequestGrant(sqldbtest.As(users["sysadmin"]), cadre.ID, sanlian.GrantChange{CadreID: ptr(int64(6)), Version: 1})
		MustCode(t, err, sanlian.ECONFLICT)
		// Refusing needs a reason; the requester withdraws, nobody else.
		_, err = db.Accounts.RefuseGrant(sqldbtest.As(users["sysadmin"]), g.ID, "  ")
		MustField(t, err, "reason")
		_, err = db.Accounts.WithdrawGrant(sqldbtest.As(users["sysadmin"]), g.ID)
		MustCode(t, err, sanlian.EFORBIDDEN)
		r, err := db.Accounts.RefuseGrant(sqldbtest.As(users["sysadmin"]), g.ID, "该干部不担任单位管理员")
		MustOK(t, err)
		if r.State != sanlian.GrantRefused || r.Reason != "该干部不担任单位管理员" {
			t.Errorf("refused = %+v", r)
		}
		_, err = db.Accounts.WithdrawGrant(sqldbtest.As(sec), g.ID)
		MustCode(t, err, sanlian.ECONFLICT)
		// Nothing to change, and the auditor asks for nothing.
		_, err = db.Accounts.RequestGrant(sqldbtest.As(users["sysadmin"]), cadre.ID, sanlian.GrantChange{Role: ptr(sanlian.RoleCadre), Version: 1})
		MustField(t, err, "role")
		_, err = db.Accounts.RequestGrant(sqldbtest.As(users["auditor"]), cadre.ID, sanlian.GrantChange{Role: ptr(sanlian.RoleOffice), Version: 1})
		MustCode(t, err, sanlian.EFORBIDDEN)
		for _, who := range []string{"auditor", "office", "unitadmin"} {
			_, err = db.Accounts.FindGrants(sqldbtest.As(users[who]), sanlian.GrantFilter{})
			MustCode(t, err, sanlian.EFORBIDDEN)
		}
	})
}

// TestGrant_ApplyEndsSessions: a role change is only stored in the
// request until approved; the approval applies it and ends the
// account's sessions; an approval of an account changed since the
// request is a conflict.
func TestGrant_ApplyEndsSessions(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		sys, sec := sqldbtest.As(users["sysadmin"]), sqldbtest.As(users["secadmin"])
		tok := login(t, db, "cadre")
		g, err := db.Accounts.RequestGrant(sys, users["cadre"].ID, sanlian.GrantChange{UnitID: ptr(int64(3)), Version: 1})
		MustOK(t, err)
		if g.Kind != sanlian.GrantUnit {
			t.Errorf("kind %s", g.Kind)
		}
		u, err := db.Accounts.Authenticate(ctx, tok)
		MustOK(t, err)
		if u.UnitID != 1 {
			t.Errorf("unit before approval %d", u.UnitID)
		}
		g, err = db.Accounts.ApproveGrant(sec, g.ID, "")
		MustOK(t, err)
		if g.State != sanlian.GrantApproved {
			t.Errorf("approved request in state %q", g.State)
		}
		_, err = db.Accounts.Authenticate(ctx, tok)
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		u, err = db.Accounts.FindUserByID(sys, users["cadre"].ID)
		MustOK(t, err)
		if u.UnitID != 3 || u.Version != 2 {
			t.Errorf("after approval %+v", u)
		}

		// Stale: the account is disabled after the request.
		g, err = db.Accounts.RequestGrant(sec, users["unitadmin"].ID, sanlian.GrantChange{Role: ptr(sanlian.RoleOffice), Version: 1})
		MustOK(t, err)
		_, err = db.Accounts.SetDisabled(sys, users["unitadmin"].ID, 1, true)
		MustOK(t, err)
		_, err = db.Accounts.ApproveGrant(sys, g.ID, "")
		MustCode(t, err, sanlian.ECONFLICT)
		u, err = db.Accounts.FindUserByID(sys, users["unitadmin"].ID)
		MustOK(t, err)
		if u.Role != sanlian.RoleUnitAdmin {
			t.Errorf("stale approval applied: %+v", u)
		}
		// A stale request is refused at once.
		_, err = db.Accounts.RequestGrant(sec, users["unitadmin"].ID, sanlian.GrantChange{Role: ptr(sanlian.RoleOffice), Version: 1})
		MustCode(t, err, sanlian.ECONFLICT)
	})
}

// TestAccountAdmin: disable, reset, unlock and sessions, each ending what
// it must at once.
func TestAccountAdmin(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		sys := sqldbtest.As(users["sysadmin"])
		raw := MustRaw(t, db)
		id := users["cadre"].ID
		t.Run("Disable", func(t *testing.T) {
			web, api := login(t, db, "cadre"), login(t, db, "cadre")
			u, err := db.Accounts.SetDisabled(sys, id, 1, true)
			MustOK(t, err)
			for _, tok := range []string{web, api} {
				_, err = db.Accounts.Authenticate(ctx, tok)
				MustCode(t, err, sanlian.EUNAUTHORIZED)
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM sessions WHERE user_id = 4"); n != 0 {
				t.Errorf("%d sessions left", n)
			}
			_, _, err = db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			_, err = db.Accounts.SetDisabled(sys, id, 1, false)
			MustCode(t, err, sanlian.ECONFLICT) // stale
			_, err = db.Accounts.SetDisabled(sqldbtest.As(users["secadmin"]), id, u.Version, false)
			MustCode(t, err, sanlian.EFORBIDDEN)
			_, err = db.Accounts.SetDisabled(sys, users["sysadmin"].ID, 1, true)
			MustCode(t, err, sanlian.EFORBIDDEN) // not oneself
			_, err = db.Accounts.SetDisabled(sys, id, u.Version, false)
			MustOK(t, err)
			login(t, db, "cadre")
		})
		t.Run("Reset", func(t *testing.T) {
			old := login(t, db, "cadre")
			u, err := db.Accounts.FindUserByID(sys, id)
			MustOK(t, err)
			pw, err := db.Accounts.ResetPassword(sys, id, u.Version)
			MustOK(t, err)
			if len(pw) != 16 {
				t.Errorf("one-time password %q", pw)
			}
			_, err = db.Accounts.Authenticate(ctx, old)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM users WHERE id = 4 AND must_change_password"); n != 1 {
				t.Error("must_change_password not set")
			}
			_, _, err = db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			login(t, db, "cadre", pw)
			_, err = db.Accounts.ResetPassword(sys, id, u.Version)
			MustCode(t, err, sanlian.ECONFLICT)
			_, err = db.Accounts.ResetPassword(sys, 999, 1)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Accounts.ResetPassword(sys, users["secadmin"].ID, 1)
			MustCode(t, err, sanlian.EFORBIDDEN) // else the sysadmin could log in as the secadmin
		})
		t.Run("LockedTokenAndUnlock", func(t *testing.T) {
			tok := login(t, db, "cadre5")
			for range 5 {
				_, _, err := db.Accounts.Login(ctx, "cadre5", "wrong-password", "web")
				MustCode(t, err, sanlian.EUNAUTHORIZED)
			}
			_, err := db.Accounts.Authenticate(ctx, tok)
			MustCode(t, err, sanlian.EUNAUTHORIZED) // the earlier token stops while locked
			u, err := db.Accounts.FindUserByID(sys, users["cadre5"].ID)
			MustOK(t, err)
			if u.LockedUntil.IsZero() {
				t.Fatal("not locked")
			}
			_, err = db.Accounts.Unlock(sqldbtest.As(users["office"]), u.ID, u.Version)
			MustCode(t, err, sanlian.EFORBIDDEN)
			u, err = db.Accounts.Unlock(sys, u.ID, u.Version)
			MustOK(t, err)
			if !u.LockedUntil.IsZero() {
				t.Errorf("still locked until %v", u.LockedUntil)
			}
			_, err = db.Accounts.Authenticate(ctx, tok)
			MustOK(t, err)
			login(t, db, "cadre5")
		})
		t.Run("Sessions", func(t *testing.T) {
			a, b := login(t, db, "leader"), login(t, db, "leader")
			ss, err := db.Accounts.FindUserSessions(sys, users["leader"].ID)
			MustOK(t, err)
			if len(ss) != 2 {
				t.Fatalf("%d sessions", len(ss))
			}
			MustCode(t, db.Accounts.EndUserSession(sys, users["cadre"].ID, ss[0].ID), sanlian.ENOTFOUND) // not that account's
			MustOK(t, db.Accounts.EndUserSession(sys, users["leader"].ID, ss[0].ID))
			_, errA := db.Accounts.Authenticate(ctx, a)
			_, errB := db.Accounts.Authenticate(ctx, b)
			if (errA == nil) == (errB == nil) {
				t.Errorf("one session should have ended: %v, %v", errA, errB)
			}
			_, err = db.Accounts.FindUserSessions(sqldbtest.As(users["secadmin"]), users["leader"].ID)
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
		for _, a := range []string{"disable", "enable", "reset_password", "unlock", "end_session"} {
			es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Action: a})
			MustOK(t, err)
			if len(es) == 0 || es[0].Actor != "sysadmin" {
				t.Errorf("audit %s: %+v", a, es)
			}
		}
	})
}

// TestCadreMove_ScopeFollows: a cadre moved to another unit takes their
// account's scope along (sessions ended), and the problems they handled
// in the old unit show there as 待重新分派.
func TestCadreMove_ScopeFollows(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		clockAt(db, "2021-04-30 10:00")
		p1 := act(t, db, users["office"], newProblem(t, db, users["office"], "路灯坏了"), sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		p2 := act(t, db, users["office"], newProblem(t, db, users["office"], "水渠堵了"), sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 2, PersonID: 3})
		admin := sqldbtest.As(users["unitadmin"])
		count := func() []int64 {
			ps, _, err := db.Problems.FindProblems(admin, sanlian.ProblemFilter{Reassign: true})
			MustOK(t, err)
			return problemIDs(ps)
		}
		if got := count(); len(got) != 0 {
			t.Fatalf("before the move: %v", got)
		}
		tok := login(t, db, "cadre")
		c, err := db.Org.FindCadreByID(sqldbtest.As(users["office"]), 2)
		MustOK(t, err)
		_, err = db.Org.UpdateCadre(sqldbtest.As(users["office"]), 2, sanlian.CadreUpdate{UnitID: ptr(int64(3)), Version: c.Version})
		MustOK(t, err)
		_, err = db.Accounts.Authenticate(ctx, tok)
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		u, err := db.Accounts.FindUserByID(sqldbtest.As(users["sysadmin"]), users["cadre"].ID)
		MustOK(t, err)
		if u.UnitID != 3 {
			t.Errorf("account unit %d, want 3", u.UnitID)
		}
		if got := count(); len(got) != 1 || got[0] != p1.ID {
			t.Errorf("待重新分派 = %v, want [%d] (not %d)", got, p1.ID, p2.ID)
		}
		counts, err := db.Problems.CountProblemsByState(admin, sanlian.ProblemFilter{Reassign: true})
		MustOK(t, err)
		n := 0
		for _, c := range counts {
			n += c.Count
		}
		if n != 1 {
			t.Errorf("counted %d", n)
		}
		// The new unit's admin sees none of the old unit's problems as its own.
		ps, _, err := db.Problems.FindProblems(sqldbtest.As(&sanlian.User{ID: 99, Username: "x", Role: sanlian.RoleUnitAdmin, UnitID: 3}), sanlian.ProblemFilter{Reassign: true})
		MustOK(t, err)
		if len(ps) != 0 {
			t.Errorf("new unit sees %v", problemIDs(ps))
		}
		// Reassigned: no longer flagged.
		p1, err = db.Problems.FindProblemByID(sqldbtest.As(users["office"]), p1.ID)
		MustOK(t, err)
		act(t, db, users["unitadmin"], p1, sanlian.ActionAssign, sanlian.ActionRequest{PersonID: 6})
		if got := count(); len(got) != 0 {
			t.Errorf("after reassigning: %v", got)
		}
		es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Action: "scope_follow"})
		MustOK(t, err)
		if len(es) != 1 || es[0].EntityID != "4" {
			t.Errorf("scope_follow audit = %+v", es)
		}
	})
}
