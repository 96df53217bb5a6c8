package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"sanlian"
)

// Observability: every request gets an id (X-Request-Id, taken from the
// client when sane), one access log line and its place in the Prometheus
// metrics, labelled by the route pattern that served it, never by the raw
// path, so that ids in paths cannot blow up the series. GET /metrics
// serves the metrics in the text format; each Server has its own
// registry.

// RequestIDHeader carries a request's id, in and out.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds an id taken from a client.
const maxRequestID = 64

// ValidRequestID reports whether id may be taken from a client as it is:
// 1 to 64 characters of A–Z, a–z, 0–9, '.', '_' and '-', so that it is
// safe in a log line, a header and an audit cell.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// requestID is the client's id when valid, else a new random one.
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); ValidRequestID(id) {
		return id
	}
	return rand.Text() // 26 characters of base32, 130 bits
}

// reqInfo travels in the request's context from observe, which logs and
// counts the request, to wrap, which knows the route and the user.
type reqInfo struct {
	id     string
	route  string // the ServeMux pattern; "" when no route was reached
	userID int64
}

type reqInfoKey struct{}

func infoOf(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return i
}

// routeUnmatched labels a request refused before any route saw it (the
// cross-origin check, the request hygiene).
const routeUnmatched = "unmatched"

// Login failure reasons, as sanlian_login_failures_total counts them.
const (
	LoginFailCredentials  = "credentials"   // a wrong username or password, or a locked or disabled account
	LoginFailSecondFactor = "second_factor" // a wrong TOTP or recovery code
	LoginFailThrottled    = "throttled"     // refused by the per-client limit before checking
)

// observer holds a server's metrics.
type observer struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	jobs     *prometheus.CounterVec
}

func newObserver(cfg Config, log *slog.Logger) *observer {
	o := &observer{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sanlian_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code."}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sanlian_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sanlian_login_failures_total",
			Help: "Refused logins, by reason (credentials, second_factor, throttled)."}, []string{"reason"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sanlian_job_runs_total",
			Help: "Keys of scheduled jobs run on this node, by job and outcome (ok, failed, busy)."}, []string{"job", "outcome"}),
	}
	for _, r := range []string{LoginFailCredentials, LoginFailSecondFactor, LoginFailThrottled} {
		o.logins.WithLabelValues(r)
	}
	o.reg.MustRegister(o.requests, o.latency, o.logins, o.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.PoolStats != nil {
		o.reg.MustRegister(poolCollector{cfg.PoolStats})
	}
	if cfg.QueueDepths != nil {
		timeout := cfg.QueueTimeout
		if timeout <= 0 {
			timeout = 2 * time.Second
		}
		o.reg.MustRegister(queueCollector{depths: cfg.QueueDepths, timeout: timeout, log: log})
	}
	return o
}

// JobRan counts one key of a scheduled job with its outcome; cmd hands it
// to the scheduler (sqldb.DB.OnJobRun).
func (s *Server) JobRan(job, outcome string) { s.obs.jobs.WithLabelValues(job, outcome).Inc() }

// loginRefused counts a refused login.
func (s *Server) loginRefused(reason string) { s.obs.logins.WithLabelValues(reason).Inc() }

// observe gives the request its id, then logs and counts it once
// answered.
func (s *Server) observe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: requestID(r)}
		w.Header().Set(RequestIDHeader, info.id)
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info)))
		took := time.Since(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		route := info.route
		if route == "" {
			route = routeUnmatched
		}
		s.obs.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
		s.obs.latency.WithLabelValues(route).Observe(took.Seconds())
		// The route's pattern, not the path: no ids of residents' problems,
		// no query strings (a lookup's phone), no personal data.
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.Int("status", status),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000), slog.Int64("bytes", sw.bytes),
			slog.String("request_id", info.id)}
		if info.userID != 0 {
			attrs = append(attrs, slog.Int64("user_id", info.userID))
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
	})
}

// statusWriter remembers the status and counts the bytes of the body.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's deadlines
// (the import's) and Flush.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// metricsScrape is GET /metrics: the Prometheus text format. A logged-in
// browser asking for a page (Accept: text/html) is sent to the 考核指标
// page, which lived here before, with its query, so that old bookmarks
// work. With a metrics token configured, a scraper must send it as a
// Bearer token.
func (s *Server) metricsScrape(w http.ResponseWriter, r *http.Request) error {
	if strings.Contains(r.Header.Get("Accept"), "text/html") && sanlian.UserFromContext(r.Context()) != nil {
		to := "/assessment"
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusMovedPermanently)
		return nil
	}
	if tok := s.cfg.MetricsToken; tok != "" {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(tok)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			return sanlian.Errorf(sanlian.EUNAUTHORIZED, "读取运行指标须携带指标令牌（Authorization: Bearer …）")
		}
	}
	mfs, err := s.obs.reg.Gather()
	if err != nil && len(mfs) == 0 {
		return err
	}
	if err != nil { // a collector failed: serve what the others gathered
		s.log.Warn("metrics: gather", "err", err)
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set("Content-Type", string(format))
	enc := expfmt.NewEncoder(w, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			s.log.Warn("metrics: encode", "err", err)
			return nil // the body has begun: nothing else to say
		}
	}
	return nil
}

// poolCollector reads the database pools' statistics at scrape time.
type poolCollector struct{ stats func() map[string]sql.DBStats }

var (
	poolOpen     = prometheus.NewDesc("sanlian_db_open_connections", "Open connections of a database pool.", []string{"pool"}, nil)
	poolInUse    = prometheus.NewDesc("sanlian_db_in_use_connections", "Connections of a pool in use.", []string{"pool"}, nil)
	poolIdle     = prometheus.NewDesc("sanlian_db_idle_connections", "Idle connections of a pool.", []string{"pool"}, nil)
	poolMaxOpen  = prometheus.NewDesc("sanlian_db_max_open_connections", "The most connections a pool opens (0: no limit).", []string{"pool"}, nil)
	poolWaits    = prometheus.NewDesc("sanlian_db_wait_count_total", "Times a request waited for a pool's connection.", []string{"pool"}, nil)
	poolWaitTime = prometheus.NewDesc("sanlian_db_wait_duration_seconds_total", "Time spent waiting for a pool's connections.", []string{"pool"}, nil)
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMaxOpen, poolWaits, poolWaitTime} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for pool, st := range c.stats() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse), pool)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.Idle), pool)
		ch <- prometheus.MustNewConstMetric(poolMaxOpen, prometheus.GaugeValue, float64(st.MaxOpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.WaitCount), pool)
		ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, st.WaitDuration.Seconds(), pool)
	}
}

// queueCollector reads the queues' depths at scrape time, within a short
// timeout, so that a slow database slows a scrape by no more than that.
type queueCollector struct {
	depths  func(context.Context) (map[string]int64, error)
	timeout time.Duration
	log     *slog.Logger
}

var (
	queueDepth = prometheus.NewDesc("sanlian_queue_depth", "Items waiting in a queue (webhook, sms, wechat: pending; notice: unread), read at scrape time.", []string{"queue"}, nil)
	queueUp    = prometheus.NewDesc("sanlian_queue_depth_up", "1 when the queue depths were read at this scrape, 0 when reading them failed or timed out.", nil, nil)
)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDepth; ch <- queueUp }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	depths, err := c.depths(ctx)
	if err != nil {
		c.log.Warn("metrics: queue depths", "err", err)
		ch <- prometheus.MustNewConstMetric(queueUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueUp, prometheus.GaugeValue, 1)
	for q, n := range depths {
		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(n), q)
	}
}
