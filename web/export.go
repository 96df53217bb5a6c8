package web

// PLACEHOLDER: replaced by the Excel export.

import "net/http"

func (s *Server) problemsExport(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
