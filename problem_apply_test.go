package sanlian

import (
	"strings"
	"testing"
	"time"
)

// applyNow is a Monday morning in a year the official calendar holds.
var applyNow = time.Date(2025, 6, 9, 10, 0, 0, 0, Shanghai)

// applyProblem is a problem in state, led by unit 10 and its cadre 100,
// assigned the working day before applyNow where it has been assigned.
func applyProblem(state string) *Problem {
	p := &Problem{ID: 7, Number: "安化-2025-000007", State: state, Version: 3, Source: "hotline", Category: "road",
		Urgency: UrgencyNormal, UnitID: 10, PersonID: 100}
	assigned := time.Date(2025, 6, 6, 9, 0, 0, 0, Shanghai)
	switch state {
	case StateSubmitted:
		p.UnitID, p.PersonID = 0, 0
		p.AssignDue = time.Date(2025, 6, 11, 0, 0, 0, 0, Shanghai)
	case StateResolved, StateClosed:
		p.ResolvedAt = applyNow.Add(-time.Hour)
		fallthrough
	default:
		p.AssignedAt = assigned
		p.AcceptDue = time.Date(2025, 6, 10, 0, 0, 0, 0, Shanghai)
		p.ResolveDue = time.Date(2025, 6, 28, 0, 0, 0, 0, Shanghai)
	}
	return p
}

// applyEnv is the office's environment: units 10 and 12 at the top, 11
// under 10; cadres 100 of 10, 101 of 11, 102 of 12. A unit admin's
// units are 10 and 11.
func applyEnv(role Role) ActionEnv {
	return ActionEnv{
		Role: role, MyUnit: func(u int64) bool { return u == 10 || u == 11 }, CadreID: 100,
		Calendar: NewCalendar(OfficialCalendar()), IntakeDays: 2,
		Units:     map[int64]int64{10: 0, 11: 10, 12: 0, 13: 0},
		Cadres:    map[int64]int64{100: 10, 101: 11, 102: 12},
		UnitNames: map[int64]string{12: "水利局", 13: "交通局"},
	}
}

type applyCase struct {
	name   string
	action string
	state  string
	role   Role
	req    ActionRequest
	setup  func(p *Problem, env *ActionEnv)
	code   string // the refusal's code; "" for OK
	want   string // OK: the problem's state after; a refusal: a part of its message or field error
	check  func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent)
}

func runApply(t *testing.T, cases []applyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.action+"/"+tc.name, func(t *testing.T) {
			p, env := applyProblem(tc.state), applyEnv(tc.role)
			if tc.setup != nil {
				tc.setup(p, &env)
			}
			req := tc.req
			req.Version = p.Version
			if tc.name == "ErrStaleVersion" {
				req.Version--
			}
			before := *p
			c, ev, err := p.Apply(tc.action, req, env, applyNow)
			if tc.code != "" {
				if ErrorCode(err) != tc.code || !strings.Contains(errText(err), tc.want) {
					t.Fatalf("got %v (%s, %v), want %s with %q", err, ErrorCode(err), ErrorFields(err), tc.code, tc.want)
				}
				if p.State != before.State || p.UnitID != before.UnitID || p.ResolveDue != before.ResolveDue {
					t.Errorf("a refused action changed the problem: %+v", p)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v %v", err, ErrorFields(err))
			}
			if p.State != tc.want {
				t.Errorf("state %s, want %s", p.State, tc.want)
			}
			own := ev[len(ev)-1]
			if own.ProblemID != p.ID || own.Action != tc.action || own.FromState != before.State || own.ToState != p.State ||
				c.Before.State != before.State {
				t.Errorf("own event %+v", own)
			}
			if tc.check != nil {
				tc.check(t, p, c, ev)
			}
		})
	}
}

// errText is an error's message and its field errors, for matching.
func errText(err error) string {
	s := ErrorMessage(err)
	for k, v := range ErrorFields(err) {
		s += " " + k + ":" + v
	}
	return s
}

func wantNote(note string) func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
	return func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
		t.Helper()
		if got := ev[len(ev)-1].Note; got != note {
			t.Errorf("note %q, want %q", got, note)
		}
	}
}

func TestApply_Checks(t *testing.T) {
	long := strings.Repeat("长", MaxNote+1)
	runApply(t, []applyCase{
		{name: "ErrUnknownAction", action: "fly", state: StateAssigned, role: RoleOffice, code: ENOTFOUND, want: "没有“fly”这个操作"},
		{name: "ErrLongNote", action: ActionAccept, state: StateAssigned, role: RoleCadre, req: ActionRequest{Note: long},
			code: EUNPROCESSABLE, want: "说明文字过长"},
		{name: "ErrRoleNever", action: ActionAccept, state: StateAssigned, role: RoleOffice, code: EFORBIDDEN,
			want: "不能执行“签收”"},
		{name: "ErrLeader", action: ActionAssign, state: StateSubmitted, role: RoleLeader, code: EFORBIDDEN, want: "您的角色"},
		{name: "ErrStaleVersion", action: ActionAccept, state: StateAssigned, role: RoleCadre, code: ECONFLICT, want: "已被他人修改"},
		{name: "ErrState", action: ActionAccept, state: StateAccepted, role: RoleCadre, code: ECONFLICT,
			want: "问题当前为“办理中”"},
		{name: "ErrNotUnitsOwn", action: ActionResolve, state: StateAccepted, role: RoleUnitAdmin,
			setup: func(p *Problem, env *ActionEnv) { p.UnitID = 12 }, code: EFORBIDDEN, want: "不由您的单位办理"},
		{name: "ErrNotCadresOwn", action: ActionAccept, state: StateAssigned, role: RoleCadre,
			setup: func(p *Problem, env *ActionEnv) { p.PersonID = 101 }, code: EFORBIDDEN, want: "未交办给您本人"},
		{name: "OK", action: ActionAccept, state: StateAssigned, role: RoleCadre, req: ActionRequest{Note: "  收到 "}, want: StateAccepted,
			check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if !p.AcceptedAt.Equal(applyNow) || ev[0].Note != "收到" || ev[0].Changes["state"] != [2]any{StateAssigned, StateAccepted} {
					t.Errorf("accepted %v, event %+v", p.AcceptedAt, ev[0])
				}
			}},
		{name: "OKUnitAdmin", action: ActionAccept, state: StateAssigned, role: RoleUnitAdmin, want: StateAccepted},
	})
}

func TestApply_Assign(t *testing.T) {
	runApply(t, []applyCase{
		{name: "OK", action: ActionAssign, state: StateSubmitted, role: RoleOffice, req: ActionRequest{UnitID: 10, PersonID: 100},
			want: StateAssigned, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if p.UnitID != 10 || p.PersonID != 100 || !p.AssignedAt.Equal(applyNow) || !p.AssignDue.IsZero() {
					t.Errorf("assigned %+v", p)
				}
				ch := ev[0].Changes
				if ch["accept_due"] != [2]any{"", "2025-06-10 24:00"} || ch["resolve_due"] != [2]any{"", "2025-06-30 24:00"} ||
					ch["assign_due"] != [2]any{"2025-06-10 24:00", ""} || ch["unit_id"] != [2]any{int64(0), int64(10)} {
					t.Errorf("changes %v", ch)
				}
			}},
		{name: "OKUrgentCategoryLimits", action: ActionAssign, state: StateSubmitted, role: RoleOffice, req: ActionRequest{UnitID: 12},
			setup: func(p *Problem, env *ActionEnv) {
				p.Urgency, env.Limits = UrgencyUrgent, Category{AcceptDays: 3, ResolveDays: 5}
			},
			want: StateAssigned, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if DueText(p.AcceptDue) != "2025-06-11 24:00" || DueText(p.ResolveDue) != "2025-06-12 24:00" {
					t.Errorf("deadlines %s %s", DueText(p.AcceptDue), DueText(p.ResolveDue))
				}
			}},
		{name: "OKWithCoUnits", action: ActionAssign, state: StateSubmitted, role: RoleOffice,
			req: ActionRequest{UnitID: 10, CoUnitIDs: []int64{12, 13}, Note: "尽快"}, want: StateAssigned,
			check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("配合单位：水利局、交通局。尽快")(t, p, c, ev)
				if c.CoUnits == nil || len(c.CoUnits.Add) != 2 || ev[0].Changes["co_units"] != [2]any{"无", "水利局、交通局"} {
					t.Errorf("co-units %+v, changes %v", c.CoUnits, ev[0].Changes)
				}
			}},
		{name: "ErrNoUnit", action: ActionAssign, state: StateSubmitted, role: RoleOffice, code: EUNPROCESSABLE, want: "请选择责任单位"},
		{name: "ErrUnitAbsent", action: ActionAssign, state: StateSubmitted, role: RoleOffice, req: ActionRequest{UnitID: 99},
			code: EUNPROCESSABLE, want: "单位 99 不存在"},
		{name: "ErrCadreAbsent", action: ActionAssign, state: StateSubmitted, role: RoleOffice, req: ActionRequest{UnitID: 10, PersonID: 999},
			code: EUNPROCESSABLE, want: "干部 999 不存在"},
		{name: "ErrCadreOfOtherUnit", action: ActionAssign, state: StateSubmitted, role: RoleOffice,
			req: ActionRequest{UnitID: 10, PersonID: 102}, code: EUNPROCESSABLE, want: "责任人须为责任单位的干部"},
		{name: "ErrLeadIsCoUnit", action: ActionAssign, state: StateSubmitted, role: RoleOffice, req: ActionRequest{UnitID: 12},
			setup: func(p *Problem, env *ActionEnv) { env.CoUnits = []CoUnit{{UnitID: 12, Name: "水利局"}} },
			code:  EUNPROCESSABLE, want: "不能同时牵头"},
		{name: "ErrCoUnitIsLead", action: ActionAssign, state: StateSubmitted, role: RoleOffice,
			req: ActionRequest{UnitID: 12, CoUnitIDs: []int64{12}}, code: EUNPROCESSABLE, want: "是牵头单位"},
		{name: "ErrUnitAdminCoUnits", action: ActionAssign, state: StateAssigned, role: RoleUnitAdmin,
			req: ActionRequest{PersonID: 100, CoUnitIDs: []int64{12}}, code: EUNPROCESSABLE, want: "只有县办公室可以指定配合单位"},
		{name: "OKToPerson", action: ActionAssign, state: StateAccepted, role: RoleUnitAdmin,
			setup: func(p *Problem, env *ActionEnv) { p.PersonID = 0 }, req: ActionRequest{PersonID: 100}, want: StateAccepted,
			check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if p.PersonID != 100 || p.ResolveDue != applyProblem(StateAccepted).ResolveDue {
					t.Errorf("dispatched %+v", p)
				}
			}},
		{name: "OKToSubUnit", action: ActionAssign, state: StateAssigned, role: RoleUnitAdmin, req: ActionRequest{UnitID: 11, PersonID: 101},
			want: StateAssigned, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if p.UnitID != 11 || p.PersonID != 101 {
					t.Errorf("dispatched %+v", p)
				}
			}},
		{name: "ErrNotSubUnit", action: ActionAssign, state: StateAssigned, role: RoleUnitAdmin, req: ActionRequest{UnitID: 12},
			code: EUNPROCESSABLE, want: "只能交办给本单位的下属单位"},
		{name: "ErrNoPerson", action: ActionAssign, state: StateAssigned, role: RoleOffice, code: EUNPROCESSABLE, want: "请选择责任人"},
		{name: "ErrClosed", action: ActionAssign, state: StateClosed, role: RoleOffice, code: ECONFLICT, want: "不能执行“交办”"},
	})
}

func TestApply_Transfer(t *testing.T) {
	runApply(t, []applyCase{
		{name: "OK", action: ActionTransfer, state: StateAccepted, role: RoleUnitAdmin, req: ActionRequest{UnitID: 12, Reason: " 属水利 "},
			setup: func(p *Problem, env *ActionEnv) { p.ExtensionUntil, p.ExtensionReason = "2025-07-30", "雨季" },
			want:  StateAssigned, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("属水利")(t, p, c, ev)
				if p.UnitID != 12 || p.PersonID != 0 || !p.AcceptedAt.IsZero() || p.ExtensionUntil != "" ||
					DueText(p.ResolveDue) != "2025-06-30 24:00" {
					t.Errorf("transferred %+v", p)
				}
			}},
		{name: "OKToOffice", action: ActionTransfer, state: StateAssigned, role: RoleOffice, req: ActionRequest{Reason: "重新派单"},
			want: StateSubmitted, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if p.UnitID != 0 || !p.AcceptDue.IsZero() || !p.ResolveDue.IsZero() || DueText(p.AssignDue) != "2025-06-11 24:00" {
					t.Errorf("back to the office %+v", p)
				}
			}},
		{name: "ErrNoReason", action: ActionTransfer, state: StateAssigned, role: RoleOffice, req: ActionRequest{UnitID: 12},
			code: EUNPROCESSABLE, want: "请填写转办理由"},
		{name: "ErrSameUnit", action: ActionTransfer, state: StateAssigned, role: RoleOffice, req: ActionRequest{UnitID: 10, Reason: "x"},
			code: EUNPROCESSABLE, want: "与当前责任单位相同"},
		{name: "ErrUnitAbsent", action: ActionTransfer, state: StateAssigned, role: RoleOffice, req: ActionRequest{UnitID: 99, Reason: "x"},
			code: EUNPROCESSABLE, want: "单位 99 不存在"},
		{name: "ErrCoUnit", action: ActionTransfer, state: StateAssigned, role: RoleOffice, req: ActionRequest{UnitID: 12, Reason: "x"},
			setup: func(p *Problem, env *ActionEnv) { env.CoUnits = []CoUnit{{UnitID: 12}} }, code: EUNPROCESSABLE, want: "配合单位"},
		{name: "ErrCadre", action: ActionTransfer, state: StateAssigned, role: RoleCadre, req: ActionRequest{UnitID: 12, Reason: "x"},
			code: EFORBIDDEN, want: "不能执行“转办”"},
	})
}

func TestApply_Extend(t *testing.T) {
	yes, no := true, false
	pending := func(p *Problem, env *ActionEnv) { p.ExtensionUntil, p.ExtensionReason = "2025-07-15", "雨季" }
	runApply(t, []applyCase{
		{name: "OKAsk", action: ActionExtend, state: StateAccepted, role: RoleCadre, req: ActionRequest{Until: "2025-07-15", Reason: "雨季"},
			want: StateAccepted, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("申请延期至 2025-07-15：雨季")(t, p, c, ev)
				if p.ExtensionUntil != "2025-07-15" || DueText(p.ResolveDue) != "2025-06-27 24:00" {
					t.Errorf("asked %+v", p)
				}
			}},
		{name: "ErrPending", action: ActionExtend, state: StateAccepted, role: RoleUnitAdmin, setup: pending,
			req: ActionRequest{Until: "2025-07-20", Reason: "x"}, code: ECONFLICT, want: "已有待审批的延期申请（至 2025-07-15）"},
		{name: "ErrNoReason", action: ActionExtend, state: StateAccepted, role: RoleCadre, req: ActionRequest{Until: "2025-07-15"},
			code: EUNPROCESSABLE, want: "请填写延期理由"},
		{name: "ErrBadDate", action: ActionExtend, state: StateAccepted, role: RoleCadre, req: ActionRequest{Until: "7月15日", Reason: "x"},
			code: EUNPROCESSABLE, want: "请填写延期后的完成日期"},
		{name: "ErrToday", action: ActionExtend, state: StateAccepted, role: RoleCadre, req: ActionRequest{Until: "2025-06-09", Reason: "x"},
			code: EUNPROCESSABLE, want: "延期日期须晚于今天"},
		{name: "ErrBeforeDeadline", action: ActionExtend, state: StateAccepted, role: RoleCadre,
			req: ActionRequest{Until: "2025-06-27", Reason: "x"}, code: EUNPROCESSABLE, want: "须晚于现在的办结期限 2025-06-27"},
		{name: "ErrOverAYear", action: ActionExtend, state: StateAccepted, role: RoleCadre,
			req: ActionRequest{Until: "2026-06-10", Reason: "x"}, code: EUNPROCESSABLE, want: "延期不能超过一年"},
		{name: "OKApprove", action: ActionExtend, state: StateAccepted, role: RoleOffice, setup: pending, req: ActionRequest{Approve: &yes},
			want: StateAccepted, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("批准延期至 2025-07-15")(t, p, c, ev)
				if DueText(p.ResolveDue) != "2025-07-15 24:00" || p.ExtensionUntil != "" ||
					ev[0].Changes["extension_until"] != [2]any{"2025-07-15", ""} {
					t.Errorf("approved %+v %v", p, ev[0].Changes)
				}
			}},
		{name: "OKApproveProvisional", action: ActionExtend, state: StateAccepted, role: RoleOffice, req: ActionRequest{Approve: &yes, Until: "2025-07-01"},
			setup: func(p *Problem, env *ActionEnv) { p.DueProvisional = true }, want: StateAccepted,
			check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if p.DueProvisional {
					t.Error("an approved date counted on no provisional year is provisional")
				}
			}},
		{name: "OKRefuse", action: ActionExtend, state: StateAccepted, role: RoleOffice, setup: pending, req: ActionRequest{Approve: &no},
			want: StateAccepted, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("不批准延期至 2025-07-15")(t, p, c, ev)
				if p.ExtensionUntil != "" || DueText(p.ResolveDue) != "2025-06-27 24:00" {
					t.Errorf("refused %+v", p)
				}
			}},
		{name: "ErrRefuseNone", action: ActionExtend, state: StateAccepted, role: RoleOffice, req: ActionRequest{Approve: &no},
			code: ECONFLICT, want: "没有待审批的延期申请"},
		{name: "ErrNoDecision", action: ActionExtend, state: StateAccepted, role: RoleOffice, setup: pending,
			code: EUNPROCESSABLE, want: "请选择批准或不批准延期"},
		{name: "ErrApproveNone", action: ActionExtend, state: StateAccepted, role: RoleOffice, req: ActionRequest{Approve: &yes},
			code: EUNPROCESSABLE, want: "请填写延期后的完成日期"},
	})
}

func TestApply_ResolveCallbackClose(t *testing.T) {
	called := func(sat string) func(p *Problem, env *ActionEnv) {
		return func(p *Problem, env *ActionEnv) {
			p.CallbackSolved, p.CallbackSatisfaction, p.CallbackAt = SolvedYes, sat, applyNow.Add(-time.Minute)
		}
	}
	runApply(t, []applyCase{
		{name: "OK", action: ActionResolve, state: StateAccepted, role: RoleCadre, req: ActionRequest{Measures: " 修路 ", Result: "已通车"},
			want: StateResolved, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if p.Measures != "修路" || p.Result != "已通车" || !p.ResolvedAt.Equal(applyNow) {
					t.Errorf("resolved %+v", p)
				}
			}},
		{name: "ErrMissing", action: ActionResolve, state: StateAccepted, role: RoleUnitAdmin, code: EUNPROCESSABLE, want: "measures:请填写采取的措施"},
		{name: "ErrNoResult", action: ActionResolve, state: StateAccepted, role: RoleUnitAdmin, req: ActionRequest{Measures: "x"},
			code: EUNPROCESSABLE, want: "result:请填写办理结果"},
		{name: "OKSatisfied", action: ActionCallback, state: StateResolved, role: RoleOffice,
			req: ActionRequest{Solved: SolvedYes, Satisfaction: Satisfied}, want: StateResolved, check: wantNote("已解决，满意")},
		{name: "OKUnsatisfied", action: ActionCallback, state: StateResolved, role: RoleOffice,
			req: ActionRequest{Solved: SolvedNo, Satisfaction: Unsatisfied, Note: "路又坏了"}, want: StateAccepted,
			check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("未解决，不满意。路又坏了；群众不满意，退回重办")(t, p, c, ev)
				if p.Reopened != 1 || !p.ResolvedAt.IsZero() || DueText(p.ResolveDue) != "2025-06-30 24:00" ||
					p.AcceptDue != applyProblem(StateResolved).AcceptDue {
					t.Errorf("reopened %+v", p)
				}
			}},
		{name: "ErrAnswers", action: ActionCallback, state: StateResolved, role: RoleOffice, req: ActionRequest{Solved: "maybe"},
			code: EUNPROCESSABLE, want: "satisfaction:请选择满意度"},
		{name: "OKClose", action: ActionClose, state: StateResolved, role: RoleOffice, setup: called(Basic), want: StateClosed},
		{name: "ErrNoCallback", action: ActionClose, state: StateResolved, role: RoleOffice, code: ECONFLICT, want: "尚未回访"},
		{name: "ErrUnsatisfied", action: ActionClose, state: StateResolved, role: RoleOffice, setup: called(Unsatisfied),
			code: ECONFLICT, want: "群众不满意，不能销号"},
		{name: "OKReopen", action: ActionReopen, state: StateClosed, role: RoleOffice, setup: called(Satisfied), req: ActionRequest{Note: "复查未达标"},
			want: StateAccepted, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("复查未达标")(t, p, c, ev)
				if !p.CallbackAt.IsZero() || p.CallbackSatisfaction != "" || !p.ClosedAt.IsZero() || p.Reopened != 1 {
					t.Errorf("reopened %+v", p)
				}
			}},
		{name: "ErrNoReason", action: ActionReopen, state: StateResolved, role: RoleOffice, code: EUNPROCESSABLE, want: "请填写退回重办的理由"},
	})
}

func TestApply_RejectReturn(t *testing.T) {
	runApply(t, []applyCase{
		{name: "OK", action: ActionReject, state: StateSubmitted, role: RoleOffice, req: ActionRequest{Reason: " 重复 "}, want: StateRejected,
			check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if p.RejectReason != "重复" {
					t.Errorf("reason %q", p.RejectReason)
				}
			}},
		{name: "ErrNoReason", action: ActionReject, state: StateAssigned, role: RoleOffice, code: EUNPROCESSABLE, want: "请填写不予受理的理由"},
		{name: "OKReturn", action: ActionReturn, state: StateAssigned, role: RoleUnitAdmin, req: ActionRequest{Reason: "不属本单位"},
			setup: func(p *Problem, env *ActionEnv) { p.RuleID = 5 }, want: StateSubmitted,
			check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("退单（原按派单规则 #5 交办）：不属本单位")(t, p, c, ev)
				if !c.Returned || c.ReturnReason != "不属本单位" || c.Before.UnitID != 10 || c.Before.RuleID != 5 ||
					p.UnitID != 0 || p.RuleID != 0 || DueText(p.AssignDue) != "2025-06-11 24:00" {
					t.Errorf("returned %+v, change %+v", p, c)
				}
			}},
		{name: "ErrNoReason", action: ActionReturn, state: StateAssigned, role: RoleUnitAdmin, code: EUNPROCESSABLE, want: "请填写退单理由"},
		{name: "ErrPastAcceptDue", action: ActionReturn, state: StateAssigned, role: RoleUnitAdmin, req: ActionRequest{Reason: "x"},
			setup: func(p *Problem, env *ActionEnv) { p.AcceptDue = applyNow.Add(-time.Hour) }, code: ECONFLICT, want: "签收期限"},
		{name: "ErrNotOwn", action: ActionReturn, state: StateAssigned, role: RoleUnitAdmin, req: ActionRequest{Reason: "x"},
			setup: func(p *Problem, env *ActionEnv) { env.MyUnit = func(int64) bool { return false } }, code: EFORBIDDEN, want: "不由您的单位办理"},
	})
}

func TestApply_Merge(t *testing.T) {
	target := func(state string) func(p *Problem, env *ActionEnv) {
		return func(p *Problem, env *ActionEnv) {
			env.Target = &Problem{ID: 8, Number: "安化-2025-000008", State: state}
		}
	}
	runApply(t, []applyCase{
		{name: "OK", action: ActionMerge, state: StateSubmitted, role: RoleOffice, req: ActionRequest{Into: 8, Note: "同一段路"},
			setup: target(StateAccepted), want: StateMerged, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				if len(ev) != 2 || ev[0].ProblemID != 8 || ev[0].Note != "并入问题 安化-2025-000007。同一段路" ||
					ev[0].FromState != StateAccepted || ev[0].ToState != StateAccepted ||
					ev[0].Changes["merged_from"] != [2]any{nil, "安化-2025-000007"} {
					t.Errorf("target's event %+v", ev[0])
				}
				wantNote("并入问题 安化-2025-000008。同一段路")(t, p, c, ev)
				if p.MergedInto != 8 || c.MergeInto.ID != 8 {
					t.Errorf("merged %+v", p)
				}
			}},
		{name: "ErrNoTarget", action: ActionMerge, state: StateSubmitted, role: RoleOffice, code: EUNPROCESSABLE, want: "请选择要并入的问题"},
		{name: "ErrItself", action: ActionMerge, state: StateSubmitted, role: RoleOffice, req: ActionRequest{Into: 7},
			code: EUNPROCESSABLE, want: "不能并入问题本身"},
		{name: "ErrOutOfScope", action: ActionMerge, state: StateAssigned, role: RoleUnitAdmin, req: ActionRequest{Into: 8},
			code: EUNPROCESSABLE, want: "不存在或不在您的管辖范围内"},
		{name: "ErrTargetClosed", action: ActionMerge, state: StateAssigned, role: RoleOffice, req: ActionRequest{Into: 8},
			setup: target(StateClosed), code: ECONFLICT, want: "问题 安化-2025-000008 当前为“已销号”"},
	})
}

func TestApply_CoUnitsPart(t *testing.T) {
	withCo := func(parts int) func(p *Problem, env *ActionEnv) {
		return func(p *Problem, env *ActionEnv) {
			env.CoUnits = []CoUnit{{UnitID: 12, Name: "水利局", Parts: parts}}
			env.PartUnits = func(u int64) bool { return u == 12 }
		}
	}
	runApply(t, []applyCase{
		{name: "OK", action: ActionCoUnits, state: StateAccepted, role: RoleOffice, req: ActionRequest{CoUnitIDs: []int64{13}},
			setup: withCo(0), want: StateAccepted, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("配合单位：交通局")(t, p, c, ev)
				if c.CoUnits == nil || len(c.CoUnits.Add) != 1 || c.CoUnits.Remove[0] != 12 || len(p.CoUnits) != 1 ||
					ev[0].Changes["co_units"] != [2]any{"水利局", "交通局"} {
					t.Errorf("co-units %+v, changes %v", c.CoUnits, ev[0].Changes)
				}
			}},
		{name: "ErrNoList", action: ActionCoUnits, state: StateAccepted, role: RoleOffice, code: EUNPROCESSABLE, want: "请填写配合单位列表"},
		{name: "ErrUnchanged", action: ActionCoUnits, state: StateAssigned, role: RoleOffice, req: ActionRequest{CoUnitIDs: []int64{12}},
			setup: withCo(0), code: EUNPROCESSABLE, want: "配合单位没有变化"},
		{name: "ErrPartDone", action: ActionCoUnits, state: StateAssigned, role: RoleOffice, req: ActionRequest{CoUnitIDs: []int64{}},
			setup: withCo(1), code: EUNPROCESSABLE, want: "已记录配合办理情况"},
		{name: "ErrUnitAdmin", action: ActionCoUnits, state: StateAssigned, role: RoleUnitAdmin, req: ActionRequest{CoUnitIDs: []int64{}},
			code: EFORBIDDEN, want: "不能执行“配合单位”"},
		{name: "OKPart", action: ActionPart, state: StateAccepted, role: RoleUnitAdmin, req: ActionRequest{Note: "已派人", Date: "2025-06-08"},
			setup: withCo(0), want: StateAccepted, check: func(t *testing.T, p *Problem, c *ProblemChange, ev []ActionEvent) {
				wantNote("水利局（2025-06-08）：已派人")(t, p, c, ev)
				if c.Part == nil || c.Part.UnitID != 12 || ev[0].Changes["part_done_on"] != [2]any{nil, "2025-06-08"} {
					t.Errorf("part %+v", c.Part)
				}
			}},
		{name: "ErrNotCoUnit", action: ActionPart, state: StateAccepted, role: RoleUnitAdmin, req: ActionRequest{Note: "x"},
			code: EFORBIDDEN, want: "不是该问题的配合单位"},
		{name: "ErrFutureDate", action: ActionPart, state: StateAccepted, role: RoleCadre, req: ActionRequest{Note: "x", Date: "2025-06-10"},
			setup: withCo(0), code: EUNPROCESSABLE, want: "完成日期不能晚于今天"},
	})
}

func TestApply_AssignByRule(t *testing.T) {
	p, env := applyProblem(StateSubmitted), applyEnv(RoleOffice)
	c, ev := p.AssignByRule(&RoutingRule{ID: 4, UnitID: 12, PersonID: 102}, env, applyNow)
	if p.State != StateAssigned || p.UnitID != 12 || p.PersonID != 102 || p.RuleID != 4 || !p.AssignDue.IsZero() ||
		DueText(p.ResolveDue) != "2025-06-30 24:00" || c.Before.State != StateSubmitted {
		t.Errorf("assigned %+v", p)
	}
	if len(ev) != 1 || ev[0].Note != "按派单规则 #4 自动交办" || ev[0].Changes["rule_id"] != [2]any{int64(0), int64(4)} {
		t.Errorf("events %+v", ev)
	}
}
