package sanlian

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The metrics (SPEC §5) are counted by replaying each problem's timeline.
// An event records only what it changed (unit_id, person_id, accept_due,
// resolve_due, callback answers …), so the group responsible at an event
// is found by replaying the problem's events in order. MetricReplay is
// that replay; the storage finds the problems that matter to a window,
// feeds their timelines (Timeline) and adds the aggregates it counts
// itself over problems untouched since (Add, AwaitingDispatch).
//
// Rules the definitions of MetricRow leave open:
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
//     of unit when one exists (PickMetricConfig), the Total and Config the
//     one for every unit; RankUnits ranks the rows.
//   - Volume: a problem counts once per group, when it is assigned to the
//     group in the window or open with it at the window's start. Open at
//     the start is read off the replay at the problem's first event at or
//     after the start; a problem untouched since the start holds now what
//     it held then, and is added by the storage (Add).
//   - The office's intake row (IntakeRow) counts create events in the
//     window as submitted and a problem's first assignment to a unit as its
//     dispatch, on time when at or before its dispatch deadline: the
//     assign_due an event set before it, else the column, else 1 working
//     day after entry (IntakeDeadline). Overdue intake is a problem
//     submitted at the window's end and past that deadline. It is computed
//     for the office and leaders over every unit.

// MetricEvent is one event of a problem's timeline as the replay reads it.
type MetricEvent struct {
	Action  string
	At      time.Time
	To      string // the state the event left the problem in
	Changes string // the event's changes as stored: JSON before/after pairs by field, or ""
}

// MetricProblem is a problem's fixed attributes and its state now, as the
// replay needs them.
type MetricProblem struct {
	ID                 int64
	Township, Category string
	UnitID, PersonID   int64 // now
	CreatedAt          time.Time
	AssignDue          time.Time // the column: the dispatch deadline now
}

// MetricWant names the problems behind one number: Measure of the group
// Key, or of the total when All.
type MetricWant struct {
	Key, Measure string
	All          bool
}

// MetricReplaySpec is what a replay counts: the window [Start, End), the
// grouping (By), the calendar, the units whose events count (Keep: a unit
// with its sub-units, a unit admin's units; nil for every unit), whether
// the office's intake row is counted, and the number whose problems are
// wanted, if any.
type MetricReplaySpec struct {
	Start, End time.Time
	By         string
	Calendar   *Calendar
	Keep       map[int64]bool
	Intake     bool
	Want       MetricWant
}

// MetricReplay counts the metrics of a window from the problems'
// timelines. Build it with NewMetricReplay.
type MetricReplay struct {
	s      MetricReplaySpec
	rows   map[string]*MetricRow
	total  MetricRow
	days   map[string][2]float64 // key → (sum of working days, resolutions); totalKey the total
	vol    map[volumeKey]bool    // the problems counted in each group's volume
	intake *IntakeRow            // nil when not counted
	hits   map[int64]bool
}

// totalKey is the total's key among the groups' keys.
const totalKey = "\x00"

// volumeKey is a problem in a group's volume.
type volumeKey struct {
	key string
	id  int64
}

// NewMetricReplay starts a replay of s.
func NewMetricReplay(s MetricReplaySpec) *MetricReplay {
	r := &MetricReplay{s: s, rows: map[string]*MetricRow{}, days: map[string][2]float64{}, vol: map[volumeKey]bool{},
		hits: map[int64]bool{}}
	if s.Intake {
		r.intake = &IntakeRow{}
	}
	return r
}

// replayed is a problem's replayed state.
type replayed struct {
	MetricProblem
	state                 string
	unit, person          int64
	acceptDue, resolveDue time.Time
	assignedAt            time.Time
	pending               *pendingAssign
	snapped, startSnapped bool
	intakeDue             time.Time // the dispatch deadline an event set
	dispatched            bool      // assigned to a unit once already
}

// pendingAssign is an assignment waiting for its acceptance.
type pendingAssign struct {
	unit, person int64
	due          time.Time
	inWindow     bool
}

// Timeline replays p's events, in order, and counts them. It is given
// every problem with an event in the window, and every problem with an
// event since its end that may have been open at its end; the others are
// the storage's to Add.
func (r *MetricReplay) Timeline(p MetricProblem, events []MetricEvent) error {
	rp := &replayed{MetricProblem: p}
	for _, e := range events {
		if err := r.event(rp, e); err != nil {
			return err
		}
	}
	return nil
}

// event applies one event to p's state and counts it.
func (r *MetricReplay) event(p *replayed, e MetricEvent) error {
	if !e.At.Before(r.s.Start) {
		// Open at Start and changed since: the storage's aggregate cannot see it.
		r.startSnapshot(p)
	}
	if !e.At.Before(r.s.End) {
		// Open at End and changed since: the storage's aggregate cannot see it.
		r.snapshot(p)
	}
	ch, err := ParseEventChanges(e.Changes)
	if err != nil {
		return err
	}
	inWin := !e.At.Before(r.s.Start) && e.At.Before(r.s.End)
	from := p.state
	p.state = e.To
	p.apply(e.Action, ch)
	if e.Action == ActionCreate && inWin && r.intake != nil {
		r.intake.Submitted++
		r.intakeHit(p, MeasureIntakeSubmitted)
	}
	switch e.Action {
	case ActionAssign, ActionTransfer:
		r.assigned(p, e, from, inWin)
	case ActionAccept:
		if a := p.pending; a != nil && a.inWindow && !a.due.IsZero() && !e.At.After(a.due) {
			r.count(p, a.unit, a.person, MeasureAcceptedOnTime)
		}
		p.pending = nil
	case ActionResolve:
		if inWin {
			r.resolved(p, e.At)
		}
	case ActionCallback:
		if inWin {
			r.callback(p, ch)
		}
	case ActionReopen:
		if inWin {
			r.count(p, p.unit, p.person, MeasureReopened)
		}
	}
	return nil
}

// apply moves p's unit, person and deadlines as an event's changes say.
func (p *replayed) apply(action string, ch EventChanges) {
	if action == ActionImport {
		p.unit, p.person = p.UnitID, p.PersonID
	}
	if ch.Has("unit_id") {
		p.unit = ch.Int("unit_id")
	}
	if ch.Has("person_id") {
		p.person = ch.Int("person_id")
	}
	if ch.Has("accept_due") {
		p.acceptDue = ch.Due("accept_due")
	}
	if ch.Has("resolve_due") {
		p.resolveDue = ch.Due("resolve_due")
	}
	if d := ch.Due("assign_due"); !d.IsZero() {
		// A dispatch that clears the deadline leaves the one it was held to.
		p.intakeDue = d
	}
}

// assigned counts an assign or a transfer: an assignment when it leaves
// the problem assigned from the office's queue (or by a transfer), and the
// problem's first dispatch for the intake row.
func (r *MetricReplay) assigned(p *replayed, e MetricEvent, from string, inWin bool) {
	if e.To != StateAssigned || (e.Action == ActionAssign && from != StateSubmitted && from != "") {
		if e.To == StateSubmitted {
			p.pending = nil
		}
		return
	}
	p.assignedAt = e.At
	p.pending = &pendingAssign{unit: p.unit, person: p.person, due: p.acceptDue, inWindow: inWin}
	if inWin {
		r.count(p, p.unit, p.person, MeasureAssigned)
		r.volume(p, p.unit, p.person)
	}
	if from != StateSubmitted || p.dispatched {
		return
	}
	p.dispatched = true
	if inWin && r.intake != nil {
		r.intake.Dispatched++
		r.intakeHit(p, MeasureIntakeDispatched)
		if !e.At.After(r.intakeDeadline(p)) {
			r.intake.DispatchedOnTime++
			r.intakeHit(p, MeasureIntakeOnTime)
		}
	}
}

// resolved counts a resolution in the window, on time or not, and its
// working days since the assignment.
func (r *MetricReplay) resolved(p *replayed, at time.Time) {
	r.count(p, p.unit, p.person, MeasureResolved)
	if !p.resolveDue.IsZero() && !at.After(p.resolveDue) {
		r.count(p, p.unit, p.person, MeasureResolvedOnTime)
	}
	if !p.assignedAt.IsZero() {
		r.addDays(p, float64(r.s.Calendar.WorkdaysBetween(p.assignedAt, at)))
	}
}

// callback counts a callback in the window by its answers.
func (r *MetricReplay) callback(p *replayed, ch EventChanges) {
	r.count(p, p.unit, p.person, MeasureCallbacks)
	if ch.Str("callback_solved") == SolvedYes {
		r.count(p, p.unit, p.person, MeasureSolved)
	}
	switch ch.Str("callback_satisfaction") {
	case Satisfied, Basic:
		r.count(p, p.unit, p.person, MeasureSatisfied)
	case Unsatisfied:
		r.count(p, p.unit, p.person, MeasureUnsatisfied)
	}
	if ch.Has("reopened") {
		r.count(p, p.unit, p.person, MeasureReopened)
	}
}

// snapshot counts p as overdue when, at the window's end, it was open past
// its resolve deadline. It runs once, before p's first event at or after
// the end; a problem with no such event is the storage's to Add.
func (r *MetricReplay) snapshot(p *replayed) {
	if p.snapped {
		return
	}
	p.snapped = true
	if (p.state == StateAssigned || p.state == StateAccepted) && !p.resolveDue.IsZero() && r.s.End.After(p.resolveDue) {
		r.count(p, p.unit, p.person, MeasureOverdue)
	}
	if p.state == StateSubmitted && r.intake != nil && !p.CreatedAt.IsZero() && r.s.End.After(r.intakeDeadline(p)) {
		r.intake.Overdue++
		r.intakeHit(p, MeasureIntakeOverdue)
	}
}

// startSnapshot counts p in its group's volume when it was open at the
// window's start. It runs once, before p's first event at or after the
// start; a problem with no such event is the storage's to Add.
func (r *MetricReplay) startSnapshot(p *replayed) {
	if p.startSnapped {
		return
	}
	p.startSnapped = true
	if p.state == StateAssigned || p.state == StateAccepted {
		r.volume(p, p.unit, p.person)
	}
}

// intakeDeadline is p's dispatch deadline (IntakeDeadline): the one an
// event set, else the column's.
func (r *MetricReplay) intakeDeadline(p *replayed) time.Time {
	due := p.intakeDue
	if due.IsZero() {
		due = p.AssignDue
	}
	return IntakeDeadline(r.s.Calendar, p.CreatedAt, due)
}

// intakeHit collects p when the problems behind an intake number are
// wanted (they are the office's: key "").
func (r *MetricReplay) intakeHit(p *replayed, measure string) {
	if r.s.Want.Measure == measure && r.s.Want.Key == "" {
		r.hits[p.ID] = true
	}
}

// Add counts n problems under measure for the group of p's unit and
// person now: the storage's aggregates over the problems untouched since
// the window's start (volume) or end (overdue). n is 1 when p is one
// problem whose id is wanted.
func (r *MetricReplay) Add(measure string, p MetricProblem, n int) {
	r.countN(&replayed{MetricProblem: p}, p.UnitID, p.PersonID, measure, n)
}

// AwaitingDispatch counts p, a problem awaiting dispatch at the window's
// end and untouched since, as overdue intake when its dispatch deadline
// (the column's) had passed by then.
func (r *MetricReplay) AwaitingDispatch(p MetricProblem) {
	if r.intake != nil && r.s.End.After(IntakeDeadline(r.s.Calendar, p.CreatedAt, p.AssignDue)) {
		r.intake.Overdue++
		r.intakeHit(&replayed{MetricProblem: p}, MeasureIntakeOverdue)
	}
}

// Wants reports whether the problems behind measure are wanted: the
// storage then lists its untouched problems one by one instead of
// counting them.
func (r *MetricReplay) Wants(measure string) bool { return r.s.Want.Measure == measure }

// Hits lists, in order, the problems behind the wanted number.
func (r *MetricReplay) Hits() []int64 {
	ids := make([]int64, 0, len(r.hits))
	for id := range r.hits {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Keys lists the groups counted so far, in order.
func (r *MetricReplay) Keys() []string {
	keys := make([]string, 0, len(r.rows))
	for k := range r.rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// volume counts p once in the volume of its group and of the total.
func (r *MetricReplay) volume(p *replayed, unit, person int64) {
	if !r.counts(unit) {
		return
	}
	w := r.s.Want
	if k := (volumeKey{totalKey, p.ID}); !r.vol[k] {
		r.vol[k] = true
		r.total.Volume++
		if w.All && w.Measure == MeasureVolume {
			r.hits[p.ID] = true
		}
	}
	key := r.key(p, unit, person)
	if key == "" {
		return
	}
	if k := (volumeKey{key, p.ID}); !r.vol[k] {
		r.vol[k] = true
		r.row(key).Volume++
		if !w.All && w.Measure == MeasureVolume && key == w.Key {
			r.hits[p.ID] = true
		}
	}
}

// row is the group's row, made when first counted.
func (r *MetricReplay) row(key string) *MetricRow {
	row := r.rows[key]
	if row == nil {
		row = &MetricRow{Key: key}
		r.rows[key] = row
	}
	return row
}

// key is the group an event of p belongs to, "" for none.
func (r *MetricReplay) key(p *replayed, unit, person int64) string {
	switch r.s.By {
	case ByUnit:
		if unit != 0 {
			return strconv.FormatInt(unit, 10)
		}
	case ByCadre:
		if person != 0 {
			return strconv.FormatInt(person, 10)
		}
	case ByTownship:
		return p.Township
	case ByCategory:
		return p.Category
	}
	return ""
}

func (r *MetricReplay) counts(unit int64) bool { return r.s.Keep == nil || r.s.Keep[unit] }

func (r *MetricReplay) count(p *replayed, unit, person int64, measure string) {
	r.countN(p, unit, person, measure, 1)
}

func (r *MetricReplay) countN(p *replayed, unit, person int64, measure string, n int) {
	if !r.counts(unit) {
		return
	}
	key := r.key(p, unit, person)
	r.total.Add(measure, n)
	if key != "" {
		r.row(key).Add(measure, n)
	}
	if w := r.s.Want; measure == w.Measure && (w.All || (key != "" && key == w.Key)) {
		r.hits[p.ID] = true
	}
}

func (r *MetricReplay) addDays(p *replayed, days float64) {
	if !r.counts(p.unit) {
		return
	}
	for _, k := range []string{totalKey, r.key(p, p.unit, p.person)} {
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

// Result names, scores, sorts and ranks the rows into m, whose window and
// grouping the caller has set. configs are the saved configurations
// (newest first, as SortMetricConfigs leaves them), configFor the period
// they are looked up by; names are the groups' names by key (a key
// unnamed is its own name); kinds, grouped by unit, the units' kinds by
// key.
func (r *MetricReplay) Result(m *Metrics, configs []*MetricConfig, configFor string, names, kinds map[string]string) {
	base := PickMetricConfig(configs, configFor, "")
	m.Rows, m.Config = []*MetricRow{}, base
	for _, key := range r.Keys() {
		row := r.rows[key]
		row.Name = names[key]
		if row.Name == "" {
			row.Name = key
		}
		row.MeanDays = meanDays(r.days[key])
		c := base
		if r.s.By == ByUnit {
			row.UnitKind = kinds[key]
			if c = PickMetricConfig(configs, configFor, row.UnitKind); c.UnitKind != "" {
				if m.KindConfigs == nil {
					m.KindConfigs = map[string]*MetricConfig{}
				}
				m.KindConfigs[c.UnitKind] = c
			}
		}
		row.Finish(c)
		m.Rows = append(m.Rows, row)
	}
	m.Total = r.total
	m.Total.Name = "合计"
	m.Total.MeanDays = meanDays(r.days[totalKey])
	m.Total.Finish(base)
	if r.intake != nil {
		r.intake.Finish()
		m.Intake = r.intake
	}
	if r.s.By == ByUnit {
		RankUnits(m.Rows, m.ConfigSet())
	} else {
		sort.Slice(m.Rows, func(i, j int) bool { return m.Rows[i].Key < m.Rows[j].Key })
	}
}

// EventChanges are an event's before/after pairs by field, as stored.
type EventChanges map[string][2]json.RawMessage

// ParseEventChanges reads an event's changes as stored; "" is none.
func ParseEventChanges(raw string) (EventChanges, error) {
	ch := EventChanges{}
	if raw == "" {
		return ch, nil
	}
	if err := json.Unmarshal([]byte(raw), &ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// Has reports whether the event changed field f.
func (c EventChanges) Has(f string) bool { _, ok := c[f]; return ok }

// Int is f's value after the event as a number, 0 when it is none.
func (c EventChanges) Int(f string) int64 {
	var v int64
	_ = json.Unmarshal(c[f][1], &v)
	return v
}

// Str is f's value after the event as a text, "" when it is none.
func (c EventChanges) Str(f string) string {
	var v string
	_ = json.Unmarshal(c[f][1], &v)
	return v
}

// Due is f's value after the event as a deadline written "2021-05-06
// 24:00": the instant that day ends, zero when it is none.
func (c EventChanges) Due(f string) time.Time {
	s := strings.TrimSuffix(c.Str(f), " 24:00")
	d, err := time.ParseInLocation(DateLayout, s, Shanghai)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 1)
}
