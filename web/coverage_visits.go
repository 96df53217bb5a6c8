package web

// PLACEHOLDER: replaced by the visit coverage pages.

import "net/http"

func (s *Server) apiVisitCoverage(w http.ResponseWriter, r *http.Request) error  { return notYet(w, r) }
func (s *Server) visitCoveragePage(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) visitCoverageExport(w http.ResponseWriter, r *http.Request) error {
	return notYet(w, r)
}
func (s *Server) leaderPage(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
