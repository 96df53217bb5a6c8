package web

import (
	"errors"
	"net/http"
	"net/url"
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
	Username     string `json:"username"`
	Password     string `json:"password"`
	TOTP         string `json:"totp,omitempty"`          // the authenticator's code, for an account with a second factor
	RecoveryCode string `json:"recovery_code,omitempty"` // or one of its recovery codes
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
	sess, u, err := s.Users.LoginWith(r.Context(), sanlian.Credentials{Username: req.Username, Password: req.Password,
		TOTP: req.TOTP, RecoveryCode: req.RecoveryCode, Kind: "api"})
	if sanlian.ErrorCode(err) == sanlian.EUNAUTHORIZED {
		reason := LoginFailCredentials
		if errors.Is(err, sanlian.ErrSecondFactor) {
			reason = LoginFailSecondFactor
		}
		s.loginFailed(r, reason)
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
	sess, u, err := s.Users.LoginWith(r.Context(), sanlian.Credentials{Username: p.Username, Password: r.PostFormValue("password"),
		Kind: "web", Pending: true})
	if code := sanlian.ErrorCode(err); code == sanlian.EUNAUTHORIZED {
		s.loginFailed(r, LoginFailCredentials)
		p.Error = sanlian.LoginRefused
		return s.render(w, r, http.StatusUnauthorized, "login", p)
	} else if err != nil {
		return err
	}
	if sess.Pending {
		http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: sess.Token, Path: "/login", MaxAge: int(sanlian.PendingLoginFor.Seconds()),
			HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(p.Next), http.StatusSeeOther)
		return nil
	}
	s.startSession(w, r, sess, u, p.Next)
	return nil
}

// pendingCookie holds a pending login's token between the password and
// the second factor's code.
const pendingCookie = "sanlian_pending"

// startSession sets the session cookie and goes on: to the page asked
// for, or to the step a restricted account must take first.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, sess *sanlian.Session, u *sanlian.User, next string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	switch u.Restriction {
	case sanlian.EPASSWORDCHANGE:
		next = "/me/password?ok=" + url.QueryEscape(restrictionNotice[u.Restriction])
	case sanlian.ETOTPENROL:
		next = "/me/2fa?ok=" + url.QueryEscape(restrictionNotice[u.Restriction])
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

type login2FAPage struct {
	basePage
	Next  string
	Error string
}

// login2FAForm is GET /login/2fa: the second page of a login with a
// second factor.
func (s *Server) login2FAForm(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(pendingCookie); err != nil || c.Value == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login_2fa", &login2FAPage{basePage: s.base(r, "动态验证码", ""), Next: safeNext(r.URL.Query().Get("next"))})
}

// login2FASubmit is POST /login/2fa.
func (s *Server) login2FASubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "表单无法解析")
	}
	p := &login2FAPage{basePage: s.base(r, "动态验证码", ""), Next: safeNext(r.PostFormValue("next"))}
	c, err := r.Cookie(pendingCookie)
	if err != nil || c.Value == "" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(p.Next), http.StatusSeeOther)
		return nil
	}
	code, recovery := strings.TrimSpace(r.PostFormValue("code")), strings.TrimSpace(r.PostFormValue("recovery_code"))
	if code == "" && recovery == "" {
		p.Error = "请输入动态验证码或一个恢复码"
		return s.render(w, r, http.StatusUnprocessableEntity, "login_2fa", p)
	}
	if ok, err := s.loginAllowed(w, r, func(status int) error {
		p.Error = sanlian.LoginRefused
		return s.render(w, r, status, "login_2fa", p)
	}); !ok {
		return err
	}
	sess, u, err := s.Users.CompleteLogin(r.Context(), c.Value, code, recovery)
	if sanlian.ErrorCode(err) == sanlian.EUNAUTHORIZED {
		s.loginFailed(r, LoginFailSecondFactor)
		p.Error = sanlian.ErrorMessage(err)
		return s.render(w, r, http.StatusUnauthorized, "login_2fa", p)
	} else if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	s.startSession(w, r, sess, u, p.Next)
	return nil
}

// restrictionNotice is the notice a restricted account reads.
var restrictionNotice = map[string]string{
	sanlian.EPASSWORDCHANGE: "您的密码已重置或已过期，请先设置新密码",
	sanlian.ETOTPENROL:      "您的角色须使用双因素认证，请先完成设置",
}

// restricted answers a restricted account's request for anything else.
func (s *Server) restricted(w http.ResponseWriter, r *http.Request, u *sanlian.User, api bool) {
	msg := restrictionNotice[u.Restriction]
	if api {
		s.writeProblem(w, r, &sanlian.Error{Code: u.Restriction, Message: msg})
		return
	}
	to := "/me/password"
	if u.Restriction == sanlian.ETOTPENROL {
		to = "/me/2fa"
	}
	to += "?ok=" + url.QueryEscape(msg)
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
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
