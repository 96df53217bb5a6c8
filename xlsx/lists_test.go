package xlsx

import (
	"bytes"
	"slices"
	"testing"

	"sanlian"
)

func TestWriteLists(t *testing.T) {
	l := &sanlian.ThreeLists{UnitID: 1, Name: "县民政局", Problems: testProblems()[:2],
		UnitHeads: map[int64]string{1: "李明"},
		Projects: []*sanlian.Project{{ID: 7, Title: "困难群众走访慰问", UnitName: "县民政局", Target: 200, Measure: "户", Done: 90,
			Progress: 45, StartDate: "2021-05-01", EndDate: "2021-12-31", LeaderName: "李明", PersonName: "赵丽",
			Status: sanlian.ProjectOngoing, CategoryName: "社保医疗"}},
		Responsibilities: []*sanlian.Responsibility{
			{Key: "r1", ID: 1, Task: "完成低保年度复核", Source: sanlian.RespStandalone, UnitName: "县民政局", PersonName: "李明",
				Deadline: "2021-06-30", State: sanlian.RespDone, CompletionNote: "已复核 312 户", Measures: "逐户核对"},
			{Key: "project:7", Derived: true, Task: "困难群众走访慰问", Source: sanlian.RespProject, SourceID: 7, SourceRef: "困难群众走访慰问",
				UnitName: "县民政局", LeaderName: "李明", PersonName: "赵丽", Deadline: "2021-12-31", State: sanlian.RespOngoing,
				Progress: "进度 45%，已完成 90/200 户"},
		}}
	l.Problems[0].UnitID = 1
	l.Problems[1].UnitID, l.Problems[1].UnitName = 3, "东坪镇人民政府" // one 县民政局 co-handles
	var buf bytes.Buffer
	if err := WriteLists(&buf, "县民政局三个清单", l); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	if got := f.GetSheetList(); !slices.Equal(got, []string{ListProblemSheet, ListProjectSheet, ListRespSheet}) {
		t.Fatalf("sheets %v", got)
	}
	for _, c := range []struct {
		sheet string
		cols  []sanlian.TableColumn
		rows  int
		cell  string
		want  string
	}{
		{ListProblemSheet, listProblemColumns, 2, "I3", "李明"},
		{ListProblemSheet, listProblemColumns, 2, "L3", "2021-05-25"},
		{ListProblemSheet, listProblemColumns, 2, "G3", "东坪镇黄沙坪村"},
		{ListProblemSheet, listProblemColumns, 2, "H3", "县民政局"},
		{ListProblemSheet, listProblemColumns, 2, "H4", "东坪镇人民政府（牵头，本单位配合）"},
		{ListProjectSheet, listProjectColumns, 1, "O3", "进度 45%"},
		{ListProjectSheet, listProjectColumns, 1, "P3", "实施中"},
		{ListRespSheet, listRespColumns, 2, "J3", "已复核 312 户"},
		{ListRespSheet, listRespColumns, 2, "C4", "项目清单"},
		{ListRespSheet, listRespColumns, 2, "J4", "进度 45%，已完成 90/200 户"},
	} {
		rows, err := f.GetRows(c.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2+c.rows {
			t.Errorf("%s: %d rows, want title, header and %d", c.sheet, len(rows), c.rows)
			continue
		}
		for i, col := range c.cols {
			if rows[1][i] != col.Header {
				t.Errorf("%s header %d = %q, want %q", c.sheet, i, rows[1][i], col.Header)
			}
		}
		if got, _ := f.GetCellValue(c.sheet, c.cell); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
	// Printable: A4 landscape, one page wide, on every sheet.
	for _, sh := range f.GetSheetList() {
		lo, err := f.GetPageLayout(sh)
		if err != nil {
			t.Fatal(err)
		}
		if lo.Size == nil || *lo.Size != 9 || lo.Orientation == nil || *lo.Orientation != "landscape" || lo.FitToWidth == nil || *lo.FitToWidth != 1 {
			t.Errorf("%s page layout %+v", sh, lo)
		}
	}
	// No reporter, no phone in the lists.
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			for _, v := range r {
				if v == "刘大爷" || v == "139****5678" {
					t.Errorf("%s holds personal data %q", sh, v)
				}
			}
		}
	}
}

func TestWriteTable(t *testing.T) {
	rows := [][]any{{1, "=1+1", int64(3), nil}, {2, "普通", 4.5, at("2021-05-06 08:30")}}
	i := 0
	var buf bytes.Buffer
	err := WriteTable(&buf, &sanlian.Table{Title: "测试", Sheet: "清单",
		Columns: []sanlian.TableColumn{{Header: "序号"}, {Header: "内容", Wrap: true}, {Header: "数"}, {Header: "时间"}},
		Next: func() ([]any, error) {
			if i == len(rows) {
				return nil, nil
			}
			i++
			return rows[i-1], nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	got, err := f.GetRows("清单")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[1][1] != "内容" || got[2][1] != "=1+1" || got[3][3] != "2021-05-06 08:30" {
		t.Errorf("rows %q", got)
	}
	if fm, _ := f.GetCellFormula("清单", "B3"); fm != "" {
		t.Errorf("B3 is a formula %q", fm)
	}
	if !quotePrefixOn(t, f, "清单", "B3") {
		t.Error("formula-like text not quote-prefixed")
	}
}
