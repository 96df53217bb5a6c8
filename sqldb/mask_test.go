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
		p, err := db.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		ds, _, err := db.FindDeliveries(sqldbtest.As(users["office"]), h.ID, "", "", 100)
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
		p, err := db.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼 " + typedText, Description: typedText})
		MustOK(t, err)
		p = act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2, Note: typedText})
		p = act(t, db, users["unitadmin"], p, sanlian.ActionAccept, sanlian.ActionRequest{Note: typedText})
		act(t, db, users["unitadmin"], p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "修补 " + typedText, Result: typedText})
		mustNotStoreTyped(t, db, "audit changes", "SELECT changes FROM audit_log WHERE entity = 'problem'")
		// The record itself keeps the whole text.
		got, err := db.FindProblemByID(sqldbtest.As(users["office"]), p.ID)
		MustOK(t, err)
		if got.Description != typedText {
			t.Fatalf("description %q", got.Description)
		}
	})
}
