// Package web serves the HTML pages and the /api/v1 JSON API over the same
// sanlian services. Each route is declared once with who may use it
// (routes.go); data scope is applied below, in the services.
package web

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"sanlian"
	"sanlian/sms"
)

//go:embed templates static
var assets embed.FS

// Services are the domain services the server presents.
type Services struct {
	Users        sanlian.UserService
	Regions      sanlian.RegionService
	Units        sanlian.UnitService
	Cadres       sanlian.CadreService
	Households   sanlian.HouseholdService
	Links        sanlian.LinkService
	Audit        sanlian.AuditService
	Calendar     sanlian.CalendarService
	Problems     sanlian.ProblemService
	Attachments  sanlian.AttachmentService
	Topics       sanlian.TopicService
	Visits       sanlian.VisitService
	Activities   sanlian.ActivityService
	Coverage     sanlian.CoverageService
	Projects     sanlian.ProjectService
	Resps        sanlian.ResponsibilityService
	Lists        sanlian.ListsService
	Imports      sanlian.ImportService
	Dispatch     sanlian.DispatchService
	Metrics      sanlian.MetricsService
	Supervisions sanlian.SupervisionService
	Bulletins    sanlian.BulletinService
	Public       sanlian.PublicService  // the people's side: submission, tracking, results
	Lookup       sanlian.LookupService  // tracking by phone and the SMS unsubscribe link; nil: not served
	Wechat       WechatOAuth            // the WeChat entry's OAuth (wechat.go); nil: no WeChat app
	Open311      sanlian.Open311Service // Open311 GeoReport v2 and its API keys
	Notices      sanlian.NoticeService  // in-app notices and outbound webhooks
	Routing      sanlian.RoutingService // routing rules, intake limits, returns
	Cockpit      sanlian.CockpitService // the leaders' cockpit and big screen
	Themes       sanlian.ThemeService   // 每月一题, the month's themes
	Messages     sanlian.MessageService // messages to residents: settings, delivery log, SMS replies
	Sheets       sanlian.Spreadsheets   // .xlsx downloads
	// Workbench answers the role workbenches' own questions (home_*.go).
	Workbench sanlian.WorkbenchService
	// Accounts and Grants are the administrators' account actions and
	// the two-person grants (users.go, grants.go).
	Accounts sanlian.AccountAdminService
	Grants   sanlian.GrantService
	// Ping answers nil when the database answers (GET /healthz).
	Ping func(context.Context) error
	// Ready answers nil when the database answers and its schema is
	// current (GET /readyz); nil: the same as Ping.
	Ready func(context.Context) error
}

// Config tunes the server.
type Config struct {
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	// MaxUpload limits one attachment, in bytes (default 10 MB).
	MaxUpload int64
	// MaxImport limits one workbook brought for import, in bytes
	// (default 64 MB).
	MaxImport int64
	// IdleTimeout is the session idle timeout, for the cookie's lifetime.
	IdleTimeout time.Duration
	Log         *slog.Logger
	// TrustedProxies are the peers whose X-Forwarded-For is believed,
	// for the people's side's rate limits (abuse.go).
	TrustedProxies []netip.Prefix
	// Limits override DefaultLimits by bucket; PowBits, ChallengeTTL and
	// MinFill the proof of work's defaults (MinFill < 0: none).
	Limits       map[string]Limit
	PowBits      int
	ChallengeTTL time.Duration
	MinFill      time.Duration
	// SMSKeys are the key file's secrets: the gateway's secret and the
	// clouds' inbound_token check residents' replies.
	SMSKeys sms.Keys
	// Now is the pages' clock (default time.Now): the office's calendar
	// reminder and which actions a problem page offers; settable so that
	// tests can stand in November.
	Now func() time.Time
	// MetricsToken, when set, is the Bearer token GET /metrics requires
	// (observe.go); "": the metrics are open, to be firewalled.
	MetricsToken string
	// PoolStats reads the database pools' statistics and QueueDepths the
	// depths of the queues, at scrape time (QueueTimeout bounds it,
	// default 2 s); nil: not reported.
	PoolStats    func() map[string]sql.DBStats
	QueueDepths  func(context.Context) (map[string]int64, error)
	QueueTimeout time.Duration
}

// Server is the HTTP surface of sanlian.
type Server struct {
	Services
	cfg    Config
	log    *slog.Logger
	pages  *pageSet
	static *staticFiles
	routes []route
	mux    *http.ServeMux
	mounts []mount           // other adapters' surfaces (Mount)
	access map[string]access // each route's access, by pattern, for the menu
	// openapi is the /api/v1 description, encoded once (openapi.go).
	openapi     []byte
	openapiOnce sync.Once

	handlers // the handlers, grouped by resource (handlers.go)
	handler  http.Handler
	limits   *limiter     // per-client rate limits of the people's side
	pow      *publicState // the people's side: the challenges' key, the results page
	obs      *observer    // the Prometheus registry and the request metrics (observe.go)
}

// handlerFunc is a handler that returns its error to one adapter, which
// writes a problem+json body or an error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one entry of a route list: the route and who may use it.
type route struct {
	pattern string // "METHOD /path", as http.ServeMux takes it
	h       handlerFunc
	acc     access // who may use it (policy.go, SPEC §6)
	// api: errors as problem+json rather than pages; a route under
	// /api/ is one without saying so.
	api bool
}

// New builds a Server. It panics if a route declares no access (and
// policyFor has none), so that no route can be served without a decision
// on who may use it.
func New(svc Services, cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 10 << 20
	}
	if cfg.MaxImport <= 0 {
		cfg.MaxImport = defaultMaxImport
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	s := &Server{Services: svc, cfg: cfg, log: cfg.Log}
	s.obs = newObserver(cfg, cfg.Log)
	s.initHandlers()
	s.initAbuse()
	s.static = mustLoadStatic()
	s.pages = mustParsePages(s.static)
	s.routes = s.routeList()
	s.access = make(map[string]access, len(s.routes))
	mux := http.NewServeMux()
	s.mux = mux
	for _, rt := range s.routes {
		acc := rt.acc
		if !acc.public && len(acc.roles) == 0 {
			panic("web: route " + rt.pattern + " declares no access")
		}
		if _, dup := s.access[rt.pattern]; dup {
			panic("web: route " + rt.pattern + " is declared twice")
		}
		s.access[rt.pattern] = acc
		mux.Handle(rt.pattern, s.wrap(rt, acc))
	}
	mux.Handle("/", s.wrap(route{pattern: "/", h: func(w http.ResponseWriter, r *http.Request) error {
		return sanlian.Errorf(sanlian.ENOTFOUND, "页面不存在")
	}}, access{public: true}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := sanlian.Errorf(sanlian.EFORBIDDEN, "跨站请求被拒绝：请从本系统的页面提交表单")
		if isAPI(r) {
			s.writeProblem(w, r, err)
		} else {
			s.renderError(w, r, err)
		}
	}))
	s.handler = s.observe(securityHeaders(cop.Handler(s.hygiene(mux))))
	return s
}

// Surface is another adapter's HTTP surface (Open311's), served beside
// the server's own routes.
type Surface interface {
	http.Handler
	// Patterns are its routes, "METHOD /path" as http.ServeMux takes them.
	Patterns() []string
	// WriteError writes, in the surface's own format, an error the
	// server's common wrapping answers before the surface sees the
	// request (text no field takes).
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

type mount struct {
	prefix string
	sf     Surface
}

// Mount serves sf at its patterns, under prefix, with the wrapping every
// route has (security headers, cross-origin protection, the request
// hygiene, Cache-Control, the request's meta and any user in its
// context), as public routes: sf decides itself who may use them. Mount
// before serving.
func (s *Server) Mount(prefix string, sf Surface) {
	s.mounts = append(s.mounts, mount{prefix: prefix, sf: sf})
	h := func(w http.ResponseWriter, r *http.Request) error {
		sf.ServeHTTP(w, r)
		return nil
	}
	for _, p := range sf.Patterns() {
		s.mux.Handle(p, s.wrap(route{pattern: p, api: true, h: h}, access{public: true}))
	}
}

// mountOf is the mounted surface whose prefix the request's path starts
// with, or nil.
func (s *Server) mountOf(r *http.Request) Surface {
	for _, m := range s.mounts {
		if strings.HasPrefix(r.URL.Path, m.prefix) {
			return m.sf
		}
	}
	return nil
}

// Allow takes a token from bucket for the request's client, as the
// server's own limits do, for a mounted surface's limit: when none is
// left it answers false and how long until one is.
func (s *Server) Allow(r *http.Request, bucket string) (ok bool, retryAfter time.Duration) {
	return s.limits.allow(r, bucket)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists the route patterns, for the policy test.
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.pattern
	}
	return out
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// wrap applies authentication, the policy and the error adapter.
func (s *Server) wrap(rt route, acc access) http.Handler {
	api := rt.api || strings.Contains(rt.pattern, " /api/") || strings.HasPrefix(rt.pattern, "/api/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.responseHeaders(w) // headers.go
		meta := sanlian.RequestMeta{IP: s.clientIP(r), UserAgent: r.UserAgent()}
		info := infoOf(r.Context())
		if info != nil { // observe's: the request's id in, the route and the user out
			info.route, meta.RequestID = rt.pattern, info.id
		}
		ctx := sanlian.NewContextWithMeta(r.Context(), meta)
		r = r.WithContext(ctx)
		fail := func(err error) {
			if api || isAPI(r) {
				s.writeProblem(w, r, err)
			} else {
				s.renderError(w, r, err)
			}
		}
		u, err := s.authenticate(r)
		if err != nil && !acc.public {
			fail(err)
			return
		}
		if u != nil {
			r = r.WithContext(sanlian.NewContextWithUser(r.Context(), u))
			if info != nil {
				info.userID = u.ID
			}
		}
		if u != nil && u.Restriction != "" && !acc.public && !acc.restricted {
			s.restricted(w, r, u, api || isAPI(r))
			return
		}
		if !acc.public && !slices.Contains(acc.roles, u.Role) {
			fail(sanlian.Errorf(sanlian.EFORBIDDEN, "您的角色（%s）无权访问此功能", u.Role.Label()))
			return
		}
		if err := rt.h(w, r); err != nil {
			fail(err)
		}
	})
}

// clientIP is the client's address for the audit log: the peer's, or,
// behind a configured proxy, the one it forwarded (clientAddr).
func (s *Server) clientIP(r *http.Request) string {
	if a := clientAddr(r, s.cfg.TrustedProxies); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

var _ fs.FS = assets
