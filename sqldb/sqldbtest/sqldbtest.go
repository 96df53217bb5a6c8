// Package sqldbtest opens fresh, migrated databases for tests: SQLite
// always, PostgreSQL when SANLIAN_TEST_PG names a server (CI sets it).
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

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
	case "postgres":
		dsn = freshSchema(tb)
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
	return db
}

// freshSchema creates a schema of its own on the server named by
// SANLIAN_TEST_PG and returns a DSN that uses it; the schema is dropped at
// the end of the test.
func freshSchema(tb testing.TB) string {
	base := os.Getenv("SANLIAN_TEST_PG")
	if base == "" {
		tb.Skip("SANLIAN_TEST_PG not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
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
	if err := other.UseKey(context.Background(), db.Key(), nil); err != nil {
		tb.Fatal(err)
	}
	return other
}
