package sqldb

import (
	"context"

	"sanlian"
)

// SetProblemForTest stores cols of p on problem p.ID through problemSet.
func (db *DB) SetProblemForTest(ctx context.Context, p *sanlian.Problem, cols ...string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		set, args := problemSet(p, cols...)
		_, err := tx.exec(`UPDATE problems SET `+set+` WHERE id = ?`, append(args, p.ID)...)
		return err
	})
}
