package web_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// Open311 as the web server serves it, mounted (package open311 tests
// GeoReport itself): the office issues keys on its pages, the server's
// limit holds posting, and a request posted through GeoReport shows
// escaped on the problem's page.

// o311Error is one entry of the spec's error list.
type o311Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// post311 posts a GeoReport request in format and returns the status,
// Retry-After and, when refused, the spec's error list.
func post311(t *testing.T, a *app, format string, form url.Values) (status int, retryAfter string, errs []o311Error) {
	t.Helper()
	res, body := a.do("POST", "/open311/v2/requests."+format, "", form.Encode())
	if res.StatusCode == http.StatusOK {
		return res.StatusCode, "", nil
	}
	var err error
	if format == "xml" {
		var x struct {
			Errors []o311Error `xml:"error"`
		}
		err = xml.Unmarshal([]byte(body), &x)
		errs = x.Errors
	} else {
		err = json.Unmarshal([]byte(body), &errs)
	}
	if err != nil || len(errs) == 0 {
		t.Fatalf("%d not in the spec's error format: %s", res.StatusCode, body)
	}
	return res.StatusCode, res.Header.Get("Retry-After"), errs
}

// mustRefuse checks an answer is the spec's error with status, in Chinese.
func mustRefuse(t *testing.T, what string, status, want int, errs []o311Error) {
	t.Helper()
	if status != want || len(errs) == 0 || errs[0].Code != want || !hasHan(errs[0].Description) {
		t.Fatalf("%s: %d %+v, want %d with a Chinese description", what, status, errs, want)
	}
}

// issueKey issues a key through the office's API and returns its secret.
func issueKey(t *testing.T, a *app, name, source string) (int64, string) {
	t.Helper()
	res, body := a.do("POST", "/api/v1/api-keys", a.token("office"), `{"name":"`+name+`","source":"`+source+`"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("issue key: %d %s", res.StatusCode, body)
	}
	out := decode[struct {
		Key struct {
			ID     int64
			Prefix string
		}
		APIKey string `json:"api_key"`
	}](t, body)
	if !strings.HasPrefix(out.APIKey, out.Key.Prefix) || out.Key.Prefix == "" {
		t.Fatalf("issued %s", body)
	}
	return out.Key.ID, out.APIKey
}

// newLimitedApp is newApp with the Open311 post limit set low.
func newLimitedApp(t *testing.T, db *sqldb.DB, lim web.Limit) *app {
	t.Helper()
	return newAppConfig(t, db, web.Config{Limits: map[string]web.Limit{web.BucketOpen311Post: lim}})
}

// TestOpen311_Flood posts from one address faster than the limit: past
// the burst, 429 in the spec's format with Retry-After, for good keys and
// bad ones alike; reading is not limited.
func TestOpen311_Flood(t *testing.T) {
	a := newLimitedApp(t, sqldbtest.Open(t, "sqlite"), web.PerMinute(1, 3))
	_, key := issueKey(t, a, "12345热线", "hotline")
	for _, format := range []string{"json", "xml"} {
		ok, limited := 0, 0
		for i := 0; i < 10; i++ {
			status, retry, errs := post311(t, a, format, url.Values{"api_key": {key}, "service_code": {"transport"}, "address_id": {sqldbtest.VillageA},
				"description": {fmt.Sprintf("第 %d 条刷屏请求的内容", i)}})
			switch status {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				mustRefuse(t, "flood", status, 429, errs)
				if retry == "" {
					t.Fatalf("429 without Retry-After")
				}
				limited++
			default:
				t.Fatalf("post %d: %d %+v", i, status, errs)
			}
		}
		t.Logf("%s: %d accepted, %d refused with 429", format, ok, limited)
		if format == "json" && (ok != 3 || limited != 7) || format == "xml" && (ok != 0 || limited != 10) {
			t.Fatalf("%s: %d accepted and %d limited", format, ok, limited)
		}
		if res, body := a.do("GET", "/open311/v2/requests."+format, "", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("reading limited: %d %s", res.StatusCode, body)
		}
	}
}

// TestAPIKeys_Pages issues a key on the office's page, shows it once,
// lists it by prefix only, and revokes it; a revoked key is refused.
func TestAPIKeys_Pages(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	tok := a.token("office")
	before := a.auditRows()

	res, body := a.do("POST", "/api-keys", tok, "name="+url.QueryEscape("<i>市级平台</i>")+"&source=other")
	if res.StatusCode != http.StatusCreated || !strings.Contains(body, `id="issued-secret"`) {
		t.Fatalf("issue: %d %s", res.StatusCode, body)
	}
	secret := between(body, `<p class="mono" id="issued-secret">`, `</p>`)
	if !strings.HasPrefix(secret, sanlian.APIKeyPrefix) || strings.Contains(body, "<i>市级平台</i>") || !strings.Contains(body, "&lt;i&gt;市级平台") {
		t.Fatalf("issued %q", secret)
	}
	res, body = a.do("GET", "/api-keys", tok, "")
	if res.StatusCode != 200 || strings.Contains(body, secret) || !strings.Contains(body, secret[:10]) {
		t.Fatalf("list shows the key whole or not at all: %d", res.StatusCode)
	}

	if status, _, errs := post311(t, a, "json", url.Values{"api_key": {secret}, "service_code": {"housing"}, "address_id": {sqldbtest.VillageB}, "description": {"危房改造补助何时发放"}}); status != http.StatusOK {
		t.Fatalf("%d %+v", status, errs)
	}

	_, body = a.do("GET", "/api/v1/api-keys", tok, "")
	keys := decode[struct{ Items []sanlian.APIKey }](t, body)
	if len(keys.Items) != 1 || keys.Items[0].Source != "other" || keys.Items[0].Requests != 1 {
		t.Fatalf("keys %s", body)
	}
	id := keys.Items[0].ID
	res, _ = a.do("POST", fmt.Sprintf("/api-keys/%d/revoke", id), tok, "x=1")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	_, body = a.do("GET", "/api-keys", tok, "")
	if !strings.Contains(body, "已停用") || strings.Contains(body, fmt.Sprintf(`/api-keys/%d/revoke`, id)) {
		t.Fatalf("revoked key still offers revoking")
	}
	status, _, errs := post311(t, a, "json", url.Values{"api_key": {secret}, "service_code": {"housing"}, "address_id": {sqldbtest.VillageB}, "description": {"停用后再提交的请求"}})
	mustRefuse(t, "revoked", status, 403, errs)
	// Issuing, the problem's entry, what came beside it, revoking.
	if n := a.auditRows() - before; n != 4 {
		t.Fatalf("%d audit rows, want 4", n)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		res, body := a.do("POST", "/api-keys", tok, "name=&source=visit")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写使用方名称") || strings.Contains(body, "issued-secret") {
			t.Fatalf("%d", res.StatusCode)
		}
		res, body = a.do("POST", "/api/v1/api-keys", tok, `{"name":"x","source":"visit","extra":1}`)
		if res.StatusCode != 400 {
			t.Fatalf("unknown field: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/api-keys", tok, `{"name":"","source":"visit"}`)
		p := decode[problem](t, body)
		if res.StatusCode != 422 || p.Errors["name"] == "" || p.Errors["source"] == "" {
			t.Fatalf("invalid: %d %s", res.StatusCode, body)
		}
		res, _ = a.do("POST", fmt.Sprintf("/api/v1/api-keys/%d/revoke", id), tok, "{}")
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("revoke twice: %d", res.StatusCode)
		}
		res, _ = a.do("POST", "/api/v1/api-keys/999/revoke", tok, "{}")
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("revoke unknown: %d", res.StatusCode)
		}
	})
}

// between returns the text between two markers.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	out, _, _ := strings.Cut(rest, to)
	return out
}

// TestOpen311_EscapedOnProblemPage: a request posted through GeoReport
// with markup in its description and the reporter's name shows escaped on
// the office's problem page, with the key's source.
func TestOpen311_EscapedOnProblemPage(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	_, key := issueKey(t, a, "12345热线", "hotline")
	script := `<script>alert("x")</script> & 路灯不亮，晚上出行不便`
	res, body := a.do("POST", "/open311/v2/requests.json", "", url.Values{"api_key": {key}, "service_code": {"transport"},
		"address_id": {sqldbtest.VillageA}, "description": {script}, "last_name": {"王"}, "first_name": {"<b>小明</b>"}}.Encode())
	var posted []struct {
		ID string `json:"service_request_id"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &posted) != nil || len(posted) != 1 {
		t.Fatalf("post: %d %s", res.StatusCode, body)
	}
	id := posted[0].ID
	res, body = a.do("GET", "/problems/"+id, a.token("office"), "")
	if res.StatusCode != 200 {
		t.Fatalf("problem page %d", res.StatusCode)
	}
	if strings.Contains(body, `<script>alert("x")`) || !strings.Contains(body, "&lt;script&gt;alert(") {
		t.Fatalf("problem page does not escape the description")
	}
	if strings.Contains(body, "<b>小明</b>") {
		t.Fatalf("problem page does not escape the reporter's name")
	}
	if !strings.Contains(body, "热线电话") {
		t.Errorf("problem page does not show the key's source")
	}
}
