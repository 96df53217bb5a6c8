// Package sqldbtest opens fresh, migrated databases for tests: SQLite
// always, PostgreSQL when SANLIAN_TEST_PG names a server (CI sets it).
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"testing"

	"sanlian/blobs"
	"sanlian/seal"
	"sanlian/sqldb"
)

// Engines lists the engines under test.
func Engines() []string {
	if os.Getenv("SANLIAN_TEST_PG") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn once per engine as a subtest named after the engine, each
// with its own empty, migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e, func(t *testing.T) { fn(t, Open(t, e)) })
	}
}

// Open returns an empty, migrated database of the given engine, removed
// when the test ends, encrypted under a key of its own (NewKey).
func Open(tb testing.TB, engine string) *sqldb.DB {
	tb.Helper()
	db := OpenPlain(tb, engine)
	if err := db.UseKey(context.Background(), NewKey(tb), nil); err != nil {
		tb.Fatal(err)
	}
	return db
}

// NewKey returns a fresh random key.
func NewKey(tb testing.TB) *seal.Key {
	k, err := seal.ParseKey([]byte(seal.NewSecret()))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// OpenPlain returns an empty, migrated database of the given engine, not
// encrypted (no key given), removed when the test ends.
func OpenPlain(tb testing.TB, engine string) *sqldb.DB {
	tb.Helper()
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		dsn = filepath.Join(tb.TempDir(), "test.db")
		if err := copySQLiteTemplate(dsn); err != nil {
			tb.Fatalf("template database: %v", err)
		}
	case "postgres":
		dsn = freshDatabase(tb)
	default:
		tb.Fatalf("unknown engine %q", engine)
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{MaxConns: 8})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if db.Blobs, err = blobs.NewDir(filepath.Join(tb.TempDir(), "files")); err != nil {
		tb.Fatal(err)
	}
	return db
}

// freshDatabase returns the DSN of a new PostgreSQL database on the server
// named by SANLIAN_TEST_PG, cloned from a migrated template; the database is
// dropped at the end of the test. Cloning costs a fraction of migrating, and
// keeps the tests of several packages from queueing on the migration lock.
func freshDatabase(tb testing.TB) string {
	base := os.Getenv("SANLIAN_TEST_PG")
	if base == "" {
		tb.Skip("SANLIAN_TEST_PG not set")
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl, err := template(u)
	if err != nil {
		tb.Fatalf("template database: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := strings.TrimPrefix(u.Path, "/") + "_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if err := retry(func() error { _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tmpl); return err }); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	if _, err := admin.Exec(asyncCommit(name)); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDB(u, name)
}

var templates struct {
	sync.Mutex
	name string
}

// template makes, once per server and schema, a database migrated to the
// embedded migrations, named by their digest beside the base database. It
// is built under another name and renamed when whole, so a run that dies
// half-way leaves no broken template behind.
func template(base *url.URL) (string, error) {
	templates.Lock()
	defer templates.Unlock()
	if templates.name != "" {
		return templates.name, nil
	}
	name := strings.TrimPrefix(base.Path, "/") + "_tmpl_" + sqldb.MigrationsDigest(sqldb.Postgres)[:12]
	ctx := context.Background()
	admin, err := sql.Open("pgx", base.String())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Several test binaries start at once: one builds, the others wait.
	const lockKey = 7_301_923_099
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lockKey)
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		building := name + "_building"
		if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
			return "", err
		}
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
			return "", err
		}
		db, err := sqldb.Open(ctx, withDB(base, building), sqldb.Options{MaxConns: 2})
		if err != nil {
			return "", err
		}
		err = db.Migrate(ctx)
		db.Close()
		if err != nil {
			return "", err
		}
		if err := retry(func() error {
			_, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name)
			return err
		}); err != nil {
			return "", err
		}
	}
	templates.name = name
	return name, nil
}

// retry runs fn again while the server says a database is still in use
// (SQLSTATE 55006): a closed pool's sessions take a moment to end.
func retry(fn func() error) error {
	for i := 0; ; i++ {
		err := fn()
		var pe *pgconn.PgError
		if err == nil || i == 50 || !errors.As(err, &pe) || pe.Code != "55006" {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// asyncCommit is the statement that makes commits on the database name
// return before their write-ahead log reaches the disk. A test database is
// dropped at the end anyway, and what a session sees is the same: only a
// server crash could lose the last commits. The demo loads and the problem
// tests commit thousands of small transactions, each of which otherwise
// waited for a flush.
func asyncCommit(name string) string {
	return "ALTER DATABASE " + name + " SET synchronous_commit = off"
}

// withDB is base with its database replaced by name.
func withDB(base *url.URL, name string) string {
	u := *base
	u.Path = "/" + name
	return u.String()
}

// Reopen opens a second handle on the database db uses, as a second node
// of a deployment would: same SQLite file, or same PostgreSQL schema, same
// key. It is closed when the test ends.
func Reopen(tb testing.TB, db *sqldb.DB) *sqldb.DB {
	tb.Helper()
	other, err := sqldb.Open(context.Background(), db.DSN, sqldb.Options{MaxConns: 8})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { other.Close() })
	other.Blobs = db.Blobs
	if err := other.UseKey(context.Background(), db.Key(), nil); err != nil {
		tb.Fatal(err)
	}
	return other
}
