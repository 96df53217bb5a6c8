package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

// mayReadAccounts allows the account list to the system and security
// administrators, and to the command line.
func mayReadAccounts(u *sanlian.User) error {
	if isSystem(u) || u.Role == sanlian.RoleSysadmin || u.Role == sanlian.RoleSecadmin {
		return nil
	}
	return errForbidden("只有系统管理员或安全管理员可以查看账号")
}

// mayManageAccounts allows the changes to existing accounts (password
// reset, disable, unlock, sessions) to the system administrator.
func mayManageAccounts(u *sanlian.User) error {
	if isSystem(u) || u.Role == sanlian.RoleSysadmin {
		return nil
	}
	return errForbidden("只有系统管理员可以管理账号")
}

// adminUserCols are the columns of an account as administrators see it:
// userCols, its pending grant, password and second-factor state, and the
// names of its unit and cadre.
const adminUserCols = userCols + `, pending, must_change_password, totp_enabled,
	COALESCE((SELECT name FROM units WHERE units.id = users.unit_id), ''), COALESCE((SELECT name FROM cadres WHERE cadres.id = users.cadre_id), '')`

func scanUserPending(sc scanner) (*sanlian.User, error) {
	u := &sanlian.User{}
	var locked sql.NullTime
	var role string
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.UnitID, &u.CadreID, &u.Disabled, &locked,
		&u.Version, &u.CreatedAt, &u.UpdatedAt, &u.Pending, &u.MustChangePassword, &u.TOTPEnabled, &u.UnitName, &u.CadreName); err != nil {
		return nil, err
	}
	u.Role = sanlian.Role(role)
	if locked.Valid {
		u.LockedUntil = locked.Time
	}
	return u, nil
}

// findUser reads account id within tx, locking its row on PostgreSQL.
func findUser(tx *Tx, id int64) (*sanlian.User, error) {
	q := `SELECT ` + adminUserCols + ` FROM users WHERE id = ?`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	u, err := scanUserPending(tx.queryRow(q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("账号")
	} else if err != nil {
		return nil, fmt.Errorf("find user %d: %w", id, err)
	}
	return u, nil
}

// endSessions ends every session and bearer token of account id.
func endSessions(tx *Tx, id int64) (int64, error) {
	res, err := tx.exec(`DELETE FROM sessions WHERE user_id = ?`, id)
	if err != nil {
		return 0, fmt.Errorf("end sessions of user %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// FindUserByID implements sanlian.AccountAdminService.
func (db *AccountStore) FindUserByID(ctx context.Context, id int64) (*sanlian.User, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := mayReadAccounts(actor); err != nil {
		return nil, err
	}
	u, err := scanUserPending(db.queryRow(ctx, `SELECT `+adminUserCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("账号")
	} else if err != nil {
		return nil, fmt.Errorf("find user %d: %w", id, err)
	}
	return u, nil
}

// changeUser is the frame of an administrator's change to account id:
// permission, the row read and locked, the version compared, then apply,
// all in one transaction.
func (db *AccountStore) changeUser(ctx context.Context, id, version int64, apply func(tx *Tx, u *sanlian.User) error) (*sanlian.User, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := mayManageAccounts(actor); err != nil {
		return nil, err
	}
	if version <= 0 {
		return nil, sanlian.FieldErrors(map[string]string{"version": "请提供所修改账号的 version，以免覆盖他人的修改"})
	}
	var out *sanlian.User
	err = db.inTx(ctx, func(tx *Tx) error {
		u, err := findUser(tx, id)
		if err != nil {
			return err
		}
		if u.Version != version {
			return errStale("该账号")
		}
		if err := apply(tx, u); err != nil {
			return err
		}
		out, err = findUser(tx, id)
		return err
	})
	return out, err
}

// oneTimeAlphabet leaves out characters read one for another (0/O, 1/l/I).
const oneTimeAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// oneTimePassword is 16 characters from oneTimeAlphabet, with a digit,
// a lower- and an upper-case letter at least.
func oneTimePassword() string {
	for {
		b := make([]byte, 16)
		rand.Read(b)
		var lo, up, dg bool
		for i := range b {
			c := oneTimeAlphabet[int(b[i])%len(oneTimeAlphabet)]
			b[i] = c
			switch {
			case c >= 'a' && c <= 'z':
				lo = true
			case c >= 'A' && c <= 'Z':
				up = true
			default:
				dg = true
			}
		}
		if lo && up && dg {
			return string(b)
		}
	}
}

// ResetPassword implements sanlian.AccountAdminService.
func (db *AccountStore) ResetPassword(ctx context.Context, id, version int64) (string, error) {
	pw := oneTimePassword()
	hash := HashPassword(pw)
	_, err := db.changeUser(ctx, id, version, func(tx *Tx, u *sanlian.User) error {
		if actor := sanlian.UserFromContext(tx.ctx); !isSystem(actor) {
			if err := sanlian.MayResetPassword(actor, u); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL,
			version = version + 1, updated_at = ? WHERE id = ?`, hash, true, tx.now, id); err != nil {
			return fmt.Errorf("reset password of user %d: %w", id, err)
		}
		n, err := endSessions(tx, id)
		if err != nil {
			return err
		}
		return tx.audit("reset_password", "user", id, changes{"must_change_password": {nil, true}, "sessions_ended": {nil, n}})
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// SetDisabled implements sanlian.AccountAdminService.
func (db *AccountStore) SetDisabled(ctx context.Context, id, version int64, disabled bool) (*sanlian.User, error) {
	return db.changeUser(ctx, id, version, func(tx *Tx, u *sanlian.User) error {
		if !disabled && u.Pending {
			return sanlian.Errorf(sanlian.ECONFLICT, "该账号的新建申请尚未批准，不能启用")
		}
		if actor := sanlian.UserFromContext(tx.ctx); disabled && actor.ID == id {
			return sanlian.Errorf(sanlian.EFORBIDDEN, "不能停用自己的账号")
		}
		if u.Disabled == disabled {
			return nil
		}
		if _, err := tx.exec(`UPDATE users SET disabled = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			disabled, tx.now, id); err != nil {
			return fmt.Errorf("disable user %d: %w", id, err)
		}
		action := "enable"
		ch := changes{"disabled": {u.Disabled, disabled}}
		if disabled {
			action = "disable"
			n, err := endSessions(tx, id)
			if err != nil {
				return err
			}
			ch["sessions_ended"] = [2]any{nil, n}
		}
		return tx.audit(action, "user", id, ch)
	})
}

// Unlock implements sanlian.AccountAdminService.
func (db *AccountStore) Unlock(ctx context.Context, id, version int64) (*sanlian.User, error) {
	return db.changeUser(ctx, id, version, func(tx *Tx, u *sanlian.User) error {
		if _, err := tx.exec(`UPDATE users SET failed_logins = 0, locked_until = NULL, version = version + 1, updated_at = ? WHERE id = ?`,
			tx.now, id); err != nil {
			return fmt.Errorf("unlock user %d: %w", id, err)
		}
		var was any
		if !u.LockedUntil.IsZero() {
			was = u.LockedUntil
		}
		return tx.audit("unlock", "user", id, changes{"locked_until": {was, nil}})
	})
}

// FindUserSessions implements sanlian.AccountAdminService.
func (db *AccountStore) FindUserSessions(ctx context.Context, id int64) ([]*sanlian.UserSession, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := mayManageAccounts(actor); err != nil {
		return nil, err
	}
	if _, err := db.FindUserByID(ctx, id); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT id, kind, created_at, last_seen, ip FROM sessions WHERE user_id = ? ORDER BY last_seen DESC, id`, id)
	if err != nil {
		return nil, fmt.Errorf("sessions of user %d: %w", id, err)
	}
	defer rows.Close()
	out := []*sanlian.UserSession{}
	for rows.Next() {
		s := &sanlian.UserSession{}
		if err := rows.Scan(&s.ID, &s.Kind, &s.CreatedAt, &s.LastSeen, &s.IP); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// EndUserSession implements sanlian.AccountAdminService.
func (db *AccountStore) EndUserSession(ctx context.Context, id int64, sessionID string) error {
	actor, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if err := mayManageAccounts(actor); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM sessions WHERE id = ? AND user_id = ?`, sessionID, id)
		if err != nil {
			return fmt.Errorf("end session of user %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound("该会话")
		}
		return tx.audit("end_session", "user", id, nil)
	})
}

// followCadre moves the cadre accounts of cadre id to its new unit, in
// the transaction that moved the cadre, and ends their sessions: an
// account's scope follows its cadre. The problems the cadre handled in
// the old unit then show there as 待重新分派 (ProblemFilter.Reassign).
func followCadre(tx *Tx, id, unitID int64) error {
	rows, err := tx.queryRows(`SELECT id, COALESCE(unit_id, 0) FROM users WHERE cadre_id = ? AND role = ? ORDER BY id`, id, string(sanlian.RoleCadre))
	if err != nil {
		return fmt.Errorf("accounts of cadre %d: %w", id, err)
	}
	type acct struct{ id, unit int64 }
	var as []acct
	for rows.Next() {
		var a acct
		if err := rows.Scan(&a.id, &a.unit); err != nil {
			rows.Close()
			return err
		}
		as = append(as, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range as {
		if _, err := tx.exec(`UPDATE users SET unit_id = ?, version = version + 1, updated_at = ? WHERE id = ?`, unitID, tx.now, a.id); err != nil {
			return fmt.Errorf("move account %d: %w", a.id, err)
		}
		n, err := endSessions(tx, a.id)
		if err != nil {
			return err
		}
		if err := tx.audit("scope_follow", "user", a.id, changes{"unit_id": {a.unit, unitID}, "cadre_id": {nil, id},
			"sessions_ended": {nil, n}}); err != nil {
			return err
		}
	}
	return nil
}

var _ sanlian.AccountAdminService = (*AccountStore)(nil)
