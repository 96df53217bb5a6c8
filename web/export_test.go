package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/xlsx"
)

// exported reads an export answer as a workbook and returns its problem
// rows (below the title and header rows) and the header row.
func exported(t *testing.T, body string) (header []string, rows [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	all, err := f.GetRows(xlsx.ProblemSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("%d rows: no header", len(all))
	}
	return all[1], all[2:]
}

// column returns column name of rows, by header.
func column(t *testing.T, header []string, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, header)
	}
	out := make([]string, len(rows))
	for j, r := range rows {
		if i < len(r) {
			out[j] = r[i]
		}
	}
	return out
}

func TestProblemsExport(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office := a.token("office")
		numbers := map[string]string{}
		for _, p := range []struct{ village, category, title, phone string }{
			{sqldbtest.VillageA, "transport", "村口路灯坏了", "13912345678"},
			{sqldbtest.VillageB, "housing", "危房改造补助未到位", "13800001111"},
			{sqldbtest.VillageC, "transport", "梅城街道路灯不亮", "13700002222"},
			{sqldbtest.VillageA, "education", "=HYPERLINK(\"http://x.example/\",\"点我\")", ""},
		} {
			res, body := a.do("POST", "/api/v1/problems", office, `{"village":"`+p.village+`","category":"`+p.category+
				`","title":`+jsonString(p.title)+`,"description":"群众反映：`+strings.ReplaceAll(p.title, `"`, `\"`)+
				`","reporter_name":"刘大爷","reporter_phone":"`+p.phone+`"}`)
			if res.StatusCode != 201 {
				t.Fatalf("create %s: %d %s", p.title, res.StatusCode, body)
			}
			numbers[p.title] = decode[struct{ Number string }](t, body).Number
		}

		t.Run("Filtered", func(t *testing.T) {
			res, body := a.do("GET", "/problems/export.xlsx?"+url.Values{"q": {"路灯"}}.Encode(), office, "")
			if res.StatusCode != 200 {
				t.Fatalf("export: %d %s", res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
				t.Errorf("Content-Type %q", ct)
			}
			cd := res.Header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("问题清单-")) ||
				!strings.HasSuffix(cd, ".xlsx") {
				t.Errorf("Content-Disposition %q", cd)
			}
			header, rows := exported(t, body)
			if got, want := strings.Join(header, " "), strings.Join(xlsx.ProblemHeaders(), " "); got != want || !hasHan(got) {
				t.Errorf("headers %q, want %q", got, want)
			}
			got := column(t, header, rows, "编号")
			want := []string{numbers["梅城街道路灯不亮"], numbers["村口路灯坏了"]} // newest first, as the list
			if !slices.Equal(got, want) {
				t.Errorf("exported %q, want %q", got, want)
			}
			if phones := column(t, header, rows, "联系电话"); !slices.Equal(phones, []string{"137****2222", "139****5678"}) {
				t.Errorf("phones %q, want masked", phones)
			}
			if title := exportTitle(t, body); !strings.HasPrefix(title, "问题清单（关键词：路灯）") {
				t.Errorf("title %q", title)
			}
		})

		t.Run("FormulaStaysText", func(t *testing.T) {
			_, body := a.do("GET", "/problems/export.xlsx?category=education", office, "")
			header, rows := exported(t, body)
			if titles := column(t, header, rows, "标题"); len(titles) != 1 || titles[0] != `=HYPERLINK("http://x.example/","点我")` {
				t.Errorf("titles %q", titles)
			}
		})

		t.Run("LeaderScope", func(t *testing.T) {
			// The leader is linked to 东坪镇 only: villages A and B.
			leader := a.token("leader")
			_, body := a.do("GET", "/problems/export.xlsx", leader, "")
			header, rows := exported(t, body)
			got := column(t, header, rows, "乡镇")
			if len(got) != 3 || slices.ContainsFunc(got, func(s string) bool { return s != "东坪镇" }) {
				t.Errorf("leader exported townships %q, want three rows of 东坪镇", got)
			}
			_, body = a.do("GET", "/problems/export.xlsx?township="+sqldbtest.Meicheng, leader, "")
			if _, rows := exported(t, body); len(rows) != 0 {
				t.Errorf("leader exported %d rows of 梅城镇, outside scope", len(rows))
			}
		})

		t.Run("ManyPages", func(t *testing.T) {
			// More than one page of the services (500): the export follows
			// the cursor to the end, every problem once, newest first.
			ctx := sqldbtest.As(officeUser(t, db))
			for i := range 520 {
				if _, err := db.Problems.CreateProblem(ctx, &sanlian.ProblemInput{Category: "policy", VillageCode: sqldbtest.VillageD,
					Description: fmt.Sprintf("政策落实问题第%d件", i+1)}); err != nil {
					t.Fatal(err)
				}
			}
			_, body := a.do("GET", "/problems/export.xlsx", office, "")
			header, rows := exported(t, body)
			got := column(t, header, rows, "编号")
			if len(got) != 524 {
				t.Fatalf("%d rows, want 524", len(got))
			}
			if !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(b, a) }) || len(slices.Compact(slices.Clone(got))) != 524 {
				t.Errorf("numbers not each once, newest first: %q … %q", got[:3], got[len(got)-3:])
			}
			if seq := column(t, header, rows, "序号"); seq[0] != "1" || seq[523] != "524" {
				t.Errorf("序号 runs %s…%s", seq[0], seq[523])
			}
		})

		t.Run("Errors", func(t *testing.T) {
			res, body := a.do("GET", "/problems/export.xlsx?state=bogus", office, "")
			if res.StatusCode != 400 || res.Header.Get("Content-Disposition") != "" || !strings.Contains(body, "state") {
				t.Errorf("bad filter: %d %q, want a 400 error page", res.StatusCode, res.Header.Get("Content-Disposition"))
			}
			res, _ = a.do("GET", "/problems/export.xlsx", a.token("sysadmin"), "")
			if res.StatusCode != 403 || res.Header.Get("Content-Disposition") != "" {
				t.Errorf("sysadmin: %d, want 403", res.StatusCode)
			}
		})
	})
}

// exportTitle returns the title row of a workbook.
func exportTitle(t *testing.T, body string) string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, _ := f.GetCellValue(xlsx.ProblemSheet, "A1")
	return v
}

// officeUser returns the office's user as loaded, for calling the services
// directly.
func officeUser(t *testing.T, db *sqldb.DB) *sanlian.User {
	t.Helper()
	_, u, err := db.Accounts.Login(context.Background(), "office", sqldbtest.Password, "api")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
