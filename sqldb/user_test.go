package sqldb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// Each Login and each CreateUser costs one argon2id hash (~30 ms), so
// these tests log in a few dozen times, not hundreds.

func TestUserService_Login(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clk := newClock(db)
		ctx := sanlian.NewContextWithMeta(context.Background(), sanlian.RequestMeta{IP: "10.0.0.7"})
		auditor := sqldbtest.As(users["auditor"])

		t.Run("OK", func(t *testing.T) {
			sess, u, err := db.Accounts.Login(ctx, "office", sqldbtest.Password, "api")
			MustOK(t, err)
			if sess.Token == "" || len(sess.Token) < 40 || sess.Kind != "api" || sess.UserID != users["office"].ID {
				t.Errorf("session = %+v", sess)
			}
			if want := clk.Now().Add(db.Auth.IdleTimeout); !sess.ExpiresAt.Equal(want) {
				t.Errorf("session expires %v, want %v", sess.ExpiresAt, want)
			}
			if u.Username != "office" || u.Role != sanlian.RoleOffice || u.ID != users["office"].ID {
				t.Errorf("user = %+v", u)
			}
			got, err := db.Accounts.Authenticate(ctx, sess.Token)
			MustOK(t, err)
			if got.ID != u.ID || got.Role != sanlian.RoleOffice {
				t.Errorf("Authenticate = %+v", got)
			}
			es, _, err := db.FindAudit(auditor, sanlian.AuditFilter{Action: "login", Actor: "office"})
			MustOK(t, err)
			if len(es) != 1 || es[0].Entity != "user" || es[0].ActorID != u.ID || es[0].IP != "10.0.0.7" || !es[0].At.Equal(clk.Now()) {
				t.Errorf("login audit rows = %+v", es)
			}
			// Two logins are two sessions.
			sess2, _, err := db.Accounts.Login(ctx, "office", sqldbtest.Password, "web")
			MustOK(t, err)
			if sess2.Token == sess.Token {
				t.Error("two logins share a token")
			}
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			_, _, err := db.Accounts.Login(ctx, "leader", "wrong-password", "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			_, _, err = db.Accounts.Login(ctx, "nobody", sqldbtest.Password, "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			// The two refusals read alike, so a name cannot be probed.
			if m1, m2 := sanlian.ErrorMessage(err), sanlian.LoginRefused; m1 != m2 {
				t.Errorf("message %q, want %q", m1, m2)
			}
			es, _, err := db.FindAudit(auditor, sanlian.AuditFilter{Action: "login.failed"})
			MustOK(t, err)
			if len(es) != 2 || es[0].Actor != "nobody" || es[0].ActorID != 0 || es[1].Actor != "leader" || es[1].ActorID != users["leader"].ID {
				t.Fatalf("login.failed rows = %+v", es)
			}
			if c := auditChanges(t, es[1]); c["reason"][1] != "bad password" {
				t.Errorf("failure reason = %v", c)
			}
			// A failure leaves no session behind.
			_, err = db.Accounts.Authenticate(ctx, "")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			_, err = db.Accounts.Authenticate(ctx, "no-such-token")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
		t.Run("ErrLocked", func(t *testing.T) {
			// Every refusal, locked or not, is EUNAUTHORIZED in the same
			// words as an unknown name: a lock does not tell that the
			// account exists.
			refused := func(err error) {
				t.Helper()
				MustCode(t, err, sanlian.EUNAUTHORIZED)
				if m := sanlian.ErrorMessage(err); m != sanlian.LoginRefused {
					t.Fatalf("message %q, want %q", m, sanlian.LoginRefused)
				}
			}
			for i := 1; i <= 5; i++ {
				_, _, err := db.Accounts.Login(ctx, "cadre", "wrong-password", "web")
				refused(err)
			}
			// Locked: even the right password is refused …
			_, _, err := db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			refused(err)
			clk.Advance(db.Auth.LockFor - time.Second)
			_, _, err = db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			refused(err)
			// … until LockFor has passed.
			clk.Advance(2 * time.Second)
			sess, _, err := db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			MustOK(t, err)
			if _, err := db.Accounts.Authenticate(ctx, sess.Token); err != nil {
				t.Fatal(err)
			}
			es, _, err := db.FindAudit(auditor, sanlian.AuditFilter{Action: "login.failed", Actor: "cadre"})
			MustOK(t, err)
			if len(es) != 7 {
				t.Fatalf("login.failed rows for cadre = %d, want 5 wrong passwords + 2 while locked", len(es))
			}
			reasons := map[string]int{}
			locks := 0
			for _, e := range es {
				c := auditChanges(t, e)
				reasons[c["reason"][1].(string)]++
				if _, ok := c["locked_until"]; ok {
					locks++
				}
			}
			if reasons["bad password"] != 5 || reasons["locked"] != 2 || locks != 1 {
				t.Errorf("failure reasons %v, lockings %d", reasons, locks)
			}
		})
		t.Run("ConcurrentFailuresLock", func(t *testing.T) {
			// Failures counted at once each count: MaxFailures tries in
			// parallel lock the account.
			var wg sync.WaitGroup
			for range db.Auth.MaxFailures {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, err := db.Accounts.Login(ctx, "sysadmin", "wrong-password", "web")
					if sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
						t.Errorf("wrong password: %v", err)
					}
				}()
			}
			wg.Wait()
			_, _, err := db.Accounts.Login(ctx, "sysadmin", sqldbtest.Password, "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
		t.Run("SuccessResetsFailures", func(t *testing.T) {
			for range 4 {
				_, _, err := db.Accounts.Login(ctx, "cadre5", "wrong-password", "web")
				MustCode(t, err, sanlian.EUNAUTHORIZED)
			}
			_, _, err := db.Accounts.Login(ctx, "cadre5", sqldbtest.Password, "web")
			MustOK(t, err)
			for range 4 {
				_, _, err := db.Accounts.Login(ctx, "cadre5", "wrong-password", "web")
				MustCode(t, err, sanlian.EUNAUTHORIZED)
			}
			_, _, err = db.Accounts.Login(ctx, "cadre5", sqldbtest.Password, "web")
			MustOK(t, err)
		})
	})
}

func TestUserService_Authenticate(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clk := newClock(db)
		ctx := context.Background()
		t.Run("IdleTimeout", func(t *testing.T) {
			sess, _, err := db.Accounts.Login(ctx, "leader", sqldbtest.Password, "web")
			MustOK(t, err)
			// Use within the idle timeout extends the session …
			clk.Advance(10 * time.Minute)
			_, err = db.Accounts.Authenticate(ctx, sess.Token)
			MustOK(t, err)
			clk.Advance(db.Auth.IdleTimeout - time.Minute)
			u, err := db.Accounts.Authenticate(ctx, sess.Token)
			MustOK(t, err)
			if u.Username != "leader" || u.CadreID != 1 {
				t.Errorf("user = %+v", u)
			}
			// … and a pause longer than it ends the session, for good.
			clk.Advance(db.Auth.IdleTimeout + time.Second)
			_, err = db.Accounts.Authenticate(ctx, sess.Token)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			clk.Advance(-db.Auth.IdleTimeout)
			_, err = db.Accounts.Authenticate(ctx, sess.Token)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
		t.Run("Logout", func(t *testing.T) {
			sess, u, err := db.Accounts.Login(ctx, "unitadmin", sqldbtest.Password, "web")
			MustOK(t, err)
			other, _, err := db.Accounts.Login(ctx, "unitadmin", sqldbtest.Password, "api")
			MustOK(t, err)
			MustOK(t, db.Accounts.Logout(sqldbtest.As(u), sess.Token))
			_, err = db.Accounts.Authenticate(ctx, sess.Token)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			// Only that session ends.
			_, err = db.Accounts.Authenticate(ctx, other.Token)
			MustOK(t, err)
			// Logging out twice is harmless.
			MustOK(t, db.Accounts.Logout(sqldbtest.As(u), sess.Token))
			es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Action: "logout"})
			MustOK(t, err)
			if len(es) != 1 || es[0].Actor != "unitadmin" {
				t.Errorf("logout audit rows = %+v", es)
			}
		})
	})
}

func TestUserService_CreateUser(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		t.Run("OK", func(t *testing.T) {
			// From the command line: directly, audited as 命令行.
			u := &sanlian.User{Username: "zhaoli", DisplayName: "赵丽", Role: sanlian.RoleCadre, CadreID: 6}
			MustOK(t, db.Accounts.CreateUser(sanlian.NewSystemContext(context.Background()), u, "A-good-passw0rd"))
			if u.ID == 0 || u.Version != 1 || u.Pending || u.Disabled {
				t.Errorf("new user = %+v", u)
			}
			_, got, err := db.Accounts.Login(context.Background(), "zhaoli", "A-good-passw0rd", "web")
			MustOK(t, err)
			if got.ID != u.ID || got.Role != sanlian.RoleCadre || got.CadreID != 6 {
				t.Errorf("logged-in user = %+v", got)
			}
			all, err := db.Accounts.FindUsers(sqldbtest.As(users["sysadmin"]))
			MustOK(t, err)
			if len(all) != 9 || all[8].Username != "zhaoli" {
				t.Errorf("users = %d, last %q", len(all), all[len(all)-1].Username)
			}
			e := MustLastAudit(t, db, users)
			if e.Action != "login" {
				t.Errorf("newest audit row %q", e.Action)
			}
			es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Entity: "user", Action: "create"})
			MustOK(t, err)
			if len(es) != 1 || es[0].Actor != "命令行" || auditChanges(t, es[0])["username"][1] != "zhaoli" {
				t.Errorf("create user audit rows = %+v", es)
			}
		})
		for _, tc := range []struct {
			name, role string
			u          sanlian.User
			password   string
			code       string
			field      string
		}{
			{"ErrForbidden/cadre", "cadre", sanlian.User{Username: "xx1", Role: sanlian.RoleOffice}, "A-good-passw0rd", sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/unitadmin", "unitadmin", sanlian.User{Username: "xx2", Role: sanlian.RoleCadre, CadreID: 6}, "A-good-passw0rd", sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/auditor", "auditor", sanlian.User{Username: "xx3", Role: sanlian.RoleAuditor}, "A-good-passw0rd", sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/office", "office", sanlian.User{Username: "xx8", Role: sanlian.RoleSysadmin}, "A-good-passw0rd", sanlian.EFORBIDDEN, ""},
			{"ErrForbidden/secadmin", "secadmin", sanlian.User{Username: "xx9", Role: sanlian.RoleOffice}, "A-good-passw0rd", sanlian.EFORBIDDEN, ""},
			{"ErrConflict", "sysadmin", sanlian.User{Username: "leader", Role: sanlian.RoleOffice}, "A-good-passw0rd", sanlian.ECONFLICT, ""},
			{"ErrUsername", "sysadmin", sanlian.User{Username: "a b", Role: sanlian.RoleOffice}, "A-good-passw0rd", "", "username"},
			{"ErrRole", "sysadmin", sanlian.User{Username: "xx4", Role: "boss"}, "A-good-passw0rd", "", "role"},
			{"ErrCadreWithoutCadre", "sysadmin", sanlian.User{Username: "xx5", Role: sanlian.RoleCadre}, "A-good-passw0rd", "", "cadre_id"},
			{"ErrUnknownCadre", "sysadmin", sanlian.User{Username: "xx6", Role: sanlian.RoleCadre, CadreID: 99}, "A-good-passw0rd", "", "cadre_id"},
			{"ErrShortPassword", "sysadmin", sanlian.User{Username: "xx7", Role: sanlian.RoleOffice}, "short", "", "password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				uBefore := MustCount(t, raw, "SELECT COUNT(*) FROM users")
				aBefore := auditRows(t, raw)
				u := tc.u
				err := db.Accounts.CreateUser(sqldbtest.As(users[tc.role]), &u, tc.password)
				if tc.field != "" {
					MustField(t, err, tc.field)
				} else {
					MustCode(t, err, tc.code)
				}
				if n := MustCount(t, raw, "SELECT COUNT(*) FROM users"); n != uBefore {
					t.Errorf("users %d → %d", uBefore, n)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
		t.Run("ErrConflictField", func(t *testing.T) {
			err := db.Accounts.CreateUser(sqldbtest.As(users["sysadmin"]), &sanlian.User{Username: "auditor", Role: sanlian.RoleAuditor}, "A-good-passw0rd")
			MustCode(t, err, sanlian.ECONFLICT)
			if sanlian.ErrorFields(err)["username"] == "" {
				t.Errorf("fields = %v, want one for username", sanlian.ErrorFields(err))
			}
		})
		t.Run("FindUsersForbidden", func(t *testing.T) {
			for _, who := range []string{"cadre", "office", "auditor"} {
				_, err := db.Accounts.FindUsers(sqldbtest.As(users[who]))
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
		})
	})
}

func TestUserService_SetPassword(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		t.Run("OK", func(t *testing.T) {
			sess, _, err := db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			MustOK(t, err)
			MustOK(t, db.Accounts.SetPassword(sqldbtest.As(users["sysadmin"]), users["cadre"].ID, "new-password-456"))
			// Every session of the user ends …
			_, err = db.Accounts.Authenticate(ctx, sess.Token)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			// … the old password no longer works, the new one does.
			_, _, err = db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			_, _, err = db.Accounts.Login(ctx, "cadre", "new-password-456", "web")
			MustOK(t, err)
			es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Action: "set_password"})
			MustOK(t, err)
			if len(es) != 1 || es[0].Actor != "sysadmin" || es[0].EntityID != fmt.Sprint(users["cadre"].ID) {
				t.Errorf("set_password audit rows = %+v", es)
			}
		})
		t.Run("OKOwn", func(t *testing.T) {
			MustOK(t, db.Accounts.SetPassword(sqldbtest.As(users["leader"]), users["leader"].ID, "My-own-789x"))
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			err := db.Accounts.SetPassword(sqldbtest.As(users["office"]), users["cadre5"].ID, "new-password-456")
			MustCode(t, err, sanlian.EFORBIDDEN)
			err = db.Accounts.SetPassword(sqldbtest.As(users["cadre"]), users["cadre5"].ID, "new-password-456")
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
		t.Run("ErrUnprocessable", func(t *testing.T) {
			err := db.Accounts.SetPassword(sqldbtest.As(users["sysadmin"]), users["cadre5"].ID, "short")
			MustField(t, err, "password")
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			err := db.Accounts.SetPassword(sqldbtest.As(users["sysadmin"]), 999, "new-password-456")
			MustCode(t, err, sanlian.ENOTFOUND)
		})
	})
}
