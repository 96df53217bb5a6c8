package web_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

type apiProblem struct {
	ID            int64
	Number        string
	State         string
	Version       int64
	ReporterPhone string `json:"reporter_phone"`
	ResolveDue    string `json:"resolve_due"`
	Overdue       bool
}

func (a *app) createProblem(token, village, title, desc string) apiProblem {
	a.t.Helper()
	res, body := a.do("POST", "/api/v1/problems", token, fmt.Sprintf(
		`{"category":"transport","village":%q,"title":%q,"description":%q,"reporter_name":"刘大爷","reporter_phone":"13912345678","source":"visit"}`,
		village, title, desc))
	if res.StatusCode != 201 {
		a.t.Fatalf("create problem: %d %s", res.StatusCode, body)
	}
	return decode[apiProblem](a.t, body)
}

func (a *app) problemAct(token string, p apiProblem, action, extra string) (int, string, apiProblem) {
	a.t.Helper()
	body := fmt.Sprintf(`{"version":%d%s}`, p.Version, extra)
	res, out := a.do("POST", fmt.Sprintf("/api/v1/problems/%d/%s", p.ID, action), token, body)
	var np apiProblem
	if res.StatusCode == 200 {
		np = decode[apiProblem](a.t, out)
	}
	return res.StatusCode, out, np
}

// TestProblemAPI_BadInput covers the refusals the issue names, each with
// its status, a Chinese detail, and nothing changed.
func TestProblemAPI_BadInput(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, cadre := a.token("office"), a.token("cadre")
		p := a.createProblem(cadre, sqldbtest.VillageA, "村口路灯坏了", "村口三盏路灯坏了一个月")
		if p.ReporterPhone != "139****5678" {
			t.Errorf("reporter phone not masked: %q", p.ReporterPhone)
		}
		_, _, p = a.problemAct(office, p, "assign", `,"unit_id":1,"person_id":2`)
		closed := a.createProblem(cadre, sqldbtest.VillageA, "道路积水", "雨后道路积水严重")
		_, _, closed = a.problemAct(office, closed, "reject", `,"reason":"重复反映"`)

		cases := []struct {
			name, token, action, extra string
			version                    int64
			status                     int
			field                      string
		}{
			{"not allowed in this state", cadre, "resolve", `,"measures":"修","result":"好"`, 0, 409, ""},
			{"not allowed for the role", a.token("leader"), "accept", ``, 0, 403, ""},
			{"stale version", cadre, "accept", ``, p.Version - 1, 409, ""},
			{"transfer to a unit that does not exist", office, "transfer", `,"unit_id":999,"reason":"不归我们管"`, 0, 422, "unit_id"},
			{"transfer without a reason", office, "transfer", `,"unit_id":3`, 0, 422, "reason"},
			{"extension into the past", cadre, "extend", `,"until":"2020-01-01","reason":"下雨"`, 0, 422, "until"},
			{"extension with a bad date", cadre, "extend", `,"until":"明天","reason":"下雨"`, 0, 422, "until"},
			{"callback on an unresolved problem", office, "callback", `,"solved":"yes","satisfaction":"satisfied"`, 0, 409, ""},
			{"merge into itself", office, "merge", fmt.Sprintf(`,"into":%d`, p.ID), 0, 422, "into"},
			{"merge into a closed problem", office, "merge", fmt.Sprintf(`,"into":%d`, closed.ID), 0, 409, ""},
			{"unknown action", office, "explode", ``, 0, 404, ""},
			{"unknown field", office, "accept", `,"force":true`, 0, 400, "force"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				q := p
				if c.version != 0 {
					q.Version = c.version
				}
				status, body, _ := a.problemAct(c.token, q, c.action, c.extra)
				if status != c.status {
					t.Fatalf("status %d, want %d: %s", status, c.status, body)
				}
				pr := decode[problem](t, body)
				if !hasHan(pr.Detail) || (c.field != "" && !hasHan(pr.Errors[c.field])) {
					t.Errorf("problem %+v", pr)
				}
			})
		}
		// Nothing changed: still assigned at the same version.
		_, body := a.do("GET", fmt.Sprintf("/api/v1/problems/%d", p.ID), office, "")
		if got := decode[apiProblem](t, body); got.State != "assigned" || got.Version != p.Version {
			t.Errorf("after refusals: %+v, want assigned v%d", got, p.Version)
		}
		// Resolving without measures is refused by field.
		_, _, p = a.problemAct(cadre, p, "accept", ``)
		if status, body, _ := a.problemAct(cadre, p, "resolve", `,"result":"好了"`); status != 422 || !strings.Contains(body, "measures") {
			t.Errorf("resolve without measures: %d %s", status, body)
		}
		// Entry: bad category, village, phone, empty description.
		res, body := a.do("POST", "/api/v1/problems", cadre, `{"category":"magic","village":"430923999999","description":"","reporter_phone":"123"}`)
		pr := decode[problem](t, body)
		if res.StatusCode != 422 || pr.Errors["description"] == "" || pr.Errors["reporter_phone"] == "" {
			t.Errorf("bad entry: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/problems", cadre, `{"category":"magic","village":"`+sqldbtest.VillageA+`","description":"有问题"}`)
		if res.StatusCode != 422 || !strings.Contains(body, "category") {
			t.Errorf("unknown category: %d %s", res.StatusCode, body)
		}
	})
}

// TestProblemAPI_Search finds two-character words on both engines with the
// same results, refuses a 10,000-character query, and treats SQL and HTML
// as plain text.
func TestProblemAPI_Search(t *testing.T) {
	results := map[string]map[string]string{} // engine → query → numbers
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		cadre, office := a.token("cadre"), a.token("office")
		texts := [][2]string{
			{"村口路灯坏了", "三盏路灯不亮，晚上出行不安全"},
			{"低保申请", "想申请低保，不知道要哪些材料"},
			{"厨房屋顶漏水", "下雨天屋顶漏水，老人住着不安全"},
			{"自来水管爆裂", "主管道爆裂，全组停水两天"},
			{"<script>alert('x')</script>", "有人在描述里写了 HTML 和 ' OR 1=1; -- 这样的字"},
		}
		for _, tx := range texts {
			a.createProblem(cadre, sqldbtest.VillageA, tx[0], tx[1])
		}
		got := map[string]string{}
		for _, q := range []string{"路灯", "低保", "漏水", "不安全", "停水两天", "水", "' OR 1=1; --", "<script>", "没有这个词"} {
			res, body := a.do("GET", "/api/v1/problems?q="+url.QueryEscape(q), office, "")
			if res.StatusCode != 200 {
				t.Fatalf("search %q: %d %s", q, res.StatusCode, body)
			}
			out := decode[struct{ Items []apiProblem }](t, body)
			var nums []string
			for _, p := range out.Items {
				nums = append(nums, p.Number[len(p.Number)-2:])
			}
			sort.Strings(nums)
			got[q] = strings.Join(nums, ",")
		}
		want := map[string]string{"路灯": "01", "低保": "02", "漏水": "03", "不安全": "01,03", "停水两天": "04", "水": "03,04",
			"' OR 1=1; --": "05", "<script>": "05", "没有这个词": ""}
		for q, w := range want {
			if got[q] != w {
				t.Errorf("search %q found %q, want %q", q, got[q], w)
			}
		}
		results[db.Dialect.String()] = got
		res, body := a.do("GET", "/api/v1/problems?q="+strings.Repeat("路", 10000), office, "")
		if res.StatusCode != 400 || !hasHan(decode[problem](t, body).Detail) {
			t.Errorf("10,000-character search: %d %s", res.StatusCode, body)
		}
		// The page escapes what was typed.
		b := a.browser()
		b.login("office", sqldbtest.Password)
		if _, page := b.get("/problems?q=" + url.QueryEscape("<script>")); strings.Contains(page, "<script>alert") {
			t.Error("problem title rendered as HTML")
		}
	})
	if len(results) == 2 && fmt.Sprint(results["sqlite"]) != fmt.Sprint(results["postgres"]) {
		t.Errorf("engines differ: sqlite %v, postgres %v", results["sqlite"], results["postgres"])
	}
}

// TestProblemPages_Journey enters a problem through the form, assigns,
// accepts, resolves, calls back and closes it through the pages.
func TestProblemPages_Journey(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	cadre, office := a.browser(), a.browser()
	cadre.login("cadre", sqldbtest.Password)
	office.login("office", sqldbtest.Password)
	res, body := cadre.post("/problems", url.Values{"source": {"visit"}, "category": {"housing"}, "township": {sqldbtest.Dongping},
		"village": {sqldbtest.VillageA}, "description": {"危房改造补助还没到位"}, "reporter_name": {"李奶奶"}})
	if res.StatusCode != 303 {
		t.Fatalf("entry: %d %s", res.StatusCode, body)
	}
	path := strings.SplitN(res.Header.Get("Location"), "?", 2)[0]
	step := func(b *browser, action string, form url.Values) {
		t.Helper()
		_, page := b.get(path)
		i := strings.Index(page, `name="version" value="`)
		if i < 0 {
			t.Fatalf("%s: no form on the page", action)
		}
		v := page[i+len(`name="version" value="`):]
		form.Set("version", v[:strings.Index(v, `"`)])
		if res, body := b.post(path+"/"+action, form); res.StatusCode != 303 {
			t.Fatalf("%s: %d %s", action, res.StatusCode, body)
		}
	}
	step(office, "assign", url.Values{"unit_id": {"1"}, "person_id": {"2"}})
	step(cadre, "accept", url.Values{})
	// A refused resolve keeps what was typed.
	_, page := cadre.get(path)
	i := strings.Index(page, `name="version" value="`) + len(`name="version" value="`)
	version := page[i : i+strings.Index(page[i:], `"`)]
	res, page = cadre.post(path+"/resolve", url.Values{"version": {version}, "result": {"补助已发放到户"}})
	if res.StatusCode != 422 || !strings.Contains(page, "补助已发放到户") || !strings.Contains(page, "请填写采取的措施") {
		t.Errorf("refused resolve: %d", res.StatusCode)
	}
	step(cadre, "resolve", url.Values{"measures": {"协调住建局核拨"}, "result": {"补助已发放到户"}})
	step(office, "callback", url.Values{"solved": {"yes"}, "satisfaction": {"satisfied"}})
	step(office, "close", url.Values{})
	_, page = office.get(path)
	for _, want := range []string{"已销号", "登记", "交办", "签收", "办结", "回访", "销号", "协调住建局核拨"} {
		if !strings.Contains(page, want) {
			t.Errorf("problem page lacks %q", want)
		}
	}
	if _, list := office.get("/problems?state=closed"); !strings.Contains(list, "危房改造补助") {
		t.Error("closed list lacks the problem")
	}
}
