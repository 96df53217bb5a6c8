package web

import "net/http"

// homeOffice is the county office's workbench.
func (s *Server) homeOffice(w http.ResponseWriter, r *http.Request) error {
	return s.homeGeneric(w, r)
}
