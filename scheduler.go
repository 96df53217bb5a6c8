package sanlian

import (
	"context"
	"time"
)

// Job kinds: how often a scheduled job runs and how its runs are keyed.
const (
	JobDaily = "daily" // keyed by date (2006-01-02), due from 00:00 of that date
	JobHalf  = "half"  // keyed by half-month period id, due once the period has ended
	JobMonth = "month" // keyed by month period id, due once the month has ended
)

// Job is a scheduled job known to the scheduler.
type Job struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// JobRun is one run of a job for one key, which happens exactly once
// however many nodes run the scheduler.
type JobRun struct {
	Job   string    `json:"job"`
	Key   string    `json:"key"`
	At    time.Time `json:"at"` // the boundary the run is for
	RanAt time.Time `json:"ran_at"`
}

// Scheduler runs the registered jobs.
type Scheduler interface {
	// RunDue runs every job once for each key whose boundary has passed by
	// now and that has not run yet, oldest first (catching up after
	// downtime), and returns the runs it made. A job never run before
	// starts with the latest key due.
	RunDue(ctx context.Context, now time.Time) ([]JobRun, error)
}

// JobKeys returns the keys of a job kind due by now after last (exclusive;
// "" for a job that never ran: only the latest key), oldest first, and
// the boundary instant of each. At most max keys are returned, the oldest.
func JobKeys(kind, last string, now time.Time, max int) (keys []string, ats []time.Time) {
	now = now.In(Shanghai)
	switch kind {
	case JobDaily:
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, Shanghai)
		d := today
		if last != "" {
			t, err := time.ParseInLocation("2006-01-02", last, Shanghai)
			if err != nil {
				return nil, nil
			}
			d = t.AddDate(0, 0, 1)
		}
		for ; !d.After(today) && len(keys) < max; d = d.AddDate(0, 0, 1) {
			keys, ats = append(keys, d.Format("2006-01-02")), append(ats, d)
		}
	case JobHalf, JobMonth:
		pk := PeriodHalf
		if kind == JobMonth {
			pk = PeriodMonth
		}
		latest := PeriodOf(PeriodOf(now, pk).Start.Add(-time.Hour), pk) // the period that ended last
		p := latest
		if last != "" {
			lp, err := ParsePeriod(last)
			if err != nil {
				return nil, nil
			}
			p = PeriodOf(lp.End, pk)
		}
		for ; !p.End.After(now) && len(keys) < max; p = PeriodOf(p.End, pk) {
			keys, ats = append(keys, p.ID), append(ats, p.End)
		}
	}
	return keys, ats
}
