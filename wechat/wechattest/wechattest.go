// Package wechattest runs a stand-in for the WeChat service-account API on
// an httptest server: it issues access tokens for one AppID and AppSecret,
// checks the token of every template message, exchanges the OAuth codes a
// test registers, records the messages it took, and can be switched to
// fail.
package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Mode is how the fake answers from now on.
type Mode int

// The modes the fake can be switched to.
const (
	OK      Mode = iota // answer as WeChat does
	Fail500             // answer HTTP 500 on every endpoint
	Hang                // answer nothing until the client gives up
)

// Message is one template message the fake took.
type Message struct {
	ToUser     string
	TemplateID string
	URL        string
	Data       map[string]string // field name → value
}

// Server is the running fake; URL is the Client's Base.
type Server struct {
	URL string

	appID, secret string
	srv           *httptest.Server
	done          chan struct{}

	mu       sync.Mutex
	mode     Mode
	ttl      int
	tokens   map[string]bool // issued → still valid
	issued   int
	codes    map[string]string
	used     map[string]bool
	failCode int
	failMsg  string
	msgs     []Message
}

// New starts a fake for the service account appID with secret.
func New(t testing.TB, appID, secret string) *Server {
	s := &Server{appID: appID, secret: secret, done: make(chan struct{}), ttl: 7200,
		tokens: map[string]bool{}, codes: map[string]string{}, used: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", s.token)
	mux.HandleFunc("POST /cgi-bin/message/template/send", s.send)
	mux.HandleFunc("GET /sns/oauth2/access_token", s.oauth)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		mode := s.mode
		s.mu.Unlock()
		switch mode {
		case Fail500:
			http.Error(w, "system error", http.StatusInternalServerError)
			return
		case Hang:
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		}
		mux.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.done) })
	return s
}

// SetMode switches how the fake answers.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

// SetTokenTTL sets the expires_in of tokens issued from now on (7200 at
// start).
func (s *Server) SetTokenTTL(seconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = seconds
}

// ExpireTokens makes every token issued so far answer 42001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.tokens {
		s.tokens[k] = false
	}
}

// FailTemplates makes template sends with a good token answer errcode
// (e.g. 43004 require subscribe, 45009 api freq out of limit); 0 stops it.
func (s *Server) FailTemplates(errcode int, errmsg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCode, s.failMsg = errcode, errmsg
}

// AddCode registers an OAuth code that exchanges, once, for openID.
func (s *Server) AddCode(code, openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = openID
}

// TokensIssued is how many access tokens the fake has handed out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Messages returns the template messages the fake took, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

func errJSON(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg + " rid: 6571a1b2-0c1d2e3f"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("grant_type") != "client_credential":
		errJSON(w, 40002, "invalid grant_type")
	case q.Get("appid") != s.appID:
		errJSON(w, 40013, "invalid appid")
	case q.Get("secret") != s.secret:
		errJSON(w, 40125, "invalid appsecret")
	default:
		s.mu.Lock()
		s.issued++
		tok := fmt.Sprintf("ACCESS_TOKEN_%d_%s", s.issued, s.appID)
		s.tokens[tok] = true
		ttl := s.ttl
		s.mu.Unlock()
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": ttl})
	}
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	valid, known := s.tokens[r.URL.Query().Get("access_token")]
	failCode, failMsg := s.failCode, s.failMsg
	s.mu.Unlock()
	if !known {
		errJSON(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	if !valid {
		errJSON(w, 42001, "access_token expired")
		return
	}
	var body struct {
		ToUser     string                       `json:"touser"`
		TemplateID string                       `json:"template_id"`
		URL        string                       `json:"url"`
		Data       map[string]map[string]string `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		errJSON(w, 47001, "data format error")
		return
	}
	switch {
	case body.ToUser == "":
		errJSON(w, 40003, "invalid openid")
		return
	case body.TemplateID == "":
		errJSON(w, 40037, "invalid template_id")
		return
	case failCode != 0:
		errJSON(w, failCode, failMsg)
		return
	}
	m := Message{ToUser: body.ToUser, TemplateID: body.TemplateID, URL: body.URL, Data: map[string]string{}}
	for k, v := range body.Data {
		m.Data[k] = v["value"]
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	id := 200228332 + len(s.msgs)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}

func (s *Server) oauth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code := q.Get("code")
	s.mu.Lock()
	openID, known := s.codes[code]
	used := s.used[code]
	if known && !used && q.Get("appid") == s.appID && q.Get("secret") == s.secret {
		s.used[code] = true
	}
	s.mu.Unlock()
	switch {
	case q.Get("grant_type") != "authorization_code":
		errJSON(w, 40002, "invalid grant_type")
	case q.Get("appid") != s.appID:
		errJSON(w, 40013, "invalid appid")
	case q.Get("secret") != s.secret:
		errJSON(w, 40125, "invalid appsecret")
	case !known:
		errJSON(w, 40029, "invalid code")
	case used:
		errJSON(w, 40163, "code been used")
	default:
		writeJSON(w, map[string]any{"access_token": "WEB_TOKEN_" + code, "expires_in": 7200, "refresh_token": "REFRESH_" + code,
			"openid": openID, "scope": "snsapi_base"})
	}
}
