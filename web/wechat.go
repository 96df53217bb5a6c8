package web

// The WeChat entry: a resident who opens the submission page through the
// county's WeChat link (/submit?via=wechat) is sent once, silently, through
// WeChat's web OAuth (snsapi_base) and comes back with a code that the
// server exchanges for the resident's OpenID. The OpenID is kept in an
// HttpOnly cookie signed with the people's side's key; when the resident
// ticks "通过微信接收办理进度", the server, never the client, puts it on the
// submission.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// WechatOAuth is the county's WeChat official account's web OAuth; nil in
// Services when no WeChat app is configured.
type WechatOAuth interface {
	// OAuthURL is the address that asks WeChat for the resident's
	// OpenID (scope snsapi_base) and comes back to redirect with a code
	// and state.
	OAuthURL(redirect, state string) string
	// ExchangeCode trades the code WeChat gave for the OpenID.
	ExchangeCode(ctx context.Context, code string) (openID string, err error)
}

const (
	// wechatCookie holds the signed OpenID.
	wechatCookie = "sanlian_wx"
	// wechatCookieAge is how long the OpenID is remembered.
	wechatCookieAge = 30 * 24 * time.Hour
	// wechatStateTTL is how long a trip through WeChat's OAuth may take.
	wechatStateTTL = 10 * time.Minute
	// maxOpenID bounds an OpenID (WeChat's are 28 characters).
	maxOpenID = 64
)

// wechatMAC signs msg under the people's side's key, for purpose.
func (s *peopleHandlers) wechatMAC(ctx context.Context, purpose, msg string) (string, error) {
	key, err := s.powKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose + ":" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// validOpenID accepts the characters WeChat's OpenIDs are made of.
func validOpenID(id string) bool {
	if id == "" || len(id) > maxOpenID {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// wechatOpenID reads the signed OpenID cookie: "" when there is none or
// its signature is not ours.
func (s *peopleHandlers) wechatOpenID(r *http.Request) string {
	c, err := r.Cookie(wechatCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	id, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !validOpenID(id) {
		return ""
	}
	want, err := s.wechatMAC(r.Context(), "wechat-openid", id)
	if err != nil || !hmac.Equal([]byte(sig), []byte(want)) {
		return ""
	}
	return id
}

// wechatRedirect is the address WeChat sends the resident back to.
func (s *peopleHandlers) wechatRedirect(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/wechat/oauth"
}

// wechatEntry sends a resident who came through WeChat's link, with no
// OpenID yet, through WeChat's OAuth once; it reports whether it did.
func (s *peopleHandlers) wechatEntry(w http.ResponseWriter, r *http.Request) bool {
	if s.Wechat == nil || viaOf(r) != sanlian.SourceWechat || r.URL.Query().Get("oauth") != "" {
		return false
	}
	if s.wechatOpenID(r) != "" {
		return false
	}
	exp := strconv.FormatInt(time.Now().Add(wechatStateTTL).Unix(), 10)
	sig, err := s.wechatMAC(r.Context(), "wechat-state", exp)
	if err != nil {
		s.logInternal(r, err)
		return false
	}
	http.Redirect(w, r, s.Wechat.OAuthURL(s.wechatRedirect(r), exp+"."+sig), http.StatusFound)
	return true
}

// wechatOAuth is GET /wechat/oauth: WeChat's way back. Whatever happens,
// the resident lands on the form; oauth=1 keeps the entry from sending
// them round again.
func (s *peopleHandlers) wechatOAuth(w http.ResponseWriter, r *http.Request) error {
	back := "/submit?via=wechat&oauth=1"
	if !s.limit(w, r, BucketChallenge) {
		return nil
	}
	if s.Wechat == nil {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	q := r.URL.Query()
	exp, sig, _ := strings.Cut(q.Get("state"), ".")
	want, err := s.wechatMAC(r.Context(), "wechat-state", exp)
	if err != nil {
		return s.publicFail(w, r, err)
	}
	at, perr := strconv.ParseInt(exp, 10, 64)
	code := q.Get("code")
	if perr != nil || !hmac.Equal([]byte(sig), []byte(want)) || time.Now().Unix() > at || code == "" || len(code) > 128 {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	id, err := s.Wechat.ExchangeCode(r.Context(), code)
	if err != nil || !validOpenID(id) {
		if err != nil {
			s.log.Warn("wechat oauth", "err", err)
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	mac, err := s.wechatMAC(r.Context(), "wechat-openid", id)
	if err != nil {
		return s.publicFail(w, r, err)
	}
	http.SetCookie(w, &http.Cookie{Name: wechatCookie, Value: id + "." + mac, Path: "/", MaxAge: int(wechatCookieAge / time.Second),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// errWechatForged refuses a submission whose OpenID cookie is not ours.
var errWechatForged = &sanlian.Error{Code: sanlian.EUNPROCESSABLE,
	Message: "微信身份校验未通过，无法通过微信接收办理进度。请从微信中重新打开本页，或取消勾选后提交",
	Fields:  map[string]string{"notify_wechat": "微信身份校验未通过，请从微信中重新打开本页"}}

// wechatConsent puts the OpenID on a submission from WeChat whose
// resident ticked notify_wechat; a cookie that is not ours refuses it.
func (s *peopleHandlers) wechatConsent(r *http.Request, sub *sanlian.PublicSubmission, ticked bool) error {
	if !ticked {
		return nil
	}
	id := s.wechatOpenID(r)
	if id == "" || s.Wechat == nil || sub.Source != sanlian.SourceWechat {
		return errWechatForged
	}
	sub.WechatOpenID = id
	return nil
}
