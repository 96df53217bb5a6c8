package web_test

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

type respJSON struct {
	ID             int64
	Key            string
	Derived        bool
	UnitID         int64 `json:"unit_id"`
	Task           string
	Source         string
	SourceID       int64  `json:"source_id"`
	SourceRef      string `json:"source_ref"`
	LeaderID       int64  `json:"leader_id"`
	PersonID       int64  `json:"person_id"`
	PersonName     string `json:"person_name"`
	Deadline       string
	State          string
	Progress       string
	CompletionNote string `json:"completion_note"`
	Version        int64
	Overdue        bool
}

// inDays is the date n days from today in Asia/Shanghai.
func inDays(n int) string {
	return time.Now().In(sanlian.Shanghai).AddDate(0, 0, n).Format("2006-01-02")
}

func (a *app) createResp(token, body string) respJSON {
	a.t.Helper()
	res, out := a.do("POST", "/api/v1/responsibilities", token, body)
	if res.StatusCode != 201 {
		a.t.Fatalf("create responsibility: %d %s", res.StatusCode, out)
	}
	return decode[respJSON](a.t, out)
}

// respKeysOf lists the keys of every line token sees on the list at path.
func (a *app) respKeysOf(token, path string) []string {
	a.t.Helper()
	var keys []string
	cursor := ""
	for range 100 {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		res, out := a.do("GET", path+sep+"limit=2&cursor="+url.QueryEscape(cursor), token, "")
		if res.StatusCode != 200 {
			a.t.Fatalf("%s: %d %s", path, res.StatusCode, out)
		}
		page := decode[struct {
			Items      []respJSON
			NextCursor string `json:"next_cursor"`
		}](a.t, out)
		for _, x := range page.Items {
			keys = append(keys, x.Key)
		}
		if cursor = page.NextCursor; cursor == "" {
			return keys
		}
	}
	a.t.Fatal("the cursor never ends")
	return nil
}

func TestResponsibilities_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, unitAdmin, cadre := a.token("office"), a.token("unitadmin"), a.token("cadre")
		body := fmt.Sprintf(`{"task":"为困难残疾人上门办理两项补贴","leader_id":2,"person_id":6,"deadline":%q,
			"measures":"逐户核对残疾证，现场办理，月底前全部到账"}`, inDays(30))
		res, out := a.do("POST", "/api/v1/responsibilities", unitAdmin, body)
		if res.StatusCode != 201 || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/responsibilities/") {
			t.Fatalf("create: %d %s", res.StatusCode, out)
		}
		x := decode[respJSON](t, out)
		if x.UnitID != 1 || x.Key != fmt.Sprintf("r%d", x.ID) || x.Source != "standalone" || x.State != "pending" || x.Version != 1 || x.Derived {
			t.Fatalf("created %+v", x)
		}
		mine := a.createResp(unitAdmin, fmt.Sprintf(`{"task":"走访联系户，宣讲医保缴费政策","person_id":2,"deadline":%q}`, inDays(-3)))
		if !mine.Overdue {
			t.Errorf("a line past its deadline is not overdue: %+v", mine)
		}
		p := a.createProblem(cadre, sqldbtest.VillageA, "村口路灯坏了", "村口三盏路灯坏了一个月")
		_, _, p = a.problemAct(office, p, "assign", `,"unit_id":1,"person_id":6`)

		t.Run("BadInput", func(t *testing.T) {
			for _, c := range []struct {
				body   string
				status int
				fields []string
			}{
				{`{"task":"","unit_id":1,"person_id":6,"deadline":"6月底","state":"finished"}`, 422, []string{"task", "deadline", "state"}},
				{`{"task":"核查","unit_id":1,"person_id":999,"leader_id":998,"deadline":"2021-06-30"}`, 422, []string{"person_id", "leader_id"}},
				{`{"task":"核查","unit_id":1,"person_id":6,"deadline":"2021-06-30","source":"problem","source_id":9999}`, 422, []string{"source_id"}},
				{fmt.Sprintf(`{"task":"核查","unit_id":1,"person_id":6,"deadline":"2021-06-30","source":"problem","source_id":%d}`, p.ID), 422, []string{"source_id"}},
				{`{"task":"核查","unit_id":1,"person_id":6,"deadline":"2021-06-30","state":"done"}`, 422, []string{"completion_note"}},
				{`{"task":"核查","person_id":6,"deadline":"2021-06-30"}`, 422, []string{"unit_id"}},
				{`{"task":"核查","unit_id":1,"person_id":"六","deadline":"2021-06-30"}`, 400, []string{"person_id"}},
				{`{"task":"核查","unit_id":1,"person_id":6,"deadline":"2021-06-30","owner":"x"}`, 400, []string{"owner"}},
			} {
				res, out := a.do("POST", "/api/v1/responsibilities", office, c.body)
				pr := decode[problem](t, out)
				if res.StatusCode != c.status || !hasHan(pr.Detail) {
					t.Errorf("%s: %d %s", c.body, res.StatusCode, out)
				}
				for _, f := range c.fields {
					if !hasHan(pr.Errors[f]) {
						t.Errorf("%s: no Chinese message for %s: %s", c.body, f, out)
					}
				}
			}
			for _, q := range []string{"source=meeting", "state=finished", "overdue=maybe", "unit_id=x", "cursor=%21%21"} {
				res, out := a.do("GET", "/api/v1/responsibilities?"+q, office, "")
				if res.StatusCode != 400 || !hasHan(out) {
					t.Errorf("?%s: %d %s", q, res.StatusCode, out)
				}
			}
			res, out := a.do("PATCH", fmt.Sprintf("/api/v1/responsibilities/%d", x.ID), unitAdmin, `{"task":"改"}`)
			if res.StatusCode != 422 || !strings.Contains(out, "version") {
				t.Errorf("no version: %d %s", res.StatusCode, out)
			}
		})
		t.Run("Forbidden", func(t *testing.T) {
			for _, user := range []string{"cadre", "leader", "sysadmin", "auditor"} {
				if res, _ := a.do("POST", "/api/v1/responsibilities", a.token(user), body); res.StatusCode != 403 {
					t.Errorf("%s creates: %d", user, res.StatusCode)
				}
			}
			for _, user := range []string{"sysadmin", "auditor"} {
				if res, _ := a.do("GET", "/api/v1/responsibilities", a.token(user), ""); res.StatusCode != 403 {
					t.Errorf("%s lists: %d", user, res.StatusCode)
				}
			}
			other := strings.Replace(body, `"leader_id":2`, `"unit_id":3,"leader_id":0`, 1)
			if res, out := a.do("POST", "/api/v1/responsibilities", unitAdmin, other); res.StatusCode != 403 || !hasHan(out) {
				t.Errorf("unit admin enters another unit's: %d %s", res.StatusCode, out)
			}
			if res, _ := a.do("GET", fmt.Sprintf("/api/v1/responsibilities/%d", x.ID), a.token("cadre5"), ""); res.StatusCode != 404 {
				t.Errorf("out of scope: %d", res.StatusCode)
			}
		})
		t.Run("List", func(t *testing.T) {
			pk := fmt.Sprintf("problem:%d", p.ID)
			all := []string{fmt.Sprintf("r%d", mine.ID), fmt.Sprintf("r%d", x.ID), pk}
			slices.Sort(all)
			for user, want := range map[string][]string{"office": all, "unitadmin": all, "cadre": all, "leader": all, "cadre5": nil} {
				got := a.respKeysOf(a.token(user), "/api/v1/responsibilities")
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s sees %v, want %v", user, got, want)
				}
			}
			res, out := a.do("GET", "/api/v1/responsibilities?unit_id=1&source=problem", office, "")
			items := decode[struct{ Items []respJSON }](t, out).Items
			if res.StatusCode != 200 || len(items) != 1 {
				t.Fatalf("problems of unit 1: %d %s", res.StatusCode, out)
			}
			if d := items[0]; !d.Derived || d.ID != 0 || d.Key != pk || d.SourceID != p.ID || d.SourceRef != p.Number || d.Task != "村口路灯坏了" ||
				d.LeaderID != 2 || d.PersonName != "赵丽" || d.State != "pending" || d.Progress != "已交办" {
				t.Errorf("derived line %+v", d)
			}
			if got := a.respKeysOf(office, "/api/v1/responsibilities?overdue=true"); !slices.Equal(got, []string{fmt.Sprintf("r%d", mine.ID)}) {
				t.Errorf("overdue %v", got)
			}
			if got := a.respKeysOf(office, "/api/v1/responsibilities?person_id=2&entered=true"); !slices.Equal(got, []string{fmt.Sprintf("r%d", mine.ID), fmt.Sprintf("r%d", x.ID)}) {
				t.Errorf("person 2's entered lines %v", got)
			}
		})
		t.Run("Update", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/responsibilities/%d", mine.ID)
			res, out := a.do("PATCH", path, cadre, `{"state":"done","completion_note":"3 户已全部走访","version":1}`)
			got := decode[respJSON](t, out)
			if res.StatusCode != 200 || got.State != "done" || got.CompletionNote != "3 户已全部走访" || got.Version != 2 || got.Overdue ||
				got.Task != mine.Task || got.PersonID != 2 {
				t.Fatalf("person reports: %d %s", res.StatusCode, out)
			}
			if res, out := a.do("PATCH", path, cadre, `{"deadline":"2030-01-01","version":2}`); res.StatusCode != 403 || !hasHan(out) {
				t.Errorf("person moves the deadline: %d %s", res.StatusCode, out)
			}
			if res, out := a.do("PATCH", fmt.Sprintf("/api/v1/responsibilities/%d", x.ID), cadre, `{"state":"ongoing","version":1}`); res.StatusCode != 403 || !hasHan(out) {
				t.Errorf("a leader who is not the person reports: %d %s", res.StatusCode, out)
			}
			if res, out := a.do("PATCH", path, unitAdmin, `{"state":"ongoing","completion_note":"","version":1}`); res.StatusCode != 409 || !strings.Contains(out, "已被他人修改") {
				t.Errorf("stale: %d %s", res.StatusCode, out)
			}
			res, out = a.do("PATCH", path, unitAdmin, fmt.Sprintf(`{"deadline":%q,"state":"ongoing","version":2}`, inDays(10)))
			if got := decode[respJSON](t, out); res.StatusCode != 200 || got.Deadline != inDays(10) || got.State != "ongoing" || got.Version != 3 {
				t.Errorf("unit admin: %d %s", res.StatusCode, out)
			}
			if res, _ := a.do("PATCH", path, a.token("leader"), `{"state":"done","version":3}`); res.StatusCode != 403 {
				t.Errorf("leader edits: %d", res.StatusCode)
			}
		})
	})
}

func TestResponsibilities_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "敬老院屋顶漏雨", "敬老院屋顶漏雨，老人住不安稳")
		_, _, p = a.problemAct(a.token("office"), p, "assign", `,"unit_id":1`)
		b := a.browser()
		b.login("unitadmin", sqldbtest.Password)
		res, html := b.get("/responsibilities/new")
		if res.StatusCode != 200 || !hasText(page(t, html), "form#responsibility-form select[name=person_id] option", "赵丽") {
			t.Fatalf("form: %d", res.StatusCode)
		}
		bad := url.Values{"task": {" "}, "person_id": {"6"}, "deadline": {"下月底"}, "measures": {"逐村逐户排查危房，建立台账"}, "state": {"pending"}}
		res, html = b.post("/responsibilities", bad)
		if doc := page(t, html); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "task"), "请填写责任事项") || !strings.Contains(fieldError(doc, "deadline"), "请填写完成时限") ||
			textOf(doc, "form#responsibility-form textarea[name=measures]") != "逐村逐户排查危房，建立台账" {
			t.Errorf("refused form: %d", res.StatusCode)
		}
		form := url.Values{"task": {"农村危房改造排查"}, "unit_id": {"1"}, "source": {"standalone"}, "leader_id": {"2"}, "person_id": {"6"},
			"deadline": {inDays(20)}, "measures": {"逐村逐户排查危房，建立台账"}, "state": {"pending"}}
		res, _ = b.post("/responsibilities", form)
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/responsibilities/") {
			t.Fatalf("submit: %d %s", res.StatusCode, loc)
		}
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/responsibilities/")
		if res, html := b.get(loc); res.StatusCode != 200 || !strings.HasPrefix(textOf(page(t, html), "main h1"), "农村危房改造排查") || !strings.Contains(textOf(page(t, html), `#responsibility-facts dt:contains("责任人") + dd`), "赵丽") ||
			!has(page(t, html), `p.tabs a.button[href="/responsibilities/`+id+`/edit"]`) {
			t.Errorf("line page: %d", res.StatusCode)
		}
		res, html = b.get("/responsibilities?unit_id=1")
		if doc := page(t, html); res.StatusCode != 200 || !hasExact(doc, `table#responsibilities tbody tr td:nth-child(2) a[href="/responsibilities/`+id+`"]`, "农村危房改造排查") ||
			!hasExact(doc, fmt.Sprintf(`table#responsibilities tbody tr td:nth-child(2) a[href="/problems/%d"]`, p.ID), "敬老院屋顶漏雨") || !hasExact(doc, "nav#main-menu a", "责任清单") {
			t.Errorf("list: %d", res.StatusCode)
		}
		if res, html := b.get("/responsibilities?source=project"); res.StatusCode != 200 || page(t, html).Find("table#responsibilities tbody tr").Length() != 1 || !has(page(t, html), "table#responsibilities tbody tr td.empty") {
			t.Errorf("filtered list: %d", res.StatusCode)
		}
		if res, html := b.get("/responsibilities?state=finished"); res.StatusCode != 400 || !hasHan(html) {
			t.Errorf("bad filter: %d", res.StatusCode)
		}

		t.Run("Edit", func(t *testing.T) {
			res, html := b.get("/responsibilities/" + id + "/edit")
			if doc := page(t, html); res.StatusCode != 200 || !has(doc, `form#responsibility-form input[type=hidden][name=version][value="1"]`) || textOf(doc, "form#responsibility-form textarea[name=task]") != "农村危房改造排查" {
				t.Fatalf("edit form: %d", res.StatusCode)
			}
			// Someone else saves first.
			res, out := a.do("PATCH", "/api/v1/responsibilities/"+id, a.token("office"), `{"measures":"先排查后改造","version":1}`)
			if res.StatusCode != 200 {
				t.Fatalf("office edit: %d %s", res.StatusCode, out)
			}
			edit := url.Values{}
			for k, v := range form {
				edit[k] = v
			}
			edit.Set("task", "农村危房改造排查（含鉴定）")
			edit.Set("version", "1")
			res, html = b.post("/responsibilities/"+id, edit)
			if doc := page(t, html); res.StatusCode != 409 || !errorShown(doc, "已被他人修改") || textOf(doc, "form#responsibility-form textarea[name=task]") != "农村危房改造排查（含鉴定）" ||
				!has(doc, `form#responsibility-form input[type=hidden][name=version][value="2"]`) {
				t.Fatalf("stale form: %d", res.StatusCode)
			}
			edit.Set("version", "2")
			if res, _ := b.post("/responsibilities/"+id, edit); res.StatusCode != 303 {
				t.Fatalf("saved again: %d", res.StatusCode)
			}
			if _, html := b.get("/responsibilities/" + id); !strings.HasPrefix(textOf(page(t, html), "main h1"), "农村危房改造排查（含鉴定）") {
				t.Error("the saved task is not shown")
			}
		})
		t.Run("PersonReports", func(t *testing.T) {
			x := a.createResp(a.token("unitadmin"), fmt.Sprintf(`{"task":"走访联系户","person_id":2,"deadline":%q}`, inDays(5)))
			c := a.browser()
			c.login("cadre", sqldbtest.Password)
			path := fmt.Sprintf("/responsibilities/%d", x.ID)
			res, html := c.get(path)
			if res.StatusCode != 200 || !hasExact(page(t, html), `p.tabs a.button[href="`+path+`/edit"]`, "更新进展") {
				t.Fatalf("cadre's line: %d", res.StatusCode)
			}
			res, html = c.get(path + "/edit")
			if doc := page(t, html); res.StatusCode != 200 || !has(doc, `form#report-form[method=post] textarea[name=completion_note]`) || strings.Contains(html, `name="deadline"`) || has(doc, "[name=deadline]") {
				t.Fatalf("report form: %d", res.StatusCode)
			}
			res, html = c.post(path, url.Values{"state": {"done"}, "completion_note": {""}, "version": {"1"}, "deadline": {"2030-01-01"}})
			if res.StatusCode != 422 || !strings.Contains(fieldError(page(t, html), "completion_note"), "已完成的事项请填写完成情况") {
				t.Errorf("done without a note: %d", res.StatusCode)
			}
			res, _ = c.post(path, url.Values{"state": {"done"}, "completion_note": {"联系户 3 户已走访完毕"}, "version": {"1"}, "deadline": {"2030-01-01"}})
			if res.StatusCode != 303 {
				t.Fatalf("report: %d", res.StatusCode)
			}
			res, out := a.do("GET", "/api/v1/responsibilities/"+fmt.Sprint(x.ID), a.token("office"), "")
			if got := decode[respJSON](t, out); res.StatusCode != 200 || got.State != "done" || got.Deadline != x.Deadline || got.CompletionNote != "联系户 3 户已走访完毕" {
				t.Errorf("after the report: %s", out)
			}
			// 李明 leads the line entered above but is not its person.
			if res, _ := c.get("/responsibilities/" + id + "/edit"); res.StatusCode != 403 {
				t.Errorf("not the person: %d", res.StatusCode)
			}
			if res, html := c.get("/responsibilities?mine=1"); res.StatusCode != 200 || !hasExact(page(t, html), "table#responsibilities tbody tr td:nth-child(2) a", "走访联系户") || !strings.HasPrefix(textOf(page(t, html), "main h1"), "我的责任事项") {
				t.Errorf("mine: %d", res.StatusCode)
			}
			d := a.browser()
			d.login("cadre5", sqldbtest.Password)
			if res, _ := d.get(path); res.StatusCode != 404 {
				t.Errorf("another unit's line: %d", res.StatusCode)
			}
		})
		t.Run("Office", func(t *testing.T) {
			o := a.browser()
			o.login("office", sqldbtest.Password)
			res, html := o.get("/responsibilities/new")
			if res.StatusCode != 200 || !hasExact(page(t, html), `form[method=get][action="/responsibilities/new"] button[type=submit]`, "下一步") {
				t.Fatalf("choose unit: %d", res.StatusCode)
			}
			res, html = o.get("/responsibilities/new?unit_id=3")
			if doc := page(t, html); res.StatusCode != 200 || !hasText(doc, "form#responsibility-form select[name=person_id] option", "刘芳") || !hasExact(doc, "form#responsibility-form select[name=leader_id] option", "王建国（副县长，县级领导）") {
				t.Fatalf("unit 3 form: %d", res.StatusCode)
			}
			// Without a unit, the form comes back with what was typed.
			res, html = o.post("/responsibilities", url.Values{"task": {"乡镇供水站改造"}, "person_id": {"4"}, "deadline": {inDays(40)}})
			if doc := page(t, html); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "unit_id"), "请选择责任单位") || textOf(doc, "form#responsibility-form textarea[name=task]") != "乡镇供水站改造" {
				t.Errorf("no unit: %d", res.StatusCode)
			}
			l := a.browser()
			l.login("leader", sqldbtest.Password)
			if res, _ := l.get("/responsibilities/new"); res.StatusCode != 403 {
				t.Errorf("leader's form: %d", res.StatusCode)
			}
			if res, html := l.get("/responsibilities"); res.StatusCode != 200 || !hasExact(page(t, html), "table#responsibilities tbody tr td:nth-child(2) a", "敬老院屋顶漏雨") {
				t.Errorf("leader's list: %d", res.StatusCode)
			}
		})
	})
}

func TestResponsibilities_Export(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "村口路灯坏了", "村口三盏路灯坏了一个月")
		_, _, p = a.problemAct(office, p, "assign", `,"unit_id":1,"person_id":6`)
		a.createResp(office, `{"task":"清理低保档案","unit_id":1,"leader_id":2,"person_id":6,"deadline":"2021-05-20","measures":"逐户核对"}`)
		a.createResp(office, fmt.Sprintf(`{"task":"落实调度会议定事项","unit_id":3,"person_id":4,"deadline":%q,"source":"dispatch","source_id":7,
			"state":"done","completion_note":"已完成"}`, inDays(9)))
		res, body := a.do("GET", "/responsibilities/export.xlsx?unit_id=1", office, "")
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("export: %d %s", res.StatusCode, res.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("责任清单")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"序号", "责任事项", "来源", "来源编号", "责任单位", "责任领导", "责任人", "工作措施", "完成时限", "进展情况", "状态", "是否超期"}
		if len(rows) != 4 || !slices.Equal(rows[1], want) || !strings.Contains(rows[0][0], "责任单位：县民政局") {
			t.Fatalf("rows %q", rows)
		}
		if got := rows[2]; got[1] != "清理低保档案" || got[2] != "自定事项" || got[4] != "县民政局" || got[5] != "李明" || got[6] != "赵丽" ||
			got[8] != "2021-05-20" || got[10] != "未开始" || got[11] != "是" {
			t.Errorf("entered row %q", got)
		}
		if got := rows[3]; got[1] != "村口路灯坏了" || got[2] != "问题清单" || got[3] != p.Number || got[9] != "已交办" || got[11] != "否" {
			t.Errorf("problem row %q", got)
		}
		res, body = a.do("GET", "/responsibilities/export.xlsx?source=dispatch", office, "")
		f2, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("dispatch export: %d %v", res.StatusCode, err)
		}
		defer f2.Close()
		if rows, _ := f2.GetRows("责任清单"); len(rows) != 3 || rows[2][3] != "第7号" || rows[2][9] != "已完成" || rows[2][10] != "已完成" {
			t.Errorf("dispatch rows %q", rows)
		}
		if res, _ := a.do("GET", "/responsibilities/export.xlsx", a.token("sysadmin"), ""); res.StatusCode != 403 {
			t.Errorf("sysadmin export: %d", res.StatusCode)
		}
	})
}
