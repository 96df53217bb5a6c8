package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestAudit_RequestID: an audit row written within a request carries the
// request's id, read back by FindAudit; rows without one keep the v1
// encoding, rows with one are sealed with it, and changing it either way
// breaks the chain at that row.
func TestAudit_RequestID(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := sqldbtest.As(auditWriter)
		MustOK(t, db.RecordExport(ctx, "household", "无请求", 1))
		withID := sanlian.NewContextWithMeta(ctx, sanlian.RequestMeta{IP: "127.0.0.9", RequestID: "req-42.a_b"})
		MustOK(t, db.RecordExport(withID, "household", "有请求", 2))

		es, _, err := db.FindAudit(ctx, sanlian.AuditFilter{Action: "export", Limit: 10})
		MustOK(t, err)
		if len(es) != 2 || es[0].RequestID != "req-42.a_b" || es[0].IP != "127.0.0.9" || es[1].RequestID != "" {
			t.Fatalf("audit rows: %+v %+v", es[0], es[1])
		}
		if n := mustSeal(t, db); n != 2 {
			t.Fatalf("sealed %d, want 2", n)
		}
		if rep := mustVerify(t, db); !rep.OK() || rep.Checked != 2 {
			t.Fatalf("report %+v", rep)
		}

		for _, tc := range []struct {
			name string
			id   int64
			set  string
		}{{"Blanked", es[0].ID, ""}, {"Added", es[1].ID, "forged"}} {
			t.Run(tc.name, func(t *testing.T) {
				var old string
				for _, e := range es {
					if e.ID == tc.id {
						old = e.RequestID
					}
				}
				tamper(t, db, fmt.Sprintf("UPDATE audit_log SET request_id = '%s' WHERE id = %d", tc.set, tc.id))
				rep := mustVerify(t, db)
				if rep.Failure == nil || rep.Failure.Kind != sanlian.ChainChanged || rep.Failure.AuditID != tc.id {
					t.Errorf("request id %q → %q: report %+v", old, tc.set, rep.Failure)
				}
				tamper(t, db, fmt.Sprintf("UPDATE audit_log SET request_id = '%s' WHERE id = %d", old, tc.id))
				if rep := mustVerify(t, db); !rep.OK() {
					t.Fatalf("restored: %+v", rep.Failure)
				}
			})
		}
	})
}

// TestDB_QueueDepths counts what waits in each queue: pending webhook
// deliveries, pending SMS and WeChat messages, unread notices; delivered,
// sent and read ones are not counted.
func TestDB_QueueDepths(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		got, err := db.QueueDepths(ctx)
		MustOK(t, err)
		if fmt.Sprint(got) != "map[notice:0 sms:0 webhook:0 wechat:0]" {
			t.Fatalf("empty queues: %v", got)
		}
		now := time.Now().UTC()
		MustOK(t, db.ExecForTest(`INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at)
			VALUES (77, 'q', 'q', 'office', 'x', ?, ?)`, now, now))
		MustOK(t, db.ExecForTest(`INSERT INTO webhooks (id, name, kind, url, events, created_at, updated_at)
			VALUES (5, 'h', 'json', 'http://127.0.0.1/h', 'problem_resolved', ?, ?)`, now, now))
		for i, state := range []string{"pending", "pending", "delivered", "failed"} {
			MustOK(t, db.ExecForTest(`INSERT INTO webhook_deliveries (webhook_id, event, payload, state, next_at, created_at)
				VALUES (5, 'problem_resolved', '{}', ?, ?, ?)`, state, now.Add(time.Duration(i)*time.Hour), now))
		}
		for _, m := range [][2]string{{"sms", "pending"}, {"sms", "pending"}, {"sms", "pending"}, {"sms", "sent"}, {"wechat", "pending"}, {"wechat", "skipped"}} {
			MustOK(t, db.ExecForTest(`INSERT INTO resident_messages (channel, event, text, state, next_at, created_at)
				VALUES (?, 'resolved', 't', ?, ?, ?)`, m[0], m[1], now, now))
		}
		for _, read := range []any{nil, nil, now} {
			MustOK(t, db.ExecForTest(`INSERT INTO notices (user_id, kind, title, read_at, created_at) VALUES (77, 'assigned', 't', ?, ?)`, read, now))
		}
		got, err = db.QueueDepths(ctx)
		MustOK(t, err)
		if fmt.Sprint(got) != "map[notice:2 sms:3 webhook:2 wechat:1]" {
			t.Fatalf("queues: %v", got)
		}
		pools := db.PoolStats()
		keys := make([]string, 0, len(pools))
		for k := range pools {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := "[read write]"
		if db.Dialect == sqldb.Postgres {
			want = "[shared]"
		}
		if fmt.Sprint(keys) != want || pools[keys[0]].OpenConnections == 0 {
			t.Fatalf("pools %v: %+v", keys, pools)
		}
	})
}

// TestScheduler_OnJobRun: every key a job runs is reported with its
// outcome, a failed one as failed (and nothing recorded for it).
func TestScheduler_OnJobRun(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var seen []string
		db.OnJobRun(func(job, outcome string) { seen = append(seen, job+":"+outcome) })
		tickJob(t, db, "tick_daily", sanlian.JobDaily)
		MustOK(t, db.RegisterJob("broken", sanlian.JobDaily, func(tx *sqldb.Tx, key string, at time.Time) error {
			return fmt.Errorf("broken on %s", key)
		}))
		clockAt(db, "2021-05-10 09:00")
		if _, err := db.RunDue(context.Background(), db.Now()); err == nil {
			t.Fatal("a broken job reported no error")
		}
		slices.Sort(seen)
		if want := "[broken:failed " + sqldb.SupervisionLevelsJob + ":ok tick_daily:ok]"; fmt.Sprint(seen) != want {
			t.Fatalf("outcomes %v, want %s", seen, want)
		}
		seen = nil
		clockAt(db, "2021-05-10 10:00") // the same day again: only the broken key retries
		db.RunDue(context.Background(), db.Now())
		if fmt.Sprint(seen) != "[broken:failed]" {
			t.Fatalf("second pass: %v", seen)
		}
	})
}
