package xlsx

import (
	"bytes"
	"testing"

	"sanlian"
)

// Phones and ID numbers typed into a project's description or an entered
// responsibility's task, measures or completion note are exported masked.
func TestWriteLists_MasksContacts(t *testing.T) {
	const typed, masked = "电话13600002222，身份证号430923198802023456", "电话136****2222，身份证号430923********3456"
	l := &sanlian.ThreeLists{UnitID: 1, Name: "县民政局", Problems: []*sanlian.Problem{},
		Projects: []*sanlian.Project{{ID: 7, Title: "困难群众走访慰问", UnitName: "县民政局", Description: typed,
			StartDate: "2021-05-01", EndDate: "2021-12-31", Status: sanlian.ProjectOngoing}},
		Responsibilities: []*sanlian.Responsibility{{Key: "r1", ID: 1, Task: "复核 " + typed, Source: sanlian.RespStandalone,
			UnitName: "县民政局", Deadline: "2021-06-30", State: sanlian.RespDone, CompletionNote: "已复核 " + typed, Measures: "核对 " + typed}}}
	var buf bytes.Buffer
	if err := WriteLists(&buf, "县民政局三个清单", l); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	for _, c := range []struct{ sheet, cell, want string }{
		{ListProjectSheet, "F3", masked},
		{ListRespSheet, "B3", "复核 " + masked},
		{ListRespSheet, "H3", "核对 " + masked},
		{ListRespSheet, "J3", "已复核 " + masked},
	} {
		if got, _ := f.GetCellValue(c.sheet, c.cell); got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
}
