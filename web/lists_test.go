package web_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// TestLists walks the three lists of 县民政局 (unit 1) by API, page and
// workbook: one problem assigned to it, one entered responsibility.
func TestLists(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newAppConfig(t, db, web.Config{Now: func() time.Time { return db.Now() }})
	setClock(db, "2026-05-06 09:00") // the workbook's dates are the golden file's
	id := a.newProblemAPI("cadre", "低保审批太慢")
	res, body := a.do("POST", fmt.Sprintf("/api/v1/problems/%d/assign", id), a.token("office"), `{"version":1,"unit_id":1,"person_id":2}`)
	if res.StatusCode != 200 {
		t.Fatalf("assign: %d %s", res.StatusCode, body)
	}
	res, body = a.do("POST", "/api/v1/responsibilities", a.token("office"),
		`{"unit_id":1,"task":"完成低保年度复核<script>","person_id":2,"deadline":"2031-06-30"}`)
	if res.StatusCode != 201 {
		t.Fatalf("create responsibility: %d %s", res.StatusCode, body)
	}

	res, body = a.do("GET", "/api/v1/lists?unit=1", a.token("office"), "")
	if res.StatusCode != 200 {
		t.Fatalf("api lists: %d %s", res.StatusCode, body)
	}
	l := decode[sanlian.ThreeLists](t, body)
	if l.Name != "县民政局" || len(l.Problems) != 1 || l.ResponsibilityCounts.Total != 2 || l.ProblemCounts.Open != 1 {
		t.Errorf("api lists: %+v", l)
	}

	res, body = a.do("GET", "/lists?unit=1", a.token("unitadmin"), "")
	if res.StatusCode != 200 {
		t.Fatalf("page: %d %s", res.StatusCode, body)
	}
	for _, want := range []string{"县民政局", "低保审批太慢", "完成低保年度复核&lt;script&gt;", "/lists.xlsx?unit=1", "问题清单"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "复核<script>") {
		t.Error("task not escaped")
	}

	res, body = a.do("GET", "/lists.xlsx?person=2", a.token("office"), "")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %s", res.StatusCode, res.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 3 || got[0] != "问题清单" || got[2] != "责任清单" {
		t.Errorf("sheets %v", got)
	}
	rows, _ := f.GetRows("责任清单")
	if len(rows) != 4 { // title, header, entered line, the problem's derived line
		t.Errorf("responsibility sheet rows %q", rows)
	}
	// Every cell of the three sheets, as the golden file has them.
	var dump strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&dump, "== %s\n", sheet)
		for _, r := range rows {
			dump.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	golden(t, "three_lists_person2.tsv", dump.String())

	// Bad input and forbidden roles.
	for _, c := range []struct {
		path, user string
		code       int
	}{
		{"/api/v1/lists?unit=abc", "office", 400},
		{"/api/v1/lists?unit=1&person=2", "office", 400},
		{"/api/v1/lists?unit=999", "office", 404},
		{"/api/v1/lists?unit=1", "sysadmin", 403},
		{"/lists.xlsx?unit=1", "auditor", 403},
	} {
		res, body := a.do("GET", c.path, a.token(c.user), "")
		if res.StatusCode != c.code || !hasHan(body) {
			t.Errorf("%s as %s: %d %s, want %d with a Chinese message", c.path, c.user, res.StatusCode, body, c.code)
		}
	}
}
