package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"sanlian"
	"sanlian/blobs"
	"sanlian/sqldb"
)

// errCheckFailed is check's answer when a check fails; main exits with
// status 1.
var errCheckFailed = errors.New("核对未通过")

// checkEnv is what a check reads: the database, opened without migrating
// it; the file store (nil when there is none); the backup's manifest (nil
// when none was given); the audit anchors (none unless --anchors).
type checkEnv struct {
	DB       *sqldb.DB
	Blobs    blobs.Store
	Manifest *manifest
	Anchors  []sanlian.AuditAnchor
}

// checkStatus is how a check ended.
type checkStatus int

// The ends of a check; only checkFail makes `sanlian check` fail.
const (
	checkPass checkStatus = iota
	checkFail
	checkSkip
)

func (s checkStatus) String() string {
	switch s {
	case checkFail:
		return "失败"
	case checkSkip:
		return "跳过"
	}
	return "通过"
}

// checkResult is a check's status and its one line of detail.
type checkResult struct {
	Status checkStatus
	Detail string
}

func passed(format string, a ...any) checkResult {
	return checkResult{checkPass, fmt.Sprintf(format, a...)}
}
func failed(format string, a ...any) checkResult {
	return checkResult{checkFail, fmt.Sprintf(format, a...)}
}
func skipped(format string, a ...any) checkResult {
	return checkResult{checkSkip, fmt.Sprintf(format, a...)}
}

// namedCheck is one line of `sanlian check`. Run reads only; an error is a
// failure to check (the database does not answer), printed as 失败.
type namedCheck struct {
	Name string
	Run  func(ctx context.Context, e *checkEnv) (checkResult, error)
}

// checks is what `sanlian check` runs, in order, one line each. A new
// check is one more entry here.
var checks = []namedCheck{
	{"数据行数与备份清单一致", checkCounts},
	{"审计链", checkAuditChain},
	{"文件校验和", checkBlobSums},
	{"数据库引用的文件都在", checkBlobRefs},
	{"考核计数汇总与问题时间线一致", checkRollups},
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check a database (after a restore): row counts against a backup's manifest, the audit chain, the files' checksums", stderr)
	dsn := dbFlag(fs)
	loc := blobsFlag(fs)
	manifestFile := fs.String("manifest", "", "a backup's manifest.json to compare the row counts with")
	backupFile := fs.String("backup", "", "a backup file whose manifest to compare the row counts with")
	anchorDir := fs.String("anchors", "", "directory of audit anchor files (*.jsonl) to check the chain against")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *manifestFile != "" && *backupFile != "" {
		return errors.New("--manifest 与 --backup 只能给一个")
	}
	e := &checkEnv{}
	var err error
	switch {
	case *manifestFile != "":
		if e.Manifest, err = readManifestFile(*manifestFile); err != nil {
			return err
		}
	case *backupFile != "":
		a, m, err := openArchive(*backupFile)
		if err != nil {
			return err
		}
		a.Close()
		e.Manifest = m
	}
	if *anchorDir != "" {
		if e.Anchors, err = readAnchorDir(*anchorDir); err != nil {
			return describe(err)
		}
	}
	if e.Blobs, err = openBackupBlobs(*loc, *dsn, false); err != nil {
		return err
	}
	if e.DB, err = openAuditDB(ctx, *dsn); err != nil {
		return err
	}
	defer e.DB.Close()
	if !runChecks(ctx, e, checks, stdout) {
		return errCheckFailed
	}
	return nil
}

// runChecks runs cs in order, printing a line each, and reports whether
// none failed.
func runChecks(ctx context.Context, e *checkEnv, cs []namedCheck, w io.Writer) bool {
	ok := true
	for _, c := range cs {
		start := time.Now()
		r, err := c.Run(ctx, e)
		if err != nil {
			r = failed("无法完成核对：%v", err)
		}
		if r.Status == checkFail {
			ok = false
		}
		fmt.Fprintf(w, "%s  %s：%s（%s）\n", r.Status, c.Name, r.Detail, time.Since(start).Round(time.Millisecond))
	}
	return ok
}

// readManifestFile reads a manifest.json taken out of a backup.
func readManifestFile(path string) (*manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("无法读取备份清单 %s：%v", path, err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("备份清单 %s 无法解析：%v", path, err)
	}
	if m.Format != backupFormat || m.Counts == nil {
		return nil, fmt.Errorf("%s 不是本版本的备份清单（格式版本 %d，应为 %d）", path, m.Format, backupFormat)
	}
	return &m, nil
}

// checkCounts compares the rows of every table with the manifest's.
func checkCounts(ctx context.Context, e *checkEnv) (checkResult, error) {
	if e.Manifest == nil {
		return skipped("未给出备份清单（--backup 或 --manifest）"), nil
	}
	if e.Manifest.Engine != e.DB.Dialect.String() {
		return failed("备份清单是 %s 数据库的，这里是 %s", e.Manifest.Engine, e.DB.Dialect), nil
	}
	snap, err := e.DB.Counts(ctx)
	if err != nil {
		return checkResult{}, err
	}
	var diffs []string
	var rows int64
	for t, want := range e.Manifest.Counts {
		got, ok := snap.Counts[t]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s 表不存在（清单 %d 行）", t, want))
		case got != want:
			diffs = append(diffs, fmt.Sprintf("%s %d 行（清单 %d 行）", t, got, want))
		}
		rows += want
	}
	for t, got := range snap.Counts {
		if _, ok := e.Manifest.Counts[t]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s 表不在清单中（%d 行）", t, got))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return failed("%d 张表不符：%s", len(diffs), strings.Join(diffs, "；")), nil
	}
	return passed("%d 张表共 %d 行，与 %s 的备份清单一致", len(snap.Counts), rows,
		e.Manifest.Created.In(sanlian.Shanghai).Format("2006-01-02 15:04:05")), nil
}

// checkAuditChain verifies the audit log's hash chain as `sanlian audit
// verify` does. After a restore, a row is late for its seal counting from
// the backup's time, not from now: the rows of the last minutes before a
// backup are sealed when the restored database next serves.
func checkAuditChain(ctx context.Context, e *checkEnv) (checkResult, error) {
	at := time.Now()
	if e.Manifest != nil {
		at = e.Manifest.Created
	}
	rep, err := e.DB.VerifyAudit(ctx, e.Anchors, at)
	if err != nil {
		return checkResult{}, err
	}
	var out strings.Builder
	printAuditReport(&out, rep)
	line := strings.ReplaceAll(strings.TrimSpace(out.String()), "\n", "；")
	if !rep.OK() {
		return failed("%s", line), nil
	}
	return passed("%s", line), nil
}

// maxNamed is how many bad files a check names before it only counts.
const maxNamed = 10

// checkBlobSums reads every file of the store and checks that its bytes
// hash to the digest its key names.
func checkBlobSums(ctx context.Context, e *checkEnv) (checkResult, error) {
	if e.Blobs == nil {
		return skipped("没有文件存储（--blobs）"), nil
	}
	var n, other int
	var size int64
	var bad []string
	err := e.Blobs.Walk(ctx, "", func(key string, _ int64) error {
		want := blobs.SumOfKey(key)
		if want == "" {
			other++
			return nil
		}
		n++
		r, err := e.Blobs.Open(ctx, key)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s 无法读取（%v）", key, err))
			return nil
		}
		h := sha256.New()
		m, err := io.Copy(h, r)
		r.Close()
		size += m
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s 读取中断（%v）", key, err))
		} else if got := hex.EncodeToString(h.Sum(nil)); got != want {
			bad = append(bad, fmt.Sprintf("%s 内容的 SHA-256 为 %.12s…", key, got))
		}
		return nil
	})
	if err != nil {
		return checkResult{}, fmt.Errorf("列出 %s 中的文件：%w", e.Blobs, err)
	}
	note := ""
	if other > 0 {
		note = fmt.Sprintf("；另有 %d 个文件的名称不是内容地址，未校验", other)
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		named := bad
		if len(named) > maxNamed {
			named = named[:maxNamed]
		}
		return failed("%s 中 %d 个文件中有 %d 个损坏：%s%s", e.Blobs, n, len(bad), strings.Join(named, "；"), note), nil
	}
	return passed("%s 中 %d 个文件（%s）的内容都与其校验和相符%s", e.Blobs, n, humanBytes(size), note), nil
}

// checkBlobRefs checks that every file the database refers to is in the
// store.
func checkBlobRefs(ctx context.Context, e *checkEnv) (checkResult, error) {
	var n int
	var missing []string
	err := e.DB.BlobKeys(ctx, func(key string) error {
		n++
		if e.Blobs == nil {
			missing = append(missing, key)
			return nil
		}
		if _, err := e.Blobs.Stat(ctx, key); errors.Is(err, blobs.ErrNotFound) {
			missing = append(missing, key)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return checkResult{}, fmt.Errorf("核对引用的文件：%w", err)
	}
	switch {
	case n == 0:
		return passed("数据库没有引用文件存储中的文件"), nil
	case e.Blobs == nil:
		return failed("数据库引用了 %d 个文件，但没有文件存储（--blobs）", n), nil
	case len(missing) > 0:
		sort.Strings(missing)
		named := missing
		if len(named) > maxNamed {
			named = named[:maxNamed]
		}
		return failed("数据库引用的 %d 个文件中有 %d 个不在 %s：%s", n, len(missing), e.Blobs, strings.Join(named, "；")), nil
	}
	return passed("数据库引用的 %d 个文件都在 %s", n, e.Blobs), nil
}

// checkRollups recomputes the metrics' counters from the timelines and
// compares them with the stored ones; sanlian rollups rebuild mends a
// difference.
func checkRollups(ctx context.Context, e *checkEnv) (checkResult, error) {
	drift, err := e.DB.RollupDrift(ctx)
	if err != nil {
		return checkResult{}, fmt.Errorf("核对考核计数汇总：%w", err)
	}
	if len(drift) > 0 {
		named := drift
		if len(named) > maxNamed {
			named = named[:maxNamed]
		}
		return failed("%d 处不一致（运行 sanlian rollups rebuild 重算）：%s", len(drift), strings.Join(named, "；")), nil
	}
	return passed("与问题时间线重算的结果一致"), nil
}
