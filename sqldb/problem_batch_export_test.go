package sqldb

import (
	"context"

	"sanlian"
)

// WriteBatchForTest writes the entries as one batch, each with its own
// context, whatever else is queued.
func (db *ProblemStore) WriteBatchForTest(ctxs []context.Context, ins []*sanlian.ProblemInput) ([]*sanlian.Problem, []error) {
	batch := make([]*entryJob, len(ins))
	for i, in := range ins {
		if in != nil {
			in.Normalize()
		}
		batch[i] = &entryJob{ctx: ctxs[i], in: in, done: make(chan struct{})}
	}
	db.writeBatch(batch)
	out, errs := make([]*sanlian.Problem, len(batch)), make([]error, len(batch))
	for i, j := range batch {
		out[i], errs[i] = j.out, j.err
	}
	return out, errs
}
