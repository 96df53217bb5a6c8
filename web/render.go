package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"sanlian"
	"sanlian/media"
)

// basePage is embedded in every page struct: what the layout needs.
type basePage struct {
	Title  string
	Active string // the nav entry to highlight
	User   *sanlian.User
	Path   string
	Flash  string
	Unread int               // the user's unread notices, for the top bar
	County string            // the county's name (the region tree's root), for titles and the footer
	access map[string]access // the server's routes' access, for May
}

func (s *Server) base(r *http.Request, title, active string) basePage {
	b := basePage{Title: title, Active: active, User: sanlian.UserFromContext(r.Context()), Path: r.URL.Path,
		Flash: r.URL.Query().Get("ok"), County: s.countyName(r.Context()), access: s.access}
	if b.User != nil && b.User.Role != sanlian.RolePublic && s.Notices != nil {
		n, err := s.Notices.CountUnread(r.Context())
		if err != nil {
			s.log.Warn("unread notices", "err", err) // the page shows without its count
		}
		b.Unread = n
	}
	return b
}

// countyName is the name of the region tree's root, read per request (one
// row of a small table) so that a region import shows at once; "" when
// there is none yet or it cannot be read.
func (s *Server) countyName(ctx context.Context) string {
	if s.Regions == nil {
		return ""
	}
	rs, _, err := s.Regions.FindRegions(sanlian.NewSystemContext(ctx), sanlian.RegionFilter{Kind: sanlian.RegionCounty, Limit: 1})
	if err != nil {
		s.log.Warn("county name", "err", err) // the page shows without it
		return ""
	}
	if len(rs) == 0 {
		return ""
	}
	return rs[0].Name
}

// Can reports whether the page's user has one of the roles, for menus.
func (b basePage) Can(rs ...string) bool {
	if b.User == nil {
		return false
	}
	for _, r := range rs {
		if string(b.User.Role) == r {
			return true
		}
	}
	return false
}

// pageSet holds the templates, parsed once at start-up.
type pageSet struct {
	pages     map[string]*template.Template
	fragments *template.Template
}

func templateFuncs(sf *staticFiles) template.FuncMap {
	return template.FuncMap{
		"static":       sf.url,
		"tagLabel":     func(t sanlian.Tag) string { return t.Label() },
		"tagKind":      sanlian.TagKindLabel,
		"unitKind":     sanlian.UnitKindLabel,
		"linkKind":     sanlian.LinkKindLabel,
		"roleLabel":    func(r sanlian.Role) string { return r.Label() },
		"loginEvent":   sanlian.LoginEventLabel,
		"browserLabel": sanlian.BrowserLabel,
		"grantState":   sanlian.GrantStateLabel,
		"join":         strings.Join,
		"date":         func(t time.Time) string { return fmtTime(t, "2006-01-02") },
		"datetime":     func(t time.Time) string { return fmtTime(t, "2006-01-02 15:04") },
		"percent":      percent,
		"add":          func(a, b int) int { return a + b },
		"sub":          func(a, b int) int { return a - b },
		"fields":       strings.Fields,
		"stateLabel":   sanlian.StateLabel,
		"sourceLabel":  sanlian.SourceLabel,
		"actionLabel":  sanlian.ActionLabel,
		"auditAction":  auditActionLabel, // the audit log's actions and objects in Chinese
		"auditEntity":  auditEntityLabel,
		"solvedLabel":  sanlian.SolvedLabel,
		"satLabel":     sanlian.SatisfactionLabel,
		"stateURL":     stateURL,
		"due":          dueDate,
		"pct":          func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"query":        func(v url.Values) template.URL { return template.URL(v.Encode()) },
		"deref":        func(b *bool) string { return boolParam(b) },
		"selected":     func(a, b string) bool { return a == b },
		"kindLabel":    func(r *sanlian.Region) string { return r.KindLabel() },
		"fileType":     media.Label,
		"tagSubKinds":  func(k string) []string { return sanlian.TagSubKinds[k] },
		"rate":         fmtRate, // a metric rate, — when it does not exist
		"num":          fmtNum,  // a score or mean, — when it does not exist
		"rowIn":        func(p any, r sanlian.BulletinRow) bulletinRowIn { return bulletinRowIn{Page: p, Row: r} },
		"traceIn":      traceIn,
		// the metrics table: which measures show only on demand
		"secondaryMeasure":   func(m string) bool { return secondaryMeasures[m] },
		"secondaryMeasureAt": func(i int) bool { return i < len(sanlian.Measures) && secondaryMeasures[sanlian.Measures[i]] },
		"measureCount":       measureCount,
		"dict":               dict, // named arguments for a shared template
		// free text shown on a page (not an edit form's value), with the
		// phones and ID numbers typed into it masked
		"maskContacts": sanlian.MaskContacts,
		"showsMasked":  sanlian.ShowsMasked,
	}
}

// secondaryMeasures are the counts the metrics table shows only when asked
// (显示全部指标): the main view keeps the volume, assigned, resolved and
// overdue counts beside the rates and the score.
var secondaryMeasures = map[string]bool{
	sanlian.MeasureAcceptedOnTime: true, sanlian.MeasureResolvedOnTime: true, sanlian.MeasureCallbacks: true,
	sanlian.MeasureSolved: true, sanlian.MeasureSatisfied: true, sanlian.MeasureUnsatisfied: true, sanlian.MeasureReopened: true,
}

// dict makes a map of its key, value pairs, to hand a template several
// values.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// measureCount is how many of sanlian.Measures are secondary (or not).
func measureCount(secondary bool) int {
	n := 0
	for _, m := range sanlian.Measures {
		if secondaryMeasures[m] == secondary {
			n++
		}
	}
	return n
}

func fmtTime(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(sanlian.Shanghai).Format(layout)
}

func percent(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}

func boolParam(b *bool) string {
	if b == nil {
		return ""
	} else if *b {
		return "yes"
	}
	return "no"
}

func mustParsePages(sf *staticFiles) *pageSet {
	funcs := templateFuncs(sf)
	ps := &pageSet{pages: map[string]*template.Template{}}
	names, err := fs.Glob(assets, "templates/*.html") // pages; partials/ holds shared pieces
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "fragments" {
			continue
		}
		ps.pages[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets,
			"templates/layout.html", "templates/fragments.html", "templates/partials/*.html", n))
	}
	ps.fragments = template.Must(template.New("fragments.html").Funcs(funcs).ParseFS(assets, "templates/fragments.html", "templates/partials/*.html"))
	return ps
}

// render writes a whole page. It renders into a buffer first so that a
// template error becomes a clean error page, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	return s.renderIn(w, status, name, "layout.html", data)
}

// renderIn writes page name inside layout (the staff's layout.html or the
// people's side's public_layout).
func (s *Server) renderIn(w http.ResponseWriter, status int, name, layout string, data any) error {
	t, ok := s.pages.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layout, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderFragment writes one named template of fragments.html, for htmx.
func (s *Server) renderFragment(w http.ResponseWriter, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := s.pages.fragments.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render fragment %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

type errorPage struct {
	basePage
	Status  int
	Message string
	Fields  map[string]string
}

// renderError is the one exit for page errors.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	s.logInternal(r, err)
	code := sanlian.ErrorCode(err)
	status := sanlian.HTTPStatus(code)
	if status == http.StatusUnauthorized {
		next := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
		if r.Header.Get("HX-Request") != "" {
			w.Header().Set("HX-Redirect", next)
			w.WriteHeader(status)
			return
		}
		if r.Method == http.MethodGet {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	p := &errorPage{basePage: s.base(r, titleOf(code), ""), Status: status, Message: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err)}
	if r.Header.Get("HX-Request") != "" {
		if e := s.renderFragment(w, status, "error", p); e != nil {
			http.Error(w, "内部错误", http.StatusInternalServerError)
		}
		return
	}
	if e := s.render(w, r, status, "error", p); e != nil {
		s.log.Error("render error page", "err", e)
		http.Error(w, "内部错误", http.StatusInternalServerError)
	}
}

// staticFiles are the embedded assets with their content hashes.
type staticFiles struct {
	hash map[string]string
}

func mustLoadStatic() *staticFiles {
	sf := &staticFiles{hash: map[string]string{}}
	names, err := fs.Glob(assets, "static/*")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		b, err := assets.ReadFile(n)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		sf.hash[path.Base(n)] = hex.EncodeToString(sum[:6])
	}
	return sf
}

// staticURL is a checksummed URL, cached for a year by browsers.
func (sf *staticFiles) url(name string) string {
	return "/static/" + name + "?v=" + sf.hash[name]
}

// serveStatic is GET /static/{file}.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if _, ok := s.static.hash[name]; !ok {
		return sanlian.Errorf(sanlian.ENOTFOUND, "文件不存在")
	}
	b, err := assets.ReadFile("static/" + name)
	if err != nil {
		return err
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if r.URL.Query().Get("v") == s.static.hash[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, err = w.Write(b)
	return err
}

// dueDate shows a deadline (an instant at 24:00) as the date it ends on.
func dueDate(t time.Time) string { return sanlian.DeadlineDate(t) }
