package web

import "net/http"

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiImportTemplate(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) importsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) error { return notBuilt() }
