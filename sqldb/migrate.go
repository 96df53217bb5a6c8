package sqldb

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"sanlian"
	"sanlian/blobs"
)

//go:embed migrations
var migrationFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises nodes
// migrating the same database at start.
const migrationLockKey = 7_301_923_001

// migrationNames lists the embedded migrations of the DB's dialect, in
// order.
func (db *DB) migrationNames() (dir string, names []string, err error) {
	dir = "migrations/" + db.Dialect.String()
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return "", nil, fmt.Errorf("read migrations: %w", err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return dir, names, nil
}

// PendingMigrations lists the migrations not applied yet (all of them on
// an empty database). It only reads.
func (db *DB) PendingMigrations(ctx context.Context) ([]string, error) {
	_, names, err := db.migrationNames()
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return names, nil // no schema_migrations yet
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	var pending []string
	for _, name := range names {
		if v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0]); err != nil || !done[v] {
			pending = append(pending, name)
		}
	}
	return pending, nil
}

// Migrate applies the embedded migrations of the DB's dialect that have not
// run yet, each in its own transaction. It is safe to call from several
// nodes at once. On a database already current it only reads, so that the
// app's PostgreSQL role needs no right to change the schema
// (scripts/pg-split-owner.sql); with pending migrations and no such right
// it says to migrate as the owner.
func (db *DB) Migrate(ctx context.Context) error {
	dir, names, err := db.migrationNames()
	if err != nil {
		return err
	}
	if pending, err := db.PendingMigrations(ctx); err == nil && len(pending) == 0 {
		return nil
	}

	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if db.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return migrateErr(fmt.Errorf("create schema_migrations: %w", err))
	}
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := migrationFS.ReadFile(dir + "/" + name)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), v).Scan(&n); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if n > 0 {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return migrateErr(fmt.Errorf("migration %s: %w", name, err))
		}
		if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			v, name, db.Now().UTC().Format("2006-01-02T15:04:05Z")); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// migrateErr adds what to do when the account may not change the schema
// (PostgreSQL SQLSTATE 42501, insufficient_privilege).
func migrateErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" {
		return fmt.Errorf("数据库结构需要升级，而当前账号无权修改结构：请用属主账号运行 sanlian migrate (%w)", err)
	}
	return err
}

// Ready answers nil when the database answers and every embedded migration
// has been applied: the node may take requests. A node started before a
// newer one migrated past it is not ready either way round: it reports the
// migrations it lacks, or none and serves.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migrations pending, the first %s", len(pending), pending[0])
	}
	if db.Blobs != nil {
		if err := blobs.Ping(ctx, db.Blobs); err != nil {
			return fmt.Errorf("%s: %v: %w", db.Blobs, err, sanlian.Errorf(sanlian.EUNAVAILABLE, "文件存储无响应"))
		}
	}
	return nil
}

// MigrationsDigest names the schema the embedded migrations of dialect d
// build: a hex digest of their names and contents. Tests key a migrated
// template database by it.
func MigrationsDigest(d Dialect) string {
	dir := "migrations/" + d.String()
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		panic(err) // embedded at build time
	}
	h := sha256.New()
	for _, e := range entries {
		b, err := fs.ReadFile(migrationFS, dir+"/"+e.Name())
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
