package sanlian

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem states (SPEC §3).
const (
	StateSubmitted = "submitted" // 待受理
	StateAssigned  = "assigned"  // 已交办
	StateAccepted  = "accepted"  // 办理中
	StateResolved  = "resolved"  // 已办结
	StateClosed    = "closed"    // 已销号
	StateRejected  = "rejected"  // 不予受理
	StateMerged    = "merged"    // 已合并
)

// States lists the problem states in their order of life.
var States = []string{StateSubmitted, StateAssigned, StateAccepted, StateResolved, StateClosed, StateRejected, StateMerged}

// StateLabel returns the Chinese name of a state.
func StateLabel(s string) string {
	switch s {
	case StateSubmitted:
		return "待受理"
	case StateAssigned:
		return "已交办"
	case StateAccepted:
		return "办理中"
	case StateResolved:
		return "已办结"
	case StateClosed:
		return "已销号"
	case StateRejected:
		return "不予受理"
	case StateMerged:
		return "已合并"
	}
	return s
}

// OpenStates are the states in which a problem is still on the ledger's
// open side: someone must act on it.
var OpenStates = []string{StateSubmitted, StateAssigned, StateAccepted, StateResolved}

// Problem sources.
const (
	SourceVisit   = "visit"
	SourcePortal  = "portal"
	SourceWechat  = "wechat"
	SourceHotline = "hotline"
	SourceLetter  = "letter"
	SourceOther   = "other"
)

// Sources lists the sources in display order.
var Sources = []string{SourceVisit, SourcePortal, SourceWechat, SourceHotline, SourceLetter, SourceOther}

// SourceLabel returns the Chinese name of a source.
func SourceLabel(s string) string {
	switch s {
	case SourceVisit:
		return "走访收集"
	case SourcePortal:
		return "政府门户网站"
	case SourceWechat:
		return "微信公众号"
	case SourceHotline:
		return "热线电话"
	case SourceLetter:
		return "来信来访"
	case SourceOther:
		return "其他"
	}
	return s
}

// Urgencies.
const (
	UrgencyNormal = "normal"
	UrgencyUrgent = "urgent"
)

// Problem actions (SPEC §3 and §7).
const (
	ActionCreate   = "create"
	ActionAssign   = "assign"
	ActionAccept   = "accept"
	ActionTransfer = "transfer"
	ActionExtend   = "extend"
	ActionResolve  = "resolve"
	ActionCallback = "callback"
	ActionClose    = "close"
	ActionReopen   = "reopen"
	ActionReject   = "reject"
	ActionMerge    = "merge"
	ActionImport   = "import"   // entered from a spreadsheet of the ledger kept before
	ActionReturn   = "return"   // 退单: a unit sends a mis-assigned problem back to the office
	ActionCoUnits  = "co_units" // 配合单位: the office names or removes co-handling units
	ActionPart     = "part"     // 配合办理: a co-unit records its part
	// ActionRecompute is written by the system when a confirmed calendar
	// year moves a deadline counted on its provisional calendar.
	ActionRecompute = "recompute"
)

// Actions lists the actions one can take on an existing problem.
var Actions = []string{ActionAssign, ActionAccept, ActionTransfer, ActionExtend, ActionResolve, ActionCallback,
	ActionClose, ActionReopen, ActionReject, ActionMerge, ActionReturn, ActionCoUnits, ActionPart}

// ActionLabel returns the Chinese name of an action.
func ActionLabel(a string) string {
	switch a {
	case ActionCreate:
		return "登记"
	case ActionAssign:
		return "交办"
	case ActionAccept:
		return "签收"
	case ActionTransfer:
		return "转办"
	case ActionExtend:
		return "延期"
	case ActionResolve:
		return "办结"
	case ActionCallback:
		return "回访"
	case ActionClose:
		return "销号"
	case ActionReopen:
		return "退回重办"
	case ActionReject:
		return "不予受理"
	case ActionMerge:
		return "合并"
	case ActionImport:
		return "导入"
	case ActionReturn:
		return "退单"
	case ActionCoUnits:
		return "配合单位"
	case ActionPart:
		return "配合办理"
	case ActionRecompute:
		return "期限重算"
	}
	return a
}

// ActionRules is the one table of who may do what to a problem, and in
// which state: action → state → roles. Finer conditions (the unit admin of
// the responsible unit, the assigned person) are checked against the
// problem itself. It is tested for every state × action × role.
var ActionRules = map[string]map[string][]Role{
	ActionAssign: {
		StateSubmitted: {RoleOffice},                // 交办 to a unit
		StateAssigned:  {RoleOffice, RoleUnitAdmin}, // on to a person or a sub-unit
		StateAccepted:  {RoleOffice, RoleUnitAdmin},
	},
	ActionAccept:   {StateAssigned: {RoleUnitAdmin, RoleCadre}},
	ActionTransfer: {StateAssigned: {RoleOffice, RoleUnitAdmin}, StateAccepted: {RoleOffice, RoleUnitAdmin}},
	ActionExtend: { // a unit asks, the office decides
		StateAssigned: {RoleOffice, RoleUnitAdmin, RoleCadre},
		StateAccepted: {RoleOffice, RoleUnitAdmin, RoleCadre},
	},
	ActionResolve:  {StateAccepted: {RoleUnitAdmin, RoleCadre}},
	ActionCallback: {StateResolved: {RoleOffice}},
	ActionClose:    {StateResolved: {RoleOffice}},
	ActionReopen:   {StateResolved: {RoleOffice}, StateClosed: {RoleOffice}},
	ActionReject:   {StateSubmitted: {RoleOffice}, StateAssigned: {RoleOffice}},
	ActionReturn:   {StateAssigned: {RoleUnitAdmin}}, // 退单, within the accept deadline
	ActionMerge: {
		StateSubmitted: {RoleOffice},
		StateAssigned:  {RoleOffice, RoleUnitAdmin},
		StateAccepted:  {RoleOffice, RoleUnitAdmin},
	},
	// The office names co-units while the lead handles the problem; a
	// co-unit's admin or cadre records its part meanwhile.
	ActionCoUnits: {StateAssigned: {RoleOffice}, StateAccepted: {RoleOffice}},
	ActionPart:    {StateAssigned: {RoleUnitAdmin, RoleCadre}, StateAccepted: {RoleUnitAdmin, RoleCadre}},
}

// CanAct reports whether role may take action on a problem in state, by
// the table alone.
func CanAct(state, action string, role Role) bool {
	return containsRole(ActionRules[action][state], role)
}

// MayEverAct reports whether role may take action in some state.
func MayEverAct(action string, role Role) bool {
	for _, rs := range ActionRules[action] {
		if containsRole(rs, role) {
			return true
		}
	}
	return false
}

func containsRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// Callback answers (回访).
const (
	SolvedYes    = "yes"
	SolvedPartly = "partly"
	SolvedNo     = "no"

	Satisfied   = "satisfied"
	Basic       = "basic"
	Unsatisfied = "unsatisfied"
)

// SolvedLabel and SatisfactionLabel name callback answers in Chinese.
func SolvedLabel(s string) string {
	switch s {
	case SolvedYes:
		return "已解决"
	case SolvedPartly:
		return "部分解决"
	case SolvedNo:
		return "未解决"
	}
	return s
}

// SatisfactionLabel names a satisfaction answer in Chinese.
func SatisfactionLabel(s string) string {
	switch s {
	case Satisfied:
		return "满意"
	case Basic:
		return "基本满意"
	case Unsatisfied:
		return "不满意"
	}
	return s
}

// Category is one field of the problem dictionary (the 12 seed fields of
// SPEC §1), with optional deadline overrides in working days.
type Category struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	AcceptDays  int    `json:"accept_days,omitempty"`  // 0: the default (1)
	ResolveDays int    `json:"resolve_days,omitempty"` // 0: the default (15)
	Active      bool   `json:"active"`
	Sort        int    `json:"sort"`
	Version     int64  `json:"version"`
}

// Default limits in working days (SPEC §3).
const (
	DefaultAcceptDays  = 1
	DefaultResolveDays = 15
)

// Limits returns the accept and resolve limits in working days for an
// urgency: urgent halves them, rounding up, never below one day.
func (c *Category) Limits(urgency string) (accept, resolve int) {
	accept, resolve = DefaultAcceptDays, DefaultResolveDays
	if c != nil && c.AcceptDays > 0 {
		accept = c.AcceptDays
	}
	if c != nil && c.ResolveDays > 0 {
		resolve = c.ResolveDays
	}
	if urgency == UrgencyUrgent {
		accept, resolve = (accept+1)/2, (resolve+1)/2
	}
	return max(accept, 1), max(resolve, 1)
}

// Problem is a ledger item: what the people raised, who owns it, by when.
type Problem struct {
	contactsMasked bool // MaskContacts has run (pii.go)

	ID            int64  `json:"id"`
	Number        string `json:"number"` // e.g. 安化-2021-000123
	State         string `json:"state"`
	Version       int64  `json:"version"`
	Source        string `json:"source"`
	Category      string `json:"category"`
	VillageCode   string `json:"village"`
	HouseholdID   int64  `json:"household_id,omitempty"`
	ReporterName  string `json:"reporter_name"`
	ReporterPhone string `json:"reporter_phone"` // masked
	Title         string `json:"title"`
	Description   string `json:"description"`
	Urgency       string `json:"urgency"`
	UnitID        int64  `json:"unit_id,omitempty"`
	PersonID      int64  `json:"person_id,omitempty"` // a cadre

	// AssignDue is the office's dispatch deadline (受理派单时限) while the
	// problem is submitted; zero once it is assigned.
	AssignDue  time.Time `json:"assign_due,omitzero"`
	AssignedAt time.Time `json:"assigned_at,omitzero"`
	AcceptDue  time.Time `json:"accept_due,omitzero"`
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	ResolveDue time.Time `json:"resolve_due,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	Overdue    bool      `json:"overdue"` // computed at read time, never stored
	// DueProvisional marks deadlines counted on a year whose official
	// schedule the office has not confirmed yet (SPEC §3).
	DueProvisional bool `json:"due_provisional,omitempty"`
	// RuleID is the routing rule that assigned the problem, if one did.
	RuleID int64 `json:"rule_id,omitempty"`

	Measures             string    `json:"measures,omitempty"`
	Result               string    `json:"result,omitempty"`
	CallbackSolved       string    `json:"callback_solved,omitempty"`
	CallbackSatisfaction string    `json:"callback_satisfaction,omitempty"`
	CallbackAt           time.Time `json:"callback_at,omitzero"`
	Reopened             int       `json:"reopened"`
	MergedInto           int64     `json:"merged_into,omitempty"`
	RejectReason         string    `json:"reject_reason,omitempty"`
	ExtensionUntil       string    `json:"extension_until,omitempty"` // a pending request, "2006-01-02"
	ExtensionReason      string    `json:"extension_reason,omitempty"`

	CreatedBy int64     `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Read-only joins.
	CategoryName string `json:"category_name,omitempty"`
	VillageName  string `json:"village_name,omitempty"`
	TownshipCode string `json:"township,omitempty"`
	TownshipName string `json:"township_name,omitempty"`
	UnitName     string `json:"unit_name,omitempty"`
	PersonName   string `json:"person_name,omitempty"`
	HeadName     string `json:"household_head,omitempty"`

	// CoUnits are the co-handling units (配合单位), read with a single
	// problem; lists leave them out.
	CoUnits []CoUnit `json:"co_units,omitempty"`
}

// StateLabel returns the Chinese name of the problem's state.
func (p *Problem) StateLabel() string { return StateLabel(p.State) }

// Open reports whether the problem still needs someone to act.
func (p *Problem) Open() bool { return contains(OpenStates, p.State) }

// IsOverdue computes overdueness at now: not assigned by the office's
// dispatch deadline, not accepted by the accept deadline, or not resolved
// by the resolve deadline.
func (p *Problem) IsOverdue(now time.Time) bool {
	switch p.State {
	case StateSubmitted:
		return !p.AssignDue.IsZero() && now.After(p.AssignDue)
	case StateAssigned:
		return (!p.AcceptDue.IsZero() && now.After(p.AcceptDue)) || (!p.ResolveDue.IsZero() && now.After(p.ResolveDue))
	case StateAccepted:
		return !p.ResolveDue.IsZero() && now.After(p.ResolveDue)
	}
	return false
}

// ProblemInput is what a person enters for a new problem.
type ProblemInput struct {
	Source        string `json:"source"`
	Category      string `json:"category"`
	VillageCode   string `json:"village"`
	HouseholdID   int64  `json:"household_id"`
	ReporterName  string `json:"reporter_name"`
	ReporterPhone string `json:"reporter_phone"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Urgency       string `json:"urgency"`
}

// Field limits.
const (
	MaxTitle       = 100
	MaxDescription = 5000
	MaxNote        = 2000
	MaxSearch      = 100
)

// Normalize trims the input and fills a missing title, with phones and ID
// numbers masked, and defaults.
func (in *ProblemInput) Normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.ReporterName = strings.TrimSpace(in.ReporterName)
	in.ReporterPhone = strings.TrimSpace(in.ReporterPhone)
	if in.Source == "" {
		in.Source = SourceVisit
	}
	if in.Urgency == "" {
		in.Urgency = UrgencyNormal
	}
	if in.Title == "" && in.Description != "" {
		// Masked before it is cut, so that no part of a phone or ID
		// number typed into the description is copied.
		r := []rune(MaskContacts(strings.Join(strings.Fields(in.Description), " ")))
		if len(r) > 30 {
			r = append(r[:30], '…')
		}
		in.Title = string(r)
	}
}

// Validate checks the input's own fields; the village, household and
// category are checked against the database by the service.
func (in *ProblemInput) Validate() error {
	f := map[string]string{}
	if !contains(Sources, in.Source) {
		f["source"] = "来源须为 visit、portal、wechat、hotline、letter 或 other"
	}
	if in.Category == "" {
		f["category"] = "请选择问题类别"
	}
	if !ValidRegionCode(in.VillageCode) {
		f["village"] = "请选择所在村(社区)"
	}
	if in.Description == "" {
		f["description"] = "请填写问题描述"
	} else if utf8.RuneCountInString(in.Description) > MaxDescription {
		f["description"] = "问题描述不能超过 5000 字"
	}
	if utf8.RuneCountInString(in.Title) > MaxTitle {
		f["title"] = "标题不能超过 100 字"
	}
	if utf8.RuneCountInString(in.ReporterName) > 30 {
		f["reporter_name"] = "反映人姓名不能超过 30 字"
	}
	if in.ReporterPhone != "" && !ValidPhone(in.ReporterPhone) {
		f["reporter_phone"] = "联系电话格式不正确"
	}
	if in.Urgency != UrgencyNormal && in.Urgency != UrgencyUrgent {
		f["urgency"] = "紧急程度须为 normal 或 urgent"
	}
	checkTexts(f, oneLine("title", "标题", in.Title), manyLines("description", "问题描述", in.Description),
		oneLine("reporter_name", "反映人姓名", in.ReporterName), oneLine("reporter_phone", "联系电话", in.ReporterPhone))
	return FieldErrors(f)
}

// Problem is the problem in enters: the fields it gives, submitted.
// Storage adds the number, the township, the deadlines and the clock.
func (in *ProblemInput) Problem() *Problem {
	return &Problem{State: StateSubmitted, Source: in.Source, Category: in.Category, VillageCode: in.VillageCode,
		HouseholdID: in.HouseholdID, ReporterName: in.ReporterName, ReporterPhone: in.ReporterPhone,
		Title: in.Title, Description: in.Description, Urgency: in.Urgency}
}

// ActionRequest is the body of POST /api/v1/problems/{id}/{action}.
type ActionRequest struct {
	Version int64  `json:"version"`
	Note    string `json:"note"`

	UnitID   int64  `json:"unit_id"`   // assign, transfer (0 with transfer: back to the office), part
	PersonID int64  `json:"person_id"` // assign
	Reason   string `json:"reason"`    // transfer, extend, reject
	Until    string `json:"until"`     // extend: the new date, "2006-01-02"
	Approve  *bool  `json:"approve"`   // extend, by the office: decide a request
	Measures string `json:"measures"`  // resolve
	Result   string `json:"result"`    // resolve

	Solved       string `json:"solved"`       // callback: yes, partly, no
	Satisfaction string `json:"satisfaction"` // callback: satisfied, basic, unsatisfied
	Into         int64  `json:"into"`         // merge

	// CoUnitIDs names the co-units: with co_units the whole new set (an
	// empty list removes all, a missing one is refused); with the office's
	// assign likewise when present, and a missing list keeps the set.
	CoUnitIDs []int64 `json:"co_unit_ids"`
	// Date is the day a co-unit's part was done (part), "2006-01-02";
	// empty for today. UnitID picks the co-unit when the caller acts for
	// several.
	Date string `json:"date"`
}

// ProblemEvent is one entry of a problem's timeline.
type ProblemEvent struct {
	contactsMasked bool // MaskContacts has run (pii.go)

	ID        int64     `json:"id"`
	ProblemID int64     `json:"problem_id"`
	Action    string    `json:"action"`
	ActorID   int64     `json:"actor_id,omitempty"`
	Actor     string    `json:"actor"`
	At        time.Time `json:"at"`
	Note      string    `json:"note,omitempty"`
	FromState string    `json:"from_state,omitempty"`
	ToState   string    `json:"to_state"`
	Changes   string    `json:"changes,omitempty"` // JSON {"field": [before, after]}
}

// ActionLabel returns the Chinese name of the event's action.
func (e *ProblemEvent) ActionLabel() string { return ActionLabel(e.Action) }

// ProblemFilter selects problems. Period bounds are instants.
type ProblemFilter struct {
	State        string
	Open         bool // any open state
	Category     string
	Source       string
	TownshipCode string
	VillageCode  string
	UnitID       int64
	// WithCoUnits, with UnitID, keeps the problems that unit co-handles
	// too, as its problem list shows them.
	WithCoUnits  bool
	PersonID     int64
	Mine         bool // assigned to or entered by the caller
	Urgency      string
	Overdue      *bool
	DueBefore    time.Time // assigned or accepted, to be resolved before this instant
	CreatedFrom  time.Time
	CreatedTo    time.Time
	ResolvedFrom time.Time
	ResolvedTo   time.Time
	Q            string
	Sort         string // "number" (newest first, default) or "deadline"
	Cursor       string
	Limit        int

	// VisitFrom and VisitTo ("2006-01-02", inclusive) keep the problems
	// raised on visits dated in that window; VisitCadreID and VisitUnitID
	// narrow them to the visits one cadre recorded or one unit made, as
	// the visit coverage report counts them.
	VisitFrom, VisitTo string
	VisitCadreID       int64
	VisitUnitID        int64

	// Card keeps the problems under an open automatic supervision of that
	// level (LevelRed or LevelYellow): the workbenches' red-card counts.
	Card string
	// OwnUnits keeps the problems led by the caller's own units (a unit
	// admin: own unit and sub-units; a cadre: their unit), leaving out
	// those the scope adds because the unit entered or co-handles them:
	// the unit's workbench counts these. CoPartOwed keeps the assigned or
	// accepted problems one of those units co-handles and has recorded no
	// part of yet. Both keep nothing for roles without units of their own
	// but the office, whom they do not narrow.
	OwnUnits, CoPartOwed bool
	// Reassign keeps the assigned or accepted problems whose handling
	// cadre has since moved to another unit (待重新分派): a problem's person
	// is always one of its unit's cadres when assigned, so a person now of
	// another unit means the problem needs another. Narrowed to the
	// caller's own units as OwnUnits is.
	Reassign bool
	// Number keeps the problem of that number: ProblemNumber.String, with
	// the county (安化-2026-000676) or only its tail (2026-000676).
	Number string
}

// StateCount is how many problems of a filter are in a state.
type StateCount struct {
	State string `json:"state"`
	Count int    `json:"count"`
}

// Similar is an open problem that may be the same as one being entered.
type Similar struct {
	Problem *Problem `json:"problem"`
	Score   float64  `json:"score"` // 0..1
}

// ProblemService keeps the ledger. Every read applies the caller's scope;
// every write records a timeline event and an audit row in one transaction.
type ProblemService interface {
	// CreateProblem enters a problem in state submitted. Office, unit admin
	// and cadre. Returns EUNPROCESSABLE, EFORBIDDEN.
	CreateProblem(ctx context.Context, in *ProblemInput) (*Problem, error)
	// FindProblemByID returns ENOTFOUND when absent or out of scope.
	FindProblemByID(ctx context.Context, id int64) (*Problem, error)
	// FindProblems lists a page; returns the next cursor.
	FindProblems(ctx context.Context, f ProblemFilter) ([]*Problem, string, error)
	// CountProblemsByState counts f's problems per state, ignoring f.State.
	CountProblemsByState(ctx context.Context, f ProblemFilter) ([]StateCount, error)
	// ProblemEvents returns the timeline, including problems merged in.
	ProblemEvents(ctx context.Context, id int64) ([]*ProblemEvent, error)
	// Act takes an action. Returns EFORBIDDEN (role or scope), ECONFLICT
	// (stale version, or not allowed in this state), EUNPROCESSABLE.
	Act(ctx context.Context, id int64, action string, req ActionRequest) (*Problem, error)
	// SimilarProblems suggests open problems in village like text.
	SimilarProblems(ctx context.Context, village, text string, exclude int64) ([]*Similar, error)
	// RevealReporter returns the reporter's whole phone, audited.
	RevealReporter(ctx context.Context, id int64) (string, error)
	// RevealText returns the problem's free text whole, with the phones and
	// ID numbers typed into it that every other answer masks; audited.
	RevealText(ctx context.Context, id int64) (*ProblemText, error)
	// FindCategories lists the dictionary (inactive ones too when all).
	FindCategories(ctx context.Context, all bool) ([]*Category, error)
	// SaveCategory creates (Version 0) or updates a category. Office only.
	SaveCategory(ctx context.Context, c *Category) error
}
