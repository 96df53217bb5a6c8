package sqldb_test

import (
	"math"
	"slices"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// metricsCounty enters the hand-built ledger the metrics tests count, on
// the 2021 official calendar: 1–5 May is the May Day holiday, Sunday 25
// April and Saturday 8 May are make-up working days. The category's limits
// are the defaults, accept within 1 and resolve within 15 working days.
//
// Working days from 14 April: 15, 16, 19–23 (7), 25 Apr (8), 26–30 (13),
// 6 May (14), 7 May (15), 8 May (16), 10–14 May (17–21).
// So an assignment on Wed 14 April must be resolved by 24:00 7 May
// (= 8 May 00:00), across the holiday; one on Thu 6 May must be accepted
// by 24:00 7 May and resolved by 24:00 26 May.
//
// Unit 1 (县民政局, admin "unitadmin"):
//
//	P1 assigned 6 May 09:00, accepted 7 May (on time), resolved 10 May
//	   (on time; 3 working days: 7, 8, 10 May), callback 11 May yes/satisfied.
//	P2 assigned 6 May 09:00, accepted 10 May (late), still open, due 27 May 00:00.
//	P3 assigned 14 Apr, accepted 15 Apr, resolved exactly at its deadline
//	   8 May 00:00 (on time; 16 working days), callback 10 May partly/basic.
//	P4 assigned 14 Apr, accepted 15 Apr, resolved 10 May (late; 17 working
//	   days), callback 12 May no/unsatisfied: reopened, a new deadline.
//	P5 assigned 14 Apr, accepted 15 Apr, still open: overdue at 16 May.
//	P6 assigned 14 Apr, accepted 15 Apr, resolved 20 May: overdue at the end
//	   of 2021-05-H1, resolved late in 2021-05-H2.
//	P7 assigned 14 Apr, accepted 15 Apr, extension to 20 May asked 20 Apr
//	   and approved 21 Apr, resolved 12 May: on time thanks to it (19
//	   working days); callback 17 May yes/satisfied, in 2021-05-H2 only.
//	P8 assigned 6 May 10:00, transferred to unit 3 on 7 May 09:00.
//
// Unit 3 (东坪镇人民政府): P8 accepted 8 May (due 24:00 8 May: on time),
// resolved 13 May (due 28 May 00:00; 5 working days: 8, 10–13 May), no
// callback.
//
// Unit 4 (梅城镇人民政府, a village of 梅城镇): P9 assigned 6 May with
// person 5, accepted by cadre5 on 10 May (late), open, not yet due.
type metricsCounty struct {
	p map[int]*sanlian.Problem
}

func newMetricsCounty(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) *metricsCounty {
	t.Helper()
	off, ua, c5 := users["office"], users["unitadmin"], users["cadre5"]
	ua3 := *ua
	ua3.Username, ua3.UnitID = "ua3", 3
	mc := &metricsCounty{p: map[int]*sanlian.Problem{}}
	at := func(s string) { clockAt(db, s) }
	on := func(n int, u *sanlian.User, when, action string, req sanlian.ActionRequest) {
		t.Helper()
		at(when)
		mc.p[n] = act(t, db, u, mc.p[n], action, req)
	}
	resolve := sanlian.ActionRequest{Measures: "现场处理", Result: "已解决"}
	at("2021-04-14 08:00")
	for _, n := range []int{3, 4, 5, 6, 7} {
		mc.p[n] = newProblem(t, db, off, "四月问题")
		on(n, off, "2021-04-14 09:00", sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		on(n, ua, "2021-04-15 09:00", sanlian.ActionAccept, sanlian.ActionRequest{})
	}
	on(7, ua, "2021-04-20 09:00", sanlian.ActionExtend, sanlian.ActionRequest{Reason: "需协调资金", Until: "2021-05-20"})
	yes := true
	on(7, off, "2021-04-21 09:00", sanlian.ActionExtend, sanlian.ActionRequest{Approve: &yes})
	at("2021-05-06 08:00")
	for _, n := range []int{1, 2, 8} {
		mc.p[n] = newProblem(t, db, off, "五月问题")
	}
	p9, err := db.Problems.CreateProblem(sqldbtest.As(off), &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageC,
		Title: "梅城问题", Description: "梅城问题，群众反映强烈"})
	MustOK(t, err)
	mc.p[9] = p9
	on(1, off, "2021-05-06 09:00", sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
	on(2, off, "2021-05-06 09:00", sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
	on(8, off, "2021-05-06 10:00", sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
	on(9, off, "2021-05-06 11:00", sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 4, PersonID: 5})
	on(1, ua, "2021-05-07 10:00", sanlian.ActionAccept, sanlian.ActionRequest{})
	on(8, ua, "2021-05-07 09:00", sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: 3, Reason: "属地管理"})
	on(3, ua, "2021-05-08 00:00", sanlian.ActionResolve, resolve)
	on(8, &ua3, "2021-05-08 10:00", sanlian.ActionAccept, sanlian.ActionRequest{})
	on(1, ua, "2021-05-10 10:00", sanlian.ActionResolve, resolve)
	on(2, ua, "2021-05-10 09:00", sanlian.ActionAccept, sanlian.ActionRequest{})
	on(4, ua, "2021-05-10 09:00", sanlian.ActionResolve, resolve)
	on(9, c5, "2021-05-10 09:00", sanlian.ActionAccept, sanlian.ActionRequest{})
	on(3, off, "2021-05-10 15:00", sanlian.ActionCallback, sanlian.ActionRequest{Solved: "partly", Satisfaction: "basic"})
	on(1, off, "2021-05-11 15:00", sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
	on(7, ua, "2021-05-12 09:00", sanlian.ActionResolve, resolve)
	on(4, off, "2021-05-12 15:00", sanlian.ActionCallback, sanlian.ActionRequest{Solved: "no", Satisfaction: "unsatisfied"})
	on(8, &ua3, "2021-05-13 10:00", sanlian.ActionResolve, resolve)
	on(7, off, "2021-05-17 15:00", sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
	on(6, ua, "2021-05-20 09:00", sanlian.ActionResolve, resolve)
	at("2021-06-01 09:00")
	return mc
}

func (mc *metricsCounty) ids(ns ...int) []int64 {
	var out []int64
	for _, n := range ns {
		out = append(out, mc.p[n].ID)
	}
	slices.Sort(out)
	return out
}

// counts is a row's counts in Measures order.
func counts(r *sanlian.MetricRow) []int {
	out := make([]int, 0, len(sanlian.Measures))
	for _, m := range sanlian.Measures {
		out = append(out, r.Count(m))
	}
	return out
}

func rowOf(t *testing.T, m *sanlian.Metrics, key string) *sanlian.MetricRow {
	t.Helper()
	for _, r := range m.Rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no row %q in %+v", key, m.Rows)
	return nil
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestMetricsService_Metrics(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		mc := newMetricsCounty(t, db, users)
		off := sqldbtest.As(users["office"])
		h1 := sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit}

		t.Run("ByUnit", func(t *testing.T) {
			m, err := db.Reports.Metrics(off, h1)
			MustOK(t, err)
			if m.From != "2021-05-01" || m.To != "2021-05-15" || m.Period != "2021-05-H1" {
				t.Fatalf("window %s–%s %s", m.From, m.To, m.Period)
			}
			// Unit 1: assigned P1, P2, P8 (3); accepted on time P1 (1);
			// resolved P1, P3, P4, P7 (4), on time P1, P3, P7 (3); callbacks
			// P1, P3, P4 (3), solved P1 (1), satisfied P1, P3 (2),
			// unsatisfied P4 (1); reopened P4 (1); overdue P5, P6 (2);
			// volume: P1, P2, P8 assigned and P3–P7 open at 1 May (8).
			u1 := rowOf(t, m, "1")
			if got, want := counts(u1), []int{3, 1, 4, 3, 3, 1, 2, 1, 1, 2, 8}; !slices.Equal(got, want) {
				t.Errorf("unit 1 = %v, want %v", got, want)
			}
			// (3 + 16 + 17 + 19) / 4 working days.
			if !near(u1.MeanDays, 13.75) {
				t.Errorf("unit 1 mean days = %v, want 13.75", u1.MeanDays)
			}
			// 30 × 1/3 + 35 × 1/3 + 35 × 2/3 = 10 + 11.67 + 23.33 = 45,
			// less 2 points for each of the 2 overdue: 41.
			if !near(u1.Score, 41) || u1.Deduction != 4 || u1.Name != "县民政局" {
				t.Errorf("unit 1 %s score = %v (deduction %v), want 41", u1.Name, u1.Score, u1.Deduction)
			}
			// Unit 3: P8 assigned by transfer, accepted on time, resolved
			// on time in 5 working days; no callback, so the score is the
			// response rate alone: 100.
			u3 := rowOf(t, m, "3")
			if got, want := counts(u3), []int{1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1}; !slices.Equal(got, want) {
				t.Errorf("unit 3 = %v, want %v", got, want)
			}
			if !near(u3.Score, 100) || !near(u3.MeanDays, 5) || !math.IsNaN(u3.ResolutionRate) {
				t.Errorf("unit 3 score %v mean %v resolution %v", u3.Score, u3.MeanDays, u3.ResolutionRate)
			}
			// Unit 4: P9 accepted late: response 0, score 0.
			u4 := rowOf(t, m, "4")
			if got, want := counts(u4), []int{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}; !slices.Equal(got, want) || !near(u4.Score, 0) {
				t.Errorf("unit 4 = %v score %v", got, u4.Score)
			}
			// Units 3 and 4 handled 1 problem each, under the minimum
			// volume of 3: listed apart, unranked, after unit 1 (ranked 1st
			// despite its lower score).
			if len(m.Rows) != 3 || m.Rows[0] != u1 || m.Rows[1] != u3 || m.Rows[2] != u4 || u1.Rank != 1 || u3.Rank != 0 || u4.Rank != 0 ||
				u3.Unranked != sanlian.UnrankedLowVolume || u1.Tied {
				t.Errorf("ranking: %+v", m.Rows)
			}
			// Total: 5 assigned, 2 on time (P1, P8), 5 resolved, 4 on time;
			// score 30 × 2/5 + 35 × 1/3 + 35 × 2/3 = 12 + 35 = 47, less 4
			// for the 2 overdue: 43; mean (3 + 16 + 17 + 19 + 5) / 5 = 12.
			if got, want := counts(&m.Total), []int{5, 2, 5, 4, 3, 1, 2, 1, 1, 2, 9}; !slices.Equal(got, want) {
				t.Errorf("total = %v, want %v", got, want)
			}
			if !near(m.Total.Score, 43) || !near(m.Total.MeanDays, 12) {
				t.Errorf("total score %v mean %v", m.Total.Score, m.Total.MeanDays)
			}
			if m.Config == nil || m.Config.Weights.Response != 30 {
				t.Errorf("config %+v", m.Config)
			}
		})
		t.Run("NextPeriod", func(t *testing.T) {
			// 2021-05-H2: P6 resolved late, P7's callback; P5 still overdue;
			// P2 (due 27 May) overdue at 1 June too; P4 reopened 12 May with
			// 15 working days from then: due 3 June, not overdue. Volume:
			// P2, P4, P5, P6 open at 16 May.
			m, err := db.Reports.Metrics(off, sanlian.MetricsQuery{Period: "2021-05-H2", By: sanlian.ByUnit})
			MustOK(t, err)
			if got, want := counts(rowOf(t, m, "1")), []int{0, 0, 1, 0, 1, 1, 1, 0, 0, 2, 4}; !slices.Equal(got, want) {
				t.Errorf("unit 1 in H2 = %v, want %v", got, want)
			}
		})
		t.Run("OtherGroupings", func(t *testing.T) {
			m, err := db.Reports.Metrics(off, sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByTownship})
			MustOK(t, err)
			if got, want := counts(rowOf(t, m, sqldbtest.Dongping)), []int{4, 2, 5, 4, 3, 1, 2, 1, 1, 2, 8}; !slices.Equal(got, want) {
				t.Errorf("东坪镇 = %v, want %v", got, want)
			}
			if got := rowOf(t, m, sqldbtest.Meicheng).Assigned; got != 1 {
				t.Errorf("梅城镇 assigned %d", got)
			}
			m, err = db.Reports.Metrics(off, sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByCadre})
			MustOK(t, err)
			if len(m.Rows) != 1 || m.Rows[0].Key != "5" || m.Rows[0].Name != "陈刚" || m.Rows[0].Assigned != 1 || m.Total.Assigned != 5 {
				t.Errorf("by cadre %+v total %d", m.Rows, m.Total.Assigned)
			}
			m, err = db.Reports.Metrics(off, sanlian.MetricsQuery{From: "2021-05-01", To: "2021-05-15", By: sanlian.ByCategory})
			MustOK(t, err)
			if len(m.Rows) != 1 || m.Rows[0].Name != "交通出行" || m.Rows[0].Assigned != 5 || m.Period != "" {
				t.Errorf("by category %+v", m.Rows)
			}
			// Unit 1 and its sub-units: unit 1's row alone.
			m, err = db.Reports.Metrics(off, sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit, UnitID: 1})
			MustOK(t, err)
			if len(m.Rows) != 1 || m.Rows[0].Key != "1" || m.Total.Assigned != 3 {
				t.Errorf("unit 1 filter %+v", m.Rows)
			}
		})
		t.Run("Problems", func(t *testing.T) {
			for _, c := range []struct {
				key, measure string
				want         []int
			}{
				{"1", sanlian.MeasureAssigned, []int{1, 2, 8}},
				{"1", sanlian.MeasureOverdue, []int{5, 6}},
				{"1", sanlian.MeasureResolvedOnTime, []int{1, 3, 7}},
				{"1", sanlian.MeasureReopened, []int{4}},
				{"3", sanlian.MeasureAcceptedOnTime, []int{8}},
				{"", sanlian.MeasureResolved, []int{1, 3, 4, 7, 8}},
				{"4", sanlian.MeasureCallbacks, nil},
				{"1", sanlian.MeasureVolume, []int{1, 2, 3, 4, 5, 6, 7, 8}},
				{"3", sanlian.MeasureVolume, []int{8}},
				{"", sanlian.MeasureVolume, []int{1, 2, 3, 4, 5, 6, 7, 8, 9}},
			} {
				ps, err := db.Reports.MetricProblems(off, h1, c.key, c.measure)
				MustOK(t, err)
				var got []int64
				for _, p := range ps {
					got = append(got, p.ID)
				}
				slices.Sort(got)
				if want := mc.ids(c.want...); !slices.Equal(got, want) {
					t.Errorf("%s/%s = %v, want %v", c.key, c.measure, got, want)
				}
			}
			_, err := db.Reports.MetricProblems(off, h1, "1", "bogus")
			MustCode(t, err, sanlian.EINVALID)
		})
		t.Run("Scope", func(t *testing.T) {
			// The leader's township is 东坪镇: P9 (梅城镇) is not theirs.
			m, err := db.Reports.Metrics(sqldbtest.As(users["leader"]), h1)
			MustOK(t, err)
			if m.Total.Assigned != 4 || len(m.Rows) != 2 {
				t.Errorf("leader total %d rows %+v", m.Total.Assigned, m.Rows)
			}
			// The unit admin of unit 1 sees unit 1's events only.
			ua := sqldbtest.As(users["unitadmin"])
			m, err = db.Reports.Metrics(ua, h1)
			MustOK(t, err)
			if m.Total.Assigned != 3 || len(m.Rows) != 1 || m.Rows[0].Key != "1" {
				t.Errorf("unit admin total %d rows %+v", m.Total.Assigned, m.Rows)
			}
			_, err = db.Reports.Metrics(ua, sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit, UnitID: 3})
			MustCode(t, err, sanlian.EFORBIDDEN)
			for _, name := range []string{"cadre", "auditor", "sysadmin"} {
				_, err = db.Reports.Metrics(sqldbtest.As(users[name]), h1)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, q := range []sanlian.MetricsQuery{
				{Period: "2021-13-H3", By: sanlian.ByUnit},
				{Period: "2021-13", By: sanlian.ByUnit},
				{From: "2021-05-10", To: "2021-05-01", By: sanlian.ByUnit},
				{From: "2021-05-10", By: sanlian.ByUnit},
				{Period: "2021-05", By: "village"},
				{Period: "2021-05"},
				{Period: "2021-05", By: sanlian.ByUnit, UnitID: 999},
			} {
				_, err := db.Reports.Metrics(off, q)
				MustCode(t, err, sanlian.EINVALID)
				if e := sanlian.ErrorMessage(err); e == "" {
					t.Errorf("%+v: no message", q)
				}
			}
		})
		t.Run("ConfigByUnitKind", func(t *testing.T) {
			c := &sanlian.MetricConfig{From: "2021-05", UnitKind: sanlian.UnitDepartment,
				Weights: sanlian.MetricWeights{Response: 60, Resolution: 20, Satisfaction: 20}, Ranking: sanlian.DefaultMetricConfig().Ranking,
				Rules: sanlian.DefaultMetricConfig().Rules}
			MustOK(t, db.Reports.SaveMetricConfig(off, c))
			m, err := db.Reports.Metrics(off, h1)
			MustOK(t, err)
			// Unit 1 is a department: 60 × 1/3 + 20 × 1/3 + 20 × 2/3 = 40,
			// less 4: 36; the total keeps the configuration for every unit: 43.
			if s := rowOf(t, m, "1").Score; !near(s, 36) || !near(m.Total.Score, 43) {
				t.Errorf("unit 1 score %v total %v", s, m.Total.Score)
			}
		})
	})
}

func TestMetricsService_Configs(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		off := sqldbtest.As(users["office"])
		rules, ranking := sanlian.DefaultMetricConfig().Rules, sanlian.DefaultMetricConfig().Ranking
		t.Run("Default", func(t *testing.T) {
			c, err := db.Reports.MetricConfigFor(off, "2021-05-H1", sanlian.UnitTownship)
			MustOK(t, err)
			if c.ID != 0 || c.Weights.Resolution != 35 {
				t.Fatalf("default %+v", c)
			}
		})
		t.Run("ErrWeights", func(t *testing.T) {
			err := db.Reports.SaveMetricConfig(off, &sanlian.MetricConfig{From: "2021-05", Weights: sanlian.MetricWeights{Response: 30, Resolution: 30, Satisfaction: 30}, Ranking: ranking, Rules: rules})
			MustField(t, err, "weights")
			err = db.Reports.SaveMetricConfig(off, &sanlian.MetricConfig{From: "2021-5", Weights: sanlian.MetricWeights{Response: 100}, Ranking: ranking, Rules: rules})
			MustField(t, err, "from")
		})
		all := &sanlian.MetricConfig{From: "2021-03", Weights: sanlian.MetricWeights{Response: 40, Resolution: 30, Satisfaction: 30}, Ranking: ranking, Rules: rules}
		town := &sanlian.MetricConfig{From: "2021-05-H2", UnitKind: sanlian.UnitTownship, Weights: sanlian.MetricWeights{Response: 50, Resolution: 25, Satisfaction: 25}, Ranking: ranking, Rules: rules}
		t.Run("OK", func(t *testing.T) {
			MustOK(t, db.Reports.SaveMetricConfig(off, all))
			MustOK(t, db.Reports.SaveMetricConfig(off, town))
			for _, c := range []struct {
				period, kind string
				want         float64
			}{
				{"2021-02", "", 30}, {"2021-03-H1", "", 40}, {"2021-05-H1", sanlian.UnitTownship, 40},
				{"2021-05-H2", sanlian.UnitTownship, 50}, {"2021-06", sanlian.UnitTownship, 50}, {"2021-06", sanlian.UnitDepartment, 40},
			} {
				got, err := db.Reports.MetricConfigFor(off, c.period, c.kind)
				MustOK(t, err)
				if got.Weights.Response != c.want {
					t.Errorf("%s %s: response weight %v, want %v", c.period, c.kind, got.Weights.Response, c.want)
				}
			}
			list, err := db.Reports.FindMetricConfigs(off)
			MustOK(t, err)
			if len(list) != 2 || list[0].ID != town.ID {
				t.Errorf("list %+v", list)
			}
		})
		t.Run("ErrDuplicate", func(t *testing.T) {
			err := db.Reports.SaveMetricConfig(off, &sanlian.MetricConfig{From: "2021-03", Weights: sanlian.MetricWeights{Response: 100}, Ranking: ranking, Rules: rules})
			MustField(t, err, "from")
		})
		t.Run("ErrStaleVersion", func(t *testing.T) {
			edit := *all
			edit.Weights.Response, edit.Weights.Resolution = 50, 20
			MustOK(t, db.Reports.SaveMetricConfig(off, &edit))
			stale := *all
			MustCode(t, db.Reports.SaveMetricConfig(off, &stale), sanlian.ECONFLICT)
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			MustCode(t, db.Reports.SaveMetricConfig(sqldbtest.As(users["leader"]), &sanlian.MetricConfig{From: "2021-07", Weights: sanlian.MetricWeights{Response: 100}, Ranking: ranking, Rules: rules}), sanlian.EFORBIDDEN)
			_, err := db.Reports.FindMetricConfigs(sqldbtest.As(users["cadre"]))
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
	})
}
