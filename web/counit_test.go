package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestCoUnits_API names co-units through the generic action route, lets a
// co-unit's cadre record its part and refuses what the rules refuse, with
// a Chinese detail and nothing changed.
func TestCoUnits_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, cadre, cadre5 := a.token("office"), a.token("cadre"), a.token("cadre5")
		p := a.createProblem(cadre, sqldbtest.VillageA, "通村公路塌方", "通村公路 K3 处塌方，车辆无法通行")
		status, body, p := a.problemAct(office, p, "assign", `,"unit_id":1,"person_id":2,"co_unit_ids":[3,4]`)
		if status != 200 {
			t.Fatalf("assign with co-units: %d %s", status, body)
		}
		type coUnit struct {
			UnitID int64 `json:"unit_id"`
			Name   string
			Parts  int
			Mine   bool
		}
		type withCo struct {
			CoUnits []coUnit `json:"co_units"`
		}
		_, body = a.do("GET", fmt.Sprintf("/api/v1/problems/%d", p.ID), cadre5, "")
		if got := decode[withCo](t, body).CoUnits; len(got) != 2 || got[0].Name != "东坪镇人民政府" || got[0].Mine || !got[1].Mine {
			t.Fatalf("co-units as 梅城镇's cadre: %+v", got)
		}

		cases := []struct {
			name, token, action, extra string
			status                     int
			field                      string
		}{
			{"lead as co-unit", office, "co_units", `,"co_unit_ids":[1,3]`, 422, "co_unit_ids"},
			{"co-unit twice", office, "co_units", `,"co_unit_ids":[3,3]`, 422, "co_unit_ids"},
			{"unknown unit", office, "co_units", `,"co_unit_ids":[3,999]`, 422, "co_unit_ids"},
			{"part by the lead's cadre", cadre, "part", `,"note":"协助"`, 403, ""},
			{"co-unit takes a lead action", cadre5, "accept", ``, 403, ""},
			{"co-units by a unit admin", a.token("unitadmin"), "co_units", `,"co_unit_ids":[3]`, 403, ""},
			{"co-units without the list", office, "co_units", ``, 422, "co_unit_ids"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, body, _ := a.problemAct(c.token, p, c.action, c.extra)
				if status != c.status {
					t.Fatalf("status %d, want %d: %s", status, c.status, body)
				}
				pr := decode[problem](t, body)
				if !hasHan(pr.Detail) || (c.field != "" && !hasHan(pr.Errors[c.field])) {
					t.Errorf("problem %+v", pr)
				}
			})
		}
		_, body = a.do("GET", fmt.Sprintf("/api/v1/problems/%d", p.ID), office, "")
		if got := decode[apiProblem](t, body); got.Version != p.Version {
			t.Fatalf("refusals changed the problem: v%d, want v%d", got.Version, p.Version)
		}

		status, body, p = a.problemAct(cadre5, p, "part", `,"note":"镇里组织人员清理塌方土石"`)
		if status != 200 {
			t.Fatalf("part: %d %s", status, body)
		}
		if got := decode[withCo](t, body).CoUnits; got[1].Parts != 1 || got[0].Parts != 0 {
			t.Errorf("co-units after part: %+v", got)
		}
		if status, body, _ := a.problemAct(office, p, "co_units", `,"co_unit_ids":[3]`); status != 422 || !strings.Contains(body, "不能移出") {
			t.Errorf("removing a co-unit with a part: %d %s", status, body)
		}
		_, body = a.do("GET", fmt.Sprintf("/api/v1/problems/%d/events", p.ID), office, "")
		if !strings.Contains(body, `"action":"part"`) || !strings.Contains(body, "梅城镇人民政府") {
			t.Errorf("timeline lacks the part: %s", body)
		}

		period := sanlian.PeriodOf(time.Now(), sanlian.PeriodHalf).ID
		_, body = a.do("GET", "/api/v1/metrics?by=unit&period="+period, office, "")
		type metrics struct {
			CoParts map[string]int `json:"co_parts"`
			Rows    []struct {
				Key      string
				Assigned int
			}
		}
		m := decode[metrics](t, body)
		if m.CoParts["4"] != 1 || len(m.Rows) != 1 || m.Rows[0].Key != "1" || m.Rows[0].Assigned != 1 {
			t.Errorf("metrics: %s", body)
		}
	})
}

// TestCoUnits_Pages names co-units with the office's form, shows the
// co-unit its part form and nothing of the lead's, and warns the lead of
// parts not recorded when it resolves.
func TestCoUnits_Pages(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	cadre, office, cadre5 := a.browser(), a.browser(), a.browser()
	cadre.login("cadre", sqldbtest.Password)
	office.login("office", sqldbtest.Password)
	cadre5.login("cadre5", sqldbtest.Password)
	res, body := cadre.post("/problems", url.Values{"source": {"visit"}, "category": {"transport"}, "township": {sqldbtest.Dongping},
		"village": {sqldbtest.VillageA}, "description": {"通村公路塌方，车辆无法通行"}})
	if res.StatusCode != 303 {
		t.Fatalf("entry: %d %s", res.StatusCode, body)
	}
	path := strings.SplitN(res.Header.Get("Location"), "?", 2)[0]
	version := func(b *browser) string {
		t.Helper()
		_, page := b.get(path)
		i := strings.Index(page, `name="version" value="`)
		if i < 0 {
			t.Fatal("no form on the page")
		}
		v := page[i+len(`name="version" value="`):]
		return v[:strings.Index(v, `"`)]
	}
	step := func(b *browser, action string, form url.Values) {
		t.Helper()
		form.Set("version", version(b))
		if res, body := b.post(path+"/"+action, form); res.StatusCode != 303 {
			t.Fatalf("%s: %d %s", action, res.StatusCode, body)
		}
	}
	if _, page := office.get(path); !strings.Contains(page, `name="co_unit_ids" multiple`) {
		t.Error("the assign form offers no co-units")
	}
	step(office, "assign", url.Values{"unit_id": {"1"}, "person_id": {"2"}})
	step(office, "co_units", url.Values{"co_unit_ids": {"3", "4"}, "note": {"属地乡镇配合"}})
	_, page := office.get(path)
	for _, want := range []string{"配合单位", "东坪镇人民政府", "梅城镇人民政府", "未记录配合情况", `action="` + path + `/co_units"`} {
		if !strings.Contains(page, want) {
			t.Errorf("office's page lacks %q", want)
		}
	}

	_, page = cadre5.get(path)
	if !strings.Contains(page, `action="`+path+`/part"`) || strings.Contains(page, `action="`+path+`/accept"`) ||
		strings.Contains(page, `action="`+path+`/extend"`) {
		t.Error("the co-unit's page should offer its part and no lead action")
	}
	// A refused part keeps what was typed.
	res, page = cadre5.post(path+"/part", url.Values{"version": {version(cadre5)}, "note": {"清理塌方"}, "date": {"2999-01-01"}})
	if res.StatusCode != 422 || !strings.Contains(page, "完成日期不能晚于今天") || !strings.Contains(page, "清理塌方") {
		t.Errorf("refused part: %d", res.StatusCode)
	}
	step(cadre5, "part", url.Values{"note": {"组织镇村干部清理塌方土石"}})

	step(cadre, "accept", url.Values{})
	_, page = cadre.get(path)
	if !strings.Contains(page, "以下配合单位尚未记录配合办理情况：东坪镇人民政府") {
		t.Error("the resolve form does not warn of 东坪镇's missing part")
	}
	step(cadre, "resolve", url.Values{"measures": {"抢修路基"}, "result": {"已恢复通行"}})
	_, page = office.get(path)
	for _, want := range []string{"配合办理", "组织镇村干部清理塌方土石", "已记录配合情况", "已办结"} {
		if !strings.Contains(page, want) {
			t.Errorf("page after resolving lacks %q", want)
		}
	}

	if _, lists := office.get("/lists?unit=4"); !strings.Contains(lists, "通村公路塌方") || !strings.Contains(lists, ">配合</span>") {
		t.Error("梅城镇's problem list lacks the problem it co-handles")
	}
	if _, m := office.get("/assessment?by=unit&period=" + sanlian.PeriodOf(time.Now(), sanlian.PeriodHalf).ID); !strings.Contains(m, "<th class=\"num m2\" title=\"作为配合单位") ||
		!strings.Contains(m, "梅城镇人民政府 1 次") {
		t.Error("the metrics page lacks the 配合办理 column or the co-only unit")
	}
}
