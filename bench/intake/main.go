// Command intake measures problem intake, POST /api/v1/problems, against
// a bare handler on the same engine: the bare handler decodes the same JSON
// into the same struct and commits one INSERT of the problem's core columns
// per request, through the same pool; sanlian's handler is web.Server as
// serve wires it, over a fresh database holding a small demo county, a
// routing rule and a webhook, so that every entry routes, assigns, tells
// and queues as it would in a county.
//
//	go run ./bench/intake --engine sqlite|postgres [--pg URL] [--duration 10s] [--conns 16]
//
// It drives both with wrk (a Lua script written to a temporary directory
// gives each request its own text and the bearer token), or with a
// built-in Go load generator when wrk is not installed, and prints a
// markdown table.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"sanlian"
	"sanlian/demo"
	"sanlian/seal"
	"sanlian/sqldb"
	"sanlian/web"
	"sanlian/xlsx"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

type options struct {
	engine     string
	pg         string
	duration   time.Duration
	warmup     time.Duration
	conns      int
	threads    int
	wrk        string
	households int
	cpuprofile string
	only       string // "", "bare" or "sanlian"
	verbose    bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("intake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.engine, "engine", "sqlite", "sqlite or postgres")
	fs.StringVar(&o.pg, "pg", os.Getenv("SANLIAN_TEST_PG"), "PostgreSQL server URL (a fresh database is created on it and dropped after); default $SANLIAN_TEST_PG")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each handler is driven")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each measured run")
	fs.IntVar(&o.conns, "conns", 16, "concurrent connections")
	fs.IntVar(&o.threads, "threads", 2, "wrk threads")
	fs.StringVar(&o.wrk, "wrk", "wrk", "the wrk binary; \"\" or missing: the built-in Go load generator")
	fs.IntVar(&o.households, "households", 2000, "households of the demo county")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of sanlian's measured run to this file")
	fs.StringVar(&o.only, "only", "", "run only \"bare\" or \"sanlian\"")
	fs.BoolVar(&o.verbose, "v", false, "print the server's warnings and errors (wrk's closing connections end requests with \"context canceled\")")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case o.engine != "sqlite" && o.engine != "postgres":
		return nil, fmt.Errorf("--engine must be sqlite or postgres, not %q", o.engine)
	case o.engine == "postgres" && o.pg == "":
		return nil, errors.New("--engine postgres needs --pg URL (or SANLIAN_TEST_PG)")
	case o.duration <= 0 || o.conns <= 0 || o.threads <= 0:
		return nil, errors.New("--duration, --conns and --threads must be positive")
	case o.only != "" && o.only != "bare" && o.only != "sanlian":
		return nil, fmt.Errorf("--only must be bare or sanlian, not %q", o.only)
	}
	if o.threads > o.conns {
		o.threads = o.conns
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sanlian-intake-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	dsn, drop, err := freshDSN(ctx, o, tmp)
	if err != nil {
		return err
	}
	defer drop()
	logTo := io.Discard
	if o.verbose {
		logTo = stderr
	}
	log := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fmt.Fprintf(stderr, "preparing a fresh %s database …\n", o.engine)
	env, err := prepare(ctx, dsn, o.households, log)
	if err != nil {
		return err
	}
	defer env.db.Close()

	gen := newLoad(env)
	res := result{engine: o.engine}
	if o.only != "sanlian" {
		if err := createBareTable(ctx, env.db); err != nil {
			return err
		}
		res.bare, err = measure(ctx, o, stderr, tmp, "bare", bareHandler(env.db), "", gen, "")
		if err != nil {
			return err
		}
		if res.bareRows, err = countRows(ctx, env.db, bareTable); err != nil {
			return err
		}
	}
	if o.only != "bare" {
		res.sanlian, err = measure(ctx, o, stderr, tmp, "sanlian", env.server, env.token, gen, o.cpuprofile)
		if err != nil {
			return err
		}
		if res.sanlianRows, err = countRows(ctx, env.db, "problems"); err != nil {
			return err
		}
	}
	res.write(stdout, o)
	if res.bare.non2xx > 0 || res.sanlian.non2xx > 0 || res.bare.errors > 0 || res.sanlian.errors > 0 {
		return errors.New("some requests failed: the figures do not count")
	}
	return nil
}

// freshDSN makes an empty database: a file in tmp, or a new database on
// the PostgreSQL server, dropped by the returned function.
func freshDSN(ctx context.Context, o *options, tmp string) (string, func(), error) {
	if o.engine == "sqlite" {
		return filepath.Join(tmp, "bench.db"), func() {}, nil
	}
	u, err := url.Parse(o.pg)
	if err != nil || !sqldb.IsPostgres(o.pg) {
		return "", nil, fmt.Errorf("--pg: want a postgres:// URL, got %q", o.pg)
	}
	admin, err := sql.Open("pgx", o.pg)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "sanlian_bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return u.String(), func() {
		// The pools are closed by now; FORCE ends a straggler.
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}, nil
}

// benchEnv is a prepared database with sanlian's server over it.
type benchEnv struct {
	db       *sqldb.DB
	server   http.Handler
	token    string   // the office account's API token
	villages []string // village codes of the county
	cats     []string // active category codes
}

// prepare opens and migrates dsn under a fresh key, loads a demo county
// with a routing rule for every problem and a webhook hearing of every
// entry and assignment, builds the web server as serve does, and logs the
// office account in over the API, with its second factor as serve's
// defaults require.
func prepare(ctx context.Context, dsn string, households int, log *slog.Logger) (*benchEnv, error) {
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		return nil, err
	}
	env := &benchEnv{db: db}
	if err := prepareDB(ctx, env, households, log); err != nil {
		db.Close()
		return nil, err
	}
	return env, nil
}

func prepareDB(ctx context.Context, env *benchEnv, households int, log *slog.Logger) error {
	db := env.db
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	k, err := seal.ParseKey([]byte(seal.NewSecret()))
	if err != nil {
		return err
	}
	if err := db.UseKey(ctx, k, nil); err != nil {
		return err
	}
	db.Auth = sanlian.AuthConfig{Require2FA: sanlian.DefaultRequire2FA}.WithDefaults()
	c := demo.Generate(demo.Options{Households: households})
	sys := sanlian.NewSystemContext(ctx)
	if err := db.LoadCounty(sys, c); err != nil {
		return fmt.Errorf("load county: %w", err)
	}
	var office *sanlian.User
	for _, a := range c.Accounts {
		if a.User.Username == "office" {
			office = a.User
		}
	}
	if office == nil {
		return errors.New("the demo county has no office account")
	}
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionVillage {
			env.villages = append(env.villages, r.Code)
		}
	}
	cats, err := db.Problems.FindCategories(sys, false)
	if err != nil {
		return err
	}
	for _, cat := range cats {
		env.cats = append(env.cats, cat.Code)
	}
	if len(env.villages) == 0 || len(env.cats) == 0 || len(c.Units) == 0 {
		return errors.New("the demo county has no village, category or unit")
	}
	as := sanlian.NewContextWithUser(ctx, office)
	// Every entry is routed to a unit: the county-wide rule for all
	// categories matches each of them.
	var county string
	for _, r := range c.Regions {
		if r.Kind == sanlian.RegionCounty {
			county = r.Code
		}
	}
	if err := db.Problems.SaveRoutingRule(as, &sanlian.RoutingRule{RegionCode: county, UnitID: c.Units[0].ID, Active: true}); err != nil {
		return fmt.Errorf("routing rule: %w", err)
	}
	if _, err := db.Notices.CreateWebhook(as, &sanlian.WebhookInput{Name: "12345 平台", Kind: sanlian.WebhookJSON,
		URL: "https://hook.example.cn/sanlian", Events: []string{sanlian.EventProblemSubmitted, sanlian.EventProblemAssigned}}); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	db.StartAuditSealer(log)
	env.server = newServer(db, log)
	env.token, err = login(ctx, env.server, db, office)
	return err
}

// newServer wires web.Server over db as serve does (cmd/sanlian/serve.go,
// Main.Run); the scheduled jobs and the queue workers are not started.
func newServer(db *sqldb.DB, log *slog.Logger) http.Handler {
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
	return web.New(services, web.Config{IdleTimeout: db.Auth.IdleTimeout, Log: log})
}

// login enrols the office account's second factor and logs it in over
// the API, as an integration would, returning the bearer token.
func login(ctx context.Context, h http.Handler, db *sqldb.DB, office *sanlian.User) (string, error) {
	as := sanlian.NewContextWithUser(ctx, office)
	en, err := db.Accounts.BeginTOTP(as, "三联三清")
	if err != nil {
		return "", fmt.Errorf("begin totp: %w", err)
	}
	now := time.Now()
	code, err := sanlian.TOTPCode(en.Secret, now)
	if err != nil {
		return "", err
	}
	if _, err := db.Accounts.ConfirmTOTP(as, code); err != nil {
		return "", fmt.Errorf("confirm totp: %w", err)
	}
	// A code is taken once per 30-second step: log in with the next one.
	code, err = sanlian.TOTPCode(en.Secret, now.Add(30*time.Second))
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]string{"username": office.Username, "password": demo.Password, "totp": code})
	srv := httpServer(h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Token == "" {
		return "", fmt.Errorf("login: %s: %s", resp.Status, b)
	}
	return out.Token, nil
}

// httpServer serves h with serve's timeouts.
func httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
}

// run is one measured run.
type runResult struct {
	requests int64
	non2xx   int64
	errors   int64 // socket errors and timeouts
	seconds  float64
	rps      float64
}

// measure serves h on a loopback port and drives it: warm-up, then the
// measured run, under a CPU profile when profile names a file.
func measure(ctx context.Context, o *options, stderr io.Writer, tmp, name string, h http.Handler, token string, gen *load, profile string) (runResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return runResult{}, err
	}
	srv := httpServer(h)
	go srv.Serve(ln)
	defer func() {
		// Let the requests wrk left in flight finish before the database
		// closes.
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	base := "http://" + ln.Addr().String()
	drive := func(d time.Duration, seed string) (runResult, error) {
		if path, err := exec.LookPath(o.wrk); o.wrk != "" && err == nil {
			return runWrk(ctx, path, tmp, base, token, gen, seed, o.threads, o.conns, d)
		}
		return runGo(ctx, base, token, gen, seed, o.conns, d)
	}
	if o.warmup > 0 {
		fmt.Fprintf(stderr, "%s: warming up %s …\n", name, o.warmup)
		if _, err := drive(o.warmup, name+"w"); err != nil {
			return runResult{}, err
		}
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return runResult{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return runResult{}, err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(stderr, "%s: %s with %d connections …\n", name, o.duration, o.conns)
	return drive(o.duration, name)
}

// countRows counts a table's rows, to show that what was answered was
// written.
func countRows(ctx context.Context, db *sqldb.DB, table string) (int64, error) {
	var n int64
	err := db.WritePool().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	return n, err
}

type result struct {
	engine                string
	bare, sanlian         runResult
	bareRows, sanlianRows int64
}

func (r result) write(w io.Writer, o *options) {
	ratio := "–"
	if r.bare.rps > 0 && r.sanlian.rps > 0 {
		ratio = fmt.Sprintf("%.2f", r.sanlian.rps/r.bare.rps)
	}
	rps := func(x runResult) string {
		if x.seconds == 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f", x.rps)
	}
	fmt.Fprintf(w, "\nPOST /api/v1/problems, %s, %d connections, %s each\n\n", o.engine, o.conns, o.duration)
	fmt.Fprintln(w, "| engine | bare req/s | sanlian req/s | ratio | bare non-2xx | sanlian non-2xx | bare rows | sanlian problems |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d | %d | %d |\n", r.engine, rps(r.bare), rps(r.sanlian), ratio,
		r.bare.non2xx+r.bare.errors, r.sanlian.non2xx+r.sanlian.errors, r.bareRows, r.sanlianRows)
}
