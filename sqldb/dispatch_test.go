package sqldb_test

import (
	"fmt"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func meetingIn(date string) *sanlian.DispatchInput {
	return &sanlian.DispatchInput{MeetingDate: date, Place: "县委二楼会议室", Chair: "王建国",
		Attendees: "各乡镇、县直单位主要负责人", Record: "通报5月问题办理情况，对超期问题逐一调度。"}
}

func TestDispatchService_Save(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		newClock(db).Advance(30 * 24 * time.Hour) // 2021-06-09

		t.Run("OK", func(t *testing.T) {
			d, err := db.Problems.SaveDispatch(office, "2021-05", meetingIn("2021-05-31"), 0)
			MustOK(t, err)
			if d.Version != 1 || d.MeetingDate != "2021-05-31" || d.Chair != "王建国" || !d.Held() {
				t.Fatalf("saved = %+v", d)
			}
			if e := MustLastAudit(t, db, users); e.Entity != "dispatch" || e.EntityID != "2021-05" || e.Action != "create" {
				t.Fatalf("audit = %+v", e)
			}
			in := meetingIn("2021-06-02")
			in.Record = "补充：对东坪镇超期问题约谈。"
			d, err = db.Problems.SaveDispatch(office, "2021-05", in, 1)
			MustOK(t, err)
			if d.Version != 2 || d.MeetingDate != "2021-06-02" || d.Record != in.Record {
				t.Fatalf("updated = %+v", d)
			}
			e := MustLastAudit(t, db, users)
			if ch := auditChanges(t, e); e.Action != "update" || ch["meeting_date"] != [2]any{"2021-05-31", "2021-06-02"} || len(ch) != 2 {
				t.Fatalf("audit = %+v %v", e, ch)
			}
			got, err := db.Problems.FindDispatch(sqldbtest.As(users["leader"]), "2021-05")
			MustOK(t, err)
			if got.Version != 2 || got.Place != "县委二楼会议室" {
				t.Fatalf("read = %+v", got)
			}
		})

		t.Run("ErrStaleVersion", func(t *testing.T) {
			_, err := db.Problems.SaveDispatch(office, "2021-05", meetingIn("2021-05-31"), 1)
			MustCode(t, err, sanlian.ECONFLICT)
			_, err = db.Problems.SaveDispatch(office, "2021-05", meetingIn("2021-05-31"), 0)
			MustCode(t, err, sanlian.ECONFLICT)
		})

		t.Run("ErrBadMonth", func(t *testing.T) {
			for _, m := range []string{"2021-13", "2021-05-H1", "2021-5", "五月", ""} {
				_, err := db.Problems.SaveDispatch(office, m, meetingIn("2021-05-31"), 0)
				MustCode(t, err, sanlian.EINVALID)
				_, err = db.Problems.FindDispatch(office, m)
				MustCode(t, err, sanlian.EINVALID)
				_, err = db.Problems.AddDecision(office, m, &sanlian.DecisionInput{Text: "x", UnitID: 1, PersonID: 6, Deadline: "2021-06-30"})
				MustCode(t, err, sanlian.EINVALID)
			}
		})

		t.Run("ErrFields", func(t *testing.T) {
			_, err := db.Problems.SaveDispatch(office, "2021-04", meetingIn("2021-03-31"), 0)
			MustField(t, err, "meeting_date")
			_, err = db.Problems.SaveDispatch(office, "2021-04", &sanlian.DispatchInput{MeetingDate: "2021-04-30"}, 0)
			MustField(t, err, "place")
			MustField(t, err, "record")
			d, err := db.Problems.FindDispatch(office, "2021-04")
			MustOK(t, err)
			if d.Held() {
				t.Fatalf("a refused record was saved: %+v", d)
			}
		})

		t.Run("List", func(t *testing.T) {
			_, err := db.Problems.AddDecision(office, "2021-03", &sanlian.DecisionInput{Text: "完成春耕物资保障", UnitID: 3, PersonID: 4, Deadline: "2021-04-15"})
			MustOK(t, err)
			ms, err := db.Problems.FindDispatches(sqldbtest.As(users["unitadmin"]))
			MustOK(t, err)
			var got []string
			for _, m := range ms {
				got = append(got, fmt.Sprintf("%s:%v:%d", m.Month, m.Held, m.Decisions))
			}
			if want := "[2021-06:false:0 2021-05:true:0 2021-03:false:1]"; fmt.Sprint(got) != want {
				t.Fatalf("months = %v, want %s", got, want)
			}
		})
	})
}

func TestDispatchService_AddDecision(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		raw := MustRaw(t, db)
		count := func() (int, int) {
			return MustCount(t, raw, "SELECT COUNT(*) FROM dispatch_decisions"), MustCount(t, raw, "SELECT COUNT(*) FROM responsibilities")
		}

		t.Run("OK", func(t *testing.T) {
			x, err := db.Problems.AddDecision(office, "2021-05", &sanlian.DecisionInput{Text: "  全面排查低保对象动态管理情况 ",
				UnitID: 1, PersonID: 6, LeaderID: 2, Deadline: "2021-06-15"})
			MustOK(t, err)
			if x.ID == 0 || x.ResponsibilityID == 0 || x.Text != "全面排查低保对象动态管理情况" || x.UnitName != "县民政局" ||
				x.PersonName != "赵丽" || x.LeaderName != "李明" || x.State != sanlian.RespPending || x.Month != "2021-05" {
				t.Fatalf("decision = %+v", x)
			}
			if d, r := count(); d != 1 || r != 1 {
				t.Fatalf("decisions %d, responsibilities %d, want 1 and 1", d, r)
			}
			r, err := db.Lists.FindResponsibilityByID(office, x.ResponsibilityID)
			MustOK(t, err)
			want := fmt.Sprintf("2021-05 月度调度会 第%d号", x.ID)
			if r.Source != sanlian.RespDispatch || r.SourceID != x.ID || r.SourceRef != want || r.Task != x.Text || r.UnitID != 1 ||
				r.PersonID != 6 || r.LeaderID != 2 || r.Deadline != "2021-06-15" || r.State != sanlian.RespPending {
				t.Fatalf("responsibility = %+v, source ref want %q", r, want)
			}
			// The line's state shows on the decision.
			_, err = db.Lists.UpdateResponsibility(office, r.ID, &sanlian.ResponsibilityInput{UnitID: 1, Task: r.Task, Source: r.Source,
				SourceID: r.SourceID, LeaderID: 2, PersonID: 6, Deadline: r.Deadline, State: sanlian.RespDone, CompletionNote: "已排查 312 户"}, r.Version)
			MustOK(t, err)
			d, err := db.Problems.FindDispatch(office, "2021-05")
			MustOK(t, err)
			if len(d.Decisions) != 1 || d.Decisions[0].State != sanlian.RespDone || d.Decisions[0].CompletionNote != "已排查 312 户" {
				t.Fatalf("decisions = %+v", d.Decisions)
			}
			ms, err := db.Problems.FindDispatches(office)
			MustOK(t, err)
			if m := ms[len(ms)-1]; m.Month != "2021-05" || m.Decisions != 1 || m.Done != 1 {
				t.Fatalf("month = %+v", m)
			}
		})

		t.Run("ErrWritesNothing", func(t *testing.T) {
			d0, r0 := count()
			audits := auditRows(t, raw)
			for _, c := range []struct {
				in    sanlian.DecisionInput
				field string
			}{
				{sanlian.DecisionInput{Text: "", UnitID: 1, PersonID: 6, Deadline: "2021-06-15"}, "text"},
				{sanlian.DecisionInput{Text: "落实", UnitID: 0, PersonID: 6, Deadline: "2021-06-15"}, "unit_id"},
				{sanlian.DecisionInput{Text: "落实", UnitID: 1, PersonID: 0, Deadline: "2021-06-15"}, "person_id"},
				{sanlian.DecisionInput{Text: "落实", UnitID: 1, PersonID: 6, Deadline: "6月底"}, "deadline"},
				{sanlian.DecisionInput{Text: "落实", UnitID: 1, PersonID: 999, Deadline: "2021-06-15"}, "person_id"},
				{sanlian.DecisionInput{Text: "落实", UnitID: 99, PersonID: 6, Deadline: "2021-06-15"}, "unit_id"},
				{sanlian.DecisionInput{Text: "落实", UnitID: 1, PersonID: 6, LeaderID: 998, Deadline: "2021-06-15"}, "leader_id"},
			} {
				_, err := db.Problems.AddDecision(office, "2021-05", &c.in)
				MustField(t, err, c.field)
			}
			if d, r := count(); d != d0 || r != r0 || auditRows(t, raw) != audits {
				t.Fatalf("a refused decision wrote: decisions %d→%d, responsibilities %d→%d", d0, d, r0, r)
			}
		})

		t.Run("Scope", func(t *testing.T) {
			in := &sanlian.DecisionInput{Text: "落实", UnitID: 1, PersonID: 6, Deadline: "2021-06-15"}
			for _, name := range []string{"leader", "unitadmin", "cadre", "sysadmin", "auditor"} {
				_, err := db.Problems.AddDecision(sqldbtest.As(users[name]), "2021-05", in)
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Problems.SaveDispatch(sqldbtest.As(users[name]), "2021-05", meetingIn("2021-05-31"), 0)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			for _, name := range []string{"leader", "unitadmin"} {
				d, err := db.Problems.FindDispatch(sqldbtest.As(users[name]), "2021-05")
				MustOK(t, err)
				if len(d.Decisions) != 1 {
					t.Fatalf("%s reads %d decisions", name, len(d.Decisions))
				}
			}
			for _, name := range []string{"cadre", "sysadmin", "auditor"} {
				_, err := db.Problems.FindDispatch(sqldbtest.As(users[name]), "2021-05")
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Problems.FindDispatches(sqldbtest.As(users[name]))
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Problems.DispatchProgress(sqldbtest.As(users[name]), "2021-05", sanlian.ByUnit)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
		})
	})
}

// TestDispatchService_Progress counts a hand-built month: problems
// entered, assigned, resolved and closed in May 2021, some before it,
// one a minute after its end, read on 10 June.
func TestDispatchService_Progress(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		c := newClock(db)
		c.Advance(31 * 24 * time.Hour) // 2021-06-10
		sh := func(s string) time.Time {
			t0, err := time.ParseInLocation("2006-01-02 15:04", s, sanlian.Shanghai)
			if err != nil {
				t.Fatal(err)
			}
			return t0.UTC()
		}
		n := 0
		add := func(village, town string, unit int64, state, created, assigned, due, resolved, closed string) {
			n++
			at := func(s string) any {
				if s == "" {
					return nil
				}
				return sh(s)
			}
			var u any
			if unit != 0 {
				u = unit
			}
			_, err := raw.Exec(rebind(db, `INSERT INTO problems (number, state, source, category, village_code, township_code, title, description,
				unit_id, assigned_at, accept_due, resolve_due, resolved_at, closed_at, accepted_at, created_at, updated_at)
				VALUES (?, ?, 'visit', 'rural', ?, ?, ?, '详见走访记录', ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				fmt.Sprintf("安化-2021-%06d", n), state, village, town, fmt.Sprintf("问题%d", n), u, at(assigned), at(assigned), at(due),
				at(resolved), at(closed), at(assigned), sh(created), sh(created))
			if err != nil {
				t.Fatal(err)
			}
		}
		dp, mc := sqldbtest.Dongping, sqldbtest.Meicheng
		add(sqldbtest.VillageA, dp, 1, "accepted", "2021-05-03 09:00", "2021-05-03 10:00", "2021-05-21 00:00", "", "")
		add(sqldbtest.VillageA, dp, 1, "resolved", "2021-05-05 09:00", "2021-05-05 10:00", "2021-05-27 00:00", "2021-05-15 11:00", "")
		add(sqldbtest.VillageC, mc, 3, "closed", "2021-04-20 09:00", "2021-04-21 10:00", "2021-05-12 00:00", "2021-05-02 11:00", "2021-05-10 11:00")
		add(sqldbtest.VillageD, mc, 0, "submitted", "2021-05-31 23:30", "", "", "", "")
		add(sqldbtest.VillageB, dp, 3, "assigned", "2021-06-01 00:10", "2021-06-01 00:20", "2021-06-22 00:00", "", "")
		add(sqldbtest.VillageC, mc, 3, "closed", "2021-03-01 09:00", "2021-03-01 10:00", "2021-03-23 00:00", "2021-03-10 11:00", "2021-03-20 11:00")
		add(sqldbtest.VillageB, dp, 1, "accepted", "2021-04-01 09:00", "2021-04-01 10:00", "2021-07-01 00:00", "", "")

		row := func(r *sanlian.DispatchProgress) string {
			return fmt.Sprintf("%s %s %d/%d/%d/%d/%d/%d", r.Key, r.Name, r.Created, r.Assigned, r.Resolved, r.Closed, r.Open, r.Overdue)
		}
		check := func(user, by, want string) {
			t.Helper()
			rows, err := db.Problems.DispatchProgress(sqldbtest.As(users[user]), "2021-05", by)
			MustOK(t, err)
			var got []string
			for _, r := range rows {
				got = append(got, row(r))
			}
			if fmt.Sprint(got) != want {
				t.Fatalf("%s by %s:\n got %v\nwant %s", user, by, got, want)
			}
		}
		check("office", sanlian.ByTownship, "["+dp+" 东坪镇 2/2/1/0/3/1 "+mc+" 梅城镇 1/0/1/1/1/0]")
		check("office", sanlian.ByUnit, "[ 未交办 1/0/0/0/1/0 1 县民政局 2/2/1/0/3/1 3 东坪镇人民政府 0/0/1/1/0/0]")
		check("leader", sanlian.ByTownship, "["+dp+" 东坪镇 2/2/1/0/3/1]")
		check("unitadmin", sanlian.ByUnit, "[1 县民政局 2/2/1/0/3/1]")
		check("office", sanlian.ByTownship, "["+dp+" 东坪镇 2/2/1/0/3/1 "+mc+" 梅城镇 1/0/1/1/1/0]")

		_, err := db.Problems.DispatchProgress(sqldbtest.As(users["office"]), "2021-05", "village")
		MustCode(t, err, sanlian.EINVALID)
		rows, err := db.Problems.DispatchProgress(sqldbtest.As(users["office"]), "2021-02", sanlian.ByUnit)
		MustOK(t, err)
		if len(rows) != 0 {
			t.Fatalf("February = %v", rows)
		}
	})
}

// TestDispatchService_Import reads back a decision's line as the lists name
// it: a decision not on record is recorded with its month and number; one
// on record must be of the month named.
func TestDispatchService_Import(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		office := users["office"]
		x, err := db.Problems.AddDecision(sqldbtest.As(office), "2021-04", &sanlian.DecisionInput{Text: "四月调度事项", UnitID: 1, PersonID: 6, Deadline: "2021-05-20"})
		MustOK(t, err)
		line := func(task, ref string) map[string]string {
			return map[string]string{"task": task, "source": sanlian.RespDispatch, "source_ref": ref, "unit": "县民政局", "person": "赵丽",
				"deadline": "2021-06-10"}
		}
		wrong := fmt.Sprintf("2021-03 月度调度会 第%d号", x.ID)
		rep := mustImport(t, db, office, "responsibilities", file(line("错月份", wrong)))
		mustReject(t, rep, 2, "来源编号", "2021-04 月度调度会的")

		rep = mustImport(t, db, office, "responsibilities", file(line("五月调度：排查低保", "2021-05 月度调度会 第40号"),
			line("四月调度事项回头看", fmt.Sprintf("2021-04 月度调度会 第%d号", x.ID)), line("旧编号", "第41号")))
		mustCommit(t, rep, 3, 0)
		d, err := db.Problems.FindDispatch(sqldbtest.As(office), "2021-05")
		MustOK(t, err)
		if len(d.Decisions) != 1 || d.Decisions[0].ID != 40 || d.Decisions[0].Text != "五月调度：排查低保" || d.Decisions[0].ResponsibilityID == 0 {
			t.Fatalf("recorded decisions %+v", d.Decisions)
		}
		r, err := db.Lists.FindResponsibilityByID(sqldbtest.As(office), d.Decisions[0].ResponsibilityID)
		MustOK(t, err)
		if r.SourceRef != "2021-05 月度调度会 第40号" {
			t.Errorf("source ref %q", r.SourceRef)
		}
		// Numbering goes on after the recorded number.
		y, err := db.Problems.AddDecision(sqldbtest.As(office), "2021-05", &sanlian.DecisionInput{Text: "新事项", UnitID: 1, PersonID: 6, Deadline: "2021-06-20"})
		MustOK(t, err)
		if y.ID <= 40 {
			t.Errorf("new decision numbered %d", y.ID)
		}
		raw := MustRaw(t, db)
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM dispatch_decisions"); n != 3 {
			t.Errorf("%d decisions recorded, want 3", n)
		}
	})
}
