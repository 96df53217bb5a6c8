package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"sanlian"
)

// loginRow is an account as a login reads it.
type loginRow struct {
	u           *sanlian.User
	hash        string
	locked      sql.NullTime
	changedAt   time.Time
	totpSecret  string
	totpEnabled bool
}

const loginCols = `id, username, display_name, role, COALESCE(unit_id, 0), COALESCE(cadre_id, 0), disabled, locked_until, version,
	created_at, updated_at, password_hash, must_change_password, totp_secret, totp_enabled, password_changed_at`

func scanLogin(sc scanner) (*loginRow, error) {
	r := &loginRow{u: &sanlian.User{}}
	u := r.u
	var role string
	var changed sql.NullTime
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.UnitID, &u.CadreID, &u.Disabled, &r.locked, &u.Version,
		&u.CreatedAt, &u.UpdatedAt, &r.hash, &u.MustChangePassword, &r.totpSecret, &r.totpEnabled, &changed); err != nil {
		return nil, err
	}
	u.Role = sanlian.Role(role)
	u.TOTPEnabled = r.totpEnabled
	r.changedAt = u.CreatedAt // never changed: counts from the account's creation
	if changed.Valid {
		r.changedAt = changed.Time
	}
	if r.locked.Valid {
		u.LockedUntil = r.locked.Time
	}
	return r, nil
}

// loginLog appends a row to the login log inside tx, with the client's
// address and user agent from tx's context.
func loginLog(tx *Tx, userID int64, username, event string, ok bool, reason string) error {
	m := sanlian.MetaFromContext(tx.ctx)
	ua := m.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	if len(username) > 64 {
		username = username[:64]
	}
	_, err := tx.exec(`INSERT INTO login_log (at, user_id, username, event, ok, reason, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.now, nullInt(userID), username, event, ok, reason, m.IP, ua)
	if err != nil {
		return fmt.Errorf("login log %s: %w", event, err)
	}
	return nil
}

// refuseLogin records a refused login (audit and login log) and, for a
// known account, counts the failure, locking it at MaxFailures.
func refuseLogin(tx *Tx, u *sanlian.User, username, reason string, count bool) error {
	var id int64
	if u != nil {
		id = u.ID
	}
	ch := changes{"reason": {"", reason}}
	if count && u != nil {
		var failed int
		if err := tx.queryRow(`UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`,
			u.ID).Scan(&failed); err != nil {
			return fmt.Errorf("login %q: %w", username, err)
		}
		if !u.Disabled && failed >= tx.db.Auth.MaxFailures {
			if err := lockAccount(tx, u.ID, username, ch); err != nil {
				return err
			}
		}
	}
	var entity any
	if u != nil {
		entity = u.ID
	}
	if err := tx.auditAs(id, username, "login.failed", "user", entity, ch); err != nil {
		return err
	}
	return loginLog(tx, id, username, sanlian.LoginEventFailed, false, reason)
}

// lockAccount locks an account for LockFor and resets its counters.
func lockAccount(tx *Tx, id int64, username string, ch changes) error {
	lockUntil := tx.now.Add(tx.db.Auth.LockFor)
	if _, err := tx.exec(`UPDATE users SET failed_logins = 0, totp_failures = 0, locked_until = ? WHERE id = ?`, lockUntil, id); err != nil {
		return err
	}
	ch["locked_until"] = [2]any{nil, lockUntil}
	return loginLog(tx, id, username, sanlian.LoginEventLock, false, "locked until "+lockUntil.Format(time.RFC3339))
}

// LoginWith implements sanlian.AccountSelfService.
//
// The password hash runs outside any transaction: the account is read,
// the password checked (an unknown name or a locked account is checked
// against dummyHash, so every refusal costs one hash), and only then a
// short write transaction records the failure or opens the session. That
// write re-checks the row: a session is opened only if the account is
// unchanged (same version) and not locked meanwhile, and failures are
// counted with an atomic increment, so concurrent tries each count.
// Every refusal answers the same words (sanlian.LoginRefused).
func (db *AccountStore) LoginWith(ctx context.Context, c sanlian.Credentials) (*sanlian.Session, *sanlian.User, error) {
	if c.Kind != "web" && c.Kind != "api" {
		c.Kind = "web"
	}
	refused := sanlian.Errorf(sanlian.EUNAUTHORIZED, "%s", sanlian.LoginRefused)
	row, err := scanLogin(db.queryRow(ctx, `SELECT `+loginCols+` FROM users WHERE username = ?`, c.Username))
	if errors.Is(err, sql.ErrNoRows) {
		checkLogin(ctx, dummyHash, c.Password)
		if err := db.inTx(ctx, func(tx *Tx) error { return refuseLogin(tx, nil, c.Username, "unknown user", false) }); err != nil {
			return nil, nil, err
		}
		return nil, nil, refused
	} else if err != nil {
		return nil, nil, fmt.Errorf("login %q: %w", c.Username, err)
	}
	u := row.u
	if row.locked.Valid && row.locked.Time.After(db.Now()) {
		checkLogin(ctx, dummyHash, c.Password)
		if err := db.inTx(ctx, func(tx *Tx) error { return refuseLogin(tx, u, c.Username, "locked", false) }); err != nil {
			return nil, nil, err
		}
		return nil, nil, refused
	}
	ok := checkLogin(ctx, row.hash, c.Password) && !u.Disabled
	if !ok {
		reason := "bad password"
		if u.Disabled {
			reason = "disabled"
		}
		if err := db.inTx(ctx, func(tx *Tx) error { return refuseLogin(tx, u, c.Username, reason, true) }); err != nil {
			return nil, nil, err
		}
		return nil, nil, refused
	}
	if row.totpEnabled && c.TOTP == "" && c.RecoveryCode == "" {
		return db.pendLogin(ctx, row, c)
	}
	return db.openSession(ctx, row, c.Kind, c.TOTP, c.RecoveryCode, "")
}

// pendLogin answers a right password on an account with a second factor
// and no code: a pending login when asked for, ETOTPREQUIRED otherwise.
func (db *AccountStore) pendLogin(ctx context.Context, row *loginRow, c sanlian.Credentials) (*sanlian.Session, *sanlian.User, error) {
	var sess *sanlian.Session
	err := db.inTx(ctx, func(tx *Tx) error {
		if c.Pending {
			token := newToken()
			if _, err := tx.exec(`DELETE FROM login_pending WHERE expires_at < ?`, tx.now); err != nil {
				return err
			}
			if _, err := tx.exec(`INSERT INTO login_pending (id, user_id, kind, expires_at) VALUES (?, ?, ?, ?)`,
				tokenID(token), row.u.ID, c.Kind, tx.now.Add(sanlian.PendingLoginFor)); err != nil {
				return fmt.Errorf("pending login: %w", err)
			}
			sess = &sanlian.Session{Token: token, UserID: row.u.ID, Kind: c.Kind, CreatedAt: tx.now,
				ExpiresAt: tx.now.Add(sanlian.PendingLoginFor), Pending: true}
		}
		return loginLog(tx, row.u.ID, row.u.Username, sanlian.LoginEventPending, true, "code required")
	})
	if err != nil {
		return nil, nil, err
	}
	if sess == nil {
		return nil, nil, sanlian.Errorf(sanlian.ETOTPREQUIRED, "请输入动态验证码（或一个恢复码）")
	}
	return sess, nil, nil
}

// CompleteLogin implements sanlian.AccountSelfService.
func (db *AccountStore) CompleteLogin(ctx context.Context, pending, code, recovery string) (*sanlian.Session, *sanlian.User, error) {
	var kind string
	var userID int64
	err := db.queryRow(ctx, `SELECT user_id, kind FROM login_pending WHERE id = ? AND expires_at > ?`,
		tokenID(pending), db.Now().UTC()).Scan(&userID, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "登录已超时，请重新输入用户名和密码")
	} else if err != nil {
		return nil, nil, fmt.Errorf("complete login: %w", err)
	}
	row, err := scanLogin(db.queryRow(ctx, `SELECT `+loginCols+` FROM users WHERE id = ?`, userID))
	if err != nil {
		return nil, nil, fmt.Errorf("complete login: %w", err)
	}
	if code == "" && recovery == "" {
		return nil, nil, sanlian.FieldErrors(map[string]string{"code": "请输入动态验证码或恢复码"})
	}
	return db.openSession(ctx, row, kind, code, recovery, tokenID(pending))
}

// openSession opens a session for an account whose password was right,
// after its second factor when it has one, in one write transaction that
// re-checks the account. pendingID, when set, is the pending login this
// completes, removed with the session's opening.
func (db *AccountStore) openSession(ctx context.Context, row *loginRow, kind, code, recovery, pendingID string) (*sanlian.Session, *sanlian.User, error) {
	u := row.u
	var sess *sanlian.Session
	ok, factorOK := true, true
	err := db.inTx(ctx, func(tx *Tx) error {
		q := `SELECT version, disabled, locked_until, totp_last_step FROM users WHERE id = ?`
		if tx.db.Dialect == Postgres {
			q += ` FOR UPDATE`
		}
		var version, lastStep int64
		var disabled bool
		var lockedNow sql.NullTime
		if err := tx.queryRow(q, u.ID).Scan(&version, &disabled, &lockedNow, &lastStep); err != nil {
			return fmt.Errorf("login %q: %w", u.Username, err)
		}
		if version != u.Version || disabled || (lockedNow.Valid && lockedNow.Time.After(tx.now)) {
			ok = false
			return refuseLogin(tx, u, u.Username, "changed meanwhile", false)
		}
		if row.totpEnabled {
			secret, err := db.ring.Open(row.totpSecret, aadTOTPSecret)
			if err != nil {
				return fmt.Errorf("users 表第 %d 行的 totp_secret 无法解密：%w", u.ID, err)
			}
			good, err := checkSecondFactor(tx, u, secret, lastStep, code, recovery)
			if err != nil || !good {
				ok, factorOK = false, false
				return err
			}
		}
		if _, err := tx.exec(`UPDATE users SET failed_logins = 0, totp_failures = 0, locked_until = NULL WHERE id = ?`, u.ID); err != nil {
			return err
		}
		if pendingID != "" {
			if _, err := tx.exec(`DELETE FROM login_pending WHERE id = ?`, pendingID); err != nil {
				return err
			}
		}
		policy, err := passwordPolicy(tx)
		if err != nil {
			return err
		}
		if !u.MustChangePassword && policy.Expired(row.changedAt, tx.now) {
			if _, err := tx.exec(`UPDATE users SET must_change_password = ? WHERE id = ?`, true, u.ID); err != nil {
				return err
			}
			u.MustChangePassword = true
			if err := audit2(tx, u, "password.expired", nil); err != nil {
				return err
			}
		}
		token := newToken()
		m := sanlian.MetaFromContext(ctx)
		if _, err := tx.exec(`INSERT INTO sessions (id, user_id, kind, created_at, last_seen, ip, public_id, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tokenID(token), u.ID, kind, tx.now, tx.now, m.IP, newPublicID(), truncate(m.UserAgent, 300)); err != nil {
			return fmt.Errorf("login %q: %w", u.Username, err)
		}
		sess = &sanlian.Session{Token: token, UserID: u.ID, Kind: kind, CreatedAt: tx.now, ExpiresAt: tx.now.Add(db.Auth.IdleTimeout)}
		if err := tx.auditAs(u.ID, u.Username, "login", "user", u.ID, changes{"kind": {"", kind}}); err != nil {
			return err
		}
		return loginLog(tx, u.ID, u.Username, sanlian.LoginEventLogin, true, kind)
	})
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		refused := error(sanlian.Errorf(sanlian.EUNAUTHORIZED, "%s", sanlian.LoginRefused))
		if !factorOK {
			refused = errors.Join(refused, sanlian.ErrSecondFactor)
		}
		return nil, nil, refused
	}
	u.LockedUntil = time.Time{}
	u.Restriction = sanlian.Restriction(u, db.Auth.Require2FA)
	return sess, u, nil
}

// audit2 audits an action of u on its own account.
func audit2(tx *Tx, u *sanlian.User, action string, ch changes) error {
	return tx.auditAs(u.ID, u.Username, action, "user", u.ID, ch)
}

func newToken() string {
	raw := make([]byte, 32)
	rand.Read(raw)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func newPublicID() string {
	raw := make([]byte, 12)
	rand.Read(raw)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
