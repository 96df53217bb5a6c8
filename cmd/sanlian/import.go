package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"sanlian"
	"sanlian/xlsx"
)

const importSummary = "import an Excel workbook (.xlsx) of KIND, all rows or none; KIND is one of " +
	"households, cadres, units, links, topics, problems, projects, responsibilities, activities (or its Chinese name)"

// runImport is "sanlian import KIND FILE [--db …] [--as USERNAME]".
//
// Without --as the import runs in the system context, as `user add` and
// the demo do: the office's reach, recorded in the audit log as "system".
// With --as it runs as that account: its role decides which kinds it may
// import and its scope which rows, and the audit log names it.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import KIND FILE", importSummary, stderr)
	dsn, keyFile := dbFlag(fs), keyFlag(fs)
	as := fs.String("as", "", "run as this account (its role and scope; named in the audit log) instead of the system")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errors.New("用法：sanlian import KIND FILE，例如 sanlian import households 农户.xlsx")
	}
	kind := findKind(pos[0])
	if kind == nil {
		var ks []string
		for _, k := range sanlian.ImportKinds {
			ks = append(ks, k.Code+"（"+k.Label+"）")
		}
		return fmt.Errorf("未知的导入类型 %q：可选 %s", pos[0], strings.Join(ks, "、"))
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return fmt.Errorf("无法打开文件 %s：%w", pos[1], err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("无法读取文件 %s：%w", pos[1], err)
	}
	if fi.IsDir() {
		return fmt.Errorf("%s 是目录，不是 Excel 文件", pos[1])
	}

	db, err := openDB(ctx, dbOpen{DSN: *dsn, KeyFile: *keyFile, Out: stderr})
	if err != nil {
		return err
	}
	defer db.Close()
	actx := sanlian.NewSystemContext(ctx)
	if *as != "" {
		u, err := userNamed(actx, db, *as)
		if err != nil {
			return err
		}
		if u.Disabled {
			return fmt.Errorf("账号 %s 已停用", *as)
		}
		actx = sanlian.NewContextWithUser(ctx, u)
	}

	start := time.Now()
	sheets := xlsx.Workbooks{}
	open, cleanup := sanlian.SpoolRows(func() (sanlian.RowSource, error) {
		return sheets.ReadImport(f, fi.Size(), kind)
	})
	defer cleanup()
	rep, err := db.Lists.Import(actx, kind, open)
	if err != nil {
		return describe(err)
	}
	return printImportReport(stdout, rep, time.Since(start))
}

// findKind finds an import kind by its code or its Chinese name.
func findKind(s string) *sanlian.ImportKind {
	s = strings.TrimSpace(s)
	if k := sanlian.FindImportKind(strings.ToLower(s)); k != nil {
		return k
	}
	for _, k := range sanlian.ImportKinds {
		if k.Label == s || k.Sheet == s {
			return k
		}
	}
	return nil
}

// printImportReport writes the report in Chinese: what was written, or
// every error by row and column. It fails when nothing was written, so
// that a script sees a non-zero exit status.
func printImportReport(w io.Writer, rep *sanlian.ImportReport, took time.Duration) error {
	if rep.Committed && rep.Created+rep.Skipped > 0 {
		fmt.Fprintf(w, "%s：读取 %d 行，已导入 %d 行", rep.Label, rep.Rows, rep.Created)
		if rep.Skipped > 0 {
			fmt.Fprintf(w, "，%d 行无需写入", rep.Skipped)
		}
		fmt.Fprintf(w, "（%.1fs）\n", took.Seconds())
		if rep.Created == 0 {
			return errors.New("没有写入新数据")
		}
		return nil
	}
	if len(rep.Errors) == 0 && rep.More == 0 {
		fmt.Fprintf(w, "%s：读取 %d 行，没有可导入的数据\n", rep.Label, rep.Rows)
		return errors.New("没有写入任何数据：文件中没有数据行")
	}
	fmt.Fprintf(w, "%s：读取 %d 行，发现 %d 处错误，未导入任何数据：\n", rep.Label, rep.Rows, len(rep.Errors)+rep.More)
	for _, e := range rep.Errors {
		fmt.Fprintln(w, "  "+rowErrorLine(e))
	}
	if rep.More > 0 {
		fmt.Fprintf(w, "  ……另有 %d 处错误未列出\n", rep.More)
	}
	return errors.New("导入未完成：请改正以上错误后重新导入整个文件")
}

// rowErrorLine is one error of a report as a line: 第 N 行「列」：消息,
// without naming the column twice when the message already does.
func rowErrorLine(e sanlian.RowError) string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "第 %d 行", e.Line)
	} else {
		b.WriteString("文件")
	}
	if e.Column != "" && !strings.Contains(e.Message, "「"+e.Column+"」") {
		b.WriteString("「" + e.Column + "」")
	}
	b.WriteString("：" + e.Message)
	return b.String()
}
