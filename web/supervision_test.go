package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

type supervisionJSON struct {
	ID         int64
	Level      string
	State      string
	TargetKind string `json:"target_kind"`
	TargetID   int64  `json:"target_id"`
	TargetRef  string `json:"target_ref"`
	UnitID     int64  `json:"unit_id"`
	PersonID   int64  `json:"person_id"`
	ReplyDue   string `json:"reply_due"`
	Reply      string
	Late       bool
	Version    int64
}

// supervisedProblem enters a problem in 东坪镇 and assigns it to unit 1
// and its cadre 2 (李明, account "cadre").
func (a *app) supervisedProblem(title string) apiProblem {
	a.t.Helper()
	p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, title, title+"，群众反映多次")
	code, out, p := a.problemAct(a.token("office"), p, "assign", `,"unit_id":1,"person_id":2`)
	if code != 200 {
		a.t.Fatalf("assign: %d %s", code, out)
	}
	return p
}

func (a *app) supervisions(token, query string) []supervisionJSON {
	a.t.Helper()
	res, out := a.do("GET", "/api/v1/supervisions?"+query, token, "")
	if res.StatusCode != 200 {
		a.t.Fatalf("supervisions?%s: %d %s", query, res.StatusCode, out)
	}
	return decode[struct{ Items []supervisionJSON }](a.t, out).Items
}

func TestSupervisions_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		// A second unit admin, of 梅城镇人民政府 (unit 4).
		MustOKWeb(t, db.Accounts.CreateUser(sanlian.NewSystemContext(context.Background()),
			&sanlian.User{Username: "meicheng", DisplayName: "梅城镇管理员", Role: sanlian.RoleUnitAdmin, UnitID: 4}, sqldbtest.Password))
		office, unitAdmin := a.token("office"), a.token("unitadmin")
		p := a.supervisedProblem("村小学围墙开裂")

		t.Run("BadInput", func(t *testing.T) {
			for _, c := range []struct {
				body   string
				status int
				fields []string
			}{
				{fmt.Sprintf(`{"target_kind":"problem","target_id":%d,"text":"请尽快办理","reply_due":%q}`, p.ID, inDays(-1)), 422, []string{"reply_due"}},
				{`{"target_kind":"problem","target_id":99999,"text":"请尽快办理","reply_due":"2099-01-01"}`, 422, []string{"target_id"}},
				{`{"target_kind":"project","target_id":99999,"text":"请尽快办理","reply_due":"2099-01-01"}`, 422, []string{"target_id"}},
				{fmt.Sprintf(`{"target_kind":"village","target_id":%d,"text":" ","reply_due":"明天"}`, p.ID), 422, []string{"target_kind", "text", "reply_due"}},
				{`{"target_kind":"problem","target_id":"一","text":"请尽快办理","reply_due":"2099-01-01"}`, 400, nil},
			} {
				res, out := a.do("POST", "/api/v1/supervisions", office, c.body)
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
			if res, _ := a.do("POST", "/api/v1/supervisions", unitAdmin, `{"target_kind":"problem","target_id":1,"text":"x","reply_due":"2099-01-01"}`); res.StatusCode != 403 {
				t.Errorf("a unit admin issued a notice: %d", res.StatusCode)
			}
			for _, q := range []string{"level=green", "state=done", "unanswered=maybe", "unit_id=x", "cursor=%21%21"} {
				if res, out := a.do("GET", "/api/v1/supervisions?"+q, office, ""); res.StatusCode != 400 || !hasHan(out) {
					t.Errorf("?%s: %d %s", q, res.StatusCode, out)
				}
			}
		})

		res, out := a.do("POST", "/api/v1/supervisions", office,
			fmt.Sprintf(`{"target_kind":"problem","target_id":%d,"text":"请于三日内报告围墙加固进展","reply_due":%q}`, p.ID, inDays(3)))
		if res.StatusCode != 201 || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/supervisions/") {
			t.Fatalf("create: %d %s", res.StatusCode, out)
		}
		sv := decode[supervisionJSON](t, out)
		if sv.Level != "notice" || sv.State != "open" || sv.UnitID != 1 || sv.PersonID != 2 || !strings.Contains(sv.TargetRef, p.Number) {
			t.Fatalf("notice %+v", sv)
		}
		for name, want := range map[string]int{"office": 1, "leader": 1, "unitadmin": 1, "cadre": 1, "cadre5": 0, "meicheng": 0} {
			if got := len(a.supervisions(a.token(name), "unanswered=1")); got != want {
				t.Errorf("%s sees %d unanswered notices, want %d", name, got, want)
			}
		}
		if res, _ := a.do("GET", fmt.Sprintf("/api/v1/supervisions/%d", sv.ID), a.token("cadre5"), ""); res.StatusCode != 404 {
			t.Errorf("out of scope: %d", res.StatusCode)
		}

		t.Run("ErrReply", func(t *testing.T) {
			body := fmt.Sprintf(`{"text":"已处理","version":%d}`, sv.Version)
			for _, who := range []string{"meicheng", "cadre5"} {
				res, out := a.do("POST", fmt.Sprintf("/api/v1/supervisions/%d/reply", sv.ID), a.token(who), body)
				if pr := decode[problem](t, out); res.StatusCode != 403 || !strings.Contains(pr.Detail, "责任单位") {
					t.Errorf("reply by %s: %d %s", who, res.StatusCode, out)
				}
			}
			if res, out := a.do("POST", fmt.Sprintf("/api/v1/supervisions/%d/reply", sv.ID), unitAdmin, `{"text":"已处理"}`); res.StatusCode != 422 || !hasHan(out) {
				t.Errorf("reply without a version: %d %s", res.StatusCode, out)
			}
			if res, out := a.do("POST", fmt.Sprintf("/api/v1/supervisions/%d/reply", sv.ID), unitAdmin, fmt.Sprintf(`{"text":" ","version":%d}`, sv.Version)); res.StatusCode != 422 || !hasHan(out) {
				t.Errorf("empty reply: %d %s", res.StatusCode, out)
			}
		})

		res, out = a.do("POST", fmt.Sprintf("/api/v1/supervisions/%d/reply", sv.ID), unitAdmin,
			fmt.Sprintf(`{"text":"已请施工队进场加固，周五前完工","version":%d}`, sv.Version))
		got := decode[supervisionJSON](t, out)
		if res.StatusCode != 200 || got.State != "answered" || got.Late || got.Version != sv.Version+1 {
			t.Fatalf("reply: %d %s", res.StatusCode, out)
		}
		res, out = a.do("POST", fmt.Sprintf("/api/v1/supervisions/%d/reply", sv.ID), a.token("cadre"),
			fmt.Sprintf(`{"text":"再报一次","version":%d}`, got.Version))
		if pr := decode[problem](t, out); res.StatusCode != 409 || !strings.Contains(pr.Detail, "不能重复回复") {
			t.Errorf("second reply: %d %s", res.StatusCode, out)
		}
		if n := len(a.supervisions(office, "unanswered=1")); n != 0 {
			t.Errorf("unanswered after the reply: %d", n)
		}

		t.Run("Levels", func(t *testing.T) {
			// Forty days on, the scheduler finds the problem past its deadline.
			if _, err := db.RunDue(context.Background(), time.Now().AddDate(0, 0, 40)); err != nil {
				t.Fatal(err)
			}
			yellow := a.supervisions(unitAdmin, "level=yellow&state=open")
			if len(yellow) != 1 || yellow[0].TargetID != p.ID {
				t.Fatalf("yellow: %+v", yellow)
			}
			if n := len(a.supervisions(a.token("meicheng"), "level=yellow")); n != 0 {
				t.Errorf("another unit sees %d yellow cards", n)
			}
			res, page := a.do("GET", fmt.Sprintf("/problems/%d", p.ID), office, "")
			if res.StatusCode != 200 || !strings.Contains(page, "黄牌督办") || !strings.Contains(page, fmt.Sprintf(`href="/supervisions/%d"`, yellow[0].ID)) {
				t.Errorf("problem page: %d", res.StatusCode)
			}
			res, out := a.do("POST", fmt.Sprintf("/api/v1/supervisions/%d/reply", yellow[0].ID), unitAdmin, `{"text":"已处理","version":1}`)
			if res.StatusCode != 422 || !hasHan(out) {
				t.Errorf("reply to a yellow card: %d %s", res.StatusCode, out)
			}
		})
	})
}

// MustOKWeb fails the test on any error.
func MustOKWeb(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("unexpected error: %v", err)
	}
}

func TestSupervisions_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		p := a.supervisedProblem("村卫生室缺少药品")
		b := a.browser()
		b.login("office", sqldbtest.Password)
		res, page := b.get("/supervisions")
		if res.StatusCode != 200 || !strings.Contains(page, "督办通知待回复") || !strings.Contains(page, `id="notice-form"`) ||
			!strings.Contains(page, `href="/supervisions"`) {
			t.Fatalf("desk: %d", res.StatusCode)
		}
		bad := url.Values{"target_kind": {"problem"}, "target_id": {fmt.Sprint(p.ID)}, "text": {"请于本周内补齐常用药品"}, "reply_due": {inDays(-2)}}
		res, page = b.post("/supervisions", bad)
		if res.StatusCode != 422 || !strings.Contains(page, "回复期限不能早于今天") || !strings.Contains(page, "请于本周内补齐常用药品") {
			t.Errorf("refused notice: %d", res.StatusCode)
		}
		res, page = b.post("/supervisions", url.Values{"target_kind": {"problem"}, "target_id": {"abc"}, "text": {"请办理"}, "reply_due": {inDays(2)}})
		if res.StatusCode != 422 || !strings.Contains(page, "督办对象编号须为整数") {
			t.Errorf("bad target id: %d", res.StatusCode)
		}
		good := url.Values{"target_kind": {"problem"}, "target_id": {fmt.Sprint(p.ID)}, "text": {"请于本周内补齐常用药品"}, "reply_due": {inDays(2)}}
		res, _ = b.post("/supervisions", good)
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/supervisions/") {
			t.Fatalf("issue: %d %s", res.StatusCode, loc)
		}
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/supervisions/")
		if res, page := b.get(loc); res.StatusCode != 200 || !strings.Contains(page, "请于本周内补齐常用药品") || strings.Contains(page, `id="reply-form"`) {
			t.Errorf("notice page for the office: %d", res.StatusCode)
		}
		if res, page := b.get("/supervisions?unanswered=1"); res.StatusCode != 200 || !strings.Contains(page, `href="/supervisions/`+id+`"`) {
			t.Errorf("desk, unanswered: %d", res.StatusCode)
		}
		if res, page := b.get(fmt.Sprintf("/problems/%d", p.ID)); res.StatusCode != 200 || !strings.Contains(page, "督办通知") {
			t.Errorf("problem page: %d", res.StatusCode)
		}

		u := a.browser()
		u.login("unitadmin", sqldbtest.Password)
		res, page = u.get("/supervisions/" + id)
		if res.StatusCode != 200 || !strings.Contains(page, `id="reply-form"`) || !strings.Contains(page, `name="version" value="1"`) {
			t.Fatalf("notice page for the unit: %d", res.StatusCode)
		}
		res, page = u.post("/supervisions/"+id+"/reply", url.Values{"text": {"  "}, "version": {"1"}})
		if res.StatusCode != 422 || !strings.Contains(page, "请填写回复内容") {
			t.Errorf("empty reply: %d", res.StatusCode)
		}
		res, _ = u.post("/supervisions/"+id+"/reply", url.Values{"text": {"已从县医院调配药品，周三到位"}, "version": {"1"}})
		if res.StatusCode != 303 {
			t.Fatalf("reply: %d", res.StatusCode)
		}
		if res, page := u.get("/supervisions/" + id); res.StatusCode != 200 || !strings.Contains(page, "已从县医院调配药品，周三到位") || strings.Contains(page, `id="reply-form"`) {
			t.Errorf("answered page: %d", res.StatusCode)
		}
		c := a.browser()
		c.login("cadre", sqldbtest.Password)
		res, page = c.post("/supervisions/"+id+"/reply", url.Values{"text": {"再报一次"}, "version": {"2"}})
		if res.StatusCode != 409 || !strings.Contains(page, "不能重复回复") {
			t.Errorf("second reply: %d", res.StatusCode)
		}
		c5 := a.browser()
		c5.login("cadre5", sqldbtest.Password)
		if res, page := c5.post("/supervisions/"+id+"/reply", url.Values{"text": {"代为回复"}, "version": {"2"}}); res.StatusCode != 403 || !hasHan(page) {
			t.Errorf("reply by another cadre: %d", res.StatusCode)
		}
	})
}
