package web

// PLACEHOLDER: replaced by the visit and topic handlers.

import "net/http"

func (s *Server) apiTopics(w http.ResponseWriter, r *http.Request) error         { return notYet(w, r) }
func (s *Server) apiCreateTopics(w http.ResponseWriter, r *http.Request) error   { return notYet(w, r) }
func (s *Server) apiUpdateTopic(w http.ResponseWriter, r *http.Request) error    { return notYet(w, r) }
func (s *Server) apiVisits(w http.ResponseWriter, r *http.Request) error         { return notYet(w, r) }
func (s *Server) apiCreateVisit(w http.ResponseWriter, r *http.Request) error    { return notYet(w, r) }
func (s *Server) apiVisit(w http.ResponseWriter, r *http.Request) error          { return notYet(w, r) }
func (s *Server) apiAddVisitPhoto(w http.ResponseWriter, r *http.Request) error  { return notYet(w, r) }
func (s *Server) topicsPage(w http.ResponseWriter, r *http.Request) error        { return notYet(w, r) }
func (s *Server) topicsSubmit(w http.ResponseWriter, r *http.Request) error      { return notYet(w, r) }
func (s *Server) topicsImport(w http.ResponseWriter, r *http.Request) error      { return notYet(w, r) }
func (s *Server) topicSubmit(w http.ResponseWriter, r *http.Request) error       { return notYet(w, r) }
func (s *Server) visitsPage(w http.ResponseWriter, r *http.Request) error        { return notYet(w, r) }
func (s *Server) visitNewForm(w http.ResponseWriter, r *http.Request) error      { return notYet(w, r) }
func (s *Server) visitCreateSubmit(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) visitPage(w http.ResponseWriter, r *http.Request) error         { return notYet(w, r) }
func (s *Server) visitPhotoSubmit(w http.ResponseWriter, r *http.Request) error  { return notYet(w, r) }
