package sqldb_test

import (
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// A phone and an ID number typed into a problem's free text.
const (
	typedPhone = "13600002222"
	typedID    = "430923198802023456"
	typedText  = "我电话" + typedPhone + "，身份证号" + typedID
)

func mustNotStoreTyped(t *testing.T, db *sqldb.DB, what, query string) {
	t.Helper()
	raw := MustRaw(t, db)
	rows, err := raw.Query(query)
	MustOK(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var s string
		MustOK(t, rows.Scan(&s))
		n++
		if strings.Contains(s, typedPhone) || strings.Contains(s, "198802023456") {
			t.Errorf("%s stored whole: %s", what, s)
		}
	}
	MustOK(t, rows.Err())
	if n == 0 {
		t.Fatalf("%s: no rows", what)
	}
}

func TestWebhookService_EnqueueMasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		h := mustWebhook(t, db, users["office"], sanlian.WebhookInput{Name: "全部", Kind: sanlian.WebhookJSON,
			URL: "https://example.com/all", Events: sanlian.WebhookEvents})
		clockAt(db, "2021-05-10 09:00")
		p, err := db.Problems.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		ds, _, err := db.Notices.FindDeliveries(sqldbtest.As(users["office"]), h.ID, "", "", 100)
		MustOK(t, err)
		if len(ds) != 2 {
			t.Fatalf("deliveries %d, want 2", len(ds))
		}
		for _, d := range ds {
			if want := "桥面坑洼 我电话136****2222，身份证号430923********3456"; d.Payload.Subject != want {
				t.Errorf("%s subject %q, want %q", d.Event, d.Payload.Subject, want)
			}
		}
		mustNotStoreTyped(t, db, "delivery payload", "SELECT payload FROM webhook_deliveries")
	})
}

func TestAudit_MasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		p, err := db.Problems.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2, Note: typedText})
		p = act(t, db, users["unitadmin"], p, sanlian.ActionAccept, sanlian.ActionRequest{Note: typedText})
		act(t, db, users["unitadmin"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "修补 " + typedText, Result: typedText})
		mustNotStoreTyped(t, db, "audit changes", "SELECT changes FROM audit_log WHERE entity = 'problem'")
		// The record itself keeps the whole text.
		var desc string
		MustOK(t, MustRaw(t, db).QueryRow("SELECT description FROM problems WHERE id = "+strconv64(p.ID)).Scan(&desc))
		if desc != typedText {
			t.Fatalf("stored description %q", desc)
		}
	})
}

func TestProblemService_MasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		office := sqldbtest.As(users["office"])
		masked := "我电话136****2222，身份证号430923********3456"
		check := func(what string, p *sanlian.Problem) {
			t.Helper()
			for _, s := range []string{p.Title, p.Description, p.Measures, p.Result} {
				if strings.Contains(s, typedPhone) || strings.Contains(s, "198802023456") {
					t.Errorf("%s shows %q", what, s)
				}
			}
			if p.Description != masked {
				t.Errorf("%s description %q, want %q", what, p.Description, masked)
			}
		}
		p, err := db.Problems.CreateProblem(office, &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		check("created", p)
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2, Note: typedText})
		p = act(t, db, users["unitadmin"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
		p = act(t, db, users["unitadmin"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "修补 " + typedText, Result: typedText})
		check("acted", p)
		if p.Result != masked {
			t.Errorf("result %q", p.Result)
		}
		for _, name := range []string{"office", "unitadmin", "cadre"} {
			got, err := db.Problems.FindProblemByID(sqldbtest.As(users[name]), p.ID)
			MustOK(t, err)
			check("page for "+name, got)
			list, _, err := db.Problems.FindProblems(sqldbtest.As(users[name]), sanlian.ProblemFilter{Limit: 100})
			MustOK(t, err)
			for _, q := range list {
				if q.ID == p.ID {
					check("list for "+name, q)
				}
			}
		}
		evs, err := db.Problems.ProblemEvents(office, p.ID)
		MustOK(t, err)
		for _, e := range evs {
			if strings.Contains(e.Note+e.Changes, typedPhone) || strings.Contains(e.Note+e.Changes, "198802023456") {
				t.Errorf("event %s shows %q %q", e.Action, e.Note, e.Changes)
			}
		}
		// The record keeps the whole text, and later actions do not
		// overwrite it with the masked one.
		p = act(t, db, users["office"], p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
		raw := MustRaw(t, db)
		var desc, result string
		MustOK(t, raw.QueryRow("SELECT description, result FROM problems WHERE id = "+strconv64(p.ID)).Scan(&desc, &result))
		if desc != typedText || result != typedText {
			t.Fatalf("stored description %q result %q", desc, result)
		}
	})
}

func TestResponsibilityService_DerivedMasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		p, err := db.Problems.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		p = act(t, db, users["unitadmin"], p, sanlian.ActionAccept, sanlian.ActionRequest{})
		act(t, db, users["unitadmin"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "修补 " + typedText, Result: typedText})
		rs := allResps(t, db, users["office"], sanlian.ResponsibilityFilter{UnitID: 1})
		if len(rs) != 1 {
			t.Fatalf("unit 1 list %v", respKeys(rs))
		}
		r := rs[0]
		if r.Task != "桥面坑洼 我电话136****2222，身份证号430923********3456" {
			t.Errorf("task %q", r.Task)
		}
		for _, s := range []string{r.Task, r.Measures, r.Progress} {
			if strings.Contains(s, typedPhone) || strings.Contains(s, "198802023456") || !strings.Contains(s, "136****2222") {
				t.Errorf("line shows %q", s)
			}
		}
	})
}

func TestNoticeService_MasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		p, err := db.Problems.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		ns := noticesOf(t, db, users["unitadmin"], sanlian.NoticeAssigned)
		if len(ns) != 1 {
			t.Fatalf("%d notices", len(ns))
		}
		if n := ns[0]; strings.Contains(n.Title+n.Body, typedPhone) || strings.Contains(n.Title+n.Body, "198802023456") ||
			!strings.Contains(n.Title, "136****2222") {
			t.Fatalf("notice %q %q", n.Title, n.Body)
		}
	})
}

func TestSupervisionService_MasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "饮水工程停水 "+typedText)
		clockAt(db, "2021-05-12 10:00")
		office := sqldbtest.As(users["office"])
		s, err := db.Problems.CreateSupervision(office, &sanlian.SupervisionInput{TargetKind: sanlian.TargetProblem, TargetID: p.ID,
			Text: "请联系" + typedText, ReplyDue: "2021-05-20"})
		MustOK(t, err)
		s, err = db.Problems.ReplySupervision(sqldbtest.As(users["unitadmin"]), s.ID, "已联系 "+typedText, s.Version)
		MustOK(t, err)
		list, _, err := db.Problems.FindSupervisions(office, sanlian.SupervisionFilter{Limit: 100})
		MustOK(t, err)
		got, err := db.Problems.FindSupervisionByID(office, s.ID)
		MustOK(t, err)
		for _, x := range append(list, s, got) {
			for _, v := range []string{x.TargetRef, x.Text, x.Reply} {
				if strings.Contains(v, typedPhone) || strings.Contains(v, "198802023456") {
					t.Errorf("supervision %d shows %q", x.ID, v)
				}
			}
		}
		if got.Reply != "已联系 我电话136****2222，身份证号430923********3456" {
			t.Errorf("reply %q", got.Reply)
		}
		var text string
		MustOK(t, MustRaw(t, db).QueryRow("SELECT text FROM supervisions WHERE id = "+strconv64(s.ID)).Scan(&text))
		if text != "请联系"+typedText {
			t.Errorf("stored text %q", text)
		}
	})
}

// The public form's automatic title never copies a phone or ID number the
// resident typed into the description; the tracking page shows the
// description masked; the record keeps it whole.
func TestPublicService_MasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-10 09:00")
		rc, err := db.Public.SubmitPublic(publicCtx(), submission(typedText, "13912345678"))
		MustOK(t, err)
		var title, desc string
		MustOK(t, MustRaw(t, db).QueryRow("SELECT title, description FROM problems WHERE id = "+strconv64(rc.ProblemID)).Scan(&title, &desc))
		if title != "我电话136****2222，身份证号430923*****…" || desc != typedText {
			t.Fatalf("stored title %q description %q", title, desc)
		}
		p, err := db.Public.TrackPublic(publicCtx(), rc.Code)
		MustOK(t, err)
		if p.Description != "我电话136****2222，身份证号430923********3456" {
			t.Fatalf("tracked description %q", p.Description)
		}
	})
}

func TestBulletinService_OverdueMasksContacts(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-04-01 09:00")
		p, err := db.Problems.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		clockAt(db, "2021-05-17 09:00")
		b, err := db.Reports.GenerateBulletin(sqldbtest.As(users["office"]), "2021-05-H1")
		MustOK(t, err)
		if len(b.Content.Overdue) != 1 || b.Content.Overdue[0].Title != "桥面坑洼 我电话136****2222，身份证号430923********3456" {
			t.Fatalf("overdue %+v", b.Content.Overdue)
		}
		mustNotStoreTyped(t, db, "bulletin content", "SELECT content FROM bulletins")
	})
}
