package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

type activityJSON struct {
	ID         int64
	Type       string
	Date       string
	Village    string
	Township   string
	UnitID     int64 `json:"unit_id"`
	Volunteers []int64
	Others     int
	Served     int
	Version    int64
}

func TestActivities_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, unitAdmin := a.token("office"), a.token("unitadmin")
		body := fmt.Sprintf(`{"type":"clinic","date":%q,"village":%q,"unit_id":1,"volunteers":[2,6],"others":8,"served":60,
			"description":"红马甲志愿者进村义诊，免费测血压血糖"}`, todayIn(), sqldbtest.VillageA)
		res, out := a.do("POST", "/api/v1/activities", unitAdmin, body)
		if res.StatusCode != 201 || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/activities/") {
			t.Fatalf("create: %d %s", res.StatusCode, out)
		}
		act := decode[activityJSON](t, out)
		if act.Township != sqldbtest.Dongping || len(act.Volunteers) != 2 || act.Version != 1 {
			t.Fatalf("activity %+v", act)
		}

		t.Run("BadInput", func(t *testing.T) {
			res, out := a.do("POST", "/api/v1/activities", office, `{"type":"nosuch","date":"2099-01-01","village":"430923199999","unit_id":1,"others":-1,"served":-2,"description":"x"}`)
			if res.StatusCode != 422 || !hasHan(out) || !strings.Contains(out, "others") || !strings.Contains(out, "served") {
				t.Errorf("bad input: %d %s", res.StatusCode, out)
			}
			res, out = a.do("POST", "/api/v1/activities", office, fmt.Sprintf(`{"type":"nosuch","date":%q,"village":%q,"unit_id":1,"others":1,"description":"x"}`,
				todayIn(), sqldbtest.VillageA))
			if res.StatusCode != 422 || !strings.Contains(out, "活动类型") {
				t.Errorf("unknown type: %d %s", res.StatusCode, out)
			}
			res, _ = a.do("POST", "/api/v1/activities", a.token("cadre"), body)
			if res.StatusCode != 403 {
				t.Errorf("cadre creates: %d", res.StatusCode)
			}
		})
		t.Run("Scope", func(t *testing.T) {
			for user, n := range map[string]int{"office": 1, "unitadmin": 1, "cadre": 1, "cadre5": 0, "leader": 1} {
				res, out := a.do("GET", "/api/v1/activities", a.token(user), "")
				got := decode[struct{ Items []activityJSON }](t, out).Items
				if res.StatusCode != 200 || len(got) != n {
					t.Errorf("%s: %d, %d activities, want %d", user, res.StatusCode, len(got), n)
				}
			}
			if res, _ := a.do("GET", fmt.Sprintf("/api/v1/activities/%d", act.ID), a.token("cadre5"), ""); res.StatusCode != 404 {
				t.Errorf("out of scope: %d", res.StatusCode)
			}
			if res, _ := a.do("GET", "/api/v1/activities", a.token("sysadmin"), ""); res.StatusCode != 403 {
				t.Errorf("sysadmin: %d", res.StatusCode)
			}
		})
		t.Run("Update", func(t *testing.T) {
			upd := strings.Replace(body, `"served":60`, `"served":70,"version":1`, 1)
			res, out := a.do("PATCH", fmt.Sprintf("/api/v1/activities/%d", act.ID), unitAdmin, upd)
			if res.StatusCode != 200 || decode[activityJSON](t, out).Served != 70 {
				t.Fatalf("update: %d %s", res.StatusCode, out)
			}
			if res, _ := a.do("PATCH", fmt.Sprintf("/api/v1/activities/%d", act.ID), unitAdmin, upd); res.StatusCode != 409 {
				t.Errorf("stale: %d", res.StatusCode)
			}
		})
		t.Run("Totals", func(t *testing.T) {
			res, out := a.do("GET", "/api/v1/activities/totals?from="+todayIn(), office, "")
			tt := decode[struct {
				All    struct{ Activities, Volunteers, Served int }
				ByType []struct{ Key string } `json:"by_type"`
			}](t, out)
			if res.StatusCode != 200 || tt.All.Activities != 1 || tt.All.Volunteers != 10 || tt.All.Served != 70 || len(tt.ByType) != 1 || tt.ByType[0].Key != "clinic" {
				t.Errorf("totals: %d %s", res.StatusCode, out)
			}
		})
		t.Run("Types", func(t *testing.T) {
			res, out := a.do("PUT", "/api/v1/activity-types/fire", office, `{"name":"消防演练","active":true,"sort":11}`)
			if res.StatusCode != 200 {
				t.Fatalf("save type: %d %s", res.StatusCode, out)
			}
			res, out = a.do("GET", "/api/v1/activity-types", unitAdmin, "")
			if res.StatusCode != 200 || !strings.Contains(out, "消防演练") || !strings.Contains(out, "送考下乡") {
				t.Errorf("types: %d %s", res.StatusCode, out)
			}
		})
	})
}

func TestActivities_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("unitadmin", sqldbtest.Password)
		res, body := b.get("/activities/new")
		if res.StatusCode != 200 || !strings.Contains(body, "送技下乡") {
			t.Fatalf("form: %d", res.StatusCode)
		}
		bad := url.Values{"type": {"legal"}, "date": {todayIn()}, "village": {"430923199999"}, "others": {"-3"}, "description": {"送法下乡"}}
		res, body = b.post("/activities", bad)
		if res.StatusCode != 422 || !strings.Contains(body, "不能为负数") || !strings.Contains(body, "送法下乡") {
			t.Errorf("refused form: %d", res.StatusCode)
		}
		form := url.Values{"type": {"legal"}, "date": {todayIn()}, "village": {sqldbtest.VillageA}, "volunteers": {"2，6"},
			"others": {"4"}, "served": {"35"}, "description": {"送法下乡：讲解土地承包和低保政策"}}
		res, _ = b.post("/activities", form)
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/activities/") {
			t.Fatalf("submit: %d %s", res.StatusCode, loc)
		}
		if res, body := b.get(loc); res.StatusCode != 200 || !strings.Contains(body, "讲解土地承包") || !strings.Contains(body, "李明") {
			t.Errorf("activity page: %d", res.StatusCode)
		}
		if res, body := b.get("/activities/totals"); res.StatusCode != 200 || !strings.Contains(body, `id="total-activities">1<`) || !strings.Contains(body, "法律政策科普") {
			t.Errorf("totals page: %d", res.StatusCode)
		}
		c := a.browser()
		c.login("cadre", sqldbtest.Password)
		if res, body := c.get("/activities?mine=1"); res.StatusCode != 200 || !strings.Contains(body, "我的志愿服务") || strings.Contains(body, `class="empty"`) {
			t.Errorf("cadre's own record: %d", res.StatusCode)
		}
		if res, body := c.get("/activities?volunteer=5"); res.StatusCode != 200 || !strings.Contains(body, `class="empty"`) {
			t.Errorf("another volunteer's record: %d", res.StatusCode)
		}
	})
}

// TestActivityPages_UnitAdminForm: a unit admin picks the township, the
// village and volunteers from the unit's cadres.
func TestActivityPages_UnitAdminForm(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	b := a.browser()
	b.login("unitadmin", sqldbtest.Password)
	res, page := b.get("/activities/new")
	if res.StatusCode != 200 || !strings.Contains(page, `name="volunteer_id" value="6"`) || !strings.Contains(page, "东坪镇") {
		t.Fatalf("form: %d", res.StatusCode)
	}
	// Refused (no description): the ticked volunteers and the village stay.
	res, page = b.post("/activities", url.Values{"type": {"clinic"}, "date": {"2021-05-20"}, "township": {sqldbtest.Dongping},
		"village": {sqldbtest.VillageA}, "volunteer_id": {"2", "6"}})
	if res.StatusCode != 422 || !strings.Contains(page, `value="6" checked`) || !strings.Contains(page, `selected>黄沙坪村`) {
		t.Errorf("refused form: %d, lost the ticked volunteers or the village", res.StatusCode)
	}
	res, _ = b.post("/activities", url.Values{"type": {"clinic"}, "date": {"2021-05-20"}, "township": {sqldbtest.Dongping},
		"village": {sqldbtest.VillageA}, "volunteer_id": {"2", "6"}, "description": {"红马甲义诊，测血压血糖"}})
	if res.StatusCode != 303 {
		t.Fatalf("submit: %d", res.StatusCode)
	}
	_, body := a.do("GET", "/api/v1/activities", a.token("office"), "")
	if !strings.Contains(body, `"volunteers":[2,6]`) {
		t.Errorf("activity volunteers: %s", body)
	}
}

// TestActivityPages_Edit edits an activity through its form; a stale form
// is refused with what was typed kept, and saving it again applies it.
func TestActivityPages_Edit(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	b := a.browser()
	b.login("unitadmin", sqldbtest.Password)
	res, _ := b.post("/activities", url.Values{"type": {"clinic"}, "date": {"2021-05-20"}, "township": {sqldbtest.Dongping},
		"village": {sqldbtest.VillageA}, "volunteer_id": {"2"}, "served": {"30"}, "description": {"义诊"}})
	if res.StatusCode != 303 {
		t.Fatalf("create: %d", res.StatusCode)
	}
	path := res.Header.Get("Location")
	res, page := b.get(path + "/edit")
	if res.StatusCode != 200 || !strings.Contains(page, `name="version" value="1"`) || !strings.Contains(page, `value="2" checked`) {
		t.Fatalf("edit form: %d", res.StatusCode)
	}
	form := url.Values{"version": {"1"}, "type": {"clinic"}, "date": {"2021-05-20"}, "township": {sqldbtest.Dongping},
		"village": {sqldbtest.VillageA}, "volunteer_id": {"2", "6"}, "served": {"45"}, "description": {"义诊，测血压血糖"}}
	if res, _ := b.post(path, form); res.StatusCode != 303 {
		t.Fatalf("save: %d", res.StatusCode)
	}
	form.Set("description", "第二次修改")
	res, page = b.post(path, form) // still version 1: stale
	if res.StatusCode != 409 || !strings.Contains(page, "第二次修改") || !strings.Contains(page, `name="version" value="2"`) {
		t.Errorf("stale form: %d", res.StatusCode)
	}
	form.Set("version", "2")
	if res, _ := b.post(path, form); res.StatusCode != 303 {
		t.Errorf("saving again: %d", res.StatusCode)
	}
	if _, page := b.get(path); !strings.Contains(page, "第二次修改") {
		t.Error("the saved text is not shown")
	}
}
