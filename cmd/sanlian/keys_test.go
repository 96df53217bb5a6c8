package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sanlian"
	"sanlian/demo"
	"sanlian/seal"
	"sanlian/sqldb"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func logTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// cli runs a command line and returns its output.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader("A-long-passw0rd\n"), &out, &errOut)
	return out.String() + errOut.String(), err
}

// rawPhones returns the households' stored phones of an SQLite file.
func rawPhones(t *testing.T, dsn string) []string {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT phone FROM households WHERE phone <> '' ORDER BY id LIMIT 50`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		rows.Scan(&p)
		out = append(out, p)
	}
	return out
}

// TestKeys_Demo: the demo writes its key beside the file, every command
// finds it there, and the bad keys are refused, each with its own words.
func TestKeys_Demo(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "demo.db")
	out, err := cli(t, "demo", "--db", dsn, "--households", "300", "--problems", "0", "--visits", "0", "--activities", "0")
	if err != nil {
		t.Fatal(err, out)
	}
	fi, err := os.Stat(dsn + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(out, dsn+".key") {
		t.Fatalf("demo key file: %v %v; output %s", fi, err, out)
	}
	k, err := seal.LoadKeyFile(dsn + ".key")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rawPhones(t, dsn) {
		if seal.KeyID(p) != k.ID {
			t.Fatalf("demo phone stored as %q", p)
		}
	}
	if out, err := cli(t, "user", "add", "--db", dsn, "--username", "zhang.san", "--role", "auditor"); err != nil {
		t.Fatalf("user add with the key beside: %v %s", err, out)
	}

	// The key moved away: each bad key has its own error.
	away := filepath.Join(dir, "away.key")
	if err := os.Rename(dsn+".key", away); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte(base64.StdEncoding.EncodeToString(make([]byte, 16))), 0o600)
	other := filepath.Join(dir, "other.key")
	if _, err := seal.WriteKeyFile(other); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"ErrNoKey", nil, "", "数据库已加密，请用 --key-file 或 SANLIAN_KEY 提供密钥"},
		{"ErrMissing", []string{"--key-file", filepath.Join(dir, "none.key")}, "", "找不到密钥文件"},
		{"ErrLength", []string{"--key-file", short}, "", "长度不对：应为 32 字节"},
		{"ErrOtherDatabase", []string{"--key-file", other}, "", "不是此数据库的密钥"},
		{"ErrEnvGarbage", nil, "not-base64!", "SANLIAN_KEY：密钥格式不对"},
		{"OKFile", []string{"--key-file", away}, "", ""},
		{"OKEnv", nil, strings.TrimSpace(mustRead(t, away)), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SANLIAN_KEY", tt.env)
			for _, cmd := range [][]string{{"migrate"}, {"keys", "status"}} {
				if cmd[0] == "keys" && tt.args == nil && tt.env == "" {
					continue // status needs no key
				}
				out, err := cli(t, append(append(cmd, "--db", dsn), tt.args...)...)
				if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
					t.Errorf("%v: %v, want %q; output %s", cmd, err, tt.want, out)
				}
			}
			m := &Main{Log: discardLog(), Out: io.Discard, Config: Config{Addr: "127.0.0.1:0", DSN: dsn, KeyFile: flagValue(tt.args)}}
			err := m.Run(context.Background())
			m.Close()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("serve: %v, want %q", err, tt.want)
			}
		})
	}
}

func flagValue(args []string) string {
	if len(args) == 2 {
		return args[1]
	}
	return ""
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestKeys_InitRotate: a clear database is encrypted by keys init, then
// rotated; the old key is refused afterwards.
func TestKeys_InitRotate(t *testing.T) {
	t.Setenv("SANLIAN_KEY", "")
	dir := t.TempDir()
	dsn := filepath.Join(dir, "plain.db")
	// A database of the release before: households loaded in clear.
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.LoadCounty(sanlian.NewSystemContext(ctx), demo.Generate(demo.Options{Households: 300, Seed: 3})); err != nil {
		t.Fatal(err)
	}
	db.Close()
	clear := rawPhones(t, dsn)
	if len(clear) == 0 || seal.KeyID(clear[0]) != "" {
		t.Fatalf("plain phones %q", clear)
	}
	out, err := cli(t, "keys", "status", "--db", dsn)
	if err != nil || !strings.Contains(out, "数据库未加密") {
		t.Fatalf("status of a plain database: %v %s", err, out)
	}
	var warned bytes.Buffer
	m := &Main{Log: logTo(&warned), Out: io.Discard, Config: Config{Addr: "127.0.0.1:0", DSN: dsn}}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if !strings.Contains(warned.String(), "未加密") {
		t.Errorf("serve on a plain database does not warn: %s", warned.String())
	}

	keyFile := filepath.Join(dir, "k1")
	out, err = cli(t, "keys", "init", "--db", dsn, "--key-file", keyFile)
	if err != nil || !strings.Contains(out, "已生成密钥文件 "+keyFile) || !strings.Contains(out, "数据库已加密") || !strings.Contains(out, "households：300/300 行") {
		t.Fatalf("keys init: %v %s", err, out)
	}
	k1, _ := seal.LoadKeyFile(keyFile)
	for i, p := range rawPhones(t, dsn) {
		if seal.KeyID(p) != k1.ID || strings.Contains(p, clear[i]) {
			t.Fatalf("phone stored as %q after keys init", p)
		}
	}
	if _, err := cli(t, "migrate", "--db", dsn); err == nil || !strings.Contains(err.Error(), "数据库已加密") {
		t.Fatalf("migrate without the key after init: %v", err)
	}
	stray := filepath.Join(dir, "stray")
	if _, err := cli(t, "keys", "init", "--db", dsn, "--key-file", stray); err == nil || !strings.Contains(err.Error(), "不需要 keys init") {
		t.Errorf("keys init twice: %v", err)
	}
	if _, err := os.Stat(stray); err == nil {
		t.Error("keys init on an encrypted database wrote a key file")
	}
	k2 := filepath.Join(dir, "k2")
	if _, err := cli(t, "keys", "rotate", "--db", dsn, "--key-file", keyFile); err == nil || !strings.Contains(err.Error(), "用法") {
		t.Errorf("rotate without a new key: %v", err)
	}
	out, err = cli(t, "keys", "rotate", "--db", dsn, "--key-file", keyFile, "--new-key-file", k2)
	if err != nil || !strings.Contains(out, "轮换完成") {
		t.Fatalf("rotate: %v %s", err, out)
	}
	nk, _ := seal.LoadKeyFile(k2)
	for _, p := range rawPhones(t, dsn) {
		if seal.KeyID(p) != nk.ID {
			t.Fatalf("phone stored as %q after rotation", p)
		}
	}
	if _, err := cli(t, "migrate", "--db", dsn, "--key-file", keyFile); err == nil || !strings.Contains(err.Error(), "已在轮换后停用") {
		t.Errorf("old key after rotation: %v", err)
	}
	out, err = cli(t, "keys", "status", "--db", dsn, "--key-file", k2)
	if err != nil || !strings.Contains(out, "已停用的密钥") || !strings.Contains(out, "可以打开此数据库") {
		t.Errorf("status after rotation: %v %s", err, out)
	}
}
