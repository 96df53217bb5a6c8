package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sanlian"
)

// TestDemoMessages plays the demo's messages to residents: the settings
// say why one event's WeChat message is not sent, and the log holds sent,
// pending (held for a retry, with the failed attempt logged) and skipped
// rows, a rating by SMS reply and an opt-out.
func TestDemoMessages(t *testing.T) {
	ctx := context.Background()
	db, c := smallDemoCounty(t)
	var out bytes.Buffer
	if err := playDemo(db, &out, "resident messages", func(setNow func(time.Time), today time.Time) (fmt.Stringer, error) {
		return demoMessages(ctx, db, setNow, c, today)
	}); err != nil {
		t.Fatal(err)
	}
	office := sanlian.NewSystemContext(ctx)
	v, err := db.Notices.MessageSettings(office)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Stored.Enabled || v.Skip[sanlian.ChannelWechat][sanlian.MsgReopened] == "" || v.Skip[sanlian.ChannelSMS][sanlian.MsgReopened] != "" {
		t.Errorf("settings %+v", v)
	}
	items, _, err := db.Notices.FindMessages(office, sanlian.MsgFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	retrying, optedOut := 0, 0
	for _, m := range items {
		states[m.State]++
		if m.State == sanlian.MsgPending && m.Attempts > 0 && !m.NextAt.IsZero() && len(m.Log) == m.Attempts {
			retrying++
		}
		t.Logf("%-8s %-9s %s %d %s %s", m.State, m.Event, m.To, m.Attempts, m.Note, m.LastError)
		if m.State == sanlian.MsgSkipped && strings.Contains(m.Note, "退订") {
			optedOut++
		}
	}
	if states[sanlian.MsgSent] < 8 || retrying < 2 || optedOut != 1 {
		t.Errorf("log: %v, %d retrying, %d opted out", states, retrying, optedOut)
	}
	in, err := db.Notices.RecentInbound(office, 10)
	if err != nil || len(in) != 3 {
		t.Fatalf("inbound %v %+v", err, in)
	}
	t.Log(strings.TrimSpace(out.String()))
}
