package sanlian

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Rollups are the metrics' counters kept per day, so that a window's
// numbers are sums over its days instead of a replay of every timeline
// that touches it. What an event adds to them is decided here, by the
// same rules as MetricReplay (its doc comment lists them), and nowhere
// else: the storage applies the deltas in the event's transaction and
// recomputes them all from the timelines on demand (RollupTimeline).
//
// Three kinds of counter, each kept for every grouping (RollupDims: the
// total, by unit, cadre, township and category; a group whose key would
// be "" is not kept, as MetricReplay does not count it in a row):
//
//   - Counts, per day: the window's counts (assigned, resolved, …) on the
//     day of their event (accepted on time on the day of the assignment it
//     answers), and level changes: +1 on the day a problem starts to be
//     open with the group (or overdue with it, or awaiting dispatch past
//     its deadline) and -1 on the day it stops. The problems open at an
//     instant at midnight E are the sum of the level changes of the days
//     before E's day; periods start and end at midnight.
//   - Days: resolutions by the day resolved and the day of the assignment
//     they count from, so that MeanDays is counted with the calendar of
//     the day it is read (a holiday added later counts).
//   - Volume corrections: the volume (distinct problems: open with the
//     group at the window's start or assigned to it in the window) is the
//     problems open at the start plus the assignments in the window, less
//     the assignments of a problem the window had counted already. Such an
//     assignment at t is recorded with the start days [SFrom, STo] of the
//     windows for which it had (-1 each): those starting after the last
//     assignment before t to the same group, or while the problem was open
//     with it. The window [S, E) subtracts those with SFrom ≤ S ≤ STo and
//     Day < E.
//
// An imported problem starts with the unit and cadre it was imported
// with: the value before the first later event that changed them, else
// the problem's now. (MetricReplay takes the problem's now, so the two
// differ for an imported problem transferred since.)

// RollupAll is the grouping of every problem into one group, the total.
const RollupAll = "all"

// RollupDims lists the groupings rollups are kept for.
var RollupDims = []string{RollupAll, ByUnit, ByCadre, ByTownship, ByCategory}

// The counters of a rollup day, by index into RollupCounts; RollupCounters
// names them (the storage's columns) in the same order.
const (
	RcAssigned = iota
	RcAcceptedOnTime
	RcResolved
	RcResolvedOnTime
	RcCallbacks
	RcSolved
	RcSatisfied
	RcUnsatisfied
	RcReopened
	RcOverdueLevel
	RcOpenLevel
	RcIntakeSubmitted
	RcIntakeDispatched
	RcIntakeOnTime
	RcIntakeOverdueLevel
	rcN
)

// RollupCounters names the counters of RollupCounts, in index order.
var RollupCounters = [rcN]string{"assigned", "accepted_on_time", "resolved", "resolved_on_time", "callbacks", "solved",
	"satisfied", "unsatisfied", "reopened", "overdue_level", "open_level", "intake_submitted", "intake_dispatched",
	"intake_on_time", "intake_overdue_level"}

// RollupLevels lists the counters that are level changes, summed over
// every day before an instant rather than over a window's days.
var RollupLevels = []int{RcOverdueLevel, RcOpenLevel, RcIntakeOverdueLevel}

// IsRollupLevel reports whether counter i is a level change.
func IsRollupLevel(i int) bool { return slices.Contains(RollupLevels, i) }

// RollupBuckets are the buckets a level change on day (a date) is kept
// in: the day's ("D2024-05-03"), its month's ("M2024-05") and its year's
// ("Y2024").
func RollupBuckets(day string) [3]string {
	return [3]string{"D" + day, "M" + day[:7], "Y" + day[:4]}
}

// RollupLevelRanges are the ranges [from, to) of buckets whose sum is a
// level at the midnight that starts day (a date): the years before its
// year, the months of its year before its month, the days of its month
// before it.
func RollupLevelRanges(day string) [3][2]string {
	return [3][2]string{{"Y", "Y" + day[:4]}, {"M" + day[:4] + "-01", "M" + day[:7]}, {"D" + day[:7] + "-01", "D" + day}}
}

// RollupCounts are one group's counters for one day.
type RollupCounts [rcN]int64

// IsZero reports whether every counter is 0.
func (c *RollupCounts) IsZero() bool { return *c == RollupCounts{} }

// RollupKey is a group's day: Day is a date (DateLayout, Asia/Shanghai).
type RollupKey struct{ Dim, Key, Day string }

// RollupDaysKey is a group's resolutions on Day counted from assignments
// on From.
type RollupDaysKey struct{ Dim, Key, Day, From string }

// RollupVolumeKey is a group's volume correction: an assignment on Day
// counted already by the windows starting on SFrom to STo (dates; SFrom
// RollupFirstDay for every window before).
type RollupVolumeKey struct{ Dim, Key, SFrom, STo, Day string }

// RollupFirstDay is the SFrom of a correction that holds for every window
// starting up to its STo.
const RollupFirstDay = "0001-01-01"

// RollupDeltas are changes to the rollups, or the rollups themselves.
type RollupDeltas struct {
	Counts map[RollupKey]*RollupCounts
	Days   map[RollupDaysKey]int64
	Volume map[RollupVolumeKey]int64
}

// NewRollupDeltas returns empty deltas.
func NewRollupDeltas() *RollupDeltas {
	return &RollupDeltas{Counts: map[RollupKey]*RollupCounts{}, Days: map[RollupDaysKey]int64{}, Volume: map[RollupVolumeKey]int64{}}
}

// Merge adds o to d.
func (d *RollupDeltas) Merge(o *RollupDeltas) {
	for k, c := range o.Counts {
		for i, n := range c {
			d.add(k, i, n)
		}
	}
	for k, n := range o.Days {
		d.Days[k] += n
	}
	for k, n := range o.Volume {
		d.Volume[k] += n
	}
}

// Compact drops what is zero: changes that cancelled out.
func (d *RollupDeltas) Compact() {
	for k, c := range d.Counts {
		if c.IsZero() {
			delete(d.Counts, k)
		}
	}
	for k, n := range d.Days {
		if n == 0 {
			delete(d.Days, k)
		}
	}
	for k, n := range d.Volume {
		if n == 0 {
			delete(d.Volume, k)
		}
	}
}

func (d *RollupDeltas) add(k RollupKey, i int, n int64) {
	c := d.Counts[k]
	if c == nil {
		c = &RollupCounts{}
		d.Counts[k] = c
	}
	c[i] += n
}

// RollupTimeline is what every event of p's timeline, in order, adds to
// the rollups.
func RollupTimeline(p MetricProblem, events []MetricEvent, cal *Calendar) (*RollupDeltas, error) {
	w := newRollupWalk(p, events, cal)
	for i, e := range events {
		if err := w.event(e, i); err != nil {
			return nil, err
		}
	}
	w.out.Compact()
	return w.out, nil
}

// RollupLast is what the last event of p's timeline adds to the rollups,
// the events before it having been counted: the live change an event
// makes as it is written.
func RollupLast(p MetricProblem, events []MetricEvent, cal *Calendar) (*RollupDeltas, error) {
	w := newRollupWalk(p, events, cal)
	for i, e := range events {
		if i == len(events)-1 {
			w.out = NewRollupDeltas()
		}
		if err := w.event(e, i); err != nil {
			return nil, err
		}
	}
	w.out.Compact()
	return w.out, nil
}

// rollupWalk is a problem's state replayed event by event, as
// MetricReplay's, with what each group has seen of it.
type rollupWalk struct {
	p      MetricProblem
	events []MetricEvent
	cal    *Calendar
	out    *RollupDeltas

	state                 string
	unit, person          int64
	acceptDue, resolveDue time.Time
	assignedAt, intakeDue time.Time
	pending               *rollupPending
	dispatched            bool
	dims                  [5]rollupDim
	late                  rollupSpan // awaiting dispatch, for the intake's overdue level
}

type rollupPending struct {
	unit, person int64
	due, at      time.Time
}

// rollupSpan is a level counted from an instant: +1 on the day of From,
// taken back by -1 on the day it ends (or on From's, if it ends before).
type rollupSpan struct {
	on   bool
	key  string
	due  time.Time // what the span is defined by beside its key
	from time.Time
}

// rollupDim is what one grouping has seen of the problem: the group it is
// open with, the span it is overdue in, and per group the last
// assignment and the past stretches open.
type rollupDim struct {
	open, overdue rollupSpan
	last          map[string]time.Time
	stints        map[string][][2]time.Time // (from, to]
}

func newRollupWalk(p MetricProblem, events []MetricEvent, cal *Calendar) *rollupWalk {
	w := &rollupWalk{p: p, events: events, cal: cal, out: NewRollupDeltas()}
	for i := range w.dims {
		w.dims[i].last = map[string]time.Time{}
		w.dims[i].stints = map[string][][2]time.Time{}
	}
	return w
}

// dayString is t's date in Asia/Shanghai.
func dayString(t time.Time) string { return t.In(Shanghai).Format(DateLayout) }

// keys are the groups of the problem with unit and person, by dimension
// (RollupDims order); "" and false where the grouping keeps no group.
func (w *rollupWalk) key(dim int, unit, person int64) (string, bool) {
	switch RollupDims[dim] {
	case RollupAll:
		return "", true
	case ByUnit:
		if unit != 0 {
			return strconv.FormatInt(unit, 10), true
		}
	case ByCadre:
		if person != 0 {
			return strconv.FormatInt(person, 10), true
		}
	case ByTownship:
		return w.p.Township, w.p.Township != ""
	case ByCategory:
		return w.p.Category, w.p.Category != ""
	}
	return "", false
}

// count adds 1 to counter i of the groups of unit and person on day.
func (w *rollupWalk) count(unit, person int64, i int, day time.Time) {
	d := dayString(day)
	for dim := range w.dims {
		if k, ok := w.key(dim, unit, person); ok {
			w.out.add(RollupKey{RollupDims[dim], k, d}, i, 1)
		}
	}
}

func (w *rollupWalk) open() bool { return w.state == StateAssigned || w.state == StateAccepted }

// event applies event i to the state and counts it, as
// MetricReplay.event does.
func (w *rollupWalk) event(e MetricEvent, i int) error {
	ch, err := ParseEventChanges(e.Changes)
	if err != nil {
		return err
	}
	from := w.state
	w.state = e.To
	w.apply(e.Action, ch, i)
	if e.Action == ActionCreate {
		w.out.add(RollupKey{RollupAll, "", dayString(e.At)}, RcIntakeSubmitted, 1)
	}
	switch e.Action {
	case ActionAssign, ActionTransfer:
		w.assigned(e, from)
	case ActionAccept:
		if a := w.pending; a != nil && !a.due.IsZero() && !e.At.After(a.due) {
			w.count(a.unit, a.person, RcAcceptedOnTime, a.at)
		}
		w.pending = nil
	case ActionResolve:
		w.count(w.unit, w.person, RcResolved, e.At)
		if !w.resolveDue.IsZero() && !e.At.After(w.resolveDue) {
			w.count(w.unit, w.person, RcResolvedOnTime, e.At)
		}
		if !w.assignedAt.IsZero() {
			d, f := dayString(e.At), dayString(w.assignedAt)
			for dim := range w.dims {
				if k, ok := w.key(dim, w.unit, w.person); ok {
					w.out.Days[RollupDaysKey{RollupDims[dim], k, d, f}]++
				}
			}
		}
	case ActionCallback:
		w.count(w.unit, w.person, RcCallbacks, e.At)
		if ch.Str("callback_solved") == SolvedYes {
			w.count(w.unit, w.person, RcSolved, e.At)
		}
		switch ch.Str("callback_satisfaction") {
		case Satisfied, Basic:
			w.count(w.unit, w.person, RcSatisfied, e.At)
		case Unsatisfied:
			w.count(w.unit, w.person, RcUnsatisfied, e.At)
		}
		if ch.Has("reopened") {
			w.count(w.unit, w.person, RcReopened, e.At)
		}
	case ActionReopen:
		w.count(w.unit, w.person, RcReopened, e.At)
	}
	w.levels(e.At)
	return nil
}

// apply moves the unit, cadre and deadlines as the event's changes say.
func (w *rollupWalk) apply(action string, ch EventChanges, i int) {
	if action == ActionImport {
		w.unit, w.person = w.importedWith(i)
	}
	if ch.Has("unit_id") {
		w.unit = ch.Int("unit_id")
	}
	if ch.Has("person_id") {
		w.person = ch.Int("person_id")
	}
	if ch.Has("accept_due") {
		w.acceptDue = ch.Due("accept_due")
	}
	if ch.Has("resolve_due") {
		w.resolveDue = ch.Due("resolve_due")
	}
	if d := ch.Due("assign_due"); !d.IsZero() {
		w.intakeDue = d
	}
}

// importedWith is the unit and cadre the problem was imported with (event
// i): before the first later change of each, else the problem's now.
func (w *rollupWalk) importedWith(i int) (unit, person int64) {
	unit, person = w.p.UnitID, w.p.PersonID
	var unitSeen, personSeen bool
	for _, e := range w.events[i+1:] {
		ch, err := ParseEventChanges(e.Changes)
		if err != nil {
			continue
		}
		if !unitSeen && ch.Has("unit_id") {
			unit, unitSeen = ch.before("unit_id"), true
		}
		if !personSeen && ch.Has("person_id") {
			person, personSeen = ch.before("person_id"), true
		}
	}
	return unit, person
}

// before is f's value before the event as a number, 0 when it is none.
func (c EventChanges) before(f string) int64 {
	var v int64
	_ = json.Unmarshal(c[f][0], &v)
	return v
}

// assigned counts an assign or a transfer as MetricReplay.assigned does,
// with its volume corrections.
func (w *rollupWalk) assigned(e MetricEvent, from string) {
	if e.To != StateAssigned || (e.Action == ActionAssign && from != StateSubmitted && from != "") {
		if e.To == StateSubmitted {
			w.pending = nil
		}
		return
	}
	w.pending = &rollupPending{unit: w.unit, person: w.person, due: w.acceptDue, at: e.At}
	w.assignedAt = e.At
	w.count(w.unit, w.person, RcAssigned, e.At)
	for dim := range w.dims {
		if k, ok := w.key(dim, w.unit, w.person); ok {
			w.volumeFix(dim, k, e.At)
			w.dims[dim].last[k] = e.At
		}
	}
	if from != StateSubmitted || w.dispatched {
		return
	}
	w.dispatched = true
	d := dayString(e.At)
	w.out.add(RollupKey{RollupAll, "", d}, RcIntakeDispatched, 1)
	if !e.At.After(w.intakeDeadline()) {
		w.out.add(RollupKey{RollupAll, "", d}, RcIntakeOnTime, 1)
	}
}

// volumeFix records the start days of the windows that counted the
// problem in group k of dim already when it is assigned to it at t.
func (w *rollupWalk) volumeFix(dim int, k string, t time.Time) {
	ds := &w.dims[dim]
	var spans [][2]day // inclusive ranges of start days
	if a, ok := ds.last[k]; ok {
		spans = append(spans, [2]day{minDay, dayOf(a)})
	}
	for _, s := range ds.stints[k] {
		spans = append(spans, [2]day{dayOf(s[0]) + 1, dayOf(s[1])})
	}
	if ds.open.on && ds.open.key == k {
		spans = append(spans, [2]day{dayOf(ds.open.from) + 1, dayOf(t)})
	}
	for _, s := range mergeDays(spans) {
		from := RollupFirstDay
		if s[0] != minDay {
			from = s[0].midnight().Format(DateLayout)
		}
		w.out.Volume[RollupVolumeKey{RollupDims[dim], k, from, s[1].midnight().Format(DateLayout), dayString(t)}]--
	}
}

// minDay stands for every day before the others.
const minDay = day(-1 << 30)

// mergeDays merges inclusive ranges of days that overlap or touch,
// dropping empty ones.
func mergeDays(spans [][2]day) [][2]day {
	var out [][2]day
	for len(spans) > 0 {
		// Selection of the earliest start: the lists are a handful long.
		j := 0
		for i := range spans {
			if spans[i][0] < spans[j][0] {
				j = i
			}
		}
		s := spans[j]
		spans = append(spans[:j], spans[j+1:]...)
		if s[1] < s[0] {
			continue
		}
		if n := len(out); n > 0 && s[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], s[1])
			continue
		}
		out = append(out, s)
	}
	return out
}

// intakeDeadline is the problem's dispatch deadline, as
// MetricReplay.intakeDeadline.
func (w *rollupWalk) intakeDeadline() time.Time {
	due := w.intakeDue
	if due.IsZero() {
		due = w.p.AssignDue
	}
	return IntakeDeadline(w.cal, w.p.CreatedAt, due)
}

// levels moves the level spans to the state the event at t left: open
// with a group, overdue with it, awaiting dispatch past the deadline.
func (w *rollupWalk) levels(t time.Time) {
	open := w.open()
	for dim := range w.dims {
		ds := &w.dims[dim]
		k, ok := w.key(dim, w.unit, w.person)
		on := open && ok
		if ds.open.on != on || ds.open.key != k {
			if ds.open.on {
				ds.stints[ds.open.key] = append(ds.stints[ds.open.key], [2]time.Time{ds.open.from, t})
			}
			w.span(&ds.open, rollupSpan{on: on, key: k, from: t}, dim, RcOpenLevel, t)
		}
		od := rollupSpan{on: on && !w.resolveDue.IsZero(), key: k, due: w.resolveDue}
		if od.on {
			od.from = later(t, w.resolveDue)
		}
		if ds.overdue.on != od.on || (od.on && (ds.overdue.key != k || !ds.overdue.due.Equal(od.due))) {
			w.span(&ds.overdue, od, dim, RcOverdueLevel, t)
		}
	}
	late := rollupSpan{on: w.state == StateSubmitted && !w.p.CreatedAt.IsZero()}
	if late.on {
		late.due = w.intakeDeadline()
		late.from = later(t, late.due)
	}
	if w.late.on != late.on || (late.on && !w.late.due.Equal(late.due)) {
		w.span(&w.late, late, 0, RcIntakeOverdueLevel, t)
	}
}

// span ends *cur at t and starts next, in counter i of dim.
func (w *rollupWalk) span(cur *rollupSpan, next rollupSpan, dim, i int, t time.Time) {
	if cur.on {
		w.out.add(RollupKey{RollupDims[dim], cur.key, dayString(later(t, cur.from))}, i, -1)
	}
	if next.on {
		w.out.add(RollupKey{RollupDims[dim], next.key, dayString(next.from)}, i, 1)
	}
	*cur = next
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// RollupSum is one group's rollups summed for a window [S, E): Window over
// its days, End over the days before E (the levels at E), Start over the
// days before S; VolumeFix its volume corrections; Days and Resolutions
// the working days from assignment to resolution and their count.
type RollupSum struct {
	Window, End, Start RollupCounts
	VolumeFix          int64
	Days, Resolutions  float64
}

// Row is the group's MetricRow counts.
func (s *RollupSum) Row() MetricRow {
	c := func(v int64) int { return int(v) }
	return MetricRow{
		Assigned: c(s.Window[RcAssigned]), AcceptedOnTime: c(s.Window[RcAcceptedOnTime]),
		Resolved: c(s.Window[RcResolved]), ResolvedOnTime: c(s.Window[RcResolvedOnTime]),
		Callbacks: c(s.Window[RcCallbacks]), Solved: c(s.Window[RcSolved]), Satisfied: c(s.Window[RcSatisfied]),
		Unsatisfied: c(s.Window[RcUnsatisfied]), Reopened: c(s.Window[RcReopened]),
		Overdue: c(s.End[RcOverdueLevel]),
		Volume:  c(s.Start[RcOpenLevel] + s.Window[RcAssigned] + s.VolumeFix),
	}
}

// Intake is the office's intake row counts from the total's sums.
func (s *RollupSum) Intake() IntakeRow {
	return IntakeRow{Submitted: int(s.Window[RcIntakeSubmitted]), Dispatched: int(s.Window[RcIntakeDispatched]),
		DispatchedOnTime: int(s.Window[RcIntakeOnTime]), Overdue: int(s.End[RcIntakeOverdueLevel])}
}

// RollupWorkdays is the working days from an assignment on from to a
// resolution on to (dates), as MetricReplay counts them.
func RollupWorkdays(cal *Calendar, from, to string) (int, error) {
	f, err := time.ParseInLocation(DateLayout, from, Shanghai)
	if err != nil {
		return 0, err
	}
	t, err := time.ParseInLocation(DateLayout, to, Shanghai)
	if err != nil {
		return 0, err
	}
	return cal.WorkdaysBetween(f, t), nil
}

// AddRollup counts a group's numbers summed from the rollups: key "" is
// the total (with the intake row, when it is counted). A group whose
// counts are all 0 has no row, as in a replay.
func (r *MetricReplay) AddRollup(key string, s *RollupSum) {
	row := s.Row()
	days := [2]float64{s.Days, s.Resolutions}
	if key == "" {
		row.Key = r.total.Key
		r.total = row
		r.days[totalKey] = days
		if r.intake != nil {
			in := s.Intake()
			*r.intake = in
		}
		return
	}
	if row == (MetricRow{}) {
		return
	}
	row.Key = key
	r.rows[key] = &row
	r.days[key] = days
}
