package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"sanlian"
)

// argon2id parameters: OWASP's 19 MiB, two passes, one lane.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashTime and hashMemory are the passes and memory (KiB) HashPassword
// uses: argonTime and argonMemory, unless a test lowered them through
// UseTestHashCost.
var hashTime, hashMemory uint32 = argonTime, argonMemory

// UseTestHashCost makes HashPassword use argon2id's least cost (one pass,
// 64 KiB) from now on, for test fixtures that create many accounts; hashes
// made before, dummyHash among them, keep theirs, and CheckPassword reads
// the cost from each hash. Tests only (sqldbtest calls it when loaded):
// call it before any goroutine hashes.
func UseTestHashCost() { hashTime, hashMemory = 1, 64 }

// HashPassword returns a PHC-format argon2id hash of pw.
func HashPassword(pw string) string {
	return hashPassword(pw, hashTime, hashMemory)
}

func hashPassword(pw string, time, memory uint32) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, time, memory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, time, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether pw matches a hash made by HashPassword,
// whatever parameters it was made with.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the username is unknown, so that a
// wrong name costs as long as a wrong password.
var dummyHash = hashPassword("no such user, no such password", argonTime, argonMemory)

// hashSlots bounds the password hashes run at once to half the
// processors (at least one): a flood of logins then leaves the other half
// to everything else, writes included.
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// checkLogin is CheckPassword within hashSlots; it answers false if ctx
// ends while waiting for a slot.
func checkLogin(ctx context.Context, hash, pw string) bool {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-hashSlots }()
	return CheckPassword(hash, pw)
}

func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const userCols = `id, username, display_name, role, COALESCE(unit_id, 0), COALESCE(cadre_id, 0), disabled, locked_until, version, created_at, updated_at`

// Login implements sanlian.UserService: LoginWith without a second
// factor's code.
func (db *AccountStore) Login(ctx context.Context, username, password, kind string) (*sanlian.Session, *sanlian.User, error) {
	return db.LoginWith(ctx, sanlian.Credentials{Username: username, Password: password, Kind: kind})
}

// touchEvery limits how often a session's last_seen is written: reads
// should not each cost a write.
const touchEvery = time.Minute

// Authenticate implements sanlian.UserService.
func (db *AccountStore) Authenticate(ctx context.Context, token string) (*sanlian.User, error) {
	if token == "" {
		return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "请先登录")
	}
	id := tokenID(token)
	row := db.queryRow(ctx, `SELECT s.last_seen, u.id, u.username, u.display_name, u.role, COALESCE(u.unit_id, 0), COALESCE(u.cadre_id, 0),
		u.disabled, u.locked_until, u.version, u.created_at, u.updated_at, u.must_change_password, u.totp_enabled
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, id)
	var seen time.Time
	u := &sanlian.User{}
	var locked sql.NullTime
	var role string
	err := row.Scan(&seen, &u.ID, &u.Username, &u.DisplayName, &role, &u.UnitID, &u.CadreID, &u.Disabled, &locked,
		&u.Version, &u.CreatedAt, &u.UpdatedAt, &u.MustChangePassword, &u.TOTPEnabled)
	u.Role = sanlian.Role(role)
	u.Restriction = sanlian.Restriction(u, db.Auth.Require2FA)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "登录已失效，请重新登录")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	now := db.Now().UTC()
	if locked.Valid && locked.Time.After(now) { // an earlier token stops working while the account is locked
		return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "账号暂时锁定，请稍后再试")
	}
	if now.Sub(seen) > db.Auth.IdleTimeout || u.Disabled {
		_ = db.inTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(`DELETE FROM sessions WHERE id = ?`, id)
			return err
		})
		return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "长时间未操作，登录已超时，请重新登录")
	}
	if now.Sub(seen) > touchEvery {
		if err := db.inTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE sessions SET last_seen = ? WHERE id = ?`, tx.now, id)
			return err
		}); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
	}
	return u, nil
}

// Logout implements sanlian.UserService.
func (db *AccountStore) Logout(ctx context.Context, token string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM sessions WHERE id = ?`, tokenID(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if u := sanlian.UserFromContext(ctx); u != nil {
			if err := loginLog(tx, u.ID, u.Username, sanlian.LoginEventLogout, true, ""); err != nil {
				return err
			}
		}
		return tx.audit("logout", "user", nil, nil)
	})
}

// isSystem reports whether u is the system itself (sanlian.NewSystemContext):
// the command line, which holds the server and its database already.
func isSystem(u *sanlian.User) bool { return u.ID == 0 && u.Username == "system" }

// cliActor is how the audit log names the command line's account changes.
const cliActor = "命令行"

// CreateUser implements sanlian.UserService.
//
// From the web only the system administrator creates accounts, and every
// account it creates waits, disabled and pending, for a security
// administrator's approval (sanlian.GrantNeedsApproval): the request is
// written in the same transaction. The command line creates any account
// directly, audited as 命令行; it is how the first administrators are made.
func (db *AccountStore) CreateUser(ctx context.Context, u *sanlian.User, password string) error {
	actor, err := mustUser(ctx)
	if err != nil {
		return err
	}
	system := isSystem(actor)
	if !system && actor.Role != sanlian.RoleSysadmin {
		return errForbidden("只有系统管理员可以创建账号")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := db.checkNewPassword(ctx, 0, u.Username, password, "password"); err != nil {
		return err
	}
	pending := !system && sanlian.GrantNeedsApproval(nil, u)
	hash := HashPassword(password)
	return db.inTx(ctx, func(tx *Tx) error {
		if u.UnitID != 0 {
			if err := exists(tx, "units", u.UnitID, "unit_id", "单位不存在"); err != nil {
				return err
			}
		}
		if u.CadreID != 0 {
			if err := exists(tx, "cadres", u.CadreID, "cadre_id", "干部不存在"); err != nil {
				return err
			}
		}
		id, err := tx.insertID(`INSERT INTO users (username, display_name, password_hash, role, unit_id, cadre_id, disabled, pending, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.Username, u.DisplayName, hash, string(u.Role), nullInt(u.UnitID), nullInt(u.CadreID),
			pending, pending, tx.now, tx.now)
		if errors.Is(err, errUnique) {
			return &sanlian.Error{Code: sanlian.ECONFLICT, Message: "用户名已被使用", Fields: map[string]string{"username": "用户名已被使用"}}
		} else if err != nil {
			return fmt.Errorf("create user %q: %w", u.Username, err)
		}
		u.ID, u.Version, u.CreatedAt, u.UpdatedAt = id, 1, tx.now, tx.now
		u.Disabled, u.Pending = pending, pending
		ch := changes{"username": {nil, u.Username}, "role": {nil, u.Role}, "unit_id": {nil, u.UnitID}, "cadre_id": {nil, u.CadreID}}
		if system {
			return tx.auditAs(0, cliActor, "create", "user", id, ch)
		}
		ch["pending"] = [2]any{nil, pending}
		if err := tx.audit("create", "user", id, ch); err != nil {
			return err
		}
		if !pending {
			return nil
		}
		_, err = insertGrant(tx, &sanlian.GrantRequest{UserID: id, Username: u.Username, Kind: sanlian.GrantCreate, Role: u.Role,
			UnitID: u.UnitID, CadreID: u.CadreID, UserVersion: 1}, actor)
		return err
	})
}

// FindUsers implements sanlian.UserService.
func (db *AccountStore) FindUsers(ctx context.Context) ([]*sanlian.User, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := mayReadAccounts(actor); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+adminUserCols+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.User
	for rows.Next() {
		u, err := scanUserPending(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword implements sanlian.UserService.
func (db *AccountStore) SetPassword(ctx context.Context, userID int64, password string) error {
	actor, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if actor.Role != sanlian.RoleSysadmin && actor.ID != userID && actor.ID != 0 {
		return errForbidden("只能修改自己的密码")
	}
	var username, old string
	if err := db.queryRow(ctx, `SELECT username, password_hash FROM users WHERE id = ?`, userID).Scan(&username, &old); errors.Is(err, sql.ErrNoRows) {
		return errNotFound("账号")
	} else if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := db.checkNewPassword(ctx, userID, username, password, "password"); err != nil {
		return err
	}
	hash := HashPassword(password)
	return db.inTx(ctx, func(tx *Tx) error {
		if err := replacePassword(tx, userID, old, hash); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE users SET locked_until = NULL WHERE id = ?`, userID); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		return tx.audit("set_password", "user", userID, nil)
	})
}

// exists returns a field error when table has no row with id.
func exists(tx *Tx, table string, id int64, field, msg string) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return sanlian.FieldErrors(map[string]string{field: msg})
	}
	return nil
}
