package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/xlsx"
)

// coverageApp is the small county with the hand-worked visits of
// sqldb/visit_coverage_test.go, the clock at the end of May 2021:
//
//	cadre 2: household 1 (key_group) on 05-10, topics 0 and 1, one problem;
//	         household 2 (untagged) on 05-12, topic 0;
//	         household 3 on 04-20, before the window, topic 2, one problem;
//	cadre 6: household 5 (conflict) on 05-15, recorded by the unit admin;
//	cadre 5: household 11 (key_group) on 05-20, topic 2, two problems.
//
// In May: 三必访 conflict 2/1, key_group 3/2, representative 2/0, any 7/3;
// missed 6, 10, 16, 20; 4 visits, 3 problems; 20 households, 8 linked.
func coverageApp(t *testing.T, db *sqldb.DB) (*app, []*sanlian.Topic) {
	t.Helper()
	a := newApp(t, db)
	now := time.Date(2021, 5, 31, 18, 0, 0, 0, sanlian.Shanghai)
	db.Now = func() time.Time { return now }
	users := map[string]*sanlian.User{}
	for _, name := range []string{"office", "unitadmin", "cadre", "cadre5"} {
		_, u, err := db.Accounts.Login(context.Background(), name, sqldbtest.Password, "api")
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	ts, err := db.Work.CreateTopics(sqldbtest.As(users["office"]), []sanlian.TopicInput{
		{Category: "employment", Question: "家里有没有劳动力外出务工？就业有什么困难？"},
		{Category: "social_health", Question: "医保报销顺不顺利？看病远不远？"},
		{Category: "transport", Question: "通组公路好不好走？"},
	})
	if err != nil {
		t.Fatal(err)
	}
	visit := func(user string, h int64, date string, topics []int64, problems int, visitors ...int64) {
		t.Helper()
		in := &sanlian.VisitInput{Kind: sanlian.VisitHousehold, Date: date, HouseholdID: h, Topics: topics,
			Findings: "了解情况", Visitors: visitors}
		for range problems {
			in.Problems = append(in.Problems, sanlian.VisitProblem{Category: "transport", Description: "通组公路坑洼不平"})
		}
		if _, _, err := db.Work.CreateVisit(sqldbtest.As(users[user]), in, ""); err != nil {
			t.Fatal(err, sanlian.ErrorFields(err))
		}
	}
	visit("cadre", 1, "2021-05-10", []int64{ts[0].ID, ts[1].ID}, 1)
	visit("cadre", 2, "2021-05-12", []int64{ts[0].ID}, 0)
	visit("cadre", 3, "2021-04-20", []int64{ts[2].ID}, 1)
	visit("unitadmin", 5, "2021-05-15", nil, 0, 6)
	visit("cadre5", 11, "2021-05-20", []int64{ts[2].ID}, 2)
	return a, ts
}

func TestVisitCoverageAPI(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, _ := coverageApp(t, db)
		get := func(user, query string) (*http.Response, string) {
			t.Helper()
			return a.do("GET", "/api/v1/coverage?"+query, a.token(user), "")
		}
		t.Run("OK", func(t *testing.T) {
			for _, window := range []string{"2021-05", "2021-05-01..2021-05-31"} {
				res, body := get("office", "window="+window+"&scope=county")
				if res.StatusCode != 200 {
					t.Fatalf("%s: %d %s", window, res.StatusCode, body)
				}
				cov := decode[sanlian.VisitCoverage](t, body)
				want := map[string][2]int{"conflict": {2, 1}, "key_group": {3, 2}, "representative": {2, 0}, "any": {7, 3}}
				for _, k := range cov.MustVisit {
					if got := [2]int{k.Total, k.Visited}; got != want[k.Kind] {
						t.Errorf("%s: must-visit %s = %v, want %v", window, k.Kind, got, want[k.Kind])
					}
				}
				var missed []int64
				for _, m := range cov.Missed {
					missed = append(missed, m.Household.ID)
					if !strings.Contains(m.Household.IDNumber, "*") || !strings.Contains(m.Household.Phone, "*") {
						t.Errorf("household %d not masked: %q %q", m.Household.ID, m.Household.IDNumber, m.Household.Phone)
					}
				}
				if !slices.Equal(missed, []int64{6, 10, 16, 20}) {
					t.Errorf("missed %v", missed)
				}
				if cov.Window != (sanlian.Window{From: "2021-05-01", To: "2021-05-31"}) || cov.Visits != 4 || cov.Problems != 3 ||
					cov.Households != 20 || cov.HouseholdsLinked != 8 || cov.VillagesWithoutUnit != 1 || cov.TownshipsWithoutLeader != 1 ||
					cov.CadresWithoutVisit != 2 || len(cov.Topics) != 3 {
					t.Errorf("%s: %+v", window, cov)
				}
			}
		})
		t.Run("HalfMonthAndTownship", func(t *testing.T) {
			_, body := get("office", "window=2021-05-H1")
			if cov := decode[sanlian.VisitCoverage](t, body); cov.Visits != 3 || cov.Window.To != "2021-05-15" {
				t.Errorf("first half of May: %d visits, window %v", cov.Visits, cov.Window)
			}
			_, body = get("office", "window=2021-05&scope=township:"+sqldbtest.Dongping)
			cov := decode[sanlian.VisitCoverage](t, body)
			if any := cov.MustVisit[3]; any.Total != 4 || any.Visited != 2 || cov.Visits != 3 || cov.Households != 10 || cov.Scope.ID != sqldbtest.Dongping {
				t.Errorf("township: %+v", cov)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, q := range []string{"window=2021-13", "window=2021-05-31..2021-05-01", "window=2020-01-01..2021-12-31",
				"scope=galaxy", "scope=township:", "scope=township:东坪", "scope=unit:abc", "scope=cadre:-1", "scope=county:1"} {
				res, body := get("office", q)
				p := decode[problem](t, body)
				if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || !hasHan(p.Detail) {
					t.Errorf("%s: %d %s", q, res.StatusCode, body)
				}
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			// A cadre asking for another cadre, a leader for a township not theirs.
			if res, body := get("cadre", "scope=cadre:5&window=2021-05"); res.StatusCode != 404 {
				t.Errorf("cadre 2 asking for cadre 5: %d %s", res.StatusCode, body)
			}
			if res, body := get("leader", "scope=township:"+sqldbtest.Meicheng+"&window=2021-05"); res.StatusCode != 404 {
				t.Errorf("leader asking for 梅城镇: %d %s", res.StatusCode, body)
			}
			res, body := get("cadre", "scope=cadre:2&window=2021-05")
			if cov := decode[sanlian.VisitCoverage](t, body); res.StatusCode != 200 || cov.Visits != 2 {
				t.Errorf("cadre 2 on self: %d %s", res.StatusCode, body)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			if res, _ := get("sysadmin", "window=2021-05"); res.StatusCode != 403 {
				t.Errorf("sysadmin: %d", res.StatusCode)
			}
		})
		t.Run("ListFilters", func(t *testing.T) {
			ids := func(path string) []int64 {
				t.Helper()
				res, body := a.do("GET", path, a.token("office"), "")
				if res.StatusCode != 200 {
					t.Fatalf("%s: %d %s", path, res.StatusCode, body)
				}
				var out struct{ Items []struct{ ID int64 } }
				json.Unmarshal([]byte(body), &out)
				var got []int64
				for _, x := range out.Items {
					got = append(got, x.ID)
				}
				return got
			}
			if got := ids("/api/v1/households?tag=any&visited=no&visited_from=2021-05-01&visited_to=2021-05-31"); !slices.Equal(got, []int64{6, 10, 16, 20}) {
				t.Errorf("missed households %v", got)
			}
			if got := ids("/api/v1/households?visited=yes&visited_from=2021-04-01&visited_to=2021-04-30"); !slices.Equal(got, []int64{3}) {
				t.Errorf("April's households %v", got)
			}
			for q, want := range map[string]int{
				"visit_from=2021-05-01&visit_to=2021-05-31":                                3,
				"visit_from=2021-05-01&visit_to=2021-05-31&visit_cadre_id=5":               2,
				"visit_from=2021-05-01&visit_to=2021-05-31&visit_unit_id=1":                1,
				"visit_from=2021-04-01&visit_to=2021-04-30":                                1,
				"visit_from=2021-05-01&visit_to=2021-05-31&township=" + sqldbtest.Dongping: 1,
			} {
				if got := ids("/api/v1/problems?" + q); len(got) != want {
					t.Errorf("problems?%s: %d, want %d", q, len(got), want)
				}
			}
			for _, q := range []string{"/api/v1/households?visited=maybe", "/api/v1/households?visited=yes&visited_from=2021-5-1",
				"/api/v1/problems?visit_from=yesterday"} {
				if res, body := a.do("GET", q, a.token("office"), ""); res.StatusCode != 400 {
					t.Errorf("%s: %d %s", q, res.StatusCode, body)
				}
			}
		})
	})
}

// hrefs returns the page's link targets, unescaped.
func hrefs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func hasLink(body, want string) bool { return slices.Contains(hrefs(body), want) }

func TestVisitCoveragePage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, ts := coverageApp(t, db)
		b := a.browser()
		b.login("office", sqldbtest.Password)
		const may = "visited_from=2021-05-01&visited_to=2021-05-31"
		res, body := b.get("/coverage/visits?from=2021-05-01&to=2021-05-31")
		if res.StatusCode != 200 {
			t.Fatalf("page: %d %s", res.StatusCode, body)
		}
		for _, want := range []string{
			"/households?tag=conflict&visited=yes&" + may,
			"/households?tag=key_group&visited=no&" + may,
			"/households?tag=any",
			"/households?tag=any&visited=no&" + may, // 查看全部
			"/households?linked=no",
			"/coverage#villages",
			"/visits?from=2021-05-01&to=2021-05-31",
			"/problems?visit_from=2021-05-01&visit_to=2021-05-31",
			"/visits?cadre_id=2&from=2021-05-01&to=2021-05-31",
			"/problems?visit_cadre_id=5&visit_from=2021-05-01&visit_to=2021-05-31",
			"/visits?from=2021-05-01&to=2021-05-31&unit_id=4",
			"/problems?visit_from=2021-05-01&visit_to=2021-05-31&visit_unit_id=4",
			fmt.Sprintf("/visits?from=2021-05-01&to=2021-05-31&topic_id=%d", ts[2].ID),
			"/coverage/visits.xlsx?from=2021-05-01&to=2021-05-31",
		} {
			if !hasLink(body, want) {
				t.Errorf("no link to %s", want)
			}
		}
		// The missed list, with the linked cadres, masked; the idle cadres marked.
		for _, want := range []string{"杨户6", "刘芳", "杨户16", "查看全部", "通组公路好不好走？", "交通出行", `class="idle"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(body, sqldbtest.SmallCounty().Households[5].IDNumber) {
			t.Error("page shows a whole ID number")
		}

		// A number's link gives the list it counts: 2 key-group households visited.
		res, body = b.get("/households?tag=key_group&visited=yes&" + may)
		if n := strings.Count(body, `<tr><td><a href="/households/`); res.StatusCode != 200 || n != 2 {
			t.Errorf("visited key-group households: %d rows (%d)", n, res.StatusCode)
		}
		if !strings.Contains(body, "走访期间 2021-05-01–2021-05-31：已走访") || !strings.Contains(body, `name="visited" value="yes"`) ||
			!strings.Contains(body, `name="visited_from" value="2021-05-01"`) {
			t.Error("households page does not show and keep the visit filter")
		}

		// Scoped to a township, the links carry it.
		_, body = b.get("/coverage/visits?from=2021-05-01&to=2021-05-31&township=" + sqldbtest.Dongping)
		for _, want := range []string{
			"/households?tag=any&township=" + sqldbtest.Dongping + "&visited=no&" + may,
			"/visits?from=2021-05-01&to=2021-05-31&township=" + sqldbtest.Dongping,
			"/problems?township=" + sqldbtest.Dongping + "&visit_from=2021-05-01&visit_to=2021-05-31",
		} {
			if !hasLink(body, want) {
				t.Errorf("township page: no link to %s", want)
			}
		}
		if !strings.Contains(body, "东坪镇 · 2021-05-01 至 2021-05-31") {
			t.Error("township page does not name its scope")
		}

		// Sorted by fewest visits, the idle cadres come first.
		_, body = b.get("/coverage/visits?from=2021-05-01&to=2021-05-31&sort=visits_asc")
		if i, j := strings.Index(body, "张华"), strings.Index(body, "李明</a>"); i < 0 || j < 0 || i > j {
			t.Errorf("idle 张华 at %d, busy 李明 at %d", i, j)
		}

		// The default window is the current month; every role in the policy sees the page.
		for _, user := range []string{"office", "leader", "unitadmin", "cadre"} {
			b := a.browser()
			b.login(user, sqldbtest.Password)
			if res, body := b.get("/coverage/visits"); res.StatusCode != 200 || !strings.Contains(body, "走访覆盖") {
				t.Errorf("%s: %d", user, res.StatusCode)
			}
		}
		for _, q := range []string{"from=2021-05-31&to=2021-05-01", "from=2021-05-01", "cadre_id=x"} {
			if res, _ := b.get("/coverage/visits?" + q); res.StatusCode != 400 {
				t.Errorf("%s: %d", q, res.StatusCode)
			}
		}
	})
}

func TestVisitCoverageExport(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, _ := coverageApp(t, db)
		b := a.browser()
		b.login("office", sqldbtest.Password)
		res, body := b.get("/coverage/visits.xlsx?from=2021-05-01&to=2021-05-31")
		if res.StatusCode != 200 {
			t.Fatalf("export: %d %s", res.StatusCode, body)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("content type %q", ct)
		}
		want := "filename*=UTF-8''" + strings.ReplaceAll(url.PathEscape("走访覆盖-2021-05-01-2021-05-31.xlsx"), "%2D", "-")
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, want) {
			t.Errorf("content disposition %q, want %q", cd, want)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheets := []string{xlsx.CoverageSheetMustVisit, xlsx.CoverageSheetMissed, xlsx.CoverageSheetUnits, xlsx.CoverageSheetCadres, xlsx.CoverageSheetTopics}
		if got := f.GetSheetList(); !slices.Equal(got, sheets) {
			t.Fatalf("sheets %v, want %v", got, sheets)
		}
		rows, _ := f.GetRows(xlsx.CoverageSheetMustVisit)
		if len(rows) < 7 || !strings.Contains(rows[0][0], "全县") || rows[1][0] != "类别" ||
			!slices.Equal(rows[2], []string{"矛盾问题户", "2", "1", "1", "50.0%"}) || !slices.Equal(rows[5], []string{"合计（任一类）", "7", "3", "4", "42.9%"}) {
			t.Errorf("三必访 sheet: %q", rows)
		}
		rows, _ = f.GetRows(xlsx.CoverageSheetMissed)
		if len(rows) != 6 || rows[2][1] != "杨户6" || rows[2][5] != "刘芳" {
			t.Errorf("missed sheet: %q", rows)
		}
		rows, _ = f.GetRows(xlsx.CoverageSheetCadres)
		if len(rows) != 7 {
			t.Errorf("cadres sheet: %q", rows)
		}
		rows, _ = f.GetRows(xlsx.CoverageSheetTopics)
		if len(rows) != 5 || rows[1][2] != "领域" {
			t.Errorf("topics sheet: %q", rows)
		}
		for _, sh := range sheets {
			pl, err := f.GetPageLayout(sh)
			if err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.Size == nil || *pl.Size != 9 {
				t.Errorf("%s: page layout %+v %v", sh, pl, err)
			}
		}
		if res, _ := b.get("/coverage/visits.xlsx?from=2021-05-01&to=nope"); res.StatusCode != 400 {
			t.Errorf("bad window: %d", res.StatusCode)
		}
	})
}

func TestLeaderPage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, _ := coverageApp(t, db)
		b := a.browser()
		b.login("leader", sqldbtest.Password)
		const q = "from=2021-05-01&to=2021-05-31"
		// The leader sees 东坪镇 only, whatever cadre_id says.
		for _, path := range []string{"/leader?" + q, "/leader?" + q + "&cadre_id=5"} {
			res, body := b.get(path)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, res.StatusCode, body)
			}
			if !strings.Contains(body, `id="township-`+sqldbtest.Dongping+`"`) || strings.Contains(body, "梅城镇") ||
				strings.Contains(body, `id="township-`+sqldbtest.Meicheng+`"`) {
				t.Errorf("%s: not 东坪镇 alone", path)
			}
			// Visits 1, 2 and 5 in May; must-visit 1 and 5 of 1, 5, 6, 10; problems of
			// households 1 and 3 open; units 1 and 3 at work.
			for _, want := range []string{"<b>3</b><span>走访次数</span>", "三必访已走访 2/4 户", "<b>2</b><span>在办问题</span>", "县民政局", "东坪镇人民政府"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", path, want)
				}
			}
			for _, want := range []string{
				"/visits?from=2021-05-01&to=2021-05-31&township=" + sqldbtest.Dongping,
				"/households?tag=any&township=" + sqldbtest.Dongping + "&visited=no&visited_from=2021-05-01&visited_to=2021-05-31",
				"/problems?open=1&township=" + sqldbtest.Dongping,
				"/problems?overdue=yes&township=" + sqldbtest.Dongping,
				"/visits?from=2021-05-01&to=2021-05-31&unit_id=1",
			} {
				if !hasLink(body, want) {
					t.Errorf("%s: no link to %s", path, want)
				}
			}
		}
		if _, body := b.get("/"); !strings.Contains(body, `href="/leader"`) {
			t.Error("no 联系乡镇 in the leader's menu")
		}

		// The office picks a leader.
		ob := a.browser()
		ob.login("office", sqldbtest.Password)
		if res, body := ob.get("/leader?" + q); res.StatusCode != 200 || !hasLink(body, "/leader?cadre_id=1&"+q) {
			t.Errorf("office's choice of leader: %d", res.StatusCode)
		}
		if res, body := ob.get("/leader?cadre_id=1&" + q); res.StatusCode != 200 || !strings.Contains(body, `id="township-`+sqldbtest.Dongping+`"`) {
			t.Errorf("office on leader 1: %d", res.StatusCode)
		}
		cb := a.browser()
		cb.login("cadre", sqldbtest.Password)
		if res, _ := cb.get("/leader"); res.StatusCode != 403 {
			t.Errorf("cadre on /leader: %d", res.StatusCode)
		}
	})
}
