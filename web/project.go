package web

import "net/http"

func (s *Server) apiProjects(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiCreateProject(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiProject(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiUpdateProject(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiProjectProgress(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiAddProgress(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiAddEvidence(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) projectsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) projectsExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) projectNewForm(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) projectCreateSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) projectEditForm(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) projectEditSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) progressSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) evidenceSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }
