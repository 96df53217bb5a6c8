package web

import (
	"net/http"
	"strings"

	"sanlian"
)

// sessionCookie holds the web session token.
const sessionCookie = "sanlian_session"

// authenticate returns the user behind the request's bearer token or
// session cookie. A request with neither gets EUNAUTHORIZED.
func (s *Server) authenticate(r *http.Request) (*sanlian.User, error) {
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "Authorization 头须为 Bearer 令牌")
		}
		token = strings.TrimSpace(t)
	} else if c, err := r.Cookie(sessionCookie); err == nil {
		token = c.Value
	}
	if token == "" {
		return nil, sanlian.Errorf(sanlian.EUNAUTHORIZED, "请先登录")
	}
	return s.Users.Authenticate(r.Context(), token)
}

func sessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		_, t, _ := strings.Cut(h, " ")
		return strings.TrimSpace(t)
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string        `json:"token"`
	ExpiresIn int           `json:"expires_in"` // idle seconds before the token lapses
	User      *sanlian.User `json:"user"`
}

// apiLogin is POST /api/v1/login.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	f := map[string]string{}
	if req.Username == "" {
		f["username"] = "请填写用户名"
	}
	if req.Password == "" {
		f["password"] = "请填写密码"
	}
	if err := sanlian.FieldErrors(f); err != nil {
		return err
	}
	if ok, err := s.loginAllowed(w, r, nil); !ok {
		return err
	}
	sess, u, err := s.Users.Login(r.Context(), req.Username, req.Password, "api")
	if sanlian.ErrorCode(err) == sanlian.EUNAUTHORIZED {
		s.loginFailed(r)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: sess.Token, ExpiresIn: int(s.cfg.IdleTimeout.Seconds()), User: u})
	return nil
}

// apiLogout is POST /api/v1/logout.
func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Users.Logout(r.Context(), sessionToken(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiMe is GET /api/v1/me.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, sanlian.UserFromContext(r.Context()))
	return nil
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginPage struct {
	basePage
	Username string
	Next     string
	Error    string
}

// loginForm is GET /login.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "login", &loginPage{basePage: s.base(r, "登录", ""), Next: safeNext(r.URL.Query().Get("next"))})
}

// loginSubmit is POST /login.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "表单无法解析")
	}
	p := &loginPage{basePage: s.base(r, "登录", ""), Username: r.PostFormValue("username"), Next: safeNext(r.PostFormValue("next"))}
	if p.Username == "" || r.PostFormValue("password") == "" {
		p.Error = "请填写用户名和密码"
		return s.render(w, r, http.StatusUnprocessableEntity, "login", p)
	}
	if ok, err := s.loginAllowed(w, r, func(status int) error {
		p.Error = sanlian.LoginRefused
		return s.render(w, r, status, "login", p)
	}); !ok {
		return err
	}
	sess, _, err := s.Users.Login(r.Context(), p.Username, r.PostFormValue("password"), "web")
	if code := sanlian.ErrorCode(err); code == sanlian.EUNAUTHORIZED {
		s.loginFailed(r)
		p.Error = sanlian.LoginRefused
		return s.render(w, r, http.StatusUnauthorized, "login", p)
	} else if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

// logout is POST /logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Users.Logout(r.Context(), sessionToken(r)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
