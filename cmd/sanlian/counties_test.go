package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sanlian/seal"
	"sanlian/sqldb/sqldbtest"
)

func TestCounties_NeedPostgres(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "one.db")
	for _, args := range [][]string{
		{"demo", "--counties", "6", "--db", db},
		{"serve", "--base-host", "localhost", "--db", db, "--addr", "127.0.0.1:0"},
	} {
		err := run(ctx, args, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "多县部署需要 PostgreSQL") {
			t.Errorf("%v: got %v", args, err)
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("%v created the SQLite file", args)
		}
	}
	err := run(ctx, []string{"demo", "--counties", "7", "--db", "postgres://nobody@127.0.0.1:1/none"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--counties 应在 1 到 6 之间") {
		t.Errorf("7 counties: got %v", err)
	}
}

func TestCountyBlobs(t *testing.T) {
	for loc, want := range map[string]string{
		"/srv/files":                      "/srv/files/county_430923",
		"file:///srv/files":               "file:///srv/files/county_430923",
		"s3://b?endpoint=h:9000":          "s3://b?endpoint=h%3A9000&prefix=county_430923",
		"s3://b?endpoint=h:9000&prefix=x": "s3://b?endpoint=h%3A9000&prefix=x%2Fcounty_430923",
	} {
		if got, err := countyBlobs(loc, "430923"); err != nil || got != want {
			t.Errorf("countyBlobs(%q) = %q, %v; want %q", loc, got, err, want)
		}
	}
}

// newDeployment is an empty PostgreSQL database for a deployment, a key
// file for its counties and the root of their file stores.
func newDeployment(t *testing.T) (dsn, key, files string) {
	t.Helper()
	dsn = sqldbtest.EmptyPostgres(t)
	dir := t.TempDir()
	key = filepath.Join(dir, "deploy.key")
	if _, err := seal.WriteKeyFile(key); err != nil {
		t.Fatal(err)
	}
	return dsn, key, filepath.Join(dir, "files")
}

// TestCounties_DemoAndServe loads two counties and the city account, then
// serves them: each county at its host, the city cockpit over both.
func TestCounties_DemoAndServe(t *testing.T) {
	t.Parallel()
	dsn, key, files := newDeployment(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"demo", "--counties", "2", "--households", "300", "--problems", "20", "--visits", "0", "--activities", "0",
		"--db", dsn, "--key-file", key, "--blobs", files}, nil, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"== 赫山区（430903）==", "== 资阳区（430902）==", "市级账号：city"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(files, "county_430903")); err != nil {
		t.Errorf("the county's own file store: %v", err)
	}
	m := &Main{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard,
		Config: Config{Addr: "127.0.0.1:0", DSN: dsn, KeyFile: key, Blobs: files}}
	cs, err := serveCounties(ctx, m, "localhost", "益阳市")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(method, host, path, body, cookie string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+m.Addr()+path, strings.NewReader(body))
		req.Host = host
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	for code, name := range map[string]string{"430903": "赫山区", "430902": "资阳区"} {
		res, body := get("GET", code+".localhost", "/submit", "", "")
		if res.StatusCode != 200 || !strings.Contains(body, name) {
			t.Errorf("%s's submit form: %d, names %s: %v", code, res.StatusCode, name, strings.Contains(body, name))
		}
	}
	res, body := get("GET", "430921.localhost", "/submit", "", "")
	if res.StatusCode != 404 || !strings.Contains(body, "没有代码为“430921”") {
		t.Errorf("a county not loaded: %d %.200s", res.StatusCode, body)
	}
	res, _ = get("POST", "city.localhost", "/login", "username=city&password=Sanlian@2021", "")
	var cookie string
	for _, c := range res.Cookies() {
		cookie = c.Name + "=" + c.Value
	}
	if res.StatusCode != http.StatusSeeOther || cookie == "" {
		t.Fatalf("city login: %d", res.StatusCode)
	}
	res, body = get("GET", "city.localhost", "/", "", cookie)
	if res.StatusCode != 200 || !strings.Contains(body, "赫山区") || !strings.Contains(body, "资阳区") || !strings.Contains(body, "毫秒") {
		t.Errorf("city cockpit: %d %.600s", res.StatusCode, body)
	}
	res, _ = get("GET", "city.localhost", "/households", "", cookie)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a county page at the city: %d", res.StatusCode)
	}
}
