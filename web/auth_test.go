package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// Every refused login reads the same, on the API and on the page, whether
// the name is unknown, the password wrong or the account locked: a
// refusal does not tell which names exist.
func TestLogin_SameRefusal(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		// Room for every try here under the per-client limit.
		a := newAppConfig(t, db, web.Config{Limits: map[string]web.Limit{web.BucketLoginFail: {Every: time.Minute, Burst: 100}}})
		// Lock cadre: MaxFailures wrong passwords.
		for range db.Auth.MaxFailures {
			a.do("POST", "/api/v1/login", "", `{"username":"cadre","password":"wrong-password"}`)
		}
		type answer struct {
			status int
			title  string
			detail string
		}
		api := func(user, pw string) answer {
			res, body := a.do("POST", "/api/v1/login", "", `{"username":"`+user+`","password":"`+pw+`"}`)
			p := decode[struct{ Title, Detail string }](t, body)
			return answer{res.StatusCode, p.Title, p.Detail}
		}
		unknown := api("nobody", sqldbtest.Password)
		if unknown.status != 401 || unknown.detail != sanlian.LoginRefused {
			t.Fatalf("unknown name: %+v", unknown)
		}
		if got := api("leader", "wrong-password"); got != unknown {
			t.Errorf("wrong password answers %+v, unknown name %+v", got, unknown)
		}
		if got := api("cadre", sqldbtest.Password); got != unknown {
			t.Errorf("locked account answers %+v, unknown name %+v", got, unknown)
		}

		b := a.browser()
		page := func(user, pw string) (int, string) {
			res, body := b.post("/login", url.Values{"username": {user}, "password": {pw}})
			return res.StatusCode, body
		}
		first := ""
		for _, c := range []struct{ name, user, pw string }{
			{"unknown name", "nobody", sqldbtest.Password},
			{"wrong password", "leader", "wrong-password"},
			{"locked account", "cadre", sqldbtest.Password},
		} {
			status, body := page(c.user, c.pw)
			if status != 401 || !strings.Contains(body, sanlian.LoginRefused) {
				t.Errorf("%s: page %d, refusal words shown %v", c.name, status, strings.Contains(body, sanlian.LoginRefused))
			}
			// The pages differ only in the name typed, which they keep.
			body = strings.ReplaceAll(body, `value="`+c.user+`"`, "")
			if first == "" {
				first = body
			} else if body != first {
				t.Errorf("%s: the page differs from the unknown name's", c.name)
			}
		}
	})
}

// A client that has used up its failed logins gets 429 with Retry-After
// and the refusal's words, even with the right password, while another
// client still logs in.
func TestLogin_ThrottlePerClient(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newAppConfig(t, db, web.Config{Limits: map[string]web.Limit{web.BucketLoginFail: {Every: time.Hour, Burst: 3}}})
		send := func(peer, path, ctype, body string) *httptest.ResponseRecorder {
			r := httptest.NewRequest("POST", path, strings.NewReader(body))
			r.RemoteAddr = peer
			r.Header.Set("Content-Type", ctype)
			w := httptest.NewRecorder()
			a.srv.ServeHTTP(w, r)
			return w
		}
		const js = "application/json"
		const form = "application/x-www-form-urlencoded"
		const bad, good = "203.0.113.7:4000", "198.51.100.9:5000"
		// Three failures, on as many names, are allowed …
		for _, u := range []string{"nobody", "leader", "office"} {
			if w := send(bad, "/api/v1/login", js, `{"username":"`+u+`","password":"wrong-password"}`); w.Code != 401 {
				t.Fatalf("failure %s: %d %s", u, w.Code, w.Body)
			}
		}
		// … then the client is refused before any check.
		w := send(bad, "/api/v1/login", js, `{"username":"office","password":"`+sqldbtest.Password+`"}`)
		if w.Code != 429 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), sanlian.LoginRefused) {
			t.Fatalf("over the limit: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		w = send(bad, "/login", form, url.Values{"username": {"office"}, "password": {sqldbtest.Password}}.Encode())
		if w.Code != 429 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), sanlian.LoginRefused) {
			t.Fatalf("page over the limit: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
		// Another client is not held back.
		if w := send(good, "/api/v1/login", js, `{"username":"office","password":"`+sqldbtest.Password+`"}`); w.Code != 200 {
			t.Fatalf("another client: %d %s", w.Code, w.Body)
		}
		if w := send(good, "/login", form, url.Values{"username": {"leader"}, "password": {sqldbtest.Password}}.Encode()); w.Code != 303 {
			t.Fatalf("another client's page login: %d", w.Code)
		}
	})
}

// API answers and staff pages carry Cache-Control: no-store; static files
// keep their caching.
func TestResponses_NoStore(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		tok := a.token("office")
		for _, c := range []struct {
			method, path, token, body string
		}{
			{"GET", "/api/v1/me", tok, ""},
			{"POST", "/api/v1/households/1/reveal", tok, "{}"},
			{"GET", "/api/v1/households?limit=5", tok, ""},
			{"GET", "/api/v1/me", "", ""},
			{"POST", "/api/v1/login", "", `{"username":"nobody","password":"x"}`},
			{"GET", "/households", tok, ""},
		} {
			res, body := a.do(c.method, c.path, c.token, c.body)
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s %s (%d): Cache-Control %q, want no-store", c.method, c.path, res.StatusCode, got)
			}
			if c.path == "/api/v1/households/1/reveal" && res.StatusCode != 200 {
				t.Errorf("reveal: %d %s", res.StatusCode, body)
			}
		}
		res, _ := a.do("GET", "/static/app.css", "", "")
		if got := res.Header.Get("Cache-Control"); res.StatusCode != 200 || got == "no-store" {
			t.Errorf("static file: %d Cache-Control %q", res.StatusCode, got)
		}
		if got := res.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("HSTS without secure cookies: %q", got)
		}
	})
}

// Strict-Transport-Security is sent only when the cookies are Secure
// (served behind HTTPS).
func TestResponses_HSTS(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{true: "secure", false: "plain"}[secure], func(t *testing.T) {
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				srv := newAppConfig(t, db, web.Config{SecureCookies: secure}).srv
				for _, path := range []string{"/login", "/api/v1/me"} {
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
					got := w.Header().Get("Strict-Transport-Security")
					if want := map[bool]string{true: "max-age=31536000"}[secure]; got != want {
						t.Errorf("secure %v, %s: HSTS %q, want %q", secure, path, got, want)
					}
				}
			})
		})
	}
}
