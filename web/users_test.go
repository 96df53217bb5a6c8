package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestUsers_Finding1: a system administrator who creates an office
// account through the API gets one that cannot log in, and so cannot
// reveal a citizen's ID number, until a security administrator approves
// it; it cannot approve its own request; the office cannot create
// accounts at all.
func TestUsers_Finding1(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		sys, sec := a.token("sysadmin"), a.token("secadmin")
		res, body := a.do("POST", "/api/v1/users", sys, `{"username":"boss","role":"office","password":"A-good-passw0rd"}`)
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		u := decode[sanlian.User](t, body)
		if !u.Pending || !u.Disabled {
			t.Fatalf("created %+v, want pending", u)
		}
		if res, body := a.do("POST", "/api/v1/login", "", `{"username":"boss","password":"A-good-passw0rd"}`); res.StatusCode != 401 {
			t.Fatalf("pending account logged in: %d %s", res.StatusCode, body)
		}
		for _, path := range []string{"/api/v1/users", "/users"} {
			body := `{"username":"boss2","role":"sysadmin","password":"A-good-passw0rd"}`
			if path == "/users" {
				body = "username=boss2&role=sysadmin&password=A-good-passw0rd"
			}
			if res, _ := a.do("POST", path, a.token("office"), body); res.StatusCode != 403 {
				t.Errorf("office POST %s: %d, want 403", path, res.StatusCode)
			}
		}
		res, body = a.do("GET", "/api/v1/grants?state=pending", sec, "")
		gs := decode[struct{ Items []sanlian.GrantRequest }](t, body).Items
		if res.StatusCode != 200 || len(gs) != 1 || gs[0].UserID != u.ID {
			t.Fatalf("pending grants: %d %s", res.StatusCode, body)
		}
		id := gs[0].ID
		res, body = a.do("POST", fmt.Sprintf("/api/v1/grants/%d/approve", id), sys, `{}`)
		if res.StatusCode != 403 || !strings.Contains(body, "不能审批自己提出的申请") {
			t.Errorf("self-approval: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/grants/999/approve", sec, `{}`)
		if res.StatusCode != 404 {
			t.Errorf("unknown request: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", fmt.Sprintf("/api/v1/grants/%d/approve", id), sec, `{"reason":"县办新任主任","extra":1}`)
		if res.StatusCode != 400 {
			t.Errorf("unknown field: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", fmt.Sprintf("/api/v1/grants/%d/approve", id), sec, `{"reason":"县办新任主任"}`)
		if res.StatusCode != 200 {
			t.Fatalf("approve: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", fmt.Sprintf("/api/v1/grants/%d/refuse", id), sys, `{"reason":"晚了"}`)
		if res.StatusCode != 409 || !strings.Contains(body, "已处理") {
			t.Errorf("decided twice: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("POST", "/api/v1/households/1/reveal", a.login2("boss", "A-good-passw0rd"), ""); res.StatusCode != 200 {
			t.Errorf("approved office reveal: %d %s", res.StatusCode, body)
		}
	})
}

// login2 logs in with a password of its own.
func (a *app) login2(username, password string) string {
	a.t.Helper()
	res, body := a.do("POST", "/api/v1/login", "", `{"username":"`+username+`","password":"`+password+`"}`)
	if res.StatusCode != 200 {
		a.t.Fatalf("login %s: %d %s", username, res.StatusCode, body)
	}
	var out struct{ Token string }
	json.Unmarshal([]byte(body), &out)
	return out.Token
}

// TestUsers_Actions: disable ends the account's bearer tokens at once,
// reset answers a one-time password once and ends the old sessions,
// sessions are listed and ended, stale versions are conflicts; each in
// Chinese.
func TestUsers_Actions(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		sys := a.token("sysadmin")
		cadre := a.login("cadre")
		res, body := a.do("POST", "/api/v1/users/4/disable", sys, `{}`)
		if res.StatusCode != 422 || !strings.Contains(body, "version") {
			t.Errorf("no version: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/users/4/disable", sys, `{"version":1}`)
		if res.StatusCode != 200 {
			t.Fatalf("disable: %d %s", res.StatusCode, body)
		}
		if res, _ := a.do("GET", "/api/v1/me", cadre, ""); res.StatusCode != 401 {
			t.Errorf("disabled account's token: %d", res.StatusCode)
		}
		res, body = a.do("POST", "/api/v1/users/4/enable", sys, `{"version":1}`)
		if res.StatusCode != 409 || !strings.Contains(body, "已被他人修改") {
			t.Errorf("stale enable: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("POST", "/api/v1/users/4/enable", sys, `{"version":2}`); res.StatusCode != 200 {
			t.Fatalf("enable: %d %s", res.StatusCode, body)
		}
		cadre = a.login("cadre")
		res, body = a.do("GET", "/api/v1/users/4/sessions", sys, "")
		ss := decode[struct{ Items []sanlian.UserSession }](t, body).Items
		if res.StatusCode != 200 || len(ss) != 1 || strings.Contains(body, cadre) {
			t.Fatalf("sessions: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/users/4/reset-password", sys, `{"version":3}`)
		out := decode[struct {
			OneTimePassword string `json:"one_time_password"`
		}](t, body)
		if res.StatusCode != 200 || len(out.OneTimePassword) != 16 {
			t.Fatalf("reset: %d %s", res.StatusCode, body)
		}
		if res, _ := a.do("GET", "/api/v1/me", cadre, ""); res.StatusCode != 401 {
			t.Errorf("token after reset: %d", res.StatusCode)
		}
		tok := a.login2("cadre", out.OneTimePassword)
		_, body = a.do("GET", "/api/v1/users/4/sessions", sys, "")
		ss = decode[struct{ Items []sanlian.UserSession }](t, body).Items
		if len(ss) != 1 {
			t.Fatalf("sessions after reset: %s", body)
		}
		if res, body := a.do("DELETE", "/api/v1/users/4/sessions/"+ss[0].ID, sys, ""); res.StatusCode != 204 {
			t.Fatalf("end session: %d %s", res.StatusCode, body)
		}
		if res, _ := a.do("GET", "/api/v1/me", tok, ""); res.StatusCode != 401 {
			t.Errorf("ended session: %d", res.StatusCode)
		}
		if res, _ := a.do("DELETE", "/api/v1/users/4/sessions/"+ss[0].ID, sys, ""); res.StatusCode != 404 {
			t.Errorf("ended twice: %d", res.StatusCode)
		}
		res, body = a.do("POST", "/api/v1/grants", a.token("secadmin"), `{"user_id":4,"role":"office","version":1}`)
		if res.StatusCode != 409 {
			t.Errorf("stale grant request: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/grants", a.token("secadmin"), `{"user_id":4,"role":"boss","version":4}`)
		if res.StatusCode != 422 || !strings.Contains(body, "未知角色") {
			t.Errorf("bad role: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/grants", a.token("secadmin"), `{"user_id":4,"role":"office","version":4}`)
		if res.StatusCode != 201 {
			t.Errorf("grant request: %d %s", res.StatusCode, body)
		}
	})
}

// TestUsers_Pages: the account page's forms, the one-time password shown
// on the answer and not in a URL, the grants page refusing a same-kind
// approval in Chinese, and the security administrator's home.
func TestUsers_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		sys := a.browser()
		sys.login("sysadmin", sqldbtest.Password)
		res, body := sys.get("/users/4")
		doc := page(t, body)
		if res.StatusCode != 200 || !has(doc, `form[method=post][action="/users/4/reset-password"] input[name=version]`) || !has(doc, `form#grant-form[method=post][action="/users/4/grant"]`) {
			t.Fatalf("account page: %d", res.StatusCode)
		}
		if !hasExact(doc, `table#account tr:has(th:contains("单位")) td a[href="/units/1"]`, "县民政局") {
			t.Error("the account page does not name the account's unit")
		}
		if res, list := sys.get("/users"); res.StatusCode != 200 || !hasExact(page(t, list), `table#users tbody tr td:nth-child(4) a[href="/units/1"]`, "县民政局") || strings.Contains(list, ">#1<") {
			t.Errorf("the account list shows units by number: %d", res.StatusCode)
		}
		if !has(doc, `form#grant-form input[name=unit][list=unit-suggestions][value="县民政局"]`) {
			t.Error("the grant form does not show the account's unit")
		}
		res, body = sys.post("/users/4/reset-password", url.Values{"version": {"1"}})
		if res.StatusCode != 200 || len(textOf(page(t, body), `#one-time.flash[role=status] code#one-time-password`)) != 16 {
			t.Fatalf("reset page: %d", res.StatusCode)
		}
		res, body = sys.post("/users/4/disable", url.Values{"version": {"1"}})
		if res.StatusCode != 409 || !hasText(page(t, body), "#user-error.error[role=alert]", "已被他人修改") {
			t.Errorf("stale disable form: %d", res.StatusCode)
		}
		res, _ = sys.post("/users/4/grant", url.Values{"version": {"2"}, "role": {"unit_admin"}, "unit": {"县民政局"}, "unit_id": {"1"}})
		if res.StatusCode != 303 {
			t.Fatalf("grant form: %d", res.StatusCode)
		}
		res, body = sys.post("/users/4/grant", url.Values{"version": {"2"}, "role": {"unit_admin"}, "unit": {"县民政局"}, "unit_id": {"1"}})
		if res.StatusCode != 409 || !errorShown(page(t, body), "待审批") {
			t.Errorf("second request: %d", res.StatusCode)
		}

		sec := a.browser()
		sec.login("secadmin", sqldbtest.Password)
		res, body = sec.get("/")
		if res.StatusCode != 200 || figures(t, body)["count-grants-pending"][0] != "1" || !hasText(page(t, body), "section#panel-grants", "cadre") {
			t.Fatalf("secadmin home: %d %v", res.StatusCode, figures(t, body))
		}
		if strings.Contains(body, "139****") || strings.Contains(body, "430923") {
			t.Error("personal data on the secadmin's home")
		}
		// Every account lacks a second factor here: the figure and its list agree.
		no2fa := figures(t, body)["count-no-second-factor"]
		res, list := sec.get(no2fa[1])
		if n := page(t, list).Find(`table#users tbody tr td:first-child a[href^="/users/"]`).Length(); res.StatusCode != 200 || no2fa[0] != fmt.Sprint(n) || n < 8 {
			t.Errorf("未启用双因素认证: figure %v, list %d rows", no2fa, n)
		}
		res, body = sec.get("/grants")
		if res.StatusCode != 200 || !has(page(t, body), `table#grants-pending tr#grant-1 form[method=post][action="/grants/1/approve"]`) {
			t.Fatalf("grants page: %d", res.StatusCode)
		}
		// Another system administrator may not approve a system
		// administrator's request.
		MustOKWeb(t, db.Accounts.CreateUser(sanlian.NewSystemContext(t.Context()), &sanlian.User{Username: "sysadmin2", Role: sanlian.RoleSysadmin}, sqldbtest.Password))
		sys2 := a.browser()
		sys2.login("sysadmin2", sqldbtest.Password)
		res, body = sys2.post("/grants/1/approve", url.Values{})
		if res.StatusCode != 403 || !hasText(page(t, body), ".error[role=alert]", "授权申请须由另一类管理员审批") {
			t.Errorf("same kind: %d", res.StatusCode)
		}
		res, body = sec.post("/grants/1/refuse", url.Values{"reason": {""}})
		if res.StatusCode != 422 || !strings.HasPrefix(textOf(page(t, body), "#grant-error.error[role=alert]"), "申请 #1") {
			t.Errorf("refuse without reason: %d", res.StatusCode)
		}
		res, _ = sec.post("/grants/1/approve", url.Values{"reason": {"同意"}})
		if res.StatusCode != 303 {
			t.Fatalf("approve: %d", res.StatusCode)
		}
		_, body = sys.get("/users/4")
		if page(t, body).Find("table#account-grants tbody tr").FilterFunction(func(_ int, tr *goquery.Selection) bool {
			return strings.Contains(tr.Find("td:nth-child(2)").Text(), "单位管理员") && strings.Contains(tr.Find("td:nth-child(4)").Text(), "已批准")
		}).Length() != 1 {
			t.Error("the approved change is not on the account page")
		}
		// The office has no account pages any more.
		off := a.browser()
		off.login("office", sqldbtest.Password)
		if res, _ := off.get("/users"); res.StatusCode != 403 {
			t.Errorf("office /users: %d", res.StatusCode)
		}
	})
}

// TestHome_UnitReassign: when a cadre moves to another unit, the old
// unit's workbench shows the problems they handled as 待重新分派, and the
// figure equals the list it links to.
func TestHome_UnitReassign(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/problems", office, `{"category":"transport","village":"`+sqldbtest.VillageA+`","title":"路灯坏了","description":"村口路灯坏了三盏"}`)
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		p := decode[sanlian.Problem](t, body)
		if res, body := a.do("POST", fmt.Sprintf("/api/v1/problems/%d/assign", p.ID), office, fmt.Sprintf(`{"version":%d,"unit_id":1,"person_id":2}`, p.Version)); res.StatusCode != 200 {
			t.Fatalf("assign: %d %s", res.StatusCode, body)
		}
		_, body = homeBrowser(t, a, "unitadmin")
		if _, ok := figures(t, body)["count-reassign"]; ok {
			t.Fatal("待重新分派 before any move")
		}
		_, body = a.do("GET", "/api/v1/cadres/2", office, "")
		c := decode[sanlian.Cadre](t, body)
		if res, body := a.do("PATCH", "/api/v1/cadres/2", office, fmt.Sprintf(`{"unit_id":3,"version":%d}`, c.Version)); res.StatusCode != 200 {
			t.Fatalf("move: %d %s", res.StatusCode, body)
		}
		b, body := homeBrowser(t, a, "unitadmin")
		f := figures(t, body)["count-reassign"]
		if f[0] != "1" || !hasText(page(t, body), "section#panel-reassign", "路灯坏了") {
			t.Fatalf("待重新分派 = %v", f)
		}
		_, list := b.get(f[1])
		doc := page(t, list)
		if !has(doc, "p#reassign-hint") || !hasText(doc, "table#problems tbody tr td", "路灯坏了") {
			t.Errorf("the list at %s", f[1])
		}
		mustCount(t, doc, "table#problems tbody tr", 1)
		res, body = a.do("GET", "/api/v1/problems?reassign=1", a.token("unitadmin"), "")
		if n := len(decode[struct{ Items []sanlian.Problem }](t, body).Items); res.StatusCode != 200 || n != 1 {
			t.Errorf("api reassign list: %d, %d items", res.StatusCode, n)
		}
	})
}
