package web_test

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/xuri/excelize/v2"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

type projectJSON struct {
	ID           int64
	ParentID     int64 `json:"parent_id"`
	UnitID       int64 `json:"unit_id"`
	Title        string
	Target       int64
	Done         int64
	Status       string
	Progress     int
	Version      int64
	Overdue      bool
	Stalled      bool
	LastProgress string `json:"last_progress"`
	UnitName     string `json:"unit_name"`
	PersonName   string `json:"person_name"`
}

// projectBody is a valid project of 县民政局 as JSON, with extra fields
// (`"version":1,`) spliced in front.
func projectBody(title, extra string) string {
	return `{` + extra + `"unit_id":1,"title":` + jsonString(title) + `,"category":"social_health","description":"为持证残疾人适配轮椅",
		"target":320,"measure":"台","beneficiaries":"持证残疾人","start_date":"2021-05-01","end_date":"2099-12-31","leader_id":2,"person_id":6}`
}

func (a *app) newProjectAPI(title string) projectJSON {
	a.t.Helper()
	res, body := a.do("POST", "/api/v1/projects", a.token("office"), projectBody(title, ""))
	if res.StatusCode != 201 {
		a.t.Fatalf("create project: %d %s", res.StatusCode, body)
	}
	return decode[projectJSON](a.t, body)
}

func TestProjects_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, admin, cadre := a.token("office"), a.token("unitadmin"), a.token("cadre")
		res, body := a.do("POST", "/api/v1/projects", admin, projectBody("残疾人轮椅适配", ""))
		if res.StatusCode != 201 || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/projects/") {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		p := decode[projectJSON](t, body)
		if p.UnitName != "县民政局" || p.PersonName != "赵丽" || p.Status != "planned" || p.Version != 1 {
			t.Fatalf("project %+v", p)
		}
		path := fmt.Sprintf("/api/v1/projects/%d", p.ID)

		t.Run("BadInput", func(t *testing.T) {
			for _, c := range []struct {
				body   string
				status int
				want   string
			}{
				{`{"title":`, 400, "JSON 格式错误"},
				{`{"title":"x","colour":"red"}`, 400, "未知字段"},
				{`{"title":"x","target":"三百"}`, 400, "类型不对"},
				{`{"unit_id":1,"title":"","target":-5,"start_date":"五月","end_date":"2021-12-31"}`, 422, "请填写项目名称"},
				{strings.Replace(projectBody("错误的类别", ""), "social_health", "nosuch", 1), 422, "类别 nosuch 不存在"},
				{strings.Replace(projectBody("别的单位的责任人", ""), `"person_id":6`, `"person_id":5`, 1), 422, "责任人须为责任单位"},
			} {
				res, out := a.do("POST", "/api/v1/projects", office, c.body)
				pr := decode[problem](t, out)
				if res.StatusCode != c.status || !strings.Contains(out, c.want) || !hasHan(pr.Detail) ||
					!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s: %d %s", c.body, res.StatusCode, out)
				}
			}
			res, out := a.do("POST", "/api/v1/projects", office, `{"unit_id":1,"title":"","target":-5,"start_date":"五月","end_date":"2021-12-31"}`)
			pr := decode[problem](t, out)
			if res.StatusCode != 422 || pr.Errors["title"] == "" || pr.Errors["target"] == "" || pr.Errors["start_date"] == "" {
				t.Errorf("field errors: %s", out)
			}
			if res, _ := a.do("GET", "/api/v1/projects?status=closed", office, ""); res.StatusCode != 400 {
				t.Errorf("bad status filter: %d", res.StatusCode)
			}
		})
		t.Run("Forbidden", func(t *testing.T) {
			if res, _ := a.do("POST", "/api/v1/projects", cadre, projectBody("干部登记", "")); res.StatusCode != 403 {
				t.Errorf("cadre creates: %d", res.StatusCode)
			}
			if res, _ := a.do("PATCH", path, a.token("leader"), projectBody("改名", `"version":1,`)); res.StatusCode != 403 {
				t.Errorf("leader edits: %d", res.StatusCode)
			}
			if res, _ := a.do("GET", "/api/v1/projects", a.token("sysadmin"), ""); res.StatusCode != 403 {
				t.Errorf("sysadmin lists: %d", res.StatusCode)
			}
			if res, _ := a.do("GET", path, a.token("cadre5"), ""); res.StatusCode != 404 {
				t.Errorf("out of scope: %d", res.StatusCode)
			}
			in := strings.Replace(projectBody("东坪镇项目", ""), `"unit_id":1`, `"unit_id":3`, 1)
			in = strings.Replace(strings.Replace(in, `"leader_id":2`, `"leader_id":4`, 1), `"person_id":6`, `"person_id":4`, 1)
			if res, out := a.do("POST", "/api/v1/projects", admin, in); res.StatusCode != 403 || !hasHan(out) {
				t.Errorf("unit admin enters another unit's project: %d %s", res.StatusCode, out)
			}
		})
		t.Run("Update", func(t *testing.T) {
			res, out := a.do("PATCH", path, admin, projectBody("残疾人轮椅适配（第一批）", `"version":1,`))
			if res.StatusCode != 200 || decode[projectJSON](t, out).Version != 2 {
				t.Fatalf("update: %d %s", res.StatusCode, out)
			}
			res, out = a.do("PATCH", path, admin, projectBody("残疾人轮椅适配（第二批）", `"version":1,`))
			if res.StatusCode != 409 || !strings.Contains(out, "已被他人修改") {
				t.Errorf("stale: %d %s", res.StatusCode, out)
			}
			if res, out := a.do("PATCH", path, admin, projectBody("没有版本", "")); res.StatusCode != 422 || !strings.Contains(out, "version") {
				t.Errorf("no version: %d %s", res.StatusCode, out)
			}
		})
		var entryID int64
		t.Run("Progress", func(t *testing.T) {
			body := fmt.Sprintf(`{"date":%q,"quantity":80,"note":"东坪镇发放轮椅 80 台","version":2}`, todayIn())
			res, out := a.do("POST", path+"/progress", cadre, body) // 李明 is its responsible leader
			if res.StatusCode != 201 {
				t.Fatalf("progress: %d %s", res.StatusCode, out)
			}
			got := decode[struct {
				Entry   struct{ ID int64 }
				Project projectJSON
			}](t, out)
			entryID = got.Entry.ID
			if got.Project.Progress != 25 || got.Project.Done != 80 || got.Project.Status != "ongoing" || got.Project.Version != 3 || entryID == 0 {
				t.Errorf("after progress: %+v", got)
			}
			if res, out := a.do("POST", path+"/progress", cadre, body); res.StatusCode != 409 {
				t.Errorf("stale progress: %d %s", res.StatusCode, out)
			}
			if res, out := a.do("POST", path+"/progress", cadre, `{"date":"2099-01-01","note":"","version":3}`); res.StatusCode != 422 ||
				!strings.Contains(out, "请填写进展情况") {
				t.Errorf("bad progress: %d %s", res.StatusCode, out)
			}
			if res, _ := a.do("POST", path+"/progress", a.token("cadre5"), body); res.StatusCode != 404 {
				t.Errorf("out of scope progress: %d", res.StatusCode)
			}
			res, out = a.do("GET", path+"/progress", a.token("leader"), "")
			if res.StatusCode != 200 || !strings.Contains(out, "东坪镇发放轮椅") {
				t.Errorf("entries: %d %s", res.StatusCode, out)
			}
		})
		t.Run("Evidence", func(t *testing.T) {
			ep := fmt.Sprintf("/api/v1/progress/%d/evidence", entryID)
			res, out := a.upload(ep, cadre, nil, "", file{"发放现场.png", pngBytes(t, 120, 80)})
			if res.StatusCode != 201 || !strings.Contains(out, `"kind":"evidence"`) || !strings.Contains(out, fmt.Sprintf(`"progress_id":%d`, entryID)) {
				t.Fatalf("evidence: %d %s", res.StatusCode, out)
			}
			res, out = a.upload(ep, cadre, nil, "", file{"名单.html", []byte("<html><body>x</body></html>")})
			if res.StatusCode != 422 || !hasHan(out) {
				t.Errorf("a web page as evidence: %d %s", res.StatusCode, out)
			}
			if res, _ := a.upload(ep, a.token("cadre5"), nil, "", file{"x.png", pngBytes(t, 10, 10)}); res.StatusCode != 404 {
				t.Errorf("out of scope evidence: %d", res.StatusCode)
			}
			_, out = a.do("GET", path+"/progress", office, "")
			if !strings.Contains(out, "发放现场.png") {
				t.Errorf("entries lack the evidence: %s", out)
			}
		})
		t.Run("List", func(t *testing.T) {
			a.newProjectAPI("农村饮水安全巩固提升")
			for user, n := range map[string]int{"office": 2, "unitadmin": 2, "cadre": 2, "cadre5": 0, "leader": 2} {
				res, out := a.do("GET", "/api/v1/projects", a.token(user), "")
				if got := decode[struct{ Items []projectJSON }](t, out).Items; res.StatusCode != 200 || len(got) != n {
					t.Errorf("%s: %d, %d projects, want %d", user, res.StatusCode, len(got), n)
				}
			}
			res, out := a.do("GET", "/api/v1/projects?"+url.Values{"q": {"饮水"}, "status": {"planned"}, "limit": {"1"}}.Encode(), office, "")
			got := decode[struct {
				Items []projectJSON
				Next  string `json:"next_cursor"`
			}](t, out)
			if res.StatusCode != 200 || len(got.Items) != 1 || got.Items[0].Title != "农村饮水安全巩固提升" || got.Next != "" {
				t.Errorf("filtered: %d %s", res.StatusCode, out)
			}
		})
	})
}

func TestProjects_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("unitadmin", sqldbtest.Password)
		res, html := b.get("/projects/new")
		if doc := page(t, html); res.StatusCode != 200 || !hasText(doc, "form select[name=person_id] option", "李明") || !strings.HasPrefix(textOf(doc, "form select[name=unit_id] option[selected]"), "县民政局") {
			t.Fatalf("form: %d", res.StatusCode)
		}
		form := url.Values{"title": {"“两癌”免费筛查"}, "unit_id": {"1"}, "category": {"social_health"}, "target": {"六千"},
			"measure": {"人次"}, "start_date": {"2021-05-01"}, "end_date": {"2021-04-01"}, "person_id": {"6"}, "status": {"planned"},
			"weight": {"1"}, "rollup": {"average"}, "description": {"为农村妇女免费筛查宫颈癌、乳腺癌"}}
		res, html = b.post("/projects", form)
		if doc := page(t, html); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "target"), "目标数量须为整数") || !strings.Contains(fieldError(doc, "end_date"), "计划完成日期不能早于开始日期") ||
			textOf(doc, "form textarea[name=description]") != "为农村妇女免费筛查宫颈癌、乳腺癌" {
			t.Errorf("refused form: %d", res.StatusCode)
		}
		form.Set("target", "6428")
		form.Set("end_date", "2099-12-31")
		res, _ = b.post("/projects", form)
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/projects/") {
			t.Fatalf("submit: %d %s", res.StatusCode, loc)
		}
		path := strings.SplitN(loc, "?", 2)[0]
		res, html = b.get(loc)
		doc := page(t, html)
		if res.StatusCode != 200 || !strings.HasPrefix(textOf(doc, "main h1"), "“两癌”免费筛查") || textOf(doc, `#project-facts dt:contains("目标") + dd`) != "6428 人次" ||
			!has(doc, `form#progress-form[method=post][action="`+path+`/progress"]`) {
			t.Fatalf("project page: %d", res.StatusCode)
		}
		if !hasExact(doc, `nav#main-menu a[href="/projects"][aria-current=page]`, "项目清单") {
			t.Error("no menu entry for the project list")
		}

		// Progress: refused, recorded, stale.
		res, html = b.post(path+"/progress", url.Values{"version": {"1"}, "date": {"2099-01-01"}, "quantity": {"三百"}, "note": {"筛查 320 人次"}})
		if doc := page(t, html); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "quantity"), "完成数量须为整数") || textOf(doc, "form#progress-form textarea[name=note]") != "筛查 320 人次" {
			t.Errorf("refused progress: %d", res.StatusCode)
		}
		res, _ = b.post(path+"/progress", url.Values{"version": {"1"}, "date": {todayIn()}, "quantity": {"3214"}, "note": {"东坪镇、梅城镇筛查 3214 人次"}})
		if res.StatusCode != 303 {
			t.Fatalf("progress: %d", res.StatusCode)
		}
		res, html = b.get(path)
		if doc := page(t, html); !has(doc, `dd#project-progress progress[max="100"][value="50"]`) || !hasExact(doc, "ol#entries li div.note", "东坪镇、梅城镇筛查 3214 人次") || textOf(doc, "main h1 small span.state") != "实施中" {
			t.Errorf("project page after progress: %d", res.StatusCode)
		}
		res, html = b.post(path+"/progress", url.Values{"version": {"1"}, "date": {todayIn()}, "quantity": {"10"}, "note": {"补录 10 人次"}})
		if doc := page(t, html); res.StatusCode != 409 || !errorShown(doc, "已被他人修改") || textOf(doc, "form#progress-form textarea[name=note]") != "补录 10 人次" ||
			!has(doc, `form#progress-form input[name=version][value="2"]`) {
			t.Errorf("stale progress: %d", res.StatusCode)
		}

		// Evidence on the entry.
		_, out := a.do("GET", "/api/v1"+path+"/progress", a.token("office"), "")
		entry := decode[struct{ Items []struct{ ID int64 } }](t, out).Items[0].ID
		ep := fmt.Sprintf("/progress/%d/evidence", entry)
		res, html = b.postMultipart(ep, url.Values{"project_id": {strings.TrimPrefix(path, "/projects/")}}, file{"筛查现场.exe", []byte("MZ\x90\x00\x03\x00\x00\x00")})
		if res.StatusCode != 422 || !errorShown(page(t, html), "佐证材料未上传") {
			t.Errorf("refused evidence: %d", res.StatusCode)
		}
		res, _ = b.postMultipart(ep, url.Values{"project_id": {strings.TrimPrefix(path, "/projects/")}}, file{"筛查现场.png", pngBytes(t, 90, 60)})
		if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), fmt.Sprintf("#entry-%d", entry)) {
			t.Fatalf("evidence: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if _, html = b.get(path); !has(page(t, html), fmt.Sprintf(`ol#entries li#entry-%d ul.photos img[src$="/thumb"][alt="筛查现场.png"]`, entry)) {
			t.Error("the evidence thumbnail is not shown")
		}

		// Edit, and a stale edit keeps what was typed.
		res, html = b.get(path + "/edit")
		if doc := page(t, html); res.StatusCode != 200 || !has(doc, `form input[type=hidden][name=version][value="2"]`) || !has(doc, `form select[name=person_id] option[value="6"][selected]`) {
			t.Fatalf("edit form: %d", res.StatusCode)
		}
		form.Set("version", "2")
		form.Set("status", "ongoing")
		form.Set("title", "“两癌”免费筛查（2021年）")
		if res, _ := b.post(path, form); res.StatusCode != 303 {
			t.Fatalf("save: %d", res.StatusCode)
		}
		form.Set("title", "第二次修改")
		res, html = b.post(path, form)
		if doc := page(t, html); res.StatusCode != 409 || !has(doc, `form input[name=title][value="第二次修改"]`) || !has(doc, `form input[type=hidden][name=version][value="3"]`) {
			t.Errorf("stale edit: %d", res.StatusCode)
		}

		// A sub-project from the project page.
		res, html = b.get("/projects/new?parent_id=" + strings.TrimPrefix(path, "/projects/"))
		if res.StatusCode != 200 || !strings.HasPrefix(textOf(page(t, html), "form select[name=parent_id] option[selected]"), "“两癌”免费筛查（2021年）") {
			t.Errorf("sub-project form: %d", res.StatusCode)
		}

		// The list and its filters.
		res, html = b.get("/projects?status=ongoing&q=" + url.QueryEscape("两癌"))
		row := page(t, html).Find("table#projects tbody tr").FilterFunction(func(_ int, tr *goquery.Selection) bool {
			return strings.TrimSpace(tr.Find("td:first-child a").Text()) == "“两癌”免费筛查（2021年）"
		})
		if res.StatusCode != 200 || row.Length() != 1 || row.Find(`progress[value="50"]`).Length() != 1 {
			t.Errorf("list: %d", res.StatusCode)
		}
		if _, html = b.get("/projects?overdue=1"); page(t, html).Find("table#projects tbody tr").Length() != 1 || !has(page(t, html), "table#projects tbody tr td.empty") {
			t.Error("an on-time project is listed as overdue")
		}
		if res, html = b.get("/projects?status=closed"); res.StatusCode != 400 || !hasHan(html) {
			t.Errorf("bad filter: %d", res.StatusCode)
		}

		// Office picks the unit first; others are kept out.
		o := a.browser()
		o.login("office", sqldbtest.Password)
		if res, html = o.get("/projects/new"); res.StatusCode != 200 || !hasExact(page(t, html), `form[method=get] button[type=submit]`, "下一步") {
			t.Errorf("office form: %d", res.StatusCode)
		}
		if res, html = o.get("/projects/new?unit_id=4"); res.StatusCode != 200 || !hasText(page(t, html), "form select[name=person_id] option", "陈刚") {
			t.Errorf("office form for 梅城镇: %d", res.StatusCode)
		}
		c5 := a.browser()
		c5.login("cadre5", sqldbtest.Password)
		if res, _ := c5.get(path); res.StatusCode != 404 {
			t.Errorf("cadre5 reads another unit's project: %d", res.StatusCode)
		}
		if res, _ := c5.get("/projects/new"); res.StatusCode != 403 {
			t.Errorf("cadre5 opens the entry form: %d", res.StatusCode)
		}
	})
}

func TestProjects_Export(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		top := a.newProjectAPI("残疾人轮椅适配")
		res, out := a.do("POST", "/api/v1/projects", office, projectBody("东坪镇轮椅适配", fmt.Sprintf(`"parent_id":%d,`, top.ID)))
		if res.StatusCode != 201 {
			t.Fatalf("sub-project: %d %s", res.StatusCode, out)
		}
		a.newProjectAPI("=HYPERLINK(\"http://x.example/\",\"点我\")")

		res, body := a.do("GET", "/projects/export.xlsx?q="+url.QueryEscape("轮椅"), office, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''%E9%A1%B9%E7%9B%AE%E6%B8%85%E5%8D%95") {
			t.Fatalf("export: %d %s", res.StatusCode, res.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatalf("not a workbook: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows("项目清单")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"序号", "项目名称", "上级项目", "责任单位", "类别", "目标数量", "计量单位", "已完成数量", "进度(%)", "受益对象",
			"开始日期", "完成时限", "责任领导", "责任人", "状态", "是否超期", "是否停滞", "最近进展"}
		if len(rows) != 4 || !slices.Equal(rows[1], want) || !strings.Contains(rows[0][0], "关键词：轮椅") {
			t.Fatalf("rows %q", rows)
		}
		if r := rows[3]; r[0] != "2" || r[1] != "东坪镇轮椅适配" || r[2] != "残疾人轮椅适配" || r[3] != "县民政局" || r[5] != "320" ||
			r[6] != "台" || r[12] != "李明" || r[13] != "赵丽" || r[14] != "未启动" || r[15] != "否" {
			t.Errorf("row %q", r)
		}
		// A title that looks like a formula stays text.
		_, body = a.do("GET", "/projects/export.xlsx", office, "")
		f2, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f2.Close()
		if formula, _ := f2.GetCellFormula("项目清单", "B5"); formula != "" {
			t.Errorf("a title became the formula %q", formula)
		}
		if res, _ := a.do("GET", "/projects/export.xlsx", a.token("auditor"), ""); res.StatusCode != 403 {
			t.Errorf("auditor exports: %d", res.StatusCode)
		}
	})
}
