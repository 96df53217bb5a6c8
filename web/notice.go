package web

// noticeRoutes are in-app notices and the office's outbound webhooks.
func (s *Server) noticeRoutes() []route { return nil }

// noticePolicy is who may use noticeRoutes.
var noticePolicy = map[string]access{}
