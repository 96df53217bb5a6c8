// Command sanlian is the 三联三清 working platform: one binary that serves
// the web UI and API, migrates its database, loads a demo county and
// manages accounts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai even on machines without zoneinfo
)

const usage = `sanlian — 三联三清工作平台 (the 三联三清 working platform)

Usage:
  sanlian serve   [--addr :8080] [--db FILE|postgres://…] [--blobs DIR|s3://…] [--demo] [--households N] [--problems N] [--visits N]
  sanlian migrate [--db …] [--blobs …]
  sanlian demo    [--db …] [--blobs …] [--households N] [--problems N] [--visits N] [--seed S]
  sanlian demo    --counties N --db postgres://… --blobs …   (益阳市's counties, one schema each)
  sanlian county  add --code C --name N [--host H,…] | list | user --code C --role R --username U | city-user --role city_office --username U  --db postgres://… --blobs …
  sanlian serve   --base-host HOST --db postgres://… [--city-name 益阳市]   (every county: <code>.HOST, city.HOST)
  sanlian user add --username U --role R [--unit ID] [--cadre ID] [--name 姓名] [--db …]
  sanlian user passwd --username U [--db …]
  sanlian import  KIND FILE.xlsx [--db …] [--as USERNAME]
  sanlian audit verify [--db …] [--anchors DIR] [--seal]
  sanlian audit anchor [--db …] --dir DIR [--url URL]
  sanlian keys    init|rotate|status [--db …] [--key-file FILE] [--new-key-file NEW]
  sanlian backup  --out FILE [--db …] [--blobs LOCATION]
  sanlian restore FILE [--db …] [--blobs LOCATION] [--force]
  sanlian check   [--db …] [--blobs LOCATION] [--backup FILE | --manifest FILE] [--anchors DIR]
  sanlian rollups rebuild [--db …]

The database is an SQLite file (default ./sanlian.db) or a postgres:// URL,
given by --db or the SANLIAN_DB environment variable. ID numbers and phones
are encrypted with the key given by --key-file or SANLIAN_KEY (see docs/security.md).
Files are kept in the store --blobs or SANLIAN_BLOBS names (default files/ beside
an SQLite file; see docs/operations.md, 文件存储).
Run "sanlian COMMAND -h" for the options of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "sanlian:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "county":
		return runCounty(ctx, args[1:], stdin, stdout, stderr)
	case "user":
		if len(args) >= 2 && args[1] == "passwd" {
			return runUserPasswd(ctx, args[2:], stdin, stdout, stderr)
		}
		if len(args) < 2 || args[1] != "add" {
			fmt.Fprint(stderr, usage)
			return errors.New(`unknown user command: want "user add" or "user passwd"`)
		}
		return runUserAdd(ctx, args[2:], stdin, stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], stdout, stderr)
	case "restore":
		return runRestore(ctx, args[1:], stdout, stderr)
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "rollups":
		return runRollups(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// dbFlag adds the common --db flag, defaulting to $SANLIAN_DB or ./sanlian.db.
func dbFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("SANLIAN_DB")
	if def == "" {
		def = "sanlian.db"
	}
	return fs.String("db", def, "SQLite file or postgres:// URL (env SANLIAN_DB)")
}

func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage of sanlian %s: %s\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterleaved parses args whose flags may come before, between or
// after the positional arguments, and returns those in order.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}
