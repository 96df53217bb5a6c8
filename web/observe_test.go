package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// scrape reads GET /metrics as Prometheus does (no text/html), with
// optional headers, and returns the status and body.
func scrape(t *testing.T, a *app, hdr ...string) (*http.Response, string) {
	t.Helper()
	return a.do("GET", "/metrics", "", "", append([]string{"Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1"}, hdr...)...)
}

// metricValue is the value of the sample whose name and labels are
// exactly series, or -1 when the scrape has none.
func metricValue(body, series string) float64 {
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		l := sc.Text()
		i := strings.LastIndexByte(l, ' ') // label values hold spaces ("GET /x")
		if name, val := l[:max(i, 0)], l[i+1:]; i > 0 && name == series {
			var v float64
			fmt.Sscan(val, &v)
			return v
		}
	}
	return -1
}

// rawPathLabel is a label value holding a path with a number in it: a
// raw path rather than a route pattern.
var rawPathLabel = regexp.MustCompile(`route="[^"]*/[0-9]+[/"?]`)

// TestMetrics_Scrape: after some requests, /metrics shows them by route
// pattern and status with their latency, the queue depths as the storage
// counts them, the pools, a refused login and the runtime; no label holds
// a raw path.
func TestMetrics_Scrape(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newAppConfig(t, db, web.Config{PoolStats: db.PoolStats, QueueDepths: db.QueueDepths})
		tok := a.token("office")
		for _, id := range []string{"999991", "999992", "999993"} {
			if res, _ := a.do("GET", "/api/v1/problems/"+id, tok, ""); res.StatusCode != 404 {
				t.Fatalf("problem %s: %d", id, res.StatusCode)
			}
		}
		if res, _ := a.do("GET", "/api/v1/units", tok, ""); res.StatusCode != 200 {
			t.Fatalf("units: %d", res.StatusCode)
		}
		if res, _ := a.do("POST", "/api/v1/login", "", `{"username":"office","password":"wrong-password"}`); res.StatusCode != 401 {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
		// An assignment queues a webhook delivery and an in-app notice.
		if res, body := a.do("POST", "/api/v1/webhooks", tok, `{"name":"派单推送","kind":"json","url":"https://example.com/hook","events":["problem_assigned"]}`); res.StatusCode != 201 {
			t.Fatalf("webhook: %d %s", res.StatusCode, body)
		}
		p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "村口路灯坏了", "村口三盏路灯坏了一个月")
		if code, body, _ := a.problemAct(tok, p, "assign", `,"unit_id":1,"person_id":2`); code != 200 {
			t.Fatalf("assign: %d %s", code, body)
		}
		a.srv.JobRan("cockpit_rollup", "ok")
		a.srv.JobRan("cockpit_rollup", "ok")
		a.srv.JobRan("bulletin_draft", "failed")

		res, body := scrape(t, a)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
			t.Fatalf("scrape: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		for series, want := range map[string]float64{
			`sanlian_http_requests_total{code="404",route="GET /api/v1/problems/{id}"}`:         3,
			`sanlian_http_requests_total{code="200",route="GET /api/v1/units"}`:                 1,
			`sanlian_http_requests_total{code="401",route="POST /api/v1/login"}`:                1,
			`sanlian_http_request_duration_seconds_count{route="GET /api/v1/problems/{id}"}`:    3,
			`sanlian_http_request_duration_seconds_bucket{route="GET /api/v1/units",le="+Inf"}`: 1,
			`sanlian_login_failures_total{reason="credentials"}`:                                1,
			`sanlian_login_failures_total{reason="second_factor"}`:                              0,
			`sanlian_job_runs_total{job="cockpit_rollup",outcome="ok"}`:                         2,
			`sanlian_job_runs_total{job="bulletin_draft",outcome="failed"}`:                     1,
			`sanlian_queue_depth_up`: 1,
		} {
			if got := metricValue(body, series); got != want {
				t.Errorf("%s = %v, want %v", series, got, want)
			}
		}
		depths, err := db.QueueDepths(context.Background())
		MustOKWeb(t, err)
		if depths["webhook"] < 1 || depths["notice"] < 1 {
			t.Fatalf("storage depths %v", depths)
		}
		for q, n := range depths {
			if got := metricValue(body, `sanlian_queue_depth{queue="`+q+`"}`); got != float64(n) {
				t.Errorf("queue %s: scraped %v, storage says %d", q, got, n)
			}
		}
		for pool := range db.PoolStats() {
			if metricValue(body, `sanlian_db_open_connections{pool="`+pool+`"}`) < 1 ||
				metricValue(body, `sanlian_db_wait_count_total{pool="`+pool+`"}`) < 0 {
				t.Errorf("pool %s not reported", pool)
			}
		}
		for _, want := range []string{"go_goroutines ", "process_cpu_seconds_total ", `sanlian_http_request_duration_seconds_bucket{route="GET /api/v1/units",le="0.005"}`} {
			if !strings.Contains(body, want) {
				t.Errorf("scrape lacks %q", want)
			}
		}
		if m := rawPathLabel.FindString(body); m != "" || strings.Contains(body, "999991") {
			t.Errorf("a raw path in a label: %q", m)
		}
		// The scrape itself is counted under its route.
		_, body = scrape(t, a)
		if got := metricValue(body, `sanlian_http_requests_total{code="200",route="GET /metrics"}`); got < 1 {
			t.Errorf("scrapes counted %v", got)
		}
	})
}

// TestMetrics_RegistryPerServer: two servers in one process count apart.
func TestMetrics_RegistryPerServer(t *testing.T) {
	a, b := newApp(t, sqldbtest.Open(t, "sqlite")), newApp(t, sqldbtest.Open(t, "sqlite"))
	a.do("GET", "/healthz", "", "")
	a.do("GET", "/healthz", "", "")
	_, ba := scrape(t, a)
	_, bb := scrape(t, b)
	if metricValue(ba, `sanlian_http_requests_total{code="200",route="GET /healthz"}`) != 2 ||
		metricValue(bb, `sanlian_http_requests_total{code="200",route="GET /healthz"}`) != -1 {
		t.Fatalf("a: %v, b: %v", metricValue(ba, `sanlian_http_requests_total{code="200",route="GET /healthz"}`),
			metricValue(bb, `sanlian_http_requests_total{code="200",route="GET /healthz"}`))
	}
}

// TestMetrics_QueueTimeout: a queue count that does not answer in time
// costs the scrape no more than the timeout and is reported as down; a
// failing one likewise; the rest of the scrape is served.
func TestMetrics_QueueTimeout(t *testing.T) {
	for name, depths := range map[string]func(context.Context) (map[string]int64, error){
		"Slow": func(ctx context.Context) (map[string]int64, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
		"Failing": func(context.Context) (map[string]int64, error) { return nil, fmt.Errorf("no such table") },
	} {
		t.Run(name, func(t *testing.T) {
			a := newAppConfig(t, sqldbtest.Open(t, "sqlite"), web.Config{QueueDepths: depths, QueueTimeout: 100 * time.Millisecond})
			start := time.Now()
			res, body := scrape(t, a)
			if took := time.Since(start); res.StatusCode != 200 || took > 3*time.Second {
				t.Fatalf("scrape: %d in %v", res.StatusCode, took)
			}
			if got := metricValue(body, "sanlian_queue_depth_up"); got != 0 || strings.Contains(body, "sanlian_queue_depth{") {
				t.Errorf("queue_depth_up = %v\n%s", got, body)
			}
			if !strings.Contains(body, "go_goroutines ") {
				t.Error("the rest of the scrape is missing")
			}
		})
	}
}

// TestMetrics_Token: with --metrics-token a scrape must bring it.
func TestMetrics_Token(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newAppConfig(t, db, web.Config{MetricsToken: "scrape-secret-1"})
	for name, hdr := range map[string][]string{
		"None":    nil,
		"Wrong":   {"Authorization", "Bearer scrape-secret-2"},
		"Basic":   {"Authorization", "Basic c2NyYXBlLXNlY3JldC0x"},
		"Session": {"Authorization", "Bearer " + a.token("office")},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := scrape(t, a, hdr...)
			if res.StatusCode != 401 || !strings.Contains(body, "指标令牌") || res.Header.Get("WWW-Authenticate") == "" ||
				strings.Contains(body, "sanlian_http_requests_total") {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
		})
	}
	res, body := scrape(t, a, "Authorization", "Bearer scrape-secret-1")
	if res.StatusCode != 200 || !strings.Contains(body, "sanlian_http_requests_total") {
		t.Fatalf("with the token: %d %s", res.StatusCode, body)
	}
}

// TestMetrics_OldBookmark: a logged-in browser's GET /metrics (Accept:
// text/html) is the old 考核指标 page: 301 to /assessment with the same
// query. Without a session, or without text/html, it is the scrape.
func TestMetrics_OldBookmark(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	html := []string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
	anon := a.browser()
	if res, body := anon.send("GET", "/metrics?period=2021-05-H1", nil, html...); res.StatusCode != 200 || !strings.Contains(body, "# TYPE go_goroutines gauge") {
		t.Fatalf("anonymous browser: %d", res.StatusCode)
	}
	b := a.browser()
	if res := b.login("leader", sqldbtest.Password); res.StatusCode != 303 {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, _ := b.send("GET", "/metrics?period=2021-05-H1&by=unit", nil, html...)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/assessment?period=2021-05-H1&by=unit" {
		t.Fatalf("bookmark: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := b.send("GET", "/metrics", nil, html...); res.StatusCode != 301 || res.Header.Get("Location") != "/assessment" {
		t.Fatalf("bare bookmark: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := b.send("GET", "/metrics", nil, "Accept", "text/plain"); res.StatusCode != 200 || !strings.Contains(body, "# TYPE sanlian_http_requests_total counter") {
		t.Fatalf("a scraper with a session: %d", res.StatusCode)
	}
	if res, body := b.get("/assessment?period=2021-05-H1&by=unit"); res.StatusCode != 200 || !strings.Contains(textOf(page(t, body), "h1"), "考核指标") {
		t.Fatalf("assessment: %d", res.StatusCode)
	}
	// The old drill-down path is gone with the page.
	if res, _ := b.get("/metrics/problems?by=unit&measure=assigned&period=2021-05-H1"); res.StatusCode != 404 {
		t.Fatalf("old drill-down: %d", res.StatusCode)
	}
}

// TestAssessment_Menu: the menu's 考核指标 leads to /assessment for those
// who may see it, and nothing links to the old page.
func TestAssessment_Menu(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	for user, shown := range map[string]bool{"office": true, "leader": true, "unitadmin": true, "cadre": false} {
		b := a.browser()
		b.login(user, sqldbtest.Password)
		_, body := b.get("/me/password")
		doc := page(t, body)
		link := doc.Find(`nav a[href="/assessment"]`)
		if (link.Length() == 1) != shown || (shown && !strings.Contains(link.Text(), "考核指标")) {
			t.Errorf("%s: menu link to /assessment %d times (%q)", user, link.Length(), link.Text())
		}
		if doc.Find(`a[href^="/metrics"]`).Length() != 0 {
			t.Errorf("%s: a link to /metrics", user)
		}
	}
}

// TestRequestID: a sane X-Request-Id comes back in the response and in the
// audit rows the request wrote, where the audit page shows it and filters
// by it; an insane one is replaced by the server's own.
func TestRequestID(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		login := func(id string) string {
			res, body := a.do("POST", "/api/v1/login", "", `{"username":"office","password":"`+sqldbtest.Password+`"}`, "X-Request-Id", id)
			if res.StatusCode != 200 {
				t.Fatalf("login: %d %s", res.StatusCode, body)
			}
			return res.Header.Get("X-Request-Id")
		}
		auditOf := func(id string) []map[string]any {
			res, body := a.do("GET", "/api/v1/audit?request_id="+id, a.token("auditor"), "")
			if res.StatusCode != 200 {
				t.Fatalf("audit: %d %s", res.StatusCode, body)
			}
			var out struct{ Items []map[string]any }
			MustOKWeb(t, json.Unmarshal([]byte(body), &out))
			return out.Items
		}
		sane := "client-7f3a.b_c-" + strings.Repeat("x", 48) // 64 characters
		if got := login(sane); got != sane {
			t.Fatalf("echoed %q", got)
		}
		rows := auditOf(sane)
		if len(rows) != 1 || rows[0]["action"] != "login" || rows[0]["request_id"] != sane {
			t.Fatalf("audit rows of %s: %v", sane, rows)
		}
		b := a.browser()
		b.login("auditor", sqldbtest.Password)
		res, body := b.get("/audit?request_id=" + sane)
		doc := page(t, body)
		if res.StatusCode != 200 || doc.Find("#audit tbody tr").Length() != 1 || textOf(doc, "#audit td.request-id") != sane ||
			doc.Find(`#audit td.request-id[data-label="请求编号"]`).Length() != 1 {
			t.Fatalf("audit page: %d %d rows, cell %q", res.StatusCode, doc.Find("#audit tbody tr").Length(), textOf(doc, "#audit td.request-id"))
		}

		for _, bad := range []string{"", sane + "y", "two words", "semi;colon", "中文编号", `quote"d`, "tab\tid"} {
			got := login(bad)
			if got == bad || !web.ValidRequestID(got) || len(got) < 16 {
				t.Errorf("X-Request-Id %q answered as %q", bad, got)
				continue
			}
			if rows := auditOf(got); len(rows) != 1 || rows[0]["request_id"] != got {
				t.Errorf("the generated id %q is not in the audit row: %v", got, rows)
			}
		}
		if a, b := login(""), login(""); a == b {
			t.Errorf("two requests got one id %q", a)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAccessLog: one line per request with the method, the route's
// pattern, status, duration, bytes, request id and user id, and neither
// the path's ids nor the query string (a phone).
func TestAccessLog(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	var logs syncBuffer
	a := newAppConfig(t, db, web.Config{Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	tok := a.token("office")
	req := httptest.NewRequest("GET", "/api/v1/problems/424242?reporter_phone=13812345678", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Request-Id", "trace-1")
	rec := httptest.NewRecorder()
	a.srv.ServeHTTP(rec, req) // the line is written before ServeHTTP returns
	var line map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		MustOKWeb(t, json.Unmarshal([]byte(l), &m))
		if m["msg"] == "http request" && m["request_id"] == "trace-1" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no access log line for trace-1 in\n%s", logs.String())
	}
	if line["method"] != "GET" || line["route"] != "GET /api/v1/problems/{id}" || line["status"] != float64(404) ||
		line["user_id"] == nil || line["user_id"] == float64(0) || line["bytes"] != float64(rec.Body.Len()) || line["duration_ms"] == nil {
		t.Errorf("access log line %v (body %d bytes)", line, rec.Body.Len())
	}
	if all := logs.String(); strings.Contains(all, "13812345678") || strings.Contains(all, "424242") {
		t.Errorf("the log holds the path or the query:\n%s", all)
	}
	// A request refused before any route: counted and logged as unmatched.
	logs.mu.Lock()
	logs.b.Reset()
	logs.mu.Unlock()
	req = httptest.NewRequest("POST", "/api/v1/units", strings.NewReader("{}"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	a.srv.ServeHTTP(rec, req)
	if rec.Code != 403 || !strings.Contains(logs.String(), `"route":"unmatched"`) || !strings.Contains(logs.String(), `"status":403`) {
		t.Errorf("cross-site: %d\n%s", rec.Code, logs.String())
	}
}
