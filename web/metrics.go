package web

import "net/http"

func (s *Server) apiMetrics(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiMetricProblems(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiMetricConfigs(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiSaveMetricConfig(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) metricProblemsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) metricConfigsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) metricConfigSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) scorecardPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }
