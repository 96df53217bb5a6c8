package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sanlian"
)

var _ sanlian.DispatchService = (*ProblemStore)(nil)

// dispatchReader checks that the caller may read dispatch meetings: the
// office, county leaders and unit admins.
func dispatchReader(s *scope) error {
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleLeader, sanlian.RoleUnitAdmin:
		return nil
	}
	return errForbidden("只有县办公室、县级领导和单位管理员可以查看月度调度")
}

// dispatchWriter checks that the caller is the office.
func dispatchWriter(s *scope) error {
	if s.role() != sanlian.RoleOffice {
		return errForbidden("只有县办公室可以记录月度调度")
	}
	return nil
}

// FindDispatches implements sanlian.DispatchService.
func (db *ProblemStore) FindDispatches(ctx context.Context) ([]*sanlian.DispatchMonth, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := dispatchReader(s); err != nil {
		return nil, err
	}
	rows, err := q.queryRows(`SELECT m.month, COALESCE(d.meeting_date, ''), COALESCE(d.version, 0),
		(SELECT COUNT(*) FROM dispatch_decisions x WHERE x.month = m.month),
		(SELECT COUNT(*) FROM dispatch_decisions x JOIN responsibilities r ON r.id = x.responsibility_id
			WHERE x.month = m.month AND r.state = 'done')
		FROM (SELECT month FROM dispatches UNION SELECT month FROM dispatch_decisions) m
		LEFT JOIN dispatches d ON d.month = m.month ORDER BY m.month DESC`)
	if err != nil {
		return nil, fmt.Errorf("find dispatches: %w", err)
	}
	defer rows.Close()
	cur := sanlian.PeriodOf(db.Now(), sanlian.PeriodMonth).ID
	var out []*sanlian.DispatchMonth
	for rows.Next() {
		m := &sanlian.DispatchMonth{}
		var version int64
		if err := rows.Scan(&m.Month, &m.MeetingDate, &version, &m.Decisions, &m.Done); err != nil {
			return nil, fmt.Errorf("find dispatches: %w", err)
		}
		m.Held = version > 0
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find dispatches: %w", err)
	}
	// The current month is on the list to be prepared, at its place in
	// the order.
	at := 0
	for at < len(out) && out[at].Month > cur {
		at++
	}
	if at == len(out) || out[at].Month != cur {
		out = append(out[:at], append([]*sanlian.DispatchMonth{{Month: cur}}, out[at:]...)...)
	}
	return out, nil
}

// FindDispatch implements sanlian.DispatchService.
func (db *ProblemStore) FindDispatch(ctx context.Context, month string) (*sanlian.Dispatch, error) {
	p, err := sanlian.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := dispatchReader(s); err != nil {
		return nil, err
	}
	return db.findDispatch(q, p.ID)
}

func (db *ProblemStore) findDispatch(q querier, month string) (*sanlian.Dispatch, error) {
	d := &sanlian.Dispatch{Month: month}
	err := q.queryOne(`SELECT meeting_date, place, chair, attendees, record, version, updated_at FROM dispatches WHERE month = ?`, month).
		Scan(&d.MeetingDate, &d.Place, &d.Chair, &d.Attendees, &d.Record, &d.Version, &d.UpdatedAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find dispatch %s: %w", month, err)
	}
	d.Decisions, err = db.findDecisions(q, "x.month = ?", month)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// findDecisions reads the decisions meeting cond on dispatch_decisions x,
// in the order they were taken, with their responsibility's state.
func (db *ProblemStore) findDecisions(q querier, cond string, args ...any) ([]*sanlian.Decision, error) {
	rows, err := q.queryRows(`SELECT x.id, x.month, x.text, x.unit_id, x.person_id, COALESCE(x.leader_id, 0), x.deadline,
		COALESCE(x.responsibility_id, 0), COALESCE(u.name, ''), COALESCE(p.name, ''), COALESCE(l.name, ''),
		COALESCE(r.state, 'pending'), COALESCE(r.completion_note, ''), COALESCE(r.deadline, x.deadline)
		FROM dispatch_decisions x
		LEFT JOIN units u ON u.id = x.unit_id
		LEFT JOIN cadres p ON p.id = x.person_id
		LEFT JOIN cadres l ON l.id = x.leader_id
		LEFT JOIN responsibilities r ON r.id = x.responsibility_id
		WHERE `+cond+` ORDER BY x.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find decisions: %w", err)
	}
	defer rows.Close()
	today := db.Lists.today()
	out := []*sanlian.Decision{}
	for rows.Next() {
		x := &sanlian.Decision{}
		var due string
		if err := rows.Scan(&x.ID, &x.Month, &x.Text, &x.UnitID, &x.PersonID, &x.LeaderID, &x.Deadline, &x.ResponsibilityID,
			&x.UnitName, &x.PersonName, &x.LeaderName, &x.State, &x.CompletionNote, &due); err != nil {
			return nil, fmt.Errorf("find decisions: %w", err)
		}
		// The line's deadline rules once the unit has adjusted it.
		x.Overdue = x.State != sanlian.RespDone && due < today
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find decisions: %w", err)
	}
	return out, nil
}

// SaveDispatch implements sanlian.DispatchService.
func (db *ProblemStore) SaveDispatch(ctx context.Context, month string, in *sanlian.DispatchInput, version int64) (*sanlian.Dispatch, error) {
	p, err := sanlian.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(p); err != nil {
		return nil, err
	}
	var out *sanlian.Dispatch
	err = db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if err := dispatchWriter(s); err != nil {
			return err
		}
		before, err := db.findDispatch(tx, p.ID)
		if err != nil {
			return err
		}
		if before.Version != version {
			return errStale(p.Label() + "调度会记录")
		}
		action := "create"
		if version == 0 {
			_, err = tx.exec(`INSERT INTO dispatches (month, meeting_date, place, chair, attendees, record, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, in.MeetingDate, in.Place, in.Chair, in.Attendees, in.Record, nullInt(s.user.ID), tx.now, tx.now)
			if errors.Is(err, errUnique) {
				return errStale(p.Label() + "调度会记录")
			} else if err != nil {
				return fmt.Errorf("save dispatch %s: %w", p.ID, err)
			}
		} else {
			action = "update"
			res, err := tx.exec(`UPDATE dispatches SET meeting_date = ?, place = ?, chair = ?, attendees = ?, record = ?, version = version + 1,
				updated_at = ? WHERE month = ? AND version = ?`, in.MeetingDate, in.Place, in.Chair, in.Attendees, in.Record, tx.now, p.ID, version)
			if err != nil {
				return fmt.Errorf("save dispatch %s: %w", p.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errStale(p.Label() + "调度会记录")
			}
		}
		ch := changes{}
		ch.set("meeting_date", before.MeetingDate, in.MeetingDate)
		ch.set("place", before.Place, in.Place)
		ch.set("chair", before.Chair, in.Chair)
		ch.set("attendees", before.Attendees, in.Attendees)
		ch.set("record", before.Record, in.Record)
		if err := tx.audit(action, "dispatch", p.ID, ch); err != nil {
			return err
		}
		out, err = db.findDispatch(tx, p.ID)
		return err
	})
	return out, err
}

// decisionFields names the responsibility's field errors as the decision's.
var decisionFields = map[string]string{"task": "text", "source_id": "text", "source": "text"}

// AddDecision implements sanlian.DispatchService: the decision, its line
// on the unit's responsibility list (checked and entered as
// CreateResponsibility enters one), and the link between them, all in one
// transaction.
func (db *ProblemStore) AddDecision(ctx context.Context, month string, in *sanlian.DecisionInput) (*sanlian.Decision, error) {
	p, err := sanlian.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	if in.UnitID <= 0 {
		in.UnitID = 0
	}
	// Checked with a stand-in id: the decision has none until inserted.
	if err := decisionErr(in.Responsibility(1).Validate()); err != nil {
		return nil, err
	}
	if in.UnitID == 0 {
		return nil, sanlian.FieldErrors(map[string]string{"unit_id": "请选择责任单位"})
	}
	var out *sanlian.Decision
	err = db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if err := dispatchWriter(s); err != nil {
			return err
		}
		// The unit and cadres are checked before anything is written.
		if err := decisionErr(db.Lists.checkResponsibility(tx, s, in.Responsibility(1), nil)); err != nil {
			return err
		}
		ri := in.Responsibility(0)
		id, err := tx.insertID(`INSERT INTO dispatch_decisions (month, text, unit_id, person_id, leader_id, deadline, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, ri.Task, ri.UnitID, ri.PersonID, nullInt(ri.LeaderID), ri.Deadline, nullInt(s.user.ID), tx.now)
		if err != nil {
			return fmt.Errorf("add decision %s: %w", p.ID, err)
		}
		ri = in.Responsibility(id)
		if err := ri.Validate(); err != nil {
			return decisionErr(err)
		}
		rid, err := db.Lists.createResponsibility(tx, s, ri)
		if err != nil {
			return decisionErr(err)
		}
		if _, err := tx.exec(`UPDATE dispatch_decisions SET responsibility_id = ? WHERE id = ?`, rid, id); err != nil {
			return fmt.Errorf("add decision %s: %w", p.ID, err)
		}
		ch := changes{"month": {nil, p.ID}, "text": {nil, ri.Task}, "unit_id": {nil, ri.UnitID}, "person_id": {nil, ri.PersonID},
			"deadline": {nil, ri.Deadline}, "responsibility_id": {nil, rid}}
		if ri.LeaderID != 0 {
			ch["leader_id"] = [2]any{nil, ri.LeaderID}
		}
		if err := tx.audit("create", "dispatch_decision", id, ch); err != nil {
			return err
		}
		xs, err := db.findDecisions(tx, "x.id = ?", id)
		if err != nil {
			return err
		}
		out = xs[0]
		return nil
	})
	return out, err
}

// decisionErr renames a responsibility's field errors as the decision's.
func decisionErr(err error) error {
	fs := sanlian.ErrorFields(err)
	if len(fs) == 0 {
		return err
	}
	out := map[string]string{}
	for k, v := range fs {
		if n, ok := decisionFields[k]; ok {
			k = n
		}
		if k == "text" && v == "请填写责任事项" {
			v = "请填写议定事项"
		}
		out[k] = v
	}
	return sanlian.FieldErrors(out)
}

// DispatchProgress implements sanlian.DispatchService with one GROUP BY
// over the problems in the caller's scope touched by the month or open at
// its end.
func (db *ProblemStore) DispatchProgress(ctx context.Context, month, by string) ([]*sanlian.DispatchProgress, error) {
	p, err := sanlian.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	var key, name string
	switch by {
	case sanlian.ByTownship:
		key, name = "p.township_code", "(SELECT name FROM regions WHERE code = p.township_code)"
	case sanlian.ByUnit:
		key, name = "COALESCE(p.unit_id, 0)", "(SELECT name FROM units WHERE id = p.unit_id)"
	default:
		return nil, sanlian.Errorf(sanlian.EINVALID, "分组方式 %q 无效，应为 township 或 unit", by)
	}
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := dispatchReader(s); err != nil {
		return nil, err
	}
	w := &where{}
	if err := s.problems(w); err != nil {
		return nil, err
	}
	from, to, now := p.Start.UTC(), p.End.UTC(), db.Now().UTC()
	in := func(col string) string { return "(" + col + " >= ? AND " + col + " < ?)" }
	open := "p.state IN ('" + strings.Join(sanlian.OpenStates, "', '") + "')"
	w.add("(p.created_at < ? AND ("+open+" OR "+in("p.created_at")+" OR "+in("p.assigned_at")+" OR "+in("p.resolved_at")+
		" OR "+in("p.closed_at")+"))", to, from, to, from, to, from, to, from, to)
	count := func(cond string) string { return "SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END)" }
	query := `SELECT ` + key + `, COALESCE(MAX(` + name + `), ''), ` +
		count(in("p.created_at")) + `, ` + count(in("p.assigned_at")) + `, ` + count(in("p.resolved_at")) + `, ` +
		count(in("p.closed_at")) + `, ` + count(open) + `, ` + count(overdueCond) +
		` FROM problems p` + w.sql() + ` GROUP BY ` + key + ` ORDER BY ` + key
	args := []any{from, to, from, to, from, to, from, to, now, now, now, now}
	rows, err := q.queryRows(query, append(args, w.args...)...)
	if err != nil {
		return nil, fmt.Errorf("dispatch progress %s: %w", p.ID, err)
	}
	defer rows.Close()
	out := []*sanlian.DispatchProgress{}
	for rows.Next() {
		r := &sanlian.DispatchProgress{}
		var k any
		if err := rows.Scan(&k, &r.Name, &r.Created, &r.Assigned, &r.Resolved, &r.Closed, &r.Open, &r.Overdue); err != nil {
			return nil, fmt.Errorf("dispatch progress %s: %w", p.ID, err)
		}
		switch k := k.(type) {
		case []byte:
			r.Key = string(k)
		case nil:
		default:
			r.Key = fmt.Sprint(k)
		}
		if by == sanlian.ByUnit && (r.Key == "0" || r.Key == "") {
			r.Key, r.Name = "", "未交办"
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dispatch progress %s: %w", p.ID, err)
	}
	return out, nil
}
