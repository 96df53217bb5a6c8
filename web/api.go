package web

import (
	"bytes"
	"net/http"

	"sanlian"
)

// listResponse is the shape of every list answer (SPEC §7).
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func writeList[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	for _, it := range items {
		maskOut(it)
	}
	writeJSON(w, http.StatusOK, listResponse[T]{Items: items, NextCursor: next})
}

// healthz answers 200 when the database answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	if err := s.Ping(r.Context()); err != nil {
		s.log.Error("healthz", "err", err)
		return sanlian.Errorf(sanlian.EINTERNAL, "数据库无响应")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz is GET /readyz: 200 when this node may take requests (the
// database answers, its migrations are current and the file store
// answers), 503 otherwise, naming which, for a
// load balancer's readiness check. /healthz stays the liveness check.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ready := s.Ready
	if ready == nil {
		ready = s.Ping
	}
	if err := ready(r.Context()); err != nil {
		s.log.Error("readyz", "err", err)
		detail := "数据库无响应或尚未升级到本版本"
		if sanlian.ErrorCode(err) == sanlian.EUNAVAILABLE {
			detail = sanlian.ErrorMessage(err) // the file store
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": detail})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// needVersion refuses an update without the version it was based on.
func needVersion(v int64) error {
	if v <= 0 {
		return sanlian.FieldErrors(map[string]string{"version": "请提供所修改记录的 version，以免覆盖他人的修改"})
	}
	return nil
}

// strictUnmarshal decodes b like decodeJSON does a body.
func strictUnmarshal(b []byte, dst any) error {
	req, _ := http.NewRequest("POST", "/", bytes.NewReader(b))
	return decodeJSON(nil, req, dst)
}
