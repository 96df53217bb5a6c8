package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t *testing.T
	a *app
	c *http.Client
}

func (a *app) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: a.t, a: a, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.send("GET", path, nil)
}

func (b *browser) post(path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	return b.send("POST", path, form, hdr...)
}

func (b *browser) send(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, b.a.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// What a browser sends for a same-origin form.
		req.Header.Set("Origin", b.a.ts.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res, sb.String()
}

func (b *browser) login(user, password string) *http.Response {
	b.t.Helper()
	res, _ := b.post("/login", url.Values{"username": {user}, "password": {password}, "next": {"/households"}})
	return res
}

func TestPages_LoginAndHouseholds(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		if res, _ := b.get("/households"); res.StatusCode != 303 || res.Header.Get("Location") != "/login?next=%2Fhouseholds" {
			t.Fatalf("anonymous: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res := b.login("office", sqldbtest.Password)
		if res.StatusCode != 303 || res.Header.Get("Location") != "/households" {
			t.Fatalf("login: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "sanlian_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie: %+v", cookie)
		}
		res, body := b.get("/households?township=" + sqldbtest.Dongping + "&tag=any")
		if res.StatusCode != 200 {
			t.Fatalf("households: %d", res.StatusCode)
		}
		// Dongping has tagged households 1, 5, 6 and 10.
		doc := page(t, body)
		mustCount(t, doc, "table#households tbody tr", 4)
		mustCount(t, doc, `table#households tbody tr td:first-child a[href^="/households/"]`, 4)
		if !hasText(doc, "table#households tbody tr td:nth-child(3).mono", "430923********") || !hasExact(doc, "table#households tbody tr td:nth-child(4).mono", "139****0001") {
			t.Error("list does not show masked numbers")
		}
		for _, p := range []string{"/", "/regions", "/units", "/units/1", "/cadres", "/cadres/2", "/households/1", "/households/1/edit", "/links", "/coverage", "/audit"} { // the office no longer has /users (三权分立)
			if res, body := b.get(p); res.StatusCode != 200 || !strings.Contains(body, "</html>") {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
		}
		if res, body := b.get("/regions/villages?township=" + sqldbtest.Meicheng); res.StatusCode != 200 || !hasExact(page(t, body), "option[value]", "启安村") || strings.Contains(body, "黄沙坪村") {
			t.Errorf("village options: %d %s", res.StatusCode, body)
		}
		if res, _ := b.get("/nowhere"); res.StatusCode != 404 {
			t.Errorf("unknown page: %d", res.StatusCode)
		}
		if res, _ := b.post("/logout", url.Values{}); res.StatusCode != 303 {
			t.Errorf("logout: %d", res.StatusCode)
		}
		if res, _ := b.get("/households"); res.StatusCode != 303 {
			t.Errorf("after logout: %d", res.StatusCode)
		}
	})
}

func TestPages_Lockout(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	b := a.browser()
	for i := 0; i < 5; i++ {
		if res := b.login("cadre", "wrong-password"); res.StatusCode != 401 {
			t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
		}
	}
	res, body := b.post("/login", url.Values{"username": {"cadre"}, "password": {sqldbtest.Password}})
	doc := page(t, body)
	if res.StatusCode != 401 || !hasText(doc, "section.login .error[role=alert]", "锁定") {
		t.Errorf("locked account let in: %d", res.StatusCode)
	}
	if !has(doc, `form input#username[name=username][value="cadre"]`) {
		t.Error("login form lost the username")
	}
}

func TestPages_CrossOriginRefused(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	b := a.browser()
	b.login("office", sqldbtest.Password)
	res, body := b.post("/households/1", url.Values{"head_name": {"跨站"}, "version": {"1"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if res.StatusCode != 403 || !hasText(page(t, body), ".error[role=alert]", "跨站") {
		t.Errorf("cross-site form: %d", res.StatusCode)
	}
	if _, body := b.get("/households/1"); strings.Contains(body, "跨站 户") {
		t.Error("cross-site form was applied")
	}
}

func TestPages_EditHousehold(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("office", sqldbtest.Password)
		form := url.Values{"version": {"1"}, "head_name": {"刘大户"}, "village": {sqldbtest.VillageA}, "address": {"1组1号"},
			"members": {"3"}, "tag": {"key_group:低保", "representative:村两委"}}
		res, _ := b.post("/households/1", form)
		if res.StatusCode != 303 {
			t.Fatalf("save: %d", res.StatusCode)
		}
		_, body := b.get("/households/1")
		if doc := page(t, body); textOf(doc, `dt:contains("户主") + dd`) != "刘大户" || !hasExact(doc, `dt:contains("三必访") + dd span.tag`, "群众代表·村两委") {
			t.Error("saved values not shown")
		}
		// The same form again carries the old version: refused, nothing lost.
		form.Set("head_name", "刘二户")
		res, body = b.post("/households/1", form)
		doc := page(t, body)
		if res.StatusCode != 409 || !errorShown(doc, "已被他人修改") {
			t.Errorf("stale form: %d", res.StatusCode)
		}
		if !has(doc, `form input[type=hidden][name=version][value="2"]`) {
			t.Error("stale form not offered again with the current version")
		}
		// Invalid input: the form comes back with the typed values and a field message.
		form.Set("version", "2")
		form.Set("id_number", "430923195001010011")
		res, body = b.post("/households/1", form)
		if doc := page(t, body); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "id_number"), "校验位") || !has(doc, `form input[name=head_name][value="刘二户"]`) {
			t.Errorf("invalid form: %d", res.StatusCode)
		}
		// Reveal through the page, audited.
		res, body = b.post("/households/1/reveal", url.Values{}, "HX-Request", "true")
		if res.StatusCode != 200 || !strings.Contains(body, sqldbtest.SmallCounty().Households[0].IDNumber) {
			t.Errorf("reveal: %d %s", res.StatusCode, body)
		}
	})
}

func TestPages_LinkHouseholds(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("unitadmin", sqldbtest.Password)
		_, body := b.get("/links?unit_id=1&cadre_id=6&township=" + sqldbtest.Dongping + "&village=" + sqldbtest.VillageA)
		if !has(page(t, body), `form input[type=checkbox][name=household_id][value="5"]`) {
			t.Fatal("household 5 not offered for linking")
		}
		res, _ := b.post("/links", url.Values{"kind": {"household"}, "unit_id": {"1"}, "cadre_id": {"6"}, "township": {sqldbtest.Dongping},
			"village": {sqldbtest.VillageA}, "household_id": {"4", "5"}})
		if res.StatusCode != 303 {
			t.Fatalf("link: %d", res.StatusCode)
		}
		_, body = b.get("/households/5")
		if !strings.Contains(textOf(page(t, body), `dt:contains("联系干部") + dd`), "赵丽") {
			t.Error("household 5 does not show its new cadre")
		}
		// Linking again is a conflict shown on the page, not an error page.
		res, body = b.post("/links", url.Values{"kind": {"household"}, "unit_id": {"1"}, "cadre_id": {"6"}, "household_id": {"5"}})
		if res.StatusCode != 409 || !errorShown(page(t, body), "已经存在") {
			t.Errorf("duplicate link: %d", res.StatusCode)
		}
		// A cadre of another unit is out of this admin's scope.
		res, _ = b.post("/links", url.Values{"kind": {"household"}, "cadre_id": {"4"}, "household_id": {"5"}})
		if res.StatusCode != 403 {
			t.Errorf("cadre of another unit: %d", res.StatusCode)
		}
		// Village links are the office's.
		res, _ = b.post("/links", url.Values{"kind": {"village"}, "unit_id": {"1"}, "region": {sqldbtest.VillageD}})
		if res.StatusCode != 403 {
			t.Errorf("village link by unit admin: %d", res.StatusCode)
		}
	})
}
