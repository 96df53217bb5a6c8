package sqldb

import (
	"context"

	"sanlian"
)

// FindLogins implements sanlian.AccountSelfService: the login log, newest
// first, for the auditor, the security administrator and the office.
func (db *AccountStore) FindLogins(ctx context.Context, f sanlian.LoginFilter) ([]*sanlian.LoginEntry, string, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, "", err
	}
	if u.Role != sanlian.RoleAuditor && u.Role != sanlian.RoleOffice && u.Role != sanlian.RoleSecadmin {
		return nil, "", errForbidden("只有审计管理员可以查看登录日志")
	}
	w := &where{}
	if f.Username != "" {
		w.add("username = ?", f.Username)
	}
	switch f.Result {
	case "ok":
		w.add("ok = ?", true)
	case "failed":
		w.add("ok = ?", false)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		w.add("at < ?", f.To.UTC())
	}
	return readPage(ctx, db.DB, "find logins", `SELECT id, at, COALESCE(user_id, 0), username, event, ok, reason, ip, user_agent FROM login_log`,
		w, f.Cursor, f.Limit, byID("id", true), func(sc scanner) (*sanlian.LoginEntry, error) {
			e := &sanlian.LoginEntry{}
			err := sc.Scan(&e.ID, &e.At, &e.UserID, &e.Username, &e.Event, &e.OK, &e.Reason, &e.IP, &e.UserAgent)
			return e, err
		}, func(e *sanlian.LoginEntry) string { return idKey(e.ID) })
}
