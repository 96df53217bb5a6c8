package sqldb_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestMetricsService_ProblemsScope: the problems behind a number are
// listed only as far as the reader may open them (FindProblemByID), for
// every role; unit 1's admin does not see P8, transferred to unit 3.
func TestMetricsService_ProblemsScope(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		mc := newMetricsCounty(t, db, users)
		h1 := sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit}
		for _, role := range []string{"office", "leader", "unitadmin", "cadre", "sysadmin", "auditor"} {
			t.Run(role, func(t *testing.T) {
				ctx := sqldbtest.As(users[role])
				listed := 0
				for _, key := range []string{"", "1", "3", "4"} {
					for _, m := range sanlian.Measures {
						ps, err := db.Reports.MetricProblems(ctx, h1, key, m)
						if err != nil {
							switch role {
							case "cadre", "sysadmin", "auditor":
								MustCode(t, err, sanlian.EFORBIDDEN)
								continue
							}
							t.Fatalf("%s/%s: %v", key, m, err)
						}
						for _, p := range ps {
							listed++
							if _, err := db.Problems.FindProblemByID(ctx, p.ID); err != nil {
								t.Errorf("%s/%s lists problem %d, which %s cannot open: %v", key, m, p.ID, role, err)
							}
						}
					}
				}
				switch role {
				case "office", "leader", "unitadmin":
					if listed == 0 {
						t.Errorf("%s listed nothing", role)
					}
				}
			})
		}
		ps, err := db.Reports.MetricProblems(sqldbtest.As(users["unitadmin"]), h1, "1", sanlian.MeasureAssigned)
		MustOK(t, err)
		if len(ps) != 2 || ps[0].ID == mc.p[8].ID || ps[1].ID == mc.p[8].ID {
			t.Errorf("unit admin's assigned list %v, want P1 and P2 without P8", ps)
		}
	})
}

// TestMetricsService_Intake: the office's own row. In 2021-05-H1 (1–15
// May; 8 May is a make-up working day):
//
//	A entered 6 May 08:00, dispatched 6 May: on time (due 24:00 7 May).
//	B entered 6 May 08:00, dispatched 10 May: late.
//	E entered 28 Apr, dispatched 6 May: late (due 24:00 29 Apr), counted
//	  as dispatched in the window, not as entered.
//	F entered 6 May 08:00 with a dispatch deadline of 12 May, dispatched
//	  10 May: on time.
//	C entered 12 May, never dispatched: overdue at the end (untouched).
//	D entered 13 May, dispatched 20 May: awaiting dispatch and overdue at
//	  the end (replayed).
//
// Submitted 5 (A, B, C, D, F), dispatched 4 (A, B, E, F), 2 on time: 50 %;
// overdue intake 2 (C, D).
func TestMetricsService_Intake(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		assign := func(p *sanlian.Problem, at string) {
			clockAt(db, at)
			act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		}
		clockAt(db, "2021-04-28 10:00")
		e := newProblem(t, db, office, "E")
		clockAt(db, "2021-05-06 08:00")
		a, b := newProblem(t, db, office, "A"), newProblem(t, db, office, "B")
		// F is a letter, on a clock of 4 working days (7, 8, 10, 11 May).
		l, err := db.Problems.IntakeLimits(sqldbtest.As(office))
		MustOK(t, err)
		l.Days = map[string]int{sanlian.SourceLetter: 4}
		MustOK(t, db.Problems.SaveIntakeLimits(sqldbtest.As(office), l))
		f, err := db.Problems.CreateProblem(sqldbtest.As(office), &sanlian.ProblemInput{Source: sanlian.SourceLetter, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "F", Description: "F，群众来信"})
		MustOK(t, err)
		if got := f.AssignDue.In(sanlian.Shanghai).Format("2006-01-02 15:04"); got != "2021-05-12 00:00" {
			t.Fatalf("F's dispatch deadline %s", got)
		}
		assign(a, "2021-05-06 09:00")
		assign(e, "2021-05-06 09:30")
		assign(b, "2021-05-10 09:00")
		assign(f, "2021-05-10 09:30")
		clockAt(db, "2021-05-12 10:00")
		c := newProblem(t, db, office, "C")
		clockAt(db, "2021-05-13 10:00")
		d := newProblem(t, db, office, "D")
		assign(d, "2021-05-20 09:00")
		clockAt(db, "2021-06-01 09:00")

		h1 := sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit}
		m, err := db.Reports.Metrics(sqldbtest.As(office), h1)
		MustOK(t, err)
		in := m.Intake
		if in == nil || in.Submitted != 5 || in.Dispatched != 4 || in.DispatchedOnTime != 2 || in.Overdue != 2 || in.Rate.Percent() != "50.0%" ||
			in.Name != sanlian.IntakeName {
			t.Fatalf("intake %+v", in)
		}
		// Every intake number lists its problems.
		for measure, want := range map[string][]int64{
			sanlian.MeasureIntakeSubmitted:  {a.ID, b.ID, c.ID, d.ID, f.ID},
			sanlian.MeasureIntakeDispatched: {a.ID, b.ID, e.ID, f.ID},
			sanlian.MeasureIntakeOnTime:     {a.ID, f.ID},
			sanlian.MeasureIntakeOverdue:    {c.ID, d.ID},
		} {
			ps, err := db.Reports.MetricProblems(sqldbtest.As(office), h1, "", measure)
			MustOK(t, err)
			var got []int64
			for _, p := range ps {
				got = append(got, p.ID)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s lists %v, want %v", measure, got, want)
			}
			if ps, _ := db.Reports.MetricProblems(sqldbtest.As(users["unitadmin"]), h1, "", measure); len(ps) != 0 {
				t.Errorf("unit admin lists %s: %v", measure, ps)
			}
		}
		for _, r := range m.Rows {
			if r.Name == sanlian.IntakeName {
				t.Errorf("the office's row is ranked with the units")
			}
		}
		// Leaders see their townships' (all of these are 东坪镇's); a unit
		// admin, and a query narrowed to a unit, have no intake row.
		m, err = db.Reports.Metrics(sqldbtest.As(users["leader"]), h1)
		MustOK(t, err)
		if m.Intake == nil || m.Intake.Dispatched != 4 {
			t.Errorf("leader's intake %+v", m.Intake)
		}
		m, err = db.Reports.Metrics(sqldbtest.As(users["unitadmin"]), h1)
		MustOK(t, err)
		if m.Intake != nil {
			t.Errorf("unit admin's intake %+v", m.Intake)
		}
		// In H2, D is dispatched late; nothing awaits dispatch at the end.
		m, err = db.Reports.Metrics(sqldbtest.As(office), sanlian.MetricsQuery{Period: "2021-05-H2", By: sanlian.ByUnit})
		MustOK(t, err)
		if in := m.Intake; in.Submitted != 0 || in.Dispatched != 1 || in.DispatchedOnTime != 0 || in.Overdue != 1 {
			t.Errorf("H2 intake %+v (C still waits)", in)
		}
	})
}

// TestMetricsService_ConfigRanking: the deduction, its cap and the
// minimum volume are kept with a configuration and used.
func TestMetricsService_ConfigRanking(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newMetricsCounty(t, db, users)
		off := sqldbtest.As(users["office"])
		c := sanlian.DefaultMetricConfig()
		c.From, c.Ranking = "2021-05", sanlian.MetricRanking{OverdueDeduction: 5, DeductionCap: 8, MinVolume: 1}
		MustOK(t, db.Reports.SaveMetricConfig(off, &c))
		got, err := db.Reports.MetricConfigFor(off, "2021-05-H1", sanlian.UnitDepartment)
		MustOK(t, err)
		if got.Ranking != c.Ranking {
			t.Fatalf("ranking kept %+v, want %+v", got.Ranking, c.Ranking)
		}
		m, err := db.Reports.Metrics(off, sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit})
		MustOK(t, err)
		// Unit 1: 45 less min(2 × 5, 8) = 37; all three units ranked now.
		if u1 := rowOf(t, m, "1"); !near(u1.Score, 37) || u1.Deduction != 8 {
			t.Errorf("unit 1 score %v deduction %v", u1.Score, u1.Deduction)
		}
		for _, r := range m.Rows {
			if r.Rank == 0 {
				t.Errorf("unit %s not ranked: %s", r.Name, r.Unranked)
			}
		}
		bad := c
		bad.ID, bad.From, bad.Ranking = 0, "2021-06", sanlian.MetricRanking{OverdueDeduction: -1, DeductionCap: 101, MinVolume: 0}
		err = db.Reports.SaveMetricConfig(off, &bad)
		for _, f := range []string{"overdue_deduction", "deduction_cap", "min_volume"} {
			MustField(t, err, f)
		}
		if list, _ := db.Reports.FindMetricConfigs(off); len(list) != 1 {
			t.Errorf("a refused configuration was written: %d", len(list))
		}
	})
}

// TestBulletinService_CriticismNotices: publishing tells the criticised
// unit's admins and queues unit_criticised, in the same transaction; the
// daily job reminds them once when the self-criticism is due within 2
// working days and not filed. The published content keeps its rules.
func TestBulletinService_CriticismNotices(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		hook := mustWebhook(t, db, users["office"], sanlian.WebhookInput{Name: "批评", Kind: sanlian.WebhookJSON,
			URL: "https://example.com/crit", Events: []string{sanlian.EventUnitCriticised}})
		for i := 0; i < 3; i++ {
			handled(t, db, users, "2021-05-06 09:00", 3, "yes", "satisfied")
		}
		handled(t, db, users, "2021-05-07 09:00", 1, "no", "unsatisfied")
		clockAt(db, "2021-05-17 09:00")
		d, err := db.Reports.GenerateBulletin(office, "2021-05-H1")
		MustOK(t, err)
		if ns := noticesOf(t, db, users["unitadmin"], sanlian.NoticeCriticised); len(ns) != 0 {
			t.Fatalf("a draft told the unit: %+v", ns)
		}
		b, err := db.Reports.PublishBulletin(office, "2021-05-H1", d.Version)
		MustOK(t, err)
		if got := unitIDs(b.Content.Criticised); len(got) != 1 || got[0] != 1 {
			t.Fatalf("criticised %v", got)
		}
		if r := bulletinRow(b, 1); !r.Criticised || r.Commended {
			t.Errorf("unit 1's row not marked: %+v", r)
		}
		ns := noticesOf(t, db, users["unitadmin"], sanlian.NoticeCriticised)
		if len(ns) != 1 || !strings.Contains(ns[0].Title, "〔2021〕第1期") || !strings.Contains(ns[0].Body, "2021-05-24") ||
			!strings.Contains(ns[0].Body, "县民政局") || ns[0].Link != "/self-criticisms?period=2021-05-H1" {
			t.Fatalf("notices %+v", ns)
		}
		for _, who := range []string{"office", "cadre", "leader"} {
			if n := noticesOf(t, db, users[who], sanlian.NoticeCriticised); len(n) != 0 {
				t.Errorf("%s told: %+v", who, n)
			}
		}
		ds, _, err := db.Notices.FindDeliveries(office, hook.ID, "", "", 10)
		MustOK(t, err)
		if len(ds) != 1 || ds[0].Event != sanlian.EventUnitCriticised || ds[0].Payload.Unit != "县民政局" ||
			ds[0].Payload.Deadline != "2021-05-24" || ds[0].Payload.Number != "〔2021〕第1期" || ds[0].Payload.Link != "/bulletins/2021-05-H1" {
			t.Fatalf("deliveries %+v", ds)
		}

		// Due 24:00 Monday 24 May: not yet on Wednesday 19th; on Thursday
		// 20th (2 working days: 21st, 24th); once.
		ctx := context.Background()
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-05-19 00:00")))
		if n := noticesOf(t, db, users["unitadmin"], sanlian.NoticeSelfCritDue); len(n) != 0 {
			t.Errorf("reminded early: %+v", n)
		}
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-05-20 00:00")))
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-05-21 00:00")))
		rem := noticesOf(t, db, users["unitadmin"], sanlian.NoticeSelfCritDue)
		if len(rem) != 1 || !strings.Contains(rem[0].Body, "2021-05-24") {
			t.Fatalf("reminders %+v", rem)
		}

		// The rules the bulletin used travel with it, whatever the office
		// sets afterwards.
		if b.Content.Configs == nil || b.Content.Configs.Base.Ranking != sanlian.DefaultMetricConfig().Ranking ||
			!strings.Contains(strings.Join(b.RulesText(), ""), "扣 2 分") {
			t.Fatalf("rules kept %+v", b.Content.Configs)
		}
		c := sanlian.DefaultMetricConfig()
		c.From, c.Ranking.OverdueDeduction = "2021-05", 5
		MustOK(t, db.Reports.SaveMetricConfig(office, &c))
		again, err := db.Reports.FindBulletin(office, "2021-05-H1")
		MustOK(t, err)
		if !strings.Contains(strings.Join(again.RulesText(), ""), "扣 2 分") {
			t.Errorf("published rules changed: %q", again.RulesText())
		}
	})
}
