package web_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestCockpit_Access: the office and leaders get the page, its big screen
// and the JSON; every other role gets the Chinese error page or a 403
// problem+json.
func TestCockpit_Access(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		for _, who := range []string{"cadre", "unitadmin", "sysadmin", "auditor"} {
			res, body := a.do("GET", "/cockpit", a.token(who), "")
			if res.StatusCode != 403 || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !hasText(page(t, body), "section.error-page .error[role=alert]", "无权") {
				t.Errorf("%s /cockpit: %d %s", who, res.StatusCode, firstLine(body))
			}
			res, body = a.do("GET", "/api/v1/cockpit", a.token(who), "")
			if res.StatusCode != 403 || !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s /api/v1/cockpit: %d %s", who, res.StatusCode, body)
			}
		}
		for _, who := range []string{"office", "leader"} {
			res, body := a.do("GET", "/cockpit", a.token(who), "")
			doc := page(t, body)
			if res.StatusCode != 200 || !strings.HasPrefix(textOf(doc, "#cockpit h1"), "领导驾驶舱") || doc.Find("#cockpit .cchart[role=img][aria-label]").Length() < 8 ||
				!has(doc, `script[src^="/static/cockpit.js?v="]`) {
				t.Errorf("%s /cockpit: %d", who, res.StatusCode)
			}
			if who == "office" != has(doc, `form[method=post][action="/cockpit/map"] input[type=file][name=geojson]`) {
				t.Errorf("%s: the upload form shows to the office only", who)
			}
			res, body = a.do("GET", "/cockpit?screen=1", a.token(who), "")
			doc = page(t, body)
			mustNotHave(t, doc, "nav#main-menu, header.top")
			if res.StatusCode != 200 || !has(doc, "body.screen #cockpit[data-screen]") || strings.Contains(body, "主菜单") ||
				doc.Find("#cockpit .cchart[role=img][aria-label]").Length() < 8 {
				t.Errorf("%s big screen: %d", who, res.StatusCode)
			}
			res, body = a.do("GET", "/api/v1/cockpit", a.token(who), "")
			var v struct {
				Months    []string                  `json:"months"`
				Series    []struct{ Values []int }  `json:"series"`
				Channels  []struct{ Source string } `json:"channels"`
				Townships []struct{ Code string }   `json:"townships"`
				County    bool                      `json:"county"`
			}
			if res.StatusCode != 200 || json.Unmarshal([]byte(body), &v) != nil || len(v.Months) != 12 || len(v.Series) != 4 ||
				len(v.Channels) != 6 || v.County != (who == "office") {
				t.Errorf("%s API: %d %.300s", who, res.StatusCode, body)
			}
			if who == "leader" && (len(v.Townships) != 1 || v.Townships[0].Code != sqldbtest.Dongping) {
				t.Errorf("leader's townships %+v", v.Townships)
			}
		}
	})
}

func firstLine(s string) string {
	if i := strings.Index(s, "\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// TestCockpit_LeaderCountySwitch: the office turns 县级领导可切换查看全县
// off and on with a same-origin form; a cross-site one is refused.
func TestCockpit_LeaderCountySwitch(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		leader := a.token("leader")
		if res, body := a.do("GET", "/api/v1/cockpit?scope=county", leader, ""); res.StatusCode != 200 || !strings.Contains(body, `"county":true`) {
			t.Fatalf("leader, county, default on: %d", res.StatusCode)
		}
		if res, body := a.do("GET", "/cockpit", leader, ""); !hasExact(page(t, body), `p.cockpit-actions a.button[href="/cockpit?scope=county"]`, "切换查看全县") {
			t.Errorf("leader page offers no switch: %d", res.StatusCode)
		}
		b := a.browser()
		b.login("office", sqldbtest.Password)
		res, _ := b.post("/cockpit/settings", url.Values{"leader_county": {"off"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if res.StatusCode != 403 {
			t.Errorf("cross-site settings form: %d", res.StatusCode)
		}
		if res, _ := a.do("GET", "/api/v1/cockpit?scope=county", leader, ""); res.StatusCode != 200 {
			t.Fatalf("a cross-site form changed the setting: %d", res.StatusCode)
		}
		res, _ = b.post("/cockpit/settings", url.Values{"leader_county": {"off"}})
		if res.StatusCode != 303 {
			t.Fatalf("settings: %d", res.StatusCode)
		}
		res, body := a.do("GET", "/cockpit?scope=county", leader, "")
		if res.StatusCode != 403 || !hasText(page(t, body), ".error[role=alert]", "未开放县级领导查看全县") {
			t.Errorf("leader, county, off: %d", res.StatusCode)
		}
		if _, body := a.do("GET", "/cockpit", leader, ""); strings.Contains(body, "切换查看全县") || has(page(t, body), `a[href*="scope=county"]`) {
			t.Error("the switch still shows")
		}
		if res, body := a.do("GET", "/api/v1/audit?entity=setting", a.token("auditor"), ""); res.StatusCode != 200 || !strings.Contains(body, "cockpit_leader_county") {
			t.Errorf("not audited: %d %.200s", res.StatusCode, body)
		}
		if res, _ := a.do("POST", "/cockpit/settings", a.token("leader"), "leader_county=on"); res.StatusCode != 403 {
			t.Errorf("leader changed the setting: %d", res.StatusCode)
		}
	})
}

// uploadMap posts a multipart body with the file field geojson.
func (a *app) uploadMap(token string, data []byte) (*http.Response, string) {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("geojson", "townships.geojson")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", a.ts.URL+"/cockpit/map", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := noRedirect.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(res.Body)
	return res, out.String()
}

// TestCockpit_MapUpload: each refusal in Chinese on the page, then a good
// upload served back, then its removal.
func TestCockpit_MapUpload(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		poly := `{"type":"Polygon","coordinates":[[[111,28],[111.1,28],[111.1,28.1],[111,28]]]}`
		fc := func(name string) string {
			return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"NAME":"` + name + `"},"geometry":` + poly + `}]}`
		}
		big := bytes.Repeat([]byte(" "), 20<<20+10)
		for _, c := range []struct {
			name   string
			data   []byte
			status int
			msg    string
		}{
			{"not JSON", []byte("<kml><Document/></kml>"), 422, "不是有效的 JSON"},
			{"not GeoJSON", []byte(`{"type":"Topology","objects":{}}`), 422, "不是 GeoJSON"},
			{"no township of the county", []byte(fc("桃江镇")), 422, "都不相符"},
			{"over 20 MB", big, 413, "超过 20 MB"},
		} {
			res, body := a.uploadMap(office, c.data)
			doc := page(t, body)
			if res.StatusCode != c.status || !strings.Contains(textOf(doc, `form[action="/cockpit/map"] p#geojson-error.error[role=alert]`), c.msg) ||
				!has(doc, "input#geojson[aria-invalid=true][aria-describedby~=geojson-error]") {
				t.Errorf("%s: %d, want %d with %q", c.name, res.StatusCode, c.status, c.msg)
			}
		}
		if res, _ := a.do("GET", "/cockpit/map.json", office, ""); res.StatusCode != 404 {
			t.Errorf("map before upload: %d", res.StatusCode)
		}
		if res, _ := a.uploadMap(a.token("leader"), []byte(fc("东坪镇"))); res.StatusCode != 403 {
			t.Errorf("leader upload: %d", res.StatusCode)
		}
		res, _ := a.uploadMap(office, []byte(fc("东坪镇")))
		if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "ok=") {
			t.Fatalf("good upload: %d", res.StatusCode)
		}
		res, body := a.do("GET", "/cockpit/map.json", a.token("leader"), "")
		if res.StatusCode != 200 || body != fc("东坪镇") || res.Header.Get("Content-Type") != "application/geo+json" {
			t.Errorf("map.json: %d %s", res.StatusCode, body)
		}
		if _, body := a.do("GET", "/cockpit", office, ""); !has(page(t, body), `#cockpit[data-map="/cockpit/map.json"]`) || strings.Contains(body, "尚未上传乡镇边界") || has(page(t, body), ".badge-schematic") {
			t.Error("the page does not use the boundaries")
		}
		if res, body := a.do("GET", "/api/v1/audit?entity=township_map", a.token("auditor"), ""); res.StatusCode != 200 || !strings.Contains(body, "upload") {
			t.Errorf("upload not audited: %d", res.StatusCode)
		}
		if res, _ := a.do("POST", "/cockpit/map/delete", office, "x=1"); res.StatusCode != 303 {
			t.Errorf("delete: %d", res.StatusCode)
		}
		if res, _ := a.do("GET", "/cockpit/map.json", office, ""); res.StatusCode != 404 {
			t.Errorf("map after delete: %d", res.StatusCode)
		}
		if _, body := a.do("GET", "/cockpit", office, ""); textOf(page(t, body), "h2#map-h small.badge-schematic") != "示意图" || !has(page(t, body), `#cockpit[data-map=""]`) {
			t.Error("without boundaries the map is not marked 示意图")
		}
	})
}
