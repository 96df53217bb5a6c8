package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// A phone and an ID number typed into a problem's title and description
// are shown masked by the API, the problem's page, the list and the
// Excel export, for every reader.
func TestProblemOutputs_MaskContacts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "我电话13600002222，身份证号430923198802023456"
		const masked = "我电话136****2222，身份证号430923********3456"
		whole := func(s string) bool { return strings.Contains(s, "13600002222") || strings.Contains(s, "198802023456") }
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/problems", office, fmt.Sprintf(
			`{"category":"transport","village":%q,"title":%q,"description":%q,"source":"hotline"}`,
			sqldbtest.VillageA, "路灯坏了 "+typed, typed))
		if res.StatusCode != 201 || whole(body) || !strings.Contains(body, masked) {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		p := decode[apiProblem](t, body)
		for _, path := range []string{fmt.Sprintf("/api/v1/problems/%d", p.ID), "/api/v1/problems"} {
			if _, body := a.do("GET", path, office, ""); whole(body) || !strings.Contains(body, masked) {
				t.Errorf("%s: %s", path, body)
			}
		}
		for _, user := range []string{"office", "leader"} {
			b := a.browser()
			b.login(user, "password-123")
			for _, path := range []string{fmt.Sprintf("/problems/%d", p.ID), "/problems"} {
				res, body := b.get(path)
				if res.StatusCode != 200 || whole(body) || !strings.Contains(body, "136****2222") {
					t.Errorf("%s as %s: %d, whole text shown or masked text missing", path, user, res.StatusCode)
				}
			}
		}
		_, body = a.do("GET", "/problems/export.xlsx", office, "")
		header, rows := exported(t, body)
		titles, descs := column(t, header, rows, "标题"), column(t, header, rows, "问题描述")
		if len(rows) != 1 || titles[0] != "路灯坏了 "+masked || descs[0] != masked {
			t.Errorf("exported titles %q descriptions %q", titles, descs)
		}
	})
}

// Phones and ID numbers typed into an activity's or a project's text are
// masked on their pages and in the Excel export, not in the record.
func TestActivityProjectOutputs_MaskContacts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "联系13600002222，身份证号430923198802023456"
		whole := func(s string) bool { return strings.Contains(s, "13600002222") || strings.Contains(s, "198802023456") }
		b := a.browser()
		b.login("office", "password-123")

		id := a.newActivity("office", "relief", todayIn(), sqldbtest.VillageA, 1, []int64{2}, 0, 15, "走访慰问 "+typed)
		if res, body := b.get(fmt.Sprintf("/activities/%d", id)); res.StatusCode != 200 || whole(body) || !strings.Contains(body, "136****2222") {
			t.Errorf("activity page: %d, whole text shown or masked text missing", res.StatusCode)
		}
		res, body := a.do("GET", "/activities/export.xlsx", a.token("office"), "")
		h, rows, _ := workbook(t, res, body, "志愿服务活动")
		if got := column(t, h, rows, "活动内容"); len(got) != 1 || got[0] != "走访慰问 联系136****2222，身份证号430923********3456" {
			t.Errorf("exported activity %q", got)
		}

		p := a.newProjectAPI("轮椅适配")
		res, out := a.do("PATCH", fmt.Sprintf("/api/v1/projects/%d", p.ID), a.token("office"),
			strings.Replace(projectBody("轮椅适配", fmt.Sprintf(`"version":%d,`, p.Version)), "为持证残疾人适配轮椅", "适配轮椅 "+typed, 1))
		if res.StatusCode != 200 {
			t.Fatalf("update project: %d %s", res.StatusCode, out)
		}
		res, out = a.do("POST", fmt.Sprintf("/api/v1/projects/%d/progress", p.ID), a.token("office"),
			fmt.Sprintf(`{"date":%q,"quantity":80,"note":%q,"version":%d}`, todayIn(), "发放 "+typed, p.Version+1))
		if res.StatusCode != 201 {
			t.Fatalf("progress: %d %s", res.StatusCode, out)
		}
		if res, body := b.get(fmt.Sprintf("/projects/%d", p.ID)); res.StatusCode != 200 || whole(body) ||
			strings.Count(body, "136****2222") < 2 {
			t.Errorf("project page: %d, whole text shown or masked text missing", res.StatusCode)
		}
	})
}

// An entered responsibility's task, measures and completion note show
// typed phones and ID numbers masked on its page and on the list.
func TestResponsibilityPages_MaskContacts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "13600002222，430923198802023456"
		whole := func(s string) bool { return strings.Contains(s, "13600002222") || strings.Contains(s, "198802023456") }
		x := a.createResp(a.token("unitadmin"), fmt.Sprintf(`{"task":%q,"leader_id":2,"person_id":6,"deadline":%q,
			"state":"done","measures":%q,"completion_note":%q}`, "联系 "+typed, inDays(30), "核对 "+typed, "已办 "+typed))
		b := a.browser()
		b.login("office", "password-123")
		res, body := b.get(fmt.Sprintf("/responsibilities/%d", x.ID))
		if res.StatusCode != 200 || whole(body) || strings.Count(body, "136****2222") < 3 {
			t.Errorf("responsibility page: %d, whole text shown or masked text missing", res.StatusCode)
		}
		res, body = b.get("/responsibilities?unit_id=1")
		if res.StatusCode != 200 || whole(body) || strings.Count(body, "136****2222") < 2 {
			t.Errorf("responsibility list: %d, whole text shown or masked text missing", res.StatusCode)
		}
		res, body = a.do("GET", "/responsibilities/export.xlsx", a.token("office"), "")
		h, rows, _ := workbook(t, res, body, "责任清单")
		for _, c := range []struct{ col, want string }{{"责任事项", "联系 "}, {"工作措施", "核对 "}, {"进展情况", "已办 "}} {
			if got := column(t, h, rows, c.col); len(got) != 1 || got[0] != c.want+"136****2222，430923********3456" {
				t.Errorf("exported %s %q", c.col, got)
			}
		}
	})
}

var textareaRE = regexp.MustCompile(`(?s)<textarea[^>]*>.*?</textarea>`)

// A theme's note and measures show typed phones and ID numbers masked on
// its page and report.
func TestThemePages_MaskContacts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "13600002222，430923198802023456"
		whole := func(s string) bool { return strings.Contains(s, "13600002222") || strings.Contains(s, "198802023456") }
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/themes", office, fmt.Sprintf(`{"month":%q,"name":"农村饮水安全","keywords":["饮水"],"note":%q}`,
			thisMonth(), "联系 "+typed))
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		id := res.Header.Get("Location")[len("/api/v1/themes/"):]
		res, body = a.do("POST", "/themes/"+id+"/measures", office, url.Values{"text": {"排查管网 " + typed}, "unit_id": {"1"},
			"due": {"2099-01-31"}}.Encode())
		if res.StatusCode != 303 {
			t.Fatalf("measure: %d %.300s", res.StatusCode, body)
		}
		for path, n := range map[string]int{"/themes/" + id: 3, "/themes/" + id + "/report": 1} {
			res, body := a.do("GET", path, office, "")
			// An edit form keeps the whole value, so that saving it does
			// not overwrite the record with the masked text.
			body = textareaRE.ReplaceAllString(body, "")
			if res.StatusCode != 200 || whole(body) || strings.Count(body, "136****2222") < n {
				t.Errorf("%s: %d, whole text shown or masked text missing", path, res.StatusCode)
			}
		}
	})
}

// A visit's findings and the person met show typed phones and ID numbers
// masked on its page and in the export; the problem entered on the visit
// gets a title without them.
func TestVisitOutputs_MaskContacts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "13600002222，430923198802023456"
		whole := func(s string) bool { return strings.Contains(s, "13600002222") || strings.Contains(s, "198802023456") }
		cadre := a.token("cadre")
		res, body := a.do("POST", "/api/v1/visits", cadre, fmt.Sprintf(`{"kind":"household","household_id":1,"date":%q,"met":%q,
			"findings":%q,"problems":[{"category":"social_health","description":%q}]}`,
			todayIn(), "户主刘户1 "+typed, "老人说 "+typed, "医保报销 "+typed))
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		v := decode[visitJSON](t, body)
		res, body = a.do("GET", fmt.Sprintf("/visits/%d", v.ID), cadre, "")
		if res.StatusCode != 200 || whole(body) || strings.Count(body, "136****2222") < 3 {
			t.Errorf("visit page: %d, whole text shown or masked text missing", res.StatusCode)
		}
		res, body = a.do("GET", "/visits/export.xlsx", cadre, "")
		h, rows, _ := workbook(t, res, body, "走访记录")
		if got := column(t, h, rows, "走访发现"); len(got) != 1 || got[0] != "老人说 136****2222，430923********3456" {
			t.Errorf("exported findings %q", got)
		}
	})
}

// The JSON API answers of activities, projects and their progress,
// entered responsibilities, themes and visits show typed phones and ID
// numbers masked, as the problem answers do.
func TestJSONAPI_MaskContacts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "13600002222，430923198802023456"
		office := a.token("office")
		check := func(what string, status, want int, body string) {
			t.Helper()
			if status != want || strings.Contains(body, "13600002222") || strings.Contains(body, "198802023456") ||
				!strings.Contains(body, "136****2222") {
				t.Errorf("%s: %d, whole text shown or masked text missing: %.300s", what, status, body)
			}
		}
		get := func(path string) {
			t.Helper()
			res, body := a.do("GET", path, office, "")
			check(path, res.StatusCode, 200, body)
		}

		id := a.newActivity("office", "relief", todayIn(), sqldbtest.VillageA, 1, []int64{2}, 0, 15, "走访慰问 "+typed)
		get(fmt.Sprintf("/api/v1/activities/%d", id))
		get("/api/v1/activities")

		p := a.newProjectAPI("轮椅适配")
		res, out := a.do("PATCH", fmt.Sprintf("/api/v1/projects/%d", p.ID), office,
			strings.Replace(projectBody("轮椅适配", fmt.Sprintf(`"version":%d,`, p.Version)), "为持证残疾人适配轮椅", "适配轮椅 "+typed, 1))
		check("PATCH project", res.StatusCode, 200, out)
		res, out = a.do("POST", fmt.Sprintf("/api/v1/projects/%d/progress", p.ID), office,
			fmt.Sprintf(`{"date":%q,"quantity":80,"note":%q,"version":%d}`, todayIn(), "发放 "+typed, p.Version+1))
		check("POST progress", res.StatusCode, 201, out)
		get(fmt.Sprintf("/api/v1/projects/%d", p.ID))
		get(fmt.Sprintf("/api/v1/projects/%d/progress", p.ID))
		get("/api/v1/projects")

		res, out = a.do("POST", "/api/v1/responsibilities", a.token("unitadmin"), fmt.Sprintf(`{"task":%q,"leader_id":2,"person_id":6,
			"deadline":%q,"state":"ongoing","measures":%q}`, "联系 "+typed, inDays(30), "核对 "+typed))
		check("POST responsibility", res.StatusCode, 201, out)
		get(fmt.Sprintf("/api/v1/responsibilities/%d", decode[respJSON](t, out).ID))
		get("/api/v1/responsibilities?unit_id=1")

		res, out = a.do("POST", "/api/v1/themes", office, fmt.Sprintf(`{"month":%q,"name":"农村饮水安全","keywords":["饮水"],"note":%q}`,
			thisMonth(), "联系 "+typed))
		check("POST theme", res.StatusCode, 201, out)
		get("/api/v1/themes")

		res, out = a.do("POST", "/api/v1/visits", a.token("cadre"), fmt.Sprintf(`{"kind":"household","household_id":1,"date":%q,
			"met":"户主刘户1","findings":%q}`, todayIn(), "老人说 "+typed))
		check("POST visit", res.StatusCode, 201, out)
		get(fmt.Sprintf("/api/v1/visits/%d", decode[visitJSON](t, out).ID))
		get("/api/v1/visits")
	})
}

// The whole text, with the typed phone and ID number, is shown only on
// the audited reveal of the problem itself, to a role that may reveal.
func TestProblemRevealText(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "我电话13600002222，身份证号430923198802023456"
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/problems", office, fmt.Sprintf(
			`{"category":"transport","village":%q,"title":"路灯坏了","description":%q,"source":"hotline"}`, sqldbtest.VillageA, typed))
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		p := decode[apiProblem](t, body)
		path := fmt.Sprintf("/api/v1/problems/%d/reveal-text", p.ID)
		if res, body := a.do("POST", path, a.token("leader"), ""); res.StatusCode != 403 {
			t.Errorf("leader: %d %s", res.StatusCode, body)
		}
		if res, body := a.do("POST", path, office, ""); res.StatusCode != 200 || !strings.Contains(body, typed) {
			t.Errorf("office: %d %s", res.StatusCode, body)
		}
		res, body = a.do("GET", fmt.Sprintf("/api/v1/audit?entity=problem&entity_id=%d&action=reveal", p.ID), a.token("auditor"), "")
		if res.StatusCode != 200 || !strings.Contains(body, `\"text\"`) || strings.Contains(body, "13600002222") {
			t.Errorf("audit: %d %s", res.StatusCode, body)
		}

		b := a.browser()
		b.login("office", "password-123")
		_, page := b.get(fmt.Sprintf("/problems/%d", p.ID))
		if !strings.Contains(page, "查看原文中的完整号码") {
			t.Error("no reveal button on a problem whose text holds a masked number")
		}
		res, frag := b.post(fmt.Sprintf("/problems/%d/reveal-text", p.ID), url.Values{})
		if res.StatusCode != 200 || !strings.Contains(frag, "13600002222") || !strings.Contains(frag, "已记入审计日志") {
			t.Errorf("page reveal: %d %.300s", res.StatusCode, frag)
		}
		lb := a.browser()
		lb.login("leader", "password-123")
		if _, page := lb.get(fmt.Sprintf("/problems/%d", p.ID)); strings.Contains(page, "查看原文中的完整号码") {
			t.Error("the leader, who may not reveal, is offered the reveal")
		}
	})
}
