package sqldb

import (
	"context"
	"fmt"
	"time"

	"sanlian"
)

// MySessions implements sanlian.AccountSelfService.
func (db *AccountStore) MySessions(ctx context.Context, token string) ([]*sanlian.SessionInfo, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT id, public_id, kind, created_at, last_seen, ip, user_agent FROM sessions
		WHERE user_id = ? AND last_seen > ? ORDER BY last_seen DESC, created_at DESC`,
		actor.ID, db.Now().UTC().Add(-db.Auth.IdleTimeout))
	if err != nil {
		return nil, fmt.Errorf("my sessions: %w", err)
	}
	defer rows.Close()
	me := tokenID(token)
	var out []*sanlian.SessionInfo
	for rows.Next() {
		s := &sanlian.SessionInfo{}
		var id string
		var created, seen time.Time
		if err := rows.Scan(&id, &s.ID, &s.Kind, &created, &seen, &s.IP, &s.UserAgent); err != nil {
			return nil, err
		}
		s.CreatedAt, s.LastSeen, s.Current = created, seen, id == me
		out = append(out, s)
	}
	return out, rows.Err()
}

// EndMySession implements sanlian.AccountSelfService.
func (db *AccountStore) EndMySession(ctx context.Context, token, id string) (int, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return 0, err
	}
	if id == "" {
		return 0, sanlian.FieldErrors(map[string]string{"id": "请指定要结束的会话"})
	}
	var n int64
	err = db.inTx(ctx, func(tx *Tx) error {
		q, args := `DELETE FROM sessions WHERE user_id = ? AND public_id = ?`, []any{actor.ID, id}
		if id == "others" {
			q, args = `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, []any{actor.ID, tokenID(token)}
		}
		res, err := tx.exec(q, args...)
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		n, _ = res.RowsAffected()
		if n == 0 && id != "others" {
			return sanlian.Errorf(sanlian.ENOTFOUND, "会话不存在或已结束")
		}
		if err := audit2(tx, actor, "end_session", changes{"session": {nil, id}, "ended": {nil, n}}); err != nil {
			return err
		}
		return loginLog(tx, actor.ID, actor.Username, sanlian.LoginEventLogout, true, fmt.Sprintf("ended %d session(s) from the session list", n))
	})
	return int(n), err
}
