package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
)

const wrkOut = `Running 10s test @ http://127.0.0.1:40000/api/v1/problems
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    28.10ms   10.02ms 112.50ms   71.00%
    Req/Sec   284.50     40.12   380.00     70.00%
  5673 requests in 10.01s, 12.30MB read
  Non-2xx or 3xx responses: 12
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:    566.73
Transfer/sec:      1.23MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOut)
	if err != nil {
		t.Fatal(err)
	}
	if r.requests != 5673 || r.seconds != 10.01 || r.rps != 566.73 || r.non2xx != 12 || r.errors != 3 {
		t.Errorf("parsed %+v", r)
	}
	ok, err := parseWrk(strings.NewReplacer("  Non-2xx or 3xx responses: 12\n", "", "  Socket errors: connect 0, read 1, write 0, timeout 2\n", "").Replace(wrkOut))
	if err != nil || ok.non2xx != 0 || ok.errors != 0 {
		t.Errorf("clean run parsed %+v, %v", ok, err)
	}
}

func TestParseWrk_NoSummary(t *testing.T) {
	if _, err := parseWrk("unable to connect to 127.0.0.1:40000 Connection refused\n"); err == nil {
		t.Error("no error for output without a summary")
	}
}

func TestParseFlags_Refused(t *testing.T) {
	for _, args := range [][]string{
		{"--engine", "mysql"},
		{"--engine", "postgres", "--pg", ""},
		{"--conns", "0"},
		{"--duration", "-1s"},
		{"--only", "both"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	o, err := parseFlags([]string{"--conns", "1", "--threads", "2"}, io.Discard)
	if err != nil || o.threads != 1 {
		t.Errorf("threads beyond connections: %+v, %v", o, err)
	}
}

// TestLoad_Bodies: every body is a valid problem with text of its own.
func TestLoad_Bodies(t *testing.T) {
	l := &load{villages: []string{"430923100001", "430923100002"}, cats: []string{"transport", "education"}}
	seen := map[string]bool{}
	for th := 1; th <= 4; th++ {
		for n := 1; n <= 50; n++ {
			var in sanlian.ProblemInput
			dec := json.NewDecoder(strings.NewReader(string(l.body("s", th, n))))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				t.Fatal(err)
			}
			in.Normalize()
			if err := in.Validate(); err != nil {
				t.Fatalf("thread %d request %d: %v", th, n, err)
			}
			if seen[in.Title] {
				t.Fatalf("title %q twice", in.Title)
			}
			seen[in.Title] = true
		}
	}
	script := l.luaScript("s", "tok")
	for _, want := range []string{`"430923100002"`, `"transport"`, `local token = "tok"`, `function request()`} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s", want)
		}
	}
}

// TestBareHandler: the baseline answers 201 and writes its row; bad JSON
// and unknown fields get 400 and write nothing.
func TestBareHandler(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "b.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := createBareTable(ctx, db); err != nil {
		t.Fatal(err)
	}
	h := bareHandler(db)
	post := func(body string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/problems", strings.NewReader(body)))
		return w.Code
	}
	l := &load{villages: []string{"430923100001"}, cats: []string{"transport"}}
	if code := post(string(l.body("t", 1, 1))); code != http.StatusCreated {
		t.Errorf("valid body: %d", code)
	}
	for _, bad := range []string{`{"title":`, `{"nope":1}`, `{"title":"a"} {"title":"b"}`} {
		if code := post(bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
	if n, err := countRows(ctx, db, bareTable); err != nil || n != 1 {
		t.Errorf("%d rows, %v; want 1", n, err)
	}
}

// TestRun_Small runs the whole bench briefly on SQLite with the Go load
// generator: both handlers answer every request with 2xx and the table
// is printed.
func TestRun_Small(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a county")
	}
	var out strings.Builder
	err := run(context.Background(), []string{"--engine", "sqlite", "--duration", "1s", "--warmup", "0s", "--conns", "4",
		"--households", "300", "--wrk", ""}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := strings.Split(lines[len(lines)-1], "|")
	if len(last) < 10 || strings.TrimSpace(last[1]) != "sqlite" || strings.TrimSpace(last[5]) != "0" || strings.TrimSpace(last[6]) != "0" ||
		strings.TrimSpace(last[8]) == "0" {
		t.Errorf("table:\n%s", out.String())
	}
}
