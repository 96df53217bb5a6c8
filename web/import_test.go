package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
	"sanlian/xlsx"
)

// householdsBook is a households workbook with a title row above the
// header.
func householdsBook(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"新增农户名单"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"村(社区)", "户主姓名", "身份证号", "联系电话", "家庭人口"})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// importProblem is the problem+json body of a refused import.
type importProblem struct {
	problem
	Report sanlian.ImportReport
}

func TestImports_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		before := a.households()
		office := a.token("office")
		good := householdsBook(t,
			[]any{"东坪镇酉州村", "欧阳新", sqldbtest.IDNumber("43092319900101901"), "13800138000", 3},
			[]any{"梅城镇启安村", "谢春", sqldbtest.IDNumber("43092319900101902"), 13900139000, "4"},
		)

		// Multipart, the kind in the query.
		res, body := a.upload("/api/v1/imports?kind=households", office, nil, "", file{"农户.xlsx", good})
		if res.StatusCode != 200 {
			t.Fatalf("import: %d %s", res.StatusCode, body)
		}
		rep := decode[sanlian.ImportReport](t, body)
		if !rep.Committed || rep.Rows != 2 || rep.Created != 2 || rep.Kind != "households" || rep.Label != "农户" || len(rep.Errors) != 0 {
			t.Errorf("report: %+v", rep)
		}
		if n := a.households(); n != before+2 {
			t.Errorf("%d households, want %d", n, before+2)
		}

		// The same file again: every row is refused, by line, and nothing
		// is written; the report travels in the problem body.
		res, body = a.upload("/api/v1/imports", office, nil, "households", file{"农户.xlsx", good})
		p := decode[importProblem](t, body)
		if res.StatusCode != 422 || res.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" ||
			p.Code != sanlian.EUNPROCESSABLE || !strings.Contains(p.Detail, "所有数据均未导入") {
			t.Fatalf("duplicate import: %d %s", res.StatusCode, body)
		}
		if p.Report.Committed || p.Report.Created != 0 || len(p.Report.Errors) != 2 || p.Report.Errors[0].Line != 3 || p.Report.Errors[1].Line != 4 {
			t.Errorf("report: %+v", p.Report)
		}

		// The raw body; cell errors name their row and column.
		bad := householdsBook(t,
			[]any{"东坪镇酉州村", "", sqldbtest.IDNumber("43092319900101903")},
			[]any{"东坪镇酉州村", "甲", "4309231990010190", "12345"},
		)
		res, body = a.do("POST", "/api/v1/imports?kind=households", office, string(bad),
			"Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		p = decode[importProblem](t, body)
		if res.StatusCode != 422 || len(p.Report.Errors) != 3 {
			t.Fatalf("cell errors: %d %s", res.StatusCode, body)
		}
		for i, want := range []sanlian.RowError{
			{Line: 3, Column: "户主姓名", Message: "「户主姓名」不能为空"},
			{Line: 4, Column: "身份证号", Message: "「身份证号」须为 18 位（最后一位可为 X）"},
			{Line: 4, Column: "联系电话", Message: "「联系电话」不是有效的电话号码：手机为 11 位数字，座机须带区号"},
		} {
			if p.Report.Errors[i] != want {
				t.Errorf("error %d: %+v, want %+v", i, p.Report.Errors[i], want)
			}
		}
		if n := a.households(); n != before+2 {
			t.Errorf("%d households after refused imports", n)
		}
	})
}

// TestImports_APIErrors: every refusal before any row is read, each with
// a Chinese message and its status.
func TestImports_APIErrors(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	office := a.token("office")
	good := householdsBook(t, []any{"东坪镇酉州村", "欧阳新", sqldbtest.IDNumber("43092319900101901")})
	for _, c := range []struct {
		name, path, token string
		kind              string
		f                 file
		status            int
		detail            string
	}{
		{"unknown kind", "/api/v1/imports?kind=farmers", office, "", file{"a.xlsx", good}, 404, "没有这种导入：farmers"},
		{"unknown kind in form", "/api/v1/imports", office, "farmers", file{"a.xlsx", good}, 404, "没有这种导入"},
		{"no kind", "/api/v1/imports", office, "", file{"a.xlsx", good}, 400, "请指定导入的数据类型"},
		{"no file", "/api/v1/imports?kind=households", office, "", file{"", nil}, 422, "请选择要导入的 Excel 文件"},
		{"corrupt", "/api/v1/imports?kind=households", office, "", file{"a.xlsx", good[:len(good)/2]}, 422, "文件已损坏或不是 Excel 工作簿"},
		{"csv", "/api/v1/imports?kind=households", office, "", file{"a.xlsx", []byte("村(社区),户主姓名\n")}, 422, "这是 CSV 或文本文件"},
		{"cadre", "/api/v1/imports?kind=households", a.token("cadre"), "", file{"a.xlsx", good}, 403, "无权访问"},
		{"auditor", "/api/v1/imports?kind=households", a.token("auditor"), "", file{"a.xlsx", good}, 403, "无权访问"},
	} {
		res, body := a.upload(c.path, c.token, nil, c.kind, c.f)
		p := decode[problem](t, body)
		if res.StatusCode != c.status || !strings.Contains(p.Detail, c.detail) || !hasHan(p.Title) {
			t.Errorf("%s: %d %s", c.name, res.StatusCode, body)
		}
	}
	res, body := a.do("POST", "/api/v1/imports?kind=households", office, "a=b")
	if res.StatusCode != 400 || !strings.Contains(body, "multipart/form-data") {
		t.Errorf("form body: %d %s", res.StatusCode, body)
	}
	res, body = a.do("GET", "/api/v1/imports/farmers/template.xlsx", office, "")
	if res.StatusCode != 404 || !strings.Contains(body, "没有这种导入") {
		t.Errorf("unknown template: %d %s", res.StatusCode, body)
	}
	if res, _ := a.do("GET", "/api/v1/imports/households/template.xlsx", a.token("leader"), ""); res.StatusCode != 403 {
		t.Errorf("leader's template: %d", res.StatusCode)
	}
}

// TestImports_TooLarge refuses a file over the server's import limit,
// whether or not the request says its length.
func TestImports_TooLarge(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	small := web.New(web.Services{Users: db.Accounts, Regions: db.Org, Units: db.Org, Cadres: db.Org, Households: db.Org, Links: db.Org, Audit: db,
		Calendar: db, Problems: db.Problems, Imports: db.Lists, Sheets: xlsx.Workbooks{}, Ping: db.Ping},
		web.Config{MaxImport: 4 << 10, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	ts := httptest.NewServer(small)
	t.Cleanup(ts.Close)
	a.ts, a.tokens = ts, map[string]string{}
	big := bytes.Repeat([]byte("PK\x03\x04"), 5<<10)
	res, body := a.upload("/api/v1/imports?kind=households", a.token("office"), nil, "", file{"大.xlsx", big})
	if p := decode[problem](t, body); res.StatusCode != 413 || !strings.Contains(p.Detail, "文件超过 4 KB 的导入上限") {
		t.Errorf("multipart: %d %s", res.StatusCode, body)
	}
	// Chunked: no Content-Length to refuse it by.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/imports?kind=households", io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("Authorization", "Bearer "+a.token("office"))
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 413 || !strings.Contains(string(b), "导入上限") {
		t.Errorf("chunked: %d %s", res.StatusCode, b)
	}
}

func TestImports_Template(t *testing.T) {
	a := newApp(t, sqldbtest.Open(t, "sqlite"))
	for _, path := range []string{"/imports/households/template.xlsx", "/api/v1/imports/households/template.xlsx"} {
		res, body := a.do("GET", path, a.token("unitadmin"), "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''%E5%86%9C%E6%88%B7%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx") {
			t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		src, err := xlsx.ReadImport(strings.NewReader(body), int64(len(body)), sanlian.FindImportKind("households"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := src.Next()
		src.Close()
		if err != nil || r == nil || len(r.Errors) > 0 || r.Values["head_name"] != "张三" {
			t.Errorf("%s: example row %+v %v", path, r, err)
		}
	}
}

func TestImports_Page(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		b := a.browser()
		b.login("office", sqldbtest.Password)
		res, body := b.get("/imports")
		if res.StatusCode != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `<a href="/imports" aria-current="page">Excel 导入</a>`) {
			t.Fatalf("page: %d", res.StatusCode)
		}
		for _, k := range sanlian.ImportKinds {
			if !strings.Contains(body, `href="/imports/`+k.Code+`/template.xlsx"`) || !strings.Contains(body, `<option value="`+k.Code+`">`+k.Label+`</option>`) {
				t.Errorf("no template link or choice for %s", k.Code)
			}
		}
		before := a.households()
		good := householdsBook(t, []any{"东坪镇酉州村", "欧阳新", sqldbtest.IDNumber("43092319900101901"), "13800138000", 3})
		res, _ = a.upload("/imports", "", b, "households", file{"农户.xlsx", good})
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/imports?kind=households&ok=") {
			t.Fatalf("submit: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res, body = b.get(res.Header.Get("Location"))
		if !strings.Contains(body, "农户：已导入 1 行") || !strings.Contains(body, `<option value="households" selected>`) {
			t.Errorf("after import: %d", res.StatusCode)
		}
		if n := a.households(); n != before+1 {
			t.Errorf("%d households, want %d", n, before+1)
		}

		// A refused file: the table of every bad row, the kind kept.
		bad := householdsBook(t,
			[]any{"东坪镇酉州村", "<b>甲</b>", sqldbtest.IDNumber("43092319900101901")},
			[]any{"东坪镇酉州村", "", "1"},
		)
		res, body = a.upload("/imports", "", b, "households", file{"农户.xlsx", bad})
		if res.StatusCode != 422 || !strings.Contains(body, "导入未完成：有 3 处错误，所有数据均未导入") ||
			!strings.Contains(body, `<td class="num">4</td><td class="nowrap">户主姓名</td><td>「户主姓名」不能为空</td>`) ||
			!strings.Contains(body, `<option value="households" selected>`) {
			t.Errorf("refused: %d %s", res.StatusCode, body)
		}
		if strings.Contains(body, "<b>甲</b>") {
			t.Error("cell text not escaped")
		}
		res, body = a.upload("/imports", "", b, "households", file{"农户.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}})
		if res.StatusCode != 422 || !strings.Contains(body, "这是旧版 Excel (.xls) 文件") {
			t.Errorf("xls: %d", res.StatusCode)
		}
		res, body = a.upload("/imports", "", b, "", file{"农户.xlsx", good})
		if res.StatusCode != 400 || !strings.Contains(body, "请选择导入的数据类型") {
			t.Errorf("no kind: %d", res.StatusCode)
		}
		if n := a.households(); n != before+1 {
			t.Errorf("%d households after refused imports", n)
		}

		// A unit admin has the page; a cadre and a leader neither the page
		// nor the menu entry.
		ua := a.browser()
		ua.login("unitadmin", sqldbtest.Password)
		if res, body := ua.get("/imports"); res.StatusCode != 200 || !strings.Contains(body, "Excel 导入") {
			t.Errorf("unit admin: %d", res.StatusCode)
		}
		for _, u := range []string{"cadre", "leader"} {
			c := a.browser()
			c.login(u, sqldbtest.Password)
			if res, _ := c.get("/imports"); res.StatusCode != 403 {
				t.Errorf("%s: %d", u, res.StatusCode)
			}
			if _, body := c.get("/visits"); strings.Contains(body, `href="/imports"`) {
				t.Errorf("%s sees the menu entry", u)
			}
		}
	})
}
