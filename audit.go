package sanlian

import (
	"context"
	"time"
)

// AuditEntry is one row of the audit log. Rows are only ever inserted.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	ActorID  int64     `json:"actor_id,omitempty"`
	Actor    string    `json:"actor"` // username at the time, or "system"
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id,omitempty"`
	Changes  string    `json:"changes,omitempty"` // JSON {"field": [before, after]}
	IP       string    `json:"ip,omitempty"`
}

// AuditFilter selects audit rows, newest first.
type AuditFilter struct {
	Actor    string
	Action   string
	Entity   string
	EntityID string
	From, To time.Time
	Cursor   string
	Limit    int
}

// AuditService reads the audit log (auditor and office).
type AuditService interface {
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
}
