package web

import "sanlian"

// RouteRoles is each route's declared access, for the policy test: the
// roles that may use it, or nil for a public route.
func RouteRoles(s *Server) map[string][]sanlian.Role {
	out := make(map[string][]sanlian.Role, len(s.access))
	for p, a := range s.access {
		if !a.public {
			out[p] = a.roles
		}
	}
	return out
}
