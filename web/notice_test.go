package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

type noticeJSON struct {
	ID       int64
	Kind     string
	Title    string
	Body     string
	Link     string
	TargetID int64  `json:"target_id"`
	ReadAt   string `json:"read_at"`
}

type noticeListJSON struct {
	Items      []noticeJSON
	NextCursor string `json:"next_cursor"`
	Unread     int
}

func (a *app) notices(token, query string) noticeListJSON {
	a.t.Helper()
	res, out := a.do("GET", "/api/v1/notices?"+query, token, "")
	if res.StatusCode != 200 {
		a.t.Fatalf("notices?%s: %d %s", query, res.StatusCode, out)
	}
	return decode[noticeListJSON](a.t, out)
}

// TestNotices_Web: an assignment reaches the person's and the unit
// admin's notices, the top bar and the home page count them, and each
// user reads and marks only their own.
func TestNotices_Web(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		cadreTok, adminTok := a.token("cadre"), a.token("unitadmin")
		p := a.supervisedProblem(`路灯<script>alert(1)</script>损坏`)

		got := a.notices(cadreTok, "")
		if got.Unread != 1 || len(got.Items) != 1 || got.Items[0].Kind != sanlian.NoticeAssigned || got.Items[0].TargetID != p.ID ||
			got.Items[0].Link != fmt.Sprintf("/problems/%d", p.ID) {
			t.Fatalf("cadre's notices %+v", got)
		}
		if n := a.notices(a.token("office"), "").Unread; n != 0 {
			t.Fatalf("office unread %d", n)
		}
		id := got.Items[0].ID

		// Pages: the top bar, the home page and the list, escaped.
		for _, path := range []string{"/", "/notices", "/problems"} {
			res, body := a.do("GET", path, cadreTok, "")
			if res.StatusCode != 200 || !strings.Contains(body, `id="unread-count" title="未读消息">1</span>`) {
				t.Fatalf("%s: %d, no unread count in the top bar", path, res.StatusCode)
			}
			if strings.Contains(body, "<script>alert(1)") {
				t.Fatalf("%s: the title is not escaped", path)
			}
		}
		_, home := a.do("GET", "/", cadreTok, "")
		if !strings.Contains(home, `<b>1</b> 条未读消息`) {
			t.Fatal("home page shows no unread count")
		}
		_, list := a.do("GET", "/notices", cadreTok, "")
		if !strings.Contains(list, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(list, fmt.Sprintf(`action="/notices/%d/read"`, id)) {
			t.Fatal("notices page does not list the notice")
		}
		// The sysadmin and auditor have a notices page too.
		for _, u := range []string{"sysadmin", "auditor"} {
			if res, body := a.do("GET", "/notices", a.token(u), ""); res.StatusCode != 200 || !strings.Contains(body, "暂无消息") {
				t.Fatalf("%s notices page: %d", u, res.StatusCode)
			}
		}

		t.Run("ErrAnotherUsersNotice", func(t *testing.T) {
			res, body := a.do("POST", fmt.Sprintf("/api/v1/notices/%d/read", id), adminTok, "{}")
			if res.StatusCode != 404 || !hasHan(decode[problem](t, body).Detail) {
				t.Fatalf("another user's notice: %d %s", res.StatusCode, body)
			}
			if res, _ := a.do("POST", fmt.Sprintf("/notices/%d/read", id), adminTok, "x=1"); res.StatusCode != 404 {
				t.Fatalf("another user's notice by the page: %d", res.StatusCode)
			}
			if a.notices(cadreTok, "").Unread != 1 {
				t.Fatal("another user marked the notice read")
			}
		})
		t.Run("ErrBadInput", func(t *testing.T) {
			for _, q := range []string{"kind=spam", "unread=perhaps", "limit=0", "cursor=bm90LWEtY3Vyc29y"} {
				res, body := a.do("GET", "/api/v1/notices?"+q, cadreTok, "")
				if res.StatusCode != 400 || !hasHan(body) {
					t.Errorf("?%s: %d %s", q, res.StatusCode, body)
				}
			}
			if res, _ := a.do("POST", "/api/v1/notices/abc/read", cadreTok, "{}"); res.StatusCode != 404 {
				t.Errorf("bad id: %d", res.StatusCode)
			}
		})
		t.Run("OpenMarksRead", func(t *testing.T) {
			res, _ := a.do("POST", fmt.Sprintf("/notices/%d/read", id), cadreTok, "open=1")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/problems/%d", p.ID) {
				t.Fatalf("open: %d to %s", res.StatusCode, res.Header.Get("Location"))
			}
			if a.notices(cadreTok, "").Unread != 0 || a.notices(adminTok, "").Unread != 1 {
				t.Fatal("unread counts after opening")
			}
			_, body := a.do("GET", "/problems", cadreTok, "")
			if strings.Contains(body, `id="unread-count"`) {
				t.Fatal("the top bar still counts a read notice")
			}
		})
		t.Run("ReadAll", func(t *testing.T) {
			res, _ := a.do("POST", "/notices/read-all", adminTok, "x=1")
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), url.QueryEscape("已将 1 条消息标为已读")) {
				t.Fatalf("read all: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			if got := a.notices(adminTok, "unread=1"); got.Unread != 0 || len(got.Items) != 0 {
				t.Fatalf("after read all %+v", got)
			}
		})
	})
}

type webhookJSON struct {
	ID      int64
	Name    string
	Kind    string
	URL     string
	Secret  string
	Events  []string
	Active  bool
	Version int64
}

// TestWebhooks_Web: the office configures webhooks by API and page; bad
// input is refused in Chinese; the secret and the robot's key never come
// back whole; the delivery log lists what an event queued.
func TestWebhooks_Web(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/webhooks", office, `{"name":"县办钉钉群","kind":"dingtalk",
			"url":"https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef","secret":"SECabcdef0123456789",
			"events":["problem_assigned","supervision_red"]}`)
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		if strings.Contains(body, "0123456789abcdef") || strings.Contains(body, "SECabcdef0123456789") {
			t.Fatalf("the key or secret came back whole: %s", body)
		}
		h := decode[webhookJSON](t, body)
		if h.Secret != "SEC****89" || !strings.HasPrefix(h.URL, "https://oapi.dingtalk.com/robot/send?access_token=") || h.Version != 1 {
			t.Fatalf("created %+v", h)
		}

		t.Run("ErrBadInput", func(t *testing.T) {
			for _, c := range []struct {
				body   string
				status int
				field  string
			}{
				{`{"name":"x","kind":"json","url":"ftp://example.com/","events":["problem_assigned"]}`, 422, "url"},
				{`{"name":"x","kind":"json","url":"file:///etc/passwd","events":["problem_assigned"]}`, 422, "url"},
				{`{"name":"x","kind":"slack","url":"https://example.com/","events":["problem_assigned"]}`, 422, "kind"},
				{`{"name":"x","kind":"json","url":"https://example.com/","events":["problem_eaten"]}`, 422, "events"},
				{`{"name":"x","kind":"json","url":"https://example.com/","events":["problem_assigned"],"colour":"red"}`, 400, ""},
				{`{"name":"x",`, 400, ""},
			} {
				res, body := a.do("POST", "/api/v1/webhooks", office, c.body)
				pr := decode[problem](t, body)
				if res.StatusCode != c.status || !hasHan(pr.Detail) || (c.field != "" && pr.Errors[c.field] == "") {
					t.Errorf("%s: %d %s", c.body, res.StatusCode, body)
				}
			}
			res, body := a.do("PATCH", fmt.Sprintf("/api/v1/webhooks/%d", h.ID), office, `{"name":"改名","version":7}`)
			if res.StatusCode != 409 || !hasHan(decode[problem](t, body).Detail) {
				t.Errorf("stale version: %d %s", res.StatusCode, body)
			}
			if res, _ := a.do("PATCH", fmt.Sprintf("/api/v1/webhooks/%d", h.ID), office, `{"name":"改名"}`); res.StatusCode != 422 {
				t.Errorf("no version: %d", res.StatusCode)
			}
			if res, _ := a.do("PATCH", "/api/v1/webhooks/999", office, `{"name":"改名","version":1}`); res.StatusCode != 404 {
				t.Errorf("unknown webhook: %d", res.StatusCode)
			}
		})
		t.Run("Patch", func(t *testing.T) {
			res, body := a.do("PATCH", fmt.Sprintf("/api/v1/webhooks/%d", h.ID), office, `{"name":"县办工作群","version":1}`)
			up := decode[webhookJSON](t, body)
			if res.StatusCode != 200 || up.Name != "县办工作群" || up.Kind != "dingtalk" || len(up.Events) != 2 || up.Secret != "SEC****89" || up.Version != 2 {
				t.Fatalf("patch: %d %s", res.StatusCode, body)
			}
			h = up
		})
		t.Run("DeliveryLog", func(t *testing.T) {
			p := a.supervisedProblem("河堤护栏缺损")
			res, body := a.do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", h.ID), office, "")
			if res.StatusCode != 200 || !strings.Contains(body, p.Number) || strings.Contains(body, "刘大爷") || strings.Contains(body, "13912345678") {
				t.Fatalf("deliveries: %d %s", res.StatusCode, body)
			}
			if res, _ := a.do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries?state=lost", h.ID), office, ""); res.StatusCode != 400 {
				t.Fatalf("bad state: %d", res.StatusCode)
			}
			res, page := a.do("GET", fmt.Sprintf("/webhooks/%d", h.ID), office, "")
			if res.StatusCode != 200 || !strings.Contains(page, p.Number) || !strings.Contains(page, "待发送") || strings.Contains(page, "0123456789abcdef") {
				t.Fatalf("webhook page: %d", res.StatusCode)
			}
			res, page = a.do("POST", fmt.Sprintf("/webhooks/%d/deliveries/retry", h.ID), office, "delivery=1")
			if res.StatusCode != 409 || !strings.Contains(page, "只有发送失败的推送可以重新发送") {
				t.Fatalf("retry of a pending delivery: %d", res.StatusCode)
			}
			if res, _ := a.do("POST", fmt.Sprintf("/webhooks/%d/deliveries/retry?delivery=1", h.ID), office, "x=1"); res.StatusCode != 409 {
				t.Fatalf("retry named in the query: %d", res.StatusCode)
			}
			if res, _ := a.do("POST", fmt.Sprintf("/webhooks/%d/deliveries/retry", h.ID), office, "delivery=abc"); res.StatusCode != 422 {
				t.Fatalf("retry without a delivery: %d", res.StatusCode)
			}
		})
		t.Run("Pages", func(t *testing.T) {
			res, page := a.do("GET", "/webhooks", office, "")
			if res.StatusCode != 200 || !strings.Contains(page, "县办工作群") || strings.Contains(page, "0123456789abcdef") {
				t.Fatalf("webhooks page: %d", res.StatusCode)
			}
			form := url.Values{"name": {"通用"}, "kind": {"json"}, "url": {"gopher://example.com/"}, "secret": {"topsecret-value"},
				"events": {"problem_submitted"}, "active": {"1"}}
			res, page = a.do("POST", "/webhooks", office, form.Encode())
			if res.StatusCode != 422 || !strings.Contains(page, "接收地址只能以 http:// 或 https:// 开头") || strings.Contains(page, "topsecret-value") ||
				!strings.Contains(page, `value="通用"`) {
				t.Fatalf("bad form: %d", res.StatusCode)
			}
			form.Set("url", "https://example.com/hook")
			res, _ = a.do("POST", "/webhooks", office, form.Encode())
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create by form: %d", res.StatusCode)
			}
			loc := res.Header.Get("Location")
			path, _, _ := strings.Cut(loc, "?")
			stale := url.Values{"name": {"改"}, "kind": {"json"}, "events": {"problem_submitted"}, "version": {"9"}}
			if res, page := a.do("POST", path, office, stale.Encode()); res.StatusCode != 409 || !strings.Contains(page, "已被他人修改") {
				t.Fatalf("stale form: %d", res.StatusCode)
			}
			stale.Set("version", "1")
			if res, _ := a.do("POST", path, office, stale.Encode()); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("update by form: %d", res.StatusCode)
			}
		})
	})
}
