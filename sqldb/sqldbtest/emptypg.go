package sqldbtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
)

// EmptyPostgres returns the URL of a new, empty PostgreSQL database (not
// cloned from the migrated template: a deployment keeps public empty),
// dropped when the test ends. A multi-county deployment exists only on
// PostgreSQL: without SANLIAN_TEST_PG the test is skipped.
func EmptyPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SANLIAN_TEST_PG")
	if base == "" {
		t.Skip("多县部署只用 PostgreSQL（每县一个模式）：SANLIAN_TEST_PG 未设置，SQLite 上无此功能可测")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := strings.TrimPrefix(u.Path, "/") + "_dep_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(asyncCommit(name)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u.Path = "/" + name
	return u.String()
}
