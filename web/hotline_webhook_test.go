package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestWebhooks_Source: the source filter by API and by page; an unknown
// source is refused in Chinese and changes nothing; a PATCH without
// source keeps the filter and "" lifts it.
func TestWebhooks_Source(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		type hookJSON struct {
			ID      int64
			Source  string
			Events  []string
			Version int64
		}
		t.Run("API", func(t *testing.T) {
			res, body := a.do("POST", "/api/v1/webhooks", office, `{"name":"12345热线平台","kind":"json","url":"https://example.com/12345",
				"events":["problem_accepted","problem_resolved","problem_closed","problem_reopened"],"source":"weibo"}`)
			pr := decode[problem](t, body)
			if res.StatusCode != 422 || !strings.Contains(pr.Errors["source"], "未知的来源“weibo”") {
				t.Fatalf("unknown source: %d %s", res.StatusCode, body)
			}
			res, body = a.do("POST", "/api/v1/webhooks", office, `{"name":"12345热线平台","kind":"json","url":"https://example.com/12345",
				"events":["problem_accepted","problem_resolved","problem_closed","problem_reopened"],"source":"hotline"}`)
			h := decode[hookJSON](t, body)
			if res.StatusCode != 201 || h.Source != "hotline" || len(h.Events) != 4 {
				t.Fatalf("create: %d %s", res.StatusCode, body)
			}
			path := fmt.Sprintf("/api/v1/webhooks/%d", h.ID)
			res, body = a.do("PATCH", path, office, fmt.Sprintf(`{"source":"nowhere","version":%d}`, h.Version))
			if res.StatusCode != 422 || decode[problem](t, body).Errors["source"] == "" {
				t.Fatalf("patch to an unknown source: %d %s", res.StatusCode, body)
			}
			res, body = a.do("PATCH", path, office, fmt.Sprintf(`{"name":"热线平台","version":%d}`, h.Version))
			if up := decode[hookJSON](t, body); res.StatusCode != 200 || up.Source != "hotline" || up.Version != h.Version+1 {
				t.Fatalf("patch without source: %d %s", res.StatusCode, body)
			}
			res, body = a.do("PATCH", path, office, fmt.Sprintf(`{"source":"","version":%d}`, h.Version+1))
			if up := decode[hookJSON](t, body); res.StatusCode != 200 || up.Source != "" {
				t.Fatalf("patch lifting the source: %d %s", res.StatusCode, body)
			}
		})
		t.Run("Pages", func(t *testing.T) {
			form := url.Values{"name": {"热线回传"}, "kind": {"json"}, "url": {"https://example.com/hook"}, "source": {"weibo"},
				"events": {"problem_resolved"}, "active": {"1"}}
			res, page := a.do("POST", "/webhooks", office, form.Encode())
			if res.StatusCode != 422 || !strings.Contains(page, "未知的来源") || !strings.Contains(page, `value="热线回传"`) {
				t.Fatalf("bad source by form: %d", res.StatusCode)
			}
			form.Set("source", "hotline")
			res, _ = a.do("POST", "/webhooks", office, form.Encode())
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create by form: %d", res.StatusCode)
			}
			path, _, _ := strings.Cut(res.Header.Get("Location"), "?")
			res, page = a.do("GET", path, office, "")
			if res.StatusCode != 200 || !strings.Contains(page, "仅热线电话的问题") || !strings.Contains(page, `<option value="hotline" selected>`) {
				t.Fatalf("webhook page: %d", res.StatusCode)
			}
			res, page = a.do("GET", "/webhooks", office, "")
			if res.StatusCode != 200 || !strings.Contains(page, "<th>问题来源</th>") || !strings.Contains(page, "热线电话") {
				t.Fatalf("webhooks page: %d", res.StatusCode)
			}
		})
	})
}
