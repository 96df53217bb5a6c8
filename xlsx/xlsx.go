// Package xlsx encodes sanlian's lists as Excel workbooks with Chinese
// headers. Workbooks are written with excelize's StreamWriter, so a list of
// any length is never held in memory as rows: excelize keeps the sheet's XML
// in a buffer that spills to a temporary file past 16 MB, and the finished
// zip goes straight to the caller's writer.
package xlsx

import (
	"archive/zip"
	"cmp"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

// MaxRows is the most problems one workbook holds. Past it the export stops
// with a note row asking for a narrower filter: a sheet holds 1,048,576
// rows, but a county clerk's spreadsheet program gives up long before.
const MaxRows = 200_000

// ProblemSheet is the name of the sheet WriteProblems writes.
const ProblemSheet = "问题清单"

// problemColumn is a column of the problem list: its header, width and
// wrapping, and the value of problem p as row n, as a Table row holds it
// (a deadline as a deadline).
type problemColumn struct {
	sanlian.TableColumn
	value func(n int, p *sanlian.Problem) any
}

// deadline is a Table value for a deadline: the date it ends on.
type deadline time.Time

// problemColumns are the columns of the problem list, declared once.
var problemColumns = []problemColumn{
	{col("序号", 7), func(n int, _ *sanlian.Problem) any { return n }},
	{col("编号", 18), func(_ int, p *sanlian.Problem) any { return p.Number }},
	{wrapped("标题", 28), func(_ int, p *sanlian.Problem) any { return p.Title }},
	{wrapped("问题描述", 50), func(_ int, p *sanlian.Problem) any { return p.Description }},
	{col("类别", 12), func(_ int, p *sanlian.Problem) any { return cmp.Or(p.CategoryName, p.Category) }},
	{col("来源", 12), func(_ int, p *sanlian.Problem) any { return sanlian.SourceLabel(p.Source) }},
	{col("乡镇", 12), func(_ int, p *sanlian.Problem) any { return p.TownshipName }},
	{col("村(社区)", 14), func(_ int, p *sanlian.Problem) any { return p.VillageName }},
	{col("反映人", 10), func(_ int, p *sanlian.Problem) any { return p.ReporterName }},
	{col("联系电话", 14), func(_ int, p *sanlian.Problem) any { return p.ReporterPhone }},
	{col("紧急程度", 9), func(_ int, p *sanlian.Problem) any { return urgencyLabel(p.Urgency) }},
	{col("状态", 9), func(_ int, p *sanlian.Problem) any { return sanlian.StateLabel(p.State) }},
	{col("责任单位", 20), func(_ int, p *sanlian.Problem) any { return p.UnitName }},
	{col("责任人", 10), func(_ int, p *sanlian.Problem) any { return p.PersonName }},
	{col("登记时间", 17), func(_ int, p *sanlian.Problem) any { return p.CreatedAt }},
	{col("签收期限", 12), func(_ int, p *sanlian.Problem) any { return deadline(p.AcceptDue) }},
	{col("办结期限", 12), func(_ int, p *sanlian.Problem) any { return deadline(p.ResolveDue) }},
	{col("办结时间", 17), func(_ int, p *sanlian.Problem) any { return p.ResolvedAt }},
	{col("是否超期", 9), func(_ int, p *sanlian.Problem) any { return yesNo(p.Overdue) }},
	{col("回访结果", 10), func(_ int, p *sanlian.Problem) any { return sanlian.SolvedLabel(p.CallbackSolved) }},
	{col("满意度", 10), func(_ int, p *sanlian.Problem) any { return sanlian.SatisfactionLabel(p.CallbackSatisfaction) }},
	{col("退回次数", 9), func(_ int, p *sanlian.Problem) any { return p.Reopened }},
}

func col(header string, width float64) sanlian.TableColumn {
	return sanlian.TableColumn{Header: header, Width: width}
}

func wrapped(header string, width float64) sanlian.TableColumn {
	return sanlian.TableColumn{Header: header, Width: width, Wrap: true}
}

func urgencyLabel(u string) string {
	if u == sanlian.UrgencyUrgent {
		return "紧急"
	}
	return "一般"
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// ProblemHeaders returns the Chinese column headers of the problem list, in
// order.
func ProblemHeaders() []string {
	out := make([]string, len(problemColumns))
	for i, c := range problemColumns {
		out[i] = c.Header
	}
	return out
}

// WriteProblems writes a workbook of problems to w: a title row, a header
// row, then one row per problem that next returns, until next returns
// (nil, nil). The reporter's phone is written as the Problem carries it
// (masked by the service). Times are shown in Asia/Shanghai; a deadline,
// an instant at 24:00, shows the date it ends on. After MaxRows problems a
// note row replaces the rest.
//
// Nothing is written to w until every row has been read, so an error from
// next leaves w untouched.
func WriteProblems(w io.Writer, title string, next func() (*sanlian.Problem, error)) error {
	return writeProblems(w, title, next, MaxRows)
}

func writeProblems(w io.Writer, title string, next func() (*sanlian.Problem, error), maxRows int) error {
	cols := make([]sanlian.TableColumn, len(problemColumns))
	for i, c := range problemColumns {
		cols[i] = c.TableColumn
	}
	n := 0
	row := func() ([]any, error) {
		p, err := next()
		if err != nil || p == nil {
			return nil, err
		}
		n++
		values := make([]any, len(problemColumns))
		for i, c := range problemColumns {
			values[i] = c.value(n, p)
		}
		return values, nil
	}
	return writeSheet(w, title, ProblemSheet, cols, maxRows, "问题", tableFill(cols, row))
}

// writeSheet writes a one-sheet workbook to w: a merged title row, a
// frozen header row with a filter, then the rows fill puts in values until
// it returns false. After maxRows rows a note row replaces the rest, naming
// what the rows are (问题, 农户 …).
func writeSheet(w io.Writer, title, sh string, cols []sanlian.TableColumn, maxRows int, what string,
	fill func(st *styles, values []any) (bool, error)) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx: close: %w", cerr)
		}
	}()
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("xlsx: styles: %w", err)
	}
	if err := streamTable(f, sh, st, title, cols, maxRows, what, fill); err != nil {
		return err
	}
	// excelize assembles a workbook in a bytes.Buffer before copying it out;
	// handing it a zip writer over w instead streams the zip, which for 100,000
	// rows spares a buffer the size of the file. The buffer Write passes to
	// the zip writer then stays empty, and so does what it copies to w.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

// streamTable writes one sheet of f with a stream writer, as writeSheet
// describes. Nothing reaches the caller's writer until f is written, so an
// error from fill leaves it untouched.
func streamTable(f *excelize.File, sh string, st *styles, title string, cols []sanlian.TableColumn, maxRows int, what string,
	fill func(st *styles, values []any) (bool, error)) error {
	if err := pageSetup(f, sh); err != nil {
		return fmt.Errorf("xlsx: page setup: %w", err)
	}
	sw, err := f.NewStreamWriter(sh)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	// The stream writer puts each new column width before the others, and
	// Excel wants them in ascending order: set them from the last.
	for i := len(cols) - 1; i >= 0; i-- {
		width := cols[i].Width
		if width == 0 {
			width = 12
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A3", ActiveCell: "A3", Pane: "bottomLeft"}}}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: title}}, excelize.RowOpts{Height: 30}); err != nil {
		return fmt.Errorf("xlsx: title: %w", err)
	}
	if err := sw.MergeCell("A1", last+"1"); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.Header}
	}
	if err := sw.SetRow("A2", header, excelize.RowOpts{Height: 22}); err != nil {
		return fmt.Errorf("xlsx: header: %w", err)
	}

	row := 2
	values := make([]any, len(cols))
	for n := 0; ; n++ {
		clear(values)
		more, err := fill(st, values)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if n == maxRows {
			note := fmt.Sprintf("仅导出前 %d 条；符合条件的%s多于 %d 条，其余未导出。请缩小筛选范围后分批导出。", maxRows, what, maxRows)
			if err := sw.SetRow(cell, []any{excelize.Cell{StyleID: st.note, Value: note}}, excelize.RowOpts{Height: 30}); err != nil {
				return fmt.Errorf("xlsx: note: %w", err)
			}
			if err := sw.MergeCell(cell, fmt.Sprintf("%s%d", last, row)); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
			break
		}
		if err := sw.SetRow(cell, values); err != nil {
			return fmt.Errorf("xlsx: row %d: %w", row, err)
		}
	}
	if err := f.AutoFilter(sh, fmt.Sprintf("A2:%s%d", last, max(row, 3)), nil); err != nil {
		return fmt.Errorf("xlsx: filter: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: flush: %w", err)
	}
	return nil
}

// pageSetup prints the sheet on A4 landscape, all columns on one page
// wide, the title and header repeated on every page, page numbers below.
func pageSetup(f *excelize.File, sh string) error {
	if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{Size: ptr(9), Orientation: ptr("landscape"),
		FitToWidth: ptr(1), FitToHeight: ptr(0)}); err != nil {
		return err
	}
	if err := f.SetPageMargins(sh, &excelize.PageLayoutMarginsOptions{Left: ptr(0.4), Right: ptr(0.4),
		Top: ptr(0.6), Bottom: ptr(0.6), Header: ptr(0.3), Footer: ptr(0.3), Horizontally: ptr(true)}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sh, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sh + "'!$1:$2", Scope: sh})
}

// styles are the workbook's cell style ids. Each text style has a twin
// with Excel's quote prefix, used for text that Excel would otherwise take
// for a formula once a clerk edits the cell.
type styles struct {
	title, header, note    int
	text, textQ            int
	wrap, wrapQ            int
	center, date, datetime int
}

func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	top := &excelize.Alignment{Vertical: "top"}
	st := &styles{}
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&st.note, &excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"},
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}},
		{&st.text, &excelize.Style{Border: border, Alignment: top}},
		{&st.wrap, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.center, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}}},
		{&st.date, &excelize.Style{Border: border, Alignment: top, CustomNumFmt: ptr("yyyy-mm-dd")}},
		{&st.datetime, &excelize.Style{Border: border, Alignment: top, CustomNumFmt: ptr("yyyy-mm-dd hh:mm")}},
	} {
		id, err := f.NewStyle(s.style)
		if err != nil {
			return nil, err
		}
		*s.id = id
	}
	st.textQ, st.wrapQ = quotePrefixed(f, st.text), quotePrefixed(f, st.wrap)
	return st, nil
}

// quotePrefixed adds a copy of cell style id with quotePrefix set, the
// flag Excel itself sets when one types '=…: the cell stays text even when
// edited. excelize's Style has no such field, so the copy is made on the
// style sheet directly; should that ever be unavailable the plain style is
// returned, and the cell is still an inline string that Excel does not
// evaluate on opening.
func quotePrefixed(f *excelize.File, id int) int {
	s := f.Styles
	if s == nil || s.CellXfs == nil || id < 0 || id >= len(s.CellXfs.Xf) {
		return id
	}
	xf := s.CellXfs.Xf[id]
	xf.QuotePrefix = ptr(true)
	s.CellXfs.Xf = append(s.CellXfs.Xf, xf)
	s.CellXfs.Count = len(s.CellXfs.Xf)
	return len(s.CellXfs.Xf) - 1
}

// str is a text cell. The stream writer writes every Go string as an
// inline string, never a formula; text that Excel would read as a formula
// were it typed (= + - @, or a leading tab or CR, per OWASP's CSV-injection
// advice) also gets the quote-prefix style.
func (st *styles) str(s string, wrap bool) excelize.Cell {
	style, quoted := st.text, st.textQ
	if wrap {
		style, quoted = st.wrap, st.wrapQ
	}
	switch {
	case s == "":
		return excelize.Cell{StyleID: style} // bordered, and no empty string to store
	case formulaLike(s):
		style = quoted
	}
	return excelize.Cell{StyleID: style, Value: s}
}

// formulaLike reports whether s starts as a formula would in a spreadsheet.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// instant is a date and time cell in Asia/Shanghai, or an empty cell.
func (st *styles) instant(t time.Time) excelize.Cell {
	if t.IsZero() {
		return excelize.Cell{StyleID: st.text}
	}
	return excelize.Cell{StyleID: st.datetime, Value: wall(t.In(sanlian.Shanghai))}
}

// deadline is the date a deadline ends on. Deadlines are stored as 24:00
// of their last day, which is 00:00 of the next; a second earlier falls on
// the day a clerk means.
func (st *styles) deadline(t time.Time) excelize.Cell {
	if t.IsZero() {
		return excelize.Cell{StyleID: st.text}
	}
	y, m, d := t.Add(-time.Second).In(sanlian.Shanghai).Date()
	return excelize.Cell{StyleID: st.date, Value: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// wall is t's wall clock as a UTC time: Excel has no time zones, and
// excelize writes the wall clock of the time it is given.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

func ptr[T any](v T) *T { return &v }
