package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/demo"
)

// TestDemoNotices plays the demo's notices after its ledger: users hold
// notices, the older ones read; two webhooks point at an unreachable
// address, and what they were sent waits for its next retry with the
// failed attempt logged.
func TestDemoNotices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, c := smallDemoCounty(t)
	var out bytes.Buffer
	if err := playDemo(db, &out, "problems", func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
		return demo.LoadProblems(ctx, db.Problems, setNow, c, demo.ProblemOptions{Problems: 300, Today: today, Seed: 5})
	}); err != nil {
		t.Fatal(err)
	}
	if err := playDemo(db, &out, "notices", func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
		return demoNotices(ctx, db, setNow, c, today, 5)
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "消息推送 2 个") {
		t.Fatalf("summary: %s", out.String())
	}
	office := sanlian.NewSystemContext(ctx)
	total, unread, err := db.Notices.NoticeTotals(office)
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || unread == 0 || unread == total {
		t.Fatalf("notices %d, unread %d", total, unread)
	}
	hooks, err := db.Notices.FindWebhooks(office)
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 2 || hooks[0].Kind != sanlian.WebhookWeCom || hooks[1].Kind != sanlian.WebhookDingTalk || hooks[1].SecretShown == "" {
		t.Fatalf("webhooks %+v", hooks)
	}
	ds, _, err := db.Notices.FindDeliveries(office, hooks[0].ID, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != sanlian.DeliveryPending || d.Attempts != 1 || !strings.HasPrefix(d.LastError, "连接失败") || d.NextAt.IsZero() {
			t.Fatalf("delivery %+v", d)
		}
	}
	t.Log(strings.TrimSpace(out.String()), "; deliveries of the WeCom hook:", len(ds))
}
