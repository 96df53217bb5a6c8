package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, sanlian.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// testProblems are three problems as FindProblems returns them: joins
// filled, the phone already masked.
func testProblems() []*sanlian.Problem {
	return []*sanlian.Problem{
		{ID: 3, Number: "安化-2021-000003", State: sanlian.StateAccepted, Source: sanlian.SourceVisit, Category: "transport",
			CategoryName: "交通出行", Title: "村口路灯坏了", Description: "村口三盏路灯不亮，夜间出行不便",
			TownshipName: "东坪镇", VillageName: "黄沙坪村", ReporterName: "刘大爷", ReporterPhone: "139****5678",
			Urgency: sanlian.UrgencyUrgent, UnitName: "县民政局", PersonName: "李明",
			CreatedAt: at("2021-04-30 10:00"), AcceptDue: at("2021-05-07 00:00"), ResolveDue: at("2021-05-26 00:00"),
			Overdue: true, Reopened: 1},
		{ID: 2, Number: "安化-2021-000002", State: sanlian.StateClosed, Source: sanlian.SourceHotline, Category: "housing",
			CategoryName: "住房保障", Title: "+86 来电", Description: "=HYPERLINK(\"http://evil.example/\",\"点我\")",
			TownshipName: "梅城镇", VillageName: "启安村", ReporterName: "@张三", ReporterPhone: "",
			Urgency: sanlian.UrgencyNormal, CreatedAt: at("2021-05-06 08:30"), ResolvedAt: at("2021-05-12 16:45"),
			CallbackSolved: sanlian.SolvedYes, CallbackSatisfaction: sanlian.Satisfied},
		{ID: 1, Number: "安化-2021-000001", State: sanlian.StateSubmitted, Source: sanlian.SourcePortal, Category: "education",
			CategoryName: "教育", Title: "-1 号教室漏雨", Description: "教室屋顶漏雨", CreatedAt: at("2021-05-10 23:59")},
	}
}

func feed(ps []*sanlian.Problem) func() (*sanlian.Problem, error) {
	i := 0
	return func() (*sanlian.Problem, error) {
		if i == len(ps) {
			return nil, nil
		}
		i++
		return ps[i-1], nil
	}
}

func open(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWriteProblems(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteProblems(&buf, "问题清单（测试）", feed(testProblems())); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	rows, err := f.GetRows(ProblemSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want title, header and 3 problems", len(rows))
	}
	if rows[0][0] != "问题清单（测试）" {
		t.Errorf("title %q", rows[0][0])
	}
	want := "序号 编号 标题 问题描述 类别 来源 乡镇 村(社区) 反映人 联系电话 紧急程度 状态 责任单位 责任人 " +
		"登记时间 签收期限 办结期限 办结时间 是否超期 回访结果 满意度 退回次数"
	if got := strings.Join(rows[1], " "); got != want {
		t.Errorf("headers\n got %s\nwant %s", got, want)
	}

	cell := func(ref string) string {
		t.Helper()
		v, err := f.GetCellValue(ProblemSheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for ref, want := range map[string]string{
		"A3": "1", "B3": "安化-2021-000003", "C3": "村口路灯坏了", "E3": "交通出行", "F3": "走访收集", "G3": "东坪镇",
		"H3": "黄沙坪村", "I3": "刘大爷", "J3": "139****5678", "K3": "紧急", "L3": "办理中", "M3": "县民政局", "N3": "李明",
		"O3": "2021-04-30 10:00", "P3": "2021-05-06", "Q3": "2021-05-25", "R3": "", "S3": "是", "V3": "1",
		"A4": "2", "F4": "热线电话", "L4": "已销号", "R4": "2021-05-12 16:45", "S4": "否", "T4": "已解决", "U4": "满意",
		"J4": "", "P4": "", "V4": "0",
		"O5": "2021-05-10 23:59", "L5": "待受理", "K5": "一般",
	} {
		if got := cell(ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}

	// Formula injection: the text comes back as written, as a string
	// with no formula, and with Excel's quote prefix.
	for ref, want := range map[string]string{
		"D4": `=HYPERLINK("http://evil.example/","点我")`, "C4": "+86 来电", "I4": "@张三", "C5": "-1 号教室漏雨",
	} {
		if got := cell(ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
		if fm, _ := f.GetCellFormula(ProblemSheet, ref); fm != "" {
			t.Errorf("%s has formula %q", ref, fm)
		}
		if typ, _ := f.GetCellType(ProblemSheet, ref); typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v, want an inline string", ref, typ)
		}
		if !quotePrefix(t, f, ref) {
			t.Errorf("%s has no quote prefix", ref)
		}
	}
	if quotePrefix(t, f, "C3") {
		t.Error("plain text C3 has the quote prefix")
	}

	// Deadlines and times are real dates, not text.
	if typ, _ := f.GetCellType(ProblemSheet, "Q3"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("resolve deadline is text (%v), want a date", typ)
	}

	panes, err := f.GetPanes(ProblemSheet)
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("panes %+v %v: want the top two rows frozen", panes, err)
	}
	layout, err := f.GetPageLayout(ProblemSheet)
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 ||
		layout.FitToWidth == nil || *layout.FitToWidth != 1 {
		t.Errorf("page layout %+v %v: want A4 landscape, one page wide", layout, err)
	}
	if w, _ := f.GetColWidth(ProblemSheet, "D"); w < 40 {
		t.Errorf("description column width %v", w)
	}
	colsAscend(t, buf.Bytes())
	if id, _ := f.GetCellStyle(ProblemSheet, "D2"); id == 0 {
		t.Error("header has no style")
	} else if s, _ := f.GetStyle(id); s == nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style %+v, want bold", s)
	}
}

// quotePrefix reports whether the cell's style carries Excel's quote prefix.
func quotePrefix(t *testing.T, f *excelize.File, ref string) bool {
	t.Helper()
	return quotePrefixOn(t, f, ProblemSheet, ref)
}

func quotePrefixOn(t *testing.T, f *excelize.File, sheet, ref string) bool {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	xf := f.Styles.CellXfs.Xf[id]
	return xf.QuotePrefix != nil && *xf.QuotePrefix
}

func TestWriteProblems_Cap(t *testing.T) {
	var buf bytes.Buffer
	calls := 0
	ps := testProblems()
	next := func() (*sanlian.Problem, error) {
		calls++
		return ps[calls%3], nil // never ends
	}
	if err := writeProblems(&buf, "问题清单", next, 2); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("next called %d times, want 3: two rows and one to learn there are more", calls)
	}
	rows, err := open(t, buf.Bytes()).GetRows(ProblemSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || !strings.Contains(rows[4][0], "仅导出前 2 条") {
		t.Errorf("rows %q: want two problems and a note", rows)
	}
}

func TestWriteProblems_Empty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteProblems(&buf, "问题清单", feed(nil)); err != nil {
		t.Fatal(err)
	}
	rows, err := open(t, buf.Bytes()).GetRows(ProblemSheet)
	if err != nil || len(rows) != 2 {
		t.Errorf("rows %q %v: want title and header only", rows, err)
	}
}

func TestWriteProblems_Error(t *testing.T) {
	var buf bytes.Buffer
	boom := errors.New("boom")
	n := 0
	err := WriteProblems(&buf, "问题清单", func() (*sanlian.Problem, error) {
		if n++; n > 2 {
			return nil, boom
		}
		return testProblems()[0], nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written before the error", buf.Len())
	}
}

// colsAscend checks the sheet's <col> elements come in ascending order, as
// Excel requires (it offers to "repair" the file otherwise) and as
// excelize's stream writer does not ensure.
func colsAscend(t *testing.T, b []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	x, _ := io.ReadAll(rc)
	ms := regexp.MustCompile(`<col min="(\d+)"`).FindAllSubmatch(x, -1)
	if len(ms) != len(problemColumns) {
		t.Fatalf("%d <col> elements, want %d", len(ms), len(problemColumns))
	}
	for i, m := range ms {
		if n, _ := strconv.Atoi(string(m[1])); n != i+1 {
			t.Fatalf("<col> %d has min %d: columns out of order", i, n)
		}
	}
}
