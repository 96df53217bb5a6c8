package sqldb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"

	"sanlian"
)

// JobFunc is the work of a scheduled job for one key. It runs inside tx
// as the system, with at the boundary the key stands for (00:00 Asia/
// Shanghai of a daily key's date, the end of a period); the run is
// recorded in the same transaction, so it happens once or not at all.
type JobFunc func(tx *Tx, key string, at time.Time) error

type job struct {
	sanlian.Job
	fn JobFunc
}

// jobRegistry holds a DB's scheduled jobs; the built-in ones are added on
// first use.
type jobRegistry struct {
	mu      sync.Mutex
	once    sync.Once
	jobs    map[string]*job
	observe func(job, outcome string) // OnJobRun's; nil: none
}

// Outcomes of a job's key, as OnJobRun reports them.
const (
	JobRanOK     = "ok"     // the key ran and its run was recorded
	JobRanFailed = "failed" // the key's work or its record failed (rolled back)
	JobRanBusy   = "busy"   // another node held the job's lock: left to it
)

// OnJobRun sets fn to be told the outcome of every key a job runs or
// tries to run (JobRanOK, JobRanFailed, JobRanBusy), for the server's
// metrics. A key another node had already run is not reported.
func (db *DB) OnJobRun(fn func(job, outcome string)) {
	db.jobs.mu.Lock()
	defer db.jobs.mu.Unlock()
	db.jobs.observe = fn
}

// jobRan reports one key's outcome to OnJobRun's function.
func (db *DB) jobRan(name string, ran bool, err error) {
	db.jobs.mu.Lock()
	fn := db.jobs.observe
	db.jobs.mu.Unlock()
	switch {
	case fn == nil:
	case errors.Is(err, errJobBusy):
		fn(name, JobRanBusy)
	case err != nil:
		fn(name, JobRanFailed)
	case ran:
		fn(name, JobRanOK)
	}
}

// maxCatchUp bounds the keys one RunDue runs for a job: a server down for
// longer catches up over the following minutes.
const maxCatchUp = 62

// RegisterJob adds a scheduled job: kind is sanlian.JobDaily, JobHalf or
// JobMonth. A name registered twice is replaced.
func (db *DB) RegisterJob(name, kind string, fn JobFunc) error {
	switch kind {
	case sanlian.JobDaily, sanlian.JobHalf, sanlian.JobMonth:
	default:
		return fmt.Errorf("register job %q: unknown kind %q", name, kind)
	}
	db.builtinJobs()
	db.jobs.mu.Lock()
	defer db.jobs.mu.Unlock()
	db.jobs.jobs[name] = &job{sanlian.Job{Name: name, Kind: kind}, fn}
	return nil
}

func (db *DB) builtinJobs() {
	db.jobs.once.Do(func() {
		db.jobs.mu.Lock()
		defer db.jobs.mu.Unlock()
		if db.jobs.jobs == nil {
			db.jobs.jobs = map[string]*job{}
		}
		db.jobs.jobs[SupervisionLevelsJob] = &job{sanlian.Job{Name: SupervisionLevelsJob, Kind: sanlian.JobDaily},
			func(tx *Tx, _ string, at time.Time) error { return tx.db.Problems.supervisionLevels(tx, at) }}
	})
}

// Jobs lists the registered jobs by name.
func (db *DB) Jobs() []sanlian.Job {
	db.builtinJobs()
	db.jobs.mu.Lock()
	defer db.jobs.mu.Unlock()
	out := make([]sanlian.Job, 0, len(db.jobs.jobs))
	for _, j := range db.jobs.jobs {
		out = append(out, j.Job)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

// errJobBusy says another node holds the job's lock: it is running the
// same keys, so this node leaves them to it.
var errJobBusy = errors.New("job busy on another node")

// jobLockKey is the advisory lock of one job on PostgreSQL.
func jobLockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("sanlian job " + name))
	return int64(h.Sum64())
}

// RunDue implements sanlian.Scheduler. Each key runs in a transaction of
// its own that first records the run in job_runs, whose primary key
// (job, period_key) makes a second run of the key impossible: a node that
// comes second waits for the first to commit and then finds the row. On
// PostgreSQL the transaction also takes the job's advisory lock without
// waiting, so two nodes never run keys of one job side by side (a node
// that misses the lock leaves the job to the other); on SQLite the single
// writer serialises them.
func (db *DB) RunDue(ctx context.Context, now time.Time) ([]sanlian.JobRun, error) {
	ctx = sanlian.NewSystemContext(ctx)
	var out []sanlian.JobRun
	var errs []error
	for _, j := range db.Jobs() {
		db.jobs.mu.Lock()
		jb := db.jobs.jobs[j.Name]
		db.jobs.mu.Unlock()
		runs, err := db.runJob(ctx, jb, now)
		out = append(out, runs...)
		if err != nil && !errors.Is(err, errJobBusy) {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func (db *DB) runJob(ctx context.Context, j *job, now time.Time) ([]sanlian.JobRun, error) {
	var last string
	err := db.queryRow(ctx, "SELECT COALESCE(MAX(period_key), '') FROM job_runs WHERE job = ?", j.Name).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("job %s: last run: %w", j.Name, err)
	}
	keys, ats := sanlian.JobKeys(j.Kind, last, now, maxCatchUp)
	var out []sanlian.JobRun
	for i, key := range keys {
		ran := false
		err := db.inTx(ctx, func(tx *Tx) error {
			if db.Dialect == Postgres {
				var got bool
				if err := tx.queryRow("SELECT pg_try_advisory_xact_lock(?)", jobLockKey(j.Name)).Scan(&got); err != nil {
					return fmt.Errorf("job %s lock: %w", j.Name, err)
				}
				if !got {
					return errJobBusy
				}
			}
			res, err := tx.exec(`INSERT INTO job_runs (job, period_key, at, ran_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (job, period_key) DO NOTHING`, j.Name, key, ats[i].UTC(), tx.now)
			if err != nil {
				return fmt.Errorf("job %s %s: %w", j.Name, key, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another node ran it
			}
			if err := j.fn(tx, key, ats[i]); err != nil {
				return fmt.Errorf("job %s %s: %w", j.Name, key, err)
			}
			ran = true
			return nil
		})
		db.jobRan(j.Name, ran, err)
		if err != nil {
			return out, err
		}
		if ran {
			out = append(out, sanlian.JobRun{Job: j.Name, Key: key, At: ats[i], RanAt: db.Now()})
		}
	}
	return out, nil
}

// FindJobRuns lists the runs of a job, oldest key first.
func (db *DB) FindJobRuns(ctx context.Context, name string) ([]sanlian.JobRun, error) {
	rows, err := db.query(ctx, "SELECT job, period_key, at, ran_at FROM job_runs WHERE job = ? ORDER BY period_key", name)
	if err != nil {
		return nil, fmt.Errorf("job runs %s: %w", name, err)
	}
	defer rows.Close()
	var out []sanlian.JobRun
	for rows.Next() {
		var r sanlian.JobRun
		if err := rows.Scan(&r.Job, &r.Key, &r.At, &r.RanAt); err != nil {
			return nil, fmt.Errorf("job runs %s: %w", name, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
