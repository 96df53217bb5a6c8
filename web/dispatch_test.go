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

type dispatchJSON struct {
	Month       string
	MeetingDate string `json:"meeting_date"`
	Place       string
	Record      string
	Version     int64
	Decisions   []struct {
		ID               int64
		Text             string
		UnitName         string `json:"unit_name"`
		State            string
		ResponsibilityID int64 `json:"responsibility_id"`
	}
	ByTownship []struct {
		Key               string
		Name              string
		Created, Assigned int
		Open              int
	} `json:"by_township"`
	ByUnit []struct {
		Key  string
		Name string
	} `json:"by_unit"`
}

func thisMonth() string { return time.Now().In(sanlian.Shanghai).Format("2006-01") }

func TestDispatches_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		month, today := thisMonth(), inDays(0)
		p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "村道路灯损坏", "3组到5组的路灯坏了半年")
		a.problemAct(office, p, "assign", `,"unit_id":1`)

		body := fmt.Sprintf(`{"meeting_date":%q,"place":"县委二楼会议室","chair":"王建国","attendees":"各单位主要负责人","record":"通报本月问题办理情况","version":0}`, today)
		res, out := a.do("PUT", "/api/v1/dispatches/"+month, office, body)
		if res.StatusCode != 200 {
			t.Fatalf("save: %d %s", res.StatusCode, out)
		}
		if d := decode[dispatchJSON](t, out); d.Version != 1 || d.Place != "县委二楼会议室" {
			t.Fatalf("saved = %+v", d)
		}
		// The same version again is stale.
		res, out = a.do("PUT", "/api/v1/dispatches/"+month, office, body)
		if res.StatusCode != 409 || !hasHan(out) {
			t.Errorf("stale save: %d %s", res.StatusCode, out)
		}
		for _, m := range []string{"2021-13", month + "-H1"} {
			if res, out := a.do("PUT", "/api/v1/dispatches/"+m, office, body); res.StatusCode != 400 ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || !hasHan(out) {
				t.Errorf("month %s: %d %s", m, res.StatusCode, out)
			}
		}
		res, out = a.do("PUT", "/api/v1/dispatches/"+month, office, `{"meeting_date":"2020-01-01","version":1}`)
		if res.StatusCode != 422 || !strings.Contains(out, "meeting_date") || !strings.Contains(out, "请填写会议纪要") {
			t.Errorf("bad record: %d %s", res.StatusCode, out)
		}

		res, out = a.do("POST", "/api/v1/dispatches/"+month+"/decisions", office,
			fmt.Sprintf(`{"text":"月底前修复东坪镇路灯","unit_id":1,"person_id":6,"leader_id":2,"deadline":%q}`, inDays(21)))
		if res.StatusCode != 201 {
			t.Fatalf("decision: %d %s", res.StatusCode, out)
		}
		x := decode[struct {
			ID               int64
			ResponsibilityID int64 `json:"responsibility_id"`
		}](t, out)
		if res.Header.Get("Location") != fmt.Sprintf("/api/v1/responsibilities/%d", x.ResponsibilityID) {
			t.Errorf("location %q", res.Header.Get("Location"))
		}
		res, out = a.do("GET", fmt.Sprintf("/api/v1/responsibilities/%d", x.ResponsibilityID), a.token("unitadmin"), "")
		if r := decode[respJSON](t, out); res.StatusCode != 200 || r.Source != "dispatch" || r.SourceID != x.ID ||
			r.SourceRef != fmt.Sprintf("%s 月度调度会 第%d号", month, x.ID) {
			t.Errorf("responsibility: %d %s", res.StatusCode, out)
		}
		res, out = a.do("POST", "/api/v1/dispatches/"+month+"/decisions", office, `{"text":"","unit_id":1,"person_id":999,"deadline":"下月"}`)
		if res.StatusCode != 422 || !strings.Contains(out, "请填写议定事项") {
			t.Errorf("bad decision: %d %s", res.StatusCode, out)
		}

		for _, user := range []string{"office", "leader", "unitadmin"} {
			res, out := a.do("GET", "/api/v1/dispatches/"+month, a.token(user), "")
			d := decode[dispatchJSON](t, out)
			if res.StatusCode != 200 || d.Version != 1 || len(d.Decisions) != 1 || d.Decisions[0].UnitName != "县民政局" ||
				d.Decisions[0].State != "pending" {
				t.Fatalf("%s reads: %d %s", user, res.StatusCode, out)
			}
			if len(d.ByTownship) != 1 || d.ByTownship[0].Name != "东坪镇" || d.ByTownship[0].Created != 1 || d.ByTownship[0].Assigned != 1 ||
				d.ByTownship[0].Open != 1 {
				t.Errorf("%s by township: %+v", user, d.ByTownship)
			}
		}
		res, out = a.do("GET", "/api/v1/dispatches", a.token("leader"), "")
		list := decode[struct{ Items []sanlian.DispatchMonth }](t, out)
		if res.StatusCode != 200 || len(list.Items) != 1 || list.Items[0].Month != month || !list.Items[0].Held || list.Items[0].Decisions != 1 {
			t.Errorf("list: %d %s", res.StatusCode, out)
		}
		for _, user := range []string{"cadre", "sysadmin"} {
			if res, _ := a.do("GET", "/api/v1/dispatches/"+month, a.token(user), ""); res.StatusCode != 403 {
				t.Errorf("%s reads: %d", user, res.StatusCode)
			}
		}
		if res, _ := a.do("PUT", "/api/v1/dispatches/"+month, a.token("leader"), body); res.StatusCode != 403 {
			t.Errorf("leader saves: %d", res.StatusCode)
		}
	})
}

func TestDispatches_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		month := thisMonth()
		p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "敬老院屋顶漏雨", "敬老院屋顶漏雨，老人住不安稳")
		a.problemAct(a.token("office"), p, "assign", `,"unit_id":1`)
		b := a.browser()
		b.login("office", sqldbtest.Password)

		res, html := b.get("/dispatches")
		if doc := page(t, html); res.StatusCode != 200 || !has(doc, `table#dispatches tbody tr[data-month="`+month+`"] td a[href="/dispatches/`+month+`"]`) || !hasExact(doc, "nav#main-menu a", "月度调度") {
			t.Fatalf("months: %d", res.StatusCode)
		}
		res, html = b.get("/dispatches/" + month)
		if doc := page(t, html); res.StatusCode != 200 || !has(doc, `form#dispatch-form[method=post][action="/dispatches/`+month+`"]`) || !hasExact(doc, "#by-township tbody tr td:first-child", "东坪镇") ||
			!hasExact(doc, "#by-unit tbody tr td:first-child", "县民政局") || !has(doc, "form#decision-unit-form select[name=unit_id]") {
			t.Fatalf("month page: %d", res.StatusCode)
		}
		if res, html := b.get("/dispatches/2021-05-H1"); res.StatusCode != 400 || !hasText(page(t, html), ".error[role=alert]", "调度按月进行") {
			t.Errorf("half-month page: %d", res.StatusCode)
		}

		// A refused record comes back as typed.
		form := url.Values{"meeting_date": {"2001-01-01"}, "place": {"县委二楼会议室"}, "chair": {"王建国"}, "record": {"通报敬老院维修进度"}, "version": {"0"}}
		res, html = b.post("/dispatches/"+month, form)
		if doc := page(t, html); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "meeting_date"), "会议日期不能早于") || textOf(doc, "form#dispatch-form textarea[name=record]") != "通报敬老院维修进度" {
			t.Fatalf("refused record: %d", res.StatusCode)
		}
		form.Set("meeting_date", inDays(0))
		if res, _ := b.post("/dispatches/"+month, form); res.StatusCode != 303 {
			t.Fatalf("record: %d", res.StatusCode)
		}
		// A stale form says so and carries the new version.
		res, html = b.post("/dispatches/"+month, form)
		if doc := page(t, html); res.StatusCode != 409 || !errorShown(doc, "已被他人修改") || !has(doc, `form#dispatch-form input[type=hidden][name=version][value="1"]`) {
			t.Errorf("stale record: %d", res.StatusCode)
		}

		res, html = b.get("/dispatches/" + month + "?unit_id=1")
		if res.StatusCode != 200 || !hasText(page(t, html), "form#decision-form select[name=person_id] option", "赵丽") {
			t.Fatalf("decision form: %d", res.StatusCode)
		}
		dec := url.Values{"text": {"两周内完成敬老院屋顶维修"}, "unit_id": {"1"}, "person_id": {"6"}, "leader_id": {"2"}, "deadline": {"两周"}}
		res, html = b.post("/dispatches/"+month+"/decisions", dec)
		if doc := page(t, html); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "deadline"), "请填写完成时限") || textOf(doc, "form#decision-form textarea[name=text]") != "两周内完成敬老院屋顶维修" {
			t.Fatalf("refused decision: %d", res.StatusCode)
		}
		dec.Set("deadline", inDays(14))
		if res, _ := b.post("/dispatches/"+month+"/decisions", dec); res.StatusCode != 303 {
			t.Fatalf("decision: %d", res.StatusCode)
		}
		res, html = b.get("/dispatches/" + month)
		row := page(t, html).Find("table#decision-list tbody tr[data-id]")
		if res.StatusCode != 200 || row.Length() != 1 || strings.TrimSpace(row.Find(`td:nth-child(2) a[href^="/responsibilities/"]`).Text()) != "两周内完成敬老院屋顶维修" ||
			strings.TrimSpace(row.Find("td:nth-child(7) span.state").Text()) != "未开始" {
			t.Errorf("decisions: %d", res.StatusCode)
		}

		// A leader reads the record without the forms; a cadre may not.
		l := a.browser()
		l.login("leader", sqldbtest.Password)
		res, html = l.get("/dispatches/" + month)
		if doc := page(t, html); res.StatusCode != 200 || strings.Contains(html, `id="dispatch-form"`) || has(doc, "form#decision-form, form#decision-unit-form") || textOf(doc, "#record") != "通报敬老院维修进度" ||
			!hasText(doc, "table#decision-list tbody tr td:nth-child(2)", "两周内完成敬老院屋顶维修") {
			t.Errorf("leader's page: %d", res.StatusCode)
		}
		c := a.browser()
		c.login("cadre", sqldbtest.Password)
		if res, _ := c.get("/dispatches/" + month); res.StatusCode != 403 {
			t.Errorf("cadre's page: %d", res.StatusCode)
		}
	})
}
