package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"sanlian"
	"sanlian/blobs"
	"sanlian/demo"
	"sanlian/seal"
	"sanlian/sqldb"
	"sanlian/web"
)

// A multi-county deployment (docs/multi-county.md): `sanlian demo
// --counties N` loads 益阳市's counties, each into its own schema, and
// `sanlian serve --base-host H` serves them all, <code>.H for a county and
// city.H for the city office.

// demoCity is the demo city and its counties, in the order --counties
// takes them.
var demoCity = struct {
	Name     string
	Counties []struct{ Code, Name string }
}{"益阳市", []struct{ Code, Name string }{
	{"430903", "赫山区"}, {"430902", "资阳区"}, {"430921", "南县"}, {"430922", "桃江县"}, {"430923", "安化县"}, {"430981", "沅江市"},
}}

// demoCityUser is the city office's demo account (password demo.Password).
const demoCityUser = "city"

// errCountiesNeedPostgres is said when a multi-county command is given an
// SQLite database.
var errCountiesNeedPostgres = errors.New("多县部署需要 PostgreSQL：请用 --db postgres://… 指定数据库（SQLite 只服务单个县）")

// countyBlobs is the file store of one county under the deployment's
// location: a directory of its own, or its own prefix in a bucket.
func countyBlobs(loc, code string) (string, error) {
	sub := sqldb.SchemaOf(code)
	if strings.HasPrefix(loc, "s3://") {
		u, err := url.Parse(loc)
		if err != nil {
			return "", fmt.Errorf("文件存储地址 %s 无效: %w", loc, err)
		}
		q := u.Query()
		q.Set("prefix", strings.Trim(q.Get("prefix"), "/")+"/"+sub)
		if strings.HasPrefix(q.Get("prefix"), "/") {
			q.Set("prefix", sub)
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if rest, ok := strings.CutPrefix(loc, "file://"); ok {
		return "file://" + filepath.Join(rest, sub), nil
	}
	return filepath.Join(loc, sub), nil
}

// openDeployment opens the deployment in dsn, each county keyed with the
// deployment's key and given its own file store. demoKey generates the
// demo's key file when none is given.
func openDeployment(ctx context.Context, dsn, keyFile, blobsLoc string, demoKey bool, out io.Writer) (*sqldb.Deployment, bool, error) {
	if !sqldb.IsPostgres(dsn) {
		return nil, false, errCountiesNeedPostgres
	}
	loc, err := blobsLocation(blobsLoc, dsn)
	if err != nil {
		return nil, false, err
	}
	k, from, err := loadKey(dbOpen{DSN: dsn, KeyFile: keyFile, Demo: true})
	if err != nil {
		return nil, false, err
	}
	if k == nil && demoKey {
		p := demoKeyPath(dsn)
		if k, err = seal.WriteKeyFile(p); err != nil {
			return nil, false, err
		}
		abs, _ := filepath.Abs(p)
		fmt.Fprintf(out, "已为演示部署生成密钥文件 %s（权限 0600）；之后的命令会自动使用它，或用 --key-file 指定\n", abs)
	} else if k != nil && from != keyFile && from != "SANLIAN_KEY" {
		fmt.Fprintf(out, "使用密钥文件 %s\n", from)
	}
	d, err := sqldb.OpenDeployment(ctx, dsn, sqldb.DeploymentOptions{Setup: func(ctx context.Context, code string, db *sqldb.DB) error {
		l, err := countyBlobs(loc, code)
		if err != nil {
			return err
		}
		if db.Blobs, err = blobs.Open(l); err != nil {
			return fmt.Errorf("文件存储 %s 无法打开: %w", l, err)
		}
		return db.UseKey(ctx, k, out)
	}})
	return d, k != nil, err
}

// runDemoCounties is `sanlian demo --counties N`: the first N counties of
// the demo city, each generated with its own code, name and seed, and the
// city office's account.
func runDemoCounties(ctx context.Context, fs *flag.FlagSet, n int, dsn, keyFile, blobsLoc string, households, problems, visits, activities int, seed uint64, out io.Writer) error {
	if !sqldb.IsPostgres(dsn) {
		return errCountiesNeedPostgres
	}
	if n < 1 || n > len(demoCity.Counties) {
		return fmt.Errorf("--counties 应在 1 到 %d 之间（演示的%s共 %d 个县市区）", len(demoCity.Counties), demoCity.Name, len(demoCity.Counties))
	}
	// Small counties unless told otherwise: N of them load in minutes.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	pick := func(name string, v, def int) int {
		if set[name] {
			return v
		}
		return def
	}
	households, problems = pick("households", households, 3000), pick("problems", problems, 300)
	visits, activities = pick("visits", visits, 300), pick("activities", activities, 20)
	d, _, err := openDeployment(ctx, dsn, keyFile, blobsLoc, true, out)
	if err != nil {
		return err
	}
	defer d.Close()
	for i, c := range demoCity.Counties[:n] {
		fmt.Fprintf(out, "== %s（%s）==\n", c.Name, c.Code)
		if _, err := d.CreateCounty(ctx, c.Code, c.Name); sanlian.ErrorCode(err) == sanlian.ECONFLICT {
			fmt.Fprintf(out, "%s 已在部署中。\n", c.Name)
		} else if err != nil {
			return err
		}
		db, err := d.County(ctx, c.Code)
		if err != nil {
			return err
		}
		opt := demo.Options{Households: households, Seed: seed + uint64(i)*7919, Code: c.Code, Name: c.Name}
		if err := loadDemo(ctx, db, opt, problems, visits, activities, out); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	err = d.CreateCityUser(ctx, demoCityUser, demoCity.Name+"三联三清办公室", sanlian.RoleCityOffice, demo.Password)
	if err != nil && sanlian.ErrorCode(err) != sanlian.ECONFLICT {
		return err
	}
	fmt.Fprintf(out, "市级账号：%s（密码 %s，%s）\n", demoCityUser, demo.Password, sanlian.RoleCityOffice.Label())
	fmt.Fprintf(out, "启动：sanlian serve --db %s --blobs %s --base-host localhost --city-name %s\n", redactDSN(dsn), blobsLoc, demoCity.Name)
	return nil
}

// redactDSN drops the password from a URL that is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// counties is a running multi-county deployment: a Main per county
// (their jobs, audit chains and servers) behind one listener.
type counties struct {
	m    *Main
	d    *sqldb.Deployment
	mu   sync.Mutex
	main map[string]*Main
	srv  map[string]http.Handler
}

// serveCounties runs serve for every county of the deployment in m's
// database, under base. It returns once the listener is open; stop it
// with close.
func serveCounties(ctx context.Context, m *Main, base, cityName string) (*counties, error) {
	if !sqldb.IsPostgres(m.Config.DSN) {
		return nil, errCountiesNeedPostgres
	}
	if m.Config.Demo {
		return nil, errors.New("多县部署不带 --demo：请先用 sanlian demo --counties 6 --db … 载入演示县")
	}
	d, keyed, err := openDeployment(ctx, m.Config.DSN, m.Config.KeyFile, m.Config.Blobs, false, m.Out)
	if err != nil {
		return nil, err
	}
	if !keyed {
		m.Log.Warn(plainWarning)
	}
	cs := &counties{m: m, d: d, main: map[string]*Main{}, srv: map[string]http.Handler{}}
	list, err := d.Counties(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if len(list) == 0 {
		d.Close()
		return nil, errors.New("部署中还没有县：请先运行 sanlian demo --counties 6 --db …")
	}
	// Every county starts now, so that its scheduled jobs run whether or
	// not anyone visits it.
	for _, c := range list {
		if _, err := cs.county(ctx, c.Code); err != nil {
			cs.close()
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	city := web.NewCity(web.CityConfig{Name: cityName, Accounts: d, SecureCookies: m.Config.SecureCookies, TrustedProxies: m.Config.TrustedProxies, Log: m.Log.With("city", cityName),
		Counties: func(ctx context.Context) ([]web.CityCounty, error) {
			list, err := d.Counties(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]web.CityCounty, 0, len(list))
			for _, c := range list {
				db, err := d.County(ctx, c.Code)
				if err != nil {
					return nil, err
				}
				out = append(out, web.CityCounty{Code: c.Code, Name: c.Name, Cockpit: db.Reports, Metrics: db.Reports, Bulletins: db.Reports})
			}
			return out, nil
		}})
	dep := web.NewDeployment(web.DeploymentConfig{BaseHost: base, Counties: d.Counties, County: cs.county, City: city,
		Secure: m.Config.SecureCookies, Log: m.Log})
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		cs.close()
		return nil, fmt.Errorf("listen %s: %w", m.Config.Addr, err)
	}
	m.listen(ln, dep)
	_, port, _ := net.SplitHostPort(displayAddr(m.Addr()))
	for _, c := range list {
		fmt.Fprintf(m.Out, "  %s：http://%s.%s:%s/\n", c.Name, c.Code, base, port)
	}
	fmt.Fprintf(m.Out, "  市级工作台：http://city.%s:%s/\n", base, port)
	return cs, nil
}

// county is the server of the county with code, started on first use.
func (cs *counties) county(ctx context.Context, code string) (http.Handler, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if h, ok := cs.srv[code]; ok {
		return h, nil
	}
	db, err := cs.d.County(ctx, code)
	if err != nil {
		return nil, err
	}
	cm := &Main{Config: cs.m.Config, Log: cs.m.Log.With("county", code), Out: cs.m.Out}
	srv, err := cm.start(context.WithoutCancel(ctx), db)
	if err != nil {
		cm.stop()
		return nil, err
	}
	cs.main[code], cs.srv[code] = cm, srv
	return srv, nil
}

// stop ends a county's jobs and waits for its audit anchors; its DB is
// the deployment's to close.
func (m *Main) stop() {
	if m.stopJobs != nil {
		m.stopJobs()
		<-m.jobsDone
	}
	if m.anchors != nil {
		m.anchors.Wait()
	}
}

// close stops the listener, every county and the deployment.
func (cs *counties) close() error {
	if cs.m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		cs.m.server.Shutdown(ctx)
	}
	cs.mu.Lock()
	for _, cm := range cs.main {
		cm.stop()
	}
	cs.mu.Unlock()
	return cs.d.Close()
}
