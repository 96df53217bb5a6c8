package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pquerna/otp"

	"sanlian"
)

// What every user does for their own account: their password, their
// sessions, their second factor.

// totpIssuer names the platform in the authenticator app.
const totpIssuer = "三联三清"

type passwordChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// apiChangePassword is POST /api/v1/me/password {"old","new"}.
func (s *accountHandlers) apiChangePassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordChange
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Users.ChangePassword(r.Context(), sessionToken(r), req.Old, req.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type mePasswordPage struct {
	basePage
	Policy sanlian.PasswordPolicy
	Error  string
	Fields map[string]string
}

func (s *accountHandlers) renderMePassword(w http.ResponseWriter, r *http.Request, status int, err error) error {
	p := &mePasswordPage{basePage: s.base(r, "修改密码", "me")}
	var perr error
	if p.Policy, perr = s.Users.PasswordPolicy(r.Context()); perr != nil {
		return perr
	}
	if err != nil {
		p.Error, p.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
	}
	return s.render(w, r, status, "me_password", p)
}

// mePasswordForm is GET /me/password.
func (s *accountHandlers) mePasswordForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderMePassword(w, r, http.StatusOK, nil)
}

// mePasswordSubmit is POST /me/password.
func (s *accountHandlers) mePasswordSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "表单无法解析")
	}
	if r.PostFormValue("new") != r.PostFormValue("confirm") {
		return s.renderMePassword(w, r, http.StatusUnprocessableEntity,
			sanlian.FieldErrors(map[string]string{"confirm": "两次输入的新密码不一致"}))
	}
	err := s.Users.ChangePassword(r.Context(), sessionToken(r), r.PostFormValue("old"), r.PostFormValue("new"))
	if c := sanlian.ErrorCode(err); c == sanlian.EUNPROCESSABLE || c == sanlian.ECONFLICT {
		return s.renderMePassword(w, r, sanlian.HTTPStatus(c), err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/me/sessions?ok="+url.QueryEscape("密码已修改，其他设备上的登录已全部退出"), http.StatusSeeOther)
	return nil
}

// apiMySessions is GET /api/v1/me/sessions.
func (s *accountHandlers) apiMySessions(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.Users.MySessions(r.Context(), sessionToken(r))
	if err != nil {
		return err
	}
	writeList(w, ss, "")
	return nil
}

// apiEndMySession is DELETE /api/v1/me/sessions/{id}; the id "others"
// ends every session but the caller's.
func (s *accountHandlers) apiEndMySession(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Users.EndMySession(r.Context(), sessionToken(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meSessionsPage struct {
	basePage
	Sessions []*sanlian.SessionInfo
}

// meSessionsPage is GET /me/sessions.
func (s *accountHandlers) meSessionsPage(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.Users.MySessions(r.Context(), sessionToken(r))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "me_sessions", &meSessionsPage{basePage: s.base(r, "我的登录设备", "me"), Sessions: ss})
}

// meEndSession is POST /me/sessions/{id}/end ("others": all but this one).
func (s *accountHandlers) meEndSession(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Users.EndMySession(r.Context(), sessionToken(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	msg := "已结束该会话"
	if r.PathValue("id") == "others" {
		msg = "已结束其他全部会话（" + strconv.Itoa(n) + " 个）"
	}
	http.Redirect(w, r, "/me/sessions?ok="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

type me2FAPage struct {
	basePage
	Enabled  bool
	Required bool // the role must have a second factor
	Secret   string
	QR       template.URL // a PNG data URI of the otpauth:// address
	Codes    []string     // the recovery codes, once, right after enrolment
	Error    string
	Fields   map[string]string
}

func (s *accountHandlers) renderMe2FA(w http.ResponseWriter, r *http.Request, status int, p *me2FAPage) error {
	u := sanlian.UserFromContext(r.Context())
	p.basePage = s.base(r, "双因素认证", "me")
	p.Enabled = u.TOTPEnabled
	p.Required = u.Restriction == sanlian.ETOTPENROL
	if !p.Enabled && p.Codes == nil {
		e, err := s.Users.BeginTOTP(r.Context(), totpIssuer)
		if err != nil {
			return err
		}
		p.Secret = e.Secret
		if p.QR, err = qrDataURI(e.URL); err != nil {
			return err
		}
	}
	return s.render(w, r, status, "me_2fa", p)
}

// qrDataURI draws an otpauth:// address as a PNG QR code in a data URI.
func qrDataURI(u string) (template.URL, error) {
	k, err := otp.NewKeyFromURL(u)
	if err != nil {
		return "", err
	}
	img, err := k.Image(220, 220)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// me2FAForm is GET /me/2fa: the status, or the enrolment's QR code.
func (s *accountHandlers) me2FAForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderMe2FA(w, r, http.StatusOK, &me2FAPage{})
}

// me2FASubmit is POST /me/2fa: the first code confirms the enrolment; the
// recovery codes are shown once.
func (s *accountHandlers) me2FASubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "表单无法解析")
	}
	codes, err := s.Users.ConfirmTOTP(r.Context(), strings.TrimSpace(r.PostFormValue("code")))
	if c := sanlian.ErrorCode(err); c == sanlian.EUNPROCESSABLE {
		return s.renderMe2FA(w, r, sanlian.HTTPStatus(c), &me2FAPage{Error: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err)})
	} else if err != nil {
		return err
	}
	u := *sanlian.UserFromContext(r.Context())
	u.TOTPEnabled, u.Restriction = true, ""
	r = r.WithContext(sanlian.NewContextWithUser(r.Context(), &u))
	return s.renderMe2FA(w, r, http.StatusOK, &me2FAPage{Codes: codes})
}

// me2FADisable is POST /me/2fa/disable, with a current code.
func (s *accountHandlers) me2FADisable(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return sanlian.Errorf(sanlian.EINVALID, "表单无法解析")
	}
	err := s.Users.DisableTOTP(r.Context(), strings.TrimSpace(r.PostFormValue("code")))
	if c := sanlian.ErrorCode(err); c == sanlian.EUNPROCESSABLE || c == sanlian.EFORBIDDEN {
		return s.render(w, r, sanlian.HTTPStatus(c), "me_2fa", &me2FAPage{basePage: s.base(r, "双因素认证", "me"), Enabled: true,
			Error: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err)})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/me/2fa?ok="+url.QueryEscape("已关闭双因素认证"), http.StatusSeeOther)
	return nil
}

// apiPasswordPolicy is GET /api/v1/password-policy: the rule new passwords
// must pass, for forms and clients to show.
func (s *accountHandlers) apiPasswordPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Users.PasswordPolicy(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// apiSetPasswordPolicy is PUT /api/v1/password-policy, the security
// administrator's.
func (s *accountHandlers) apiSetPasswordPolicy(w http.ResponseWriter, r *http.Request) error {
	var p sanlian.PasswordPolicy
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	if err := s.Users.SetPasswordPolicy(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
