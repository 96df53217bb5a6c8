package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

type dueAnswer struct {
	Due      string `json:"due"`
	Deadline string `json:"deadline"`
	Covered  bool   `json:"covered"`
	// Provisional: a day counted lies in a year not confirmed.
	Provisional bool `json:"provisional"`
}

func TestAPI_CalendarDue(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		cadre := a.token("cadre")
		for _, c := range []struct {
			name, query string
			want        dueAnswer
		}{
			// SPEC §7.
			{"SpecExample", "from=2021-04-30&days=15", dueAnswer{"2021-05-25", "2021-05-26T00:00:00+08:00", true, false}},
			{"FridayBeforeMakeupSunday", "from=2021-02-05&days=1", dueAnswer{"2021-02-07", "2021-02-08T00:00:00+08:00", true, false}},
			{"SpringFestival", "from=2021-02-10&days=1", dueAnswer{"2021-02-18", "2021-02-19T00:00:00+08:00", true, false}},
			{"YearEnd", "from=2022-12-30&days=1", dueAnswer{"2023-01-03", "2023-01-04T00:00:00+08:00", true, false}},
			{"Zero", "from=2021-05-01&days=0", dueAnswer{"2021-05-01", "2021-05-02T00:00:00+08:00", true, false}},
			{"Max", "from=2021-01-04&days=365", dueAnswer{"2022-06-22", "2022-06-23T00:00:00+08:00", true, false}},
			// The 2027 notice (migration 0021): 1–3 January off.
			{"NewYear2027", "from=2026-12-31&days=1", dueAnswer{"2027-01-04", "2027-01-05T00:00:00+08:00", true, false}},
			// 5–13 February off, Sunday 14 February worked.
			{"SpringFestival2027", "from=2027-02-04&days=1", dueAnswer{"2027-02-14", "2027-02-15T00:00:00+08:00", true, false}},
			// 1–7 October off; Friday 8 October is a working day.
			{"NationalDay2027", "from=2027-09-30&days=1", dueAnswer{"2027-10-08", "2027-10-09T00:00:00+08:00", true, false}},
			// 2028 is not held: 元旦 on Saturday 1 January, its 补假
			// Monday 3 January.
			{"Provisional2028NewYear", "from=2027-12-31&days=1", dueAnswer{"2028-01-04", "2028-01-05T00:00:00+08:00", false, true}},
			// 国庆 2028 from Sunday 1 October (补假 4 October), 中秋 on
			// 3 October, a day 国庆 takes (补假 5 October).
			{"Provisional2028NationalDay", "from=2028-09-29&days=1", dueAnswer{"2028-10-06", "2028-10-07T00:00:00+08:00", false, true}},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, body := a.do("GET", "/api/v1/calendar/due?"+c.query, cadre, "")
				if res.StatusCode != 200 {
					t.Fatalf("%d %s", res.StatusCode, body)
				}
				if got := decode[dueAnswer](t, body); got != c.want {
					t.Errorf("got %+v, want %+v", got, c.want)
				}
			})
		}
		if _, body := a.do("GET", "/api/v1/calendar/due?from=2021-04-30&days=15", cadre, ""); !strings.HasPrefix(body, `{"due":"2021-05-25",`) {
			t.Errorf("body %s", body)
		}

		for _, c := range []struct{ name, query, field string }{
			{"NoFrom", "days=15", "from"},
			{"NoDays", "from=2021-04-30", "days"},
			{"BadDate", "from=2021-02-30&days=15", "from"},
			{"CompactDate", "from=20210430&days=15", "from"},
			{"NegativeDays", "from=2021-04-30&days=-1", "days"},
			{"TooManyDays", "from=2021-04-30&days=366", "days"},
			{"DaysNotANumber", "from=2021-04-30&days=十五", "days"},
		} {
			t.Run("Err"+c.name, func(t *testing.T) {
				res, body := a.do("GET", "/api/v1/calendar/due?"+c.query, cadre, "")
				if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
					t.Fatalf("%d %s", res.StatusCode, body)
				}
				if p := decode[problem](t, body); p.Code != sanlian.EINVALID || !hasHan(p.Detail) || !hasHan(p.Errors[c.field]) {
					t.Errorf("problem %+v, want a Chinese message for %s", p, c.field)
				}
			})
		}
		if res, _ := a.do("GET", "/api/v1/calendar/due?from=2021-04-30&days=15", "", ""); res.StatusCode != 401 {
			t.Errorf("anonymous: %d", res.StatusCode)
		}
	})
}

func TestAPI_CalendarYear(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, cadre := a.token("office"), a.token("cadre")
		res, body := a.do("GET", "/api/v1/calendar/2021", cadre, "")
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		y := decode[sanlian.CalendarYear](t, body)
		if y.Year != 2021 || y.Version != 1 || len(y.Holidays) != 31 || y.Workdays[3] != "2021-05-08" || !strings.Contains(y.Note, "国办发明电〔2020〕27号") {
			t.Errorf("2021 = %+v", y)
		}
		// A year not held answers its provisional calendar.
		res, body = a.do("GET", "/api/v1/calendar/2028", cadre, "")
		if py := decode[sanlian.CalendarYear](t, body); res.StatusCode != 200 || !py.Provisional || py.Version != 0 ||
			!strings.Contains(body, `"provisional":true`) || len(py.Workdays) != 0 || py.Holidays[1] != "2028-01-03" {
			t.Errorf("2028: %d %s", res.StatusCode, body)
		}
		if !strings.Contains(body, `"2028-10-04","2028-10-05"`) {
			t.Errorf("2028's 国庆 补假: %s", body)
		}
		for _, path := range []string{"/api/v1/calendar/abc", "/api/v1/calendar/1900"} {
			res, body := a.do("GET", path, cadre, "")
			if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || !hasHan(decode[problem](t, body).Detail) {
				t.Errorf("%s: %d %s", path, res.StatusCode, body)
			}
		}

		// The office sends back what it read, with 6 May added.
		y.Holidays = append(y.Holidays, "2021-05-06")
		b, _ := json.Marshal(y)
		put := string(b)
		if res, body := a.do("PUT", "/api/v1/calendar/2021", cadre, put); res.StatusCode != 403 {
			t.Errorf("cadre PUT: %d %s", res.StatusCode, body)
		}
		res, body = a.do("PUT", "/api/v1/calendar/2021", office, put)
		if res.StatusCode != 200 {
			t.Fatalf("PUT: %d %s", res.StatusCode, body)
		}
		saved := decode[sanlian.CalendarYear](t, body)
		if saved.Version != 2 || saved.UpdatedAt.IsZero() || len(saved.Holidays) != 32 || saved.Holidays[18] != "2021-05-06" {
			t.Errorf("saved = %+v", saved)
		}
		_, body = a.do("GET", "/api/v1/calendar/due?from=2021-04-30&days=15", cadre, "")
		if got := decode[dueAnswer](t, body); got.Due != "2021-05-26" {
			t.Errorf("due after the save = %s, want 2021-05-26", got.Due)
		}

		auditBefore := a.auditRows()
		for _, c := range []struct {
			name, path, body string
			status           int
			field            string
		}{
			{"Stale", "/api/v1/calendar/2021", put, 409, ""},
			{"MakeupOnFriday", "/api/v1/calendar/2021", `{"holidays":[],"workdays":["2021-05-07"],"version":2}`, 422, "workdays"},
			{"BadDate", "/api/v1/calendar/2021", `{"holidays":["2021-5-6"],"workdays":[],"version":2}`, 422, "holidays"},
			{"OtherYear", "/api/v1/calendar/2021", `{"year":2022,"holidays":[],"workdays":[],"version":2}`, 422, "year"},
			{"UnknownField", "/api/v1/calendar/2021", `{"holiday":[],"version":2}`, 400, "holiday"},
			{"NotHeld", "/api/v1/calendar/2030", `{"holidays":[],"workdays":[],"version":1}`, 404, ""},
			// A date both a day off and a make-up working day.
			{"HolidayAndMakeup", "/api/v1/calendar/2030", `{"holidays":["2030-01-05"],"workdays":["2030-01-05"],"version":0}`, 422, "workdays"},
			{"Exists", "/api/v1/calendar/2022", `{"holidays":[],"workdays":[],"version":0}`, 409, ""},
		} {
			t.Run("Err"+c.name, func(t *testing.T) {
				res, body := a.do("PUT", c.path, office, c.body)
				if res.StatusCode != c.status {
					t.Fatalf("%d, want %d: %s", res.StatusCode, c.status, body)
				}
				p := decode[problem](t, body)
				if !hasHan(p.Detail) || (c.field != "" && !hasHan(p.Errors[c.field])) {
					t.Errorf("problem %+v", p)
				}
			})
		}
		if n := a.auditRows(); n != auditBefore {
			t.Errorf("audit rows %d → %d after refused saves", auditBefore, n)
		}

		// Confirming 2028 by sending back the provisional year read, with
		// 元旦 made a Saturday-to-Monday holiday as a notice might.
		_, body = a.do("GET", "/api/v1/calendar/2028", office, "")
		res, body = a.do("PUT", "/api/v1/calendar/2028", office, strings.Replace(body, `"2028-01-03",`, `"2028-01-02","2028-01-03",`, 1))
		if res.StatusCode != 201 || decode[sanlian.CalendarYear](t, body).Version != 1 || strings.Contains(body, `"provisional":true`) {
			t.Fatalf("confirm 2028: %d %s", res.StatusCode, body)
		}
		_, body = a.do("GET", "/api/v1/calendar/due?from=2027-12-31&days=1", cadre, "")
		if got := decode[dueAnswer](t, body); got.Due != "2028-01-04" || !got.Covered || got.Provisional {
			t.Errorf("due into 2028 = %+v, want 2028-01-04, covered, not provisional", got)
		}
	})
}

func TestPages_Calendar(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("office", sqldbtest.Password)
		res, body := b.get("/calendar?year=2021")
		if res.StatusCode != 200 {
			t.Fatalf("page: %d", res.StatusCode)
		}
		doc := page(t, body)
		if !hasExact(doc, "nav#main-menu a", "工作日历") {
			t.Error("the layout's menu lacks 工作日历")
		}
		for date, want := range map[string]string{"2021-05-01": "hol 1 休", "2021-05-08": "makeup 8 班", "2021-05-09": "weekend 9 ", "2021-05-06": " 6 "} {
			if got := calDay(doc, date); got != want {
				t.Errorf("%s reads %q, want %q", date, got, want)
			}
		}
		for _, sel := range []string{`nav.cal-nav a[href="/calendar?year=2026"]`, `form[method=post][action="/calendar/2021"] input[type=hidden][name=version][value="1"]`} {
			mustHave(t, doc, sel)
		}
		if mustText(t, doc, "b#workdays") != "250" || !hasText(doc, "main p:has(b#workdays)", "国办发明电〔2020〕27号") || !strings.Contains(textOf(doc, "textarea[name=holidays]"), "2021-05-05\n2021-06-12") {
			t.Errorf("page lacks the workdays 250, the note or the holidays: %q", textOf(doc, "b#workdays"))
		}

		// Save through the form: 6 May added, one date a line.
		stored, err := db.FindCalendarYear(sqldbtest.As(&sanlian.User{Username: "office", Role: sanlian.RoleOffice}), 2021)
		if err != nil {
			t.Fatal(err)
		}
		holidays := strings.Join(stored.Holidays, "\n") + "\n2021-05-06\n"
		form := url.Values{"version": {"1"}, "holidays": {holidays}, "workdays": {strings.Join(stored.Workdays, "\r\n")}, "note": {stored.Note}}
		res, _ = b.post("/calendar/2021", form)
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/calendar?") {
			t.Fatalf("save: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		_, body = b.get(res.Header.Get("Location"))
		if doc := page(t, body); !has(doc, "main p.flash[role=status]") || calDay(doc, "2021-05-06") != "hol 6 休" ||
			!has(doc, `form[action="/calendar/2021"] input[name=version][value="2"]`) {
			t.Error("saved calendar not shown")
		}

		// The same form again is stale: refused, what was typed kept, and
		// offered again with the current version.
		form.Set("holidays", holidays+"2021-05-07\n")
		form.Set("note", "过期表单里新写的说明")
		res, body = b.post("/calendar/2021", form)
		doc = page(t, body)
		if res.StatusCode != 409 || !hasText(doc, ".error[role=alert]", "已被他人修改") {
			t.Errorf("stale form: %d", res.StatusCode)
		}
		if !strings.HasSuffix(doc.Find("textarea[name=holidays]").Text(), "2021-05-06\n2021-05-07\n") || !has(doc, `input[name=note][value="过期表单里新写的说明"]`) {
			t.Error("stale form lost what was typed")
		}
		if !has(doc, `form[action="/calendar/2021"] input[name=version][value="2"]`) {
			t.Error("stale form not offered again with the current version")
		}
		// Invalid: a Friday as a make-up day; the form comes back as typed.
		form.Set("version", "2")
		form.Set("holidays", holidays)
		form.Set("workdays", "2021-05-07")
		res, body = b.post("/calendar/2021", form)
		if doc := page(t, body); res.StatusCode != 422 || !strings.Contains(fieldError(doc, "workdays"), "周五") ||
			doc.Find("textarea[name=workdays]").Text() != "2021-05-07" {
			t.Errorf("invalid form: %d", res.StatusCode)
		}

		// A year not held: its provisional calendar, shown as such, and a
		// form offering it for confirmation.
		_, body = b.get("/calendar?year=2028")
		doc = page(t, body)
		if !hasText(doc, "p#not-held", "临时日历，待国务院公布后确认") || !has(doc, `form[action="/calendar/2028"] input[name=version][value="0"]`) ||
			!hasExact(doc, `form[action="/calendar/2028"] button[type=submit]`, "确认并保存") {
			t.Error("2028 page lacks the provisional notice or the form to confirm it")
		}
		if got := calDay(doc, "2028-01-03"); got != "hol 3 休" { // 元旦's 补假
			t.Errorf("2028-01-03 reads %q", got)
		}
		if !strings.Contains(textOf(doc, "p#statutory"), "2028-10-05 国庆节补假") || !strings.Contains(textOf(doc, "textarea[name=holidays]"), "2028-01-01\n2028-01-03\n2028-01-25") {
			t.Error("2028 page lacks the statutory days")
		}
		res, _ = b.post("/calendar/2028", url.Values{"version": {"0"}, "holidays": {"2028-01-01, 2028-01-02，2028-01-03"}, "note": {"暂定"}})
		if res.StatusCode != 303 {
			t.Errorf("create 2028: %d", res.StatusCode)
		}
		if _, body := a.do("GET", "/api/v1/calendar/2028", a.token("cadre"), ""); !strings.Contains(body, `"holidays":["2028-01-01","2028-01-02","2028-01-03"]`) ||
			!strings.Contains(body, `"provisional":false`) {
			t.Errorf("2028 = %s", body)
		}
		if res, _ := b.get("/calendar?year=abc"); res.StatusCode != 400 {
			t.Errorf("bad year: %d", res.StatusCode)
		}

		// A cadre sees the calendar but no form, and may not post one.
		c := a.browser()
		c.login("cadre", sqldbtest.Password)
		res, body = c.get("/calendar?year=2021")
		if doc := page(t, body); res.StatusCode != 200 || strings.Contains(body, `action="/calendar/2021"`) || !has(doc, `table.month td[data-date="2021-05-06"]`) {
			t.Errorf("cadre page: %d", res.StatusCode)
		} else {
			mustNotHave(t, doc, "main form, main textarea, main button[type=submit]")
		}
		if res, _ := c.post("/calendar/2021", form); res.StatusCode != 403 {
			t.Errorf("cadre save: %d", res.StatusCode)
		}
	})
}

// TestPages_CalendarProvisional stands on 31 December 2027 with 2028 not
// held: the office's home page reminds it to confirm 2028, and a problem
// assigned that day shows its deadlines as provisional on its page, in
// the list and in the API.
func TestPages_CalendarProvisional(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		now := time.Date(2027, 12, 31, 10, 0, 0, 0, sanlian.Shanghai)
		db.Now = func() time.Time { return now }
		a := newAppConfig(t, db, web.Config{Now: db.Now})
		b := a.browser()
		b.login("office", sqldbtest.Password)
		if _, body := b.get("/"); !has(page(t, body), `p#calendar-reminder a[href="/calendar?year=2028"]`) {
			t.Error("the office's home page lacks the reminder for 2028")
		}
		c := a.browser()
		c.login("cadre", sqldbtest.Password)
		if _, body := c.get("/"); has(page(t, body), "#calendar-reminder") {
			t.Error("a cadre is reminded of the calendar")
		}

		office, cadre := a.token("office"), a.token("cadre")
		p := a.createProblem(cadre, sqldbtest.VillageA, "跨年问题", "年底交办的问题")
		_, body, p := a.problemAct(office, p, "assign", `,"unit_id":1,"person_id":2`)
		if !strings.Contains(body, `"due_provisional":true`) || p.ResolveDue != "2028-01-24T16:00:00Z" /* 24:00 of 24 January, Shanghai */ {
			t.Errorf("assigned: %s", body)
		}
		const mark = "（暂按法定节假日推算）"
		if _, body := b.get(fmt.Sprintf("/problems/%d", p.ID)); strings.Count(body, mark) != 2 || page(t, body).Find("dd span.provisional").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == mark }).Length() != 2 {
			t.Errorf("problem page shows the mark %d times, want 2 (accept and resolve)", strings.Count(body, mark))
		}
		if _, body := b.get("/problems"); !hasExact(page(t, body), "table#problems tbody tr td span.provisional", mark) {
			t.Error("list lacks the mark")
		}

		// Confirmed: the reminder and the marks go.
		res, _ := b.post("/calendar/2028", url.Values{"version": {"0"}, "holidays": {"2028-01-01"}, "note": {"国务院办公厅关于2028年部分节假日安排的通知"}})
		if res.StatusCode != 303 {
			t.Fatalf("confirm 2028: %d", res.StatusCode)
		}
		if _, body := b.get("/"); has(page(t, body), "#calendar-reminder") {
			t.Error("reminded after 2028 was confirmed")
		}
		_, body = b.get(fmt.Sprintf("/problems/%d", p.ID))
		if strings.Contains(body, mark) || has(page(t, body), ".provisional") || !hasText(page(t, body), "ol#timeline", "期限重算") {
			t.Error("problem page after the confirmation: mark still shown, or no recompute on the timeline")
		}
	})
}

// calDay reads a day of the calendar page: its class, its day of the
// month and its mark (休, 班 or none), e.g. "hol 1 休".
func calDay(doc *goquery.Document, date string) string {
	td := doc.Find(`table.month td[data-date="` + date + `"]`)
	if td.Length() != 1 {
		return fmt.Sprintf("%d cells", td.Length())
	}
	mark := td.Find("b").Text()
	return td.AttrOr("class", "?") + " " + strings.TrimSuffix(td.Text(), mark) + " " + mark
}
