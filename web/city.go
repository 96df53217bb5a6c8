package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"sanlian"
)

// The city (or province) office's server of a multi-county deployment: a
// login, the counties' figures side by side (the city cockpit) and the
// ranking of counties for a period. It reads each county's cockpit and
// metrics services under a system context and keeps only the figures
// (sanlian.CountyFigures): no page of it names a person, and every other
// address, a county's page or a reveal included, is refused.

// CityCounty is one county as the city server reads it.
type CityCounty struct {
	Code, Name string
	Cockpit    sanlian.CockpitService
	Metrics    sanlian.MetricsService
	// Bulletins reads the county's published bulletins (city_bulletins.go).
	Bulletins sanlian.BulletinService
}

// CityConfig wires the city server.
type CityConfig struct {
	Name     string // 益阳市
	Accounts sanlian.CityAccountService
	// Counties opens the deployment's counties (each county's services).
	Counties      func(ctx context.Context) ([]CityCounty, error)
	SecureCookies bool
	Log           *slog.Logger
	Now           func() time.Time
	// Parallel is how many counties are read at once (default 4).
	Parallel int
	// TrustedProxies and Limits are as in Config: the failed logins an
	// address may make (BucketLoginFail) are counted as on a county's
	// login page.
	TrustedProxies []netip.Prefix
	Limits         map[string]Limit
}

// CityServer is the city office's http.Handler.
type CityServer struct {
	cfg     CityConfig
	handler http.Handler
	pages   map[string]*template.Template
	static  *staticFiles
	limits  *limiter
}

// cityCookie is the city session's cookie, apart from a county's.
const cityCookie = "sanlian_city"

// cityRefusal is the answer to a city account asking for anything but
// the figures.
const cityRefusal = "市级账号只能查看各县（市、区）的汇总数字：不能打开县内页面，也不能查看或解密任何群众个人信息。"

// NewCity returns the city server.
func NewCity(cfg CityConfig) *CityServer {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	s := &CityServer{cfg: cfg, static: mustLoadStatic(), pages: map[string]*template.Template{}, limits: newLimiter(cfg.Limits, cfg.TrustedProxies)}
	funcs := template.FuncMap{"pct": func(v float64) string {
		if math.IsNaN(v) {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", v*100)
	}, "date": func(t time.Time) string { return t.In(sanlian.Shanghai).Format("2006-01-02") }}
	for _, name := range []string{"login", "cockpit", "ranking", "bulletins", "bulletin", "error"} {
		s.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets,
			"templates/city/layout.html", "templates/partials/period_picker.html", "templates/city/"+name+".html"))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{file}", s.serveStatic)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /{$}", s.signedIn(s.cockpit))
	mux.HandleFunc("GET /ranking", s.signedIn(s.ranking))
	mux.HandleFunc("GET /bulletins", s.signedIn(s.bulletins))
	mux.HandleFunc("GET /bulletins/{code}/{period}", s.signedIn(s.bulletin))
	mux.HandleFunc("/", s.signedIn(s.refuse))
	s.handler = http.NewCrossOriginProtection().Handler(mux)
	return s
}

// ServeHTTP implements http.Handler.
func (s *CityServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	if s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.handler.ServeHTTP(w, r)
}

// cityPage is what the city layout needs.
type cityPage struct {
	Title string
	City  string
	CSS   string
	Icon  string
	User  *sanlian.User
}

func (s *CityServer) base(r *http.Request, title string) cityPage {
	u, _ := r.Context().Value(cityUserKey{}).(*sanlian.User)
	return cityPage{Title: title, City: s.cfg.Name, CSS: s.static.url("app.css"), Icon: s.static.url("favicon.svg"), User: u}
}

func (s *CityServer) render(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := s.pages[name].ExecuteTemplate(&b, "layout.html", data); err != nil {
		s.cfg.Log.Error("city render", "page", name, "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

type cityErrorPage struct {
	cityPage
	Message string
}

func (s *CityServer) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	s.render(w, status, "error", cityErrorPage{s.base(r, title), msg})
}

type cityUserKey struct{}

// signedIn lets a live city session in, and sends anyone else to the
// login page.
func (s *CityServer) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cityCookie)
		var u *sanlian.User
		if err == nil {
			u, err = s.cfg.Accounts.CityAuthenticate(r.Context(), c.Value)
		}
		if err != nil {
			if sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED && !errors.Is(err, http.ErrNoCookie) {
				s.cfg.Log.Error("city authenticate", "err", err)
			}
			if r.Method == http.MethodGet && r.URL.Path == "/" {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusUnauthorized, "请先登录", "请先以市级办公室账号登录。")
			return
		}
		if !u.Role.IsCity() {
			s.fail(w, r, http.StatusForbidden, "无权访问", cityRefusal)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), cityUserKey{}, u)))
	}
}

// refuse is every address that is not the city's own: a county's page, a
// reveal, an export.
func (s *CityServer) refuse(w http.ResponseWriter, r *http.Request) {
	s.cfg.Log.Warn("city refused", "path", r.URL.Path, "user", r.Context().Value(cityUserKey{}).(*sanlian.User).Username)
	s.fail(w, r, http.StatusForbidden, "无权访问", cityRefusal)
}

type cityLoginPage struct {
	cityPage
	Username, Error string
}

func (s *CityServer) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "login", cityLoginPage{cityPage: s.base(r, "登录")})
}

func (s *CityServer) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	name, pw := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	if name == "" || pw == "" {
		s.render(w, http.StatusUnprocessableEntity, "login", cityLoginPage{s.base(r, "登录"), name, "请填写用户名和密码"})
		return
	}
	client := keyOf(clientAddr(r, s.cfg.TrustedProxies))
	if ok, wait := s.limits.peek(BucketLoginFail, client); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(sanlian.RetrySeconds(wait)))
		s.render(w, http.StatusTooManyRequests, "login", cityLoginPage{s.base(r, "登录"), name, sanlian.LoginRefused})
		return
	}
	token, _, err := s.cfg.Accounts.CityLogin(r.Context(), name, pw)
	if err != nil {
		status := http.StatusUnauthorized
		msg := sanlian.LoginRefused
		if sanlian.ErrorCode(err) == sanlian.EUNAUTHORIZED {
			s.limits.take(BucketLoginFail, client)
		} else {
			s.cfg.Log.Error("city login", "err", err)
			status, msg = http.StatusInternalServerError, "内部错误，请稍后再试"
		}
		s.render(w, status, "login", cityLoginPage{s.base(r, "登录"), name, msg})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cityCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *CityServer) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cityCookie); err == nil {
		if err := s.cfg.Accounts.CityLogout(r.Context(), c.Value); err != nil {
			s.cfg.Log.Error("city logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cityCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// figures reads every county's figures, Parallel at a time, keeping each
// county's error in its row; withCockpit adds the cockpit's counts.
func (s *CityServer) figures(ctx context.Context, q sanlian.MetricsQuery, withCockpit bool) ([]sanlian.CountyFigures, error) {
	cs, err := s.cfg.Counties(ctx)
	if err != nil {
		return nil, err
	}
	sys := sanlian.NewSystemContext(ctx)
	// The figures keep only the metrics' totals, which do not depend on
	// the grouping: ask for the one with the fewest groups (a county's
	// dozen categories rather than its units), which the rollups sum
	// fastest.
	q.By = sanlian.ByCategory
	out := make([]sanlian.CountyFigures, len(cs))
	var mu sync.Mutex
	var invalid error
	s.eachCounty(cs, func(i int, c CityCounty) {
		var ck *sanlian.Cockpit
		var err error
		if withCockpit {
			ck, err = c.Cockpit.Cockpit(sys, sanlian.CockpitQuery{County: true})
		}
		var m *sanlian.Metrics
		if err == nil {
			m, err = c.Metrics.Metrics(sys, q)
		}
		f := sanlian.CountyFiguresOf(c.Code, c.Name, ck, m)
		if err != nil {
			if sanlian.ErrorCode(err) == sanlian.EINVALID {
				mu.Lock()
				invalid = err
				mu.Unlock()
			}
			s.cfg.Log.Error("city figures", "county", c.Code, "err", err)
			f.Error = "该县数据暂时无法读取"
		}
		out[i] = f
	})
	if invalid != nil {
		return nil, invalid
	}
	return out, nil
}

// cityWindow asks for a period's metrics: the whole period once it has
// ended, else from its first day to today, so that "overdue at the
// window's end" is overdue now and not at a future end of the month.
func cityWindow(p sanlian.Period, now time.Time) (q sanlian.MetricsQuery, label string) {
	q.By = sanlian.ByUnit
	if !now.Before(p.End) {
		q.Period = p.ID
		return q, p.Label()
	}
	q.From = p.Start.In(sanlian.Shanghai).Format(sanlian.DateLayout)
	q.To = now.In(sanlian.Shanghai).Format(sanlian.DateLayout)
	if now.Before(p.Start) {
		q.To = q.From
	}
	return q, fmt.Sprintf("%s（%s 至 %s）", p.Label(), q.From, q.To)
}

type cityCockpitPage struct {
	cityPage
	Month, PeriodLabel string
	Rows               []sanlian.CountyFigures
	Total              sanlian.CountyFigures
	Millis             int64
}

// cockpit is GET /: every county's figures now.
func (s *CityServer) cockpit(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	now := s.cfg.Now()
	p := sanlian.PeriodOf(now, sanlian.PeriodMonth)
	q, label := cityWindow(p, now)
	rows, err := s.figures(r.Context(), q, true)
	if err != nil {
		s.cfg.Log.Error("city cockpit", "err", err)
		s.fail(w, r, http.StatusInternalServerError, "内部错误", "各县数据暂时无法读取，请稍后再试。")
		return
	}
	page := cityCockpitPage{cityPage: s.base(r, "各县概况"), Month: p.Start.In(sanlian.Shanghai).Format("2006-01"), PeriodLabel: label, Rows: rows}
	for _, f := range rows {
		page.Total.Open += f.Open
		page.Total.Received += f.Received
		page.Total.Resolved += f.Resolved
		page.Total.Overdue += f.Overdue
	}
	page.Millis = time.Since(start).Milliseconds()
	s.cfg.Log.Info("city cockpit", "counties", len(rows), "ms", page.Millis)
	s.render(w, http.StatusOK, "cockpit", page)
}

type cityRankingPage struct {
	cityPage
	Period, PeriodLabel, Error string
	Picker                     periodPicker
	Rows                       []sanlian.CountyFigures
	Millis                     int64
}

// The periods the city's pages are read for, chosen with the county
// pages' picker (or ?period=2026-11-H2 in a link).
var (
	cityRankingPeriod   = periodField{Name: "period", Label: "排名期间", Rule: sanlian.PeriodRule{Halves: true, Months: true, Past: true}}
	cityBulletinsPeriod = periodField{Name: "period", Label: "通报期间", Rule: sanlian.PeriodRule{Halves: true, Past: true}}
)

// period reads f from the request's query, or gives def when none is
// asked for.
func (s *CityServer) period(r *http.Request, f periodField, def sanlian.Period) (sanlian.Period, periodPicker, string) {
	v, now := r.URL.Query(), s.cfg.Now()
	if v.Get(f.Name) == "" && v.Get(f.Name+"_year") == "" && v.Get(f.Name+"_month") == "" {
		year, month, part := pickerParts(def)
		return def, newPeriodPicker(f, year, month, part, now, ""), ""
	}
	return readPeriod(v, f, now)
}

// ranking is GET /ranking?period=: the counties ranked for a half-month
// or a month (default the current month).
func (s *CityServer) ranking(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	page := cityRankingPage{cityPage: s.base(r, "各县排名")}
	p, pick, msg := s.period(r, cityRankingPeriod, sanlian.PeriodOf(s.cfg.Now(), sanlian.PeriodMonth))
	page.Picker = pick
	if msg != "" {
		page.Error = msg
		s.render(w, http.StatusBadRequest, "ranking", page)
		return
	}
	q, label := cityWindow(p, s.cfg.Now())
	page.Period, page.PeriodLabel = p.ID, label
	rows, err := s.figures(r.Context(), q, false)
	if err != nil {
		if sanlian.ErrorCode(err) == sanlian.EINVALID {
			page.Error = sanlian.ErrorMessage(err)
			s.render(w, http.StatusBadRequest, "ranking", page)
			return
		}
		s.cfg.Log.Error("city ranking", "err", err)
		s.fail(w, r, http.StatusInternalServerError, "内部错误", "各县数据暂时无法读取，请稍后再试。")
		return
	}
	sanlian.RankCounties(rows)
	page.Rows = rows
	page.Millis = time.Since(start).Milliseconds()
	s.cfg.Log.Info("city ranking", "period", p.ID, "counties", len(rows), "ms", page.Millis)
	s.render(w, http.StatusOK, "ranking", page)
}

// serveStatic serves the stylesheet and the other embedded files.
func (s *CityServer) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if _, ok := s.static.hash[name]; !ok {
		http.NotFound(w, r)
		return
	}
	b, err := assets.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
