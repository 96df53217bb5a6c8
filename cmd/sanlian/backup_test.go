package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sanlian"
	"sanlian/blobs"
	"sanlian/seal"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestBackup_RoundTrip backs up a database while problems and files are
// written into it, restores the backup into an empty database and store,
// and checks the copy: its rows are the manifest's, its audit chain holds,
// its files hash to their keys. A corrupted file and a manifest that
// disagrees with the rows then make check fail.
func TestBackup_RoundTrip(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			src := sqldbtest.Open(t, engine)
			users := sqldbtest.LoadSmall(t, src)
			dir := t.TempDir()
			srcFiles := filepath.Join(dir, "src-files")
			store, err := blobs.NewDir(srcFiles)
			if err != nil {
				t.Fatal(err)
			}
			src.Blobs = store

			// Writers: a problem and its attachment at a time, until stopped.
			wctx, stop := context.WithCancel(ctx)
			var written atomic.Int64
			done := make(chan error, 1)
			go func() {
				for i := 0; wctx.Err() == nil; i++ {
					p, err := src.Problems.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline,
						Category: "transport", VillageCode: sqldbtest.VillageA, Title: fmt.Sprintf("备份中登记的问题%d", i), Description: "路面坑洼，车辆难行"})
					if err != nil {
						done <- err
						return
					}
					data := []byte(fmt.Sprintf("照片 %d", i))
					if _, err := src.Problems.AddAttachment(sqldbtest.As(users["office"]), p.ID, sanlian.AttachProblem, "现场.txt", bytes.NewReader(data), 1<<20); err != nil {
						done <- err
						return
					}
					written.Add(1)
				}
				done <- nil
			}()
			waitWritten := func(n int64) {
				t.Helper()
				for deadline := time.Now().Add(30 * time.Second); written.Load() < n; time.Sleep(5 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("writers stalled at %d", written.Load())
					}
				}
			}
			waitWritten(3)
			// The sealer of a server chains the rows as they come; here the
			// first ones, so that the copy has a chain to verify.
			sealed, err := src.SealAudit(ctx)
			if err != nil || sealed == 0 {
				t.Fatalf("seal: %d %v", sealed, err)
			}
			file := filepath.Join(dir, "backup.tar.gz")
			dsn := src.DSN
			if engine == "postgres" {
				// A pgx setting in the URL reaches pg_dump as a libpq option.
				u, err := url.Parse(dsn)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				q.Set("search_path", "public")
				u.RawQuery = q.Encode()
				dsn = u.String()
			}
			out := mustRun(t, "backup", "--db", dsn, "--out", file, "--blobs", srcFiles)
			if !strings.Contains(out, "已备份到") {
				t.Errorf("backup output: %s", out)
			}
			waitWritten(written.Load() + 3)
			stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}

			m := readBackupManifest(t, file)
			after, err := src.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if m.Counts["problems"] < 3 || m.Counts["problems"] >= after.Counts["problems"] {
				t.Errorf("problems: %d in the backup, %d at the end: the backup was not taken while writing", m.Counts["problems"], after.Counts["problems"])
			}
			if len(m.Blobs) < 3 || m.Engine != engine || m.MigrationsDigest != sqldb.MigrationsDigest(src.Dialect) || m.LastMigration != sqldb.LastMigration(src.Dialect) {
				t.Errorf("manifest: %d blobs, engine %s, migration %d", len(m.Blobs), m.Engine, m.LastMigration)
			}

			dst := emptyTarget(t, engine)
			dstFiles := filepath.Join(dir, "dst-files")
			mustRun(t, "restore", file, "--db", dst, "--blobs", dstFiles)
			restored, err := sqldb.Open(ctx, dst, sqldb.Options{MaxConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			got, err := restored.Counts(ctx)
			restored.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Counts) != len(m.Counts) {
				t.Errorf("%d tables restored, %d in the manifest", len(got.Counts), len(m.Counts))
			}
			for table, n := range m.Counts {
				if got.Counts[table] != n {
					t.Errorf("%s: %d rows restored, %d in the manifest", table, got.Counts[table], n)
				}
			}
			dstStore, err := blobs.NewDir(dstFiles)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range m.Blobs {
				if n, err := dstStore.Stat(ctx, b.Key); err != nil || n != b.Size {
					t.Errorf("blob %s: %d bytes restored (%v), %d in the manifest", b.Key, n, err, b.Size)
				}
			}

			out = mustRun(t, "check", "--db", dst, "--blobs", dstFiles, "--backup", file)
			if strings.Count(out, "通过  ") != len(checks) || !strings.Contains(out, "已校验 "+fmt.Sprint(sealed)+" 条链节") || strings.Contains(out, "失败") {
				t.Errorf("check after restore:\n%s", out)
			}

			t.Run("CorruptBlob", func(t *testing.T) {
				key := m.Blobs[0].Key
				path := filepath.Join(dstFiles, filepath.FromSlash(key))
				kept, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte("被改动的照片"), 0o600); err != nil {
					t.Fatal(err)
				}
				defer os.WriteFile(path, kept, 0o600)
				out, err := runOut("check", "--db", dst, "--blobs", dstFiles, "--backup", file)
				if err != errCheckFailed || !strings.Contains(out, "失败  文件校验和") || !strings.Contains(out, key) ||
					!strings.Contains(out, "通过  数据行数与备份清单一致") {
					t.Errorf("check of a corrupted file: %v\n%s", err, out)
				}
			})
			t.Run("MissingBlob", func(t *testing.T) {
				// A file the restored rows refer to (later ones came along too).
				var key string
				restored, err := sqldb.Open(ctx, dst, sqldb.Options{MaxConns: 2})
				if err != nil {
					t.Fatal(err)
				}
				err = restored.BlobKeys(ctx, func(k string) error { key = k; return nil })
				restored.Close()
				if err != nil || key == "" {
					t.Fatalf("no file referenced by the restored rows: %v", err)
				}
				path := filepath.Join(dstFiles, filepath.FromSlash(key))
				kept, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				defer os.WriteFile(path, kept, 0o600)
				out, err := runOut("check", "--db", dst, "--blobs", dstFiles, "--backup", file)
				if err != errCheckFailed || !strings.Contains(out, "失败  数据库引用的文件都在") || !strings.Contains(out, key) {
					t.Errorf("check of a missing file: %v\n%s", err, out)
				}
			})
			t.Run("CountsDiffer", func(t *testing.T) {
				other := *m
				other.Counts = map[string]int64{}
				for k, v := range m.Counts {
					other.Counts[k] = v
				}
				other.Counts["problems"]++
				path := filepath.Join(t.TempDir(), "manifest.json")
				b, _ := json.Marshal(other)
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := runOut("check", "--db", dst, "--blobs", dstFiles, "--manifest", path)
				want := fmt.Sprintf("problems %d 行（清单 %d 行）", m.Counts["problems"], m.Counts["problems"]+1)
				if err != errCheckFailed || !strings.Contains(out, "失败  数据行数与备份清单一致") || !strings.Contains(out, want) {
					t.Errorf("check against another manifest: %v\n%s", err, out)
				}
			})
		})
	}
}

// TestRestore_Refuses offers restore a truncated file, a file with a part
// whose checksum differs, another version's and another format's
// manifest, and a target that holds data: each is refused with its reason,
// and the target is left as it was.
func TestRestore_Refuses(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			src := sqldbtest.Open(t, engine)
			sqldbtest.LoadSmall(t, src)
			dir := t.TempDir()
			files := filepath.Join(dir, "files")
			store, err := blobs.NewDir(files)
			if err != nil {
				t.Fatal(err)
			}
			photo := []byte("一张照片")
			if err := store.Put(context.Background(), blobs.Key(photo), bytes.NewReader(photo), int64(len(photo))); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "backup.tar.gz")
			mustRun(t, "backup", "--db", src.DSN, "--out", file, "--blobs", files)
			good, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runOut("backup", "--db", src.DSN, "--out", file, "--blobs", files); err == nil || !strings.Contains(err.Error(), "已存在") {
				t.Errorf("backup over an existing file: %v", err)
			}

			// One target for every refusal: each must leave it as it was.
			dst := emptyTarget(t, engine)
			dstFiles := filepath.Join(t.TempDir(), "files")
			for _, c := range []struct {
				name string
				file func(t *testing.T) []byte
				want string
			}{
				{"TruncatedHalf", func(t *testing.T) []byte { return good[:len(good)/2] }, "不完整"},
				{"TruncatedTrailer", func(t *testing.T) []byte { return good[:len(good)-4] }, "不完整"},
				{"Empty", func(t *testing.T) []byte { return nil }, "不完整"},
				{"NotABackup", func(t *testing.T) []byte { return []byte("PK\x03\x04 这是一个 zip 文件") }, "不是 sanlian 备份文件"},
				{"DatabaseChecksum", func(t *testing.T) []byte {
					return rewriteBackup(t, good, func(name string, data []byte) []byte {
						if strings.HasPrefix(name, "database.") {
							data = bytes.Clone(data)
							data[len(data)/2] ^= 0xff
						}
						return data
					})
				}, "校验和与清单不符"},
				{"BlobChecksum", func(t *testing.T) []byte {
					return rewriteBackup(t, good, func(name string, data []byte) []byte {
						if strings.HasPrefix(name, blobPrefix) {
							return []byte("另一张照片")
						}
						return data
					})
				}, "校验和与清单不符"},
				{"OtherVersion", func(t *testing.T) []byte {
					return rewriteManifest(t, good, func(m *manifest) { m.MigrationsDigest = strings.Repeat("0", 64); m.LastMigration++ })
				}, "备份来自另一版本的程序"},
				{"OtherFormat", func(t *testing.T) []byte { return rewriteManifest(t, good, func(m *manifest) { m.Format = 2 }) }, "格式版本为 2"},
				{"OtherEngine", func(t *testing.T) []byte {
					return rewriteManifest(t, good, func(m *manifest) { m.Engine = map[string]string{"sqlite": "postgres", "postgres": "sqlite"}[engine] })
				}, "不能恢复到"},
				{"ExtraEntry", func(t *testing.T) []byte { return appendEntry(t, good, "blobs/extra", []byte("多出来的")) }, "清单之外"},
			} {
				t.Run(c.name, func(t *testing.T) {
					path := filepath.Join(t.TempDir(), "bad.tar.gz")
					if err := os.WriteFile(path, c.file(t), 0o600); err != nil {
						t.Fatal(err)
					}
					_, err := runOut("restore", path, "--db", dst, "--blobs", dstFiles)
					if err == nil || !strings.Contains(err.Error(), c.want) {
						t.Fatalf("restore: %v, want %q", err, c.want)
					}
					assertUntouched(t, engine, dst, dstFiles)
				})
			}

			t.Run("TargetHoldsData", func(t *testing.T) {
				other := sqldbtest.Open(t, engine)
				sqldbtest.LoadSmall(t, other)
				_, err := runOut("restore", file, "--db", other.DSN, "--blobs", filepath.Join(t.TempDir(), "files"))
				if err == nil || !strings.Contains(err.Error(), "已有数据") || !strings.Contains(err.Error(), "--force") {
					t.Fatalf("restore onto data: %v", err)
				}
				files := filepath.Join(t.TempDir(), "files")
				mustRun(t, "restore", file, "--db", other.DSN, "--blobs", files, "--force")
				mustRun(t, "check", "--db", other.DSN, "--blobs", files, "--backup", file)
			})
			t.Run("NoStoreForBlobs", func(t *testing.T) {
				if engine != "postgres" {
					t.Skip("an SQLite target always has files/ beside it")
				}
				_, err := runOut("restore", file, "--db", emptyTarget(t, engine))
				if err == nil || !strings.Contains(err.Error(), "--blobs") {
					t.Fatalf("restore of files without a store: %v", err)
				}
			})
		})
	}
}

// mustRun runs a command line and returns its output.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runOut(args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return out
}

// emptyTarget is the DSN of a database to restore into: an SQLite path
// not yet created, or a PostgreSQL database freshly migrated.
func emptyTarget(t *testing.T, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return filepath.Join(t.TempDir(), "restored.db")
	}
	return sqldbtest.OpenPlain(t, engine).DSN
}

// assertUntouched checks that a refused restore wrote nothing.
func assertUntouched(t *testing.T, engine, dst, files string) {
	t.Helper()
	if engine == "sqlite" {
		if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) > 0 {
			t.Errorf("a refused restore left %s in %s", entries[0].Name(), filepath.Dir(dst))
		}
	} else {
		db, err := sqldb.Open(context.Background(), dst, sqldb.Options{MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		holds, err := db.HoldsData(context.Background())
		db.Close()
		if err != nil || holds {
			t.Errorf("a refused restore wrote into the target: %v %v", holds, err)
		}
	}
	if entries, _ := os.ReadDir(files); len(entries) > 0 {
		t.Errorf("a refused restore put files into %s", files)
	}
}

func readBackupManifest(t *testing.T, file string) *manifest {
	t.Helper()
	a, m, err := openArchive(file)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	return m
}

// rewriteBackup rewrites every entry of a backup through fn, keeping the
// manifest as it was.
func rewriteBackup(t *testing.T, good []byte, fn func(name string, data []byte) []byte) []byte {
	t.Helper()
	return rewriteBackupWith(t, good, fn, nil, nil)
}

// rewriteBackupWith is rewriteBackup, adding the entry extra (when not
// nil) with its data at the end.
func rewriteBackupWith(t *testing.T, good []byte, fn func(name string, data []byte) []byte, extra *tar.Header, extraData []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		data = fn(h.Name, data)
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if extra != nil {
		tw.WriteHeader(extra)
		tw.Write(extraData)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func rewriteManifest(t *testing.T, good []byte, fn func(m *manifest)) []byte {
	return rewriteBackup(t, good, func(name string, data []byte) []byte {
		if name != manifestName {
			return data
		}
		var m manifest
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		fn(&m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

// appendEntry adds an entry the manifest does not list at the end.
func appendEntry(t *testing.T, good []byte, name string, data []byte) []byte {
	t.Helper()
	return rewriteBackupWith(t, good, func(_ string, d []byte) []byte { return d }, &tar.Header{Name: name, Mode: 0o600, Size: int64(len(data))}, data)
}

// TestRun_BackupFlags: the three commands answer -h with their flags and
// refuse a command line without what they need.
func TestRun_BackupFlags(t *testing.T) {
	for _, cmd := range [][]string{{"backup", "-h"}, {"restore", "-h"}, {"check", "-h"}} {
		out, err := runOut(cmd...)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "-db") || !strings.Contains(out, "-blobs") {
			t.Errorf("%v: %v\n%s", cmd, err, out)
		}
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--db", filepath.Join(dir, "x.db")}, "--out"},
		{[]string{"backup", "--db", filepath.Join(dir, "absent.db"), "--out", filepath.Join(dir, "b.tar.gz")}, "不存在"},
		{[]string{"restore", "--db", filepath.Join(dir, "x.db")}, "用法"},
		{[]string{"restore", "a.tar.gz", "b.tar.gz"}, "用法"},
		{[]string{"restore", filepath.Join(dir, "absent.tar.gz")}, "无法打开备份文件"},
		{[]string{"check", "--manifest", "m.json", "--backup", "b.tar.gz"}, "只能给一个"},
		{[]string{"check", "--manifest", filepath.Join(dir, "absent.json")}, "无法读取备份清单"},
	} {
		if _, err := runOut(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// TestKeyAdvice: restore names the key the restored data needs, and says
// when the key file beside an SQLite target is another one.
func TestKeyAdvice(t *testing.T) {
	dir := t.TempDir()
	side := filepath.Join(dir, "x.db.key")
	if got := keyAdvice("abcd1234", side); !strings.Contains(got, "--key-file") {
		t.Errorf("no side key: %s", got)
	}
	k, err := seal.WriteKeyFile(side)
	if err != nil {
		t.Fatal(err)
	}
	if got := keyAdvice(k.ID, side); !strings.Contains(got, "正是该密钥") {
		t.Errorf("same key: %s", got)
	}
	if got := keyAdvice("abcd1234", side); !strings.Contains(got, "另一把密钥（"+k.ID+"）") {
		t.Errorf("other key: %s", got)
	}
	if err := os.WriteFile(side, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := keyAdvice("abcd1234", side); !strings.Contains(got, "无法读取") {
		t.Errorf("bad key file: %s", got)
	}
}
