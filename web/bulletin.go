package web

import "net/http"

func (s *Server) apiBulletins(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiBulletin(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiSaveBulletin(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiPublishBulletin(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiSelfCriticisms(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) apiFileSelfCriticism(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) apiReceiveSelfCriticism(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) bulletinsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) bulletinPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) bulletinSubmit(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) bulletinPublishSubmit(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) bulletinPrint(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) bulletinAnnex(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) selfCriticismsPage(w http.ResponseWriter, r *http.Request) error { return notBuilt() }

func (s *Server) selfCriticismFileSubmit(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}

func (s *Server) selfCriticismReceiveSubmit(w http.ResponseWriter, r *http.Request) error {
	return notBuilt()
}
