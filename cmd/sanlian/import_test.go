package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// smallCountyDB is an SQLite file holding the small test county.
func smallCountyDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "county.db")
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sqldbtest.LoadSmall(t, db)
	return dsn
}

// householdsFile writes a households workbook: a title row, the header,
// then rows.
func householdsFile(t *testing.T, rows ...[]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"东坪镇新增农户"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"村(社区)", "户主姓名", "身份证号", "联系电话", "家庭人口"})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	name := filepath.Join(t.TempDir(), "农户.xlsx")
	if err := f.SaveAs(name); err != nil {
		t.Fatal(err)
	}
	return name
}

// households counts the households of the county file.
func countHouseholds(t *testing.T, dsn string) int {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	f := sanlian.HouseholdFilter{Limit: 500}
	for {
		items, cursor, err := db.Org.FindHouseholds(sanlian.NewSystemContext(ctx), f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(items)
		if cursor == "" {
			return n
		}
		f.Cursor = cursor
	}
}

func TestRun_Import(t *testing.T) {
	ctx := context.Background()
	dsn := smallCountyDB(t)
	before := countHouseholds(t, dsn)
	good := householdsFile(t,
		[]any{"东坪镇酉州村", "欧阳新", sqldbtest.IDNumber("43092319900101901"), "13800138000", 3},
		[]any{"梅城镇启安村", "谢春", sqldbtest.IDNumber("43092319900101902"), 13900139000, "4"},
	)
	imp := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"import"}, args...), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	// A cadre may not import households: nothing is written.
	out, err := imp("households", good, "--db", dsn, "--as", "cadre")
	if err == nil || !strings.Contains(err.Error(), "不能导入农户") {
		t.Errorf("cadre import: %v\n%s", err, out)
	}
	if _, err := imp("households", good, "--db", dsn, "--as", "nobody"); err == nil || !strings.Contains(err.Error(), "没有账号 nobody") {
		t.Errorf("unknown account: %v", err)
	}

	// The office imports, flags after the arguments or before them.
	out, err = imp("--db", dsn, "农户", good, "--as", "office")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if !strings.Contains(out, "农户：读取 2 行，已导入 2 行") {
		t.Errorf("output: %s", out)
	}
	if n := countHouseholds(t, dsn); n != before+2 {
		t.Errorf("%d households, want %d", n, before+2)
	}

	// Again: every row is a duplicate now; each is listed by line and
	// column, nothing is written, and the exit status says so.
	out, err = imp("households", good, "--db", dsn)
	if err == nil || !strings.Contains(err.Error(), "导入未完成") {
		t.Errorf("second import: %v", err)
	}
	if !strings.Contains(out, "发现 2 处错误，未导入任何数据") || !strings.Contains(out, "第 3 行") || !strings.Contains(out, "第 4 行") {
		t.Errorf("second import output: %s", out)
	}

	// Cell errors are listed the same way.
	bad := householdsFile(t,
		[]any{"东坪镇酉州村", "", sqldbtest.IDNumber("43092319900101903")},
		[]any{"东坪镇酉州村", "甲", "43092319900101903X"},
	)
	out, err = imp("households", bad, "--db", dsn)
	if err == nil || !strings.Contains(out, "第 3 行：「户主姓名」不能为空") || !strings.Contains(out, "第 4 行：「身份证号」") {
		t.Errorf("cell errors: %v\n%s", err, out)
	}
	if n := countHouseholds(t, dsn); n != before+2 {
		t.Errorf("%d households after refused imports, want %d", n, before+2)
	}

	// Files that are no workbook, kinds that do not exist, files missing.
	csv := filepath.Join(t.TempDir(), "农户.xlsx")
	os.WriteFile(csv, []byte("村(社区),户主姓名,身份证号\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"households", csv, "--db", dsn}, "这是 CSV 或文本文件"},
		{[]string{"farmers", good, "--db", dsn}, "未知的导入类型 \"farmers\"：可选 households（农户）"},
		{[]string{"households", filepath.Join(t.TempDir(), "none.xlsx"), "--db", dsn}, "无法打开文件"},
		{[]string{"households", "--db", dsn}, "用法：sanlian import KIND FILE"},
		{[]string{"households", t.TempDir(), "--db", dsn}, "是目录"},
	} {
		if out, err := imp(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v\n%s", c.args, err, out)
		}
	}
	if _, err := imp("-h"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestRowErrorLine(t *testing.T) {
	for _, c := range []struct {
		e    sanlian.RowError
		want string
	}{
		{sanlian.RowError{Line: 3, Column: "户主姓名", Message: "「户主姓名」不能为空"}, "第 3 行：「户主姓名」不能为空"},
		{sanlian.RowError{Line: 4, Column: "村(社区)", Message: "没有这个村"}, "第 4 行「村(社区)」：没有这个村"},
		{sanlian.RowError{Message: "文件中没有数据行"}, "文件：文件中没有数据行"},
	} {
		if got := rowErrorLine(c.e); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}
