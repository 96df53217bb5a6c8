package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRun_Require2FAFlag: an unknown role in --require-2fa stops serve
// before it opens anything, naming the roles it takes.
func TestRun_Require2FAFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--require-2fa", "office,boss", "--db", filepath.Join(t.TempDir(), "x.db")}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `未知角色 "boss"`) || !strings.Contains(err.Error(), "none") {
		t.Errorf("err = %v", err)
	}
}

// lockedBuffer is a bytes.Buffer the server's goroutines may write to
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRun_LogFormatJSON: serve --log-format json writes every log line as
// a JSON object, the access log among them with the request's id;
// --metrics-token guards GET /metrics.
func TestRun_LogFormatJSON(t *testing.T) {
	var out, errOut lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"),
			"--log-format", "json", "--metrics-token", "scrape-token"}, nil, &out, &errOut)
	}()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	var base string
	for start := time.Now(); base == "" && time.Since(start) < 60*time.Second; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = "http://" + m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, errOut.String())
		default:
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	get := func(path string, hdr ...string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/healthz", "X-Request-Id", "cmd-req-1"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	if code, body := get("/metrics"); code != 401 || !strings.Contains(body, "指标令牌") {
		t.Errorf("metrics without the token: %d %s", code, body)
	}
	if code, body := get("/metrics", "Authorization", "Bearer scrape-token"); code != 200 ||
		!strings.Contains(body, `sanlian_http_requests_total{code="200",route="GET /healthz"} 1`) || !strings.Contains(body, `sanlian_db_open_connections{pool="write"}`) {
		t.Errorf("metrics with the token: %d %s", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	lines, access := 0, false
	for l := range strings.SplitSeq(strings.TrimSpace(errOut.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		lines++
		if m["msg"] == "http request" && m["request_id"] == "cmd-req-1" && m["route"] == "GET /healthz" && m["status"] == float64(200) {
			access = true
		}
	}
	if lines < 2 || !access {
		t.Errorf("%d lines, access line for cmd-req-1: %v\n%s", lines, access, errOut.String())
	}
}

// TestRun_LogFormatBad: a --log-format other than text or json stops
// serve before it opens anything.
func TestRun_LogFormatBad(t *testing.T) {
	var out, errOut bytes.Buffer
	db := filepath.Join(t.TempDir(), "x.db")
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-format", "xml"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "日志格式只能是 text 或 json") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the database was opened: %v", err)
	}
}
