package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// The responsibility list (工作落实责任清单): the JSON API and the pages.
// Problems assigned to a unit and its projects are on the list without
// being entered; they link to their problem or project, where they are
// edited.

func respFilter(p *params) sanlian.ResponsibilityFilter {
	f := sanlian.ResponsibilityFilter{UnitID: p.int64("unit_id"), PersonID: p.int64("person_id"),
		Source: p.oneOf("source", sanlian.RespSources...), State: p.oneOf("state", sanlian.RespStates...),
		Cursor: p.str("cursor"), Limit: p.limit()}
	if b := p.boolPtr("overdue"); b != nil {
		f.Overdue = *b
	}
	if b := p.boolPtr("entered"); b != nil {
		f.Entered = *b
	}
	f.DueBy = dateParam(p, "due_by") // the workbench's due window
	return f
}

// apiResponsibilities is GET /api/v1/responsibilities.
func (s *listHandlers) apiResponsibilities(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := respFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, next, err := s.Resps.FindResponsibilities(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// apiCreateResponsibility is POST /api/v1/responsibilities.
func (s *listHandlers) apiCreateResponsibility(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.ResponsibilityInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	x, err := s.Resps.CreateResponsibility(r.Context(), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/responsibilities/"+strconv.FormatInt(x.ID, 10))
	writeJSON(w, http.StatusCreated, x)
	return nil
}

// apiResponsibility is GET /api/v1/responsibilities/{id}: an entered line.
func (s *listHandlers) apiResponsibility(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := s.Resps.FindResponsibilityByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

// respUpdate is the body of PATCH /api/v1/responsibilities/{id}: the
// fields to change and the version they were read at. Fields left out
// keep their values, so that a responsible person reports with
// {"state": "done", "completion_note": "…", "version": 3}.
type respUpdate struct {
	sanlian.ResponsibilityInput
	Version int64 `json:"version"`
}

// respInputOf is the input that rewrites x as it is.
func respInputOf(x *sanlian.Responsibility) sanlian.ResponsibilityInput {
	return sanlian.ResponsibilityInput{UnitID: x.UnitID, Task: x.Task, Source: x.Source, SourceID: x.SourceID, LeaderID: x.LeaderID,
		PersonID: x.PersonID, Measures: x.Measures, Deadline: x.Deadline, State: x.State, CompletionNote: x.CompletionNote}
}

// apiUpdateResponsibility is PATCH /api/v1/responsibilities/{id}.
func (s *listHandlers) apiUpdateResponsibility(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.Resps.FindResponsibilityByID(r.Context(), id)
	if err != nil {
		return err
	}
	upd := respUpdate{ResponsibilityInput: respInputOf(cur)}
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	if err := needVersion(upd.Version); err != nil {
		return err
	}
	x, err := s.Resps.UpdateResponsibility(r.Context(), id, &upd.ResponsibilityInput, upd.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

// Pages.

// respView is what the responsibility pages share.
type respView struct{}

// StateClass is the CSS class that colours a line's state.
func (respView) StateClass(state string) string {
	switch state {
	case sanlian.RespOngoing:
		return "state-assigned"
	case sanlian.RespDone:
		return "state-resolved"
	}
	return "state-submitted"
}

// Link is where a line is read: its own page, or its problem or project.
func (respView) Link(x *sanlian.Responsibility) string {
	switch {
	case !x.Derived:
		return "/responsibilities/" + strconv.FormatInt(x.ID, 10)
	case x.Source == sanlian.RespProblem:
		return "/problems/" + strconv.FormatInt(x.SourceID, 10)
	case x.Source == sanlian.RespProject:
		return "/projects/" + strconv.FormatInt(x.SourceID, 10)
	}
	return ""
}

// SourceLink is the page of an entered line's source, when there is one.
func (respView) SourceLink(x *sanlian.Responsibility) string {
	switch x.Source {
	case sanlian.RespProblem:
		return "/problems/" + strconv.FormatInt(x.SourceID, 10)
	case sanlian.RespProject:
		return "/projects/" + strconv.FormatInt(x.SourceID, 10)
	}
	return ""
}

// Ref names a line's source for people: a problem's number, a project's
// title, a dispatch decision's number.
func (respView) Ref(x *sanlian.Responsibility) string {
	if x.SourceRef != "" {
		return x.SourceRef
	}
	if x.SourceID != 0 {
		return "#" + strconv.FormatInt(x.SourceID, 10)
	}
	return ""
}

// Progress is a line's 进展情况: its source's for a derived line, its
// completion note for an entered one, with typed phones and ID numbers
// masked.
func (respView) Progress(x *sanlian.Responsibility) string {
	if x.Progress != "" {
		return sanlian.MaskContacts(x.Progress)
	}
	return sanlian.MaskContacts(x.CompletionNote)
}

type respsPage struct {
	basePage
	respView
	Lines     []*sanlian.Responsibility
	Units     []*sanlian.Unit
	Persons   []projectOption // the cadres of the chosen unit, to filter by
	Sources   []projectOption
	States    []projectOption
	F         sanlian.ResponsibilityFilter
	Person    string // the name of the person filtered by
	Mine      bool
	MayCreate bool
	Next      string
	First     bool
	FirstURL  string // this list's first page, filters kept
	ExportURL string
}

// cadreName names cadre id for a page, or says its number when the caller
// may not read it.
func (s *listHandlers) cadreName(r *http.Request, id int64) string {
	if c, err := s.Cadres.FindCadreByID(r.Context(), id); err == nil {
		return c.Name
	}
	return "干部 #" + strconv.FormatInt(id, 10)
}

// responsibilitiesPage is GET /responsibilities: the list with its
// filters; mine=1 is the lines the caller answers for.
func (s *listHandlers) responsibilitiesPage(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := respFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	ctx := r.Context()
	page := &respsPage{basePage: s.base(r, "工作落实责任清单", "responsibilities"), First: f.Cursor == ""}
	u := page.User
	if p.str("mine") == "1" && u.CadreID != 0 {
		f.PersonID, page.Mine = u.CadreID, true
		page.Title = "我的责任事项"
	}
	page.F = f
	page.MayCreate = u.Role == sanlian.RoleOffice || u.Role == sanlian.RoleUnitAdmin
	page.Sources, page.States = codeOptions(sanlian.RespSources, sanlian.RespSourceLabel, f.Source), codeOptions(sanlian.RespStates, sanlian.RespStateLabel, f.State)
	var next string
	var err error
	if page.Lines, next, err = s.Resps.FindResponsibilities(ctx, f); err != nil {
		return err
	}
	page.Next = nextURL(r, next)
	if page.Units, _, err = s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500}); err != nil {
		return err
	}
	if f.UnitID != 0 {
		cs, _, err := s.Cadres.FindCadres(ctx, sanlian.CadreFilter{UnitID: f.UnitID, Limit: 500})
		if err != nil && sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
			return err
		}
		for _, c := range cs {
			page.Persons = append(page.Persons, projectOption{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + "（" + c.Post + "）"})
		}
	}
	if f.PersonID != 0 {
		page.Person = s.cadreName(r, f.PersonID)
		page.Persons = withCurrent(selectOptions(page.Persons, strconv.FormatInt(f.PersonID, 10)), strconv.FormatInt(f.PersonID, 10), page.Person)
	}
	q := r.URL.Query()
	q.Del("cursor")
	page.FirstURL = "/responsibilities?" + q.Encode()
	page.ExportURL = "/responsibilities/export.xlsx?" + q.Encode()
	return s.render(w, r, http.StatusOK, "responsibilities", page)
}

// responsibilitiesExport is GET /responsibilities/export.xlsx: the list
// with its filters, every page of it, as a workbook.
func (s *listHandlers) responsibilitiesExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := respFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	if u := sanlian.UserFromContext(r.Context()); p.str("mine") == "1" && u != nil && u.CadreID != 0 {
		f.PersonID = u.CadreID
	}
	d := s.describe(r)
	d.unit("责任单位", f.UnitID)
	d.cadre("责任领导或责任人", f.PersonID)
	d.add("来源", sanlian.RespSourceLabel(f.Source))
	if f.Entered {
		d.add("范围", "仅填报事项")
	}
	d.add("状态", sanlian.RespStateLabel(f.State))
	if f.Overdue {
		d.add("超期", "是")
	}
	f.Limit = exportPage
	var v respView
	sh := sheet{name: "责任清单", title: "工作落实责任清单", filter: d.String(), columns: []sanlian.TableColumn{
		{Header: "责任事项", Width: 36, Wrap: true}, {Header: "来源", Width: 10},
		{Header: "来源编号", Width: 20, Wrap: true}, {Header: "责任单位", Width: 20, Wrap: true}, {Header: "责任领导", Width: 10},
		{Header: "责任人", Width: 10}, {Header: "工作措施", Width: 40, Wrap: true}, {Header: "完成时限", Width: 12},
		{Header: "进展情况", Width: 36, Wrap: true}, {Header: "状态", Width: 8}, {Header: "是否超期", Width: 8},
	}}
	return exportSheet(s.Server, w, r, sh, func(cursor string) ([]*sanlian.Responsibility, string, error) {
		f.Cursor = cursor
		return s.Resps.FindResponsibilities(r.Context(), f)
	}, func(x *sanlian.Responsibility) []any {
		return []any{sanlian.MaskContacts(x.Task), x.SourceLabel(), v.Ref(x), x.UnitName, x.LeaderName, x.PersonName,
			sanlian.MaskContacts(x.Measures), x.Deadline, v.Progress(x), x.StateLabel(), yesNo(x.Overdue)}
	})
}

type respPage struct {
	basePage
	respView
	X       *sanlian.Responsibility
	MayEdit bool
}

// mayEditResp says whether the page's user may edit (or, as its
// responsible person, report on) x; the service decides in the end.
func mayEditResp(u *sanlian.User, x *sanlian.Responsibility) bool {
	switch u.Role {
	case sanlian.RoleOffice, sanlian.RoleUnitAdmin:
		return true
	case sanlian.RoleCadre:
		return x.PersonID != 0 && x.PersonID == u.CadreID
	}
	return false
}

// responsibilityPage is GET /responsibilities/{id}: an entered line.
func (s *listHandlers) responsibilityPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := s.Resps.FindResponsibilityByID(r.Context(), id)
	if err != nil {
		return err
	}
	page := &respPage{basePage: s.base(r, "责任事项", "responsibilities"), X: x}
	page.MayEdit = mayEditResp(page.User, x)
	return s.render(w, r, http.StatusOK, "responsibility", page)
}

type respFormPage struct {
	basePage
	respView
	Action     string
	Form       url.Values
	Error      string
	Fields     map[string]string
	ChooseUnit bool                    // the office picks the unit first, to list its cadres
	Report     *sanlian.Responsibility // the line a responsible person reports on
	Units      []projectOption
	Leaders    []projectOption
	Persons    []projectOption
	Sources    []projectOption
	States     []projectOption
}

// renderRespForm shows the entry form posting to action: "/responsibilities"
// for a new line, "/responsibilities/{id}" for one being edited (self).
// A responsible person who is not an admin sees the report form: state
// and completion note.
func (s *listHandlers) renderRespForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error, action string, self *sanlian.Responsibility) error {
	ctx := r.Context()
	s.desks.fillRespSource(ctx, form)
	title := "填报责任事项"
	if self != nil {
		title = "修改责任事项"
	}
	page := &respFormPage{basePage: s.base(r, title, "responsibilities"), Action: action, Form: form,
		Sources: codeOptions(sanlian.RespSources, sanlian.RespSourceLabel, form.Get("source")), States: codeOptions(sanlian.RespStates, sanlian.RespStateLabel, form.Get("state"))}
	if form.Get("source") == "" {
		page.Sources = codeOptions(sanlian.RespSources, sanlian.RespSourceLabel, sanlian.RespStandalone)
	}
	if form.Get("state") == "" {
		page.States = codeOptions(sanlian.RespStates, sanlian.RespStateLabel, sanlian.RespPending)
	}
	if err != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
	}
	if self != nil && page.User.Role == sanlian.RoleCadre {
		page.Title, page.Report = "更新责任事项进展", self
		return s.render(w, r, status, "responsibility_form", page)
	}
	units, _, ferr := s.Units.FindUnits(ctx, sanlian.UnitFilter{Limit: 500})
	if ferr != nil {
		return ferr
	}
	for _, u := range units {
		page.Units = append(page.Units, projectOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	unit := form.Get("unit_id")
	if unit == "" && page.User.Role == sanlian.RoleUnitAdmin {
		unit = strconv.FormatInt(page.User.UnitID, 10)
		form.Set("unit_id", unit)
	}
	page.Units = selectOptions(page.Units, unit)
	unitID, _ := strconv.ParseInt(unit, 10, 64)
	if unitID == 0 && self == nil && err == nil {
		page.ChooseUnit = true
		return s.render(w, r, status, "responsibility_form", page)
	}
	// The unit's cadres, and the county leaders for the leader.
	if page.Leaders, page.Persons, ferr = s.responsibleOptions(ctx, unitID); ferr != nil {
		return ferr
	}
	leaderLabel, personLabel := "干部 #"+form.Get("leader_id"), "干部 #"+form.Get("person_id")
	if self != nil && strconv.FormatInt(self.LeaderID, 10) == form.Get("leader_id") {
		leaderLabel = self.LeaderName
	}
	if self != nil && strconv.FormatInt(self.PersonID, 10) == form.Get("person_id") {
		personLabel = self.PersonName
	}
	page.Leaders = withCurrent(selectOptions(page.Leaders, form.Get("leader_id")), form.Get("leader_id"), leaderLabel)
	page.Persons = withCurrent(selectOptions(page.Persons, form.Get("person_id")), form.Get("person_id"), personLabel)
	return s.render(w, r, status, "responsibility_form", page)
}

// responsibilityNewForm is GET /responsibilities/new[?unit_id=…]
// [&source=problem&source_id=…].
func (s *listHandlers) responsibilityNewForm(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	unitID, sourceID := p.int64("unit_id"), p.int64("source_id")
	source := p.oneOf("source", sanlian.RespSources...)
	if err := p.err(); err != nil {
		return err
	}
	form := url.Values{"source": {sanlian.RespStandalone}, "state": {sanlian.RespPending}}
	if unitID != 0 {
		form.Set("unit_id", strconv.FormatInt(unitID, 10))
	}
	if source != "" {
		form.Set("source", source)
	}
	if sourceID != 0 {
		form.Set("source_id", strconv.FormatInt(sourceID, 10))
	}
	return s.renderRespForm(w, r, http.StatusOK, form, nil, "/responsibilities", nil)
}

// respInput reads the entry form; bad holds what did not parse.
func respInput(f url.Values) (*sanlian.ResponsibilityInput, map[string]string) {
	bad := map[string]string{}
	in := &sanlian.ResponsibilityInput{Task: f.Get("task"), Source: strings.TrimSpace(f.Get("source")), Measures: f.Get("measures"),
		Deadline: strings.TrimSpace(f.Get("deadline")), State: strings.TrimSpace(f.Get("state")), CompletionNote: f.Get("completion_note")}
	in.UnitID = formInt(f, "unit_id", "unit_id", "请选择责任单位", bad)
	in.SourceID = formInt(f, "source_id", "source_id", "来源编号须为整数，如问题或项目的编号", bad)
	in.LeaderID = formInt(f, "leader_id", "leader_id", "请从列表中选择责任领导", bad)
	in.PersonID = formInt(f, "person_id", "person_id", "请从列表中选择责任人", bad)
	return in, bad
}

// responsibilityCreateSubmit is POST /responsibilities, the form's submit.
func (s *listHandlers) responsibilityCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	in, bad := respInput(f)
	if err := s.desks.pickRespSource(r.Context(), f, in, bad); err != nil {
		return err
	}
	var x *sanlian.Responsibility
	var err error
	if len(bad) > 0 {
		err = mergeErrors(in.Validate(), bad)
	} else {
		x, err = s.Resps.CreateResponsibility(r.Context(), in)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.EFORBIDDEN {
		return s.renderRespForm(w, r, sanlian.HTTPStatus(code), f, err, "/responsibilities", nil)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/responsibilities/"+strconv.FormatInt(x.ID, 10)+"?ok="+url.QueryEscape("已填报"), http.StatusSeeOther)
	return nil
}

// respForm is the entry form filled in with x.
func respForm(x *sanlian.Responsibility) url.Values {
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	return url.Values{"task": {x.Task}, "unit_id": {num(x.UnitID)}, "source": {x.Source}, "source_id": {num(x.SourceID)},
		"leader_id": {num(x.LeaderID)}, "person_id": {num(x.PersonID)}, "measures": {x.Measures}, "deadline": {x.Deadline},
		"state": {x.State}, "completion_note": {x.CompletionNote}, "version": {strconv.FormatInt(x.Version, 10)}}
}

// editableResp reads line id for its edit form: an admin's to edit, or
// the responsible person's to report on.
func (s *listHandlers) editableResp(r *http.Request, id int64) (*sanlian.Responsibility, error) {
	x, err := s.Resps.FindResponsibilityByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if u := sanlian.UserFromContext(r.Context()); !mayEditResp(u, x) {
		return nil, sanlian.Errorf(sanlian.EFORBIDDEN, "只有该事项的责任人本人可以更新进展")
	}
	return x, nil
}

// responsibilityEditForm is GET /responsibilities/{id}/edit: the entry
// form, filled in; for the responsible person, the report form.
func (s *listHandlers) responsibilityEditForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := s.editableResp(r, id)
	if err != nil {
		return err
	}
	return s.renderRespForm(w, r, http.StatusOK, respForm(x), nil, "/responsibilities/"+strconv.FormatInt(id, 10), x)
}

// responsibilityEditSubmit is POST /responsibilities/{id}: saves the form
// with the version it was read at; a refused or stale form comes back as
// typed, and saving a stale one again applies it. The responsible person's
// report changes the state and completion note alone.
func (s *listHandlers) responsibilityEditSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseFormLimit(w, r, 1<<20); err != nil {
		return err
	}
	f := r.PostForm
	cur, err := s.editableResp(r, id)
	if err != nil {
		return err
	}
	in, bad := respInput(f)
	if err := s.desks.pickRespSource(r.Context(), f, in, bad); err != nil {
		return err
	}
	if u := sanlian.UserFromContext(r.Context()); u.Role == sanlian.RoleCadre {
		report := respInputOf(cur)
		report.State, report.CompletionNote = in.State, in.CompletionNote
		in, bad = &report, map[string]string{}
		f.Set("task", cur.Task) // shown above the report form
	}
	version, verr := strconv.ParseInt(f.Get("version"), 10, 64)
	if verr != nil || version <= 0 {
		bad["version"] = "表单已损坏，请刷新页面后重试"
	}
	if len(bad) > 0 {
		err = mergeErrors(in.Validate(), bad)
	} else {
		_, err = s.Resps.UpdateResponsibility(r.Context(), id, in, version)
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT || code == sanlian.EFORBIDDEN {
		if code == sanlian.ECONFLICT {
			if now, ferr := s.Resps.FindResponsibilityByID(r.Context(), id); ferr == nil {
				cur = now
				f.Set("version", strconv.FormatInt(now.Version, 10)) // saving again applies what was typed
			}
		}
		return s.renderRespForm(w, r, sanlian.HTTPStatus(code), f, err, "/responsibilities/"+strconv.FormatInt(id, 10), cur)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/responsibilities/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已保存"), http.StatusSeeOther)
	return nil
}
