package xlsx

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

func testCoverage(missed int) *sanlian.VisitCoverage {
	c := &sanlian.VisitCoverage{
		Window: sanlian.Window{From: "2021-05-01", To: "2021-05-31"},
		MustVisit: []sanlian.KindCoverage{{Kind: "conflict", Total: 2, Visited: 1}, {Kind: "key_group", Total: 3, Visited: 2},
			{Kind: "representative", Total: 0}, {Kind: "any", Total: 5, Visited: 3}},
		Households: 20, HouseholdsLinked: 8, Villages: 4, VillagesWithoutUnit: 1, Townships: 2, TownshipsWithoutLeader: 1,
		Visits: 4, Problems: 3, CadresWithoutVisit: 1,
		Cadres: []*sanlian.CadreVisits{{CadreID: 2, Name: "李明", UnitName: "县民政局", Households: 3, Visits: 2, Problems: 1},
			{CadreID: 3, Name: "张华", UnitName: "县民政局社会救助股", Households: 1}},
		Units:  []*sanlian.UnitVisits{{UnitID: 1, Name: "县民政局", Villages: 1, Visits: 3, Problems: 1, Cadres: 2, Idle: 1}},
		Topics: []*sanlian.TopicUse{{TopicID: 7, Question: "=HYPERLINK(\"http://evil.example/\")", Category: "transport", Visits: 2, Problems: 1}},
	}
	for i := range missed {
		c.Missed = append(c.Missed, &sanlian.MissedHousehold{Household: &sanlian.Household{ID: int64(i + 1), HeadName: fmt.Sprintf("刘户%d", i+1),
			TownshipName: "东坪镇", VillageName: "黄沙坪村", Tags: []sanlian.Tag{{Kind: "key_group", Sub: "低保"}}, Cadres: []string{"李明", "赵丽"}}})
	}
	return c
}

func TestWriteCoverage(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCoverage(&buf, "走访覆盖情况（全县）", testCoverage(2), map[string]string{"transport": "交通出行"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{CoverageSheetMustVisit, CoverageSheetMissed, CoverageSheetUnits, CoverageSheetCadres, CoverageSheetTopics}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows(CoverageSheetMustVisit)
	if rows[0][0] != "走访覆盖情况（全县）" || !slices.Equal(rows[2], []string{"矛盾问题户", "2", "1", "1", "50.0%"}) ||
		!slices.Equal(rows[4], []string{"群众代表", "0", "0", "0", "—"}) || rows[8][0] != "村(社区)（有联村单位）" {
		t.Errorf("三必访: %q", rows)
	}
	rows, _ = f.GetRows(CoverageSheetMissed)
	if !slices.Equal(rows[3], []string{"2", "刘户2", "东坪镇", "黄沙坪村", "重点群体·低保", "李明、赵丽"}) {
		t.Errorf("missed: %q", rows)
	}
	rows, _ = f.GetRows(CoverageSheetCadres)
	if !slices.Equal(rows[3], []string{"张华", "县民政局社会救助股", "1", "0", "0", "未走访"}) {
		t.Errorf("cadres: %q", rows)
	}
	// A question that looks like a formula stays text.
	if v, _ := f.GetCellValue(CoverageSheetTopics, "B3"); !strings.HasPrefix(v, "=HYPERLINK") {
		t.Errorf("topic question %q", v)
	}
	if formula, _ := f.GetCellFormula(CoverageSheetTopics, "B3"); formula != "" {
		t.Errorf("topic question written as formula %q", formula)
	}
	if v, _ := f.GetCellValue(CoverageSheetTopics, "C3"); v != "交通出行" {
		t.Errorf("field %q", v)
	}
	for _, sh := range want {
		pl, err := f.GetPageLayout(sh)
		if err != nil || *pl.Orientation != "landscape" || *pl.Size != 9 {
			t.Errorf("%s: %+v %v", sh, pl, err)
		}
		if h, _ := f.GetCellValue(sh, "A2"); h == "" {
			t.Errorf("%s has no header", sh)
		}
	}
}

func TestWriteCoverage_ManyMissed(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCoverage(&buf, "走访覆盖情况", testCoverage(500), nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(CoverageSheetMissed)
	if len(rows) != 503 || !strings.Contains(rows[502][0], "仅列前 500 户") {
		t.Errorf("%d rows, last %q", len(rows), rows[len(rows)-1])
	}
	if v, _ := f.GetCellValue(CoverageSheetTopics, "C3"); v != "transport" {
		t.Errorf("field without a name: %q", v)
	}
}
