package web

import "net/http"

func (s *Server) apiAddActivityPhoto(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) activityPhotoSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) activitiesExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) activityTypesPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) activityTypeSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) volunteerPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) regionsExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) unitsExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) cadresExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) householdsExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) linksExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) topicsExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) visitsExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) usersExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }
