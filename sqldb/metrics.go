package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// The metrics (SPEC §5) are counted by sanlian.MetricReplay from the
// problems' timelines; this file finds what it replays. One query reads
// every event of the problems that matter to the window: those with an
// event in it, and those created before its end with an event after it
// (both found through problem_events_at). A problem open at the end and
// untouched since holds now what it held then, so one aggregate over the
// open problems counts those overdue (problem_events_problem_at answers
// "untouched"); likewise the volume carried in from the start and the
// intake overdue at the end. No query runs per problem; the work grows
// with the window's events, the events since its end, and the problems
// open at its end.

// metricWindow is a parsed MetricsQuery.
type metricWindow struct {
	period     string // the period id, or "" for a date range
	configFor  string // the period id configurations are looked up by
	start, end time.Time
	from, to   string
}

func parseMetricsQuery(q sanlian.MetricsQuery) (metricWindow, error) {
	var w metricWindow
	switch q.By {
	case sanlian.ByUnit, sanlian.ByTownship, sanlian.ByCadre, sanlian.ByCategory:
	case "":
		return w, sanlian.Errorf(sanlian.EINVALID, "请选择统计口径：按单位、乡镇、干部或类别")
	default:
		return w, sanlian.Errorf(sanlian.EINVALID, "统计口径 %q 无效，应为 unit、township、cadre 或 category", q.By)
	}
	if q.Period != "" {
		p, err := sanlian.ParsePeriod(q.Period)
		if err != nil {
			return w, err
		}
		w.period, w.configFor, w.start, w.end = p.ID, p.ID, p.Start, p.End
	} else {
		if q.From == "" || q.To == "" {
			return w, sanlian.Errorf(sanlian.EINVALID, "请选择期间，或填写起止日期")
		}
		from, err1 := time.ParseInLocation(sanlian.DateLayout, q.From, sanlian.Shanghai)
		to, err2 := time.ParseInLocation(sanlian.DateLayout, q.To, sanlian.Shanghai)
		if err1 != nil || err2 != nil {
			return w, sanlian.Errorf(sanlian.EINVALID, "起止日期的格式应为 2021-05-01")
		}
		if to.Before(from) {
			return w, sanlian.Errorf(sanlian.EINVALID, "结束日期 %s 早于开始日期 %s", q.To, q.From)
		}
		if to.Sub(from) > 3*366*24*time.Hour {
			return w, sanlian.Errorf(sanlian.EINVALID, "统计范围不能超过三年")
		}
		w.start, w.end = from, to.AddDate(0, 0, 1)
		w.configFor = sanlian.PeriodOf(from, sanlian.PeriodHalf).ID
	}
	w.from = w.start.In(sanlian.Shanghai).Format(sanlian.DateLayout)
	w.to = w.end.Add(-time.Nanosecond).In(sanlian.Shanghai).Format(sanlian.DateLayout)
	return w, nil
}

// metricUnit is a unit as the metrics need it.
type metricUnit struct {
	name, kind string
	parent     int64
}

// metricRun is one computation: the query and its window, the units, the
// units whose events count, and the replay counting them.
type metricRun struct {
	db    *DB
	q     sanlian.MetricsQuery
	w     metricWindow
	units map[int64]metricUnit
	// keep limits the units whose events count (UnitID with its sub-units,
	// a unit admin's units); nil counts every unit.
	keep   map[int64]bool
	intake bool // the office's intake row is counted
	replay *sanlian.MetricReplay
}

// Metrics implements sanlian.MetricsService.
func (db *ReportStore) Metrics(ctx context.Context, q sanlian.MetricsQuery) (*sanlian.Metrics, error) {
	return db.metrics(ctx, q, false)
}

// MetricsReplayed is Metrics counted by replaying the timelines even where
// the rollups would answer: the reference the rollups are checked
// against.
func (db *ReportStore) MetricsReplayed(ctx context.Context, q sanlian.MetricsQuery) (*sanlian.Metrics, error) {
	return db.metrics(ctx, q, true)
}

func (db *ReportStore) metrics(ctx context.Context, q sanlian.MetricsQuery, replay bool) (*sanlian.Metrics, error) {
	r, err := db.runMetrics(ctx, q, sanlian.MetricWant{}, replay)
	if err != nil {
		return nil, err
	}
	m, err := r.result(ctx)
	if err != nil || q.By != sanlian.ByUnit {
		return m, err
	}
	m.CoParts, err = db.Org.metricCoParts(ctx, r.w, r.keep)
	return m, err
}

// MetricProblems implements sanlian.MetricsService.
func (db *ReportStore) MetricProblems(ctx context.Context, q sanlian.MetricsQuery, key, measure string) ([]*sanlian.Problem, error) {
	known := slices.Contains(sanlian.IntakeMeasures, measure)
	for _, m := range sanlian.Measures {
		known = known || m == measure
	}
	if !known {
		return nil, sanlian.Errorf(sanlian.EINVALID, "指标 %q 无效", measure)
	}
	r, err := db.runMetrics(ctx, q, sanlian.MetricWant{Key: key, Measure: measure, All: key == ""}, true)
	if err != nil {
		return nil, err
	}
	out := []*sanlian.Problem{}
	ids := r.replay.Hits()
	if len(ids) == 0 {
		return out, nil
	}
	// The list shows only what the reader may open (FindProblemByID): a
	// unit admin does not see a problem since transferred away.
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	now := db.Now()
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		w := &where{}
		if err := s.problems(w); err != nil {
			return nil, err
		}
		w.add(inList("p.id", len(chunk)), int64s(chunk)...)
		rows, err := db.query(ctx, problemSelect+w.sql(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("metric problems: %w", err)
		}
		for rows.Next() {
			p, err := db.Problems.scanProblem(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			p.Overdue = p.IsOverdue(now)
			p.MaskContacts()
			out = append(out, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// runMetrics checks the caller and the query and counts the window: from
// the rollups when they can answer (the office's metrics over every unit,
// no problems wanted, the rollups built) unless replay, else by replaying
// the timelines.
func (db *ReportStore) runMetrics(ctx context.Context, q sanlian.MetricsQuery, want sanlian.MetricWant, replay bool) (*metricRun, error) {
	w, err := parseMetricsQuery(q)
	if err != nil {
		return nil, err
	}
	rd := db.reader(ctx)
	s, err := db.scopeOf(ctx, rd)
	if err != nil {
		return nil, err
	}
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleLeader, sanlian.RoleUnitAdmin:
	default:
		return nil, errForbidden("只有县办公室、县级领导和单位管理员可以查看考核指标")
	}
	r := &metricRun{db: db.DB, q: q, w: w}
	cal, err := db.calendarIn(rd)
	if err != nil {
		return nil, err
	}
	if err := r.loadUnits(rd); err != nil {
		return nil, err
	}
	if q.UnitID != 0 {
		if _, ok := r.units[q.UnitID]; !ok {
			return nil, sanlian.Errorf(sanlian.EINVALID, "单位 %d 不存在", q.UnitID)
		}
		r.keep = r.subUnits(q.UnitID)
	}
	if s.role() == sanlian.RoleUnitAdmin {
		own := map[int64]bool{}
		for _, id := range s.unitIDs {
			own[id] = true
		}
		if r.keep == nil {
			r.keep = own
		} else if !own[q.UnitID] {
			return nil, errForbidden("只能查看本单位及下属单位的考核指标")
		}
	}
	pw := &where{}
	if s.role() == sanlian.RoleLeader {
		pw.add(inList("p.township_code", len(s.townships)), strArgs(s.townships)...)
	}
	r.intake = r.keep == nil && s.role() != sanlian.RoleUnitAdmin
	r.replay = sanlian.NewMetricReplay(sanlian.MetricReplaySpec{Start: w.start, End: w.end, By: q.By, Calendar: cal,
		Keep: r.keep, Intake: r.intake, Want: want})
	if !replay && want.Measure == "" && r.keep == nil && s.role() == sanlian.RoleOffice {
		done, err := r.fromRollups(rd, cal)
		if err != nil || done {
			return r, err
		}
	}
	if err := r.replayWindow(ctx, pw); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *metricRun) loadUnits(q querier) error {
	rows, err := q.queryRows(`SELECT id, name, kind, COALESCE(parent_id, 0) FROM units`)
	if err != nil {
		return fmt.Errorf("metric units: %w", err)
	}
	defer rows.Close()
	r.units = map[int64]metricUnit{}
	for rows.Next() {
		var id int64
		var u metricUnit
		if err := rows.Scan(&id, &u.name, &u.kind, &u.parent); err != nil {
			return err
		}
		r.units[id] = u
	}
	return rows.Err()
}

// subUnits is id and every unit below it.
func (r *metricRun) subUnits(id int64) map[int64]bool {
	children := map[int64][]int64{}
	for cid, u := range r.units {
		children[u.parent] = append(children[u.parent], cid)
	}
	out := map[int64]bool{}
	stack := []int64{id}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if out[n] {
			continue
		}
		out[n] = true
		stack = append(stack, children[n]...)
	}
	return out
}

// fromRollups counts the window from the rollups, when they are built.
// The office's metrics are over every unit and township: the rollups'
// groups are those of the replay with nothing left out.
func (r *metricRun) fromRollups(q querier, cal *sanlian.Calendar) (bool, error) {
	built, err := rollupsBuilt(q)
	if err != nil || !built {
		return false, err
	}
	sums, err := metricRollupSums(q, r.q.By, r.w.start, r.w.end, cal)
	if err != nil {
		return false, err
	}
	if sums[""] == nil {
		sums[""] = &sanlian.RollupSum{}
	}
	for k, x := range sums {
		r.replay.AddRollup(k, x)
	}
	return true, nil
}

// replayWindow feeds the replay the timeline of every problem that
// matters to the window, in order. Problems open at the window's end and
// untouched since (no event at or after End) hold at End the state they
// hold now: their overdue count is one aggregate over the open problems
// (overdueUntouched); the others are replayed. The problems to replay are
// found first (candidates) and their events read a thousand problems at a
// time by the index on problem_id: one query joining the candidates to the
// events led PostgreSQL, misjudging how many there were, to scan every
// event of a province's ledger.
func (r *metricRun) replayWindow(ctx context.Context, pw *where) error {
	ids, err := r.candidates(ctx)
	if err != nil {
		return err
	}
	for chunk := range slices.Chunk(ids, 1000) {
		if err := r.replayChunk(ctx, pw, chunk); err != nil {
			return err
		}
	}
	if err := r.overdueUntouched(ctx, pw); err != nil {
		return err
	}
	if err := r.carriedUntouched(ctx, pw); err != nil {
		return err
	}
	return r.intakeUntouched(ctx, pw)
}

// replayChunk replays the problems of chunk the caller may count: their
// attributes and the caller's filters first, then the events alone (a
// join of the two let PostgreSQL walk the whole primary key of a
// province's problems for each chunk).
func (r *metricRun) replayChunk(ctx context.Context, pw *where, chunk []int64) error {
	w := &where{conds: append([]string{}, pw.conds...), args: append([]any{}, pw.args...)}
	w.add(inList("p.id", len(chunk)), int64s(chunk)...)
	attrs := make(map[int64]sanlian.MetricProblem, len(chunk))
	kept := make([]int64, 0, len(chunk))
	err := eachRow(r.db.reader(ctx), `SELECT p.id, p.township_code, p.category, COALESCE(p.unit_id, 0), COALESCE(p.person_id, 0),
		p.created_at, p.assign_due FROM problems p`+w.sql(), w.args, func(sc scanner) error {
		var a sanlian.MetricProblem
		if err := sc.Scan(&a.ID, &a.Township, &a.Category, &a.UnitID, &a.PersonID, &a.CreatedAt, timeDst{&a.AssignDue}); err != nil {
			return err
		}
		attrs[a.ID] = a
		kept = append(kept, a.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("metric problems: %w", err)
	}
	if len(kept) == 0 {
		return nil
	}
	err = eachTimeline(r.db.reader(ctx), inList("problem_id", len(kept)), int64s(kept), func(id int64, events []sanlian.MetricEvent) error {
		if err := r.replay.Timeline(attrs[id], events); err != nil {
			return fmt.Errorf("metric event of problem %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("metric events: %w", err)
	}
	return nil
}

// candidates lists, in order, the problems whose timelines the window
// needs: those with an event in it, and those with an event since its end
// that may have been open at its end (created before it, and not closed,
// rejected or merged before it: closing clears closed_at on reopening, so
// a problem closed now with closed_at before End was closed at End).
func (r *metricRun) candidates(ctx context.Context) ([]int64, error) {
	start, end := r.w.start.UTC(), r.w.end.UTC()
	read := func(q string, args ...any) ([]int64, error) {
		rows, err := r.db.query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("metric candidates: %w", err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	in, err := read(`SELECT DISTINCT problem_id FROM problem_events WHERE at >= ? AND at < ?`, start, end)
	if err != nil {
		return nil, err
	}
	since, err := read(`SELECT DISTINCT problem_id FROM problem_events WHERE at >= ?`, end)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]bool, len(in))
	for _, id := range in {
		seen[id] = true
	}
	var later []int64
	for _, id := range since {
		if !seen[id] {
			later = append(later, id)
		}
	}
	slices.Sort(later)
	for chunk := range slices.Chunk(later, 1000) {
		args := append(int64s(chunk), end, end, end)
		open, err := read(`SELECT id FROM problems WHERE `+inList("id", len(chunk))+` AND created_at < ?
			AND NOT (state = 'closed' AND closed_at < ?) AND NOT (state IN ('rejected', 'merged') AND updated_at < ?)`, args...)
		if err != nil {
			return nil, err
		}
		in = append(in, open...)
	}
	slices.Sort(in)
	return slices.Compact(in), nil
}

// overdueUntouched counts the problems open at End, past their resolve
// deadline, with no event since: grouped in SQL, or listed when their ids
// are wanted.
func (r *metricRun) overdueUntouched(ctx context.Context, pw *where) error {
	end := r.w.end.UTC()
	return r.untouched(ctx, pw, sanlian.MeasureOverdue, end, `p.resolve_due < ?`, end)
}

// carriedUntouched counts in the volume the problems open at Start with
// no event since: they were open with their unit now all through the
// window.
func (r *metricRun) carriedUntouched(ctx context.Context, pw *where) error {
	return r.untouched(ctx, pw, sanlian.MeasureVolume, r.w.start.UTC(), "")
}

// untouched counts under measure the problems open (assigned or accepted)
// now and matching cond, created before since and with no event at or
// after it: a problem's unit now is its unit then.
func (r *metricRun) untouched(ctx context.Context, pw *where, measure string, since time.Time, cond string, args ...any) error {
	w := &where{conds: append([]string{}, pw.conds...), args: append([]any{}, pw.args...)}
	w.add(`p.state IN ('assigned', 'accepted') AND p.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id AND e.at >= ?)`, since, since)
	if cond != "" {
		w.add(cond, args...)
	}
	if r.keep != nil {
		ids := make([]int64, 0, len(r.keep))
		for id := range r.keep {
			ids = append(ids, id)
		}
		w.add(inList("p.unit_id", len(ids)), int64s(ids)...)
	}
	// Grouped by the unit and the one column the grouping needs: the fewer
	// groups, the less to sort.
	tw, cat, person, by := "''", "''", "0", ""
	switch r.q.By {
	case sanlian.ByTownship:
		tw, by = "p.township_code", ", p.township_code"
	case sanlian.ByCategory:
		cat, by = "p.category", ", p.category"
	case sanlian.ByCadre:
		person, by = "COALESCE(p.person_id, 0)", ", p.person_id"
	}
	cols, group := "0, "+tw+", "+cat+", COALESCE(p.unit_id, 0), "+person+", COUNT(*)", " GROUP BY p.unit_id"+by
	if r.replay.Wants(measure) {
		cols, group = "p.id, p.township_code, p.category, COALESCE(p.unit_id, 0), COALESCE(p.person_id, 0), 1", ""
	}
	err := eachRow(r.db.reader(ctx), `SELECT `+cols+` FROM problems p`+w.sql()+group, w.args, func(sc scanner) error {
		var p sanlian.MetricProblem
		var n int
		if err := sc.Scan(&p.ID, &p.Township, &p.Category, &p.UnitID, &p.PersonID, &n); err != nil {
			return err
		}
		r.replay.Add(measure, p, n)
		return nil
	})
	if err != nil {
		return fmt.Errorf("metric %s: %w", measure, err)
	}
	return nil
}

// intakeUntouched counts as overdue intake the problems awaiting dispatch
// at End with no event since, whose dispatch deadline had passed by End.
func (r *metricRun) intakeUntouched(ctx context.Context, pw *where) error {
	if !r.intake {
		return nil
	}
	end := r.w.end.UTC()
	w := &where{conds: append([]string{}, pw.conds...), args: append([]any{}, pw.args...)}
	w.add(`p.state = 'submitted' AND p.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id AND e.at >= ?)`, end, end)
	err := eachRow(r.db.reader(ctx), `SELECT p.id, p.created_at, p.assign_due FROM problems p`+w.sql(), w.args, func(sc scanner) error {
		var p sanlian.MetricProblem
		if err := sc.Scan(&p.ID, &p.CreatedAt, timeDst{&p.AssignDue}); err != nil {
			return err
		}
		r.replay.AwaitingDispatch(p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("metric intake: %w", err)
	}
	return nil
}

// result names, scores, sorts and ranks the rows (MetricReplay.Result).
func (r *metricRun) result(ctx context.Context) (*sanlian.Metrics, error) {
	configs, err := r.db.Reports.readMetricConfigs(r.db.reader(ctx))
	if err != nil {
		return nil, err
	}
	names, err := r.names(ctx)
	if err != nil {
		return nil, err
	}
	kinds := map[string]string{}
	if r.q.By == sanlian.ByUnit {
		for id, u := range r.units {
			kinds[strconv.FormatInt(id, 10)] = u.kind
		}
	}
	m := &sanlian.Metrics{Period: r.w.period, From: r.w.from, To: r.w.to, By: r.q.By}
	r.replay.Result(m, configs, r.w.configFor, names, kinds)
	return m, nil
}

// names reads the groups' names.
func (r *metricRun) names(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	var q string
	switch r.q.By {
	case sanlian.ByUnit:
		for id, u := range r.units {
			out[strconv.FormatInt(id, 10)] = u.name
		}
		return out, nil
	case sanlian.ByTownship:
		q = `SELECT code, name FROM regions WHERE kind = 'township'`
	case sanlian.ByCadre:
		keys := r.replay.Keys()
		if len(keys) == 0 {
			return out, nil
		}
		ids := make([]any, 0, len(keys))
		for _, k := range keys {
			id, _ := strconv.ParseInt(k, 10, 64)
			ids = append(ids, id)
		}
		rows, err := r.db.query(ctx, `SELECT CAST(id AS TEXT), name FROM cadres WHERE `+inList("id", len(ids)), ids...)
		if err != nil {
			return nil, err
		}
		return out, scanNames(rows, out)
	case sanlian.ByCategory:
		q = `SELECT code, name FROM categories`
	}
	rows, err := r.db.query(ctx, q)
	if err != nil {
		return nil, err
	}
	return out, scanNames(rows, out)
}

func scanNames(rows *sql.Rows, out map[string]string) error {
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		out[k] = v
	}
	return rows.Err()
}

// readMetricConfigs lists the saved configurations, newest period first.
func (db *ReportStore) readMetricConfigs(q querier) ([]*sanlian.MetricConfig, error) {
	rows, err := q.queryRows(`SELECT id, from_period, unit_kind, weights, rules, overdue_deduction, deduction_cap, min_volume, version
		FROM metric_configs`)
	if err != nil {
		return nil, fmt.Errorf("metric configs: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.MetricConfig{}
	for rows.Next() {
		c := &sanlian.MetricConfig{}
		var w, rl string
		k := &c.Ranking
		if err := rows.Scan(&c.ID, &c.From, &c.UnitKind, &w, &rl, &k.OverdueDeduction, &k.DeductionCap, &k.MinVolume, &c.Version); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(w), &c.Weights); err != nil {
			return nil, fmt.Errorf("metric config %d weights: %w", c.ID, err)
		}
		if err := json.Unmarshal([]byte(rl), &c.Rules); err != nil {
			return nil, fmt.Errorf("metric config %d rules: %w", c.ID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sanlian.SortMetricConfigs(out)
	return out, nil
}

// FindMetricConfigs implements sanlian.MetricsService.
func (db *ReportStore) FindMetricConfigs(ctx context.Context) ([]*sanlian.MetricConfig, error) {
	if err := mayReadMetrics(ctx); err != nil {
		return nil, err
	}
	return db.readMetricConfigs(db.reader(ctx))
}

// MetricConfigFor implements sanlian.MetricsService.
func (db *ReportStore) MetricConfigFor(ctx context.Context, period, unitKind string) (*sanlian.MetricConfig, error) {
	if err := mayReadMetrics(ctx); err != nil {
		return nil, err
	}
	if _, err := sanlian.ParsePeriod(period); err != nil {
		return nil, err
	}
	configs, err := db.readMetricConfigs(db.reader(ctx))
	if err != nil {
		return nil, err
	}
	return sanlian.PickMetricConfig(configs, period, unitKind), nil
}

func mayReadMetrics(ctx context.Context) error {
	u, err := mustUser(ctx)
	if err != nil {
		return err
	}
	switch u.Role {
	case sanlian.RoleOffice, sanlian.RoleLeader, sanlian.RoleUnitAdmin:
		return nil
	}
	return errForbidden("只有县办公室、县级领导和单位管理员可以查看考核指标")
}

// SaveMetricConfig implements sanlian.MetricsService.
func (db *ReportStore) SaveMetricConfig(ctx context.Context, c *sanlian.MetricConfig) error {
	u, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if u.Role != sanlian.RoleOffice {
		return errForbidden("只有县办公室可以修改考核配置")
	}
	c.From, c.UnitKind = strings.TrimSpace(c.From), strings.TrimSpace(c.UnitKind)
	if err := c.Validate(); err != nil {
		return err
	}
	wj, err := jsonMarshal(c.Weights)
	if err != nil {
		return err
	}
	rj, err := jsonMarshal(c.Rules)
	if err != nil {
		return err
	}
	k := c.Ranking
	kj, err := jsonMarshal(k)
	if err != nil {
		return err
	}
	dup := func() error {
		kind := "全部单位"
		if c.UnitKind != "" {
			kind = sanlian.UnitKindLabel(c.UnitKind)
		}
		return sanlian.FieldErrors(map[string]string{"from": fmt.Sprintf("自 %s 起适用于%s的考核配置已经存在，请修改那一条", c.From, kind)})
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if c.ID == 0 {
			id, err := tx.insertID(`INSERT INTO metric_configs (from_period, unit_kind, weights, rules, overdue_deduction, deduction_cap,
				min_volume, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
				c.From, c.UnitKind, wj, rj, k.OverdueDeduction, k.DeductionCap, k.MinVolume, tx.now, tx.now)
			if errors.Is(err, errUnique) {
				return dup()
			} else if err != nil {
				return fmt.Errorf("create metric config: %w", err)
			}
			c.ID, c.Version = id, 1
			return tx.audit("create", "metric_config", id, changes{"from": {nil, c.From}, "unit_kind": {nil, c.UnitKind},
				"weights": {nil, wj}, "ranking": {nil, kj}, "rules": {nil, rj}})
		}
		var from, kind, ow, or string
		var old sanlian.MetricRanking
		var version int64
		err := tx.queryRow(`SELECT from_period, unit_kind, weights, rules, overdue_deduction, deduction_cap, min_volume, version
			FROM metric_configs WHERE id = ?`, c.ID).
			Scan(&from, &kind, &ow, &or, &old.OverdueDeduction, &old.DeductionCap, &old.MinVolume, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("考核配置")
		} else if err != nil {
			return err
		}
		if version != c.Version {
			return errStale("该考核配置")
		}
		res, err := tx.exec(`UPDATE metric_configs SET from_period = ?, unit_kind = ?, weights = ?, rules = ?, overdue_deduction = ?,
			deduction_cap = ?, min_volume = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			c.From, c.UnitKind, wj, rj, k.OverdueDeduction, k.DeductionCap, k.MinVolume, tx.now, c.ID, c.Version)
		if errors.Is(err, errUnique) {
			return dup()
		} else if err != nil {
			return fmt.Errorf("update metric config %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该考核配置")
		}
		c.Version++
		ch := changes{}
		ch.set("from", from, c.From)
		ch.set("unit_kind", kind, c.UnitKind)
		ch.set("weights", ow, wj)
		okj, _ := jsonMarshal(old)
		ch.set("ranking", okj, kj)
		ch.set("rules", or, rj)
		return tx.audit("update", "metric_config", c.ID, ch)
	})
}
