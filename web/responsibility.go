package web

import "net/http"

func (s *Server) apiResponsibilities(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiCreateResponsibility(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) apiResponsibility(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiUpdateResponsibility(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) responsibilitiesPage(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) responsibilitiesExport(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) responsibilityNewForm(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) responsibilityCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) responsibilityPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) responsibilityEditForm(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) responsibilityEditSubmit(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}
