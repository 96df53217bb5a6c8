package xlsx

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

func rowsOf(rows ...[]any) func() ([]any, error) {
	i := 0
	return func() ([]any, error) {
		if i == len(rows) {
			return nil, nil
		}
		i++
		return rows[i-1], nil
	}
}

// TestWriteTables: each table its own sheet, in order, with its title,
// header and rows; the workbook's title stands in for a missing one.
func TestWriteTables(t *testing.T) {
	var buf bytes.Buffer
	err := WriteTables(&buf, "〔2021〕第1期通报附件", []*sanlian.Table{
		{Sheet: "总体情况", Columns: []sanlian.TableColumn{{Header: "项目"}, {Header: "数值"}},
			Next: rowsOf([]any{"交办", 6}, []any{"办结", 5})},
		{Sheet: "通报批评", Title: "通报批评单位", Columns: []sanlian.TableColumn{{Header: "单位"}, {Header: "理由", Wrap: true}},
			Next: rowsOf([]any{"县民政局", "=综合得分 30 分"})},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "总体情况" || got[1] != "通报批评" {
		t.Fatalf("sheets %v", got)
	}
	for _, c := range []struct{ sheet, cell, want string }{
		{"总体情况", "A1", "〔2021〕第1期通报附件"}, {"总体情况", "B2", "数值"}, {"总体情况", "A4", "办结"}, {"总体情况", "B3", "6"},
		{"通报批评", "A1", "通报批评单位"}, {"通报批评", "B3", "=综合得分 30 分"},
	} {
		got, err := f.GetCellValue(c.sheet, c.cell)
		if err != nil || got != c.want {
			t.Errorf("%s!%s = %q (%v), want %q", c.sheet, c.cell, got, err, c.want)
		}
	}
	if formula, _ := f.GetCellFormula("通报批评", "B3"); formula != "" {
		t.Errorf("text became a formula: %q", formula)
	}
	if err := WriteTables(&bytes.Buffer{}, "空", nil); err == nil {
		t.Error("a workbook without tables was written")
	}
}
