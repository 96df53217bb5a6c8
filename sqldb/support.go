package sqldb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"sanlian"
)

// Page sizes.
const (
	defaultLimit = 50
	maxLimit     = 500
)

func pageLimit(n int) int {
	if n <= 0 {
		return defaultLimit
	}
	return min(n, maxLimit)
}

// encodeCursor makes an opaque cursor from the last key of a page.
func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k:" + key))
}

// decodeCursor returns the key inside a cursor made by encodeCursor.
func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "k:") {
		return "", errBadCursor()
	}
	return string(b[2:]), nil
}

// where builds a conjunction of conditions with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// changes collects before/after values of the fields a write changed, for
// the audit log.
type changes map[string][2]any

func (c changes) set(field string, before, after any) {
	if fmt.Sprint(before) != fmt.Sprint(after) {
		c[field] = [2]any{before, after}
	}
}

// masked returns the changes with the phones and ID numbers typed into
// their text values masked: the audit log keeps them so, and the whole
// value is only read from the record itself, by an audited reveal.
func (c changes) masked() changes {
	out := make(changes, len(c))
	for k, v := range c {
		out[k] = [2]any{maskedValue(v[0]), maskedValue(v[1])}
	}
	return out
}

func maskedValue(v any) any {
	switch x := v.(type) {
	case string:
		return sanlian.MaskContacts(x)
	case *string:
		if x != nil {
			return sanlian.MaskContacts(*x)
		}
	case []string:
		m := make([]string, len(x))
		for i, s := range x {
			m[i] = sanlian.MaskContacts(s)
		}
		return m
	}
	return v
}

// audit appends one row to the audit log inside tx. The actor and client
// address come from tx's context.
func (tx *Tx) audit(action, entity string, entityID any, ch changes) error {
	var actorID int64
	actor := "system"
	if u := sanlian.UserFromContext(tx.ctx); u != nil {
		actorID, actor = u.ID, u.Username
	}
	return tx.auditAs(actorID, actor, action, entity, entityID, ch)
}

func (tx *Tx) auditAs(actorID int64, actor, action, entity string, entityID any, ch changes) error {
	var body string
	if len(ch) > 0 {
		b, err := json.Marshal(ch.masked())
		if err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		body = string(b)
	}
	id := ""
	if entityID != nil {
		id = fmt.Sprint(entityID)
	}
	meta := sanlian.MetaFromContext(tx.ctx)
	_, err := tx.exec(`INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, changes, ip, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.now, nullInt(actorID), actor, action, entity, id, body, meta.IP, meta.RequestID)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, entity, err)
	}
	tx.audited = true
	return nil
}

// errStale is the answer to an update carrying an old version.
func errStale(what string) error {
	return sanlian.Errorf(sanlian.ECONFLICT, "%s已被他人修改，请刷新后重试", what)
}

// errNotFound is the answer for an absent or out-of-scope entity.
func errNotFound(what string) error {
	return sanlian.Errorf(sanlian.ENOTFOUND, "%s不存在或不在您的管辖范围内", what)
}

func errForbidden(msg string) error {
	return sanlian.Errorf(sanlian.EFORBIDDEN, "%s", msg)
}

// mustUser returns the acting user or an EUNAUTHORIZED error.
func mustUser(ctx context.Context) (*sanlian.User, error) {
	u := sanlian.UserFromContext(ctx)
	if u == nil {
		return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "请先登录")
	}
	return u, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// keyset is how a list is ordered and how the rows after a cursor's key
// are selected.
type keyset struct {
	order string                                  // the ORDER BY clause
	after func(key string) (string, []any, error) // the condition for rows after key
}

// byID orders by a numeric id column, newest first when desc.
func byID(col string, desc bool) keyset {
	cmp, order := " > ?", col
	if desc {
		cmp, order = " < ?", col+" DESC"
	}
	return keyset{order: order, after: func(key string) (string, []any, error) {
		n, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return "", nil, errBadCursor()
		}
		return col + cmp, []any{n}, nil
	}}
}

// byCode orders by a text key column.
func byCode(col string) keyset {
	return keyset{order: col, after: func(key string) (string, []any, error) { return col + " > ?", []any{key}, nil }}
}

func errBadCursor() error {
	return &sanlian.Error{Code: sanlian.EINVALID, Message: "分页游标无效，请从第一页重新开始",
		Fields: map[string]string{"cursor": "无效的游标"}}
}

// readPage runs base (a SELECT without WHERE) with w's conditions and returns
// one keyset page after cursor, and the cursor of the next page ("" at the end).
func readPage[T any](ctx context.Context, db *DB, op, base string, w *where, cursor string, limit int, ks keyset,
	scan func(scanner) (T, error), key func(T) string) ([]T, string, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		cond, args, err := ks.after(after)
		if err != nil {
			return nil, "", err
		}
		w.add(cond, args...)
	}
	limit = pageLimit(limit)
	rows, err := db.query(ctx, base+w.sql()+" ORDER BY "+ks.order+" LIMIT ?", append(w.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(key(out[limit-1]))
	}
	return out, next, nil
}

func idKey(id int64) string { return strconv.FormatInt(id, 10) }

// jsonMarshal encodes v for a text column.
func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// reveal reads whole personal data of one row that find says is in the
// caller's scope, for a role that may see it, and audits who saw whose.
func (db *DB) reveal(ctx context.Context, entity string, id int64, fields string, find func(*Tx, *scope) error, query string, dst ...any) error {
	return db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if !s.role().MayReveal() {
			return errForbidden("您的角色无权查看完整的身份证号或电话")
		}
		if err := find(tx, s); err != nil {
			return err
		}
		if err := tx.queryRow(query, id).Scan(dst...); err != nil {
			return fmt.Errorf("reveal %s %d: %w", entity, id, err)
		}
		return tx.audit("reveal", entity, id, changes{"fields": {nil, fields}})
	})
}
