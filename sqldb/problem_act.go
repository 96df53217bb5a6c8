package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"time"

	"sanlian"
)

// Act implements sanlian.ProblemService: one action, as the domain's rule
// (sanlian.Problem.Apply) decides it on the problem locked in the caller's
// scope, written with its timeline, notices and audit row, all in one
// transaction: lock, load what the rule needs, apply, save.
func (db *ProblemStore) Act(ctx context.Context, id int64, action string, req sanlian.ActionRequest) (*sanlian.Problem, error) {
	if err := sanlian.CheckActionRequest(action, &req); err != nil {
		return nil, err
	}
	var out *sanlian.Problem
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if err := sanlian.CheckActionRole(action, s.role()); err != nil {
			return err
		}
		p, err := db.lockProblem(tx, s, id)
		if err != nil {
			return err
		}
		env, err := db.actionEnv(tx, s, p, action, req)
		if err != nil {
			return err
		}
		c, events, err := p.Apply(action, req, env, tx.now)
		if err != nil {
			return err
		}
		if err := db.saveAction(tx, action, p, c, events); err != nil {
			return err
		}
		// Read back without the caller's scope: a transfer may just have
		// moved the problem out of it.
		if out, err = db.findProblem(tx, &scope{user: s.user, all: true}, id); err != nil {
			return err
		}
		out.MaskContacts()
		out.CoUnits, err = db.Org.coUnitsOf(tx, s, id)
		return err
	})
	return out, err
}

// routeAssign saves the system's assignment of p by rule, as the routing
// on entry found it.
func (db *ProblemStore) routeAssign(tx *Tx, p *sanlian.Problem, rule *sanlian.RoutingRule) error {
	env, err := db.deadlineEnv(tx, p)
	if err != nil {
		return err
	}
	c, events := p.AssignByRule(rule, env, tx.now)
	return db.saveAction(tx, sanlian.ActionAssign, p, c, events)
}

// lockProblem reads a problem in scope for update.
func (db *ProblemStore) lockProblem(tx *Tx, s *scope, id int64) (*sanlian.Problem, error) {
	w := &where{}
	if err := s.problems(w); err != nil {
		return nil, err
	}
	w.add("p.id = ?", id)
	q := problemSelect + w.sql()
	if db.Dialect == Postgres {
		q += " FOR UPDATE OF p"
	}
	p, err := db.scanProblem(tx.queryRow(q, w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("问题")
	} else if err != nil {
		return nil, fmt.Errorf("lock problem %d: %w", id, err)
	}
	return p, nil
}

func fieldErr(field, msg string) error { return sanlian.FieldErrors(map[string]string{field: msg}) }

// deadlineEnv reads what counting p's deadlines takes: the calendar, the
// limits of p's category and the office's dispatch limit for p's source.
func (db *ProblemStore) deadlineEnv(tx *Tx, p *sanlian.Problem) (sanlian.ActionEnv, error) {
	var env sanlian.ActionEnv
	cal, err := db.calendarIn(tx)
	if err != nil {
		return env, err
	}
	env.Calendar = cal
	if env.Limits.AcceptDays, env.Limits.ResolveDays, err = tx.categoryDays(p.Category); err != nil {
		return env, err
	}
	l, err := tx.intakeLimits()
	if err != nil {
		return env, err
	}
	env.IntakeDays = l.For(p.Source)
	return env, nil
}

// actionEnv reads what the rule of action on p needs beside the problem:
// the deadlines' data, the unit and cadre the request names, the
// problem's co-units and the units requested as co-units, whose parts the
// caller records, and the problem a merge goes into, locked in scope.
func (db *ProblemStore) actionEnv(tx *Tx, s *scope, p *sanlian.Problem, action string, req sanlian.ActionRequest) (sanlian.ActionEnv, error) {
	env, err := db.deadlineEnv(tx, p)
	if err != nil {
		return env, err
	}
	env.Role, env.MyUnit, env.CadreID = s.role(), s.hasUnit, s.cadreID
	if env.Units, err = unitParents(tx, req.UnitID); err != nil {
		return env, err
	}
	if env.Cadres, err = cadreUnits(tx, req.PersonID); err != nil {
		return env, err
	}
	if env.CoUnits, err = db.Org.coUnitsOf(tx, nil, p.ID); err != nil {
		return env, err
	}
	if env.UnitNames, err = unitNamesTx(tx, req.CoUnitIDs); err != nil {
		return env, err
	}
	if action == sanlian.ActionPart { // whose part the caller records: the part action's alone
		if env.PartUnits, err = db.Org.partUnits(tx, s); err != nil {
			return env, err
		}
	}
	if action == sanlian.ActionMerge && req.Into != 0 && req.Into != p.ID {
		env.Target, err = db.lockProblem(tx, s, req.Into)
		if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
			env.Target, err = nil, nil
		}
	}
	return env, err
}

// unitParents reads unit id, when set and existing, with its parent (0
// for none).
func unitParents(tx *Tx, id int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if id == 0 {
		return out, nil
	}
	var parent sql.NullInt64
	err := tx.queryRow(`SELECT parent_id FROM units WHERE id = ?`, id).Scan(&parent)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	out[id] = parent.Int64
	return out, nil
}

// cadreUnits reads cadre id, when set and existing, with their unit.
func cadreUnits(tx *Tx, id int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if id == 0 {
		return out, nil
	}
	var unit int64
	err := tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, id).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	out[id] = unit
	return out, nil
}

// saveAction writes what an action did: the rows beside the problem's, the
// problem with a version check, the timeline entries, the audit row, and
// what the action tells people.
func (db *ProblemStore) saveAction(tx *Tx, action string, p *sanlian.Problem, c *sanlian.ProblemChange, events []sanlian.ActionEvent) error {
	if err := saveBeside(tx, p, c); err != nil {
		return err
	}
	if err := saveProblemRow(tx, action, &c.Before, p); err != nil {
		return err
	}
	for _, ev := range events {
		if err := problemEvent(tx, ev.ProblemID, ev.Action, ev.Note, ev.FromState, ev.ToState, changes(ev.Changes)); err != nil {
			return err
		}
	}
	own := events[len(events)-1]
	ch := maps.Clone(changes(own.Changes))
	if own.Note != "" {
		ch["note"] = [2]any{nil, own.Note}
	}
	if err := tx.audit(action, "problem", p.ID, ch); err != nil {
		return err
	}
	if err := problemActed(tx, action, &c.Before, p); err != nil {
		return err
	}
	if c.CoUnits != nil {
		return coUnitsNamed(tx, p.ID, c.CoUnits.Add)
	}
	return nil
}

// problemActionCols are the columns of problemFields an action may change.
var problemActionCols = []string{"state", "unit_id", "person_id", "assigned_at", "accept_due", "accepted_at",
	"resolve_due", "resolved_at", "closed_at", "measures", "result", "callback_solved", "callback_satisfaction",
	"callback_at", "reopened", "merged_into", "reject_reason", "extension_until", "extension_reason",
	"assign_due", "rule_id", "due_provisional"}

// saveProblemRow writes the columns of problemActionCols the action
// changed, if the problem still has before's version. Only what changed is
// set: an UPDATE rewrites the index entries of every column it sets.
func saveProblemRow(tx *Tx, action string, before, p *sanlian.Problem) error {
	cols := make([]string, 0, len(problemActionCols))
	for _, c := range problemActionCols {
		f := problemFieldOf(c)
		if !sameValue(f.val(before), f.val(p)) {
			cols = append(cols, c)
		}
	}
	set, args := problemSet(p, cols...)
	if set != "" {
		set += ", "
	}
	res, err := tx.exec(`UPDATE problems SET `+set+`version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		append(args, tx.now, p.ID, before.Version)...)
	if err != nil {
		return fmt.Errorf("%s problem %d: %w", action, p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errStale("该问题")
	}
	tx.problemWritten(p)
	return nil
}

// sameValue reports whether two stored values of a problem's column are
// equal: instants by the instant, the rest by value.
func sameValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
}

// saveBeside writes what an action changed beside the problem's row: its
// co-units, a co-unit's part, a return counted against the unit, and what
// a merge moves to the problem merged into.
func saveBeside(tx *Tx, p *sanlian.Problem, c *sanlian.ProblemChange) error {
	var actor any
	if u := sanlian.UserFromContext(tx.ctx); u != nil {
		actor = nullInt(u.ID)
	}
	if plan := c.CoUnits; plan != nil {
		for _, id := range plan.Remove {
			if _, err := tx.exec(`DELETE FROM problem_co_units WHERE problem_id = ? AND unit_id = ?`, p.ID, id); err != nil {
				return fmt.Errorf("remove co-unit %d: %w", id, err)
			}
		}
		for _, id := range plan.Add {
			if _, err := tx.exec(`INSERT INTO problem_co_units (problem_id, unit_id, added_at, added_by) VALUES (?, ?, ?, ?)`,
				p.ID, id, tx.now, actor); err != nil {
				return fmt.Errorf("add co-unit %d: %w", id, err)
			}
		}
	}
	if pt := c.Part; pt != nil {
		if _, err := tx.exec(`INSERT INTO problem_parts (problem_id, unit_id, note, done_on, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, pt.UnitID, pt.Note, pt.DoneOn, actor, tx.now); err != nil {
			return fmt.Errorf("record part: %w", err)
		}
	}
	if c.Returned {
		if _, err := tx.exec(`INSERT INTO problem_returns (problem_id, unit_id, rule_id, reason, at) VALUES (?, ?, ?, ?, ?)`,
			p.ID, c.Before.UnitID, nullInt(c.Before.RuleID), c.ReturnReason, tx.now); err != nil {
			return fmt.Errorf("return problem %d: %w", p.ID, err)
		}
	}
	if c.MergeInto != nil {
		return saveMerge(tx, p.ID, c.MergeInto.ID)
	}
	return nil
}

// saveMerge moves the reporters of problem from, and the problems merged
// into it, to problem into, whose version it bumps.
func saveMerge(tx *Tx, from, into int64) error {
	if _, err := tx.exec(`UPDATE problem_reporters SET problem_id = ? WHERE problem_id = ?`, into, from); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE problems SET merged_into = ? WHERE merged_into = ?`, into, from); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE problems SET version = version + 1, updated_at = ? WHERE id = ?`, tx.now, into)
	return err
}

// fmtDue shows a deadline as the Shanghai date it ends on.
func fmtDue(t time.Time) string { return sanlian.DueText(t) }
