package sqldb

import (
	"context"
	"database/sql"
	"fmt"
)

// Queue names, as QueueDepths reports them.
const (
	QueueWebhook = "webhook" // webhook deliveries not yet delivered or given up
	QueueSMS     = "sms"     // SMS to residents not yet sent or given up
	QueueWechat  = "wechat"  // WeChat template messages to residents, likewise
	QueueNotice  = "notice"  // in-app notices not yet read
)

// QueueDepths counts what waits in each queue the workers drain: pending
// webhook deliveries, pending messages to residents by channel, and unread
// in-app notices, by the names above (every name present, 0 when empty).
// It reads counts only, no row's content, so the answer carries no
// personal data; the partial indexes on state = 'pending' keep it cheap.
func (db *DB) QueueDepths(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{QueueWebhook: 0, QueueSMS: 0, QueueWechat: 0, QueueNotice: 0}
	var hooks, notices int64
	err := db.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'),
		(SELECT COUNT(*) FROM notices WHERE read_at IS NULL)`).Scan(&hooks, &notices)
	if err != nil {
		return nil, fmt.Errorf("queue depths: %w", err)
	}
	out[QueueWebhook], out[QueueNotice] = hooks, notices
	rows, err := db.query(ctx, `SELECT channel, COUNT(*) FROM resident_messages WHERE state = 'pending' GROUP BY channel`)
	if err != nil {
		return nil, fmt.Errorf("queue depths: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ch string
		var n int64
		if err := rows.Scan(&ch, &n); err != nil {
			return nil, fmt.Errorf("queue depths: %w", err)
		}
		out[ch] = n // the channels are the queue names (sms, wechat)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue depths: %w", err)
	}
	return out, nil
}

// PoolStats are the connection pools' statistics by pool: "read" and
// "write" on SQLite (the writer a single connection), "shared" on
// PostgreSQL, where one pool serves both.
func (db *DB) PoolStats() map[string]sql.DBStats {
	if db.r == db.w {
		return map[string]sql.DBStats{"shared": db.w.Stats()}
	}
	return map[string]sql.DBStats{"read": db.r.Stats(), "write": db.w.Stats()}
}
