package sqldb

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"sanlian"
)

// The rollups (sanlian.RollupDeltas) are the metrics' per-day counters.
// Each timeline event adds to them in its own transaction: problemEventAs
// computes what the event adds (sanlian.RollupLast over the problem's
// timeline) and the transaction writes the sum of its events' deltas just
// before it commits, in one sorted batch of upserts, so that concurrent
// writers lock the shared rows (today's total above all) briefly and in
// the same order. RebuildRollups recomputes every counter from the
// timelines; RollupDrift lists where the stored counters differ from
// that recomputation. Until a ledger that had events before the rollups
// existed is rebuilt (rollup_meta.built = 0), the metrics replay.

// rollupCountCols are rollup_counts' counter columns and rollupLevelCols
// rollup_levels', as the domain names them; rollupCountIdx and
// rollupLevelIdx their indexes in sanlian.RollupCounts.
var (
	rollupCountCols, rollupLevelCols []string
	rollupCountIdx, rollupLevelIdx   []int
)

func init() {
	for i, c := range sanlian.RollupCounters {
		if sanlian.IsRollupLevel(i) {
			rollupLevelCols, rollupLevelIdx = append(rollupLevelCols, c), append(rollupLevelIdx, i)
		} else {
			rollupCountCols, rollupCountIdx = append(rollupCountCols, c), append(rollupCountIdx, i)
		}
	}
}

// levelKey is a group's level bucket (sanlian.RollupBuckets).
type levelKey struct{ dim, grp, bucket string }

// levels are level changes by bucket, in rollupLevelCols order.
type levels map[levelKey][]int64

// rollupLevels spreads d's level changes over their buckets.
func rollupLevels(d *sanlian.RollupDeltas) levels {
	out := levels{}
	for k, c := range d.Counts {
		for _, b := range sanlian.RollupBuckets(k.Day) {
			lk := levelKey{k.Dim, k.Key, b}
			for j, i := range rollupLevelIdx {
				if c[i] == 0 {
					continue
				}
				if out[lk] == nil {
					out[lk] = make([]int64, len(rollupLevelIdx))
				}
				out[lk][j] += c[i]
			}
		}
	}
	for k, v := range out {
		if !slices.ContainsFunc(v, func(n int64) bool { return n != 0 }) {
			delete(out, k)
		}
	}
	return out
}

// hasCounts reports whether c has a count beside the level changes.
func hasCounts(c *sanlian.RollupCounts) bool {
	for _, i := range rollupCountIdx {
		if c[i] != 0 {
			return true
		}
	}
	return false
}

// rollupEvent adds to the transaction's pending rollups what event e,
// just written on problem id, adds to them. The timeline of a problem
// entered in this transaction is known (Tx.timelines); any other is read.
func rollupEvent(tx *Tx, id int64, e sanlian.MetricEvent) error {
	var p sanlian.MetricProblem
	var events []sanlian.MetricEvent
	if tl := tx.timelines[id]; tl != nil {
		tl.events = append(tl.events, e)
		p, events = tl.p, tl.events
	} else {
		var err error
		if p, events, err = rollupTimeline(tx, id); err != nil {
			return err
		}
	}
	cal, err := tx.db.calendarIn(tx)
	if err != nil {
		return err
	}
	d, err := sanlian.RollupLast(p, events, cal)
	if err != nil {
		return fmt.Errorf("rollups of problem %d: %w", id, err)
	}
	if tx.rollups == nil {
		tx.rollups = sanlian.NewRollupDeltas()
	}
	tx.rollups.Merge(d)
	return nil
}

// txTimeline is a problem's attributes and timeline as the transaction
// wrote them: what rollupTimeline would read back.
type txTimeline struct {
	p      sanlian.MetricProblem
	events []sanlian.MetricEvent
}

// entering keeps the timeline of problem p, just inserted with no events,
// in tx until the returned func is called: the entry's events then add to
// the rollups without reading it back. Only the entry's own writes may
// change the problem meanwhile, and those of its columns the rollups read
// pass through problemWritten.
func (tx *Tx) entering(p *sanlian.Problem) (done func()) {
	if tx.timelines == nil {
		tx.timelines = map[int64]*txTimeline{}
	}
	tx.timelines[p.ID] = &txTimeline{p: sanlian.MetricProblem{ID: p.ID, Township: p.TownshipCode, Category: p.Category,
		UnitID: p.UnitID, PersonID: p.PersonID, CreatedAt: p.CreatedAt, AssignDue: p.AssignDue}}
	return func() { delete(tx.timelines, p.ID) }
}

// problemWritten tells a kept timeline that the problem's row now holds
// p's unit, person and dispatch deadline.
func (tx *Tx) problemWritten(p *sanlian.Problem) {
	if tl := tx.timelines[p.ID]; tl != nil {
		tl.p.UnitID, tl.p.PersonID, tl.p.AssignDue = p.UnitID, p.PersonID, p.AssignDue
	}
}

// rollupTimeline reads problem id's attributes and timeline, in order.
func rollupTimeline(q querier, id int64) (sanlian.MetricProblem, []sanlian.MetricEvent, error) {
	var p sanlian.MetricProblem
	err := q.queryOne(`SELECT id, township_code, category, COALESCE(unit_id, 0), COALESCE(person_id, 0), created_at, assign_due
		FROM problems WHERE id = ?`, id).Scan(&p.ID, &p.Township, &p.Category, &p.UnitID, &p.PersonID, &p.CreatedAt, timeDst{&p.AssignDue})
	if err != nil {
		return p, nil, fmt.Errorf("rollups: problem %d: %w", id, err)
	}
	var events []sanlian.MetricEvent
	err = eachRow(q, `SELECT action, at, to_state, changes FROM problem_events WHERE problem_id = ? ORDER BY id`, []any{id},
		func(sc scanner) error {
			var e sanlian.MetricEvent
			if err := sc.Scan(&e.Action, &e.At, &e.To, &e.Changes); err != nil {
				return err
			}
			events = append(events, e)
			return nil
		})
	if err != nil {
		return p, nil, fmt.Errorf("rollups: events of problem %d: %w", id, err)
	}
	return p, events, nil
}

// flushRollups writes the transaction's pending rollups.
func (tx *Tx) flushRollups() error {
	d := tx.rollups
	tx.rollups = nil
	if d == nil {
		return nil
	}
	d.Compact()
	return writeRollups(tx, d)
}

// writeRollups adds d to the stored counters, in key order.
func writeRollups(tx *Tx, d *sanlian.RollupDeltas) error {
	counts := make([]sanlian.RollupKey, 0, len(d.Counts))
	for k, c := range d.Counts {
		if hasCounts(c) {
			counts = append(counts, k)
		}
	}
	slices.SortFunc(counts, func(a, b sanlian.RollupKey) int {
		return cmp.Or(strings.Compare(a.Dim, b.Dim), strings.Compare(a.Day, b.Day), strings.Compare(a.Key, b.Key))
	})
	rows := make([][]any, 0, len(counts))
	for _, k := range counts {
		row := []any{k.Dim, k.Key, k.Day}
		for _, i := range rollupCountIdx {
			row = append(row, d.Counts[k][i])
		}
		rows = append(rows, row)
	}
	if err := upsertRows(tx, "rollup_counts", append([]string{"dim", "grp", "day"}, rollupCountCols...), rows,
		"(dim, day, grp)", addCols("rollup_counts", rollupCountCols)); err != nil {
		return err
	}

	lv := rollupLevels(d)
	lkeys := make([]levelKey, 0, len(lv))
	for k := range lv {
		lkeys = append(lkeys, k)
	}
	slices.SortFunc(lkeys, func(a, b levelKey) int {
		return cmp.Or(strings.Compare(a.dim, b.dim), strings.Compare(a.bucket, b.bucket), strings.Compare(a.grp, b.grp))
	})
	rows = rows[:0]
	for _, k := range lkeys {
		row := []any{k.dim, k.grp, k.bucket}
		for _, n := range lv[k] {
			row = append(row, n)
		}
		rows = append(rows, row)
	}
	if err := upsertRows(tx, "rollup_levels", append([]string{"dim", "grp", "bucket"}, rollupLevelCols...), rows,
		"(dim, bucket, grp)", addCols("rollup_levels", rollupLevelCols)); err != nil {
		return err
	}

	days := make([]sanlian.RollupDaysKey, 0, len(d.Days))
	for k := range d.Days {
		days = append(days, k)
	}
	slices.SortFunc(days, func(a, b sanlian.RollupDaysKey) int {
		return cmp.Or(strings.Compare(a.Dim, b.Dim), strings.Compare(a.Day, b.Day), strings.Compare(a.Key, b.Key),
			strings.Compare(a.From, b.From))
	})
	rows = rows[:0]
	for _, k := range days {
		rows = append(rows, []any{k.Dim, k.Key, k.Day, k.From, d.Days[k]})
	}
	if err := upsertRows(tx, "rollup_days", []string{"dim", "grp", "day", "from_day", "n"}, rows,
		"(dim, day, grp, from_day)", "n = rollup_days.n + excluded.n"); err != nil {
		return err
	}

	vol := make([]sanlian.RollupVolumeKey, 0, len(d.Volume))
	for k := range d.Volume {
		vol = append(vol, k)
	}
	slices.SortFunc(vol, func(a, b sanlian.RollupVolumeKey) int {
		return cmp.Or(strings.Compare(a.Dim, b.Dim), strings.Compare(a.STo, b.STo), strings.Compare(a.Key, b.Key),
			strings.Compare(a.SFrom, b.SFrom), strings.Compare(a.Day, b.Day))
	})
	rows = rows[:0]
	for _, k := range vol {
		rows = append(rows, []any{k.Dim, k.Key, k.SFrom, k.STo, k.Day, d.Volume[k]})
	}
	return upsertRows(tx, "rollup_volume", []string{"dim", "grp", "s_from", "s_to", "day", "n"}, rows,
		"(dim, s_to, grp, s_from, day)", "n = rollup_volume.n + excluded.n")
}

// addCols is the SET clause adding the new row's cols to the stored row's.
func addCols(table string, cols []string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = fmt.Sprintf("%s = %s.%s + excluded.%s", c, table, c, c)
	}
	return strings.Join(set, ", ")
}

// upsertRows inserts rows into table a few hundred at a time, adding to
// the row of the same key (conflict, set).
func upsertRows(tx *Tx, table string, cols []string, rows [][]any, conflict, set string) error {
	one := "(" + placeholders(len(cols)) + ")"
	per := max(1, 8000/len(cols))
	for chunk := range slices.Chunk(rows, per) {
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ")
		q += " ON CONFLICT " + conflict + " DO UPDATE SET " + set
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.exec(q, args...); err != nil {
			return fmt.Errorf("write %s: %w", table, err)
		}
	}
	return nil
}

// rollupsBuilt reports whether the rollups hold every timeline.
func rollupsBuilt(q querier) (bool, error) {
	var built int
	if err := q.queryOne(`SELECT built FROM rollup_meta WHERE id = 1`).Scan(&built); err != nil {
		return false, fmt.Errorf("rollup meta: %w", err)
	}
	return built == 1, nil
}

// metricRollupSums sums the rollups of grouping dim (and the total, key "") for
// the window [start, end): the window's counts, the levels at its start
// and end, the volume corrections and the working days to resolution by
// the calendar cal.
func metricRollupSums(q querier, dim string, start, end time.Time, cal *sanlian.Calendar) (map[string]*sanlian.RollupSum, error) {
	s, e := start.In(sanlian.Shanghai).Format(sanlian.DateLayout), end.In(sanlian.Shanghai).Format(sanlian.DateLayout)
	sums := map[string]*sanlian.RollupSum{}
	sum := func(d, k string) *sanlian.RollupSum {
		if d == sanlian.RollupAll {
			k = ""
		}
		x := sums[k]
		if x == nil {
			x = &sanlian.RollupSum{}
			sums[k] = x
		}
		return x
	}
	sel := make([]string, len(rollupCountCols))
	for i, c := range rollupCountCols {
		sel[i] = "CAST(SUM(" + c + ") AS BIGINT)"
	}
	err := eachRow(q, `SELECT dim, grp, `+strings.Join(sel, ", ")+` FROM rollup_counts
		WHERE dim IN (?, ?) AND day >= ? AND day < ? GROUP BY dim, grp`, []any{dim, sanlian.RollupAll, s, e}, func(sc scanner) error {
		var d, k string
		var c sanlian.RollupCounts
		dst := []any{&d, &k}
		for _, i := range rollupCountIdx {
			dst = append(dst, &c[i])
		}
		if err := sc.Scan(dst...); err != nil {
			return err
		}
		sum(d, k).Window = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rollup window: %w", err)
	}
	// The levels at the end and at the start: each the sum of a few
	// ranges of buckets (sanlian.RollupLevelRanges).
	lsel := make([]string, len(rollupLevelCols))
	for i, c := range rollupLevelCols {
		lsel[i] = "CAST(SUM(" + c + ") AS BIGINT)"
	}
	for _, at := range []struct {
		day string
		dst func(x *sanlian.RollupSum) *sanlian.RollupCounts
	}{{e, func(x *sanlian.RollupSum) *sanlian.RollupCounts { return &x.End }},
		{s, func(x *sanlian.RollupSum) *sanlian.RollupCounts { return &x.Start }}} {
		for _, r := range sanlian.RollupLevelRanges(at.day) {
			err := eachRow(q, `SELECT dim, grp, `+strings.Join(lsel, ", ")+` FROM rollup_levels
				WHERE dim IN (?, ?) AND bucket >= ? AND bucket < ? GROUP BY dim, grp`, []any{dim, sanlian.RollupAll, r[0], r[1]},
				func(sc scanner) error {
					var d, k string
					v := make([]int64, len(rollupLevelCols))
					dst := []any{&d, &k}
					for i := range v {
						dst = append(dst, &v[i])
					}
					if err := sc.Scan(dst...); err != nil {
						return err
					}
					c := at.dst(sum(d, k))
					for j, i := range rollupLevelIdx {
						c[i] += v[j]
					}
					return nil
				})
			if err != nil {
				return nil, fmt.Errorf("rollup levels: %w", err)
			}
		}
	}
	// A correction's s_to is at most its day: s ≤ s_to < e bounds the
	// index range to the window.
	err = eachRow(q, `SELECT dim, grp, CAST(SUM(n) AS BIGINT) FROM rollup_volume WHERE dim IN (?, ?) AND s_to >= ? AND s_to < ? AND s_from <= ?
		AND day < ? GROUP BY dim, grp`, []any{dim, sanlian.RollupAll, s, e, s, e}, func(sc scanner) error {
		var d, k string
		var n int64
		if err := sc.Scan(&d, &k, &n); err != nil {
			return err
		}
		sum(d, k).VolumeFix = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rollup volume: %w", err)
	}
	err = eachRow(q, `SELECT dim, grp, from_day, day, CAST(SUM(n) AS BIGINT) FROM rollup_days WHERE dim IN (?, ?) AND day >= ? AND day < ?
		GROUP BY dim, grp, from_day, day`, []any{dim, sanlian.RollupAll, s, e}, func(sc scanner) error {
		var d, k, from, to string
		var n int64
		if err := sc.Scan(&d, &k, &from, &to, &n); err != nil {
			return err
		}
		days, err := sanlian.RollupWorkdays(cal, from, to)
		if err != nil {
			return err
		}
		x := sum(d, k)
		x.Days += float64(days) * float64(n)
		x.Resolutions += float64(n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rollup days: %w", err)
	}
	return sums, nil
}

// eachTimeline reads the events of the problems cond selects (a condition
// on problem_events' problem_id), in order, and calls fn with each
// problem's timeline; the slice is reused between calls.
func eachTimeline(q querier, cond string, args []any, fn func(id int64, events []sanlian.MetricEvent) error) error {
	var cur int64
	var events []sanlian.MetricEvent
	flush := func() error {
		if len(events) == 0 {
			return nil
		}
		err := fn(cur, events)
		events = events[:0]
		return err
	}
	err := eachRow(q, `SELECT problem_id, action, at, to_state, changes FROM problem_events
		WHERE `+cond+` ORDER BY problem_id, id`, args, func(sc scanner) error {
		var id int64
		var e sanlian.MetricEvent
		if err := sc.Scan(&id, &e.Action, &e.At, &e.To, &e.Changes); err != nil {
			return err
		}
		if id != cur {
			if err := flush(); err != nil {
				return err
			}
			cur = id
		}
		events = append(events, e)
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}
