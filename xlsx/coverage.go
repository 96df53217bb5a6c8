package xlsx

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

// Sheet names of the visit coverage workbook, in order.
const (
	CoverageSheetMustVisit = "三必访"
	CoverageSheetMissed    = "未走访三必访户"
	CoverageSheetUnits     = "单位"
	CoverageSheetCadres    = "干部"
	CoverageSheetTopics    = "题目"
)

// coverageColumn is a column of a coverage sheet: header and width in
// characters.
type coverageColumn struct {
	header string
	width  float64
}

// WriteCoverage writes the visit coverage report c as a workbook to w, a
// sheet per section, each headed by title and printed on A4 landscape.
// categories names the topic fields by code; a code without a name is
// written as it is. Households are written as the report carries them,
// with no personal numbers.
func WriteCoverage(w io.Writer, title string, c *sanlian.VisitCoverage, categories map[string]string) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx: close: %w", cerr)
		}
	}()
	cw, err := newCoverageWriter(f)
	if err != nil {
		return fmt.Errorf("xlsx: styles: %w", err)
	}
	rate := func(part, whole int) string {
		if whole == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
	}

	// 三必访, then the link and visit totals below it.
	var rows [][]any
	for _, k := range c.MustVisit {
		label := "合计（任一类）"
		if k.Kind != "any" {
			label = sanlian.TagKindLabel(k.Kind)
		}
		rows = append(rows, []any{label, k.Total, k.Visited, k.Total - k.Visited, rate(k.Visited, k.Total)})
	}
	rows = append(rows, nil,
		[]any{"农户（已联系干部）", c.Households, c.HouseholdsLinked, c.Households - c.HouseholdsLinked, rate(c.HouseholdsLinked, c.Households)},
		[]any{"村(社区)（有联村单位）", c.Villages, c.Villages - c.VillagesWithoutUnit, c.VillagesWithoutUnit, rate(c.Villages-c.VillagesWithoutUnit, c.Villages)},
		[]any{"乡镇（有联系县级领导）", c.Townships, c.Townships - c.TownshipsWithoutLeader, c.TownshipsWithoutLeader, rate(c.Townships-c.TownshipsWithoutLeader, c.Townships)},
		nil,
		[]any{"走访次数", c.Visits},
		[]any{"走访中发现的问题", c.Problems},
		[]any{"未走访的干部（人）", c.CadresWithoutVisit},
	)
	if err := cw.sheet(CoverageSheetMustVisit, title, []coverageColumn{{"类别", 24}, {"户数/总数", 12}, {"已走访/已覆盖", 14}, {"未走访/未覆盖", 14}, {"走访率/覆盖率", 14}}, rows); err != nil {
		return err
	}

	rows = rows[:0]
	for i, m := range c.Missed {
		h := m.Household
		tags := ""
		for j, t := range h.Tags {
			if j > 0 {
				tags += "、"
			}
			tags += t.Label()
		}
		cadres := "（未联系干部）"
		if len(h.Cadres) > 0 {
			cadres = ""
			for j, name := range h.Cadres {
				if j > 0 {
					cadres += "、"
				}
				cadres += name
			}
		}
		rows = append(rows, []any{i + 1, h.HeadName, h.TownshipName, h.VillageName, tags, cadres})
	}
	if len(c.Missed) >= 500 {
		rows = append(rows, []any{"仅列前 500 户；完整名单请在“农户”页按三必访、未走访筛选。"})
	}
	if err := cw.sheet(CoverageSheetMissed, title, []coverageColumn{{"序号", 7}, {"户主", 12}, {"乡镇", 14}, {"村(社区)", 16}, {"三必访类别", 24}, {"联系干部", 24}}, rows); err != nil {
		return err
	}

	rows = rows[:0]
	for _, u := range c.Units {
		rows = append(rows, []any{u.Name, u.Villages, u.Visits, u.Problems, u.Cadres, u.Idle})
	}
	if err := cw.sheet(CoverageSheetUnits, title, []coverageColumn{{"单位", 30}, {"联系村数", 10}, {"走访次数", 10}, {"发现问题", 10}, {"干部数", 10}, {"未走访干部", 12}}, rows); err != nil {
		return err
	}

	rows = rows[:0]
	for _, x := range c.Cadres {
		idle := ""
		if x.Visits == 0 {
			idle = "未走访"
		}
		rows = append(rows, []any{x.Name, x.UnitName, x.Households, x.Visits, x.Problems, idle})
	}
	if err := cw.sheet(CoverageSheetCadres, title, []coverageColumn{{"干部", 12}, {"单位", 30}, {"联系户数", 10}, {"走访次数", 10}, {"发现问题", 10}, {"备注", 10}}, rows); err != nil {
		return err
	}

	rows = rows[:0]
	for _, t := range c.Topics {
		field := categories[t.Category]
		if field == "" {
			field = t.Category
		}
		rows = append(rows, []any{t.TopicID, t.Question, field, t.Visits, t.Problems})
	}
	if err := cw.sheet(CoverageSheetTopics, title, []coverageColumn{{"编号", 8}, {"题目", 50}, {"领域", 14}, {"走访次数", 10}, {"发现问题", 10}}, rows); err != nil {
		return err
	}

	f.SetActiveSheet(0)
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

// coverageWriter writes the small sheets of the coverage workbook.
type coverageWriter struct {
	f                                    *excelize.File
	title, header, text, wrap, num, note int
}

func newCoverageWriter(f *excelize.File) (*coverageWriter, error) {
	border := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	cw := &coverageWriter{f: f}
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&cw.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&cw.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&cw.text, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&cw.wrap, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&cw.num, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}}},
		{&cw.note, &excelize.Style{Font: &excelize.Font{Color: "C00000"}, Alignment: &excelize.Alignment{Vertical: "top"}}},
	} {
		id, err := f.NewStyle(s.style)
		if err != nil {
			return nil, err
		}
		*s.id = id
	}
	return cw, nil
}

// sheet adds a sheet: the title merged over the columns, the header row
// frozen, then rows; a nil row is left blank, a one-cell text row is a note.
func (cw *coverageWriter) sheet(name, title string, cols []coverageColumn, rows [][]any) error {
	f := cw.f
	if _, err := f.NewSheet(name); err != nil {
		return fmt.Errorf("xlsx: sheet %s: %w", name, err)
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	for i, c := range cols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, col, col, c.width); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := f.SetCellStr(name, "A1", title); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.MergeCell(name, "A1", last+"1"); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetCellStyle(name, "A1", last+"1", cw.title); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetRowHeight(name, 1, 28); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = c.header
	}
	if err := f.SetSheetRow(name, "A2", &header); err != nil {
		return fmt.Errorf("xlsx: header: %w", err)
	}
	if err := f.SetCellStyle(name, "A2", last+"2", cw.header); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range rows {
		if len(r) == 0 {
			continue
		}
		n := i + 3
		cell := fmt.Sprintf("A%d", n)
		if s, ok := r[0].(string); ok && len(r) == 1 && len(cols) > 1 {
			if err := f.SetCellStr(name, cell, s); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
			if err := f.SetCellStyle(name, cell, cell, cw.note); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
			continue
		}
		for j, v := range r {
			ref, _ := excelize.CoordinatesToCellName(j+1, n)
			style := cw.num
			if s, ok := v.(string); ok {
				// Strings are stored as text, never as formulas, whatever
				// they begin with.
				if err := f.SetCellStr(name, ref, s); err != nil {
					return fmt.Errorf("xlsx: %w", err)
				}
				style = cw.text
				if cols[j].width >= 24 {
					style = cw.wrap
				}
			} else if err := f.SetCellValue(name, ref, v); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
			if err := f.SetCellStyle(name, ref, ref, style); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A3", ActiveCell: "A3", Pane: "bottomLeft"}}}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return cw.printA4(name)
}

// printA4 prints a sheet on A4 landscape, one page wide, the title and
// header repeated on every page, page numbers below.
func (cw *coverageWriter) printA4(name string) error {
	f := cw.f
	yes, one, zero, a4, landscape := true, 1, 0, 9, "landscape"
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
		return fmt.Errorf("xlsx: page setup: %w", err)
	}
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return fmt.Errorf("xlsx: page setup: %w", err)
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return fmt.Errorf("xlsx: page setup: %w", err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + name + "'!$1:$2", Scope: name}); err != nil {
		return fmt.Errorf("xlsx: page setup: %w", err)
	}
	return nil
}
