package web_test

import (
	"net/http"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// elderState reads a people's page: whether 长辈版 is on (the class on
// <html>), and its switch's links; it fails the test when the page has
// no switch or the switch disagrees with the class.
func elderState(t *testing.T, what, body string) (on bool, offHref, onHref string) {
	t.Helper()
	doc := page(t, body)
	sw := doc.Find("#elder-switch.pswitch[role=group][aria-label=字号]")
	std, elder := sw.Find("a[role=button][data-elder='0']"), sw.Find("a[role=button][data-elder='1']")
	if sw.Length() != 1 || std.Length() != 1 || elder.Length() != 1 {
		t.Fatalf("%s: no 长辈版 switch in\n%.600s", what, body)
	}
	if strings.TrimSpace(std.Text()) != "标准版" || strings.TrimSpace(elder.Text()) != "长辈版" {
		t.Errorf("%s: the switch's toggles read %q and %q", what, std.Text(), elder.Text())
	}
	on = doc.Find("html[lang=zh-CN].elder").Length() == 1
	stdPressed, _ := std.Attr("aria-pressed")
	elderPressed, _ := elder.Attr("aria-pressed")
	if want := map[bool][2]string{true: {"false", "true"}, false: {"true", "false"}}[on]; stdPressed != want[0] || elderPressed != want[1] {
		t.Errorf("%s: class elder %v but aria-pressed 标准版 %s 长辈版 %s", what, on, stdPressed, elderPressed)
	}
	offHref, _ = std.Attr("href")
	onHref, _ = elder.Attr("href")
	return on, offHref, onHref
}

// elderCookieOf is the elder cookie a response sets, or nil.
func elderCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == "elder" {
			return c
		}
	}
	return nil
}

// TestPublic_ElderMode: ?elder=1 turns 长辈版 on and remembers it in a
// cookie; the cookie alone turns it on; ?elder=0 turns it off and clears
// the cookie; with neither it is off.
func TestPublic_ElderMode(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newPublicApp(t, db, web.Config{})

		res, body := a.do("GET", "/track?elder=1", "", "")
		if on, _, _ := elderState(t, "?elder=1", body); !on || res.StatusCode != 200 {
			t.Errorf("?elder=1: %d, on %v", res.StatusCode, on)
		}
		c := elderCookieOf(res)
		if c == nil || c.Value != "1" || c.Path != "/" || c.MaxAge < 30*24*3600 || c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("?elder=1 sets %+v, want elder=1 for the whole site, for a long time, readable by the page's script", c)
		}

		res, body = a.do("GET", "/results", "", "", "Cookie", "elder=1")
		if on, _, _ := elderState(t, "cookie", body); !on {
			t.Error("the cookie alone does not turn 长辈版 on")
		}
		if elderCookieOf(res) != nil {
			t.Error("a page without ?elder= sets the cookie again")
		}

		res, body = a.do("GET", "/results?elder=0", "", "", "Cookie", "elder=1")
		if on, _, _ := elderState(t, "?elder=0", body); on {
			t.Error("?elder=0 leaves 长辈版 on")
		}
		if c := elderCookieOf(res); c == nil || c.MaxAge >= 0 || c.Value != "" {
			t.Errorf("?elder=0 sets %+v, want the cookie cleared", c)
		}

		for _, cookie := range []string{"", "elder=0", "elder=yes"} {
			_, body = a.do("GET", "/submit", "", "", "Cookie", cookie)
			if on, _, _ := elderState(t, "cookie "+cookie, body); on {
				t.Errorf("cookie %q turns 长辈版 on", cookie)
			}
		}
		// A value other than 0 or 1 leaves the mode as the cookie says.
		if _, body = a.do("GET", "/track?elder=2", "", "", "Cookie", "elder=1"); page(t, body).Find("html.elder").Length() != 1 {
			t.Error("?elder=2 turns off 长辈版")
		}
	})
}

// TestPublic_ElderSwitchEverywhere: every people's page carries the
// switch, pointing to the same page (by GET) with ?elder=1 or ?elder=0
// and what the page needs to show again; the answer to a POST points to
// the page it came from, never to the POST.
func TestPublic_ElderSwitchEverywhere(t *testing.T) {
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{})
	code := a.submitOK("村口的路灯坏了半个月，晚上看不见路", "13912345678")

	f := a.openForm("?via=wechat")
	_, receipt := a.postSubmit(f.fields("组里的水井水质发浑，想请人来检测一下", ""), nil)
	rcode := codeRE.FindStringSubmatch(receipt)
	if rcode == nil {
		t.Fatalf("no receipt: %.500s", receipt)
	}
	_, badForm := a.postSubmit(a.openForm("").fields("短", ""), nil)
	_, badRate := a.do("POST", "/track/"+code+"/rate", "", "comment="+strings.Repeat("长", 30000))

	for _, c := range []struct {
		name, body, here string
	}{
		{"submit", a.get("/submit"), "/submit?"},
		{"submit from WeChat", a.get("/submit?via=wechat"), "/submit?elder=%s&via=wechat"},
		{"submit with errors", badForm, "/submit?"},
		{"receipt", receipt, "/track/" + strings.ReplaceAll(rcode[1], "-", "") + "?elder=%s&via=wechat"},
		{"track form", a.get("/track"), "/track?"},
		{"track form, not found", a.get("/track?code=ZZZ"), "/track?code=ZZZ&elder=%s"},
		{"tracked problem", a.get("/track/" + code), "/track/" + code + "?"},
		{"unknown code", a.get("/track/ABCDEFGHJK"), "/track?"},
		{"results", a.get("/results"), "/results?"},
		{"error page", badRate, "/track/" + code + "?"},
	} {
		on, offHref, onHref := elderState(t, c.name, c.body)
		if on {
			t.Errorf("%s: on without being asked", c.name)
		}
		want := c.here
		if strings.HasSuffix(want, "?") {
			want += "elder=%s"
		}
		if offHref != strings.ReplaceAll(want, "%s", "0") || onHref != strings.ReplaceAll(want, "%s", "1") {
			t.Errorf("%s: switch to %q and %q, want %q", c.name, offHref, onHref, want)
		}
		doc := page(t, c.body)
		for _, sel := range []string{"a.skip[href='#main']", "main#main.pmain", "nav.pnav[aria-label]", "footer"} {
			if doc.Find(sel).Length() != 1 {
				t.Errorf("%s: no %s", c.name, sel)
			}
		}
	}
	if page(t, badRate).Find("main .perror").Length() == 0 {
		t.Errorf("a rating too large is not the error page: %.400s", badRate)
	}
}

// TestPublic_FieldErrorsAnnounced: a field sent back with an error is
// marked invalid and described by its message; the form's message is an
// alert.
func TestPublic_FieldErrorsAnnounced(t *testing.T) {
	a := newPublicApp(t, sqldbtest.Open(t, "sqlite"), web.Config{})
	v := a.openForm("").fields("短", "12345")
	v.Set("category", "")
	_, body := a.postSubmit(v, nil)
	doc := page(t, body)
	for _, sel := range []string{
		"p#form-error.perror[role=alert]",
		"#category[required][aria-invalid=true][aria-describedby=category-error]",
		"p#category-error.field-error",
		"#description[aria-invalid=true][aria-describedby~=description-error][aria-describedby~=description-hint]",
		"p#description-error.field-error",
		"#reporter_phone[aria-invalid=true][aria-describedby=reporter_phone-error]",
		"p#reporter_phone-error.field-error",
		"[role=progressbar][aria-label=安全验证进度]",
	} {
		if doc.Find(sel).Length() != 1 {
			t.Errorf("the form with errors lacks %s", sel)
		}
	}
	if doc.Find("#village[aria-invalid]").Length() != 0 {
		t.Error("a field without an error is marked invalid")
	}
}

// get fetches a page and fails the test unless it answers a page.
func (a *app) get(path string) string {
	a.t.Helper()
	res, body := a.do("GET", path, "", "")
	if res.StatusCode != 200 && res.StatusCode != 404 {
		a.t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	return body
}
