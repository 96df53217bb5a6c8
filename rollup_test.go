package sanlian

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// randomTimeline is a problem's plausible life from created: dispatched,
// transferred, returned, extended, resolved, called back (and reopened by
// an unsatisfied answer), closed, rejected or merged, at random times
// over a few weeks.
func randomTimeline(rng *rand.Rand, id int64, created time.Time) timeline {
	p := MetricProblem{ID: id, Township: []string{"", "t1", "t2"}[rng.IntN(3)], Category: []string{"c1", "c2"}[rng.IntN(2)],
		CreatedAt: created}
	due := func(t time.Time, days int) string {
		return strconv.Quote(t.AddDate(0, 0, days).In(Shanghai).Format(DateLayout) + " 24:00")
	}
	t := created
	state := StateSubmitted
	evs := []MetricEvent{{Action: ActionCreate, At: t, To: state, Changes: chg("assign_due", due(t, rng.IntN(3)))}}
	if rng.IntN(5) == 0 {
		evs[0].Changes = "" // entered before the deadline was recorded: the column's
		p.AssignDue = t.AddDate(0, 0, 1)
	}
	add := func(action, to, changes string) {
		state = to
		evs = append(evs, MetricEvent{Action: action, At: t, To: to, Changes: changes})
	}
	unit := func() string { return strconv.Itoa(1 + rng.IntN(4)) }
	for range 2 + rng.IntN(9) {
		// Some events at the same instant, some across midnight.
		t = t.Add(time.Duration(rng.IntN(4)) * time.Duration(rng.IntN(60)+1) * time.Hour)
		switch state {
		case StateSubmitted:
			switch rng.IntN(6) {
			case 0:
				add(ActionReject, StateRejected, chg("state", `"rejected"`))
			case 1:
				add(ActionMerge, StateMerged, chg("state", `"merged"`))
			default:
				add(ActionAssign, StateAssigned, chg("unit_id", unit(), "person_id", strconv.Itoa(rng.IntN(3)),
					"accept_due", due(t, rng.IntN(2)), "resolve_due", due(t, rng.IntN(15))))
			}
		case StateAssigned, StateAccepted:
			switch rng.IntN(8) {
			case 0:
				add(ActionTransfer, StateAssigned, chg("unit_id", unit(), "person_id", "0",
					"accept_due", due(t, rng.IntN(2)), "resolve_due", due(t, rng.IntN(15))))
			case 1:
				add(ActionReturn, StateSubmitted, chg("unit_id", "0", "person_id", "0", "assign_due", due(t, 1)))
			case 2:
				add(ActionExtend, state, chg("resolve_due", due(t, 5+rng.IntN(10))))
			case 3:
				add(ActionAssign, state, chg("person_id", strconv.Itoa(1+rng.IntN(3)))) // to a cadre: not an assignment
			case 4, 5:
				if state == StateAssigned {
					add(ActionAccept, StateAccepted, chg("state", `"accepted"`))
				} else {
					add(ActionResolve, StateResolved, chg("state", `"resolved"`))
				}
			default:
				add(ActionResolve, StateResolved, chg("state", `"resolved"`))
			}
		case StateResolved:
			solved := []string{SolvedYes, SolvedPartly, SolvedNo}[rng.IntN(3)]
			sat := []string{Satisfied, Basic, Unsatisfied}[rng.IntN(3)]
			switch rng.IntN(4) {
			case 0:
				add(ActionReopen, StateAssigned, chg("resolve_due", due(t, 5)))
			case 1:
				add(ActionClose, StateClosed, chg("state", `"closed"`))
			default:
				if sat == Unsatisfied {
					add(ActionCallback, StateAssigned, chg("callback_solved", strconv.Quote(solved),
						"callback_satisfaction", strconv.Quote(sat), "reopened", "true", "resolve_due", due(t, 5)))
				} else {
					add(ActionCallback, StateResolved, chg("callback_solved", strconv.Quote(solved),
						"callback_satisfaction", strconv.Quote(sat)))
				}
			}
		case StateClosed:
			if rng.IntN(3) == 0 {
				add(ActionReopen, StateAssigned, chg("resolve_due", due(t, 5)))
			}
		}
	}
	return timeline{p: p, events: evs}
}

// replayOf counts the metrics of [start, end) by replay. Every timeline is
// replayed, closed by an event long after the window, so that the replay
// takes every snapshot itself (the storage's aggregates are not needed).
func replayOf(tls []timeline, by string, start, end time.Time) *Metrics {
	r := NewMetricReplay(MetricReplaySpec{Start: start, End: end, By: by, Intake: true})
	far := end.AddDate(10, 0, 0)
	for _, tl := range tls {
		last := tl.events[len(tl.events)-1]
		evs := append(append([]MetricEvent{}, tl.events...), MetricEvent{Action: "note", At: far, To: last.To})
		if err := r.Timeline(tl.p, evs); err != nil {
			panic(err)
		}
	}
	m := &Metrics{By: by}
	r.Result(m, nil, "", nil, nil)
	return m
}

// rollupOf counts the same from rollups, summed as the storage sums them.
func rollupOf(t *testing.T, all *RollupDeltas, by string, start, end time.Time) *Metrics {
	t.Helper()
	s, e := dayString(start), dayString(end)
	sums := map[string]*RollupSum{}
	sum := func(dim, key string) *RollupSum {
		if dim == RollupAll {
			key = ""
		} else if dim != by {
			return nil
		}
		if sums[key] == nil {
			sums[key] = &RollupSum{}
		}
		return sums[key]
	}
	for k, c := range all.Counts {
		x := sum(k.Dim, k.Key)
		if x == nil {
			continue
		}
		for i, n := range c {
			if k.Day >= s && k.Day < e {
				x.Window[i] += n
			}
			if k.Day < e {
				x.End[i] += n
			}
			if k.Day < s {
				x.Start[i] += n
			}
		}
	}
	for k, n := range all.Days {
		if x := sum(k.Dim, k.Key); x != nil && k.Day >= s && k.Day < e {
			d, err := RollupWorkdays(nil, k.From, k.Day)
			if err != nil {
				t.Fatal(err)
			}
			x.Days += float64(n) * float64(d)
			x.Resolutions += float64(n)
		}
	}
	for k, n := range all.Volume {
		if x := sum(k.Dim, k.Key); x != nil && k.SFrom <= s && s <= k.STo && k.Day < e {
			x.VolumeFix += n
		}
	}
	r := NewMetricReplay(MetricReplaySpec{Start: start, End: end, By: by, Intake: true})
	for key, x := range sums {
		r.AddRollup(key, x)
	}
	m := &Metrics{By: by}
	r.Result(m, nil, "", nil, nil)
	return m
}

func TestRollupTimeline_EqualsReplay(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 39))
	base := at("2024-03-01 08:00")
	for round := range 20 {
		var tls []timeline
		all := NewRollupDeltas()
		for i := range 60 {
			created := base.Add(time.Duration(rng.IntN(40*24)) * time.Hour)
			tl := randomTimeline(rng, int64(i+1), created)
			tls = append(tls, tl)
			d, err := RollupTimeline(tl.p, tl.events, nil)
			if err != nil {
				t.Fatal(err)
			}
			all.Merge(d)
			for k := range d.Volume {
				if k.STo > k.Day || k.SFrom > k.STo {
					// The storage bounds its reading by s_from ≤ s_to ≤ day.
					t.Fatalf("volume correction %+v out of order", k)
				}
			}
		}
		for _, w := range [][2]string{{"2024-03-01", "2024-03-16"}, {"2024-03-16", "2024-04-01"}, {"2024-04-01", "2024-04-16"},
			{"2024-03-10", "2024-03-11"}, {"2024-03-20", "2024-05-01"}} {
			start, end := at(w[0]+" 00:00"), at(w[1]+" 00:00")
			for _, by := range []string{ByUnit, ByCadre, ByTownship, ByCategory} {
				want, got := replayOf(tls, by, start, end), rollupOf(t, all, by, start, end)
				if msg := diffMetrics(want, got); msg != "" {
					t.Fatalf("round %d, %s–%s by %s: %s", round, w[0], w[1], by, msg)
				}
			}
		}
	}
}

// diffMetrics says how two metrics' counts, mean days and intake differ.
func diffMetrics(want, got *Metrics) string {
	rows := func(m *Metrics) map[string]string {
		out := map[string]string{"合计": fmt.Sprintf("%s days=%.6f", counted(&m.Total), nz(m.Total.MeanDays))}
		for _, r := range m.Rows {
			out[r.Key] = fmt.Sprintf("%s days=%.6f", counted(r), nz(r.MeanDays))
		}
		if m.Intake != nil {
			in := *m.Intake
			out["intake"] = fmt.Sprintf("%d %d %d %d", in.Submitted, in.Dispatched, in.DispatchedOnTime, in.Overdue)
		}
		return out
	}
	w, g := rows(want), rows(got)
	if reflect.DeepEqual(w, g) {
		return ""
	}
	return fmt.Sprintf("replay %v\nrollups %v", w, g)
}

func nz(f float64) float64 {
	if math.IsNaN(f) {
		return -1
	}
	return f
}

// The live deltas, event by event, add up to the timeline's.
func TestRollupLast_AddsUpToTimeline(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for i := range 300 {
		tl := randomTimeline(rng, int64(i+1), at("2024-03-01 08:00").Add(time.Duration(rng.IntN(500))*time.Hour))
		live := NewRollupDeltas()
		for n := 1; n <= len(tl.events); n++ {
			d, err := RollupLast(tl.p, tl.events[:n], nil)
			if err != nil {
				t.Fatal(err)
			}
			live.Merge(d)
		}
		live.Compact()
		whole, err := RollupTimeline(tl.p, tl.events, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(flatRollups(live), flatRollups(whole)) {
			t.Fatalf("problem %d: live %v\nwhole %v", i, flatRollups(live), flatRollups(whole))
		}
	}
}

func flatRollups(d *RollupDeltas) map[string]int64 {
	out := map[string]int64{}
	for k, c := range d.Counts {
		for i, n := range c {
			if n != 0 {
				out[fmt.Sprint(k, RollupCounters[i])] = n
			}
		}
	}
	for k, n := range d.Days {
		out[fmt.Sprint(k)] = n
	}
	for k, n := range d.Volume {
		out[fmt.Sprint(k)] = n
	}
	return out
}

// An imported problem starts with the unit it was imported with, read
// back from the later transfer that moved it.
func TestRollupTimeline_ImportedThenTransferred(t *testing.T) {
	p := MetricProblem{ID: 1, UnitID: 9, CreatedAt: at("2024-03-01 08:00")}
	evs := []MetricEvent{
		ev(ActionImport, "2024-03-01 08:00", StateAccepted, chg("resolve_due", `"2024-03-05 24:00"`)),
		{Action: ActionTransfer, At: at("2024-03-10 09:00"), To: StateAssigned,
			Changes: `{"unit_id":[4,9],"resolve_due":[null,"2024-03-20 24:00"]}`},
	}
	d, err := RollupTimeline(p, evs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Counts[RollupKey{ByUnit, "4", "2024-03-01"}]; c == nil || c[RcOpenLevel] != 1 {
		t.Fatalf("unit 4 opened on 1 March: %v", c)
	}
	if c := d.Counts[RollupKey{ByUnit, "4", "2024-03-06"}]; c == nil || c[RcOverdueLevel] != 1 {
		t.Fatalf("unit 4 overdue from 6 March: %v", c)
	}
	if c := d.Counts[RollupKey{ByUnit, "4", "2024-03-10"}]; c == nil || c[RcOverdueLevel] != -1 || c[RcOpenLevel] != -1 {
		t.Fatalf("unit 4 left on 10 March: %v", c)
	}
	if c := d.Counts[RollupKey{ByUnit, "9", "2024-03-10"}]; c == nil || c[RcAssigned] != 1 || c[RcOpenLevel] != 1 {
		t.Fatalf("unit 9 assigned on 10 March: %v", c)
	}
}

func TestRollupTimeline_BadChanges(t *testing.T) {
	_, err := RollupTimeline(MetricProblem{ID: 1}, []MetricEvent{{Action: ActionCreate, At: at("2024-03-01 08:00"),
		To: StateSubmitted, Changes: "{not json"}}, nil)
	if err == nil {
		t.Fatal("a timeline with unreadable changes was counted")
	}
}

func TestRollupWorkdays(t *testing.T) {
	if n, err := RollupWorkdays(nil, "2024-03-01", "2024-03-05"); err != nil || n != 2 {
		t.Fatalf("Fri 1 to Tue 5 March: %d, %v; want 2 (4 and 5 March)", n, err)
	}
	if _, err := RollupWorkdays(nil, "2024-3-1", "2024-03-05"); err == nil {
		t.Fatal("a malformed date was read")
	}
}

func TestMergeDays(t *testing.T) {
	for _, c := range []struct {
		in, want [][2]day
	}{
		{nil, nil},
		{[][2]day{{5, 4}}, nil},
		{[][2]day{{5, 7}, {1, 2}}, [][2]day{{1, 2}, {5, 7}}},
		{[][2]day{{5, 7}, {1, 4}}, [][2]day{{1, 7}}},
		{[][2]day{{minDay, 3}, {2, 9}, {11, 12}}, [][2]day{{minDay, 9}, {11, 12}}},
	} {
		if got := mergeDays(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("mergeDays(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// A level at a midnight is the sum of the buckets of the changes before
// it, each change counted once.
func TestRollupLevelRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	first := at("2021-01-01 00:00")
	for range 2000 {
		change := dayString(first.AddDate(0, 0, rng.IntN(4*366)))
		at := dayString(first.AddDate(0, 0, rng.IntN(4*366)))
		n := 0
		for _, b := range RollupBuckets(change) {
			for _, r := range RollupLevelRanges(at) {
				if b >= r[0] && b < r[1] {
					n++
				}
			}
		}
		if want := map[bool]int{true: 1, false: 0}[change < at]; n != want {
			t.Fatalf("a change on %s counts %d times in the level at %s, want %d", change, n, at, want)
		}
	}
}
