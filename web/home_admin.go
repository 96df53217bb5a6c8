package web

import "net/http"

// homeSysadmin is the system administrator's workbench: accounts.
func (s *Server) homeSysadmin(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}

// homeAuditor is the auditor's workbench: recent audit activity.
func (s *Server) homeAuditor(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/audit", http.StatusSeeOther)
	return nil
}
