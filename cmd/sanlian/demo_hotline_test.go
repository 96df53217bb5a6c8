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

// TestDemoHotlineHook plays the demo's ledger with the 12345 hotline's
// webhook added a week before today, then its notices: the webhook is
// limited to hotline problems and takes the events the hotline hears
// back; its delivery log holds the last week's work on hotline problems
// only, each tried once against the unreachable address.
func TestDemoHotlineHook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, c := smallDemoCounty(t)
	var out bytes.Buffer
	var hook *demoHotlineHook
	if err := playDemo(db, &out, "problems", func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
		hook = newDemoHotlineHook(ctx, db, setNow, today, 5)
		sum, err := demo.LoadProblems(ctx, db.Problems, hook.setNow, c, demo.ProblemOptions{Problems: 300, Today: today, Seed: 5})
		if err == nil {
			err = hook.err
		}
		return sum, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := playDemo(db, &out, "notices", func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
		return demoNotices(ctx, db, setNow, c, today, 5)
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "消息推送 3 个") {
		t.Fatalf("summary: %s", out.String())
	}
	office := sanlian.NewSystemContext(ctx)
	hooks, err := db.Notices.FindWebhooks(office)
	if err != nil {
		t.Fatal(err)
	}
	h := hooks[0] // added while the ledger played, before the other two
	if h.Source != sanlian.SourceHotline || h.Kind != sanlian.WebhookJSON || h.CreatedAt.Before(hook.from) ||
		h.CreatedAt.After(hook.from.Add(24*time.Hour)) {
		t.Fatalf("hotline hook %+v (from %s)", h, hook.from)
	}
	ds, _, err := db.Notices.FindDeliveries(office, h.ID, "", "", 500)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, d := range ds {
		seen[d.Event]++
		if d.Payload.Source != sanlian.SourceHotline || d.CreatedAt.Before(h.CreatedAt) || d.Attempts != 1 || !strings.HasPrefix(d.LastError, "连接失败") {
			t.Fatalf("delivery %+v", d)
		}
		if d.Event == sanlian.EventProblemResolved && d.Payload.Result == "" || d.Event == sanlian.EventProblemClosed && d.Payload.Outcome == "" {
			t.Fatalf("delivery without its result or outcome: %+v", d)
		}
	}
	if seen[sanlian.EventProblemAccepted]+seen[sanlian.EventProblemResolved]+seen[sanlian.EventProblemClosed]+seen[sanlian.EventProblemReopened] == 0 {
		t.Fatalf("the hotline hook's log shows %v", seen)
	}
	t.Logf("hotline hook deliveries by event: %v", seen)
}
