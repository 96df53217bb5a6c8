package sqldb_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// respIn is a valid entered line for unit 1 (县民政局), person 6 (赵丽),
// leader 2 (李明, the unit's head).
func respIn(task, deadline string) sanlian.ResponsibilityInput {
	return sanlian.ResponsibilityInput{UnitID: 1, Task: task, LeaderID: 2, PersonID: 6, Deadline: deadline,
		Measures: "制定工作方案，明确专人负责，每周调度一次"}
}

func mustResp(t *testing.T, db *sqldb.DB, u *sanlian.User, in sanlian.ResponsibilityInput) *sanlian.Responsibility {
	t.Helper()
	r, err := db.Lists.CreateResponsibility(sqldbtest.As(u), &in)
	if err != nil {
		t.Fatalf("create responsibility %q: %v %v", in.Task, err, sanlian.ErrorFields(err))
	}
	return r
}

// rawProject enters a project row with plain SQL and returns its id.
func rawProject(t *testing.T, db *sqldb.DB, unit, leader, person int64, title, end, status string, target, done int64, measure string, progress int) int64 {
	t.Helper()
	raw := MustRaw(t, db)
	now := time.Date(2021, 5, 1, 2, 0, 0, 0, time.UTC)
	cadre := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	var id int64
	err := raw.QueryRow(rebind(db, `INSERT INTO projects (unit_id, title, description, target, measure, done, start_date, end_date,
		leader_id, person_id, status, progress, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		unit, title, title+"：逐村摸排需求，分批实施", target, measure, done, "2021-05-01", end, cadre(leader), cadre(person), status, progress, now, now).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// allResps reads every page of f as u, limit lines a page.
func allResps(t *testing.T, db *sqldb.DB, u *sanlian.User, f sanlian.ResponsibilityFilter) []*sanlian.Responsibility {
	t.Helper()
	var out []*sanlian.Responsibility
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the cursor never ends")
		}
		rs, next, err := db.Lists.FindResponsibilities(sqldbtest.As(u), f)
		MustOK(t, err)
		out = append(out, rs...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

func respKeys(rs []*sanlian.Responsibility) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

func findKey(rs []*sanlian.Responsibility, key string) *sanlian.Responsibility {
	for _, r := range rs {
		if r.Key == key {
			return r
		}
	}
	return nil
}

func TestResponsibilityService_Entered(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		office, unitAdmin := users["office"], users["unitadmin"]
		var r *sanlian.Responsibility
		t.Run("Create", func(t *testing.T) {
			in := respIn("为全县低保户逐户上门核查家庭收入", "2021-06-30")
			in.UnitID = 0 // a unit admin's own unit
			r = mustResp(t, db, unitAdmin, in)
			if r.ID == 0 || r.Key != fmt.Sprintf("r%d", r.ID) || r.Derived || r.UnitID != 1 || r.Source != sanlian.RespStandalone ||
				r.State != sanlian.RespPending || r.Version != 1 || r.Deadline != "2021-06-30" || r.Overdue {
				t.Fatalf("created %+v", r)
			}
			if r.UnitName != "县民政局" || r.LeaderName != "李明" || r.PersonName != "赵丽" {
				t.Errorf("names %q %q %q", r.UnitName, r.LeaderName, r.PersonName)
			}
			if e := MustLastAudit(t, db, users); e.Action != "create" || e.Entity != "responsibility" || e.EntityID != fmt.Sprint(r.ID) ||
				e.Actor != "unitadmin" || !strings.Contains(e.Changes, "低保户") {
				t.Errorf("audit %+v", e)
			}
			got, err := db.Lists.FindResponsibilityByID(sqldbtest.As(office), r.ID)
			MustOK(t, err)
			if got.Task != r.Task || got.Measures != r.Measures || got.CreatedAt.IsZero() || !got.CreatedAt.Equal(r.CreatedAt) {
				t.Errorf("read back %+v", got)
			}
			// A dispatch decision is taken as given: meetings are not recorded yet.
			d := respIn("落实四月调度会议定的危房改造任务", "2021-07-15")
			d.Source, d.SourceID = sanlian.RespDispatch, 77
			if got := mustResp(t, db, office, d); got.Source != sanlian.RespDispatch || got.SourceID != 77 {
				t.Errorf("dispatch line %+v", got)
			}
		})
		t.Run("BadInput", func(t *testing.T) {
			p := newProblem(t, db, users["cadre"], "养老院护理员不足")
			p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
			for field, mod := range map[string]func(*sanlian.ResponsibilityInput){
				"task":            func(in *sanlian.ResponsibilityInput) { in.Task = "  " },
				"source":          func(in *sanlian.ResponsibilityInput) { in.Source = "meeting" },
				"deadline":        func(in *sanlian.ResponsibilityInput) { in.Deadline = "6月底" },
				"state":           func(in *sanlian.ResponsibilityInput) { in.State = "finished" },
				"completion_note": func(in *sanlian.ResponsibilityInput) { in.State = sanlian.RespDone },
				"person_id":       func(in *sanlian.ResponsibilityInput) { in.PersonID = 999 },
				"leader_id":       func(in *sanlian.ResponsibilityInput) { in.LeaderID = 999 },
				"unit_id":         func(in *sanlian.ResponsibilityInput) { in.UnitID = 999 },
				"source_id":       func(in *sanlian.ResponsibilityInput) { in.Source, in.SourceID = sanlian.RespProblem, 999 },
			} {
				in := respIn("核查", "2021-06-30")
				mod(&in)
				_, err := db.Lists.CreateResponsibility(sqldbtest.As(office), &in)
				MustField(t, err, field)
				if msg := sanlian.ErrorFields(err)[field]; !hasHan(msg) {
					t.Errorf("%s: message %q is not Chinese", field, msg)
				}
			}
			for name, mod := range map[string]func(*sanlian.ResponsibilityInput){
				"NoPerson":          func(in *sanlian.ResponsibilityInput) { in.PersonID = 0 },
				"StandaloneWithID":  func(in *sanlian.ResponsibilityInput) { in.SourceID = 5 },
				"ProjectMissing":    func(in *sanlian.ResponsibilityInput) { in.Source, in.SourceID = sanlian.RespProject, 42 },
				"ProblemOfThisUnit": func(in *sanlian.ResponsibilityInput) { in.Source, in.SourceID = sanlian.RespProblem, p.ID },
			} {
				in := respIn("核查", "2021-06-30")
				mod(&in)
				_, err := db.Lists.CreateResponsibility(sqldbtest.As(office), &in)
				f := "person_id"
				if name != "NoPerson" {
					f = "source_id"
				}
				t.Run(name, func(t *testing.T) { MustField(t, err, f) })
			}
			// The same problem is another unit's task to enter.
			in := respIn("配合民政局招聘护理员", "2021-06-30")
			in.UnitID, in.LeaderID, in.PersonID, in.Source, in.SourceID = 3, 0, 4, sanlian.RespProblem, p.ID
			if got := mustResp(t, db, office, in); got.SourceRef != p.Number {
				t.Errorf("source ref %q, want the problem's number %s", got.SourceRef, p.Number)
			}
		})
		t.Run("Forbidden", func(t *testing.T) {
			in := respIn("核查", "2021-06-30")
			in.UnitID = 3
			_, err := db.Lists.CreateResponsibility(sqldbtest.As(unitAdmin), &in)
			MustCode(t, err, sanlian.EFORBIDDEN)
			for _, name := range []string{"cadre", "leader", "sysadmin", "auditor"} {
				in := respIn("核查", "2021-06-30")
				_, err := db.Lists.CreateResponsibility(sqldbtest.As(users[name]), &in)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
		})
		t.Run("Update", func(t *testing.T) {
			in := respIn("为全县低保户逐户上门核查家庭收入", "2021-07-15")
			in.State = sanlian.RespOngoing
			got, err := db.Lists.UpdateResponsibility(sqldbtest.As(unitAdmin), r.ID, &in, r.Version)
			MustOK(t, err)
			if got.Deadline != "2021-07-15" || got.State != sanlian.RespOngoing || got.Version != 2 {
				t.Fatalf("updated %+v", got)
			}
			ch := auditChanges(t, MustLastAudit(t, db, users))
			if ch["deadline"] != [2]any{"2021-06-30", "2021-07-15"} || ch["state"] != [2]any{"pending", "ongoing"} || len(ch) != 2 {
				t.Errorf("audit changes %v", ch)
			}
			_, err = db.Lists.UpdateResponsibility(sqldbtest.As(unitAdmin), r.ID, &in, r.Version)
			MustCode(t, err, sanlian.ECONFLICT)
			bad := in
			bad.UnitID = 3
			_, err = db.Lists.UpdateResponsibility(sqldbtest.As(unitAdmin), r.ID, &bad, 2)
			MustCode(t, err, sanlian.EFORBIDDEN)
			bad = in
			bad.Task = ""
			_, err = db.Lists.UpdateResponsibility(sqldbtest.As(office), r.ID, &bad, 2)
			MustField(t, err, "task")
			_, err = db.Lists.UpdateResponsibility(sqldbtest.As(users["cadre5"]), r.ID, &in, 2)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Lists.UpdateResponsibility(sqldbtest.As(users["leader"]), r.ID, &in, 2)
			MustCode(t, err, sanlian.EFORBIDDEN)
			r = got
		})
		t.Run("PersonReports", func(t *testing.T) {
			// Cadre 2 (李明) leads r but is not its person: no report.
			in := respIn("为全县低保户逐户上门核查家庭收入", "2021-07-15")
			in.State, in.CompletionNote = sanlian.RespDone, "已核查 1,203 户"
			_, err := db.Lists.UpdateResponsibility(sqldbtest.As(users["cadre"]), r.ID, &in, r.Version)
			MustCode(t, err, sanlian.EFORBIDDEN)
			mine := respIn("走访联系户，宣讲医保缴费政策", "2021-05-31")
			mine.PersonID = 2
			m := mustResp(t, db, unitAdmin, mine)
			report := mine
			report.UnitID, report.State, report.CompletionNote = 0, sanlian.RespDone, "3 户已全部走访，现场帮助缴费 2 户"
			before := auditRows(t, MustRaw(t, db))
			got, err := db.Lists.UpdateResponsibility(sqldbtest.As(users["cadre"]), m.ID, &report, m.Version)
			MustOK(t, err)
			if got.State != sanlian.RespDone || got.CompletionNote != report.CompletionNote || got.Version != 2 || got.UnitID != 1 {
				t.Fatalf("reported %+v", got)
			}
			if n := auditRows(t, MustRaw(t, db)); n != before+1 {
				t.Errorf("audit rows %d → %d", before, n)
			}
			for name, mod := range map[string]func(*sanlian.ResponsibilityInput){
				"Deadline": func(in *sanlian.ResponsibilityInput) { in.Deadline = "2021-12-31" },
				"Reassign": func(in *sanlian.ResponsibilityInput) { in.PersonID = 6 },
				"Leader":   func(in *sanlian.ResponsibilityInput) { in.LeaderID = 0 },
				"Task":     func(in *sanlian.ResponsibilityInput) { in.Task += "（已调整）" },
				"Unit":     func(in *sanlian.ResponsibilityInput) { in.UnitID = 2 },
			} {
				in := report
				in.CompletionNote = "再次更新"
				mod(&in)
				_, err := db.Lists.UpdateResponsibility(sqldbtest.As(users["cadre"]), m.ID, &in, got.Version)
				t.Run(name, func(t *testing.T) { MustCode(t, err, sanlian.EFORBIDDEN) })
			}
			_, err = db.Lists.UpdateResponsibility(sqldbtest.As(users["cadre"]), m.ID, &report, m.Version)
			MustCode(t, err, sanlian.ECONFLICT)
		})
		t.Run("NotFound", func(t *testing.T) {
			for _, id := range []int64{0, 9999} {
				_, err := db.Lists.FindResponsibilityByID(sqldbtest.As(office), id)
				MustCode(t, err, sanlian.ENOTFOUND)
			}
			_, err := db.Lists.FindResponsibilityByID(sqldbtest.As(users["cadre5"]), r.ID)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Lists.FindResponsibilityByID(sqldbtest.As(users["auditor"]), r.ID)
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
	})
}

// TestResponsibilityService_Derived: a problem assigned to a unit and a
// project are on the unit's list without being entered, and follow their
// source.
func TestResponsibilityService_Derived(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		office := users["office"]
		unitList := func(unit int64) []*sanlian.Responsibility {
			return allResps(t, db, office, sanlian.ResponsibilityFilter{UnitID: unit})
		}
		p := newProblem(t, db, users["cadre"], "村里自来水水压不足")
		if rs := unitList(1); len(rs) != 0 {
			t.Fatalf("an unassigned problem is on a list: %v", respKeys(rs))
		}
		p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 6})
		key := fmt.Sprintf("problem:%d", p.ID)
		t.Run("Assigned", func(t *testing.T) {
			rs := unitList(1)
			if len(rs) != 1 {
				t.Fatalf("unit 1 list %v", respKeys(rs))
			}
			r := rs[0]
			if r.Key != key || !r.Derived || r.ID != 0 || r.Version != 0 || r.Source != sanlian.RespProblem || r.SourceID != p.ID ||
				r.SourceRef != p.Number || r.Task != p.Title || r.UnitID != 1 || r.UnitName != "县民政局" {
				t.Fatalf("derived line %+v", r)
			}
			// Assigned on Monday 10 May: 15 working days end on Monday 31 May.
			if r.Deadline != "2021-05-31" || r.Deadline != p.ResolveDue.Add(-time.Second).In(sanlian.Shanghai).Format("2006-01-02") {
				t.Errorf("deadline %s, resolve due %s", r.Deadline, p.ResolveDue)
			}
			if r.LeaderID != 2 || r.LeaderName != "李明" || r.PersonID != 6 || r.PersonName != "赵丽" {
				t.Errorf("leader %d %s, person %d %s", r.LeaderID, r.LeaderName, r.PersonID, r.PersonName)
			}
			if r.State != sanlian.RespPending || r.Progress != "已交办" || r.Overdue {
				t.Errorf("state %s progress %q overdue %v", r.State, r.Progress, r.Overdue)
			}
		})
		t.Run("Accepted", func(t *testing.T) {
			p = act(t, db, users["unitadmin"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
			if r := findKey(unitList(1), key); r == nil || r.State != sanlian.RespOngoing || r.Progress != "办理中" {
				t.Errorf("accepted: %+v", r)
			}
		})
		t.Run("Transferred", func(t *testing.T) {
			p = act(t, db, office, p, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: 4, Reason: "属乡镇供水站管辖"})
			if rs := unitList(1); len(rs) != 0 {
				t.Errorf("still on unit 1's list: %v", respKeys(rs))
			}
			rs := unitList(4)
			if len(rs) != 1 || rs[0].Key != key || rs[0].UnitName != "梅城镇人民政府" || rs[0].LeaderID != 0 || rs[0].PersonID != 0 ||
				rs[0].State != sanlian.RespPending {
				t.Fatalf("unit 4 list %+v", rs)
			}
		})
		t.Run("Resolved", func(t *testing.T) {
			p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{PersonID: 5})
			p = act(t, db, users["cadre5"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
			p = act(t, db, users["cadre5"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换加压泵一台，疏通主管道", Result: "水压恢复正常"})
			rs := unitList(4)
			if len(rs) != 1 {
				t.Fatalf("unit 4 list %v", respKeys(rs))
			}
			r := rs[0]
			if r.State != sanlian.RespDone || r.Measures != "更换加压泵一台，疏通主管道" || r.PersonName != "陈刚" ||
				r.Progress != "已办结：更换加压泵一台，疏通主管道；水压恢复正常" {
				t.Errorf("resolved line %+v", r)
			}
		})
		t.Run("LeftOut", func(t *testing.T) {
			// A rejected problem and a merged one are not on any list.
			q := newProblem(t, db, users["cadre"], "村道路面破损")
			q = act(t, db, office, q, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
			dup := newProblem(t, db, users["cadre"], "村道路面破损严重")
			dup = act(t, db, office, dup, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
			act(t, db, office, dup, sanlian.ActionMerge, sanlian.ActionRequest{Into: q.ID})
			rej := newProblem(t, db, users["cadre"], "要求修建篮球场")
			act(t, db, office, rej, sanlian.ActionReject, sanlian.ActionRequest{Reason: "不属于办理范围"})
			if got := respKeys(unitList(1)); !slices.Equal(got, []string{fmt.Sprintf("problem:%d", q.ID)}) {
				t.Errorf("unit 1 list %v, want only problem %d", got, q.ID)
			}
		})
		t.Run("Project", func(t *testing.T) {
			id := rawProject(t, db, 1, 2, 6, "为困难残疾人适配轮椅", "2021-09-30", sanlian.ProjectOngoing, 320, 120, "台", 38)
			planned := rawProject(t, db, 1, 0, 6, "独居老人智能手环", "2021-12-31", sanlian.ProjectPlanned, 0, 0, "", 0)
			rs := unitList(1)
			r := findKey(rs, fmt.Sprintf("project:%d", id))
			if r == nil {
				t.Fatalf("project not on the list: %v", respKeys(rs))
			}
			if !r.Derived || r.ID != 0 || r.Source != sanlian.RespProject || r.SourceID != id || r.SourceRef != "为困难残疾人适配轮椅" ||
				r.Task != "为困难残疾人适配轮椅" || r.Deadline != "2021-09-30" || r.State != sanlian.RespOngoing ||
				r.LeaderName != "李明" || r.PersonName != "赵丽" || !strings.HasPrefix(r.Measures, "为困难残疾人适配轮椅：逐村摸排") {
				t.Errorf("project line %+v", r)
			}
			if r.Progress != "进度 38%，已完成 120/320 台" {
				t.Errorf("progress %q", r.Progress)
			}
			if p := findKey(rs, fmt.Sprintf("project:%d", planned)); p == nil || p.State != sanlian.RespPending || p.Progress != "未启动，进度 0%" {
				t.Errorf("planned project %+v", p)
			}
			only := allResps(t, db, office, sanlian.ResponsibilityFilter{Source: sanlian.RespProject})
			if len(only) != 2 {
				t.Errorf("source filter: %v", respKeys(only))
			}
			if got := allResps(t, db, office, sanlian.ResponsibilityFilter{Entered: true}); len(got) != 0 {
				t.Errorf("entered only: %v", respKeys(got))
			}
		})
	})
}

// TestResponsibilityService_Paging walks a unit's list and the county's
// two lines a page: every line comes once, in (deadline, source, id)
// order, entered and derived lines of one deadline included.
func TestResponsibilityService_Paging(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		office := users["office"]
		var problems []*sanlian.Problem
		for i := range 4 {
			p := newProblem(t, db, users["cadre"], fmt.Sprintf("第%d组路灯不亮", i+1))
			problems = append(problems, act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1}))
		}
		due := problems[0].ResolveDue.Add(-time.Second).In(sanlian.Shanghai).Format("2006-01-02") // 2021-05-31
		for i, d := range []string{"2021-05-20", due, due, "2021-06-15", due, "2021-05-20", "2021-07-01"} {
			mustResp(t, db, office, respIn(fmt.Sprintf("责任事项%d", i+1), d))
		}
		rawProject(t, db, 1, 2, 6, "适老化改造", due, sanlian.ProjectOngoing, 100, 10, "户", 10)
		rawProject(t, db, 1, 2, 6, "送医下乡", "2021-05-20", sanlian.ProjectOngoing, 0, 0, "", 50)
		rawProject(t, db, 4, 5, 5, "梅城镇饮水工程", due, sanlian.ProjectOngoing, 0, 0, "", 5)
		for _, f := range []sanlian.ResponsibilityFilter{{UnitID: 1}, {}} {
			f.Limit = 500
			whole := allResps(t, db, office, f)
			if want := 13 + map[bool]int{true: 0, false: 1}[f.UnitID != 0]; len(whole) != want {
				t.Fatalf("unit %d: %d lines, want %d", f.UnitID, len(whole), want)
			}
			kind := map[string]int{"r": 0, "problem:": 1, "project:": 2}
			order := func(r *sanlian.Responsibility) (string, int) {
				for p, k := range kind {
					if strings.HasPrefix(r.Key, p) {
						return r.Deadline, k
					}
				}
				return r.Deadline, -1
			}
			for i := 1; i < len(whole); i++ {
				d0, k0 := order(whole[i-1])
				d1, k1 := order(whole[i])
				if d0 > d1 || d0 == d1 && k0 > k1 {
					t.Errorf("line %d %s (%s) before %s (%s)", i, whole[i-1].Key, d0, whole[i].Key, d1)
				}
			}
			for _, limit := range []int{1, 2, 3} {
				f.Limit = limit
				got := allResps(t, db, office, f)
				if !slices.Equal(respKeys(got), respKeys(whole)) {
					t.Errorf("unit %d, %d a page:\n got %v\nwant %v", f.UnitID, limit, respKeys(got), respKeys(whole))
				}
			}
		}
		t.Run("BadCursor", func(t *testing.T) {
			for _, c := range []string{"!!", "azpx", "k:2021-05-31|1|x"} {
				_, _, err := db.Lists.FindResponsibilities(sqldbtest.As(office), sanlian.ResponsibilityFilter{Cursor: c})
				MustCode(t, err, sanlian.EINVALID)
			}
			_, _, err := db.Lists.FindResponsibilities(sqldbtest.As(office), sanlian.ResponsibilityFilter{State: "finished", Source: "x"})
			MustCode(t, err, sanlian.EINVALID)
		})
	})
}

// TestResponsibilityService_Scope: who sees which lines, and a cadre's
// lines as leader or person.
func TestResponsibilityService_Scope(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		office := users["office"]
		entered := map[string]*sanlian.Responsibility{}
		enter := func(name string, unit, leader, person int64) {
			in := respIn("事项"+name, "2021-06-30")
			in.UnitID, in.LeaderID, in.PersonID = unit, leader, person
			entered[name] = mustResp(t, db, office, in)
		}
		enter("民政局", 1, 2, 6)                              // unit 1, led by 李明 (cadre 2)
		enter("救助股", 2, 0, 3)                              // unit 2, a sub-unit of 1
		enter("东坪镇", 3, 0, 4)                              // unit 3, the township of 东坪镇
		enter("梅城镇", 4, 0, 5)                              // unit 4, in 梅城镇, no link to the leader
		enter("梅城镇县领导督办", 4, 1, 5)                         // unit 4, led by the county leader (cadre 1)
		enter("政府办", 5, 0, 2)                              // unit 5, 李明 is the person
		enter("民政局同一人", 1, 2, 2)                           // 李明 both leader and person
		pd := newProblem(t, db, users["cadre"], "东坪镇村道塌方") // village A, 东坪镇
		pd = act(t, db, office, pd, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 4, PersonID: 5})
		pm, err := db.Problems.CreateProblem(sqldbtest.As(office), &sanlian.ProblemInput{Category: "housing", VillageCode: sqldbtest.VillageC,
			Title: "梅城镇危房改造", Description: "危房改造补助未到位"})
		MustOK(t, err)
		pm = act(t, db, office, pm, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 6})
		proj := rawProject(t, db, 4, 5, 5, "梅城镇饮水工程", "2021-10-31", sanlian.ProjectOngoing, 0, 0, "", 5)

		key := func(name string) string { return fmt.Sprintf("r%d", entered[name].ID) }
		pdk, pmk, projk := fmt.Sprintf("problem:%d", pd.ID), fmt.Sprintf("problem:%d", pm.ID), fmt.Sprintf("project:%d", proj)
		all := []string{key("民政局"), key("救助股"), key("东坪镇"), key("梅城镇"), key("梅城镇县领导督办"), key("政府办"), key("民政局同一人"), pdk, pmk, projk}
		want := map[string][]string{
			"office": all,
			// Units 1 and 2.
			"unitadmin": {key("民政局"), key("救助股"), key("民政局同一人"), pmk},
			// Unit 1's lines, and those 李明 leads or answers for.
			"cadre": {key("民政局"), key("政府办"), key("民政局同一人"), pmk},
			// Unit 4's lines.
			"cadre5": {key("梅城镇"), key("梅城镇县领导督办"), pdk, projk},
			// 东坪镇: its government (unit 3), unit 1 linked to its village A,
			// problems there; and the line the leader leads.
			"leader": {key("民政局"), key("东坪镇"), key("梅城镇县领导督办"), key("民政局同一人"), pdk},
		}
		for name, keys := range want {
			got := respKeys(allResps(t, db, users[name], sanlian.ResponsibilityFilter{Limit: 3}))
			slices.Sort(got)
			keys = slices.Clone(keys)
			slices.Sort(keys)
			if !slices.Equal(got, keys) {
				t.Errorf("%s sees %v, want %v", name, got, keys)
			}
		}
		for _, name := range []string{"sysadmin", "auditor"} {
			_, _, err := db.Lists.FindResponsibilities(sqldbtest.As(users[name]), sanlian.ResponsibilityFilter{})
			MustCode(t, err, sanlian.EFORBIDDEN)
		}
		_, err = db.Lists.FindResponsibilityByID(sqldbtest.As(users["cadre5"]), entered["民政局"].ID)
		MustCode(t, err, sanlian.ENOTFOUND)
		if _, err := db.Lists.FindResponsibilityByID(sqldbtest.As(users["leader"]), entered["梅城镇县领导督办"].ID); err != nil {
			t.Errorf("the leader's own line: %v", err)
		}

		t.Run("PersonFilter", func(t *testing.T) {
			// 李明 (cadre 2): heads unit 1, so leads its problems; leads or
			// answers for three entered lines, the one with both roles once.
			got := respKeys(allResps(t, db, office, sanlian.ResponsibilityFilter{PersonID: 2, Limit: 2}))
			slices.Sort(got)
			w := []string{key("民政局"), key("政府办"), key("民政局同一人"), pmk}
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("person 2: %v, want %v", got, w)
			}
			// 陈刚 (cadre 5): person of the 梅城镇 lines, the problem and the project.
			got = respKeys(allResps(t, db, office, sanlian.ResponsibilityFilter{PersonID: 5}))
			slices.Sort(got)
			w = []string{key("梅城镇"), key("梅城镇县领导督办"), pdk, projk}
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("person 5: %v, want %v", got, w)
			}
			// A filter narrows the scope, never widens it.
			got = respKeys(allResps(t, db, users["cadre5"], sanlian.ResponsibilityFilter{PersonID: 2}))
			if len(got) != 0 {
				t.Errorf("cadre5 filtering on person 2: %v", got)
			}
		})
	})
}

// TestResponsibilityService_Overdue: a line is overdue once the day after
// its deadline begins in Asia/Shanghai, on the database's clock, until done.
func TestResponsibilityService_Overdue(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		office := users["office"]
		early := mustResp(t, db, office, respIn("清理低保档案", "2021-05-20"))
		late := mustResp(t, db, office, respIn("核查高龄津贴", "2021-06-30"))
		doneIn := respIn("发放慰问金", "2021-05-12")
		doneIn.State, doneIn.CompletionNote = sanlian.RespDone, "已发放 86 户"
		done := mustResp(t, db, office, doneIn)
		p := newProblem(t, db, users["cadre"], "敬老院屋顶漏雨")
		p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1}) // due 2021-05-31
		proj := rawProject(t, db, 1, 2, 6, "老年食堂", "2021-05-25", sanlian.ProjectOngoing, 0, 0, "", 60)

		overdue := func() []string {
			rs, _, err := db.Lists.FindResponsibilities(sqldbtest.As(office), sanlian.ResponsibilityFilter{Overdue: true})
			MustOK(t, err)
			for _, r := range rs {
				if !r.Overdue {
					t.Errorf("%s listed as overdue but not marked", r.Key)
				}
			}
			all, _, err := db.Lists.FindResponsibilities(sqldbtest.As(office), sanlian.ResponsibilityFilter{})
			MustOK(t, err)
			n := 0
			for _, r := range all {
				if r.Overdue {
					n++
				}
			}
			if n != len(rs) {
				t.Errorf("%d lines marked overdue, %d listed", n, len(rs))
			}
			return respKeys(rs)
		}
		ek, lk, pk, jk := fmt.Sprintf("r%d", early.ID), fmt.Sprintf("r%d", late.ID), fmt.Sprintf("problem:%d", p.ID), fmt.Sprintf("project:%d", proj)
		steps := []struct {
			at   string
			want []string
		}{
			{"2021-05-20 23:59", nil},                  // the last day of early
			{"2021-05-21 00:00", []string{ek}},         // the day after, in Shanghai
			{"2021-05-26 08:00", []string{ek, jk}},     // the project ended on the 25th
			{"2021-05-31 23:59", []string{ek, jk}},     // the problem's last day
			{"2021-06-01 00:00", []string{ek, jk, pk}}, // and the day after
			{"2021-07-01 00:00", []string{ek, jk, pk, lk}},
		}
		for _, s := range steps {
			clockAt(db, s.at)
			if got := overdue(); !slices.Equal(got, s.want) {
				t.Errorf("at %s overdue %v, want %v", s.at, got, s.want)
			}
		}
		if r, err := db.Lists.FindResponsibilityByID(sqldbtest.As(office), done.ID); err != nil || r.Overdue {
			t.Errorf("a done line is never overdue: %+v %v", r, err)
		}
		if r, err := db.Lists.FindResponsibilityByID(sqldbtest.As(office), early.ID); err != nil || !r.Overdue {
			t.Errorf("early by id: %+v %v", r, err)
		}
		// Done, it leaves the overdue list.
		in := respIn("清理低保档案", "2021-05-20")
		in.State, in.CompletionNote = sanlian.RespDone, "档案已清理归档"
		_, err := db.Lists.UpdateResponsibility(sqldbtest.As(office), early.ID, &in, early.Version)
		MustOK(t, err)
		p = act(t, db, users["unitadmin"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
		act(t, db, users["unitadmin"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "翻修屋顶", Result: "不再漏雨"})
		if got := overdue(); !slices.Equal(got, []string{jk, lk}) {
			t.Errorf("after done: overdue %v", got)
		}
		// Other states filter alike on every source.
		for st, n := range map[string]int{sanlian.RespDone: 3, sanlian.RespOngoing: 1, sanlian.RespPending: 1} {
			rs, _, err := db.Lists.FindResponsibilities(sqldbtest.As(office), sanlian.ResponsibilityFilter{State: st})
			MustOK(t, err)
			if len(rs) != n {
				t.Errorf("state %s: %v, want %d", st, respKeys(rs), n)
			}
		}
	})
}

// BenchmarkResponsibilityList reads the first page and the 20th of a
// unit's, a person's, a cadre's and the county's responsibility list (50
// lines a page) over the problem benchmarks' ledgers of 10,000 and
// 1,000,000 problems, with 20,000 entered lines and 2,000 projects beside
// them. Each source is read from its own index, so a page costs about the
// same at either size and at any depth:
//
//	BenchmarkResponsibilityList/{engine}/{10k,1m}/{list}/{page1,deep}
//	                                                 x-page1: deep ÷ page 1; x-10k: 1m ÷ 10k
//
// Run it with, for example,
//
//	go test ./sqldb -run '^$' -bench 'ResponsibilityList' -benchtime 20x
func BenchmarkResponsibilityList(b *testing.B) {
	for _, engine := range sqldbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for _, size := range []struct {
				name string
				n    int
			}{{"10k", 10_000}, {"1m", 1_000_000}} {
				b.Run(size.name, func(b *testing.B) {
					c := problemTable(b, engine, size.n)
					head := respTables(b, c)
					cadre := &sanlian.User{ID: 1 << 40, Username: "bench-cadre", Role: sanlian.RoleCadre, CadreID: 500}
					for _, q := range []struct {
						name string
						u    *sanlian.User
						f    sanlian.ResponsibilityFilter
					}{
						{"unit", c.office, sanlian.ResponsibilityFilter{UnitID: benchUnit}},
						{"person", c.office, sanlian.ResponsibilityFilter{PersonID: head}},
						{"cadre", cadre, sanlian.ResponsibilityFilter{}},
						{"county", c.office, sanlian.ResponsibilityFilter{}},
					} {
						b.Run(q.name, func(b *testing.B) {
							ctx, key := sqldbtest.As(q.u), engine+"/"+size.name+"/"+q.name
							f := q.f
							f.Limit = benchPageSize
							for _, depth := range []string{"page1", "deep"} {
								b.Run(depth, func(b *testing.B) {
									f := f
									if depth == "deep" {
										for range 19 {
											_, next, err := c.db.Lists.FindResponsibilities(ctx, f)
											if err != nil {
												b.Fatal(err)
											}
											if next == "" {
												break
											}
											f.Cursor = next
										}
									}
									for b.Loop() {
										rs, _, err := c.db.Lists.FindResponsibilities(ctx, f)
										if err != nil || len(rs) == 0 {
											b.Fatalf("%d lines, %v", len(rs), err)
										}
									}
									base := key + "/page1"
									if depth == "page1" {
										base = ""
									}
									reportRatio(b, key+"/"+depth, base, "x-page1")
									if v, ok := ratios.Load(engine + "/10k/" + q.name + "/" + depth); ok && size.name != "10k" {
										b.ReportMetric(nsPerOp(b)/v.(float64), "x-10k")
									}
								})
							}
						})
					}
				})
			}
		})
	}
}

// respTables adds, once per ledger, unit heads, 20,000 entered lines and
// 2,000 projects to c's database, and returns the head of benchUnit.
func respTables(b *testing.B, c *benchCounty) int64 {
	b.Helper()
	v, _ := respLoaded.LoadOrStore(c, &sync.Once{})
	raw := benchRaw(b, c.db, true)
	v.(*sync.Once).Do(func() {
		ex := func(q string, args ...any) {
			if _, err := raw.Exec(rebind(c.db, q), args...); err != nil {
				b.Fatal(err)
			}
		}
		ex(`UPDATE units SET head_cadre_id = (SELECT MIN(id) FROM cadres WHERE unit_id = units.id AND NOT is_leader)`)
		var units int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM units`).Scan(&units); err != nil {
			b.Fatal(err)
		}
		now := time.Now().UTC()
		start := time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC)
		const lines, projects = 20_000, 2_000
		for from := 0; from < lines; from += 500 {
			var vals []string
			var args []any
			for i := from; i < from+500; i++ {
				unit := int64(1 + i%units)
				vals = append(vals, "(?, ?, 'standalone', (SELECT head_cadre_id FROM units WHERE id = ?), ?, ?, ?, ?, ?)")
				args = append(args, unit, fmt.Sprintf("责任事项%d", i), unit, int64(24+(i*7)%7977),
					start.AddDate(0, 0, i%1400).Format("2006-01-02"), sanlian.RespStates[i%3], now, now)
			}
			ex(`INSERT INTO responsibilities (unit_id, task, source, leader_id, person_id, deadline, state, created_at, updated_at) VALUES `+
				strings.Join(vals, ", "), args...)
		}
		for i := range projects {
			ex(`INSERT INTO projects (unit_id, title, start_date, end_date, person_id, status, created_at, updated_at)
				VALUES (?, ?, '2021-01-04', ?, ?, 'ongoing', ?, ?)`,
				int64(1+i%units), fmt.Sprintf("项目%d", i), start.AddDate(0, 0, i%1400).Format("2006-01-02"), int64(24+(i*13)%7977), now, now)
		}
		ex(`ANALYZE`)
	})
	var head int64
	if err := raw.QueryRow(rebind(c.db, `SELECT head_cadre_id FROM units WHERE id = ?`), benchUnit).Scan(&head); err != nil {
		b.Fatal(err)
	}
	return head
}

var respLoaded sync.Map // *benchCounty → *sync.Once
