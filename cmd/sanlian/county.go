package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"sanlian"
)

// runCounty is `sanlian county add|list|user|city-user`: the counties of a
// multi-county deployment and their first accounts.
func runCounty(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(`want "county add", "county list", "county user" or "county city-user"`)
	}
	fs := newFlagSet("county "+args[0], "the counties of a multi-county deployment (PostgreSQL)", stderr)
	dsn, keyFile, blobsLoc := dbFlag(fs), keyFlag(fs), blobsFlag(fs)
	code := fs.String("code", "", "the county's six-digit statistical code (add, user)")
	name := fs.String("name", "", "the county's name (add), or the account's display name (user, city-user)")
	hosts := fs.String("host", "", "comma-separated host names the county answers to besides <code>.<base-host> (add)")
	username := fs.String("username", "", "login name (user, city-user)")
	role := fs.String("role", "", "the account's role: a county's (user: office, …) or city_office/province_office (city-user)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "add", "list", "user", "city-user":
	default:
		return fmt.Errorf("unknown county command %q: want add, list, user or city-user", args[0])
	}
	var pw string
	if args[0] == "user" || args[0] == "city-user" {
		if *username == "" || *role == "" {
			return errors.New("请用 --username 和 --role 指定账号")
		}
		var err error
		if pw, err = readPassword(stdin, stderr); err != nil {
			return err
		}
	}
	d, _, err := openDeployment(ctx, *dsn, *keyFile, *blobsLoc, false, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	switch args[0] {
	case "add":
		var hs []string
		for _, h := range strings.Split(*hosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hs = append(hs, h)
			}
		}
		c, err := d.CreateCounty(ctx, *code, *name, hs...)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "已加入%s（%s），数据在模式 %s。用 sanlian county user --code %s --role office --username … 创建它的县办公室账号\n",
			c.Name, c.Code, c.Schema, c.Code)
	case "list":
		cs, err := d.Counties(ctx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			fmt.Fprintf(stdout, "%s  %s  %s  %s\n", c.Code, c.Name, c.Schema, strings.Join(c.Hosts, ","))
		}
		fmt.Fprintf(stdout, "共 %d 个县（市、区）\n", len(cs))
	case "user":
		db, err := d.County(ctx, *code)
		if err != nil {
			return describe(err)
		}
		u := &sanlian.User{Username: *username, DisplayName: *name, Role: sanlian.Role(*role)}
		if err := u.Validate(); err != nil {
			return describe(err)
		}
		if err := db.Accounts.CreateUser(sanlian.NewSystemContext(ctx), u, pw); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "已在 %s 创建账号 %s（%s），编号 %d\n", *code, u.Username, u.Role.Label(), u.ID)
	case "city-user":
		if err := d.CreateCityUser(ctx, *username, *name, sanlian.Role(*role), pw); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "已创建市级账号 %s（%s）\n", *username, sanlian.Role(*role).Label())
	}
	return nil
}
