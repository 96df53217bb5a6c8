package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sanlian/blobs"
	"sanlian/sqldb"
)

// backupFormat is the version of the backup file's layout; restore refuses
// any other.
const backupFormat = 1

// The names of a backup's entries, in their order in the file: the
// manifest, the database, then one entry per blob under blobPrefix.
const (
	manifestName   = "manifest.json"
	sqlitePartName = "database.sqlite"
	pgPartName     = "database.pgdump"
	blobPrefix     = "blobs/"
)

// manifest describes a backup; it is the file's first entry.
type manifest struct {
	Format           int              `json:"format"`
	MigrationsDigest string           `json:"migrations_digest"`
	LastMigration    int              `json:"last_migration"`
	Engine           string           `json:"engine"`
	Created          time.Time        `json:"created"`
	KeyID            string           `json:"key_id,omitempty"` // the key personal data is encrypted under; the key is not in the backup
	Counts           map[string]int64 `json:"counts"`
	Database         part             `json:"database"`
	Blobs            []part           `json:"blobs"`
}

// part is one entry of a backup after the manifest: the database, or a
// blob (Key set).
type part struct {
	Name   string `json:"name"`
	Key    string `json:"key,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// blobsTotal is the bytes of m's blobs.
func (m *manifest) blobsTotal() int64 {
	var n int64
	for _, b := range m.Blobs {
		n += b.Size
	}
	return n
}

// defaultBlobs is where a database's files are when --blobs is not given:
// files/ beside an SQLite file; none for PostgreSQL.
func defaultBlobs(dsn string) string {
	if sqldb.IsPostgres(dsn) {
		return ""
	}
	return filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "file:")), "files")
}

// openBlobs opens the store at location (the default when ""); nil when
// there is none. An absent default directory is no store: opening it
// would create it.
func openBlobs(location, dsn string, create bool) (blobs.Store, error) {
	if location == "" {
		location = defaultBlobs(dsn)
		if location == "" {
			return nil, nil
		}
		if _, err := os.Stat(location); err != nil && !create {
			return nil, nil
		}
	}
	s, err := blobs.Open(location)
	if err != nil {
		return nil, fmt.Errorf("无法打开文件存储 %s：%v", location, err)
	}
	return s, nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "write a consistent backup of the database and its files into one file, while serve runs", stderr)
	dsn := dbFlag(fs)
	out := fs.String("out", "", "the backup file to write (.tar.gz); required, must not exist")
	loc := fs.String("blobs", "", "the file store: file:///DIR, DIR or s3://… (default files/ beside an SQLite file; none for PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("请用 --out 指定备份文件")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("备份文件 %s 已存在：请换一个文件名", *out)
	}
	store, err := openBlobs(*loc, *dsn, false)
	if err != nil {
		return err
	}
	db, err := openAuditDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	m, err := writeBackup(ctx, db, store, *out)
	if err != nil {
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return err
	}
	var rows int64
	for _, n := range m.Counts {
		rows += n
	}
	fmt.Fprintf(stdout, "已备份到 %s：%s 数据库 %d 张表 %d 行（%s），文件 %d 个（%s），备份文件 %s，用时 %s\n", *out, m.Engine, len(m.Counts), rows,
		humanBytes(m.Database.Size), len(m.Blobs), humanBytes(m.blobsTotal()), humanBytes(fi.Size()), time.Since(start).Round(time.Millisecond))
	if m.KeyID != "" {
		fmt.Fprintf(stdout, "个人信息用密钥 %s 加密，密钥不在备份中：请另行保管密钥文件\n", m.KeyID)
	}
	return nil
}

// writeBackup dumps db, then copies every blob of store (files are never
// rewritten, so those the dump names are all there), and writes the file
// out atomically: the manifest, the database, the blobs.
func writeBackup(ctx context.Context, db *sqldb.DB, store blobs.Store, out string) (*manifest, error) {
	dir := filepath.Dir(out)
	work, err := os.MkdirTemp(dir, ".sanlian-backup-*")
	if err != nil {
		return nil, fmt.Errorf("无法在 %s 中写入：%v", dir, err)
	}
	defer os.RemoveAll(work)
	name := sqlitePartName
	if db.Dialect == sqldb.Postgres {
		name = pgPartName
	}
	dump := filepath.Join(work, name)
	created := time.Now().UTC()
	snap, err := db.Dump(ctx, dump)
	if err != nil {
		return nil, fmt.Errorf("导出数据库失败：%w", err)
	}
	if snap.LastMigration != sqldb.LastMigration(db.Dialect) {
		return nil, fmt.Errorf("数据库的结构版本（迁移 %d）与本程序（迁移 %d）不同：请用相同版本的程序备份", snap.LastMigration, sqldb.LastMigration(db.Dialect))
	}
	st, err := db.CryptStatus(ctx)
	if err != nil {
		return nil, err
	}
	m := &manifest{Format: backupFormat, MigrationsDigest: sqldb.MigrationsDigest(db.Dialect), LastMigration: snap.LastMigration,
		Engine: db.Dialect.String(), Created: created, KeyID: st.KeyID, Counts: snap.Counts, Blobs: []part{}}
	if m.Database, err = hashFile(dump, name); err != nil {
		return nil, err
	}
	if store != nil {
		err := store.Walk(ctx, "", func(key string, size int64) error {
			m.Blobs = append(m.Blobs, part{Name: blobPrefix + key, Key: key, Size: size, SHA256: blobs.SumOfKey(key)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("无法列出文件存储 %s 中的文件：%v", store, err)
		}
		sort.Slice(m.Blobs, func(i, j int) bool { return m.Blobs[i].Key < m.Blobs[j].Key })
		// A key of another form names no digest: read it once to learn it.
		for i, b := range m.Blobs {
			if b.SHA256 == "" {
				if m.Blobs[i], err = hashBlob(ctx, store, b); err != nil {
					return nil, err
				}
			}
		}
	}

	tmp := filepath.Join(work, "backup.tar.gz")
	if err := writeArchive(ctx, tmp, m, dump, store); err != nil {
		return nil, err
	}
	// A link never replaces a file that appeared meanwhile; where the file
	// system has no hard links, a rename after one more look does.
	if err := os.Link(tmp, out); err != nil {
		if _, serr := os.Stat(out); serr == nil {
			return nil, fmt.Errorf("备份文件 %s 已存在：请换一个文件名", out)
		}
		if err := os.Rename(tmp, out); err != nil {
			return nil, fmt.Errorf("无法写入备份文件 %s：%v", out, err)
		}
	}
	return m, nil
}

// writeArchive writes the backup file at path and syncs it.
func writeArchive(ctx context.Context, path string, m *manifest, dump string, store blobs.Store) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	head, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(head)), ModTime: m.Created, Format: tar.FormatPAX}); err != nil {
		return err
	}
	if _, err := tw.Write(head); err != nil {
		return err
	}
	d, err := os.Open(dump)
	if err != nil {
		return err
	}
	err = copyPart(tw, d, m.Database, m.Created)
	d.Close()
	if err != nil {
		return err
	}
	for _, b := range m.Blobs {
		r, err := store.Open(ctx, b.Key)
		if err != nil {
			return fmt.Errorf("无法读取文件 %s：%v", b.Key, err)
		}
		err = copyPart(tw, r, b, m.Created)
		r.Close()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// copyPart writes p's entry from r, checking that the bytes are those the
// manifest says.
func copyPart(tw *tar.Writer, r io.Reader, p part, at time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: p.Name, Mode: 0o600, Size: p.Size, ModTime: at, Format: tar.FormatPAX}); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(tw, io.TeeReader(io.LimitReader(r, p.Size), h))
	if err != nil {
		return fmt.Errorf("写入 %s 失败：%v", p.Name, err)
	}
	if n != p.Size || hex.EncodeToString(h.Sum(nil)) != p.SHA256 {
		what := p.Name
		if p.Key != "" {
			what = "文件 " + p.Key
		}
		return fmt.Errorf("%s 的内容与其大小或校验和不符，备份已放弃：请运行 sanlian check 查出损坏的文件", what)
	}
	return nil
}

// hashFile is the part of the file at path.
func hashFile(path, name string) (part, error) {
	f, err := os.Open(path)
	if err != nil {
		return part{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return part{}, err
	}
	return part{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// hashBlob reads the blob of b to learn its size and digest.
func hashBlob(ctx context.Context, store blobs.Store, b part) (part, error) {
	r, err := store.Open(ctx, b.Key)
	if err != nil {
		return b, fmt.Errorf("无法读取文件 %s：%v", b.Key, err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return b, fmt.Errorf("无法读取文件 %s：%v", b.Key, err)
	}
	b.Size, b.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return b, nil
}

// hashingWriter counts and hashes what goes through it.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newHashingWriter(w io.Writer) *hashingWriter { return &hashingWriter{w: w, h: sha256.New()} }

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

func (hw *hashingWriter) sum() string { return hex.EncodeToString(hw.h.Sum(nil)) }

// humanBytes writes n in B, KB, MB or GB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
