package sqldb_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestDB_Dump copies a loaded database and counts the copy: the counts are
// the database's, the last migration this binary's, and the file is a
// database of the engine's (an SQLite file, a pg_dump archive).
func TestDB_Dump(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		sqldbtest.LoadSmall(t, db)
		dst := filepath.Join(t.TempDir(), "dump")
		snap, err := db.Dump(ctx, dst)
		MustOK(t, err)
		now, err := db.Counts(ctx)
		MustOK(t, err)
		if len(snap.Counts) < 50 || snap.Counts["regions"] == 0 || snap.Counts["users"] == 0 {
			t.Errorf("counts: %v", snap.Counts)
		}
		for table, n := range now.Counts {
			if snap.Counts[table] != n {
				t.Errorf("%s: %d in the dump, %d in the database", table, snap.Counts[table], n)
			}
		}
		if snap.LastMigration != sqldb.LastMigration(db.Dialect) || snap.LastMigration < 36 {
			t.Errorf("last migration %d, binary's %d", snap.LastMigration, sqldb.LastMigration(db.Dialect))
		}
		head := make([]byte, 16)
		f, err := os.Open(dst)
		MustOK(t, err)
		f.Read(head)
		f.Close()
		magic := map[sqldb.Dialect]string{sqldb.SQLite: "SQLite format 3", sqldb.Postgres: "PGDMP"}[db.Dialect]
		if !bytes.HasPrefix(head, []byte(magic)) {
			t.Errorf("dump starts %q, want %q", head, magic)
		}
		if db.Dialect == sqldb.SQLite {
			copied, err := sqldb.SnapshotOf(ctx, dst)
			MustOK(t, err)
			if copied.Counts["problems"] != now.Counts["problems"] || copied.Counts["regions"] != now.Counts["regions"] {
				t.Errorf("the copy counts %v", copied.Counts)
			}
		}
		if _, err := db.Dump(ctx, dst); err == nil {
			t.Error("dump over an existing file")
		}
	})
}

// TestDB_HoldsData: a migrated database without a county may be restored
// onto; one with a county may not.
func TestDB_HoldsData(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		holds, err := db.HoldsData(ctx)
		if err != nil || holds {
			t.Errorf("fresh database: %v %v", holds, err)
		}
		sqldbtest.LoadSmall(t, db)
		if holds, err := db.HoldsData(ctx); err != nil || !holds {
			t.Errorf("loaded database: %v %v", holds, err)
		}
	})
}

// TestRestoreSQLite puts a copy in place of a database whose write-ahead
// log is left behind: the log is dropped with the file it belonged to.
func TestRestoreSQLite(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t, "sqlite")
	sqldbtest.LoadSmall(t, db)
	dir := t.TempDir()
	src := filepath.Join(dir, ".restore")
	_, err := db.Dump(ctx, src)
	MustOK(t, err)
	dst := filepath.Join(dir, "target.db")
	MustOK(t, os.WriteFile(dst, []byte("an older database"), 0o600))
	MustOK(t, os.WriteFile(dst+"-wal", []byte("its log"), 0o600))
	MustOK(t, sqldb.RestoreSQLite(src, dst))
	if _, err := os.Stat(dst + "-wal"); err == nil {
		t.Error("the old log is still there")
	}
	if _, err := os.Stat(src); err == nil {
		t.Error("the copy is still there")
	}
	got, err := sqldb.SnapshotOf(ctx, dst)
	MustOK(t, err)
	if got.Counts["regions"] == 0 {
		t.Errorf("restored counts %v", got.Counts)
	}
	if err := sqldb.RestoreSQLite(filepath.Join(dir, "absent"), dst); err == nil {
		t.Error("restore from an absent file")
	}
}
