package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"sanlian"
)

// A rebuild reads the timelines in chunks of rebuildChunk problems, in id
// order, the next chunk read while the current one is computed on every
// core (sanlian.RollupTimeline, one partial sum per goroutine); the sums
// added up, the counters are written in key order, by COPY on PostgreSQL
// and by multi-row INSERTs on SQLite, into the emptied tables.
const rebuildChunk = 20_000

// rebuildInsertRows is how many rows one INSERT of a rebuild writes on
// SQLite (at most 32,766 parameters a statement).
const rebuildInsertRows = 1000

// timelineChunk is a chunk of problems with their timelines: the events of
// problem ids[i] are events[ends[i-1]:ends[i]].
type timelineChunk struct {
	attrs  map[int64]sanlian.MetricProblem
	ids    []int64
	ends   []int
	events []sanlian.MetricEvent
	last   int64 // the chunk's greatest problem id
	n      int   // how many problems it holds, with or without events
}

// readTimelineChunk reads the problems after id after, at most size of
// them, and their timelines.
func readTimelineChunk(q querier, after int64, size int) (*timelineChunk, error) {
	c := &timelineChunk{attrs: make(map[int64]sanlian.MetricProblem, size)}
	err := eachRow(q, `SELECT id, township_code, category, COALESCE(unit_id, 0), COALESCE(person_id, 0), created_at, assign_due
		FROM problems WHERE id > ? ORDER BY id LIMIT ?`, []any{after, size}, func(sc scanner) error {
		var p sanlian.MetricProblem
		if err := sc.Scan(&p.ID, &p.Township, &p.Category, &p.UnitID, &p.PersonID, &p.CreatedAt, timeDst{&p.AssignDue}); err != nil {
			return err
		}
		c.attrs[p.ID] = p
		c.last = p.ID
		c.n++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rollups: problems: %w", err)
	}
	if c.n == 0 {
		return c, nil
	}
	first := after + 1
	err = eachRow(q, `SELECT problem_id, action, at, to_state, changes FROM problem_events
		WHERE problem_id >= ? AND problem_id <= ? ORDER BY problem_id, id`, []any{first, c.last}, func(sc scanner) error {
		var id int64
		var e sanlian.MetricEvent
		if err := sc.Scan(&id, &e.Action, &e.At, &e.To, &e.Changes); err != nil {
			return err
		}
		if len(c.ids) == 0 || c.ids[len(c.ids)-1] != id {
			if len(c.ids) > 0 {
				c.ends = append(c.ends, len(c.events))
			}
			c.ids = append(c.ids, id)
		}
		c.events = append(c.events, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rollups: events: %w", err)
	}
	if len(c.ids) > 0 {
		c.ends = append(c.ends, len(c.events))
	}
	return c, nil
}

// computeRollups recomputes every counter from the timelines and hands
// them to sink: every batch problems (their counters partial sums, to be
// added up), or all at once when batch is 0. Only one goroutine reads
// through q at a time, and never while sink runs.
func (db *DB) computeRollups(q querier, batch int, sink func(*sanlian.RollupDeltas) error) (err error) {
	cal, err := db.calendarIn(q)
	if err != nil {
		return err
	}
	size := rebuildChunk
	if batch > 0 {
		size = min(size, batch)
	}
	type read struct {
		c   *timelineChunk
		err error
	}
	fetch := func(after int64) chan read {
		ch := make(chan read, 1)
		go func() {
			c, err := readTimelineChunk(q, after, size)
			ch <- read{c, err}
		}()
		return ch
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	sums := make([]*sanlian.RollupDeltas, workers)
	for i := range sums {
		sums[i] = sanlian.NewRollupDeltas()
	}
	total := func() *sanlian.RollupDeltas {
		all := sums[0]
		for _, s := range sums[1:] {
			all.Merge(s)
		}
		all.Compact()
		for i := range sums {
			sums[i] = sanlian.NewRollupDeltas()
		}
		return all
	}
	next := fetch(0)
	// Never return while a chunk is being read through q.
	defer func() {
		if next != nil {
			<-next
		}
	}()
	done := 0
	for {
		r := <-next
		next = nil
		if r.err != nil {
			return r.err
		}
		c := r.c
		if c.n == 0 {
			break
		}
		next = fetch(c.last)
		if err := computeChunk(c, cal, sums); err != nil {
			return err
		}
		if done += c.n; batch > 0 && done >= batch {
			ahead := <-next
			if err := sink(total()); err != nil {
				next = nil
				return err
			}
			next = make(chan read, 1)
			next <- ahead
			done = 0
		}
	}
	return sink(total())
}

// computeChunk adds the chunk's timelines to sums, spread over as many
// goroutines as sums has partial sums.
func computeChunk(c *timelineChunk, cal *sanlian.Calendar, sums []*sanlian.RollupDeltas) error {
	per := (len(c.ids) + len(sums) - 1) / len(sums)
	errs := make([]error, len(sums))
	var wg sync.WaitGroup
	for w := range sums {
		lo, hi := w*per, min((w+1)*per, len(c.ids))
		if lo >= hi {
			break
		}
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				start := 0
				if i > 0 {
					start = c.ends[i-1]
				}
				id := c.ids[i]
				d, err := sanlian.RollupTimeline(c.attrs[id], c.events[start:c.ends[i]], cal)
				if err != nil {
					errs[w] = fmt.Errorf("rollups of problem %d: %w", id, err)
					return
				}
				sums[w].Merge(d)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// RebuildRollups recomputes every rollup from the timelines and replaces
// the stored ones, in one transaction: the metrics read the old counters
// until it commits, and events written meanwhile wait for it. It reports
// how many counter rows it wrote. The counters are summed in memory before
// they are written: as many as the rows written, which grow with the days
// and the groups (units, persons, townships, categories), not with the
// problems.
func (db *DB) RebuildRollups(ctx context.Context) (int, error) {
	return db.rebuildRollups(ctx, 0)
}

// rebuildRollups is RebuildRollups; with batch > 0 it writes the partial
// sums of every batch problems, added to the rows already written.
func (db *DB) rebuildRollups(ctx context.Context, batch int) (int, error) {
	// The transaction runs on a connection of its own, so that COPY can
	// write through the same connection on PostgreSQL.
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("rebuild rollups: %w", err)
	}
	defer conn.Close()
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer stx.Rollback()
	tx := &Tx{tx: stx, db: db, ctx: ctx, now: db.Now().UTC().Truncate(time.Microsecond)}
	if err := lockRollups(tx, "EXCLUSIVE"); err != nil {
		return 0, err
	}
	tables := []string{"rollup_counts", "rollup_levels", "rollup_days", "rollup_volume"}
	for _, t := range tables {
		if _, err := tx.exec(`DELETE FROM ` + t); err != nil {
			return 0, fmt.Errorf("clear %s: %w", t, err)
		}
	}
	n := 0
	if batch > 0 {
		if err := db.computeRollups(tx, batch, func(d *sanlian.RollupDeltas) error { return writeRollups(tx, d) }); err != nil {
			return 0, err
		}
		for _, t := range tables {
			var c int
			if err := tx.queryRow(`SELECT COUNT(*) FROM ` + t).Scan(&c); err != nil {
				return 0, fmt.Errorf("count %s: %w", t, err)
			}
			n += c
		}
	} else {
		var all *sanlian.RollupDeltas
		if err := db.computeRollups(tx, 0, func(d *sanlian.RollupDeltas) error { all = d; return nil }); err != nil {
			return 0, err
		}
		if n, err = insertRollups(tx, conn, all); err != nil {
			return 0, err
		}
	}
	if _, err := tx.exec(`UPDATE rollup_meta SET built = 1, built_at = ? WHERE id = 1`, tx.now); err != nil {
		return 0, fmt.Errorf("rollup meta: %w", err)
	}
	if err := tx.commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// rollupRows are rows of one rollup table, in its key order: row(i, dst)
// fills dst with the values of the i-th.
type rollupRows struct {
	table string
	cols  []string
	n     int
	row   func(i int, dst []any)
}

// rollupTables lays d out as the rows of the four rollup tables, in their
// primary keys' order.
func rollupTables(d *sanlian.RollupDeltas) []rollupRows {
	counts := make([]sanlian.RollupKey, 0, len(d.Counts))
	for k, c := range d.Counts {
		if hasCounts(c) {
			counts = append(counts, k)
		}
	}
	slices.SortFunc(counts, func(a, b sanlian.RollupKey) int { return compareKeys(a.Dim, b.Dim, a.Day, b.Day, a.Key, b.Key) })
	lv := rollupLevels(d)
	lkeys := make([]levelKey, 0, len(lv))
	for k := range lv {
		lkeys = append(lkeys, k)
	}
	slices.SortFunc(lkeys, func(a, b levelKey) int { return compareKeys(a.dim, b.dim, a.bucket, b.bucket, a.grp, b.grp) })
	days := make([]sanlian.RollupDaysKey, 0, len(d.Days))
	for k := range d.Days {
		days = append(days, k)
	}
	slices.SortFunc(days, func(a, b sanlian.RollupDaysKey) int {
		return compareKeys(a.Dim, b.Dim, a.Day, b.Day, a.Key, b.Key, a.From, b.From)
	})
	vol := make([]sanlian.RollupVolumeKey, 0, len(d.Volume))
	for k := range d.Volume {
		vol = append(vol, k)
	}
	slices.SortFunc(vol, func(a, b sanlian.RollupVolumeKey) int {
		return compareKeys(a.Dim, b.Dim, a.STo, b.STo, a.Key, b.Key, a.SFrom, b.SFrom, a.Day, b.Day)
	})
	return []rollupRows{
		{"rollup_counts", append([]string{"dim", "grp", "day"}, rollupCountCols...), len(counts), func(i int, dst []any) {
			k := counts[i]
			dst[0], dst[1], dst[2] = k.Dim, k.Key, k.Day
			c := d.Counts[k]
			for j, ci := range rollupCountIdx {
				dst[3+j] = c[ci]
			}
		}},
		{"rollup_levels", append([]string{"dim", "grp", "bucket"}, rollupLevelCols...), len(lkeys), func(i int, dst []any) {
			k := lkeys[i]
			dst[0], dst[1], dst[2] = k.dim, k.grp, k.bucket
			for j, n := range lv[k] {
				dst[3+j] = n
			}
		}},
		{"rollup_days", []string{"dim", "grp", "day", "from_day", "n"}, len(days), func(i int, dst []any) {
			k := days[i]
			dst[0], dst[1], dst[2], dst[3], dst[4] = k.Dim, k.Key, k.Day, k.From, d.Days[k]
		}},
		{"rollup_volume", []string{"dim", "grp", "s_from", "s_to", "day", "n"}, len(vol), func(i int, dst []any) {
			k := vol[i]
			dst[0], dst[1], dst[2], dst[3], dst[4], dst[5] = k.Dim, k.Key, k.SFrom, k.STo, k.Day, d.Volume[k]
		}},
	}
}

// compareKeys compares two keys given as pairs of their parts, most
// significant first (a1, b1, a2, b2, …), stopping at the first that differ.
func compareKeys(parts ...string) int {
	for i := 0; i+1 < len(parts); i += 2 {
		if c := strings.Compare(parts[i], parts[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// insertRollups writes d into the emptied rollup tables of tx, which runs
// on conn, and reports how many rows it wrote.
func insertRollups(tx *Tx, conn *sql.Conn, d *sanlian.RollupDeltas) (int, error) {
	n := 0
	for _, t := range rollupTables(d) {
		var err error
		if tx.db.Dialect == Postgres {
			err = copyRollups(tx.ctx, conn, t)
		} else {
			err = insertRollupRows(tx, t)
		}
		if err != nil {
			return 0, fmt.Errorf("write %s: %w", t.table, err)
		}
		n += t.n
	}
	return n, nil
}

// copyRows is a pgx.CopyFromSource over a table's rows.
type copyRows struct {
	t   rollupRows
	i   int
	row []any
}

func (c *copyRows) Next() bool             { c.i++; return c.i <= c.t.n }
func (c *copyRows) Values() ([]any, error) { c.t.row(c.i-1, c.row); return c.row, nil }
func (c *copyRows) Err() error             { return nil }

// copyRollups writes t's rows by COPY through conn, inside the
// transaction open on it.
func copyRollups(ctx context.Context, conn *sql.Conn, t rollupRows) error {
	if t.n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		n, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{t.table}, t.cols, &copyRows{t: t, row: make([]any, len(t.cols))})
		if err == nil && int(n) != t.n {
			err = fmt.Errorf("copied %d rows of %d", n, t.n)
		}
		return err
	})
}

// insertRollupRows writes t's rows with multi-row INSERTs of
// rebuildInsertRows rows, the statement prepared once.
func insertRollupRows(tx *Tx, t rollupRows) error {
	one := "(" + placeholders(len(t.cols)) + ")"
	stmt := func(rows int) string {
		return "INSERT INTO " + t.table + " (" + strings.Join(t.cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
	}
	var full *sql.Stmt
	if t.n >= rebuildInsertRows {
		s, err := tx.tx.PrepareContext(tx.ctx, tx.db.rebind(stmt(rebuildInsertRows)))
		if err != nil {
			return err
		}
		defer s.Close()
		full = s
	}
	args := make([]any, rebuildInsertRows*len(t.cols))
	for lo := 0; lo < t.n; lo += rebuildInsertRows {
		hi := min(lo+rebuildInsertRows, t.n)
		for i := lo; i < hi; i++ {
			t.row(i, args[(i-lo)*len(t.cols):(i-lo+1)*len(t.cols)])
		}
		var err error
		if hi-lo == rebuildInsertRows {
			_, err = full.ExecContext(tx.ctx, args...)
		} else {
			_, err = tx.exec(stmt(hi-lo), args[:(hi-lo)*len(t.cols)]...)
		}
		if err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// lockRollups keeps, on PostgreSQL, the events' transactions from writing
// rollups until tx ends (mode EXCLUSIVE) or from writing them meanwhile
// (SHARE): it waits for those writing now to commit, so that every event
// is either seen by tx's reading of the timelines or added after it. A
// SQLite write transaction excludes every other writer already.
func lockRollups(tx *Tx, mode string) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	if _, err := tx.exec(`LOCK TABLE rollup_counts, rollup_levels, rollup_days, rollup_volume IN ` + mode + ` MODE`); err != nil {
		return fmt.Errorf("lock rollups: %w", err)
	}
	return nil
}

// readRollups reads the stored rollups whole: the counts (without their
// level changes), the days and the volume corrections, and the level
// buckets.
func readRollups(q querier) (*sanlian.RollupDeltas, levels, error) {
	d := sanlian.NewRollupDeltas()
	err := eachRow(q, `SELECT dim, grp, day, `+strings.Join(rollupCountCols, ", ")+` FROM rollup_counts`, nil, func(sc scanner) error {
		var k sanlian.RollupKey
		c := &sanlian.RollupCounts{}
		dst := []any{&k.Dim, &k.Key, &k.Day}
		for _, i := range rollupCountIdx {
			dst = append(dst, &c[i])
		}
		if err := sc.Scan(dst...); err != nil {
			return err
		}
		d.Counts[k] = c
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read rollup_counts: %w", err)
	}
	lv := levels{}
	err = eachRow(q, `SELECT dim, grp, bucket, `+strings.Join(rollupLevelCols, ", ")+` FROM rollup_levels`, nil, func(sc scanner) error {
		var k levelKey
		v := make([]int64, len(rollupLevelCols))
		dst := []any{&k.dim, &k.grp, &k.bucket}
		for i := range v {
			dst = append(dst, &v[i])
		}
		if err := sc.Scan(dst...); err != nil {
			return err
		}
		if slices.ContainsFunc(v, func(n int64) bool { return n != 0 }) {
			lv[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read rollup_levels: %w", err)
	}
	err = eachRow(q, `SELECT dim, grp, day, from_day, n FROM rollup_days`, nil, func(sc scanner) error {
		var k sanlian.RollupDaysKey
		var n int64
		if err := sc.Scan(&k.Dim, &k.Key, &k.Day, &k.From, &n); err != nil {
			return err
		}
		d.Days[k] = n
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read rollup_days: %w", err)
	}
	err = eachRow(q, `SELECT dim, grp, s_from, s_to, day, n FROM rollup_volume`, nil, func(sc scanner) error {
		var k sanlian.RollupVolumeKey
		var n int64
		if err := sc.Scan(&k.Dim, &k.Key, &k.SFrom, &k.STo, &k.Day, &n); err != nil {
			return err
		}
		d.Volume[k] = n
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read rollup_volume: %w", err)
	}
	d.Compact()
	return d, lv, nil
}

// RollupDrift lists, in Chinese and in order, the stored counters that
// differ from a recomputation from the timelines (at most 100, then how
// many more); none when they agree. It reads inside one transaction, so
// that no event lands between the two readings.
func (db *DB) RollupDrift(ctx context.Context) ([]string, error) {
	var out []string
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := lockRollups(tx, "SHARE"); err != nil {
			return err
		}
		built, err := rollupsBuilt(tx)
		if err != nil {
			return err
		}
		if !built {
			out = []string{"考核计数汇总尚未建立：请运行 sanlian rollups rebuild"}
			return nil
		}
		var want *sanlian.RollupDeltas
		if err := db.computeRollups(tx, 0, func(d *sanlian.RollupDeltas) error { want = d; return nil }); err != nil {
			return err
		}
		got, gotLevels, err := readRollups(tx)
		if err != nil {
			return err
		}
		out = diffRollups(got, want, gotLevels, rollupLevels(want))
		return nil
	})
	if err != nil {
		return nil, err
	}
	const most = 100
	if len(out) > most {
		out = append(out[:most], fmt.Sprintf("……另有 %d 处不一致", len(out)-most))
	}
	return out, nil
}

// diffRollups lists the counters of got that differ from want, and the
// level buckets.
func diffRollups(got, want *sanlian.RollupDeltas, gotLevels, wantLevels levels) []string {
	var out []string
	line := func(what string, g, w int64) {
		out = append(out, fmt.Sprintf("%s：存储为 %d，按时间线应为 %d", what, g, w))
	}
	keys := map[sanlian.RollupKey]bool{}
	for k := range got.Counts {
		keys[k] = true
	}
	for k := range want.Counts {
		keys[k] = true
	}
	for k := range keys {
		g, w := got.Counts[k], want.Counts[k]
		if g == nil {
			g = &sanlian.RollupCounts{}
		}
		if w == nil {
			w = &sanlian.RollupCounts{}
		}
		for j, i := range rollupCountIdx {
			if g[i] != w[i] {
				line(fmt.Sprintf("rollup_counts %s/%s %s %s", k.Dim, k.Key, k.Day, rollupCountCols[j]), g[i], w[i])
			}
		}
	}
	lkeys := map[levelKey]bool{}
	for k := range gotLevels {
		lkeys[k] = true
	}
	for k := range wantLevels {
		lkeys[k] = true
	}
	for k := range lkeys {
		for j, c := range rollupLevelCols {
			var g, w int64
			if v := gotLevels[k]; v != nil {
				g = v[j]
			}
			if v := wantLevels[k]; v != nil {
				w = v[j]
			}
			if g != w {
				line(fmt.Sprintf("rollup_levels %s/%s %s %s", k.dim, k.grp, k.bucket, c), g, w)
			}
		}
	}
	days := map[sanlian.RollupDaysKey]bool{}
	for k := range got.Days {
		days[k] = true
	}
	for k := range want.Days {
		days[k] = true
	}
	for k := range days {
		if got.Days[k] != want.Days[k] {
			line(fmt.Sprintf("rollup_days %s/%s %s（交办于 %s）", k.Dim, k.Key, k.Day, k.From), got.Days[k], want.Days[k])
		}
	}
	vol := map[sanlian.RollupVolumeKey]bool{}
	for k := range got.Volume {
		vol[k] = true
	}
	for k := range want.Volume {
		vol[k] = true
	}
	for k := range vol {
		if got.Volume[k] != want.Volume[k] {
			line(fmt.Sprintf("rollup_volume %s/%s %s（起始日 %s 至 %s）", k.Dim, k.Key, k.Day, k.SFrom, k.STo), got.Volume[k], want.Volume[k])
		}
	}
	slices.Sort(out)
	return out
}
