package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

// keepHistory is how many earlier hashes are kept per account, whatever
// the policy's History (which may be raised later).
const keepHistory = 24

const policyCols = `min_length, min_classes, history, expiry_days`

// passwordPolicy reads the policy in force inside tx.
func passwordPolicy(tx *Tx) (sanlian.PasswordPolicy, error) {
	return scanPolicy(tx.queryRow(`SELECT ` + policyCols + ` FROM password_policy WHERE id = 1`))
}

func scanPolicy(row *sql.Row) (sanlian.PasswordPolicy, error) {
	var p sanlian.PasswordPolicy
	err := row.Scan(&p.MinLength, &p.MinClasses, &p.History, &p.ExpiryDays)
	if errors.Is(err, sql.ErrNoRows) {
		return sanlian.DefaultPasswordPolicy(), nil
	} else if err != nil {
		return p, fmt.Errorf("password policy: %w", err)
	}
	return p, nil
}

// PasswordPolicy implements sanlian.AccountSelfService.
func (db *AccountStore) PasswordPolicy(ctx context.Context) (sanlian.PasswordPolicy, error) {
	return scanPolicy(db.queryRow(ctx, `SELECT `+policyCols+` FROM password_policy WHERE id = 1`))
}

// SetPasswordPolicy implements sanlian.AccountSelfService: the security
// administrator's, or the command line's (no user).
func (db *AccountStore) SetPasswordPolicy(ctx context.Context, p sanlian.PasswordPolicy) error {
	if u := sanlian.UserFromContext(ctx); u != nil && u.Role != sanlian.RoleSecadmin {
		return errForbidden("只有安全管理员可以设置密码策略")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		old, err := passwordPolicy(tx)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM password_policy WHERE id = 1`); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO password_policy (id, `+policyCols+`, updated_at) VALUES (1, ?, ?, ?, ?, ?)`,
			p.MinLength, p.MinClasses, p.History, p.ExpiryDays, tx.now); err != nil {
			return fmt.Errorf("set password policy: %w", err)
		}
		return tx.audit("update", "password_policy", 1, changes{"policy": {old, p}})
	})
}

// checkNewPassword applies the policy in force to pw, a new password of
// the account userID (0: a new account), on field. The earlier hashes
// (current one included) are compared here, outside any transaction.
func (db *AccountStore) checkNewPassword(ctx context.Context, userID int64, username, pw, field string) error {
	policy, err := db.PasswordPolicy(ctx)
	if err != nil {
		return err
	}
	var hashes []string
	if userID != 0 && policy.History > 0 {
		rows, err := db.query(ctx, `SELECT password_hash FROM users WHERE id = ?
			UNION ALL SELECT password_hash FROM (SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?) h`,
			userID, userID, policy.History-1)
		if err != nil {
			return fmt.Errorf("password history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				return err
			}
			hashes = append(hashes, h)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return sanlian.CheckPassword(policy, username, pw, field, func(pw string) bool {
		for _, h := range hashes {
			if checkLogin(ctx, h, pw) {
				return true
			}
		}
		return false
	})
}

// replacePassword writes a new password hash inside tx: the old one goes
// to the history (trimmed to keepHistory), the change time is set and the
// must-change flag cleared.
func replacePassword(tx *Tx, userID int64, oldHash, newHash string) error {
	if oldHash != "" {
		if _, err := tx.exec(`INSERT INTO password_history (user_id, password_hash, created_at) VALUES (?, ?, ?)`,
			userID, oldHash, tx.now); err != nil {
			return fmt.Errorf("password history: %w", err)
		}
		if _, err := tx.exec(`DELETE FROM password_history WHERE user_id = ? AND id NOT IN
			(SELECT id FROM (SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?) k)`,
			userID, userID, keepHistory); err != nil {
			return err
		}
	}
	res, err := tx.exec(`UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ?,
		failed_logins = 0, version = version + 1, updated_at = ? WHERE id = ?`, newHash, tx.now, false, tx.now, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound("账号")
	}
	return nil
}

// ChangePassword implements sanlian.AccountSelfService.
func (db *AccountStore) ChangePassword(ctx context.Context, token, old, new string) error {
	actor, err := mustUser(ctx)
	if err != nil {
		return err
	}
	f := map[string]string{}
	if old == "" {
		f["old"] = "请填写原密码"
	}
	if new == "" {
		f["new"] = "请填写新密码"
	}
	if err := sanlian.FieldErrors(f); err != nil {
		return err
	}
	var hash string
	if err := db.queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, actor.ID).Scan(&hash); errors.Is(err, sql.ErrNoRows) {
		return errNotFound("账号")
	} else if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if !checkLogin(ctx, hash, old) {
		err := db.inTx(ctx, func(tx *Tx) error {
			if err := refuseLogin(tx, actor, actor.Username, "bad old password", true); err != nil {
				return err
			}
			return loginLog(tx, actor.ID, actor.Username, sanlian.LoginEventPassword, false, "bad old password")
		})
		if err != nil {
			return err
		}
		return sanlian.FieldErrors(map[string]string{"old": "原密码不正确（连续输错将锁定账号）"})
	}
	if err := db.checkNewPassword(ctx, actor.ID, actor.Username, new, "new"); err != nil {
		return err
	}
	newHash := HashPassword(new)
	return db.inTx(ctx, func(tx *Tx) error {
		var now string
		if err := tx.queryRow(`SELECT password_hash FROM users WHERE id = ?`, actor.ID).Scan(&now); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if now != hash {
			return sanlian.Errorf(sanlian.ECONFLICT, "密码刚被修改过，请重新操作")
		}
		if err := replacePassword(tx, actor.ID, hash, newHash); err != nil {
			return err
		}
		res, err := tx.exec(`DELETE FROM sessions WHERE user_id = ? AND id <> ?`, actor.ID, tokenID(token))
		if err != nil {
			return err
		}
		ended, _ := res.RowsAffected()
		if err := audit2(tx, actor, "change_password", changes{"sessions_ended": {nil, ended}}); err != nil {
			return err
		}
		return loginLog(tx, actor.ID, actor.Username, sanlian.LoginEventPassword, true, fmt.Sprintf("%d other sessions ended", ended))
	})
}
