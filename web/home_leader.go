package web

import "net/http"

// homeLeader is a county leader's workbench: their townships.
func (s *Server) homeLeader(w http.ResponseWriter, r *http.Request) error {
	return s.homeGeneric(w, r)
}
