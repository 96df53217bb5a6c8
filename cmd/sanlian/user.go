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
	"sanlian/demo"
	"sanlian/sqldb"
)

// runUserAdd is `sanlian user add`: it creates any account directly,
// without the second administrator's approval the web asks for, since
// whoever runs it holds the server and its database already; the audit
// log records it as 命令行. It is how the first administrators are made.
func runUserAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user add", "create an account; the password is asked on the terminal or read from stdin", stderr)
	dsn, keyFile := dbFlag(fs), keyFlag(fs)
	username := fs.String("username", "", "login name (required)")
	role := fs.String("role", "", "office, leader, unit_admin, cadre, sysadmin, secadmin or auditor (required)")
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
	if err := db.Accounts.CreateUser(sanlian.NewSystemContext(ctx), u, pw); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "已创建账号 %s（%s），编号 %d\n", u.Username, u.Role.Label(), u.ID)
	return nil
}

// runUserPasswd is `sanlian user passwd`: it sets any account's password
// and ends its sessions. The web does not reset an administrator's
// password (sanlian.MayResetPassword); this is how it is done.
func runUserPasswd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user passwd", "set an account's password and end its sessions; the password is asked on the terminal or read from stdin", stderr)
	dsn, keyFile := dbFlag(fs), keyFlag(fs)
	username := fs.String("username", "", "login name (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, dbOpen{DSN: *dsn, KeyFile: *keyFile, Out: stderr})
	if err != nil {
		return err
	}
	defer db.Close()
	sys := sanlian.NewSystemContext(ctx)
	u, err := userNamed(sys, db, *username)
	if err != nil {
		return err
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := db.Accounts.SetPassword(sys, u.ID, pw); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "已设置账号 %s 的密码，其会话已全部结束\n", u.Username)
	return nil
}

// userNamed returns the account called username, or an error saying
// there is none.
func userNamed(ctx context.Context, db *sqldb.DB, username string) (*sanlian.User, error) {
	users, err := db.Accounts.FindUsers(ctx)
	if err != nil {
		return nil, describe(err)
	}
	for _, u := range users {
		if u.Username == username {
			return u, nil
		}
	}
	return nil, fmt.Errorf("没有账号 %s：该用户名不存在", username)
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

// demoGrant leaves one grant request waiting in the demo, so that the
// security administrator's workbench has something to decide: the system
// administrator creates an account for a cadre who has none.
func demoGrant(ctx context.Context, db *sqldb.DB, c *sanlian.County, out io.Writer) error {
	users, err := db.Accounts.FindUsers(sanlian.NewSystemContext(ctx))
	if err != nil {
		return err
	}
	var sys *sanlian.User
	has := map[int64]bool{}
	for _, u := range users {
		if u.Username == "sysadmin" {
			sys = u
		}
		has[u.CadreID] = true
	}
	if sys == nil {
		return nil
	}
	for _, cd := range c.Cadres {
		if has[cd.ID] || cd.IsLeader {
			continue
		}
		u := &sanlian.User{Username: "newcadre", DisplayName: cd.Name, Role: sanlian.RoleCadre, UnitID: cd.UnitID, CadreID: cd.ID}
		if err := db.Accounts.CreateUser(sanlian.NewContextWithUser(ctx, sys), u, demo.Password); err != nil {
			return fmt.Errorf("demo grant: %w", err)
		}
		fmt.Fprintf(out, "已提出演示授权申请：系统管理员为干部%s新建账号 newcadre，待安全管理员审批\n", cd.Name)
		return nil
	}
	return nil
}
