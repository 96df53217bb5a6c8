package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

type topicJSON struct {
	ID       int64
	Category string
	Question string
	Active   bool
	Version  int64
}

type visitJSON struct {
	ID          int64
	Kind        string
	Date        string
	CadreID     int64 `json:"cadre_id"`
	HouseholdID int64 `json:"household_id"`
	Region      string
	Topics      []int64
	Problems    []int64
	Findings    string
}

// seedTopics adds three topics as the office through the API.
func (a *app) seedTopics() []topicJSON {
	a.t.Helper()
	res, body := a.do("POST", "/api/v1/topics", a.token("office"), `[
		{"category":"employment","question":"家里有没有劳动力外出务工？就业有什么困难？"},
		{"category":"social_health","question":"医保报销顺不顺利？看病远不远？"},
		{"category":"transport","question":"通组公路好不好走？","sort":3}]`)
	if res.StatusCode != 201 {
		a.t.Fatalf("create topics: %d %s", res.StatusCode, body)
	}
	ts := decode[struct{ Items []topicJSON }](a.t, body).Items
	if len(ts) != 3 || ts[2].Category != "transport" || !ts[0].Active {
		a.t.Fatalf("topics %+v", ts)
	}
	return ts
}

// countVisits counts the visits the office sees.
func (a *app) countVisits() int {
	a.t.Helper()
	res, body := a.do("GET", "/api/v1/visits?limit=500", a.token("office"), "")
	if res.StatusCode != 200 {
		a.t.Fatalf("visits: %d %s", res.StatusCode, body)
	}
	return len(decode[struct{ Items []visitJSON }](a.t, body).Items)
}

// countProblems counts the problems the office sees.
func (a *app) countProblems() int {
	a.t.Helper()
	res, body := a.do("GET", "/api/v1/problems?limit=500", a.token("office"), "")
	if res.StatusCode != 200 {
		a.t.Fatalf("problems: %d %s", res.StatusCode, body)
	}
	return len(decode[struct{ Items []json0 }](a.t, body).Items)
}

type json0 struct{ ID int64 }

func todayIn() string { return time.Now().In(sanlian.Shanghai).Format("2006-01-02") }

func TestVisits_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		ts := a.seedTopics()
		cadre := a.token("cadre")
		today := todayIn()
		good := fmt.Sprintf(`{"kind":"household","household_id":1,"date":%q,"met":"户主刘户1","topics":[%d,%d],
			"findings":"两人外出务工，老人医保报销材料不清楚",
			"problems":[{"category":"social_health","description":"医保异地报销材料不清楚，跑了两趟没办成","urgency":"urgent"}]}`,
			today, ts[0].ID, ts[1].ID)

		var first visitJSON
		t.Run("IdempotencyKey", func(t *testing.T) {
			res, body := a.do("POST", "/api/v1/visits", cadre, good, "Idempotency-Key", "draft-7f3a")
			if res.StatusCode != 201 {
				t.Fatalf("create: %d %s", res.StatusCode, body)
			}
			first = decode[visitJSON](t, body)
			if first.ID == 0 || first.CadreID != 2 || len(first.Topics) != 2 || len(first.Problems) != 1 || first.Date != today {
				t.Fatalf("visit %+v", first)
			}
			if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/visits/%d", first.ID) {
				t.Errorf("Location %q", loc)
			}
			res, body = a.do("POST", "/api/v1/visits", cadre, good, "Idempotency-Key", "draft-7f3a")
			if res.StatusCode != 200 || res.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %d %q %s", res.StatusCode, res.Header.Get("Idempotent-Replayed"), body)
			}
			if again := decode[visitJSON](t, body); again.ID != first.ID || len(again.Problems) != 1 {
				t.Errorf("replay answered %+v, want visit %d", again, first.ID)
			}
			if n := a.countVisits(); n != 1 {
				t.Errorf("%d visits, want 1", n)
			}
			if n := a.countProblems(); n != 1 {
				t.Errorf("%d problems, want 1", n)
			}
			res, body = a.do("GET", fmt.Sprintf("/api/v1/visits/%d", first.ID), a.token("leader"), "")
			if res.StatusCode != 200 || decode[visitJSON](t, body).HouseholdID != 1 {
				t.Errorf("leader reads the visit: %d %s", res.StatusCode, body)
			}
		})

		t.Run("DuplicateDraftAtOnce", func(t *testing.T) {
			// A phone that lost the answer sends the same draft again
			// while the first is still being written.
			body := strings.Replace(good, "两人外出务工", "第二次走访：两人外出务工", 1)
			before := a.countVisits()
			var wg sync.WaitGroup
			codes := make([]int, 6)
			ids := make([]int64, 6)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest("POST", a.ts.URL+"/api/v1/visits", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+cadre)
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", "draft-same")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					defer res.Body.Close()
					b, _ := io.ReadAll(res.Body)
					codes[i] = res.StatusCode
					var v visitJSON
					if json.Unmarshal(b, &v) == nil {
						ids[i] = v.ID
					}
				}()
			}
			wg.Wait()
			created := 0
			for i, c := range codes {
				switch c {
				case 201:
					created++
				case 200:
				default:
					t.Errorf("request %d answered %d", i, c)
				}
				if ids[i] != ids[0] {
					t.Errorf("request %d got visit %d, request 0 visit %d", i, ids[i], ids[0])
				}
			}
			if created != 1 {
				t.Errorf("%d answers said created, want 1", created)
			}
			if n := a.countVisits(); n != before+1 {
				t.Errorf("visits %d, want %d", n, before+1)
			}
			if n := a.countProblems(); n != 2 {
				t.Errorf("problems %d, want 2", n)
			}
		})

		t.Run("BadInput", func(t *testing.T) {
			res, body := a.do("PATCH", fmt.Sprintf("/api/v1/topics/%d", ts[2].ID), a.token("office"),
				fmt.Sprintf(`{"active":false,"version":%d}`, ts[2].Version))
			if res.StatusCode != 200 || decode[topicJSON](t, body).Active {
				t.Fatalf("retire: %d %s", res.StatusCode, body)
			}
			tomorrow := time.Now().In(sanlian.Shanghai).AddDate(0, 0, 1).Format("2006-01-02")
			visits, problems, audits := a.countVisits(), a.countProblems(), a.auditRows()
			for _, c := range []struct {
				name   string
				body   string
				status int
				field  string
			}{
				{"NotLinked", `{"kind":"household","household_id":5,"date":"` + today + `","findings":"顺路看看"}`, 403, ""},
				{"Future", `{"kind":"household","household_id":1,"date":"` + tomorrow + `","findings":"提前登记"}`, 422, "date"},
				{"BeforeCampaign", `{"kind":"household","household_id":1,"date":"2021-03-31","findings":"补登"}`, 422, "date"},
				{"BadDate", `{"kind":"household","household_id":1,"date":"5月20日","findings":"补登"}`, 422, "date"},
				{"RetiredTopic", fmt.Sprintf(`{"kind":"household","household_id":1,"date":%q,"topics":[%d]}`, today, ts[2].ID), 422, "topics"},
				{"UnknownTopic", fmt.Sprintf(`{"kind":"household","household_id":1,"date":%q,"topics":[99999]}`, today), 422, "topics"},
				{"Empty", `{"kind":"household","household_id":1,"date":"` + today + `","findings":"  "}`, 422, "findings"},
				{"NoPlace", `{"date":"` + today + `","findings":"走访了"}`, 422, "kind"},
				{"ProblemWithoutText", `{"kind":"household","household_id":1,"date":"` + today + `","problems":[{"category":"transport"}]}`, 422, "problems.1.description"},
				{"UnknownField", `{"kind":"household","household_id":1,"date":"` + today + `","findings":"x","photo":"a.jpg"}`, 400, "photo"},
				{"TownshipNotLeader", `{"kind":"township","region":"` + sqldbtest.Dongping + `","date":"` + today + `","findings":"调研"}`, 403, ""},
			} {
				t.Run(c.name, func(t *testing.T) {
					// Each with a key of its own: a refused draft leaves its key unused.
					res, body := a.do("POST", "/api/v1/visits", cadre, c.body, "Idempotency-Key", "bad-"+c.name)
					if res.StatusCode != c.status {
						t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body)
					}
					p := decode[problem](t, body)
					if !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") || !hasHan(p.Detail) {
						t.Errorf("problem %+v", p)
					}
					if c.field != "" && !hasHan(p.Errors[c.field]) {
						t.Errorf("errors %v, want a Chinese message for %s", p.Errors, c.field)
					}
				})
			}
			if n := a.countVisits(); n != visits {
				t.Errorf("refused visits wrote %d visits", n-visits)
			}
			if n := a.countProblems(); n != problems {
				t.Errorf("refused visits wrote %d problems", n-problems)
			}
			if n := a.auditRows(); n != audits {
				t.Errorf("refused visits wrote %d audit rows", n-audits)
			}
			// A refused draft, corrected, goes through under the same key.
			res, body = a.do("POST", "/api/v1/visits", cadre, `{"kind":"household","household_id":1,"date":"`+today+`","findings":"改正后提交"}`,
				"Idempotency-Key", "bad-Future")
			if res.StatusCode != 201 {
				t.Errorf("corrected draft: %d %s", res.StatusCode, body)
			}
		})

		t.Run("Photos", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/visits/%d/photos", first.ID)
			before := a.auditRows()
			for _, f := range []file{{"走访记录.pdf", []byte(minimalPDF)}, {"photo.jpg", []byte("<html><script>alert(1)</script></html>")}, {"说明.txt", []byte("走访情况")}} {
				res, body := a.upload(path, cadre, nil, "", file{"门口.png", pngBytes(t, 8, 8)}, f)
				p := decode[problem](t, body)
				if res.StatusCode != 422 || !hasHan(p.Detail) || !strings.Contains(p.Detail, "照片") {
					t.Errorf("%s: %d %+v", f.name, res.StatusCode, p)
				}
			}
			if n := a.auditRows(); n != before {
				t.Errorf("refused photos wrote %d audit rows (the good photo beside a bad one is refused too)", n-before)
			}
			res, body := a.upload(path, cadre, nil, "", file{"门口.png", pngBytes(t, 120, 90)})
			if res.StatusCode != 201 {
				t.Fatalf("photo: %d %s", res.StatusCode, body)
			}
			items := decode[struct {
				Items []struct {
					ID       int64
					VisitID  int64 `json:"visit_id"`
					Kind     string
					HasThumb bool `json:"has_thumb"`
				}
			}](t, body).Items
			if len(items) != 1 || items[0].VisitID != first.ID || items[0].Kind != "visit" || !items[0].HasThumb {
				t.Fatalf("photos %+v", items)
			}
			_, body = a.do("GET", fmt.Sprintf("/api/v1/visits/%d", first.ID), cadre, "")
			if n := decode[struct{ Attachments int }](t, body).Attachments; n != 1 {
				t.Errorf("visit counts %d photos, want 1", n)
			}
			if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d/thumb", items[0].ID), a.token("leader"), ""); res.StatusCode != 200 ||
				res.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("leader thumb: %d", res.StatusCode)
			}
			if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d", items[0].ID), a.token("cadre5"), ""); res.StatusCode != 404 {
				t.Errorf("another cadre opens the photo: %d", res.StatusCode)
			}
			if res, _ := a.upload(path, a.token("cadre5"), nil, "", file{"x.png", pngBytes(t, 4, 4)}); res.StatusCode != 404 {
				t.Errorf("another cadre adds a photo: %d", res.StatusCode)
			}
		})

		t.Run("List", func(t *testing.T) {
			res, body := a.do("GET", "/api/v1/visits?cadre_id=2&limit=1", a.token("office"), "")
			if res.StatusCode != 200 {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			page := decode[struct {
				Items      []visitJSON
				NextCursor string `json:"next_cursor"`
			}](t, body)
			if len(page.Items) != 1 || page.NextCursor == "" {
				t.Fatalf("page %+v", page)
			}
			res, body = a.do("GET", "/api/v1/visits?cadre_id=2&limit=1&cursor="+url.QueryEscape(page.NextCursor), a.token("office"), "")
			if next := decode[struct{ Items []visitJSON }](t, body).Items; res.StatusCode != 200 || len(next) != 1 || next[0].ID == page.Items[0].ID {
				t.Errorf("second page: %d %s", res.StatusCode, body)
			}
			res, body = a.do("GET", fmt.Sprintf("/api/v1/visits?topic_id=%d&from=2021-04-01&to=%s", ts[0].ID, today), a.token("office"), "")
			if items := decode[struct{ Items []visitJSON }](t, body).Items; res.StatusCode != 200 || len(items) != 2 {
				t.Errorf("by topic: %d %s", res.StatusCode, body)
			}
			if res, _ := a.do("GET", "/api/v1/visits", a.token("cadre5"), ""); res.StatusCode != 200 {
				t.Errorf("cadre5: %d", res.StatusCode)
			} else if _, body := a.do("GET", "/api/v1/visits", a.token("cadre5"), ""); len(decode[struct{ Items []visitJSON }](t, body).Items) != 0 {
				t.Errorf("cadre5 sees others' visits: %s", body)
			}
			if res, body := a.do("GET", "/api/v1/visits?from=20210401", a.token("office"), ""); res.StatusCode != 400 || !hasHan(body) {
				t.Errorf("bad from: %d %s", res.StatusCode, body)
			}
		})

		t.Run("Topics", func(t *testing.T) {
			res, body := a.do("GET", "/api/v1/topics?active=true", a.token("cadre"), "")
			if items := decode[struct{ Items []topicJSON }](t, body).Items; res.StatusCode != 200 || len(items) != 2 {
				t.Errorf("active topics: %d %s", res.StatusCode, body)
			}
			res, body = a.do("GET", "/api/v1/topics?category=transport", a.token("auditor"), "")
			if items := decode[struct{ Items []topicJSON }](t, body).Items; res.StatusCode != 200 || len(items) != 1 || items[0].Active {
				t.Errorf("transport topics: %d %s", res.StatusCode, body)
			}
			res, body = a.do("PATCH", fmt.Sprintf("/api/v1/topics/%d", ts[0].ID), a.token("office"), `{"question":"改过的题目","version":1}`)
			if res.StatusCode != 200 {
				t.Fatalf("edit: %d %s", res.StatusCode, body)
			}
			res, body = a.do("PATCH", fmt.Sprintf("/api/v1/topics/%d", ts[0].ID), a.token("office"), `{"question":"另一人的修改","version":1}`)
			if p := decode[problem](t, body); res.StatusCode != 409 || !hasHan(p.Detail) {
				t.Errorf("stale edit: %d %s", res.StatusCode, body)
			}
			res, body = a.do("POST", "/api/v1/topics", a.token("office"), `{"category":"transport","question":"桥梁安全吗？"}`)
			if res.StatusCode != 201 || len(decode[struct{ Items []topicJSON }](t, body).Items) != 1 {
				t.Errorf("one topic: %d %s", res.StatusCode, body)
			}
			res, body = a.do("POST", "/api/v1/topics", a.token("office"), `[{"category":"transport","question":"甲"},{"category":"nope","question":"乙"}]`)
			if p := decode[problem](t, body); res.StatusCode != 422 || p.Errors["rows.2.category"] == "" || !hasHan(p.Detail) {
				t.Errorf("bad batch: %d %s", res.StatusCode, body)
			}
			_, body = a.do("GET", "/api/v1/topics", a.token("office"), "")
			if items := decode[struct{ Items []topicJSON }](t, body).Items; len(items) != 4 {
				t.Errorf("after a refused batch %d topics, want 4", len(items))
			}
		})
	})
}

// multipartForm encodes fields and files as a browser sends a form with
// enctype multipart/form-data.
func multipartForm(t *testing.T, fields url.Values, files ...file) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("file", f.name)
		w.Write(f.data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// postMultipart posts a multipart form as the browser b.
func (b *browser) postMultipart(path string, fields url.Values, files ...file) (*http.Response, string) {
	b.t.Helper()
	body, ctype := multipartForm(b.t, fields, files...)
	req, _ := http.NewRequest("POST", b.a.ts.URL+path, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Origin", b.a.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, string(out)
}

func TestVisits_FormWithoutJS(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		ts := a.seedTopics()
		b := a.browser()
		b.login("cadre", sqldbtest.Password)

		res, body := b.get("/visits/new")
		if res.StatusCode != 200 {
			t.Fatalf("form: %d", res.StatusCode)
		}
		// The three linked households as buttons, the must-visit one first.
		h1, h2 := strings.Index(body, `value="h:1"`), strings.Index(body, `value="h:2"`)
		if h1 < 0 || h2 < 0 || !strings.Contains(body, `value="h:3"`) || strings.Contains(body, `value="h:4"`) || h1 > h2 {
			t.Errorf("household buttons: h:1 at %d, h:2 at %d", h1, h2)
		}
		if !strings.Contains(body, "三必访") || !strings.Contains(body, ts[0].Question) || !strings.Contains(body, `name="p0_description"`) ||
			!strings.Contains(body, `value="`+todayIn()+`"`) || !strings.Contains(body, `id="problem-template"`) {
			t.Error("form lacks the must-visit mark, topics, a problem block, today's date or the block template")
		}
		if res, body := b.get("/visits/new?household_id=2"); res.StatusCode != 200 || !strings.Contains(body, `value="h:2" checked`) {
			t.Errorf("household preselected: %d", res.StatusCode)
		}

		form := url.Values{"idempotency_key": {"form-abc"}, "place": {"h:1"}, "date": {todayIn()}, "met": {"户主及老伴"},
			"topic": {fmt.Sprint(ts[0].ID), fmt.Sprint(ts[1].ID)}, "findings": {"儿子在广东务工，老人腿脚不便"},
			"p0_category": {"transport"}, "p0_description": {"组里的路一下雨就走不了"}, "p0_urgent": {"1"},
			"p3_category": {""}, "p3_description": {""}} // an empty block is skipped
		res, _ = b.post("/visits", form)
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/visits/") {
			t.Fatalf("submit: %d %s", res.StatusCode, loc)
		}
		res, body = b.get(loc)
		if res.StatusCode != 200 || !strings.Contains(body, "儿子在广东务工") || !strings.Contains(body, ts[1].Question) ||
			!strings.Contains(body, "已登记走访，当场登记问题 1 个") || !strings.Contains(body, `href="/problems/`) || !strings.Contains(body, "刘户1 户") {
			t.Errorf("visit page: %d %.2000s", res.StatusCode, body)
		}
		// The browser sends the same form again: one visit.
		res, _ = b.post("/visits", form)
		if res.StatusCode != 303 || res.Header.Get("Location") == loc || !strings.HasPrefix(res.Header.Get("Location"), strings.SplitN(loc, "?", 2)[0]+"?") {
			t.Errorf("resubmit: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if n := a.countVisits(); n != 1 {
			t.Errorf("%d visits after a resubmit, want 1", n)
		}

		// A refused form comes back with what was typed.
		bad := url.Values{"idempotency_key": {"form-def"}, "date": {todayIn()}, "findings": {"忘了选农户"}, "p0_description": {"路灯坏了"}}
		res, body = b.post("/visits", bad)
		if res.StatusCode != 422 || !strings.Contains(body, "请选择走访的农户") || !strings.Contains(body, "忘了选农户") || !strings.Contains(body, "路灯坏了") {
			t.Errorf("no place: %d %.1500s", res.StatusCode, body)
		}
		bad.Set("place", "h:5")
		if res, body = b.post("/visits", bad); res.StatusCode != 403 || !strings.Contains(body, "不是您的联系户") || !strings.Contains(body, "忘了选农户") {
			t.Errorf("not linked: %d", res.StatusCode)
		}

		// Multipart, as the page sends it, with a photo: a document among
		// the photos refuses the whole form, a picture goes along.
		good := url.Values{"idempotency_key": {"form-ghi"}, "place": {"h:2"}, "date": {todayIn()}, "findings": {"屋顶漏雨"}}
		res, body = b.postMultipart("/visits", good, file{"情况.pdf", []byte(minimalPDF)})
		if res.StatusCode != 422 || !strings.Contains(body, "不是照片") || !strings.Contains(body, "屋顶漏雨") {
			t.Errorf("pdf photo: %d", res.StatusCode)
		}
		if n := a.countVisits(); n != 1 {
			t.Errorf("a refused photo recorded a visit (%d)", n)
		}
		res, _ = b.postMultipart("/visits", good, file{"屋顶.png", pngBytes(t, 60, 40)})
		loc = res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.Contains(loc, url.QueryEscape("照片 1 张")) {
			t.Fatalf("with photo: %d %s", res.StatusCode, loc)
		}
		_, body = b.get(loc)
		if !strings.Contains(body, `/thumb"`) || !strings.Contains(body, "屋顶.png") {
			t.Errorf("visit page has no photo: %.2000s", body)
		}
		path := strings.SplitN(loc, "?", 2)[0] + "/photos"
		if res, body = b.postMultipart(path, nil, file{"说明.txt", []byte("说明")}); res.StatusCode != 422 || !strings.Contains(body, "不是照片") {
			t.Errorf("txt photo: %d", res.StatusCode)
		}
		if res, _ = b.postMultipart(path, nil, file{"门口.jpg", pngBytes(t, 10, 10)}); res.StatusCode != 303 {
			t.Errorf("photo upload: %d", res.StatusCode)
		}

		// The list: the cadre's own visits.
		res, body = b.get("/visits")
		if res.StatusCode != 200 || strings.Count(body, `<tr><td class="nowrap"><a href="/visits/`) != 2 {
			t.Errorf("list: %d %.2000s", res.StatusCode, body)
		}
		if res, body = b.get("/visits?township=" + sqldbtest.Dongping + "&kind=household&from=2021-04-01"); res.StatusCode != 200 || !strings.Contains(body, "黄沙坪村") {
			t.Errorf("filtered list: %d", res.StatusCode)
		}
		// The household page offers a visit.
		if _, body = b.get("/households/1"); !strings.Contains(body, `href="/visits/new?household_id=1"`) {
			t.Error("household page has no 登记走访 link")
		}
		if _, body = b.get("/"); !strings.Contains(body, `<a href="/visits"`) {
			t.Error("no 走访 in the menu")
		}
	})
}

func TestVisits_LeaderAndUnit(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		a.seedTopics()
		b := a.browser()
		b.login("leader", sqldbtest.Password)
		res, body := b.get("/visits/new")
		if res.StatusCode != 200 || !strings.Contains(body, `value="t:`+sqldbtest.Dongping+`"`) || strings.Contains(body, `value="t:`+sqldbtest.Meicheng+`"`) ||
			!strings.Contains(body, `name="p0_village"`) || !strings.Contains(body, "酉州村") {
			t.Fatalf("leader form: %d", res.StatusCode)
		}
		res, _ = b.post("/visits", url.Values{"place": {"t:" + sqldbtest.Dongping}, "date": {todayIn()}, "findings": {"调研东坪镇防汛"},
			"p0_village": {sqldbtest.VillageB}, "p0_category": {"construction"}, "p0_description": {"酉州村河堤有裂缝"}})
		if res.StatusCode != 303 {
			t.Fatalf("leader visit: %d", res.StatusCode)
		}
		res, body = b.get(res.Header.Get("Location"))
		if res.StatusCode != 200 || !strings.Contains(body, "领导联乡镇调研") || !strings.Contains(body, "东坪镇") || !strings.Contains(body, "酉州村河堤有裂缝") {
			t.Errorf("leader visit page: %d", res.StatusCode)
		}
		_, body = a.do("GET", "/api/v1/visits?kind=township", a.token("office"), "")
		vs := decode[struct{ Items []visitJSON }](t, body).Items
		if len(vs) != 1 || vs[0].Region != sqldbtest.Dongping || vs[0].CadreID != 1 || len(vs[0].Problems) != 1 {
			t.Errorf("township visits %+v", vs)
		}
		// Not a linked township.
		res, body = a.do("POST", "/api/v1/visits", a.token("leader"), `{"kind":"township","region":"`+sqldbtest.Meicheng+`","date":"`+todayIn()+`","findings":"x"}`)
		if p := decode[problem](t, body); res.StatusCode != 403 || !hasHan(p.Detail) {
			t.Errorf("other township: %d %s", res.StatusCode, body)
		}
		if res, body = b.get("/visits"); res.StatusCode != 200 || !strings.Contains(body, "我的走访") || !strings.Contains(body, "东坪镇") {
			t.Errorf("leader list: %d", res.StatusCode)
		}

		u := a.browser()
		u.login("unitadmin", sqldbtest.Password)
		res, body = u.get("/visits/new")
		if res.StatusCode != 200 || !strings.Contains(body, `value="v:1:`+sqldbtest.VillageA+`"`) || strings.Contains(body, sqldbtest.VillageC) {
			t.Fatalf("unit form: %d", res.StatusCode)
		}
		res, _ = u.post("/visits", url.Values{"place": {"v:1:" + sqldbtest.VillageA}, "date": {todayIn()}, "findings": {"召开群众座谈会"}})
		if res.StatusCode != 303 {
			t.Errorf("village visit: %d", res.StatusCode)
		}
		// On behalf of a cadre, from the household page.
		res, body = u.get("/visits/new?household_id=1")
		if res.StatusCode != 200 || !strings.Contains(body, `name="visitor"`) || !strings.Contains(body, "李明") {
			t.Fatalf("on behalf: %d", res.StatusCode)
		}
		res, _ = u.post("/visits", url.Values{"place": {"h:1"}, "visitor": {"2"}, "date": {todayIn()}, "findings": {"陪同回访"}})
		if res.StatusCode != 303 {
			t.Errorf("visit on behalf: %d", res.StatusCode)
		}
	})
}

func TestTopics_Pages(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("office", sqldbtest.Password)
		countTopics := func() int {
			_, body := a.do("GET", "/api/v1/topics", a.token("office"), "")
			return len(decode[struct{ Items []topicJSON }](t, body).Items)
		}

		t.Run("ImportAllOrNothing", func(t *testing.T) {
			rows := "就业创业，家里有没有劳动力外出务工？\n" +
				"没有的领域\t这一行的领域不对\n" +
				"transport,通组公路好不好走？\n" +
				"\n" +
				"housing，\n" +
				"只有题目没有分隔符\n"
			res, body := b.post("/topics/import", url.Values{"rows": {rows}})
			if res.StatusCode != 422 {
				t.Fatalf("bad import: %d", res.StatusCode)
			}
			for _, want := range []string{"第 2 行", "没有的领域", "第 5 行", "第 6 行", "所有题目均未导入", "通组公路好不好走？"} {
				if !strings.Contains(body, want) {
					t.Errorf("import page lacks %q", want)
				}
			}
			if strings.Contains(body, "第 1 行") || strings.Contains(body, "第 3 行") {
				t.Error("good lines reported as errors")
			}
			if n := countTopics(); n != 0 {
				t.Fatalf("a refused import stored %d topics", n)
			}
			good := "就业创业，家里有没有劳动力外出务工，就业有什么困难？\n" +
				"SOCIAL_HEALTH\t医保报销顺不顺利？\r\n" +
				"transport,通组公路好不好走？\n\n"
			res, _ = b.post("/topics/import", url.Values{"rows": {good}})
			if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), url.QueryEscape("已导入 3 个题目")) {
				t.Fatalf("good import: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			_, body = a.do("GET", "/api/v1/topics?category=employment", a.token("office"), "")
			if items := decode[struct{ Items []topicJSON }](t, body).Items; len(items) != 1 || items[0].Question != "家里有没有劳动力外出务工，就业有什么困难？" {
				t.Errorf("a comma inside the question: %+v", items)
			}
		})

		t.Run("AddAndStaleEdit", func(t *testing.T) {
			res, body := b.post("/topics", url.Values{"category": {"elderly"}, "question": {""}})
			if res.StatusCode != 422 || !strings.Contains(body, "请填写调研题目") {
				t.Errorf("empty add: %d", res.StatusCode)
			}
			res, _ = b.post("/topics", url.Values{"category": {"elderly"}, "question": {"老人吃饭有人管吗？"}})
			if res.StatusCode != 303 {
				t.Fatalf("add: %d", res.StatusCode)
			}
			_, body = a.do("GET", "/api/v1/topics?category=elderly", a.token("office"), "")
			tp := decode[struct{ Items []topicJSON }](t, body).Items[0]
			path := fmt.Sprintf("/topics/%d", tp.ID)
			res, _ = b.post(path, url.Values{"version": {"1"}, "action": {"save"}, "category": {"elderly"}, "question": {"老人一日三餐有人照应吗？"}})
			if res.StatusCode != 303 {
				t.Fatalf("edit: %d", res.StatusCode)
			}
			// A second form opened before that edit.
			res, body = b.post(path, url.Values{"version": {"1"}, "action": {"save"}, "category": {"elderly"}, "question": {"独居老人有没有人定期探望？"}})
			if res.StatusCode != 409 || !strings.Contains(body, "已被他人修改") || !strings.Contains(body, "独居老人有没有人定期探望？") ||
				!strings.Contains(body, "老人一日三餐有人照应吗？") || !strings.Contains(body, `name="version" value="2"`) {
				t.Fatalf("stale edit: %d %.3000s", res.StatusCode, body)
			}
			// Sent again as it now stands, it applies.
			res, _ = b.post(path, url.Values{"version": {"2"}, "action": {"save"}, "category": {"elderly"}, "question": {"独居老人有没有人定期探望？"}})
			if res.StatusCode != 303 {
				t.Errorf("resubmit: %d", res.StatusCode)
			}
			res, _ = b.post(path, url.Values{"version": {"3"}, "action": {"retire"}})
			if res.StatusCode != 303 {
				t.Errorf("retire: %d", res.StatusCode)
			}
			_, body = a.do("GET", "/api/v1/topics?category=elderly", a.token("office"), "")
			if tp := decode[struct{ Items []topicJSON }](t, body).Items[0]; tp.Active || tp.Question != "独居老人有没有人定期探望？" {
				t.Errorf("after retire %+v", tp)
			}
			if _, body = b.get("/topics"); !strings.Contains(body, "已停用") || !strings.Contains(body, "恢复使用") || !strings.Contains(body, `action="/topics/import"`) {
				t.Error("office page lacks the retired mark, restore or import")
			}
		})

		t.Run("ReadOnlyForCadres", func(t *testing.T) {
			c := a.browser()
			c.login("cadre", sqldbtest.Password)
			res, body := c.get("/topics")
			if res.StatusCode != 200 || strings.Contains(body, "独居老人") || !strings.Contains(body, "通组公路好不好走？") ||
				strings.Contains(body, `action="/topics`) {
				t.Errorf("cadre topics page: %d", res.StatusCode)
			}
			if res, _ := c.post("/topics", url.Values{"category": {"elderly"}, "question": {"x"}}); res.StatusCode != 403 {
				t.Errorf("cadre adds a topic: %d", res.StatusCode)
			}
		})
	})
}
