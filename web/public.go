package web

// publicRoutes are the people's side: submission, tracking, rating and the
// results page, with no account.
func (s *Server) publicRoutes() []route { return nil }

// publicPolicy is who may use publicRoutes.
var publicPolicy = map[string]access{}
