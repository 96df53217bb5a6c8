package sqldb_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestPGSplitOwner applies scripts/pg-split-owner.sql with two fresh roles
// and a schema of their own, migrates as the owner, and shows that the
// app's role runs the product (migrate on a current schema, writes,
// sealing) but cannot disable the audit log's triggers, skip them, or
// change or remove its rows.
func TestPGSplitOwner(t *testing.T) {
	base := os.Getenv("SANLIAN_TEST_PG")
	if base == "" {
		t.Skip("SANLIAN_TEST_PG not set")
	}
	t.Parallel()
	ctx := context.Background()
	b := make([]byte, 5)
	rand.Read(b)
	suffix := hex.EncodeToString(b)
	schema, owner, app := "t_split_"+suffix, "r_"+suffix+"_owner", "r_"+suffix+"_app"

	admin, err := sql.Open("pgx", base)
	MustOK(t, err)
	defer admin.Close()
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		for _, s := range []string{"DROP SCHEMA IF EXISTS " + schema + " CASCADE", "DROP OWNED BY " + app, "DROP OWNED BY " + owner,
			"DROP ROLE IF EXISTS " + app, "DROP ROLE IF EXISTS " + owner} {
			if _, err := a.Exec(s); err != nil {
				t.Logf("cleanup %s: %v", s, err)
			}
		}
	})

	body, err := os.ReadFile("../scripts/pg-split-owner.sql")
	MustOK(t, err)
	script := strings.NewReplacer("sanlian_owner", owner, "sanlian_app", app).Replace(string(body))
	script = regexp.MustCompile(`\bsanlian\b`).ReplaceAllString(script, schema)
	apply := func() {
		t.Helper()
		if _, err := admin.Exec(script); err != nil {
			t.Fatalf("apply pg-split-owner.sql: %v", err)
		}
	}
	dsnAs := func(role string) string {
		u, err := url.Parse(base)
		MustOK(t, err)
		u.User = url.User(role)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}

	apply()
	ownerDB, err := sqldb.Open(ctx, dsnAs(owner), sqldb.Options{MaxConns: 2})
	MustOK(t, err)
	MustOK(t, ownerDB.Migrate(ctx))
	MustOK(t, ownerDB.Close())
	apply() // again, after the migration: the audit tables exist now

	db, err := sqldb.Open(ctx, dsnAs(app), sqldb.Options{MaxConns: 4})
	MustOK(t, err)
	defer db.Close()
	MustOK(t, db.Migrate(ctx)) // current: it only reads
	users := sqldbtest.LoadSmall(t, db)
	mustAuditRows(t, db, 3)
	MustOK(t, db.RecordExport(sqldbtest.As(users["office"]), "household", "全部", 20))
	if n := mustSeal(t, db); n == 0 {
		t.Fatal("the app sealed nothing")
	}
	rep := mustVerify(t, db)
	if !rep.OK() || rep.Unsealed != 0 || rep.Checked == 0 {
		t.Fatalf("report %+v", rep)
	}

	raw, err := sql.Open("pgx", dsnAs(app))
	MustOK(t, err)
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	var super bool
	MustOK(t, raw.QueryRow("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super))
	if super {
		t.Fatal("the app's role is a superuser")
	}
	for _, s := range []string{
		"ALTER TABLE audit_log DISABLE TRIGGER USER",
		"ALTER TABLE audit_log DISABLE TRIGGER ALL",
		"ALTER TABLE audit_chain DISABLE TRIGGER USER",
		"DROP TRIGGER audit_log_no_change ON audit_log",
		"SET session_replication_role = replica",
		"UPDATE audit_log SET actor = 'someone' WHERE id = 1",
		"DELETE FROM audit_log WHERE id = 1",
		"TRUNCATE audit_log",
		"UPDATE audit_chain SET hash = prev_hash WHERE seq = 1",
		"DELETE FROM audit_chain",
		"TRUNCATE audit_chain",
		"CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
		"CREATE TABLE probe (a int)",
		"SET ROLE " + owner,
	} {
		_, err := raw.Exec(s)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s: %v, want permission denied (42501)", s, err)
		}
	}
	// The app's own writes still work, and the log is intact.
	if _, err := raw.Exec("INSERT INTO audit_log (at, actor, action, entity) VALUES (now(), 'probe', 'probe', 'none')"); err != nil {
		t.Errorf("insert as the app: %v", err)
	}
	if rep := mustVerify(t, db); rep.Failure != nil || rep.Unsealed != 1 {
		t.Fatalf("after the attempts: %+v", rep)
	}

	// A schema behind the binary: the app says to migrate as the owner.
	if _, err := admin.Exec("DELETE FROM " + schema + ".schema_migrations WHERE version = 29"); err != nil {
		t.Fatal(err)
	}
	err = db.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "请用属主账号运行 sanlian migrate") {
		t.Fatalf("migrate as the app with a migration pending: %v", err)
	}
}
