package sanlian

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ActionEnv is what an action on a problem needs to know beside the
// problem and the request: who acts, and what storage read for the rule
// before applying it. Apply reads nothing else; its lookups are plain
// values, read whole or for the ids the request names.
type ActionEnv struct {
	Role Role
	// MyUnit reports a unit admin's units (their unit and its sub-units).
	MyUnit  func(unit int64) bool
	CadreID int64 // the acting cadre, for a cadre

	// Calendar counts deadlines in working days; Limits are the problem's
	// category's, and IntakeDays the office's dispatch limit for the
	// problem's source.
	Calendar   *Calendar
	Limits     Category
	IntakeDays int

	// Units holds the existing units among those the request names, each
	// with its parent (0 for none); Cadres the existing cadres it names,
	// each with their unit.
	Units  map[int64]int64
	Cadres map[int64]int64
	// CoUnits are the problem's co-units as they stand; UnitNames names
	// the existing units among the co-units requested.
	CoUnits   []CoUnit
	UnitNames map[int64]string
	// PartUnits reports the units whose parts the actor records.
	PartUnits func(unit int64) bool
	// Target is the problem a merge goes into, locked in the actor's
	// scope; nil when it is absent or out of scope.
	Target *Problem
}

// ProblemChange is what an action did, beside the problem itself: what
// storage writes along with the problem's row.
type ProblemChange struct {
	// Before is the problem as it was read.
	Before Problem
	// CoUnits replaces the co-units, when set: the units to remove, and
	// those to add (the notices go to these).
	CoUnits *CoUnitPlan
	// Part is a co-unit's part to record.
	Part *Part
	// Returned is a unit's return (退单) to count against the unit and
	// the rule of Before, with its reason.
	Returned     bool
	ReturnReason string
	// MergeInto is the problem this one went into: its reporters and the
	// problems merged into this one move to it.
	MergeInto *Problem
}

// ActionEvent is a timeline entry an action writes; Changes holds each
// changed field's [before, after].
type ActionEvent struct {
	ProblemID int64
	Action    string
	Note      string
	FromState string
	ToState   string
	Changes   map[string][2]any
}

// CheckActionRequest checks what can be checked of a request before the
// problem is read: the action exists, and its texts are not too long nor
// malformed. It trims the note.
func CheckActionRequest(action string, req *ActionRequest) error {
	if _, ok := ActionRules[action]; !ok {
		return Errorf(ENOTFOUND, "没有“%s”这个操作", action)
	}
	req.Note = strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(req.Note) > MaxNote || utf8.RuneCountInString(req.Reason) > MaxNote ||
		utf8.RuneCountInString(req.Measures) > MaxDescription || utf8.RuneCountInString(req.Result) > MaxDescription {
		return Errorf(EUNPROCESSABLE, "说明文字过长")
	}
	return req.CheckText()
}

// CheckActionRole refuses a role that may take action in no state.
func CheckActionRole(action string, role Role) error {
	if !MayEverAct(action, role) {
		return Errorf(EFORBIDDEN, "您的角色（%s）不能执行“%s”", role.Label(), ActionLabel(action))
	}
	return nil
}

// Apply takes action on p at now, as env's actor asks by req: it checks
// the action table, the version, the owner and the request, changes p,
// and returns what else to write and the timeline entries, the problem's
// own last. On an error p is unchanged.
func (p *Problem) Apply(action string, req ActionRequest, env ActionEnv, now time.Time) (*ProblemChange, []ActionEvent, error) {
	if err := CheckActionRequest(action, &req); err != nil {
		return nil, nil, err
	}
	if err := CheckActionRole(action, env.Role); err != nil {
		return nil, nil, err
	}
	if req.Version != p.Version {
		return nil, nil, Errorf(ECONFLICT, "%s已被他人修改，请刷新后重试", "该问题")
	}
	if !CanAct(p.State, action, env.Role) {
		return nil, nil, Errorf(ECONFLICT, "问题当前为“%s”，%s不能执行“%s”", p.StateLabel(), env.Role.Label(), ActionLabel(action))
	}
	if err := env.owner(p, action); err != nil {
		return nil, nil, err
	}
	a := &applying{p: *p, req: req, env: env, now: now, c: &ProblemChange{Before: *p}, extra: map[string][2]any{}}
	steps := map[string]func() error{
		ActionAssign: a.assign, ActionAccept: a.accept, ActionTransfer: a.transfer,
		ActionExtend: a.extend, ActionResolve: a.resolve, ActionCallback: a.callback,
		ActionClose: a.close, ActionReopen: a.reopen, ActionReject: a.reject, ActionMerge: a.merge,
		ActionReturn: a.ret, ActionCoUnits: a.coUnits, ActionPart: a.part,
	}
	if err := steps[action](); err != nil {
		return nil, nil, err
	}
	*p = a.p
	return a.c, append(a.events, a.event(action)), nil
}

// AssignByRule is the system's assignment of a submitted p at now by the
// routing rule rule, to its unit and person, with deadlines counted as
// env has them.
func (p *Problem) AssignByRule(rule *RoutingRule, env ActionEnv, now time.Time) (*ProblemChange, []ActionEvent) {
	a := &applying{p: *p, env: env, now: now, c: &ProblemChange{Before: *p}, note: RoutingNote(rule.ID)}
	a.p.State, a.p.UnitID, a.p.PersonID, a.p.AssignedAt = StateAssigned, rule.UnitID, rule.PersonID, now
	a.p.AssignDue, a.p.RuleID = time.Time{}, rule.ID
	a.deadlines(true)
	*p = a.p
	return a.c, []ActionEvent{a.event(ActionAssign)}
}

// owner checks that a unit admin or cadre acts on a problem of their own:
// the unit admin's units own it, or the cadre is its person. A co-unit
// sees the problem too but owns only its part, which the part rule checks
// against the co-units (CheckPart); every other action is the lead's.
func (env *ActionEnv) owner(p *Problem, action string) error {
	if action == ActionPart {
		return nil
	}
	switch env.Role {
	case RoleUnitAdmin:
		if p.UnitID == 0 || env.MyUnit == nil || !env.MyUnit(p.UnitID) {
			return Errorf(EFORBIDDEN, "%s", "该问题不由您的单位办理，不能执行“"+ActionLabel(action)+"”")
		}
	case RoleCadre:
		if p.PersonID == 0 || p.PersonID != env.CadreID {
			return Errorf(EFORBIDDEN, "%s", "该问题未交办给您本人，不能执行“"+ActionLabel(action)+"”")
		}
	}
	return nil
}

// applying is one action being applied to a copy of a problem.
type applying struct {
	p      Problem
	req    ActionRequest
	env    ActionEnv
	now    time.Time
	c      *ProblemChange
	note   string            // the timeline note; defaults to req.Note
	extra  map[string][2]any // what the action changed beside the problem's row
	events []ActionEvent     // entries on other problems' timelines
}

// event is the action's entry on the problem's own timeline: the fields
// that changed, and what else changed.
func (a *applying) event(action string) ActionEvent {
	p, b := &a.p, &a.c.Before
	ch := map[string][2]any{}
	set := func(field string, before, after any) {
		if fmt.Sprint(before) != fmt.Sprint(after) {
			ch[field] = [2]any{before, after}
		}
	}
	set("state", b.State, p.State)
	set("unit_id", b.UnitID, p.UnitID)
	set("person_id", b.PersonID, p.PersonID)
	set("rule_id", b.RuleID, p.RuleID)
	set("assign_due", DueText(b.AssignDue), DueText(p.AssignDue))
	set("accept_due", DueText(b.AcceptDue), DueText(p.AcceptDue))
	set("resolve_due", DueText(b.ResolveDue), DueText(p.ResolveDue))
	set("measures", b.Measures, p.Measures)
	set("result", b.Result, p.Result)
	set("callback_solved", b.CallbackSolved, p.CallbackSolved)
	set("callback_satisfaction", b.CallbackSatisfaction, p.CallbackSatisfaction)
	set("reopened", b.Reopened, p.Reopened)
	set("merged_into", b.MergedInto, p.MergedInto)
	set("reject_reason", b.RejectReason, p.RejectReason)
	set("extension_until", b.ExtensionUntil, p.ExtensionUntil)
	for k, v := range a.extra {
		ch[k] = v
	}
	note := a.note
	if note == "" {
		note = a.req.Note
	}
	return ActionEvent{ProblemID: p.ID, Action: action, Note: note, FromState: b.State, ToState: p.State, Changes: ch}
}

// DueText shows a deadline as the Shanghai date it ends on, as the
// timeline and the audit log do: "2021-05-06 24:00".
func DueText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Add(-time.Nanosecond).In(Shanghai).Format("2006-01-02") + " 24:00"
}

func fieldErr(field, msg string) error { return FieldErrors(map[string]string{field: msg}) }

func joinNote(a, b string) string {
	b = strings.TrimSpace(b)
	if b == "" || b == a {
		return a
	}
	return a + "。" + b
}

// deadlines sets the accept and resolve deadlines counted from now, and
// marks them provisional when either count passed through a year the
// calendar holds no official schedule for (the accept deadline kept on a
// reopening is judged from the assignment it was counted from).
func (a *applying) deadlines(accept bool) {
	cal := a.env.Calendar
	acceptDays, resolveDays := a.env.Limits.Limits(a.p.Urgency)
	if accept {
		a.p.AcceptDue = cal.Deadline(a.now, acceptDays)
	}
	var provisional bool
	a.p.ResolveDue, provisional = cal.DeadlineOf(a.now, resolveDays)
	a.p.DueProvisional = provisional || cal.ProvisionalSpan(a.p.AssignedAt, a.p.AcceptDue)
}

// unitExists checks a unit id named in a request.
func (a *applying) unitExists(id int64) error {
	if _, ok := a.env.Units[id]; !ok {
		return fieldErr("unit_id", fmt.Sprintf("单位 %d 不存在", id))
	}
	return nil
}

// personOf checks that cadre id works in unit.
func (a *applying) personOf(id, unit int64) error {
	u, ok := a.env.Cadres[id]
	if !ok {
		return fieldErr("person_id", fmt.Sprintf("干部 %d 不存在", id))
	}
	if u != unit {
		return fieldErr("person_id", "责任人须为责任单位的干部")
	}
	return nil
}

// leadNotCo refuses to make a co-unit the lead: the office takes it off
// the co-units first.
func (a *applying) leadNotCo(unit int64) error {
	for _, c := range a.env.CoUnits {
		if c.UnitID == unit {
			return fieldErr("unit_id", "该单位是本问题的配合单位，不能同时牵头；请县办公室先调整配合单位")
		}
	}
	return nil
}

func (a *applying) assign() error {
	r := a.req
	if len(r.CoUnitIDs) > 0 && a.env.Role != RoleOffice {
		return fieldErr("co_unit_ids", "只有县办公室可以指定配合单位")
	}
	if err := a.assignLead(); err != nil {
		return err
	}
	if r.CoUnitIDs == nil || a.env.Role != RoleOffice {
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
func (a *applying) assignLead() error {
	r := a.req
	if a.p.State == StateSubmitted {
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
		a.p.State, a.p.UnitID, a.p.PersonID, a.p.AssignedAt = StateAssigned, r.UnitID, r.PersonID, a.now
		a.p.AssignDue, a.p.RuleID = time.Time{}, 0
		a.deadlines(true)
		return nil
	}
	// Already with a unit: dispatch to a person, or down to a sub-unit.
	unit := a.p.UnitID
	if r.UnitID != 0 && r.UnitID != unit {
		if err := a.unitExists(r.UnitID); err != nil {
			return err
		}
		if a.env.Units[r.UnitID] != unit || unit == 0 {
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

func (a *applying) accept() error {
	a.p.State, a.p.AcceptedAt = StateAccepted, a.now
	return nil
}

// backToOffice puts the problem in the office's queue with a fresh
// dispatch deadline.
func (a *applying) backToOffice() {
	due, provisional := a.env.Calendar.DeadlineOf(a.now, a.env.IntakeDays)
	a.p.AssignDue, a.p.DueProvisional = due, provisional
}

func (a *applying) transfer() error {
	r := a.req
	reason := strings.TrimSpace(r.Reason)
	if reason == "" {
		return fieldErr("reason", "请填写转办理由")
	}
	a.note = joinNote(reason, a.req.Note)
	if r.UnitID == 0 {
		a.p.State, a.p.UnitID, a.p.PersonID = StateSubmitted, 0, 0
		a.p.AssignedAt, a.p.AcceptDue, a.p.AcceptedAt, a.p.ResolveDue = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		a.p.ExtensionUntil, a.p.ExtensionReason = "", ""
		a.backToOffice()
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
	a.p.State, a.p.UnitID, a.p.PersonID, a.p.AssignedAt, a.p.AcceptedAt = StateAssigned, r.UnitID, 0, a.now, time.Time{}
	a.p.ExtensionUntil, a.p.ExtensionReason = "", ""
	a.deadlines(true)
	return nil
}

// parseUntil reads an extension date: after today and after the current
// deadline.
func (a *applying) parseUntil(s string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), Shanghai)
	if err != nil {
		return time.Time{}, fieldErr("until", "请填写延期后的完成日期，如 2021-06-30")
	}
	today := a.now.In(Shanghai)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, Shanghai)
	if !d.After(today) {
		return time.Time{}, fieldErr("until", "延期日期须晚于今天")
	}
	end := d.AddDate(0, 0, 1) // 24:00 of that day
	if !a.p.ResolveDue.IsZero() && !end.After(a.p.ResolveDue) {
		return time.Time{}, fieldErr("until", "延期日期须晚于现在的办结期限 "+DeadlineDate(a.p.ResolveDue))
	}
	if d.After(today.AddDate(1, 0, 0)) {
		return time.Time{}, fieldErr("until", "延期不能超过一年")
	}
	return end, nil
}

func (a *applying) extend() error {
	if a.env.Role != RoleOffice {
		return a.askExtension()
	}
	r := a.req
	if r.Approve == nil {
		return fieldErr("approve", "请选择批准或不批准延期")
	}
	until := strings.TrimSpace(r.Until)
	if until == "" {
		until = a.p.ExtensionUntil
	}
	if !*r.Approve {
		if a.p.ExtensionUntil == "" {
			return Errorf(ECONFLICT, "没有待审批的延期申请")
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
		a.p.DueProvisional = a.env.Calendar.ProvisionalSpan(a.p.AssignedAt, a.p.AcceptDue)
	}
	return nil
}

// askExtension is a unit's request for a later resolve deadline, which
// the office decides.
func (a *applying) askExtension() error {
	r := a.req
	if a.p.ExtensionUntil != "" {
		return Errorf(ECONFLICT, "已有待审批的延期申请（至 %s），请等待县办公室审批", a.p.ExtensionUntil)
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

func (a *applying) resolve() error {
	r := a.req
	f := map[string]string{}
	if strings.TrimSpace(r.Measures) == "" {
		f["measures"] = "请填写采取的措施"
	}
	if strings.TrimSpace(r.Result) == "" {
		f["result"] = "请填写办理结果"
	}
	if err := FieldErrors(f); err != nil {
		return err
	}
	a.p.State, a.p.ResolvedAt = StateResolved, a.now
	a.p.Measures, a.p.Result = strings.TrimSpace(r.Measures), strings.TrimSpace(r.Result)
	a.p.ExtensionUntil, a.p.ExtensionReason = "", ""
	return nil
}

// reopenNow sends the problem back to its unit with a fresh deadline.
func (a *applying) reopenNow() {
	a.p.State, a.p.Reopened, a.p.ResolvedAt, a.p.ClosedAt = StateAccepted, a.p.Reopened+1, time.Time{}, time.Time{}
	a.deadlines(false)
}

func (a *applying) callback() error {
	r := a.req
	f := map[string]string{}
	if r.Solved != SolvedYes && r.Solved != SolvedPartly && r.Solved != SolvedNo {
		f["solved"] = "请选择是否解决：yes、partly 或 no"
	}
	if r.Satisfaction != Satisfied && r.Satisfaction != Basic && r.Satisfaction != Unsatisfied {
		f["satisfaction"] = "请选择满意度：satisfied、basic 或 unsatisfied"
	}
	if err := FieldErrors(f); err != nil {
		return err
	}
	a.p.CallbackSolved, a.p.CallbackSatisfaction, a.p.CallbackAt = r.Solved, r.Satisfaction, a.now
	a.note = joinNote(SolvedLabel(r.Solved)+"，"+SatisfactionLabel(r.Satisfaction), r.Note)
	if r.Satisfaction == Unsatisfied {
		a.note += "；群众不满意，退回重办"
		a.reopenNow()
	}
	return nil
}

func (a *applying) close() error {
	if a.p.CallbackAt.IsZero() || a.p.CallbackSatisfaction == Unsatisfied {
		return Errorf(ECONFLICT, "尚未回访或群众不满意，不能销号")
	}
	a.p.State, a.p.ClosedAt = StateClosed, a.now
	return nil
}

func (a *applying) reopen() error {
	reason := strings.TrimSpace(a.req.Reason)
	if reason == "" {
		reason = a.req.Note
	}
	if reason == "" {
		return fieldErr("reason", "请填写退回重办的理由")
	}
	a.note = joinNote(reason, a.req.Note)
	a.p.CallbackSolved, a.p.CallbackSatisfaction, a.p.CallbackAt = "", "", time.Time{}
	a.reopenNow()
	return nil
}

// ret is a unit's return (退单): the problem goes back to the office's
// queue with a fresh dispatch deadline, and the return is counted against
// the unit and the rule that had assigned it.
func (a *applying) ret() error {
	reason := strings.TrimSpace(a.req.Reason)
	rule := a.p.RuleID
	if err := ReturnProblem(&a.p, a.now, reason); err != nil {
		return err
	}
	a.backToOffice()
	note := "退单：" + reason
	if rule != 0 {
		note = fmt.Sprintf("退单（原按派单规则 #%d 交办）：%s", rule, reason)
	}
	a.note = joinNote(note, a.req.Note)
	a.c.Returned, a.c.ReturnReason = true, reason
	return nil
}

func (a *applying) reject() error {
	reason := strings.TrimSpace(a.req.Reason)
	if reason == "" {
		return fieldErr("reason", "请填写不予受理的理由")
	}
	a.note = joinNote(reason, a.req.Note)
	a.p.State, a.p.RejectReason = StateRejected, reason
	return nil
}

// merge puts the problem into another, whose timeline tells of it.
func (a *applying) merge() error {
	into := a.req.Into
	if into == 0 {
		return fieldErr("into", "请选择要并入的问题")
	}
	if into == a.p.ID {
		return fieldErr("into", "不能并入问题本身")
	}
	target := a.env.Target
	if target == nil || target.ID != into {
		return fieldErr("into", "要并入的问题不存在或不在您的管辖范围内")
	}
	switch target.State {
	case StateSubmitted, StateAssigned, StateAccepted:
	default:
		return Errorf(ECONFLICT, "问题 %s 当前为“%s”，不能再并入其他问题", target.Number, target.StateLabel())
	}
	a.c.MergeInto = target
	a.events = append(a.events, ActionEvent{ProblemID: into, Action: ActionMerge, Note: joinNote("并入问题 "+a.p.Number, a.req.Note),
		FromState: target.State, ToState: target.State, Changes: map[string][2]any{"merged_from": {nil, a.p.Number}}})
	a.note = joinNote("并入问题 "+target.Number, a.req.Note)
	a.p.State, a.p.MergedInto = StateMerged, into
	return nil
}

// setCoUnits replaces the problem's co-units by ids, led by lead, as the
// co-unit rule allows, and records the change for the timeline, the audit
// log and the notices to the added units' admins.
func (a *applying) setCoUnits(lead int64, ids []int64) error {
	before := a.env.CoUnits
	plan, err := PlanCoUnits(lead, before, ids, a.env.UnitNames)
	if err != nil {
		return err
	}
	if plan.Empty() {
		return nil
	}
	after := make([]CoUnit, 0, len(ids))
	for _, id := range ids {
		after = append(after, CoUnit{UnitID: id, Name: a.env.UnitNames[id]})
	}
	a.p.CoUnits = after
	a.extra["co_units"] = [2]any{CoUnitNames(before), CoUnitNames(after)}
	a.c.CoUnits = &plan
	return nil
}

// coUnits is the office's naming of a problem's co-units, replacing the
// set.
func (a *applying) coUnits() error {
	if a.req.CoUnitIDs == nil {
		return fieldErr("co_unit_ids", "请填写配合单位列表 co_unit_ids；移出全部配合单位请传空列表")
	}
	if err := a.setCoUnits(a.p.UnitID, a.req.CoUnitIDs); err != nil {
		return err
	}
	ch, ok := a.extra["co_units"]
	if !ok {
		return Errorf(EUNPROCESSABLE, "配合单位没有变化")
	}
	a.note = joinNote("配合单位："+fmt.Sprint(ch[1]), a.req.Note)
	return nil
}

// part records a co-unit's part of the work, as the part rule decides, on
// the timeline as an event naming the unit.
func (a *applying) part() error {
	mine := a.env.PartUnits
	if mine == nil {
		mine = func(int64) bool { return false }
	}
	today := a.now.In(Shanghai).Format("2006-01-02")
	pt, err := CheckPart(a.env.CoUnits, mine, PartInput{UnitID: a.req.UnitID, Note: a.req.Note, Date: a.req.Date}, today)
	if err != nil {
		return err
	}
	a.c.Part = &pt
	a.extra["part_unit"] = [2]any{nil, pt.UnitName}
	a.extra["part_done_on"] = [2]any{nil, pt.DoneOn}
	a.note = pt.UnitName + "（" + pt.DoneOn + "）：" + pt.Note
	return nil
}
