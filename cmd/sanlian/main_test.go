package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"sanlian"
	"sanlian/demo"
)

func TestRun_Help(t *testing.T) {
	for _, cmd := range [][]string{{"serve", "-h"}, {"migrate", "-h"}, {"demo", "-h"}, {"user", "add", "-h"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), cmd, strings.NewReader(""), &out, &errOut)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "-db") {
			t.Errorf("%v: err %v, usage %q", cmd, err, errOut.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"nonsense"}, nil, &out, &out); err == nil {
		t.Error("unknown command accepted")
	}
}

// TestRun_DemoAndUserAdd fills a database, refuses to fill it twice, and
// adds an account with the password on stdin.
func TestRun_DemoAndUserAdd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "cli.db")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "--db", dsn}, nil, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if err := run(ctx, []string{"demo", "--db", dsn, "--households", "800", "--seed", "7", "--problems", "60", "--visits", "300"}, nil, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if !strings.Contains(out.String(), "800 户") || !strings.Contains(out.String(), "问题台账 60 件") || !strings.Contains(out.String(), "带题走访 300 次") || !strings.Contains(out.String(), "office") {
		t.Errorf("demo output: %s", out.String())
	}
	if err := run(ctx, []string{"demo", "--db", dsn}, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "不是空") && !strings.Contains(err.Error(), "已有数据") {
		t.Errorf("second demo: %v", err)
	}
	err := run(ctx, []string{"user", "add", "--db", dsn, "--username", "zhang.san", "--role", "unit_admin", "--unit", "1", "--name", "张三"},
		strings.NewReader("A-long-passw0rd\n"), &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"user", "add", "--db", dsn, "--username", "zhang.san", "--role", "unit_admin", "--unit", "1"},
		strings.NewReader("A-long-passw0rd\n"), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "已被使用") {
		t.Errorf("duplicate user: %v", err)
	}
	// The command line makes administrators directly, audited as 命令行;
	// the demo left one request for the security administrator.
	if err := run(ctx, []string{"user", "add", "--db", dsn, "--username", "sec2", "--role", "secadmin"},
		strings.NewReader("A-long-passw0rd\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "passwd", "--db", dsn, "--username", "sec2"}, strings.NewReader("Another-long-passw0rd\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "passwd", "--db", dsn, "--username", "nobody"}, strings.NewReader("Another-long-passw0rd\n"), &out, &errOut); err == nil || !strings.Contains(err.Error(), "不存在") {
		t.Errorf("passwd of an unknown account: %v", err)
	}
	if !strings.Contains(out.String(), "secadmin") || !strings.Contains(out.String(), "newcadre，待安全管理员审批") {
		t.Errorf("demo output without the security administrator or its request: %s", out.String())
	}
	if db, err := openDB(ctx, dbOpen{DSN: dsn}); err != nil {
		t.Fatal(err)
	} else {
		es, _, err := db.FindAudit(sanlian.NewSystemContext(ctx), sanlian.AuditFilter{Entity: "user", Action: "create"})
		db.Close()
		if err != nil || len(es) < 2 || es[0].Actor != "命令行" {
			t.Errorf("user add audit: %v %+v", err, es)
		}
	}
	err = run(ctx, []string{"user", "add", "--db", dsn, "--username", "li", "--role", "cadre"}, strings.NewReader("short\n"), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "用户名") {
		t.Errorf("bad account accepted: %v", err)
	}

	// The new account logs in through a real server on the same file.
	m := &Main{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard, Config: Config{Addr: "127.0.0.1:0", DSN: dsn}}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	res, err := http.Post("http://"+m.Addr()+"/api/v1/login", "application/json", strings.NewReader(`{"username":"zhang.san","password":"A-long-passw0rd"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ User sanlian.User }
	json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 200 || body.User.Role != sanlian.RoleUnitAdmin || body.User.DisplayName != "张三" {
		t.Errorf("login: %d %+v", res.StatusCode, body.User)
	}
}

// TestMain_ServeDemo starts the real application with --demo, logs in with
// a printed demo account and stops it cleanly.
func TestMain_ServeDemo(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	m := &Main{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: &out,
		Config: Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "serve.db"), Demo: true, DemoOptions: demo.Options{Households: 1000}}}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range demo.Accounts() {
		if !strings.Contains(out.String(), a.Username) {
			t.Errorf("account %s not printed: %s", a.Username, out.String())
		}
	}
	res, err := http.Post("http://"+m.Addr()+"/api/v1/login", "application/json", strings.NewReader(`{"username":"office","password":"`+demo.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("demo login: %d", res.StatusCode)
	}
	// Open311 is mounted, under the server's common headers.
	res, err = http.Get("http://" + m.Addr() + "/open311/v2/services.xml")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if h := res.Header; res.StatusCode != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/xml") ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("open311 services: %d %v", res.StatusCode, h)
	}
	// The served node is ready: the database answers, its schema is current.
	res, err = http.Get("http://" + m.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("readyz: %d", res.StatusCode)
	}
	// Commands work while the server runs on the same database file.
	if err := run(ctx, []string{"migrate", "--db", m.Config.DSN}, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate beside serve: %v", err)
	}
	if err := run(ctx, []string{"user", "add", "--db", m.Config.DSN, "--username", "auditor2", "--role", "auditor"},
		strings.NewReader("Another-passw0rd\n"), io.Discard, io.Discard); err != nil {
		t.Fatalf("user add beside serve: %v", err)
	}
	res, err = http.Post("http://"+m.Addr()+"/api/v1/login", "application/json", strings.NewReader(`{"username":"auditor2","password":"Another-passw0rd"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("login of an account added beside serve: %d", res.StatusCode)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + m.Addr() + "/healthz"); err == nil {
		t.Error("server still answers after Close")
	}
}
