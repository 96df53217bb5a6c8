package sqldb

import (
	"net/url"
	"strings"
	"testing"
)

// TestLibpqArgs: pg_dump gets the URL without its password, and pgx's
// run-time settings as libpq options.
func TestLibpqArgs(t *testing.T) {
	args, env, err := libpqArgs("postgres://app:s3cret@db:5432/sanlian?sslmode=disable&search_path=sanlian&application_name=x")
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 1 || !strings.HasPrefix(args[0], "--dbname=") || strings.Contains(args[0], "s3cret") || strings.Contains(args[0], "+") {
		t.Fatalf("args %q", args)
	}
	u, err := url.Parse(strings.TrimPrefix(args[0], "--dbname="))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.User.String() != "app" || u.Host != "db:5432" || u.Path != "/sanlian" || q.Get("sslmode") != "disable" ||
		q.Get("application_name") != "x" || q.Get("options") != "-c search_path=sanlian" || q.Has("search_path") {
		t.Errorf("url %s", u)
	}
	if len(env) != 1 || env[0] != "PGPASSWORD=s3cret" {
		t.Errorf("env %q", env)
	}
	if _, _, err := libpqArgs("postgres://%zz"); err == nil {
		t.Error("bad url accepted")
	}
}
