package web

// PLACEHOLDER: replaced by the attachment handlers.

import "net/http"

func (s *Server) apiAttachments(w http.ResponseWriter, r *http.Request) error   { return notYet(w, r) }
func (s *Server) apiAddAttachment(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) attachmentSubmit(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
func (s *Server) attachmentDownload(w http.ResponseWriter, r *http.Request) error {
	return notYet(w, r)
}
func (s *Server) attachmentThumb(w http.ResponseWriter, r *http.Request) error { return notYet(w, r) }
