package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// Every login and password change costs argon2 hashes (~30 ms): these
// tests keep them few, and try wrong second-factor codes through pending
// logins, which cost none.

func TestAccountSelf_ChangePassword(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		ctx := sanlian.NewContextWithMeta(context.Background(), sanlian.RequestMeta{IP: "10.0.0.9", UserAgent: "TestBrowser/1.0"})
		mine, u, err := db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
		MustOK(t, err)
		other, _, err := db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "api")
		MustOK(t, err)
		as := sanlian.NewContextWithUser(ctx, u)

		t.Run("ErrOld", func(t *testing.T) {
			err := db.Accounts.ChangePassword(as, mine.Token, "wrong-old-pw", "Brand-new-pw-1")
			MustField(t, err, "old")
			if msg := sanlian.ErrorFields(err)["old"]; !strings.Contains(msg, "原密码不正确") {
				t.Errorf("old: %q", msg)
			}
		})
		t.Run("ErrPolicy", func(t *testing.T) {
			for pw, want := range map[string]string{
				"        ":         "只由空格",
				"12345678":         "至少 10 位",
				"password":         "至少 10 位",
				"Cadre-x-2021":     "用户名",
				"Qwerty123456":     "常见密码",
				"abcdefghij12":     "至少 3 类",
				sqldbtest.Password: "最近 5 次", // the current one
			} {
				err := db.Accounts.ChangePassword(as, mine.Token, sqldbtest.Password, pw)
				MustField(t, err, "new")
				if msg := sanlian.ErrorFields(err)["new"]; !strings.Contains(msg, want) {
					t.Errorf("%q: new = %q, want %q", pw, msg, want)
				}
			}
		})
		t.Run("OK", func(t *testing.T) {
			MustOK(t, db.Accounts.ChangePassword(as, mine.Token, sqldbtest.Password, "Brand-new-pw-1"))
			// This session goes on; the other one and its token end.
			_, err := db.Accounts.Authenticate(ctx, mine.Token)
			MustOK(t, err)
			_, err = db.Accounts.Authenticate(ctx, other.Token)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			_, _, err = db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Action: "change_password"})
			MustOK(t, err)
			if len(es) != 1 || es[0].Actor != "cadre" {
				t.Errorf("audit = %+v", es)
			}
		})
		t.Run("ErrHistory", func(t *testing.T) {
			// Back to the first password: one of the last 5.
			err := db.Accounts.ChangePassword(as, mine.Token, "Brand-new-pw-1", sqldbtest.Password)
			MustField(t, err, "new")
			if msg := sanlian.ErrorFields(err)["new"]; !strings.Contains(msg, "最近 5 次") {
				t.Errorf("new = %q", msg)
			}
		})
		t.Run("ErrWrongOldCountsTowardLock", func(t *testing.T) {
			for range db.Auth.MaxFailures - 1 { // one wrong old password was tried above
				MustField(t, db.Accounts.ChangePassword(as, mine.Token, "wrong-old-pw", "Another-pw-22"), "old")
			}
			_, _, err := db.Accounts.Login(ctx, "cadre", "Brand-new-pw-1", "web")
			MustCode(t, err, sanlian.EUNAUTHORIZED) // locked
		})
	})
}

func TestAccountSelf_PasswordExpiry(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clk := newClock(db)
		ctx := context.Background()
		p := sanlian.DefaultPasswordPolicy()
		p.ExpiryDays = 90
		MustCode(t, db.Accounts.SetPasswordPolicy(sqldbtest.As(users["sysadmin"]), p), sanlian.EFORBIDDEN)
		MustField(t, db.Accounts.SetPasswordPolicy(ctx, sanlian.PasswordPolicy{MinLength: 4, MinClasses: 3}), "min_length")
		MustOK(t, db.Accounts.SetPasswordPolicy(ctx, p)) // the command line
		got, err := db.Accounts.PasswordPolicy(ctx)
		MustOK(t, err)
		if got != p {
			t.Fatalf("policy = %+v", got)
		}
		_, u, err := db.Accounts.Login(ctx, "leader", sqldbtest.Password, "web")
		MustOK(t, err)
		if u.MustChangePassword {
			t.Fatal("must change before expiry")
		}
		// The fixtures' accounts were made now, before the test's clock:
		// their password dates from their creation.
		clk.Advance(u.CreatedAt.Sub(clk.Now()) + 89*24*time.Hour)
		_, u, err = db.Accounts.Login(ctx, "leader", sqldbtest.Password, "web")
		MustOK(t, err)
		if u.MustChangePassword {
			t.Fatal("must change after 89 days")
		}
		clk.Advance(2 * 24 * time.Hour)
		sess, u, err := db.Accounts.Login(ctx, "leader", sqldbtest.Password, "web")
		MustOK(t, err)
		if !u.MustChangePassword || u.Restriction != sanlian.EPASSWORDCHANGE {
			t.Fatalf("after expiry: %+v", u)
		}
		u2, err := db.Accounts.Authenticate(ctx, sess.Token)
		MustOK(t, err)
		if u2.Restriction != sanlian.EPASSWORDCHANGE {
			t.Errorf("session's restriction = %q", u2.Restriction)
		}
		MustOK(t, db.Accounts.ChangePassword(sanlian.NewContextWithUser(ctx, u2), sess.Token, sqldbtest.Password, "Fresh-pw-9x-Qz"))
		u3, err := db.Accounts.Authenticate(ctx, sess.Token)
		MustOK(t, err)
		if u3.MustChangePassword || u3.Restriction != "" {
			t.Errorf("after the change: %+v", u3)
		}
	})
}

// totpAt is the code of secret at the clock's time.
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := sanlian.TOTPCode(secret, at)
	MustOK(t, err)
	return c
}

// enrol gives username a second factor and returns its secret and
// recovery codes.
func enrol(t *testing.T, db *sqldb.DB, clk *clock, u *sanlian.User) (string, []string) {
	t.Helper()
	as := sqldbtest.As(u)
	e, err := db.Accounts.BeginTOTP(as, "三联三清")
	MustOK(t, err)
	if !strings.HasPrefix(e.URL, "otpauth://totp/") || !strings.Contains(e.URL, e.Secret) {
		t.Fatalf("enrolment = %+v", e)
	}
	again, err := db.Accounts.BeginTOTP(as, "三联三清")
	MustOK(t, err)
	if again.Secret != e.Secret {
		t.Error("a second look at the enrolment page changed the secret")
	}
	MustField(t, fst(db.Accounts.ConfirmTOTP(as, "000000")), "code")
	codes, err := db.Accounts.ConfirmTOTP(as, totpAt(t, e.Secret, clk.Now()))
	MustOK(t, err)
	if len(codes) != sanlian.RecoveryCodes {
		t.Fatalf("recovery codes = %v", codes)
	}
	clk.Advance(30 * time.Second)
	return e.Secret, codes
}

func fst[T any](_ T, err error) error { return err }

func TestAccountSelf_TOTP(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clk := newClock(db)
		ctx := sanlian.NewContextWithMeta(context.Background(), sanlian.RequestMeta{IP: "10.0.0.5", UserAgent: "Phone/2"})
		secret, codes := enrol(t, db, clk, users["unitadmin"])
		cred := sanlian.Credentials{Username: "unitadmin", Password: sqldbtest.Password, Kind: "api"}

		t.Run("ErrCodeRequired", func(t *testing.T) {
			_, _, err := db.Accounts.LoginWith(ctx, cred)
			MustCode(t, err, sanlian.ETOTPREQUIRED)
			// A wrong password still says only LoginRefused.
			c := cred
			c.Password = "wrong-password"
			_, _, err = db.Accounts.LoginWith(ctx, c)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
		var code string
		t.Run("OK", func(t *testing.T) {
			c := cred
			c.TOTP = totpAt(t, secret, clk.Now())
			code = c.TOTP
			sess, u, err := db.Accounts.LoginWith(ctx, c)
			MustOK(t, err)
			if sess.Token == "" || !u.TOTPEnabled {
				t.Errorf("session %+v user %+v", sess, u)
			}
		})
		t.Run("ErrReplay", func(t *testing.T) {
			c := cred
			c.TOTP = code
			_, _, err := db.Accounts.LoginWith(ctx, c)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			if sanlian.ErrorMessage(err) != sanlian.LoginRefused {
				t.Errorf("message %q", sanlian.ErrorMessage(err))
			}
		})
		t.Run("Pending", func(t *testing.T) {
			c := cred
			c.Kind, c.Pending = "web", true
			p, _, err := db.Accounts.LoginWith(ctx, c)
			MustOK(t, err)
			if !p.Pending || p.Token == "" {
				t.Fatalf("pending = %+v", p)
			}
			// The pending token is no session.
			_, err = db.Accounts.Authenticate(ctx, p.Token)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			clk.Advance(30 * time.Second)
			sess, _, err := db.Accounts.CompleteLogin(ctx, p.Token, totpAt(t, secret, clk.Now()), "")
			MustOK(t, err)
			_, err = db.Accounts.Authenticate(ctx, sess.Token)
			MustOK(t, err)
			// Used once: gone.
			_, _, err = db.Accounts.CompleteLogin(ctx, p.Token, totpAt(t, secret, clk.Now().Add(30*time.Second)), "")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
		t.Run("ErrPendingExpired", func(t *testing.T) {
			p, _, err := db.Accounts.LoginWith(ctx, sanlian.Credentials{Username: "unitadmin", Password: sqldbtest.Password, Kind: "web", Pending: true})
			MustOK(t, err)
			clk.Advance(sanlian.PendingLoginFor + time.Second)
			_, _, err = db.Accounts.CompleteLogin(ctx, p.Token, totpAt(t, secret, clk.Now()), "")
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
		t.Run("Recovery", func(t *testing.T) {
			c := cred
			c.RecoveryCode = "aaaaa-bbbbb"
			_, _, err := db.Accounts.LoginWith(ctx, c)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
			c.RecoveryCode = strings.ToUpper(codes[3]) // as typed from paper
			_, _, err = db.Accounts.LoginWith(ctx, c)
			MustOK(t, err)
			_, _, err = db.Accounts.LoginWith(ctx, c)
			MustCode(t, err, sanlian.EUNAUTHORIZED) // once only
		})
		t.Run("ErrLockAfter20", func(t *testing.T) {
			p, _, err := db.Accounts.LoginWith(ctx, sanlian.Credentials{Username: "unitadmin", Password: sqldbtest.Password, Kind: "web", Pending: true})
			MustOK(t, err)
			// Two wrong codes were tried above (the replay, the wrong
			// recovery code); the right ones since reset the count.
			for i := range sanlian.MaxTOTPFailures {
				wrong := "000000"
				if i%2 == 1 {
					wrong = ""
				}
				_, _, err := db.Accounts.CompleteLogin(ctx, p.Token, wrong, map[bool]string{true: "zzzzz-zzzzz"}[wrong == ""])
				MustCode(t, err, sanlian.EUNAUTHORIZED)
			}
			c := cred
			clk.Advance(30 * time.Second)
			c.TOTP = totpAt(t, secret, clk.Now())
			_, _, err = db.Accounts.LoginWith(ctx, c)
			MustCode(t, err, sanlian.EUNAUTHORIZED) // locked, right code or not
			es, _, err := db.Accounts.FindLogins(sqldbtest.As(users["auditor"]), sanlian.LoginFilter{Username: "unitadmin"})
			MustOK(t, err)
			var locks, wrongCodes int
			for _, e := range es {
				switch e.Event {
				case sanlian.LoginEventLock:
					locks++
				case sanlian.LoginEventCode:
					wrongCodes++
				}
			}
			if locks != 1 || wrongCodes < sanlian.MaxTOTPFailures {
				t.Errorf("login log: %d locks, %d wrong codes", locks, wrongCodes)
			}
		})
		t.Run("Disable", func(t *testing.T) {
			clk.Advance(time.Hour) // the lock ends
			db.Auth.Require2FA = []sanlian.Role{sanlian.RoleUnitAdmin}
			MustCode(t, db.Accounts.DisableTOTP(sqldbtest.As(users["unitadmin"]), totpAt(t, secret, clk.Now())), sanlian.EFORBIDDEN)
			db.Auth.Require2FA = nil
			MustField(t, db.Accounts.DisableTOTP(sqldbtest.As(users["unitadmin"]), "123456"), "code")
			MustOK(t, db.Accounts.DisableTOTP(sqldbtest.As(users["unitadmin"]), totpAt(t, secret, clk.Now())))
			_, u, err := db.Accounts.LoginWith(ctx, cred)
			MustOK(t, err)
			if u.TOTPEnabled {
				t.Error("still enabled")
			}
		})
	})
}

func TestAccountSelf_Require2FA(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clk := newClock(db)
		ctx := context.Background()
		db.Auth.Require2FA = sanlian.DefaultRequire2FA
		sess, u, err := db.Accounts.Login(ctx, "auditor", sqldbtest.Password, "web")
		MustOK(t, err)
		if u.Restriction != sanlian.ETOTPENROL {
			t.Fatalf("auditor not enrolled: restriction %q", u.Restriction)
		}
		_, u, err = db.Accounts.Login(ctx, "cadre", sqldbtest.Password, "web")
		MustOK(t, err)
		if u.Restriction != "" {
			t.Errorf("cadre: restriction %q", u.Restriction)
		}
		enrol(t, db, clk, users["auditor"])
		u, err = db.Accounts.Authenticate(ctx, sess.Token)
		MustOK(t, err)
		if u.Restriction != "" || !u.TOTPEnabled {
			t.Errorf("after enrolment: %+v", u)
		}
		db.Auth.Require2FA = nil // --require-2fa none
		_, u, err = db.Accounts.Login(ctx, "office", sqldbtest.Password, "web")
		MustOK(t, err)
		if u.Restriction != "" {
			t.Errorf("none: restriction %q", u.Restriction)
		}
	})
}

func TestAccountSelf_Sessions(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		ctx := sanlian.NewContextWithMeta(context.Background(), sanlian.RequestMeta{IP: "10.1.1.1", UserAgent: "Mozilla/5.0 Test"})
		a, u, err := db.Accounts.Login(ctx, "leader", sqldbtest.Password, "web")
		MustOK(t, err)
		b, _, err := db.Accounts.Login(ctx, "leader", sqldbtest.Password, "api")
		MustOK(t, err)
		c, _, err := db.Accounts.Login(ctx, "leader", sqldbtest.Password, "api")
		MustOK(t, err)
		as := sanlian.NewContextWithUser(ctx, u)
		ss, err := db.Accounts.MySessions(as, a.Token)
		MustOK(t, err)
		if len(ss) != 3 {
			t.Fatalf("sessions = %d", len(ss))
		}
		var current int
		for _, s := range ss {
			if s.Current {
				current++
			}
			if s.ID == "" || strings.Contains(a.Token+b.Token+c.Token, s.ID) || len(s.ID) > 20 {
				t.Errorf("public id %q", s.ID)
			}
			if s.IP != "10.1.1.1" || s.UserAgent != "Mozilla/5.0 Test" {
				t.Errorf("session %+v", s)
			}
		}
		if current != 1 {
			t.Errorf("current sessions = %d", current)
		}
		// Another user cannot end them.
		_, err = db.Accounts.EndMySession(sqldbtest.As(users["cadre"]), "", ss[0].ID)
		MustCode(t, err, sanlian.ENOTFOUND)
		// End one …
		var one string
		for _, s := range ss {
			if !s.Current && s.Kind == "api" {
				one = s.ID
				break
			}
		}
		n, err := db.Accounts.EndMySession(as, a.Token, one)
		MustOK(t, err)
		if n != 1 {
			t.Errorf("ended %d", n)
		}
		// … then all others.
		n, err = db.Accounts.EndMySession(as, a.Token, "others")
		MustOK(t, err)
		if n != 1 {
			t.Errorf("ended %d others", n)
		}
		for _, tok := range []string{b.Token, c.Token} {
			_, err := db.Accounts.Authenticate(ctx, tok)
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		}
		_, err = db.Accounts.Authenticate(ctx, a.Token)
		MustOK(t, err)
	})
}

func TestAccountSelf_LoginLog(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clk := newClock(db)
		ctx := sanlian.NewContextWithMeta(context.Background(), sanlian.RequestMeta{IP: "192.0.2.8", UserAgent: "UA/1"})
		sess, u, err := db.Accounts.Login(ctx, "cadre5", sqldbtest.Password, "web")
		MustOK(t, err)
		_, _, err = db.Accounts.Login(ctx, "cadre5", "wrong-password", "web")
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		_, _, err = db.Accounts.Login(ctx, "nobody", "wrong-password", "web")
		MustCode(t, err, sanlian.EUNAUTHORIZED)
		MustOK(t, db.Accounts.Logout(sanlian.NewContextWithUser(ctx, u), sess.Token))
		clk.Advance(48 * time.Hour)
		_, _, err = db.Accounts.Login(ctx, "cadre5", sqldbtest.Password, "api")
		MustOK(t, err)

		auditor := sqldbtest.As(users["auditor"])
		all, _, err := db.Accounts.FindLogins(auditor, sanlian.LoginFilter{Username: "cadre5"})
		MustOK(t, err)
		var events []string
		for _, e := range all {
			events = append(events, e.Event)
			if e.IP != "192.0.2.8" || e.UserAgent != "UA/1" {
				t.Errorf("entry %+v", e)
			}
		}
		if strings.Join(events, " ") != "login logout login.failed login" {
			t.Errorf("events newest first = %v", events)
		}
		failed, _, err := db.Accounts.FindLogins(auditor, sanlian.LoginFilter{Result: "failed"})
		MustOK(t, err)
		if len(failed) != 2 || failed[0].Username != "nobody" || failed[0].Reason != "unknown user" || failed[1].Reason != "bad password" {
			t.Errorf("failed = %+v", failed)
		}
		day := time.Date(2021, 5, 12, 0, 0, 0, 0, sanlian.Shanghai)
		later, _, err := db.Accounts.FindLogins(auditor, sanlian.LoginFilter{From: day})
		MustOK(t, err)
		if len(later) != 1 || later[0].Event != sanlian.LoginEventLogin {
			t.Errorf("from %v: %+v", day, later)
		}
		page, next, err := db.Accounts.FindLogins(auditor, sanlian.LoginFilter{Limit: 2})
		MustOK(t, err)
		if len(page) != 2 || next == "" {
			t.Errorf("page = %d, next %q", len(page), next)
		}
		_, _, err = db.Accounts.FindLogins(sqldbtest.As(users["office"]), sanlian.LoginFilter{})
		MustOK(t, err)
		for _, r := range []string{"cadre", "sysadmin", "unitadmin", "leader"} {
			_, _, err := db.Accounts.FindLogins(sqldbtest.As(users[r]), sanlian.LoginFilter{})
			MustCode(t, err, sanlian.EFORBIDDEN)
		}
	})
}
