package sqldb

import (
	"context"
	"fmt"
	"strconv"

	"sanlian"
)

// FindAudit implements sanlian.AuditService: newest first, for the auditor
// and the office.
func (db *DB) FindAudit(ctx context.Context, f sanlian.AuditFilter) ([]*sanlian.AuditEntry, string, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, "", err
	}
	if u.Role != sanlian.RoleAuditor && u.Role != sanlian.RoleOffice {
		return nil, "", errForbidden("只有审计员和县办公室可以查看审计日志")
	}
	w := &where{}
	if f.Actor != "" {
		w.add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if f.Entity != "" {
		w.add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		w.add("entity_id = ?", f.EntityID)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		w.add("at < ?", f.To.UTC())
	}
	before, err := decodeIDCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if before > 0 {
		w.add("id < ?", before)
	}
	limit := pageLimit(f.Limit)
	rows, err := db.query(ctx, `SELECT id, at, COALESCE(actor_id, 0), actor, action, entity, entity_id, changes, ip FROM audit_log`+
		w.sql()+` ORDER BY id DESC LIMIT ?`, append(w.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("find audit: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.AuditEntry
	for rows.Next() {
		e := &sanlian.AuditEntry{}
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Changes, &e.IP); err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(strconv.FormatInt(out[limit-1].ID, 10))
	}
	return out, next, nil
}
