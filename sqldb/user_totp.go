package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"sanlian"
)

// The TOTP secret is stored in the database as base32 text, in clear: the
// server must read it to check codes, and no key outside the database is
// configured for it yet (docs/security.md says so).

// checkSecondFactor checks a TOTP code (or else a recovery code) of u
// inside tx: a good TOTP code moves the account's last accepted step on,
// so it cannot be used again; a good recovery code is spent. A wrong one
// counts toward MaxTOTPFailures, which lock the account as password
// failures do; it answers false with no error, so that the count commits.
func checkSecondFactor(tx *Tx, u *sanlian.User, secret string, lastStep int64, code, recovery string) (bool, error) {
	if code != "" {
		if step, ok := sanlian.TOTPStep(secret, code, tx.now, lastStep); ok {
			_, err := tx.exec(`UPDATE users SET totp_last_step = ?, totp_failures = 0 WHERE id = ?`, step, u.ID)
			return err == nil, err
		}
		return false, codeFailed(tx, u, "bad totp code")
	}
	res, err := tx.exec(`UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		tx.now, u.ID, recoveryHash(recovery))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if _, err := tx.exec(`UPDATE users SET totp_failures = 0 WHERE id = ?`, u.ID); err != nil {
			return false, err
		}
		return true, audit2(tx, u, "totp.recovery_used", nil)
	}
	return false, codeFailed(tx, u, "bad recovery code")
}

// codeFailed counts a wrong code and locks the account at MaxTOTPFailures.
func codeFailed(tx *Tx, u *sanlian.User, reason string) error {
	var failed int
	if err := tx.queryRow(`UPDATE users SET totp_failures = totp_failures + 1 WHERE id = ? RETURNING totp_failures`,
		u.ID).Scan(&failed); err != nil {
		return fmt.Errorf("second factor %q: %w", u.Username, err)
	}
	ch := changes{"reason": {"", reason}}
	if failed >= sanlian.MaxTOTPFailures {
		if err := lockAccount(tx, u.ID, u.Username, ch); err != nil {
			return err
		}
	}
	if err := tx.auditAs(u.ID, u.Username, "login.failed", "user", u.ID, ch); err != nil {
		return err
	}
	return loginLog(tx, u.ID, u.Username, sanlian.LoginEventCode, false, reason)
}

// recoveryHash is how a recovery code is stored: SHA-256 of the code as
// normalised. The codes are random (50 bits), so a fast hash is enough.
func recoveryHash(code string) string {
	sum := sha256.Sum256([]byte(sanlian.NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}

// newRecoveryCode is ten characters of an alphabet without look-alikes,
// shown as two groups of five.
func newRecoveryCode() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	rand.Read(b)
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

// BeginTOTP implements sanlian.AccountSelfService.
func (db *AccountStore) BeginTOTP(ctx context.Context, issuer string) (*sanlian.TOTPEnrolment, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	var out *sanlian.TOTPEnrolment
	err = db.inTx(ctx, func(tx *Tx) error {
		var secret string
		var enabled bool
		if err := tx.queryRow(`SELECT totp_secret, totp_enabled FROM users WHERE id = ?`, actor.ID).Scan(db.sealed(aadTOTPSecret, &secret, &actor.ID), &enabled); err != nil {
			return fmt.Errorf("begin totp: %w", err)
		}
		if enabled {
			return sanlian.Errorf(sanlian.ECONFLICT, "已启用双因素认证；如需更换，请先关闭再重新设置")
		}
		if secret == "" {
			raw := make([]byte, 20)
			rand.Read(raw)
			secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
			if _, err := tx.exec(`UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE id = ?`, db.seal(secret, aadTOTPSecret), actor.ID); err != nil {
				return err
			}
		}
		out = &sanlian.TOTPEnrolment{Secret: secret, URL: sanlian.TOTPURL(issuer, actor.Username, secret)}
		return nil
	})
	return out, err
}

// ConfirmTOTP implements sanlian.AccountSelfService.
func (db *AccountStore) ConfirmTOTP(ctx context.Context, code string) ([]string, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = db.inTx(ctx, func(tx *Tx) error {
		var secret string
		var enabled bool
		var last int64
		if err := tx.queryRow(`SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?`, actor.ID).Scan(
			db.sealed(aadTOTPSecret, &secret, &actor.ID), &enabled, &last); err != nil {
			return fmt.Errorf("confirm totp: %w", err)
		}
		if enabled {
			return sanlian.Errorf(sanlian.ECONFLICT, "已启用双因素认证")
		}
		if secret == "" {
			return sanlian.Errorf(sanlian.EINVALID, "请先打开“双因素认证”页面扫描二维码")
		}
		step, ok := sanlian.TOTPStep(secret, code, tx.now, last)
		if !ok {
			return sanlian.FieldErrors(map[string]string{"code": "动态验证码不正确：请输入手机验证器上显示的 6 位数字，并确认手机时间准确"})
		}
		if _, err := tx.exec(`UPDATE users SET totp_enabled = ?, totp_last_step = ?, totp_failures = 0 WHERE id = ?`,
			true, step, actor.ID); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM recovery_codes WHERE user_id = ?`, actor.ID); err != nil {
			return err
		}
		for range sanlian.RecoveryCodes {
			c := newRecoveryCode()
			if _, err := tx.exec(`INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, actor.ID, recoveryHash(c)); err != nil {
				return err
			}
			codes = append(codes, c)
		}
		return audit2(tx, actor, "totp.enable", nil)
	})
	return codes, err
}

// DisableTOTP implements sanlian.AccountSelfService.
func (db *AccountStore) DisableTOTP(ctx context.Context, code string) error {
	actor, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(db.Auth.Require2FA, actor.Role) {
		return errForbidden(fmt.Sprintf("%s账号必须使用双因素认证，不能关闭", actor.Role.Label()))
	}
	wrong := false
	err = db.inTx(ctx, func(tx *Tx) error {
		var secret string
		var enabled bool
		var last int64
		if err := tx.queryRow(`SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?`, actor.ID).Scan(
			db.sealed(aadTOTPSecret, &secret, &actor.ID), &enabled, &last); errors.Is(err, sql.ErrNoRows) {
			return errNotFound("账号")
		} else if err != nil {
			return fmt.Errorf("disable totp: %w", err)
		}
		if !enabled {
			return sanlian.Errorf(sanlian.ECONFLICT, "尚未启用双因素认证")
		}
		if _, ok := sanlian.TOTPStep(secret, code, tx.now, last); !ok {
			wrong = true
			return codeFailed(tx, actor, "bad totp code (disable)")
		}
		if _, err := tx.exec(`UPDATE users SET totp_enabled = ?, totp_secret = '', totp_last_step = 0, totp_failures = 0 WHERE id = ?`,
			false, actor.ID); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM recovery_codes WHERE user_id = ?`, actor.ID); err != nil {
			return err
		}
		return audit2(tx, actor, "totp.disable", nil)
	})
	if err == nil && wrong {
		return sanlian.FieldErrors(map[string]string{"code": "动态验证码不正确"})
	}
	return err
}
