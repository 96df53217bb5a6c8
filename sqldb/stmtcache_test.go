package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"testing"
)

// openCaching opens an SQLite file through the caching connector, on one
// connection.
func openCaching(t *testing.T, max int) *sql.DB {
	t.Helper()
	c, err := newSQLiteConnector("file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(cacheSize{c.(sqliteConnector), max})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`, `INSERT INTO t (name) VALUES ('一'), ('二'), ('三')`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// cacheSize is sqliteConnector with another bound.
type cacheSize struct {
	sqliteConnector
	max int
}

func (c cacheSize) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn, c.max), nil
}

// kept is the number of statements the connection keeps.
func kept(t *testing.T, db *sql.DB) (n int) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Raw(func(c any) error { n = c.(*cachingConn).lru.Len(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStmtCache_Nested: the same text run again while its rows are open
// gets a statement of its own; both read their rows whole.
func TestStmtCache_Nested(t *testing.T) {
	db := openCaching(t, 8)
	const q = `SELECT id, name FROM t WHERE id >= ? ORDER BY id`
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Query(q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var id int
		var name string
		if err := outer.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.Query(q, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for inner.Next() {
			n++
		}
		inner.Close()
		got = append(got, fmt.Sprintf("%s:%d", name, n))
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[一:3 二:2 三:1]" {
		t.Errorf("got %v", got)
	}
	// Kept again once closed: the next run reads from the start.
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM (`+q+`)`, 2).Scan(&n); err != nil || n != 2 {
		t.Errorf("count = %d, %v", n, err)
	}
}

// TestStmtCache_SchemaChange: a kept statement sees a column added since
// it was prepared.
func TestStmtCache_SchemaChange(t *testing.T) {
	db := openCaching(t, 8)
	cols := func() int {
		rows, err := db.Query(`SELECT * FROM t`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return len(c)
	}
	if n := cols(); n != 2 {
		t.Fatalf("%d columns", n)
	}
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN note TEXT`); err != nil {
		t.Fatal(err)
	}
	if n := cols(); n != 3 {
		t.Errorf("%d columns after ALTER TABLE, want 3", n)
	}
}

// TestStmtCache_Bounded: a connection keeps at most its bound of
// statements, dropping the least recently used, and answers right.
func TestStmtCache_Bounded(t *testing.T) {
	db := openCaching(t, 3)
	for i := range 10 {
		var n int
		if err := db.QueryRow(fmt.Sprintf(`SELECT COUNT(*) + %d FROM t`, i)).Scan(&n); err != nil || n != 3+i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if n := kept(t, db); n != 3 {
		t.Errorf("%d statements kept, want 3", n)
	}
}

// TestStmtCache_Error: a statement that fails to prepare is not kept and
// its error comes back.
func TestStmtCache_Error(t *testing.T) {
	db := openCaching(t, 8)
	before := kept(t, db)
	if _, err := db.Exec(`INSERT INTO nowhere (x) VALUES (1)`); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	if n := kept(t, db); n != before {
		t.Errorf("kept %d statements, want %d", n, before)
	}
}
