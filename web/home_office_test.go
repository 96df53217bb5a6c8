package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// figRE finds a workbench figure: a number linking to its list.
var figRE = regexp.MustCompile(`<a class="fig[^"]*" href="([^"]+)">(\d+)</a>`)

// listRowMarks is what each item of a linked list starts with, by path.
var listRowMarks = map[string]string{
	"/problems":            `<td class="mono nowrap"><a href="/problems/`,
	"/assessment/problems": `<td class="mono nowrap"><a href="/problems/`,
	"/supervisions":        `<tr data-id="`,
	"/self-criticisms":     `<tr data-id="`,
	"/households":          `<tr><td><a href="/households/`,
	"/projects":            `<td><a href="/projects/`,
}

// checkFigures fetches the list behind every figure of page and compares
// its length with the figure; it returns how many figures were nonzero.
func checkFigures(t *testing.T, b *browser, page string) (figures, nonzero int) {
	t.Helper()
	for _, m := range figRE.FindAllStringSubmatch(page, -1) {
		link := html.UnescapeString(m[1])
		var want int
		fmt.Sscan(m[2], &want)
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("figure link %q: %v", link, err)
		}
		mark, ok := listRowMarks[u.Path]
		if !ok {
			t.Errorf("figure %d links to %s, a list the test does not know", want, link)
			continue
		}
		q := u.Query()
		if u.Path != "/self-criticisms" && u.Path != "/assessment/problems" {
			q.Set("limit", "500")
		}
		res, list := b.get(u.Path + "?" + q.Encode())
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", link, res.StatusCode)
			continue
		}
		if got := strings.Count(list, mark); got != want {
			t.Errorf("figure %d, but %s lists %d", want, link, got)
		}
		figures++
		if want > 0 {
			nonzero++
		}
	}
	return figures, nonzero
}

// workbenchCounty plays a few weeks: problems entered forty days ago in
// 东坪镇 (a leader's township) and 梅城镇 (no leader's), some left waiting,
// some handled past their deadline until the cards turned red, one
// resolved; and two service projects left without progress. It returns the
// 梅城镇 problem under a red card.
func workbenchCounty(t *testing.T, a *app, db *sqldb.DB) apiProblem {
	t.Helper()
	base := time.Now().AddDate(0, 0, -40)
	db.Now = func() time.Time { return base }
	defer func() { db.Now = time.Now }()
	office, cadre := a.token("office"), a.token("cadre")
	a.createProblem(office, sqldbtest.VillageA, "村口水渠堵塞", "村口水渠堵塞，雨天漫上路面")
	a.createProblem(office, sqldbtest.VillageC, "梅城村小路灯不亮", "梅城村小门口路灯不亮")
	handled := func(village, title string, unit, person int64, token string) apiProblem {
		p := a.createProblem(office, village, title, title+"，群众多次反映")
		code, out, p := a.problemAct(office, p, "assign", fmt.Sprintf(`,"unit_id":%d,"person_id":%d`, unit, person))
		if code != 200 {
			t.Fatalf("assign: %d %s", code, out)
		}
		if code, out, p = a.problemAct(token, p, "accept", ""); code != 200 {
			t.Fatalf("accept: %d %s", code, out)
		}
		return p
	}
	handled(sqldbtest.VillageA, "东坪敬老院屋顶漏雨", 1, 2, cadre)
	handled(sqldbtest.VillageB, "酉州村道塌方", 1, 2, cadre)
	mei := handled(sqldbtest.VillageC, "梅城桥梁护栏损坏", 4, 5, a.token("cadre5"))
	done := handled(sqldbtest.VillageA, "东坪低保复核", 1, 2, cadre)
	if code, out, _ := a.problemAct(cadre, done, "resolve", `,"measures":"已上门复核","result":"已纳入低保"`); code != 200 {
		t.Fatalf("resolve: %d %s", code, out)
	}
	for _, p := range []struct{ unit, title string }{{"3", "东坪镇便民服务代办"}, {"4", "梅城镇适老化改造"}} {
		res, out := a.do("POST", "/api/v1/projects", office, fmt.Sprintf(`{"unit_id":%s,"title":%q,"start_date":%q,"end_date":%q,"status":"ongoing","target":100,"measure":"户"}`,
			p.unit, p.title, base.Format("2006-01-02"), base.AddDate(0, 2, 0).Format("2006-01-02")))
		if res.StatusCode != 201 {
			t.Fatalf("project: %d %s", res.StatusCode, out)
		}
	}
	// The daily job: yellow cards past the deadlines, red ten days on.
	for _, days := range []int{25, 35} {
		at := base.AddDate(0, 0, days)
		db.Now = func() time.Time { return at }
		if _, err := db.RunDue(context.Background(), at); err != nil {
			t.Fatal(err)
		}
	}
	return mei
}

func TestHomeOffice(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		workbenchCounty(t, a, db)
		a.createProblem(a.login("office"), sqldbtest.VillageB, "今天来电：酉州停水", "酉州村停水两天")
		b := a.browser()
		b.login("office", sqldbtest.Password)
		res, page := b.get("/")
		if res.StatusCode != 200 {
			t.Fatalf("home: %d", res.StatusCode)
		}
		for _, id := range []string{"home-notices", "intake-panel", "due-panel", "cards-panel", "crit-panel", "half-panel"} {
			if !strings.Contains(page, `id="`+id+`"`) {
				t.Errorf("no panel %s", id)
			}
		}
		for _, s := range []string{"走访收集", "派单期限", "县民政局", "梅城镇人民政府", "红牌督办中", "逾期未交", "按期办结率"} {
			if !strings.Contains(page, s) {
				t.Errorf("home lacks %q", s)
			}
		}
		n, nonzero := checkFigures(t, b, page)
		if n < 20 || nonzero < 7 {
			t.Errorf("%d figures, %d nonzero: the county played too little", n, nonzero)
		}
	})
}

func TestHomeLeader(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		mei := workbenchCounty(t, a, db)
		b := a.browser()
		b.login("leader", sqldbtest.Password)
		res, page := b.get("/")
		if res.StatusCode != 200 {
			t.Fatalf("home: %d", res.StatusCode)
		}
		for _, id := range []string{"home-notices", "townships-panel", "coverage-panel", "red-panel", "projects-panel"} {
			if !strings.Contains(page, `id="`+id+`"`) {
				t.Errorf("no panel %s", id)
			}
		}
		if !strings.Contains(page, "东坪镇") || !strings.Contains(page, "东坪镇便民服务代办") || !strings.Contains(page, "东坪敬老院屋顶漏雨") {
			t.Errorf("the leader's township is missing")
		}
		// A red card on a problem still waiting for dispatch has no 督办:
		// a notice needs a responsible unit.
		if !strings.Contains(page, "村口水渠堵塞") || !strings.Contains(page, "尚未交办，待县办派单") ||
			strings.Count(page, `class="supervise-form"`) != 2 {
			t.Errorf("red cards: %d 督办 forms", strings.Count(page, `class="supervise-form"`))
		}
		// Nothing of 梅城镇: not the township, its units, problems or projects.
		for _, s := range []string{"梅城", mei.Number, sqldbtest.Meicheng} {
			if strings.Contains(page, s) {
				t.Errorf("the leader's home shows %q", s)
			}
		}
		// The office sees the 梅城镇 red card the leader does not.
		o := a.browser()
		o.login("office", sqldbtest.Password)
		if _, p := o.get("/problems?card=red&limit=500"); !strings.Contains(p, mei.Number) {
			t.Errorf("梅城镇's red card is not in the office's list")
		}
		n, nonzero := checkFigures(t, b, page)
		if n < 7 || nonzero < 6 {
			t.Errorf("%d figures, %d nonzero", n, nonzero)
		}
	})
}

// formRE reads the 督办 form of one red-card problem on the leader's home.
var formRE = regexp.MustCompile(`(?s)<form method="post" action="/supervisions" class="supervise-form">(.*?)</form>`)

func TestHomeLeader_Supervise(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		workbenchCounty(t, a, db)
		b := a.browser()
		b.login("leader", sqldbtest.Password)
		_, page := b.get("/")
		// Click 1 opens the prefilled form.
		m := formRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no 督办 form on a red-card problem")
		}
		form := url.Values{}
		for _, f := range regexp.MustCompile(`<input type="(?:hidden|date)" name="([a-z_]+)"[^>]*value="([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
			form.Set(f[1], html.UnescapeString(f[2]))
		}
		text := regexp.MustCompile(`(?s)<textarea name="text"[^>]*>(.*?)</textarea>`).FindStringSubmatch(m[1])
		if text == nil {
			t.Fatal("no text")
		}
		form.Set("text", html.UnescapeString(text[1]))
		if form.Get("target_kind") != "problem" || form.Get("target_id") == "" || form.Get("reply_due") < time.Now().In(sanlian.Shanghai).Format("2006-01-02") ||
			!strings.Contains(form.Get("text"), "红牌督办") || !strings.Contains(form.Get("text"), "县民政局") {
			t.Fatalf("prefilled form: %v", form)
		}
		if !strings.Contains(m[1], "<summary") && !strings.Contains(page, `<summary aria-label="督办：`) {
			t.Error("no 督办 button")
		}
		// The leader edits the text; click 2 sends it.
		form.Set("text", form.Get("text")+"请县民政局局长亲自督办。")
		a.auditRows() // the auditor's login is audited too
		audit := a.auditRows()
		res, _ := b.post("/supervisions", form)
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/supervisions/") {
			t.Fatalf("submit: %d %s", res.StatusCode, loc)
		}
		if n := a.auditRows(); n != audit+1 {
			t.Errorf("audit rows %d, want %d", n, audit+1)
		}
		got := a.supervisions(a.token("leader"), "unanswered=1")
		if len(got) != 1 || got[0].Level != sanlian.LevelNotice || fmt.Sprint(got[0].TargetID) != form.Get("target_id") ||
			got[0].ReplyDue != form.Get("reply_due") || got[0].UnitID != 1 {
			t.Fatalf("notices: %+v", got)
		}
		if _, p := b.get(strings.SplitN(loc, "?", 2)[0]); !strings.Contains(p, "请县民政局局长亲自督办。") {
			t.Error("the notice lost the leader's edit")
		}
		// A cross-site post is refused.
		res, _ = b.post("/supervisions", form, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if res.StatusCode != 403 {
			t.Errorf("cross-site post: %d", res.StatusCode)
		}
	})
}

// TestProblemPage_Supervise: the two-click 督办 of a leader's workbench is
// on the red-card problem's own page too, for the office and the leader,
// and not for the unit that answers it.
func TestProblemPage_Supervise(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		workbenchCounty(t, a, db)
		b := a.browser()
		b.login("leader", sqldbtest.Password)
		_, home := b.get("/")
		m := formRE.FindStringSubmatch(home)
		if m == nil {
			t.Fatal("no red-card problem on the leader's workbench")
		}
		id := regexp.MustCompile(`name="target_id" value="(\d+)"`).FindStringSubmatch(m[1])
		if id == nil {
			t.Fatal("no target id")
		}
		for user, want := range map[string]bool{"leader": true, "office": true, "unitadmin": false} {
			b := a.browser()
			b.login(user, sqldbtest.Password)
			res, page := b.get("/problems/" + id[1])
			if res.StatusCode != 200 {
				t.Fatalf("%s: problem page %d", user, res.StatusCode)
			}
			got := strings.Contains(page, `id="supervise-panel"`) && strings.Contains(page, `name="target_id" value="`+id[1]+`"`) &&
				strings.Contains(page, "红牌督办")
			if got != want {
				t.Errorf("%s: 督办 on the problem page %v, want %v", user, got, want)
			}
		}
	})
}
