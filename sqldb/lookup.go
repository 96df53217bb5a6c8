package sqldb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"sanlian"
	"sanlian/seal"
)

// Tracking by phone (sanlian.LookupService). A code is stored as the
// HMAC-SHA256 of its digits under the phone's blind index, never in
// clear; the phone itself is only its blind index. Each request inserts a
// row, whether or not the phone has problems, so that the limits count
// alike; only a phone with problems is sent an SMS.

var errLookupPhone = &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请输入 11 位手机号（中国大陆手机号码）",
	Fields: map[string]string{"phone": "请输入 11 位手机号"}}

var errLookupCodeForm = &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请输入短信中的 6 位数字验证码",
	Fields: map[string]string{"code": "请输入 6 位数字验证码"}}

var errLookupNoCode = &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请先获取验证码，再输入短信中的 6 位数字",
	Fields: map[string]string{"code": "请先获取验证码"}}

// lookupCodeHash is a code as stored: keyed by the phone's blind index.
func lookupCodeHash(bi, code string) string {
	m := hmac.New(sha256.New, []byte(bi))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// lookupClient is a client's address as stored: hashed, for counting only.
func lookupClient(client string) string {
	sum := sha256.Sum256([]byte("lookup-client:" + client))
	return hex.EncodeToString(sum[:16])
}

// lookupCountyMax is the county's daily limit of codes.
func (db *PublicStore) lookupCountyMax() int {
	if db.LookupPerDay > 0 {
		return db.LookupPerDay
	}
	return sanlian.DefaultLookupCountyDay
}

// lockPhone serialises the lookups of one phone across PostgreSQL
// connections (SQLite has one writer).
func lockPhone(tx *Tx, bi string) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	_, err := tx.exec(`SELECT pg_advisory_xact_lock(hashtext(?))`, "lookup:"+bi)
	return err
}

// phoneLock reads a phone's wrong codes that still count, and its lock.
func phoneLock(tx *Tx, bi string) (wrong int, until time.Time, err error) {
	var at time.Time
	err = tx.queryRow(`SELECT wrong, wrong_at, locked_until FROM lookup_locks WHERE phone_bi = ?`, bi).Scan(&wrong, timeDst{&at}, timeDst{&until})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	return sanlian.LookupWrongCount(tx.now, wrong, at), until, err
}

// purgeLookups forgets the codes older than LookupKeep and the phones
// whose lock is over and whose wrong codes no longer count: nothing of a
// phone is kept longer than the limits need.
func purgeLookups(tx *Tx) error {
	if _, err := tx.exec(`DELETE FROM lookup_codes WHERE created_at < ?`, tx.now.Add(-sanlian.LookupKeep)); err != nil {
		return fmt.Errorf("purge lookup codes: %w", err)
	}
	if _, err := tx.exec(`DELETE FROM lookup_locks WHERE (locked_until IS NULL OR locked_until < ?) AND (wrong_at IS NULL OR wrong_at < ?)`,
		tx.now, tx.now.Add(-sanlian.LookupWrongWindow)); err != nil {
		return fmt.Errorf("purge lookup locks: %w", err)
	}
	return nil
}

// RequestLookup implements sanlian.LookupService.
func (db *PublicStore) RequestLookup(ctx context.Context, phone, client string) error {
	phone = sanlian.NormalizeMobile(phone)
	if phone == "" {
		return errLookupPhone
	}
	bi := db.index(seal.Phone, phone)
	cl := lookupClient(client)
	return db.inTx(ctx, func(tx *Tx) error {
		if err := lockPhone(tx, bi); err != nil {
			return err
		}
		if err := purgeLookups(tx); err != nil {
			return err
		}
		c := sanlian.LookupCounts{CountyMax: db.lookupCountyMax()}
		var err error
		if _, c.LockedUntil, err = phoneLock(tx, bi); err != nil {
			return fmt.Errorf("lookup lock: %w", err)
		}
		dayFrom, dayTo := sanlian.MsgDay(tx.now)
		err = tx.queryRow(`SELECT COUNT(*) FROM lookup_codes WHERE phone_bi = ? AND created_at >= ? AND created_at < ?`,
			bi, dayFrom, dayTo).Scan(&c.PhoneToday)
		if err != nil {
			return fmt.Errorf("lookup count phone: %w", err)
		}
		err = tx.queryRow(`SELECT created_at FROM lookup_codes WHERE phone_bi = ? ORDER BY created_at DESC LIMIT 1`, bi).Scan(timeDst{&c.LastForPhone})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("lookup last code: %w", err)
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM lookup_codes WHERE client = ? AND created_at > ?`,
			cl, tx.now.Add(-time.Hour)).Scan(&c.ClientHour); err != nil {
			return fmt.Errorf("lookup count client: %w", err)
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM lookup_codes WHERE sent = ? AND created_at >= ? AND created_at < ?`,
			true, dayFrom, dayTo).Scan(&c.CountyToday); err != nil {
			return fmt.Errorf("lookup count county: %w", err)
		}
		if err := sanlian.LookupAllowed(tx.now, c); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM problems WHERE reporter_phone_bi = ? AND tracking_code IS NOT NULL AND created_at >= ?`,
			bi, tx.now.Add(-sanlian.LookupWindow)).Scan(&n); err != nil {
			return fmt.Errorf("lookup problems: %w", err)
		}
		code := sanlian.NewLookupCode()
		id, err := tx.insertID(`INSERT INTO lookup_codes (phone_bi, code_hash, client, sent, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			bi, lookupCodeHash(bi, code), cl, n > 0, tx.now.Add(sanlian.LookupCodeTTL), tx.now)
		if err != nil {
			return fmt.Errorf("lookup code: %w", err)
		}
		if n > 0 {
			if _, _, err := queueResidentMessage(tx, residentMsg{channel: sanlian.ChannelSMS, event: sanlian.MsgLookupCode, to: phone,
				vars: sanlian.MsgVars{OTP: code}}); err != nil {
				return err
			}
		}
		// The log says a code was asked for, not whether it was sent.
		return tx.audit("lookup_request", "lookup", id, nil)
	})
}

// VerifyLookup implements sanlian.LookupService.
func (db *PublicStore) VerifyLookup(ctx context.Context, phone, code string) ([]sanlian.LookupItem, error) {
	phone = sanlian.NormalizeMobile(phone)
	if phone == "" {
		return nil, errLookupPhone
	}
	code = sanlian.NormalizeLookupCode(code)
	if code == "" {
		return nil, errLookupCodeForm
	}
	bi := db.index(seal.Phone, phone)
	var items []sanlian.LookupItem
	var refused error // a wrong code is refused after its count is saved
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := lockPhone(tx, bi); err != nil {
			return err
		}
		wrong, until, err := phoneLock(tx, bi)
		if err != nil {
			return fmt.Errorf("lookup lock: %w", err)
		}
		if err := sanlian.LookupLocked(tx.now, until); err != nil {
			return err
		}
		// The phone's codes of the last day: the one typed is found
		// among them, so that a used or expired code says so.
		rows, err := tx.query(`SELECT id, code_hash, expires_at, used_at FROM lookup_codes WHERE phone_bi = ? AND created_at > ? ORDER BY id DESC`,
			bi, tx.now.Add(-24*time.Hour))
		if err != nil {
			return err
		}
		want := lookupCodeHash(bi, code)
		var match int64
		var st sanlian.LookupCodeState
		found := false
		for rows.Next() {
			var id int64
			var h string
			var exp, used time.Time
			if err := rows.Scan(&id, &h, timeDst{&exp}, timeDst{&used}); err != nil {
				rows.Close()
				return err
			}
			found = true
			if match == 0 && subtle.ConstantTimeCompare([]byte(h), []byte(want)) == 1 {
				match, st = id, sanlian.LookupCodeState{Expires: exp, Used: !used.IsZero()}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if !found {
			return errLookupNoCode
		}
		if match == 0 {
			keep, lock, werr := sanlian.LookupWrong(tx.now, wrong)
			if _, err := tx.exec(`INSERT INTO lookup_locks (phone_bi, wrong, wrong_at, locked_until) VALUES (?, ?, ?, ?)
				ON CONFLICT (phone_bi) DO UPDATE SET wrong = excluded.wrong, wrong_at = excluded.wrong_at, locked_until = excluded.locked_until`,
				bi, keep, tx.now, nullTime(lock)); err != nil {
				return fmt.Errorf("lookup wrong: %w", err)
			}
			refused = werr
			action := "lookup_wrong"
			if !lock.IsZero() {
				action = "lookup_locked"
			}
			return tx.audit(action, "lookup", nil, nil)
		}
		if err := sanlian.LookupUsable(tx.now, st); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE lookup_codes SET used_at = ? WHERE id = ?`, tx.now, match); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM lookup_locks WHERE phone_bi = ?`, bi); err != nil {
			return err
		}
		items, err = lookupItems(tx, bi, tx.now)
		if err != nil {
			return err
		}
		return tx.audit("lookup_verify", "lookup", match, changes{"problems": {nil, len(items)}})
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	return items, nil
}

// lookupItems lists the problems of a phone's blind index in the last
// LookupWindow, newest first.
func lookupItems(q querier, bi string, now time.Time) ([]sanlian.LookupItem, error) {
	rows, err := q.queryRows(`SELECT tracking_code, state, created_at FROM problems
		WHERE reporter_phone_bi = ? AND tracking_code IS NOT NULL AND created_at >= ?
		ORDER BY created_at DESC, id DESC LIMIT 500`, bi, now.Add(-sanlian.LookupWindow))
	if err != nil {
		return nil, fmt.Errorf("lookup items: %w", err)
	}
	defer rows.Close()
	items := []sanlian.LookupItem{}
	for rows.Next() {
		var it sanlian.LookupItem
		if err := rows.Scan(&it.Code, &it.State, timeDst{&it.CreatedAt}); err != nil {
			return nil, err
		}
		it.StateLabel = sanlian.StateLabel(it.State)
		items = append(items, it)
	}
	return items, rows.Err()
}

// UnsubscribePublic implements sanlian.LookupService.
func (db *PublicStore) UnsubscribePublic(ctx context.Context, code, last4 string) error {
	c := sanlian.NormalizeTrackingCode(code)
	last4 = strings.TrimSpace(last4)
	if c == "" {
		return errNoTracking
	}
	if len(last4) != 4 {
		return &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请输入手机号后四位",
			Fields: map[string]string{"phone_last4": "请输入手机号后四位"}}
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var id int64
		var phone string
		var notify bool
		err := tx.queryRow(`SELECT id, reporter_phone, notify_sms FROM problems WHERE tracking_code = ?`, c).
			Scan(&id, db.sealed(aadReporterPhone, &phone, &id), &notify)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoTracking
		} else if err != nil {
			return err
		}
		if phone == "" || subtle.ConstantTimeCompare([]byte(phone[max(len(phone)-4, 0):]), []byte(last4)) != 1 {
			return errNoTracking
		}
		if !notify {
			return sanlian.Errorf(sanlian.ECONFLICT, "这个问题没有订阅短信告知，或已经退订")
		}
		if _, err := tx.exec(`UPDATE problems SET notify_sms = ? WHERE id = ?`, false, id); err != nil {
			return fmt.Errorf("unsubscribe: %w", err)
		}
		return tx.audit("sms_unsubscribe", "problem", id, changes{"notify_sms": {true, false}})
	})
}
