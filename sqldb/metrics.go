package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// The metrics (SPEC §5) are computed from the problems' timeline. An event
// records only what it changed (unit_id, person_id, accept_due,
// resolve_due, callback answers …), so the group responsible at an event is
// found by replaying each problem's events in order. One query reads every
// event of the problems that matter to the window: those with an event in
// it, and those created before its end with an event after it (both found
// through problem_events_at). A problem open at the end and untouched since
// holds now what it held then, so one aggregate over the open problems
// counts those overdue (problem_events_problem_at answers "untouched"). No
// query runs per problem; the work grows with the window's events, the
// events since its end, and the problems open at its end.
//
// Rules the definitions of sanlian.MetricRow leave open:
//   - An assignment is an assign from 待受理 or a transfer to a unit; an
//     assign that dispatches an assigned problem to a person or a sub-unit
//     moves later events to them but is not a new assignment.
//   - A callback whose answer is 不满意 reopens the problem: it counts as a
//     callback and as a reopening.
//   - MeanDays counts the working days (Calendar.WorkdaysBetween: the
//     assignment's own date not counted) from the latest assignment before
//     the resolution to the resolution.
//   - Overdue: open at End with End after the resolve deadline then in force
//     (as Problem.IsOverdue: a deadline of 24:00 on the window's last day is
//     not yet passed at its end).
//   - Grouped by unit, a unit's score uses the configuration for its class
//     of unit when one exists (MetricConfigFor), the Total and Config the
//     one for every unit; sanlian.RankUnits ranks the rows.
//   - Volume: a problem counts once per group, when it is assigned to the
//     group in the window or open with it at the window's start. Open at
//     the start is read off the replay at the problem's first event at or
//     after the start; a problem untouched since the start holds now what
//     it held then, so one aggregate counts those (untouched).
//   - The office's intake row (sanlian.IntakeRow) counts create events in
//     the window as submitted and a problem's first assignment to a unit
//     as its dispatch, on time when at or before its dispatch deadline:
//     the assign_due an event set before it, else the column, else 1
//     working day after entry (sanlian.IntakeDeadline). Overdue intake is
//     a problem submitted at the window's end and past that deadline. It
//     is computed for the office and leaders over every unit.

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

// metricRun holds one computation: the window, the filters, and the rows
// being counted; with want set, it also collects the problems behind one
// number.
type metricRun struct {
	db    *DB
	q     sanlian.MetricsQuery
	w     metricWindow
	cal   *sanlian.Calendar
	units map[int64]metricUnit
	// keep limits the units whose events count (UnitID with its sub-units,
	// a unit admin's units); nil counts every unit.
	keep  map[int64]bool
	rows  map[string]*sanlian.MetricRow
	total sanlian.MetricRow
	days  map[string][2]float64 // key → (sum of working days, resolutions); "\x00" the total

	wantKey, wantMeasure string
	wantAll              bool // the total
	hits                 map[int64]bool

	vol    map[volumeKey]bool // the problems counted in each group's volume; key "\x00" the total
	intake *sanlian.IntakeRow // nil when not computed
}

// volumeKey is a problem in a group's volume.
type volumeKey struct {
	key string
	id  int64
}

// metricProblem is a problem's fixed attributes and its replayed state.
type metricProblem struct {
	id                    int64
	township, category    string
	curUnit, curPerson    int64
	state                 string
	unit, person          int64
	acceptDue, resolveDue time.Time
	assignedAt            time.Time
	pending               *metricAssign
	snapped               bool
	startSnapped          bool

	createdAt, assignDue time.Time // the row's columns
	intakeDue            time.Time // the dispatch deadline an event set
	dispatched           bool      // assigned to a unit once already
}

// metricAssign is an assignment waiting for its acceptance.
type metricAssign struct {
	unit, person int64
	due          time.Time
	inWindow     bool
}

// Metrics implements sanlian.MetricsService.
func (db *DB) Metrics(ctx context.Context, q sanlian.MetricsQuery) (*sanlian.Metrics, error) {
	r, err := db.runMetrics(ctx, q, "", "", false)
	if err != nil {
		return nil, err
	}
	m, err := r.result(ctx)
	if err != nil || q.By != sanlian.ByUnit {
		return m, err
	}
	m.CoParts, err = db.metricCoParts(ctx, r.w, r.keep)
	return m, err
}

// MetricProblems implements sanlian.MetricsService.
func (db *DB) MetricProblems(ctx context.Context, q sanlian.MetricsQuery, key, measure string) ([]*sanlian.Problem, error) {
	known := slices.Contains(sanlian.IntakeMeasures, measure)
	for _, m := range sanlian.Measures {
		known = known || m == measure
	}
	if !known {
		return nil, sanlian.Errorf(sanlian.EINVALID, "指标 %q 无效", measure)
	}
	r, err := db.runMetrics(ctx, q, key, measure, key == "")
	if err != nil {
		return nil, err
	}
	out := []*sanlian.Problem{}
	if len(r.hits) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(r.hits))
	for id := range r.hits {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
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
			p, err := db.scanProblem(rows)
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

// runMetrics checks the caller and the query and replays the window.
func (db *DB) runMetrics(ctx context.Context, q sanlian.MetricsQuery, wantKey, wantMeasure string, wantAll bool) (*metricRun, error) {
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
	r := &metricRun{db: db, q: q, w: w, rows: map[string]*sanlian.MetricRow{}, days: map[string][2]float64{},
		wantKey: wantKey, wantMeasure: wantMeasure, wantAll: wantAll, hits: map[int64]bool{}, vol: map[volumeKey]bool{}}
	if r.cal, err = db.calendarIn(rd); err != nil {
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
	if r.keep == nil && s.role() != sanlian.RoleUnitAdmin {
		r.intake = &sanlian.IntakeRow{}
	}
	if err := r.replay(ctx, pw); err != nil {
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

// replay reads the events of every problem that matters to the window, in
// order, and counts them. Problems open at the window's end and untouched
// since (no event at or after End) hold at End the state they hold now:
// their overdue count is one aggregate over the open problems
// (overdueUntouched); the others are replayed. The problems to replay are
// found first (candidates) and their events read a thousand problems at a
// time by the index on problem_id: one query joining the candidates to the
// events led PostgreSQL, misjudging how many there were, to scan every
// event of a province's ledger.
func (r *metricRun) replay(ctx context.Context, pw *where) error {
	ids, err := r.candidates(ctx)
	if err != nil {
		return err
	}
	var p *metricProblem
	for chunk := range slices.Chunk(ids, 1000) {
		// The problems' attributes and the caller's filters first, then
		// the events alone: a join of the two let PostgreSQL walk the
		// whole primary key of a province's problems for each chunk.
		w := &where{conds: append([]string{}, pw.conds...), args: append([]any{}, pw.args...)}
		w.add(inList("p.id", len(chunk)), int64s(chunk)...)
		rows, err := r.db.query(ctx, `SELECT p.id, p.township_code, p.category, COALESCE(p.unit_id, 0), COALESCE(p.person_id, 0),
			p.created_at, p.assign_due FROM problems p`+w.sql(), w.args...)
		if err != nil {
			return fmt.Errorf("metric problems: %w", err)
		}
		attrs := make(map[int64]*metricProblem, len(chunk))
		kept := make([]int64, 0, len(chunk))
		for rows.Next() {
			a := &metricProblem{}
			if err := rows.Scan(&a.id, &a.township, &a.category, &a.curUnit, &a.curPerson, &a.createdAt, timeDst{&a.assignDue}); err != nil {
				rows.Close()
				return err
			}
			attrs[a.id] = a
			kept = append(kept, a.id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(kept) == 0 {
			continue
		}
		rows, err = r.db.query(ctx, `SELECT e.problem_id, e.action, e.at, e.to_state, e.changes FROM problem_events e
			WHERE `+inList("e.problem_id", len(kept))+` ORDER BY e.problem_id, e.id`, int64s(kept)...)
		if err != nil {
			return fmt.Errorf("metric events: %w", err)
		}
		for rows.Next() {
			var (
				id             int64
				action, to, ch string
				at             time.Time
			)
			if err := rows.Scan(&id, &action, &at, &to, &ch); err != nil {
				rows.Close()
				return err
			}
			if p == nil || p.id != id {
				a := attrs[id]
				p = &metricProblem{id: id, township: a.township, category: a.category, curUnit: a.curUnit, curPerson: a.curPerson,
					createdAt: a.createdAt, assignDue: a.assignDue}
			}
			if err := r.event(p, action, at, to, ch); err != nil {
				rows.Close()
				return fmt.Errorf("metric event of problem %d: %w", id, err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
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
	if r.wantMeasure == measure {
		cols, group = "p.id, p.township_code, p.category, COALESCE(p.unit_id, 0), COALESCE(p.person_id, 0), 1", ""
	}
	rows, err := r.db.query(ctx, `SELECT `+cols+` FROM problems p`+w.sql()+group, w.args...)
	if err != nil {
		return fmt.Errorf("metric %s: %w", measure, err)
	}
	defer rows.Close()
	for rows.Next() {
		p := &metricProblem{}
		var n int
		if err := rows.Scan(&p.id, &p.township, &p.category, &p.unit, &p.person, &n); err != nil {
			return err
		}
		r.countN(p, p.unit, p.person, measure, n)
	}
	return rows.Err()
}

// intakeUntouched counts as overdue intake the problems awaiting dispatch
// at End with no event since, whose dispatch deadline had passed by End.
func (r *metricRun) intakeUntouched(ctx context.Context, pw *where) error {
	if r.intake == nil {
		return nil
	}
	end := r.w.end.UTC()
	w := &where{conds: append([]string{}, pw.conds...), args: append([]any{}, pw.args...)}
	w.add(`p.state = 'submitted' AND p.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id AND e.at >= ?)`, end, end)
	rows, err := r.db.query(ctx, `SELECT p.id, p.created_at, p.assign_due FROM problems p`+w.sql(), w.args...)
	if err != nil {
		return fmt.Errorf("metric intake: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p := &metricProblem{}
		if err := rows.Scan(&p.id, &p.createdAt, timeDst{&p.assignDue}); err != nil {
			return err
		}
		if r.w.end.After(sanlian.IntakeDeadline(r.cal, p.createdAt, p.assignDue)) {
			r.intake.Overdue++
			r.intakeHit(p, sanlian.MeasureIntakeOverdue)
		}
	}
	return rows.Err()
}

// eventChanges is an event's before/after pairs.
type eventChanges map[string][2]json.RawMessage

func (c eventChanges) has(f string) bool { _, ok := c[f]; return ok }

func (c eventChanges) int(f string) int64 {
	var v int64
	_ = json.Unmarshal(c[f][1], &v)
	return v
}

func (c eventChanges) str(f string) string {
	var v string
	_ = json.Unmarshal(c[f][1], &v)
	return v
}

// due reads a deadline written by fmtDue ("2021-05-06 24:00").
func (c eventChanges) due(f string) time.Time {
	s := strings.TrimSuffix(c.str(f), " 24:00")
	d, err := time.ParseInLocation(sanlian.DateLayout, s, sanlian.Shanghai)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 1)
}

// intakeDeadline is p's dispatch deadline (sanlian.IntakeDeadline): the
// one an event set, else the column's.
func (r *metricRun) intakeDeadline(p *metricProblem) time.Time {
	due := p.intakeDue
	if due.IsZero() {
		due = p.assignDue
	}
	return sanlian.IntakeDeadline(r.cal, p.createdAt, due)
}

// event applies one event to p's state and counts it.
func (r *metricRun) event(p *metricProblem, action string, at time.Time, to, raw string) error {
	if !at.Before(r.w.start) {
		// Open at Start and changed since: carriedUntouched cannot see it.
		r.startSnapshot(p)
	}
	if !at.Before(r.w.end) {
		// Open at End and changed since: overdueUntouched cannot see it.
		r.snapshot(p)
	}
	ch := eventChanges{}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &ch); err != nil {
			return err
		}
	}
	inWin := !at.Before(r.w.start) && at.Before(r.w.end)
	from := p.state
	p.state = to
	if action == sanlian.ActionImport {
		p.unit, p.person = p.curUnit, p.curPerson
	}
	if ch.has("unit_id") {
		p.unit = ch.int("unit_id")
	}
	if ch.has("person_id") {
		p.person = ch.int("person_id")
	}
	if ch.has("accept_due") {
		p.acceptDue = ch.due("accept_due")
	}
	if ch.has("resolve_due") {
		p.resolveDue = ch.due("resolve_due")
	}
	if d := ch.due("assign_due"); !d.IsZero() {
		// A dispatch that clears the deadline leaves the one it was held to.
		p.intakeDue = d
	}
	if action == sanlian.ActionCreate && inWin && r.intake != nil {
		r.intake.Submitted++
		r.intakeHit(p, sanlian.MeasureIntakeSubmitted)
	}
	switch action {
	case sanlian.ActionAssign, sanlian.ActionTransfer:
		if to != sanlian.StateAssigned || (action == sanlian.ActionAssign && from != sanlian.StateSubmitted && from != "") {
			if to == sanlian.StateSubmitted {
				p.pending = nil
			}
			break
		}
		p.assignedAt = at
		p.pending = &metricAssign{unit: p.unit, person: p.person, due: p.acceptDue, inWindow: inWin}
		if inWin {
			r.count(p, p.unit, p.person, sanlian.MeasureAssigned)
			r.volume(p, p.unit, p.person)
		}
		if from == sanlian.StateSubmitted && !p.dispatched {
			p.dispatched = true
			if inWin && r.intake != nil {
				r.intake.Dispatched++
				r.intakeHit(p, sanlian.MeasureIntakeDispatched)
				if !at.After(r.intakeDeadline(p)) {
					r.intake.DispatchedOnTime++
					r.intakeHit(p, sanlian.MeasureIntakeOnTime)
				}
			}
		}
	case sanlian.ActionAccept:
		if a := p.pending; a != nil && a.inWindow && !a.due.IsZero() && !at.After(a.due) {
			r.count(p, a.unit, a.person, sanlian.MeasureAcceptedOnTime)
		}
		p.pending = nil
	case sanlian.ActionResolve:
		if inWin {
			r.count(p, p.unit, p.person, sanlian.MeasureResolved)
			if !p.resolveDue.IsZero() && !at.After(p.resolveDue) {
				r.count(p, p.unit, p.person, sanlian.MeasureResolvedOnTime)
			}
			if !p.assignedAt.IsZero() {
				r.addDays(p, float64(r.cal.WorkdaysBetween(p.assignedAt, at)))
			}
		}
	case sanlian.ActionCallback:
		if inWin {
			r.count(p, p.unit, p.person, sanlian.MeasureCallbacks)
			if ch.str("callback_solved") == sanlian.SolvedYes {
				r.count(p, p.unit, p.person, sanlian.MeasureSolved)
			}
			switch ch.str("callback_satisfaction") {
			case sanlian.Satisfied, sanlian.Basic:
				r.count(p, p.unit, p.person, sanlian.MeasureSatisfied)
			case sanlian.Unsatisfied:
				r.count(p, p.unit, p.person, sanlian.MeasureUnsatisfied)
			}
			if ch.has("reopened") {
				r.count(p, p.unit, p.person, sanlian.MeasureReopened)
			}
		}
	case sanlian.ActionReopen:
		if inWin {
			r.count(p, p.unit, p.person, sanlian.MeasureReopened)
		}
	}
	return nil
}

// snapshot counts p as overdue when, at the window's end, it was open past
// its resolve deadline. It runs once, before p's first event at or after
// the end; a problem with no such event is overdueUntouched's.
func (r *metricRun) snapshot(p *metricProblem) {
	if p.snapped {
		return
	}
	p.snapped = true
	if (p.state == sanlian.StateAssigned || p.state == sanlian.StateAccepted) && !p.resolveDue.IsZero() && r.w.end.After(p.resolveDue) {
		r.count(p, p.unit, p.person, sanlian.MeasureOverdue)
	}
	if p.state == sanlian.StateSubmitted && r.intake != nil && !p.createdAt.IsZero() && r.w.end.After(r.intakeDeadline(p)) {
		r.intake.Overdue++
		r.intakeHit(p, sanlian.MeasureIntakeOverdue)
	}
}

// intakeHit collects p when the problems behind an intake number are
// wanted (they are the office's: key "").
func (r *metricRun) intakeHit(p *metricProblem, measure string) {
	if r.wantMeasure == measure && r.wantKey == "" {
		r.hits[p.id] = true
	}
}

// startSnapshot counts p in its group's volume when it was open at the
// window's start. It runs once, before p's first event at or after the
// start; a problem with no such event is carriedUntouched's.
func (r *metricRun) startSnapshot(p *metricProblem) {
	if p.startSnapped {
		return
	}
	p.startSnapped = true
	if p.state == sanlian.StateAssigned || p.state == sanlian.StateAccepted {
		r.volume(p, p.unit, p.person)
	}
}

// volume counts p once in the volume of its group and of the total.
func (r *metricRun) volume(p *metricProblem, unit, person int64) {
	if !r.counts(unit) {
		return
	}
	if k := (volumeKey{"\x00", p.id}); !r.vol[k] {
		r.vol[k] = true
		r.total.Volume++
		if r.wantAll && r.wantMeasure == sanlian.MeasureVolume {
			r.hits[p.id] = true
		}
	}
	key := r.key(p, unit, person)
	if key == "" {
		return
	}
	if k := (volumeKey{key, p.id}); !r.vol[k] {
		r.vol[k] = true
		r.row(key).Volume++
		if !r.wantAll && r.wantMeasure == sanlian.MeasureVolume && key == r.wantKey {
			r.hits[p.id] = true
		}
	}
}

// row is the group's row, made when first counted.
func (r *metricRun) row(key string) *sanlian.MetricRow {
	row := r.rows[key]
	if row == nil {
		row = &sanlian.MetricRow{Key: key}
		r.rows[key] = row
	}
	return row
}

// key is the group an event of p belongs to, "" for none.
func (r *metricRun) key(p *metricProblem, unit, person int64) string {
	switch r.q.By {
	case sanlian.ByUnit:
		if unit != 0 {
			return strconv.FormatInt(unit, 10)
		}
	case sanlian.ByCadre:
		if person != 0 {
			return strconv.FormatInt(person, 10)
		}
	case sanlian.ByTownship:
		return p.township
	case sanlian.ByCategory:
		return p.category
	}
	return ""
}

func (r *metricRun) counts(unit int64) bool { return r.keep == nil || r.keep[unit] }

func (r *metricRun) count(p *metricProblem, unit, person int64, measure string) {
	r.countN(p, unit, person, measure, 1)
}

func (r *metricRun) countN(p *metricProblem, unit, person int64, measure string, n int) {
	if !r.counts(unit) {
		return
	}
	key := r.key(p, unit, person)
	r.total.Add(measure, n)
	if key != "" {
		r.row(key).Add(measure, n)
	}
	if measure == r.wantMeasure && (r.wantAll || (key != "" && key == r.wantKey)) {
		r.hits[p.id] = true
	}
}

func (r *metricRun) addDays(p *metricProblem, days float64) {
	if !r.counts(p.unit) {
		return
	}
	for _, k := range []string{"\x00", r.key(p, p.unit, p.person)} {
		if k == "" {
			continue
		}
		d := r.days[k]
		r.days[k] = [2]float64{d[0] + days, d[1] + 1}
	}
}

func meanDays(d [2]float64) float64 {
	if d[1] == 0 {
		return math.NaN()
	}
	return d[0] / d[1]
}

// result names, scores, sorts and ranks the rows.
func (r *metricRun) result(ctx context.Context) (*sanlian.Metrics, error) {
	configs, err := r.db.readMetricConfigs(r.db.reader(ctx))
	if err != nil {
		return nil, err
	}
	base := metricConfigFor(configs, r.w.configFor, "")
	names, err := r.names(ctx)
	if err != nil {
		return nil, err
	}
	out := &sanlian.Metrics{Period: r.w.period, From: r.w.from, To: r.w.to, By: r.q.By, Rows: []*sanlian.MetricRow{}, Config: base}
	for key, row := range r.rows {
		row.Name = names[key]
		if row.Name == "" {
			row.Name = key
		}
		row.MeanDays = meanDays(r.days[key])
		c := base
		if r.q.By == sanlian.ByUnit {
			id, _ := strconv.ParseInt(key, 10, 64)
			row.UnitKind = r.units[id].kind
			if c = metricConfigFor(configs, r.w.configFor, row.UnitKind); c.UnitKind != "" {
				if out.KindConfigs == nil {
					out.KindConfigs = map[string]*sanlian.MetricConfig{}
				}
				out.KindConfigs[c.UnitKind] = c
			}
		}
		row.Finish(c)
		out.Rows = append(out.Rows, row)
	}
	out.Total = r.total
	out.Total.Name = "合计"
	out.Total.MeanDays = meanDays(r.days["\x00"])
	out.Total.Finish(base)
	if r.intake != nil {
		r.intake.Finish()
		out.Intake = r.intake
	}
	if r.q.By == sanlian.ByUnit {
		sanlian.RankUnits(out.Rows, out.ConfigSet())
	} else {
		sort.Slice(out.Rows, func(i, j int) bool { return out.Rows[i].Key < out.Rows[j].Key })
	}
	return out, nil
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
		if len(r.rows) == 0 {
			return out, nil
		}
		ids := make([]any, 0, len(r.rows))
		for k := range r.rows {
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
func (db *DB) readMetricConfigs(q querier) ([]*sanlian.MetricConfig, error) {
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
	sort.SliceStable(out, func(i, j int) bool {
		a, b := periodStart(out[i].From), periodStart(out[j].From)
		if !a.Equal(b) {
			return a.After(b)
		}
		if out[i].From != out[j].From {
			return out[i].From > out[j].From
		}
		return out[i].UnitKind < out[j].UnitKind
	})
	return out, nil
}

func periodStart(id string) time.Time {
	p, _ := sanlian.ParsePeriod(id)
	return p.Start
}

// metricConfigFor picks, from configs sorted newest first, the latest whose
// From starts at or before period's start, for unitKind, else for every
// unit, else the default.
func metricConfigFor(configs []*sanlian.MetricConfig, period, unitKind string) *sanlian.MetricConfig {
	at := periodStart(period)
	kinds := []string{""}
	if unitKind != "" {
		kinds = []string{unitKind, ""}
	}
	for _, kind := range kinds {
		for _, c := range configs {
			if c.UnitKind == kind && !periodStart(c.From).After(at) {
				return c
			}
		}
	}
	d := sanlian.DefaultMetricConfig()
	return &d
}

// FindMetricConfigs implements sanlian.MetricsService.
func (db *DB) FindMetricConfigs(ctx context.Context) ([]*sanlian.MetricConfig, error) {
	if err := mayReadMetrics(ctx); err != nil {
		return nil, err
	}
	return db.readMetricConfigs(db.reader(ctx))
}

// MetricConfigFor implements sanlian.MetricsService.
func (db *DB) MetricConfigFor(ctx context.Context, period, unitKind string) (*sanlian.MetricConfig, error) {
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
	return metricConfigFor(configs, period, unitKind), nil
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
func (db *DB) SaveMetricConfig(ctx context.Context, c *sanlian.MetricConfig) error {
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
