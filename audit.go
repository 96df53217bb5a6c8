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
	// RequestID is the id of the HTTP request that wrote the row, as the
	// access log and the X-Request-Id response header show it.
	RequestID string `json:"request_id,omitempty"`
}

// AuditFilter selects audit rows, newest first.
type AuditFilter struct {
	Actor    string
	Action   string
	Entity   string
	EntityID string
	// RequestID selects the rows one HTTP request wrote.
	RequestID string
	From, To  time.Time
	Cursor    string
	Limit     int
}

// AuditService reads the audit log (auditor and office) and records the
// reads that deserve a trace.
type AuditService interface {
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
	// RecordExport writes an audit row (action "export") saying that the
	// caller downloaded rows rows of entity ("household", "cadre" …)
	// selected by filter, a description in Chinese. An export is a read,
	// and its personal data is masked, but a list of many people taken
	// away should be traceable. Returns EUNAUTHORIZED without a user.
	RecordExport(ctx context.Context, entity, filter string, rows int) error
}
