package sqldb_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// benchProjects is the size of the project list the benchmarks read: a
// county's lists run to a few thousand lines, a province's to more.
const benchProjects = 20_000

// seedProjects writes n projects straight into SmallCounty's tables, spread
// over its five units, statuses, end dates and last progress dates.
func seedProjects(b *testing.B, db *sqldb.DB, n int) {
	b.Helper()
	raw := MustRaw(b, db)
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	q := `INSERT INTO projects (unit_id, title, target, measure, done, start_date, end_date, status, progress, last_progress, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if db.Dialect == sqldb.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	stmt, err := tx.Prepare(q)
	if err != nil {
		b.Fatal(err)
	}
	statuses := sanlian.ProjectStatuses
	day := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Now().UTC()
	for i := range n {
		start := day.AddDate(0, 0, i%200)
		last := ""
		if i%3 != 0 {
			last = start.AddDate(0, 0, 10+i%120).Format("2006-01-02")
		}
		if _, err := stmt.Exec(1+i%5, fmt.Sprintf("服务项目 %d", i), 100, "户", i%100, start.Format("2006-01-02"),
			start.AddDate(0, 0, 90+i%300).Format("2006-01-02"), statuses[i%len(statuses)], i%100, last, now, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkProjects reads the first page of the list under filters and
// scopes, and records progress on a third-level project, whose two
// ancestors roll up in the same transaction.
func BenchmarkProjects(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.Open(b, engine)
			users := sqldbtest.LoadSmall(b, db)
			seedProjects(b, db, benchProjects)
			clockAt(db, "2021-06-20 10:00")
			for name, c := range map[string]struct {
				user string
				f    sanlian.ProjectFilter
			}{
				"List":      {"office", sanlian.ProjectFilter{}},
				"Stalled":   {"office", sanlian.ProjectFilter{Stalled: true}},
				"Overdue":   {"office", sanlian.ProjectFilter{Overdue: true, UnitID: 3}},
				"Search":    {"office", sanlian.ProjectFilter{Q: "项目 1999"}},
				"UnitAdmin": {"unitadmin", sanlian.ProjectFilter{}},
				"Leader":    {"leader", sanlian.ProjectFilter{}},
			} {
				ctx := sqldbtest.As(users[c.user])
				b.Run("Find"+name, func(b *testing.B) {
					for b.Loop() {
						ps, _, err := db.Lists.FindProjects(ctx, c.f)
						if err != nil || len(ps) == 0 {
							b.Fatalf("%d projects, %v", len(ps), err)
						}
					}
				})
			}
			b.Run("AddProgress", func(b *testing.B) {
				office := users["office"]
				mk := func(title string, parent int64) *sanlian.Project {
					in := projectIn(title)
					in.ParentID = parent
					p, err := db.Lists.CreateProject(sqldbtest.As(office), &in)
					if err != nil {
						b.Fatal(err)
					}
					return p
				}
				top := mk("轮椅发放", 0)
				mid := mk("东坪镇轮椅发放", top.ID)
				leaf := mk("黄沙坪村轮椅发放", mid.ID)
				version := leaf.Version
				for b.Loop() {
					p, _, err := db.Lists.AddProgress(sqldbtest.As(office), leaf.ID, &sanlian.ProgressInput{Date: "2021-06-20", Quantity: 1,
						Note: "发放轮椅 1 台", Version: version})
					if err != nil {
						b.Fatal(err)
					}
					version = p.Version
				}
			})
		})
	}
}
