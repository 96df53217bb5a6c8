package web_test

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// cardRE reads a workbench card: its id, its count and the list it links
// to; moreRE a panel's 全部 link.
var (
	cardRE = regexp.MustCompile(`id="(count-[a-z_-]+)" data-count="(\d+)" href="([^"]+)"`)
	moreRE = regexp.MustCompile(`href="([^"]+)" data-count="(\d+)" data-for="(count-[a-z_-]+)"`)
)

// figures reads the cards of a workbench page.
func figures(t *testing.T, body string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, m := range cardRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = [2]string{m[2], html.UnescapeString(m[3])}
	}
	for _, m := range moreRE.FindAllStringSubmatch(body, -1) {
		out[m[3]] = [2]string{m[2], html.UnescapeString(m[1])}
	}
	return out
}

// homeBrowser logs username in and returns the browser and its home page.
func homeBrowser(t *testing.T, a *app, username string) (*browser, string) {
	t.Helper()
	b := a.browser()
	b.login(username, sqldbtest.Password)
	res, body := b.get("/")
	if res.StatusCode != 200 {
		t.Fatalf("%s home: %d %s", username, res.StatusCode, body)
	}
	return b, body
}

// section returns the HTML of the element with the given id up to its
// closing </section>.
func section(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// TestHome_UnitAdmin: the unit admin's workbench shows its own units'
// items, never another unit's, with co-handled problems apart; every
// figure equals the list it links to.
func TestHome_UnitAdmin(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, admin := a.token("office"), a.token("unitadmin")
		assign := func(token, title string, unit int64, co string) apiProblem {
			t.Helper()
			p := a.createProblem(token, sqldbtest.VillageA, title, title+"，群众反映强烈")
			code, body, np := a.problemAct(office, p, "assign", fmt.Sprintf(`,"unit_id":%d%s`, unit, co))
			if code != 200 {
				t.Fatalf("assign: %d %s", code, body)
			}
			return np
		}
		// Overdue ones are entered and assigned two months ago.
		db.Now = func() time.Time { return time.Now().AddDate(0, -2, 0) }
		lateOwn := assign(office, "民政局超期未办的问题", 1, "")
		lateOther := assign(office, "梅城镇超期未办的问题", 4, "")
		lateEntered := assign(admin, "民政局录入、梅城镇超期未办的问题", 4, "")
		db.Now = time.Now
		own := assign(office, "民政局牵头的问题", 1, "")
		sub := assign(office, "社会救助股牵头的问题", 2, "")
		co := assign(office, "梅城镇牵头、民政局配合的问题", 4, `,"co_unit_ids":[1]`)
		other := assign(office, "梅城镇自己的问题", 4, "")

		// Projects and responsibility lines: overdue, due within 14 days,
		// later; and another unit's, due soon.
		project := func(token string, unit int64, title, end string) {
			t.Helper()
			body := fmt.Sprintf(`{"unit_id":%d,"title":%q,"category":"social_health","description":"为持证残疾人适配轮椅",
				"target":10,"measure":"台","beneficiaries":"持证残疾人","start_date":%q,"end_date":%q}`, unit, title, inDays(-60), end)
			if res, out := a.do("POST", "/api/v1/projects", token, body); res.StatusCode != 201 {
				t.Fatalf("project: %d %s", res.StatusCode, out)
			}
		}
		project(admin, 1, "轮椅适配（超期）", inDays(-3))
		project(admin, 1, "轮椅适配（本周到期）", inDays(7))
		project(admin, 2, "轮椅适配（下月到期）", inDays(40))
		project(office, 4, "梅城镇的项目", inDays(7))
		a.createResp(admin, fmt.Sprintf(`{"task":"走访联系户（超期）","person_id":2,"deadline":%q}`, inDays(-3)))
		a.createResp(admin, fmt.Sprintf(`{"task":"走访联系户（即将到期）","person_id":2,"deadline":%q}`, inDays(5)))
		a.createResp(admin, fmt.Sprintf(`{"task":"走访联系户（下月）","person_id":2,"deadline":%q}`, inDays(40)))
		a.createResp(office, fmt.Sprintf(`{"task":"梅城镇的责任事项","unit_id":4,"person_id":5,"deadline":%q}`, inDays(5)))

		// A supervision notice on the unit's problem awaits its reply; one
		// on unit 4's is not the unit's.
		for _, p := range []apiProblem{own, other} {
			if res, out := a.do("POST", "/api/v1/supervisions", office,
				fmt.Sprintf(`{"target_kind":"problem","target_id":%d,"text":"请于三日内报告进展","reply_due":%q}`, p.ID, inDays(3))); res.StatusCode != 201 {
				t.Fatalf("supervision: %d %s", res.StatusCode, out)
			}
		}

		b, body := homeBrowser(t, a, "unitadmin")
		for _, p := range []apiProblem{lateOther, lateEntered, other} {
			if strings.Contains(body, p.Number) {
				t.Errorf("unit 4's problem %s on the unit admin's home", p.Number)
			}
		}
		if s := section(body, "panel-overdue"); !strings.Contains(s, lateOwn.Number) {
			t.Errorf("overdue panel lacks %s:\n%s", lateOwn.Number, s)
		}
		if s := section(body, "panel-assigned"); !strings.Contains(s, own.Number) || !strings.Contains(s, sub.Number) || strings.Contains(s, co.Number) {
			t.Errorf("待签收 panel:\n%s", s)
		}
		if s := section(body, "panel-co-owed"); !strings.Contains(s, co.Number) {
			t.Errorf("co-handling panel lacks %s:\n%s", co.Number, s)
		}
		figs := figures(t, body)
		want := map[string]int{"count-assigned": 3, "count-accepted": 0, "count-overdue": 1, "count-due-soon": 0, "count-co-owed": 1}
		for id, n := range want {
			f, ok := figs[id]
			if !ok {
				t.Errorf("no figure %s", id)
				continue
			}
			if f[0] != strconv.Itoa(n) {
				t.Errorf("%s = %s, want %d", id, f[0], n)
			}
			// The list it links to shows exactly that many problems.
			res, list := b.get(f[1])
			if rows := strings.Count(list, `<td class="mono nowrap"><a href="/problems/`); res.StatusCode != 200 || strconv.Itoa(rows) != f[0] {
				t.Errorf("%s: %s lists %d (status %d), figure %s", id, f[1], rows, res.StatusCode, f[0])
			}
		}
		// The other panels' figures equal their lists, read through the
		// API with the same query.
		want = map[string]int{"count-supervisions": 1, "count-self-criticisms": 0,
			"count-projects-overdue": 1, "count-projects-due": 1, "count-resps-overdue": 1, "count-resps-due": 1}
		for id, n := range want {
			f, ok := figs[id]
			if !ok || f[0] != strconv.Itoa(n) {
				t.Errorf("%s = %v, want %d", id, f, n)
				continue
			}
			res, out := a.do("GET", "/api/v1"+f[1], admin, "")
			if got := strings.Count(out, `"version":`); res.StatusCode != 200 || got != n {
				t.Errorf("%s: /api/v1%s lists %d (status %d), want %d", id, f[1], got, res.StatusCode, n)
			}
		}
		if strings.Contains(body, "梅城镇的项目") || strings.Contains(body, "梅城镇的责任事项") {
			t.Error("unit 4's project or line on the unit admin's home")
		}
		if strings.Contains(body, "乡镇未安排联系领导") || strings.Contains(body, "各乡镇农户数") {
			t.Error("county figures on a unit admin's home")
		}
	})
}

// TestHome_Cadre: the cadre's phone home leads with 登记走访, lists their
// own households (never visited shown), and has no county figures.
func TestHome_Cadre(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		// Two problems for 李明 (cadre 2), one for 陈刚 (cadre 5).
		office := a.token("office")
		for _, c := range []struct {
			title  string
			unit   int64
			person int64
		}{{"李明负责的问题一", 1, 2}, {"李明负责的问题二", 1, 2}, {"陈刚负责的问题", 4, 5}} {
			p := a.createProblem(office, sqldbtest.VillageC, c.title, c.title+"，群众反映强烈")
			if code, out, _ := a.problemAct(office, p, "assign", fmt.Sprintf(`,"unit_id":%d,"person_id":%d`, c.unit, c.person)); code != 200 {
				t.Fatalf("assign: %d %s", code, out)
			}
		}
		b, body := homeBrowser(t, a, "cadre")
		if strings.Contains(body, "陈刚负责的问题") || !strings.Contains(body, "李明负责的问题二") {
			t.Error("the cadre's home shows another cadre's problem or not their own")
		}
		figs := figures(t, body)
		for id, n := range map[string]int{"count-assigned": 2, "count-accepted": 0, "count-overdue": 0} {
			f := figs[id]
			_, list := b.get(f[1])
			if rows := strings.Count(list, `<td class="mono nowrap"><a href="/problems/`); f[0] != strconv.Itoa(n) || rows != n {
				t.Errorf("%s = %v, its list shows %d, want %d", id, f, rows, n)
			}
		}
		visit := strings.Index(body, `id="new-visit"`)
		if visit < 0 || !strings.Contains(body, `id="new-visit" href="/visits/new"`) || visit > strings.Index(body, `id="panel-households"`) {
			t.Error("登记走访 is not the first thing on the cadre's home")
		}
		for _, s := range []string{"乡镇未安排联系领导", "村未安排联村单位", "各乡镇农户数"} {
			if strings.Contains(body, s) {
				t.Errorf("county figure %q on the cadre's home", s)
			}
		}
		hs := section(body, "panel-households")
		// Cadre 2 is linked to households 1–3; 1 (低保) is must-visit and first.
		for _, id := range []string{"1", "2", "3"} {
			if !strings.Contains(hs, `href="/households/`+id+`"`) {
				t.Errorf("household %s missing", id)
			}
		}
		if strings.Contains(hs, `href="/households/4"`) || strings.Count(hs, "从未走访") < 3 {
			t.Errorf("households panel:\n%s", hs)
		}
		if strings.Index(hs, `href="/households/1"`) > strings.Index(hs, `href="/households/2"`) {
			t.Error("the must-visit household is not first")
		}
		f := figs["count-households"]
		if f[0] != "3" {
			t.Errorf("households figure = %v", f)
		}
		_, list := b.get(f[1])
		if n := strings.Count(list, `<tr><td><a href="/households/`); n != 3 {
			t.Errorf("%s lists %d households, want 3", f[1], n)
		}
		for _, id := range []string{"count-list-problems", "count-list-projects", "count-list-resps"} {
			if !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("lists figure %s missing", id)
			}
		}
	})
}

// TestHome_Sysadmin: account figures by role and state equal the filtered
// account lists.
func TestHome_Sysadmin(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b, body := homeBrowser(t, a, "sysadmin")
		figs := figures(t, body)
		if len(figs) != len(sanlian.Roles)+len(sanlian.AccountStatuses)+1 { // and the total
			t.Fatalf("figures = %v", figs)
		}
		if figs["count-role-cadre"][0] != "2" || figs["count-never"][0] != "7" {
			t.Errorf("cadres %v, never logged in %v", figs["count-role-cadre"], figs["count-never"])
		}
		for id, f := range figs {
			_, list := b.get(f[1])
			if n := strings.Count(section(list, "users"), "<tr><td>"); strconv.Itoa(n) != f[0] {
				t.Errorf("%s: %s lists %d, figure %s", id, f[1], n, f[0])
			}
		}
		if strings.Contains(body, "139****") || strings.Contains(body, "430923") {
			t.Error("personal data on the sysadmin's home")
		}
	})
}

// TestHome_Auditor: the reveals of personal data in the last 7 days and
// the counts by action equal the filtered audit list.
func TestHome_Auditor(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		if res, body := a.do("POST", "/api/v1/households/1/reveal", a.token("office"), "{}"); res.StatusCode != 200 {
			t.Fatalf("reveal: %d %s", res.StatusCode, body)
		}
		b, body := homeBrowser(t, a, "auditor")
		figs := figures(t, body)
		if figs["count-reveals"][0] != "1" {
			t.Errorf("reveals = %v", figs["count-reveals"])
		}
		for id, f := range figs {
			_, list := b.get(f[1])
			if n := page(t, list).Find(`#audit tbody td[data-label="时间"]`).Length(); strconv.Itoa(n) != f[0] {
				t.Errorf("%s: %s lists %d, figure %s", id, f[1], n, f[0])
			}
		}
	})
}

// TestAuditPage_Chinese: the audit log names its actions and objects in
// Chinese, and a filter on an action outside the drop-down's list stays
// chosen.
func TestAuditPage_Chinese(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	if res, body := a.do("POST", "/api/v1/households/1/reveal", a.token("office"), "{}"); res.StatusCode != 200 {
		t.Fatalf("reveal: %d %s", res.StatusCode, body)
	}
	b := a.browser()
	b.login("auditor", sqldbtest.Password)
	_, body := b.get("/audit?action=reveal&entity=household")
	doc := page(t, body)
	row := doc.Find("#audit tbody tr").First()
	action, entity := row.Find(`td[data-label="动作"]`).Text(), row.Find(`td[data-label="对象"]`).Text()
	if action != "查看完整信息" || strings.TrimSpace(entity) != "农户 1" || doc.Find(`#audit td:contains("reveal")`).Length() > 0 {
		t.Errorf("audit rows not in Chinese: action %q, object %q", action, entity)
	}
	_, body = b.get("/audit?action=rollup")
	if !strings.Contains(body, `<option value="rollup" selected>统计汇总</option>`) {
		t.Error("an action outside the drop-down's list is not kept chosen")
	}
}
