package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
)

func TestThemes_NoCategoryNoKeyword(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	form := url.Values{"month": {"2026-11"}, "name": {"农村饮水安全"}, "keywords": {" 、 "}}
	res, body := a.do("POST", "/themes", a.token("office"), form.Encode())
	doc := page(t, body)
	if res.StatusCode != http.StatusUnprocessableEntity || !hasText(doc, "form.theme-form fieldset .field-error", "请至少选择一个类别或填写一个关键词") ||
		!has(doc, `form.theme-form input[name=name][value="农村饮水安全"]`) {
		t.Fatalf("got %d, want 422 naming the field and keeping the name: %.500s", res.StatusCode, body)
	}
}

func TestThemes_BadMonth(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	form := url.Values{"month": {"2026-13"}, "name": {"农村饮水安全"}, "category": {"rural"}}
	res, body := a.do("POST", "/themes", a.token("office"), form.Encode())
	doc := page(t, body)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldError(doc, "month"), "月份：") || selected(doc, "month_month") != "13 13月" ||
		!has(doc, `form.theme-form input[type=checkbox][name=category][value=rural][checked]`) || doc.Find("form.theme-form input[name=category][checked]").Length() != 1 {
		t.Fatalf("got %d, want 422 on the month keeping the category: %s", res.StatusCode, body[strings.Index(body, "<main"):])
	}
}

func TestThemesAPI_MalformedJSON(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	res, body := a.do("POST", "/api/v1/themes", a.token("office"), `{"month": "2026-11", "name": `)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("got %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var p struct{ Detail string }
	json.Unmarshal([]byte(body), &p)
	if !strings.ContainsFunc(p.Detail, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
		t.Errorf("detail %q is not Chinese", p.Detail)
	}
	res, body = a.do("POST", "/api/v1/themes", a.token("office"), `{"month": "2026-11", "name": "饮水"}`)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请至少选择一个类别或填写一个关键词") {
		t.Errorf("no category and no keyword: %d %s", res.StatusCode, body)
	}
}

func TestThemesAPI_UnitAdminCannotCreate(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	res, body := a.do("POST", "/api/v1/themes", a.token("unitadmin"), `{"month": "2026-11", "name": "饮水", "categories": ["rural"]}`)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("got %d: %s", res.StatusCode, body)
	}
	res, body = a.do("GET", "/themes/new", a.token("unitadmin"), "")
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("form: got %d: %.300s", res.StatusCode, body)
	}
}

func TestThemes_CadreForbidden(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	for _, path := range []string{"/themes", "/themes/1", "/themes/1/report"} {
		res, body := a.do("GET", path, a.token("cadre"), "")
		if res.StatusCode != http.StatusForbidden || !hasText(page(t, body), "section.error-page .error[role=alert]", "无权") && !hasText(page(t, body), "section.error-page .error[role=alert]", "权限") {
			t.Errorf("%s: got %d, want a Chinese 403 page: %.300s", path, res.StatusCode, body)
		}
	}
}

func TestThemes_NewPrefill(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	res, body := a.do("GET", "/themes/new?month=2026-11&category=transport", a.token("office"), "")
	doc := page(t, body)
	if res.StatusCode != 200 || selected(doc, "month_year") != "2026 2026年" || selected(doc, "month_month") != "11 11月" ||
		!has(doc, `form.theme-form input[type=checkbox][name=category][value=transport][checked]`) || doc.Find("form.theme-form input[name=category][checked]").Length() != 1 {
		t.Fatalf("got %d: %s", res.StatusCode, body[strings.Index(body, "<main"):])
	}
}

// TestThemes_Journey creates a theme over problems of this month through
// the API, reads its page, report and problems, and opens its workbook.
func TestThemes_Journey(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	office := a.token("office")
	for _, title := range []string{"自来水管爆裂", "饮水井水质浑浊", "村道塌方"} {
		res, body := a.do("POST", "/api/v1/problems", office, `{"source":"visit","category":"transport","village":"`+sqldbtest.VillageA+
			`","title":"`+title+`","description":"群众反映`+title+`"}`)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("problem: %d %s", res.StatusCode, body)
		}
	}
	month := thisMonth()
	res, body := a.do("POST", "/api/v1/themes", office, `{"month":"`+month+`","name":"农村饮水安全","keywords":["自来水","饮水"]}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	var th sanlian.Theme
	json.Unmarshal([]byte(body), &th)
	if th.Tagged != 2 {
		t.Fatalf("tagged %d, want 2: %s", th.Tagged, body)
	}
	id := res.Header.Get("Location")[len("/api/v1/themes/"):]
	res, body = a.do("GET", "/api/v1/themes?month="+month, a.token("leader"), "")
	if res.StatusCode != 200 || !strings.Contains(body, "农村饮水安全") {
		t.Errorf("list: %d %s", res.StatusCode, body)
	}
	res, body = a.do("GET", "/api/v1/themes/"+id+"/problems?limit=1", office, "")
	var list struct {
		Items      []sanlian.ThemeProblem
		NextCursor string `json:"next_cursor"`
	}
	json.Unmarshal([]byte(body), &list)
	if res.StatusCode != 200 || len(list.Items) != 1 || list.NextCursor == "" {
		t.Errorf("problems page: %d %s", res.StatusCode, body)
	}
	// Where each page shows the theme's name.
	for path, sel := range map[string]string{
		"/themes":                   `table tbody tr td a[href="/themes/` + id + `"]`,
		"/themes/" + id:             "main h1",
		"/themes/" + id + "/report": "article.print-report h1#report-title",
		"/themes/" + id + "/edit":   "main h1 small",
	} {
		if res, body := a.do("GET", path, office, ""); res.StatusCode != 200 || !hasText(page(t, body), sel, "农村饮水安全") {
			t.Errorf("%s: %d, no 农村饮水安全 in %s: %.300s", path, res.StatusCode, sel, body)
		}
	}
	if _, body := a.do("GET", "/themes/"+id+"/edit", office, ""); !has(page(t, body), `form.theme-form input[name=name][value="农村饮水安全"]`) {
		t.Error("the edit form does not hold the name")
	}
	res, body = a.do("POST", "/themes/"+id+"/measures", office, url.Values{"text": {"排查老旧供水管网"}, "unit_id": {"1"}, "due": {"2027-01-31"}}.Encode())
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("measure: %d %.300s", res.StatusCode, body)
	}
	res, body = a.do("POST", "/themes/"+id+"/measures", office, url.Values{"text": {"x"}, "unit_id": {"1"}, "due": {"月底"}}.Encode())
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldError(page(t, body), "due"), "请填写完成时限") {
		t.Errorf("bad measure: %d %.300s", res.StatusCode, body)
	}
	res, body = a.do("GET", "/themes/"+id+"/report.xlsx", office, "")
	if res.StatusCode != 200 {
		t.Fatalf("xlsx: %d %.300s", res.StatusCode, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("概况")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r) >= 2 {
			got[r[0]] = r[1]
		}
	}
	if got["主题"] != "农村饮水安全" || got["收到问题"] != "2" || got["已办结"] != "0" {
		t.Errorf("summary sheet %v", rows)
	}
	ms, _ := f.GetRows("治本措施")
	if len(ms) < 2 || !strings.Contains(strings.Join(ms[len(ms)-1], " "), "排查老旧供水管网") {
		t.Errorf("measures sheet %v", ms)
	}
	// The unit admin counts only its own problems: the office entered
	// these, so none.
	res, body = a.do("GET", "/api/v1/themes/"+id, a.token("unitadmin"), "")
	var rep sanlian.ThemeReport
	json.Unmarshal([]byte(body), &rep)
	if res.StatusCode != 200 || rep.Counts.Received != 0 {
		t.Errorf("unit admin: %d %s", res.StatusCode, body)
	}
}
