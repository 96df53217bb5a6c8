package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// TestHygiene_NoServerError: a NUL byte or invalid UTF-8 in a query
// parameter or a body, on routes with and without login, is a 400 naming
// the field, never a 500 (PostgreSQL cannot store a NUL) nor stored (as
// SQLite would).
func TestHygiene_NoServerError(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newPublicApp(t, db, web.Config{})
		office := a.token("office")
		cases := []struct {
			name, method, path, token, body string
			want                            []string // parts of the body
		}{
			{"open311 query NUL", "GET", "/open311/v2/requests.json?service_code=%00", "", "", []string{"service_code", "空字符"}},
			{"open311 query bad UTF-8", "GET", "/open311/v2/requests.json?service_code=%ff", "", "", []string{"service_code", "无效的字符编码"}},
			{"login escaped NUL", "POST", "/api/v1/login", "", `{"username":"office\u0000","password":"x"}`, []string{"username", "空字符"}},
			{"login raw bad UTF-8", "POST", "/api/v1/login", "", "{\"username\":\"off\xffice\",\"password\":\"x\"}", []string{"无效的字符编码"}},
			{"login form NUL", "POST", "/login", "", "username=office%00&password=x", []string{"username", "空字符"}},
			{"search NUL", "GET", "/api/v1/problems?q=%00", office, "", []string{"q", "空字符"}},
			{"nested JSON control", "POST", "/api/v1/problems", office, `{"category":"transport","village":"` + sqldbtest.VillageA + `","description":"路\u001b灯坏了"}`, []string{"description", "控制字符"}},
			{"open311 XML query NUL", "GET", "/open311/v2/requests.xml?status=open%00", "", "", []string{"<description>", "status", "空字符"}},
			{"page query NUL", "GET", "/track?code=%00", "", "", []string{"code", "空字符"}},
		}
		for _, c := range cases {
			res, body := a.do(c.method, c.path, c.token, c.body)
			if res.StatusCode != 400 || !hasHan(body) {
				t.Errorf("%s: %d %.300s, want 400 in Chinese", c.name, res.StatusCode, body)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: %.300s, want %q", c.name, body, w)
				}
			}
			api := strings.HasPrefix(c.path, "/api/")
			if ct := res.Header.Get("Content-Type"); api != strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("%s: Content-Type %s", c.name, ct)
			}
		}
		// An Open311 request posted as a form, and as a multipart form.
		_, key := issueKey(t, a, "12345热线", "hotline")
		form := url.Values{"api_key": {key}, "service_code": {"transport"}, "lat": {"28.38"}, "long": {"111.21"},
			"description": {"路灯\x00不亮了"}}
		res, body := a.do("POST", "/open311/v2/requests.json", "", form.Encode())
		if res.StatusCode != 400 || !strings.Contains(body, "description") || !strings.Contains(body, "空字符") {
			t.Errorf("open311 form with NUL: %d %s", res.StatusCode, body)
		}
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		for k := range form {
			mw.WriteField(k, form.Get(k))
		}
		mw.Close()
		res, body = a.do("POST", "/open311/v2/requests.json", "", mp.String(), "Content-Type", mw.FormDataContentType())
		if res.StatusCode != 400 || !strings.Contains(body, "description") || !strings.Contains(body, "空字符") {
			t.Errorf("open311 multipart with NUL: %d %s", res.StatusCode, body)
		}
		// The public submission: a NUL in the description, and in the
		// category, which reaches the database before any validator.
		for _, field := range []string{"description", "category"} {
			v := a.openForm("").fields("村口的桥栏杆断了好几根", "")
			v.Set(field, v.Get(field)+"\x00")
			res, body := a.postSubmit(v, nil)
			if res.StatusCode != 400 || !strings.Contains(body, "空字符") {
				t.Errorf("submission with NUL in %s: %d %.300s", field, res.StatusCode, body)
			}
		}
		if n := a.tracked(); n != 0 {
			t.Errorf("%d problems stored from refused requests", n)
		}
		// Line breaks and tabs in long text still pass.
		res, body = a.do("POST", "/api/v1/problems", office, `{"category":"transport","village":"`+sqldbtest.VillageA+`","description":"第一处\r\n第二处\t坏了"}`)
		if res.StatusCode != 201 {
			t.Errorf("multiline description: %d %s", res.StatusCode, body)
		}
	})
}

// TestHygiene_InvisibleAndControlText: a title of only zero-width spaces
// and a unit name holding CR LF are refused with field errors.
func TestHygiene_InvisibleAndControlText(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/problems", office, `{"category":"transport","village":"`+sqldbtest.VillageA+`","title":"\u200b\u200b","description":"村道破损严重"}`)
		if p := decode[problem](t, body); res.StatusCode != 422 || !strings.Contains(p.Errors["title"], "标题只有空白或不可见字符") {
			t.Errorf("invisible title: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/units", office, `{"name":"县民政局\r\n局办","kind":"department"}`)
		if p := decode[problem](t, body); res.StatusCode != 422 || !strings.Contains(p.Errors["name"], "单位名称不能换行") {
			t.Errorf("unit name with CR LF: %d %s", res.StatusCode, body)
		}
		res, body = a.do("POST", "/api/v1/categories", office, `{"code":"ghost","name":"\u200b\u2060","active":true}`)
		if p := decode[problem](t, body); res.StatusCode != 422 || !strings.Contains(p.Errors["name"], "类别名称只有空白或不可见字符") {
			t.Errorf("invisible category name: %d %s", res.StatusCode, body)
		}
		// A reason is required to reject: zero-width spaces are none.
		p := a.createProblem(a.token("cadre"), sqldbtest.VillageA, "道路积水", "雨后道路积水严重")
		if status, body, _ := a.problemAct(office, p, "reject", `,"reason":"\u200b\u200b"`); status != 422 || !strings.Contains(body, "理由只有空白") {
			t.Errorf("invisible reason: %d %s", status, body)
		}
	})
}

// TestHygiene_ImportCell: a cell holding a control character is refused
// with its row and column, and nothing is imported.
func TestHygiene_ImportCell(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		before := a.households()
		// Excel stores a control character as the escape _x0000_;
		// excelize would write U+FFFD instead, so the escape is put in
		// the workbook's XML by hand.
		book := replaceInZip(t, householdsBook(t,
			[]any{"东坪镇酉州村", "欧阳新", sqldbtest.IDNumber("43092319900101901"), "13800138000", 3},
			[]any{"梅城镇启安村", "谢NULHERE春", sqldbtest.IDNumber("43092319900101902"), "13900139000", 4},
		), "NULHERE", "_x0000_")
		res, body := a.upload("/api/v1/imports?kind=households", a.token("office"), nil, "", file{"农户.xlsx", book})
		p := decode[importProblem](t, body)
		if res.StatusCode != 422 || len(p.Report.Errors) != 1 {
			t.Fatalf("import with a NUL: %d %s", res.StatusCode, body)
		}
		if e := p.Report.Errors[0]; e.Line != 4 || e.Column != "户主姓名" || !strings.Contains(e.Message, "空字符") {
			t.Errorf("error %+v, want line 4, 户主姓名, 空字符", e)
		}
		if n := a.households(); n != before {
			t.Errorf("%d households, want %d", n, before)
		}
	})
}

// replaceInZip replaces old with new in every XML part of a workbook.
func replaceInZip(t *testing.T, book []byte, old, new string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.Name, ".xml") && bytes.Contains(b, []byte(old)) {
			b, found = bytes.ReplaceAll(b, []byte(old), []byte(new)), true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil || !found {
		t.Fatalf("replace %q: found %v, %v", old, found, err)
	}
	return out.Bytes()
}

// TestHygiene_MultipartText: the text fields of a multipart form are
// held to the same check, its files (binary, NULs and all) are not.
func TestHygiene_MultipartText(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		cadre := a.token("cadre")
		id := a.newProblemAPI("cadre", "村口石桥开裂")
		base := fmt.Sprintf("/api/v1/problems/%d/attachments", id)
		img := pngBytes(t, 40, 30)
		res, body := a.upload(base, cadre, nil, "evidence\x00", file{"石桥裂缝.png", img})
		if res.StatusCode != 400 || !strings.Contains(body, "kind") || !strings.Contains(body, "空字符") {
			t.Errorf("attachment kind with NUL: %d %s", res.StatusCode, body)
		}
		res, body = a.upload("/api/v1/imports", a.token("office"), nil, "house\x00holds", file{"农户.xlsx", householdsBook(t)})
		if res.StatusCode != 400 || !strings.Contains(body, "kind") || !strings.Contains(body, "空字符") {
			t.Errorf("import kind with NUL: %d %s", res.StatusCode, body)
		}
		res, body = a.upload(base, cadre, nil, "", file{"石桥裂缝.png", img})
		if res.StatusCode != 201 {
			t.Errorf("attachment: %d %s", res.StatusCode, body)
		}
	})
}
