package web

import (
	"net/http"

	"sanlian"
)

// The audit log and the login log: their pages, their JSON API and the audit
// log's export.

type auditPage struct {
	basePage
	Entries []*sanlian.AuditEntry
	F       sanlian.AuditFilter
	FromS   string
	ToS     string
	Next    string
	First   bool
}

func (s *orgHandlers) auditPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := auditFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	es, next, err := s.Audit.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "audit", &auditPage{basePage: s.base(r, "审计日志", "audit"), Entries: es, F: f,
		FromS: p.str("from"), ToS: p.str("to"), Next: nextURL(r, next), First: f.Cursor == ""})
}

func auditFilter(p *params) sanlian.AuditFilter {
	f := sanlian.AuditFilter{Actor: p.str("actor"), Action: p.str("action"), Entity: p.str("entity"), EntityID: p.str("entity_id"),
		RequestID: p.str("request_id"), From: p.date("from"), To: p.date("to"), Cursor: p.str("cursor"), Limit: p.limit()}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // "to" is inclusive of its day
	}
	return f
}

func (s *orgHandlers) apiAudit(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := auditFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Audit.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// auditExport is GET /audit/export.xlsx: the audit log with the page's
// filters, newest first.
func (s *orgHandlers) auditExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := auditFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	d := s.describe(r)
	d.add("操作人", f.Actor)
	d.add("动作", f.Action)
	d.add("对象", f.Entity)
	d.add("对象编号", f.EntityID)
	d.add("请求编号", f.RequestID)
	d.period("时间", p.str("from"), p.str("to"))
	f.Limit = exportPage
	sh := sheet{name: "审计日志", filter: d.String(), columns: []sanlian.TableColumn{{Header: "时间", Width: 17}, {Header: "操作人", Width: 12},
		{Header: "动作", Width: 12}, {Header: "对象", Width: 12}, {Header: "对象编号", Width: 10}, {Header: "变更", Width: 60, Wrap: true},
		{Header: "来源", Width: 16}, {Header: "请求编号", Width: 28}}}
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.AuditEntry, string, error) {
		f.Cursor = cursor
		return s.Audit.FindAudit(r.Context(), f)
	}, func(e *sanlian.AuditEntry) []any {
		return []any{e.At, e.Actor, e.Action, e.Entity, e.EntityID, e.Changes, e.IP, e.RequestID}
	})
}

// loginFilter reads the login log's filters.
func loginFilter(p *params) sanlian.LoginFilter {
	f := sanlian.LoginFilter{Username: p.str("username"), Result: p.oneOf("result", "ok", "failed"),
		From: p.date("from"), To: p.date("to"), Cursor: p.str("cursor"), Limit: p.limit()}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // "to" is inclusive of its day
	}
	return f
}

// apiLogins is GET /api/v1/audit/logins.
func (s *orgHandlers) apiLogins(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := loginFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Users.FindLogins(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

type auditLoginsPage struct {
	basePage
	Entries    []*sanlian.LoginEntry
	F          sanlian.LoginFilter
	FromS, ToS string
	Next       string
	First      bool
}

// auditLoginsPage is GET /audit/logins: the login log (登录日志).
func (s *orgHandlers) auditLoginsPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := loginFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	es, next, err := s.Users.FindLogins(r.Context(), f)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "audit_logins", &auditLoginsPage{basePage: s.base(r, "登录日志", "audit-logins"),
		Entries: es, F: f, FromS: p.str("from"), ToS: p.str("to"), Next: nextURL(r, next), First: f.Cursor == ""})
}
