package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// problemCode reads the code of a problem+json body.
func problemCode(t *testing.T, res *http.Response, body string) string {
	t.Helper()
	if !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("not problem+json: %d %s", res.StatusCode, body)
	}
	var p struct {
		Code   string
		Errors map[string]string
	}
	json.Unmarshal([]byte(body), &p)
	return p.Code
}

func TestMe_ChangePasswordAPI(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		tok := a.login("cadre")
		other := a.login("cadre")

		res, body := a.do("POST", "/api/v1/me/password", tok, `{"old":"wrong-password","new":"Brand-new-pw-1"}`)
		if res.StatusCode != 422 || !strings.Contains(body, `"old":"原密码不正确`) {
			t.Errorf("wrong old: %d %s", res.StatusCode, body)
		}
		for pw, want := range map[string]string{"        ": "只由空格", "12345678": "至少 10 位", "password": "至少 10 位",
			"Cadre-2021-x": "用户名", "Qwerty123456": "常见密码", "abcdefghij12": "至少 3 类", sqldbtest.Password: "最近 5 次"} {
			res, body := a.do("POST", "/api/v1/me/password", tok, `{"old":"`+sqldbtest.Password+`","new":"`+pw+`"}`)
			if res.StatusCode != 422 || !strings.Contains(body, `"new":"`) || !strings.Contains(body, want) {
				t.Errorf("%q: %d %s", pw, res.StatusCode, body)
			}
		}
		res, body = a.do("POST", "/api/v1/me/password", tok, `{"old":"`+sqldbtest.Password+`","new":"Brand-new-pw-1"}`)
		if res.StatusCode != 204 {
			t.Fatalf("change: %d %s", res.StatusCode, body)
		}
		if res, _ := a.do("GET", "/api/v1/me", tok, ""); res.StatusCode != 200 {
			t.Errorf("own token after the change: %d", res.StatusCode)
		}
		if res, _ := a.do("GET", "/api/v1/me", other, ""); res.StatusCode != 401 {
			t.Errorf("a token from before the change: %d, want 401", res.StatusCode)
		}
		res, body = a.do("POST", "/api/v1/login", "", `{"username":"cadre","password":"Brand-new-pw-1"}`)
		if res.StatusCode != 200 {
			t.Errorf("login with the new password: %d %s", res.StatusCode, body)
		}
	})
}

func TestMe_PasswordPage(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	b := a.browser()
	b.login("leader", sqldbtest.Password)
	res, body := b.get("/me/password")
	doc := page(t, body)
	if res.StatusCode != 200 || !has(doc, `form#password-form[method=post][action="/me/password"] input[name=new][minlength="10"]`) || !hasText(doc, "p.hint", "至少 10 位") {
		t.Fatalf("page: %d", res.StatusCode)
	}
	if !has(doc, `header.top form.who a#me-link[href="/me/sessions"]`) {
		t.Error("no link to the user's own pages in the top bar")
	}
	res, body = b.post("/me/password", url.Values{"old": {sqldbtest.Password}, "new": {"Brand-new-pw-1"}, "confirm": {"Brand-new-pw-2"}})
	if res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "confirm"), "两次输入的新密码不一致") {
		t.Errorf("mismatch: %d", res.StatusCode)
	}
	res, body = b.post("/me/password", url.Values{"old": {sqldbtest.Password}, "new": {"12345678"}, "confirm": {"12345678"}})
	if res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "new"), "密码至少 10 位") {
		t.Errorf("policy: %d", res.StatusCode)
	}
	res, _ = b.post("/me/password", url.Values{"old": {sqldbtest.Password}, "new": {"Brand-new-pw-1"}, "confirm": {"Brand-new-pw-1"}})
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/me/sessions?ok=") {
		t.Errorf("change: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestMe_MustChangeGate: an expired password lets its session reach the
// change page and API, logout and static files only.
func TestMe_MustChangeGate(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		if err := db.Accounts.SetPasswordPolicy(context.Background(), sanlian.PasswordPolicy{MinLength: 10, MinClasses: 3, History: 5, ExpiryDays: 30}); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
		tok := a.login("unitadmin")
		res, body := a.do("GET", "/api/v1/problems", tok, "")
		if res.StatusCode != 403 || problemCode(t, res, body) != sanlian.EPASSWORDCHANGE {
			t.Errorf("API: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("GET", "/api/v1/me", tok, ""); res.StatusCode != 200 || !strings.Contains(body, `"must_change_password":true`) {
			t.Errorf("me: %d %s", res.StatusCode, body)
		}
		b := a.browser()
		res = b.login("unitadmin", sqldbtest.Password)
		if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.HasPrefix(loc, "/me/password?ok=") {
			t.Errorf("login: %d to %q", res.StatusCode, loc)
		}
		for _, p := range []string{"/households", "/", "/me/sessions"} {
			res, _ := b.get(p)
			if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.HasPrefix(loc, "/me/password?ok=") {
				t.Errorf("GET %s: %d to %q", p, res.StatusCode, loc)
			}
		}
		if res, body := b.get("/me/password?ok=x"); res.StatusCode != 200 || !has(page(t, body), "main p.flash[role=status]") {
			t.Errorf("change page: %d", res.StatusCode)
		}
		if res, _ := b.get("/static/app.css"); res.StatusCode != 200 {
			t.Errorf("static: %d", res.StatusCode)
		}
		res, body = a.do("POST", "/api/v1/me/password", tok, `{"old":"`+sqldbtest.Password+`","new":"Brand-new-pw-1"}`)
		if res.StatusCode != 204 {
			t.Fatalf("change: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("GET", "/api/v1/problems", tok, ""); res.StatusCode != 200 {
			t.Errorf("after the change: %d %s", res.StatusCode, body)
		}
		// The browser's session was another one: it ended with the change.
		if res, _ := b.get("/households"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("other session after the change: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

var secretRE = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
var recoveryRE = regexp.MustCompile(`<li>([a-z2-9]{5}-[a-z2-9]{5})</li>`)

// TestMe_TOTP enrols a second factor in the browser, as the office whose
// role requires one, then logs in with a code on the web and the API.
func TestMe_TOTP(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		db.Auth.Require2FA = []sanlian.Role{sanlian.RoleOffice}
		b := a.browser()
		res := b.login("office", sqldbtest.Password)
		if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/me/2fa?ok=") {
			t.Fatalf("login not enrolled: %d to %q", res.StatusCode, loc)
		}
		if res, _ := b.get("/households"); !strings.HasPrefix(res.Header.Get("Location"), "/me/2fa") {
			t.Errorf("restricted page: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		tok := a.login("office")
		if res, body := a.do("GET", "/api/v1/households", tok, ""); res.StatusCode != 403 || problemCode(t, res, body) != sanlian.ETOTPENROL {
			t.Errorf("restricted API: %d %s", res.StatusCode, body)
		}
		res, body := b.get("/me/2fa")
		m := secretRE.FindStringSubmatch(body)
		if res.StatusCode != 200 || m == nil || !has(page(t, body), `img#totp-qr[src^="data:image/png;base64,"]`) || textOf(page(t, body), "code#totp-secret") != m[1] {
			t.Fatalf("enrolment page: %d %s", res.StatusCode, body)
		}
		secret := m[1]
		res, body = b.post("/me/2fa", url.Values{"code": {"000000"}})
		if res.StatusCode != 422 || !errorShown(page(t, body), "动态验证码不正确") {
			t.Errorf("wrong first code: %d", res.StatusCode)
		}
		code, _ := sanlian.TOTPCode(secret, time.Now())
		res, body = b.post("/me/2fa", url.Values{"code": {code}})
		codes := recoveryRE.FindAllStringSubmatch(body, -1)
		if res.StatusCode != 200 || len(codes) != sanlian.RecoveryCodes || page(t, body).Find("ol#recovery-codes li").Length() != sanlian.RecoveryCodes {
			t.Fatalf("confirm: %d, %d recovery codes", res.StatusCode, len(codes))
		}
		if res, _ := b.get("/households"); res.StatusCode != 200 {
			t.Errorf("after enrolment: %d", res.StatusCode)
		}

		// The web login: password, then the second page.
		b2 := a.browser()
		res = b2.login("office", sqldbtest.Password)
		if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.HasPrefix(loc, "/login/2fa") {
			t.Fatalf("password step: %d to %q", res.StatusCode, loc)
		}
		if res, body := b2.get("/login/2fa?next=/households"); res.StatusCode != 200 || !has(page(t, body), `form[method=post][action="/login/2fa"] input[name=code]`) ||
			!has(page(t, body), `form[action="/login/2fa"] input[type=hidden][name=next][value="/households"]`) {
			t.Errorf("code page: %d", res.StatusCode)
		}
		if res, _ := b2.get("/households"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login?") {
			t.Errorf("pending login is no session: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res, body = b2.post("/login/2fa", url.Values{"code": {"000000"}, "next": {"/households"}})
		if res.StatusCode != 401 || !hasText(page(t, body), ".error[role=alert]", sanlian.LoginRefused) {
			t.Errorf("wrong code: %d", res.StatusCode)
		}
		res, _ = b2.post("/login/2fa", url.Values{"recovery_code": {codes[0][1]}, "next": {"/households"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/households" {
			t.Fatalf("recovery code: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := b2.get("/households"); res.StatusCode != 200 {
			t.Errorf("after the code: %d", res.StatusCode)
		}

		// The API: no code, a replayed code, a spent recovery code, a good one.
		res, body = a.do("POST", "/api/v1/login", "", `{"username":"office","password":"`+sqldbtest.Password+`"}`)
		if res.StatusCode != 401 || problemCode(t, res, body) != sanlian.ETOTPREQUIRED {
			t.Errorf("no code: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/login", "", `{"username":"office","password":"`+sqldbtest.Password+`","totp":"`+code+`"}`)
		if res.StatusCode != 401 || problemCode(t, res, body) != sanlian.EUNAUTHORIZED || !strings.Contains(body, sanlian.LoginRefused) {
			t.Errorf("replayed code: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/login", "", `{"username":"office","password":"`+sqldbtest.Password+`","recovery_code":"`+codes[0][1]+`"}`)
		if res.StatusCode != 401 {
			t.Errorf("spent recovery code: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/login", "", `{"username":"office","password":"`+sqldbtest.Password+`","recovery_code":"`+codes[1][1]+`"}`)
		if res.StatusCode != 200 {
			t.Errorf("recovery code: %d %s", res.StatusCode, body)
		}
		// The office may not turn off what its role requires.
		if res, body := b.post("/me/2fa/disable", url.Values{"code": {code}}); res.StatusCode != 403 || !hasText(page(t, body), ".error[role=alert]", "不能关闭") {
			t.Errorf("disable: %d", res.StatusCode)
		}
	})
}

func TestMe_Sessions(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	tok := a.login("leader")
	a.login("leader")
	b := a.browser()
	b.login("leader", sqldbtest.Password)
	res, body := a.do("GET", "/api/v1/me/sessions", tok, "", "User-Agent", "TestAgent/9")
	var out struct{ Items []sanlian.SessionInfo }
	json.Unmarshal([]byte(body), &out)
	if res.StatusCode != 200 || len(out.Items) != 3 {
		t.Fatalf("sessions: %d %s", res.StatusCode, body)
	}
	var other string
	for _, s := range out.Items {
		if !s.Current && s.Kind == "api" {
			other = s.ID
		}
		if s.UserAgent == "" || s.IP == "" {
			t.Errorf("session without its client: %+v", s)
		}
	}
	if res, body := a.do("DELETE", "/api/v1/me/sessions/"+other, tok, ""); res.StatusCode != 204 {
		t.Errorf("end one: %d %s", res.StatusCode, body)
	}
	if res, _ := a.do("DELETE", "/api/v1/me/sessions/"+other, tok, ""); res.StatusCode != 404 {
		t.Errorf("end it again: %d", res.StatusCode)
	}
	res, body = b.get("/me/sessions")
	doc := page(t, body)
	if res.StatusCode != 200 || doc.Find("table#sessions tbody tr").Length() != 2 || textOf(doc, "table#sessions tbody tr.current td.ua b.badge") != "本设备" ||
		doc.Find("table#sessions tbody tr.current form").Length() != 0 || doc.Find(`table#sessions tbody tr:not(.current) form[action$="/end"] button.link`).Length() != 1 {
		t.Errorf("page: %d %s", res.StatusCode, body)
	}
	res, _ = b.post("/me/sessions/others/end", url.Values{})
	if res.StatusCode != 303 {
		t.Errorf("end others: %d", res.StatusCode)
	}
	if res, _ := a.do("GET", "/api/v1/me", tok, ""); res.StatusCode != 401 {
		t.Errorf("token after end others: %d", res.StatusCode)
	}
}

// TestAuditLogins: the auditor's login log shows the logins, failures
// and logouts, with addresses, and no citizen's data.
func TestAuditLogins(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		a.do("POST", "/api/v1/login", "", `{"username":"cadre","password":"wrong-password"}`, "User-Agent", "Spray/1")
		tok := a.login("cadre")
		a.do("POST", "/api/v1/logout", tok, "")
		b := a.browser()
		b.login("auditor", sqldbtest.Password)
		res, body := b.get("/audit/logins?username=cadre")
		if res.StatusCode != 200 {
			t.Fatalf("page: %d", res.StatusCode)
		}
		doc := page(t, body)
		for _, want := range [][2]string{
			{"td:nth-child(3)", "登录成功"}, {"td:nth-child(3)", "登录失败"}, {"td:nth-child(3)", "退出"}, {"td:nth-child(5)", "bad password"},
			{"td.ua", "Spray/1"}, {"td.mono", "127.0.0.1"},
		} {
			if !hasText(doc, "table#logins tbody tr "+want[0], want[1]) {
				t.Errorf("the log's %s lacks %q", want[0], want[1])
			}
		}
		mustHave(t, doc, `p.tabs a[href="/audit"]`)
		for _, pii := range []string{"1390000000", "430923", "刘户1", "王建国", "13800000001"} {
			if strings.Contains(body, pii) {
				t.Errorf("the login log shows citizen data %q", pii)
			}
		}
		res, body = b.get("/audit/logins?result=failed")
		if res.StatusCode != 200 || strings.Contains(body, "登录成功") || !hasText(page(t, body), "table#logins tbody tr td:nth-child(3)", "登录失败") ||
			hasText(page(t, body), "table#logins tbody tr td:nth-child(4)", "成功") {
			t.Errorf("failed only: %d", res.StatusCode)
		}
		if res, _ := b.get("/audit/logins?result=maybe"); res.StatusCode != 400 {
			t.Errorf("bad result filter: %d", res.StatusCode)
		}
		if res, _ := b.get("/audit/logins?from=yesterday"); res.StatusCode != 400 {
			t.Errorf("bad date: %d", res.StatusCode)
		}
		res, body = a.do("GET", "/api/v1/audit/logins?username=cadre&limit=2", a.token("auditor"), "")
		var out struct {
			Items      []sanlian.LoginEntry
			NextCursor string `json:"next_cursor"`
		}
		json.Unmarshal([]byte(body), &out)
		if res.StatusCode != 200 || len(out.Items) != 2 || out.NextCursor == "" || out.Items[0].Event != sanlian.LoginEventLogout {
			t.Errorf("API: %d %s", res.StatusCode, body)
		}
	})
}

func TestPasswordPolicyAPI(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	res, body := a.do("GET", "/api/v1/password-policy", a.token("cadre"), "")
	if res.StatusCode != 200 || !strings.Contains(body, `"min_length":10`) || !strings.Contains(body, `"history":5`) {
		t.Errorf("GET: %d %s", res.StatusCode, body)
	}
	// Only the security administrator sets it; not the system administrator.
	res, body = a.do("PUT", "/api/v1/password-policy", a.token("sysadmin"), `{"min_length":12,"min_classes":3,"history":5,"expiry_days":90}`)
	if res.StatusCode != 403 {
		t.Errorf("PUT as sysadmin: %d %s", res.StatusCode, body)
	}
}
