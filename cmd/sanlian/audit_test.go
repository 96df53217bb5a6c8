package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// auditDB returns the DSN of a fresh, migrated database of engine with
// two accounts made on the command line (two audit rows, sealed as the
// command closes the database), and a raw connection to it.
func auditDB(t *testing.T, engine string) (string, *sql.DB) {
	t.Helper()
	db := sqldbtest.OpenPlain(t, engine) // the audit chain needs no key
	dsn := db.DSN
	db.Close()
	for _, u := range []string{"office1", "auditor1"} {
		var out, errOut bytes.Buffer
		role := "office"
		if u == "auditor1" {
			role = "auditor"
		}
		if err := run(context.Background(), []string{"user", "add", "--db", dsn, "--username", u, "--role", role},
			strings.NewReader("a-long-password-1\n"), &out, &errOut); err != nil {
			t.Fatal(err, errOut.String())
		}
	}
	driver, rawDSN := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	if engine == "postgres" {
		driver, rawDSN = "pgx", dsn
	}
	raw, err := sql.Open(driver, rawDSN)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return dsn, raw
}

func runOut(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String() + errOut.String(), err
}

// TestRun_AuditVerify runs `sanlian audit verify` and `audit anchor` on a
// clean database, then after the log is changed around its protections.
func TestRun_AuditVerify(t *testing.T) {
	for _, engine := range sqldbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn, raw := auditDB(t, engine)
			out, err := runOut("audit", "verify", "--db", dsn)
			if err != nil || !strings.Contains(out, "校验通过：已校验 2 条链节，链头第 2 号，哈希 ") || !strings.Contains(out, "未封存 0 条") {
				t.Fatalf("clean: %v\n%s", err, out)
			}
			anchors := t.TempDir()
			out, err = runOut("audit", "anchor", "--db", dsn, "--dir", anchors)
			if err != nil || !strings.Contains(out, "已写入锚点：第 2 号链节") {
				t.Fatalf("anchor: %v\n%s", err, out)
			}
			out, err = runOut("audit", "verify", "--db", dsn, "--anchors", anchors)
			if err != nil || !strings.Contains(out, "锚点 1 个，不符 0 个") {
				t.Fatalf("with anchors: %v\n%s", err, out)
			}

			// Around the protections: SQLite after DROP TRIGGER, PostgreSQL
			// with the triggers (foreign keys included) skipped.
			ctx := context.Background()
			conn, err := raw.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			stmts := []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor = 'someone' WHERE id = 1"}
			if engine == "postgres" {
				stmts = []string{"SET session_replication_role = replica", "DELETE FROM audit_log WHERE id = 1"}
			}
			for _, s := range stmts {
				if _, err := conn.ExecContext(ctx, s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			want := "不符：审计记录 #1（第 1 号链节）的内容与封存时不符"
			if engine == "postgres" {
				want = "不符：审计记录 #1 已被删除（第 1 号链节仍在）"
			}
			out, err = runOut("audit", "verify", "--db", dsn)
			if !errors.Is(err, errAuditMismatch) || !strings.HasPrefix(out, want) || !strings.Contains(out, "校验未通过：已校验 0 条链节") {
				t.Fatalf("tampered: %v\n%s", err, out)
			}
		})
	}
}

// TestRun_AuditVerify_TailRewrite rewrites the chain's tail with
// recomputed hashes, as someone holding the database could: only the
// anchor written before shows it.
func TestRun_AuditVerify_TailRewrite(t *testing.T) {
	dsn, raw := auditDB(t, "sqlite")
	anchors := t.TempDir()
	if out, err := runOut("audit", "anchor", "--db", dsn, "--dir", anchors); err != nil {
		t.Fatal(err, out)
	}
	for _, s := range []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_chain_no_delete",
		"UPDATE audit_log SET actor = 'someone' WHERE id = 2", "DELETE FROM audit_chain WHERE seq = 2"} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	out, err := runOut("audit", "verify", "--db", dsn)
	if err != nil || !strings.Contains(out, "未封存 1 条") {
		t.Fatalf("unsealed: %v\n%s", err, out)
	}
	out, err = runOut("audit", "verify", "--db", dsn, "--seal")
	if err != nil || !strings.Contains(out, "已封存 1 条") || !strings.Contains(out, "校验通过：已校验 2 条链节") {
		t.Fatalf("resealed, no anchors: %v\n%s", err, out)
	}
	out, err = runOut("audit", "verify", "--db", dsn, "--anchors", anchors)
	if !errors.Is(err, errAuditMismatch) || !strings.Contains(out, "锚点不符：") || !strings.Contains(out, "第 2 号链节哈希与库中不符：链从此处起被整体重写") {
		t.Fatalf("with anchors: %v\n%s", err, out)
	}
}

// TestRun_AuditBadInput gives the audit commands what they cannot use.
func TestRun_AuditBadInput(t *testing.T) {
	dsn, _ := auditDB(t, "sqlite")
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.db")
	badAnchors := t.TempDir()
	os.WriteFile(filepath.Join(badAnchors, "a.jsonl"), []byte(`{"seq":1,"hash":"00"}`+"\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"MissingDB", []string{"audit", "verify", "--db", missing}, "不存在"},
		{"EmptyAnchorDir", []string{"audit", "verify", "--db", dsn, "--anchors", t.TempDir()}, "没有锚点文件"},
		{"MissingAnchorDir", []string{"audit", "verify", "--db", dsn, "--anchors", filepath.Join(dir, "none")}, "无法读取"},
		{"BadAnchor", []string{"audit", "verify", "--db", dsn, "--anchors", badAnchors}, "a.jsonl 第 1 行不是有效的锚点"},
		{"AnchorWithoutDir", []string{"audit", "anchor", "--db", dsn}, "--dir"},
		{"UnknownCommand", []string{"audit", "rewrite"}, "unknown audit command"},
		{"NoCommand", []string{"audit"}, "unknown audit command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runOut(tc.args...)
			if err == nil || errors.Is(err, errAuditMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one with %q\n%s", err, tc.want, out)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("verify created the missing database file")
	}
	// An old database is not migrated by verify.
	old := sqldbtest.Open(t, "sqlite")
	raw, _ := sql.Open("sqlite", old.DSN)
	defer raw.Close()
	raw.Exec("DELETE FROM schema_migrations WHERE version = 29")
	if out, err := runOut("audit", "verify", "--db", old.DSN); err == nil || !strings.Contains(err.Error(), "sanlian migrate") {
		t.Fatalf("old schema: %v\n%s", err, out)
	}
}

// TestAnchorSink_Post checks that an anchor is posted, and that one that
// could not be is sent again with the next.
func TestAnchorSink_Post(t *testing.T) {
	var mu sync.Mutex
	var got []sanlian.AuditAnchor
	fail := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var a sanlian.AuditAnchor
		json.NewDecoder(r.Body).Decode(&a)
		got = append(got, a)
	}))
	defer srv.Close()
	dir := t.TempDir()
	s := &anchorSink{Dir: dir, URL: srv.URL, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a1 := sanlian.AuditAnchor{Seq: 1, Hash: strings.Repeat("a", 64), At: time.Now().UTC(), DB: "x"}
	if err := s.Write(context.Background(), a1); err != nil {
		t.Fatal(err)
	}
	s.Wait()
	if !s.Failed() {
		t.Fatal("a refused POST is not reported")
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	a2 := a1
	a2.Seq = 2
	if err := s.Write(context.Background(), a2); err != nil {
		t.Fatal(err)
	}
	s.Wait()
	if s.Failed() || len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 {
		t.Fatalf("posted %+v, failed %v", got, s.Failed())
	}
	b, _ := os.ReadFile(filepath.Join(dir, anchorFile))
	as, err := sanlian.ParseAnchors(bytes.NewReader(b), anchorFile)
	if err != nil || len(as) != 2 {
		t.Fatalf("file: %v %+v", err, as)
	}
	// The command fails when it could not post, after writing the file.
	dsn, _ := auditDB(t, "sqlite")
	mu.Lock()
	fail = true
	mu.Unlock()
	if out, err := runOut("audit", "anchor", "--db", dsn, "--dir", dir, "--url", srv.URL); err == nil || !strings.Contains(err.Error(), "未能发送") {
		t.Fatalf("refused POST: %v\n%s", err, out)
	}
}

// TestMain_AuditChain starts a server on SQLite: it seals what is written
// and writes the day's anchor beside the database file.
func TestMain_AuditChain(t *testing.T) {
	dsn, _ := auditDB(t, "sqlite")
	m := &Main{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard, Config: Config{Addr: "127.0.0.1:0", DSN: dsn}}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	path := filepath.Join(filepath.Dir(dsn), "audit-anchors", anchorFile)
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(`"seq":2`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no anchor in %s: %v %s", path, err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	jobs := map[string]bool{}
	for _, j := range m.DB.Jobs() {
		jobs[j.Name] = true
	}
	if !jobs[sqldb.AuditSealJob] || !jobs[sqldb.AuditAnchorJob] {
		t.Fatalf("jobs %v", jobs)
	}
}

func TestRun_AuditHelp(t *testing.T) {
	for _, cmd := range [][]string{{"audit", "verify", "-h"}, {"audit", "anchor", "-h"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), cmd, strings.NewReader(""), &out, &errOut)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "-db") {
			t.Errorf("%v: err %v, usage %q", cmd, err, errOut.String())
		}
	}
}
