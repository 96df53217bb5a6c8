package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Snapshot is what a consistent copy of the database holds besides its
// bytes: the rows of every table and the last migration applied, both read
// in the same snapshot as the copy.
type Snapshot struct {
	Dialect       Dialect
	LastMigration int
	Counts        map[string]int64
}

// PgDump and PgRestore are the PostgreSQL client programs Dump and
// RestorePostgres run.
var (
	PgDump    = "pg_dump"
	PgRestore = "pg_restore"
)

// LastMigration is the number of the last migration embedded for dialect d.
func LastMigration(d Dialect) int {
	entries, err := fs.ReadDir(migrationFS, "migrations/"+d.String())
	if err != nil {
		panic(err) // embedded at build time
	}
	last := 0
	for _, e := range entries {
		if v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0]); err == nil && v > last {
			last = v
		}
	}
	return last
}

// Dump writes a consistent copy of the database to the file dst, which must
// not exist, while the database stays open to writers. SQLite: VACUUM INTO
// dst, counted from that copy. PostgreSQL: pg_dump --format=custom under a
// snapshot exported from a REPEATABLE READ transaction, counted in that
// transaction.
func (db *DB) Dump(ctx context.Context, dst string) (*Snapshot, error) {
	if _, err := os.Stat(dst); err == nil {
		return nil, fmt.Errorf("dump: %s already exists", dst)
	}
	if db.Dialect == Postgres {
		return db.dumpPostgres(ctx, dst)
	}
	return db.dumpSQLite(ctx, dst)
}

func (db *DB) dumpSQLite(ctx context.Context, dst string) (*Snapshot, error) {
	// VACUUM INTO reads in one read transaction: a consistent copy that
	// does not stop the writer. The reader pool is query_only, which SQLite
	// takes to forbid VACUUM, so one plain connection does it.
	src, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(db.DSN, "file:")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		os.Remove(dst)
		return nil, fmt.Errorf("dump: vacuum into %s: %w", dst, err)
	}
	snap, err := SnapshotOf(ctx, dst)
	if err != nil {
		os.Remove(dst)
		return nil, err
	}
	return snap, nil
}

// SnapshotOf counts the rows of the SQLite file path, opened read-only.
func SnapshotOf(ctx context.Context, path string) (*Snapshot, error) {
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	defer c.Close()
	tx, err := c.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	defer tx.Rollback()
	return snapshotIn(ctx, tx, SQLite)
}

func (db *DB) dumpPostgres(ctx context.Context, dst string) (*Snapshot, error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	defer tx.Rollback()
	var id string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot()").Scan(&id); err != nil {
		return nil, fmt.Errorf("dump: export snapshot: %w", err)
	}
	// pg_dump reads under the exported snapshot while this transaction,
	// which must stay open until pg_dump has started, counts the same rows.
	args, env, err := libpqArgs(db.DSN)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, PgDump, append([]string{"--format=custom", "--snapshot=" + id, "--file=" + dst}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dump: start %s: %w", PgDump, err)
	}
	snap, cerr := snapshotIn(ctx, tx, Postgres)
	if err := cmd.Wait(); err != nil {
		os.Remove(dst)
		return nil, fmt.Errorf("dump: %s: %w: %s", PgDump, err, strings.TrimSpace(stderr.String()))
	}
	if cerr != nil {
		os.Remove(dst)
		return nil, cerr
	}
	return snap, nil
}

// queryer is what snapshotIn reads through: a transaction or a pool.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// snapshotIn counts every table q sees and reads the last migration.
func snapshotIn(ctx context.Context, q queryer, d Dialect) (*Snapshot, error) {
	tables, err := tableNames(ctx, q, d)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Dialect: d, Counts: map[string]int64{}}
	for _, t := range tables {
		var n int64
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		snap.Counts[t] = n
	}
	if _, ok := snap.Counts["schema_migrations"]; ok {
		var last sql.NullInt64
		if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&last); err != nil {
			return nil, fmt.Errorf("last migration: %w", err)
		}
		snap.LastMigration = int(last.Int64)
	}
	return snap, nil
}

// tableNames lists the ordinary tables of the database, in name order:
// SQLite's (FTS shadow tables included, internal sqlite_ ones left out),
// PostgreSQL's outside the system schemas, schema-qualified when not in
// the first schema of the search path.
func tableNames(ctx context.Context, q queryer, d Dialect) ([]string, error) {
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
	if d == Postgres {
		query = `SELECT CASE WHEN schemaname = current_schema() THEN tablename ELSE schemaname || '.' || tablename END
			FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\_%'
			ORDER BY 1`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// quoteIdent quotes a table name, schema-qualified or not, for both engines.
func quoteIdent(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
	}
	return strings.Join(parts, ".")
}

// Counts counts the rows of every table now, in one read transaction.
func (db *DB) Counts(ctx context.Context) (*Snapshot, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("counts: %w", err)
	}
	defer tx.Rollback()
	return snapshotIn(ctx, tx, db.Dialect)
}

// HoldsData reports whether a restore onto db would replace something: it
// holds tables, and they are not those of a freshly migrated database
// without a county (no region).
func (db *DB) HoldsData(ctx context.Context) (bool, error) {
	tables, err := tableNames(ctx, db.r, db.Dialect)
	if err != nil {
		return false, err
	}
	if len(tables) == 0 {
		return false, nil
	}
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return true, nil // tables, but not ours: something is there
	}
	return !empty, nil
}

// RestoreSQLite puts the SQLite file src in place of the database file dst:
// src is synced, dst's write-ahead log and shared memory are removed (they
// belong to the file replaced), and src is renamed onto dst, so that dst is
// the old database or the new one, never a part. src must be in dst's
// directory. No connection may hold dst open.
func RestoreSQLite(src, dst string) error {
	f, err := os.OpenFile(src, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("restore: sync %s: %w", src, err)
	}
	for _, side := range []string{dst + "-wal", dst + "-shm", dst + "-journal"} {
		if err := os.Remove(side); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// RestorePostgres restores the pg_dump custom-format file into the
// database dsn in one transaction (all or nothing), dropping first the
// objects of the dump the target already has (a migrated, empty database).
// Objects are owned by the restoring role; with the split roles, run
// scripts/pg-split-owner.sql afterwards.
func RestorePostgres(ctx context.Context, dsn, file string) error {
	args, env, err := libpqArgs(dsn)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, PgRestore, append([]string{"--clean", "--if-exists", "--no-owner", "--no-acl",
		"--single-transaction", "--exit-on-error"}, append(args, file)...)...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("restore: %s: %w: %s", PgRestore, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// libpqParams are the URI query parameters libpq itself takes; pgx passes
// any other one to the server as a run-time setting.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true,
	"connect_timeout": true, "sslmode": true, "sslcert": true, "sslkey": true, "sslrootcert": true,
	"sslpassword": true, "sslcrl": true, "application_name": true, "target_session_attrs": true,
	"options": true, "passfile": true, "service": true, "channel_binding": true, "gssencmode": true,
}

// libpqArgs turns a pgx URL into pg_dump/pg_restore arguments: the URL
// without its password (given in PGPASSWORD instead, out of the process
// list), pgx's run-time settings moved into libpq's options.
func libpqArgs(dsn string) (args, env []string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres url: %w", err)
	}
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	var opts []string
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !libpqParams[k] {
			opts = append(opts, "-c "+k+"="+strings.ReplaceAll(q.Get(k), " ", `\ `))
			q.Del(k)
		}
	}
	if len(opts) > 0 {
		o := strings.TrimSpace(q.Get("options") + " " + strings.Join(opts, " "))
		q.Set("options", o)
	}
	// libpq decodes %XX only: a space encoded as "+" would stay a plus.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return []string{"--dbname=" + u.String()}, env, nil
}
