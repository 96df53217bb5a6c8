package web

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"sanlian"
)

// A multi-county deployment (docs/multi-county.md) serves every county
// from one process: the top-level handler picks the county's own Server
// by host name, <code>.<base> or a host listed for the county, and the
// city (or province) office's server at city.<base>. On any other host a
// path prefix /c/<code>/ serves the county's people's side (submission,
// tracking, rating, results, their API and static files) under the
// prefix, so one address can list every county's submission form; the
// staff's pages under the prefix redirect to the county's own host,
// where its sign-in cookie lives.

// DeploymentConfig wires the top-level handler.
type DeploymentConfig struct {
	// BaseHost is the name the counties' hosts hang under: localhost gives
	// 430923.localhost and city.localhost.
	BaseHost string
	// Counties lists the registry, for the hosts listed for a county and
	// the index page.
	Counties func(ctx context.Context) ([]sanlian.DeployedCounty, error)
	// County returns the server of a county, built on first use;
	// ENOTFOUND for a code not in the registry.
	County func(ctx context.Context, code string) (http.Handler, error)
	// City is the city office's server (NewCity).
	City http.Handler
	// Secure: the hosts are reached by https.
	Secure bool
	Log    *slog.Logger
}

// Deployment is the top-level handler of a multi-county deployment.
type Deployment struct {
	cfg DeploymentConfig

	mu     sync.Mutex
	hosts  map[string]string // a county's extra host → its code
	loaded time.Time
}

// NewDeployment returns the top-level handler.
func NewDeployment(cfg DeploymentConfig) *Deployment {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.BaseHost = strings.ToLower(cfg.BaseHost)
	return &Deployment{cfg: cfg}
}

// hostOf is r's host name, lower case, without the port.
func hostOf(r *http.Request) (host, port string) {
	host = r.Host
	if h, p, err := net.SplitHostPort(host); err == nil {
		host, port = h, p
	}
	return strings.ToLower(strings.TrimSuffix(host, ".")), port
}

// CountyOf names the county a request is for by its host ("" when none),
// and whether the host is the city's.
func (d *Deployment) CountyOf(r *http.Request) (code string, city bool) {
	host, _ := hostOf(r)
	base := d.cfg.BaseHost
	if host == "city."+base {
		return "", true
	}
	sub, under := strings.CutSuffix(host, "."+base)
	if under && sanlian.CheckCountyCode(sub) == nil {
		return sub, false
	}
	if code := d.extraHost(r.Context(), host); code != "" {
		return code, false
	}
	if under && !strings.Contains(sub, ".") {
		return sub, false // not a county: its 404
	}
	return "", false
}

// extraHost finds a host listed for a county, reading the registry again
// when the host is unknown, at most every ten seconds.
func (d *Deployment) extraHost(ctx context.Context, host string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if code, ok := d.hosts[host]; ok {
		return code
	}
	if d.cfg.Counties == nil || time.Since(d.loaded) < 10*time.Second {
		return ""
	}
	d.loaded = time.Now()
	cs, err := d.cfg.Counties(ctx)
	if err != nil {
		d.cfg.Log.Error("county registry", "err", err)
		return ""
	}
	d.hosts = map[string]string{}
	for _, c := range cs {
		for _, h := range c.Hosts {
			d.hosts[h] = c.Code
		}
	}
	return d.hosts[host]
}

// hostURL is the address of path on the host named sub (a county's code or
// "city") under the base, on the request's port.
func (d *Deployment) hostURL(r *http.Request, sub, path string) string {
	scheme := "http"
	if d.cfg.Secure || r.TLS != nil {
		scheme = "https"
	}
	host := sub + "." + d.cfg.BaseHost
	if _, port := hostOf(r); port != "" {
		host = net.JoinHostPort(host, port)
	}
	return scheme + "://" + host + path
}

// ServeHTTP implements http.Handler.
func (d *Deployment) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code, city := d.CountyOf(r)
	switch {
	case city:
		d.cfg.City.ServeHTTP(w, r)
		return
	case code != "":
		d.serveCounty(w, r, code)
		return
	}
	// The bare base host (or any other): the index, and the prefixes.
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/c/"); ok {
		code, tail, _ := strings.Cut(rest, "/")
		if sanlian.CheckCountyCode(code) != nil {
			d.notFound(w, code)
			return
		}
		var h http.Handler
		if d.cfg.County != nil {
			var err error
			if h, err = d.cfg.County(r.Context(), code); err != nil {
				d.countyError(w, code, err)
				return
			}
		}
		prefix := "/c/" + code
		if tail == "" {
			// The people's side is the county's front door under the prefix.
			to := prefix + "/submit"
			if r.URL.RawQuery != "" {
				to += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		if h != nil && PeoplePath("/"+tail) {
			r2 := r.Clone(WithBasePath(r.Context(), prefix))
			r2.URL.Path = "/" + tail
			r2.URL.RawPath = ""
			h.ServeHTTP(w, r2)
			return
		}
		to := d.hostURL(r, code, "/"+tail)
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	if p == "/city" || strings.HasPrefix(p, "/city/") {
		http.Redirect(w, r, d.hostURL(r, "city", strings.TrimPrefix(p, "/city")+"/"), http.StatusFound)
		return
	}
	if p == "/" {
		d.index(w, r)
		return
	}
	d.page(w, http.StatusNotFound, "页面不存在", template.HTML("请从<a href=\"/\">县（市、区）列表</a>进入。"))
}

// serveCounty hands the request to the county's server.
func (d *Deployment) serveCounty(w http.ResponseWriter, r *http.Request, code string) {
	if sanlian.CheckCountyCode(code) != nil || d.cfg.County == nil {
		d.notFound(w, code)
		return
	}
	h, err := d.cfg.County(r.Context(), code)
	if err != nil {
		d.countyError(w, code, err)
		return
	}
	h.ServeHTTP(w, r)
}

func (d *Deployment) countyError(w http.ResponseWriter, code string, err error) {
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		d.notFound(w, code)
		return
	}
	d.cfg.Log.Error("open county", "county", code, "err", err)
	d.page(w, http.StatusServiceUnavailable, "暂时无法打开", template.HTML("该县（市、区）的系统暂时无法打开，请稍后再试。"))
}

func (d *Deployment) notFound(w http.ResponseWriter, code string) {
	d.page(w, http.StatusNotFound, "没有这个县（市、区）",
		template.HTML(fmt.Sprintf("本平台中没有代码为“%s”的县（市、区）。请从<a href=\"/\">县（市、区）列表</a>进入。", template.HTMLEscapeString(code))))
}

// index lists the counties with their hosts.
func (d *Deployment) index(w http.ResponseWriter, r *http.Request) {
	var cs []sanlian.DeployedCounty
	if d.cfg.Counties != nil {
		var err error
		if cs, err = d.cfg.Counties(r.Context()); err != nil {
			d.cfg.Log.Error("county registry", "err", err)
			d.page(w, http.StatusInternalServerError, "内部错误", "县（市、区）列表暂时无法读取，请稍后再试。")
			return
		}
	}
	var b strings.Builder
	b.WriteString("<ul>")
	for _, c := range cs {
		fmt.Fprintf(&b, `<li><a href="%s">%s</a>（%s）· <a href="%s">群众反映</a></li>`,
			template.HTMLEscapeString(d.hostURL(r, c.Code, "/")), template.HTMLEscapeString(c.Name), c.Code,
			template.HTMLEscapeString(d.hostURL(r, c.Code, "/submit")))
	}
	fmt.Fprintf(&b, `</ul><p><a href="%s">市级工作台（市级办公室登录）</a></p>`, template.HTMLEscapeString(d.hostURL(r, "city", "/")))
	d.page(w, http.StatusOK, "三联三清工作平台", template.HTML(b.String()))
}

var deploymentPage = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title></head>
<body><main><h1>{{.Title}}</h1><div>{{.Body}}</div></main></body></html>
`))

// page writes a small page of the top-level handler.
func (d *Deployment) page(w http.ResponseWriter, status int, title string, body template.HTML) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	deploymentPage.Execute(w, struct {
		Title string
		Body  template.HTML
	}{title, body})
}

// basePathKey carries the path prefix a county's people's side is served
// under (/c/430923), "" at the root of the county's host.
type basePathKey struct{}

// WithBasePath marks ctx as served under prefix.
func WithBasePath(ctx context.Context, prefix string) context.Context {
	return context.WithValue(ctx, basePathKey{}, prefix)
}

// basePath is the prefix the request is served under, "" at the root.
func basePath(ctx context.Context) string {
	p, _ := ctx.Value(basePathKey{}).(string)
	return p
}

// PeoplePath tells whether path (below a county's root) is the people's
// side, served under a /c/<code>/ prefix too.
func PeoplePath(path string) bool {
	switch path {
	case "/submit", "/track", "/results":
		return true
	}
	for _, p := range []string{"/track/", "/static/", "/api/v1/public/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
