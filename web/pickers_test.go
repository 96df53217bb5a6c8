package web_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// pickerNow is the pages' clock in these tests: 2026-12-07 10:00 in
// Shanghai, inside the half-month 2026-12-H1.
var pickerNow = time.Date(2026, 12, 7, 10, 0, 0, 0, sanlian.Shanghai)

// pickerApp is an app whose pages and database run on pickerNow, with a
// browser logged in as user.
func pickerApp(t *testing.T, db *sqldb.DB, user string) (*app, *browser) {
	t.Helper()
	a := newAppConfig(t, db, web.Config{Now: func() time.Time { return pickerNow }})
	db.Now = func() time.Time { return pickerNow }
	b := a.browser()
	if res := b.login(user, sqldbtest.Password); res.StatusCode != 303 {
		t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	return a, b
}

// TestPeriodPicker_Bulletins: the office opens a bulletin by the picker's
// fields, by the code in links or by the Chinese words people type; an
// impossible period comes back with the field named and the choice kept.
func TestPeriodPicker_Bulletins(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, b := pickerApp(t, db, "office")
		for query, want := range map[string]string{
			"period_year=2026&period_month=11&period_part=H2": "/bulletins/2026-11-H2",
			"period_year=2026&period_month=12&period_part=H1": "/bulletins/2026-12-H1", // the half under way
			"period=2026-11-H1": "/bulletins/2026-11-H1",
			"period=" + url.QueryEscape("2026年11月下半月"): "/bulletins/2026-11-H2",
			"period=" + url.QueryEscape("2026年 3月上半月"): "/bulletins/2026-03-H1",
		} {
			if res, body := b.get("/bulletins?" + query); res.StatusCode != 303 || res.Header.Get("Location") != want {
				t.Errorf("%s: %d %s %s", query, res.StatusCode, res.Header.Get("Location"), body)
			}
		}
		// kept: the select that keeps the choice and its selected option
		// ("" when only the select must be there).
		for _, c := range []struct{ query, msg, keptIn, kept string }{
			{"period_year=2026&period_month=13&period_part=H1", "通报期间：月份“13”无效，应为 1 到 12 月", "period_month", "13 13月"},
			{"period=2026-13-H1", "通报期间：月份“13”无效", "period_month", "13 13月"},
			{"period_year=2027&period_month=1&period_part=H1", "通报期间：2027年1月上半月无效：2027年还没有到", "period_year", "2027 2027年"},
			{"period_year=2026&period_month=12&period_part=H2", "通报期间：2026年12月下半月还没有到，不能晚于本半月（2026年12月上半月）", "period_part", "H2 下半月"},
			{"period=" + url.QueryEscape("2026年11月"), "通报期间：2026年11月无效：此处按半月选择", "period_month", "11 11月"},
			{"period=" + url.QueryEscape("明年一月"), "通报期间：“明年一月”无法识别", "period_year", ""},
			{"period_year=2026&period_month=11", "通报期间：请选择上半月或下半月", "period_month", "11 11月"},
		} {
			res, body := b.get("/bulletins?" + c.query)
			doc := page(t, body)
			if res.StatusCode != 400 || !strings.Contains(fieldError(doc, "period"), c.msg) ||
				!has(doc, "#period-picker select[name="+c.keptIn+"][aria-invalid=true]") || c.kept != "" && selected(doc, c.keptIn) != c.kept {
				t.Errorf("%s: %d, want 400 with %q in the picker and %s %q kept, got %q", c.query, res.StatusCode, c.msg, c.keptIn, c.kept, selected(doc, c.keptIn))
			}
		}
		// The picker offers halves only, and opens on the last half that ended.
		_, body := b.get("/bulletins")
		doc := page(t, body)
		if selected(doc, "period_month") != "11 11月" || selected(doc, "period_part") != "H2 下半月" ||
			has(doc, "[value=M]") || has(doc, "[name=period]") {
			t.Errorf("bulletins picker:\n%s", pickerHTML(body))
		}
	})
}

// TestPeriodPicker_MetricsAndSelfCriticisms: metrics take half-months and
// whole months; the self-criticisms filter may stay empty.
func TestPeriodPicker_MetricsAndSelfCriticisms(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, b := pickerApp(t, db, "office")
		for query, label := range map[string]string{
			"period_year=2026&period_month=11&period_part=M":  "2026年11月（2026-11-01 至 2026-11-30）",
			"period_year=2026&period_month=11&period_part=H1": "2026年11月上半月（2026-11-01 至 2026-11-15）",
			"period=" + url.QueryEscape("2026年10月下半月"):        "2026年10月下半月（2026-10-16 至 2026-10-31）",
			"period=2026-09": "2026年9月（2026-09-01 至 2026-09-30）",
		} {
			if res, body := b.get("/assessment?" + query); res.StatusCode != 200 || !strings.Contains(textOf(page(t, body), "h1 small"), label) {
				t.Errorf("metrics %s: %d, want %q in the heading", query, res.StatusCode, label)
			}
		}
		_, body := b.get("/assessment")
		doc := page(t, body)
		if textOf(doc, "select[name=period_part] option[value=M]:not([selected])") != "全月" || selected(doc, "period_part") != "H1 上半月" {
			t.Errorf("metrics picker offers halves and months, on the current half:\n%s", pickerHTML(body))
		}
		for query, msg := range map[string]string{
			"period_year=2026&period_month=13&period_part=M": "统计期间：月份“13”无效",
			"period_year=2027&period_month=2&period_part=H1": "统计期间：2027年2月上半月无效：2027年还没有到",
			"period=2026-12-H2": "统计期间：2026年12月下半月还没有到",
		} {
			if res, body := b.get("/assessment?" + query); res.StatusCode != 400 || !strings.Contains(fieldError(page(t, body), "period"), msg) {
				t.Errorf("metrics %s: %d, want 400 %q", query, res.StatusCode, msg)
			}
		}
		// A configuration may take effect from a coming period; month 13 is refused beside the other fields.
		cfg := url.Values{"from_year": {"2027"}, "from_month": {"1"}, "from_part": {"M"}, "unit_kind": {"township"}, "response": {"40"}, "resolution": {"30"}, "satisfaction": {"30"},
			"commend_min_assigned": {"5"}, "commend_min_score": {"95"}, "commend_max": {"10"}, "criticise_below_score": {"80"},
			"criticise_overdue": {"3"}, "criticise_unsatisfied": {"0.2"}, "self_criticism_days": {"5"}, "yellow_after_days": {"0"}, "red_after_days": {"5"},
			"overdue_deduction": {"2"}, "deduction_cap": {"20"}, "min_volume": {"1"}}
		if res, body := b.post("/metric-configs", cfg); res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), url.QueryEscape("2027-01")) {
			t.Errorf("config from 2027-01: %d %s", res.StatusCode, pickerHTML(body))
		}
		cfg.Set("from_month", "13")
		cfg.Set("response", "50")
		// The weights' sum is checked on saving, which a refused period
		// never reaches: the words 之和须为 100 are the weights' legend, and
		// the weights come back as typed.
		if res, body := b.post("/metric-configs", cfg); res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "from"), "起始期间：月份“13”无效") ||
			!hasText(page(t, body), "form fieldset legend", "之和须为 100") || !has(page(t, body), "form input[name=response][value='50']") ||
			selected(page(t, body), "from_month") != "13 13月" {
			t.Errorf("config from month 13: %d", res.StatusCode)
		}
		// The API keeps its codes: the Chinese words are the pages' business.
		if res, _ := a.do("GET", "/api/v1/bulletins/"+url.PathEscape("2026年11月下半月"), a.token("office"), ""); res.StatusCode != 400 {
			t.Errorf("API with a Chinese period: %d", res.StatusCode)
		}
		if res, _ := b.get("/self-criticisms?period_year=2026&period_month=11&period_part=H2"); res.StatusCode != 200 {
			t.Errorf("self-criticisms by picker: %d", res.StatusCode)
		}
		if res, body := b.get("/self-criticisms?period_year=&period_month="); res.StatusCode != 200 || textOf(page(t, body), "select[name=period_month] option[value='']") != "不限" {
			t.Errorf("self-criticisms without a period: %d", res.StatusCode)
		}
		if res, body := b.get("/self-criticisms?period=" + url.QueryEscape("2026年13月上半月")); res.StatusCode != 400 || !strings.Contains(fieldError(page(t, body), "period"), "通报期间：月份“13”无效") {
			t.Errorf("self-criticisms month 13: %d", res.StatusCode)
		}
	})
}

// pickerHTML cuts the period picker out of a page, for failure messages.
func pickerHTML(body string) string {
	i := strings.Index(body, `<fieldset class="period-picker"`)
	if i < 0 {
		return "(no picker)"
	}
	j := strings.Index(body[i:], "</fieldset>")
	return body[i : i+j]
}

// TestPickers_ProblemNumber: the problems list's search box and the
// supervision form take the number people see. A number that does not
// exist and one outside the reader's scope get the same message and
// status.
func TestPickers_ProblemNumber(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, office := pickerApp(t, db, "office")
		// 东坪镇 (the leader's township) and 梅城镇 (not the leader's).
		east := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "村道塌方", "村道塌方，车辆无法通行")
		west := a.createProblem(a.token("cadre5"), sqldbtest.VillageC, "路灯不亮", "路灯不亮，夜间出行不便")
		if east.Number != "安化-2026-000001" || west.Number != "安化-2026-000002" {
			t.Fatalf("numbers %s %s", east.Number, west.Number)
		}
		for _, x := range []struct {
			p     apiProblem
			extra string
		}{{east, `,"unit_id":1,"person_id":2`}, {west, `,"unit_id":4,"person_id":5`}} {
			if code, out, _ := a.problemAct(a.token("office"), x.p, "assign", x.extra); code != 200 {
				t.Fatalf("assign: %d %s", code, out)
			}
		}

		t.Run("ProblemsSearch", func(t *testing.T) {
			for _, q := range []string{east.Number, "2026-000001", "2026-1", " 安化－２０２６－０００００１ "} {
				res, _ := office.get("/problems?q=" + url.QueryEscape(q))
				if want := "/problems/" + fmt.Sprint(east.ID); res.StatusCode != 303 || res.Header.Get("Location") != want {
					t.Errorf("q=%q: %d %s, want %s", q, res.StatusCode, res.Header.Get("Location"), want)
				}
			}
			// cadre5 sees 梅城镇's problem, not 东坪镇's.
			b := a.browser()
			b.login("cadre5", sqldbtest.Password)
			if res, _ := b.get("/problems?q=" + url.QueryEscape(west.Number)); res.StatusCode != 303 {
				t.Errorf("own number: %d", res.StatusCode)
			}
			resOut, out := b.get("/problems?q=" + url.QueryEscape(east.Number))
			resNone, none := b.get("/problems?q=" + url.QueryEscape("安化-2026-000999"))
			if resOut.StatusCode != 404 || resNone.StatusCode != resOut.StatusCode {
				t.Errorf("out of scope %d, unknown %d: want the same 404", resOut.StatusCode, resNone.StatusCode)
			}
			outDoc := page(t, out)
			if fieldError(outDoc, "q") != "没有找到编号为 安化-2026-000001 的问题" || fieldError(page(t, none), "q") != "没有找到编号为 安化-2026-000999 的问题" {
				t.Errorf("messages differ from 没有找到编号为 … 的问题")
			}
			if strings.Contains(out, "村道塌方") || strings.Contains(out, "无权") {
				t.Errorf("the answer tells of the problem outside the scope")
			}
			if !has(outDoc, `input[name=q][value="安化-2026-000001"][aria-invalid=true][aria-describedby=q-error]`) {
				t.Errorf("the typed number is not kept")
			}
			// Words are still searched as words.
			if res, body := b.get("/problems?q=" + url.QueryEscape("路灯")); res.StatusCode != 200 || textOf(page(t, body), "table#problems tbody tr td:first-child a") != west.Number {
				t.Errorf("text search: %d", res.StatusCode)
			}
		})

		t.Run("SupervisionForm", func(t *testing.T) {
			leader := a.browser()
			leader.login("leader", sqldbtest.Password)
			form := func(target string) url.Values {
				return url.Values{"target_kind": {"problem"}, "target": {target}, "target_id": {""}, "text": {"请于三日内报告进展"}, "reply_due": {"2026-12-20"}}
			}
			resOut, out := leader.post("/supervisions", form(west.Number))
			resNone, none := leader.post("/supervisions", form("安化-2026-000999"))
			if resOut.StatusCode != 422 || resNone.StatusCode != resOut.StatusCode {
				t.Errorf("out of scope %d, unknown %d: want the same 422", resOut.StatusCode, resNone.StatusCode)
			}
			if fieldError(page(t, out), "target") != "没有找到编号为 安化-2026-000002 的问题" || fieldError(page(t, none), "target") != "没有找到编号为 安化-2026-000999 的问题" {
				t.Errorf("messages differ from 没有找到编号为 … 的问题")
			}
			if !has(page(t, out), `input[name=target][value="安化-2026-000002"][aria-invalid=true]`) || textOf(page(t, out), "textarea[name=text]") != "请于三日内报告进展" {
				t.Errorf("what was typed is not kept")
			}
			res, body := leader.post("/supervisions", form("2026-000001"))
			if res.StatusCode != 303 {
				t.Fatalf("by number: %d %s", res.StatusCode, body)
			}
			// A suggestion's value: the number and the title.
			res, _ = office.post("/supervisions", form(west.Number+" 路灯不亮"))
			if res.StatusCode != 303 {
				t.Fatalf("by suggestion: %d", res.StatusCode)
			}
			for _, tc := range []struct{ tok, want string }{{a.token("leader"), east.Number}, {a.token("office"), west.Number}} {
				got := false
				for _, x := range a.supervisions(tc.tok, "") {
					got = got || strings.HasPrefix(x.TargetRef, tc.want)
				}
				if !got {
					t.Errorf("no notice on %s", tc.want)
				}
			}
			if res, body := leader.post("/supervisions", form("村道")); res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "target"), "“村道”不是问题编号") {
				t.Errorf("words without a choice: %d", res.StatusCode)
			}
			// An id left from a suggestion of another kind is not taken for a problem's.
			stale := form("农村妇女两癌筛查")
			stale.Set("target_id", fmt.Sprint(east.ID))
			if res, body := leader.post("/supervisions", stale); res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "target"), "不是问题编号") {
				t.Errorf("stale id: %d", res.StatusCode)
			}
			// A link from a problem's page fills the picker with its number.
			if _, body := office.get(fmt.Sprintf("/supervisions?target_kind=problem&target_id=%d", west.ID)); !has(page(t, body), `input[name=target][value="安化-2026-000002 路灯不亮"]`) {
				t.Errorf("link does not fill the picker")
			}
		})

		t.Run("ResponsibilitySource", func(t *testing.T) {
			admin := a.browser()
			admin.login("unitadmin", sqldbtest.Password)
			form := func(ref string) url.Values {
				return url.Values{"task": {"修复村道"}, "unit_id": {"1"}, "source": {"problem"}, "source_ref": {ref}, "source_id": {""},
					"person_id": {"2"}, "deadline": {"2026-12-31"}, "state": {"pending"}}
			}
			resOut, out := admin.post("/responsibilities", form(west.Number))
			resNone, none := admin.post("/responsibilities", form("安化-2026-000999"))
			if resOut.StatusCode != 422 || resNone.StatusCode != resOut.StatusCode ||
				!strings.Contains(fieldError(page(t, out), "source_ref"), "没有找到编号为 安化-2026-000002 的问题") || !strings.Contains(fieldError(page(t, none), "source_ref"), "没有找到编号为 安化-2026-000999 的问题") {
				t.Errorf("out of scope %d, unknown %d: want the same 422 and message", resOut.StatusCode, resNone.StatusCode)
			}
			// The number found the unit's own problem, which is on its list already.
			if res, body := admin.post("/responsibilities", form(east.Number)); res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "source_ref"), "该问题已交办给本单位") {
				t.Errorf("source by number: %d", res.StatusCode)
			}
		})

		t.Run("Suggestions", func(t *testing.T) {
			_, body := office.get("/suggest/problems?q=" + url.QueryEscape("2026-2"))
			if !has(page(t, body), `option[value="安化-2026-000002 路灯不亮"][data-id="`+fmt.Sprint(west.ID)+`"]`) {
				t.Errorf("office by number: %s", body)
			}
			b := a.browser()
			b.login("cadre5", sqldbtest.Password)
			if _, body := b.get("/suggest/problems?q=" + url.QueryEscape(east.Number)); has(page(t, body), "option") {
				t.Errorf("cadre5 is offered a problem outside the scope: %s", body)
			}
			if _, body := b.get("/suggest/problems?q=" + url.QueryEscape("村道")); has(page(t, body), "option") {
				t.Errorf("cadre5 is offered a problem outside the scope by words: %s", body)
			}
			if _, body := office.get("/suggest/targets?field=target&target_kind=problem&target=" + url.QueryEscape("村道")); !has(page(t, body), `option[value^="`+east.Number+`"]`) {
				t.Errorf("targets by words: %s", body)
			}
		})
	})
}

// TestPickers_Cadres: the coverage report's cadre filter takes a name;
// namesakes must be told apart by their unit; suggestions stay in the
// reader's scope and show no phone.
func TestPickers_Cadres(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a, office := pickerApp(t, db, "office")
		// A second 李明, in 东坪镇人民政府 (unit 3).
		res, body := a.do("POST", "/api/v1/cadres", a.token("office"), `{"name":"李明","unit_id":3,"post":"干事","phone":"13900000099"}`)
		if res.StatusCode != 201 {
			t.Fatalf("namesake: %d %s", res.StatusCode, body)
		}
		namesake := decode[struct{ ID int64 }](t, body).ID

		cov := func(b *browser, name string) (int, string) {
			res, body := b.get("/coverage/visits?from=2026-11-01&to=2026-11-30&cadre=" + url.QueryEscape(name) + "&cadre_id=")
			return res.StatusCode, body
		}
		if code, body := cov(office, "李明"); code != 400 || fieldError(page(t, body), "cadre") != "有多名同名干部，请从建议中选择（显示所在单位）" ||
			!has(page(t, body), `input[name=cadre][value="李明"][aria-invalid=true][aria-describedby=cadre-error]`) {
			t.Errorf("ambiguous name: %d", code)
		}
		if code, body := cov(office, "李明（县民政局）"); code != 200 || !has(page(t, body), `input[name=cadre_id][value="2"]`) {
			t.Errorf("name with unit: %d", code)
		}
		if code, body := cov(office, "李明（东坪镇人民政府）"); code != 200 || !has(page(t, body), fmt.Sprintf(`input[name=cadre_id][value="%d"]`, namesake)) {
			t.Errorf("the namesake with unit: %d", code)
		}
		if code, body := cov(office, "刘芳"); code != 200 || !has(page(t, body), `input[name=cadre_id][value="4"]`) {
			t.Errorf("unique name: %d", code)
		}
		if code, body := cov(office, "张三"); code != 400 || !strings.Contains(fieldError(page(t, body), "cadre"), "没有找到干部“张三”") {
			t.Errorf("unknown name: %d", code)
		}
		// The chosen suggestion's id wins over a namesake.
		res, body = office.get(fmt.Sprintf("/coverage/visits?from=2026-11-01&to=2026-11-30&cadre=%s&cadre_id=%d", url.QueryEscape("李明"), namesake))
		if res.StatusCode != 200 || !has(page(t, body), fmt.Sprintf(`input[name=cadre_id][value="%d"]`, namesake)) {
			t.Errorf("chosen suggestion: %d", res.StatusCode)
		}
		// Links keep working with the id alone.
		if res, body := office.get("/coverage/visits?from=2026-11-01&to=2026-11-30&cadre_id=2"); res.StatusCode != 200 || !has(page(t, body), `input[name=cadre][value="李明（县民政局）"]`) {
			t.Errorf("link by id: %d", res.StatusCode)
		}

		// The unit admin of 县民政局 sees one 李明: no ambiguity, no other unit's cadres.
		admin := a.browser()
		admin.login("unitadmin", sqldbtest.Password)
		if code, body := cov(admin, "李明"); code != 200 || !has(page(t, body), `input[name=cadre_id][value="2"]`) {
			t.Errorf("unit admin by name: %d", code)
		}
		if code, body := cov(admin, "刘芳"); code != 400 || !strings.Contains(fieldError(page(t, body), "cadre"), "没有找到干部“刘芳”") {
			t.Errorf("unit admin, another unit's cadre: %d", code)
		}

		_, all := office.get("/suggest/cadres?q=" + url.QueryEscape("李明"))
		if allDoc := page(t, all); textOf(allDoc, `option[value="李明（县民政局）"][data-id="2"]`) != "局长" ||
			textOf(allDoc, fmt.Sprintf(`option[value="李明（东坪镇人民政府）"][data-id="%d"]`, namesake)) != "干事" {
			t.Errorf("office suggestions: %s", all)
		}
		_, mine := admin.get("/suggest/cadres?field=cadre&cadre=" + url.QueryEscape("李"))
		if mineDoc := page(t, mine); !has(mineDoc, `option[data-id="2"]`) || strings.Contains(mine, "东坪镇人民政府") || mineDoc.Find("option").Length() != 1 {
			t.Errorf("unit admin suggestions: %s", mine)
		}
		if _, none := admin.get("/suggest/cadres?q=" + url.QueryEscape("刘芳")); has(page(t, none), "option") {
			t.Errorf("unit admin is offered another unit's cadre: %s", none)
		}
		for _, body := range []string{all, mine} {
			if strings.Contains(body, "1380000") || strings.Contains(body, "1390000") || strings.Contains(body, "****") {
				t.Errorf("suggestions carry phones: %s", body)
			}
		}
		_, units := admin.get("/suggest/units?q=" + url.QueryEscape("镇"))
		if has(page(t, units), "option") {
			t.Errorf("unit admin is offered other units: %s", units)
		}
		if _, units := admin.get("/suggest/units?q=" + url.QueryEscape("救助")); !has(page(t, units), `option[value="县民政局社会救助股"][data-id="2"]`) {
			t.Errorf("unit admin's sub-unit: %s", units)
		}
		// The office names an activity's volunteers; the form comes back as typed when a name fails.
		act := func(names string) url.Values {
			return url.Values{"type": {"legal"}, "date": {"2026-12-05"}, "township": {sqldbtest.Dongping}, "village": {sqldbtest.VillageA},
				"unit_id": {"1"}, "volunteer_names": {names}, "others": {"0"}, "served": {"20"}, "description": {"送法下乡"}}
		}
		for names, msg := range map[string]string{
			"李明（县民政局），李明": "干部志愿者“李明”：有多名同名干部，请从建议中选择（显示所在单位）",
			"刘芳、张三":       "干部志愿者：没有找到干部“张三”",
			"李明（梅城镇人民政府）": "干部志愿者：没有找到干部“李明（梅城镇人民政府）”",
		} {
			res, body := office.post("/activities", act(names))
			doc := page(t, body)
			if res.StatusCode != 422 || !errorShown(doc, msg) || !has(doc, `input[name=volunteer_names][value="`+names+`"]`) || textOf(doc, "textarea[name=description]") != "送法下乡" {
				t.Errorf("volunteers %q: %d, want 422 %q with the form kept", names, res.StatusCode, msg)
			}
		}
		res, body = office.post("/activities", act("李明（县民政局），刘芳、 赵丽"))
		if res.StatusCode != 303 {
			t.Fatalf("volunteers by name: %d %s", res.StatusCode, body[strings.Index(body, "<main"):])
		}
		if _, body := a.do("GET", "/api/v1/activities", a.token("office"), ""); !strings.Contains(body, `"volunteers":[2,4,6]`) {
			t.Errorf("volunteers: %s", body)
		}
		if _, body := office.get("/suggest/cadres?multi=1&field=v&v=" + url.QueryEscape("刘芳，赵")); !has(page(t, body), `option[value="刘芳，赵丽（县民政局）"][data-id="6"]`) {
			t.Errorf("suggestions for the last of several names: %s", body)
		}
		// Accounts: the unit and the cadre by name.
		sys := a.browser()
		sys.login("sysadmin", sqldbtest.Password)
		acct := func(user, role, unit, cadre string) url.Values {
			return url.Values{"username": {user}, "role": {role}, "unit": {unit}, "unit_id": {""}, "cadre": {cadre}, "cadre_id": {""}, "password": {"password-456"}}
		}
		if res, body := sys.post("/users", acct("mzj2", "unit_admin", "县民政局", "")); res.StatusCode != 303 {
			t.Errorf("unit admin by unit name: %d %s", res.StatusCode, body)
		}
		if res, body := sys.post("/users", acct("lm2", "cadre", "", "李明")); res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "cadre"), "有多名同名干部，请从建议中选择（显示所在单位）") ||
			!has(page(t, body), `input[name=username][value="lm2"]`) {
			t.Errorf("cadre account, ambiguous name: %d", res.StatusCode)
		}
		if res, body := sys.post("/users", acct("x2", "unit_admin", "县民政", "")); res.StatusCode != 422 || !strings.Contains(fieldError(page(t, body), "unit"), "没有找到单位“县民政”") {
			t.Errorf("unit not found: %d", res.StatusCode)
		}
		if res, _ := sys.post("/users", acct("lm2", "cadre", "", "李明（东坪镇人民政府）")); res.StatusCode != 303 {
			t.Errorf("cadre account by name and unit: %d", res.StatusCode)
		}
		if _, body := a.do("GET", "/api/v1/users", a.token("sysadmin"), ""); !strings.Contains(body, fmt.Sprintf(`"cadre_id":%d`, namesake)) {
			t.Errorf("the account is not the namesake's")
		}
		// Who may ask: a cadre's suggestions are the cadre alone; the auditor none.
		aud := a.browser()
		aud.login("auditor", sqldbtest.Password)
		if res, _ := aud.get("/suggest/cadres?q=" + url.QueryEscape("李")); res.StatusCode != 403 {
			t.Errorf("auditor: %d", res.StatusCode)
		}
	})
}

// TestPeriodPicker_Dispatches: the dispatch pages take whole months only.
func TestPeriodPicker_Dispatches(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, b := pickerApp(t, db, "office")
		for query, want := range map[string]string{
			"month_year=2026&month_month=11":       "/dispatches/2026-11",
			"month_year=2026&month_month=12":       "/dispatches/2026-12",
			"month=" + url.QueryEscape("2026年10月"): "/dispatches/2026-10",
		} {
			if res, _ := b.get("/dispatches?" + query); res.StatusCode != 303 || res.Header.Get("Location") != want {
				t.Errorf("%s: %d %s", query, res.StatusCode, res.Header.Get("Location"))
			}
		}
		for query, msg := range map[string]string{
			"month_year=2026&month_month=13":          "调度月份：月份“13”无效",
			"month_year=2027&month_month=1":           "调度月份：2027年1月无效：2027年还没有到",
			"month=" + url.QueryEscape("2026年11月下半月"): "调度月份：2026年11月下半月无效：此处按整月选择",
		} {
			if res, body := b.get("/dispatches?" + query); res.StatusCode != 400 || !strings.Contains(fieldError(page(t, body), "month"), msg) {
				t.Errorf("%s: %d, want 400 %q", query, res.StatusCode, msg)
			}
		}
		if _, body := b.get("/dispatches"); has(page(t, body), "[name=month_part]") || selected(page(t, body), "month_month") != "12 12月" {
			t.Errorf("dispatch picker offers halves or misses this month:\n%s", pickerHTML(body))
		}
	})
}

// TestPickers_DateInputs: every date a page asks for is an
// <input type="date">, never text to type in a format.
func TestPickers_DateInputs(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	input := regexp.MustCompile(`<input[^>]*>`)
	dateName := regexp.MustCompile(`name="([a-z_]*_)?(date|due|deadline|from|to|since|until)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range input.FindAllString(string(b), -1) {
			if dateName.MatchString(in) && !strings.Contains(in, `type="date"`) && !strings.Contains(in, `type="hidden"`) {
				t.Errorf("%s: a date typed as text: %s", f, in)
			}
		}
	}
}

// TestPeriodPicker_Windows: the reports that take from/to dates take a
// picked period too, which becomes its first and last days.
func TestPeriodPicker_Windows(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, b := pickerApp(t, db, "office")
		// want: an element the window shows in, and its text ("" when the
		// selector says it all).
		for path, want := range map[string][2]string{
			"/coverage/visits?period_year=2026&period_month=11&period_part=H2":   {"h1 small.scope", "2026-11-16 至 2026-11-30"},
			"/coverage/visits?period_year=2026&period_month=10&period_part=M":    {"h1 small.scope", "2026-10-01 至 2026-10-31"},
			"/activities/totals?period_year=2026&period_month=11&period_part=M":  {`#dates-form input[type=date][name=from][value="2026-11-01"]`, ""},
			"/leader?cadre_id=1&period_year=2026&period_month=11&period_part=H1": {`#dates-form input[type=date][name=to][value="2026-11-15"]`, ""},
		} {
			if res, body := b.get(path); res.StatusCode != 200 || !has(page(t, body), want[0]) || !strings.Contains(textOf(page(t, body), want[0]), want[1]) {
				t.Errorf("%s: %d, want %q in %s", path, res.StatusCode, want[1], want[0])
			}
		}
		// Dates that make a period show it in the picker; other dates leave it on 按日期.
		if _, body := b.get("/coverage/visits?from=2026-11-01&to=2026-11-15"); selected(page(t, body), "period_part") != "H1 上半月" || selected(page(t, body), "period_month") != "11 11月" {
			t.Errorf("dates of a half-month:\n%s", pickerHTML(body))
		}
		if _, body := b.get("/activities/totals?from=2026-11-03&to=2026-11-20"); textOf(page(t, body), "#period-picker select[name=period_year] option[value='']") != "按日期" ||
			selected(page(t, body), "period_year") != "" || selected(page(t, body), "period_month") != "" {
			t.Errorf("other dates:\n%s", pickerHTML(body))
		}
		for _, path := range []string{"/coverage/visits", "/activities/totals", "/leader?cadre_id=1"} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			if res, body := b.get(path + sep + "period_year=2026&period_month=12&period_part=H2"); res.StatusCode != 400 || !strings.Contains(fieldError(page(t, body), "period"), "统计期间：2026年12月下半月还没有到") {
				t.Errorf("%s, a half-month to come: %d", path, res.StatusCode)
			}
			if res, body := b.get(path + sep + "period_year=2026&period_month=13&period_part=M"); res.StatusCode != 400 || !strings.Contains(fieldError(page(t, body), "period"), "统计期间：月份“13”无效") {
				t.Errorf("%s, month 13: %d", path, res.StatusCode)
			}
		}
	})
}
