package web

import "net/http"

// homeCadre is a cadre's workbench, phone first.
func (s *Server) homeCadre(w http.ResponseWriter, r *http.Request) error {
	return s.homeGeneric(w, r)
}
