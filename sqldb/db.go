// Package sqldb implements the sanlian services over database/sql, for both
// embedded SQLite (modernc.org/sqlite) and PostgreSQL (pgx). Queries are
// written once with ? placeholders and rebound to $n for PostgreSQL.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"sanlian"
	"sanlian/blobs"
	"sanlian/seal"
)

// Dialect is the SQL engine behind a DB.
type Dialect int

// The supported engines.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Options tune a DB.
type Options struct {
	// SyncFull sets SQLite's synchronous=FULL, so that no acknowledged
	// write is lost on power failure (default NORMAL).
	SyncFull bool
	// MaxConns caps the PostgreSQL pool (default 20).
	MaxConns int
}

// DB is an open database. For SQLite it holds one single-connection writer
// pool beside a read pool; for PostgreSQL one pool serves both.
type DB struct {
	Dialect Dialect
	DSN     string

	w *sql.DB // writes (single connection on SQLite)
	r *sql.DB // reads

	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Auth holds the login rules.
	Auth sanlian.AuthConfig
	// LookupPerDay is how many tracking-by-phone codes the county sends
	// in a day; 0: sanlian.DefaultLookupCountyDay.
	LookupPerDay int
	// CountyBounds is the box a request's coordinates must fall in; the
	// zero box is sanlian.DefaultCountyBounds.
	CountyBounds sanlian.Bounds
	// Blobs keeps the files (attachments, photos, self-criticisms); rows
	// written before it existed keep theirs in the database until moved
	// (MoveFilesOut). nil: no file can be stored or read from it.
	Blobs blobs.Store
	cal   calendarCache // the built working-day calendar (calendar.go)
	jobs  jobRegistry   // scheduled jobs (scheduler.go)

	sealer  auditSealer // the audit chain's sealer (audit_chain.go)
	entries entryQueue  // problem entries waiting for the writer (problem_batch.go)
	ring    *seal.Ring  // keys of the personal data at rest (crypt.go); set by UseKey
	// moveRows is the batch of MoveFilesOut (blobmove.go); 0: moveBatch.
	moveRows int
	// resealRows is the batch of a sealing pass (crypt.go); 0: resealRowsPerTx.
	resealRows int
	// msg holds the server's overrides of messages to residents (resmsg.go).
	msg msgConfig

	stores // the services (stores.go)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens dsn: a postgres:// URL or an SQLite file path. It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db := &DB{DSN: dsn, Now: time.Now, Auth: sanlian.AuthConfig{}.WithDefaults(), ring: &seal.Ring{}}
	db.initStores()
	if IsPostgres(dsn) {
		db.Dialect = Postgres
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := opt.MaxConns
		if n <= 0 {
			n = 20
		}
		p.SetMaxOpenConns(n)
		p.SetMaxIdleConns(n)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.w, db.r = p, p
	} else {
		path := strings.TrimPrefix(dsn, "file:")
		if path == "" || strings.Contains(path, "?") {
			return nil, fmt.Errorf("open sqlite: want a plain file path, got %q", dsn)
		}
		sync := "NORMAL"
		if opt.SyncFull {
			sync = "FULL"
		}
		// busy_timeout first, so that the pragmas after it wait for a lock
		// instead of failing with SQLITE_BUSY.
		base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")"
		// The writer keeps its temporary files in memory: a savepoint's
		// sub-journal (problem_batch.go) costs no file writes.
		wc, err := newSQLiteConnector(base + "&_txlock=immediate&_pragma=temp_store(2)")
		if err != nil {
			return nil, fmt.Errorf("open sqlite writer: %w", err)
		}
		w := sql.OpenDB(wc)
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		// Readers get a 64 MB page cache each (SQLite's default is 2 MB):
		// reports walk the same indexes over and over.
		rc, err := newSQLiteConnector(base + "&_pragma=query_only(1)&_pragma=cache_size(-65536)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite reader: %w", err)
		}
		r := sql.OpenDB(rc)
		n := max(4, runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		db.w, db.r = w, r
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("ping %s: %w", db.Dialect, err)
	}
	return db, nil
}

// Close stops the audit sealer, seals the audit rows this DB wrote, and
// closes both pools.
func (db *DB) Close() error {
	db.closeSealer()
	var err error
	if db.r != nil && db.r != db.w {
		err = db.r.Close()
	}
	if db.w != nil {
		if e := db.w.Close(); e != nil {
			err = e
		}
	}
	return err
}

// WritePool is the pool every write goes through (on SQLite its single
// connection), for a baseline measured under the same engine and
// settings (bench/); the services never hand it out.
func (db *DB) WritePool() *sql.DB { return db.w }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// rebind turns ? placeholders into $1, $2 … for PostgreSQL, leaving quoted
// text alone.
func (db *DB) rebind(q string) string {
	if db.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, db.rebind(q), args...)
}

// Tx is a write transaction. It carries the time of the transaction, so
// that every row it writes shares one "now".
type Tx struct {
	tx  *sql.Tx
	db  *DB
	ctx context.Context
	now time.Time

	audited bool // wrote audit rows: nudge the sealer after commit

	rollups *sanlian.RollupDeltas // what the events written add to the rollups, written at commit

	timelines map[int64]*txTimeline // the timelines of problems entered in this transaction (rollups.go)
	memo      *txMemo               // the settings it has read (txmemo.go)
}

// begin starts a write transaction (BEGIN IMMEDIATE on SQLite, through the
// single writer connection).
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{tx: tx, db: db, ctx: ctx, now: db.Now().UTC().Truncate(time.Microsecond)}, nil
}

// inTx runs fn in a write transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.commit()
}

// commit writes the transaction's pending rollups, commits, and nudges the
// audit sealer when a row was audited.
func (tx *Tx) commit() error {
	if err := tx.flushRollups(); err != nil {
		return err
	}
	if err := tx.tx.Commit(); err != nil {
		return mapErr(fmt.Errorf("commit: %w", err))
	}
	if tx.audited {
		tx.db.sealer.nudge()
	}
	return nil
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(tx.ctx, tx.db.rebind(q), args...)
	return res, mapErr(err)
}

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(tx.ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) queryRow(q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.ctx, tx.db.rebind(q), args...)
}

// insertID runs an INSERT … RETURNING id.
func (tx *Tx) insertID(q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(q+" RETURNING id", args...).Scan(&id)
	return id, mapErr(err)
}

// querier is what both a Tx and the read pool offer.
type querier interface {
	queryRows(q string, args ...any) (*sql.Rows, error)
	queryOne(q string, args ...any) *sql.Row
}

type readQ struct {
	db  *DB
	ctx context.Context
}

func (r readQ) queryRows(q string, args ...any) (*sql.Rows, error) {
	return r.db.query(r.ctx, q, args...)
}
func (r readQ) queryOne(q string, args ...any) *sql.Row           { return r.db.queryRow(r.ctx, q, args...) }
func (tx *Tx) queryRows(q string, args ...any) (*sql.Rows, error) { return tx.query(q, args...) }
func (tx *Tx) queryOne(q string, args ...any) *sql.Row            { return tx.queryRow(q, args...) }

func (db *DB) reader(ctx context.Context) querier { return readQ{db, ctx} }

// Constraint kinds that mapErr recognises.
var (
	errUnique     = errors.New("unique violation")
	errForeignKey = errors.New("foreign key violation")
)

// constraintError wraps a driver error with the constraint kind it is.
type constraintError struct {
	kind error
	err  error
}

func (e *constraintError) Error() string { return e.kind.Error() + ": " + e.err.Error() }
func (e *constraintError) Unwrap() []error {
	return []error{e.kind, e.err}
}

// mapErr classifies driver errors by code (SQLite extended result codes,
// PostgreSQL SQLSTATE), never by their text.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &constraintError{errUnique, err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &constraintError{errForeignKey, err}
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &constraintError{errUnique, err}
		case "23503":
			return &constraintError{errForeignKey, err}
		}
	}
	return err
}

// nullInt turns 0 into NULL.
func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// nullStr turns "" into NULL.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime turns the zero time into NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// int64s turns ids into query arguments.
func int64s(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
