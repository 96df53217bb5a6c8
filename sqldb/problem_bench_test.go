package sqldb_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/xlsx"
)

// The ledger's benchmarks. Each reports its figure beside a baseline
// measured in the same run, as a ratio metric on the measured line:
//
//	BenchmarkProblemCreate/{engine}/{raw,service}    x-raw: service ÷ plain INSERT
//	BenchmarkProblemList/{engine}/{10k,1m}/{query}/{page1,deep}
//	                                                 x-page1: deep ÷ page 1; x-10k: 1m ÷ 10k
//	BenchmarkProblemExport/{engine}/{page,xlsx}      x-page: workbook ÷ paging alone; peak heap
//
// The lists run on tables of synthetic problems bulk-loaded through a raw
// connection (search index included), built once per engine and size and
// removed by TestMain. Run them with, for example,
//
//	go test ./sqldb -run '^$' -bench 'ProblemList' -benchtime 20x

// problemQueries are the office's lists the list benchmark times.
var problemQueries = []struct {
	name string
	f    sanlian.ProblemFilter
}{
	{"accepted-township", sanlian.ProblemFilter{State: sanlian.StateAccepted, TownshipCode: benchTownship}},
	{"search", sanlian.ProblemFilter{Q: "路灯"}},
	{"open-deadline", sanlian.ProblemFilter{Open: true, Sort: "deadline"}},
	{"township-deadline", sanlian.ProblemFilter{TownshipCode: benchTownship, Sort: "deadline"}},
	{"unit-deadline", sanlian.ProblemFilter{UnitID: benchUnit, Sort: "deadline"}},
}

const (
	benchTownship   = "430923105000" // 第6镇 of syntheticCounty
	benchUnit       = 30             // 县直部门5
	benchListDepth  = 200            // the deep page
	benchExportRows = 100_000
	benchBulkRows   = 500 // rows per multi-row INSERT
	benchTxRows     = 100_000
)

// ratios holds baselines measured earlier in the run, by name, in ns/op.
var ratios sync.Map

// nsPerOp is the time per op of the benchmark that just ran its loop.
func nsPerOp(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }

// reportRatio records b's ns/op as key, and reports it as a ratio to the
// baseline recorded as base, if that ran.
func reportRatio(b *testing.B, key, base, unit string) {
	ns := nsPerOp(b)
	ratios.Store(key, ns)
	if v, ok := ratios.Load(base); ok && base != "" {
		b.ReportMetric(ns/v.(float64), unit)
	}
}

// BenchmarkProblemCreate times entering a problem through the service (a
// number from the counter, the row, its search index, a reporter row, a
// timeline event and an audit row, in one transaction) against one plain
// INSERT of the same columns into problems through a raw connection. On
// PostgreSQL both write the search column, so both pay for its GIN index;
// on SQLite the search index is a table of its own, written by the
// service only.
func BenchmarkProblemCreate(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.Open(b, engine)
			users := sqldbtest.LoadSmall(b, db)
			raw := benchRaw(b, db, false)
			var officeID int64
			if err := raw.QueryRow(`SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
				b.Fatal(err)
			}
			input := func(i int) *sanlian.ProblemInput {
				t := benchTitles[i%len(benchTitles)]
				return &sanlian.ProblemInput{Source: sanlian.SourceVisit, Category: "transport", VillageCode: sqldbtest.VillageA,
					ReporterName: "刘大爷", ReporterPhone: "13912345678", Title: t[0], Description: t[0] + "，" + t[1], Urgency: "normal"}
			}
			var seq atomic.Int64
			b.Run("raw", func(b *testing.B) {
				cols := `number, state, source, category, village_code, township_code, household_id, reporter_name, reporter_phone,
					title, description, urgency, created_by, created_unit_id, created_cadre_id, created_at, updated_at`
				vals := `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`
				if db.Dialect == sqldb.Postgres {
					cols += ", search"
					vals += ", to_tsvector('simple', ?)"
				}
				q := rebind(db, `INSERT INTO problems (`+cols+`) VALUES (`+vals+`)`)
				for b.Loop() {
					i := int(seq.Add(1))
					in := input(i)
					in.Normalize()
					now := time.Now().UTC()
					args := []any{fmt.Sprintf("raw-%07d", i), sanlian.StateSubmitted, in.Source, in.Category, in.VillageCode,
						sqldbtest.Dongping, nil, in.ReporterName, in.ReporterPhone, in.Title, in.Description, in.Urgency,
						officeID, nil, nil, now, now}
					if db.Dialect == sqldb.Postgres {
						args = append(args, sanlian.SearchDocument(in.Title, in.Description))
					}
					if _, err := raw.Exec(q, args...); err != nil {
						b.Fatal(err)
					}
				}
				reportRatio(b, engine+"/create/raw", "", "")
			})
			b.Run("service", func(b *testing.B) {
				ctx := sqldbtest.As(users["office"])
				for b.Loop() {
					if _, err := db.Problems.CreateProblem(ctx, input(int(seq.Add(1)))); err != nil {
						b.Fatal(err)
					}
				}
				reportRatio(b, engine+"/create/service", engine+"/create/raw", "x-raw")
			})
		})
	}
}

// BenchmarkProblemList times the first and a deep page (page 200, or the
// last when the list is shorter) of the office's filtered lists on tables
// of 10,000 and 1,000,000 problems.
func BenchmarkProblemList(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for _, size := range []struct {
				name string
				n    int
			}{{"10k", 10_000}, {"1m", 1_000_000}} {
				b.Run(size.name, func(b *testing.B) {
					c := problemTable(b, engine, size.n)
					ctx := sqldbtest.As(c.office)
					for _, q := range problemQueries {
						b.Run(q.name, func(b *testing.B) {
							key := engine + "/" + size.name + "/" + q.name
							f := q.f
							f.Limit = benchPageSize
							b.Run("page1", func(b *testing.B) {
								for b.Loop() {
									ps, _, err := c.db.Problems.FindProblems(ctx, f)
									if err != nil || len(ps) == 0 {
										b.Fatalf("page 1: %d rows, %v", len(ps), err)
									}
								}
								base := engine + "/10k/" + q.name + "/page1"
								if size.name == "10k" {
									base = ""
								}
								reportRatio(b, key+"/page1", base, "x-10k")
							})
							b.Run("deep", func(b *testing.B) {
								cursor, page := c.deepProblems(b, q.name, f)
								f := f
								f.Cursor = cursor
								for b.Loop() {
									ps, _, err := c.db.Problems.FindProblems(ctx, f)
									if err != nil || len(ps) == 0 {
										b.Fatalf("page %d: %d rows, %v", page, len(ps), err)
									}
								}
								b.ReportMetric(float64(page), "page")
								reportRatio(b, key+"/deep", key+"/page1", "x-page1")
								if size.name != "10k" {
									if v, ok := ratios.Load(engine + "/10k/" + q.name + "/deep"); ok {
										b.ReportMetric(nsPerOp(b)/v.(float64), "x-10k")
									}
								}
							})
						})
					}
				})
			}
		})
	}
}

// deepProblems walks the office's cursor for query name to page
// benchListDepth, or to the last page of a shorter list, once, and returns
// that page's cursor and number.
func (c *benchCounty) deepProblems(b *testing.B, name string, f sanlian.ProblemFilter) (string, int) {
	b.Helper()
	key := fmt.Sprintf("%p/%s", c, name)
	if v, ok := deepCursors.Load(key); ok {
		d := v.(deepCursor)
		return d.cursor, d.page
	}
	ctx := sqldbtest.As(c.office)
	cursor, page := "", 1
	for page < benchListDepth {
		f.Cursor = cursor
		_, next, err := c.db.Problems.FindProblems(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		if next == "" {
			break
		}
		cursor, page = next, page+1
	}
	deepCursors.Store(key, deepCursor{cursor, page})
	return cursor, page
}

type deepCursor struct {
	cursor string
	page   int
}

var deepCursors sync.Map

// BenchmarkProblemExport writes 100,000 problems to a workbook, fed page by
// page (500 a page, as the web export) from FindProblems, against paging
// through the same rows without writing anything. Besides time it reports
// the peak heap in use while running (sampled every 2 ms) above the heap
// before, and the workbook's size.
func BenchmarkProblemExport(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := problemTable(b, engine, benchExportRows)
			ctx := sqldbtest.As(c.office)
			pages := func() func() (*sanlian.Problem, error) {
				f := sanlian.ProblemFilter{Limit: 500}
				var page []*sanlian.Problem
				i, done := 0, false
				return func() (*sanlian.Problem, error) {
					for i == len(page) {
						if done {
							return nil, nil
						}
						ps, next, err := c.db.Problems.FindProblems(ctx, f)
						if err != nil {
							return nil, err
						}
						page, i, f.Cursor, done = ps, 0, next, next == ""
					}
					i++
					return page[i-1], nil
				}
			}
			b.Run("page", func(b *testing.B) {
				b.ReportAllocs()
				peak := sampleHeap()
				for b.Loop() {
					next, n := pages(), 0
					for {
						p, err := next()
						if err != nil {
							b.Fatal(err)
						}
						if p == nil {
							break
						}
						n++
					}
					if n != benchExportRows {
						b.Fatalf("paged %d rows, want %d", n, benchExportRows)
					}
				}
				peak(b)
				reportRatio(b, engine+"/export/page", "", "")
			})
			b.Run("xlsx", func(b *testing.B) {
				b.ReportAllocs()
				peak := sampleHeap()
				var out countWriter
				for b.Loop() {
					out = 0
					if err := xlsx.WriteProblems(&out, "问题清单", pages()); err != nil {
						b.Fatal(err)
					}
				}
				peak(b)
				b.ReportMetric(float64(out)/(1<<20), "file-MB")
				reportRatio(b, engine+"/export/xlsx", engine+"/export/page", "x-page")
			})
		})
	}
}

// countWriter counts what is written to it.
type countWriter int64

func (w *countWriter) Write(p []byte) (int, error) { *w += countWriter(len(p)); return len(p), nil }

// sampleHeap starts sampling HeapInuse; the function it returns stops and
// reports the peak above the heap in use at the start, after a GC.
func sampleHeap() func(*testing.B) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peakInuse atomic.Uint64
	peakInuse.Store(base)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peakInuse.Load() {
					peakInuse.Store(ms.HeapInuse)
				}
			}
		}
	}()
	return func(b *testing.B) {
		close(stop)
		<-done
		b.ReportMetric(float64(peakInuse.Load()-base)/(1<<20), "peak-heap-MB")
	}
}

// problemTable returns a database holding syntheticCounty's regions, units
// and cadres (no households) and n problems, loading it on first use. It is
// kept among benchCounties, so that TestMain removes it.
func problemTable(b *testing.B, engine string, n int) *benchCounty {
	b.Helper()
	if testing.Short() {
		b.Skip("the problem tables are not built under -short")
	}
	key := fmt.Sprintf("%s/problems-%d", engine, n)
	c, ok := benchCounties[key]
	if !ok {
		c = &benchCounty{}
		benchCounties[key] = c
		c.err = loadProblemTable(c, engine, n)
	}
	if c.err != nil {
		b.Fatal(c.err)
	}
	return c
}

func loadProblemTable(c *benchCounty, engine string, n int) error {
	ctx := context.Background()
	dsn, cleanup, err := benchDatabase(engine)
	c.cleanup = cleanup
	if err != nil {
		return err
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		return err
	}
	c.cleanup = func() { db.Close(); cleanup() }
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	county := syntheticCounty(0)
	if err := db.LoadCounty(sanlian.NewSystemContext(ctx), county); err != nil {
		return fmt.Errorf("load county: %w", err)
	}
	start := time.Now()
	if err := bulkProblems(db, n); err != nil {
		return fmt.Errorf("load problems: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench: loaded %d problems on %s in %v\n", n, engine, time.Since(start).Round(time.Millisecond))
	c.db, c.office = db, county.Accounts[0].User
	return nil
}

// benchDatabase makes an empty database of engine for a benchmark table: a
// file in a temporary directory, or a schema of its own.
func benchDatabase(engine string) (dsn string, cleanup func(), err error) {
	if engine == "sqlite" {
		dir, err := os.MkdirTemp("", "sanlian-bench-problems-")
		if err != nil {
			return "", func() {}, err
		}
		return filepath.Join(dir, "problems.db"), func() { os.RemoveAll(dir) }, nil
	}
	base := os.Getenv("SANLIAN_TEST_PG")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", func() {}, err
	}
	defer admin.Close()
	r := make([]byte, 6)
	rand.Read(r)
	schema := "bench_" + hex.EncodeToString(r)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", func() {}, fmt.Errorf("create schema: %w", err)
	}
	cleanup = func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	}
	dsn, err = inSchema(base, schema)
	return dsn, cleanup, err
}

// inSchema is the PostgreSQL URL base with its search_path set to schema.
func inSchema(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// benchRaw opens a connection around the services on db's database. For
// the create baseline it has the pragmas of db's writer; for bulk loading
// SQLite it drops durability and foreign-key checks, which the generated
// rows do not need.
func benchRaw(tb testing.TB, db *sqldb.DB, load bool) *sql.DB {
	tb.Helper()
	raw, err := openRaw(db, load)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

func openRaw(db *sqldb.DB, load bool) (*sql.DB, error) {
	driver, dsn := "pgx", db.DSN
	if db.Dialect == sqldb.SQLite {
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		if load {
			pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(0)&_pragma=synchronous(OFF)" +
				"&_pragma=cache_size(-524288)"
		}
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(db.DSN, "file:")+"?"+pragmas
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	raw.SetMaxOpenConns(1)
	return raw, nil
}

// rebind turns ? placeholders into $n for PostgreSQL.
func rebind(db *sqldb.DB, q string) string {
	if db.Dialect != sqldb.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// benchTitles are problem titles and a sentence to describe each; one in
// twenty is about street lights (路灯), the search benchmark's word.
var benchTitles = [][2]string{
	{"村口路灯不亮", "夜间出行不便，老人小孩容易摔倒"},
	{"饮水管道漏水", "自来水管破裂多日无人维修"},
	{"通组公路破损", "雨后坑洼积水，车辆无法通行"},
	{"低保待遇未落实", "家庭困难申请低保半年未有答复"},
	{"垃圾清运不及时", "垃圾池满溢，气味难闻"},
	{"学校周边交通安全", "上下学时段车辆多，缺少减速带"},
	{"医保报销慢", "住院费用报销材料交了两个月还未到账"},
	{"危房改造补助未到位", "房屋改造完成后补助资金迟迟未发"},
	{"河道垃圾堆积", "河道两岸垃圾堆积影响环境"},
	{"农网电压不稳", "用电高峰电压低，家电无法使用"},
	{"独居老人无人照料", "老人独居行动不便，希望上门服务"},
	{"灌溉水渠堵塞", "水渠淤塞影响春耕灌溉"},
	{"养老金未按时发放", "本月养老金至今未到账"},
	{"集市占道经营", "赶集日占道经营堵塞交通"},
	{"自来水水质浑浊", "下雨后自来水发黄浑浊"},
	{"山塘渗漏", "山塘坝体渗水存在安全隐患"},
	{"村卫生室缺药", "常用药品经常缺货，看病要跑镇上"},
	{"宽带网络信号差", "手机信号弱，孩子上网课困难"},
	{"就业培训需求", "返乡青年希望参加技能培训"},
	{"茶园道路硬化", "茶叶运输道路泥泞，希望硬化"},
}

// benchProblemCols are the columns bulkProblems writes.
var benchProblemCols = []string{"id", "number", "state", "version", "source", "category", "village_code", "township_code",
	"reporter_name", "reporter_phone", "title", "description", "urgency", "unit_id", "person_id", "assigned_at", "accept_due",
	"accepted_at", "resolve_due", "resolved_at", "closed_at", "callback_solved", "callback_satisfaction", "callback_at",
	"reopened", "created_at", "updated_at"}

// mix is a splitmix64 step: a deterministic, well-spread value per (i, salt).
func mix(i int, salt uint64) uint64 {
	z := uint64(i)*0x9e3779b97f4a7c15 + salt*0xbf58476d1ce4e5b9
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// benchProblem is problem i of n as column values (benchProblemCols) and
// its search document. Problems are entered evenly over 2021–2024, ids in
// order of entry; states follow a ledger at work: of the last 60 days'
// problems, mostly closed and a third being handled; of older ones, all
// finished but one in fifty, the long-stuck cases a county still carries.
func benchProblem(i, n int, villages [][3]string) ([]any, string) {
	day := func(t time.Time, d int) time.Time {
		y, m, dd := t.In(sanlian.Shanghai).Date()
		return time.Date(y, m, dd+d+1, 0, 0, 0, 0, sanlian.Shanghai).UTC() // 24:00 of the d-th day after
	}
	start := time.Date(2021, 1, 4, 8, 0, 0, 0, sanlian.Shanghai)
	created := start.Add(time.Duration(int64(4*365*24*time.Hour) / int64(n) * int64(i))).UTC()
	t := benchTitles[mix(i, 1)%uint64(len(benchTitles))]
	v := villages[mix(i, 2)%uint64(len(villages))]
	states := []string{"submitted", "assigned", "assigned", "accepted", "accepted", "accepted", "accepted", "accepted", "accepted",
		"resolved", "resolved", "closed", "closed", "closed", "closed", "closed", "closed", "closed", "closed", "rejected"}
	state := states[mix(i, 3)%uint64(len(states))]
	if open := state == "submitted" || state == "assigned" || state == "accepted"; open && mix(i, 15)%50 != 0 &&
		created.Before(start.AddDate(4, 0, -60).UTC()) {
		state = "closed"
	}
	cats := []string{"employment", "education", "social_health", "elderly", "childcare", "housing", "transport",
		"construction", "rural", "food_drug", "business", "policy"}
	desc := fmt.Sprintf("%s%s：%s，%s。群众第%d次反映。", v[1], t[0], t[1], benchTitles[mix(i, 4)%uint64(len(benchTitles))][1], 1+mix(i, 5)%3)
	urgency := "normal"
	if mix(i, 6)%10 == 0 {
		urgency = "urgent"
	}
	var unit, person, assigned, acceptDue, accepted, resolveDue, resolved, closed, cbAt any
	solved, satisfaction := "", ""
	if state != "submitted" && state != "rejected" {
		unit, person = int64(1+mix(i, 7)%64), int64(24+mix(i, 8)%7977)
		a := created.Add(2 * time.Hour)
		assigned, acceptDue, resolveDue = a, day(a, 1+int(mix(i, 9)%2)), day(a, 15+int(mix(i, 10)%10))
		if state != "assigned" {
			accepted = a.Add(20 * time.Hour)
		}
		if state == "resolved" || state == "closed" {
			resolved = a.Add(time.Duration(3+mix(i, 11)%20) * 24 * time.Hour)
		}
		if state == "closed" {
			cb := resolved.(time.Time).Add(48 * time.Hour)
			cbAt, closed, solved, satisfaction = cb, cb.Add(time.Hour), "yes", []string{"satisfied", "basic"}[mix(i, 12)%2]
		}
	}
	return []any{int64(i), fmt.Sprintf("安化-%d-%07d", created.In(sanlian.Shanghai).Year(), i), state, 1,
		sanlian.Sources[mix(i, 13)%uint64(len(sanlian.Sources))], cats[mix(i, 14)%uint64(len(cats))], v[0], v[2],
		"群众" + fmt.Sprint(i%1000), fmt.Sprintf("139%08d", i), t[0], desc, urgency, unit, person, assigned, acceptDue,
		accepted, resolveDue, resolved, closed, solved, satisfaction, cbAt, 0, created, created,
	}, sanlian.SearchDocument(t[0], desc)
}

// bulkProblems writes problems 1..n with multi-row INSERTs through a raw
// connection, the search index beside them (problem_fts on SQLite, the
// search column on PostgreSQL), then refreshes the planner's statistics.
// As bulk loads do, it drops the table's secondary indexes first and builds
// them again at the end (from their own definitions, so indexes added by
// later migrations come back too). On PostgreSQL it also skips the
// foreign-key triggers (session_replication_role, when the role may set
// it) and writes the search column as a tsvector literal made in Go, which
// a sample checks against to_tsvector('simple', …): the parser cost more
// than the rest of the row. Rows are generated on a goroutine of their own
// while the database writes. Together this took the 1,000,000-row load on
// PostgreSQL from 4m42s to about 1m30s on the machine it was written on.
func bulkProblems(db *sqldb.DB, n int) error {
	raw, err := openRaw(db, true)
	if err != nil {
		return err
	}
	defer raw.Close()
	pg := db.Dialect == sqldb.Postgres
	villages, err := benchVillages(raw)
	if err != nil {
		return err
	}
	indexes, err := dropIndexes(raw, pg, "problems")
	if err != nil {
		return err
	}
	if pg {
		// Only a superuser may; without it the load is slower, not wrong.
		if _, err := raw.Exec(`SET session_replication_role = replica`); err != nil {
			fmt.Fprintf(os.Stderr, "bench: foreign keys checked during the load: %v\n", err)
		}
	}

	cols := strings.Join(benchProblemCols, ", ")
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(benchProblemCols)), ", ")
	if pg {
		cols += ", search"
		one += ", CAST(? AS text)::tsvector" // a text parameter: pgx's own tsvector encoding is slower
	}
	one += ")"
	type batch struct {
		lo, hi      int
		args, fargs []any
	}
	batches := make(chan batch, 4)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(batches)
		for lo := 1; lo <= n; lo += benchBulkRows {
			bt := batch{lo: lo, hi: min(lo+benchBulkRows-1, n)}
			bt.args = make([]any, 0, (bt.hi-lo+1)*(len(benchProblemCols)+1))
			for i := lo; i <= bt.hi; i++ {
				vals, doc := benchProblem(i, n, villages)
				bt.args = append(bt.args, vals...)
				if pg {
					bt.args = append(bt.args, tsvectorLiteral(doc))
				} else {
					bt.fargs = append(bt.fargs, int64(i), doc)
				}
			}
			select {
			case batches <- bt:
			case <-stop:
				return
			}
		}
	}()
	values := func(k int, row string) string {
		return strings.TrimSuffix(strings.Repeat(row+", ", k), ", ")
	}
	var tx *sql.Tx
	var stmts map[string]*sql.Stmt // prepared once a transaction: parsing 1,000 rows of VALUES is not free
	exec := func(q string, args []any) error {
		st, ok := stmts[q]
		if !ok {
			var err error
			if st, err = tx.Prepare(q); err != nil {
				return err
			}
			stmts[q] = st
		}
		_, err := st.Exec(args...)
		return err
	}
	inTx := 0
	for bt := range batches {
		if tx == nil {
			if tx, err = raw.Begin(); err != nil {
				return err
			}
			stmts = map[string]*sql.Stmt{}
		}
		k := bt.hi - bt.lo + 1
		if err := exec(rebind(db, "INSERT INTO problems ("+cols+") VALUES "+values(k, one)), bt.args); err != nil {
			tx.Rollback()
			return err
		}
		if !pg {
			if err := exec("INSERT INTO problem_fts (rowid, tokens) VALUES "+values(k, "(?, ?)"), bt.fargs); err != nil {
				tx.Rollback()
				return err
			}
		}
		if inTx += k; inTx >= benchTxRows || bt.hi == n {
			if err := tx.Commit(); err != nil { // closes the statements
				return err
			}
			tx, inTx = nil, 0
		}
	}
	for _, ix := range indexes {
		if _, err := raw.Exec(ix); err != nil {
			return fmt.Errorf("%s: %w", ix, err)
		}
	}
	if !pg {
		_, err = raw.Exec(`ANALYZE`)
		return err
	}
	if _, err := raw.Exec(`SET session_replication_role = DEFAULT`); err != nil {
		return err
	}
	if _, err := raw.Exec(`SELECT setval(pg_get_serial_sequence('problems', 'id'), $1, true)`, n); err != nil {
		return err
	}
	for i := 1; i <= n; i += max(1, n/100) {
		_, doc := benchProblem(i, n, villages)
		var same bool
		if err := raw.QueryRow(`SELECT search = to_tsvector('simple', $1) FROM problems WHERE id = $2`, doc, i).Scan(&same); err != nil {
			return err
		} else if !same {
			return fmt.Errorf("problem %d: the search literal differs from to_tsvector('simple', %q)", i, doc)
		}
	}
	_, err = raw.Exec(`VACUUM ANALYZE problems`)
	return err
}

// benchVillages lists the villages as code, name and township code.
func benchVillages(raw *sql.DB) ([][3]string, error) {
	rows, err := raw.Query(`SELECT code, name, parent_code FROM regions WHERE kind = 'village' ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][3]string
	for rows.Next() {
		var v [3]string
		if err := rows.Scan(&v[0], &v[1], &v[2]); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// dropIndexes drops the secondary indexes of table (not those behind
// its primary key and unique constraints) and returns the statements that
// create them again.
func dropIndexes(raw *sql.DB, pg bool, table string) ([]string, error) {
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '` + table + `' AND sql IS NOT NULL`
	if pg {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '` + table + `'
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = '` + table + `'::regclass)`
	}
	rows, err := raw.Query(q)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := raw.Exec(`DROP INDEX ` + name); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// tsvectorLiteral is what to_tsvector('simple', doc) makes of a search
// document, as tsvector input: each distinct token quoted, with the
// positions where it occurs. Tokens are bigrams, lone characters and
// lower-case words, which the default parser takes whole.
func tsvectorLiteral(doc string) string {
	pos := map[string][]int{}
	var order []string
	for i, tok := range strings.Fields(doc) {
		if _, ok := pos[tok]; !ok {
			order = append(order, tok)
		}
		pos[tok] = append(pos[tok], i+1)
	}
	var b strings.Builder
	for i, tok := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('\'')
		if strings.ContainsAny(tok, `'\`) {
			tok = strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(tok)
		}
		b.WriteString(tok)
		b.WriteString("':")
		for j, p := range pos[tok] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}
