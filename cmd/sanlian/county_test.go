package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
)

// TestCounty_Commands adds a county to a deployment, lists it, gives it an
// office account and the city an account, and refuses what is wrong: a
// county code taken or malformed, an account in a county not deployed, a
// county role for the city.
func TestCounty_Commands(t *testing.T) {
	t.Parallel()
	dsn, key, files := newDeployment(t)
	ctx := context.Background()
	county := func(stdin string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		args = append(append([]string{"county"}, args...), "--db", dsn, "--key-file", key, "--blobs", files)
		err := run(ctx, args, strings.NewReader(stdin), &out, &errOut)
		return out.String(), err
	}
	if out, err := county("", "add", "--code", "430903", "--name", "赫山区", "--host", "hs.example.cn"); err != nil || !strings.Contains(out, "已加入赫山区（430903）") {
		t.Fatalf("add: %q %v", out, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "--code", "430903", "--name", "赫山区"}, "430903"},
		{[]string{"add", "--code", "43090", "--name", "某县"}, "代码"},
		{[]string{"user", "--code", "430999", "--role", "office", "--username", "hsoffice"}, "本部署中没有代码为 430999 的县"},
		{[]string{"city-user", "--role", "office", "--username", "cityx"}, "市级账号的角色只能是"},
		{[]string{"remove"}, "unknown county command"},
	} {
		_, err := county("password-123\n", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error naming %q", c.args, err, c.want)
		}
	}
	if out, err := county("", "list"); err != nil || !strings.Contains(out, "430903  赫山区  county_430903  hs.example.cn") || !strings.Contains(out, "共 1 个") {
		t.Fatalf("list: %q %v", out, err)
	}
	if out, err := county("password-123\n", "user", "--code", "430903", "--role", "office", "--username", "hsoffice", "--name", "赫山区办公室"); err != nil || !strings.Contains(out, "已在 430903 创建账号 hsoffice") {
		t.Fatalf("user: %q %v", out, err)
	}
	if out, err := county("password-123\n", "city-user", "--role", "city_office", "--username", "yiyang"); err != nil || !strings.Contains(out, "已创建市级账号 yiyang") {
		t.Fatalf("city-user: %q %v", out, err)
	}

	// The accounts log in where they belong, and only there.
	d, err := sqldb.OpenDeployment(ctx, dsn, sqldb.DeploymentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	db, err := d.County(ctx, "430903")
	if err != nil {
		t.Fatal(err)
	}
	if _, u, err := db.Accounts.Login(sanlian.NewSystemContext(ctx), "hsoffice", "password-123", "web"); err != nil || u.Role != sanlian.RoleOffice {
		t.Errorf("the county's office account: %v %v", u, err)
	}
	if _, _, err := db.Accounts.Login(sanlian.NewSystemContext(ctx), "yiyang", "password-123", "web"); err == nil {
		t.Error("the city account logged in at a county")
	}
	if _, u, err := d.CityLogin(ctx, "yiyang", "password-123"); err != nil || u.Role != sanlian.RoleCityOffice {
		t.Errorf("the city account: %v %v", u, err)
	}
}
