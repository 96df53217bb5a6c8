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
	"strconv"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// The benchmarks run on a county of SPEC §8's size: 23 townships, 437
// villages, 300,000 households, 8,000 cadres. It is built once per engine
// per run (SQLite in a file under os.TempDir, PostgreSQL in a schema of its
// own) and shared by every benchmark; TestMain removes it at the end.
// SANLIAN_BENCH_HOUSEHOLDS overrides the size for a quick look.

const (
	benchTownships         = 23
	benchVillagesPerTown   = 19
	benchCadres            = 8000
	benchDepartments       = 40
	benchDefaultHouseholds = 300_000
	benchPageSize          = 50
	benchDeepPage          = 500
)

// benchCounty is a loaded synthetic county on one engine.
type benchCounty struct {
	db      *sqldb.DB
	office  *sanlian.User
	cleanup func()
	err     error

	deepOnce   sync.Once
	deepCursor string // the cursor of page benchDeepPage
	deepErr    error
}

var (
	benchOnce     = map[string]*sync.Once{"sqlite": {}, "postgres": {}}
	benchCounties = map[string]*benchCounty{"sqlite": {}, "postgres": {}}
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range benchCounties {
		if c.cleanup != nil {
			c.cleanup()
		}
	}
	os.Exit(code)
}

func benchHouseholds() int {
	if n, err := strconv.Atoi(os.Getenv("SANLIAN_BENCH_HOUSEHOLDS")); err == nil && n > 0 {
		return n
	}
	return benchDefaultHouseholds
}

// syntheticCounty builds a county of n households whose every ID number
// passes its check digit. Ids are assigned here, so the office's keyset
// walk knows where page k begins.
func syntheticCounty(n int) *sanlian.County {
	c := &sanlian.County{}
	add := func(code, name, kind, parent string) {
		c.Regions = append(c.Regions, &sanlian.Region{Code: code, Name: name, Kind: kind, ParentCode: parent})
	}
	const county = "430923000000"
	add(county, "安化县", sanlian.RegionCounty, "")
	var villages []string
	for t := range benchTownships {
		tc := fmt.Sprintf("430923%03d000", 100+t)
		add(tc, fmt.Sprintf("第%d镇", t+1), sanlian.RegionTownship, county)
		for v := range benchVillagesPerTown {
			vc := fmt.Sprintf("430923%03d%03d", 100+t, v+1)
			add(vc, fmt.Sprintf("第%d镇第%d村", t+1, v+1), sanlian.RegionVillage, tc)
			villages = append(villages, vc)
		}
	}
	// Units: 1–23 township governments, 24 the county government office
	// (the leaders' unit), then the departments.
	for t := range benchTownships {
		c.Units = append(c.Units, &sanlian.Unit{ID: int64(t + 1), Name: fmt.Sprintf("第%d镇人民政府", t+1),
			Kind: sanlian.UnitTownship, TownshipCode: fmt.Sprintf("430923%03d000", 100+t)})
	}
	c.Units = append(c.Units, &sanlian.Unit{ID: benchTownships + 1, Name: "县政府办公室", Kind: sanlian.UnitDepartment})
	for d := range benchDepartments {
		c.Units = append(c.Units, &sanlian.Unit{ID: int64(benchTownships + 2 + d), Name: fmt.Sprintf("县直部门%d", d+1), Kind: sanlian.UnitDepartment})
	}
	units := int64(len(c.Units))
	surnames := []rune("刘陈张李王杨黄赵周吴徐孙胡朱高林何郭马罗")
	given := []rune("建国明华芳刚丽军平红英志强伟秀兰德福春")
	name := func(i int) string {
		return string(surnames[i%len(surnames)]) + string(given[(i/len(surnames))%len(given)]) + string(given[(i/7)%len(given)])
	}
	// Cadres 1–23 are the county leaders, one a township.
	for i := 1; i <= benchCadres; i++ {
		x := &sanlian.Cadre{ID: int64(i), Name: name(i), PartyMember: true, Phone: fmt.Sprintf("138%08d", i), Post: "干部"}
		if i <= benchTownships {
			x.UnitID, x.IsLeader, x.Post = benchTownships+1, true, "副县长"
		} else {
			x.UnitID = 1 + int64(i)%units
		}
		c.Cadres = append(c.Cadres, x)
	}
	perVillage := (n + len(villages) - 1) / len(villages)
	for i := 1; i <= n; i++ {
		first17 := fmt.Sprintf("430923%04d%02d%02d%03d", 1940+i%60, 1+i%12, 1+i%28, i%1000)
		h := &sanlian.Household{
			ID: int64(i), VillageCode: villages[(i-1)/perVillage], HeadName: name(i),
			IDNumber: sqldbtest.IDNumber(first17), Phone: fmt.Sprintf("139%08d", i),
			Address: fmt.Sprintf("%d组%d号", i%12+1, i%200+1), Members: i%6 + 1, Tags: []sanlian.Tag{},
		}
		switch {
		case i%37 == 0:
			h.Tags = []sanlian.Tag{{Kind: sanlian.TagConflict}}
		case i%10 == 0:
			h.Tags = []sanlian.Tag{{Kind: sanlian.TagKeyGroup, Sub: "低保"}}
		case i%53 == 0:
			h.Tags = []sanlian.Tag{{Kind: sanlian.TagRepresentative, Sub: "村两委"}}
		}
		c.Households = append(c.Households, h)
	}
	id := int64(0)
	link := func(l *sanlian.Link) { id++; l.ID = id; c.Links = append(c.Links, l) }
	for t := range benchTownships {
		link(&sanlian.Link{Kind: sanlian.LinkTownship, CadreID: int64(t + 1), RegionCode: fmt.Sprintf("430923%03d000", 100+t)})
	}
	for v, vc := range villages {
		link(&sanlian.Link{Kind: sanlian.LinkVillage, UnitID: int64(v/benchVillagesPerTown + 1), RegionCode: vc})
		link(&sanlian.Link{Kind: sanlian.LinkVillage, UnitID: int64(benchTownships + 2 + v%benchDepartments), RegionCode: vc})
	}
	// A third of the households have a cadre: about a dozen each.
	others := int64(benchCadres - benchTownships)
	for i := 3; i <= n; i += 3 {
		link(&sanlian.Link{Kind: sanlian.LinkHousehold, CadreID: benchTownships + 1 + int64(i/3)%others, HouseholdID: int64(i)})
	}
	c.Accounts = []*sanlian.Account{{Password: sqldbtest.Password,
		User: &sanlian.User{Username: "office", DisplayName: "县办", Role: sanlian.RoleOffice}}}
	return c
}

// countyFor returns the shared county on engine, loading it on first use.
func countyFor(b *testing.B, engine string) *benchCounty {
	b.Helper()
	if testing.Short() {
		b.Skip("the 300,000-household county is not built under -short")
	}
	c := benchCounties[engine]
	benchOnce[engine].Do(func() { c.err = loadBenchCounty(c, engine, benchHouseholds()) })
	if c.err != nil {
		b.Fatal(c.err)
	}
	return c
}

func loadBenchCounty(c *benchCounty, engine string, n int) error {
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		dsn = filepath.Join(os.TempDir(), "sanlian-bench-county.db")
		remove := func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(dsn + suffix)
			}
		}
		remove()
		c.cleanup = remove
	case "postgres":
		base := os.Getenv("SANLIAN_TEST_PG")
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer admin.Close()
		r := make([]byte, 6)
		rand.Read(r)
		schema := "bench_" + hex.EncodeToString(r)
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		c.cleanup = func() {
			if a, err := sql.Open("pgx", base); err == nil {
				a.Exec("DROP SCHEMA " + schema + " CASCADE")
				a.Close()
			}
		}
		u, err := url.Parse(base)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		return err
	}
	clean := c.cleanup
	c.cleanup = func() { db.Close(); clean() }
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	county := syntheticCounty(n)
	start := time.Now()
	if err := db.LoadCounty(sanlian.NewSystemContext(ctx), county); err != nil {
		return fmt.Errorf("load county: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench: loaded %d households, %d links on %s in %v\n",
		len(county.Households), len(county.Links), engine, time.Since(start).Round(time.Millisecond))
	c.db, c.office = db, county.Accounts[0].User
	return nil
}

// deep walks the office's keyset cursor to page benchDeepPage once.
func (c *benchCounty) deep(b *testing.B) string {
	b.Helper()
	c.deepOnce.Do(func() {
		ctx := sqldbtest.As(c.office)
		cursor := ""
		for page := 1; page < benchDeepPage; page++ {
			hs, next, err := c.db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{Limit: benchPageSize, Cursor: cursor})
			if err != nil {
				c.deepErr = err
				return
			}
			if next == "" || len(hs) != benchPageSize {
				c.deepErr = fmt.Errorf("page %d: %d rows, next %q", page, len(hs), next)
				return
			}
			cursor = next
		}
		c.deepCursor = cursor
	})
	if c.deepErr != nil {
		b.Fatal(c.deepErr)
	}
	return c.deepCursor
}

func BenchmarkHouseholds(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := countyFor(b, engine)
			ctx := sqldbtest.As(c.office)
			b.Run("page1", func(b *testing.B) {
				for b.Loop() {
					hs, _, err := c.db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{Limit: benchPageSize})
					if err != nil || len(hs) != benchPageSize || hs[0].ID != 1 {
						b.Fatalf("page 1: %d rows, %v", len(hs), err)
					}
				}
			})
			b.Run(fmt.Sprintf("page%d", benchDeepPage), func(b *testing.B) {
				cursor := c.deep(b)
				first := int64((benchDeepPage-1)*benchPageSize + 1)
				for b.Loop() {
					hs, _, err := c.db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{Limit: benchPageSize, Cursor: cursor})
					if err != nil || len(hs) != benchPageSize || hs[0].ID != first {
						b.Fatalf("page %d: %d rows, %v", benchDeepPage, len(hs), err)
					}
				}
			})
		})
	}
}

func BenchmarkLogin(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := countyFor(b, engine)
			ctx := context.Background()
			for b.Loop() {
				if _, _, err := c.db.Accounts.Login(ctx, "office", sqldbtest.Password, "api"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLinkCoverage times the coverage summary of the whole county
// beside a plain COUNT(*) of its households, the floor for any query that
// looks at every household.
func BenchmarkLinkCoverage(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := countyFor(b, engine)
			ctx := sqldbtest.As(c.office)
			b.Run("coverage", func(b *testing.B) {
				for b.Loop() {
					cov, err := c.db.Org.LinkCoverage(ctx)
					if err != nil || cov.Households != benchHouseholds() {
						b.Fatalf("coverage: %+v %v", cov, err)
					}
				}
			})
			b.Run("count", func(b *testing.B) {
				raw := MustRaw(b, c.db)
				for b.Loop() {
					var n int
					if err := raw.QueryRow("SELECT COUNT(*) FROM households").Scan(&n); err != nil || n != benchHouseholds() {
						b.Fatalf("count: %d %v", n, err)
					}
				}
			})
		})
	}
}
