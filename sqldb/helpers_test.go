package sqldb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for raw SQL beside the DB
	_ "modernc.org/sqlite"             // the "sqlite" driver, for raw SQL beside the DB

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// eachSmall runs fn once per engine on a fresh database holding
// SmallCounty. Subtests inside fn share that database, so each mutates
// rows of its own.
func eachSmall(t *testing.T, fn func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User)) {
	t.Helper()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		fn(t, db, sqldbtest.LoadSmall(t, db))
	})
}

// MustCode fails the test unless err carries the error code want.
func MustCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if got := sanlian.ErrorCode(err); got != want {
		tb.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// MustField fails the test unless err is EUNPROCESSABLE naming field.
func MustField(tb testing.TB, err error, field string) {
	tb.Helper()
	MustCode(tb, err, sanlian.EUNPROCESSABLE)
	if _, ok := sanlian.ErrorFields(err)[field]; !ok {
		tb.Fatalf("error fields = %v, want one for %q", sanlian.ErrorFields(err), field)
	}
}

// MustOK fails the test on any error.
func MustOK(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("unexpected error: %v (code %q)", err, sanlian.ErrorCode(err))
	}
}

// MustRaw opens a second *sql.DB on the same database as db, for SQL that
// goes around the services: counting rows, tampering with the audit log.
func MustRaw(tb testing.TB, db *sqldb.DB) *sql.DB {
	tb.Helper()
	driver, dsn := "sqlite", "file:"+strings.TrimPrefix(db.DSN, "file:")+"?_pragma=busy_timeout(10000)"
	if db.Dialect == sqldb.Postgres {
		driver, dsn = "pgx", db.DSN
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	tb.Cleanup(func() { raw.Close() })
	return raw
}

// MustCount returns the result of a SELECT COUNT(*) run through raw.
func MustCount(tb testing.TB, raw *sql.DB, query string) int {
	tb.Helper()
	var n int
	if err := raw.QueryRow(query).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// auditRows returns the number of rows in the audit log.
func auditRows(tb testing.TB, raw *sql.DB) int {
	tb.Helper()
	return MustCount(tb, raw, "SELECT COUNT(*) FROM audit_log")
}

// MustLastAudit returns the newest audit row, read as the auditor.
func MustLastAudit(tb testing.TB, db *sqldb.DB, users map[string]*sanlian.User) *sanlian.AuditEntry {
	tb.Helper()
	es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Limit: 1})
	MustOK(tb, err)
	if len(es) != 1 {
		tb.Fatalf("audit log has %d rows, want at least 1", len(es))
	}
	return es[0]
}

// auditChanges decodes the changes column: {"field": [before, after]}.
func auditChanges(tb testing.TB, e *sanlian.AuditEntry) map[string][2]any {
	tb.Helper()
	m := map[string][2]any{}
	if e.Changes == "" {
		return m
	}
	if err := json.Unmarshal([]byte(e.Changes), &m); err != nil {
		tb.Fatalf("audit changes %q: %v", e.Changes, err)
	}
	return m
}

// clock is a settable time source for db.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(db *sqldb.DB) *clock {
	c := &clock{t: time.Date(2021, 5, 10, 9, 0, 0, 0, sanlian.Shanghai)}
	db.Now = c.Now
	return c
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func ptr[T any](v T) *T { return &v }

// householdIDs lists the ids of hs in order.
func householdIDs(hs []*sanlian.Household) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

// seq returns the integers from..to inclusive.
func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// smallHousehold returns household id of SmallCounty with its whole
// personal data, as loaded.
func smallHousehold(id int64) *sanlian.Household {
	return sqldbtest.SmallCounty().Households[id-1]
}

// smallCadre returns cadre id of SmallCounty with its whole phone.
func smallCadre(id int64) *sanlian.Cadre {
	return sqldbtest.SmallCounty().Cadres[id-1]
}

var system = sanlian.NewSystemContext(context.Background())

// containsAny returns the first of subs that s holds, or "".
func containsAny(s string, subs ...string) string {
	for _, x := range subs {
		if x != "" && strings.Contains(s, x) {
			return x
		}
	}
	return ""
}

func fmtSprint(v any) string { return fmt.Sprint(v) }
