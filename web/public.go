package web

import (
	"bytes"
	"fmt"
	"net/http"
)

// publicRoutes are the people's side: submission, tracking, rating and the
// results page, with no account.
func (s *Server) publicRoutes() []route { return nil }

// publicPolicy is who may use publicRoutes.
var publicPolicy = map[string]access{}

// publicBase is what the people's side's layout needs.
type publicBase struct {
	Title string
	Via   string // wechat when entered from WeChat's link
}

// publicErrorPage is a refusal on the people's side.
type publicErrorPage struct {
	publicBase
	Message string
	Fields  map[string]string
}

// renderPublic writes a page of the people's side in its own phone-first
// layout, with no staff menu.
func (s *Server) renderPublic(w http.ResponseWriter, status int, name string, data any) error {
	t, ok := s.pages.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "public_layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderPublicError answers a refusal on the people's side as a page.
func (s *Server) renderPublicError(w http.ResponseWriter, r *http.Request, status int, title, msg string, fields map[string]string) {
	p := &publicErrorPage{publicBase: publicBase{Title: title, Via: viaOf(r)}, Message: msg, Fields: fields}
	if err := s.renderPublic(w, status, "public_error", p); err != nil {
		s.log.Error("render public error page", "err", err)
		http.Error(w, msg, status)
	}
}

// viaOf is the entry link's source: wechat, or portal.
func viaOf(r *http.Request) string {
	v := r.URL.Query().Get("via")
	if v == "" && r.Form != nil { // only once the handler has read the form
		v = r.Form.Get("via")
	}
	if v == "wechat" {
		return "wechat"
	}
	return "portal"
}
