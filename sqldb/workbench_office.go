package sqldb

import (
	"context"
	"fmt"
	"sort"
	"time"

	"sanlian"
)

var _ sanlian.WorkbenchService = (*ReportStore)(nil)

// The workbenches' grouped counts. Each applies the problem scope and the
// conditions of the list it links to (problemWhere), so a figure and its
// list cannot drift apart.

// IntakeByChannel implements sanlian.WorkbenchService. The queue is short
// (problems waiting for dispatch), so its rows are grouped here.
func (db *ReportStore) IntakeByChannel(ctx context.Context) ([]sanlian.ChannelIntake, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	w, err := db.Problems.problemWhere(s, sanlian.ProblemFilter{State: sanlian.StateSubmitted}, true)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	by := map[string]*sanlian.ChannelIntake{}
	err = eachRow(db.reader(ctx), `SELECT p.source, p.created_at, p.assign_due FROM problems p`+w.sql(), w.args, func(sc scanner) error {
		var src string
		var created, due time.Time
		if err := sc.Scan(&src, &created, timeDst{&due}); err != nil {
			return err
		}
		c := by[src]
		if c == nil {
			c = &sanlian.ChannelIntake{Source: src, Oldest: created}
			by[src] = c
		}
		c.Count++
		if created.Before(c.Oldest) {
			c.Oldest = created
		}
		if !due.IsZero() {
			if c.NextDue.IsZero() || due.Before(c.NextDue) {
				c.NextDue = due
			}
			if now.After(due) {
				c.Overdue++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("intake by channel: %w", err)
	}
	out := []sanlian.ChannelIntake{}
	for _, src := range sanlian.Sources {
		if c := by[src]; c != nil {
			out = append(out, *c)
			delete(by, src)
		}
	}
	for _, c := range by { // a source outside the list, should one be stored
		out = append(out, *c)
	}
	return out, nil
}

// DueByUnit implements sanlian.WorkbenchService: the conditions are those
// of ProblemFilter{UnitID, Overdue: true} and ProblemFilter{UnitID,
// Overdue: false, DueBefore: soon}.
func (db *ReportStore) DueByUnit(ctx context.Context, soon time.Time) ([]sanlian.UnitDue, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	w, err := db.Problems.problemWhere(s, sanlian.ProblemFilter{}, true)
	if err != nil {
		return nil, err
	}
	w.add("p.unit_id IS NOT NULL")
	now := db.Now().UTC()
	args := []any{now, now, now, now, now, now, now, now, soon.UTC()}
	rows, err := db.query(ctx, `SELECT p.unit_id, COALESCE(MAX(u.name), ''),
		SUM(CASE WHEN `+overdueCond+` THEN 1 ELSE 0 END),
		SUM(CASE WHEN NOT `+overdueCond+` AND p.state IN ('assigned', 'accepted') AND p.resolve_due < ? THEN 1 ELSE 0 END)
		FROM problems p LEFT JOIN units u ON u.id = p.unit_id`+w.sql()+` GROUP BY p.unit_id`, append(args, w.args...)...)
	if err != nil {
		return nil, fmt.Errorf("due by unit: %w", err)
	}
	defer rows.Close()
	var out []sanlian.UnitDue
	for rows.Next() {
		var d sanlian.UnitDue
		if err := rows.Scan(&d.UnitID, &d.UnitName, &d.Overdue, &d.DueSoon); err != nil {
			return nil, fmt.Errorf("due by unit: %w", err)
		}
		if d.Overdue+d.DueSoon > 0 {
			out = append(out, d)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due by unit: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		if a.DueSoon != b.DueSoon {
			return a.DueSoon > b.DueSoon
		}
		return a.UnitID < b.UnitID
	})
	return out, nil
}

// TownshipLoads implements sanlian.WorkbenchService: open is
// ProblemFilter{TownshipCode, Open}, overdue {TownshipCode, Overdue: true},
// red {TownshipCode, Card: red}.
func (db *ReportStore) TownshipLoads(ctx context.Context) ([]sanlian.TownshipLoad, error) {
	s, err := db.scopeOf(ctx, db.reader(ctx))
	if err != nil {
		return nil, err
	}
	rw := &where{}
	rw.add("r.kind = 'township'")
	if !s.all {
		if s.role() != sanlian.RoleLeader {
			return nil, errForbidden("只有县领导小组办公室和县级领导可以查看各乡镇汇总")
		}
		rw.add(inList("r.code", len(s.townships)), strArgs(s.townships)...)
	}
	var out []sanlian.TownshipLoad
	idx := map[string]int{}
	err = eachRow(db.reader(ctx), `SELECT r.code, r.name FROM regions r`+rw.sql()+` ORDER BY r.code`, rw.args, func(sc scanner) error {
		var t sanlian.TownshipLoad
		if err := sc.Scan(&t.Code, &t.Name); err != nil {
			return err
		}
		idx[t.Code] = len(out)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("township loads: %w", err)
	}
	yes := true
	for _, c := range []struct {
		f   sanlian.ProblemFilter
		set func(t *sanlian.TownshipLoad, n int)
	}{
		{sanlian.ProblemFilter{Open: true}, func(t *sanlian.TownshipLoad, n int) { t.Open = n }},
		{sanlian.ProblemFilter{Overdue: &yes}, func(t *sanlian.TownshipLoad, n int) { t.Overdue = n }},
		{sanlian.ProblemFilter{Card: sanlian.LevelRed}, func(t *sanlian.TownshipLoad, n int) { t.Red = n }},
	} {
		w, err := db.Problems.problemWhere(s, c.f, true)
		if err != nil {
			return nil, err
		}
		err = eachRow(db.reader(ctx), `SELECT p.township_code, COUNT(*) FROM problems p`+w.sql()+` GROUP BY p.township_code`, w.args,
			func(sc scanner) error {
				var code string
				var n int
				if err := sc.Scan(&code, &n); err != nil {
					return err
				}
				if i, ok := idx[code]; ok {
					c.set(&out[i], n)
				}
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("township loads: %w", err)
		}
	}
	return out, nil
}
