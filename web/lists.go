package web

import "net/http"

func (s *Server) apiLists(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) listsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) listsExport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }
