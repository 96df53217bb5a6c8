package sqldb_test

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// The visit coverage benchmark runs on the 300,000-household county of
// bench_test.go with a month of visits added: 100,000 visits in May 2021
// (95 % by cadres to their linked households, the rest units to their
// villages and leaders to their townships), each with its visitors and
// one to three topics from a bank of 120, and about 15,000 problems raised
// on them. The visits are bulk-inserted through a raw connection once per
// engine; the county then serves the other benchmarks as before.
//
//	go test ./sqldb -run '^$' -bench VisitCoverage -benchtime 5x
//
// BenchmarkVisitCoverage/{engine}/count is the floor: a plain COUNT(*) of
// the visits and one of the households. .../coverage is the report for
// the whole county, with x-count its time as a multiple of the floor;
// .../township the report for one township, as the leader's page asks it.

const (
	benchVisits        = 100_000
	benchVisitTopics   = 120
	benchVisitRows     = 500    // rows per multi-row INSERT
	benchVisitTxRows   = 25_000 // visits per transaction
	benchVisitProblemN = 15     // problems per 100 visits
)

var benchVisitWindow = sanlian.Window{From: "2021-05-01", To: "2021-05-31"}

var (
	visitsOnce = map[string]*sync.Once{"sqlite": {}, "postgres": {}}
	visitsErr  = map[string]error{}
)

// visitCountyFor returns the shared county on engine with the month of
// visits loaded, loading both on first use.
func visitCountyFor(b *testing.B, engine string) *benchCounty {
	b.Helper()
	c := countyFor(b, engine)
	visitsOnce[engine].Do(func() {
		start := time.Now()
		n, p, err := bulkVisits(b, c.db)
		visitsErr[engine] = err
		if err == nil {
			fmt.Fprintf(os.Stderr, "bench: loaded %d visits, %d problems on %s in %v\n", n, p, engine, time.Since(start).Round(time.Millisecond))
		}
	})
	if err := visitsErr[engine]; err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkVisitCoverage(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			c := visitCountyFor(b, engine)
			ctx := sqldbtest.As(c.office)
			var floor float64 // ns/op of count, this run
			b.Run("count", func(b *testing.B) {
				raw := MustRaw(b, c.db)
				for b.Loop() {
					var v, h int
					if err := raw.QueryRow("SELECT COUNT(*) FROM visits").Scan(&v); err != nil || v != benchVisits {
						b.Fatalf("visits: %d %v", v, err)
					}
					if err := raw.QueryRow("SELECT COUNT(*) FROM households").Scan(&h); err != nil || h != benchHouseholds() {
						b.Fatalf("households: %d %v", h, err)
					}
				}
				floor = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			})
			b.Run("coverage", func(b *testing.B) {
				for b.Loop() {
					cov, err := c.db.Work.VisitCoverage(ctx, benchVisitWindow, sanlian.CoverageScope{Kind: sanlian.ScopeCounty})
					if err != nil || cov.Visits != benchVisits || cov.Households != benchHouseholds() {
						b.Fatalf("coverage: visits %d households %d, %v", cov.Visits, cov.Households, err)
					}
				}
				if floor > 0 {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floor, "x-count")
				}
			})
			b.Run("township", func(b *testing.B) {
				for b.Loop() {
					cov, err := c.db.Work.VisitCoverage(ctx, benchVisitWindow, sanlian.CoverageScope{Kind: sanlian.ScopeTownship, ID: "430923105000"})
					if err != nil || cov.Visits == 0 {
						b.Fatalf("township coverage: %+v %v", cov, err)
					}
				}
				if floor > 0 {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floor, "x-count")
				}
			})
		})
	}
}

// benchInserter writes rows of one table with multi-row INSERTs in the
// placeholders of the engine, after the rows of parent that they refer to.
type benchInserter struct {
	tx     *sql.Tx
	pg     bool
	head   string
	ncols  int
	parent *benchInserter
	rows   [][]any
}

func (ins *benchInserter) add(vals ...any) error {
	ins.rows = append(ins.rows, vals)
	if len(ins.rows) == benchVisitRows {
		return ins.flush()
	}
	return nil
}

func (ins *benchInserter) flush() error {
	if ins.parent != nil {
		if err := ins.parent.flush(); err != nil {
			return err
		}
	}
	if len(ins.rows) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(ins.head)
	args := make([]any, 0, len(ins.rows)*ins.ncols)
	for i, r := range ins.rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j := range r {
			if j > 0 {
				q.WriteString(", ")
			}
			if ins.pg {
				fmt.Fprintf(&q, "$%d", len(args)+1)
			} else {
				q.WriteByte('?')
			}
			args = append(args, r[j])
		}
		q.WriteByte(')')
	}
	ins.rows = ins.rows[:0]
	_, err := ins.tx.Exec(q.String(), args...)
	return err
}

// bulkVisits adds the topic bank, the visits with their visitors and
// topics, and the problems raised on them to the bench county, and returns
// how many visits and problems it wrote. Ids continue after the county's
// (none yet); PostgreSQL's identity sequences are moved past them.
func bulkVisits(tb testing.TB, db *sqldb.DB) (int, int, error) {
	raw := MustRaw(tb, db)
	pg := db.Dialect == sqldb.Postgres
	now := time.Date(2021, 4, 1, 9, 0, 0, 0, sanlian.Shanghai).UTC()

	// The cadre's linked households, with their village and township.
	type linked struct {
		household, cadre  int64
		village, township string
	}
	var hhs []linked
	rows, err := raw.Query(`SELECT l.household_id, l.cadre_id, h.village_code, r.parent_code FROM links l
		JOIN households h ON h.id = l.household_id JOIN regions r ON r.code = h.village_code
		WHERE l.kind = 'household' AND l.ended_at IS NULL ORDER BY l.household_id`)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var x linked
		if err := rows.Scan(&x.household, &x.cadre, &x.village, &x.township); err != nil {
			rows.Close()
			return 0, 0, err
		}
		hhs = append(hhs, x)
	}
	rows.Close()
	type villageLink struct {
		unit              int64
		village, township string
	}
	var vls []villageLink
	rows, err = raw.Query(`SELECT l.unit_id, l.region_code, r.parent_code FROM links l JOIN regions r ON r.code = l.region_code
		WHERE l.kind = 'village' AND l.ended_at IS NULL ORDER BY l.id`)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var x villageLink
		if err := rows.Scan(&x.unit, &x.village, &x.township); err != nil {
			rows.Close()
			return 0, 0, err
		}
		vls = append(vls, x)
	}
	rows.Close()
	type townshipLink struct {
		cadre    int64
		township string
	}
	var tls []townshipLink
	rows, err = raw.Query(`SELECT cadre_id, region_code FROM links WHERE kind = 'township' AND ended_at IS NULL ORDER BY id`)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var x townshipLink
		if err := rows.Scan(&x.cadre, &x.township); err != nil {
			rows.Close()
			return 0, 0, err
		}
		tls = append(tls, x)
	}
	rows.Close()
	if len(hhs) == 0 || len(vls) == 0 || len(tls) == 0 {
		return 0, 0, fmt.Errorf("bench county has no links (%d, %d, %d)", len(hhs), len(vls), len(tls))
	}

	cats := []string{"employment", "education", "social_health", "elderly", "childcare", "housing", "transport",
		"construction", "rural", "food_drug", "business", "policy"}
	tx, err := raw.Begin()
	if err != nil {
		return 0, 0, err
	}
	topics := &benchInserter{tx: tx, pg: pg, ncols: 7,
		head: "INSERT INTO topics (id, category, question, active, sort, created_at, updated_at) VALUES "}
	for i := 1; i <= benchVisitTopics; i++ {
		if err := topics.add(int64(i), cats[(i-1)%len(cats)], fmt.Sprintf("第%d题：%s方面群众有什么困难和期盼？", i, cats[(i-1)%len(cats)]),
			true, i, now, now); err != nil {
			tx.Rollback()
			return 0, 0, err
		}
	}
	if err := topics.flush(); err != nil {
		tx.Rollback()
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}

	problems := 0
	for from := 1; from <= benchVisits; from += benchVisitTxRows {
		to := min(from+benchVisitTxRows-1, benchVisits)
		tx, err := raw.Begin()
		if err != nil {
			return 0, 0, err
		}
		visits := &benchInserter{tx: tx, pg: pg, ncols: 12, head: `INSERT INTO visits (id, kind, date, cadre_id, unit_id, household_id,
			region_code, village_code, township_code, met, findings, created_at) VALUES `}
		visitors := &benchInserter{tx: tx, pg: pg, ncols: 2, parent: visits, head: "INSERT INTO visit_visitors (visit_id, cadre_id) VALUES "}
		vtopics := &benchInserter{tx: tx, pg: pg, ncols: 2, parent: visits, head: "INSERT INTO visit_topics (visit_id, topic_id) VALUES "}
		probs := &benchInserter{tx: tx, pg: pg, ncols: 14, parent: visits, head: `INSERT INTO problems (id, number, state, source, category,
			village_code, township_code, household_id, reporter_name, title, description, visit_id, created_at, updated_at) VALUES `}
		err = func() error {
			for i := from; i <= to; i++ {
				id := int64(i)
				date := time.Date(2021, 5, 1+int(mix(i, 21)%31), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
				at, _ := time.ParseInLocation("2006-01-02 15:04", date+" 16:00", sanlian.Shanghai)
				var cadre, unit, household any
				var region, village, township any
				switch k := mix(i, 22) % 200; {
				case k == 0: // a leader's township visit
					t := tls[mix(i, 23)%uint64(len(tls))]
					cadre, region, township = t.cadre, t.township, t.township
				case k < 10: // a unit's village visit
					v := vls[mix(i, 23)%uint64(len(vls))]
					unit, region, village, township = v.unit, v.village, v.village, v.township
				default: // a cadre's household visit
					h := hhs[mix(i, 23)%uint64(len(hhs))]
					cadre, household, region, village, township = h.cadre, h.household, h.village, h.village, h.township
				}
				kind := sanlian.VisitHousehold
				switch {
				case household == nil && unit != nil:
					kind = sanlian.VisitVillage
				case household == nil:
					kind = sanlian.VisitTownship
				}
				if err := visits.add(id, kind, date, cadre, unit, household, region, village, township,
					"户主及家人", "了解家庭生产生活情况，宣传惠民政策", at.UTC()); err != nil {
					return err
				}
				if cadre != nil {
					if err := visitors.add(id, cadre); err != nil {
						return err
					}
				}
				first := 1 + int64(mix(i, 24)%benchVisitTopics)
				for j := range int64(1 + mix(i, 25)%3) {
					if err := vtopics.add(id, 1+(first-1+j*41)%benchVisitTopics); err != nil {
						return err
					}
				}
				if mix(i, 26)%100 < benchVisitProblemN && village != nil {
					problems++
					t := benchTitles[mix(i, 27)%uint64(len(benchTitles))]
					state := []string{"submitted", "assigned", "accepted", "accepted", "resolved", "closed"}[mix(i, 28)%6]
					if err := probs.add(int64(problems), fmt.Sprintf("走访-2021-%07d", problems), state, sanlian.SourceVisit,
						cats[mix(i, 29)%uint64(len(cats))], village, township, household, "群众", t[0], t[0]+"，"+t[1],
						id, at.UTC(), at.UTC()); err != nil {
						return err
					}
				}
			}
			for _, ins := range []*benchInserter{visits, visitors, vtopics, probs} {
				if err := ins.flush(); err != nil {
					return err
				}
			}
			return nil
		}()
		if err != nil {
			tx.Rollback()
			return 0, 0, fmt.Errorf("visits %d–%d: %w", from, to, err)
		}
		if err := tx.Commit(); err != nil {
			return 0, 0, err
		}
	}
	if pg {
		for _, t := range []string{"topics", "visits", "problems"} {
			if _, err := raw.Exec(fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", t, t)); err != nil {
				return 0, 0, err
			}
		}
		// What autovacuum does soon after a load: statistics for the
		// planner, and the visibility map that index-only scans need.
		if _, err := raw.Exec("VACUUM ANALYZE"); err != nil {
			return 0, 0, err
		}
	}
	return benchVisits, problems, nil
}
