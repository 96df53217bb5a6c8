package web_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// setClock sets the database's clock to a time in Asia/Shanghai.
func setClock(db *sqldb.DB, s string) {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, sanlian.Shanghai)
	if err != nil {
		panic(err)
	}
	db.Now = func() time.Time { return t }
}

// TestBulletins_API: a draft saved with overrides (a reason required),
// published with its number and frozen; the criticised unit's admin
// hands in a self-criticism the office receives.
func TestBulletins_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		setClock(db, "2021-05-06 09:00")
		cadre, office := a.login("cadre"), a.login("office")
		p := a.createProblem(cadre, sqldbtest.VillageA, "村道塌方", "村道塌方，车辆无法通行")
		for _, step := range []struct{ token, action, extra string }{
			{office, "assign", `,"unit_id":1,"person_id":2`}, {cadre, "accept", ""},
			{cadre, "resolve", `,"measures":"清理塌方","result":"已通行"`}, {office, "callback", `,"solved":"no","satisfaction":"unsatisfied"`},
		} {
			code, body, np := a.problemAct(step.token, p, step.action, step.extra)
			if code != 200 {
				t.Fatalf("%s: %d %s", step.action, code, body)
			}
			p = np
		}
		setClock(db, "2021-05-17 09:00")
		office, admin, leader := a.login("office"), a.login("unitadmin"), a.login("leader")

		if res, body := a.do("GET", "/api/v1/bulletins/2021-05", office, ""); res.StatusCode != 400 || !strings.Contains(body, "通报按半月编制") {
			t.Errorf("month: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("GET", "/api/v1/bulletins/2021-13-H3", office, ""); res.StatusCode != 400 || !hasHan(body) {
			t.Errorf("bad period: %d %s", res.StatusCode, body)
		}
		if res, _ := a.do("GET", "/api/v1/bulletins/2021-05-H1", office, ""); res.StatusCode != 404 {
			t.Errorf("no draft yet: %d", res.StatusCode)
		}
		res, body := a.do("PUT", "/api/v1/bulletins/2021-05-H1", office,
			`{"commentary":"请各单位抓好整改","overrides":[{"unit_id":4,"action":"criticise","reason":" "}],"version":0}`)
		if res.StatusCode != 422 || !strings.Contains(body, "调整须写明理由") || !strings.Contains(body, "overrides[0].reason") {
			t.Fatalf("override without a reason: %d %s", res.StatusCode, body)
		}
		if res, _ := a.do("PUT", "/api/v1/bulletins/2021-05-H1", admin, `{"version":0}`); res.StatusCode != 403 {
			t.Errorf("unit admin saves: %d", res.StatusCode)
		}
		res, body = a.do("PUT", "/api/v1/bulletins/2021-05-H1", office,
			`{"commentary":"请各单位抓好整改","overrides":[{"unit_id":4,"action":"criticise","reason":"推诿扯皮"}],"version":0}`)
		if res.StatusCode != 200 {
			t.Fatalf("save: %d %s", res.StatusCode, body)
		}
		d := decode[sanlian.Bulletin](t, body)
		if d.Version != 1 || len(d.Content.Criticised) != 2 || d.Content.Overview.Assigned != 1 {
			t.Fatalf("draft %+v", d.Content)
		}
		if res, _ := a.do("GET", "/api/v1/bulletins/2021-05-H1", leader, ""); res.StatusCode != 404 {
			t.Errorf("leader reads a draft: %d", res.StatusCode)
		}
		res, body = a.do("POST", "/api/v1/bulletins/2021-05-H1/publish", office, `{"version":1}`)
		if res.StatusCode != 200 {
			t.Fatalf("publish: %d %s", res.StatusCode, body)
		}
		if b := decode[sanlian.Bulletin](t, body); b.NumberLabel() != "〔2021〕第1期" || b.State != "published" {
			t.Errorf("published %+v", b)
		}
		res, body = a.do("POST", "/api/v1/bulletins/2021-05-H1/publish", office, `{"version":2}`)
		if res.StatusCode != 409 || !strings.Contains(body, "已发布的通报不能修改") {
			t.Errorf("republish: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("GET", "/api/v1/bulletins", leader, ""); res.StatusCode != 200 || !strings.Contains(body, `"number":1`) {
			t.Errorf("archive: %d %s", res.StatusCode, body)
		}

		res, body = a.do("GET", "/api/v1/self-criticisms", admin, "")
		list := decode[struct{ Items []sanlian.SelfCriticism }](t, body)
		if res.StatusCode != 200 || len(list.Items) != 1 || list.Items[0].UnitID != 1 {
			t.Fatalf("unit admin's self-criticisms: %d %s", res.StatusCode, body)
		}
		id := list.Items[0].ID
		if res, body := a.do("GET", "/api/v1/self-criticisms?state=lost", office, ""); res.StatusCode != 400 || !hasHan(body) {
			t.Errorf("bad state: %d %s", res.StatusCode, body)
		}
		path := fmt.Sprintf("/api/v1/self-criticisms/%d", id)
		res, body = a.upload(path+"/file", admin, nil, "", file{"检讨.exe", []byte("MZ\x90\x00\x03")})
		if res.StatusCode != 422 || !hasHan(body) {
			t.Errorf("program: %d %s", res.StatusCode, body)
		}
		res, body = a.upload(path+"/file", admin, nil, "", file{"县民政局检讨.pdf", []byte("%PDF-1.4\n%%EOF\n")})
		if res.StatusCode != 200 || !strings.Contains(body, `"filename":"县民政局检讨.pdf"`) || strings.Contains(body, `"late":true`) {
			t.Fatalf("file: %d %s", res.StatusCode, body)
		}
		// The file itself, for the office and the unit; as a download, never a page.
		file := fmt.Sprintf("/self-criticisms/%d/file", id)
		if res, body := a.do("GET", file, office, ""); res.StatusCode != 200 || body != "%PDF-1.4\n%%EOF\n" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download: %d %q %v", res.StatusCode, body, res.Header)
		}
		if res, _ := a.do("GET", file, admin, ""); res.StatusCode != 200 {
			t.Errorf("unit admin's download: %d", res.StatusCode)
		}
		if res, _ := a.do("GET", file, a.token("cadre"), ""); res.StatusCode != 403 {
			t.Errorf("cadre's download: %d", res.StatusCode)
		}
		if res, _ := a.do("POST", path+"/receive", admin, ""); res.StatusCode != 403 {
			t.Errorf("unit admin receives: %d", res.StatusCode)
		}
		if res, body := a.do("POST", path+"/receive", office, ""); res.StatusCode != 200 || !strings.Contains(body, `"state":"received"`) {
			t.Errorf("receive: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("POST", path+"/receive", office, ""); res.StatusCode != 409 || !hasHan(body) {
			t.Errorf("receive twice: %d %s", res.StatusCode, body)
		}
	})
}

// TestBulletins_Pages: the office drafts, edits and publishes a bulletin
// in the browser; everyone reads it, prints it and downloads its annex.
func TestBulletins_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		setClock(db, "2021-05-06 09:00")
		p := a.createProblem(a.login("cadre"), sqldbtest.VillageA, "路灯不亮", "路灯不亮，夜间出行不便")
		if code, body, _ := a.problemAct(a.login("office"), p, "assign", `,"unit_id":1`); code != 200 {
			t.Fatalf("assign: %d %s", code, body)
		}
		setClock(db, "2021-05-17 09:00")
		b := a.browser()
		b.login("office", sqldbtest.Password)

		res, page := b.get("/bulletins")
		if res.StatusCode != 200 || !strings.Contains(page, ">督查通报</a>") || !strings.Contains(page, `id="open-period"`) {
			t.Fatalf("archive: %d", res.StatusCode)
		}
		if res, page := b.get("/bulletins?period=2021-05"); res.StatusCode != 400 || !strings.Contains(page, "通报期间：2021年5月无效：此处按半月选择") {
			t.Errorf("month: %d", res.StatusCode)
		}
		res, page = b.get("/bulletins/2021-05-H1")
		if res.StatusCode != 200 || !strings.Contains(page, `id="generate-form"`) {
			t.Fatalf("no draft yet: %d", res.StatusCode)
		}
		if res, _ := b.post("/bulletins/2021-05-H1", url.Values{"generate": {"1"}}); res.StatusCode != 303 {
			t.Fatalf("generate: %d", res.StatusCode)
		}
		res, page = b.get("/bulletins/2021-05-H1")
		if res.StatusCode != 200 || !strings.Contains(page, `id="bulletin-form"`) || !strings.Contains(page, `id="publish-form"`) ||
			!strings.Contains(page, "县民政局") {
			t.Fatalf("draft: %d", res.StatusCode)
		}
		form := url.Values{"commentary": {"各单位要立行立改"}, "version": {"1"},
			"unit_id": {"3", ""}, "action": {"commend", "commend"}, "reason": {"", ""}}
		res, page = b.post("/bulletins/2021-05-H1", form)
		if res.StatusCode != 422 || !strings.Contains(page, "调整须写明理由") || !strings.Contains(page, "各单位要立行立改") {
			t.Fatalf("override without reason: %d", res.StatusCode)
		}
		form["reason"] = []string{"主动认领群众急难愁盼问题", ""}
		if res, _ := b.post("/bulletins/2021-05-H1", form); res.StatusCode != 303 {
			t.Fatalf("save: %d", res.StatusCode)
		}
		res, page = b.post("/bulletins/2021-05-H1", form)
		if res.StatusCode != 409 || !strings.Contains(page, "已被他人修改") || !strings.Contains(page, `name="version" value="2"`) {
			t.Errorf("stale: %d", res.StatusCode)
		}
		c := a.browser()
		c.login("cadre", sqldbtest.Password)
		if res, _ := c.get("/bulletins/2021-05-H1"); res.StatusCode != 404 {
			t.Errorf("cadre reads a draft: %d", res.StatusCode)
		}
		if res, _ := b.post("/bulletins/2021-05-H1/publish", url.Values{"version": {"2"}}); res.StatusCode != 303 {
			t.Fatalf("publish: %d", res.StatusCode)
		}
		res, page = c.get("/bulletins/2021-05-H1")
		if res.StatusCode != 200 || !strings.Contains(page, "〔2021〕第1期") || strings.Contains(page, `id="bulletin-form"`) ||
			!strings.Contains(page, "主动认领群众急难愁盼问题") || !strings.Contains(page, "各单位要立行立改") {
			t.Errorf("published page: %d", res.StatusCode)
		}
		if strings.Contains(page, "/assessment/problems") {
			t.Error("a cadre's bulletin links to metric details")
		}
		// The rules used, and unit 1 (1 problem, not accepted: score 0)
		// listed apart from the ranking with its criticism in its row.
		for _, want := range []string{`id="bulletin-rules"`, "考核规则", "扣 2 分", "不足 3 件", `id="not-ranked"`, sanlian.UnrankedLowVolume,
			`<tr data-unit="1" class="criticised">`, `<span class="badge red">通报批评</span>`} {
			if !strings.Contains(page, want) {
				t.Errorf("published page lacks %q", want)
			}
		}
		res, page = b.get("/bulletins/2021-05-H1")
		if res.StatusCode != 200 || !strings.Contains(page, `href="/assessment/problems?by=unit&amp;key=1&amp;measure=assigned&amp;period=2021-05-H1"`) {
			t.Errorf("office's bulletin: %d, no link to the problems behind a number", res.StatusCode)
		}
		res, page = c.get("/bulletins/2021-05-H1/print")
		for _, want := range []string{sanlian.IssuingOffice("安化县"), "〔2021〕第1期", "关于2021年5月上半月", "@page", "size: A4", "各单位要立行立改", "东坪镇人民政府",
			"考核规则：综合得分", "最多扣 20 分", "本期不参与排名", "通报批评"} {
			if !strings.Contains(page, want) {
				t.Errorf("print page lacks %q", want)
			}
		}
		if res.StatusCode != 200 || strings.Contains(page, "<script") || strings.Contains(page, `class="menu"`) {
			t.Errorf("print page: %d, scripts or menu present", res.StatusCode)
		}
		golden(t, "bulletin_print.html", page) // the A4 document, byte for byte
		res, body := c.get("/bulletins/2021-05-H1/annex.xlsx")
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("annex: %d %s", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := strings.Join(f.GetSheetList(), ","); got != "总体情况,各单位,通报表扬,通报批评,超期问题" {
			t.Errorf("sheets %s", got)
		}
		if v, _ := f.GetCellValue("通报表扬", "B3"); v != "东坪镇人民政府" {
			t.Errorf("commended in the annex: %q", v)
		}
		if v, _ := f.GetCellValue("总体情况", "B4"); v != "1" {
			t.Errorf("assigned in the annex: %q", v)
		}

		// The self-criticisms page: the unit admin's upload form.
		u := a.browser()
		u.login("unitadmin", sqldbtest.Password)
		res, page = u.get("/self-criticisms")
		if res.StatusCode != 200 || !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, "〔2021〕第1期") {
			t.Fatalf("unit 1 owes one: %d", res.StatusCode)
		}
		i := strings.Index(page, `action="/self-criticisms/`)
		action := page[i+len(`action="`):]
		action = action[:strings.Index(action, `"`)]
		res, page = u.postMultipart(action, nil, file{"检讨.txt", []byte{}})
		if res.StatusCode != 422 || !strings.Contains(page, "空文件") {
			t.Errorf("empty file: %d", res.StatusCode)
		}
		setClock(db, "2021-05-26 09:00") // after 24:00 of 2021-05-24
		u = a.browser()
		u.login("unitadmin", sqldbtest.Password)
		if res, _ := u.postMultipart(action, nil, file{"检讨.txt", []byte("县民政局关于问题办理不力的检讨。")}); res.StatusCode != 303 ||
			!strings.Contains(res.Header.Get("Location"), url.QueryEscape("逾期提交")) {
			t.Errorf("late filing: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		b = a.browser()
		b.login("office", sqldbtest.Password)
		res, page = b.get("/self-criticisms?state=filed")
		if res.StatusCode != 200 || !strings.Contains(page, "已提交（逾期）") || !strings.Contains(page, "/receive") {
			t.Errorf("office's list: %d", res.StatusCode)
		}
		c = a.browser()
		c.login("cadre", sqldbtest.Password)
		if res, _ := c.get("/self-criticisms"); res.StatusCode != 403 {
			t.Errorf("cadre's self-criticisms: %d", res.StatusCode)
		}
	})
}
