package sqldb_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// hotlineEvents are the events the 12345 hotline hears back.
var hotlineEvents = []string{sanlian.EventProblemAccepted, sanlian.EventProblemResolved, sanlian.EventProblemClosed,
	sanlian.EventProblemReopened, sanlian.EventSupervisionNotice}

// open311Problem enters a problem through an Open311 key of source, as
// the hotline posts it.
func open311Problem(t *testing.T, db *sqldb.DB, office *sanlian.User, source, text string) *sanlian.Problem {
	t.Helper()
	k, err := db.Public.CreateAPIKey(sqldbtest.As(office), &sanlian.APIKeyInput{Name: "12345热线", Source: source})
	MustOK(t, err)
	rc, err := db.Public.SubmitPublic(sanlian.NewPublicContext(context.Background()), &sanlian.PublicSubmission{Source: source,
		Category: "transport", VillageCode: sqldbtest.VillageA, Description: text, ReporterName: "王先生", ReporterPhone: "13912345678",
		Consent: true, Open311: &sanlian.Open311Extra{KeyID: k.Key.ID}})
	MustOK(t, err)
	p, err := db.Problems.FindProblemByID(sqldbtest.As(office), rc.ProblemID)
	MustOK(t, err)
	return p
}

// TestWebhookService_HotlineEvents: accepting, resolving, closing and
// reopening a problem each queue their event in the action's transaction
// (the delivery is stamped with the action's own time, and a refused
// action queues nothing), with the problem's source and Open311 id, the
// result anonymised as the public results page shows it, and the
// callback's outcome; a webhook limited to a source hears only of that
// source's problems, but of every event not about a problem.
func TestWebhookService_HotlineEvents(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office, admin := users["office"], users["unitadmin"]
		hotline := "hotline"
		portal := "portal"
		all := mustWebhook(t, db, office, sanlian.WebhookInput{Name: "全部来源", Kind: sanlian.WebhookJSON,
			URL: "https://example.com/all", Events: hotlineEvents})
		toHotline := mustWebhook(t, db, office, sanlian.WebhookInput{Name: "12345热线平台", Kind: sanlian.WebhookJSON,
			URL: "https://example.com/12345", Events: hotlineEvents, Source: &hotline})
		toPortal := mustWebhook(t, db, office, sanlian.WebhookInput{Name: "门户网站", Kind: sanlian.WebhookJSON,
			URL: "https://example.com/portal", Events: hotlineEvents, Source: &portal})
		if toHotline.Source != "hotline" || all.Source != "" {
			t.Fatalf("sources %q %q", toHotline.Source, all.Source)
		}
		list := func(h *sanlian.Webhook) []*sanlian.WebhookDelivery {
			ds, _, err := db.Notices.FindDeliveries(sqldbtest.As(office), h.ID, "", "", 100)
			MustOK(t, err)
			return ds // newest first
		}
		raw := MustRaw(t, db)
		// last is the newest delivery of h, which must be event, queued at
		// the time of the problem's newest timeline entry.
		last := func(t *testing.T, h *sanlian.Webhook, event string, p *sanlian.Problem) sanlian.Payload {
			t.Helper()
			ds := list(h)
			if len(ds) == 0 || ds[0].Event != event {
				t.Fatalf("%s: newest delivery %+v, want %s", h.Name, ds, event)
			}
			var at string
			if err := raw.QueryRow(`SELECT COUNT(*) FROM problem_events WHERE problem_id = ` + strconv.FormatInt(p.ID, 10) +
				` AND at = (SELECT created_at FROM webhook_deliveries WHERE id = ` + strconv.FormatInt(ds[0].ID, 10) + `)`).Scan(&at); err != nil || at == "0" {
				t.Fatalf("%s: delivery %d not stamped with an action's time (%v)", event, ds[0].ID, err)
			}
			return ds[0].Payload
		}

		clockAt(db, "2021-05-10 09:00")
		p := open311Problem(t, db, office, sanlian.SourceHotline, "组里路灯坏了两个多月，晚上出行很不方便")
		sid := strconv.FormatInt(p.ID, 10)
		p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})

		t.Run("Accepted", func(t *testing.T) {
			clockAt(db, "2021-05-10 10:00")
			p = act(t, db, admin, p, sanlian.ActionAccept, sanlian.ActionRequest{})
			pl := last(t, toHotline, sanlian.EventProblemAccepted, p)
			if pl.Title != "问题签收" || pl.Number != p.Number || pl.Source != "hotline" || pl.ServiceRequestID != sid || pl.Unit != "县民政局" {
				t.Fatalf("payload %+v", pl)
			}
			last(t, all, sanlian.EventProblemAccepted, p)
		})
		t.Run("Resolved", func(t *testing.T) {
			clockAt(db, "2021-05-12 15:00")
			p = act(t, db, admin, p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换灯泡",
				Result: "已更换路灯 3 盏，住 12号 的群众 13912345678 确认已亮"})
			pl := last(t, toHotline, sanlian.EventProblemResolved, p)
			if want := sanlian.AnonymizeText("已更换路灯 3 盏，住 12号 的群众 13912345678 确认已亮"); pl.Result != want ||
				want != "已更换路灯 3 盏，住 *号 的群众 **** 确认已亮" {
				t.Fatalf("result %q, want it as the public results page shows it", pl.Result)
			}
		})
		t.Run("ReopenedByCallback", func(t *testing.T) {
			clockAt(db, "2021-05-13 09:00")
			p = act(t, db, office, p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "partly", Satisfaction: "unsatisfied"})
			pl := last(t, toHotline, sanlian.EventProblemReopened, p)
			if pl.Outcome != "部分解决，不满意" || pl.Solved != "partly" || pl.Satisfaction != "unsatisfied" || pl.ServiceRequestID != sid {
				t.Fatalf("payload %+v", pl)
			}
		})
		t.Run("Closed", func(t *testing.T) {
			clockAt(db, "2021-05-14 09:00")
			p = act(t, db, admin, p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "加装 2 盏新灯", Result: "全部点亮"})
			p = act(t, db, office, p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "basic"})
			clockAt(db, "2021-05-14 10:00")
			p = act(t, db, office, p, sanlian.ActionClose, sanlian.ActionRequest{})
			pl := last(t, toHotline, sanlian.EventProblemClosed, p)
			if pl.Title != "问题销号" || pl.Outcome != "已解决，基本满意" || pl.Solved != "yes" || pl.Satisfaction != "basic" || pl.Result != "" {
				t.Fatalf("payload %+v", pl)
			}
		})
		t.Run("ReopenedByOffice", func(t *testing.T) {
			clockAt(db, "2021-05-17 09:00")
			p = act(t, db, office, p, sanlian.ActionReopen, sanlian.ActionRequest{Reason: "群众再次来电 13912345678，路灯又不亮了"})
			pl := last(t, toHotline, sanlian.EventProblemReopened, p)
			if pl.Text != "群众再次来电 ****，路灯又不亮了" || pl.Outcome != "" {
				t.Fatalf("payload %+v", pl)
			}
		})
		t.Run("ErrStaleQueuesNothing", func(t *testing.T) {
			before := len(list(all))
			stale := *p
			stale.Version--
			_, err := db.Problems.Act(sqldbtest.As(admin), p.ID, sanlian.ActionResolve, sanlian.ActionRequest{Version: stale.Version,
				Measures: "x", Result: "y"})
			MustCode(t, err, sanlian.ECONFLICT)
			if n := len(list(all)); n != before {
				t.Fatalf("a refused action queued %d deliveries", n-before)
			}
		})
		t.Run("SourceFilter", func(t *testing.T) {
			v := newProblem(t, db, users["cadre"], "入户走访发现的问题") // source: visit
			v = act(t, db, office, v, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
			act(t, db, admin, v, sanlian.ActionAccept, sanlian.ActionRequest{})
			if pl := list(all)[0].Payload; pl.Number != v.Number || pl.Source != "visit" || pl.ServiceRequestID != "" {
				t.Fatalf("the catch-all hook: %+v", pl)
			}
			for _, d := range list(toHotline) {
				if d.Payload.Number != p.Number {
					t.Fatalf("the hotline hook heard of another source's problem: %+v", d)
				}
			}
			if ds := list(toPortal); len(ds) != 0 {
				t.Fatalf("the portal hook heard of %d deliveries", len(ds))
			}
			// An event not about one problem ignores the filter.
			_, err := db.Problems.CreateSupervision(sqldbtest.As(office), &sanlian.SupervisionInput{TargetKind: sanlian.TargetProblem, TargetID: v.ID,
				Text: "请加快办理", ReplyDue: "2021-05-20"})
			MustOK(t, err)
			for _, h := range []*sanlian.Webhook{all, toHotline, toPortal} {
				if ds := list(h); len(ds) == 0 || ds[0].Event != sanlian.EventSupervisionNotice {
					t.Fatalf("%s did not hear the supervision notice", h.Name)
				}
			}
			b, _ := json.Marshal(list(toHotline))
			if strings.Contains(string(b), "13912345678") || strings.Contains(string(b), "王先生") {
				t.Fatalf("the reporter leaves the system: %s", b)
			}
			want := map[string]int{sanlian.EventProblemAccepted: 1, sanlian.EventProblemResolved: 2, sanlian.EventProblemReopened: 2,
				sanlian.EventProblemClosed: 1, sanlian.EventSupervisionNotice: 1}
			got := map[string]int{}
			for _, d := range list(toHotline) {
				got[d.Event]++
			}
			for e, n := range want {
				if got[e] != n {
					t.Errorf("hotline hook: %d × %s, want %d (all: %v)", got[e], e, n, got)
				}
			}
		})
		t.Run("ErrUnknownSource", func(t *testing.T) {
			bad := "weibo"
			_, err := db.Notices.CreateWebhook(sqldbtest.As(office), &sanlian.WebhookInput{Name: "x", Kind: sanlian.WebhookJSON,
				URL: "https://example.com/x", Events: hotlineEvents, Source: &bad})
			MustField(t, err, "source")
			if msg := sanlian.ErrorFields(err)["source"]; !strings.Contains(msg, "未知的来源“weibo”") {
				t.Fatalf("message %q", msg)
			}
			_, err = db.Notices.UpdateWebhook(sqldbtest.As(office), toHotline.ID, &sanlian.WebhookInput{Name: toHotline.Name, Kind: toHotline.Kind,
				Events: toHotline.Events, Source: &bad, Version: toHotline.Version})
			MustField(t, err, "source")
			h, err := db.Notices.FindWebhookByID(sqldbtest.As(office), toHotline.ID)
			MustOK(t, err)
			if h.Source != "hotline" || h.Version != toHotline.Version {
				t.Fatalf("a refused change changed the webhook: %+v", h)
			}
			// No source given keeps the filter; "" lifts it.
			h, err = db.Notices.UpdateWebhook(sqldbtest.As(office), h.ID, &sanlian.WebhookInput{Name: "热线平台", Kind: h.Kind, Events: h.Events, Version: h.Version})
			MustOK(t, err)
			if h.Source != "hotline" {
				t.Fatalf("an update without source dropped the filter: %+v", h)
			}
			none := ""
			h, err = db.Notices.UpdateWebhook(sqldbtest.As(office), h.ID, &sanlian.WebhookInput{Name: h.Name, Kind: h.Kind, Events: h.Events, Source: &none, Version: h.Version})
			MustOK(t, err)
			if h.Source != "" {
				t.Fatalf("source not lifted: %+v", h)
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE entity = 'webhook' AND changes LIKE '%hotline%'"); n < 2 {
				t.Fatalf("the source's changes are not audited (%d rows)", n)
			}
		})
	})
}
