package sqldb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func mustWebhook(t *testing.T, db *sqldb.DB, office *sanlian.User, in sanlian.WebhookInput) *sanlian.Webhook {
	t.Helper()
	h, err := db.Notices.CreateWebhook(sqldbtest.As(office), &in)
	if err != nil {
		t.Fatalf("create webhook: %v %v", err, sanlian.ErrorFields(err))
	}
	return h
}

func TestWebhookService_CRUD(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		h := mustWebhook(t, db, users["office"], sanlian.WebhookInput{Name: "县办企业微信群", Kind: sanlian.WebhookWeCom,
			URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", Secret: "",
			Events: []string{sanlian.EventProblemAssigned, sanlian.EventSupervisionRed, sanlian.EventProblemAssigned}})
		if !h.Active || h.Version != 1 || len(h.Events) != 2 || strings.Contains(h.URLShown, "693a91f6-7xxx") {
			t.Fatalf("created %+v", h)
		}
		b, _ := json.Marshal(h)
		if strings.Contains(string(b), "693a91f6-7xxx") {
			t.Fatalf("the robot's key shows in JSON: %s", b)
		}

		t.Run("ErrBadInput", func(t *testing.T) {
			_, err := db.Notices.CreateWebhook(office, &sanlian.WebhookInput{Name: "x", Kind: sanlian.WebhookJSON, URL: "ftp://example.com/hook",
				Events: []string{sanlian.EventProblemAssigned}})
			MustField(t, err, "url")
			_, err = db.Notices.CreateWebhook(office, &sanlian.WebhookInput{Name: "x", Kind: sanlian.WebhookJSON, URL: "/relative",
				Events: []string{sanlian.EventProblemAssigned}})
			MustField(t, err, "url")
			_, err = db.Notices.CreateWebhook(office, &sanlian.WebhookInput{Name: "x", Kind: "slack", URL: "https://example.com/",
				Events: []string{"problem_deleted"}})
			MustField(t, err, "kind")
			MustField(t, err, "events")
			_, err = db.Notices.CreateWebhook(office, &sanlian.WebhookInput{Name: "", Kind: sanlian.WebhookJSON, URL: "https://example.com/"})
			MustField(t, err, "name")
			MustField(t, err, "events")
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			for _, name := range []string{"leader", "unitadmin", "cadre", "sysadmin", "auditor"} {
				ctx := sqldbtest.As(users[name])
				_, err := db.Notices.CreateWebhook(ctx, &sanlian.WebhookInput{Name: "x", Kind: sanlian.WebhookJSON, URL: "https://example.com/",
					Events: []string{sanlian.EventProblemAssigned}})
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Notices.FindWebhooks(ctx)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
		})
		t.Run("Update", func(t *testing.T) {
			in := sanlian.WebhookInput{Name: "县办群", Kind: sanlian.WebhookDingTalk, Secret: "SEC0123456789abcdef",
				Events: []string{sanlian.EventProblemOverdue}, Version: h.Version}
			up, err := db.Notices.UpdateWebhook(office, h.ID, &in)
			MustOK(t, err)
			if up.Version != 2 || up.Kind != sanlian.WebhookDingTalk || up.URL != h.URL || up.SecretShown != "SEC****ef" {
				t.Fatalf("updated %+v", up)
			}
			_, err = db.Notices.UpdateWebhook(office, h.ID, &in) // version 1 again
			MustCode(t, err, sanlian.ECONFLICT)
			in.Version, in.URL = up.Version, "javascript:alert(1)"
			_, err = db.Notices.UpdateWebhook(office, h.ID, &in)
			MustField(t, err, "url")
			_, err = db.Notices.UpdateWebhook(office, 999, &in)
			MustCode(t, err, sanlian.ENOTFOUND)
			raw := MustRaw(t, db)
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE entity = 'webhook' AND changes LIKE '%0123456789abcdef%'"); n != 0 {
				t.Fatal("the whole secret is in the audit log")
			}
		})
	})
}

// TestWebhookService_Enqueue: events are queued in the transaction of
// their cause, for the webhooks that take them, without the reporter.
func TestWebhookService_Enqueue(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		all := mustWebhook(t, db, users["office"], sanlian.WebhookInput{Name: "全部", Kind: sanlian.WebhookJSON,
			URL: "https://example.com/all", Events: sanlian.WebhookEvents})
		assigned := mustWebhook(t, db, users["office"], sanlian.WebhookInput{Name: "交办", Kind: sanlian.WebhookWeCom,
			URL: "https://example.com/wecom", Events: []string{sanlian.EventProblemAssigned}})
		off := false
		mustWebhook(t, db, users["office"], sanlian.WebhookInput{Name: "停用", Kind: sanlian.WebhookJSON,
			URL: "https://example.com/off", Events: sanlian.WebhookEvents, Active: &off})

		clockAt(db, "2021-05-10 09:00")
		p, err := db.Problems.CreateProblem(sqldbtest.As(users["office"]), &sanlian.ProblemInput{Source: sanlian.SourceHotline, Category: "transport",
			VillageCode: sqldbtest.VillageA, Title: "桥面坑洼", Description: "桥面坑洼，车辆难行", ReporterName: "刘大爷", ReporterPhone: "13912345678"})
		MustOK(t, err)
		newProblem(t, db, users["cadre"], "入户走访发现的问题") // from a visit: no event
		act(t, db, users["office"], p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})

		list := func(h *sanlian.Webhook) []*sanlian.WebhookDelivery {
			ds, _, err := db.Notices.FindDeliveries(office, h.ID, "", "", 100)
			MustOK(t, err)
			return ds
		}
		got := list(all)
		if len(got) != 2 || got[1].Event != sanlian.EventProblemSubmitted || got[0].Event != sanlian.EventProblemAssigned {
			t.Fatalf("deliveries of the catch-all hook: %+v", got)
		}
		pl := got[0].Payload
		if pl.Number != p.Number || pl.Subject != "桥面坑洼" || pl.Village != "黄沙坪村" || pl.Unit != "县民政局" ||
			pl.Deadline != "2021-05-31" || pl.Link != "/problems/"+strconv64(p.ID) || got[0].State != sanlian.DeliveryPending {
			t.Fatalf("payload %+v", got[0])
		}
		b, _ := json.Marshal(got)
		if strings.Contains(string(b), "刘大爷") || strings.Contains(string(b), "13912345678") || strings.Contains(string(b), "5678") {
			t.Fatalf("the reporter leaves the system: %s", b)
		}
		if got := list(assigned); len(got) != 1 || got[0].Event != sanlian.EventProblemAssigned {
			t.Fatalf("deliveries of the assignment hook: %+v", got)
		}
		raw := MustRaw(t, db)
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM webhook_deliveries"); n != 3 {
			t.Fatalf("deliveries %d, want 3 (none for the inactive hook)", n)
		}

		t.Run("Overdue", func(t *testing.T) {
			ctx := context.Background()
			MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-06-01 00:00")))
			MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-06-01 00:00")))
			MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-06-02 00:00")))
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM webhook_deliveries WHERE event = 'problem_overdue'"); n != 1 {
				t.Fatalf("overdue deliveries %d, want 1", n)
			}
		})
		t.Run("ErrBadState", func(t *testing.T) {
			_, _, err := db.Notices.FindDeliveries(office, all.ID, "lost", "", 0)
			MustCode(t, err, sanlian.EINVALID)
			_, _, err = db.Notices.FindDeliveries(office, 999, "", "", 0)
			MustCode(t, err, sanlian.ENOTFOUND)
		})
		t.Run("Retry", func(t *testing.T) {
			d := list(assigned)[0]
			_, err := db.Notices.RetryDelivery(office, assigned.ID, d.ID)
			MustCode(t, err, sanlian.ECONFLICT) // pending, not failed
			for i := 0; i < sanlian.MaxDeliveryAttempts; i++ {
				MustOK(t, db.Notices.FinishAttempt(context.Background(), d.ID, sanlian.DeliveryAttempt{Status: 500, Error: "接收方返回 HTTP 500"}, false))
			}
			d = list(assigned)[0]
			if d.State != sanlian.DeliveryFailed || d.Attempts != sanlian.MaxDeliveryAttempts || len(d.Log) != sanlian.MaxDeliveryAttempts {
				t.Fatalf("after %d failures: %+v", sanlian.MaxDeliveryAttempts, d)
			}
			_, err = db.Notices.RetryDelivery(office, all.ID, d.ID) // another hook's id
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Notices.RetryDelivery(sqldbtest.As(users["unitadmin"]), assigned.ID, d.ID)
			MustCode(t, err, sanlian.EFORBIDDEN)
			r, err := db.Notices.RetryDelivery(office, assigned.ID, d.ID)
			MustOK(t, err)
			if r.State != sanlian.DeliveryPending || r.Attempts != 0 {
				t.Fatalf("retried %+v", r)
			}
			clockAt(db, "2021-05-10 09:01")
			jobs, err := db.Notices.ClaimDeliveries(context.Background(), 10, time.Minute)
			MustOK(t, err)
			found := false
			for _, j := range jobs {
				found = found || j.Delivery.ID == d.ID
			}
			if !found {
				t.Fatalf("the retried delivery was not claimed: %d claimed", len(jobs))
			}
		})
		t.Run("Stopped", func(t *testing.T) {
			clockAt(db, "2021-05-10 09:10")
			claimed := func() bool {
				jobs, err := db.Notices.ClaimDeliveries(context.Background(), 100, time.Second)
				MustOK(t, err)
				for _, j := range jobs {
					if j.Delivery.WebhookID == assigned.ID {
						return true
					}
				}
				return false
			}
			off, on := false, true
			h, err := db.Notices.UpdateWebhook(office, assigned.ID, &sanlian.WebhookInput{Name: assigned.Name, Kind: assigned.Kind,
				Events: assigned.Events, Active: &off, Version: assigned.Version})
			MustOK(t, err)
			if claimed() {
				t.Fatal("a stopped webhook's delivery was claimed")
			}
			_, err = db.Notices.UpdateWebhook(office, assigned.ID, &sanlian.WebhookInput{Name: h.Name, Kind: h.Kind, Events: h.Events,
				Active: &on, Version: h.Version})
			MustOK(t, err)
			if !claimed() {
				t.Fatal("the webhook started again did not send its queue")
			}
		})
	})
}

func strconv64(n int64) string { b, _ := json.Marshal(n); return string(b) }
