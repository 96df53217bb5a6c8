package sqldb

import (
	"context"

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
	if f.RequestID != "" {
		w.add("request_id = ?", f.RequestID)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		w.add("at < ?", f.To.UTC())
	}
	return readPage(ctx, db, "find audit", `SELECT id, at, COALESCE(actor_id, 0), actor, action, entity, entity_id, changes, ip, request_id FROM audit_log`,
		w, f.Cursor, f.Limit, byID("id", true), scanAudit, func(e *sanlian.AuditEntry) string { return idKey(e.ID) })
}

func scanAudit(sc scanner) (*sanlian.AuditEntry, error) {
	e := &sanlian.AuditEntry{}
	err := sc.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Changes, &e.IP, &e.RequestID)
	return e, err
}

// RecordExport implements sanlian.AuditService.
func (db *DB) RecordExport(ctx context.Context, entity, filter string, rows int) error {
	if _, err := mustUser(ctx); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		return tx.audit("export", entity, nil, changes{"filter": {nil, filter}, "rows": {nil, rows}})
	})
}
