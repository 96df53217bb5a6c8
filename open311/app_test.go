package open311_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sanlian"
	"sanlian/open311"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// app is the GeoReport handler over a database holding the small test
// county, served on its own: the web server's common wrapping (hygiene,
// security headers) is web's to test, with the handler mounted.
type app struct {
	t     *testing.T
	db    *sqldb.DB
	ts    *httptest.Server
	users map[string]*sanlian.User
}

func newApp(t *testing.T, db *sqldb.DB) *app {
	t.Helper()
	return newAppConfig(t, db, open311.Config{})
}

// newAppConfig is newApp with a configuration of the test's own; a test
// log is added when cfg has none.
func newAppConfig(t *testing.T, db *sqldb.DB, cfg open311.Config) *app {
	t.Helper()
	users := sqldbtest.LoadSmall(t, db)
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	ts := httptest.NewServer(open311.New(db.Public, cfg))
	t.Cleanup(ts.Close)
	return &app{t: t, db: db, ts: ts, users: users}
}

// office is a context acting as the office, which issues the keys.
func (a *app) office() *sanlian.User { return a.users["office"] }

// do sends a request; a body starting with { or [ is sent as JSON, any
// other as a form.
func (a *app) do(method, path, body string, hdr ...string) (*http.Response, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.ts.URL+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		if body[0] == '{' || body[0] == '[' {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// issueKey issues a key as the office does and returns its id and secret.
func issueKey(t *testing.T, a *app, name, source string) (int64, string) {
	t.Helper()
	k, err := a.db.Public.CreateAPIKey(sqldbtest.As(a.office()), &sanlian.APIKeyInput{Name: name, Source: source})
	if err != nil {
		t.Fatalf("issue key: %v", err)
	}
	if !strings.HasPrefix(k.Secret, k.Key.Prefix) || k.Key.Prefix == "" {
		t.Fatalf("issued %+v", k)
	}
	return k.Key.ID, k.Secret
}

// revokeKey revokes a key as the office does.
func revokeKey(t *testing.T, a *app, id int64) {
	t.Helper()
	if _, err := a.db.Public.RevokeAPIKey(sqldbtest.As(a.office()), id); err != nil {
		t.Fatalf("revoke: %v", err)
	}
}

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// testWriter sends the handler's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
