package sqldb_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// projectIn is a valid project of unit 1 (县民政局) to vary.
func projectIn(title string) sanlian.ProjectInput {
	return sanlian.ProjectInput{UnitID: 1, Title: title, Category: "social_health", Description: "为困难群众送去轮椅和助听器",
		Target: 320, Measure: "台", Beneficiaries: "持证残疾人", StartDate: "2021-05-01", EndDate: "2021-12-31", LeaderID: 2, PersonID: 6}
}

func mustProject(t *testing.T, db *sqldb.DB, u *sanlian.User, in sanlian.ProjectInput) *sanlian.Project {
	t.Helper()
	p, err := db.Lists.CreateProject(sqldbtest.As(u), &in)
	if err != nil {
		t.Fatalf("create %q: %v %v", in.Title, err, sanlian.ErrorFields(err))
	}
	return p
}

// progress records an entry on p at the version it has now, as u.
func progress(t *testing.T, db *sqldb.DB, u *sanlian.User, id int64, date string, qty int64, percent *int) *sanlian.Project {
	t.Helper()
	cur, err := db.Lists.FindProjectByID(sqldbtest.As(u), id)
	MustOK(t, err)
	p, _, err := db.Lists.AddProgress(sqldbtest.As(u), id, &sanlian.ProgressInput{Date: date, Quantity: qty, Percent: percent,
		Note: "本月进展：入户发放并登记", Version: cur.Version})
	if err != nil {
		t.Fatalf("progress on %d: %v %v", id, err, sanlian.ErrorFields(err))
	}
	return p
}

func findProject(t *testing.T, db *sqldb.DB, u *sanlian.User, id int64) *sanlian.Project {
	t.Helper()
	p, err := db.Lists.FindProjectByID(sqldbtest.As(u), id)
	MustOK(t, err)
	return p
}

func TestProjectService_CreateUpdate(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-20 10:00")
		office := users["office"]
		var p *sanlian.Project
		t.Run("Create", func(t *testing.T) {
			p = mustProject(t, db, office, projectIn("残疾人辅具适配"))
			if p.ID == 0 || p.Version != 1 || p.Status != sanlian.ProjectPlanned || p.Weight != 1 || p.Rollup != sanlian.RollupAverage ||
				p.UnitName != "县民政局" || p.LeaderName != "李明" || p.PersonName != "赵丽" || p.CategoryName != "社保医疗" ||
				p.Progress != 0 || p.Done != 0 || p.Children != 0 || p.CreatedBy != users["office"].ID {
				t.Fatalf("created %+v", p)
			}
			e := MustLastAudit(t, db, users)
			if e.Action != "create" || e.Entity != "project" || e.EntityID != fmtSprint(p.ID) || auditChanges(t, e)["title"][1] != "残疾人辅具适配" {
				t.Errorf("audit %+v", e)
			}
			// A unit admin's project goes to its own unit when none is named.
			in := projectIn("低保对象动态核查")
			in.UnitID = 0
			q := mustProject(t, db, users["unitadmin"], in)
			if q.UnitID != 1 {
				t.Errorf("unit admin's project in unit %d", q.UnitID)
			}
			in = projectIn("社会救助股入户核查")
			in.UnitID, in.LeaderID, in.PersonID = 2, 3, 3 // a sub-unit and its cadre
			mustProject(t, db, users["unitadmin"], in)
			// A county leader may answer for a project as its leader.
			in = projectIn("县领导督办项目")
			in.LeaderID = 1
			mustProject(t, db, office, in)
		})
		t.Run("Forbidden", func(t *testing.T) {
			in := projectIn("东坪镇项目")
			in.UnitID, in.LeaderID, in.PersonID = 3, 4, 4
			_, err := db.Lists.CreateProject(sqldbtest.As(users["unitadmin"]), &in)
			MustCode(t, err, sanlian.EFORBIDDEN)
			for _, name := range []string{"cadre", "leader", "sysadmin", "auditor"} {
				in := projectIn("无权登记")
				_, err := db.Lists.CreateProject(sqldbtest.As(users[name]), &in)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			in = projectIn("改名")
			_, err = db.Lists.UpdateProject(sqldbtest.As(users["cadre"]), p.ID, &in, p.Version)
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
		t.Run("BadInput", func(t *testing.T) {
			long := func(n int) string { return strings.Repeat("长", n) }
			for field, mod := range map[string]func(*sanlian.ProjectInput){
				"title":         func(in *sanlian.ProjectInput) { in.Title = "  " },
				"description":   func(in *sanlian.ProjectInput) { in.Description = long(5001) },
				"target":        func(in *sanlian.ProjectInput) { in.Target = -1 },
				"measure":       func(in *sanlian.ProjectInput) { in.Measure = "" },
				"beneficiaries": func(in *sanlian.ProjectInput) { in.Beneficiaries = long(501) },
				"start_date":    func(in *sanlian.ProjectInput) { in.StartDate = "2021-13-01" },
				"end_date":      func(in *sanlian.ProjectInput) { in.EndDate = "2021-04-30" },
				"status":        func(in *sanlian.ProjectInput) { in.Status = "closed" },
				"weight":        func(in *sanlian.ProjectInput) { in.Weight = 101 },
				"rollup":        func(in *sanlian.ProjectInput) { in.Rollup = "sum" },
				"parent_id":     func(in *sanlian.ProjectInput) { in.ParentID = 999 },
				"unit_id":       func(in *sanlian.ProjectInput) { in.UnitID = 999 },
				"leader_id":     func(in *sanlian.ProjectInput) { in.LeaderID = 4 }, // 东坪镇's cadre
				"person_id":     func(in *sanlian.ProjectInput) { in.PersonID = 1 }, // a county leader is no person of unit 1
				"category":      func(in *sanlian.ProjectInput) { in.Category = "nosuch" },
			} {
				in := projectIn("有误的项目")
				mod(&in)
				_, err := db.Lists.CreateProject(sqldbtest.As(office), &in)
				MustField(t, err, field)
				if msg := sanlian.ErrorFields(err)[field]; !hasHanText(msg) {
					t.Errorf("%s: message %q is not Chinese", field, msg)
				}
			}
			in := projectIn("没有单位")
			in.UnitID = 0
			_, err := db.Lists.CreateProject(sqldbtest.As(office), &in)
			MustField(t, err, "unit_id")
			for _, id := range []int64{998, 999} {
				in := projectIn("不存在的干部")
				in.LeaderID, in.PersonID = id, id
				_, err := db.Lists.CreateProject(sqldbtest.As(office), &in)
				if f := sanlian.ErrorFields(err); f["leader_id"] == "" || f["person_id"] == "" {
					t.Errorf("unknown cadres: %v", f)
				}
			}
		})
		t.Run("Update", func(t *testing.T) {
			in := projectIn("残疾人辅具适配（轮椅）")
			in.Target, in.Status = 300, sanlian.ProjectOngoing
			u, err := db.Lists.UpdateProject(sqldbtest.As(users["unitadmin"]), p.ID, &in, p.Version)
			MustOK(t, err)
			if u.Version != 2 || u.Title != "残疾人辅具适配（轮椅）" || u.Target != 300 || u.Status != sanlian.ProjectOngoing {
				t.Fatalf("updated %+v", u)
			}
			ch := auditChanges(t, MustLastAudit(t, db, users))
			if ch["target"] != [2]any{float64(320), float64(300)} || ch["status"][1] != "ongoing" || len(ch) != 3 {
				t.Errorf("audit changes %v", ch)
			}
			_, err = db.Lists.UpdateProject(sqldbtest.As(office), p.ID, &in, 1)
			MustCode(t, err, sanlian.ECONFLICT)
			if !strings.Contains(sanlian.ErrorMessage(err), "刷新") {
				t.Errorf("stale message %q", sanlian.ErrorMessage(err))
			}
			_, err = db.Lists.UpdateProject(sqldbtest.As(office), 9999, &in, 1)
			MustCode(t, err, sanlian.ENOTFOUND)
			// Out of the unit admin's units, as if absent.
			other := projectIn("梅城镇项目")
			other.UnitID, other.LeaderID, other.PersonID = 4, 5, 5
			q := mustProject(t, db, office, other)
			_, err = db.Lists.UpdateProject(sqldbtest.As(users["unitadmin"]), q.ID, &other, q.Version)
			MustCode(t, err, sanlian.ENOTFOUND)
			// Moving its own project out of its units is refused.
			in.UnitID, in.LeaderID, in.PersonID = 4, 0, 0
			_, err = db.Lists.UpdateProject(sqldbtest.As(users["unitadmin"]), p.ID, &in, 2)
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
		t.Run("Parents", func(t *testing.T) {
			top := mustProject(t, db, office, projectIn("轮椅发放"))
			in := projectIn("东坪片区轮椅发放")
			in.ParentID = top.ID
			mid := mustProject(t, db, office, in)
			in = projectIn("黄沙坪村轮椅发放")
			in.ParentID = mid.ID
			leaf := mustProject(t, db, office, in)
			if leaf.ParentTitle != "东坪片区轮椅发放" || findProject(t, db, office, top.ID).Children != 1 {
				t.Errorf("leaf %+v", leaf)
			}
			in = projectIn("第四层")
			in.ParentID = leaf.ID
			_, err := db.Lists.CreateProject(sqldbtest.As(office), &in)
			MustField(t, err, "parent_id")
			// Not under itself, nor under its own sub-project.
			in = projectIn("轮椅发放")
			in.ParentID = top.ID
			_, err = db.Lists.UpdateProject(sqldbtest.As(office), top.ID, &in, top.Version)
			MustField(t, err, "parent_id")
			in.ParentID = leaf.ID
			top = findProject(t, db, office, top.ID)
			_, err = db.Lists.UpdateProject(sqldbtest.As(office), top.ID, &in, top.Version)
			MustField(t, err, "parent_id")
			// A parent of another unit is refused.
			other := projectIn("梅城镇轮椅发放")
			other.UnitID, other.LeaderID, other.PersonID, other.ParentID = 4, 5, 5, top.ID
			_, err = db.Lists.CreateProject(sqldbtest.As(office), &other)
			MustField(t, err, "parent_id")
			// A two-level subtree cannot go under a second-level project.
			in = projectIn("另一个项目")
			x := mustProject(t, db, office, in)
			in = projectIn("另一个项目的子项目")
			in.ParentID = x.ID
			mustProject(t, db, office, in)
			in = projectIn("另一个项目")
			in.ParentID = mid.ID
			x = findProject(t, db, office, x.ID)
			_, err = db.Lists.UpdateProject(sqldbtest.As(office), x.ID, &in, x.Version)
			MustField(t, err, "parent_id")
			// A parent keeps its unit while it has sub-projects.
			in = projectIn("另一个项目")
			in.UnitID, in.LeaderID, in.PersonID = 4, 5, 5
			_, err = db.Lists.UpdateProject(sqldbtest.As(office), x.ID, &in, x.Version)
			MustField(t, err, "unit_id")
		})
	})
}

func hasHanText(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestProjectService_Scope(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-20 10:00")
		office := users["office"]
		mk := func(title string, unit, leader, person int64) *sanlian.Project {
			in := projectIn(title)
			in.UnitID, in.LeaderID, in.PersonID = unit, leader, person
			return mustProject(t, db, office, in)
		}
		p1 := mk("民政局项目", 1, 2, 6)      // unit 1, linked to 黄沙坪村 in 东坪镇
		p2 := mk("社会救助股项目", 2, 3, 3)    // a sub-unit of unit 1
		p3 := mk("东坪镇项目", 3, 4, 4)      // the township government of 东坪镇
		p4 := mk("梅城镇项目", 4, 5, 5)      // 梅城镇
		p5 := mk("县政府办项目", 5, 0, 0)     // unit 5, no link to 东坪镇
		p6 := mk("县政府办督办项目", 5, 1, 0)   // the county leader answers for it
		p7 := mk("梅城镇干部负责的项目", 4, 0, 5) // cadre5's
		ids := func(ps []*sanlian.Project) []int64 {
			out := []int64{}
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		want := map[string][]int64{
			"office":    {p1.ID, p2.ID, p3.ID, p4.ID, p5.ID, p6.ID, p7.ID},
			"unitadmin": {p1.ID, p2.ID},
			"cadre":     {p1.ID}, // 李明 of unit 1
			"cadre5":    {p4.ID, p7.ID},
			"leader":    {p1.ID, p3.ID, p6.ID},
		}
		for name, w := range want {
			ps, _, err := db.Lists.FindProjects(sqldbtest.As(users[name]), sanlian.ProjectFilter{})
			MustOK(t, err)
			if !equalIDs(ids(ps), w) {
				t.Errorf("%s sees %v, want %v", name, ids(ps), w)
			}
		}
		for _, name := range []string{"sysadmin", "auditor"} {
			_, _, err := db.Lists.FindProjects(sqldbtest.As(users[name]), sanlian.ProjectFilter{})
			MustCode(t, err, sanlian.EFORBIDDEN)
			_, err = db.Lists.FindProjectByID(sqldbtest.As(users[name]), p1.ID)
			MustCode(t, err, sanlian.EFORBIDDEN)
		}
		_, err := db.Lists.FindProjectByID(sqldbtest.As(users["unitadmin"]), p3.ID)
		MustCode(t, err, sanlian.ENOTFOUND)
		_, err = db.Lists.FindProjectByID(sqldbtest.As(users["leader"]), p4.ID)
		MustCode(t, err, sanlian.ENOTFOUND)
		_, err = db.Lists.FindProgress(sqldbtest.As(users["cadre5"]), p1.ID)
		MustCode(t, err, sanlian.ENOTFOUND)

		// A cadre records progress only on what they answer for.
		_, _, err = db.Lists.AddProgress(sqldbtest.As(users["cadre"]), p1.ID, &sanlian.ProgressInput{Date: "2021-06-01", Quantity: 1, Note: "发放", Version: 1})
		MustOK(t, err)
		p9 := mk("民政局其他项目", 1, 6, 6)
		_, _, err = db.Lists.AddProgress(sqldbtest.As(users["cadre"]), p9.ID, &sanlian.ProgressInput{Date: "2021-06-01", Quantity: 1, Note: "发放", Version: 1})
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, _, err = db.Lists.AddProgress(sqldbtest.As(users["leader"]), p1.ID, &sanlian.ProgressInput{Date: "2021-06-01", Quantity: 1, Note: "发放", Version: 2})
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, _, err = db.Lists.AddProgress(sqldbtest.As(users["unitadmin"]), p2.ID, &sanlian.ProgressInput{Date: "2021-06-01", Quantity: 1, Note: "发放", Version: 1})
		MustOK(t, err)

		// Filters.
		for _, c := range []struct {
			f    sanlian.ProjectFilter
			want []int64
		}{
			{sanlian.ProjectFilter{UnitID: 5}, []int64{p5.ID, p6.ID}},
			{sanlian.ProjectFilter{PersonID: 5}, []int64{p4.ID, p7.ID}},
			{sanlian.ProjectFilter{Q: "梅城镇"}, []int64{p4.ID, p7.ID}},
			{sanlian.ProjectFilter{Q: "%"}, []int64{}},
			{sanlian.ProjectFilter{Status: sanlian.ProjectOngoing}, []int64{p1.ID, p2.ID}},
			{sanlian.ProjectFilter{Status: sanlian.ProjectPlanned, UnitID: 1}, []int64{p9.ID}},
		} {
			ps, _, err := db.Lists.FindProjects(sqldbtest.As(office), c.f)
			MustOK(t, err)
			if !equalIDs(ids(ps), c.want) {
				t.Errorf("filter %+v: %v, want %v", c.f, ids(ps), c.want)
			}
		}
		_, _, err = db.Lists.FindProjects(sqldbtest.As(office), sanlian.ProjectFilter{Status: "closed"})
		MustCode(t, err, sanlian.EINVALID)
		// Keyset pages.
		first, next, err := db.Lists.FindProjects(sqldbtest.As(office), sanlian.ProjectFilter{Limit: 5})
		MustOK(t, err)
		rest, last, err := db.Lists.FindProjects(sqldbtest.As(office), sanlian.ProjectFilter{Limit: 5, Cursor: next})
		MustOK(t, err)
		if len(first) != 5 || next == "" || len(rest) != 3 || last != "" || rest[0].ID != first[4].ID+1 {
			t.Errorf("pages: %v then %v (%q)", ids(first), ids(rest), last)
		}
	})
}

// TestProjectService_Rollup works a three-level tree by hand:
//
//	R  (weighted)                 = ⌊(1×61 + 3×25) / 4⌋ = 34; average: ⌊(61+25)/2⌋ = 43
//	├── A  weight 1 (average)     = ⌊(25 + 60 + 100) / 3⌋ = 61
//	│   ├── A1  50 of 200 人次      = 25
//	│   ├── A2  no target, 60 %    = 60
//	│   └── A3  15 of 10 台         = 100 (capped)
//	└── B  weight 3, 100 of 400 户 = 25 (its 90 % ignored: it has a target)
func TestProjectService_Rollup(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-20 10:00")
		office, admin := users["office"], users["unitadmin"]
		raw := MustRaw(t, db)
		mk := func(title string, parent int64, target int64, measure string, weight int, rollup string) *sanlian.Project {
			in := projectIn(title)
			in.ParentID, in.Target, in.Measure, in.Weight, in.Rollup = parent, target, measure, weight, rollup
			return mustProject(t, db, office, in)
		}
		r := mk("困难群众帮扶", 0, 0, "", 1, sanlian.RollupWeighted)
		a := mk("两癌筛查", r.ID, 0, "人次", 1, "")
		a1 := mk("东坪镇两癌筛查", a.ID, 200, "人次", 1, "")
		a2 := mk("筛查宣传", a.ID, 0, "", 1, "")
		a3 := mk("筛查设备", a.ID, 10, "台", 1, "")
		b := mk("入户走访", r.ID, 400, "户", 3, "")

		got := progress(t, db, admin, a1.ID, "2021-06-01", 20, nil)
		if got.Status != sanlian.ProjectOngoing || got.Progress != 10 || got.Done != 20 || got.LastProgress != "2021-06-01" || got.Version != 2 {
			t.Fatalf("A1 after its first entry: %+v", got)
		}
		if p := findProject(t, db, office, r.ID); p.Status != sanlian.ProjectOngoing || p.LastProgress != "2021-06-01" {
			t.Errorf("a planned ancestor starts with its first sub-project: %+v", p)
		}
		progress(t, db, admin, a1.ID, "2021-06-10", 30, nil)
		progress(t, db, admin, a2.ID, "2021-06-05", 0, ptr(40))
		progress(t, db, admin, a2.ID, "2021-06-12", 0, ptr(60))
		progress(t, db, admin, a2.ID, "2021-06-12", 0, nil) // a note without a percentage keeps 60
		progress(t, db, admin, a3.ID, "2021-06-15", 15, nil)
		progress(t, db, admin, b.ID, "2021-06-18", 100, ptr(90))

		check := func(label string, want map[*sanlian.Project]int) {
			t.Helper()
			for p, w := range want {
				if got := findProject(t, db, office, p.ID); got.Progress != w {
					t.Errorf("%s: %s at %d%%, want %d%%", label, got.Title, got.Progress, w)
				}
			}
		}
		check("weighted", map[*sanlian.Project]int{a1: 25, a2: 60, a3: 100, a: 61, b: 25, r: 34})
		if p := findProject(t, db, office, a.ID); p.Done != 50 || p.LastProgress != "2021-06-15" || p.Children != 3 {
			t.Errorf("A counts its 人次 sub-project only: %+v", p)
		}
		if p := findProject(t, db, office, a3.ID); p.Done != 15 {
			t.Errorf("A3 done %d", p.Done)
		}
		// Each ancestor that changed has a new version and an audit row.
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE entity = 'project' AND action = 'rollup' AND entity_id = '"+fmtSprint(r.ID)+"'"); n != 6 {
			t.Errorf("R has %d rollup audit rows, want 6", n)
		}
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE entity = 'project' AND action = 'progress'"); n != 7 {
			t.Errorf("%d progress audit rows, want 7", n)
		}
		e := MustLastAudit(t, db, users)
		if e.Action != "rollup" || e.EntityID != fmtSprint(r.ID) || auditChanges(t, e)["progress"] != [2]any{float64(15), float64(34)} {
			t.Errorf("last audit %+v %s", e, e.Changes)
		}

		// The same tree as a plain mean.
		in := projectIn("困难群众帮扶")
		in.Target, in.Measure, in.Rollup, in.Status = 0, "", sanlian.RollupAverage, sanlian.ProjectOngoing
		r = findProject(t, db, office, r.ID)
		_, err := db.Lists.UpdateProject(sqldbtest.As(office), r.ID, &in, r.Version)
		MustOK(t, err)
		check("average", map[*sanlian.Project]int{a: 61, b: 25, r: 43})

		// B done: 100 % whatever its quantity; back to ongoing, 25 again.
		setStatus := func(p *sanlian.Project, target int64, measure, status string, weight int) {
			t.Helper()
			cur := findProject(t, db, office, p.ID)
			in := projectIn(cur.Title)
			in.ParentID, in.Target, in.Measure, in.Status, in.Weight = cur.ParentID, target, measure, status, weight
			_, err := db.Lists.UpdateProject(sqldbtest.As(office), p.ID, &in, cur.Version)
			MustOK(t, err)
		}
		setStatus(b, 400, "户", sanlian.ProjectDone, 3)
		check("B done", map[*sanlian.Project]int{b: 100, r: 80})
		_, _, err = db.Lists.AddProgress(sqldbtest.As(office), b.ID, &sanlian.ProgressInput{Date: "2021-06-19", Quantity: 1, Note: "补录",
			Version: findProject(t, db, office, b.ID).Version})
		MustCode(t, err, sanlian.EUNPROCESSABLE)
		setStatus(b, 400, "户", sanlian.ProjectOngoing, 3)
		check("B ongoing", map[*sanlian.Project]int{b: 25, r: 43})
		setStatus(b, 400, "户", sanlian.ProjectSuspended, 3)
		_, _, err = db.Lists.AddProgress(sqldbtest.As(office), b.ID, &sanlian.ProgressInput{Date: "2021-06-19", Quantity: 1, Note: "补录",
			Version: findProject(t, db, office, b.ID).Version})
		MustCode(t, err, sanlian.EUNPROCESSABLE)

		// Progress beyond the target is capped at 100 and the rest counted.
		progress(t, db, admin, a1.ID, "2021-06-19", 500, nil)
		if p := findProject(t, db, office, a1.ID); p.Progress != 100 || p.Done != 550 {
			t.Errorf("A1 past its target: %+v", p)
		}
		check("A1 full", map[*sanlian.Project]int{a: 86, r: 55}) // ⌊(100+60+100)/3⌋; ⌊(86+25)/2⌋

		// A sub-project moved away leaves its old parent's rollup.
		in = projectIn("筛查宣传")
		in.Target, in.Measure, in.Status = 0, "", sanlian.ProjectOngoing
		cur := findProject(t, db, office, a2.ID)
		_, err = db.Lists.UpdateProject(sqldbtest.As(office), a2.ID, &in, cur.Version)
		MustOK(t, err)
		check("A2 moved to the top", map[*sanlian.Project]int{a: 100, a2: 60, r: 62})

		// Entries: not stale, not in the future, not before the start.
		cur = findProject(t, db, office, a1.ID)
		for field, in := range map[string]sanlian.ProgressInput{
			"date":     {Date: "2021-06-21", Note: "明天", Version: cur.Version},
			"note":     {Date: "2021-06-20", Note: " ", Version: cur.Version},
			"quantity": {Date: "2021-06-20", Quantity: -1, Note: "负数", Version: cur.Version},
			"percent":  {Date: "2021-06-20", Percent: ptr(101), Note: "超过", Version: cur.Version},
		} {
			_, _, err := db.Lists.AddProgress(sqldbtest.As(office), a1.ID, &in)
			MustField(t, err, field)
		}
		_, _, err = db.Lists.AddProgress(sqldbtest.As(office), a1.ID, &sanlian.ProgressInput{Date: "2021-04-30", Note: "开始前", Version: cur.Version})
		MustField(t, err, "date")
		_, _, err = db.Lists.AddProgress(sqldbtest.As(office), a1.ID, &sanlian.ProgressInput{Date: "2021-06-20", Note: "旧版本", Version: cur.Version - 1})
		MustCode(t, err, sanlian.ECONFLICT)

		es, err := db.Lists.FindProgress(sqldbtest.As(users["cadre"]), a2.ID)
		MustOK(t, err)
		if len(es) != 3 || es[0].Date != "2021-06-12" || es[0].Percent != -1 || es[1].Percent != 60 || es[2].Date != "2021-06-05" ||
			es[0].Creator != "unitadmin" || es[0].Note == "" {
			t.Errorf("entries newest first: %+v", es)
		}
	})
}

func TestProjectService_Due(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-20 10:00")
		office := users["office"]
		mk := func(title, start, end, status string) *sanlian.Project {
			in := projectIn(title)
			in.UnitID, in.LeaderID, in.PersonID, in.StartDate, in.EndDate, in.Status = 4, 5, 5, start, end, status
			return mustProject(t, db, office, in)
		}
		late := mk("已超期", "2021-05-01", "2021-06-19", sanlian.ProjectOngoing)
		dueToday := mk("今天到期", "2021-05-01", "2021-06-20", sanlian.ProjectPlanned)
		doneLate := mk("完成后到期", "2021-05-01", "2021-06-01", sanlian.ProjectDone)
		quiet := mk("无进展", "2021-05-21", "2021-12-31", sanlian.ProjectOngoing)
		recent := mk("近期有进展", "2021-05-01", "2021-12-31", sanlian.ProjectOngoing)
		old := mk("进展停滞", "2021-05-01", "2021-12-31", sanlian.ProjectOngoing)
		progress(t, db, office, recent.ID, "2021-05-22", 1, nil)
		progress(t, db, office, old.ID, "2021-05-21", 1, nil)
		mk("暂停且无进展", "2021-01-01", "2021-12-31", sanlian.ProjectSuspended)

		names := func(f sanlian.ProjectFilter) string {
			t.Helper()
			f.UnitID = 4
			ps, _, err := db.Lists.FindProjects(sqldbtest.As(office), f)
			MustOK(t, err)
			var out []string
			for _, p := range ps {
				out = append(out, p.Title)
			}
			return strings.Join(out, " ")
		}
		if got := names(sanlian.ProjectFilter{Overdue: true}); got != "已超期" {
			t.Errorf("overdue on 06-20: %s", got)
		}
		if got := names(sanlian.ProjectFilter{Stalled: true}); got != "已超期 无进展 进展停滞" {
			t.Errorf("stalled on 06-20: %s", got)
		}
		if p := findProject(t, db, office, late.ID); !p.Overdue || !p.Stalled {
			t.Errorf("late: %+v", p)
		}
		for _, p := range []*sanlian.Project{dueToday, doneLate, recent} {
			if got := findProject(t, db, office, p.ID); got.Overdue || got.Stalled {
				t.Errorf("%s: overdue %v, stalled %v", got.Title, got.Overdue, got.Stalled)
			}
		}
		ps, _, err := db.Lists.FindProjects(sqldbtest.As(office), sanlian.ProjectFilter{UnitID: 4})
		MustOK(t, err)
		for _, p := range ps {
			if (p.ID == quiet.ID || p.ID == old.ID) != (p.Stalled && !p.Overdue) {
				t.Errorf("listed %s: overdue %v, stalled %v", p.Title, p.Overdue, p.Stalled)
			}
		}
		clockAt(db, "2021-06-21 08:00")
		if got := names(sanlian.ProjectFilter{Overdue: true}); got != "已超期 今天到期" {
			t.Errorf("overdue on 06-21: %s", got)
		}
		if got := names(sanlian.ProjectFilter{Stalled: true, Overdue: true}); got != "已超期" {
			t.Errorf("stalled and overdue on 06-21: %s", got)
		}
		if got := names(sanlian.ProjectFilter{Stalled: true}); got != "已超期 无进展 近期有进展 进展停滞" {
			t.Errorf("stalled on 06-21: %s", got)
		}
	})
}

func TestProjectService_Evidence(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-20 10:00")
		office, cadre := users["office"], users["cadre"]
		p := mustProject(t, db, office, projectIn("轮椅发放"))
		_, e, err := db.Lists.AddProgress(sqldbtest.As(cadre), p.ID, &sanlian.ProgressInput{Date: "2021-06-18", Quantity: 12, Note: "发放轮椅 12 台", Version: 1})
		MustOK(t, err)
		photo := testPNG(t, 300, 200)
		a, err := db.Lists.AddProgressEvidence(sqldbtest.As(cadre), e.ID, "发放现场.png", bytes.NewReader(photo), 1<<20)
		MustOK(t, err)
		if a.Kind != sanlian.AttachEvidence || a.ProgressID != e.ID || a.ProblemID != 0 || !a.HasThumb || a.ContentType != "image/png" {
			t.Fatalf("evidence %+v", a)
		}
		if au := MustLastAudit(t, db, users); au.Entity != "attachment" || auditChanges(t, au)["progress_id"][1] != float64(e.ID) {
			t.Errorf("audit %+v", au)
		}
		pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
		_, err = db.Lists.AddProgressEvidence(sqldbtest.As(users["unitadmin"]), e.ID, "签收表.pdf", bytes.NewReader(pdf), 1<<20)
		MustOK(t, err)

		_, err = db.Lists.AddProgressEvidence(sqldbtest.As(cadre), e.ID, "名单.html", strings.NewReader("<html><script>alert(1)</script></html>"), 1<<20)
		MustCode(t, err, sanlian.EUNPROCESSABLE)
		_, err = db.Lists.AddProgressEvidence(sqldbtest.As(cadre), e.ID, "photo.jpg", bytes.NewReader(append([]byte("MZ\x90\x00\x03"), make([]byte, 64)...)), 1<<20)
		MustCode(t, err, sanlian.EUNPROCESSABLE)
		_, err = db.Lists.AddProgressEvidence(sqldbtest.As(cadre), e.ID, "大图.png", bytes.NewReader(photo), int64(len(photo)-1))
		MustCode(t, err, sanlian.ETOOLARGE)
		_, err = db.Lists.AddProgressEvidence(sqldbtest.As(users["cadre5"]), e.ID, "x.png", bytes.NewReader(photo), 1<<20)
		MustCode(t, err, sanlian.ENOTFOUND)
		_, err = db.Lists.AddProgressEvidence(sqldbtest.As(users["leader"]), e.ID, "x.png", bytes.NewReader(photo), 1<<20)
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, err = db.Lists.AddProgressEvidence(sqldbtest.As(office), 9999, "x.png", bytes.NewReader(photo), 1<<20)
		MustCode(t, err, sanlian.ENOTFOUND)

		es, err := db.Lists.FindProgress(sqldbtest.As(users["leader"]), p.ID)
		MustOK(t, err)
		if len(es) != 1 || len(es[0].Evidence) != 2 || es[0].Evidence[0].Filename != "发放现场.png" || es[0].Evidence[1].ContentType != "application/pdf" {
			t.Fatalf("entries %+v", es)
		}
		// Readable by whoever reads the project.
		got, data, err := openAttachment(db, sqldbtest.As(users["leader"]), a.ID, false)
		MustOK(t, err)
		if got.ProgressID != e.ID || !bytes.Equal(data, photo) {
			t.Errorf("opened %+v, %d bytes", got, len(data))
		}
		_, thumb, err := openAttachment(db, sqldbtest.As(cadre), a.ID, true)
		MustOK(t, err)
		if len(thumb) == 0 {
			t.Error("no thumbnail")
		}
		_, _, err = openAttachment(db, sqldbtest.As(users["cadre5"]), a.ID, false)
		MustCode(t, err, sanlian.ENOTFOUND)
		_, _, err = openAttachment(db, sqldbtest.As(users["sysadmin"]), a.ID, false)
		if code := sanlian.ErrorCode(err); code != sanlian.ENOTFOUND && code != sanlian.EFORBIDDEN {
			t.Errorf("sysadmin opens evidence: %v", err)
		}
	})
}

// TestProjectService_ConcurrentRollup records progress on four sibling
// projects at once: their parent ends with every entry counted.
func TestProjectService_ConcurrentRollup(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-06-20 10:00")
		office := users["office"]
		in := projectIn("轮椅发放")
		in.Target, in.Measure = 400, "台"
		top := mustProject(t, db, office, in)
		var leaves []*sanlian.Project
		for i := range 4 {
			in := projectIn(fmt.Sprintf("第 %d 片区轮椅发放", i+1))
			in.ParentID, in.Target, in.Measure = top.ID, 100, "台"
			leaves = append(leaves, mustProject(t, db, office, in))
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(leaves))
		for _, leaf := range leaves {
			wg.Add(1)
			go func() {
				defer wg.Done()
				version := leaf.Version
				for range 10 {
					p, _, err := db.Lists.AddProgress(sqldbtest.As(office), leaf.ID, &sanlian.ProgressInput{Date: "2021-06-20", Quantity: 10,
						Note: "发放轮椅 10 台", Version: version})
					if err != nil {
						errs <- err
						return
					}
					version = p.Version
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if p := findProject(t, db, office, top.ID); p.Done != 400 || p.Progress != 100 {
			t.Errorf("parent after concurrent entries: done %d, progress %d", p.Done, p.Progress)
		}
	})
}
