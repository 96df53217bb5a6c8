package sqldb_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// handled enters a problem, assigns it to unit on the clock's day and
// takes it through accept, resolve and a callback an hour apart each.
func handled(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, at string, unit int64, solved, satisfaction string) *sanlian.Problem {
	t.Helper()
	office := users["office"]
	admin := unitAdminOf(users, unit)
	day, err := time.ParseInLocation("2006-01-02 15:04", at, sanlian.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	step := func(h int) { db.Now = func() time.Time { return day.Add(time.Duration(h) * time.Hour) } }
	step(0)
	p := newProblem(t, db, office, "道路破损需要修补")
	p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: unit})
	step(1)
	p = act(t, db, admin, p, sanlian.ActionAccept, sanlian.ActionRequest{})
	step(2)
	p = act(t, db, admin, p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "修补路面", Result: "已修好"})
	step(3)
	return act(t, db, office, p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: solved, Satisfaction: satisfaction})
}

// unitAdminOf is an admin of unit: SmallCounty's unit admin moved there.
func unitAdminOf(users map[string]*sanlian.User, unit int64) *sanlian.User {
	u := *users["unitadmin"]
	u.UnitID = unit
	return &u
}

func unitIDs(us []sanlian.BulletinUnit) []int64 {
	out := []int64{}
	for _, u := range us {
		out = append(out, u.UnitID)
	}
	return out
}

func bulletinRow(b *sanlian.Bulletin, unit int64) sanlian.BulletinRow {
	for _, r := range b.Content.Units {
		if r.UnitID == unit {
			return r
		}
	}
	return sanlian.BulletinRow{}
}

// TestBulletinService_Periods: a bulletin is for a half month that parses.
func TestBulletinService_Periods(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		for _, id := range []string{"2021-13-H3", "2021-13-H1", "2021-5-H1", ""} {
			_, err := db.Reports.GenerateBulletin(office, id)
			MustCode(t, err, sanlian.EINVALID)
			if !strings.Contains(sanlian.ErrorMessage(err), "期间") {
				t.Errorf("%q: message %q", id, sanlian.ErrorMessage(err))
			}
		}
		_, err := db.Reports.GenerateBulletin(office, "2021-05")
		MustCode(t, err, sanlian.EINVALID)
		if !strings.Contains(sanlian.ErrorMessage(err), "通报按半月编制") {
			t.Errorf("month period: %q", sanlian.ErrorMessage(err))
		}
		_, err = db.Reports.FindBulletin(office, "2021-05-H1")
		MustCode(t, err, sanlian.ENOTFOUND)
		clockAt(db, "2021-05-10 09:00")
		_, err = db.Reports.GenerateBulletin(office, "2021-05-H2")
		MustCode(t, err, sanlian.EINVALID)
		if !strings.Contains(sanlian.ErrorMessage(err), "2021年5月下半月尚未开始") {
			t.Errorf("future period: %q", sanlian.ErrorMessage(err))
		}
		_, err = db.Reports.SaveBulletin(office, "2021-05-H2", "", nil, 0)
		MustCode(t, err, sanlian.EINVALID)
		for _, who := range []string{"leader", "unitadmin", "cadre"} {
			_, err = db.Reports.GenerateBulletin(sqldbtest.As(users[who]), "2021-05-H1")
			MustCode(t, err, sanlian.EFORBIDDEN)
		}
	})
}

// TestBulletinService_Workflow: from a half month's ledger to a published,
// numbered and frozen bulletin, the self-criticisms it asks for, and the
// next bulletin naming the one handed in late.
func TestBulletinService_Workflow(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		u := users["office"]
		office := sqldbtest.As(u)
		// 东坪镇 (3): five handled well; 县民政局 (1): one solved badly.
		for i := 0; i < 5; i++ {
			handled(t, db, users, "2021-05-06 09:00", 3, "yes", "satisfied")
		}
		handled(t, db, users, "2021-05-07 09:00", 1, "no", "unsatisfied")

		clockAt(db, "2021-05-14 09:00")
		d, err := db.Reports.GenerateBulletin(office, "2021-05-H1")
		MustOK(t, err)
		if d.State != sanlian.BulletinDraft || d.Number != 0 || d.Version != 1 {
			t.Fatalf("draft: %+v", d)
		}
		if got := unitIDs(d.Content.Commended); len(got) != 1 || got[0] != 3 {
			t.Errorf("commended %v, want [3]", got)
		}
		if got := unitIDs(d.Content.Criticised); len(got) != 1 || got[0] != 1 {
			t.Errorf("criticised %v, want [1]", got)
		}
		if o := d.Content.Overview; o.Collected != 6 || o.Assigned != 6 || o.Resolved != 6 || o.Callbacks != 6 {
			t.Errorf("overview %+v", o)
		}
		// Others see no draft.
		_, err = db.Reports.FindBulletin(sqldbtest.As(users["cadre"]), "2021-05-H1")
		MustCode(t, err, sanlian.ENOTFOUND)
		if bs, _ := db.Reports.FindBulletins(sqldbtest.As(users["leader"])); len(bs) != 0 {
			t.Errorf("leader sees %d drafts", len(bs))
		}
		// The period has not ended.
		_, err = db.Reports.PublishBulletin(office, "2021-05-H1", d.Version)
		MustCode(t, err, sanlian.ECONFLICT)

		// Overrides need a reason and a unit that exists.
		_, err = db.Reports.SaveBulletin(office, "2021-05-H1", "总体平稳", []sanlian.BulletinOverride{{UnitID: 4, Action: sanlian.OverrideCriticise}}, d.Version)
		MustField(t, err, "overrides[0].reason")
		_, err = db.Reports.SaveBulletin(office, "2021-05-H1", "", []sanlian.BulletinOverride{{UnitID: 999, Action: sanlian.OverrideCommend, Reason: "好"}}, d.Version)
		MustField(t, err, "overrides[0].unit_id")
		_, err = db.Reports.SaveBulletin(office, "2021-05-H1", "", []sanlian.BulletinOverride{{UnitID: 4, Action: "praise", Reason: "好"}}, d.Version)
		MustField(t, err, "overrides[0].action")
		_, err = db.Reports.SaveBulletin(sqldbtest.As(users["unitadmin"]), "2021-05-H1", "", nil, d.Version)
		MustCode(t, err, sanlian.EFORBIDDEN)
		ov := []sanlian.BulletinOverride{{UnitID: 4, Action: sanlian.OverrideCriticise, Reason: "群众来信反映推诿扯皮，经核实属实"}}
		d, err = db.Reports.SaveBulletin(office, "2021-05-H1", "各单位要对照问题抓好整改。", ov, d.Version)
		MustOK(t, err)
		if d.Version != 2 || d.Commentary != "各单位要对照问题抓好整改。" || len(d.Overrides) != 1 {
			t.Fatalf("saved: %+v", d)
		}
		if got := unitIDs(d.Content.Criticised); len(got) != 2 || got[1] != 4 || !d.Content.Criticised[1].Override ||
			d.Content.Criticised[1].Reason != ov[0].Reason {
			t.Errorf("criticised after override %+v", d.Content.Criticised)
		}
		_, err = db.Reports.SaveBulletin(office, "2021-05-H1", "旧版本", ov, 1)
		MustCode(t, err, sanlian.ECONFLICT)
		if e := MustLastAudit(t, db, users); e.Action != "update" || e.Entity != "bulletin" || !strings.Contains(e.Changes, "推诿扯皮") {
			t.Errorf("audit %+v", e)
		}

		// Published after the period: number, frozen content, self-criticisms.
		clockAt(db, "2021-05-17 09:00")
		_, err = db.Reports.PublishBulletin(office, "2021-05-H1", 1)
		MustCode(t, err, sanlian.ECONFLICT)
		b, err := db.Reports.PublishBulletin(office, "2021-05-H1", d.Version)
		MustOK(t, err)
		if b.State != sanlian.BulletinPublished || b.NumberLabel() != "〔2021〕第1期" || b.PublishedAt == nil || b.Config == nil {
			t.Fatalf("published: %+v", b)
		}
		if r := bulletinRow(b, 3); r.Assigned != 5 || r.Score.Points() != "100.0" {
			t.Errorf("unit 3 row %+v", r)
		}
		_, err = db.Reports.PublishBulletin(office, "2021-05-H1", b.Version)
		MustCode(t, err, sanlian.ECONFLICT)
		if !strings.Contains(sanlian.ErrorMessage(err), "已发布的通报不能修改") {
			t.Errorf("republish: %q", sanlian.ErrorMessage(err))
		}
		_, err = db.Reports.SaveBulletin(office, "2021-05-H1", "改", nil, b.Version)
		MustCode(t, err, sanlian.ECONFLICT)
		_, err = db.Reports.GenerateBulletin(office, "2021-05-H1")
		MustCode(t, err, sanlian.ECONFLICT)
		if got, err := db.Reports.FindBulletin(sqldbtest.As(users["cadre"]), "2021-05-H1"); err != nil || got.Number != 1 {
			t.Errorf("cadre reads the published bulletin: %v %v", got, err)
		}

		// Late data: a problem handled back-dated into the period.
		handled(t, db, users, "2021-05-12 09:00", 3, "yes", "basic")
		clockAt(db, "2021-05-18 09:00")
		m, err := db.Reports.Metrics(office, sanlian.MetricsQuery{Period: "2021-05-H1", By: sanlian.ByUnit})
		MustOK(t, err)
		fresh := 0
		for _, r := range m.Rows {
			if r.Key == "3" {
				fresh = r.Assigned
			}
		}
		if fresh != 6 || m.Total.Callbacks != 7 {
			t.Errorf("fresh metrics: unit 3 assigned %d, callbacks %d; want 6, 7", fresh, m.Total.Callbacks)
		}
		again, err := db.Reports.FindBulletin(office, "2021-05-H1")
		MustOK(t, err)
		if r := bulletinRow(again, 3); r.Assigned != 5 || again.Content.Overview.Callbacks != 6 || again.Content.Overview.Collected != 6 ||
			again.Version != b.Version {
			t.Errorf("published bulletin changed: unit 3 %+v, overview %+v", r, again.Content.Overview)
		}

		// Self-criticisms: due 5 working days after publication (24:00 of 2021-05-24).
		scs, err := db.Reports.FindSelfCriticisms(office, sanlian.SelfCriticismFilter{Period: "2021-05-H1"})
		MustOK(t, err)
		if len(scs) != 2 {
			t.Fatalf("self-criticisms %d, want 2", len(scs))
		}
		byUnit := map[int64]*sanlian.SelfCriticism{}
		for _, s := range scs {
			byUnit[s.UnitID] = s
			if got := s.DueAt.In(sanlian.Shanghai).Format("2006-01-02 15:04"); got != "2021-05-25 00:00" {
				t.Errorf("unit %d due %s", s.UnitID, got)
			}
			if s.Bulletin != "〔2021〕第1期" || s.StateName != sanlian.SelfCriticismOwed {
				t.Errorf("self-criticism %+v", s)
			}
		}
		own, other := byUnit[1], byUnit[4]
		if own == nil || other == nil {
			t.Fatalf("self-criticisms for units %v", byUnit)
		}
		admin := sqldbtest.As(users["unitadmin"])
		if mine, _ := db.Reports.FindSelfCriticisms(admin, sanlian.SelfCriticismFilter{}); len(mine) != 1 || mine[0].UnitID != 1 {
			t.Errorf("unit admin sees %+v", mine)
		}
		pdf := "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
		_, err = db.Reports.FileSelfCriticism(admin, other.ID, "检讨.pdf", strings.NewReader(pdf), 0)
		MustCode(t, err, sanlian.ENOTFOUND)
		_, err = db.Reports.FileSelfCriticism(office, own.ID, "检讨.pdf", strings.NewReader(pdf), 0)
		MustCode(t, err, sanlian.EFORBIDDEN)
		_, err = db.Reports.FileSelfCriticism(admin, own.ID, "检讨.exe", strings.NewReader("MZ\x90\x00"), 0)
		if c := sanlian.ErrorCode(err); c != sanlian.EUNPROCESSABLE {
			t.Errorf("program accepted: %v", err)
		}
		_, err = db.Reports.ReceiveSelfCriticism(office, own.ID)
		MustCode(t, err, sanlian.ECONFLICT)
		clockAt(db, "2021-05-20 10:00")
		got, err := db.Reports.FileSelfCriticism(admin, own.ID, "检讨.pdf", strings.NewReader(pdf), 0)
		MustOK(t, err)
		if got.FiledAt == nil || got.FiledLate || got.Filename != "检讨.pdf" || got.ContentType != "application/pdf" {
			t.Errorf("filed %+v", got)
		}
		_, err = db.Reports.ReceiveSelfCriticism(admin, own.ID)
		MustCode(t, err, sanlian.EFORBIDDEN)
		got, err = db.Reports.ReceiveSelfCriticism(office, own.ID)
		MustOK(t, err)
		if got.StateName != sanlian.SelfCriticismReceived {
			t.Errorf("received %+v", got)
		}
		_, err = db.Reports.ReceiveSelfCriticism(office, own.ID)
		MustCode(t, err, sanlian.ECONFLICT)
		_, err = db.Reports.FileSelfCriticism(admin, own.ID, "检讨2.pdf", strings.NewReader(pdf), 0)
		MustCode(t, err, sanlian.ECONFLICT)

		// 梅城镇's admin files after the due date: marked late.
		meicheng := sqldbtest.As(unitAdminOf(users, 4))
		clockAt(db, "2021-05-25 08:00")
		if owed, _ := db.Reports.FindSelfCriticisms(office, sanlian.SelfCriticismFilter{State: sanlian.SelfCriticismOwed}); len(owed) != 1 || !owed[0].OverdueNow {
			t.Errorf("owed %+v", owed)
		}
		// The workbench's filters: owed and late, owed and not yet due.
		yes, no := true, false
		late, _ := db.Reports.FindSelfCriticisms(office, sanlian.SelfCriticismFilter{State: sanlian.SelfCriticismOwed, Overdue: &yes})
		notDue, _ := db.Reports.FindSelfCriticisms(office, sanlian.SelfCriticismFilter{State: sanlian.SelfCriticismOwed, Overdue: &no})
		if len(late) != 1 || late[0].ID != other.ID || len(notDue) != 0 {
			t.Errorf("late %+v, not due %+v", late, notDue)
		}
		got, err = db.Reports.FileSelfCriticism(meicheng, other.ID, "检讨.txt", strings.NewReader("梅城镇关于推诿扯皮问题的检讨。"), 0)
		MustOK(t, err)
		if !got.FiledLate || got.StateLabel() != "已提交（逾期）" {
			t.Errorf("late filing %+v", got)
		}

		// The next bulletin is number 2 and names the late one.
		clockAt(db, "2021-06-01 09:00")
		n2, err := db.Reports.GenerateBulletin(office, "2021-05-H2")
		MustOK(t, err)
		if len(n2.Content.SelfCriticisms) != 1 || n2.Content.SelfCriticisms[0].UnitID != 4 || n2.Content.SelfCriticisms[0].FiledAt == nil {
			t.Errorf("self-criticisms in the next bulletin %+v", n2.Content.SelfCriticisms)
		}
		n2, err = db.Reports.PublishBulletin(office, "2021-05-H2", n2.Version)
		MustOK(t, err)
		if n2.NumberLabel() != "〔2021〕第2期" {
			t.Errorf("second number %s", n2.NumberLabel())
		}
		all, err := db.Reports.FindBulletins(sqldbtest.As(users["cadre"]))
		MustOK(t, err)
		if len(all) != 2 || all[0].Period != "2021-05-H2" {
			t.Errorf("archive %+v", all)
		}
	})
}

// TestBulletinService_DraftJob: once a half month has ended, the
// scheduler drafts its bulletin, once, and leaves a published one alone.
func TestBulletinService_DraftJob(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		MustOK(t, db.RegisterJob(sqldb.BulletinDraftJob, sanlian.JobHalf, sqldb.DraftBulletinJob))
		handled(t, db, users, "2021-05-06 09:00", 3, "yes", "satisfied")
		at := time.Date(2021, 5, 16, 0, 30, 0, 0, sanlian.Shanghai)
		clockAt(db, "2021-05-16 00:30")
		runs, err := db.RunDue(context.Background(), at)
		MustOK(t, err)
		found := false
		for _, r := range runs {
			found = found || r.Job == sqldb.BulletinDraftJob && r.Key == "2021-05-H1"
		}
		if !found {
			t.Fatalf("runs %+v", runs)
		}
		office := sqldbtest.As(users["office"])
		b, err := db.Reports.FindBulletin(office, "2021-05-H1")
		MustOK(t, err)
		if b.State != sanlian.BulletinDraft || b.Content.Overview.Assigned != 1 || bulletinRow(b, 3).Assigned != 1 {
			t.Errorf("drafted %+v %+v", b, b.Content.Overview)
		}
		b, err = db.Reports.PublishBulletin(office, "2021-05-H1", b.Version)
		MustOK(t, err)
		// A rerun of the key (another node, or a later catch-up) keeps the published one.
		raw := MustRaw(t, db)
		if _, err := raw.Exec("DELETE FROM job_runs WHERE job = 'bulletin_draft'"); err != nil {
			t.Fatal(err)
		}
		_, err = db.RunDue(context.Background(), at)
		MustOK(t, err)
		again, err := db.Reports.FindBulletin(office, "2021-05-H1")
		MustOK(t, err)
		if again.Version != b.Version || !again.Published() {
			t.Errorf("published bulletin touched by the job: %+v", again)
		}
	})
}

// TestBulletinService_ConcurrentPublish: four half months published at
// once take the numbers 1 to 4, each once.
func TestBulletinService_ConcurrentPublish(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		clockAt(db, "2021-07-01 09:00")
		periods := []string{"2021-05-H1", "2021-05-H2", "2021-06-H1", "2021-06-H2"}
		versions := map[string]int64{}
		for _, p := range periods {
			d, err := db.Reports.GenerateBulletin(office, p)
			MustOK(t, err)
			versions[p] = d.Version
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(periods))
		for _, p := range periods {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.Reports.PublishBulletin(office, p, versions[p])
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			MustOK(t, err)
		}
		bs, err := db.Reports.FindBulletins(office)
		MustOK(t, err)
		seen := map[int]bool{}
		for _, b := range bs {
			seen[b.Number] = true
		}
		if len(bs) != 4 || !seen[1] || !seen[2] || !seen[3] || !seen[4] {
			t.Errorf("numbers %v", seen)
		}
	})
}
