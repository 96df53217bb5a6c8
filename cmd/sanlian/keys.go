package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sanlian/blobs"
	"sanlian/seal"
	"sanlian/sqldb"
)

// keyFlag adds the common --key-file flag.
func keyFlag(fs *flag.FlagSet) *string {
	return fs.String("key-file", "", "key of the personal data at rest: a file holding 32 bytes in base64 (env SANLIAN_KEY holds the base64 itself; "+
		"for an SQLite file, FILE.key beside it is used when neither is given)")
}

// dbOpen is how a command opens its database.
type dbOpen struct {
	DSN      string
	SyncFull bool
	KeyFile  string    // --key-file; "" for SANLIAN_KEY or the SQLite file's FILE.key
	Demo     bool      // generate the key beside an SQLite file (or ./sanlian-demo.key for PostgreSQL) when none is given
	Out      io.Writer // where key files made and encryption progress are told; nil: nowhere
	// Files, when set, opens the file store at Blobs (blobsLocation) and
	// gives it to the database.
	Files bool
	Blobs string
}

// sideKeyPath is the key file beside an SQLite database: FILE.key.
func sideKeyPath(dsn string) string {
	if sqldb.IsPostgres(dsn) {
		return ""
	}
	return strings.TrimPrefix(dsn, "file:") + ".key"
}

// demoKeyPath is where a demo generates its key when none is given.
func demoKeyPath(dsn string) string {
	if sqldb.IsPostgres(dsn) {
		return "sanlian-demo.key"
	}
	return sideKeyPath(dsn)
}

// loadKey finds the key of o: --key-file, else SANLIAN_KEY, else the file
// beside an SQLite database if there is one. It returns a nil key (and no
// error) when there is none, and says where the key came from.
func loadKey(o dbOpen) (*seal.Key, string, error) {
	if o.KeyFile != "" {
		k, err := seal.LoadKeyFile(o.KeyFile)
		return k, o.KeyFile, err
	}
	if env := os.Getenv("SANLIAN_KEY"); env != "" {
		k, err := seal.ParseKey([]byte(env))
		if err != nil {
			return nil, "", fmt.Errorf("SANLIAN_KEY：%w", err)
		}
		return k, "SANLIAN_KEY", nil
	}
	paths := []string{sideKeyPath(o.DSN)}
	if o.Demo {
		paths = append(paths, demoKeyPath(o.DSN))
	}
	for _, p := range paths {
		if _, err := os.Stat(p); p != "" && err == nil {
			k, err := seal.LoadKeyFile(p)
			return k, p, err
		}
	}
	return nil, "", nil
}

// openDB opens and migrates o's database and unlocks it with its key,
// encrypting what is there when the database is given its first key. A
// demo without a key gets a generated one.
func openDB(ctx context.Context, o dbOpen) (*sqldb.DB, error) {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	k, from, err := loadKey(o)
	if err != nil {
		return nil, err
	}
	var store blobs.Store
	if o.Files {
		if store, err = openBlobs(o.Blobs, o.DSN); err != nil {
			return nil, err
		}
	}
	db, err := sqldb.Open(ctx, o.DSN, sqldb.Options{SyncFull: o.SyncFull})
	if err != nil {
		return nil, err
	}
	db.Blobs = store
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	st, err := db.CryptStatus(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if k == nil && o.Demo && !st.Encrypted() {
		p := demoKeyPath(o.DSN)
		if k, err = seal.WriteKeyFile(p); err != nil {
			db.Close()
			return nil, err
		}
		abs, _ := filepath.Abs(p)
		fmt.Fprintf(out, "已为演示数据库生成密钥文件 %s（权限 0600）；之后的命令会自动使用它，或用 --key-file 指定\n", abs)
	} else if k != nil && from != o.KeyFile && from != "SANLIAN_KEY" {
		fmt.Fprintf(out, "使用数据库旁的密钥文件 %s\n", from)
	}
	if err := db.UseKey(ctx, k, out); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// plainWarning is said when a database runs without a key.
const plainWarning = "警告：个人信息（身份证号、电话）未加密存储。请用 sanlian keys init 生成密钥并加密，之后每条命令用 --key-file 或 SANLIAN_KEY 提供密钥"

const keysUsage = `Usage:
  sanlian keys init   [--db …] [--key-file FILE]
      encrypt a database not yet encrypted; FILE is read if it is there and
      written (mode 0600) if not; default: FILE.key beside an SQLite file
  sanlian keys rotate [--db …] --key-file OLD --new-key-file NEW
      re-encrypt everything under NEW (written if it is not there); resumable:
      run it again with the same keys after an interruption. Stop the servers first.
  sanlian keys status [--db …] [--key-file FILE]
`

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errors.New(`want "keys init", "keys rotate" or "keys status"`)
	}
	switch args[0] {
	case "init":
		return runKeysInit(ctx, args[1:], stdout, stderr)
	case "rotate":
		return runKeysRotate(ctx, args[1:], stdout, stderr)
	case "status":
		return runKeysStatus(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	}
	fmt.Fprint(stderr, keysUsage)
	return fmt.Errorf("unknown keys command %q", args[0])
}

// readOrWriteKey reads the key file at p, or writes a fresh one there
// when there is none.
func readOrWriteKey(p string, out io.Writer) (*seal.Key, error) {
	if _, err := os.Stat(p); err == nil {
		return seal.LoadKeyFile(p)
	}
	k, err := seal.WriteKeyFile(p)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "已生成密钥文件 %s（权限 0600，密钥编号 %s）。请把它备份到数据库以外的地方：丢了它，加密的身份证号和电话就再也读不出来\n", p, k.ID)
	return k, nil
}

func runKeysInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys init", "encrypt the personal data of a database not yet encrypted", stderr)
	dsn, keyFile := dbFlag(fs), keyFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	p := *keyFile
	if p == "" && os.Getenv("SANLIAN_KEY") == "" {
		if p = sideKeyPath(*dsn); p == "" {
			return errors.New("PostgreSQL 数据库请用 --key-file 指定密钥文件（没有则生成在那里）")
		}
	}
	if st, err := cryptStatus(ctx, *dsn); err != nil {
		return err
	} else if st.Encrypted() {
		return fmt.Errorf("数据库已加密（密钥编号 %s），不需要 keys init；换密钥请用 sanlian keys rotate", st.KeyID)
	}
	if p != "" {
		if _, err := readOrWriteKey(p, stdout); err != nil {
			return err
		}
	}
	start := time.Now()
	db, err := openDB(ctx, dbOpen{DSN: *dsn, KeyFile: p, Out: stdout})
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "数据库已加密，密钥编号 %s（%.1fs）\n", db.Key().ID, time.Since(start).Seconds())
	return nil
}

func runKeysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys rotate", "re-encrypt the personal data under a new key", stderr)
	dsn, keyFile := dbFlag(fs), keyFlag(fs)
	newFile := fs.String("new-key-file", "", "the new key (written, mode 0600, if the file is not there)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyFile == "" || *newFile == "" {
		fs.Usage()
		return errors.New("用法：sanlian keys rotate --key-file 旧密钥文件 --new-key-file 新密钥文件")
	}
	old, err := seal.LoadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	next, err := readOrWriteKey(*newFile, stdout)
	if err != nil {
		return err
	}
	db, err := sqldb.Open(ctx, *dsn, sqldb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := db.Rotate(ctx, old, next, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "轮换完成（%.1fs）：旧密钥 %s 已停用，今后请用 %s（密钥编号 %s）\n", time.Since(start).Seconds(), old.ID, *newFile, next.ID)
	return nil
}

func runKeysStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys status", "tell whether the personal data is encrypted, and under which key", stderr)
	dsn, keyFile := dbFlag(fs), keyFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := cryptStatus(ctx, *dsn)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, st)
	k, _, err := loadKey(dbOpen{DSN: *dsn, KeyFile: *keyFile})
	switch {
	case err != nil:
		return err
	case k != nil && st.Encrypted():
		db, err := openDB(ctx, dbOpen{DSN: *dsn, KeyFile: *keyFile, Out: stdout})
		if err != nil {
			return err
		}
		db.Close()
		fmt.Fprintf(stdout, "密钥 %s 可以打开此数据库\n", k.ID)
	}
	return nil
}

// cryptStatus migrates the database at dsn and reads its encryption
// state, with no key.
func cryptStatus(ctx context.Context, dsn string) (sqldb.CryptStatus, error) {
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		return sqldb.CryptStatus{}, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return sqldb.CryptStatus{}, err
	}
	return db.CryptStatus(ctx)
}
