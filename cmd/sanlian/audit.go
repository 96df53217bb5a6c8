package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sanlian"
	"sanlian/sqldb"
)

const auditUsage = `Usage:
  sanlian audit verify [--db …] [--anchors DIR] [--seal]
  sanlian audit anchor [--db …] --dir DIR [--url URL]
`

// errAuditMismatch is verify's answer when the log does not hold; main
// exits with status 1.
var errAuditMismatch = errors.New("审计日志校验未通过")

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return errors.New(`unknown audit command: want "audit verify" or "audit anchor"`)
	}
	switch args[0] {
	case "verify":
		return runAuditVerify(ctx, args[1:], stdout, stderr)
	case "anchor":
		return runAuditAnchor(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, auditUsage)
	return fmt.Errorf("unknown audit command %q", args[0])
}

// openAuditDB opens an existing, current database without migrating it:
// verify must not change what it checks.
func openAuditDB(ctx context.Context, dsn string) (*sqldb.DB, error) {
	if !sqldb.IsPostgres(dsn) {
		if _, err := os.Stat(strings.TrimPrefix(dsn, "file:")); err != nil {
			return nil, fmt.Errorf("数据库文件 %s 不存在或无法读取 (%w)", dsn, err)
		}
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		return nil, err
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(pending) > 0 {
		db.Close()
		return nil, fmt.Errorf("数据库结构不是最新（还有 %d 个迁移未执行，首个 %s）：请先运行 sanlian migrate", len(pending), pending[0])
	}
	return db, nil
}

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit verify", "check the audit log's hash chain (and its anchors) and name the first row that does not match", stderr)
	dsn := dbFlag(fs)
	dir := fs.String("anchors", "", "directory of anchor files (*.jsonl) to check the chain against")
	seal := fs.Bool("seal", false, "seal the rows not sealed yet before checking (writes; by default verify only reads)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var anchors []sanlian.AuditAnchor
	if *dir != "" {
		var err error
		if anchors, err = readAnchorDir(*dir); err != nil {
			return describe(err)
		}
	}
	db, err := openAuditDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var before *sanlian.AuditReport
	if *seal {
		// Rows that waited too long are reported as found, before the seal
		// hides them.
		if before, err = db.VerifyAudit(ctx, nil, time.Now()); err != nil {
			return err
		}
		n, err := db.SealAudit(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已封存 %d 条审计记录\n", n)
	}
	rep, err := db.VerifyAudit(ctx, anchors, time.Now())
	if err != nil {
		return err
	}
	if before != nil {
		rep.StaleCount, rep.Stale = before.StaleCount, before.Stale
	}
	printAuditReport(stdout, rep)
	if !rep.OK() {
		return errAuditMismatch
	}
	return nil
}

// printAuditReport writes one line per finding and a summary line.
func printAuditReport(w io.Writer, rep *sanlian.AuditReport) {
	if f := rep.Failure; f != nil {
		fmt.Fprintf(w, "不符：%s\n", f.Reason)
	}
	if f := rep.AnchorFailure; f != nil {
		more := ""
		if rep.AnchorFailures > 1 {
			more = fmt.Sprintf("（共 %d 个锚点不符）", rep.AnchorFailures)
		}
		fmt.Fprintf(w, "锚点不符：%s%s\n", f.Reason, more)
	}
	for _, r := range rep.Stale {
		fmt.Fprintf(w, "未及时封存：审计记录 #%d（%s %s %s %s %s）超过 %d 分钟仍未封存，封存前可能已被改动\n", r.ID,
			r.At.In(sanlian.Shanghai).Format("2006-01-02 15:04:05"), r.Actor, r.Action, r.Entity, r.EntityID, int(sqldb.AuditStaleAfter.Minutes()))
	}
	if n := rep.StaleCount - len(rep.Stale); n > 0 {
		fmt.Fprintf(w, "未及时封存：另有 %d 条\n", n)
	}
	verdict := "校验通过"
	if !rep.OK() {
		verdict = "校验未通过"
	}
	fmt.Fprintf(w, "%s：已校验 %d 条链节，链头第 %d 号，哈希 %s；未封存 %d 条（超过 %d 分钟 %d 条）；锚点 %d 个，不符 %d 个\n",
		verdict, rep.Checked, rep.HeadSeq, rep.HeadHash, rep.Unsealed, int(sqldb.AuditStaleAfter.Minutes()), rep.StaleCount, rep.Anchors, rep.AnchorFailures)
}

// readAnchorDir reads every *.jsonl file in dir, in name order.
func readAnchorDir(dir string) ([]sanlian.AuditAnchor, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, sanlian.Errorf(sanlian.EINVALID, "锚点目录 %s 无法读取：%v", dir, err)
	}
	if len(names) == 0 {
		return nil, sanlian.Errorf(sanlian.EINVALID, "锚点目录 %s 中没有锚点文件（*.jsonl）", dir)
	}
	sort.Strings(names)
	var out []sanlian.AuditAnchor
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return nil, sanlian.Errorf(sanlian.EINVALID, "锚点文件 %s 无法读取：%v", name, err)
		}
		as, err := sanlian.ParseAnchors(f, filepath.Base(name))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

func runAuditAnchor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit anchor", "seal the audit log and write its chain's head to an anchor file now", stderr)
	dsn := dbFlag(fs)
	dir := fs.String("dir", "", "directory of the anchor file (audit-anchors.jsonl); required")
	url := fs.String("url", "", "also POST the anchor as JSON to this URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("请用 --dir 指定锚点目录")
	}
	db, err := openAuditDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := db.AnchorAudit(ctx)
	if err != nil {
		return err
	}
	sink := &anchorSink{Dir: *dir, URL: *url}
	if err := sink.Write(ctx, a); err != nil {
		return err
	}
	sink.Wait()
	if sink.Failed() {
		return fmt.Errorf("锚点已写入文件，但未能发送到 %s", *url)
	}
	fmt.Fprintf(stdout, "已写入锚点：第 %d 号链节，哈希 %s → %s\n", a.Seq, a.Hash, filepath.Join(*dir, anchorFile))
	return nil
}
