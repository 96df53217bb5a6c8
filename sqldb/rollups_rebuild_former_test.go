package sqldb

import (
	"context"
	"fmt"

	"sanlian"
)

// The rebuild as it was before it read in chunks, computed on every core
// and wrote in bulk: a thousand problems at a time on one goroutine, the
// partial sums of every 50,000 problems upserted. BenchmarkRebuildRollups
// times it beside RebuildRollups, in the same run.

// RebuildRollupsFormer is the former RebuildRollups.
func (db *DB) RebuildRollupsFormer(ctx context.Context) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := lockRollups(tx, "EXCLUSIVE"); err != nil {
			return err
		}
		tables := []string{"rollup_counts", "rollup_levels", "rollup_days", "rollup_volume"}
		for _, t := range tables {
			if _, err := tx.exec(`DELETE FROM ` + t); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		if err := db.formerComputeRollups(tx, 50_000, func(d *sanlian.RollupDeltas) error { return writeRollups(tx, d) }); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE rollup_meta SET built = 1, built_at = ? WHERE id = 1`, tx.now); err != nil {
			return fmt.Errorf("rollup meta: %w", err)
		}
		for _, t := range tables {
			var c int
			if err := tx.queryRow(`SELECT COUNT(*) FROM ` + t).Scan(&c); err != nil {
				return fmt.Errorf("count %s: %w", t, err)
			}
			n += c
		}
		return nil
	})
	return n, err
}

// formerComputeRollups recomputes every counter from the timelines, a thousand
// problems at a time, and hands them to sink: every batch problems (their
// counters partial sums, to be added up), or all at once when batch is 0.
func (db *DB) formerComputeRollups(q querier, batch int, sink func(*sanlian.RollupDeltas) error) error {
	cal, err := db.calendarIn(q)
	if err != nil {
		return err
	}
	all := sanlian.NewRollupDeltas()
	var after int64
	done := 0
	for {
		if batch > 0 && done >= batch {
			all.Compact()
			if err := sink(all); err != nil {
				return err
			}
			all, done = sanlian.NewRollupDeltas(), 0
		}
		attrs := map[int64]sanlian.MetricProblem{}
		var ids []int64
		err := eachRow(q, `SELECT id, township_code, category, COALESCE(unit_id, 0), COALESCE(person_id, 0), created_at, assign_due
			FROM problems WHERE id > ? ORDER BY id LIMIT 1000`, []any{after}, func(sc scanner) error {
			var p sanlian.MetricProblem
			if err := sc.Scan(&p.ID, &p.Township, &p.Category, &p.UnitID, &p.PersonID, &p.CreatedAt, timeDst{&p.AssignDue}); err != nil {
				return err
			}
			attrs[p.ID] = p
			ids = append(ids, p.ID)
			return nil
		})
		if err != nil {
			return fmt.Errorf("rollups: problems: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		err = eachTimeline(q, `problem_id >= ? AND problem_id <= ?`, []any{ids[0], after}, func(id int64, events []sanlian.MetricEvent) error {
			d, err := sanlian.RollupTimeline(attrs[id], events, cal)
			if err != nil {
				return fmt.Errorf("rollups of problem %d: %w", id, err)
			}
			all.Merge(d)
			return nil
		})
		if err != nil {
			return fmt.Errorf("rollups: events: %w", err)
		}
		done += len(ids)
	}
	all.Compact()
	return sink(all)
}
