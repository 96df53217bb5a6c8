package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"sanlian"
	"sanlian/blobs"
	"sanlian/sqldb/sqldbtest"
)

// TestRun_MigrateMovesFiles: `sanlian migrate` moves the files an older
// version kept in the database to the store --blobs names, telling the
// progress, and a second run has nothing left to move.
func TestRun_MigrateMovesFiles(t *testing.T) {
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.OpenPlain(t, engine)
			users := sqldbtest.LoadSmall(t, db)
			cadre := sqldbtest.As(users["cadre"])
			p, err := db.Problems.CreateProblem(cadre, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
				Title: "村道塌方", Description: "村道塌方，群众反映强烈"})
			if err != nil {
				t.Fatal(err)
			}
			var want [][]byte
			var ids []int64
			for i := range 5 {
				data := []byte(fmt.Sprintf("第 %d 份材料\n", i))
				a, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, fmt.Sprintf("%d.txt", i), bytes.NewReader(data), 0)
				if err != nil {
					t.Fatal(err)
				}
				want, ids = append(want, data), append(ids, a.ID)
			}
			dsn := db.DSN
			db.Close()
			// As a version before the file store kept them.
			driver, rawDSN, q := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)", `UPDATE attachments SET data = ?, blob_key = NULL WHERE id = ?`
			if engine == "postgres" {
				driver, rawDSN, q = "pgx", dsn, `UPDATE attachments SET data = $1, blob_key = NULL WHERE id = $2`
			}
			raw, err := sql.Open(driver, rawDSN)
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				if _, err := raw.Exec(q, want[i], id); err != nil {
					t.Fatal(err)
				}
			}
			raw.Close()

			store := filepath.Join(t.TempDir(), "store")
			out, err := runOut("migrate", "--db", dsn, "--blobs", store)
			if err != nil || !strings.Contains(out, "已迁移 5/5 个文件") || !strings.Contains(out, "文件已全部移至文件存储") {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			s, err := blobs.NewDir(store)
			if err != nil {
				t.Fatal(err)
			}
			for _, data := range want {
				if n, err := s.Stat(ctx, blobs.Key(data)); err != nil || n != int64(len(data)) {
					t.Fatalf("%q not in the store: %v", data, err)
				}
			}
			out, err = runOut("migrate", "--db", dsn, "--blobs", store)
			if err != nil || strings.Contains(out, "已迁移") {
				t.Fatalf("second migrate: %v\n%s", err, out)
			}
		})
	}
}

func TestBlobsLocation(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ loc, dsn, want string }{
		{"", filepath.Join(dir, "sanlian.db"), filepath.Join(dir, "files")},
		{"", "file:" + filepath.Join(dir, "x.db"), filepath.Join(dir, "files")},
		{"", "sanlian.db", "files"},
		{"/srv/files", "sanlian.db", "/srv/files"},
		{"s3://b?endpoint=h:9000", "postgres://db/sanlian", "s3://b?endpoint=h:9000"},
	} {
		got, err := blobsLocation(c.loc, c.dsn)
		if err != nil || got != c.want {
			t.Errorf("blobsLocation(%q, %q) = %q, %v; want %q", c.loc, c.dsn, got, err, c.want)
		}
	}
	if _, err := blobsLocation("", "postgres://db/sanlian"); !errors.Is(err, errNoBlobs) {
		t.Errorf("PostgreSQL without --blobs: %v", err)
	}
}

// TestRun_BlobsRequired: a PostgreSQL deployment names its file store, and
// a store that cannot be opened is said before anything else is done.
func TestRun_BlobsRequired(t *testing.T) {
	t.Setenv("SANLIAN_BLOBS", "")
	t.Setenv("SANLIAN_KEY", "")
	for _, cmd := range []string{"migrate", "demo", "serve"} {
		out, err := runOut(cmd, "--db", "postgres://127.0.0.1:1/none")
		if !errors.Is(err, errNoBlobs) {
			t.Errorf("%s: %v\n%s", cmd, err, out)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("SANLIAN_S3_ACCESS_KEY", "")
	dbFile := filepath.Join(t.TempDir(), "s.db")
	_, err := runOut("migrate", "--db", dbFile, "--blobs", "s3://files?endpoint=127.0.0.1:9000")
	if err == nil || !strings.Contains(err.Error(), "文件存储") || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("S3 without keys: %v", err)
	}
	if _, err := os.Stat(dbFile); err == nil {
		t.Error("the database was created although the file store could not be opened")
	}
}

// TestRun_DemoPhotosInStore: the demo's activity photos land in files/
// beside the database, and the database holds only their keys.
func TestRun_DemoPhotosInStore(t *testing.T) {
	t.Setenv("SANLIAN_BLOBS", "")
	ctx := context.Background()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "demo.db")
	out, err := runOut("demo", "--db", dsn, "--households", "300", "--problems", "0", "--visits", "0", "--activities", "40")
	if err != nil || !strings.Contains(out, "活动照片") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	db, err := openDB(ctx, dbOpen{DSN: dsn, Files: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, ok := db.Blobs.(*blobs.Dir); !ok || d.Root() != filepath.Join(dir, "files") {
		t.Fatalf("store %v", db.Blobs)
	}
	if n, err := db.FilesToMove(ctx); err != nil || n != 0 {
		t.Fatalf("files in the database: %d, %v", n, err)
	}
	n := 0
	err = db.BlobKeys(ctx, func(k string) error {
		n++
		_, err := db.Blobs.Stat(ctx, k)
		return err
	})
	if err != nil || n < 2 {
		t.Fatalf("%d keys: %v", n, err)
	}
}

// TestRun_DemoToS3: `sanlian demo --blobs s3://…` puts the demo's photos
// in an S3 bucket, keys from the environment, none in the URL or output.
func TestRun_DemoToS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("county"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	t.Setenv("SANLIAN_S3_ACCESS_KEY", "sanlian")
	t.Setenv("SANLIAN_S3_SECRET_KEY", "very-secret-key")
	loc := "s3://county?endpoint=" + strings.TrimPrefix(srv.URL, "http://") + "&secure=false&prefix=files"
	dsn := filepath.Join(t.TempDir(), "demo.db")
	out, err := runOut("demo", "--db", dsn, "--blobs", loc, "--households", "300", "--problems", "0", "--visits", "0", "--activities", "40")
	if err != nil || !strings.Contains(out, "活动照片") || strings.Contains(out, "very-secret-key") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	ctx := context.Background()
	db, err := openDB(ctx, dbOpen{DSN: dsn, Files: true, Blobs: loc})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.BlobKeys(ctx, func(k string) error {
		n++
		_, err := db.Blobs.Stat(ctx, k)
		return err
	})
	if err != nil || n < 2 {
		t.Fatalf("%d keys in the bucket: %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dsn), "files")); err == nil {
		t.Error("files/ made beside the database although the store is S3")
	}
}
