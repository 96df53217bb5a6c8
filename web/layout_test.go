package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
	"sanlian/xlsx"
)

var (
	menuNavRE  = regexp.MustCompile(`(?s)<nav class="menu" id="main-menu"[^>]*>(.*?)</nav>`)
	menuSecRE  = regexp.MustCompile(`<details class="sec`)
	menuHrefRE = regexp.MustCompile(`<a href="([^"]+)"`)
)

// menuRoute is the policy key a menu link leads to.
func menuRoute(href string) string {
	if href == "/" {
		return "GET /{$}"
	}
	return "GET " + href
}

// TestLayout_MenuFollowsPolicy signs in as every role and checks the menu:
// at most seven sections, every link one the policy table lets the role
// open (and the page answers), and every menu page the role may open is
// in its menu.
func TestLayout_MenuFollowsPolicy(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		routes := a.srv.Routes()
		menus := map[sanlian.Role][]string{}
		every := map[string]bool{} // every link any role's menu holds
		for _, role := range sanlian.Roles {
			b := a.browser()
			if res := b.login(users[role], sqldbtest.Password); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: login %d", role, res.StatusCode)
			}
			res, body := b.get("/calendar")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: /calendar %d", role, res.StatusCode)
			}
			m := menuNavRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("%s: no menu in %.300s", role, body)
			}
			if n := len(menuSecRE.FindAllString(m[1], -1)); n == 0 || n > 7 {
				t.Errorf("%s: %d menu sections, want 1 to 7", role, n)
			}
			for _, h := range menuHrefRE.FindAllStringSubmatch(m[1], -1) {
				menus[role] = append(menus[role], h[1])
				every[h[1]] = true
			}
		}
		for _, role := range sanlian.Roles {
			for _, href := range menus[role] {
				rt := menuRoute(href)
				want, ok := allowed[rt]
				if !ok {
					t.Errorf("%s: menu link %s has no policy entry", role, href)
					continue
				}
				if !slices.Contains(want, role) {
					t.Errorf("%s: menu shows %s, which the policy refuses it", role, href)
				}
				if !slices.Contains(routes, rt) {
					t.Errorf("%s: menu link %s has no route", role, href)
					continue
				}
				b := a.browser()
				b.login(users[role], sqldbtest.Password)
				res, body := b.get(href)
				if href == "/" && res.StatusCode == http.StatusSeeOther { // a workbench elsewhere (账号, 审计日志)
					continue
				}
				if res.StatusCode != http.StatusOK {
					t.Errorf("%s: menu link %s answered %d: %.200s", role, href, res.StatusCode, body)
				}
			}
			for href := range every {
				if want, ok := allowed[menuRoute(href)]; ok && slices.Contains(want, role) && !slices.Contains(menus[role], href) {
					t.Errorf("%s may open %s, but its menu does not show it", role, href)
				}
			}
		}
		if !slices.Contains(menus["cadre"], "/visits") {
			t.Errorf("a cadre's menu has no 走访: %v", menus["cadre"])
		}
	})
}

// TestLayout_CountyName loads the small county under another name and
// checks that the staff's and the people's pages name the county the
// regions hold, not a name written in a template.
func TestLayout_CountyName(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		c := sqldbtest.SmallCounty()
		for _, r := range c.Regions {
			if r.Kind == sanlian.RegionCounty {
				r.Name = "桃源县"
			}
		}
		if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), c); err != nil {
			t.Fatal(err)
		}
		srv := web.New(web.Services{
			Users: db.Accounts, Regions: db.Org, Units: db.Org, Cadres: db.Org, Households: db.Org, Links: db.Org, Audit: db, Calendar: db,
			Problems: db.Problems, Attachments: db.Problems, Topics: db.Work, Visits: db.Work, Activities: db.Work, Coverage: db.Work, Supervisions: db.Problems,
			Projects: db.Lists, Resps: db.Lists, Lists: db.Lists, Imports: db.Lists, Dispatch: db.Problems, Metrics: db.Reports, Bulletins: db.Reports,
			Public: db.Public, Open311: db.Public, Notices: db.Notices, Routing: db.Problems, Sheets: xlsx.Workbooks{}, Ping: db.Ping,
		}, web.Config{Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
		ts := httptest.NewServer(srv)
		defer ts.Close()
		for _, path := range []string{"/submit", "/track", "/results", "/login"} {
			res, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body := pageText(t, res)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", path, res.StatusCode)
			}
			if !regexp.MustCompile(`<title>[^<]*桃源县`).MatchString(body) {
				t.Errorf("%s: the title does not name the county: %.300s", path, body)
			}
			if strings.Contains(body, "安化县") {
				t.Errorf("%s: names 安化县, which the regions no longer hold", path)
			}
			if !strings.Contains(body, "<footer>桃源县“三联三清”") {
				t.Errorf("%s: the footer does not name the county", path)
			}
		}
		res, err := http.Get(ts.URL + "/submit")
		if err != nil {
			t.Fatal(err)
		}
		if body := pageText(t, res); !strings.Contains(body, `<span class="pcounty">桃源县</span>`) {
			t.Errorf("the people's page heading does not name the county: %.500s", body)
		}
	})
}

// pageText reads and closes a response's body.
func pageText(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTemplates_NoInlineScript: the pages' Content-Security-Policy allows
// scripts from the server's own files only, so an inline <script> or an
// on…= handler in a template would be blocked in the browser.
func TestTemplates_NoInlineScript(t *testing.T) {
	inline := regexp.MustCompile(`<script(\s[^>]*)?>`)
	handler := regexp.MustCompile(`\son[a-z]+\s*=`)
	files, err := filepath.Glob("templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	parts, _ := filepath.Glob("templates/partials/*.html")
	files = append(files, parts...)
	if len(files) < 40 {
		t.Fatalf("found only %d templates", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inline.FindAllString(string(b), -1) {
			if !strings.Contains(m, " src=") {
				t.Errorf("%s: inline script %s", f, m)
			}
		}
		if m := handler.FindString(string(b)); m != "" {
			t.Errorf("%s: inline event handler %q", f, m)
		}
	}
}
