package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

var households = sanlian.FindImportKind("households")

// testID is a valid ID number: 17 digits and their check digit.
func testID(first17 string) string { return first17 + string(sanlian.IDCheckDigit(first17)) }

// sheetRows is a sheet to build: its name and rows of cells by reference.
type sheetRows struct {
	name   string
	hidden bool
	cells  map[string]any // "A1" → value; a value of type formula is written as one
}

type formula struct {
	expr string
	opts []excelize.FormulaOpts
}

// book builds a workbook of the given sheets.
func book(t testing.TB, sheets ...sheetRows) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			t.Fatal(err)
		}
		for ref, v := range sh.cells {
			var err error
			switch v := v.(type) {
			case formula:
				err = f.SetCellFormula(sh.name, ref, v.expr, v.opts...)
			case string:
				err = f.SetCellStr(sh.name, ref, v)
			default:
				err = f.SetCellValue(sh.name, ref, v)
			}
			if err != nil {
				t.Fatal(ref, err)
			}
		}
	}
	for i, sh := range sheets {
		if !sh.hidden {
			f.SetActiveSheet(i) // excelize does not hide the active sheet
			break
		}
	}
	for _, sh := range sheets {
		if sh.hidden {
			if err := f.SetSheetVisible(sh.name, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// row puts values in a row from column A on.
func row(cells map[string]any, n int, values ...any) {
	for i, v := range values {
		if v == nil {
			continue
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		cells[fmt.Sprintf("%s%d", col, n)] = v
	}
}

// readAll reads every row of a workbook for kind.
func readAll(t testing.TB, b []byte, kind *sanlian.ImportKind) ([]*sanlian.ImportRow, error) {
	t.Helper()
	src, err := ReadImport(bytes.NewReader(b), int64(len(b)), kind)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	var out []*sanlian.ImportRow
	for {
		r, err := src.Next()
		if err != nil {
			return out, err
		}
		if r == nil {
			return out, nil
		}
		out = append(out, r)
	}
}

// errorsOf lists a row's errors as "column: message".
func errorsOf(r *sanlian.ImportRow) string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Column+": "+e.Message)
	}
	return strings.Join(out, "; ")
}

// TestReadImport_Households reads a county-style sheet: a title and a date
// above the header, headers by alias with full-width brackets and a
// required mark, blank rows, dates and numbers as Excel stores them.
func TestReadImport_Households(t *testing.T) {
	id1, id2, id3 := testID("43092319800101001"), testID("43092319750505002"), testID("43092319900909003")
	c := map[string]any{}
	row(c, 1, "东坪镇农户信息登记表")
	row(c, 2, "填报日期：2021年5月20日")
	row(c, 4, "序号", "村（社区）", "户主姓名*", "身份证号码", "联系电话", "家庭住址", "家庭人口", "备注")
	row(c, 5, 1, "东坪镇酉州村", "张三", id1, 13800138000, "酉州村３组１２号", 4, "")
	row(c, 6, 2, " 东坪镇黄沙坪村\u3000", "李四 ", id2, "1.38001380E10", "", "６", nil)
	// row 7 blank, row 8 only a number in 序号 and blanks: skipped.
	row(c, 8, 3, " ", "\u3000")
	row(c, 9, 4, "东坪镇酉州村", "", id3[:17], "12345", nil, "4人")
	row(c, 10, 5, "东坪镇酉州村", "王五", id3, nil, strings.Repeat("长", 32767), 3) // Excel's most
	row(c, 11, 6, "东坪镇酉州村", "赵六", id3, nil, nil, formula{expr: "2+2"})
	rows, err := readAll(t, book(t, sheetRows{name: "Sheet1", cells: c}), households)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5 (blank rows skipped)", len(rows))
	}
	want := []struct {
		line   int
		values map[string]string
		errs   string
	}{
		{5, map[string]string{"village": "东坪镇酉州村", "head_name": "张三", "id_number": id1, "phone": "13800138000", "address": "酉州村3组12号", "members": "4"}, ""},
		{6, map[string]string{"village": "东坪镇黄沙坪村", "head_name": "李四", "id_number": id2, "phone": "13800138000", "members": "6"}, ""},
		{9, map[string]string{"village": "东坪镇酉州村"}, "户主姓名: 「户主姓名」不能为空; 身份证号: 「身份证号」须为 18 位（最后一位可为 X）; 联系电话: 「联系电话」不是有效的电话号码：手机为 11 位数字，座机须带区号; 家庭人口: 「家庭人口」应为整数，如 12：“4人”"},
		{10, map[string]string{"village": "东坪镇酉州村", "head_name": "王五", "id_number": id3, "members": "3"}, "住址: 「住址」不能超过 200 字（本格约 32767 字）"},
		{11, map[string]string{"village": "东坪镇酉州村", "head_name": "赵六", "id_number": id3}, "家庭人口: 「家庭人口」是公式，请复制后“选择性粘贴为数值”再导入"},
	}
	for i, w := range want {
		r := rows[i]
		if r.Line != w.line {
			t.Errorf("row %d: line %d, want %d", i, r.Line, w.line)
		}
		if got := errorsOf(r); got != w.errs {
			t.Errorf("line %d errors:\n got %s\nwant %s", r.Line, got, w.errs)
		}
		if fmt.Sprint(r.Values) != fmt.Sprint(w.values) {
			t.Errorf("line %d values:\n got %v\nwant %v", r.Line, r.Values, w.values)
		}
		for _, e := range r.Errors {
			if e.Line != r.Line || len(e.Message) > 300 {
				t.Errorf("line %d: error %+v", r.Line, e)
			}
		}
	}
}

// TestReadImport_TwoRowHeader reads a header of two rows: names merged
// down both rows beside a group whose columns are named in the second.
func TestReadImport_TwoRowHeader(t *testing.T) {
	id := testID("43092319800101001")
	c := map[string]any{}
	row(c, 1, "农户花名册")
	row(c, 2, "序号", "村(社区)", "户主姓名", "身份证号", "联系方式", nil, "家庭情况")
	row(c, 3, nil, nil, nil, nil, "联系电话", "备用电话", "家庭人口", "住址")
	row(c, 4, 1, "东坪镇酉州村", "张三", id, "13800138000", "", 4, "3组")
	row(c, 5, 2, "东坪镇酉州村", "李四", id, nil, nil, 5)
	rows, err := readAll(t, book(t, sheetRows{name: "Sheet1", cells: c}), households)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%d %v %s", r.Line, r.Values, errorsOf(r)))
	}
	want := []string{
		"4 map[address:3组 head_name:张三 id_number:" + id + " members:4 phone:13800138000 village:东坪镇酉州村] ",
		"5 map[head_name:李四 id_number:" + id + " members:5 village:东坪镇酉州村] ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadImport_Dates reads dates stored as serial numbers and as text in
// every form a county file uses, and refuses impossible ones.
func TestReadImport_Dates(t *testing.T) {
	kind := sanlian.FindImportKind("activities")
	c := map[string]any{}
	row(c, 1, "活动类型", "活动日期", "活动地点", "组织单位", "活动内容")
	inputs := []any{
		44336, 44336.75, time.Date(2021, 5, 20, 0, 0, 0, 0, time.UTC), "2021-05-20", "2021/5/20", "2021.5.20",
		"2021年5月20日", "20210520", "2021-05-20 14:30:00", "２０２１年５月２０日", "2021-02-30", "44336abc",
	}
	for i, v := range inputs {
		row(c, i+2, "健康义诊", v, "东坪镇酉州村", "县卫生健康局", "义诊")
	}
	rows, err := readAll(t, book(t, sheetRows{name: "Sheet1", cells: c}), kind)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(inputs) {
		t.Fatalf("%d rows", len(rows))
	}
	for i, r := range rows[:len(inputs)-2] {
		if r.Values["date"] != "2021-05-20" || len(r.Errors) > 0 {
			t.Errorf("%v: %q %s", inputs[i], r.Values["date"], errorsOf(r))
		}
	}
	for _, r := range rows[len(inputs)-2:] {
		if !strings.Contains(errorsOf(r), "「活动日期」不是有效日期") {
			t.Errorf("line %d: %s", r.Line, errorsOf(r))
		}
	}
}

// TestReadImport_Date1904 shifts serial dates of a workbook in the 1904
// date system.
func TestReadImport_Date1904(t *testing.T) {
	kind := sanlian.FindImportKind("activities")
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	f.SetSheetRow("Sheet1", "A1", &[]any{"活动类型", "活动日期", "活动地点", "组织单位", "活动内容"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"健康义诊", 44336 - 1462, "东坪镇酉州村", "县卫生健康局", "义诊"})
	b, _ := f.WriteToBuffer()
	rows, err := readAll(t, b.Bytes(), kind)
	if err != nil || len(rows) != 1 || rows[0].Values["date"] != "2021-05-20" {
		t.Fatalf("%v %v", rows, err)
	}
}

// TestReadImport_Formulas marks plain, shared and array formula cells.
func TestReadImport_Formulas(t *testing.T) {
	kind := sanlian.FindImportKind("topics")
	c := map[string]any{}
	row(c, 1, "领域", "调研题目", "排序")
	for i := 2; i <= 9; i++ {
		row(c, i, "就业", fmt.Sprintf("题目%d", i), i)
	}
	c["B3"] = formula{expr: `"题目"&C3`}
	c["C5"] = formula{expr: "ROW()", opts: []excelize.FormulaOpts{{Type: ptr(excelize.STCellFormulaTypeShared), Ref: ptr("C5:C6")}}}
	c["C6"] = formula{expr: "ROW()", opts: []excelize.FormulaOpts{{Type: ptr(excelize.STCellFormulaTypeShared), Ref: ptr("C5:C6")}}}
	rows, err := readAll(t, book(t, sheetRows{name: "调研题目", cells: c}), kind)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[int]string{}
	for _, r := range rows {
		for _, e := range r.Errors {
			bad[r.Line] += e.Column
			if !strings.Contains(e.Message, "是公式") {
				t.Errorf("line %d: %s", r.Line, e.Message)
			}
		}
	}
	if fmt.Sprint(bad) != "map[3:调研题目 5:排序 6:排序]" {
		t.Errorf("formula cells: %v", bad)
	}
}

// TestReadImport_HandWritten reads a package as other programs write it:
// the workbook at another path, prefixed elements, cells without
// references, an array formula over a block, inline strings.
func TestReadImport_HandWritten(t *testing.T) {
	sheet := `<?xml version="1.0" encoding="UTF-8"?><x:worksheet ` + handNS + `><x:sheetData>` +
		`<x:row><x:c t="inlineStr"><x:is><x:t>领域</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>题目</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>排序</x:t></x:is></x:c></x:row>` +
		`<x:row><x:c t="inlineStr"><x:is><x:t>就业</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c><x:v>1</x:v></x:c></x:row>` +
		`<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>就业</x:t></x:is></x:c><x:c r="B4" t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c><x:c r="C4"><x:f t="array" ref="C4:C5">ROW()</x:f><x:v>4</x:v></x:c></x:row>` +
		`<x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:t>就业</x:t></x:is></x:c><x:c r="B5" t="inlineStr"><x:is><x:t>c</x:t></x:is></x:c><x:c r="C5"><x:v>5</x:v></x:c></x:row>` +
		`<x:row r="6"><x:c r="A6" t="inlineStr"><x:is><x:t>就业</x:t></x:is></x:c><x:c r="B6" t="inlineStr"><x:is><x:t>f&lt;f&gt;</x:t></x:is></x:c><x:c r="C6"><x:v>6</x:v></x:c></x:row>` +
		`</x:sheetData></x:worksheet>`
	rows, err := readAll(t, handBook(sheet), sanlian.FindImportKind("topics"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%d %s %s [%s]", r.Line, r.Values["question"], r.Values["sort"], errorsOf(r)))
	}
	want := []string{
		"2 a 1 []",
		"4 b  [排序: 「排序」是公式，请复制后“选择性粘贴为数值”再导入]",
		"5 c  [排序: 「排序」是公式，请复制后“选择性粘贴为数值”再导入]",
		"6 f<f> 6 []",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const handNS = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// handBook packs one sheet's XML as a workbook the way some programs do:
// the workbook at /book/wb.xml, its sheet at book/data/s1.xml, prefixed
// elements, no styles.
func handBook(sheet string) []byte {
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/book/wb.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/book/data/s1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/book/wb.xml"/></Relationships>`,
		"book/wb.xml": `<?xml version="1.0" encoding="UTF-8"?><x:workbook ` + handNS + `><x:sheets><x:sheet name="题库" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>`,
		"book/_rels/wb.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="data/s1.xml"/></Relationships>`,
		"book/data/s1.xml": sheet,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "book/wb.xml", "book/_rels/wb.xml.rels", "book/data/s1.xml"} {
		w, _ := zw.Create(name)
		io.WriteString(w, parts[name])
	}
	zw.Close()
	return buf.Bytes()
}

// TestReadImport_HugeCell refuses a cell of 100,000 characters, more than
// Excel itself stores, by its length alone.
func TestReadImport_HugeCell(t *testing.T) {
	sheet := `<?xml version="1.0" encoding="UTF-8"?><x:worksheet ` + handNS + `><x:sheetData>` +
		`<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>领域</x:t></x:is></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>调研题目</x:t></x:is></x:c></x:row>` +
		`<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>就业</x:t></x:is></x:c><x:c r="B2" t="inlineStr"><x:is><x:t>` + strings.Repeat("题", 100_000) + `</x:t></x:is></x:c></x:row>` +
		`</x:sheetData></x:worksheet>`
	rows, err := readAll(t, handBook(sheet), sanlian.FindImportKind("topics"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || errorsOf(rows[0]) != "调研题目: 「调研题目」不能超过 200 字（本格约 100000 字）" {
		t.Errorf("%d rows: %s", len(rows), errorsOf(rows[0]))
	}
}

// TestHasFormula checks the byte scan, tags cut by its chunks included.
func TestHasFormula(t *testing.T) {
	for s, want := range map[string]bool{
		`<c r="A1"><v>1</v></c>`:                              false,
		`<c r="A1"><f>1+1</f><v>2</v></c>`:                    true,
		`<c><f t="shared" si="0"/></c>`:                       true,
		`<c><x:f>1</x:f></c>`:                                 true,
		`<c><x:f/></c>`:                                       true,
		`<c><is><t>if of ref</t></is></c>`:                    false,
		`<sheetFormatPr defaultRowHeight="15"/><font/><fill>`: false,
		`<c r="F1"><v>1</v></c>`:                              false,
		`<c><x:ff>1</x:ff></c>`:                               false,
		`</f`:                                                 false,
		`<f`:                                                  false,
	} {
		if got, err := hasFormula(strings.NewReader(s)); got != want || err != nil {
			t.Errorf("hasFormula(%s) = %v, %v", s, got, err)
		}
	}
	for pad := 64<<10 - 70; pad < 64<<10+70; pad++ {
		s := strings.Repeat(" ", pad) + "<x:f>"
		if got, _ := hasFormula(strings.NewReader(s)); !got {
			t.Fatalf("missed a tag after %d bytes", pad)
		}
		s = strings.Repeat(" ", pad) + "<x:ff>"
		if got, _ := hasFormula(strings.NewReader(s)); got {
			t.Fatalf("false tag after %d bytes", pad)
		}
	}
}

// TestReadImport_SheetChoice prefers the kind's sheet, else the first
// visible sheet with a header.
func TestReadImport_SheetChoice(t *testing.T) {
	id := testID("43092319800101001")
	hh := func(name string) map[string]any {
		c := map[string]any{}
		row(c, 1, "村(社区)", "户主姓名", "身份证号")
		row(c, 2, "东坪镇酉州村", name, id)
		return c
	}
	read := func(sheets ...sheetRows) string {
		rows, err := readAll(t, book(t, sheets...), households)
		if err != nil {
			return sanlian.ErrorMessage(err)
		}
		var names []string
		for _, r := range rows {
			names = append(names, r.Values["head_name"])
		}
		return strings.Join(names, ",")
	}
	if got := read(sheetRows{name: "Sheet1", cells: hh("甲")}, sheetRows{name: "农户", cells: hh("乙")}); got != "乙" {
		t.Errorf("preferred sheet: %s", got)
	}
	if got := read(sheetRows{name: "说明", cells: map[string]any{"A1": "填表说明"}}, sheetRows{name: "Sheet2", cells: hh("丙")}); got != "丙" {
		t.Errorf("first sheet with a header: %s", got)
	}
	if got := read(sheetRows{name: "旧", hidden: true, cells: hh("丁")}, sheetRows{name: "新", cells: hh("戊")}); got != "戊" {
		t.Errorf("hidden sheet read: %s", got)
	}
	// The kind's own sheet without a header is refused, naming it.
	got := read(sheetRows{name: "Sheet1", cells: hh("甲")}, sheetRows{name: "农户", cells: map[string]any{"A1": "村(社区)", "B1": "户主姓名"}})
	if !strings.Contains(got, "未找到表头：请确认工作表「农户」") || !strings.Contains(got, "（第 1 行缺少「身份证号」）") {
		t.Errorf("named sheet without header: %s", got)
	}
}

// TestReadImport_BadFiles refuses every kind of file that is not a
// readable workbook, with a message that says what to do.
func TestReadImport_BadFiles(t *testing.T) {
	good := book(t, sheetRows{name: "Sheet1", cells: map[string]any{"A1": "村(社区)", "B1": "户主姓名", "C1": "身份证号"}})
	dir := t.TempDir()
	encrypted := func() []byte {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetRow("Sheet1", "A1", &[]any{"村(社区)", "户主姓名", "身份证号"})
		name := filepath.Join(dir, "locked.xlsx")
		if err := f.SaveAs(name, excelize.Options{Password: "x"}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	// A legacy workbook: the OLE2 header, a directory entry named Workbook.
	xls := make([]byte, 4096)
	copy(xls, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	for i, c := range "Workbook" {
		xls[1024+2*i] = byte(c)
	}
	xls[1024+64] = 18
	var ods bytes.Buffer
	zw := zip.NewWriter(&ods)
	w, _ := zw.Create("mimetype")
	io.WriteString(w, "application/vnd.oasis.opendocument.spreadsheet")
	w, _ = zw.Create("content.xml")
	io.WriteString(w, "<office:document-content/>")
	zw.Close()
	var docx bytes.Buffer
	zw = zip.NewWriter(&docx)
	w, _ = zw.Create("word/document.xml")
	io.WriteString(w, "<w:document/>")
	zw.Close()
	emptyBook := func() []byte {
		f := excelize.NewFile()
		defer f.Close()
		b, _ := f.WriteToBuffer()
		return b.Bytes()
	}()
	noHeader := book(t, sheetRows{name: "Sheet1", cells: map[string]any{"A1": "姓名", "B1": "电话", "A2": "张三", "B2": "13800138000"}})
	deep := map[string]any{}
	row(deep, 31, "村(社区)", "户主姓名", "身份证号")
	tooDeep := book(t, sheetRows{name: "Sheet1", cells: deep})
	for _, c := range []struct {
		name string
		data []byte
		code string
		msg  string
	}{
		{"empty file", nil, sanlian.EUNPROCESSABLE, "文件是空的"},
		{"corrupt zip", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0x5a}, 500)...), sanlian.EUNPROCESSABLE, "文件已损坏或不是 Excel 工作簿"},
		{"truncated", good[:len(good)/2], sanlian.EUNPROCESSABLE, "文件已损坏或不是 Excel 工作簿"},
		{"truncated end", good[:len(good)-10], sanlian.EUNPROCESSABLE, "文件已损坏"},
		{"garbage", bytes.Repeat([]byte{0, 1, 2, 3, 0xff}, 100), sanlian.EUNPROCESSABLE, "文件已损坏或不是 Excel 工作簿"},
		{"xls", xls, sanlian.EUNPROCESSABLE, "这是旧版 Excel (.xls) 文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入"},
		{"encrypted", encrypted, sanlian.EUNPROCESSABLE, "文件已加密，请取消密码后再导入"},
		{"csv", []byte("村(社区),户主姓名,身份证号\n东坪镇酉州村,张三,430923198001010017\n"), sanlian.EUNPROCESSABLE, "这是 CSV 或文本文件"},
		{"csv with BOM", []byte("\xef\xbb\xbf村(社区);户主姓名\r\n"), sanlian.EUNPROCESSABLE, "这是 CSV 或文本文件"},
		{"gbk csv", []byte("\xb4\xe5,\xbb\xa7\xd6\xf7\r\n"), sanlian.EUNPROCESSABLE, "这是 CSV 或文本文件"},
		{"utf-16 text", []byte("\xff\xfe\x51\x67\x09\x00"), sanlian.EUNPROCESSABLE, "这是 CSV 或文本文件"},
		{"html as xls", []byte("<html><body><table><tr><td>户主姓名</td></tr></table></body></html>"), sanlian.EUNPROCESSABLE, "网页 (HTML) 或 XML"},
		{"xml spreadsheet", []byte("<?xml version=\"1.0\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"), sanlian.EUNPROCESSABLE, "网页 (HTML) 或 XML"},
		{"ods", ods.Bytes(), sanlian.EUNPROCESSABLE, "OpenDocument (.ods)"},
		{"docx", docx.Bytes(), sanlian.EUNPROCESSABLE, "文件已损坏或不是 Excel 工作簿"},
		{"empty workbook", emptyBook, sanlian.EUNPROCESSABLE, "未找到表头：请确认第一张工作表「Sheet1」的前 30 行中有一行表头，含有列「村(社区)」「户主姓名」「身份证号」"},
		{"no header", noHeader, sanlian.EUNPROCESSABLE, "未找到表头"},
		{"header too deep", tooDeep, sanlian.EUNPROCESSABLE, "未找到表头"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, err := readAll(t, c.data, households)
			if sanlian.ErrorCode(err) != c.code || !strings.Contains(sanlian.ErrorMessage(err), c.msg) {
				t.Errorf("err = %v (%s), want %s %q", err, sanlian.ErrorMessage(err), c.code, c.msg)
			}
			if len(rows) > 0 {
				t.Errorf("rows read: %d", len(rows))
			}
		})
	}
}

// TestReadImport_TooLarge refuses a file over the limit before reading a
// byte of it, and a zip that would unpack past its limit.
func TestReadImport_TooLarge(t *testing.T) {
	var reads atomic.Int64
	r := readerAtFunc(func(p []byte, off int64) (int, error) { reads.Add(1); return 0, io.EOF })
	_, err := ReadImport(r, 200<<20, households)
	if sanlian.ErrorCode(err) != sanlian.ETOOLARGE || !strings.Contains(sanlian.ErrorMessage(err), "超过导入上限 100 MB") || reads.Load() != 0 {
		t.Errorf("200 MB: %v %s, %d reads", err, sanlian.ErrorMessage(err), reads.Load())
	}
	// A zip bomb: the central directory says a part unpacks to 2 GB.
	b := book(t, sheetRows{name: "Sheet1", cells: map[string]any{"A1": "村(社区)", "B1": "户主姓名", "C1": "身份证号"}})
	b = bytes.Clone(b)
	cd := bytes.Index(b, []byte("PK\x01\x02"))
	if cd < 0 {
		t.Fatal("no central directory")
	}
	binary.LittleEndian.PutUint32(b[cd+24:], 2<<30-1)
	_, err = readAll(t, b, households)
	if sanlian.ErrorCode(err) != sanlian.ETOOLARGE || !strings.Contains(sanlian.ErrorMessage(err), "解压后超过") {
		t.Errorf("zip bomb: %v", err)
	}
}

type readerAtFunc func(p []byte, off int64) (int, error)

func (f readerAtFunc) ReadAt(p []byte, off int64) (int, error) { return f(p, off) }

// TestReadImport_OSFile reads a file on disk, opened by name, twice as
// the import service does, and leaves no temporary file behind.
func TestReadImport_OSFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	id := testID("43092319800101001")
	c := map[string]any{}
	row(c, 1, "村(社区)", "户主姓名", "身份证号")
	for i := 2; i < 50; i++ {
		row(c, i, "东坪镇酉州村", fmt.Sprintf("户%d", i), id)
	}
	name := filepath.Join(t.TempDir(), "农户.xlsx")
	if err := os.WriteFile(name, book(t, sheetRows{name: "Sheet1", cells: c}), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	for pass := 0; pass < 2; pass++ {
		src, err := ReadImport(f, fi.Size(), households)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			r, err := src.Next()
			if err != nil {
				t.Fatal(err)
			}
			if r == nil {
				break
			}
			n++
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if n != 48 {
			t.Errorf("pass %d: %d rows", pass, n)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestWriteTemplate reads every kind's template back: exactly its example
// row, valid; the ID and phone columns are formatted as text.
func TestWriteTemplate(t *testing.T) {
	for _, k := range sanlian.ImportKinds {
		t.Run(k.Code, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTemplate(&buf, k); err != nil {
				t.Fatal(err)
			}
			rows, err := readAll(t, buf.Bytes(), k)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].Line != 3 {
				t.Fatalf("%d rows", len(rows))
			}
			r := rows[0]
			if len(r.Errors) > 0 {
				t.Errorf("example refused: %s", errorsOf(r))
			}
			cells := make([]sanlian.Cell, len(k.Columns))
			cols := make([]int, len(k.Columns))
			for i, c := range k.Columns {
				cells[i], cols[i] = sanlian.Cell{Text: c.Example}, i
			}
			want := k.ParseRow(3, cells, cols).Values
			if fmt.Sprint(r.Values) != fmt.Sprint(want) {
				t.Errorf("values\n got %v\nwant %v", r.Values, want)
			}
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if l := f.GetSheetList(); len(l) != 2 || l[0] != k.Sheet || l[1] != helpSheet {
				t.Errorf("sheets %v", l)
			}
			if v, _ := f.GetCellValue(k.Sheet, "A1"); v != k.Label+"导入模板" {
				t.Errorf("title %q", v)
			}
			for i, c := range k.Columns {
				col, _ := excelize.ColumnNumberToName(i + 1)
				header, _ := f.GetCellValue(k.Sheet, col+"2")
				if want := c.Header + map[bool]string{true: "*"}[c.Required]; header != want {
					t.Errorf("header %q, want %q", header, want)
				}
				if c.Type == sanlian.ColID || c.Type == sanlian.ColPhone {
					id, _ := f.GetColStyle(k.Sheet, col)
					if st, _ := f.GetStyle(id); st == nil || st.NumFmt != 49 {
						t.Errorf("%s not a text column", c.Header)
					}
				}
			}
			if comments, _ := f.GetComments(k.Sheet); len(comments) == 0 {
				t.Error("no notes on the headers")
			}
		})
	}
}

// BenchmarkReadImport300k reads a county's 300,000 households, reporting
// rows per second and the peak of the live heap while reading.
func BenchmarkReadImport300k(b *testing.B) {
	const n = 300_000
	name := filepath.Join(b.TempDir(), "households.xlsx")
	writeHouseholds(b, name, n)
	fi, err := os.Stat(name)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("file: %s", sanlian.SizeLabel(fi.Size()))
	for _, mode := range []string{"file", "reader"} {
		b.Run(mode, func(b *testing.B) {
			var data []byte
			if mode == "reader" {
				data, _ = os.ReadFile(name)
			}
			runtime.GC()
			var peak atomic.Uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				var ms runtime.MemStats
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for {
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			}()
			b.ResetTimer()
			rows := 0
			for b.Loop() {
				var r io.ReaderAt
				size := fi.Size()
				if mode == "file" {
					f, err := os.Open(name)
					if err != nil {
						b.Fatal(err)
					}
					defer f.Close()
					r = f
				} else {
					r = bytes.NewReader(data)
				}
				src, err := ReadImport(r, size, households)
				if err != nil {
					b.Fatal(err)
				}
				for {
					row, err := src.Next()
					if err != nil {
						b.Fatal(err)
					}
					if row == nil {
						break
					}
					if len(row.Errors) > 0 {
						b.Fatalf("line %d: %s", row.Line, errorsOf(row))
					}
					rows++
				}
				src.Close()
			}
			b.StopTimer()
			close(stop)
			<-done
			if rows != n*b.N {
				b.Fatalf("%d rows", rows)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		})
	}
}

// writeHouseholds writes n households with excelize's StreamWriter, as a
// county's own export would be.
func writeHouseholds(tb testing.TB, name string, n int) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	sw.SetRow("A1", []any{"东坪镇农户花名册"})
	sw.SetRow("A2", []any{"序号", "村(社区)", "户主姓名", "身份证号", "联系电话", "住址", "家庭人口", "三必访类别"})
	for i := 1; i <= n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		id := testID(fmt.Sprintf("430923%04d%02d%02d%03d", 1950+i%50, 1+i%12, 1+i%28, i%1000))
		if err := sw.SetRow(cell, []any{i, "东坪镇酉州村", fmt.Sprintf("户主%d", i), id, 13800000000 + i, fmt.Sprintf("酉州村%d组%d号", i%12+1, i%97+1), i%6 + 1, "低保、留守"}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(name); err != nil {
		tb.Fatal(err)
	}
}
