package sqldb

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"sanlian"
)

// Entries of problems arriving together are written in one transaction,
// each in a savepoint of its own (group commit). Both engines serialise
// entries anyway: SQLite has one writer, and the county's running number
// (problem_counters) is one row that every entry locks until it commits,
// on PostgreSQL too. One entry a transaction thus paid a whole commit —
// the WAL pages of a dozen tables and indexes on SQLite, an fsync on
// PostgreSQL — under that lock. A batch pays one commit for all its
// entries, and a failing entry rolls back to its savepoint alone, its
// number with it, so the numbers stay without gaps.

// maxEntryBatch bounds the entries of one transaction, and so the wait of
// the last of them.
const maxEntryBatch = 64

// entryQueue holds the entries waiting for the writer; one goroutine at a
// time, the one that found it idle, writes them.
type entryQueue struct {
	mu      sync.Mutex
	pending []*entryJob
	writing bool
}

// entryJob is one CreateProblem call.
type entryJob struct {
	ctx  context.Context
	in   *sanlian.ProblemInput
	out  *sanlian.Problem
	err  error
	done chan struct{}
}

// enter queues in and returns once its batch has committed or failed.
// The caller whose entry finds the queue idle writes batches until its own
// is written, then hands what is left to a goroutine.
func (db *ProblemStore) enter(ctx context.Context, in *sanlian.ProblemInput) (*sanlian.Problem, error) {
	if err := ctx.Err(); err != nil { // gone before it was queued: nothing is written
		return nil, err
	}
	j := &entryJob{ctx: ctx, in: in, done: make(chan struct{})}
	q := &db.entries
	q.mu.Lock()
	q.pending = append(q.pending, j)
	lead := !q.writing
	q.writing = true
	q.mu.Unlock()
	if lead {
		db.writeEntries(j)
	}
	// A job in a batch is written whatever its caller does meanwhile:
	// its answer comes with the commit.
	<-j.done
	return j.out, j.err
}

// writeEntries writes batches until mine is done, then leaves the rest to
// a goroutine of its own, or marks the queue idle.
func (db *ProblemStore) writeEntries(mine *entryJob) {
	q := &db.entries
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.writing = false
			q.mu.Unlock()
			return
		}
		if mine != nil && isDone(mine) {
			q.mu.Unlock()
			go db.writeEntries(nil) // it writes until the queue is empty
			return
		}
		n := min(len(q.pending), maxEntryBatch)
		batch := q.pending[:n:n]
		q.pending = append([]*entryJob(nil), q.pending[n:]...)
		q.mu.Unlock()
		db.writeBatch(batch)
	}
}

// writeBatch writes the batch's entries in one transaction, each in its
// savepoint, with its caller's user, request and clock, and commits. Every
// job is answered, even if an entry panics: the batch is then rolled back
// and each of its jobs gets the error, and the queue goes on.
func (db *ProblemStore) writeBatch(batch []*entryJob) {
	var err error
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("problem entry: panic: %v\n%s", r, debug.Stack())
		}
		for _, j := range batch {
			if err != nil && j.err == nil {
				j.out, j.err = nil, err
			}
			close(j.done)
		}
	}()
	err = db.writeBatchTx(batch)
}

// writeBatchTx is writeBatch's transaction: an error returned is every
// job's whose entry did not fail on its own.
func (db *ProblemStore) writeBatchTx(batch []*entryJob) error {
	// The transaction outlives any one caller's request.
	tx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	// The batch's own Tx gathers what the written entries add to the
	// rollups and whether they audited, and commits as inTx does.
	all := &Tx{tx: tx, db: db.DB, ctx: context.Background(), now: db.Now().UTC().Truncate(time.Microsecond)}
	for _, j := range batch {
		t := &Tx{tx: tx, db: db.DB, ctx: context.WithoutCancel(j.ctx), now: db.Now().UTC().Truncate(time.Microsecond),
			memo: all.memoOf()} // the batch reads the settings once
		if _, err := t.exec(`SAVEPOINT entry`); err != nil {
			return err
		}
		j.out, j.err = db.createOne(t, j.in)
		if j.err != nil {
			if _, err := t.exec(`ROLLBACK TO SAVEPOINT entry`); err != nil {
				return err
			}
		}
		if _, err := t.exec(`RELEASE SAVEPOINT entry`); err != nil {
			return err
		}
		all.audited = all.audited || (j.err == nil && t.audited)
		if j.err == nil && t.rollups != nil {
			if all.rollups == nil {
				all.rollups = sanlian.NewRollupDeltas()
			}
			all.rollups.Merge(t.rollups)
		}
	}
	return all.commit()
}

// createOne is one entry inside tx: the caller's scope, the entry, and the
// problem read back as the caller may see it.
func (db *ProblemStore) createOne(tx *Tx, in *sanlian.ProblemInput) (*sanlian.Problem, error) {
	s, err := db.scopeOf(tx.ctx, tx)
	if err != nil {
		return nil, err
	}
	id, err := db.createProblem(tx, s, in, 0)
	if err != nil {
		return nil, err
	}
	out, err := db.findProblem(tx, s, id)
	if err != nil {
		return nil, err
	}
	out.MaskContacts()
	return out, nil
}

func isDone(j *entryJob) bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}
