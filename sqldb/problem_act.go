package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"sanlian"
)

// Act implements sanlian.ProblemService: one action, checked against the
// action table, the problem's state and version and the caller's scope,
// recorded on the timeline and in the audit log, all in one transaction.
func (db *DB) Act(ctx context.Context, id int64, action string, req sanlian.ActionRequest) (*sanlian.Problem, error) {
	if _, ok := sanlian.ActionRules[action]; !ok {
		return nil, sanlian.Errorf(sanlian.ENOTFOUND, "没有“%s”这个操作", action)
	}
	req.Note = strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(req.Note) > sanlian.MaxNote || utf8.RuneCountInString(req.Reason) > sanlian.MaxNote ||
		utf8.RuneCountInString(req.Measures) > sanlian.MaxDescription || utf8.RuneCountInString(req.Result) > sanlian.MaxDescription {
		return nil, sanlian.Errorf(sanlian.EUNPROCESSABLE, "说明文字过长")
	}
	if err := req.CheckText(); err != nil {
		return nil, err
	}
	var out *sanlian.Problem
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		if !sanlian.MayEverAct(action, s.role()) {
			return errForbidden(fmt.Sprintf("您的角色（%s）不能执行“%s”", s.role().Label(), sanlian.ActionLabel(action)))
		}
		p, err := db.lockProblem(tx, s, id)
		if err != nil {
			return err
		}
		if req.Version != p.Version {
			return errStale("该问题")
		}
		if !sanlian.CanAct(p.State, action, s.role()) {
			return sanlian.Errorf(sanlian.ECONFLICT, "问题当前为“%s”，%s不能执行“%s”", p.StateLabel(), s.role().Label(), sanlian.ActionLabel(action))
		}
		a := &act{db: db, tx: tx, s: s, p: p, before: *p, req: req, extra: changes{}}
		if err := a.owner(action); err != nil {
			return err
		}
		steps := map[string]func() error{
			sanlian.ActionAssign: a.assign, sanlian.ActionAccept: a.accept, sanlian.ActionTransfer: a.transfer,
			sanlian.ActionExtend: a.extend, sanlian.ActionResolve: a.resolve, sanlian.ActionCallback: a.callback,
			sanlian.ActionClose: a.close, sanlian.ActionReopen: a.reopen, sanlian.ActionReject: a.reject, sanlian.ActionMerge: a.merge,
			sanlian.ActionReturn: a.ret, sanlian.ActionCoUnits: a.coUnits, sanlian.ActionPart: a.part,
		}
		if err := steps[action](); err != nil {
			return err
		}
		if err := a.save(action); err != nil {
			return err
		}
		if err := tx.problemActed(action, &a.before, a.p); err != nil {
			return err
		}
		if err := tx.coUnitsNamed(id, a.coAdded); err != nil {
			return err
		}
		// Read back without the caller's scope: a transfer may just have
		// moved the problem out of it.
		if out, err = db.findProblem(tx, &scope{user: s.user, all: true}, id); err != nil {
			return err
		}
		out.MaskContacts()
		out.CoUnits, err = db.coUnitsOf(tx, s, id)
		return err
	})
	return out, err
}

// lockProblem reads a problem in scope for update.
func (db *DB) lockProblem(tx *Tx, s *scope, id int64) (*sanlian.Problem, error) {
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

// act is one action in progress on a problem.
type act struct {
	db     *DB
	tx     *Tx
	s      *scope
	p      *sanlian.Problem // changed in place
	before sanlian.Problem
	req    sanlian.ActionRequest
	note   string  // the timeline note; defaults to req.Note
	extra  changes // what the action changed beside the problem's row
	// coAdded are the units just named co-units, told once the problem
	// is saved.
	coAdded []int64
}

// owner checks that a unit admin or cadre acts on a problem of their own:
// the unit admin's units own it, or the cadre is its person. A co-unit
// sees the problem too but owns only its part, which the part rule checks
// against the co-units (sanlian.CheckPart); every other action is the
// lead's.
func (a *act) owner(action string) error {
	if action == sanlian.ActionPart {
		return nil
	}
	switch a.s.role() {
	case sanlian.RoleUnitAdmin:
		if a.p.UnitID == 0 || !a.s.hasUnit(a.p.UnitID) {
			return errForbidden("该问题不由您的单位办理，不能执行“" + sanlian.ActionLabel(action) + "”")
		}
	case sanlian.RoleCadre:
		if a.p.PersonID == 0 || a.p.PersonID != a.s.cadreID {
			return errForbidden("该问题未交办给您本人，不能执行“" + sanlian.ActionLabel(action) + "”")
		}
	}
	return nil
}

func fieldErr(field, msg string) error { return sanlian.FieldErrors(map[string]string{field: msg}) }

// deadlines sets the accept and resolve deadlines counted from now, and
// marks them provisional when either count passed through a year the
// calendar holds no official schedule for (the accept deadline kept on a
// reopening is judged from the assignment it was counted from).
func (a *act) deadlines(accept bool) error {
	cal, err := a.db.calendarIn(a.tx)
	if err != nil {
		return err
	}
	var c sanlian.Category
	if err := a.tx.queryRow(`SELECT accept_days, resolve_days FROM categories WHERE code = ?`, a.p.Category).
		Scan(&c.AcceptDays, &c.ResolveDays); err != nil {
		return fmt.Errorf("category limits: %w", err)
	}
	acceptDays, resolveDays := c.Limits(a.p.Urgency)
	if accept {
		a.p.AcceptDue = cal.Deadline(a.tx.now, acceptDays)
	}
	var provisional bool
	a.p.ResolveDue, provisional = cal.DeadlineOf(a.tx.now, resolveDays)
	a.p.DueProvisional = provisional || cal.ProvisionalSpan(a.p.AssignedAt, a.p.AcceptDue)
	return nil
}

// unitExists checks a unit id named in a request.
func (a *act) unitExists(id int64) error {
	var n int
	if err := a.tx.queryRow(`SELECT COUNT(*) FROM units WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fieldErr("unit_id", fmt.Sprintf("单位 %d 不存在", id))
	}
	return nil
}

// personOf checks that cadre id works in unit.
func (a *act) personOf(id, unit int64) error {
	var u int64
	err := a.tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, id).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return fieldErr("person_id", fmt.Sprintf("干部 %d 不存在", id))
	} else if err != nil {
		return err
	}
	if u != unit {
		return fieldErr("person_id", "责任人须为责任单位的干部")
	}
	return nil
}

func (a *act) assign() error {
	r := a.req
	if len(r.CoUnitIDs) > 0 && a.s.role() != sanlian.RoleOffice {
		return fieldErr("co_unit_ids", "只有县办公室可以指定配合单位")
	}
	if err := a.assignLead(); err != nil {
		return err
	}
	if r.CoUnitIDs == nil || a.s.role() != sanlian.RoleOffice {
		return nil
	}
	if err := a.setCoUnits(a.p.UnitID, r.CoUnitIDs); err != nil {
		return err
	}
	if ch, ok := a.extra["co_units"]; ok {
		a.note = joinNote("配合单位："+fmt.Sprint(ch[1]), r.Note)
	}
	return nil
}

// assignLead gives the problem to its lead unit and person.
func (a *act) assignLead() error {
	r := a.req
	if a.p.State == sanlian.StateSubmitted {
		if r.UnitID == 0 {
			return fieldErr("unit_id", "请选择责任单位")
		}
		if err := a.unitExists(r.UnitID); err != nil {
			return err
		}
		// A problem sent back to the office keeps its co-units; naming the
		// set anew with the assignment may take the new lead off it.
		if r.CoUnitIDs == nil {
			if err := a.leadNotCo(r.UnitID); err != nil {
				return err
			}
		}
		if r.PersonID != 0 {
			if err := a.personOf(r.PersonID, r.UnitID); err != nil {
				return err
			}
		}
		a.p.State, a.p.UnitID, a.p.PersonID, a.p.AssignedAt = sanlian.StateAssigned, r.UnitID, r.PersonID, a.tx.now
		a.p.AssignDue, a.p.RuleID = time.Time{}, 0
		return a.deadlines(true)
	}
	// Already with a unit: dispatch to a person, or down to a sub-unit.
	unit := a.p.UnitID
	if r.UnitID != 0 && r.UnitID != unit {
		if err := a.unitExists(r.UnitID); err != nil {
			return err
		}
		var parent sql.NullInt64
		if err := a.tx.queryRow(`SELECT parent_id FROM units WHERE id = ?`, r.UnitID).Scan(&parent); err != nil {
			return err
		}
		if !parent.Valid || parent.Int64 != unit {
			return fieldErr("unit_id", "只能交办给本单位的下属单位；交给其他单位请用“转办”")
		}
		if err := a.leadNotCo(r.UnitID); err != nil {
			return err
		}
		unit = r.UnitID
	}
	if r.PersonID == 0 && unit == a.p.UnitID {
		return fieldErr("person_id", "请选择责任人")
	}
	if r.PersonID != 0 {
		if err := a.personOf(r.PersonID, unit); err != nil {
			return err
		}
	}
	a.p.UnitID, a.p.PersonID = unit, r.PersonID
	return nil
}

func (a *act) accept() error {
	a.p.State, a.p.AcceptedAt = sanlian.StateAccepted, a.tx.now
	return nil
}

func (a *act) transfer() error {
	r := a.req
	reason := strings.TrimSpace(r.Reason)
	if reason == "" {
		return fieldErr("reason", "请填写转办理由")
	}
	a.note = joinNote(reason, a.req.Note)
	if r.UnitID == 0 {
		due, provisional, err := a.db.assignDueFor(a.tx, a.p.Source)
		if err != nil {
			return err
		}
		a.p.State, a.p.UnitID, a.p.PersonID = sanlian.StateSubmitted, 0, 0
		a.p.AssignedAt, a.p.AcceptDue, a.p.AcceptedAt, a.p.ResolveDue = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		a.p.DueProvisional = provisional
		a.p.ExtensionUntil, a.p.ExtensionReason = "", ""
		a.p.AssignDue = due
		return nil
	}
	if r.UnitID == a.p.UnitID {
		return fieldErr("unit_id", "转办的单位与当前责任单位相同")
	}
	if err := a.unitExists(r.UnitID); err != nil {
		return err
	}
	if err := a.leadNotCo(r.UnitID); err != nil {
		return err
	}
	a.p.State, a.p.UnitID, a.p.PersonID, a.p.AssignedAt, a.p.AcceptedAt = sanlian.StateAssigned, r.UnitID, 0, a.tx.now, time.Time{}
	a.p.ExtensionUntil, a.p.ExtensionReason = "", ""
	return a.deadlines(true)
}

// parseUntil reads an extension date: after today and after the current
// deadline.
func (a *act) parseUntil(s string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), sanlian.Shanghai)
	if err != nil {
		return time.Time{}, fieldErr("until", "请填写延期后的完成日期，如 2021-06-30")
	}
	today := a.tx.now.In(sanlian.Shanghai)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	if !d.After(today) {
		return time.Time{}, fieldErr("until", "延期日期须晚于今天")
	}
	end := d.AddDate(0, 0, 1) // 24:00 of that day
	if !a.p.ResolveDue.IsZero() && !end.After(a.p.ResolveDue) {
		return time.Time{}, fieldErr("until", "延期日期须晚于现在的办结期限 "+sanlian.DeadlineDate(a.p.ResolveDue))
	}
	if d.After(today.AddDate(1, 0, 0)) {
		return time.Time{}, fieldErr("until", "延期不能超过一年")
	}
	return end, nil
}

func (a *act) extend() error {
	r := a.req
	if a.s.role() != sanlian.RoleOffice {
		if a.p.ExtensionUntil != "" {
			return sanlian.Errorf(sanlian.ECONFLICT, "已有待审批的延期申请（至 %s），请等待县办公室审批", a.p.ExtensionUntil)
		}
		reason := strings.TrimSpace(r.Reason)
		if reason == "" {
			return fieldErr("reason", "请填写延期理由")
		}
		if _, err := a.parseUntil(r.Until); err != nil {
			return err
		}
		a.p.ExtensionUntil, a.p.ExtensionReason = strings.TrimSpace(r.Until), reason
		a.note = joinNote("申请延期至 "+a.p.ExtensionUntil+"："+reason, r.Note)
		return nil
	}
	if r.Approve == nil {
		return fieldErr("approve", "请选择批准或不批准延期")
	}
	until := strings.TrimSpace(r.Until)
	if until == "" {
		until = a.p.ExtensionUntil
	}
	if !*r.Approve {
		if a.p.ExtensionUntil == "" {
			return sanlian.Errorf(sanlian.ECONFLICT, "没有待审批的延期申请")
		}
		a.note = joinNote("不批准延期至 "+a.p.ExtensionUntil, r.Note)
		a.p.ExtensionUntil, a.p.ExtensionReason = "", ""
		return nil
	}
	if until == "" {
		return fieldErr("until", "没有待审批的延期申请，请填写延期后的完成日期")
	}
	end, err := a.parseUntil(until)
	if err != nil {
		return err
	}
	a.note = joinNote("批准延期至 "+until, r.Note)
	a.p.ResolveDue, a.p.ExtensionUntil, a.p.ExtensionReason = end, "", ""
	if a.p.DueProvisional {
		// The approved date is no count; only the accept deadline may
		// still rest on a provisional year.
		cal, err := a.db.calendarIn(a.tx)
		if err != nil {
			return err
		}
		a.p.DueProvisional = cal.ProvisionalSpan(a.p.AssignedAt, a.p.AcceptDue)
	}
	return nil
}

func (a *act) resolve() error {
	r := a.req
	f := map[string]string{}
	if strings.TrimSpace(r.Measures) == "" {
		f["measures"] = "请填写采取的措施"
	}
	if strings.TrimSpace(r.Result) == "" {
		f["result"] = "请填写办理结果"
	}
	if err := sanlian.FieldErrors(f); err != nil {
		return err
	}
	a.p.State, a.p.ResolvedAt = sanlian.StateResolved, a.tx.now
	a.p.Measures, a.p.Result = strings.TrimSpace(r.Measures), strings.TrimSpace(r.Result)
	a.p.ExtensionUntil, a.p.ExtensionReason = "", ""
	return nil
}

// reopenNow sends the problem back to its unit with a fresh deadline.
func (a *act) reopenNow() error {
	a.p.State, a.p.Reopened, a.p.ResolvedAt, a.p.ClosedAt = sanlian.StateAccepted, a.p.Reopened+1, time.Time{}, time.Time{}
	return a.deadlines(false)
}

func (a *act) callback() error {
	r := a.req
	f := map[string]string{}
	if r.Solved != sanlian.SolvedYes && r.Solved != sanlian.SolvedPartly && r.Solved != sanlian.SolvedNo {
		f["solved"] = "请选择是否解决：yes、partly 或 no"
	}
	if r.Satisfaction != sanlian.Satisfied && r.Satisfaction != sanlian.Basic && r.Satisfaction != sanlian.Unsatisfied {
		f["satisfaction"] = "请选择满意度：satisfied、basic 或 unsatisfied"
	}
	if err := sanlian.FieldErrors(f); err != nil {
		return err
	}
	a.p.CallbackSolved, a.p.CallbackSatisfaction, a.p.CallbackAt = r.Solved, r.Satisfaction, a.tx.now
	a.note = joinNote(sanlian.SolvedLabel(r.Solved)+"，"+sanlian.SatisfactionLabel(r.Satisfaction), r.Note)
	if r.Satisfaction == sanlian.Unsatisfied {
		a.note += "；群众不满意，退回重办"
		return a.reopenNow()
	}
	return nil
}

func (a *act) close() error {
	if a.p.CallbackAt.IsZero() || a.p.CallbackSatisfaction == sanlian.Unsatisfied {
		return sanlian.Errorf(sanlian.ECONFLICT, "尚未回访或群众不满意，不能销号")
	}
	a.p.State, a.p.ClosedAt = sanlian.StateClosed, a.tx.now
	return nil
}

func (a *act) reopen() error {
	reason := strings.TrimSpace(a.req.Reason)
	if reason == "" {
		reason = a.req.Note
	}
	if reason == "" {
		return fieldErr("reason", "请填写退回重办的理由")
	}
	a.note = joinNote(reason, a.req.Note)
	a.p.CallbackSolved, a.p.CallbackSatisfaction, a.p.CallbackAt = "", "", time.Time{}
	return a.reopenNow()
}

// ret is a unit's return (退单): the problem goes back to the office's
// queue with a fresh dispatch deadline, and the return is counted against
// the unit and the rule that had assigned it.
func (a *act) ret() error {
	reason := strings.TrimSpace(a.req.Reason)
	unit, rule := a.p.UnitID, a.p.RuleID
	if err := sanlian.ReturnProblem(a.p, a.tx.now, reason); err != nil {
		return err
	}
	due, provisional, err := a.db.assignDueFor(a.tx, a.p.Source)
	if err != nil {
		return err
	}
	a.p.AssignDue, a.p.DueProvisional = due, provisional
	note := "退单：" + reason
	if rule != 0 {
		note = fmt.Sprintf("退单（原按派单规则 #%d 交办）：%s", rule, reason)
	}
	a.note = joinNote(note, a.req.Note)
	if _, err := a.tx.exec(`INSERT INTO problem_returns (problem_id, unit_id, rule_id, reason, at) VALUES (?, ?, ?, ?, ?)`,
		a.p.ID, unit, nullInt(rule), reason, a.tx.now); err != nil {
		return fmt.Errorf("return problem %d: %w", a.p.ID, err)
	}
	return nil
}

func (a *act) reject() error {
	reason := strings.TrimSpace(a.req.Reason)
	if reason == "" {
		return fieldErr("reason", "请填写不予受理的理由")
	}
	a.note = joinNote(reason, a.req.Note)
	a.p.State, a.p.RejectReason = sanlian.StateRejected, reason
	return nil
}

func (a *act) merge() error {
	into := a.req.Into
	if into == 0 {
		return fieldErr("into", "请选择要并入的问题")
	}
	if into == a.p.ID {
		return fieldErr("into", "不能并入问题本身")
	}
	target, err := a.db.lockProblem(a.tx, a.s, into)
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		return fieldErr("into", "要并入的问题不存在或不在您的管辖范围内")
	} else if err != nil {
		return err
	}
	switch target.State {
	case sanlian.StateSubmitted, sanlian.StateAssigned, sanlian.StateAccepted:
	default:
		return sanlian.Errorf(sanlian.ECONFLICT, "问题 %s 当前为“%s”，不能再并入其他问题", target.Number, target.StateLabel())
	}
	tx := a.tx
	if _, err := tx.exec(`UPDATE problem_reporters SET problem_id = ? WHERE problem_id = ?`, into, a.p.ID); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE problems SET merged_into = ? WHERE merged_into = ?`, into, a.p.ID); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE problems SET version = version + 1, updated_at = ? WHERE id = ?`, tx.now, into); err != nil {
		return err
	}
	ch := changes{"merged_from": {nil, a.p.Number}}
	if err := tx.problemEvent(into, sanlian.ActionMerge, joinNote("并入问题 "+a.p.Number, a.req.Note), target.State, target.State, ch); err != nil {
		return err
	}
	a.note = joinNote("并入问题 "+target.Number, a.req.Note)
	a.p.State, a.p.MergedInto = sanlian.StateMerged, into
	return nil
}

func joinNote(a, b string) string {
	b = strings.TrimSpace(b)
	if b == "" || b == a {
		return a
	}
	return a + "。" + b
}

// save writes the changed problem with a version check, and records the
// timeline event and the audit row.
func (a *act) save(action string) error {
	p, b, tx := a.p, a.before, a.tx
	res, err := tx.exec(`UPDATE problems SET state = ?, unit_id = ?, person_id = ?, assigned_at = ?, accept_due = ?, accepted_at = ?,
		resolve_due = ?, resolved_at = ?, closed_at = ?, measures = ?, result = ?, callback_solved = ?, callback_satisfaction = ?,
		callback_at = ?, reopened = ?, merged_into = ?, reject_reason = ?, extension_until = ?, extension_reason = ?,
		assign_due = ?, rule_id = ?, due_provisional = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		p.State, nullInt(p.UnitID), nullInt(p.PersonID), nullTime(p.AssignedAt), nullTime(p.AcceptDue), nullTime(p.AcceptedAt),
		nullTime(p.ResolveDue), nullTime(p.ResolvedAt), nullTime(p.ClosedAt), p.Measures, p.Result, p.CallbackSolved, p.CallbackSatisfaction,
		nullTime(p.CallbackAt), p.Reopened, nullInt(p.MergedInto), p.RejectReason, p.ExtensionUntil, p.ExtensionReason,
		nullTime(p.AssignDue), nullInt(p.RuleID), p.DueProvisional,
		tx.now, p.ID, b.Version)
	if err != nil {
		return fmt.Errorf("%s problem %d: %w", action, p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errStale("该问题")
	}
	ch := changes{}
	ch.set("state", b.State, p.State)
	ch.set("unit_id", b.UnitID, p.UnitID)
	ch.set("person_id", b.PersonID, p.PersonID)
	ch.set("rule_id", b.RuleID, p.RuleID)
	ch.set("assign_due", fmtDue(b.AssignDue), fmtDue(p.AssignDue))
	ch.set("accept_due", fmtDue(b.AcceptDue), fmtDue(p.AcceptDue))
	ch.set("resolve_due", fmtDue(b.ResolveDue), fmtDue(p.ResolveDue))
	ch.set("measures", b.Measures, p.Measures)
	ch.set("result", b.Result, p.Result)
	ch.set("callback_solved", b.CallbackSolved, p.CallbackSolved)
	ch.set("callback_satisfaction", b.CallbackSatisfaction, p.CallbackSatisfaction)
	ch.set("reopened", b.Reopened, p.Reopened)
	ch.set("merged_into", b.MergedInto, p.MergedInto)
	ch.set("reject_reason", b.RejectReason, p.RejectReason)
	ch.set("extension_until", b.ExtensionUntil, p.ExtensionUntil)
	maps.Copy(ch, a.extra)
	note := a.note
	if note == "" {
		note = a.req.Note
	}
	if err := tx.problemEvent(p.ID, action, note, b.State, p.State, ch); err != nil {
		return err
	}
	if note != "" {
		ch["note"] = [2]any{nil, note}
	}
	return tx.audit(action, "problem", p.ID, ch)
}

// fmtDue shows a deadline as the Shanghai date it ends on.
func fmtDue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Add(-time.Nanosecond).In(sanlian.Shanghai).Format("2006-01-02") + " 24:00"
}
