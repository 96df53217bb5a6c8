package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sanlian"
	"sanlian/blobs"
	"sanlian/seal"
	"sanlian/sqldb"
)

// maxManifest bounds the manifest read before anything is checked.
const maxManifest = 256 << 20

// errTruncated is what every early end of a backup file reads as.
var errTruncated = errors.New("备份文件不完整（可能在复制或传输中被截断），未做任何恢复")

// archive reads a backup file entry by entry.
type archive struct {
	f  *os.File
	gz *gzip.Reader
	tr *tar.Reader
}

// openArchive opens the backup file at path and reads its manifest.
func openArchive(path string) (*archive, *manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("无法打开备份文件 %s：%v", path, err)
	}
	a := &archive{f: f}
	if a.gz, err = gzip.NewReader(f); err != nil {
		f.Close()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, errTruncated
		}
		return nil, nil, fmt.Errorf("%s 不是 sanlian 备份文件（无法解压）", path)
	}
	a.tr = tar.NewReader(a.gz)
	m, err := a.manifest()
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, m, nil
}

func (a *archive) Close() error { return a.f.Close() }

// readErr names an error while reading the archive for the operator.
func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errTruncated
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, tar.ErrHeader) {
		return errors.New("备份文件已损坏（压缩数据校验不符），未做任何恢复")
	}
	return fmt.Errorf("读取备份文件失败：%v", err)
}

// manifest reads the first entry, which must be the manifest.
func (a *archive) manifest() (*manifest, error) {
	h, err := a.tr.Next()
	if err != nil {
		return nil, readErr(err)
	}
	if h.Name != manifestName || h.Size > maxManifest {
		return nil, fmt.Errorf("不是 sanlian 备份文件：第一项是 %q，应为 %s", h.Name, manifestName)
	}
	body, err := io.ReadAll(a.tr)
	if err != nil {
		return nil, readErr(err)
	}
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("备份清单 %s 无法解析：%v", manifestName, err)
	}
	if m.Format != backupFormat {
		return nil, fmt.Errorf("备份文件格式版本为 %d，本程序只能恢复格式版本 %d：请用制作备份的同一版本程序恢复", m.Format, backupFormat)
	}
	return &m, nil
}

// checkVersion refuses a manifest another schema wrote, or one of another
// engine than the target's.
func (m *manifest) checkVersion(target sqldb.Dialect) error {
	if m.Engine != target.String() {
		return fmt.Errorf("这是 %s 数据库的备份，不能恢复到 %s 数据库", m.Engine, target)
	}
	if d := sqldb.MigrationsDigest(target); m.MigrationsDigest != d {
		return fmt.Errorf("备份来自另一版本的程序：备份的数据库结构为迁移 %d（摘要 %.12s），本程序为迁移 %d（摘要 %.12s）。请用与备份相同版本的程序恢复，再用新版本升级",
			m.LastMigration, m.MigrationsDigest, sqldb.LastMigration(target), d)
	}
	return nil
}

// verify reads every entry after the manifest, checking each against it,
// and copies the database part into db. Nothing else is written.
func (a *archive) verify(m *manifest, db io.Writer) error {
	if err := a.part(m.Database, db); err != nil {
		return err
	}
	for _, b := range m.Blobs {
		if err := a.part(b, io.Discard); err != nil {
			return err
		}
	}
	if h, err := a.tr.Next(); err == nil {
		return fmt.Errorf("备份文件中有清单之外的一项 %q：文件不可信，未做任何恢复", h.Name)
	} else if !errors.Is(err, io.EOF) {
		return readErr(err)
	}
	// The tar reader stops at its end marker: read on to the gzip trailer,
	// whose checksum covers the whole stream.
	if _, err := io.Copy(io.Discard, a.gz); err != nil {
		return readErr(err)
	}
	return nil
}

// part reads the next entry, which must be p, into w.
func (a *archive) part(p part, w io.Writer) error {
	h, err := a.tr.Next()
	if err != nil {
		return readErr(err)
	}
	if h.Name != p.Name {
		return fmt.Errorf("备份文件中的 %q 不是清单所列的下一项 %q：文件不可信，未做任何恢复", h.Name, p.Name)
	}
	hw := newHashingWriter(w)
	if _, err := io.Copy(hw, a.tr); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, gzip.ErrChecksum) {
			return readErr(err)
		}
		return fmt.Errorf("读取 %s 失败：%v", p.Name, err)
	}
	if hw.n != p.Size || hw.sum() != p.SHA256 {
		return fmt.Errorf("备份文件中 %s 的校验和与清单不符（%d 字节，SHA-256 %.12s…，清单为 %d 字节，%.12s…）：文件已损坏，未做任何恢复",
			p.Name, hw.n, hw.sum(), p.Size, p.SHA256)
	}
	return nil
}

// putBlobs reads the archive's blobs (after its database part) into store.
func (a *archive) putBlobs(ctx context.Context, m *manifest, store blobs.Store) error {
	if _, err := a.tr.Next(); err != nil { // the database part
		return readErr(err)
	}
	for _, b := range m.Blobs {
		h, err := a.tr.Next()
		if err != nil {
			return readErr(err)
		}
		if h.Name != b.Name {
			return fmt.Errorf("备份文件中的 %q 不是清单所列的下一项 %q", h.Name, b.Name)
		}
		hw := newHashingWriter(io.Discard)
		if err := store.Put(ctx, b.Key, io.TeeReader(a.tr, hw), b.Size); err != nil {
			return fmt.Errorf("无法写入文件 %s 到 %s：%v", b.Key, store, err)
		}
		if hw.sum() != b.SHA256 { // the file changed since it was verified
			store.Delete(ctx, b.Key)
			return fmt.Errorf("备份文件中 %s 的校验和与清单不符：备份文件在恢复过程中被改动", b.Name)
		}
	}
	return nil
}

const restoreUsage = "restore a backup file into an empty database (and its files into the file store)"

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore FILE", restoreUsage, stderr)
	dsn := dbFlag(fs)
	loc := blobsFlag(fs)
	force := fs.Bool("force", false, "replace a database that already holds data")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("用法：sanlian restore 备份文件 --db 目标数据库")
	}
	file := pos[0]
	start := time.Now()

	a, m, err := openArchive(file)
	if err != nil {
		return err
	}
	defer a.Close()
	target := sqldb.SQLite
	if sqldb.IsPostgres(*dsn) {
		target = sqldb.Postgres
	}
	if err := m.checkVersion(target); err != nil {
		return err
	}
	if err := checkTarget(ctx, *dsn, *force); err != nil {
		return err
	}
	store, err := openBackupBlobs(*loc, *dsn, len(m.Blobs) > 0)
	if err != nil {
		return err
	}
	if store == nil && len(m.Blobs) > 0 {
		return fmt.Errorf("备份中有 %d 个文件，而目标没有文件存储：请用 --blobs 指定", len(m.Blobs))
	}

	// The database part goes into a file beside its target (SQLite: then
	// renamed onto it) while everything is verified; nothing is restored
	// before the whole backup file has checked out.
	dir := os.TempDir()
	if target == sqldb.SQLite {
		dir = filepath.Dir(strings.TrimPrefix(*dsn, "file:"))
	}
	tmp, err := os.CreateTemp(dir, ".sanlian-restore-*")
	if err != nil {
		return fmt.Errorf("无法在 %s 中写入：%v", dir, err)
	}
	defer os.Remove(tmp.Name())
	err = a.verify(m, tmp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	if target == sqldb.SQLite {
		err = sqldb.RestoreSQLite(tmp.Name(), strings.TrimPrefix(*dsn, "file:"))
	} else {
		err = sqldb.RestorePostgres(ctx, *dsn, tmp.Name())
	}
	if err != nil {
		return fmt.Errorf("恢复数据库失败：%w", err)
	}
	if len(m.Blobs) > 0 {
		b, _, err := openArchive(file)
		if err != nil {
			return err
		}
		defer b.Close()
		if err := b.putBlobs(ctx, m, store); err != nil {
			return fmt.Errorf("数据库已恢复，但%w；修复后可加 --force 重新恢复", err)
		}
	}
	fmt.Fprintf(stdout, "已从 %s 恢复 %s 数据库（备份于 %s），文件 %d 个（%s），用时 %s\n", file, m.Engine,
		m.Created.In(sanlian.Shanghai).Format("2006-01-02 15:04:05"), len(m.Blobs), humanBytes(m.blobsTotal()), time.Since(start).Round(time.Millisecond))
	if m.KeyID != "" {
		fmt.Fprintln(stdout, keyAdvice(m.KeyID, sideKeyPath(*dsn)))
	}
	fmt.Fprintf(stdout, "请运行 sanlian check --db … --backup %s 核对恢复结果\n", file)
	return nil
}

// checkTarget refuses a target that holds data, unless forced, and an
// SQLite target that is not a database at all.
func checkTarget(ctx context.Context, dsn string, force bool) error {
	if !sqldb.IsPostgres(dsn) {
		path := strings.TrimPrefix(dsn, "file:")
		fi, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			if _, err := os.Stat(filepath.Dir(path)); err != nil {
				return fmt.Errorf("目标目录 %s 不存在", filepath.Dir(path))
			}
			return nil
		} else if err != nil {
			return fmt.Errorf("无法读取目标 %s：%v", path, err)
		}
		if fi.IsDir() {
			return fmt.Errorf("目标 %s 是目录，不是数据库文件", path)
		}
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{MaxConns: 2})
	if err != nil {
		if force && !sqldb.IsPostgres(dsn) {
			return nil
		}
		return fmt.Errorf("无法打开目标数据库：%v", err)
	}
	holds, err := db.HoldsData(ctx)
	db.Close()
	if err != nil {
		if force && !sqldb.IsPostgres(dsn) {
			return nil
		}
		return fmt.Errorf("目标 %s 不是可读的数据库：%v", dsn, err)
	}
	if holds && !force {
		return errors.New("目标数据库中已有数据：恢复会覆盖全部数据。确认要覆盖，请加 --force")
	}
	return nil
}

// keyAdvice tells which key the restored database needs, and whether the
// key file beside an SQLite target (side, "" for PostgreSQL) is that key.
func keyAdvice(keyID, side string) string {
	if side != "" {
		if _, err := os.Stat(side); err == nil {
			k, err := seal.LoadKeyFile(side)
			switch {
			case err != nil:
				return fmt.Sprintf("个人信息用密钥 %s 加密；数据库旁的密钥文件 %s 无法读取（%v）：请换成该密钥的文件", keyID, side, err)
			case k.ID != keyID:
				return fmt.Sprintf("注意：个人信息用密钥 %s 加密，而数据库旁的密钥文件 %s 是另一把密钥（%s），解不开恢复的数据：请换成密钥 %s 的文件", keyID, side, k.ID, keyID)
			}
			return fmt.Sprintf("个人信息用密钥 %s 加密，数据库旁的密钥文件 %s 正是该密钥", keyID, side)
		}
	}
	return fmt.Sprintf("个人信息用密钥 %s 加密：启动前请用 --key-file 或 SANLIAN_KEY 提供该密钥", keyID)
}
