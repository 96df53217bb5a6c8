package sqldb_test

import (
	"context"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// shanghai returns a Shanghai wall time.
func shanghai(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, sanlian.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// acceptedProblem enters a problem on Monday 2021-05-10, assigns it to unit
// 1 and cadre 2 and has it accepted: its resolve deadline is 24:00 of
// Monday 2021-05-31 (15 working days).
func acceptedProblem(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, title string) *sanlian.Problem {
	t.Helper()
	clockAt(db, "2021-05-10 09:00")
	p := newProblem(t, db, users["cadre"], title)
	p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
	p = act(t, db, users["cadre"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
	if got := sanlian.DeadlineDate(p.ResolveDue); got != "2021-05-31" {
		t.Fatalf("resolve deadline %s, want 2021-05-31", got)
	}
	return p
}

func autoOf(t *testing.T, db *sqldb.DB, u *sanlian.User, problemID int64) []*sanlian.Supervision {
	t.Helper()
	out, _, err := db.Problems.FindSupervisions(sqldbtest.As(u), sanlian.SupervisionFilter{TargetKind: sanlian.TargetProblem, TargetID: problemID})
	MustOK(t, err)
	var auto []*sanlian.Supervision
	for _, s := range out {
		if s.Auto() {
			auto = append(auto, s)
		}
	}
	return auto
}

// runDay runs the scheduler as of 09:00 of day.
func runDay(t *testing.T, db *sqldb.DB, day string) []sanlian.JobRun {
	t.Helper()
	clockAt(db, day+" 09:00")
	runs, err := db.RunDue(context.Background(), db.Now())
	MustOK(t, err)
	return runs
}

func TestSupervisionService_Levels(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "村道路灯损坏")
		raw := MustRaw(t, db)
		office := users["office"]

		// 2021-05-31: still within the deadline (it ends at 24:00).
		runDay(t, db, "2021-05-31")
		if n := len(autoOf(t, db, office, p.ID)); n != 0 {
			t.Fatalf("supervisions before the deadline passed: %d", n)
		}
		// 2021-06-01: the deadline ended at 00:00, yellow.
		if runs := runDay(t, db, "2021-06-01"); len(runs) != 1 || runs[0].Key != "2021-06-01" {
			t.Fatalf("runs %+v, want one for 2021-06-01", runs)
		}
		sv := autoOf(t, db, office, p.ID)
		if len(sv) != 1 || sv[0].Level != sanlian.LevelYellow || sv[0].State != sanlian.SupervisionOpen || sv[0].UnitID != 1 || sv[0].PersonID != 2 {
			t.Fatalf("after the deadline: %+v", sv)
		}
		if !sv[0].Since.Equal(shanghai("2021-06-01 00:00")) {
			t.Fatalf("yellow since %v", sv[0].Since)
		}
		systemRows := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE entity = 'supervision' AND actor = 'system'")
		if systemRows != 1 {
			t.Fatalf("audit rows by the system: %d, want 1", systemRows)
		}

		t.Run("Twice", func(t *testing.T) {
			if runs := runDay(t, db, "2021-06-01"); len(runs) != 0 {
				t.Fatalf("second run the same day: %+v", runs)
			}
			before := auditRows(t, raw)
			MustOK(t, db.SupervisionLevelsAt(context.Background(), shanghai("2021-06-01 00:00")))
			MustOK(t, db.SupervisionLevelsAt(context.Background(), shanghai("2021-06-01 00:00")))
			if after := auditRows(t, raw); after != before {
				t.Fatalf("the job run again for the same instant wrote %d audit rows", after-before)
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM supervisions"); n != 1 {
				t.Fatalf("supervisions after re-running: %d", n)
			}
		})

		t.Run("Scope", func(t *testing.T) {
			for name, want := range map[string]int{"office": 1, "leader": 1, "unitadmin": 1, "cadre": 1, "cadre5": 0} {
				if got := len(autoOf(t, db, users[name], p.ID)); got != want {
					t.Errorf("%s sees %d supervisions, want %d", name, got, want)
				}
			}
			_, _, err := db.Problems.FindSupervisions(sqldbtest.As(users["auditor"]), sanlian.SupervisionFilter{})
			MustCode(t, err, sanlian.EFORBIDDEN)
			_, err = db.Problems.FindSupervisionByID(sqldbtest.As(users["cadre5"]), sv[0].ID)
			MustCode(t, err, sanlian.ENOTFOUND)
		})

		t.Run("Red", func(t *testing.T) {
			// Five working days after 2021-06-01: 2, 3, 4, 7, 8 June; red from
			// 00:00 of 9 June.
			runDay(t, db, "2021-06-08")
			if s := autoOf(t, db, office, p.ID); s[0].Level != sanlian.LevelYellow {
				t.Fatalf("on 8 June: %s", s[0].Level)
			}
			runDay(t, db, "2021-06-09")
			s := autoOf(t, db, office, p.ID)
			if len(s) != 1 || s[0].Level != sanlian.LevelRed || !s[0].RedAt.Equal(shanghai("2021-06-09 00:00")) {
				t.Fatalf("on 9 June: %+v", s[0])
			}
			c, err := db.Problems.CountSupervisions(sqldbtest.As(office), sanlian.SupervisionFilter{})
			MustOK(t, err)
			if c.Red != 1 || c.Yellow != 0 {
				t.Fatalf("counts %+v", c)
			}
		})

		t.Run("Closed", func(t *testing.T) {
			clockAt(db, "2021-06-09 10:00")
			cur, err := db.Problems.FindProblemByID(sqldbtest.As(office), p.ID)
			MustOK(t, err)
			act(t, db, users["cadre"], cur, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换灯具", Result: "路灯已恢复"})
			runDay(t, db, "2021-06-10")
			s := autoOf(t, db, office, p.ID)
			if len(s) != 1 || s[0].State != sanlian.SupervisionClosed || !s[0].ClosedAt.Equal(shanghai("2021-06-10 00:00")) {
				t.Fatalf("after resolving: %+v", s[0])
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE entity = 'supervision' AND actor = 'system'"); n != 3 {
				t.Fatalf("system audit rows: %d, want 3 (yellow, red, closed)", n)
			}
		})
	})
}

func TestSupervisionService_Notice(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "饮水工程停水")
		clockAt(db, "2021-05-12 10:00")
		office := sqldbtest.As(users["office"])
		in := func(kind string, id int64, due string) *sanlian.SupervisionInput {
			return &sanlian.SupervisionInput{TargetKind: kind, TargetID: id, Text: "请于期限内报告办理进展", ReplyDue: due}
		}

		t.Run("ErrInput", func(t *testing.T) {
			_, err := db.Problems.CreateSupervision(office, in(sanlian.TargetProblem, p.ID, "2021-05-11"))
			MustField(t, err, "reply_due")
			_, err = db.Problems.CreateSupervision(office, in(sanlian.TargetProblem, 9999, "2021-05-20"))
			MustField(t, err, "target_id")
			if msg := sanlian.ErrorFields(err)["target_id"]; !hasHan(msg) {
				t.Fatalf("message %q", msg)
			}
			_, err = db.Problems.CreateSupervision(office, in("village", p.ID, "2021-05-20"))
			MustField(t, err, "target_kind")
			_, err = db.Problems.CreateSupervision(office, &sanlian.SupervisionInput{TargetKind: sanlian.TargetProblem, TargetID: p.ID, ReplyDue: "2021-05-20"})
			MustField(t, err, "text")
			_, err = db.Problems.CreateSupervision(sqldbtest.As(users["unitadmin"]), in(sanlian.TargetProblem, p.ID, "2021-05-20"))
			MustCode(t, err, sanlian.EFORBIDDEN)
		})

		sv, err := db.Problems.CreateSupervision(office, in(sanlian.TargetProblem, p.ID, "2021-05-12"))
		MustOK(t, err)
		if sv.Level != sanlian.LevelNotice || sv.State != sanlian.SupervisionOpen || sv.UnitID != 1 || sv.PersonID != 2 || sv.IssuedBy != users["office"].ID {
			t.Fatalf("notice %+v", sv)
		}
		if e := MustLastAudit(t, db, users); e.Entity != "supervision" || e.Action != "create" {
			t.Fatalf("last audit %+v", e)
		}

		t.Run("Leader", func(t *testing.T) {
			// The problem lies in 东坪镇, the leader's township.
			s, err := db.Problems.CreateSupervision(sqldbtest.As(users["leader"]), in(sanlian.TargetProblem, p.ID, "2021-05-20"))
			MustOK(t, err)
			got, err := db.Problems.FindSupervisionByID(sqldbtest.As(users["leader"]), s.ID)
			MustOK(t, err)
			if got.IssuerName == "" {
				t.Fatalf("issuer not named: %+v", got)
			}
			// Not on a problem of 梅城镇, which is not theirs.
			other, err := db.Problems.CreateProblem(office, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageC,
				Title: "桥面破损", Description: "桥面破损，车辆难行", ReporterName: "陈大姐", ReporterPhone: "13912345679"})
			MustOK(t, err)
			other = act(t, db, users["office"], other, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 4, PersonID: 5})
			_, err = db.Problems.CreateSupervision(sqldbtest.As(users["leader"]), in(sanlian.TargetProblem, other.ID, "2021-05-20"))
			MustCode(t, err, sanlian.EFORBIDDEN)
			// A submitted problem has no unit to answer yet.
			fresh := newProblem(t, db, users["cadre"], "新登记的问题")
			_, err = db.Problems.CreateSupervision(office, in(sanlian.TargetProblem, fresh.ID, "2021-05-20"))
			MustField(t, err, "target_id")
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			_, err := db.Problems.ReplySupervision(sqldbtest.As(users["cadre5"]), sv.ID, "已处理", sv.Version)
			MustCode(t, err, sanlian.EFORBIDDEN)
			if !hasHan(sanlian.ErrorMessage(err)) {
				t.Fatalf("message %q", sanlian.ErrorMessage(err))
			}
			_, err = db.Problems.ReplySupervision(office, sv.ID, "已处理", sv.Version)
			MustCode(t, err, sanlian.EFORBIDDEN)
		})

		t.Run("ErrStaleVersion", func(t *testing.T) {
			_, err := db.Problems.ReplySupervision(sqldbtest.As(users["unitadmin"]), sv.ID, "已处理", sv.Version+1)
			MustCode(t, err, sanlian.ECONFLICT)
			_, err = db.Problems.ReplySupervision(sqldbtest.As(users["unitadmin"]), sv.ID, "  ", sv.Version)
			MustField(t, err, "text")
		})

		t.Run("OK", func(t *testing.T) {
			got, err := db.Problems.ReplySupervision(sqldbtest.As(users["unitadmin"]), sv.ID, "已组织抢修，预计三日内恢复供水", sv.Version)
			MustOK(t, err)
			if got.State != sanlian.SupervisionAnswered || got.Late || got.Version != sv.Version+1 || got.ReplierName == "" {
				t.Fatalf("replied %+v", got)
			}
			_, err = db.Problems.ReplySupervision(sqldbtest.As(users["cadre"]), sv.ID, "再次回复", got.Version)
			MustCode(t, err, sanlian.ECONFLICT)
		})

		t.Run("Late", func(t *testing.T) {
			s, err := db.Problems.CreateSupervision(office, in(sanlian.TargetProblem, p.ID, "2021-05-13"))
			MustOK(t, err)
			clockAt(db, "2021-05-14 08:00")
			got, err := db.Problems.ReplySupervision(sqldbtest.As(users["cadre"]), s.ID, "已办理", s.Version)
			MustOK(t, err)
			if !got.Late {
				t.Fatalf("a reply after the deadline is not late: %+v", got)
			}
			late, _, err := db.Problems.FindSupervisions(office, sanlian.SupervisionFilter{Late: true})
			MustOK(t, err)
			if len(late) != 1 || late[0].ID != s.ID {
				t.Fatalf("late filter: %d", len(late))
			}
			open, _, err := db.Problems.FindSupervisions(office, sanlian.SupervisionFilter{Unanswered: true})
			MustOK(t, err)
			if len(open) != 1 { // the leader's notice
				t.Fatalf("unanswered: %d", len(open))
			}
			c, err := db.Problems.CountSupervisions(office, sanlian.SupervisionFilter{})
			MustOK(t, err)
			if c.Unanswered != 1 || c.Late != 1 {
				t.Fatalf("counts %+v", c)
			}
		})

		t.Run("Paging", func(t *testing.T) {
			first, next, err := db.Problems.FindSupervisions(office, sanlian.SupervisionFilter{Limit: 2})
			MustOK(t, err)
			rest, end, err := db.Problems.FindSupervisions(office, sanlian.SupervisionFilter{Limit: 2, Cursor: next})
			MustOK(t, err)
			if len(first) != 2 || len(rest) != 1 || end != "" || first[0].ID <= first[1].ID || rest[0].ID >= first[1].ID {
				t.Fatalf("pages %d %d", len(first), len(rest))
			}
			_, _, err = db.Problems.FindSupervisions(office, sanlian.SupervisionFilter{Level: "green"})
			MustCode(t, err, sanlian.EINVALID)
		})
	})
}

// TestSupervisionService_Rules: the office's configuration for the class
// of the responsible unit decides when the cards come: here a department
// (unit 1) gets its yellow one working day after the deadline and its red
// once two working days after the yellow's day have ended.
func TestSupervisionService_Rules(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "集镇排水沟堵塞")
		c := sanlian.DefaultMetricConfig()
		c.From, c.UnitKind = "2021-05", sanlian.UnitDepartment
		c.Rules.YellowAfterDays, c.Rules.RedAfterDays = 1, 2
		MustOK(t, db.Reports.SaveMetricConfig(sqldbtest.As(users["office"]), &c))
		office := users["office"]
		level := func(day string) string {
			t.Helper()
			runDay(t, db, day)
			s := autoOf(t, db, office, p.ID)
			if len(s) == 0 {
				return ""
			}
			return s[0].Level
		}
		// Deadline 24:00 of Monday 31 May; one working day of delay is
		// Tuesday 1 June, yellow from 00:00 of Wednesday 2 June; the two
		// working days after it are Thursday and Friday: red on Saturday.
		for _, c := range []struct{ day, want string }{
			{"2021-06-01", ""}, {"2021-06-02", sanlian.LevelYellow}, {"2021-06-03", sanlian.LevelYellow},
			{"2021-06-04", sanlian.LevelYellow}, {"2021-06-05", sanlian.LevelRed},
		} {
			if got := level(c.day); got != c.want {
				t.Fatalf("on %s: level %q, want %q", c.day, got, c.want)
			}
		}
	})
}
