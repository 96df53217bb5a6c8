package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/notify"
	"sanlian/open311"
	"sanlian/sqldb"
	"sanlian/web"
	"sanlian/xlsx"
)

// Config is everything a running server needs, built from flags and env.
type Config struct {
	Addr           string
	DSN            string
	KeyFile        string // key of the personal data at rest (keys.go); "" for SANLIAN_KEY or FILE.key
	Blobs          string // the file store (blobs.go); "": files/ beside an SQLite file
	Demo           bool
	DemoOptions    demo.Options
	DemoProblems   int // problems in the demo ledger; 0: none
	DemoVisits     int // visits in the demo county; 0: none
	DemoActivities int // volunteer activities in the demo county; 0: none
	SecureCookies  bool
	SyncFull       bool
	MaxUpload      int64 // bytes, one attachment
	MaxImport      int64 // bytes, one workbook to import
	Auth           sanlian.AuthConfig
	TrustedProxies []netip.Prefix // peers whose X-Forwarded-For is believed
	PowBits        int            // proof of work of the people's side; 0: the default
	AuditAnchorDir string         // where the daily audit anchors go; "": beside an SQLite file, "none": nowhere
	AuditAnchorURL string         // also POST each anchor here
	Messages       MessagesConfig // messages to residents (resmsg.go)
	LookupPerDay   int            // tracking-by-phone codes the county sends a day; 0: the default
	CountyBounds   sanlian.Bounds // the box Open311 coordinates must fall in; zero: the demo county's
	MetricsToken   string         // the Bearer token GET /metrics requires; "": none (firewall it)
}

// Main is a running sanlian: tests start it for real with Run and stop it
// with Close.
type Main struct {
	Config Config
	Log    *slog.Logger
	Out    io.Writer

	DB       *sqldb.DB
	listener net.Listener
	server   *http.Server
	stopJobs context.CancelFunc // stops the scheduler loop (runJobs)
	jobsDone chan struct{}
	anchors  *anchorSink // the audit chain's daily anchors
	msg      *messaging  // messages to residents (resmsg.go)
}

// Run opens and migrates the database, loads the demo county when asked,
// and starts serving. It returns once the listener is open.
func (m *Main) Run(ctx context.Context) error {
	db, err := openDB(ctx, dbOpen{DSN: m.Config.DSN, SyncFull: m.Config.SyncFull, KeyFile: m.Config.KeyFile, Demo: m.Config.Demo, Out: m.Out,
		Files: true, Blobs: m.Config.Blobs})
	if err != nil {
		return err
	}
	srv, err := m.start(ctx, db)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.Addr, err)
	}
	m.listen(ln, srv)
	return nil
}

// listen serves h on ln.
func (m *Main) listen(ln net.Listener, h http.Handler) {
	m.listener = ln
	m.server = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("serve", "err", err)
		}
	}()
}

// start makes db a running county: its settings, scheduled jobs, audit
// chain, the demo when asked, and its web server.
func (m *Main) start(ctx context.Context, db *sqldb.DB) (*web.Server, error) {
	var err error
	m.DB = db
	if !db.Encrypted() {
		m.Log.Warn(plainWarning)
	}
	// Files still in the database are served from there; moving them is
	// sanlian migrate's, not a busy server's.
	if n, err := db.FilesToMove(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		m.Log.Warn(fmt.Sprintf("数据库中仍有 %d 个文件未移至文件存储；请运行 sanlian migrate 移动（移动前照常可读）", n))
	}
	m.Log.Info("文件存储", "blobs", db.Blobs.String())
	db.Auth = m.Config.Auth.WithDefaults()
	if m.msg, err = m.Config.Messages.load(); err != nil {
		return nil, err
	}
	if m.Config.Demo && m.Config.Messages.KeyFile == "" {
		m.msg.keys.Secret = demoGatewaySecret
	}
	db.Notices.SetMessageConfig(m.msg.overrides, m.msg.wechat != nil)
	db.LookupPerDay = m.Config.LookupPerDay
	db.CountyBounds = m.Config.CountyBounds
	if err := db.RegisterJob(sqldb.BulletinDraftJob, sanlian.JobHalf, sqldb.DraftBulletinJob); err != nil {
		return nil, err
	}
	if err := db.RegisterJob(sqldb.NoticesDailyJob, sanlian.JobDaily, sqldb.NoticesDaily); err != nil {
		return nil, err
	}
	// The leaders' cockpit: its rollup of closed months, rebuilt daily.
	if err := db.RegisterJob(sqldb.CockpitRollupJob, sanlian.JobDaily, sqldb.CockpitRollup); err != nil {
		return nil, err
	}
	if m.Config.Demo {
		if err := loadDemo(ctx, db, m.Config.DemoOptions, m.Config.DemoProblems, m.Config.DemoVisits, m.Config.DemoActivities, m.Out); err != nil {
			return nil, err
		}
	}
	if err := m.startAuditChain(); err != nil {
		return nil, err
	}
	services := web.Services{
		Users: db.Accounts, Regions: db.Org, Units: db.Org, Cadres: db.Org, Households: db.Org, Links: db.Org, Audit: db, Calendar: db,
		Problems: db.Problems, Attachments: db.Problems, Topics: db.Work, Visits: db.Work, Activities: db.Work, Coverage: db.Work, Supervisions: db.Problems,
		Projects: db.Lists, Resps: db.Lists, Lists: db.Lists, Imports: db.Lists, Dispatch: db.Problems, Metrics: db.Reports, Bulletins: db.Reports,
		Messages: db.Notices, Public: db.Public, Lookup: db.Public, Open311: db.Public, Notices: db.Notices, Routing: db.Problems, Workbench: db.Reports, Accounts: db.Accounts, Grants: db.Accounts,
		Cockpit: db.Reports, Themes: db.Work,
		Sheets: xlsx.Workbooks{},
		Ping:   db.Ping,
		Ready:  db.Ready,
	}
	if m.msg.oauth != nil {
		services.Wechat = m.msg.oauth
	}
	srv := web.New(services,
		web.Config{SecureCookies: m.Config.SecureCookies, MaxUpload: m.Config.MaxUpload, MaxImport: m.Config.MaxImport, IdleTimeout: db.Auth.IdleTimeout, Log: m.Log,
			TrustedProxies: m.Config.TrustedProxies, PowBits: m.Config.PowBits, SMSKeys: m.msg.keys,
			MetricsToken: m.Config.MetricsToken, PoolStats: db.PoolStats, QueueDepths: db.QueueDepths})
	// Open311 GeoReport v2, its own adapter, under the server's common
	// wrapping and posting within the server's open311-post limit.
	srv.Mount("/open311/", open311.New(db.Public, open311.Config{Log: m.Log, CountyBounds: m.Config.CountyBounds, Secure: m.Config.SecureCookies,
		Allow: func(r *http.Request) (bool, time.Duration) { return srv.Allow(r, web.BucketOpen311Post) }}))
	// The scheduler starts once the server's metrics can count its runs.
	db.OnJobRun(srv.JobRan)
	jobs, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stopJobs, m.jobsDone = stop, make(chan struct{})
	go m.runJobs(jobs)
	return srv, nil
}

// Addr is the address the server listens on.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Close stops accepting requests, lets those in flight finish (up to 15
// seconds) and closes the database.
func (m *Main) Close() error {
	if m.stopJobs != nil {
		m.stopJobs()
		<-m.jobsDone
	}
	if m.anchors != nil {
		m.anchors.Wait()
	}
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		m.server.Shutdown(ctx)
	}
	if m.DB != nil {
		return m.DB.Close()
	}
	return nil
}

// runJobs runs the scheduled jobs (the daily supervision levels, and
// what other features register) at start, catching up the days missed
// while the server was down, then every minute until stopped. Several
// nodes may run it on one database: each key runs once.
func (m *Main) runJobs(ctx context.Context) {
	defer close(m.jobsDone)
	// Beside the jobs, the webhook deliveries queued in the database are
	// sent every ten seconds; nodes sharing a database share the queue.
	sent := make(chan struct{})
	go func() { defer close(sent); (&notify.Worker{Queue: m.DB.Notices, Log: m.Log}).Run(ctx, 10*time.Second) }()
	defer func() { <-sent }()
	// So are the messages to residents.
	told := make(chan struct{})
	go func() {
		defer close(told)
		(&notify.MessageWorker{Queue: m.DB.Notices, Keys: m.msg.keys, Wechat: m.msg.wechat, Log: m.Log}).Run(ctx, 10*time.Second)
	}()
	defer func() { <-told }()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		runs, err := m.DB.RunDue(ctx, m.DB.Now())
		if err != nil && ctx.Err() == nil {
			m.Log.Error("scheduled jobs", "err", err)
		}
		for _, r := range runs {
			m.Log.Info("scheduled job ran", "job", r.Job, "key", r.Key)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// loadDemo fills an empty database with the demo county and, unless
// problems is 0, a problem ledger of that many problems played up to
// today, then unless visits is 0 the topic bank and that many visits,
// unless activities is 0 that many volunteer activities, and the units'
// service project lists (demo.DefaultProjects) and responsibility lists
// (demo.DefaultResponsibilities), and prints the demo accounts; a database
// that already holds a county is left alone.
func loadDemo(ctx context.Context, db *sqldb.DB, opt demo.Options, problems, visits, activities int, out io.Writer) error {
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return err
	}
	accounts := demo.Accounts()
	if empty {
		start := time.Now()
		c := demo.Generate(opt)
		if err := db.LoadCounty(sanlian.NewSystemContext(ctx), c); err != nil {
			return fmt.Errorf("load demo county: %w", err)
		}
		fmt.Fprintf(out, "已载入演示县：%d 个乡镇村、%d 个单位、%d 名干部、%d 户、%d 项联系（%.1fs）\n",
			len(c.Regions), len(c.Units), len(c.Cadres), len(c.Households), len(c.Links), time.Since(start).Seconds())
		accounts = demo.AccountsOf(c)
		if err := loadDemoParts(ctx, db, c, opt.Seed, problems, visits, activities, out); err != nil {
			return err
		}
		if err := demoGrant(ctx, db, c, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, "数据库中已有数据，未重新载入演示县。")
	}
	fmt.Fprintln(out, "演示账号（密码均为 "+demo.Password+"）：")
	for _, a := range accounts {
		fmt.Fprintf(out, "  %-10s %s\n", a.Username, a.Description)
	}
	return nil
}

// playDemo runs one part of the demo on db's clock, which the part sets
// back in time as it plays and which is given back to time.Now afterwards,
// and prints the part's summary.
func playDemo(db *sqldb.DB, out io.Writer, what string, load func(setNow func(time.Time), today time.Time) (fmt.Stringer, error)) error {
	start := time.Now()
	defer func() { db.Now = time.Now }()
	setNow := func(t time.Time) { db.Now = func() time.Time { return t } }
	sum, err := load(setNow, start)
	if err != nil {
		return fmt.Errorf("load demo %s: %w", what, err)
	}
	fmt.Fprintf(out, "已载入演示%s（%.1fs）\n", sum, time.Since(start).Seconds())
	return nil
}

// demoSupervision runs the scheduled jobs as they would have run over the
// last four weeks, so that the supervision desk shows cards that turned red,
// and reports the cards open today.
func demoSupervision(ctx context.Context, db *sqldb.DB, setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
	for _, at := range []time.Time{today.AddDate(0, 0, -28), today} {
		setNow(at)
		if _, err := db.RunDue(ctx, at); err != nil {
			return nil, err
		}
	}
	n, err := db.Problems.CountSupervisions(sanlian.NewSystemContext(ctx), sanlian.SupervisionFilter{})
	if err != nil {
		return nil, err
	}
	return summary(fmt.Sprintf("督办：黄牌 %d 张、红牌 %d 张", n.Yellow, n.Red)), nil
}

// summary is a demo part's summary line.
type summary string

func (s summary) String() string { return string(s) }

// loadDemoParts plays the demo's ledger and work on the loaded county c,
// in the order the county lived it; a count of 0 skips its part.
func loadDemoParts(ctx context.Context, db *sqldb.DB, c *sanlian.County, seed uint64, problems, visits, activities int, out io.Writer) error {
	type part struct {
		what string
		skip bool
		load func(setNow func(time.Time), today time.Time) (fmt.Stringer, error)
	}
	for _, p := range []part{
		{"problems", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			hook := newDemoHotlineHook(ctx, db, setNow, today, seed) // the 12345 platform's webhook, a week ago
			sum, err := demo.LoadProblems(ctx, db.Problems, hook.setNow, c, demo.ProblemOptions{Problems: problems, Today: today, Seed: seed, Public: db.Public, Routing: db.Problems})
			if err == nil {
				err = hook.err
			}
			return sum, err
		}},
		{"co-units", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadCoUnits(ctx, db.Problems, setNow, c, demo.CoUnitOptions{Today: today, Seed: seed})
		}},
		{"responsibilities", false, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadResponsibilities(ctx, db.Lists, setNow, c, demo.ResponsibilityOptions{Today: today, Seed: seed})
		}},
		{"visits", visits == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadVisits(ctx, db.Work, db.Work, setNow, c, demo.VisitOptions{Visits: visits, Today: today, Seed: seed})
		}},
		{"intake", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.SettleIntake(ctx, db.Problems, setNow, c, demo.IntakeOptions{Today: today, Seed: seed, Late: 4})
		}},
		{"activities", activities == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadActivities(ctx, db.Work, setNow, c, demo.ActivityOptions{Activities: activities, Today: today, Seed: seed, Photos: db.Problems})
		}},
		{"projects", false, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadProjects(ctx, db.Lists, setNow, c, demo.ProjectOptions{Today: today, Seed: seed})
		}},
		{"dispatches", false, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadDispatches(ctx, db.Problems, db.Lists, setNow, c, demo.DispatchOptions{Today: today, Seed: seed})
		}},
		{"bulletins", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadBulletins(ctx, db.Reports, db.Reports, setNow, c, demo.BulletinOptions{Today: today})
		}},
		{"supervision", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demoSupervision(ctx, db, setNow, today)
		}},
		{"public submissions", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demoPublic(ctx, db, setNow, c, today, seed)
		}},
		{"Open311 keys", false, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demoOpen311(ctx, db, setNow, c, today, seed)
		}},
		{"Open311 intake", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.SettleIntake(ctx, db.Problems, setNow, c, demo.IntakeOptions{Today: today, Seed: seed + 1, Late: 1,
				Sources: []string{sanlian.SourceHotline, sanlian.SourceOther}})
		}},
		{"resident messages", false, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demoMessages(ctx, db, setNow, c, today)
		}},
		{"notices", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demoNotices(ctx, db, setNow, c, today, seed)
		}},
		// 每月一题 (the month's themes), over the problems entered above.
		{"themes", problems == 0, func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
			return demo.LoadThemes(ctx, db.Work, db.Problems, setNow, c, demo.ThemeOptions{Today: today})
		}},
	} {
		if p.skip {
			continue
		}
		if err := playDemo(db, out, p.what, p.load); err != nil {
			return err
		}
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve the web UI and API", stderr)
	addr := fs.String("addr", ":8080", "listen address")
	dsn, keyFile, blobsLoc := dbFlag(fs), keyFlag(fs), blobsFlag(fs)
	withDemo := fs.Bool("demo", false, "fill an empty database with the demo county first, and print the demo accounts")
	households := fs.Int("households", 20000, "households in the demo county (with --demo)")
	seed := fs.Uint64("seed", 2021, "seed of the demo county (with --demo)")
	problems := fs.Int("problems", demo.DefaultProblems, "problems in the demo ledger, played up to today (with --demo; 0: none)")
	visits := fs.Int("visits", demo.DefaultVisits, "visits with topics over the last three months, up to today (with --demo; 0: none)")
	activities := fs.Int("activities", demo.DefaultActivities, "volunteer activities over the last three months (with --demo; 0: none)")
	secure := fs.Bool("secure-cookies", false, "mark the session cookie Secure (serve behind HTTPS)")
	syncFull := fs.Bool("sync-full", false, "SQLite synchronous=FULL: no acknowledged write lost on power failure")
	maxUpload := fs.Int64("max-upload", 10, "largest attachment, in MB")
	maxImport := fs.Int64("max-import", 64, "largest workbook the import page and API take, in MB")
	idle := fs.Duration("idle-timeout", 30*time.Minute, "sessions end after this long without use")
	maxFail := fs.Int("lock-after", 5, "failed logins before an account locks")
	lockFor := fs.Duration("lock-for", 15*time.Minute, "how long a locked account stays locked")
	var proxies []netip.Prefix
	fs.Func("trusted-proxy", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed for rate limits", func(v string) (err error) {
		proxies, err = web.ParseTrustedProxies(v)
		return err
	})
	powBits := fs.Int("pow-bits", 0, "work of the public form's proof of work, in leading zero bits (0: the default; lower only for tests)")
	anchorDir := fs.String("audit-anchor-dir", "", `directory for the audit chain's daily anchors (default: audit-anchors/ beside an SQLite file; none for PostgreSQL; "none": off)`)
	anchorURL := fs.String("audit-anchor-url", "", "also POST each daily audit anchor as JSON to this URL")
	msgs := messageFlags(fs)
	bounds := sanlian.DefaultCountyBounds
	fs.Func("county-bounds", "the county's box for Open311 coordinates: minLat,minLong,maxLat,maxLong (default the demo county's, 27.9,110.7,28.7,111.9)", func(v string) error {
		b, err := sanlian.ParseBounds(v)
		bounds = b
		return err
	})
	lookupPerDay := fs.Int("lookup-per-day", sanlian.DefaultLookupCountyDay, "SMS codes of tracking by phone the county sends a day, in all")
	require2FA, require2FASet := sanlian.DefaultRequire2FA, false
	fs.Func("require-2fa", "comma-separated roles that must log in with a second factor (TOTP), or none (default office,sysadmin,secadmin,auditor; none with --demo)", func(v string) (err error) {
		require2FA, err = sanlian.ParseRoles(v)
		require2FASet = true
		if err != nil {
			return errors.New(sanlian.ErrorMessage(err))
		}
		return nil
	})
	logFormat := "text"
	fs.Func("log-format", "log lines as text (key=value) or json, one object a line (default text)", func(v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("日志格式只能是 text 或 json，而不是 %q", v)
		}
		logFormat = v
		return nil
	})
	metricsToken := fs.String("metrics-token", os.Getenv("SANLIAN_METRICS_TOKEN"), "Bearer token that GET /metrics requires (default $SANLIAN_METRICS_TOKEN; empty: open, so firewall it)")
	baseHost := fs.String("base-host", "", "serve every county of a multi-county PostgreSQL deployment: <code>.HOST for a county, city.HOST for the city office (docs/multi-county.md)")
	cityName := fs.String("city-name", "", "the city (or province) shown on the city office's pages, e.g. 益阳市 (with --base-host)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *withDemo && !require2FASet {
		require2FA = nil
		fmt.Fprintln(stdout, "演示模式未要求双因素认证；如需开启，请加 --require-2fa office,sysadmin,secadmin,auditor")
	}
	log := newLogger(logFormat, stderr)
	m := &Main{Log: log, Out: stdout, Config: Config{Addr: *addr, DSN: *dsn, KeyFile: *keyFile, Blobs: *blobsLoc, Demo: *withDemo,
		DemoOptions: demo.Options{Households: *households, Seed: *seed}, DemoProblems: *problems, DemoVisits: *visits, DemoActivities: *activities, SecureCookies: *secure, SyncFull: *syncFull, MaxUpload: *maxUpload << 20, MaxImport: *maxImport << 20,
		Auth: sanlian.AuthConfig{MaxFailures: *maxFail, LockFor: *lockFor, IdleTimeout: *idle, Require2FA: require2FA}, TrustedProxies: proxies, PowBits: *powBits,
		AuditAnchorDir: *anchorDir, AuditAnchorURL: *anchorURL, Messages: *msgs, LookupPerDay: *lookupPerDay, CountyBounds: bounds,
		MetricsToken: *metricsToken}}
	if *baseHost != "" {
		cs, err := serveCounties(ctx, m, *baseHost, *cityName)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sanlian 多县部署已启动：http://%s/\n", displayAddr(m.Addr()))
		<-ctx.Done()
		fmt.Fprintln(stdout, "正在停止……")
		return cs.close()
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "sanlian 已启动：http://%s/ （数据库 %s）\n", displayAddr(m.Addr()), m.DB.Dialect)
	<-ctx.Done()
	fmt.Fprintln(stdout, "正在停止……")
	return m.Close()
}

// newLogger writes log lines to w as text (key=value) or, for a log
// collector, as JSON objects, one a line.
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// displayAddr turns ":8080" or "[::]:8080" into something a browser takes.
func displayAddr(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return a
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "apply the database migrations, then move the files still in the database to the file store", stderr)
	dsn, keyFile, blobsLoc := dbFlag(fs), keyFlag(fs), blobsFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, dbOpen{DSN: *dsn, KeyFile: *keyFile, Out: stdout, Files: true, Blobs: *blobsLoc})
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "数据库已是最新结构（%s）\n", db.Dialect)
	return moveFilesOut(ctx, db, stdout)
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "fill an empty database with a synthetic county", stderr)
	dsn, keyFile, blobsLoc := dbFlag(fs), keyFlag(fs), blobsFlag(fs)
	households := fs.Int("households", 20000, "number of households")
	seed := fs.Uint64("seed", 2021, "random seed; the same seed gives the same county")
	problems := fs.Int("problems", demo.DefaultProblems, "problems in the demo ledger, played up to today (0: none)")
	visits := fs.Int("visits", demo.DefaultVisits, "visits with topics over the last three months, up to today (0: none)")
	activities := fs.Int("activities", demo.DefaultActivities, "volunteer activities over the last three months (0: none)")
	nCounties := fs.Int("counties", 0, "load the first N counties of 益阳市 into a multi-county PostgreSQL deployment, each small unless told (--households 3000 --problems 300), and the city account (docs/multi-county.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nCounties != 0 {
		return runDemoCounties(ctx, fs, *nCounties, *dsn, *keyFile, *blobsLoc, *households, *problems, *visits, *activities, *seed, stdout)
	}
	db, err := openDB(ctx, dbOpen{DSN: *dsn, KeyFile: *keyFile, Demo: true, Out: stdout, Files: true, Blobs: *blobsLoc})
	if err != nil {
		return err
	}
	defer db.Close()
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return errors.New("数据库中已有数据：演示县只能载入空数据库 (the database is not empty)")
	}
	return loadDemo(ctx, db, demo.Options{Households: *households, Seed: *seed}, *problems, *visits, *activities, stdout)
}
