package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"sanlian"
)

// The leaders' cockpit (docs/cockpit.md). Its month-by-month counts come
// from cockpit_counts for the months that have ended before the previous
// one, and live from the ledger's indexed date ranges for the current and
// the previous month; a closed month missing from the rollup is counted
// and stored on first read, and the daily job CockpitRollupJob counts the
// window's closed months again, so that what changed in them since (a
// late callback, a reopening, a reclassification) shows by the next day.

// CockpitRollupJob is the name of the daily job that rebuilds the rollup.
const CockpitRollupJob = "cockpit_rollup"

const settingLeaderCounty = "cockpit_leader_county"

// cockpitScope is whose figures the cockpit shows: the county (towns nil)
// or a leader's townships.
type cockpitScope struct {
	county bool
	towns  []string
	sc     *scope
}

// townCond limits col to the scope's townships.
func (c *cockpitScope) townCond(col string) (string, []any) {
	if c.county {
		return "", nil
	}
	return " AND " + inList(col, len(c.towns)), strArgs(c.towns)
}

func (db *ReportStore) leaderCounty(q querier) (bool, error) {
	var v string
	err := q.queryOne(`SELECT value FROM settings WHERE key = ?`, settingLeaderCounty).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("cockpit setting: %w", err)
	}
	return v != "off", nil
}

func (db *ReportStore) cockpitScopeOf(ctx context.Context, q sanlian.CockpitQuery, allowCounty bool) (*cockpitScope, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	switch s.role() {
	case sanlian.RoleOffice:
		return &cockpitScope{county: true, sc: s}, nil
	case sanlian.RoleLeader:
		if q.County {
			if !allowCounty {
				return nil, errForbidden("县领导小组办公室未开放县级领导查看全县数据，请查看联系乡镇的数据")
			}
			return &cockpitScope{county: true, sc: s}, nil
		}
		return &cockpitScope{towns: s.townships, sc: s}, nil
	}
	return nil, errForbidden("领导驾驶舱仅供县领导小组办公室和县级领导查看")
}

// Cockpit implements sanlian.CockpitService.
func (db *ReportStore) Cockpit(ctx context.Context, q sanlian.CockpitQuery) (out *sanlian.Cockpit, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("cockpit: %w", err)
		}
	}()
	allow, err := db.leaderCounty(db.reader(ctx))
	if err != nil {
		return nil, err
	}
	cs, err := db.cockpitScopeOf(ctx, q, allow)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	months := sanlian.CockpitMonthsOf(now)
	out = &sanlian.Cockpit{At: now, County: cs.county, LeaderCounty: allow, Categories: map[string]string{}}
	for _, m := range months {
		out.Months = append(out.Months, m.ID)
	}
	closed, live, err := db.cockpitParts(ctx, cs, months, now)
	if err != nil {
		return nil, err
	}
	bySource, err := db.rollupSums(ctx, cs, closed, "month", "source")
	if err != nil {
		return nil, err
	}
	out.Counts = sanlian.MergeCounts(append(bySource, live...), func(c *sanlian.CockpitCount) sanlian.CockpitCount {
		return sanlian.CockpitCount{Month: c.Month, Source: c.Source}
	})
	heat, err := db.rollupSums(ctx, cs, closed, "township_code", "category")
	if err != nil {
		return nil, err
	}
	out.Heat = sanlian.Heat(append(heat, live...))
	steps := []func() error{
		func() error { return db.cockpitCategories(ctx, out) },
		func() error { return db.cockpitTownships(ctx, cs, out) },
		func() error { return db.cockpitTrends(ctx, cs, now, out) },
		func() error { return db.cockpitVisits(ctx, cs, now, out) },
		func() error { return db.cockpitProjects(ctx, cs, out) },
		func() error { return db.cockpitActivities(ctx, cs, months, out) },
		func() error { return db.cockpitLeague(ctx, cs, now, out) },
		func() error { return db.cockpitMapSummary(ctx, out) },
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CockpitCounts returns the cockpit's counts for the months of the window
// at now, as the cockpit reads them (rollup and live), for the caller's
// scope; the tests hold it against a recount.
func (db *ReportStore) CockpitCounts(ctx context.Context, q sanlian.CockpitQuery) ([]sanlian.CockpitCount, error) {
	allow, err := db.leaderCounty(db.reader(ctx))
	if err != nil {
		return nil, err
	}
	cs, err := db.cockpitScopeOf(ctx, q, allow)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	return db.cockpitCounts(ctx, cs, sanlian.CockpitMonthsOf(now), now)
}

// cockpitParts makes sure the closed months of the window are rolled up
// and counts the live ones; it returns the closed months and the live
// counts.
func (db *ReportStore) cockpitParts(ctx context.Context, cs *cockpitScope, months []sanlian.Period, now time.Time) ([]sanlian.Period, []sanlian.CockpitCount, error) {
	closed := months[:len(months)-sanlian.CockpitLiveMonths]
	if err := db.ensureRollup(ctx, closed, now); err != nil {
		return nil, nil, err
	}
	var live []sanlian.CockpitCount
	for _, m := range months[len(closed):] {
		cs, err := countMonth(db.reader(ctx), m, now, cs)
		if err != nil {
			return nil, nil, err
		}
		live = append(live, cs...)
	}
	return closed, live, nil
}

// cockpitCounts is every count of the window by month, township,
// category and channel: the rollup's closed months and the live ones.
func (db *ReportStore) cockpitCounts(ctx context.Context, cs *cockpitScope, months []sanlian.Period, now time.Time) ([]sanlian.CockpitCount, error) {
	closed, live, err := db.cockpitParts(ctx, cs, months, now)
	if err != nil {
		return nil, err
	}
	out, err := db.rollupSums(ctx, cs, closed, "month", "township_code", "category", "source")
	if err != nil {
		return nil, err
	}
	return append(out, live...), nil
}

// rollupSums reads the rollup's closed months in the scope summed by the
// key columns given (of month, township_code, category, source): the
// cockpit's charts need months by channel and categories by township, a
// few hundred rows, not the rollup's every row.
func (db *ReportStore) rollupSums(ctx context.Context, cs *cockpitScope, closed []sanlian.Period, keys ...string) ([]sanlian.CockpitCount, error) {
	ids := make([]any, len(closed))
	for i, m := range closed {
		ids[i] = m.ID
	}
	tc, targs := cs.townCond("township_code")
	key := strings.Join(keys, ", ")
	rows, err := db.query(ctx, `SELECT `+key+`, SUM(received), SUM(resolved), SUM(resolved_on_time), SUM(overdue), SUM(satisfied), SUM(rated)
		FROM cockpit_counts WHERE `+inList("month", len(ids))+tc+` GROUP BY `+key+` ORDER BY `+key, append(ids, targs...)...)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	defer rows.Close()
	var out []sanlian.CockpitCount
	for rows.Next() {
		var c sanlian.CockpitCount
		var dst []any
		for _, k := range keys {
			switch k {
			case "month":
				dst = append(dst, &c.Month)
			case "township_code":
				dst = append(dst, &c.Township)
			case "category":
				dst = append(dst, &c.Category)
			case "source":
				dst = append(dst, &c.Source)
			}
		}
		dst = append(dst, &c.Received, &c.Resolved, &c.ResolvedOnTime, &c.Overdue, &c.Satisfied, &c.Rated)
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ensureRollup counts and stores the closed months not yet rolled up.
func (db *ReportStore) ensureRollup(ctx context.Context, closed []sanlian.Period, now time.Time) error {
	ids := make([]any, len(closed))
	for i, m := range closed {
		ids[i] = m.ID
	}
	rows, err := db.query(ctx, `SELECT month FROM cockpit_months WHERE `+inList("month", len(ids)), ids...)
	if err != nil {
		return fmt.Errorf("rolled-up months: %w", err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return err
		}
		have[m] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var missing []sanlian.Period
	for _, m := range closed {
		if !have[m.ID] {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, m := range missing {
			if err := rollupMonth(tx, m, now, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// rollupMonth counts month m of the whole county into the rollup. Unless
// replace, a month another transaction rolled up meanwhile is left as it
// is.
func rollupMonth(tx *Tx, m sanlian.Period, now time.Time, replace bool) error {
	if replace {
		if _, err := tx.exec(`DELETE FROM cockpit_counts WHERE month = ?`, m.ID); err != nil {
			return fmt.Errorf("rollup %s: %w", m.ID, err)
		}
		if _, err := tx.exec(`DELETE FROM cockpit_months WHERE month = ?`, m.ID); err != nil {
			return fmt.Errorf("rollup %s: %w", m.ID, err)
		}
	}
	res, err := tx.exec(`INSERT INTO cockpit_months (month, built_at) VALUES (?, ?) ON CONFLICT (month) DO NOTHING`, m.ID, tx.now)
	if err != nil {
		return fmt.Errorf("rollup %s: %w", m.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	cs, err := countMonth(tx, m, now, &cockpitScope{county: true})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if _, err := tx.exec(`INSERT INTO cockpit_counts (month, township_code, category, source, received, resolved,
			resolved_on_time, overdue, satisfied, rated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Month, c.Township, c.Category, c.Source, c.Received, c.Resolved, c.ResolvedOnTime, c.Overdue, c.Satisfied, c.Rated); err != nil {
			return fmt.Errorf("rollup %s: %w", m.ID, err)
		}
	}
	return nil
}

// CockpitRollup is the daily job's work: it counts again every closed
// month of the cockpit's window at at, and ranks the townships of the
// month that ended last again.
func CockpitRollup(tx *Tx, _ string, at time.Time) error {
	months := sanlian.CockpitMonthsOf(at)
	for _, m := range months[:len(months)-sanlian.CockpitLiveMonths] {
		if err := rollupMonth(tx, m, at, true); err != nil {
			return err
		}
	}
	last := lastMonth(at)
	league, err := tx.db.Reports.computeLeague(tx.ctx, last)
	if err != nil {
		return err
	}
	return storeLeague(tx, last.ID, league, true)
}

// countMonth counts month m from the ledger: each measure over its own
// indexed date column (docs/cockpit.md), grouped by township, category
// and channel.
func countMonth(q querier, m sanlian.Period, now time.Time, cs *cockpitScope) ([]sanlian.CockpitCount, error) {
	from, to := m.Start.UTC(), m.End.UTC()
	dueTo := to
	if now.Before(dueTo) {
		dueTo = now.UTC()
	}
	tc, targs := cs.townCond("township_code")
	const group = ` GROUP BY township_code, category, source`
	parts := []struct {
		query string
		args  []any
		dst   func(c *sanlian.CockpitCount) []any
	}{
		{`SELECT township_code, category, source, COUNT(*), 0 FROM problems WHERE created_at >= ? AND created_at < ?`,
			[]any{from, to}, func(c *sanlian.CockpitCount) []any { return []any{&c.Received, new(int)} }},
		{`SELECT township_code, category, source, COUNT(*),
			COALESCE(SUM(CASE WHEN resolve_due IS NULL OR resolved_at <= resolve_due THEN 1 ELSE 0 END), 0)
			FROM problems WHERE resolved_at >= ? AND resolved_at < ? AND state IN ('resolved', 'closed')`,
			[]any{from, to}, func(c *sanlian.CockpitCount) []any { return []any{&c.Resolved, &c.ResolvedOnTime} }},
		{`SELECT township_code, category, source, COUNT(*), 0 FROM problems WHERE resolve_due >= ? AND resolve_due < ?
			AND (state IN ('assigned', 'accepted') OR (state IN ('resolved', 'closed') AND resolved_at > resolve_due))`,
			[]any{from, dueTo}, func(c *sanlian.CockpitCount) []any { return []any{&c.Overdue, new(int)} }},
		{`SELECT township_code, category, source, COUNT(*),
			COALESCE(SUM(CASE WHEN callback_satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END), 0)
			FROM problems WHERE callback_at >= ? AND callback_at < ? AND callback_satisfaction <> ''`,
			[]any{from, to}, func(c *sanlian.CockpitCount) []any { return []any{&c.Rated, &c.Satisfied} }},
	}
	byKey := map[[3]string]*sanlian.CockpitCount{}
	for _, p := range parts {
		if !dueTo.After(from) && strings.Contains(p.query, "resolve_due >=") {
			continue
		}
		rows, err := q.queryRows(p.query+tc+group, append(p.args, targs...)...)
		if err != nil {
			return nil, fmt.Errorf("count %s: %w", m.ID, err)
		}
		for rows.Next() {
			var k [3]string
			var a, b int
			if err := rows.Scan(&k[0], &k[1], &k[2], &a, &b); err != nil {
				rows.Close()
				return nil, err
			}
			c := byKey[k]
			if c == nil {
				c = &sanlian.CockpitCount{Month: m.ID, Township: k[0], Category: k[1], Source: k[2]}
				byKey[k] = c
			}
			d := p.dst(c)
			*d[0].(*int) += a
			*d[1].(*int) += b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]sanlian.CockpitCount, 0, len(byKey))
	for _, c := range byKey {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Township != b.Township {
			return a.Township < b.Township
		}
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		return a.Source < b.Source
	})
	return out, nil
}

func (db *ReportStore) cockpitCategories(ctx context.Context, out *sanlian.Cockpit) error {
	rows, err := db.query(ctx, `SELECT code, name FROM categories ORDER BY sort, code`)
	if err != nil {
		return fmt.Errorf("categories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			return err
		}
		out.Categories[c] = n
		out.CategoryOrder = append(out.CategoryOrder, c)
	}
	return rows.Err()
}

// cockpitTownships lists the scope's townships with their open problems.
func (db *ReportStore) cockpitTownships(ctx context.Context, cs *cockpitScope, out *sanlian.Cockpit) error {
	tc, targs := cs.townCond("r.code")
	rows, err := db.query(ctx, `SELECT r.code, r.name FROM regions r WHERE r.kind = 'township'`+tc+` ORDER BY r.code`, targs...)
	if err != nil {
		return fmt.Errorf("townships: %w", err)
	}
	idx := map[string]int{}
	for rows.Next() {
		var t sanlian.CockpitTownship
		if err := rows.Scan(&t.Code, &t.Name); err != nil {
			rows.Close()
			return err
		}
		idx[t.Code] = len(out.Townships)
		out.Townships = append(out.Townships, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tc, targs = cs.townCond("township_code")
	rows, err = db.query(ctx, `SELECT township_code, COUNT(*) FROM problems WHERE state IN ('submitted', 'assigned', 'accepted')`+
		tc+` GROUP BY township_code`, targs...)
	if err != nil {
		return fmt.Errorf("open problems: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return err
		}
		if i, ok := idx[code]; ok {
			out.Townships[i].Open = n
		}
	}
	return rows.Err()
}

// cockpitTrends compares each category's problems of the last RisingDays
// days with the RisingDays before.
func (db *ReportStore) cockpitTrends(ctx context.Context, cs *cockpitScope, now time.Time, out *sanlian.Cockpit) error {
	mid := now.Add(-sanlian.RisingDays * 24 * time.Hour).UTC()
	from := mid.Add(-sanlian.RisingDays * 24 * time.Hour)
	tc, targs := cs.townCond("township_code")
	rows, err := db.query(ctx, `SELECT category, COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN created_at < ? THEN 1 ELSE 0 END), 0)
		FROM problems WHERE created_at >= ? AND created_at < ?`+tc+` GROUP BY category`,
		append([]any{mid, mid, from, now.UTC()}, targs...)...)
	if err != nil {
		return fmt.Errorf("trends: %w", err)
	}
	defer rows.Close()
	var ws []sanlian.CategoryWindow
	for rows.Next() {
		var w sanlian.CategoryWindow
		if err := rows.Scan(&w.Category, &w.Last, &w.Before); err != nil {
			return err
		}
		w.Name = out.Categories[w.Category]
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	out.Trends = sanlian.Trends(ws, sanlian.RisingMin)
	out.Rising = sanlian.Rising(ws, sanlian.RisingMin)
	return nil
}

// cockpitVisits counts each township's must-visit households (三必访: any
// tag) and those visited in the current month, in one pass over the
// tagged households as the coverage report's must-visit count does
// (visit_coverage.go).
func (db *ReportStore) cockpitVisits(ctx context.Context, cs *cockpitScope, now time.Time, out *sanlian.Cockpit) error {
	win := sanlian.MonthWindow(now)
	tc, targs := cs.townCond("v.parent_code")
	rows, err := db.query(ctx, `SELECT v.parent_code, COUNT(*), COALESCE(SUM(x.visited), 0)
		FROM (SELECT h.id, h.village_code,
			MAX(CASE WHEN EXISTS (SELECT 1 FROM visits vv WHERE vv.household_id = h.id AND vv.date >= ? AND vv.date <= ?) THEN 1 ELSE 0 END) AS visited
			FROM household_tags t CROSS JOIN households h WHERE h.id = t.household_id GROUP BY h.id, h.village_code) x
		JOIN regions v ON v.code = x.village_code WHERE 1 = 1`+tc+` GROUP BY v.parent_code`, append([]any{win.From, win.To}, targs...)...)
	if err != nil {
		return fmt.Errorf("visit coverage: %w", err)
	}
	defer rows.Close()
	got := map[string][2]int{}
	for rows.Next() {
		var code string
		var total, visited int
		if err := rows.Scan(&code, &total, &visited); err != nil {
			return err
		}
		got[code] = [2]int{total, visited}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range out.Townships {
		g := got[t.Code]
		out.Visits = append(out.Visits, sanlian.TownshipVisits{Code: t.Code, Name: t.Name, Total: g[0], Visited: g[1]})
	}
	return nil
}

// cockpitProjects counts the top-level service projects by status: the
// county's, or those a leader sees (scope.projects).
func (db *ReportStore) cockpitProjects(ctx context.Context, cs *cockpitScope, out *sanlian.Cockpit) error {
	w := &where{}
	if !cs.county {
		if err := cs.sc.projects(w); err != nil {
			return err
		}
	}
	w.add("pj.parent_id IS NULL")
	rows, err := db.query(ctx, `SELECT pj.status, COUNT(*), COALESCE(SUM(pj.progress), 0) FROM projects pj`+w.sql()+` GROUP BY pj.status`, w.args...)
	if err != nil {
		return fmt.Errorf("projects: %w", err)
	}
	defer rows.Close()
	out.Projects.ByStatus = map[string]int{}
	sum := 0
	for rows.Next() {
		var st string
		var n, p int
		if err := rows.Scan(&st, &n, &p); err != nil {
			return err
		}
		out.Projects.ByStatus[st] = n
		out.Projects.Total += n
		sum += p
	}
	if out.Projects.Total > 0 {
		out.Projects.Progress = float64(sum) / float64(out.Projects.Total)
	}
	return rows.Err()
}

// cockpitActivities totals the volunteer activities month by month.
func (db *ReportStore) cockpitActivities(ctx context.Context, cs *cockpitScope, months []sanlian.Period, out *sanlian.Cockpit) error {
	from := months[0].Start.Format("2006-01-02")
	to := months[len(months)-1].End.Format("2006-01-02")
	tc, targs := cs.townCond("a.township_code")
	byMonth := map[string]*sanlian.ActivityMonth{}
	for _, m := range months {
		out.Activities = append(out.Activities, sanlian.ActivityMonth{Month: m.ID})
	}
	for i := range out.Activities {
		byMonth[out.Activities[i].Month] = &out.Activities[i]
	}
	rows, err := db.query(ctx, `SELECT substr(a.date, 1, 7), COUNT(*), COALESCE(SUM(a.others), 0), COALESCE(SUM(a.served), 0),
		COALESCE(SUM((SELECT COUNT(*) FROM activity_volunteers av WHERE av.activity_id = a.id)), 0)
		FROM activities a WHERE a.date >= ? AND a.date < ?`+tc+` GROUP BY substr(a.date, 1, 7)`, append([]any{from, to}, targs...)...)
	if err != nil {
		return fmt.Errorf("activities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var n, others, served, cadres int
		if err := rows.Scan(&m, &n, &others, &served, &cadres); err != nil {
			return err
		}
		if a := byMonth[m]; a != nil {
			a.Activities, a.Volunteers, a.Served = n, cadres+others, served
		}
	}
	return rows.Err()
}

// cockpitLeague gives the township governments' league table of the
// month that ended last: the county's, kept in cockpit_league once
// computed (the month is over; the daily job computes it again). A
// county leader looking at their townships sees their townships' rows,
// with their places in the county.
func (db *ReportStore) cockpitLeague(ctx context.Context, cs *cockpitScope, now time.Time, out *sanlian.Cockpit) error {
	last := lastMonth(now)
	out.LeaguePer = last.ID
	var body string
	var league []sanlian.LeagueRow
	err := db.queryRow(ctx, `SELECT body FROM cockpit_league WHERE month = ?`, last.ID).Scan(&body)
	switch {
	case err == nil:
		if err := json.Unmarshal([]byte(body), &league); err != nil {
			return fmt.Errorf("league %s: %w", last.ID, err)
		}
	case errors.Is(err, sql.ErrNoRows):
		if league, err = db.computeLeague(ctx, last); err != nil {
			return err
		}
		if err := db.inTx(ctx, func(tx *Tx) error { return storeLeague(tx, last.ID, league, false) }); err != nil {
			return err
		}
	default:
		return fmt.Errorf("league %s: %w", last.ID, err)
	}
	in := map[string]bool{}
	for _, t := range cs.towns {
		in[t] = true
	}
	for _, r := range league {
		if cs.county || in[r.Township] {
			out.League = append(out.League, r)
		}
	}
	return nil
}

func lastMonth(now time.Time) sanlian.Period {
	return sanlian.PeriodOf(sanlian.PeriodOf(now, sanlian.PeriodMonth).Start.Add(-time.Hour), sanlian.PeriodMonth)
}

// computeLeague ranks the township governments on the county's metrics
// of month p (sanlian.RankUnits among themselves, with the configuration
// in force).
func (db *ReportStore) computeLeague(ctx context.Context, p sanlian.Period) ([]sanlian.LeagueRow, error) {
	m, err := db.Metrics(sanlian.NewSystemContext(ctx), sanlian.MetricsQuery{Period: p.ID, By: sanlian.ByUnit})
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT id, township_code FROM units WHERE kind = 'township' AND township_code IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("township units: %w", err)
	}
	town := map[string]string{}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			rows.Close()
			return nil, err
		}
		town[fmt.Sprint(id)] = code
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ranked []*sanlian.MetricRow
	for _, r := range m.Rows {
		if _, ok := town[r.Key]; ok {
			ranked = append(ranked, r)
		}
	}
	sanlian.RankUnits(ranked, m.ConfigSet())
	out := []sanlian.LeagueRow{}
	for _, r := range ranked {
		row := sanlian.LeagueRow{UnitID: r.Key, Name: r.Name, Township: town[r.Key], Rank: sanlian.RankLabel(r.Rank, r.Tied),
			Unranked: r.Unranked, Volume: r.Volume, Overdue: r.Overdue}
		if !math.IsNaN(r.Score) {
			row.Score = &r.Score
		}
		out = append(out, row)
	}
	return out, nil
}

// storeLeague keeps a month's league table; unless replace, one stored
// meanwhile by another transaction stays.
func storeLeague(tx *Tx, month string, league []sanlian.LeagueRow, replace bool) error {
	body, err := jsonMarshal(league)
	if err != nil {
		return err
	}
	q := `INSERT INTO cockpit_league (month, body, built_at) VALUES (?, ?, ?) ON CONFLICT (month) DO NOTHING`
	if replace {
		q = `INSERT INTO cockpit_league (month, body, built_at) VALUES (?, ?, ?)
			ON CONFLICT (month) DO UPDATE SET body = excluded.body, built_at = excluded.built_at`
	}
	if _, err := tx.exec(q, month, body, tx.now); err != nil {
		return fmt.Errorf("store league %s: %w", month, err)
	}
	return nil
}

func (db *ReportStore) cockpitMapSummary(ctx context.Context, out *sanlian.Cockpit) error {
	var s string
	var at time.Time
	err := db.queryRow(ctx, `SELECT summary, uploaded_at FROM township_map WHERE id = 1`).Scan(&s, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("township map: %w", err)
	}
	var m sanlian.TownshipMapSummary
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return fmt.Errorf("township map summary: %w", err)
	}
	m.At = at
	out.Map = &m
	return nil
}

// SetLeaderCounty implements sanlian.CockpitService.
func (db *ReportStore) SetLeaderCounty(ctx context.Context, on bool) error {
	if err := officeOnly(ctx, "只有县领导小组办公室可以设置驾驶舱"); err != nil {
		return err
	}
	v := "off"
	if on {
		v = "on"
	}
	return db.inTx(ctx, func(tx *Tx) error {
		before, err := db.leaderCounty(tx)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = settings.version + 1`, settingLeaderCounty, v); err != nil {
			return fmt.Errorf("cockpit setting: %w", err)
		}
		ch := changes{}
		ch.set("value", map[bool]string{true: "on", false: "off"}[before], v)
		return tx.audit("update", "setting", settingLeaderCounty, ch)
	})
}

func (db *ReportStore) townshipNames(q querier) ([]string, error) {
	var out []string
	err := eachRow(q, `SELECT name FROM regions WHERE kind = 'township' ORDER BY code`, nil, func(sc scanner) error {
		var n string
		err := sc.Scan(&n)
		out = append(out, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("township names: %w", err)
	}
	return out, nil
}

// SaveTownshipMap implements sanlian.CockpitService.
func (db *ReportStore) SaveTownshipMap(ctx context.Context, geojson []byte) (*sanlian.TownshipMapSummary, error) {
	if err := officeOnly(ctx, "只有县领导小组办公室可以上传乡镇边界"); err != nil {
		return nil, err
	}
	var out *sanlian.TownshipMapSummary
	err := db.inTx(ctx, func(tx *Tx) error {
		names, err := db.townshipNames(tx)
		if err != nil {
			return err
		}
		m, err := sanlian.ParseTownshipMap(geojson, names)
		if err != nil {
			return err
		}
		m.At = tx.now
		sum, err := jsonMarshal(m)
		if err != nil {
			return err
		}
		u, _ := mustUser(ctx)
		if _, err := tx.exec(`INSERT INTO township_map (id, geojson, summary, uploaded_by, uploaded_at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET geojson = excluded.geojson, summary = excluded.summary,
			uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`, string(geojson), sum, nullInt(u.ID), tx.now); err != nil {
			return fmt.Errorf("save township map: %w", err)
		}
		out = m
		return tx.audit("upload", "township_map", 1, changes{"features": {nil, m.Features}, "matched": {nil, len(m.Matched)},
			"bytes": {nil, m.Bytes}})
	})
	return out, err
}

// TownshipMap implements sanlian.CockpitService.
func (db *ReportStore) TownshipMap(ctx context.Context) ([]byte, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != sanlian.RoleOffice && u.Role != sanlian.RoleLeader {
		return nil, errForbidden("领导驾驶舱仅供县领导小组办公室和县级领导查看")
	}
	var s string
	err = db.queryRow(ctx, `SELECT geojson FROM township_map WHERE id = 1`).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("乡镇边界")
	}
	if err != nil {
		return nil, fmt.Errorf("township map: %w", err)
	}
	return []byte(s), nil
}

// RemoveTownshipMap implements sanlian.CockpitService.
func (db *ReportStore) RemoveTownshipMap(ctx context.Context) error {
	if err := officeOnly(ctx, "只有县领导小组办公室可以删除乡镇边界"); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM township_map WHERE id = 1`)
		if err != nil {
			return fmt.Errorf("remove township map: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound("乡镇边界")
		}
		return tx.audit("delete", "township_map", 1, nil)
	})
}

var _ sanlian.CockpitService = (*ReportStore)(nil)
