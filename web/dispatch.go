package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanlian"
)

// The monthly dispatch (月度调度): the JSON API and the pages. A month's
// page gathers what the meeting reviews — the month's problems by
// township and unit, the longest overdue and the urgent open problems,
// overdue and stalled projects — beside its record and decisions.

// keyItems is how many key problems and projects the page lists of each kind.
const keyItems = 20

// dispatchJSON is a month's meeting with its progress tables.
type dispatchJSON struct {
	*sanlian.Dispatch
	ByTownship []*sanlian.DispatchProgress `json:"by_township"`
	ByUnit     []*sanlian.DispatchProgress `json:"by_unit"`
}

// apiDispatches is GET /api/v1/dispatches.
func (s *reportHandlers) apiDispatches(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Dispatch.FindDispatches(r.Context())
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// dispatchOf reads month's meeting and its progress tables.
func (s *reportHandlers) dispatchOf(r *http.Request, month string) (*dispatchJSON, error) {
	ctx := r.Context()
	d, err := s.Dispatch.FindDispatch(ctx, month)
	if err != nil {
		return nil, err
	}
	out := &dispatchJSON{Dispatch: d}
	if out.ByTownship, err = s.Dispatch.DispatchProgress(ctx, month, sanlian.ByTownship); err != nil {
		return nil, err
	}
	if out.ByUnit, err = s.Dispatch.DispatchProgress(ctx, month, sanlian.ByUnit); err != nil {
		return nil, err
	}
	return out, nil
}

// apiDispatch is GET /api/v1/dispatches/{month}.
func (s *reportHandlers) apiDispatch(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dispatchOf(r, r.PathValue("month"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// dispatchSave is the body of PUT /api/v1/dispatches/{month}: the record
// and the version it was read at, 0 for the month's first record.
type dispatchSave struct {
	sanlian.DispatchInput
	Version int64 `json:"version"`
}

// apiSaveDispatch is PUT /api/v1/dispatches/{month}.
func (s *reportHandlers) apiSaveDispatch(w http.ResponseWriter, r *http.Request) error {
	var in dispatchSave
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Version < 0 {
		return sanlian.FieldErrors(map[string]string{"version": "version 应为读取时的版本号，首次记录为 0"})
	}
	d, err := s.Dispatch.SaveDispatch(r.Context(), r.PathValue("month"), &in.DispatchInput, in.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// apiAddDecision is POST /api/v1/dispatches/{month}/decisions.
func (s *reportHandlers) apiAddDecision(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.DecisionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	x, err := s.Dispatch.AddDecision(r.Context(), r.PathValue("month"), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/responsibilities/"+strconv.FormatInt(x.ResponsibilityID, 10))
	writeJSON(w, http.StatusCreated, x)
	return nil
}

// Pages.

type dispatchesPage struct {
	basePage
	Picker periodPicker // opens a month
	Months []*sanlian.DispatchMonth
}

// dispatchesPage is GET /dispatches: the months with a meeting or
// decisions, newest first, and the current month.
//
// The month picker (month_year, month_month; or month=2021-05, or
// month=2021年5月) opens that month's meeting.
func (s *reportHandlers) dispatchesPage(w http.ResponseWriter, r *http.Request) error {
	q, now, status := r.URL.Query(), s.cfg.Now(), http.StatusOK
	if q.Get("month") == "" && q.Get("month_year") == "" {
		q = url.Values{"month": {sanlian.PeriodOf(now, sanlian.PeriodMonth).ID}}
	} else if per, _, msg := readPeriod(q, dispatchesMonth, now); msg == "" {
		http.Redirect(w, r, "/dispatches/"+url.PathEscape(per.ID), http.StatusSeeOther)
		return nil
	} else {
		status = http.StatusBadRequest
	}
	ms, err := s.Dispatch.FindDispatches(r.Context())
	if err != nil {
		return err
	}
	page := &dispatchesPage{basePage: s.base(r, "月度调度", "dispatches"), Months: ms}
	_, page.Picker, _ = readPeriod(q, dispatchesMonth, now)
	return s.render(w, r, status, "dispatches", page)
}

// dispatchesMonth is the dispatch pages' month picker: whole months up to
// this one.
var dispatchesMonth = periodField{Name: "month", Label: "调度月份", Rule: sanlian.PeriodRule{Months: true, Past: true}}

// progressTable is one of the page's progress tables.
type progressTable struct {
	Head string
	Rows []*sanlian.DispatchProgress
}

// problemTable is a list of key problems, with what it says when empty.
type problemTable struct {
	Rows  []*sanlian.Problem
	Empty string
}

// Due is the last day an overdue problem had to be resolved in.
func (problemTable) Due(p *sanlian.Problem) string {
	if p.ResolveDue.IsZero() {
		return "—"
	}
	// A deadline ends at 24:00, which is 00:00 of the next day.
	return p.ResolveDue.In(sanlian.Shanghai).Add(-time.Second).Format("2006-01-02")
}

// projectTable is a list of key projects, with what it says when empty.
type projectTable struct {
	Rows  []*sanlian.Project
	Empty string
}

type dispatchPage struct {
	basePage
	respView
	*dispatchJSON
	Townships       progressTable
	UnitsProgress   progressTable
	Overdue         problemTable
	Urgent          problemTable
	OverdueProjects projectTable
	StalledProjects projectTable
	MayEdit         bool

	// The meeting's record form.
	Form   url.Values
	Error  string
	Fields map[string]string

	// The decision form: a unit first, then its cadres.
	DecisionForm   url.Values
	DecisionError  string
	DecisionFields map[string]string
	Units          []projectOption
	Persons        []projectOption
	Leaders        []projectOption
	DecisionUnit   int64
}

// DecisionLink is the responsibility line a decision put on its unit's list.
func (dispatchPage) DecisionLink(x *sanlian.Decision) string {
	if x.ResponsibilityID == 0 {
		return ""
	}
	return "/responsibilities/" + strconv.FormatInt(x.ResponsibilityID, 10)
}

// dispatchForm is the record form filled in with d.
func dispatchForm(d *sanlian.Dispatch) url.Values {
	return url.Values{"meeting_date": {d.MeetingDate}, "place": {d.Place}, "chair": {d.Chair}, "attendees": {d.Attendees},
		"record": {d.Record}, "version": {strconv.FormatInt(d.Version, 10)}}
}

// renderDispatch shows month's page; form and dform, when not nil, are
// the record and decision forms as typed, with err their refusal.
func (s *reportHandlers) renderDispatch(w http.ResponseWriter, r *http.Request, status int, month string, form url.Values, ferr error,
	dform url.Values, derr error) error {
	ctx := r.Context()
	d, err := s.dispatchOf(r, month)
	if err != nil {
		return err
	}
	page := &dispatchPage{basePage: s.base(r, d.Label()+"调度", "dispatches"), dispatchJSON: d}
	page.MayEdit = page.User.Role == sanlian.RoleOffice
	page.Townships = progressTable{Head: "乡镇", Rows: d.ByTownship}
	page.UnitsProgress = progressTable{Head: "责任单位", Rows: d.ByUnit}
	page.Overdue.Empty, page.Urgent.Empty = "没有超期问题。", "没有在办的紧急问题。"
	page.OverdueProjects.Empty, page.StalledProjects.Empty = "没有超期项目。", "没有停滞项目。"
	yes := true
	if page.Overdue.Rows, _, err = s.Problems.FindProblems(ctx, sanlian.ProblemFilter{Open: true, Overdue: &yes, Sort: "deadline",
		Limit: keyItems}); err != nil {
		return err
	}
	if page.Urgent.Rows, _, err = s.Problems.FindProblems(ctx, sanlian.ProblemFilter{Open: true, Urgency: sanlian.UrgencyUrgent,
		Sort: "deadline", Limit: keyItems}); err != nil {
		return err
	}
	if page.OverdueProjects.Rows, _, err = s.Projects.FindProjects(ctx, sanlian.ProjectFilter{Overdue: true, Limit: keyItems}); err != nil {
		return err
	}
	if page.StalledProjects.Rows, _, err = s.Projects.FindProjects(ctx, sanlian.ProjectFilter{Stalled: true, Limit: keyItems}); err != nil {
		return err
	}
	if !page.MayEdit {
		return s.render(w, r, status, "dispatch", page)
	}
	page.Form = form
	if form == nil {
		page.Form = dispatchForm(d.Dispatch)
	}
	if ferr != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	page.DecisionForm = dform
	if dform == nil {
		page.DecisionForm = url.Values{}
		if u := r.URL.Query().Get("unit_id"); u != "" {
			page.DecisionForm.Set("unit_id", u)
		}
	}
	if derr != nil {
		page.DecisionError, page.DecisionFields = sanlian.ErrorMessage(derr), sanlian.ErrorFields(derr)
	}
	if err := s.decisionOptions(r, page); err != nil {
		return err
	}
	return s.render(w, r, status, "dispatch", page)
}

// decisionOptions fills the decision form's units and, once a unit is
// chosen, its cadres as responsible persons and leaders, with the county
// leaders as leaders too.
func (s *reportHandlers) decisionOptions(r *http.Request, page *dispatchPage) error {
	ctx := r.Context()
	units, _, err := s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500})
	if err != nil {
		return err
	}
	unit := page.DecisionForm.Get("unit_id")
	for _, u := range units {
		page.Units = append(page.Units, projectOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	page.Units = selectOptions(page.Units, unit)
	page.DecisionUnit, _ = strconv.ParseInt(unit, 10, 64)
	if page.DecisionUnit <= 0 {
		page.DecisionUnit = 0
		return nil
	}
	if page.Leaders, page.Persons, err = s.lists.responsibleOptions(ctx, page.DecisionUnit); err != nil {
		return err
	}
	page.Persons = selectOptions(page.Persons, page.DecisionForm.Get("person_id"))
	page.Leaders = selectOptions(page.Leaders, page.DecisionForm.Get("leader_id"))
	return nil
}

// dispatchPage is GET /dispatches/{month}.
func (s *reportHandlers) dispatchPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderDispatch(w, r, http.StatusOK, r.PathValue("month"), nil, nil, nil, nil)
}

// dispatchSubmit is POST /dispatches/{month}: saves the meeting's record
// with the version it was read at; a refused or stale form comes back as
// typed, and saving a stale one again applies it.
func (s *reportHandlers) dispatchSubmit(w http.ResponseWriter, r *http.Request) error {
	month := r.PathValue("month")
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	in := &sanlian.DispatchInput{MeetingDate: f.Get("meeting_date"), Place: f.Get("place"), Chair: f.Get("chair"),
		Attendees: f.Get("attendees"), Record: f.Get("record")}
	version, verr := strconv.ParseInt(strings.TrimSpace(f.Get("version")), 10, 64)
	var err error
	if verr != nil || version < 0 {
		err = sanlian.FieldErrors(map[string]string{"version": "表单已损坏，请刷新页面后重试"})
	} else {
		_, err = s.Dispatch.SaveDispatch(r.Context(), month, in, version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT || code == sanlian.EFORBIDDEN {
		if code == sanlian.ECONFLICT {
			if now, ferr := s.Dispatch.FindDispatch(r.Context(), month); ferr == nil {
				f.Set("version", strconv.FormatInt(now.Version, 10)) // saving again applies what was typed
			}
		}
		return s.renderDispatch(w, r, sanlian.HTTPStatus(code), month, f, err, nil, nil)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/dispatches/"+url.PathEscape(month)+"?ok="+url.QueryEscape("调度会记录已保存"), http.StatusSeeOther)
	return nil
}

// decisionSubmit is POST /dispatches/{month}/decisions: records a decision
// and its line on the unit's responsibility list; a refused form comes
// back as typed.
func (s *reportHandlers) decisionSubmit(w http.ResponseWriter, r *http.Request) error {
	month := r.PathValue("month")
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	bad := map[string]string{}
	in := &sanlian.DecisionInput{Text: f.Get("text"), Deadline: strings.TrimSpace(f.Get("deadline"))}
	in.UnitID = formInt(f, "unit_id", "unit_id", "请选择责任单位", bad)
	in.PersonID = formInt(f, "person_id", "person_id", "请从列表中选择责任人", bad)
	in.LeaderID = formInt(f, "leader_id", "leader_id", "请从列表中选择责任领导", bad)
	var err error
	if len(bad) > 0 {
		err = sanlian.FieldErrors(bad)
	} else {
		_, err = s.Dispatch.AddDecision(r.Context(), month, in)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.EFORBIDDEN {
		return s.renderDispatch(w, r, sanlian.HTTPStatus(code), month, nil, nil, f, err)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/dispatches/"+url.PathEscape(month)+"?ok="+url.QueryEscape("已记录议定事项并列入责任清单")+"#decisions", http.StatusSeeOther)
	return nil
}
