package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// The test fixtures hash at argon2id's least cost (sqldbtest), so this
// test is the one that logs in against a hash of the production cost:
// OWASP's 19 MiB, two passes, one lane.
func TestLogin_ProductionHashCost(t *testing.T) {
	t.Parallel()
	const params = "$m=19456,t=2,p=1$"
	h := sqldb.HashPasswordProduction(sqldbtest.Password)
	if !strings.HasPrefix(h, "$argon2id$v=19"+params) {
		t.Fatalf("production hash %q, want argon2id with %s", h, params)
	}
	if !sqldb.CheckPassword(h, sqldbtest.Password) || sqldb.CheckPassword(h, sqldbtest.Password+"x") {
		t.Fatal("CheckPassword on a production hash")
	}
	// An unknown username costs a production hash too.
	if d := sqldb.DummyHash(); !strings.Contains(d, params) {
		t.Errorf("dummy hash %q, want %s", d, params)
	}
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		MustOK(t, db.ExecForTest(`UPDATE users SET password_hash = '`+h+`' WHERE username = 'office'`))
		ctx := context.Background()
		if _, _, err := db.Accounts.Login(ctx, "office", sqldbtest.Password+"x", "api"); sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
		_, u, err := db.Accounts.Login(ctx, "office", sqldbtest.Password, "api")
		MustOK(t, err)
		if u.ID != users["office"].ID {
			t.Errorf("logged in as %+v", u)
		}
	})
}
