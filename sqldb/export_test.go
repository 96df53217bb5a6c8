package sqldb

import (
	"context"
	"time"

	"sanlian"
)

// SupervisionLevelsAt runs the automatic supervision levels for the
// instant at outside the scheduler, for tests of its idempotence.
func (db *DB) SupervisionLevelsAt(ctx context.Context, at time.Time) error {
	return db.inTx(sanlian.NewSystemContext(ctx), func(tx *Tx) error { return db.supervisionLevels(tx, at) })
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
