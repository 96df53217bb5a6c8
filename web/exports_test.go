package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// newActivity records an activity through the API as user and returns its
// id.
func (a *app) newActivity(user, typ, date, village string, unit int64, volunteers []int64, others, served int, desc string) int64 {
	a.t.Helper()
	vs, _ := json.Marshal(volunteers)
	res, out := a.do("POST", "/api/v1/activities", a.token(user), fmt.Sprintf(`{"type":%q,"date":%q,"village":%q,"unit_id":%d,
		"volunteers":%s,"others":%d,"served":%d,"description":%q}`, typ, date, village, unit, vs, others, served, desc))
	if res.StatusCode != 201 {
		a.t.Fatalf("create activity: %d %s", res.StatusCode, out)
	}
	return decode[activityJSON](a.t, out).ID
}

func TestActivityPhotos(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		// 民政局's activity in 东坪镇 with 李明; 梅城镇's in 启安村.
		mz := a.newActivity("office", "relief", todayIn(), sqldbtest.VillageA, 1, []int64{2}, 0, 15, "走访慰问困难群众")
		mc := a.newActivity("office", "environment", todayIn(), sqldbtest.VillageC, 4, []int64{5}, 4, 30, "清理河道")
		api := fmt.Sprintf("/api/v1/activities/%d/photos", mz)
		page := fmt.Sprintf("/activities/%d", mz)
		var photoID int64

		t.Run("API", func(t *testing.T) {
			res, out := a.upload(api, a.token("unitadmin"), nil, "", file{"慰问.png", pngBytes(t, 120, 80)}, file{"合影.png", pngBytes(t, 40, 40)})
			if res.StatusCode != 201 {
				t.Fatalf("upload: %d %s", res.StatusCode, out)
			}
			items := decode[struct {
				Items []struct {
					ID         int64
					ActivityID int64 `json:"activity_id"`
					Kind       string
					HasThumb   bool `json:"has_thumb"`
				}
			}](t, out).Items
			if len(items) != 2 || items[0].ActivityID != mz || items[0].Kind != sanlian.AttachActivity || !items[0].HasThumb {
				t.Fatalf("photos %+v", items)
			}
			photoID = items[0].ID
			res, out = a.upload(api, a.token("office"), nil, "", file{"方案.pdf", []byte("%PDF-1.4\n%%EOF\n")})
			if res.StatusCode != 422 || !strings.Contains(out, "不是照片") {
				t.Errorf("a PDF: %d %s", res.StatusCode, out)
			}
			if res, out = a.upload(api, a.token("office"), nil, ""); res.StatusCode != 422 || !strings.Contains(out, "请选择要上传的照片") {
				t.Errorf("no file: %d %s", res.StatusCode, out)
			}
			// A cadre may not upload (policy), a unit admin not to another
			// unit's activity (scope).
			if res, _ = a.upload(api, a.token("cadre"), nil, "", file{"x.png", pngBytes(t, 4, 4)}); res.StatusCode != 403 {
				t.Errorf("cadre uploads: %d", res.StatusCode)
			}
			other := fmt.Sprintf("/api/v1/activities/%d/photos", mc)
			if res, _ = a.upload(other, a.token("unitadmin"), nil, "", file{"x.png", pngBytes(t, 4, 4)}); res.StatusCode != 404 {
				t.Errorf("unit admin uploads to another unit's activity: %d", res.StatusCode)
			}
		})

		t.Run("Page", func(t *testing.T) {
			b := a.browser()
			b.login("unitadmin", sqldbtest.Password)
			res, body := b.get(page)
			if res.StatusCode != 200 || !strings.Contains(body, `id="photos"`) || !strings.Contains(body, fmt.Sprintf(`/attachments/%d/thumb"`, photoID)) ||
				!strings.Contains(body, `action="`+page+`/photos"`) || !strings.Contains(body, `href="/volunteers/2"`) {
				t.Fatalf("activity page: %d, photos, thumbnail, form or volunteer link missing", res.StatusCode)
			}
			res, _ = b.postMultipart(page+"/photos", nil, file{"清扫.png", pngBytes(t, 30, 30)})
			if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.HasPrefix(loc, page+"?ok=") || !strings.HasSuffix(loc, "#photos") {
				t.Errorf("upload from the page: %d %s", res.StatusCode, loc)
			}
			res, body = b.postMultipart(page+"/photos", nil, file{"说明.txt", []byte("活动说明")})
			if res.StatusCode != 422 || !strings.Contains(body, "不是照片") || !strings.Contains(body, "走访慰问困难群众") {
				t.Errorf("a text file from the page: %d", res.StatusCode)
			}
			_, body = b.get(page)
			if n := strings.Count(body, "/thumb\""); n != 3 {
				t.Errorf("page shows %d thumbnails, want 3", n)
			}
			// The leader of 东坪镇 sees the photos, without an upload form;
			// the cadre of 梅城镇 does not see the activity at all.
			l := a.browser()
			l.login("leader", sqldbtest.Password)
			res, body = l.get(page)
			if res.StatusCode != 200 || !strings.Contains(body, "/thumb\"") || strings.Contains(body, "multipart/form-data") {
				t.Errorf("leader's page: %d", res.StatusCode)
			}
			if res, _ = l.get(fmt.Sprintf("/attachments/%d/thumb", photoID)); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("leader's thumbnail: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			c := a.browser()
			c.login("cadre5", sqldbtest.Password)
			if res, _ = c.get(fmt.Sprintf("/attachments/%d", photoID)); res.StatusCode != 404 {
				t.Errorf("cadre5 opens the photo: %d", res.StatusCode)
			}
		})
	})
}

func TestActivityTypesPage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("office", sqldbtest.Password)
		types := func() map[string]sanlian.ActivityType {
			t.Helper()
			res, out := a.do("GET", "/api/v1/activity-types", a.token("office"), "")
			if res.StatusCode != 200 {
				t.Fatalf("types: %d %s", res.StatusCode, out)
			}
			m := map[string]sanlian.ActivityType{}
			for _, x := range decode[struct{ Items []sanlian.ActivityType }](t, out).Items {
				m[x.Code] = x
			}
			return m
		}
		post := func(v url.Values) (*http.Response, string) { t.Helper(); return b.post("/activity-types", v) }

		res, body := b.get("/activity-types")
		if res.StatusCode != 200 || !strings.Contains(body, "帮困慰问") || !strings.Contains(body, `id="type-relief"`) || !strings.Contains(body, `value="add"`) {
			t.Fatalf("page: %d", res.StatusCode)
		}
		if _, body = b.get("/activities"); !strings.Contains(body, `href="/activity-types"`) {
			t.Error("the activities page does not link the types for the office")
		}

		t.Run("Add", func(t *testing.T) {
			res, _ := post(url.Values{"action": {"add"}, "code": {"flood"}, "name": {"防汛救灾"}, "sort": {"11"}})
			if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/activity-types?ok=") {
				t.Fatalf("add: %d", res.StatusCode)
			}
			if x := types()["flood"]; x.Name != "防汛救灾" || !x.Active || x.Sort != 11 {
				t.Errorf("added %+v", x)
			}
		})
		t.Run("BadInput", func(t *testing.T) {
			before := types()
			for _, c := range []struct {
				form url.Values
				want []string // in the page: the reason and what was typed
			}{
				{url.Values{"action": {"add"}, "code": {"relief"}, "name": {"新的慰问"}, "sort": {"3"}}, []string{"已被「帮困慰问」使用", `value="新的慰问"`}},
				{url.Values{"action": {"add"}, "code": {"drill"}, "name": {" "}, "sort": {"12"}}, []string{"请填写类型名称", `value="drill"`}},
				{url.Values{"action": {"add"}, "code": {"a b"}, "name": {"应急演练"}, "sort": {"12"}}, []string{"不含空格", `value="应急演练"`}},
				{url.Values{"action": {"add"}, "code": {"drill"}, "name": {"应急演练"}, "sort": {"十二"}}, []string{"排序应为", `value="十二"`}},
				{url.Values{"action": {"save"}, "code": {"clinic"}, "name": {strings.Repeat("义", 41)}, "sort": {"3"}}, []string{"不超过 40 字", strings.Repeat("义", 41)}},
				{url.Values{"action": {"save"}, "code": {"clinic"}, "name": {"健康义诊"}, "sort": {""}}, []string{"请填写排序"}},
			} {
				res, body := post(c.form)
				if res.StatusCode != 422 {
					t.Errorf("%v: %d, want 422", c.form, res.StatusCode)
					continue
				}
				for _, w := range c.want {
					if !strings.Contains(body, w) {
						t.Errorf("%v: page lacks %q", c.form, w)
					}
				}
			}
			if after := types(); len(after) != len(before) || after["relief"].Name != "帮困慰问" || after["clinic"].Name != "健康义诊" {
				t.Errorf("refused forms changed the types: %v", after)
			}
			if res, _ := post(url.Values{"action": {"save"}, "code": {"nosuch"}, "name": {"某类"}, "sort": {"1"}}); res.StatusCode != 404 {
				t.Errorf("saving an unknown type: %d", res.StatusCode)
			}
		})
		t.Run("RenameRetireRestore", func(t *testing.T) {
			if res, _ := post(url.Values{"action": {"save"}, "code": {"flood"}, "name": {"抗洪救灾"}, "sort": {"5"}}); res.StatusCode != 303 {
				t.Fatalf("rename: %d", res.StatusCode)
			}
			if x := types()["flood"]; x.Name != "抗洪救灾" || x.Sort != 5 || !x.Active {
				t.Errorf("renamed %+v", x)
			}
			if res, _ := post(url.Values{"action": {"retire"}, "code": {"flood"}, "name": {"抗洪救灾"}, "sort": {"5"}}); res.StatusCode != 303 {
				t.Fatalf("retire: %d", res.StatusCode)
			}
			if x := types()["flood"]; x.Active {
				t.Errorf("retired %+v", x)
			}
			if _, body := b.get("/activity-types"); !strings.Contains(body, `value="restore"`) || !strings.Contains(body, "已停用") {
				t.Error("a retired type offers no restore")
			}
			// A retired type cannot be chosen for a new activity.
			res, out := a.do("POST", "/api/v1/activities", a.token("office"), fmt.Sprintf(`{"type":"flood","date":%q,"village":%q,"unit_id":1,
				"others":3,"served":5,"description":"转移群众"}`, todayIn(), sqldbtest.VillageA))
			if res.StatusCode != 422 || !strings.Contains(out, "已停用") {
				t.Errorf("retired type chosen: %d %s", res.StatusCode, out)
			}
			if res, _ := post(url.Values{"action": {"restore"}, "code": {"flood"}, "name": {"抗洪救灾"}, "sort": {"5"}}); res.StatusCode != 303 {
				t.Fatalf("restore: %d", res.StatusCode)
			}
			if x := types()["flood"]; !x.Active {
				t.Errorf("restored %+v", x)
			}
		})
		t.Run("Forbidden", func(t *testing.T) {
			u := a.browser()
			u.login("unitadmin", sqldbtest.Password)
			if res, _ := u.get("/activity-types"); res.StatusCode != 403 {
				t.Errorf("unit admin reads: %d", res.StatusCode)
			}
			if res, _ := u.post("/activity-types", url.Values{"action": {"add"}, "code": {"x"}, "name": {"某类"}, "sort": {"1"}}); res.StatusCode != 403 {
				t.Errorf("unit admin adds: %d", res.StatusCode)
			}
			if _, body := u.get("/activities"); strings.Contains(body, `href="/activity-types"`) {
				t.Error("the activities page links the types for a unit admin")
			}
		})
	})
}

func TestVolunteerPage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		last := time.Now().In(sanlian.Shanghai).AddDate(-1, 0, 0).Format("2006-01-02")
		// 李明 (cadre 2, 民政局) serves at 民政局's clinic this year and at
		// 梅城镇's legal outreach last year; 赵丽 (cadre 6) only at 民政局's.
		a.newActivity("office", "clinic", todayIn(), sqldbtest.VillageA, 1, []int64{2, 6}, 3, 40, "义诊")
		a.newActivity("office", "legal", last, sqldbtest.VillageC, 4, []int64{2, 5}, 0, 25, "普法宣传")
		a.newActivity("office", "clinic", last, sqldbtest.VillageB, 3, []int64{4}, 0, 7, "送医下乡")
		this, lastYear := todayIn()[:4]+" 年", last[:4]+" 年"

		page := func(user, path string) (int, string) {
			t.Helper()
			b := a.browser()
			b.login(user, sqldbtest.Password)
			res, body := b.get(path)
			return res.StatusCode, body
		}
		row := func(body, table, label string) string {
			t.Helper()
			i := strings.Index(body, `id="`+table+`"`)
			if i < 0 {
				t.Fatalf("no table %s", table)
			}
			body = body[i:]
			body = body[:strings.Index(body, "</table>")]
			j := strings.Index(body, "<td>"+label+"</td>")
			if j < 0 {
				return ""
			}
			return body[j : j+strings.Index(body[j:], "</tr>")]
		}
		cells := func(n, served int) string {
			return fmt.Sprintf(`<td class="num">%d</td><td class="num">%d</td>`, n, served)
		}

		t.Run("Office", func(t *testing.T) {
			status, body := page("office", "/volunteers/2")
			if status != 200 || !strings.Contains(body, "李明") || strings.Contains(body, `id="partial-record"`) ||
				!strings.Contains(body, "参加活动 <strong>2</strong> 次，服务群众 <strong>65</strong>") {
				t.Fatalf("record: %d", status)
			}
			if r := row(body, "volunteer-by-type", "健康义诊"); !strings.Contains(r, cells(1, 40)) {
				t.Errorf("by type 健康义诊: %q", r)
			}
			if r := row(body, "volunteer-by-type", "法律政策科普"); !strings.Contains(r, cells(1, 25)) {
				t.Errorf("by type 法律政策科普: %q", r)
			}
			if r := row(body, "volunteer-by-year", this); !strings.Contains(r, cells(1, 40)) {
				t.Errorf("by year %s: %q", this, r)
			}
			if r := row(body, "volunteer-by-year", lastYear); !strings.Contains(r, cells(1, 25)) {
				t.Errorf("by year %s: %q", lastYear, r)
			}
			list := body[strings.Index(body, `id="volunteer-activities"`):]
			if list = list[:strings.Index(list, "</table>")]; strings.Count(list, `<a href="/activities/`) != 2 || strings.Contains(body, "送医下乡") {
				t.Error("the list is not 李明's two activities")
			}
		})
		t.Run("Own", func(t *testing.T) {
			// The cadre's own record holds 梅城镇's activity too, beyond
			// their unit.
			status, body := page("cadre", "/volunteers/2")
			if status != 200 || strings.Contains(body, `id="partial-record"`) || !strings.Contains(body, "参加活动 <strong>2</strong> 次") {
				t.Errorf("own record: %d", status)
			}
			if _, body := page("cadre", "/cadres/2"); !strings.Contains(body, `href="/volunteers/2"`) {
				t.Error("the cadre page does not link the record")
			}
		})
		t.Run("Partial", func(t *testing.T) {
			// 梅城镇's cadre sees only 梅城镇's activity, and is told so;
			// the name comes from it, as 李明 is not one of their cadres.
			status, body := page("cadre5", "/volunteers/2")
			if status != 200 || !strings.Contains(body, "李明") || !strings.Contains(body, `id="partial-record"`) ||
				!strings.Contains(body, "参加活动 <strong>1</strong> 次，服务群众 <strong>25</strong>") || strings.Contains(body, "义诊</") {
				t.Errorf("cadre5's view: %d", status)
			}
			status, body = page("unitadmin", "/volunteers/2")
			if status != 200 || !strings.Contains(body, `id="partial-record"`) || !strings.Contains(body, "参加活动 <strong>1</strong> 次，服务群众 <strong>40</strong>") {
				t.Errorf("unit admin's view: %d", status)
			}
			// 赵丽 served nowhere 梅城镇's cadre can see.
			if status, _ = page("cadre5", "/volunteers/6"); status != 404 {
				t.Errorf("cadre5 on 赵丽: %d, want 404", status)
			}
			if status, _ = page("office", "/volunteers/999"); status != 404 {
				t.Errorf("unknown cadre: %d, want 404", status)
			}
			if status, body = page("office", "/volunteers/3"); status != 200 || !strings.Contains(body, "暂无志愿服务记录") {
				t.Errorf("a cadre with no activity: %d", status)
			}
			if status, _ = page("sysadmin", "/volunteers/2"); status != 403 {
				t.Errorf("sysadmin: %d, want 403", status)
			}
		})
	})
}

// workbook opens an export answer and returns the header row and the rows
// below it, after checking the download headers.
func workbook(t *testing.T, res *http.Response, body, sheet string) (header []string, rows [][]string, title string) {
	t.Helper()
	if res.StatusCode != 200 {
		t.Fatalf("export: %d %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(sheet)) {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	all, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	if len(all) < 2 {
		t.Fatalf("%d rows: no header", len(all))
	}
	return all[1], all[2:], all[0][0]
}

func TestListExports(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		topics := a.seedTopics()
		a.newActivity("office", "clinic", todayIn(), sqldbtest.VillageA, 1, []int64{2, 6}, 3, 40, "=HYPERLINK(\"http://x.example/\",\"义诊\")")
		a.newActivity("unitadmin", "legal", todayIn(), sqldbtest.VillageB, 2, []int64{3}, 0, 12, "送法下乡")
		res, out := a.do("POST", "/api/v1/visits", a.token("cadre"), fmt.Sprintf(`{"kind":"household","date":%q,"household_id":1,
			"topics":[%d],"findings":"低保金按时到账"}`, todayIn(), topics[0].ID))
		if res.StatusCode != 201 {
			t.Fatalf("visit: %d %s", res.StatusCode, out)
		}
		a.token("auditor") // its login is audited now, not between an export and its audit row
		get := func(user, path string) (*http.Response, string) {
			t.Helper()
			return a.do("GET", path, a.token(user), "")
		}
		count := func(user, path, sheet string, want int) ([]string, [][]string, string) {
			t.Helper()
			res, body := get(user, path)
			h, rows, title := workbook(t, res, body, sheet)
			if len(rows) != want {
				t.Errorf("%s %s: %d rows, want %d", user, path, len(rows), want)
			}
			for i, r := range rows {
				if len(r) == 0 || r[0] != strconv.Itoa(i+1) {
					t.Errorf("%s %s: row %d numbered %v", user, path, i+1, r)
					break
				}
			}
			return h, rows, title
		}
		col := func(h []string, rows [][]string, name string) []string { t.Helper(); return column(t, h, rows, name) }
		lastAudit := func() (sanlian.AuditEntry, map[string][2]any) {
			t.Helper()
			_, out := a.do("GET", "/api/v1/audit?limit=1", a.token("auditor"), "")
			e := decode[struct{ Items []sanlian.AuditEntry }](t, out).Items[0]
			ch := map[string][2]any{}
			if err := json.Unmarshal([]byte(e.Changes), &ch); err != nil {
				t.Fatal(err)
			}
			return e, ch
		}

		t.Run("Activities", func(t *testing.T) {
			h, rows, _ := count("office", "/activities/export.xlsx", "志愿服务活动", 2)
			want := []string{"序号", "活动日期", "活动类型", "乡镇", "活动地点", "组织单位", "干部志愿者", "其他志愿者人数", "志愿者合计", "服务群众人数", "活动内容"}
			if !slices.Equal(h, want) {
				t.Errorf("header %q, want %q", h, want)
			}
			if got := col(h, rows, "干部志愿者"); !slices.Contains(got, "李明、赵丽") {
				t.Errorf("volunteers %q", got)
			}
			if got := col(h, rows, "志愿者合计"); !slices.Contains(got, "5") {
				t.Errorf("volunteer totals %q", got)
			}
			if got := col(h, rows, "活动内容"); !slices.Contains(got, "=HYPERLINK(\"http://x.example/\",\"义诊\")") {
				t.Errorf("description %q", got)
			}
			_, _, title := count("office", "/activities/export.xlsx?type=legal", "志愿服务活动", 1)
			if !strings.Contains(title, "类型：法律政策科普") {
				t.Errorf("title %q", title)
			}
			count("cadre", "/activities/export.xlsx?mine=1", "志愿服务活动", 1)
			count("office", "/activities/export.xlsx?volunteer=3", "志愿服务活动", 1)
			count("cadre5", "/activities/export.xlsx", "志愿服务活动", 0)
		})
		t.Run("Regions", func(t *testing.T) {
			h, rows, _ := count("office", "/regions/export.xlsx", "行政区划", 7)
			names, towns, households := col(h, rows, "名称"), col(h, rows, "所属乡镇"), col(h, rows, "农户数")
			i := slices.Index(names, "黄沙坪村")
			if i < 0 || towns[i] != "东坪镇" || households[i] != "5" {
				t.Errorf("黄沙坪村: %q %q %q", names, towns, households)
			}
			if j := slices.Index(names, "东坪镇"); j < 0 || col(h, rows, "村(社区)数")[j] != "2" || households[j] != "10" {
				t.Errorf("东坪镇 row: %v", rows)
			}
			h, _, _ = count("sysadmin", "/regions/export.xlsx", "行政区划", 7)
			if slices.Contains(h, "农户数") {
				t.Error("sysadmin's export counts households")
			}
			count("leader", "/regions/export.xlsx", "行政区划", 4)
			count("office", "/regions/export.xlsx?kind=village", "行政区划", 4)
		})
		t.Run("Units", func(t *testing.T) {
			h, rows, _ := count("office", "/units/export.xlsx", "单位", 5)
			if !slices.Equal(h, []string{"序号", "单位", "类别", "上级单位", "负责人", "干部", "联系村"}) {
				t.Errorf("header %q", h)
			}
			if i := slices.Index(col(h, rows, "单位"), "县民政局社会救助股"); i < 0 || col(h, rows, "上级单位")[i] != "县民政局" {
				t.Errorf("units %v", rows)
			}
			count("unitadmin", "/units/export.xlsx", "单位", 2)
			count("office", "/units/export.xlsx?kind=township", "单位", 2)
		})
		t.Run("Cadres", func(t *testing.T) {
			h, rows, _ := count("office", "/cadres/export.xlsx", "党员干部", 6)
			for i, p := range col(h, rows, "电话") {
				if !strings.Contains(p, "****") || strings.Contains(p, "0000000") {
					t.Errorf("row %d: phone %q is not masked", i+1, p)
				}
			}
			e, ch := lastAudit()
			if e.Action != "export" || e.Entity != "cadre" || e.Actor != "office" || ch["rows"][1] != float64(6) {
				t.Errorf("audit %+v %v", e, ch)
			}
			_, _, title := count("office", "/cadres/export.xlsx?unit_id=1", "党员干部", 2)
			if !strings.Contains(title, "单位：县民政局") {
				t.Errorf("title %q", title)
			}
			if _, ch := lastAudit(); ch["filter"][1] != "单位：县民政局" || ch["rows"][1] != float64(2) {
				t.Errorf("audit changes %v", ch)
			}
			count("cadre", "/cadres/export.xlsx", "党员干部", 1)
		})
		t.Run("Households", func(t *testing.T) {
			res, body := get("office", "/households/export.xlsx")
			h, rows, _ := workbook(t, res, body, "农户")
			if len(rows) != 20 {
				t.Errorf("%d households, want 20", len(rows))
			}
			if !slices.Equal(h, []string{"序号", "户主", "乡镇", "村(社区)", "身份证号", "电话", "人口", "三必访", "联系干部"}) {
				t.Errorf("header %q", h)
			}
			// No whole ID number or phone anywhere in the file.
			f, _ := excelize.OpenReader(bytes.NewReader([]byte(body)))
			all, _ := f.GetRows("农户")
			f.Close()
			flat := fmt.Sprint(all)
			for _, hh := range sqldbtest.SmallCounty().Households {
				if strings.Contains(flat, hh.IDNumber) || strings.Contains(flat, hh.Phone) {
					t.Fatalf("household %d's ID number or phone is whole in the export", hh.ID)
				}
			}
			for i, id := range col(h, rows, "身份证号") {
				if !strings.Contains(id, "*") {
					t.Errorf("row %d: ID number %q", i+1, id)
				}
			}
			e, ch := lastAudit()
			if e.Action != "export" || e.Entity != "household" || ch["rows"][1] != float64(20) {
				t.Errorf("audit %+v %v", e, ch)
			}
			_, _, title := count("office", "/households/export.xlsx?township="+sqldbtest.Dongping, "农户", 10)
			if !strings.Contains(title, "乡镇：东坪镇") {
				t.Errorf("title %q", title)
			}
			count("office", "/households/export.xlsx?tag=any", "农户", 7)
			count("office", "/households/export.xlsx?linked=no&township="+sqldbtest.Dongping, "农户", 4)
			h, rows, _ = count("cadre", "/households/export.xlsx", "农户", 3)
			if got := col(h, rows, "联系干部"); got[0] != "李明" {
				t.Errorf("linked cadres %q", got)
			}
			// A bad filter is refused before any file.
			if res, body := get("office", "/households/export.xlsx?linked=maybe"); res.StatusCode != 400 || !hasHan(body) {
				t.Errorf("bad filter: %d %s", res.StatusCode, body)
			}
		})
		t.Run("Links", func(t *testing.T) {
			h, rows, _ := count("office", "/links/export.xlsx", "联系关系", 13)
			if got := col(h, rows, "状态"); slices.Contains(got, "已解除") {
				t.Errorf("states %q", got)
			}
			count("office", "/links/export.xlsx?kind=household", "联系关系", 8)
			count("unitadmin", "/links/export.xlsx", "联系关系", 5)
		})
		t.Run("Topics", func(t *testing.T) {
			h, rows, _ := count("auditor", "/topics/export.xlsx", "调研题库", len(topics))
			if got := col(h, rows, "题目"); !slices.Contains(got, topics[0].Question) {
				t.Errorf("questions %q", got)
			}
		})
		t.Run("Visits", func(t *testing.T) {
			h, rows, _ := count("cadre", "/visits/export.xlsx", "走访记录", 1)
			if got := col(h, rows, "走访发现"); got[0] != "低保金按时到账" {
				t.Errorf("findings %q", got)
			}
			if got := col(h, rows, "走访对象"); !strings.HasSuffix(got[0], " 户") {
				t.Errorf("visited %q", got)
			}
			count("office", "/visits/export.xlsx", "走访记录", 1)
			count("office", "/visits/export.xlsx?township="+sqldbtest.Meicheng, "走访记录", 0)
			count("cadre5", "/visits/export.xlsx?mine=0", "走访记录", 0)
		})
		t.Run("Audit", func(t *testing.T) {
			n := a.auditRows()
			h, rows, _ := count("auditor", "/audit/export.xlsx", "审计日志", n)
			if !slices.Contains(col(h, rows, "动作"), "export") {
				t.Error("the exports' audit rows are not in the audit export")
			}
			count("office", "/audit/export.xlsx?action=export&entity=household", "审计日志", 5)
		})
		t.Run("Users", func(t *testing.T) {
			h, rows, _ := count("sysadmin", "/users/export.xlsx", "账号", 8)
			if i := slices.Index(col(h, rows, "用户名"), "cadre"); i < 0 || col(h, rows, "角色")[i] != "党员干部" || col(h, rows, "对应干部")[i] == "" {
				t.Errorf("users %v", rows)
			}
		})
		t.Run("Forbidden", func(t *testing.T) {
			for _, c := range []struct{ user, path string }{
				{"sysadmin", "/households/export.xlsx"}, {"secadmin", "/households/export.xlsx"}, {"auditor", "/households/export.xlsx"}, {"auditor", "/cadres/export.xlsx"},
				{"auditor", "/regions/export.xlsx"}, {"auditor", "/units/export.xlsx"}, {"cadre", "/links/export.xlsx"},
				{"leader", "/links/export.xlsx"}, {"sysadmin", "/visits/export.xlsx"}, {"sysadmin", "/activities/export.xlsx"},
				{"cadre", "/audit/export.xlsx"}, {"unitadmin", "/audit/export.xlsx"}, {"unitadmin", "/users/export.xlsx"}, {"office", "/users/export.xlsx"},
			} {
				if res, body := get(c.user, c.path); res.StatusCode != 403 || strings.Contains(res.Header.Get("Content-Type"), "sheet") {
					t.Errorf("%s %s: %d %s", c.user, c.path, res.StatusCode, body)
				}
			}
		})
		t.Run("Links on the pages", func(t *testing.T) {
			for _, c := range []struct{ user, page, href string }{
				{"office", "/activities?type=clinic", "/activities/export.xlsx?"}, {"office", "/regions", "/regions/export.xlsx"},
				{"office", "/units?kind=township", "/units/export.xlsx?kind=township"}, {"office", "/cadres?unit_id=1", "/cadres/export.xlsx?unit_id=1"},
				{"office", "/households?tag=any", "/households/export.xlsx?"}, {"office", "/links", "/links/export.xlsx"},
				{"office", "/topics", "/topics/export.xlsx"}, {"office", "/visits?township=" + sqldbtest.Dongping, "/visits/export.xlsx?"},
				{"auditor", "/audit?action=export", "/audit/export.xlsx?"}, {"sysadmin", "/users", "/users/export.xlsx"},
			} {
				b := a.browser()
				b.login(c.user, sqldbtest.Password)
				res, body := b.get(c.page)
				if res.StatusCode != 200 || !strings.Contains(body, `id="export" href="`+c.href) {
					t.Errorf("%s %s: %d, no export link to %s", c.user, c.page, res.StatusCode, c.href)
				}
			}
			b := a.browser()
			b.login("office", sqldbtest.Password)
			_, body := b.get("/households?tag=any&township=" + sqldbtest.Dongping)
			i := strings.Index(body, `id="export" href="`)
			href := strings.ReplaceAll(body[i+len(`id="export" href="`):][:strings.Index(body[i+len(`id="export" href="`):], `"`)], "&amp;", "&")
			count("office", href, "农户", 4)
		})
	})
}
