package web

import "net/http"

// homeUnit is a unit admin's workbench: the unit's own items.
func (s *Server) homeUnit(w http.ResponseWriter, r *http.Request) error {
	return s.homeGeneric(w, r)
}
