package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestRouting_API: the office keeps rules over JSON; bad input is refused
// in Chinese and writes nothing.
func TestRouting_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/routing-rules", office,
			`{"category":"transport","region":"`+sqldbtest.VillageA+`","unit_id":1,"person_id":2,"sort":1}`)
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		rule := decode[sanlian.RoutingRule](t, body)
		if !rule.Active || rule.UnitName != "县民政局" || rule.Place() != "东坪镇黄沙坪村" {
			t.Errorf("created %+v", rule)
		}
		audit := a.auditRows()
		for _, c := range []struct{ name, body, want string }{
			{"unknown category", `{"category":"stars","region":"` + sqldbtest.VillageA + `","unit_id":1}`, "问题类别"},
			{"unknown place", `{"region":"430923999999","unit_id":1}`, "地区代码"},
			{"unknown unit", `{"region":"` + sqldbtest.VillageA + `","unit_id":77}`, "单位 77 不存在"},
			{"person of another unit", `{"region":"` + sqldbtest.VillageA + `","unit_id":1,"person_id":4}`, "承办单位的干部"},
			{"same slot", `{"category":"transport","region":"` + sqldbtest.VillageA + `","unit_id":3,"sort":1}`, "同一地区、同一类别和同一顺序"},
			{"malformed JSON", `{"region":`, "JSON"},
		} {
			res, body := a.do("POST", "/api/v1/routing-rules", office, c.body)
			if res.StatusCode < 400 || res.StatusCode >= 500 || !strings.Contains(body, c.want) {
				t.Errorf("%s: %d %s", c.name, res.StatusCode, body)
			}
		}
		if got := a.auditRows(); got != audit {
			t.Errorf("audit rows %d after refused writes, want %d", got, audit)
		}
		res, body = a.do("PUT", fmt.Sprintf("/api/v1/routing-rules/%d", rule.ID), office,
			fmt.Sprintf(`{"category":"transport","region":"%s","unit_id":1,"sort":2,"active":false,"version":%d}`, sqldbtest.VillageA, rule.Version))
		if res.StatusCode != 200 || !strings.Contains(body, `"active":false`) {
			t.Fatalf("update: %d %s", res.StatusCode, body)
		}
		res, _ = a.do("PUT", fmt.Sprintf("/api/v1/routing-rules/%d", rule.ID), office,
			fmt.Sprintf(`{"region":"%s","unit_id":1,"version":%d}`, sqldbtest.VillageA, rule.Version))
		if res.StatusCode != 409 {
			t.Errorf("stale update: %d", res.StatusCode)
		}
		res, body = a.do("GET", "/api/v1/routing-rules?active=false", office, "")
		if res.StatusCode != 200 || !strings.Contains(body, `"next_cursor"`) || !strings.Contains(body, `"sort":2`) {
			t.Errorf("list: %d %s", res.StatusCode, body)
		}
		res, _ = a.do("GET", "/api/v1/routing-rules", a.token("unitadmin"), "")
		if res.StatusCode != 403 {
			t.Errorf("unit admin reading rules: %d", res.StatusCode)
		}
		res, _ = a.do("DELETE", fmt.Sprintf("/api/v1/routing-rules/%d?version=%d", rule.ID, rule.Version+1), office, "")
		if res.StatusCode != 204 {
			t.Errorf("delete: %d", res.StatusCode)
		}

		res, body = a.do("GET", "/api/v1/intake-limits", office, "")
		if res.StatusCode != 200 || !strings.Contains(body, `"hotline":1`) {
			t.Fatalf("intake limits: %d %s", res.StatusCode, body)
		}
		res, body = a.do("PUT", "/api/v1/intake-limits", office, `{"days":{"hotline":20},"version":1}`)
		if res.StatusCode != 422 || !strings.Contains(body, "热线电话的派单时限") {
			t.Errorf("bad limit: %d %s", res.StatusCode, body)
		}
		res, body = a.do("PUT", "/api/v1/intake-limits", office, `{"days":{"hotline":0},"version":1}`)
		if res.StatusCode != 200 || !strings.Contains(body, `"hotline":0`) {
			t.Errorf("save limits: %d %s", res.StatusCode, body)
		}
	})
}

// TestRouting_Pages: the office adds a rule on the page, a problem is
// routed by it, the unit returns it on the problem page, and the page
// counts the return; the rules go out to Excel and come back in.
func TestRouting_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, unit := a.browser(), a.browser()
		office.login("office", sqldbtest.Password)
		unit.login("unitadmin", sqldbtest.Password)

		res, body := office.post("/routing-rules", url.Values{"category": {""}, "township": {sqldbtest.Dongping}, "village": {""},
			"unit_id": {"99"}, "sort": {"0"}})
		if res.StatusCode != 422 || !strings.Contains(body, "单位 99 不存在") {
			t.Fatalf("bad rule form: %d", res.StatusCode)
		}
		res, _ = office.post("/routing-rules", url.Values{"category": {""}, "township": {sqldbtest.Dongping}, "village": {""},
			"unit_id": {"1"}, "person_id": {"6"}, "sort": {"0"}})
		if res.StatusCode != 303 {
			t.Fatalf("rule form: %d", res.StatusCode)
		}
		res, body = office.get("/routing-rules")
		if res.StatusCode != 200 || !strings.Contains(body, "东坪镇") || !strings.Contains(body, "县民政局 · 赵丽") {
			t.Fatalf("rules page: %d", res.StatusCode)
		}

		res, body = a.do("POST", "/api/v1/problems", a.token("cadre"), `{"category":"housing","village":"`+sqldbtest.VillageB+`","description":"危房改造补助迟迟未到"}`)
		p := decode[sanlian.Problem](t, body)
		if res.StatusCode != 201 || p.State != sanlian.StateAssigned || p.PersonID != 6 {
			t.Fatalf("not routed: %+v", p)
		}
		path := fmt.Sprintf("/problems/%d", p.ID)
		_, body = unit.get(path)
		if !strings.Contains(body, "按派单规则 #") || !strings.Contains(body, `action="`+path+`/return"`) {
			t.Fatal("problem page: no rule mark or return form")
		}
		res, body = unit.post(path+"/return", url.Values{"version": {fmt.Sprint(p.Version)}, "reason": {""}})
		if res.StatusCode != 422 || !strings.Contains(body, "请填写退单理由") {
			t.Fatalf("return without reason: %d", res.StatusCode)
		}
		res, _ = unit.post(path+"/return", url.Values{"version": {fmt.Sprint(p.Version)}, "reason": {"危房改造属住建局职责"}})
		if res.StatusCode != 303 {
			t.Fatalf("return: %d", res.StatusCode)
		}
		_, body = office.get(path)
		if !strings.Contains(body, "派单期限") || !strings.Contains(body, "危房改造属住建局职责") {
			t.Error("office's problem page lacks the dispatch deadline or the return")
		}
		_, body = office.get("/routing-rules")
		if !strings.Contains(body, "1 / <b class=\"warn-text\">1</b>") || !strings.Contains(body, "<td>县民政局</td><td>1</td>") {
			t.Error("rules page does not count the return")
		}
		_, body = office.get("/")
		if !strings.Contains(body, `id="intake-panel"`) || !strings.Contains(body, "全部 1 件") {
			t.Error("office's home page lacks the intake queue")
		}

		// Out to Excel and back in: the same rule again would take its own
		// slot, so the import refuses it, naming the line.
		res, xlsxBody := office.get("/routing-rules/export.xlsx")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") == "" {
			t.Fatalf("export: %d", res.StatusCode)
		}
		res, body = a.upload("/api/v1/imports?kind=routing_rules", a.token("office"), nil, "", file{"派单规则.xlsx", []byte(xlsxBody)})
		rep := decode[struct{ Report sanlian.ImportReport }](t, body).Report
		if res.StatusCode != 422 || rep.Committed || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "已有启用的派单规则") {
			t.Errorf("re-import of the export: %+v", rep)
		}
	})
}
