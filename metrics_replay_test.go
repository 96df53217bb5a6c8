package sanlian

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// at is a Shanghai wall time, "2006-01-02 15:04".
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// chg writes an event's changes as stored: field, then the value after as
// JSON, pair after pair.
func chg(kv ...string) string {
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, strconv.Quote(kv[i])+":[null,"+kv[i+1]+"]")
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func ev(action, when, to, changes string) MetricEvent {
	return MetricEvent{Action: action, At: at(when), To: to, Changes: changes}
}

// assignTo is an assignment from the office's queue to unit and cadre,
// with its accept and resolve deadlines (their last days).
func assignTo(when string, unit, person int, accept, resolve string) MetricEvent {
	return ev(ActionAssign, when, StateAssigned, chg("unit_id", strconv.Itoa(unit), "person_id", strconv.Itoa(person),
		"accept_due", strconv.Quote(accept+" 24:00"), "resolve_due", strconv.Quote(resolve+" 24:00")))
}

func create(when string) MetricEvent { return ev(ActionCreate, when, StateSubmitted, "") }

// counted shows a row's non-zero counts, in the measures' order.
func counted(r *MetricRow) string {
	var out []string
	for _, m := range Measures {
		if n := r.Count(m); n != 0 {
			out = append(out, m+"="+strconv.Itoa(n))
		}
	}
	return strings.Join(out, " ")
}

type timeline struct {
	p      MetricProblem
	events []MetricEvent
}

// replayCase is a timeline (or a few) and what the replay counts of it.
type replayCase struct {
	name   string
	by     string
	keep   map[int64]bool
	lines  []timeline
	rows   map[string]string // key → counts
	total  string
	intake IntakeRow
}

// replayProblem is the problem of most cases; madeAt the same, entered at
// created.
var replayProblem = MetricProblem{ID: 1, Township: "t1", Category: "road"}

func madeAt(created string) MetricProblem { p := replayProblem; p.CreatedAt = at(created); return p }

// replayCases: a problem's timeline in the first half of May 2021
// (Saturday 1 to Saturday 15 inclusive) → the measures counted for the
// group responsible at each event.
var replayCases = []replayCase{
	{name: "OnTime", lines: []timeline{{madeAt("2021-05-06 09:00"), []MetricEvent{create("2021-05-06 09:00"),
		assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-14"),
		ev(ActionAccept, "2021-05-07 09:00", StateAccepted, ""),
		ev(ActionResolve, "2021-05-12 09:00", StateResolved, "")}}},
		rows:   map[string]string{"3": "assigned=1 accepted_on_time=1 resolved=1 resolved_on_time=1 volume=1"},
		total:  "assigned=1 accepted_on_time=1 resolved=1 resolved_on_time=1 volume=1",
		intake: IntakeRow{Submitted: 1, Dispatched: 1, DispatchedOnTime: 1}},
	{name: "Late", lines: []timeline{{madeAt("2021-05-03 09:00"), []MetricEvent{create("2021-05-03 09:00"),
		assignTo("2021-05-06 10:00", 3, 7, "2021-05-06", "2021-05-10"),
		ev(ActionAccept, "2021-05-07 09:00", StateAccepted, ""),
		ev(ActionResolve, "2021-05-12 09:00", StateResolved, "")}}},
		rows:   map[string]string{"3": "assigned=1 resolved=1 volume=1"},
		total:  "assigned=1 resolved=1 volume=1",
		intake: IntakeRow{Submitted: 1, Dispatched: 1}},
	{name: "ExtendedInTime", lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-10"),
		ev(ActionAccept, "2021-05-07 09:00", StateAccepted, ""),
		ev(ActionExtend, "2021-05-10 09:00", StateAccepted, chg("resolve_due", `"2021-05-20 24:00"`)),
		ev(ActionResolve, "2021-05-12 09:00", StateResolved, "")}}},
		rows:  map[string]string{"3": "assigned=1 accepted_on_time=1 resolved=1 resolved_on_time=1 volume=1"},
		total: "assigned=1 accepted_on_time=1 resolved=1 resolved_on_time=1 volume=1"},
	{name: "CallbacksByOutcome", lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-04-06 10:00", 3, 7, "2021-04-07", "2021-04-20"),
		ev(ActionResolve, "2021-04-12 09:00", StateResolved, ""),
		ev(ActionCallback, "2021-05-06 09:00", StateAccepted,
			chg("callback_solved", `"no"`, "callback_satisfaction", `"unsatisfied"`, "reopened", "true")),
		ev(ActionResolve, "2021-05-10 09:00", StateResolved, ""),
		ev(ActionCallback, "2021-05-11 09:00", StateClosed, chg("callback_solved", `"yes"`, "callback_satisfaction", `"basic"`))}}},
		rows:  map[string]string{"3": "resolved=1 callbacks=2 solved=1 satisfied=1 unsatisfied=1 reopened=1"},
		total: "resolved=1 callbacks=2 solved=1 satisfied=1 unsatisfied=1 reopened=1"},
	{name: "Reopened", lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-04-06 10:00", 3, 7, "2021-04-07", "2021-04-20"),
		ev(ActionResolve, "2021-04-12 09:00", StateResolved, ""),
		ev(ActionClose, "2021-04-13 09:00", StateClosed, ""),
		ev(ActionReopen, "2021-05-06 09:00", StateAccepted, chg("resolve_due", `"2021-05-10 24:00"`)),
		ev(ActionResolve, "2021-05-18 09:00", StateResolved, "")}}},
		rows:  map[string]string{"3": "reopened=1 overdue=1"},
		total: "reopened=1 overdue=1"},
	{name: "TransferredCountsForBoth", lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-20"),
		ev(ActionTransfer, "2021-05-07 09:00", StateAssigned, chg("unit_id", "4", "person_id", "8",
			"accept_due", `"2021-05-10 24:00"`)),
		ev(ActionAccept, "2021-05-10 09:00", StateAccepted, ""),
		ev(ActionResolve, "2021-05-12 09:00", StateResolved, "")}}},
		rows: map[string]string{"3": "assigned=1 volume=1",
			"4": "assigned=1 accepted_on_time=1 resolved=1 resolved_on_time=1 volume=1"},
		total: "assigned=2 accepted_on_time=1 resolved=1 resolved_on_time=1 volume=1"},
	{name: "ReturnedAndDispatchedAgain", lines: []timeline{{madeAt("2021-05-06 09:00"), []MetricEvent{create("2021-05-06 09:00"),
		assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-20"),
		ev(ActionReturn, "2021-05-07 09:00", StateSubmitted, chg("unit_id", "null", "person_id", "null",
			"assign_due", `"2021-05-10 24:00"`)),
		assignTo("2021-05-11 10:00", 4, 8, "2021-05-12", "2021-05-25")}}},
		rows:   map[string]string{"3": "assigned=1 volume=1", "4": "assigned=1 volume=1"},
		total:  "assigned=2 volume=1",
		intake: IntakeRow{Submitted: 1, Dispatched: 1, DispatchedOnTime: 1}},
	{name: "DispatchToAPersonIsNoAssignment", by: ByCadre, lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-05-06 10:00", 3, 0, "2021-05-07", "2021-05-20"),
		ev(ActionAssign, "2021-05-06 11:00", StateAssigned, chg("person_id", "9")),
		ev(ActionAccept, "2021-05-07 09:00", StateAccepted, ""),
		ev(ActionResolve, "2021-05-12 09:00", StateResolved, "")}}},
		rows:  map[string]string{"9": "resolved=1 resolved_on_time=1"},
		total: "assigned=1 accepted_on_time=1 resolved=1 resolved_on_time=1 volume=1"},
	{name: "CarriedOverAndOverdueAtEnd", lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-04-26 10:00", 3, 7, "2021-04-27", "2021-05-10"),
		ev(ActionAccept, "2021-04-27 09:00", StateAccepted, ""),
		ev(ActionResolve, "2021-05-20 09:00", StateResolved, "")}}},
		rows:  map[string]string{"3": "overdue=1 volume=1"},
		total: "overdue=1 volume=1"},
	{name: "DeadlineOnTheLastDayIsNotOverdue", lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-15"),
		ev(ActionResolve, "2021-05-17 09:00", StateResolved, "")}}},
		rows:  map[string]string{"3": "assigned=1 volume=1"},
		total: "assigned=1 volume=1"},
	{name: "IntakeOverdueAtEnd", lines: []timeline{{madeAt("2021-05-13 09:00"), []MetricEvent{create("2021-05-13 09:00"),
		assignTo("2021-05-17 10:00", 3, 7, "2021-05-18", "2021-05-30")}}},
		rows:   map[string]string{},
		intake: IntakeRow{Submitted: 1, Overdue: 1}},
	{name: "IntakeDeadlineSetByAnEvent", lines: []timeline{{MetricProblem{ID: 1, Township: "t1", Category: "road",
		CreatedAt: at("2021-05-13 09:00")}, []MetricEvent{ev(ActionCreate, "2021-05-13 09:00", StateSubmitted,
		chg("assign_due", `"2021-05-20 24:00"`)), assignTo("2021-05-17 10:00", 3, 7, "2021-05-18", "2021-05-30")}}},
		rows:   map[string]string{},
		intake: IntakeRow{Submitted: 1}},
	{name: "OutsideTheWindow", lines: []timeline{{replayProblem, []MetricEvent{create("2021-04-06 09:00"),
		assignTo("2021-04-06 10:00", 3, 7, "2021-04-07", "2021-04-20"),
		ev(ActionResolve, "2021-04-12 09:00", StateResolved, "")}}},
		rows: map[string]string{}},
	{name: "ImportTakesTheUnitNow", lines: []timeline{{MetricProblem{ID: 1, Township: "t1", Category: "road", UnitID: 5,
		PersonID: 6}, []MetricEvent{ev(ActionImport, "2021-04-06 09:00", StateAccepted, chg("resolve_due", `"2021-04-30 24:00"`)),
		ev(ActionResolve, "2021-05-06 09:00", StateResolved, "")}}},
		rows:  map[string]string{"5": "resolved=1 volume=1"},
		total: "resolved=1 volume=1"},
	{name: "KeepLimitsTheUnits", keep: map[int64]bool{4: true}, lines: []timeline{{replayProblem, []MetricEvent{
		assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-20"),
		ev(ActionTransfer, "2021-05-07 09:00", StateAssigned, chg("unit_id", "4", "person_id", "8"))}}},
		rows:  map[string]string{"4": "assigned=1 volume=1"},
		total: "assigned=1 volume=1"},
	{name: "ByTownshipAndCategory", by: ByTownship, lines: []timeline{
		{replayProblem, []MetricEvent{assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-20")}},
		{MetricProblem{ID: 2, Township: "t2", Category: "road"}, []MetricEvent{assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-20")}}},
		rows:  map[string]string{"t1": "assigned=1 volume=1", "t2": "assigned=1 volume=1"},
		total: "assigned=2 volume=2"},
}

// TestMetricReplay runs replayCases.
func TestMetricReplay(t *testing.T) {
	for _, tc := range replayCases {
		t.Run(tc.name, func(t *testing.T) {
			by := tc.by
			if by == "" {
				by = ByUnit
			}
			r := NewMetricReplay(MetricReplaySpec{Start: at("2021-05-01 00:00"), End: at("2021-05-16 00:00"), By: by,
				Keep: tc.keep, Intake: tc.keep == nil})
			for _, l := range tc.lines {
				if err := r.Timeline(l.p, l.events); err != nil {
					t.Fatal(err)
				}
			}
			m := &Metrics{By: by}
			r.Result(m, nil, "2021-05-H1", nil, nil)
			got := map[string]string{}
			for _, row := range m.Rows {
				got[row.Key] = counted(row)
			}
			for k, want := range tc.rows {
				if got[k] != want {
					t.Errorf("row %s: %q, want %q", k, got[k], want)
				}
			}
			if len(got) != len(tc.rows) {
				t.Errorf("rows %v, want %v", got, tc.rows)
			}
			if c := counted(&m.Total); c != tc.total {
				t.Errorf("total %q, want %q", c, tc.total)
			}
			if tc.keep == nil {
				i := *m.Intake
				i.Name, i.Rate = "", 0
				if i != tc.intake {
					t.Errorf("intake %+v, want %+v", i, tc.intake)
				}
			}
		})
	}
}

// TestMetricReplay_MeanDays: working days from the latest assignment to
// the resolution, the assignment's own date not counted.
func TestMetricReplay_MeanDays(t *testing.T) {
	r := NewMetricReplay(MetricReplaySpec{Start: at("2021-05-01 00:00"), End: at("2021-05-16 00:00"), By: ByUnit})
	for id, resolved := range map[int64]string{1: "2021-05-12 09:00", 2: "2021-05-14 09:00"} {
		err := r.Timeline(MetricProblem{ID: id}, []MetricEvent{assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-20"),
			ev(ActionResolve, resolved, StateResolved, "")})
		if err != nil {
			t.Fatal(err)
		}
	}
	m := &Metrics{By: ByUnit}
	r.Result(m, nil, "2021-05-H1", map[string]string{"3": "交通局"}, map[string]string{"3": UnitDepartment})
	// Thursday 6 → Wednesday 12: 7, 10, 11, 12; → Friday 14: six days.
	if len(m.Rows) != 1 || m.Rows[0].MeanDays != 5 || m.Total.MeanDays != 5 {
		t.Fatalf("rows %+v total %+v, want a mean of 5 days", m.Rows, m.Total)
	}
	if row := m.Rows[0]; row.Name != "交通局" || row.UnitKind != UnitDepartment || row.Rank == 0 && row.Unranked == "" {
		t.Errorf("row %+v: want named, of its kind, ranked or said why not", row)
	}
	if m.Total.Name != "合计" || m.Intake != nil {
		t.Errorf("total %q, intake %+v", m.Total.Name, m.Intake)
	}
	empty := NewMetricReplay(MetricReplaySpec{Start: at("2021-05-01 00:00"), End: at("2021-05-16 00:00"), By: ByUnit})
	m = &Metrics{By: ByUnit}
	empty.Result(m, nil, "2021-05-H1", nil, nil)
	if !math.IsNaN(m.Total.MeanDays) || m.Rows == nil || m.Config == nil {
		t.Errorf("an empty window: %+v", m)
	}
}

// TestMetricReplay_Untouched: the storage's aggregates over problems
// untouched since the window's start or end, added under their group now.
func TestMetricReplay_Untouched(t *testing.T) {
	r := NewMetricReplay(MetricReplaySpec{Start: at("2021-05-01 00:00"), End: at("2021-05-16 00:00"), By: ByUnit,
		Keep: map[int64]bool{3: true}, Intake: true})
	r.Add(MeasureOverdue, MetricProblem{UnitID: 3}, 4)
	r.Add(MeasureVolume, MetricProblem{UnitID: 3}, 2)
	r.Add(MeasureOverdue, MetricProblem{UnitID: 5}, 9) // not kept
	r.AwaitingDispatch(MetricProblem{ID: 1, CreatedAt: at("2021-05-13 09:00")})
	r.AwaitingDispatch(MetricProblem{ID: 2, CreatedAt: at("2021-05-14 09:00")}) // due Monday 17, 24:00
	m := &Metrics{By: ByUnit}
	r.Result(m, nil, "2021-05-H1", nil, nil)
	if len(m.Rows) != 1 || counted(m.Rows[0]) != "overdue=4 volume=2" || counted(&m.Total) != "overdue=4 volume=2" {
		t.Errorf("rows %v total %q", m.Rows, counted(&m.Total))
	}
	if m.Intake.Overdue != 1 {
		t.Errorf("intake overdue %d, want 1", m.Intake.Overdue)
	}
}

// TestMetricReplay_Hits: the problems behind one number, of a group or of
// the total, or of the office's intake row.
func TestMetricReplay_Hits(t *testing.T) {
	lines := []timeline{
		{MetricProblem{ID: 1}, []MetricEvent{create("2021-05-06 09:00"), assignTo("2021-05-06 10:00", 3, 7, "2021-05-07", "2021-05-20"),
			ev(ActionResolve, "2021-05-12 09:00", StateResolved, "")}},
		{MetricProblem{ID: 2}, []MetricEvent{assignTo("2021-05-06 10:00", 4, 8, "2021-05-07", "2021-05-20"),
			ev(ActionResolve, "2021-05-12 09:00", StateResolved, "")}},
		{MetricProblem{ID: 3}, []MetricEvent{assignTo("2021-05-06 10:00", 4, 8, "2021-05-07", "2021-05-20")}},
	}
	for _, tc := range []struct {
		want MetricWant
		ids  []int64
	}{
		{MetricWant{Key: "4", Measure: MeasureResolved}, []int64{2}},
		{MetricWant{Measure: MeasureResolved, All: true}, []int64{1, 2}},
		{MetricWant{Key: "4", Measure: MeasureVolume}, []int64{2, 3}},
		{MetricWant{Measure: MeasureVolume, All: true}, []int64{1, 2, 3}},
		{MetricWant{Measure: MeasureIntakeSubmitted, All: true}, []int64{1}},
		{MetricWant{Key: "3", Measure: MeasureOverdue}, []int64{9}},
	} {
		r := NewMetricReplay(MetricReplaySpec{Start: at("2021-05-01 00:00"), End: at("2021-05-16 00:00"), By: ByUnit,
			Intake: true, Want: tc.want})
		for _, l := range lines {
			if err := r.Timeline(l.p, l.events); err != nil {
				t.Fatal(err)
			}
		}
		if r.Wants(MeasureOverdue) {
			r.Add(MeasureOverdue, MetricProblem{ID: 9, UnitID: 3}, 1)
		}
		if got := r.Hits(); !slices.Equal(got, tc.ids) {
			t.Errorf("%+v: %v, want %v", tc.want, got, tc.ids)
		}
	}
}

// TestMetricReplay_BadChanges: an event whose changes do not read is an
// error, not a silent miscount.
func TestMetricReplay_BadChanges(t *testing.T) {
	r := NewMetricReplay(MetricReplaySpec{Start: at("2021-05-01 00:00"), End: at("2021-05-16 00:00"), By: ByUnit})
	if err := r.Timeline(MetricProblem{ID: 1}, []MetricEvent{ev(ActionAssign, "2021-05-06 10:00", StateAssigned, "{")}); err == nil {
		t.Error("want an error")
	}
}

// TestPickMetricConfig: the latest configuration in force for the period,
// for the class of unit, else for every unit, else the default.
func TestPickMetricConfig(t *testing.T) {
	configs := []*MetricConfig{{ID: 1, From: "2021-01"}, {ID: 2, From: "2021-06"}, {ID: 3, From: "2021-03", UnitKind: UnitTownship},
		{ID: 4, From: "2021-05-H2"}}
	SortMetricConfigs(configs)
	var order []int64
	for _, c := range configs {
		order = append(order, c.ID)
	}
	if !slices.Equal(order, []int64{2, 4, 3, 1}) {
		t.Errorf("order %v, want newest first", order)
	}
	for _, tc := range []struct {
		period, kind string
		id           int64
	}{
		{"2021-05-H1", "", 1}, {"2021-05-H2", "", 4}, {"2021-07", "", 2}, {"2021-05-H1", UnitTownship, 3},
		{"2021-02", UnitTownship, 1}, {"2020-12", "", 0},
	} {
		if got := PickMetricConfig(configs, tc.period, tc.kind); got.ID != tc.id {
			t.Errorf("%s %s: config %d, want %d", tc.period, tc.kind, got.ID, tc.id)
		}
	}
}
