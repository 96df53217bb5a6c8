package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// BenchmarkCityRanking times the city office's pages over a deployment of
// counties of 50,000 problems each, on PostgreSQL: the ranking of a
// half-month (GET /ranking) and the cockpit (GET /, every county's cockpit
// beside its metrics), read as the city server reads them, every county
// through its own store (Deployment.County), CityConfig.Parallel at a
// time. Each page is timed with the metrics from the rollups (Metrics, as
// served) and by replay (MetricsReplayed), in the same run:
//
//	BenchmarkCityRanking/{n}x50k/metrics/{by-unit,by-category}       every county's metrics alone; x-by-unit
//	BenchmarkCityRanking/{n}x50k/{ranking,cockpit}/{replay,rollups}   x-replay: rollups ÷ replay
//
// One county is built as BenchmarkMetrics builds its ledgers (problems,
// timelines, rollups rebuilt); the others are copies of it made inside
// PostgreSQL (CreateCounty, then every table filled by INSERT … SELECT from
// the first county's): each holds its rows. Six counties by default;
// SANLIAN_BENCH_PROVINCE=1 makes them a province's hundred (5,000,000
// problems); SANLIAN_BENCH_COUNTIES=n makes them n. Run with, for example,
//
//	SANLIAN_TEST_PG=… go test ./sqldb -run '^$' -bench CityRanking -benchtime 5x -timeout 2h
func BenchmarkCityRanking(b *testing.B) {
	if os.Getenv("SANLIAN_TEST_PG") == "" {
		b.Skip("a deployment is PostgreSQL's only: SANLIAN_TEST_PG is not set")
	}
	if testing.Short() {
		b.Skip("the counties are not built under -short")
	}
	n := 6
	if os.Getenv("SANLIAN_BENCH_PROVINCE") != "" {
		n = 100
	}
	if v, err := strconv.Atoi(os.Getenv("SANLIAN_BENCH_COUNTIES")); err == nil && v > 0 {
		n = v
	}
	const per = 50_000
	dep := cityDeployment(b, n, per)
	// The metrics alone, every county's, by the grouping the city read
	// them by before (unit) and now (category).
	for _, by := range []string{sanlian.ByUnit, sanlian.ByCategory} {
		b.Run(fmt.Sprintf("%dx50k/metrics/by-%s", n, by), func(b *testing.B) {
			for b.Loop() {
				benchAllMetrics(b, dep.d, by)
			}
			key := fmt.Sprintf("city/%d/metrics/", n)
			reportRatio(b, key+by, map[bool]string{true: "", false: key + sanlian.ByUnit}[by == sanlian.ByUnit], "x-by-unit")
		})
	}
	for _, page := range []struct{ name, path, want string }{
		{"ranking", "/ranking?period=2024-12-H1", "2024年12月上半月"},
		{"cockpit", "/", "各县（市、区）概况"},
	} {
		for _, how := range []string{"replay", "rollups"} {
			b.Run(fmt.Sprintf("%dx50k/%s/%s", n, page.name, how), func(b *testing.B) {
				ts := dep.server(b, how == "replay")
				get := func() string {
					req, _ := http.NewRequest("GET", ts.URL+page.path, nil)
					req.AddCookie(&http.Cookie{Name: "sanlian_city", Value: dep.token})
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					defer res.Body.Close()
					body, _ := io.ReadAll(res.Body)
					if res.StatusCode != http.StatusOK || strings.Contains(string(body), "暂时无法读取") {
						b.Fatalf("GET %s: %d %.500s", page.path, res.StatusCode, body)
					}
					return string(body)
				}
				if body := get(); !strings.Contains(body, page.want) {
					b.Fatalf("GET %s lacks %q: %.800s", page.path, page.want, body)
				}
				for b.Loop() {
					get()
				}
				key := fmt.Sprintf("city/%d/%s/", n, page.name)
				reportRatio(b, key+how, map[bool]string{true: "", false: key + "replay"}[how == "replay"], "x-replay")
				b.ReportMetric(float64(n), "counties")
			})
		}
	}
}

// benchAllMetrics reads every county's metrics from the rollups, 4
// counties at a time, as the city's figures do, grouped by by.
func benchAllMetrics(b *testing.B, d *sqldb.Deployment, by string) {
	ctx := context.Background()
	list, err := d.Counties(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sys := sanlian.NewSystemContext(ctx)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	errs := make([]error, len(list))
	for i, c := range list {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			db, err := d.County(ctx, c.Code)
			if err == nil {
				_, err = db.Reports.Metrics(sys, sanlian.MetricsQuery{Period: "2024-12-H1", By: by})
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// cityDep is a deployment of counties copied from one, and the city
// office's session on it.
type cityDep struct {
	d     *sqldb.Deployment
	token string
}

// replayedMetrics serves the metrics by replay.
type replayedMetrics struct{ *sqldb.ReportStore }

func (r replayedMetrics) Metrics(ctx context.Context, q sanlian.MetricsQuery) (*sanlian.Metrics, error) {
	return r.MetricsReplayed(ctx, q)
}

// server is the city server over the deployment, as cmd/sanlian wires it,
// its clock in the second half of December 2024; replay: the metrics by
// replay.
func (c *cityDep) server(b *testing.B, replay bool) *httptest.Server {
	now := time.Date(2024, 12, 20, 10, 0, 0, 0, sanlian.Shanghai)
	city := web.NewCity(web.CityConfig{Name: "益阳市", Accounts: c.d, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now },
		Counties: func(ctx context.Context) ([]web.CityCounty, error) {
			list, err := c.d.Counties(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]web.CityCounty, 0, len(list))
			for _, cc := range list {
				db, err := c.d.County(ctx, cc.Code)
				if err != nil {
					return nil, err
				}
				var m sanlian.MetricsService = db.Reports
				if replay {
					m = replayedMetrics{db.Reports}
				}
				out = append(out, web.CityCounty{Code: cc.Code, Name: cc.Name, Cockpit: db.Reports, Metrics: m})
			}
			return out, nil
		}})
	ts := httptest.NewServer(city)
	b.Cleanup(ts.Close)
	return ts
}

// cityDeployment builds a deployment of n counties of per
// problems each: the first loaded, the others copied from it.
func cityDeployment(b *testing.B, n, per int) *cityDep {
	b.Helper()
	ctx := context.Background()
	dsn := sqldbtest.EmptyPostgres(b)
	d, err := sqldb.OpenDeployment(ctx, dsn, sqldb.DeploymentOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("43%04d", 1001+i)
	}
	start := time.Now()
	if _, err := d.CreateCounty(ctx, codes[0], "第1县"); err != nil {
		b.Fatal(err)
	}
	first, err := d.County(ctx, codes[0])
	if err != nil {
		b.Fatal(err)
	}
	if err := fillCounty(first, per); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "bench: built county %s of %d problems in %v\n", codes[0], per, time.Since(start).Round(time.Millisecond))
	// The city reads the totals by category (web/city.go): they are the
	// totals by unit, and the replay's.
	sys := sanlian.NewSystemContext(ctx)
	var totals []string
	for _, by := range []string{sanlian.ByUnit, sanlian.ByCategory, "replay"} {
		q := sanlian.MetricsQuery{Period: "2024-12-H1", By: by}
		metrics := first.Reports.Metrics
		if by == "replay" {
			q.By, metrics = sanlian.ByCategory, first.Reports.MetricsReplayed
		}
		m, err := metrics(sys, q)
		if err != nil {
			b.Fatal(err)
		}
		totals = append(totals, metricsShown(&sanlian.Metrics{Total: m.Total})["/合计"])
	}
	if totals[0] == "" || totals[0] != totals[1] || totals[0] != totals[2] {
		b.Fatalf("the totals differ:\nby unit     %s\nby category %s\nreplayed    %s", totals[0], totals[1], totals[2])
	}
	start = time.Now()
	for i, code := range codes[1:] {
		if _, err := d.CreateCounty(ctx, code, fmt.Sprintf("第%d县", i+2)); err != nil {
			b.Fatal(err)
		}
		if err := copyCounty(dsn, codes[0], code); err != nil {
			b.Fatalf("copy county %s: %v", code, err)
		}
	}
	fmt.Fprintf(os.Stderr, "bench: copied it into %d counties in %v\n", n-1, time.Since(start).Round(time.Millisecond))
	if err := d.CreateCityUser(ctx, "city", "市考核办", sanlian.RoleCityOffice, "Sanlian@2021"); err != nil {
		b.Fatal(err)
	}
	token, _, err := d.CityLogin(ctx, "city", "Sanlian@2021")
	if err != nil {
		b.Fatal(err)
	}
	return &cityDep{d: d, token: token}
}

// fillCounty loads db as BenchmarkMetrics loads its ledgers: the
// synthetic county, n problems with their timelines, the rollups rebuilt.
func fillCounty(db *sqldb.DB, n int) error {
	ctx := context.Background()
	if err := db.LoadCounty(sanlian.NewSystemContext(ctx), syntheticCounty(0)); err != nil {
		return fmt.Errorf("load county: %w", err)
	}
	if err := bulkProblems(db, n); err != nil {
		return fmt.Errorf("load problems: %w", err)
	}
	if err := bulkEvents(db, n); err != nil {
		return fmt.Errorf("load timelines: %w", err)
	}
	_, err := db.RebuildRollups(ctx)
	return err
}

// copyCounty fills the tables of county to's schema with the rows of
// county from's, inside PostgreSQL, and vacuums them as a bulk load is.
func copyCounty(dsn, from, to string) error {
	ctx := context.Background()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	src, dst := sqldb.SchemaOf(from), sqldb.SchemaOf(to)
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'
		ORDER BY table_name`, src)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// The generated rows need no foreign-key checks (superuser only;
	// without it the copy is slower, not wrong).
	if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		fmt.Fprintf(os.Stderr, "bench: foreign keys checked during the copy: %v\n", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	qualified := make([]string, len(tables))
	for i, t := range tables {
		qualified[i] = dst + "." + t
	}
	if _, err := tx.ExecContext(ctx, `TRUNCATE `+strings.Join(qualified, ", ")); err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+dst+`.`+t+` OVERRIDING SYSTEM VALUE SELECT * FROM `+src+`.`+t); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, `VACUUM ANALYZE `+dst+`.`+t); err != nil {
			return err
		}
	}
	return nil
}
