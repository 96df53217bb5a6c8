package sqldb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// BenchmarkMetrics times the metrics of one half-month by unit on
// counties of synthetic problems with their timelines, counted by replay
// (the reference, MetricsReplayed) and from the rollups (Metrics), and
// reports the larger county's time as a ratio to the smaller one's:
//
//	BenchmarkMetrics/{engine}/{50k,500k}/replay      x-50k: 500k ÷ 50k
//	BenchmarkMetrics/{engine}/{50k,500k}/rollups     x-50k: the same; x-replay: rollups ÷ replay, same county
//	BenchmarkMetrics/{engine}/{50k,500k}-bulletin    the half-month's bulletin drafted, the same ratio
//
// The window is the last whole half-month of the data (2024-12-H1), the
// period metrics are read for. Both counties spread their problems over
// the same four years, so the larger holds ten times the window's events
// and ten times the problems open at its end (of the last 60 days' problems
// a third are being handled; of older ones one in fifty is still open): the
// replay's work is proportional to those, reported beside the time as
// assigned and overdue, not to the whole table. The rollups' work is
// proportional to the groups and days summed: the window's days × units,
// and for the levels at the window's start and end every earlier day ×
// units.
//
// The problems are those of bulkProblems (entered evenly over 2021–2024,
// most closed, a third being handled), each with the events its columns
// imply (create, assign, accept, resolve, callback, close, or reject),
// bulk-inserted through a raw connection, and the rollups then rebuilt
// from them (its time is printed). The rollups' numbers are checked equal
// to the replay's on each county. Run with, for example,
//
//	go test ./sqldb -run '^$' -bench 'Metrics' -benchtime 5x
//
// SANLIAN_BENCH_PROVINCE=1 adds a province-sized ledger of 5,000,000
// problems.
func BenchmarkMetrics(b *testing.B) {
	q := sanlian.MetricsQuery{Period: "2024-12-H1", By: sanlian.ByUnit}
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			sizes := []struct {
				name string
				n    int
			}{{"50k", 50_000}, {"500k", 500_000}}
			if os.Getenv("SANLIAN_BENCH_PROVINCE") != "" {
				// A province's ledger: loading it takes most of an hour.
				sizes = append(sizes, struct {
					name string
					n    int
				}{"5m", 5_000_000})
			}
			for _, size := range sizes {
				for _, how := range []string{"replay", "rollups"} {
					b.Run(size.name+"/"+how, func(b *testing.B) {
						c := metricsTable(b, engine, size.n)
						ctx := sqldbtest.As(c.office)
						metrics := c.db.Reports.Metrics
						if how == "replay" {
							metrics = c.db.Reports.MetricsReplayed
						}
						for b.Loop() {
							m, err := metrics(ctx, q)
							if err != nil || m.Total.Assigned == 0 {
								b.Fatalf("metrics: %v (%d assigned)", err, m.Total.Assigned)
							}
						}
						key := engine + "/metrics-" + how + "/"
						base := key + "50k"
						if size.name == "50k" {
							base = ""
						}
						reportRatio(b, key+size.name, base, "x-50k")
						if how == "rollups" {
							reportRatio(b, key+size.name+"/vs", engine+"/metrics-replay/"+size.name, "x-replay")
						}
						// What the replay's work is proportional to: the
						// window's assignments, and the problems overdue at
						// its end.
						m, _ := metrics(ctx, q)
						b.ReportMetric(float64(m.Total.Assigned), "assigned")
						b.ReportMetric(float64(m.Total.Overdue), "overdue")
						if how == "rollups" {
							want, err := c.db.Reports.MetricsReplayed(ctx, q)
							if err != nil {
								b.Fatal(err)
							}
							if g, w := metricsShown(m), metricsShown(want); !reflect.DeepEqual(g, w) {
								b.Fatalf("rollups and replay differ:\nrollups %v\nreplay  %v", g, w)
							}
						}
					})
				}
				// The bulletin drafted for the same half-month on the same
				// ledger: its metrics and the rest of its content.
				b.Run(size.name+"-bulletin", func(b *testing.B) {
					c := metricsTable(b, engine, size.n)
					ctx := sqldbtest.As(c.office)
					for b.Loop() {
						d, err := c.db.Reports.GenerateBulletin(ctx, q.Period)
						if err != nil || d.Content.Overview.Assigned == 0 {
							b.Fatalf("draft: %v", err)
						}
					}
					base := engine + "/bulletin/50k"
					if size.name == "50k" {
						base = ""
					}
					reportRatio(b, engine+"/bulletin/"+size.name, base, "x-50k")
				})
			}
		})
	}
}

// metricsTable is problemTable with the problems' timelines.
func metricsTable(b *testing.B, engine string, n int) *benchCounty {
	b.Helper()
	if testing.Short() {
		b.Skip("the metrics tables are not built under -short")
	}
	key := fmt.Sprintf("%s/metrics-%d", engine, n)
	c, ok := benchCounties[key]
	if !ok {
		c = &benchCounty{}
		benchCounties[key] = c
		if schema := os.Getenv("SANLIAN_BENCH_LEDGER_SCHEMA"); schema != "" && engine == "postgres" && n == 5_000_000 {
			// A province's ledger loaded by an earlier run (its problems
			// and timelines) and kept: its rollups are rebuilt below.
			c.err = reuseLedger(c, schema)
		} else {
			c.err = loadProblemTable(c, engine, n)
			if c.err == nil {
				start := time.Now()
				c.err = bulkEvents(c.db, n)
				fmt.Fprintf(os.Stderr, "bench: loaded the timelines of %d problems on %s in %v\n", n, engine, time.Since(start).Round(time.Millisecond))
			}
		}
		if c.err == nil {
			start := time.Now()
			rows, err := c.db.RebuildRollups(context.Background())
			c.err = err
			fmt.Fprintf(os.Stderr, "bench: rebuilt the rollups of %d problems on %s in %v (%d rows)\n", n, engine,
				time.Since(start).Round(time.Millisecond), rows)
		}
	}
	if c.err != nil {
		b.Fatal(c.err)
	}
	return c
}

// reuseLedger opens the ledger a run left in schema (SANLIAN_TEST_PG's
// database): SANLIAN_BENCH_LEDGER_SCHEMA names it when a 5,000,000-problem
// ledger was loaded and kept, so that its hour of loading is not paid again.
// The schema is kept afterwards.
func reuseLedger(c *benchCounty, schema string) error {
	ctx := context.Background()
	dsn, err := inSchema(os.Getenv("SANLIAN_TEST_PG"), schema)
	if err != nil {
		return err
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{})
	if err != nil {
		return err
	}
	c.cleanup = func() { db.Close() }
	us, err := db.Accounts.FindUsers(sanlian.NewSystemContext(ctx))
	if err != nil {
		return err
	}
	for _, x := range us {
		if x.Role == sanlian.RoleOffice {
			c.db, c.office = db, x
			fmt.Fprintf(os.Stderr, "bench: reusing the ledger in schema %s\n", schema)
			return nil
		}
	}
	return fmt.Errorf("schema %s: no office account", schema)
}

// benchEvents are the timeline events problem i's columns (benchProblem)
// imply, as rows of problem_id, action, actor, at, from_state, to_state,
// changes: what sqldb's actions record.
func benchEvents(i, n int, villages [][3]string) [][]any {
	v, _ := benchProblem(i, n, villages)
	id, state, created := v[0], v[2].(string), v[25].(time.Time)
	js := func(ch map[string][2]any) string { b, _ := json.Marshal(ch); return string(b) }
	due := func(t any) string {
		return t.(time.Time).Add(-time.Nanosecond).In(sanlian.Shanghai).Format(sanlian.DateLayout) + " 24:00"
	}
	out := [][]any{{id, "create", "bench", created, "", "submitted", ""}}
	if state == "rejected" {
		return append(out, []any{id, "reject", "bench", created.Add(time.Hour), "submitted", "rejected", js(map[string][2]any{"state": {"submitted", "rejected"}})})
	}
	if v[15] == nil {
		return out
	}
	out = append(out, []any{id, "assign", "bench", v[15], "submitted", "assigned", js(map[string][2]any{"state": {"submitted", "assigned"},
		"unit_id": {0, v[13]}, "person_id": {0, v[14]}, "accept_due": {"", due(v[16])}, "resolve_due": {"", due(v[18])}})})
	if v[17] != nil {
		out = append(out, []any{id, "accept", "bench", v[17], "assigned", "accepted", js(map[string][2]any{"state": {"assigned", "accepted"}})})
	}
	if v[19] != nil {
		out = append(out, []any{id, "resolve", "bench", v[19], "accepted", "resolved", js(map[string][2]any{"state": {"accepted", "resolved"}})})
	}
	if v[23] != nil {
		out = append(out, []any{id, "callback", "bench", v[23], "resolved", "resolved",
			js(map[string][2]any{"callback_solved": {"", v[21]}, "callback_satisfaction": {"", v[22]}})},
			[]any{id, "close", "bench", v[20], "resolved", "closed", js(map[string][2]any{"state": {"resolved", "closed"}})})
	}
	return out
}

// bulkEvents writes the timelines of problems 1..n through a raw
// connection, by COPY on PostgreSQL (the foreign keys not checked, when
// the role may skip them) and by multi-row INSERTs on SQLite, the table's
// secondary indexes dropped first and built again at the end; the rows are
// generated on a goroutine of their own while the database writes. It then
// refreshes the planner's statistics.
func bulkEvents(db *sqldb.DB, n int) error {
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
	indexes, err := dropIndexes(raw, pg, "problem_events")
	if err != nil {
		return err
	}
	// Batches of rows, generated ahead of the writes.
	batches := make(chan [][]any, 8)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(batches)
		var rows [][]any
		for i := 1; i <= n; i++ {
			rows = append(rows, benchEvents(i, n, villages)...)
			if len(rows) >= benchBulkRows || i == n {
				select {
				case batches <- rows:
				case <-stop:
					return
				}
				rows = nil
			}
		}
	}()
	cols := []string{"problem_id", "action", "actor", "at", "from_state", "to_state", "changes"}
	if pg {
		err = copyEvents(raw, cols, batches)
	} else {
		err = insertEvents(raw, cols, batches)
	}
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := raw.Exec(ix); err != nil {
			return fmt.Errorf("%s: %w", ix, err)
		}
	}
	if pg {
		_, err = raw.Exec(`VACUUM ANALYZE problem_events`)
		return err
	}
	_, err = raw.ExecContext(context.Background(), `ANALYZE`)
	return err
}

// copyEvents writes the batches' rows into problem_events by one COPY.
func copyEvents(raw *sql.DB, cols []string, batches <-chan [][]any) error {
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Only a superuser may; without it the load is slower, not wrong.
	if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		fmt.Fprintf(os.Stderr, "bench: foreign keys checked during the load: %v\n", err)
	}
	err = conn.Raw(func(dc any) error {
		var cur [][]any
		src := pgx.CopyFromFunc(func() ([]any, error) {
			for len(cur) == 0 {
				b, ok := <-batches
				if !ok {
					return nil, nil
				}
				cur = b
			}
			row := cur[0]
			cur = cur[1:]
			return row, nil
		})
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"problem_events"}, cols, src)
		return err
	})
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `SET session_replication_role = DEFAULT`)
	return err
}

// insertEvents writes the batches' rows into problem_events with
// multi-row INSERTs, benchTxRows rows a transaction.
func insertEvents(raw *sql.DB, cols []string, batches <-chan [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var tx *sql.Tx
	var err error
	inTx := 0
	for rows := range batches {
		if tx == nil {
			if tx, err = raw.Begin(); err != nil {
				return err
			}
		}
		args := make([]any, 0, len(rows)*len(cols))
		for _, r := range rows {
			args = append(args, r...)
		}
		q := "INSERT INTO problem_events (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", len(rows)), ", ")
		if _, err := tx.Exec(q, args...); err != nil {
			tx.Rollback()
			return err
		}
		if inTx += len(rows); inTx >= benchTxRows {
			if err := tx.Commit(); err != nil {
				return err
			}
			tx, inTx = nil, 0
		}
	}
	if tx != nil {
		return tx.Commit()
	}
	return nil
}

// BenchmarkRebuildRollups times RebuildRollups on the metrics bench's
// 50k county (SANLIAN_BENCH_PROVINCE=1: also its 500k one), every counter
// recomputed from the timelines and the stored ones replaced, beside the
// former rebuild (one goroutine, a thousand problems a query, upserts) on
// the same county in the same run:
//
//	BenchmarkRebuildRollups/{engine}/{50k,500k}/{former,bulk}   x-former: bulk ÷ former
//
//	go test ./sqldb -run '^$' -bench 'RebuildRollups' -benchtime 3x
func BenchmarkRebuildRollups(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		sizes := []struct {
			name string
			n    int
		}{{"50k", 50_000}}
		if os.Getenv("SANLIAN_BENCH_PROVINCE") != "" {
			sizes = append(sizes, struct {
				name string
				n    int
			}{"500k", 500_000})
		}
		for _, size := range sizes {
			for _, how := range []string{"former", "bulk"} {
				b.Run(engine+"/"+size.name+"/"+how, func(b *testing.B) {
					c := metricsTable(b, engine, size.n)
					rebuild := c.db.RebuildRollups
					if how == "former" {
						rebuild = c.db.RebuildRollupsFormer
					}
					rows := 0
					for b.Loop() {
						n, err := rebuild(context.Background())
						if err != nil {
							b.Fatal(err)
						}
						rows = n
					}
					b.ReportMetric(float64(rows), "rows")
					key := engine + "/rebuild/" + size.name + "/"
					base := key + "former"
					if how == "former" {
						base = ""
					}
					reportRatio(b, key+how, base, "x-former")
				})
			}
		}
	}
}
