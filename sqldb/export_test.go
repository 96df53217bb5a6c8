package sqldb

import (
	"context"
	"time"

	"sanlian"
)

// SupervisionLevelsAt runs the automatic supervision levels for the
// instant at outside the scheduler, for tests of its idempotence.
func (db *DB) SupervisionLevelsAt(ctx context.Context, at time.Time) error {
	return db.inTx(sanlian.NewSystemContext(ctx), func(tx *Tx) error { return db.Problems.supervisionLevels(tx, at) })
}

// AuditForTest writes an audit row from a job, as jobs of other features
// will.
func AuditForTest(tx *Tx, action, entityID string) error {
	return tx.audit(action, "job", entityID, nil)
}

// OpenValue opens a sealed value as stored in the column aad.
func (db *DB) OpenValue(stored, aad string) (string, error) { return db.ring.Open(stored, aad) }

// SetResealBatch sets the rows per transaction of sealing passes.
func (db *DB) SetResealBatch(n int) { db.resealRows = n }

// QueueMessageForTest queues one message to a resident to phone (SMS) in
// a transaction of its own, as an event would, and returns its id and state.
func (db *DB) QueueMessageForTest(ctx context.Context, problemID int64, event, phone, dedupe, skip string, maxRunes int, v sanlian.MsgVars) (id int64, state string, err error) {
	err = db.inTx(sanlian.NewSystemContext(ctx), func(tx *Tx) error {
		id, state, err = queueResidentMessage(tx, residentMsg{problemID: problemID, channel: sanlian.ChannelSMS, event: event, to: phone,
			vars: v, dedupe: dedupe, skip: skip, maxRunes: maxRunes})
		return err
	})
	return id, state, err
}

// MessageRow is a queued message as stored, its phone opened.
type MessageRow struct {
	State, Note, Text, Phone, PhoneStored string
	NextAt                                time.Time
}

// MessageForTest reads a queued message.
func (db *DB) MessageForTest(ctx context.Context, id int64) (m MessageRow, err error) {
	err = db.reader(ctx).queryOne(`SELECT state, note, text, phone, phone, next_at FROM resident_messages WHERE id = ?`, id).
		Scan(&m.State, &m.Note, &m.Text, db.sealed(aadMessagePhone, &m.Phone, &id), &m.PhoneStored, timeDst{&m.NextAt})
	return m, err
}

// ExecForTest runs q on the writer connection, as an operator's SQL would.
func (db *DB) ExecForTest(q string, args ...any) error {
	_, err := db.w.Exec(db.rebind(q), args...)
	return err
}

// RebuildRollupsInBatches is RebuildRollups writing every batch problems.
func (db *DB) RebuildRollupsInBatches(ctx context.Context, batch int) (int, error) {
	return db.rebuildRollups(ctx, batch)
}
