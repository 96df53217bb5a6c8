package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/open311"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
	"sanlian/xlsx"
)

// app is a server over a database holding the small test county.
type app struct {
	t      *testing.T
	db     *sqldb.DB
	srv    *web.Server
	ts     *httptest.Server
	tokens map[string]string
}

func newApp(t *testing.T, db *sqldb.DB) *app {
	t.Helper()
	return newAppConfig(t, db, web.Config{})
}

// newAppConfig is newApp with a configuration of the test's own; a test
// log is added when cfg has none.
func newAppConfig(t *testing.T, db *sqldb.DB, cfg web.Config) *app {
	t.Helper()
	sqldbtest.LoadSmall(t, db)
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	srv := web.New(web.Services{
		Users: db.Accounts, Regions: db.Org, Units: db.Org, Cadres: db.Org, Households: db.Org, Links: db.Org, Audit: db, Calendar: db,
		Problems: db.Problems, Attachments: db.Problems, Topics: db.Work, Visits: db.Work, Activities: db.Work, Coverage: db.Work, Supervisions: db.Problems,
		Projects: db.Lists, Resps: db.Lists, Lists: db.Lists, Imports: db.Lists, Dispatch: db.Problems, Metrics: db.Reports, Bulletins: db.Reports,
		Public: db.Public, Lookup: db.Public, Open311: db.Public, Notices: db.Notices, Routing: db.Problems, Workbench: db.Reports, Accounts: db.Accounts, Grants: db.Accounts,
		Cockpit: db.Reports, Themes: db.Work, Messages: db.Notices,
		Sheets: xlsx.Workbooks{},
		Ping:   db.Ping,
		Ready:  db.Ready,
	}, cfg)
	// Open311 mounted as cmd/sanlian mounts it.
	srv.Mount("/open311/", open311.New(db.Public, open311.Config{Log: cfg.Log, Now: cfg.Now, Secure: cfg.SecureCookies,
		Allow: func(r *http.Request) (bool, time.Duration) { return srv.Allow(r, web.BucketOpen311Post) }}))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &app{t: t, db: db, srv: srv, ts: ts, tokens: map[string]string{}}
}

// token logs in as username once and caches the bearer token.
func (a *app) token(username string) string {
	a.t.Helper()
	if tok, ok := a.tokens[username]; ok {
		return tok
	}
	tok := a.login(username)
	a.tokens[username] = tok
	return tok
}

func (a *app) login(username string) string {
	a.t.Helper()
	res, body := a.do("POST", "/api/v1/login", "", `{"username":"`+username+`","password":"`+sqldbtest.Password+`"}`)
	if res.StatusCode != 200 {
		a.t.Fatalf("login %s: %d %s", username, res.StatusCode, body)
	}
	var out struct{ Token string }
	json.Unmarshal([]byte(body), &out)
	return out.Token
}

// do sends a request; a body starting with { or [ is sent as JSON, any
// other as a form.
func (a *app) do(method, path, token, body string, hdr ...string) (*http.Response, string) {
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
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
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

// count returns how many rows a table holds, read through the office API
// where possible so that the test does not depend on SQL.
func (a *app) households() int {
	a.t.Helper()
	res, body := a.do("GET", "/api/v1/households?limit=500", a.token("office"), "")
	if res.StatusCode != 200 {
		a.t.Fatalf("households: %d %s", res.StatusCode, body)
	}
	var out struct{ Items []json.RawMessage }
	json.Unmarshal([]byte(body), &out)
	return len(out.Items)
}

func (a *app) auditRows() int {
	a.t.Helper()
	n := 0
	cursor := ""
	for {
		res, body := a.do("GET", "/api/v1/audit?limit=500&cursor="+cursor, a.token("auditor"), "")
		if res.StatusCode != 200 {
			a.t.Fatalf("audit: %d %s", res.StatusCode, body)
		}
		var out struct {
			Items      []json.RawMessage
			NextCursor string `json:"next_cursor"`
		}
		json.Unmarshal([]byte(body), &out)
		n += len(out.Items)
		if out.NextCursor == "" {
			return n
		}
		cursor = out.NextCursor
	}
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

type problem struct {
	Title  string
	Status int
	Detail string
	Code   string
	Errors map[string]string
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

var _ = bytes.NewReader
var _ = context.Background
var _ = sanlian.RoleOffice

// testWriter sends the server's log to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
