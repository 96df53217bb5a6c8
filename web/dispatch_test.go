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

		res, page := b.get("/dispatches")
		if res.StatusCode != 200 || !strings.Contains(page, `href="/dispatches/`+month+`"`) || !strings.Contains(page, ">月度调度</a>") {
			t.Fatalf("months: %d", res.StatusCode)
		}
		res, page = b.get("/dispatches/" + month)
		if res.StatusCode != 200 || !strings.Contains(page, `id="dispatch-form"`) || !strings.Contains(page, "东坪镇") ||
			!strings.Contains(page, "县民政局") || !strings.Contains(page, `id="decision-unit-form"`) {
			t.Fatalf("month page: %d", res.StatusCode)
		}
		if res, page := b.get("/dispatches/2021-05-H1"); res.StatusCode != 400 || !strings.Contains(page, "调度按月进行") {
			t.Errorf("half-month page: %d", res.StatusCode)
		}

		// A refused record comes back as typed.
		form := url.Values{"meeting_date": {"2001-01-01"}, "place": {"县委二楼会议室"}, "chair": {"王建国"}, "record": {"通报敬老院维修进度"}, "version": {"0"}}
		res, page = b.post("/dispatches/"+month, form)
		if res.StatusCode != 422 || !strings.Contains(page, "会议日期不能早于") || !strings.Contains(page, "通报敬老院维修进度") {
			t.Fatalf("refused record: %d", res.StatusCode)
		}
		form.Set("meeting_date", inDays(0))
		if res, _ := b.post("/dispatches/"+month, form); res.StatusCode != 303 {
			t.Fatalf("record: %d", res.StatusCode)
		}
		// A stale form says so and carries the new version.
		res, page = b.post("/dispatches/"+month, form)
		if res.StatusCode != 409 || !strings.Contains(page, "已被他人修改") || !strings.Contains(page, `name="version" value="1"`) {
			t.Errorf("stale record: %d", res.StatusCode)
		}

		res, page = b.get("/dispatches/" + month + "?unit_id=1")
		if res.StatusCode != 200 || !strings.Contains(page, `id="decision-form"`) || !strings.Contains(page, "赵丽") {
			t.Fatalf("decision form: %d", res.StatusCode)
		}
		dec := url.Values{"text": {"两周内完成敬老院屋顶维修"}, "unit_id": {"1"}, "person_id": {"6"}, "leader_id": {"2"}, "deadline": {"两周"}}
		res, page = b.post("/dispatches/"+month+"/decisions", dec)
		if res.StatusCode != 422 || !strings.Contains(page, "请填写完成时限") || !strings.Contains(page, "两周内完成敬老院屋顶维修") {
			t.Fatalf("refused decision: %d", res.StatusCode)
		}
		dec.Set("deadline", inDays(14))
		if res, _ := b.post("/dispatches/"+month+"/decisions", dec); res.StatusCode != 303 {
			t.Fatalf("decision: %d", res.StatusCode)
		}
		res, page = b.get("/dispatches/" + month)
		if res.StatusCode != 200 || !strings.Contains(page, "两周内完成敬老院屋顶维修") || !strings.Contains(page, `href="/responsibilities/`) ||
			!strings.Contains(page, "未开始") {
			t.Errorf("decisions: %d", res.StatusCode)
		}

		// A leader reads the record without the forms; a cadre may not.
		l := a.browser()
		l.login("leader", sqldbtest.Password)
		res, page = l.get("/dispatches/" + month)
		if res.StatusCode != 200 || strings.Contains(page, `id="dispatch-form"`) || !strings.Contains(page, "通报敬老院维修进度") ||
			!strings.Contains(page, "两周内完成敬老院屋顶维修") {
			t.Errorf("leader's page: %d", res.StatusCode)
		}
		c := a.browser()
		c.login("cadre", sqldbtest.Password)
		if res, _ := c.get("/dispatches/" + month); res.StatusCode != 403 {
			t.Errorf("cadre's page: %d", res.StatusCode)
		}
	})
}
