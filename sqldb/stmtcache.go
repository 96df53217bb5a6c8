package sqldb

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// SQLite parses every statement it runs unless the statement is kept: the
// driver prepares and finalizes each Exec and Query. A problem's entry runs
// some thirty statements, and parsing them took a third of the server's
// time. cachingConn keeps each connection's prepared statements by their
// text (pgx keeps its own cache on PostgreSQL), so a statement is parsed
// once per connection; SQLite re-prepares a kept statement by itself after
// a schema change.

// stmtCacheSize bounds the statements kept per connection: queries built
// with a varying number of placeholders must not grow it without end.
const stmtCacheSize = 256

// sqliteConnector opens modernc connections that keep their statements.
type sqliteConnector struct{ inner driver.Connector }

func newSQLiteConnector(dsn string) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sqliteConnector{c}, nil
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn, stmtCacheSize), nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.inner.Driver() }

// The driver interfaces modernc's connection implements, which database/sql
// looks for.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a connection keeping up to max prepared statements, the
// least recently used dropped first. A statement whose rows are still open
// is not shared: a second use of its text while they are gets a statement
// of its own, finalized after use, as without the cache.
type cachingConn struct {
	sqliteConn
	max   int
	lru   *list.List // of *keptStmt, most recent first
	stmts map[string]*list.Element
}

type keptStmt struct {
	query string
	st    driver.Stmt
	busy  bool // rows of it are open
}

func newCachingConn(c driver.Conn, max int) driver.Conn {
	sc, ok := c.(sqliteConn)
	if !ok { // a driver without the context interfaces: as it is
		return c
	}
	return &cachingConn{sqliteConn: sc, max: max, lru: list.New(), stmts: map[string]*list.Element{}}
}

// kept returns the kept statement of query, preparing and keeping it if
// need be, or nil when it is in use.
func (c *cachingConn) kept(ctx context.Context, query string) (*keptStmt, error) {
	if e, ok := c.stmts[query]; ok {
		k := e.Value.(*keptStmt)
		if k.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return k, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	k := &keptStmt{query: query, st: st}
	c.stmts[query] = c.lru.PushFront(k)
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		ok := old.Value.(*keptStmt)
		if ok.busy { // its rows close it (rows.Close)
			break
		}
		c.lru.Remove(old)
		delete(c.stmts, ok.query)
		ok.st.Close()
	}
	return k, nil
}

// ExecContext implements driver.ExecerContext with a kept statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	k, err := c.kept(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return k.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext implements driver.QueryerContext with a kept statement,
// busy until its rows close.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	k, err := c.kept(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := k.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	k.busy = true
	return &keptRows{Rows: rows, c: c, k: k}, nil
}

// Close finalizes the kept statements and closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		errs = append(errs, e.Value.(*keptStmt).st.Close())
	}
	c.lru.Init()
	clear(c.stmts)
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// keptRows frees its statement for the next use when closed.
type keptRows struct {
	driver.Rows
	c      *cachingConn
	k      *keptStmt
	closed bool
}

func (r *keptRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	r.k.busy = false
	if _, ok := r.c.stmts[r.k.query]; !ok { // dropped while busy
		if e := r.k.st.Close(); err == nil {
			err = e
		}
	}
	return err
}
