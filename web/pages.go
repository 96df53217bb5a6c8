package web

import (
	"errors"
	"net/http"

	"sanlian"
)

// home is GET /: each role's workbench (工作台), in the caller's scope.
// Each role's page lives in its own file (home_*.go).
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	switch sanlian.UserFromContext(r.Context()).Role {
	case sanlian.RoleOffice:
		return s.desks.homeOffice(w, r)
	case sanlian.RoleLeader:
		return s.desks.homeLeader(w, r)
	case sanlian.RoleUnitAdmin:
		return s.desks.homeUnit(w, r)
	case sanlian.RoleCadre:
		return s.desks.homeCadre(w, r)
	case sanlian.RoleSysadmin:
		return s.desks.homeSysadmin(w, r)
	case sanlian.RoleSecadmin:
		return s.desks.homeSecadmin(w, r)
	case sanlian.RoleAuditor:
		return s.desks.homeAuditor(w, r)
	}
	return sanlian.Errorf(sanlian.EFORBIDDEN, "没有可用的工作台")
}

// nextURL is the current URL with the cursor moved on.
func nextURL(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("cursor", cursor)
	return r.URL.Path + "?" + q.Encode()
}

// parseForm reads a urlencoded form of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	return parseFormLimit(w, r, 64<<10)
}

// parseFormLimit reads a urlencoded form of at most limit bytes.
func parseFormLimit(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return sanlian.Errorf(sanlian.ETOOLARGE, "提交的表单过大")
		}
		return sanlian.Errorf(sanlian.EINVALID, "表单无法解析")
	}
	return nil
}
