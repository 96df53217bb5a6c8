package web

import "net/http"

func (s *Server) apiSupervisions(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiCreateSupervision(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) apiSupervision(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiReplySupervision(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) supervisionsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) supervisionCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) supervisionPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) supervisionReplySubmit(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}
