package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestResidentQueue_Rules: the rules of queueing a message to a resident,
// on both engines: sealed phone, one per dedupe key, quiet hours, the
// daily cap per phone, the stop list, a skipped event, and shortening.
func TestResidentQueue_Rules(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		noon := time.Date(2026, 5, 6, 12, 0, 0, 0, sanlian.Shanghai)
		now := noon
		db.Now = func() time.Time { return now }
		v := sanlian.MsgVars{Code: "ABCDE-FGHJK", Link: "https://sl.example.gov.cn/track/ABCDEFGHJK", Unit: "县住建局", Outcome: "已解决，满意"}
		const phone = "13812345678"

		id, state, err := db.QueueMessageForTest(ctx, 0, sanlian.MsgReceived, phone, "p1:received", "", 0, v)
		MustOK(t, err)
		m, err := db.MessageForTest(ctx, id)
		MustOK(t, err)
		if state != sanlian.MsgPending || m.Phone != phone || !m.NextAt.Equal(noon) || !strings.Contains(m.Text, v.Link) {
			t.Fatalf("queued %s %+v", state, m)
		}
		if db.Encrypted() && strings.Contains(m.PhoneStored, "5678") {
			t.Fatalf("phone stored in clear: %q", m.PhoneStored)
		}
		// One message per event.
		if id2, _, err := db.QueueMessageForTest(ctx, 0, sanlian.MsgReceived, phone, "p1:received", "", 0, v); err != nil || id2 != 0 {
			t.Fatalf("dedupe: %d %v", id2, err)
		}
		// Quiet hours: held until 08:00; a lookup code is not.
		now = time.Date(2026, 5, 6, 23, 10, 0, 0, sanlian.Shanghai)
		id, _, err = db.QueueMessageForTest(ctx, 0, sanlian.MsgAccepted, phone, "p1:accepted", "", 0, v)
		MustOK(t, err)
		m, _ = db.MessageForTest(ctx, id)
		if want := time.Date(2026, 5, 7, 8, 0, 0, 0, sanlian.Shanghai); !m.NextAt.Equal(want) || !strings.Contains(m.Note, "夜间免打扰") {
			t.Fatalf("quiet hours: %+v", m)
		}
		id, _, err = db.QueueMessageForTest(ctx, 0, sanlian.MsgLookupCode, phone, "", "", 0, sanlian.MsgVars{OTP: "123456"})
		MustOK(t, err)
		m, _ = db.MessageForTest(ctx, id)
		if !m.NextAt.Equal(now) || !strings.Contains(m.Text, "123456") {
			t.Fatalf("lookup code held: %+v", m)
		}
		// The daily cap: the 6th message of problems to a phone on one day
		// is skipped; lookup codes and another phone are not counted.
		now = noon.Add(24 * time.Hour)
		for i := range sanlian.MsgDailyCap {
			_, st, err := db.QueueMessageForTest(ctx, int64(0), sanlian.MsgClosed, phone, "cap:"+string(rune('a'+i)), "", 0, v)
			MustOK(t, err)
			if st != sanlian.MsgPending {
				t.Fatalf("message %d: %s", i+1, st)
			}
		}
		id, st, err := db.QueueMessageForTest(ctx, 0, sanlian.MsgClosed, phone, "cap:over", "", 0, v)
		MustOK(t, err)
		m, _ = db.MessageForTest(ctx, id)
		if st != sanlian.MsgSkipped || !strings.Contains(m.Note, "每日上限") {
			t.Fatalf("over the cap: %s %+v", st, m)
		}
		if _, st, _ := db.QueueMessageForTest(ctx, 0, sanlian.MsgClosed, "13900001111", "cap:other", "", 0, v); st != sanlian.MsgPending {
			t.Fatalf("another phone capped: %s", st)
		}
		// A skipped event keeps its reason.
		id, st, err = db.QueueMessageForTest(ctx, 0, sanlian.MsgReopened, "13900002222", "skip", "未设置模板", 0, v)
		MustOK(t, err)
		if m, _ = db.MessageForTest(ctx, id); st != sanlian.MsgSkipped || m.Note != "未设置模板" {
			t.Fatalf("skip: %s %+v", st, m)
		}
		// Shortened at a character boundary with the link kept.
		id, _, err = db.QueueMessageForTest(ctx, 0, sanlian.MsgResolved, "13900003333", "long", "", 70, v)
		MustOK(t, err)
		m, _ = db.MessageForTest(ctx, id)
		if utf8.RuneCountInString(m.Text) > 70 || !utf8.ValidString(m.Text) || !strings.Contains(m.Text, v.Link) {
			t.Fatalf("shortened: %q", m.Text)
		}
	})
}
