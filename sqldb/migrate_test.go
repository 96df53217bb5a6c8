package sqldb_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestDB_Migrate(t *testing.T) {
	t.Parallel()
	t.Run("Idempotent", func(t *testing.T) {
		sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
			// sqldbtest.Open has migrated once already.
			raw := MustRaw(t, db)
			ctx := context.Background()
			MustOK(t, db.Migrate(ctx))
			MustOK(t, db.Migrate(ctx))
			if n, want := MustCount(t, raw, "SELECT COUNT(*) FROM schema_migrations"), migrationFiles(t, db); n != want {
				t.Errorf("schema_migrations rows = %d, want %d", n, want)
			}
			users := sqldbtest.LoadSmall(t, db)
			MustOK(t, db.Migrate(ctx))
			hs, _, err := db.Org.FindHouseholds(sqldbtest.As(users["office"]), sanlian.HouseholdFilter{})
			MustOK(t, err)
			if len(hs) != 20 {
				t.Errorf("households after migrating again = %d, want 20", len(hs))
			}
			if empty, err := db.IsEmpty(ctx); err != nil || empty {
				t.Errorf("IsEmpty = %v, %v", empty, err)
			}
			// A second county does not load over the first.
			err = db.LoadCounty(system, &sanlian.County{Regions: []*sanlian.Region{{Code: "430900000000", Name: "益阳市", Kind: sanlian.RegionCounty}}})
			MustCode(t, err, sanlian.ECONFLICT)
		})
	})
	t.Run("ConcurrentNodes", func(t *testing.T) {
		for _, engine := range sqldbtest.Engines() {
			t.Run(engine, func(t *testing.T) {
				dsn := unmigrated(t, engine)
				ctx := context.Background()
				var dbs [3]*sqldb.DB
				for i := range dbs {
					db, err := sqldb.Open(ctx, dsn, sqldb.Options{MaxConns: 2})
					MustOK(t, err)
					t.Cleanup(func() { db.Close() })
					dbs[i] = db
				}
				var wg sync.WaitGroup
				errs := make([]error, len(dbs))
				for i, db := range dbs {
					wg.Go(func() { errs[i] = db.Migrate(ctx) })
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Errorf("node %d: %v", i, err)
					}
				}
				raw := MustRaw(t, dbs[0])
				if n, want := MustCount(t, raw, "SELECT COUNT(*) FROM schema_migrations"), migrationFiles(t, dbs[0]); n != want {
					t.Errorf("schema_migrations rows = %d, want %d", n, want)
				}
				if empty, err := dbs[1].IsEmpty(ctx); err != nil || !empty {
					t.Errorf("IsEmpty = %v, %v; want true", empty, err)
				}
			})
		}
	})
}

// unmigrated returns the DSN of an empty database that nothing has
// migrated yet, removed when the test ends.
func unmigrated(t *testing.T, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return filepath.Join(t.TempDir(), "fresh.db")
	}
	base := os.Getenv("SANLIAN_TEST_PG")
	admin, err := sql.Open("pgx", base)
	MustOK(t, err)
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "m_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	MustOK(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// migrationFiles counts the migrations shipped for db's dialect.
func migrationFiles(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", db.Dialect.String(), "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	return len(files)
}

// TestDB_Ready: a migrated database is ready; one that lacks a migration of
// this version, as before `sanlian migrate`, is not, and says which.
func TestDB_Ready(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := db.Ready(ctx); err != nil {
			t.Fatalf("migrated: %v", err)
		}
		pending, err := db.PendingMigrations(ctx)
		if err != nil || len(pending) != 0 {
			t.Fatalf("pending %v, %v", pending, err)
		}
		if err := db.ExecForTest("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"); err != nil {
			t.Fatal(err)
		}
		err = db.Ready(ctx)
		if err == nil || !strings.Contains(err.Error(), "1 migrations pending") {
			t.Fatalf("one migration short: %v", err)
		}
	})
}
