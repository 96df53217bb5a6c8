package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"sanlian"
)

func runUserAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user add", "create an account; the password is asked on the terminal or read from stdin", stderr)
	dsn, keyFile := dbFlag(fs), keyFlag(fs)
	username := fs.String("username", "", "login name (required)")
	role := fs.String("role", "", "office, leader, unit_admin, cadre, sysadmin or auditor (required)")
	unit := fs.Int64("unit", 0, "unit id (unit_admin)")
	cadre := fs.Int64("cadre", 0, "cadre id (cadre, leader)")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u := &sanlian.User{Username: *username, DisplayName: *name, Role: sanlian.Role(*role), UnitID: *unit, CadreID: *cadre}
	if err := u.Validate(); err != nil {
		return describe(err)
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dbOpen{DSN: *dsn, KeyFile: *keyFile, Out: stderr})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateUser(sanlian.NewSystemContext(ctx), u, pw); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "已创建账号 %s（%s），编号 %d\n", u.Username, u.Role.Label(), u.ID)
	return nil
}

// readPassword asks twice on a terminal, or reads one line from a pipe.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "密码: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "再输入一次: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("两次输入的密码不一致")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// describe turns a domain error into a line for the terminal.
func describe(err error) error {
	msg := sanlian.ErrorMessage(err)
	for f, m := range sanlian.ErrorFields(err) {
		msg += fmt.Sprintf("；%s：%s", f, m)
	}
	if sanlian.ErrorCode(err) == sanlian.EINTERNAL {
		return err
	}
	return errors.New(msg)
}
