package web

import "net/http"

// responseHeaders sets the headers every answer of a route starts with,
// before its handler runs: Cache-Control: no-store, since API answers and
// staff pages carry personal data (a handler that may be cached, such as
// static files or an attachment, sets its own), and, when the session
// cookie is Secure (served behind HTTPS), Strict-Transport-Security.
func (s *Server) responseHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}
