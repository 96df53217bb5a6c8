package web

import "net/http"

func (s *Server) apiDispatches(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiDispatch(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiSaveDispatch(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiAddDecision(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) dispatchesPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) dispatchPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) dispatchSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) decisionSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }
